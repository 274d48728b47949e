//! What a pane's action asks of the app. A pane reads only its own state and its
//! [`PaneCx`](super::pane::PaneCx) and answers an [`Action`](crate::model::action::Action)
//! with [`Effect`]s; [`App::apply`] carries them out, in order, in this one place.

use std::sync::Arc;

use super::cnpg::{ClusterKey, PendingSwitchover};
use super::prompt::Prompt;
use super::view::{ObjSource, TextMode};
use super::{App, Dialog, Level};
use crate::domain::waves::AppKey;
use crate::model::ResourceKind;
use crate::sources::Request;

/// Seconds a flash stays up unless it says otherwise.
pub(crate) const FLASH_SECS: i64 = 5;

#[derive(Debug, Clone)]
pub(crate) enum Effect {
    /// A message in the status bar for `secs` seconds.
    Flash {
        text: String,
        level: Level,
        secs: i64,
    },
    /// Work for the sources.
    Request(Request),
    /// A confirmation; its request is sent when the user confirms.
    Dialog(Dialog),
    /// Opens the prompt line.
    Prompt(Prompt),
    /// Closes the prompt line.
    ClosePrompt,
    /// Keeps the prompt open with this error under it.
    PromptError(String),
    /// A table of `kind` pushed on the stack (a drill-down), scoped as `App::open_table`
    /// takes it: `namespace` `None` keeps the console's namespace.
    OpenTable {
        kind: Arc<ResourceKind>,
        namespace: Option<Option<String>>,
        labels: Option<String>,
        fields: Option<String>,
        scope: Option<String>,
    },
    /// Describe or YAML of one object.
    OpenText { mode: TextMode, source: ObjSource },
    /// Logs of one container.
    OpenLogs {
        namespace: String,
        pod: String,
        container: String,
        previous: bool,
    },
    /// The detail of an Argo CD Application.
    OpenWaveApp(AppKey),
    /// The detail of a CNPG Cluster.
    OpenCnpgDetail(ClusterKey),
    /// Remembers the switchover asked for, to say when the operator completes it.
    AwaitSwitchover(PendingSwitchover),
}

impl Effect {
    pub(crate) fn flash(text: impl Into<String>, level: Level) -> Effect {
        Effect::flash_for(text, level, FLASH_SECS)
    }

    pub(crate) fn flash_for(text: impl Into<String>, level: Level, secs: i64) -> Effect {
        Effect::Flash {
            text: text.into(),
            level,
            secs,
        }
    }
}

impl App {
    /// Carries out a pane's effects, in order.
    pub(super) fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Flash { text, level, secs } => self.flash_for(text, level, secs),
                Effect::Request(r) => self.request(r),
                Effect::Dialog(d) => self.dialog = Some(d),
                Effect::Prompt(p) => self.open_prompt(p),
                Effect::ClosePrompt => self.close_prompt(),
                Effect::PromptError(error) => {
                    if let Some(p) = self.prompt.as_mut() {
                        p.error = Some(error);
                    }
                }
                Effect::OpenTable {
                    kind,
                    namespace,
                    labels,
                    fields,
                    scope,
                } => self.open_table(kind, namespace, labels, fields, scope, true),
                Effect::OpenText { mode, source } => self.open_text_for(mode, source),
                Effect::OpenLogs {
                    namespace,
                    pod,
                    container,
                    previous,
                } => self.open_logs(namespace, pod, container, previous),
                Effect::OpenWaveApp(key) => self.open_wave_app(key),
                Effect::OpenCnpgDetail(key) => self.open_cnpg_detail(key),
                Effect::AwaitSwitchover(p) => self.cnpg.switchover = Some(p),
            }
        }
    }
}
