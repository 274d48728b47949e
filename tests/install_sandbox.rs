//! The install wizard against the sandbox (a real, stateful Kubernetes API accepting
//! server-side apply and CRDs): a full install from the fixture Argo CD manifest, re-run as a
//! no-op (resourceVersions unchanged), resume after an interrupted Argo CD step, rollout
//! verification, and the secret key never in the progress log or the plans.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::ApiResource;
use kube::{Client, ResourceExt};
use opsdeck::install::wizard::{Progress, StepOutcome};
use opsdeck::install::{InstallConfig, StepId, StepStatus, Wizard};
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};

const RECORDING: &str = r#"
apiVersion: opsdeck.dev/v1
kind: Recording
metadata:
  name: install-target
  kubernetesVersion: v1.31.0
objects:
  - {apiVersion: v1, kind: Node, metadata: {name: node-a}}
  - {apiVersion: v1, kind: Node, metadata: {name: node-b}}
  - {apiVersion: v1, kind: Node, metadata: {name: node-c}}
"#;

struct Env {
    sandbox: Sandbox,
    client: Client,
    dir: tempfile::TempDir,
    config: InstallConfig,
    log: Arc<Mutex<Vec<String>>>,
}

impl Env {
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn wizard(&self) -> Wizard {
        let log = Arc::clone(&self.log);
        Wizard::open(
            self.config.clone(),
            &self.data_dir(),
            Progress::new(move |l| log.lock().expect("log").push(l.to_string())),
        )
        .expect("wizard opens")
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/install")
        .join(name)
}

async fn env() -> Env {
    let recording = Recording::parse(RECORDING, "install-target.yaml").expect("recording");
    let sandbox = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("sandbox starts");
    let client = Client::try_from(sandbox.kube_config()).expect("client");
    let dir = tempfile::tempdir().expect("tmp");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let mut config =
        InstallConfig::load(&fixture("install.toml")).expect("documented example loads");
    config.cluster.kubeconfig = Some(kubeconfig);
    config.gitops.path = dir.path().join("gitops");
    Env {
        sandbox,
        client,
        dir,
        config,
        log: Arc::new(Mutex::new(Vec::new())),
    }
}

async fn run_all(w: &mut Wizard, plans: &mut Vec<String>) -> Vec<StepOutcome> {
    let mut out = Vec::new();
    for step in StepId::ALL {
        let mut confirm = |_: StepId, p: &opsdeck::install::Plan| {
            plans.push(p.render());
            true
        };
        out.push(
            w.run_step(step, false, &mut confirm)
                .await
                .unwrap_or_else(|e| panic!("step {step:?}: {e}")),
        );
    }
    out
}

fn app_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Application"),
        "applications",
    )
}

/// name → resourceVersion of everything the install touches in `argo` (and cluster-scoped).
async fn versions(client: &Client) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let lp = ListParams::default();
    for cm in Api::<ConfigMap>::namespaced(client.clone(), "argo")
        .list(&lp)
        .await
        .expect("cms")
    {
        out.push((
            format!("cm/{}", cm.name_any()),
            cm.resource_version().unwrap_or_default(),
        ));
    }
    for s in Api::<Secret>::namespaced(client.clone(), "argo")
        .list(&lp)
        .await
        .expect("secrets")
    {
        out.push((
            format!("secret/{}", s.name_any()),
            s.resource_version().unwrap_or_default(),
        ));
    }
    for d in Api::<Deployment>::namespaced(client.clone(), "argo")
        .list(&lp)
        .await
        .expect("deps")
    {
        out.push((
            format!("deploy/{}", d.name_any()),
            d.resource_version().unwrap_or_default(),
        ));
    }
    for b in Api::<ClusterRoleBinding>::all(client.clone())
        .list(&lp)
        .await
        .expect("crbs")
    {
        out.push((
            format!("crb/{}", b.name_any()),
            b.resource_version().unwrap_or_default(),
        ));
    }
    let apps: Api<DynamicObject> = Api::namespaced_with(client.clone(), "argo", &app_resource());
    for a in apps.list(&lp).await.expect("apps") {
        out.push((
            format!("app/{}", a.name_any()),
            a.resource_version().unwrap_or_default(),
        ));
    }
    out.sort();
    out
}

#[tokio::test]
async fn full_install_then_rerun_is_a_noop() {
    let env = env().await;
    let mut w = env.wizard();
    let mut plans = Vec::new();
    let outcomes = run_all(&mut w, &mut plans).await;
    assert!(
        matches!(outcomes[0], StepOutcome::AlreadyDone { .. }),
        "{outcomes:?}"
    );
    for o in &outcomes[1..] {
        assert!(matches!(o, StepOutcome::Applied { .. }), "{outcomes:?}");
    }
    for step in StepId::ALL {
        assert_eq!(w.state.step(step).status, StepStatus::Done, "{step:?}");
    }
    let c = &env.client;
    // Namespace, Secret with the key file, CRDs established and served.
    Api::<Namespace>::all(c.clone())
        .get("argo")
        .await
        .expect("namespace argo");
    let secret = Api::<Secret>::namespaced(c.clone(), "argo")
        .get("helm-secrets-private-keys")
        .await
        .expect("secret");
    let key_txt = secret
        .data
        .as_ref()
        .and_then(|d| d.get("key.txt"))
        .expect("key.txt");
    let key_text = String::from_utf8(key_txt.0.clone()).expect("utf8");
    assert!(key_text.contains("AGE-SECRET-KEY-1"));
    let recipient = w.state.recipient.clone().expect("recipient recorded");
    assert!(key_text.contains(&format!("# public key: {recipient}")));
    // argocd-cm customizations.
    let cm = Api::<ConfigMap>::namespaced(c.clone(), "argo")
        .get("argocd-cm")
        .await
        .expect("argocd-cm");
    let data = cm.data.expect("data");
    assert!(
        data["resource.customizations.health.argoproj.io_Application"]
            .contains("obj.status.health")
    );
    assert_eq!(
        data["helm.valuesFileSchemes"],
        "secrets+age-import, secrets+age-import-kubernetes, secrets, https"
    );
    // Namespace rewrite of the ClusterRoleBinding subjects.
    let crb = Api::<ClusterRoleBinding>::all(c.clone())
        .get("argocd-server")
        .await
        .expect("crb");
    assert_eq!(
        crb.subjects.expect("subjects")[0].namespace.as_deref(),
        Some("argo")
    );
    // The repo server mounts the key.
    let repo = Api::<Deployment>::namespaced(c.clone(), "argo")
        .get("argocd-repo-server")
        .await
        .expect("repo");
    let pod = repo.spec.template.spec.expect("pod");
    assert!(
        pod.volumes.unwrap_or_default().iter().any(|v| v
            .secret
            .as_ref()
            .and_then(|s| s.secret_name.as_deref())
            == Some("helm-secrets-private-keys"))
    );
    let container = &pod.containers[0];
    assert!(
        container
            .volume_mounts
            .as_ref()
            .expect("mounts")
            .iter()
            .any(|m| m.mount_path == "/helm-secrets-private-keys/")
    );
    assert!(
        container
            .env
            .as_ref()
            .expect("env")
            .iter()
            .any(|e| e.name == "SOPS_AGE_KEY_FILE"
                && e.value.as_deref() == Some("/helm-secrets-private-keys/key.txt"))
    );
    // The root app of apps.
    let apps: Api<DynamicObject> = Api::namespaced_with(c.clone(), "argo", &app_resource());
    let root = apps.get("root").await.expect("root Application");
    assert_eq!(root.data["spec"]["source"]["path"], "apps/dev");
    // GitOps files.
    let gitops = env.config.gitops.path.clone();
    let sops = std::fs::read_to_string(gitops.join(".sops.yaml")).expect(".sops.yaml");
    assert!(sops.contains(&recipient));
    assert!(gitops.join("apps/dev/cert-manager.yaml").exists());
    assert!(
        gitops
            .join("environments/dev/keycloak/values.yaml")
            .exists()
    );
    // The verify step reports the rollout honestly: nothing runs pods in the sandbox.
    let argo_msg = w
        .state
        .step(StepId::ArgoCd)
        .message
        .clone()
        .unwrap_or_default();
    assert!(
        argo_msg.contains("waiting for 4 of 4 workloads"),
        "{argo_msg}"
    );

    // The secret key never reaches the progress log or the plans.
    let secret_line = key_text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("line");
    for line in env.log.lock().expect("log").iter().chain(plans.iter()) {
        assert!(
            !line.contains(secret_line) && !line.contains("AGE-SECRET-KEY"),
            "{line}"
        );
    }

    // Re-run, from a fresh wizard reading the persisted state: every step a no-op.
    let before = versions(c).await;
    let mut again = env.wizard();
    let mut plans2 = Vec::new();
    let outcomes = run_all(&mut again, &mut plans2).await;
    for o in &outcomes {
        assert!(matches!(o, StepOutcome::AlreadyDone { .. }), "{outcomes:?}");
    }
    assert!(plans2.is_empty(), "no plan needed confirming: {plans2:?}");
    assert_eq!(before, versions(c).await, "resourceVersions unchanged");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn interrupted_argocd_step_resumes() {
    let env = env().await;
    let mut w = env.wizard();
    let mut yes = |_: StepId, _: &opsdeck::install::Plan| true;
    for step in [StepId::Cluster, StepId::AgeKey] {
        w.run_step(step, false, &mut yes).await.expect("step");
    }
    // Simulate a wizard killed half-way through applying Argo CD: a few objects exist, the
    // state file says "applying".
    w.state.set(StepId::ArgoCd, StepStatus::Applying, None);
    w.state.save(&w.state_path).expect("save");
    let text = std::fs::read_to_string(fixture("argocd-install.yaml")).expect("manifest");
    let objs = opsdeck::install::apply::parse_manifest(&text, "fixture").expect("parse");
    let mut applier = opsdeck::install::apply::Applier::new(env.client.clone(), "argo");
    for mut o in objs.into_iter().take(2) {
        applier.check(&mut o).await.expect("check");
        applier.apply(&o).await.expect("apply");
    }
    drop(w);

    let mut resumed = env.wizard();
    assert_eq!(resumed.state.resume_step(), Some(StepId::ArgoCd));
    let mut plans = Vec::new();
    let mut confirm = |_: StepId, p: &opsdeck::install::Plan| {
        plans.push(p.clone());
        true
    };
    let out = resumed
        .run_step(StepId::ArgoCd, false, &mut confirm)
        .await
        .expect("resume");
    assert!(matches!(out, StepOutcome::Applied { .. }), "{out:?}");
    let plan = &plans[0];
    let unchanged = plan
        .changes
        .iter()
        .filter(|c| c.kind == opsdeck::install::ChangeKind::Unchanged)
        .count();
    assert!(
        unchanged >= 2,
        "objects applied before the kill are not re-created:\n{}",
        plan.render()
    );
    assert_eq!(resumed.state.step(StepId::ArgoCd).status, StepStatus::Done);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn verify_reports_available_after_rollout() {
    let env = env().await;
    let mut w = env.wizard();
    let mut yes = |_: StepId, _: &opsdeck::install::Plan| true;
    for step in [StepId::Cluster, StepId::AgeKey, StepId::ArgoCd] {
        w.run_step(step, false, &mut yes).await.expect("step");
    }
    // Simulate the rollout: the sandbox runs no controllers, so write the status ourselves.
    let pp = PatchParams::default();
    for name in ["argocd-redis", "argocd-repo-server", "argocd-server"] {
        let api = Api::<Deployment>::namespaced(env.client.clone(), "argo");
        api.patch_status(name, &pp, &Patch::Merge(serde_json::json!({"status": {"replicas": 1, "availableReplicas": 1, "readyReplicas": 1}})))
            .await
            .expect("deployment status");
    }
    let sts = ApiResource::from_gvk(&GroupVersionKind::gvk("apps", "v1", "StatefulSet"));
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "argo", &sts);
    api.patch_status(
        "argocd-application-controller",
        &pp,
        &Patch::Merge(serde_json::json!({"status": {"replicas": 1, "readyReplicas": 1}})),
    )
    .await
    .expect("statefulset status");
    let msg = w.verify(StepId::ArgoCd).await.expect("verify");
    assert!(msg.contains("4 workloads available"), "{msg}");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn unreachable_context_is_a_clear_error() {
    let env = env().await;
    let mut config = env.config.clone();
    config.cluster.context = Some("does-not-exist".into());
    let mut w = Wizard::open(config, &env.data_dir(), Progress::silent()).expect("open");
    let mut yes = |_: StepId, _: &opsdeck::install::Plan| true;
    let err = w
        .run_step(StepId::Cluster, false, &mut yes)
        .await
        .expect_err("unknown context");
    assert!(err.to_string().contains("does-not-exist"), "{err}");
    assert_eq!(w.state.step(StepId::Cluster).status, StepStatus::Failed);
    env.sandbox.shutdown().await;
}
