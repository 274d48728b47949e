//! The install configuration (`install.toml`): strict TOML (unknown keys are errors), every
//! error names the file, the line and the field. The same struct backs the interactive forms.
//! The documented example is `tests/fixtures/install/install.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::InstallError;
pub use crate::model::install::ClusterMode;

/// Argo CD release the wizard installs by default (a pinned tag of argoproj/argo-cd).
pub(crate) const DEFAULT_ARGOCD_MANIFEST: &str =
    "https://raw.githubusercontent.com/argoproj/argo-cd/v3.1.8/manifests/install.yaml";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InstallConfig {
    /// Environment name (dev, qa, prod): one age key and one values folder per environment.
    #[serde(default = "default_environment")]
    pub(crate) environment: String,
    #[serde(default)]
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub age_key: AgeKeyConfig,
    #[serde(default)]
    pub argocd: ArgoCdConfig,
    #[serde(default)]
    pub gitops: GitopsConfig,
    #[serde(default)]
    pub apps: AppsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    #[serde(default)]
    pub mode: ClusterMode,
    /// Kubeconfig file (default: `KUBECONFIG`, else `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// Context to use (default: the current context).
    pub context: Option<String>,
    pub eks: Option<EksConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EksConfig {
    pub name: String,
    pub region: String,
    #[serde(default = "default_eks_version")]
    pub version: String,
    pub role_arn: String,
    pub subnets: Vec<String>,
    /// IAM role of the nodes (required when node groups are given).
    pub node_role_arn: Option<String>,
    /// `infra-apps` (seeds: 3 infra + 3 apps nodes) or `workload-database-large` (tainted
    /// database and large pools); ignored when `node_groups` is given.
    pub preset: Option<String>,
    #[serde(default)]
    pub node_groups: Vec<NodeGroupConfig>,
    /// EKS endpoint override (moto, a proxy); default from the AWS configuration.
    pub endpoint: Option<String>,
    /// How long to wait for the cluster and node groups to become ACTIVE, e.g. "25m".
    #[serde(default = "default_eks_timeout")]
    pub wait_timeout: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeGroupConfig {
    pub name: String,
    pub instance_types: Vec<String>,
    pub min: i32,
    pub desired: i32,
    pub max: i32,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `key=value:NoSchedule` (NoSchedule, NoExecute, PreferNoSchedule).
    #[serde(default)]
    pub taints: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AgeKeyConfig {
    /// Secret holding the key (seeds: `helm-secrets-private-keys`).
    #[serde(default = "default_secret_name")]
    pub secret_name: String,
    /// Key of the Secret's data (seeds: `key.txt`).
    #[serde(default = "default_secret_key")]
    pub(crate) secret_key: String,
    /// What to do with a Secret that holds no usable key or another key than the local one:
    /// `ask` (stop and say so), `keep`, `replace` (the old Secret is backed up first) or
    /// `import` (the key of `import_file` becomes the local key and the Secret's).
    #[serde(default)]
    pub existing: KeyChoice,
    /// A key file (age-keygen format) to import with `existing = "import"`.
    #[serde(default)]
    pub(crate) import_file: Option<PathBuf>,
}

/// The answer to an existing key Secret that does not hold the local key.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum KeyChoice {
    #[default]
    Ask,
    Keep,
    Replace,
    Import,
}

/// The answer to an Argo CD that is already installed (by Helm, `kubectl apply` or another
/// field manager).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExistingChoice {
    /// Stop at the plan and ask.
    #[default]
    Ask,
    /// Apply the manifest as an additional field manager; conflicts stop the step.
    Adopt,
    /// Adopt and take over conflicting fields (`force`), replacing container lists that
    /// would otherwise be merged.
    Force,
    /// Leave the existing install as it is and go on.
    Skip,
    /// Stop the wizard; nothing is changed.
    Stop,
}

impl ExistingChoice {
    pub fn word(self) -> &'static str {
        match self {
            ExistingChoice::Ask => "ask",
            ExistingChoice::Adopt => "adopt",
            ExistingChoice::Force => "force",
            ExistingChoice::Skip => "skip",
            ExistingChoice::Stop => "stop",
        }
    }
}

impl Default for AgeKeyConfig {
    fn default() -> Self {
        AgeKeyConfig {
            secret_name: default_secret_name(),
            secret_key: default_secret_key(),
            existing: KeyChoice::Ask,
            import_file: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ArgoCdConfig {
    /// Namespace of Argo CD and of the age key Secret (seeds: `argo`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// A local file (relative to the config file) or an https URL of Argo CD's install.yaml.
    #[serde(default = "default_manifest")]
    pub manifest: String,
    /// How long to wait for the Deployments to become available ("0s": do not wait).
    #[serde(default = "default_rollout_timeout")]
    pub(crate) rollout_timeout: String,
    /// What to do when Argo CD is already installed: `ask` (stop at the plan), `adopt`,
    /// `force`, `skip` or `stop`.
    #[serde(default)]
    pub existing: ExistingChoice,
}

impl Default for ArgoCdConfig {
    fn default() -> Self {
        ArgoCdConfig {
            namespace: default_namespace(),
            manifest: default_manifest(),
            rollout_timeout: default_rollout_timeout(),
            existing: ExistingChoice::Ask,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GitopsConfig {
    /// The GitOps repository's working copy (relative to the config file).
    #[serde(default = "default_gitops_path")]
    pub path: PathBuf,
    /// Where Argo CD clones the GitOps repository from.
    #[serde(default = "default_repo_url")]
    pub(crate) repo_url: String,
    #[serde(default = "default_revision")]
    pub(crate) revision: String,
}

impl Default for GitopsConfig {
    fn default() -> Self {
        GitopsConfig {
            path: default_gitops_path(),
            repo_url: default_repo_url(),
            revision: default_revision(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AppsConfig {
    /// Catalog apps to install (names from `opsdeck install --catalog`).
    #[serde(default = "default_apps")]
    pub(crate) enabled: Vec<String>,
    /// Name of the root app-of-apps Application.
    #[serde(default = "default_root_app")]
    pub(crate) root_name: String,
    /// Per-app overrides of the catalog defaults.
    #[serde(default)]
    pub(crate) overrides: BTreeMap<String, AppOverride>,
}

impl Default for AppsConfig {
    fn default() -> Self {
        AppsConfig {
            enabled: default_apps(),
            root_name: default_root_app(),
            overrides: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppOverride {
    pub wave: Option<i32>,
    pub(crate) repo_url: Option<String>,
    pub(crate) revision: Option<String>,
    pub chart: Option<String>,
    pub path: Option<String>,
    pub namespace: Option<String>,
}

fn default_environment() -> String {
    "dev".into()
}
fn default_eks_version() -> String {
    "1.33".into()
}
fn default_eks_timeout() -> String {
    "25m".into()
}
fn default_secret_name() -> String {
    "helm-secrets-private-keys".into()
}
fn default_secret_key() -> String {
    "key.txt".into()
}
fn default_namespace() -> String {
    "argo".into()
}
fn default_manifest() -> String {
    DEFAULT_ARGOCD_MANIFEST.into()
}
fn default_rollout_timeout() -> String {
    "5m".into()
}
fn default_gitops_path() -> PathBuf {
    PathBuf::from("gitops")
}
fn default_repo_url() -> String {
    "https://github.com/example/gitops.git".into()
}
fn default_revision() -> String {
    "HEAD".into()
}
fn default_apps() -> Vec<String> {
    super::catalog::DEFAULT_APPS
        .iter()
        .map(|s| s.to_string())
        .collect()
}
fn default_root_app() -> String {
    "root".into()
}

impl Default for InstallConfig {
    fn default() -> Self {
        InstallConfig {
            environment: default_environment(),
            cluster: ClusterConfig::default(),
            age_key: AgeKeyConfig::default(),
            argocd: ArgoCdConfig::default(),
            gitops: GitopsConfig::default(),
            apps: AppsConfig::default(),
        }
    }
}

/// 1-based line of a byte offset.
fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Line where `key` is assigned (best effort, for validation messages).
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

impl InstallConfig {
    /// Records the answer to a plan's question (`argocd.existing = "adopt"`).
    pub(crate) fn set_choice(&mut self, key: &str, answer: &str) -> Result<(), String> {
        let value = toml::Value::String(answer.to_string());
        match key {
            "argocd.existing" => {
                self.argocd.existing = value
                    .try_into()
                    .map_err(|e| format!("{key} = {answer:?}: {e}"))?;
            }
            "age_key.existing" => {
                self.age_key.existing = value
                    .try_into()
                    .map_err(|e| format!("{key} = {answer:?}: {e}"))?;
            }
            _ => return Err(format!("{key}: not a choice")),
        }
        Ok(())
    }

    /// Reads and validates a config file; relative paths are resolved against its folder.
    pub fn load(path: &Path) -> Result<InstallConfig, InstallError> {
        let text = std::fs::read_to_string(path).map_err(|e| InstallError::io(path, e))?;
        let mut cfg = Self::parse(&text, &path.display().to_string())?;
        let base = path.parent().unwrap_or(Path::new("."));
        if cfg.gitops.path.is_relative() {
            cfg.gitops.path = base.join(&cfg.gitops.path);
        }
        if !cfg.argocd.manifest.starts_with("https://")
            && !cfg.argocd.manifest.starts_with("http://")
            && Path::new(&cfg.argocd.manifest).is_relative()
        {
            cfg.argocd.manifest = base.join(&cfg.argocd.manifest).display().to_string();
        }
        if let Some(kc) = &cfg.cluster.kubeconfig
            && kc.is_relative()
        {
            cfg.cluster.kubeconfig = Some(base.join(kc));
        }
        if let Some(f) = &cfg.age_key.import_file
            && f.is_relative()
        {
            cfg.age_key.import_file = Some(base.join(f));
        }
        Ok(cfg)
    }

    /// Parses and validates config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<InstallConfig, InstallError> {
        let cfg: InstallConfig = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!(":{}", line_of_offset(text, s.start)))
                .unwrap_or_default();
            InstallError::Config(format!("{origin}{line}: {}", e.message().trim()))
        })?;
        let problems = cfg.validate();
        if let Some((field, message)) = problems.into_iter().next() {
            let leaf = field.rsplit('.').next().unwrap_or(&field);
            let line = line_of_key(text, leaf)
                .map(|l| format!(":{l}"))
                .unwrap_or_default();
            return Err(InstallError::Config(format!(
                "{origin}{line}: {field}: {message}"
            )));
        }
        Ok(cfg)
    }

    /// Every problem as (field path, message); empty when valid. The forms call this as the
    /// user types.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Err(m) = validate_dns_label(&self.environment) {
            out.push(("environment".into(), m));
        }
        if let Err(m) = validate_dns_label(&self.argocd.namespace) {
            out.push(("argocd.namespace".into(), m));
        }
        if let Err(m) = validate_dns_subdomain(&self.age_key.secret_name) {
            out.push(("age_key.secret_name".into(), m));
        }
        if self.age_key.secret_key.is_empty()
            || !self
                .age_key
                .secret_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            out.push((
                "age_key.secret_key".into(),
                if self.age_key.secret_key.is_empty() {
                    "is empty".into()
                } else {
                    "must be letters, digits, '-', '_' or '.'".into()
                },
            ));
        }
        if let Err(m) = parse_duration(&self.argocd.rollout_timeout) {
            out.push(("argocd.rollout_timeout".into(), m));
        }
        match self.cluster.mode {
            ClusterMode::Context => {}
            ClusterMode::Eks => match &self.cluster.eks {
                None => out.push((
                    "cluster.eks".into(),
                    "mode = \"eks\" needs a [cluster.eks] table".into(),
                )),
                Some(eks) => out.extend(
                    super::cluster::validate_eks(eks)
                        .into_iter()
                        .map(|(f, m)| (format!("cluster.eks.{f}"), m)),
                ),
            },
        }
        for name in &self.apps.enabled {
            if super::catalog::find(name).is_none() {
                out.push((
                    "apps.enabled".into(),
                    format!(
                        "unknown app {name:?} (known: {})",
                        super::catalog::names().join(", ")
                    ),
                ));
            }
        }
        for (name, o) in &self.apps.overrides {
            if let Some(w) = o.wave
                && !(-100..=100).contains(&w)
            {
                out.push((
                    format!("apps.overrides.{name}.wave"),
                    format!("{w} is out of range (-100..=100)"),
                ));
            }
        }
        if let Err(m) = validate_dns_label(&self.apps.root_name) {
            out.push(("apps.root_name".into(), m));
        }
        for (field, value) in [
            ("argocd.manifest", self.argocd.manifest.as_str()),
            ("gitops.repo_url", self.gitops.repo_url.as_str()),
            ("gitops.revision", self.gitops.revision.as_str()),
        ] {
            if value.trim().is_empty() {
                out.push((field.into(), "is empty".into()));
            }
        }
        if self.gitops.path.as_os_str().is_empty() {
            out.push(("gitops.path".into(), "is empty".into()));
        }
        out
    }
}

/// A Kubernetes DNS label (namespace, environment): lowercase letters, digits, '-'.
pub(crate) fn validate_dns_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.len() > 63 {
        return Err("must be 1 to 63 characters".into());
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || s.starts_with('-')
        || s.ends_with('-')
    {
        return Err(format!(
            "{s:?} must be lowercase letters, digits and '-', not starting or ending with '-'"
        ));
    }
    Ok(())
}

/// A Kubernetes object name (DNS subdomain).
pub(crate) fn validate_dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    for part in s.split('.') {
        validate_dns_label(part)
            .map_err(|_| format!("{s:?} must be lowercase letters, digits, '-' and '.'"))?;
    }
    Ok(())
}

/// "30s", "5m", "1h", "0s".
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30s, 5m or 1h"))?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(format!("{s:?} is not a duration like 30s, 5m or 1h")),
    };
    let secs = n
        .checked_mul(per)
        .ok_or_else(|| format!("{s:?} is too long a duration"))?;
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_too_long_to_count_is_an_error_not_an_overflow() {
        let e = parse_duration("18446744073709551615h").expect_err("overflow");
        assert!(e.contains("too long"), "{e}");
        assert_eq!(
            parse_duration("2m").expect("2m"),
            std::time::Duration::from_secs(120)
        );
    }

    #[test]
    fn defaults_follow_the_seeds() {
        let cfg = InstallConfig::parse("", "t.toml").expect("empty config is valid");
        assert_eq!(cfg.argocd.namespace, "argo");
        assert_eq!(cfg.age_key.secret_name, "helm-secrets-private-keys");
        assert_eq!(cfg.age_key.secret_key, "key.txt");
        assert_eq!(cfg.environment, "dev");
    }

    #[test]
    fn unknown_field_names_file_line_and_field() {
        let err = InstallConfig::parse(
            "environment = \"dev\"\n[argocd]\nnamespce = \"x\"\n",
            "i.toml",
        )
        .expect_err("unknown field");
        let msg = err.to_string();
        assert!(msg.starts_with("i.toml:3:"), "{msg}");
        assert!(msg.contains("namespce"), "{msg}");
    }

    #[test]
    fn wrong_type_names_line() {
        let err = InstallConfig::parse("[apps.overrides.traefik]\nwave = \"x\"\n", "i.toml")
            .expect_err("bad wave");
        assert!(err.to_string().starts_with("i.toml:2:"), "{err}");
    }

    #[test]
    fn validation_errors_name_field_and_line() {
        let err = InstallConfig::parse("[argocd]\nnamespace = \"Argo_CD\"\n", "i.toml")
            .expect_err("bad namespace");
        let msg = err.to_string();
        assert!(msg.starts_with("i.toml:2: argocd.namespace:"), "{msg}");
        let err = InstallConfig::parse("[apps.overrides.traefik]\nwave = 1000\n", "i.toml")
            .expect_err("bad wave");
        assert!(
            err.to_string().contains("apps.overrides.traefik.wave"),
            "{err}"
        );
        let err = InstallConfig::parse("[apps]\nenabled = [\"nope\"]\n", "i.toml")
            .expect_err("unknown app");
        assert!(err.to_string().contains("unknown app \"nope\""), "{err}");
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("5m").ok(),
            Some(std::time::Duration::from_secs(300))
        );
        assert_eq!(parse_duration("0s").ok(), Some(std::time::Duration::ZERO));
        assert!(parse_duration("5 minutes").is_err());
    }
}
