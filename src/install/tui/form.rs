//! The wizard's form read as install answers: filled from an [`InstallConfig`], read back as
//! one (the same `install.toml` holds) and validated as the user types with the validators
//! of `install::config` and `install::cluster`. The form itself (fields, inputs) is screen
//! state: `app::wizard::form`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::app::wizard::form::{AppRow, FieldId, Form, Probe};
use crate::app::wizard::strings;
use crate::install::catalog::CATALOG;
use crate::install::cluster::{self, PRESETS};
use crate::install::config::{AppOverride, ClusterMode, EksConfig, InstallConfig};

/// The form holding `cfg`'s answers; `contexts` from the kubeconfig, `current` its
/// current context (the default when `cfg` names none).
pub(crate) fn new_form(
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
        texts.insert(id, value);
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
    let mut form = Form::new(texts, apps);
    form.mode = cfg.cluster.mode;
    form.contexts = contexts;
    form.context = context;
    form.kubeconfig_error = kubeconfig_error;
    form.kubeconfig = cfg.cluster.kubeconfig.clone();
    form.preset = preset;
    form.presets = PRESETS.iter().map(|p| preset_groups(p)).collect();
    form
}

/// The form's answers as install configuration.
pub(crate) trait Answers {
    /// The configuration these answers stand for; relative paths are resolved against
    /// `base` (the folder the wizard was started in).
    fn config(&self, base: &Path) -> InstallConfig;
    /// Every problem of the answers as (field, message), in field order.
    fn problems(&self, base: &Path) -> Vec<(FieldId, String)>;
}

impl Answers for Form {
    /// The configuration these answers stand for; relative paths are resolved against
    /// `base` (the folder the wizard was started in).
    fn config(&self, base: &Path) -> InstallConfig {
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
    fn problems(&self, base: &Path) -> Vec<(FieldId, String)> {
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
}

/// The node groups a preset creates, for the preview under the field.
fn preset_groups(name: &str) -> Vec<String> {
    cluster::preset(name)
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
