//! The install wizard against real third-party peers: the `age`/`age-keygen` CLIs (key
//! interop both ways) and moto server as the EKS API (cluster + node groups created, waited
//! ACTIVE, kubeconfig entry with an exec credential, duplicate-name error). Peers come from
//! scripts/test (`OPSDECK_TEST_AGE`, `OPSDECK_TEST_AGE_KEYGEN`, `OPSDECK_TEST_MOTO_URL`); a
//! missing peer fails the test.

use std::io::Write as _;
use std::process::{Command, Stdio};

use opsdeck::install::agekey::AgeKey;
use opsdeck::install::config::{ClusterMode, EksConfig};
use opsdeck::install::wizard::{Progress, StepOutcome};
use opsdeck::install::{InstallConfig, StepId, Wizard};

fn peer(var: &str, name: &str) -> String {
    if let Ok(p) = std::env::var(var) {
        return p;
    }
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    found.unwrap_or_else(|| {
        panic!("{name} is missing: set {var} or run scripts/test, which installs it")
    })
}

#[test]
fn age_cli_encrypts_to_our_recipient_and_we_decrypt() {
    let age = peer("OPSDECK_TEST_AGE", "age");
    let key = AgeKey::generate();
    let mut child = Command::new(&age)
        .args(["-r", &key.recipient()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("age runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"db-password: s3cret\n")
        .expect("write");
    let out = child.wait_with_output().expect("age output");
    assert!(out.status.success(), "age -r failed");
    let plain = age::decrypt(key.identity(), &out.stdout).expect("our identity decrypts");
    assert_eq!(plain, b"db-password: s3cret\n");
}

#[test]
fn age_cli_decrypts_with_our_key_file() {
    let age = peer("OPSDECK_TEST_AGE", "age");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("key.txt");
    let key = AgeKey::generate();
    key.save_new(&path).expect("saved");
    let recipient: age::x25519::Recipient = key.recipient().parse().expect("recipient");
    let cipher = age::encrypt(&recipient, b"hello from opsdeck").expect("encrypt");
    let enc = dir.path().join("msg.age");
    std::fs::write(&enc, cipher).expect("write");
    let out = Command::new(&age)
        .arg("-d")
        .arg("-i")
        .arg(&path)
        .arg(&enc)
        .output()
        .expect("age -d runs");
    assert!(
        out.status.success(),
        "age -d: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"hello from opsdeck");
}

#[test]
fn age_keygen_file_is_read_by_our_loader() {
    let keygen = peer("OPSDECK_TEST_AGE_KEYGEN", "age-keygen");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("key.txt");
    let out = Command::new(&keygen)
        .arg("-o")
        .arg(&path)
        .output()
        .expect("age-keygen runs");
    assert!(out.status.success());
    let key = AgeKey::load(&path).expect("loads").expect("present");
    let printed = String::from_utf8_lossy(&out.stderr);
    assert!(
        printed.contains(&key.recipient()),
        "{printed} vs {}",
        key.recipient()
    );
    // age-keygen -y prints the recipient of a key file: ours agrees.
    let ours = dir.path().join("ours.txt");
    AgeKey::generate().save_new(&ours).expect("saved");
    let y = Command::new(&keygen)
        .arg("-y")
        .arg(&ours)
        .output()
        .expect("age-keygen -y");
    let theirs = String::from_utf8_lossy(&y.stdout).trim().to_string();
    assert_eq!(
        theirs,
        AgeKey::load(&ours).expect("ok").expect("some").recipient()
    );
}

fn moto_url() -> String {
    std::env::var("OPSDECK_TEST_MOTO_URL").unwrap_or_else(|_| {
        panic!("OPSDECK_TEST_MOTO_URL is not set: run the tests with scripts/test, which starts moto server")
    })
}

#[tokio::test]
async fn eks_cluster_step_against_moto() {
    let url = moto_url();
    // SAFETY: set before any thread of this test reads the AWS configuration.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let name = format!("opsdeck-install-{}", std::process::id());
    let mut config = InstallConfig::default();
    config.cluster.mode = ClusterMode::Eks;
    config.cluster.kubeconfig = Some(dir.path().join("kubeconfig"));
    config.cluster.eks = Some(EksConfig {
        name: name.clone(),
        region: "eu-west-1".into(),
        version: "1.31".into(),
        role_arn: "arn:aws:iam::123456789012:role/eks-cluster".into(),
        subnets: vec!["subnet-0a1".into(), "subnet-0b2".into()],
        node_role_arn: Some("arn:aws:iam::123456789012:role/eks-node".into()),
        preset: Some("workload-database-large".into()),
        node_groups: vec![],
        endpoint: Some(url.clone()),
        wait_timeout: "2m".into(),
    });
    assert!(config.validate().is_empty(), "{:?}", config.validate());
    let mut w =
        Wizard::open(config.clone(), &dir.path().join("data"), Progress::silent()).expect("open");
    let mut plans = Vec::new();
    let mut confirm = |_: StepId, p: &opsdeck::install::Plan| {
        plans.push(p.render());
        true
    };
    let out = w
        .run_step(StepId::Cluster, false, &mut confirm)
        .await
        .expect("cluster step");
    assert!(matches!(out, StepOutcome::Applied { .. }), "{out:?}");
    assert!(
        plans[0].contains(&format!("+ create EKS cluster {name}")),
        "{}",
        plans[0]
    );
    assert!(
        plans[0].contains("+ taints workload-type=database:NoSchedule"),
        "{}",
        plans[0]
    );

    // Kubeconfig: exec credential, current context = the cluster ARN.
    let text = std::fs::read_to_string(dir.path().join("kubeconfig")).expect("kubeconfig");
    let kc = kube::config::Kubeconfig::from_yaml(&text).expect("kube reads it");
    let ctx = kc.current_context.clone().expect("current context");
    assert!(ctx.ends_with(&format!(":cluster/{name}")), "{ctx}");
    assert_eq!(w.state.context.as_deref(), Some(ctx.as_str()));
    let user = kc.auth_infos.iter().find(|u| u.name == ctx).expect("user");
    let exec = user
        .auth_info
        .as_ref()
        .and_then(|a| a.exec.as_ref())
        .expect("exec");
    assert_eq!(exec.command.as_deref(), Some("aws"));
    let args = exec.args.clone().unwrap_or_default();
    assert!(
        args.windows(2)
            .any(|w| w == ["--cluster-name", name.as_str()]),
        "{args:?}"
    );

    // Node groups with labels and taints.
    let eks = opsdeck::sources::eks::EksSource::new(&opsdeck::sources::eks::EksSettings {
        cluster: name.clone(),
        region: Some("eu-west-1".into()),
        endpoint: Some(url.clone()),
        static_credentials: Some(("testing".into(), "testing".into())),
        ..Default::default()
    })
    .await;
    let mut groups = eks.nodegroups().await.expect("node groups");
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["database", "large", "workload"]);
    assert_eq!(groups[0].taints, ["workload-type=database:NoSchedule"]);

    // Re-run: a no-op.
    let mut again =
        Wizard::open(config, &dir.path().join("data"), Progress::silent()).expect("open");
    let out = again
        .run_step(StepId::Cluster, false, &mut |_, _| true)
        .await
        .expect("rerun");
    assert!(matches!(out, StepOutcome::AlreadyDone { .. }), "{out:?}");

    // Creating the same name again is refused by EKS with a clear error.
    let err = eks
        .client()
        .create_cluster()
        .name(&name)
        .role_arn("arn:aws:iam::123456789012:role/eks-cluster")
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder()
                .subnet_ids("subnet-0a1")
                .subnet_ids("subnet-0b2")
                .build(),
        )
        .send()
        .await
        .expect_err("duplicate name");
    use aws_sdk_eks::error::ProvideErrorMetadata as _;
    assert_eq!(err.code(), Some("ResourceInUseException"));
}
