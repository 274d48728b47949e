//! `opsdeck record` captures the EKS node group answers (the `eks:` section) when the
//! recorded context is an EKS cluster, and the produced file serves them again:
//! - against the in-process sandbox serving the platform recording (its context is the
//!   cluster's ARN), with the EKS settings the console would use;
//! - through the `opsdeck record` binary with `AWS_ENDPOINT_URL_EKS` (detected cluster and
//!   Ctrl-C once a change is recorded, `--eks-cluster` on a context that is no EKS cluster,
//!   `--no-redact`, a failing call), the result served by `opsdeck sandbox --recording FILE`
//!   (its timeline streamed from the file, the `eks:` section after it);
//! - from moto server (a third-party EKS API, `OPSDECK_TEST_MOTO_URL` from scripts/test).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use aws_sdk_eks::types::{NodegroupScalingConfig, Taint, TaintEffect, VpcConfigRequest};
use opsdeck::console::sandbox_eks;
use opsdeck::domain::pools::NodegroupInfo;
use opsdeck::record::eks::{cluster_json, nodegroup_json};
use opsdeck::record::redact::MARKER_B64;
use opsdeck::record::{RecordOptions, record};
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use opsdeck::sources::Target;
use opsdeck::sources::eks::{EksSettings, EksSource};
use opsdeck::sources::nodegroups::resolve;
use serde_json::Value;

const PLATFORM_ARN: &str = "arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod";

async fn serve(recording: Recording) -> Sandbox {
    Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("sandbox starts")
}

async fn platform() -> Sandbox {
    serve(opsdeck::sandbox::load_recording(None).expect("embedded platform recording")).await
}

/// The EKS settings the console works out for a sandbox: the cluster detected from the
/// kubeconfig context, the sandbox's endpoint and static credentials.
fn console_settings(sb: &Sandbox) -> EksSettings {
    let target = Target::from_yaml(&sb.kubeconfig_yaml(), "<sandbox kubeconfig>", None)
        .expect("sandbox kubeconfig");
    resolve(
        &sandbox_eks(sb, EksSettings::default()),
        &target.info(),
        target.exec_plugin().as_ref(),
    )
    .expect("the sandbox's context is detected as an EKS cluster")
}

fn at_endpoint(cluster: &str, endpoint: &str) -> EksSettings {
    EksSettings {
        cluster: cluster.into(),
        region: Some("eu-west-1".into()),
        endpoint: Some(endpoint.into()),
        static_credentials: Some(("testing".into(), "testing".into())),
        profile: None,
    }
}

/// What aws-sdk-eks gets from an endpoint: the cluster and its node groups (by name), in
/// the recording's JSON shape, without times (they move with the sandbox's time shift)
/// and certificate (redacted in recordings).
async fn describe(settings: &EksSettings) -> (Value, Vec<Value>) {
    let source = EksSource::new(settings).await;
    let eks = source.client();
    let cluster = eks
        .describe_cluster()
        .name(&settings.cluster)
        .send()
        .await
        .expect("DescribeCluster");
    let mut cluster = cluster_json(cluster.cluster().expect("a cluster"), false);
    strip(&mut cluster, &["createdAt", "certificateAuthority"]);
    let names = eks
        .list_nodegroups()
        .cluster_name(&settings.cluster)
        .send()
        .await
        .expect("ListNodegroups");
    let mut groups = Vec::new();
    for name in names.nodegroups() {
        let ng = eks
            .describe_nodegroup()
            .cluster_name(&settings.cluster)
            .nodegroup_name(name)
            .send()
            .await
            .expect("DescribeNodegroup");
        let mut v = nodegroup_json(ng.nodegroup().expect("a node group"), false);
        strip(&mut v, &["createdAt", "modifiedAt"]);
        groups.push(v);
    }
    groups.sort_by_key(|g| g["nodegroupName"].as_str().unwrap_or("").to_string());
    (cluster, groups)
}

fn strip(v: &mut Value, keys: &[&str]) {
    if let Some(m) = v.as_object_mut() {
        for k in keys {
            m.remove(*k);
        }
    }
}

/// The node pools pane's view of the node groups, sorted by name.
async fn pane_view(settings: &EksSettings) -> Vec<NodegroupInfo> {
    let mut groups = EksSource::new(settings)
        .await
        .nodegroups()
        .await
        .expect("node groups described");
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    groups
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_node_groups_are_served_again_by_a_new_sandbox() {
    let sb = platform().await;
    let settings = console_settings(&sb);
    assert_eq!(settings.cluster, "platform-prod");
    let before = describe(&settings).await;
    let pane_before = pane_view(&settings).await;
    assert_eq!(pane_before.len(), 3, "{pane_before:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("rec.yaml");
    let opts = RecordOptions {
        name: "with-eks".into(),
        kinds: vec!["namespaces".into(), "nodes".into()],
        namespaces: vec![],
        duration: Some(Duration::from_secs(1)),
        redact: true,
        prometheus: None,
        eks: Some(settings.clone()),
    };
    let client = kube::Client::try_from(sb.kube_config()).expect("kube client");
    let file = std::fs::File::create(&out).expect("file");
    let summary = record(client, &opts, file, std::future::pending(), |_, _, _| {})
        .await
        .expect("recorded");
    assert!(summary.eks_failed.is_empty(), "{:?}", summary.eks_failed);
    assert_eq!(summary.eks_cluster.as_deref(), Some("platform-prod"));
    assert_eq!(summary.eks_nodegroups, 3);

    let text = std::fs::read_to_string(&out).expect("read");
    let platform = opsdeck::sandbox::load_recording(None).expect("platform");
    let ca =
        platform.eks.as_ref().expect("platform eks").clusters[0]["certificateAuthority"]["data"]
            .as_str()
            .expect("platform CA data")
            .to_string();
    assert!(
        !text.contains(&ca),
        "the cluster's CA data reached the file"
    );
    let rec = Recording::load(&out).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let section = rec.eks.clone().expect("eks section");
    assert_eq!(
        section.clusters[0]["certificateAuthority"]["data"],
        MARKER_B64
    );
    for g in &section.nodegroups {
        for key in ["createdAt", "modifiedAt"] {
            let t = g[key].as_str().unwrap_or_default();
            assert!(t.parse::<jiff::Timestamp>().is_ok(), "{key}: {t:?}");
        }
    }
    sb.shutdown().await;

    let sb2 = serve(rec).await;
    assert_eq!(sb2.context_name(), PLATFORM_ARN);
    let settings2 = console_settings(&sb2);
    assert_eq!(settings2.cluster, "platform-prod");
    assert_eq!(describe(&settings2).await, before);
    assert_eq!(pane_view(&settings2).await, pane_before);
    sb2.shutdown().await;
}

/// How a run of `opsdeck record` ends.
enum Stop {
    /// `--duration 1s`.
    After1s,
    /// Ctrl-C (SIGINT) once a change made by `client` is in the file's timeline.
    CtrlCAfterAChange(kube::Client),
}

/// Runs `opsdeck record` (the binary) with an isolated AWS configuration: the EKS endpoint
/// from `AWS_ENDPOINT_URL_EKS`, static credentials in the environment.
async fn run_record(
    kubeconfig: &Path,
    out: &Path,
    eks_endpoint: &str,
    region: Option<&str>,
    args: &[&str],
    stop: Stop,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.arg("record")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--out")
        .arg(out)
        .args(["--kinds", "namespaces"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if matches!(stop, Stop::After1s) {
        cmd.args(["--duration", "1s"]);
    }
    let missing = out.with_extension("no-aws-config");
    for var in [
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN",
        "KUBECONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ENDPOINT_URL_EKS", eks_endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &missing)
        .env("AWS_SHARED_CREDENTIALS_FILE", &missing);
    if let Some(r) = region {
        cmd.env("AWS_REGION", r);
    }
    let child = cmd.spawn().expect("opsdeck record runs");
    if let Stop::CtrlCAfterAChange(client) = stop {
        // `record` writes `.<name>.tmp-<pid>` beside the output and renames it at the end.
        let name = out.file_name().expect("file name").to_string_lossy();
        let partial = out.with_file_name(format!(".{name}.tmp-{}", child.id()));
        let out = partial.as_path();
        wait_for_text(out, "timeline:\n").await;
        let ns: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client);
        let marker: k8s_openapi::api::core::v1::Namespace =
            serde_json::from_value(serde_json::json!({"metadata": {"name": "record-eks-change"}}))
                .expect("namespace");
        ns.create(&Default::default(), &marker)
            .await
            .expect("namespace created");
        wait_for_text(out, "record-eks-change").await;
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("joined")
        .expect("opsdeck record ends");
    assert!(
        output.status.success(),
        "opsdeck record failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Polls `file` until it holds `text` (generous deadline).
async fn wait_for_text(file: &Path, text: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(file)
        .unwrap_or_default()
        .contains(text)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{} never held {text:?}",
            file.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_record_command_detects_the_cluster_and_its_file_replays_the_node_groups() {
    let sb = platform().await;
    let before = describe(&console_settings(&sb)).await;
    let pane_before = pane_view(&console_settings(&sb)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("platform.kubeconfig");
    sb.write_kubeconfig(&kubeconfig).expect("kubeconfig");

    // The context is the cluster's ARN: detected as the console does (region from the ARN).
    let out = dir.path().join("detected.yaml");
    let client = kube::Client::try_from(sb.kube_config()).expect("kube client");
    let run = run_record(
        &kubeconfig,
        &out,
        &sb.eks_endpoint(),
        None,
        &[],
        Stop::CtrlCAfterAChange(client),
    )
    .await;
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("eks: cluster platform-prod, 3 node groups recorded"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).expect("read");
    let rec = Recording::parse(&text, "detected.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(
        rec.eks.as_ref().map(|e| e.nodegroups.len()),
        Some(3),
        "{text}"
    );
    assert!(text.contains(MARKER_B64));

    // `opsdeck sandbox --recording FILE` serves the same node groups, under the same ARN.
    let served = common::SandboxProcess::with_recording(&text);
    let target = Target::load(Some(served.kubeconfig()), None).expect("served kubeconfig");
    assert_eq!(target.info().context, PLATFORM_ARN);
    let endpoint = format!("{}/eks", served.url());
    let settings = at_endpoint("platform-prod", &endpoint);
    assert_eq!(describe(&settings).await, before);
    assert_eq!(pane_view(&settings).await, pane_before);
    drop(served);

    // `--eks-cluster` on a context that is no EKS cluster; `--no-redact` keeps the CA data.
    let shop = serve(
        opsdeck::sandbox::load_recording(Some(&common::fixture("console-shop.yaml")))
            .expect("fixture recording"),
    )
    .await;
    let shop_kubeconfig = dir.path().join("shop.kubeconfig");
    shop.write_kubeconfig(&shop_kubeconfig).expect("kubeconfig");
    let out = dir.path().join("named.yaml");
    let run = run_record(
        &shop_kubeconfig,
        &out,
        &sb.eks_endpoint(),
        Some("eu-west-1"),
        &["--eks-cluster", "platform-prod", "--no-redact"],
        Stop::After1s,
    )
    .await;
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("3 node groups recorded"), "{stdout}");
    let rec = Recording::load(&out).expect("valid recording");
    let section = rec.eks.expect("eks section");
    let ca = section.clusters[0]["certificateAuthority"]["data"]
        .as_str()
        .unwrap_or_default();
    assert!(
        ca.starts_with("LS0tLS1CRUdJTi"),
        "--no-redact keeps the CA data: {ca}"
    );
    shop.shutdown().await;

    // A failing EKS call is reported and the recording is kept, without the section. (A
    // cluster other than the context's does not take the context's region: AWS_REGION.)
    let out = dir.path().join("failed.yaml");
    let run = run_record(
        &kubeconfig,
        &out,
        &sb.eks_endpoint(),
        Some("eu-west-1"),
        &["--eks-cluster", "no-such-cluster"],
        Stop::After1s,
    )
    .await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("eks: not recorded: DescribeCluster no-such-cluster")
            && stderr.contains("not found"),
        "{stderr}"
    );
    let rec = Recording::load(&out).expect("the recording is kept");
    assert!(rec.eks.is_none());
    assert!(!rec.objects.is_empty());
    sb.shutdown().await;
}

fn moto_url() -> String {
    std::env::var("OPSDECK_TEST_MOTO_URL").unwrap_or_else(|_| {
        panic!("OPSDECK_TEST_MOTO_URL is not set: run the tests with scripts/test, which starts moto server")
    })
}

#[tokio::test]
async fn node_groups_captured_from_moto_load_into_the_sandbox() {
    let url = moto_url();
    let cluster = format!("opsdeck-rec-{}", std::process::id());
    let settings = at_endpoint(&cluster, &url);
    let source = EksSource::new(&settings).await;
    let eks = source.client();
    eks.create_cluster()
        .name(&cluster)
        .version("1.31")
        .role_arn("arn:aws:iam::123456789012:role/eks-cluster")
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids("subnet-0a1")
                .subnet_ids("subnet-0b2")
                .build(),
        )
        .send()
        .await
        .expect("moto creates the cluster");
    for (name, min, desired, max) in [("infra", 2, 3, 5), ("database", 1, 2, 3)] {
        let mut req = eks
            .create_nodegroup()
            .cluster_name(&cluster)
            .nodegroup_name(name)
            .node_role("arn:aws:iam::123456789012:role/eks-node")
            .subnets("subnet-0a1")
            .instance_types("m6i.large")
            .labels("workload-type", name)
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(min)
                    .desired_size(desired)
                    .max_size(max)
                    .build(),
            );
        if name == "database" {
            req = req.taints(
                Taint::builder()
                    .key("workload-type")
                    .value("database")
                    .effect(TaintEffect::NoSchedule)
                    .build(),
            );
        }
        req.send().await.expect("moto creates the node group");
    }
    let in_moto = describe(&settings).await;
    let pane_in_moto = pane_view(&settings).await;
    assert_eq!(pane_in_moto.len(), 2);

    let captured = opsdeck::record::eks::capture(&settings, true).await;
    assert!(captured.failed.is_empty(), "{:?}", captured.failed);
    let section = captured.recording.expect("eks section");
    let text = format!(
        "apiVersion: opsdeck.dev/v1\nkind: Recording\nmetadata:\n  name: moto\n  kubernetesVersion: v1.31.4\nobjects: []\n{}",
        opsdeck::record::eks::render(&section)
    );
    let rec = Recording::parse(&text, "moto.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let sb = serve(rec).await;
    let served = at_endpoint(&cluster, &sb.eks_endpoint());
    assert_eq!(describe(&served).await, in_moto);
    assert_eq!(pane_view(&served).await, pane_in_moto);
    sb.shutdown().await;
}
