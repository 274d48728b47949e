//! The cluster step: either an existing kubeconfig context (checked reachable: server version
//! and node count), or a new EKS cluster with managed node groups (aws-sdk-eks), waited for
//! ACTIVE, then a kubeconfig entry with an exec credential made the current context.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_eks::Client as EksClient;
use aws_sdk_eks::error::{DisplayErrorContext, ProvideErrorMetadata as _};
use aws_sdk_eks::types::{NodegroupScalingConfig, Taint, TaintEffect, VpcConfigRequest};
use k8s_openapi::api::core::v1::Node;
use kube::Api;
use kube::api::ListParams;

use super::InstallError;
use super::config::{ClusterMode, EksConfig, NodeGroupConfig, parse_duration};
use super::kubeconfig::{self, EksEntry};
use super::plan::{Change, ChangeKind, Plan};
use super::wizard::StepCtx;
use crate::sources::eks::{EksSettings, EksSource};
use crate::sources::kubeconfig::Target;

/// How often the EKS waits poll (AWS's own waiters use 30 s).
const EKS_POLL: Duration = Duration::from_secs(10);

pub(crate) use crate::model::install::PRESETS;

pub(crate) fn preset(name: &str) -> Option<Vec<NodeGroupConfig>> {
    let group = |name: &str, types: &[&str], min, desired, max, taint: bool| NodeGroupConfig {
        name: name.into(),
        instance_types: types.iter().map(|s| s.to_string()).collect(),
        min,
        desired,
        max,
        labels: [("workload-type".to_string(), name.to_string())].into(),
        taints: if taint {
            vec![format!("workload-type={name}:NoSchedule")]
        } else {
            vec![]
        },
    };
    match name {
        // Seed 000: 3 nodes for infra (operators, Argo CD), 3 for apps (postgres, keycloak).
        "infra-apps" => Some(vec![
            group("infra", &["t3.large"], 3, 3, 5, false),
            group("apps", &["t3.large"], 3, 3, 6, false),
        ]),
        // Seed 001: workload, tainted database and large pools.
        "workload-database-large" => Some(vec![
            group("workload", &["t3.medium", "t3.large"], 2, 3, 6, false),
            group("database", &["r6i.large"], 2, 2, 4, true),
            group("large", &["m6i.2xlarge"], 1, 1, 2, true),
        ]),
        _ => None,
    }
}

/// The node groups an EKS config creates (explicit, else the preset).
pub(crate) fn node_groups(eks: &EksConfig) -> Vec<NodeGroupConfig> {
    if !eks.node_groups.is_empty() {
        return eks.node_groups.clone();
    }
    eks.preset.as_deref().and_then(preset).unwrap_or_default()
}

fn is_role_arn(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("arn:") else {
        return false;
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    parts.len() == 5
        && parts[0].starts_with("aws")
        && parts[1] == "iam"
        && parts[2].is_empty()
        && parts[3].len() == 12
        && parts[3].chars().all(|c| c.is_ascii_digit())
        && parts[4]
            .strip_prefix("role/")
            .is_some_and(|r| !r.is_empty())
}

/// `key=value:Effect` → (key, value, EKS effect).
pub(crate) fn parse_taint(s: &str) -> Result<(String, String, TaintEffect), String> {
    let (kv, effect) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("{s:?}: expected key=value:NoSchedule"))?;
    let effect = match effect {
        "NoSchedule" => TaintEffect::NoSchedule,
        "NoExecute" => TaintEffect::NoExecute,
        "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
        other => {
            return Err(format!(
                "{s:?}: effect {other:?} is not NoSchedule, NoExecute or PreferNoSchedule"
            ));
        }
    };
    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
    if k.is_empty() {
        return Err(format!("{s:?}: the taint has no key"));
    }
    Ok((k.into(), v.into(), effect))
}

/// Problems of an EKS config as (field, message).
pub(crate) fn validate_eks(eks: &EksConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |f: &str, m: String| out.push((f.to_string(), m));
    if eks.name.is_empty() {
        bad("name", "the cluster name is empty".into());
    } else if eks.name.len() > 100
        || !eks.name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !eks
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bad(
            "name",
            format!(
                "{:?}: 1-100 letters, digits, '-' or '_', starting with a letter or digit",
                eks.name
            ),
        );
    }
    let region_ok = {
        let parts: Vec<&str> = eks.region.split('-').collect();
        parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
    };
    if !region_ok {
        bad(
            "region",
            format!("{:?} is not an AWS region like eu-west-1", eks.region),
        );
    }
    let version_ok = eks
        .version
        .split_once('.')
        .is_some_and(|(a, b)| a == "1" && !b.is_empty() && b.chars().all(|c| c.is_ascii_digit()));
    if !version_ok {
        bad(
            "version",
            format!("{:?} is not a Kubernetes version like 1.33", eks.version),
        );
    }
    if !is_role_arn(&eks.role_arn) {
        bad(
            "role_arn",
            format!(
                "{:?} is not an IAM role ARN (arn:aws:iam::123456789012:role/name)",
                eks.role_arn
            ),
        );
    }
    if eks.subnets.len() < 2 {
        bad(
            "subnets",
            format!(
                "EKS needs at least 2 subnets in different availability zones (got {})",
                eks.subnets.len()
            ),
        );
    }
    for s in &eks.subnets {
        if !s
            .strip_prefix("subnet-")
            .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            bad(
                "subnets",
                format!("{s:?} is not a subnet id (subnet-0abc…)"),
            );
        }
    }
    if let Some(p) = &eks.preset
        && preset(p).is_none()
    {
        bad(
            "preset",
            format!("unknown preset {p:?} (known: {})", PRESETS.join(", ")),
        );
    }
    if let Err(m) = parse_duration(&eks.wait_timeout) {
        bad("wait_timeout", m);
    }
    let groups = node_groups(eks);
    if !groups.is_empty() && !eks.node_role_arn.as_deref().is_some_and(is_role_arn) {
        bad(
            "node_role_arn",
            "node groups need node_role_arn, an IAM role ARN".into(),
        );
    }
    for g in &groups {
        let f = format!("node_groups.{}", g.name);
        if g.instance_types.is_empty() {
            bad(&f, "instance_types is empty".into());
        }
        if g.min < 0 || g.min > g.desired || g.desired > g.max || g.max < 1 {
            bad(
                &f,
                format!(
                    "scaling must satisfy 0 <= min ({}) <= desired ({}) <= max ({}), max >= 1",
                    g.min, g.desired, g.max
                ),
            );
        }
        for t in &g.taints {
            if let Err(m) = parse_taint(t) {
                bad(&f, m);
            }
        }
    }
    out
}

fn kubeconfig_path(ctx: &StepCtx<'_>) -> Option<PathBuf> {
    ctx.config
        .cluster
        .kubeconfig
        .clone()
        .or_else(|| std::env::var_os("KUBECONFIG").map(PathBuf::from))
}

/// The file an EKS entry is written to: the configured kubeconfig, the first `KUBECONFIG`
/// entry, or `~/.kube/config`.
fn kubeconfig_write_path(ctx: &StepCtx<'_>) -> Result<PathBuf, InstallError> {
    if let Some(p) = kubeconfig_path(ctx)
        && let Some(first) = std::env::split_paths(&p).find(|p| !p.as_os_str().is_empty())
    {
        return Ok(first);
    }
    directories::BaseDirs::new()
        .map(|b| b.home_dir().join(".kube").join("config"))
        .ok_or_else(|| InstallError::Invalid("no home directory for ~/.kube/config".into()))
}

/// Checks a context: reachable, server version and node count.
pub(crate) async fn probe_context(
    kubeconfig: Option<&std::path::Path>,
    context: Option<&str>,
) -> Result<(String, String, usize), InstallError> {
    let target =
        Target::load(kubeconfig, context).map_err(|e| InstallError::Invalid(e.to_string()))?;
    let name = target.info().context;
    let server = target.info().server;
    let client = target
        .request_client()
        .await
        .map_err(|e| InstallError::Invalid(e.to_string()))?;
    let version = client.apiserver_version().await.map_err(|e| {
        InstallError::Invalid(format!(
            "context {name} is not reachable: the server {server} did not answer GET /version: {e}"
        ))
    })?;
    let nodes = Api::<Node>::all(client)
        .list_metadata(&ListParams::default())
        .await
        .map_err(|e| InstallError::kube(format!("list nodes of {name}"), e))?;
    Ok((name, version.git_version, nodes.items.len()))
}

async fn eks_client(eks: &EksConfig) -> EksClient {
    let src = EksSource::new(&EksSettings {
        cluster: eks.name.clone(),
        region: Some(eks.region.clone()),
        endpoint: eks.endpoint.clone(),
        static_credentials: None,
        ..EksSettings::default()
    })
    .await;
    src.client().clone()
}

fn eks_err<
    E: aws_sdk_eks::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
>(
    what: &str,
    e: aws_sdk_eks::error::SdkError<E, R>,
) -> InstallError {
    match e.code() {
        Some(code) => InstallError::Eks(format!("{what}: {code}: {}", e.message().unwrap_or(""))),
        None => InstallError::Eks(format!("{what}: {}", DisplayErrorContext(&e))),
    }
}

/// (status, arn, endpoint, ca) of a cluster, `None` when absent.
async fn describe_cluster(
    eks: &EksClient,
    name: &str,
) -> Result<Option<(String, String, String, String)>, InstallError> {
    match eks.describe_cluster().name(name).send().await {
        Ok(out) => Ok(out.cluster().map(|c| {
            (
                c.status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                c.arn().unwrap_or_default().to_string(),
                c.endpoint().unwrap_or_default().to_string(),
                c.certificate_authority()
                    .and_then(|ca| ca.data())
                    .unwrap_or_default()
                    .to_string(),
            )
        })),
        Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(eks_err(&format!("describe cluster {name}"), e)),
    }
}

async fn nodegroup_status(
    eks: &EksClient,
    cluster: &str,
    name: &str,
) -> Result<Option<String>, InstallError> {
    match eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.nodegroup()
                .and_then(|n| n.status())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        )),
        Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(eks_err(&format!("describe node group {name}"), e)),
    }
}

pub(crate) async fn check(ctx: &StepCtx<'_>) -> Result<Plan, InstallError> {
    let cfg = &ctx.config.cluster;
    let mut plan = Plan::default();
    match cfg.mode {
        ClusterMode::Context => {
            let kc = kubeconfig_path(ctx);
            let (name, version, nodes) =
                probe_context(kc.as_deref(), cfg.context.as_deref()).await?;
            plan.found.push(format!(
                "context {name} reachable: Kubernetes {version}, {nodes} nodes"
            ));
            plan.changes.push(Change::new(
                ChangeKind::Unchanged,
                format!("use context {name}"),
            ));
        }
        ClusterMode::Eks => {
            let eks_cfg = cfg
                .eks
                .as_ref()
                .ok_or_else(|| InstallError::Invalid("cluster.eks is missing".into()))?;
            let eks = eks_client(eks_cfg).await;
            match describe_cluster(&eks, &eks_cfg.name).await? {
                Some((status, arn, _, _)) => {
                    plan.found.push(format!(
                        "EKS cluster {} exists ({status}, {arn})",
                        eks_cfg.name
                    ));
                    plan.changes.push(Change::new(
                        ChangeKind::Unchanged,
                        format!("EKS cluster {}", eks_cfg.name),
                    ));
                }
                None => plan.changes.push(
                    Change::new(ChangeKind::Create, format!("EKS cluster {}", eks_cfg.name))
                        .with_detail(vec![
                            format!(
                                "+ region {}, Kubernetes {}",
                                eks_cfg.region, eks_cfg.version
                            ),
                            format!("+ role {}", eks_cfg.role_arn),
                            format!("+ subnets {}", eks_cfg.subnets.join(", ")),
                        ]),
                ),
            }
            for g in node_groups(eks_cfg) {
                let target = format!("EKS node group {}/{}", eks_cfg.name, g.name);
                match nodegroup_status(&eks, &eks_cfg.name, &g.name).await? {
                    Some(status) => {
                        plan.found
                            .push(format!("node group {} exists ({status})", g.name));
                        plan.changes
                            .push(Change::new(ChangeKind::Unchanged, target));
                    }
                    None => {
                        let mut detail = vec![format!(
                            "+ {} × {} (min {}, max {})",
                            g.desired,
                            g.instance_types.join("/"),
                            g.min,
                            g.max
                        )];
                        if !g.labels.is_empty() {
                            detail.push(format!(
                                "+ labels {}",
                                g.labels
                                    .iter()
                                    .map(|(k, v)| format!("{k}={v}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                        if !g.taints.is_empty() {
                            detail.push(format!("+ taints {}", g.taints.join(", ")));
                        }
                        plan.changes
                            .push(Change::new(ChangeKind::Create, target).with_detail(detail));
                    }
                }
            }
            let path = kubeconfig_write_path(ctx)?;
            let has_context = ctx.state.context.is_some()
                && std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| kube::config::Kubeconfig::from_yaml(&t).ok())
                    .is_some_and(|kc| kc.current_context == ctx.state.context);
            plan.changes.push(Change::new(
                if has_context {
                    ChangeKind::Unchanged
                } else {
                    ChangeKind::Create
                },
                format!(
                    "kubeconfig {} context for {} (exec: aws eks get-token)",
                    path.display(),
                    eks_cfg.name
                ),
            ));
        }
    }
    Ok(plan)
}

/// Applies the step; returns the kubeconfig file (if not the default resolution) and context.
pub(crate) async fn apply(ctx: &StepCtx<'_>) -> Result<(Option<PathBuf>, String), InstallError> {
    let cfg = &ctx.config.cluster;
    match cfg.mode {
        ClusterMode::Context => {
            let kc = kubeconfig_path(ctx);
            let (name, version, nodes) =
                probe_context(kc.as_deref(), cfg.context.as_deref()).await?;
            ctx.say(&format!(
                "using context {name} (Kubernetes {version}, {nodes} nodes)"
            ));
            Ok((kc, name))
        }
        ClusterMode::Eks => {
            let eks_cfg = cfg
                .eks
                .as_ref()
                .ok_or_else(|| InstallError::Invalid("cluster.eks is missing".into()))?;
            let timeout = parse_duration(&eks_cfg.wait_timeout).map_err(InstallError::Invalid)?;
            let eks = eks_client(eks_cfg).await;
            if describe_cluster(&eks, &eks_cfg.name).await?.is_none() {
                let mut vpc = VpcConfigRequest::builder();
                for s in &eks_cfg.subnets {
                    vpc = vpc.subnet_ids(s);
                }
                eks.create_cluster()
                    .name(&eks_cfg.name)
                    .version(&eks_cfg.version)
                    .role_arn(&eks_cfg.role_arn)
                    .resources_vpc_config(vpc.build())
                    .client_request_token(format!("opsdeck-{}", eks_cfg.name))
                    .send()
                    .await
                    .map_err(|e| eks_err(&format!("create cluster {}", eks_cfg.name), e))?;
                ctx.say(&format!(
                    "creating EKS cluster {} (this takes 10-15 minutes on AWS)",
                    eks_cfg.name
                ));
            }
            let (arn, endpoint, ca) =
                wait_cluster_active(ctx, &eks, &eks_cfg.name, timeout).await?;
            for g in node_groups(eks_cfg) {
                if nodegroup_status(&eks, &eks_cfg.name, &g.name)
                    .await?
                    .is_some()
                {
                    continue;
                }
                let mut req = eks
                    .create_nodegroup()
                    .cluster_name(&eks_cfg.name)
                    .nodegroup_name(&g.name)
                    .node_role(eks_cfg.node_role_arn.clone().unwrap_or_default())
                    .set_subnets(Some(eks_cfg.subnets.clone()))
                    .set_instance_types(Some(g.instance_types.clone()))
                    .set_labels(Some(g.labels.clone().into_iter().collect()))
                    .scaling_config(
                        NodegroupScalingConfig::builder()
                            .min_size(g.min)
                            .desired_size(g.desired)
                            .max_size(g.max)
                            .build(),
                    );
                for t in &g.taints {
                    let (k, v, effect) = parse_taint(t).map_err(InstallError::Invalid)?;
                    req = req.taints(Taint::builder().key(k).value(v).effect(effect).build());
                }
                req.send()
                    .await
                    .map_err(|e| eks_err(&format!("create node group {}", g.name), e))?;
                ctx.say(&format!("creating node group {}", g.name));
            }
            for g in node_groups(eks_cfg) {
                wait_nodegroup_active(ctx, &eks, &eks_cfg.name, &g.name, timeout).await?;
            }
            let path = kubeconfig_write_path(ctx)?;
            let entry = EksEntry {
                name: arn.clone(),
                cluster_name: eks_cfg.name.clone(),
                region: eks_cfg.region.clone(),
                endpoint,
                ca_data: ca,
            };
            if kubeconfig::write(&path, &entry)? {
                ctx.say(&format!(
                    "wrote context {arn} to {} and switched to it",
                    path.display()
                ));
            }
            Ok((Some(path), arn))
        }
    }
}

async fn wait_cluster_active(
    ctx: &StepCtx<'_>,
    eks: &EksClient,
    name: &str,
    timeout: Duration,
) -> Result<(String, String, String), InstallError> {
    let start = Instant::now();
    loop {
        let Some((status, arn, endpoint, ca)) = describe_cluster(eks, name).await? else {
            return Err(InstallError::Eks(format!(
                "cluster {name} disappeared while waiting"
            )));
        };
        match status.as_str() {
            "ACTIVE" => {
                ctx.say(&format!("EKS cluster {name} is ACTIVE"));
                return Ok((arn, endpoint, ca));
            }
            "FAILED" | "DELETING" => {
                return Err(InstallError::Eks(format!("cluster {name} is {status}")));
            }
            _ => {}
        }
        if start.elapsed() >= timeout {
            return Err(InstallError::Timeout(format!(
                "cluster {name} still {status} after {}s; re-run to keep waiting",
                timeout.as_secs()
            )));
        }
        ctx.say(&format!(
            "cluster {name}: {status} ({}s)",
            start.elapsed().as_secs()
        ));
        tokio::time::sleep(EKS_POLL).await;
    }
}

async fn wait_nodegroup_active(
    ctx: &StepCtx<'_>,
    eks: &EksClient,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), InstallError> {
    let start = Instant::now();
    loop {
        let status = nodegroup_status(eks, cluster, name)
            .await?
            .unwrap_or_default();
        match status.as_str() {
            "ACTIVE" => {
                ctx.say(&format!("node group {name} is ACTIVE"));
                return Ok(());
            }
            "CREATE_FAILED" | "DEGRADED" | "DELETING" => {
                return Err(InstallError::Eks(format!("node group {name} is {status}")));
            }
            _ => {}
        }
        if start.elapsed() >= timeout {
            return Err(InstallError::Timeout(format!(
                "node group {name} still {status} after {}s; re-run to keep waiting",
                timeout.as_secs()
            )));
        }
        ctx.say(&format!(
            "node group {name}: {status} ({}s)",
            start.elapsed().as_secs()
        ));
        tokio::time::sleep(EKS_POLL).await;
    }
}

pub(crate) async fn verify(ctx: &StepCtx<'_>) -> Result<String, InstallError> {
    match ctx.config.cluster.mode {
        ClusterMode::Context => {
            let (name, version, nodes) = probe_context(
                ctx.state.kubeconfig.as_deref(),
                ctx.state.context.as_deref(),
            )
            .await?;
            Ok(format!(
                "context {name}: Kubernetes {version}, {nodes} nodes"
            ))
        }
        ClusterMode::Eks => {
            let eks_cfg = ctx
                .config
                .cluster
                .eks
                .as_ref()
                .ok_or_else(|| InstallError::Invalid("cluster.eks is missing".into()))?;
            let eks = eks_client(eks_cfg).await;
            let Some((status, arn, _, _)) = describe_cluster(&eks, &eks_cfg.name).await? else {
                return Err(InstallError::Eks(format!(
                    "cluster {} not found",
                    eks_cfg.name
                )));
            };
            if status != "ACTIVE" {
                return Err(InstallError::Eks(format!(
                    "cluster {} is {status}",
                    eks_cfg.name
                )));
            }
            Ok(format!(
                "EKS cluster {arn} ACTIVE with {} node groups; kubeconfig context switched",
                node_groups(eks_cfg).len()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eks() -> EksConfig {
        EksConfig {
            name: "platform-dev".into(),
            region: "eu-west-1".into(),
            version: "1.33".into(),
            role_arn: "arn:aws:iam::123456789012:role/eks-cluster".into(),
            subnets: vec!["subnet-0a1".into(), "subnet-0b2".into()],
            node_role_arn: Some("arn:aws:iam::123456789012:role/eks-node".into()),
            preset: Some("workload-database-large".into()),
            node_groups: vec![],
            endpoint: None,
            wait_timeout: "25m".into(),
        }
    }

    #[test]
    fn valid_config_and_presets() {
        assert!(
            validate_eks(&eks()).is_empty(),
            "{:?}",
            validate_eks(&eks())
        );
        let groups = node_groups(&eks());
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[1].taints, vec!["workload-type=database:NoSchedule"]);
    }

    #[test]
    fn invalid_answers_get_clear_messages() {
        let mut e = eks();
        e.role_arn = "arn:aws:iam::12:role/x".into();
        e.subnets = vec!["subnet-0a1".into()];
        e.region = "Europe".into();
        let problems = validate_eks(&e);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec!["region", "role_arn", "subnets"],
            "{problems:?}"
        );
        assert!(problems[2].1.contains("at least 2 subnets"));
        assert!(parse_taint("workload-type=db:Sometimes").is_err());
        assert_eq!(
            parse_taint("a=b:NoExecute").map(|t| t.2),
            Ok(TaintEffect::NoExecute)
        );
    }
}
