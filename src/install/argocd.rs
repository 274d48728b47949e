//! The Argo CD step: Argo CD's install manifest (a pinned release URL or a local file) applied
//! with server-side apply: CRDs first (wait Established), ClusterRoleBinding subjects moved
//! to the target namespace, then the rest; `argocd-cm` gets the Application health
//! customization (so sync waves between apps block) and the helm-secrets value-file schemes;
//! argocd-repo-server mounts the age key Secret. Then a bounded wait for the workloads.

use std::time::Duration;

use serde_json::{Value, json};

use kube::api::{Api, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use kube::discovery::ApiResource;

use super::apply::{self, Applier};
use super::config::{ExistingChoice, parse_duration};
use super::plan::{Change, ChangeKind, Plan, Question};
use super::wizard::StepCtx;
use super::{InstallError, existing};

pub(crate) const HEALTH_KEY: &str = "resource.customizations.health.argoproj.io_Application";
pub(crate) const SCHEMES_KEY: &str = "helm.valuesFileSchemes";
pub(crate) const SCHEMES: &str =
    "secrets+age-import, secrets+age-import-kubernetes, secrets, https";
pub(crate) const KEY_MOUNT: &str = "/helm-secrets-private-keys/";
pub(crate) const REPO_SERVER: &str = "argocd-repo-server";
/// How long CRDs may take to become Established.
const CRD_TIMEOUT: Duration = Duration::from_secs(60);

/// Argo CD's documented health check for Applications (app-of-apps waves wait on it).
pub(crate) const HEALTH_LUA: &str = r#"hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
"#;

/// Reads the manifest: an http(s) URL or a local file.
pub(crate) async fn load_manifest(source: &str) -> Result<String, InstallError> {
    if source.starts_with("https://") || source.starts_with("http://") {
        let resp = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map(|c| c.get(source))
            .map_err(|e| InstallError::Manifest {
                origin: source.into(),
                message: e.to_string(),
            })?
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| InstallError::Manifest {
                origin: source.into(),
                message: format!("download failed: {e} (for air-gapped installs, set argocd.manifest to a local file)"),
            })?;
        resp.text().await.map_err(|e| InstallError::Manifest {
            origin: source.into(),
            message: e.to_string(),
        })
    } else {
        std::fs::read_to_string(source).map_err(|e| InstallError::io(source, e))
    }
}

/// The objects to apply: the manifest customized for the namespace and the age key.
pub(crate) fn desired_objects(
    text: &str,
    origin: &str,
    namespace: &str,
    secret_name: &str,
    secret_key: &str,
) -> Result<Vec<Value>, InstallError> {
    let mut objs = apply::parse_manifest(text, origin)?;
    rewrite_subjects(&mut objs, namespace);
    if !objs
        .iter()
        .any(|o| apply::kind(o) == "Namespace" && apply::name(o) == namespace)
    {
        objs.insert(
            0,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}),
        );
    }
    let cm = match objs
        .iter_mut()
        .find(|o| apply::kind(o) == "ConfigMap" && apply::name(o) == "argocd-cm")
    {
        Some(cm) => cm,
        None => {
            objs.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "argocd-cm", "labels": {"app.kubernetes.io/name": "argocd-cm",
                    "app.kubernetes.io/part-of": "argocd"}}}));
            let last = objs.len() - 1;
            &mut objs[last]
        }
    };
    customize_cm(cm);
    let repo = objs
        .iter_mut()
        .find(|o| apply::kind(o) == "Deployment" && apply::name(o) == REPO_SERVER)
        .ok_or_else(|| InstallError::Manifest {
            origin: origin.into(),
            message: format!("no Deployment {REPO_SERVER} (is this Argo CD's install.yaml?)"),
        })?;
    mount_key(repo, secret_name, secret_key)?;
    Ok(objs)
}

/// ClusterRoleBinding (and RoleBinding) subjects name namespace `argocd` in the upstream
/// manifest: point them at `namespace`.
pub(crate) fn rewrite_subjects(objs: &mut [Value], namespace: &str) {
    for o in objs.iter_mut() {
        if !matches!(apply::kind(o), "ClusterRoleBinding" | "RoleBinding") {
            continue;
        }
        if let Some(subjects) = o.get_mut("subjects").and_then(Value::as_array_mut) {
            for s in subjects {
                if s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                    && s.get("namespace").and_then(Value::as_str) == Some("argocd")
                    && let Some(m) = s.as_object_mut()
                {
                    m.insert("namespace".into(), Value::String(namespace.into()));
                }
            }
        }
    }
}

fn customize_cm(cm: &mut Value) {
    let Some(obj) = cm.as_object_mut() else {
        return;
    };
    let data = obj.entry("data").or_insert_with(|| json!({}));
    if !data.is_object() {
        *data = json!({});
    }
    if let Some(d) = data.as_object_mut() {
        d.insert(HEALTH_KEY.into(), Value::String(HEALTH_LUA.into()));
        d.insert(SCHEMES_KEY.into(), Value::String(SCHEMES.into()));
    }
}

fn mount_key(deploy: &mut Value, secret_name: &str, secret_key: &str) -> Result<(), InstallError> {
    let volume = json!({"name": secret_name, "secret": {"secretName": secret_name}});
    let mount = json!({"name": secret_name, "mountPath": KEY_MOUNT});
    let env = json!({"name": "SOPS_AGE_KEY_FILE", "value": format!("{KEY_MOUNT}{secret_key}")});
    let pod = deploy
        .pointer_mut("/spec/template/spec")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| InstallError::Invalid(format!("{REPO_SERVER} has no pod template")))?;
    upsert_named(pod, "volumes", volume);
    let containers = pod
        .get_mut("containers")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| InstallError::Invalid(format!("{REPO_SERVER} has no containers")))?;
    let container = containers
        .iter_mut()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(REPO_SERVER))
        .ok_or_else(|| {
            InstallError::Invalid(format!(
                "{REPO_SERVER} has no container named {REPO_SERVER}"
            ))
        })?;
    if let Some(c) = container.as_object_mut() {
        upsert_named(c, "volumeMounts", mount);
        upsert_named(c, "env", env);
    }
    Ok(())
}

fn upsert_named(obj: &mut serde_json::Map<String, Value>, list: &str, item: Value) {
    let arr = obj.entry(list).or_insert_with(|| json!([]));
    if !arr.is_array() {
        *arr = json!([]);
    }
    if let Some(arr) = arr.as_array_mut() {
        match arr.iter_mut().find(|x| x.get("name") == item.get("name")) {
            Some(x) => *x = item,
            None => arr.push(item),
        }
    }
}

/// Deployments and StatefulSets of the manifest, as (kind, name).
pub(crate) fn workloads(objs: &[Value]) -> Vec<(String, String)> {
    objs.iter()
        .filter(|o| matches!(apply::kind(o), "Deployment" | "StatefulSet"))
        .map(|o| (apply::kind(o).to_string(), apply::name(o).to_string()))
        .collect()
}

async fn objects(ctx: &StepCtx<'_>) -> Result<Vec<Value>, InstallError> {
    let cfg = &ctx.config;
    let text = load_manifest(&cfg.argocd.manifest).await?;
    desired_objects(
        &text,
        &cfg.argocd.manifest,
        &cfg.argocd.namespace,
        &cfg.age_key.secret_name,
        &cfg.age_key.secret_key,
    )
}

/// Previews every object (CRDs first, in the order they are applied).
async fn check_all(ctx: &StepCtx<'_>, objs: &mut [Value]) -> Result<(Plan, Applier), InstallError> {
    let mut applier = Applier::new(ctx.client()?.clone(), &ctx.config.argocd.namespace);
    applier.force = ctx.config.argocd.existing == ExistingChoice::Force;
    let mut plan = Plan::default();
    let crds = objs.iter().filter(|o| apply::is_crd(o)).count();
    plan.found.push(format!(
        "manifest {}: {} objects ({crds} CRDs)",
        ctx.config.argocd.manifest,
        objs.len()
    ));
    for o in objs.iter_mut().filter(|o| apply::is_crd(o)) {
        plan.changes.push(applier.check(o).await?);
    }
    for o in objs.iter_mut().filter(|o| !apply::is_crd(o)) {
        plan.changes.push(applier.check(o).await?);
    }
    Ok((plan, applier))
}

/// Names of the Applications in the namespace (none when the kind is not served).
async fn applications(ctx: &StepCtx<'_>) -> Result<Vec<String>, InstallError> {
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "argoproj.io",
        "v1alpha1",
        "Application",
    ));
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.client()?.clone(), &ctx.config.argocd.namespace, &ar);
    match api.list_metadata(&ListParams::default()).await {
        Ok(list) => Ok(list
            .items
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(Vec::new()),
        Err(e) => Err(InstallError::kube("list Applications", e)),
    }
}

/// What an existing install gets asked.
pub(crate) fn question(found: &str) -> Question {
    Question {
        prompt: format!("{found}. What should opsdeck do?"),
        key: "argocd.existing".into(),
        options: vec![
            (
                "adopt".into(),
                "apply the manifest beside the current owner (conflicting fields stop the step)"
                    .into(),
            ),
            (
                "force".into(),
                "adopt or upgrade, taking over conflicting fields and replacing merged container lists"
                    .into(),
            ),
            ("skip".into(), "leave this Argo CD as it is and go on".into()),
            ("stop".into(), "stop the wizard; nothing is changed".into()),
        ],
    }
}

/// The check: the preview of every object, what exists and who installed it, and the
/// choice the user made (or the question when an existing install would change).
pub(crate) async fn check(ctx: &StepCtx<'_>) -> Result<Plan, InstallError> {
    let mut objs = objects(ctx).await?;
    let (mut plan, applier) = check_all(ctx, &mut objs).await?;
    let ns = &ctx.config.argocd.namespace;
    let live: Vec<Value> = applier
        .live
        .into_iter()
        .filter(|o| apply::kind(o) != "Namespace")
        .collect();
    let found = existing::describe_install("Argo CD", ns, objs.len(), &live);
    let apps = applications(ctx).await?;
    if !apps.is_empty() {
        let mut shown: Vec<String> = apps.iter().take(5).cloned().collect();
        if apps.len() > 5 {
            shown.push(format!("… {} more", apps.len() - 5));
        }
        plan.found.push(format!(
            "{} Applications exist in {ns} ({}); the manifest does not touch them",
            apps.len(),
            shown.join(", ")
        ));
    }
    let choice = ctx.config.argocd.existing;
    if choice == ExistingChoice::Skip {
        plan.found
            .push("skipped as chosen (argocd.existing = \"skip\"): nothing is applied".into());
        for c in plan.changes.iter_mut().filter(|c| c.kind.is_change()) {
            c.kind = ChangeKind::Keep;
        }
        return Ok(plan);
    }
    if let Some(line) = found {
        plan.found.push(line.clone());
        if !plan.is_noop() {
            match choice {
                ExistingChoice::Ask => plan.question = Some(question(&line)),
                ExistingChoice::Stop => {
                    return Err(InstallError::Stopped(format!(
                        "{line}; argocd.existing = \"stop\": nothing was changed"
                    )));
                }
                ExistingChoice::Adopt | ExistingChoice::Force => plan
                    .found
                    .push(format!("chosen: {} (argocd.existing)", choice.word())),
                ExistingChoice::Skip => {}
            }
        }
    }
    Ok(plan)
}

/// Refuses a plan that cannot be applied as previewed: an open question or conflicts.
fn applicable(plan: &Plan) -> Result<(), InstallError> {
    if let Some(q) = &plan.question {
        return Err(InstallError::Invalid(format!(
            "{} Answer first: {} = {}",
            q.prompt,
            q.key,
            q.options
                .iter()
                .map(|(a, _)| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(" | ")
        )));
    }
    let conflicts: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Conflict)
        .map(|c| c.target.as_str())
        .collect();
    if !conflicts.is_empty() {
        return Err(InstallError::Invalid(format!(
            "{} objects conflict with another owner ({}); nothing was applied. \
             Choose force (argocd.existing = \"force\") to take them over, or skip/stop",
            conflicts.len(),
            conflicts.join(", ")
        )));
    }
    Ok(())
}

pub(crate) async fn apply(ctx: &StepCtx<'_>) -> Result<(), InstallError> {
    let cfg = &ctx.config;
    let client = ctx.client()?.clone();
    let mut objs = objects(ctx).await?;
    // What is applied is what was previewed: the preview is taken again and must match.
    let (plan, mut applier) = check_all(ctx, &mut objs).await?;
    applicable(&plan)?;
    if let Some(previewed) = ctx.previewed {
        let now: Vec<&Change> = plan.changes.iter().collect();
        let then: Vec<&Change> = previewed.changes.iter().collect();
        if now != then {
            let differs: Vec<&str> = plan
                .changes
                .iter()
                .filter(|c| !previewed.changes.contains(c))
                .map(|c| c.target.as_str())
                .collect();
            return Err(InstallError::Invalid(format!(
                "the cluster changed since the preview ({}); nothing was applied: check again",
                differs.join(", ")
            )));
        }
    }
    if cfg.argocd.existing == ExistingChoice::Skip {
        ctx.say("existing Argo CD left as is (skip)");
        return Ok(());
    }
    let say = |m: &str| ctx.say(m);
    let mut crds = Vec::new();
    for (o, change) in objs
        .iter()
        .filter(|o| apply::is_crd(o))
        .zip(plan.changes.iter())
    {
        if change.kind.is_change() {
            applier.apply(o).await?;
            ctx.say(&format!("{} {}", change.kind.word(), change.target));
        }
        crds.push(apply::name(o).to_string());
    }
    applier.wait_established(&crds, CRD_TIMEOUT, &say).await?;
    let rest = plan.changes.iter().skip(crds.len());
    for (o, change) in objs.iter_mut().filter(|o| !apply::is_crd(o)).zip(rest) {
        if change.kind.is_change() {
            applier.apply(o).await?;
            ctx.say(&format!("{} {}", change.kind.word(), change.target));
        }
    }
    let timeout = parse_duration(&cfg.argocd.rollout_timeout).map_err(InstallError::Invalid)?;
    let pending = apply::wait_available(
        &client,
        &cfg.argocd.namespace,
        &workloads(&objs),
        timeout,
        &say,
    )
    .await?;
    if !pending.is_empty() {
        ctx.say(&format!(
            "still waiting after {}: {} (verify reports their state; re-run to wait again)",
            cfg.argocd.rollout_timeout,
            pending.join(", ")
        ));
    }
    Ok(())
}

/// Verifies every object is in place (a new preview shows no change); workloads not yet
/// available are reported honestly ("waiting"), not as a failure.
pub(crate) async fn verify(ctx: &StepCtx<'_>) -> Result<String, InstallError> {
    let cfg = &ctx.config;
    let mut objs = objects(ctx).await?;
    let (plan, _) = check_all(ctx, &mut objs).await?;
    if cfg.argocd.existing == ExistingChoice::Skip {
        let differ = plan.pending().count();
        return Ok(format!(
            "skipped: the Argo CD in {} is left as is ({differ} objects differ from the manifest)",
            cfg.argocd.namespace
        ));
    }
    let drift: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Unchanged)
        .map(|c| {
            let first = c.detail.first().map(String::as_str).unwrap_or("");
            format!("{} ({first})", c.target)
        })
        .collect();
    if !drift.is_empty() {
        return Err(InstallError::Invalid(format!(
            "not in place after apply: {}",
            drift.join(", ")
        )));
    }
    let wl = workloads(&objs);
    let pending = apply::unavailable_workloads(ctx.client()?, &cfg.argocd.namespace, &wl).await?;
    Ok(if pending.is_empty() {
        format!(
            "Argo CD installed in {}: {} workloads available",
            cfg.argocd.namespace,
            wl.len()
        )
    } else {
        format!(
            "Argo CD applied in {}; waiting for {} of {} workloads: {}",
            cfg.argocd.namespace,
            pending.len(),
            wl.len(),
            pending.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: argocd-server}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: argocd-server}
subjects:
- {kind: ServiceAccount, name: argocd-server, namespace: argocd}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-repo-server}
spec:
  template:
    spec:
      containers:
      - name: argocd-repo-server
        image: quay.io/argoproj/argocd:v3.1.8
      volumes:
      - {name: tmp, emptyDir: {}}
"#;

    #[test]
    fn customizes_the_manifest() {
        let objs =
            desired_objects(MINI, "m", "argo", "helm-secrets-private-keys", "key.txt").expect("ok");
        assert_eq!(apply::target(&objs[0]), "Namespace argo");
        let crb = &objs[1];
        assert_eq!(crb["subjects"][0]["namespace"], "argo");
        let repo = &objs[2];
        let pod = &repo["spec"]["template"]["spec"];
        assert_eq!(
            pod["volumes"][1]["secret"]["secretName"],
            "helm-secrets-private-keys"
        );
        assert_eq!(
            pod["containers"][0]["volumeMounts"][0]["mountPath"],
            KEY_MOUNT
        );
        assert_eq!(
            pod["containers"][0]["env"][0]["value"],
            "/helm-secrets-private-keys/key.txt"
        );
        let cm = objs
            .iter()
            .find(|o| apply::name(o) == "argocd-cm")
            .expect("cm added");
        assert_eq!(cm["data"][SCHEMES_KEY], SCHEMES);
        assert!(
            cm["data"][HEALTH_KEY]
                .as_str()
                .is_some_and(|s| s.contains("obj.status.health"))
        );
        // Idempotent customization.
        let twice =
            desired_objects(MINI, "m", "argo", "helm-secrets-private-keys", "key.txt").expect("ok");
        assert_eq!(objs, twice);
    }
}
