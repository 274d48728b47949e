//! The install wizard's screen state: what `ui::install` draws and the wizard's `update`
//! (in `install::tui::state`) changes — the page, each step's phase, the answers as form
//! fields, messages, the help overlay — and the keymap its keys go through (the `wizard`
//! context of `keymaps/*.toml`).
//!
//! - [`form`]: the answers as inputs (text fields, choice lists, the apps checklist).
//! - [`strings`]: the wizard's user-visible text and its key hints.

pub(crate) mod form;
pub(crate) mod strings;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::app::HelpLine;
use crate::config::{Keymap, Theme};
use crate::model::action::{Action, Context};
use crate::model::install::{Plan, StepId, StepOutcome, StepStatus};
use form::{FieldId, FieldKind, Form};

/// An entry of the step list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    Step(StepId),
    Summary,
}

/// Where a step's page is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    /// Answering the form.
    Form,
    /// check → plan running.
    Checking,
    /// The plan, waiting for Enter (apply) or Esc (back to the form).
    Preview(Plan),
    /// apply → verify running; progress streams into the log.
    Applying,
    /// Verified (the verify message).
    Done(String),
    /// The error; the answers are kept.
    Failed(String),
}

impl Phase {
    /// The page a step shows for its persisted progress: a finished step its verify
    /// message, a failed one its error, any other (pending or interrupted) its answers.
    pub(crate) fn resumed(status: StepStatus, message: Option<&str>) -> Phase {
        let message = message.unwrap_or_default().to_string();
        match status {
            StepStatus::Done => Phase::Done(message),
            StepStatus::Failed => Phase::Failed(message),
            _ => Phase::Form,
        }
    }

    /// The page of a step the engine reports finished: its result (a plan to confirm comes
    /// as [`Phase::Preview`] instead).
    pub(crate) fn finished(outcome: &StepOutcome) -> Phase {
        Phase::Done(outcome.message().unwrap_or_default())
    }

    /// The progress this phase shows; `None` on the form, where the persisted progress
    /// (pending, or where an interrupted run stopped) is shown.
    pub(crate) fn status(&self) -> Option<StepStatus> {
        Some(match self {
            Phase::Form => return None,
            Phase::Checking => StepStatus::Checking,
            Phase::Preview(_) => StepStatus::Planned,
            Phase::Applying => StepStatus::Applying,
            Phase::Done(_) => StepStatus::Done,
            Phase::Failed(_) => StepStatus::Failed,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepView {
    pub phase: Phase,
    pub log: Vec<String>,
    /// Scroll offset of the plan preview.
    pub scroll: usize,
}

impl StepView {
    pub(crate) const fn new(phase: Phase) -> StepView {
        StepView {
            phase,
            log: Vec::new(),
            scroll: 0,
        }
    }
}

/// What the wizard's screens show.
pub(crate) struct WizardScreen {
    pub form: Form,
    pub page: Page,
    pub steps: BTreeMap<StepId, StepView>,
    /// Each step's persisted progress (the install state file), for the steps whose page
    /// shows the answers.
    pub persisted: BTreeMap<StepId, StepStatus>,
    /// The kubeconfig context the install reaches (the title shows it).
    pub context: Option<String>,
    pub theme: Theme,
    /// The keys: the `wizard` context (its `help` and `quit` fall back to `global`).
    pub keymap: Keymap,
    /// A one-line message under the form (submit refused, config saved).
    pub flash: Option<(bool, String)>,
    /// The answers' problems, recomputed after every update (render reads them).
    pub problems: Vec<(FieldId, String)>,
    /// The summary's sections, recomputed after every update.
    pub summary: Vec<(String, Vec<String>)>,
    /// Closing was asked with a step half done: why (the footer asks to confirm).
    pub confirm_close: Option<String>,
    /// The help overlay, open at this scroll offset.
    pub help: Option<usize>,
}

impl WizardScreen {
    pub(crate) fn new(form: Form, theme: Theme, keymap: Keymap) -> WizardScreen {
        WizardScreen {
            form,
            page: Page::Summary,
            steps: BTreeMap::new(),
            persisted: BTreeMap::new(),
            context: None,
            theme,
            keymap,
            flash: None,
            problems: Vec::new(),
            summary: Vec::new(),
            confirm_close: None,
            help: None,
        }
    }

    pub(crate) fn view(&self, step: StepId) -> &StepView {
        static EMPTY: StepView = StepView::new(Phase::Form);
        self.steps.get(&step).unwrap_or(&EMPTY)
    }

    pub(crate) fn view_mut(&mut self, step: StepId) -> &mut StepView {
        self.steps
            .entry(step)
            .or_insert_with(|| StepView::new(Phase::Form))
    }

    /// The status mark of a step in the list: its phase's progress, else (on the form) the
    /// persisted one, where a finished or failed step being edited counts as pending.
    pub(crate) fn status(&self, step: StepId) -> StepStatus {
        self.view(step).phase.status().unwrap_or_else(|| {
            match self.persisted.get(&step).copied().unwrap_or_default() {
                StepStatus::Done | StepStatus::Failed => StepStatus::Pending,
                other => other,
            }
        })
    }

    /// The step whose work is running, if any.
    pub(crate) fn busy(&self) -> Option<StepId> {
        StepId::ALL
            .into_iter()
            .find(|s| matches!(self.view(*s).phase, Phase::Checking | Phase::Applying))
    }

    /// The first problem of a field.
    pub(crate) fn problem(&self, id: FieldId) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, m)| m.as_str())
    }

    /// The resume note of a step interrupted mid-way (from the persisted progress).
    pub(crate) fn interrupted(&self, step: StepId) -> Option<String> {
        match self.persisted.get(&step).copied().unwrap_or_default() {
            s @ (StepStatus::Applying | StepStatus::Verifying | StepStatus::Planned) => {
                Some(strings::interrupted(s.label()))
            }
            _ => None,
        }
    }

    /// Whether keys type into a text field (printable keys are then typed, not bound):
    /// a text field on the form, or the summary's save path, with no question or help open.
    pub(crate) fn typing(&self) -> bool {
        if self.confirm_close.is_some() || self.help.is_some() {
            return false;
        }
        match self.page {
            Page::Summary => true,
            Page::Step(step) => {
                self.view(step).phase == Phase::Form && self.form.focus.kind() == FieldKind::Text
            }
        }
    }

    /// The key hints of the footer for the current page: each as in [`strings`] while the
    /// keymap binds its actions as the built-in keymap does, else with the keymap's keys.
    pub(crate) fn hints(&self) -> Vec<(String, &'static str)> {
        let hints = match self.page {
            Page::Summary => strings::KEYS_SUMMARY,
            Page::Step(step) => match &self.view(step).phase {
                Phase::Form => match self.form.focus.kind() {
                    FieldKind::Text => strings::KEYS_FORM,
                    FieldKind::Choice => strings::KEYS_CHOICE,
                    FieldKind::Checklist => strings::KEYS_CHECKLIST,
                },
                Phase::Checking | Phase::Applying => strings::KEYS_BUSY,
                Phase::Preview(_) => strings::KEYS_PREVIEW,
                Phase::Done(_) => strings::KEYS_DONE,
                Phase::Failed(_) => strings::KEYS_FAILED,
            },
        };
        let builtin = &*BUILTIN;
        hints
            .iter()
            .map(|h| {
                let keys = |km: &Keymap| -> Vec<String> {
                    h.actions.iter().flat_map(|a| wizard_keys(km, *a)).collect()
                };
                let mine = keys(&self.keymap);
                let label = if mine == keys(builtin) {
                    h.keys.to_string()
                } else {
                    mine.join("/")
                };
                (label, h.desc)
            })
            .collect()
    }

    /// Help for the wizard, generated from the keymap: the `wizard` context, then the
    /// `global` keys the wizard honours.
    pub(crate) fn help_lines(&self) -> Vec<HelpLine> {
        let mut out = vec![HelpLine::Section(strings::HELP_WIZARD.into())];
        out.extend(self.keymap.bindings(Context::Wizard).map(HelpLine::binding));
        out.push(HelpLine::Section(strings::HELP_GLOBAL.into()));
        out.extend(
            self.keymap
                .bindings(Context::Global)
                .filter(|b| {
                    GLOBAL_ACTIONS.contains(&b.action)
                        && self.keymap.binding(Context::Wizard, b.action).is_none()
                })
                .map(HelpLine::binding),
        );
        out.push(HelpLine::Section(strings::HELP_TYPING.into()));
        for (what, how) in strings::HELP_TYPING_LINES {
            out.push(HelpLine::Text(what.to_string(), how.to_string()));
        }
        out
    }
}

/// The built-in keymap, which the footer's key labels are written for.
static BUILTIN: LazyLock<Keymap> = LazyLock::new(Keymap::builtin);

/// The `global` actions the wizard honours when its own context does not bind the key.
pub(crate) const GLOBAL_ACTIONS: &[Action] = &[Action::Quit, Action::Help, Action::Back];

/// The keys of an action in the wizard (its own context, else `global`), as shown.
fn wizard_keys(km: &Keymap, action: Action) -> Vec<String> {
    km.binding(Context::Wizard, action)
        .or_else(|| km.binding(Context::Global, action))
        .map(|b| b.keys.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}
