//! The wizard's answers as form fields: text inputs (tui-textarea, one per field), choice
//! lists (cluster mode, context, node group preset) and the apps checklist with editable
//! waves. `install::tui::form` fills the form from an install configuration, reads it back
//! as one and validates it as the user types.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ratatui::style::{Modifier, Style};
use tui_textarea::TextArea;

use super::strings;
use crate::model::install::{ClusterMode, PRESETS, StepId};

/// One input of the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FieldId {
    Mode,
    Context,
    Environment,
    EksName,
    EksRegion,
    EksVersion,
    EksRoleArn,
    EksSubnets,
    EksNodeRoleArn,
    EksPreset,
    EksEndpoint,
    Namespace,
    SecretName,
    SecretKey,
    GitopsPath,
    /// An age key file to import (`age_key.import_file`), for the `import` answer.
    ImportFile,
    Manifest,
    RolloutTimeout,
    RepoUrl,
    Revision,
    RootName,
    Apps,
    /// The summary's "save answers as" path.
    SavePath,
}

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Text,
    /// A short list of options picked with ←/→ (or ↑/↓ when it is a list).
    Choice,
    /// The apps checklist.
    Checklist,
}

impl FieldId {
    pub(crate) fn label(self) -> &'static str {
        strings::field_label(self)
    }

    pub(crate) fn kind(self) -> FieldKind {
        match self {
            FieldId::Mode | FieldId::Context | FieldId::EksPreset => FieldKind::Choice,
            FieldId::Apps => FieldKind::Checklist,
            _ => FieldKind::Text,
        }
    }

    /// The field of a validation problem's path (`cluster.eks.role_arn`).
    pub(crate) fn from_path(path: &str) -> Option<FieldId> {
        Some(match path {
            "environment" => FieldId::Environment,
            "argocd.namespace" => FieldId::Namespace,
            "argocd.manifest" => FieldId::Manifest,
            "argocd.rollout_timeout" => FieldId::RolloutTimeout,
            "age_key.secret_name" => FieldId::SecretName,
            "age_key.secret_key" => FieldId::SecretKey,
            "gitops.path" => FieldId::GitopsPath,
            "age_key.import_file" => FieldId::ImportFile,
            "gitops.repo_url" => FieldId::RepoUrl,
            "gitops.revision" => FieldId::Revision,
            "apps.root_name" => FieldId::RootName,
            "apps.enabled" => FieldId::Apps,
            "cluster.eks.name" => FieldId::EksName,
            "cluster.eks.region" => FieldId::EksRegion,
            "cluster.eks.version" => FieldId::EksVersion,
            "cluster.eks.role_arn" => FieldId::EksRoleArn,
            "cluster.eks.subnets" => FieldId::EksSubnets,
            "cluster.eks.node_role_arn" => FieldId::EksNodeRoleArn,
            "cluster.eks.preset" => FieldId::EksPreset,
            p if p.starts_with("cluster.eks.node_groups") => FieldId::EksPreset,
            p if p.starts_with("apps.overrides.") => FieldId::Apps,
            _ => return None,
        })
    }
}

/// One row of the apps checklist.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppRow {
    pub name: &'static str,
    pub description: &'static str,
    pub enabled: bool,
    /// The sync wave as typed (validated as a whole number in -100..=100).
    pub wave: String,
    pub default_wave: i32,
}

/// Reachability of the chosen context, probed by a task (never in update or render).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Probe {
    Unknown,
    Checking(String),
    Reachable { context: String, detail: String },
    Unreachable { context: String, error: String },
}

#[derive(Debug, Clone)]
pub(crate) struct Form {
    texts: BTreeMap<FieldId, TextArea<'static>>,
    pub mode: ClusterMode,
    /// Contexts of the kubeconfig and the selected one.
    pub contexts: Vec<String>,
    pub context: usize,
    /// Why the kubeconfig could not be read, if it could not.
    pub kubeconfig_error: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub preset: usize,
    pub apps: Vec<AppRow>,
    pub app_cursor: usize,
    pub focus: FieldId,
    pub probe: Probe,
    /// The node groups each preset creates (by preset index), for the preview under the
    /// field.
    pub presets: Vec<Vec<String>>,
}

fn text_area(value: &str, placeholder: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![value.to_string()]);
    t.set_cursor_line_style(Style::default());
    t.set_cursor_style(Style::default());
    t.set_placeholder_text(placeholder);
    t.move_cursor(tui_textarea::CursorMove::End);
    t
}

impl Form {
    /// A form with these text values (the other fields at their defaults: the first
    /// context, the first preset, focus on the cluster mode).
    pub(crate) fn new(values: BTreeMap<FieldId, String>, apps: Vec<AppRow>) -> Form {
        let texts = values
            .into_iter()
            .map(|(id, v)| (id, text_area(&v, strings::placeholder(id))))
            .collect();
        let mut form = Form {
            texts,
            mode: ClusterMode::default(),
            contexts: Vec::new(),
            context: 0,
            kubeconfig_error: None,
            kubeconfig: None,
            preset: 0,
            apps,
            app_cursor: 0,
            focus: FieldId::Mode,
            probe: Probe::Unknown,
            presets: Vec::new(),
        };
        form.set_focus(FieldId::Mode);
        form
    }

    /// The fields of a step's page, in Tab order.
    pub(crate) fn fields(&self, step: StepId) -> Vec<FieldId> {
        match step {
            StepId::Cluster => match self.mode {
                ClusterMode::Context => {
                    vec![FieldId::Mode, FieldId::Context, FieldId::Environment]
                }
                ClusterMode::Eks => vec![
                    FieldId::Mode,
                    FieldId::Environment,
                    FieldId::EksName,
                    FieldId::EksRegion,
                    FieldId::EksVersion,
                    FieldId::EksRoleArn,
                    FieldId::EksSubnets,
                    FieldId::EksNodeRoleArn,
                    FieldId::EksPreset,
                    FieldId::EksEndpoint,
                ],
            },
            StepId::AgeKey => vec![
                FieldId::Namespace,
                FieldId::SecretName,
                FieldId::SecretKey,
                FieldId::GitopsPath,
                FieldId::ImportFile,
            ],
            StepId::ArgoCd => vec![FieldId::Manifest, FieldId::RolloutTimeout],
            StepId::Apps => vec![
                FieldId::RepoUrl,
                FieldId::Revision,
                FieldId::RootName,
                FieldId::Apps,
            ],
        }
    }

    pub(crate) fn text(&self, id: FieldId) -> String {
        self.texts
            .get(&id)
            .map(|t| t.lines().join(""))
            .unwrap_or_default()
    }

    pub(crate) fn text_area(&self, id: FieldId) -> Option<&TextArea<'static>> {
        self.texts.get(&id)
    }

    pub(crate) fn text_area_mut(&mut self, id: FieldId) -> Option<&mut TextArea<'static>> {
        self.texts.get_mut(&id)
    }

    pub(crate) fn set_text(&mut self, id: FieldId, value: &str) {
        if let Some(t) = self.texts.get_mut(&id) {
            let cursor = t.cursor_style();
            *t = text_area(value, strings::placeholder(id));
            t.set_cursor_style(cursor);
        }
    }

    /// Moves the focus, showing the text cursor only in the focused input.
    pub(crate) fn set_focus(&mut self, id: FieldId) {
        for (fid, t) in self.texts.iter_mut() {
            t.set_cursor_style(if *fid == id {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            });
        }
        self.focus = id;
    }

    pub(crate) fn selected_context(&self) -> Option<&str> {
        self.contexts.get(self.context).map(String::as_str)
    }

    pub(crate) fn preset_name(&self) -> &'static str {
        PRESETS.get(self.preset).copied().unwrap_or("infra-apps")
    }

    /// The node groups the chosen preset creates, for the preview under the field.
    pub(crate) fn preset_groups(&self) -> &[String] {
        self.presets
            .get(self.preset)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}
