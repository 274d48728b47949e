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
use opsdeck::recording::Recording;
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

/// The versions once the controllers are done with the objects (a rollout in progress
/// updates status, and with it resourceVersions): the same twice, 2 s apart.
async fn settled(client: &Client, ns: &str) -> BTreeMap<String, String> {
    let mut last = versions(client, ns).await;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let now = versions(client, ns).await;
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the objects in {ns} never settled: {last:?}")
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
    let before = settled(client, ns).await;
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

#[tokio::test]
async fn platform_recording_key_secret_without_a_usable_key() {
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
    let data = dir.path().join("data");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client.clone(), "argo");
    let old = secrets
        .get("helm-secrets-private-keys")
        .await
        .expect("the recording's Secret");

    // Ask: the plan says what is wrong and offers keep / replace / import; nothing changes.
    let mut w = wizard(config(&kubeconfig, None, "argo", dir.path()), &data).await;
    let StepBegin::Confirm(plan) = w.begin_step(StepId::AgeKey, false).await.expect("check") else {
        panic!("a Secret without a usable key must be confirmed")
    };
    let text = plan.render();
    assert!(text.contains("holds no usable key"), "{text}");
    assert_eq!(
        plan.question.as_ref().map(|q| q.key.as_str()),
        Some("age_key.existing")
    );
    assert!(!text.contains("AGE-SECRET-KEY-1"), "{text}");
    let err = w.finish_step(StepId::AgeKey).await.expect_err("must ask");
    assert!(err.to_string().contains("age_key.existing"), "{err}");
    let same = secrets.get("helm-secrets-private-keys").await.expect("get");
    assert_eq!(
        same.metadata.resource_version,
        old.metadata.resource_version
    );

    // Replace: the old Secret is backed up, the local key goes in, a re-run is a no-op.
    let mut cfg = config(&kubeconfig, None, "argo", dir.path());
    cfg.age_key.existing = opsdeck::install::config::KeyChoice::Replace;
    let mut w = wizard(cfg.clone(), &data).await;
    let StepBegin::Confirm(plan) = w.begin_step(StepId::AgeKey, false).await.expect("check") else {
        panic!("replace has changes")
    };
    assert!(plan.render().contains("-backup-"), "{}", plan.render());
    w.finish_step(StepId::AgeKey).await.expect("replaced");
    let list = secrets.list(&ListParams::default()).await.expect("list");
    let backup = list
        .items
        .iter()
        .find(|s| {
            s.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("helm-secrets-private-keys-backup-"))
        })
        .expect("a backup of the old Secret");
    assert_eq!(backup.data, old.data, "the backup holds the old data");
    let now = secrets.get("helm-secrets-private-keys").await.expect("get");
    assert_ne!(now.data, old.data);
    let mut w = wizard(cfg, &data).await;
    let again = w.begin_step(StepId::AgeKey, false).await.expect("re-check");
    assert!(
        matches!(again, StepBegin::Finished(StepOutcome::AlreadyDone { .. })),
        "{again:?}"
    );
}
