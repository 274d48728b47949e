//! The wizard's answers as form fields: text inputs (tui-textarea, one per field), choice
//! lists (cluster mode, context, node group preset) and the apps checklist with editable
//! waves. The form builds the same [`InstallConfig`] `install.toml` holds, and validates it
//! as the user types with the validators of `install::config` and `install::cluster`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::style::{Modifier, Style};
use tui_textarea::TextArea;

use super::strings;
use crate::install::catalog::{self, CATALOG};
use crate::install::cluster::{self, PRESETS};
use crate::install::config::{AppOverride, ClusterMode, EksConfig, InstallConfig};
use crate::install::wizard::StepId;

/// One input of the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldId {
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
pub enum FieldKind {
    Text,
    /// A short list of options picked with ←/→ (or ↑/↓ when it is a list).
    Choice,
    /// The apps checklist.
    Checklist,
}

impl FieldId {
    pub fn label(self) -> &'static str {
        strings::field_label(self)
    }

    pub fn kind(self) -> FieldKind {
        match self {
            FieldId::Mode | FieldId::Context | FieldId::EksPreset => FieldKind::Choice,
            FieldId::Apps => FieldKind::Checklist,
            _ => FieldKind::Text,
        }
    }

    /// The field of a validation problem's path (`cluster.eks.role_arn`).
    fn from_path(path: &str) -> Option<FieldId> {
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
pub struct AppRow {
    pub name: &'static str,
    pub description: &'static str,
    pub enabled: bool,
    /// The sync wave as typed (validated as a whole number in -100..=100).
    pub wave: String,
    pub default_wave: i32,
}

/// Reachability of the chosen context, probed by a task (never in update or render).
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Unknown,
    Checking(String),
    Reachable { context: String, detail: String },
    Unreachable { context: String, error: String },
}

#[derive(Debug, Clone)]
pub struct Form {
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
    /// The form holding `cfg`'s answers; `contexts` from the kubeconfig, `current` its
    /// current context (the default when `cfg` names none).
    pub fn new(
        cfg: &InstallConfig,
        contexts: Vec<String>,
        current: Option<&str>,
        kubeconfig_error: Option<String>,
    ) -> Form {
        let eks = cfg.cluster.eks.clone();
        let wanted = cfg.cluster.context.as_deref().or(current);
        let context = wanted
            .and_then(|w| contexts.iter().position(|c| c == w))
            .unwrap_or(0);
        let preset = eks
            .as_ref()
            .and_then(|e| e.preset.as_deref())
            .and_then(|p| PRESETS.iter().position(|x| *x == p))
            .unwrap_or(0);
        let e = |f: fn(&EksConfig) -> String, default: &str| {
            eks.as_ref().map(f).unwrap_or_else(|| default.to_string())
        };
        let mut texts = BTreeMap::new();
        let mut put = |id: FieldId, value: String| {
            texts.insert(id, text_area(&value, strings::placeholder(id)));
        };
        put(FieldId::Environment, cfg.environment.clone());
        put(FieldId::EksName, e(|e| e.name.clone(), ""));
        put(FieldId::EksRegion, e(|e| e.region.clone(), "eu-west-1"));
        put(FieldId::EksVersion, e(|e| e.version.clone(), "1.33"));
        put(FieldId::EksRoleArn, e(|e| e.role_arn.clone(), ""));
        put(FieldId::EksSubnets, e(|e| e.subnets.join(", "), ""));
        put(
            FieldId::EksNodeRoleArn,
            e(|e| e.node_role_arn.clone().unwrap_or_default(), ""),
        );
        put(
            FieldId::EksEndpoint,
            e(|e| e.endpoint.clone().unwrap_or_default(), ""),
        );
        put(FieldId::Namespace, cfg.argocd.namespace.clone());
        put(FieldId::SecretName, cfg.age_key.secret_name.clone());
        put(FieldId::SecretKey, cfg.age_key.secret_key.clone());
        put(FieldId::GitopsPath, cfg.gitops.path.display().to_string());
        put(
            FieldId::ImportFile,
            cfg.age_key
                .import_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
        put(FieldId::Manifest, cfg.argocd.manifest.clone());
        put(FieldId::RolloutTimeout, cfg.argocd.rollout_timeout.clone());
        put(FieldId::RepoUrl, cfg.gitops.repo_url.clone());
        put(FieldId::Revision, cfg.gitops.revision.clone());
        put(FieldId::RootName, cfg.apps.root_name.clone());
        put(FieldId::SavePath, "install.toml".into());
        let mut apps: Vec<AppRow> = CATALOG
            .iter()
            .map(|c| AppRow {
                name: c.name,
                description: c.description,
                enabled: cfg.apps.enabled.iter().any(|n| n == c.name),
                wave: cfg
                    .apps
                    .overrides
                    .get(c.name)
                    .and_then(|o| o.wave)
                    .unwrap_or(c.wave)
                    .to_string(),
                default_wave: c.wave,
            })
            .collect();
        apps.sort_by_key(|a| a.default_wave);
        let mut form = Form {
            texts,
            mode: cfg.cluster.mode,
            contexts,
            context,
            kubeconfig_error,
            kubeconfig: cfg.cluster.kubeconfig.clone(),
            preset,
            apps,
            app_cursor: 0,
            focus: FieldId::Mode,
            probe: Probe::Unknown,
        };
        form.set_focus(FieldId::Mode);
        form
    }

    /// The fields of a step's page, in Tab order.
    pub fn fields(&self, step: StepId) -> Vec<FieldId> {
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

    pub fn text(&self, id: FieldId) -> String {
        self.texts
            .get(&id)
            .map(|t| t.lines().join(""))
            .unwrap_or_default()
    }

    pub fn text_area(&self, id: FieldId) -> Option<&TextArea<'static>> {
        self.texts.get(&id)
    }

    pub fn text_area_mut(&mut self, id: FieldId) -> Option<&mut TextArea<'static>> {
        self.texts.get_mut(&id)
    }

    pub fn set_text(&mut self, id: FieldId, value: &str) {
        if let Some(t) = self.texts.get_mut(&id) {
            let cursor = t.cursor_style();
            *t = text_area(value, strings::placeholder(id));
            t.set_cursor_style(cursor);
        }
    }

    /// Moves the focus, showing the text cursor only in the focused input.
    pub fn set_focus(&mut self, id: FieldId) {
        for (fid, t) in self.texts.iter_mut() {
            t.set_cursor_style(if *fid == id {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            });
        }
        self.focus = id;
    }

    pub fn selected_context(&self) -> Option<&str> {
        self.contexts.get(self.context).map(String::as_str)
    }

    pub fn preset_name(&self) -> &'static str {
        PRESETS.get(self.preset).copied().unwrap_or("infra-apps")
    }

    /// The configuration these answers stand for; relative paths are resolved against
    /// `base` (the folder the wizard was started in).
    pub fn config(&self, base: &Path) -> InstallConfig {
        let mut cfg = InstallConfig {
            environment: self.text(FieldId::Environment).trim().to_string(),
            ..InstallConfig::default()
        };
        cfg.cluster.mode = self.mode;
        cfg.cluster.kubeconfig = self.kubeconfig.clone();
        match self.mode {
            ClusterMode::Context => {
                cfg.cluster.context = self.selected_context().map(str::to_string);
            }
            ClusterMode::Eks => {
                let opt = |id| {
                    let v = self.text(id).trim().to_string();
                    (!v.is_empty()).then_some(v)
                };
                cfg.cluster.eks = Some(EksConfig {
                    name: self.text(FieldId::EksName).trim().to_string(),
                    region: self.text(FieldId::EksRegion).trim().to_string(),
                    version: self.text(FieldId::EksVersion).trim().to_string(),
                    role_arn: self.text(FieldId::EksRoleArn).trim().to_string(),
                    subnets: self
                        .text(FieldId::EksSubnets)
                        .split([',', ' '])
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    node_role_arn: opt(FieldId::EksNodeRoleArn),
                    preset: Some(self.preset_name().to_string()),
                    node_groups: Vec::new(),
                    endpoint: opt(FieldId::EksEndpoint),
                    wait_timeout: "25m".into(),
                });
            }
        }
        cfg.argocd.namespace = self.text(FieldId::Namespace).trim().to_string();
        cfg.age_key.secret_name = self.text(FieldId::SecretName).trim().to_string();
        cfg.age_key.secret_key = self.text(FieldId::SecretKey).trim().to_string();
        let gitops = self.text(FieldId::GitopsPath).trim().to_string();
        cfg.gitops.path = if gitops.is_empty() {
            PathBuf::new()
        } else {
            base.join(gitops)
        };
        let import = self.text(FieldId::ImportFile).trim().to_string();
        cfg.age_key.import_file = (!import.is_empty()).then(|| base.join(import));
        let manifest = self.text(FieldId::Manifest).trim().to_string();
        cfg.argocd.manifest = if manifest.is_empty()
            || manifest.starts_with("https://")
            || manifest.starts_with("http://")
        {
            manifest
        } else {
            base.join(manifest).display().to_string()
        };
        cfg.argocd.rollout_timeout = self.text(FieldId::RolloutTimeout).trim().to_string();
        cfg.gitops.repo_url = self.text(FieldId::RepoUrl).trim().to_string();
        cfg.gitops.revision = self.text(FieldId::Revision).trim().to_string();
        cfg.apps.root_name = self.text(FieldId::RootName).trim().to_string();
        cfg.apps.enabled = self
            .apps
            .iter()
            .filter(|a| a.enabled)
            .map(|a| a.name.to_string())
            .collect();
        cfg.apps.overrides = self
            .apps
            .iter()
            .filter_map(|a| {
                let w: i32 = a.wave.trim().parse().ok()?;
                (w != a.default_wave).then(|| {
                    (
                        a.name.to_string(),
                        AppOverride {
                            wave: Some(w),
                            ..AppOverride::default()
                        },
                    )
                })
            })
            .collect();
        cfg
    }

    /// Every problem of the answers as (field, message), in field order.
    pub fn problems(&self, base: &Path) -> Vec<(FieldId, String)> {
        let mut out = Vec::new();
        if self.mode == ClusterMode::Context {
            if self.contexts.is_empty() {
                out.push((
                    FieldId::Context,
                    self.kubeconfig_error
                        .clone()
                        .unwrap_or_else(|| strings::NO_CONTEXTS.into()),
                ));
            } else if let Probe::Unreachable { context, error } = &self.probe
                && Some(context.as_str()) == self.selected_context()
            {
                out.push((FieldId::Context, error.clone()));
            }
        }
        for a in &self.apps {
            match a.wave.trim().parse::<i32>() {
                Ok(_) => {}
                Err(_) => out.push((FieldId::Apps, strings::bad_wave(a.name, &a.wave))),
            }
        }
        let cfg = self.config(base);
        if let Some(file) = &cfg.age_key.import_file
            && let Err(problem) = crate::install::agekey::check_import_file(file)
        {
            out.push((FieldId::ImportFile, problem));
        }
        for (path, message) in cfg.validate() {
            let Some(field) = FieldId::from_path(&path) else {
                continue;
            };
            let message = match path.strip_prefix("apps.overrides.") {
                Some(rest) => format!("{}: {message}", rest.trim_end_matches(".wave")),
                None => message,
            };
            if !out.iter().any(|(f, m)| *f == field && *m == message) {
                out.push((field, message));
            }
        }
        out
    }

    /// The node groups the chosen preset creates, for the preview under the field.
    pub fn preset_groups(&self) -> Vec<String> {
        cluster::preset(self.preset_name())
            .unwrap_or_default()
            .iter()
            .map(|g| {
                let mut s = format!(
                    "{}: {} × {} (min {}, max {})",
                    g.name,
                    g.desired,
                    g.instance_types.join("/"),
                    g.min,
                    g.max
                );
                if !g.taints.is_empty() {
                    s.push_str(&format!(", taint {}", g.taints.join(", ")));
                }
                s
            })
            .collect()
    }

    /// Catalog app names, for messages.
    pub fn catalog_names() -> String {
        catalog::names().join(", ")
    }
}
