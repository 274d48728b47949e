//! The apps step: Application manifests (with their sync-wave annotation) and per-environment
//! values files scaffolded into the GitOps repository folder, and the root app-of-apps
//! Application created in the cluster. Files the user has edited since are kept as they are.
//!
//! Layout (after the Codefresh environments model the seeds follow):
//! `apps/<env>/<app>.yaml` (what the root app syncs) and `environments/<env>/<app>/values.yaml`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::InstallError;
use super::apply::{self, Applier};
use super::catalog;
use super::config::InstallConfig;
use super::plan::{Change, ChangeKind, Plan};
use super::state::write_atomic;
use super::wizard::StepCtx;

pub(crate) const WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// A catalog app with the config's overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppSpec {
    pub name: String,
    pub wave: i32,
    pub(crate) repo_url: String,
    pub chart: Option<String>,
    pub path: Option<String>,
    pub(crate) revision: String,
    pub namespace: String,
    pub values: String,
}

pub(crate) fn resolve(cfg: &InstallConfig) -> Vec<AppSpec> {
    let mut out: Vec<AppSpec> = cfg
        .apps
        .enabled
        .iter()
        .filter_map(|n| catalog::find(n))
        .map(|c| {
            let o = cfg.apps.overrides.get(c.name).cloned().unwrap_or_default();
            let path = o.path.clone();
            AppSpec {
                name: c.name.into(),
                wave: o.wave.unwrap_or(c.wave),
                repo_url: o.repo_url.unwrap_or_else(|| c.repo_url.into()),
                chart: if path.is_some() {
                    o.chart
                } else {
                    Some(o.chart.unwrap_or_else(|| c.chart.into()))
                },
                path,
                revision: o.revision.unwrap_or_else(|| c.revision.into()),
                namespace: o.namespace.unwrap_or_else(|| c.namespace.into()),
                values: c.values.into(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.wave.cmp(&b.wave).then(a.name.cmp(&b.name)));
    out
}

fn values_rel(env: &str, app: &str) -> String {
    format!("environments/{env}/{app}/values.yaml")
}

/// The child Application of one app.
pub(crate) fn application(cfg: &InstallConfig, app: &AppSpec) -> Value {
    let values_file = format!("$values/{}", values_rel(&cfg.environment, &app.name));
    let mut source = json!({"repoURL": app.repo_url, "targetRevision": app.revision});
    if let Some(s) = source.as_object_mut() {
        if let Some(chart) = &app.chart {
            s.insert("chart".into(), json!(chart));
        }
        if let Some(path) = &app.path {
            s.insert("path".into(), json!(path));
        }
        s.insert("helm".into(), json!({"valueFiles": [values_file]}));
    }
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": app.name,
            "namespace": cfg.argocd.namespace,
            "annotations": {WAVE_ANNOTATION: app.wave.to_string()},
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": "default",
            "sources": [
                source,
                {"repoURL": cfg.gitops.repo_url, "targetRevision": cfg.gitops.revision, "ref": "values"},
            ],
            "destination": {"server": IN_CLUSTER, "namespace": app.namespace},
            "syncPolicy": {"syncOptions": ["CreateNamespace=true", "ServerSideApply=true"]},
        },
    })
}

/// The root app of apps: syncs `apps/<env>` of the GitOps repository.
pub(crate) fn root_application(cfg: &InstallConfig) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": cfg.apps.root_name,
            "namespace": cfg.argocd.namespace,
            "labels": {"app.kubernetes.io/managed-by": "opsdeck"},
        },
        "spec": {
            "project": "default",
            "source": {
                "repoURL": cfg.gitops.repo_url,
                "targetRevision": cfg.gitops.revision,
                "path": format!("apps/{}", cfg.environment),
            },
            "destination": {"server": IN_CLUSTER, "namespace": cfg.argocd.namespace},
            "syncPolicy": {"automated": {"prune": true, "selfHeal": true}},
        },
    })
}

/// Every file the step scaffolds: (path relative to the GitOps folder, content).
pub(crate) fn files(cfg: &InstallConfig) -> Result<Vec<(PathBuf, String)>, InstallError> {
    let env = &cfg.environment;
    let mut out = Vec::new();
    for app in resolve(cfg) {
        let yaml = serde_saphyr::to_string(&application(cfg, &app))
            .map_err(|e| InstallError::Invalid(format!("serialize {}: {e}", app.name)))?;
        out.push((
            PathBuf::from(format!("apps/{env}/{}.yaml", app.name)),
            format!(
                "# Scaffolded by opsdeck install: {} (sync wave {}).\n{yaml}",
                app.name, app.wave
            ),
        ));
        out.push((
            PathBuf::from(values_rel(env, &app.name)),
            format!(
                "# Values of {} for environment {env}. Secrets go into secrets.yaml beside this\n# file, encrypted with sops (see .sops.yaml).\n{}",
                app.name, app.values
            ),
        ));
    }
    Ok(out)
}

fn file_change(base: &Path, rel: &Path, content: &str) -> Result<Change, InstallError> {
    let path = base.join(rel);
    let target = format!("file {}", path.display());
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing == content => Ok(Change::new(ChangeKind::Unchanged, target)),
        Ok(_) => Ok(Change::new(ChangeKind::Keep, target)
            .with_detail(vec!["(edited since it was scaffolded: left as is)".into()])),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Change::new(ChangeKind::Create, target)
                .with_detail(content.lines().take(8).map(|l| format!("+ {l}")).collect()))
        }
        Err(e) => Err(InstallError::io(path, e)),
    }
}

/// Whether a repository URL is a documentation placeholder (`github.com/example/…`,
/// `example.com`): Argo CD cannot clone it.
pub(crate) fn is_placeholder(url: &str) -> bool {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(url)
        .trim_start_matches("git@")
        .to_ascii_lowercase();
    let host = rest.split(['/', ':']).next().unwrap_or("");
    let path = rest
        .get(host.len()..)
        .unwrap_or("")
        .trim_start_matches([':', '/']);
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
        || (["github.com", "gitlab.com", "bitbucket.org"].contains(&host)
            && path.starts_with("example/"))
}

/// Warnings about the answers (placeholder URLs), shown with the plan.
pub(crate) fn warnings(cfg: &super::config::InstallConfig) -> Vec<String> {
    let mut out = Vec::new();
    if is_placeholder(&cfg.gitops.repo_url) {
        out.push(format!(
            "warning: gitops.repo_url {} is a placeholder: the root Application cannot sync until it names your GitOps repository",
            cfg.gitops.repo_url
        ));
    }
    for (name, o) in &cfg.apps.overrides {
        if let Some(url) = &o.repo_url
            && is_placeholder(url)
        {
            out.push(format!(
                "warning: apps.overrides.{name}.repo_url {url} is a placeholder"
            ));
        }
    }
    out
}

pub(crate) async fn check(ctx: &StepCtx<'_>) -> Result<Plan, InstallError> {
    let cfg = &ctx.config;
    let mut plan = Plan::default();
    plan.found.extend(warnings(cfg));
    let apps = resolve(cfg);
    plan.found.push(format!(
        "{} apps: {}",
        apps.len(),
        apps.iter()
            .map(|a| format!("{} (wave {})", a.name, a.wave))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for (rel, content) in files(cfg)? {
        plan.changes
            .push(file_change(&cfg.gitops.path, &rel, &content)?);
    }
    let mut applier = Applier::new(ctx.client()?.clone(), &cfg.argocd.namespace);
    let mut root = root_application(cfg);
    plan.changes.push(applier.check(&mut root).await?);
    Ok(plan)
}

pub(crate) async fn apply(ctx: &StepCtx<'_>) -> Result<(), InstallError> {
    let cfg = &ctx.config;
    for (rel, content) in files(cfg)? {
        let change = file_change(&cfg.gitops.path, &rel, &content)?;
        if change.kind == ChangeKind::Create {
            write_atomic(&cfg.gitops.path.join(&rel), content.as_bytes(), None)?;
            ctx.say(&format!("wrote {}", cfg.gitops.path.join(&rel).display()));
        }
    }
    let mut applier = Applier::new(ctx.client()?.clone(), &cfg.argocd.namespace);
    let mut root = root_application(cfg);
    let change = applier.check(&mut root).await?;
    if change.kind.is_change() {
        applier.apply(&root).await?;
        ctx.say(&format!("{} {}", change.kind.word(), apply::target(&root)));
    }
    Ok(())
}

pub(crate) async fn verify(ctx: &StepCtx<'_>) -> Result<String, InstallError> {
    let plan = check(ctx).await?;
    let missing: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.kind.is_change())
        .map(|c| c.target.clone())
        .collect();
    if !missing.is_empty() {
        return Err(InstallError::Invalid(format!(
            "not in place: {}",
            missing.join(", ")
        )));
    }
    Ok(format!(
        "{} apps scaffolded in {}; root Application {} created (commit and push the GitOps folder so Argo CD can sync it)",
        resolve(ctx.config).len(),
        ctx.config.gitops.path.display(),
        ctx.config.apps.root_name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_urls_are_recognised() {
        assert!(is_placeholder(
            "https://github.com/example/platform-gitops.git"
        ));
        assert!(is_placeholder("git@github.com:example/gitops.git"));
        assert!(is_placeholder("https://git.example.com/x.git"));
        assert!(!is_placeholder(
            "https://github.com/acme/platform-gitops.git"
        ));
        assert!(!is_placeholder("https://charts.jetstack.io"));
        let mut cfg = super::super::config::InstallConfig::default();
        assert_eq!(warnings(&cfg).len(), 1);
        cfg.gitops.repo_url = "https://github.com/acme/gitops.git".into();
        assert!(warnings(&cfg).is_empty());
    }

    fn config() -> InstallConfig {
        let mut cfg = InstallConfig::default();
        cfg.apps.enabled = vec!["traefik".into(), "cert-manager".into()];
        cfg.gitops.repo_url = "https://github.com/example/platform-gitops.git".into();
        cfg.gitops.revision = "main".into();
        cfg
    }

    #[test]
    fn scaffolded_files() {
        let files = files(&config()).expect("files");
        let text: String = files
            .iter()
            .map(|(p, c)| format!("=== {}\n{c}", p.display()))
            .collect();
        insta::assert_snapshot!("install_apps_files", text);
    }

    #[test]
    fn waves_order_and_overrides() {
        let mut cfg = config();
        cfg.apps.overrides.insert(
            "traefik".into(),
            super::super::config::AppOverride {
                wave: Some(-7),
                ..Default::default()
            },
        );
        let apps = resolve(&cfg);
        assert_eq!(apps[0].name, "traefik");
        assert_eq!(apps[0].wave, -7);
        let app = application(&cfg, &apps[0]);
        assert_eq!(app["metadata"]["annotations"][WAVE_ANNOTATION], "-7");
        let root = root_application(&cfg);
        assert_eq!(root["spec"]["source"]["path"], "apps/dev");
    }
}
