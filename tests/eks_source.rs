//! The EKS source (aws-sdk-eks) against real third-party EKS APIs: moto server (started by
//! scripts/test, `OPSDECK_TEST_MOTO_URL`) and the sandbox's recorded EKS subset.

use aws_sdk_eks::types::{NodegroupScalingConfig, Taint, TaintEffect, VpcConfigRequest};
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use opsdeck::sources::eks::{EksError, EksSettings, EksSource};

fn moto_url() -> String {
    std::env::var("OPSDECK_TEST_MOTO_URL").unwrap_or_else(|_| {
        panic!("OPSDECK_TEST_MOTO_URL is not set: run the tests with scripts/test, which starts moto server")
    })
}

fn settings(cluster: &str, endpoint: &str) -> EksSettings {
    EksSettings {
        cluster: cluster.into(),
        region: Some("eu-west-1".into()),
        endpoint: Some(endpoint.into()),
        static_credentials: Some(("testing".into(), "testing".into())),
        profile: None,
    }
}

/// Creates a cluster with an `infra` group (labels) and a tainted `database` group in moto.
async fn create_in_moto(source: &EksSource, cluster: &str) {
    let eks = source.client();
    eks.create_cluster()
        .name(cluster)
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
    for (name, min, desired, max, taint) in [("infra", 2, 3, 5, false), ("database", 1, 2, 3, true)]
    {
        let mut req = eks
            .create_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .node_role("arn:aws:iam::123456789012:role/eks-node")
            .subnets("subnet-0a1")
            .subnets("subnet-0b2")
            .instance_types("m6i.large")
            .labels("workload-type", name)
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(min)
                    .desired_size(desired)
                    .max_size(max)
                    .build(),
            );
        if taint {
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
}

#[tokio::test]
async fn reads_and_scales_node_groups_in_moto() {
    let url = moto_url();
    let cluster = format!("opsdeck-{}", std::process::id());
    let source = EksSource::new(&settings(&cluster, &url)).await;
    create_in_moto(&source, &cluster).await;

    let mut groups = source.nodegroups().await.expect("node groups listed");
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, vec!["database", "infra"]);
    let db = &groups[0];
    assert_eq!((db.min_size, db.desired_size, db.max_size), (1, 2, 3));
    assert_eq!(
        db.taints,
        vec!["workload-type=database:NoSchedule".to_string()]
    );
    assert_eq!(
        db.labels.get("workload-type").map(String::as_str),
        Some("database")
    );
    assert_eq!(groups[1].instance_types, vec!["m6i.large".to_string()]);
    assert_eq!(groups[1].status, "ACTIVE");

    source
        .update_scaling("database", 2, 2, 4)
        .await
        .expect("scaling updated");
    let db = source.nodegroup("database").await.expect("described");
    assert_eq!((db.min_size, db.desired_size, db.max_size), (2, 2, 4));
}

#[tokio::test]
async fn missing_cluster_and_node_group_are_not_found() {
    let url = moto_url();
    let source = EksSource::new(&settings("no-such-cluster", &url)).await;
    // (moto answers ListNodegroups of a missing cluster with a 500; DescribeNodegroup
    // answers ResourceNotFoundException as EKS does.)
    match source.nodegroup("infra").await {
        Err(EksError::NotFound(what)) => assert!(what.contains("infra"), "{what}"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    let cluster = format!("opsdeck-nf-{}", std::process::id());
    let source = EksSource::new(&settings(&cluster, &url)).await;
    create_in_moto(&source, &cluster).await;
    assert!(matches!(
        source.nodegroup("ghost").await,
        Err(EksError::NotFound(_))
    ));
}

#[tokio::test]
async fn invalid_scaling_is_refused_before_sending() {
    let source = EksSource::new(&settings("x", "http://127.0.0.1:9")).await;
    assert!(matches!(
        source.update_scaling("g", 3, 2, 4).await,
        Err(EksError::Invalid(_))
    ));
}

#[tokio::test]
async fn unreachable_endpoint_is_reported_as_such() {
    // Port 9 (discard) on loopback has no listener here.
    let source = EksSource::new(&settings("x", "http://127.0.0.1:9")).await;
    match source.nodegroups().await {
        // In words, without the SDK's Debug dump of the error (it overwrote the pools
        // pane's title).
        Err(EksError::Unreachable(e)) => {
            assert!(e.starts_with("dispatch failure"), "{e}");
            assert!(!e.contains("Error(") && !e.contains("{"), "{e}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

const EKS_RECORDING: &str = r#"
apiVersion: opsdeck.dev/v1
kind: Recording
metadata: {name: eks-mini, kubernetesVersion: v1.31.4-eks-2d5f260, recordedAt: "2026-11-01T09:00:00Z"}
eks:
  clusters:
    - name: platform-prod
      arn: arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod
      version: "1.31"
      status: ACTIVE
      createdAt: "2026-10-01T09:00:00Z"
  nodegroups:
    - nodegroupName: database
      clusterName: platform-prod
      status: ACTIVE
      capacityType: ON_DEMAND
      releaseVersion: 1.31.4-20261020
      amiType: AL2023_x86_64_STANDARD
      instanceTypes: [r6i.large]
      scalingConfig: {minSize: 1, desiredSize: 2, maxSize: 3}
      labels: {workload-type: database}
      taints: [{key: workload-type, value: database, effect: NO_SCHEDULE}]
      health:
        issues: [{code: AsgInstanceLaunchFailures, message: "Could not launch On-Demand Instances", resourceIds: [eks-database-asg]}]
      createdAt: "2026-10-01T09:10:00Z"
      modifiedAt: "2026-10-02T09:10:00Z"
"#;

#[tokio::test]
async fn sandbox_serves_recorded_node_groups_to_aws_sdk_eks() {
    let rec = Recording::parse(EKS_RECORDING, "eks-mini.yaml").expect("recording parses");
    let sandbox = Sandbox::start(SandboxOptions {
        recording: rec,
        port: 0,
        speed: 1.0,
    })
    .await
    .expect("sandbox starts");
    let source = EksSource::new(&settings("platform-prod", &sandbox.eks_endpoint())).await;
    let groups = source.nodegroups().await.expect("listed");
    assert_eq!(groups.len(), 1);
    let db = &groups[0];
    assert_eq!(db.release_version.as_deref(), Some("1.31.4-20261020"));
    assert_eq!(
        db.taints,
        vec!["workload-type=database:NoSchedule".to_string()]
    );
    assert_eq!(db.health_issues.len(), 1);
    assert!(db.health_issues[0].starts_with("AsgInstanceLaunchFailures"));

    source
        .update_scaling("database", 2, 3, 4)
        .await
        .expect("updated");
    let db = source.nodegroup("database").await.expect("described");
    assert_eq!((db.min_size, db.desired_size, db.max_size), (2, 3, 4));

    let other = EksSource::new(&settings("nope", &sandbox.eks_endpoint())).await;
    assert!(matches!(
        other.nodegroups().await,
        Err(EksError::NotFound(_))
    ));
    sandbox.shutdown().await;
}
