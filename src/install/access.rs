//! The wizard's permission check: before a step that writes into the cluster, every verb on
//! every resource the rest of the install needs is asked of the API server with a
//! SelfSubjectAccessReview (what `kubectl auth can-i` sends). When any is denied the step
//! stops before applying anything, naming each missing permission.
//!
//! What the plan needs, per object it applies (the Argo CD manifest, the namespace, the age
//! key Secret, the root Application): `get` (the check reads it), `create` and `patch`
//! (server-side apply creates or updates it). Waiting for rollouts reads Deployments and
//! StatefulSets; waiting for CRDs reads them.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};

use super::wizard::StepId;
use super::{InstallConfig, InstallError, apply, apps, argocd};

/// One permission: a verb on a resource, in a namespace or at the cluster scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Need {
    pub group: String,
    pub(crate) resource: String,
    /// `None`: cluster-scoped.
    pub namespace: Option<String>,
    pub(crate) verb: String,
}

/// How a kind is served: API group, plural, namespaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Served {
    pub group: String,
    pub plural: String,
    pub namespaced: bool,
}

/// The verbs server-side apply of one object needs (read, create when absent, patch).
const APPLY_VERBS: [&str; 3] = ["get", "create", "patch"];

/// Kinds defined by the CRDs among `objs` (they may not be served yet on a first install).
pub(crate) fn crd_kinds(objs: &[Value]) -> BTreeMap<(String, String), Served> {
    objs.iter()
        .filter(|o| apply::is_crd(o))
        .filter_map(|crd| {
            let spec = &crd["spec"];
            let group = spec["group"].as_str()?.to_string();
            let kind = spec["names"]["kind"].as_str()?.to_string();
            let plural = spec["names"]["plural"].as_str()?.to_string();
            let namespaced = spec["scope"].as_str() != Some("Cluster");
            Some((
                (group.clone(), kind),
                Served {
                    group,
                    plural,
                    namespaced,
                },
            ))
        })
        .collect()
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// What applying `objs` needs. `serve` says how an (apiVersion, kind) is served; namespaced
/// objects without a namespace land in `default_ns`. Kinds `serve` does not know are
/// returned as the second value.
pub(crate) fn needs_for(
    objs: &[Value],
    default_ns: &str,
    serve: &dyn Fn(&str, &str) -> Option<Served>,
) -> (BTreeSet<Need>, BTreeSet<String>) {
    let mut needs = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for o in objs {
        let api_version = o["apiVersion"].as_str().unwrap_or_default();
        let kind = apply::kind(o);
        let Some(s) = serve(api_version, kind) else {
            unknown.insert(format!("{kind} ({api_version})"));
            continue;
        };
        let namespace = s
            .namespaced
            .then(|| apply::namespace(o).unwrap_or(default_ns).to_string());
        for verb in APPLY_VERBS {
            needs.insert(Need {
                group: s.group.clone(),
                resource: s.plural.clone(),
                namespace: namespace.clone(),
                verb: verb.into(),
            });
        }
    }
    (needs, unknown)
}

/// The objects the steps from `from` on write into the cluster (those after the cluster
/// step), and the reads they do besides (rollout and CRD waits).
pub(crate) async fn plan_objects(
    cfg: &InstallConfig,
    from: StepId,
) -> Result<Vec<Value>, InstallError> {
    let ns = &cfg.argocd.namespace;
    let mut objs = Vec::new();
    if from <= StepId::AgeKey {
        objs.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        objs.push(json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": cfg.age_key.secret_name, "namespace": ns}}));
    }
    if from <= StepId::ArgoCd {
        let manifest = async {
            let text = argocd::load_manifest(&cfg.argocd.manifest).await?;
            argocd::desired_objects(
                &text,
                &cfg.argocd.manifest,
                ns,
                &cfg.age_key.secret_name,
                &cfg.age_key.secret_key,
            )
        }
        .await;
        match manifest {
            Ok(m) => objs.extend(m),
            Err(e) if from == StepId::ArgoCd => return Err(e),
            // Not loadable yet (the full-screen wizard asks for it at the Argo CD step; no
            // network): its objects are checked when that step starts.
            Err(e) => tracing::info!("permission check without the Argo CD manifest: {e}"),
        }
    }
    if from <= StepId::Apps {
        objs.push(apps::root_application(cfg));
    }
    Ok(objs)
}

/// Reads besides applying: the rollout wait lists Deployments and StatefulSets, the CRD wait
/// reads CRDs.
fn wait_needs(objs: &[Value], ns: &str) -> BTreeSet<Need> {
    let mut out = BTreeSet::new();
    let mut add = |group: &str, resource: &str, namespace: Option<&str>, verb: &str| {
        out.insert(Need {
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.map(str::to_string),
            verb: verb.into(),
        });
    };
    if objs.iter().any(apply::is_crd) {
        add(
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
            "get",
        );
    }
    for (kind, _) in argocd::workloads(objs) {
        let plural = if kind == "Deployment" {
            "deployments"
        } else {
            "statefulsets"
        };
        add("apps", plural, Some(ns), "get");
        add("apps", plural, Some(ns), "list");
    }
    out
}

/// Asks the API server whether the client's user may do `need`.
async fn allowed(client: &kube::Client, need: &Need) -> Result<bool, InstallError> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                group: Some(need.group.clone()),
                resource: Some(need.resource.clone()),
                namespace: need.namespace.clone(),
                verb: Some(need.verb.clone()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| InstallError::kube("SelfSubjectAccessReview", e))?;
    Ok(answer
        .status
        .is_some_and(|s| s.allowed && !s.denied.unwrap_or(false)))
}

/// `resource.group` as kubectl names it (`deployments.apps`, `secrets`).
fn resource_name(need: &Need) -> String {
    if need.group.is_empty() {
        need.resource.clone()
    } else {
        format!("{}.{}", need.resource, need.group)
    }
}

/// One line per resource and scope: "cannot get, create, patch secrets in namespace argo".
pub(crate) fn describe_missing(missing: &BTreeSet<Need>) -> Vec<String> {
    let mut by_target: BTreeMap<(String, Option<String>), Vec<String>> = BTreeMap::new();
    for n in missing {
        by_target
            .entry((resource_name(n), n.namespace.clone()))
            .or_default()
            .push(n.verb.clone());
    }
    let order = |v: &str| {
        [
            "get", "list", "watch", "create", "patch", "update", "delete",
        ]
        .iter()
        .position(|x| *x == v)
        .unwrap_or(99)
    };
    by_target
        .into_iter()
        .map(|((resource, ns), mut verbs)| {
            verbs.sort_by_key(|v| order(v));
            let scope = match ns {
                Some(ns) => format!("in namespace {ns}"),
                None => "at the cluster scope".into(),
            };
            format!("cannot {} {resource} {scope}", verbs.join(", "))
        })
        .collect()
}

/// The error naming every missing permission (`user` is the kubeconfig's user of the context).
pub(crate) fn denied_error(context: &str, lines: &[String]) -> InstallError {
    InstallError::Invalid(format!(
        "missing permissions: context {context} may not do what the install needs (nothing was applied):\n  {}\nask a cluster admin for these permissions (or use an admin context), then re-run",
        lines.join("\n  ")
    ))
}

/// How each (apiVersion, kind) of `objs` is served: the manifest's own CRDs first (a first
/// install applies them), else the server's discovery.
/// `None` when the API server does not answer (a dead or silent server: each kind would
/// wait for its own timeout); the step's own check then says what is wrong.
async fn serving(
    client: &kube::Client,
    objs: &[Value],
) -> Result<Option<BTreeMap<(String, String), Served>>, InstallError> {
    let crds = crd_kinds(objs);
    let mut out = BTreeMap::new();
    for o in objs {
        let api_version = o["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = apply::kind(o).to_string();
        let key = (api_version.clone(), kind.clone());
        if out.contains_key(&key) {
            continue;
        }
        let group = group_of(&api_version).to_string();
        if let Some(s) = crds.get(&(group, kind.clone())) {
            out.insert(key, s.clone());
            continue;
        }
        let gvk = GroupVersionKind::try_from(&kube::core::TypeMeta {
            api_version: api_version.clone(),
            kind: kind.clone(),
        })
        .map_err(|e| InstallError::Invalid(format!("{kind} ({api_version}): {e}")))?;
        match kube::discovery::pinned_kind(client, &gvk).await {
            Ok((ar, caps)) => {
                out.insert(
                    key,
                    Served {
                        group: ar.group,
                        plural: ar.plural,
                        namespaced: caps.scope == kube::discovery::Scope::Namespaced,
                    },
                );
            }
            // An answer of the API server (404: a kind it does not serve) is a fact about
            // this kind; no answer at all is about the server.
            Err(kube::Error::Api(e)) => {
                tracing::debug!("discovery of {kind} ({api_version}): {e}")
            }
            Err(e) => {
                tracing::warn!("permission check skipped: discovery of {kind}: {e}");
                return Ok(None);
            }
        }
    }
    Ok(Some(out))
}

/// The permission check of the steps from `from` on: every needed permission is reviewed;
/// any denied one fails with [`denied_error`] naming them all.
pub(crate) async fn require(
    client: &kube::Client,
    cfg: &InstallConfig,
    context: &str,
    from: StepId,
) -> Result<(), InstallError> {
    // The cluster step writes nothing into the cluster: it checks what the later ones need.
    let from = from.max(StepId::AgeKey);
    let objs = plan_objects(cfg, from).await?;
    let Some(served) = serving(client, &objs).await? else {
        return Ok(());
    };
    let serve = |v: &str, k: &str| served.get(&(v.to_string(), k.to_string())).cloned();
    let (mut needs, unknown) = needs_for(&objs, &cfg.argocd.namespace, &serve);
    if !unknown.is_empty() {
        tracing::warn!(
            "permission check: kinds not served by the cluster: {}",
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    needs.extend(wait_needs(&objs, &cfg.argocd.namespace));
    let answers = futures::future::join_all(needs.iter().map(|n| allowed(client, n))).await;
    let mut missing = BTreeSet::new();
    for (need, answer) in needs.iter().zip(answers) {
        match answer {
            Ok(true) => {}
            Ok(false) => {
                missing.insert(need.clone());
            }
            // No answer (unreachable, a server without the authorization API): the step's
            // own check says what is wrong with the cluster.
            Err(e) => {
                tracing::warn!("permission check skipped: {e}");
                return Ok(());
            }
        }
    }
    tracing::info!(
        checked = needs.len(),
        missing = missing.len(),
        "install permission check"
    );
    if missing.is_empty() {
        Ok(())
    } else {
        Err(denied_error(context, &describe_missing(&missing)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(group: &str, plural: &str, namespaced: bool) -> Served {
        Served {
            group: group.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    #[test]
    fn needs_cover_every_object_with_its_scope() {
        let objs = vec![
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "applications.argoproj.io"},
                "spec": {"group": "argoproj.io", "scope": "Namespaced",
                    "names": {"kind": "Application", "plural": "applications"}}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "argo"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"}}),
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "root", "namespace": "argo"}}),
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
        ];
        let crds = crd_kinds(&objs);
        let serve = |v: &str, k: &str| -> Option<Served> {
            if let Some(s) = crds.get(&(group_of(v).to_string(), k.to_string())) {
                return Some(s.clone());
            }
            match k {
                "CustomResourceDefinition" => Some(served(
                    "apiextensions.k8s.io",
                    "customresourcedefinitions",
                    false,
                )),
                "Namespace" => Some(served("", "namespaces", false)),
                "ConfigMap" => Some(served("", "configmaps", true)),
                _ => None,
            }
        };
        let (needs, unknown) = needs_for(&objs, "argo", &serve);
        assert_eq!(
            unknown.into_iter().collect::<Vec<_>>(),
            ["Widget (example.com/v1)"]
        );
        // get/create/patch for each of the four served kinds.
        assert_eq!(needs.len(), 12);
        let lines = describe_missing(&needs);
        assert_eq!(
            lines,
            [
                "cannot get, create, patch applications.argoproj.io in namespace argo",
                "cannot get, create, patch configmaps in namespace argo",
                "cannot get, create, patch customresourcedefinitions.apiextensions.k8s.io at the cluster scope",
                "cannot get, create, patch namespaces at the cluster scope",
            ]
        );
    }

    #[test]
    fn waits_read_workloads_and_crds() {
        let objs = vec![
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "x.y"}}),
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "c"}}),
        ];
        let lines = describe_missing(&wait_needs(&objs, "argo"));
        assert_eq!(
            lines,
            [
                "cannot get customresourcedefinitions.apiextensions.k8s.io at the cluster scope",
                "cannot get, list statefulsets.apps in namespace argo",
            ]
        );
    }

    #[test]
    fn the_error_names_the_context_and_each_line() {
        let e = denied_error("view", &["cannot get secrets in namespace argo".into()]);
        let text = e.to_string();
        assert!(text.contains("context view"), "{text}");
        assert!(text.contains("nothing was applied"), "{text}");
        assert!(
            text.contains("\n  cannot get secrets in namespace argo"),
            "{text}"
        );
    }
}
