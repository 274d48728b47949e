//! The install wizard's Argo CD step on clusters that already have an Argo CD: on the
//! sandbox's `platform` recording (installed by Helm) and on the real control plane (installed
//! first by plain `kubectl apply`, another field manager, in a namespace of the test's own).
//! The plan says what it found and asks; the preview is a server-side dry run with values;
//! stop leaves every resourceVersion as it was; adopt with force converges (a re-run shows
//! nothing to change) and never leaves two containers where the manifest has one.
//!
//! The real-cluster test needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::cluster::RealCluster;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use kube::discovery::ApiResource;
use opsdeck::install::config::ExistingChoice;
use opsdeck::install::plan::ChangeKind;
use opsdeck::install::wizard::{Progress, StepBegin, StepOutcome};
use opsdeck::install::{InstallConfig, StepId, Wizard};
use opsdeck::sandbox::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/install")
        .join(name)
}

fn config(kubeconfig: &Path, context: Option<&str>, ns: &str, dir: &Path) -> InstallConfig {
    let mut config = InstallConfig::load(&fixture("install.toml")).expect("example loads");
    config.cluster.kubeconfig = Some(kubeconfig.to_path_buf());
    config.cluster.context = context.map(str::to_string);
    config.argocd.namespace = ns.into();
    config.gitops.path = dir.join("gitops");
    config
}

async fn wizard(config: InstallConfig, data: &Path) -> Wizard {
    let mut w = Wizard::open(config, data, Progress::silent()).expect("opens");
    w.identify().await.expect("identify");
    let mut yes = |_: StepId, _: &opsdeck::install::Plan| true;
    w.run_step(StepId::Cluster, false, &mut yes)
        .await
        .expect("cluster step");
    w
}

/// kind/name → resourceVersion of the workloads, config and accounts in `ns`.
async fn versions(client: &Client, ns: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (group, version, kind) in [
        ("apps", "v1", "Deployment"),
        ("apps", "v1", "StatefulSet"),
        ("", "v1", "ConfigMap"),
        ("", "v1", "Secret"),
        ("", "v1", "Service"),
        ("", "v1", "ServiceAccount"),
    ] {
        let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
        for o in api.list(&ListParams::default()).await.expect("list") {
            out.insert(
                format!("{kind}/{}", o.metadata.name.unwrap_or_default()),
                o.metadata.resource_version.unwrap_or_default(),
            );
        }
    }
    out
}

async fn containers(client: &Client, ns: &str, name: &str) -> Vec<String> {
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk("apps", "v1", "Deployment"));
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
    let d = api.get(name).await.expect("deployment");
    d.data["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The whole flow on one cluster that has an Argo CD in `ns` whose redis container is named
/// `live_redis` (the manifest's is `argocd-redis`). `installer` is how the found line names
/// who installed it.
async fn existing_install_flow(
    client: &Client,
    kubeconfig: &Path,
    context: Option<&str>,
    ns: &str,
    installer: &str,
    live_redis: &str,
) {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let before = versions(client, ns).await;
    assert!(!before.is_empty(), "nothing in {ns} before the test");

    // Ask (the default): the plan reports the existing install and asks; nothing applies.
    let mut w = wizard(config(kubeconfig, context, ns, dir.path()), &data).await;
    let StepBegin::Confirm(plan) = w.begin_step(StepId::ArgoCd, false).await.expect("check") else {
        panic!("an existing install must be confirmed")
    };
    let text = plan.render();
    assert!(
        text.contains(&format!("is already installed in {ns}")) && text.contains(installer),
        "{text}"
    );
    let question = plan.question.as_ref().expect("a question");
    assert_eq!(question.key, "argocd.existing");
    let redis = plan
        .changes
        .iter()
        .find(|c| c.target == format!("Deployment {ns}/argocd-redis"))
        .expect("argocd-redis previewed");
    assert_eq!(redis.kind, ChangeKind::Conflict, "{text}");
    assert!(
        redis.detail.iter().any(|d| d.contains(live_redis)),
        "{text}"
    );
    let err = w
        .finish_step(StepId::ArgoCd)
        .await
        .expect_err("must ask first");
    assert!(err.to_string().contains("argocd.existing"), "{err}");
    assert_eq!(
        versions(client, ns).await,
        before,
        "ask changed the cluster"
    );

    // Stop: nothing is changed.
    let mut cfg = config(kubeconfig, context, ns, dir.path());
    cfg.argocd.existing = ExistingChoice::Stop;
    let mut w = wizard(cfg, &data).await;
    let err = w
        .begin_step(StepId::ArgoCd, false)
        .await
        .expect_err("stop stops");
    assert!(err.to_string().starts_with("stopped:"), "{err}");
    assert_eq!(
        versions(client, ns).await,
        before,
        "stop changed the cluster"
    );

    // Adopt with force: the preview shows values, the apply converges, one redis container.
    let mut cfg = config(kubeconfig, context, ns, dir.path());
    cfg.argocd.existing = ExistingChoice::Force;
    let mut w = wizard(cfg.clone(), &data).await;
    let StepBegin::Confirm(plan) = w.begin_step(StepId::ArgoCd, false).await.expect("check") else {
        panic!("force has changes to preview")
    };
    let text = plan.render();
    assert!(
        !plan.changes.iter().any(|c| c.kind == ChangeKind::Conflict),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "- spec.template.spec.containers[name={live_redis}]"
        )) && text.contains("+ spec.template.spec.containers[name=argocd-redis]"),
        "{text}"
    );
    assert!(
        text.contains(&format!("\"{live_redis}\"")) || text.contains("image"),
        "values shown: {text}"
    );
    let outcome = w.finish_step(StepId::ArgoCd).await.expect("applied");
    assert!(
        matches!(outcome, StepOutcome::Applied { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        containers(client, ns, "argocd-redis").await,
        vec!["argocd-redis"]
    );
    // A second check: nothing to change.
    let mut w = wizard(cfg, &data).await;
    let again = w.begin_step(StepId::ArgoCd, false).await.expect("re-check");
    let StepBegin::Finished(StepOutcome::AlreadyDone { .. }) = again else {
        panic!("a re-run after adopt must show 0 changes: {again:?}")
    };
    let plan = w.check(StepId::ArgoCd).await.expect("plan");
    assert!(plan.is_noop(), "{}", plan.render());
    assert_eq!(
        containers(client, ns, "argocd-redis").await,
        vec!["argocd-redis"]
    );
}

#[tokio::test]
async fn platform_recording_argocd_installed_by_helm() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings/platform.yaml"),
    )
    .expect("recording");
    let recording = Recording::parse(&text, "platform.yaml").expect("parses");
    let sandbox = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("sandbox");
    let client = Client::try_from(sandbox.kube_config()).expect("client");
    let dir = tempfile::tempdir().expect("tmp");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    existing_install_flow(
        &client,
        &kubeconfig,
        None,
        "argo",
        "Helm release argocd",
        "redis",
    )
    .await;
}

#[tokio::test]
async fn real_cluster_argocd_installed_by_kubectl_apply() {
    let c = RealCluster::from_env();
    let ns = c.namespace("install-adopt");
    // The fixture with the redis container named as some installs name it, and two server
    // replicas: applied client-side, so kubectl-client-side-apply owns the fields.
    let manifest = std::fs::read_to_string(fixture("argocd-install.yaml"))
        .expect("manifest")
        .replace("      - name: argocd-redis\n", "      - name: redis\n");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("argocd.yaml");
    std::fs::write(&path, manifest).expect("write");
    c.kubectl_ok(&["apply", "-n", ns.name(), "-f", path.to_str().expect("utf8")]);
    let config = kube::config::Kubeconfig::read_from(c.kubeconfig()).expect("kubeconfig");
    let client = Client::try_from(
        kube::Config::from_custom_kubeconfig(
            config,
            &kube::config::KubeConfigOptions {
                context: Some(c.admin_context().into()),
                ..Default::default()
            },
        )
        .await
        .expect("config"),
    )
    .expect("client");
    existing_install_flow(
        &client,
        c.kubeconfig(),
        Some(c.admin_context()),
        ns.name(),
        "kubectl apply (client-side)",
        "redis",
    )
    .await;
}
