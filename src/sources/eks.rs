//! EKS managed node groups through aws-sdk-eks: list + describe for the node pools pane,
//! and the scaling update behind its confirmation. The client reads the normal AWS
//! configuration (profile, region, credentials, `AWS_ENDPOINT_URL_EKS`), or an explicit
//! endpoint.

use std::time::Duration;

use aws_sdk_eks::Client;
use aws_sdk_eks::error::{DisplayErrorContext, SdkError};
use aws_sdk_eks::types::{Nodegroup, NodegroupScalingConfig};

use crate::domain::pools::NodegroupInfo;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum EksError {
    #[error("EKS: {0} not found")]
    NotFound(String),
    #[error("EKS endpoint unreachable: {0}")]
    Unreachable(String),
    #[error("EKS refused the request: {0}")]
    Invalid(String),
    #[error("EKS error: {0}")]
    Other(String),
    /// The AWS configuration gave no credentials (no profile, no keys, no instance role).
    #[error(
        "EKS node groups unavailable: no AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`)"
    )]
    NoCredentials,
}

/// Whether an SDK error comes from loading credentials (no profile, IMDS, …).
fn is_credentials_error(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("credential") || t.contains("imds") || t.contains("no providers in chain")
}

/// Where and how to reach EKS.
#[derive(Debug, Clone, Default)]
pub struct EksSettings {
    pub cluster: String,
    /// Region; default from the AWS configuration.
    pub region: Option<String>,
    /// Endpoint override (a real proxy, the sandbox, or moto); default from the AWS
    /// configuration.
    pub endpoint: Option<String>,
    /// Static credentials (for endpoints that need none, like the sandbox); default from
    /// the AWS configuration's provider chain.
    pub static_credentials: Option<(String, String)>,
    /// AWS profile (as the kubeconfig's `aws eks get-token` plugin names it in `AWS_PROFILE`);
    /// default from the AWS configuration.
    pub profile: Option<String>,
}

#[derive(Clone)]
pub struct EksSource {
    client: Client,
    cluster: String,
}

/// An SDK error as the console words it (`what` names the object: `cluster prod`).
pub(crate) fn classify<E, R>(err: SdkError<E, R>, what: &str) -> EksError
where
    E: aws_sdk_eks::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if !matches!(err, SdkError::ServiceError(_))
        && is_credentials_error(&DisplayErrorContext(&err).to_string())
    {
        return EksError::NoCredentials;
    }
    match &err {
        // The error's chain in words (DisplayErrorContext ends with a Debug dump of it).
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            EksError::Unreachable(super::chain(&err))
        }
        SdkError::ServiceError(se) => {
            let e = se.err();
            let message = e.message().unwrap_or("").to_string();
            match e.code() {
                Some("ResourceNotFoundException") => EksError::NotFound(if message.is_empty() {
                    what.to_string()
                } else {
                    format!("{what} ({message})")
                }),
                Some("InvalidParameterException" | "InvalidRequestException") => {
                    EksError::Invalid(message)
                }
                Some(code) => EksError::Other(format!("{code}: {message}")),
                None => EksError::Other(super::chain(&err)),
            }
        }
        _ => EksError::Other(super::chain(&err)),
    }
}

/// EKS taint effects (`NO_SCHEDULE`) as Kubernetes names them (`NoSchedule`).
pub(crate) fn kubernetes_effect(eks: &str) -> &'static str {
    match eks {
        "NO_SCHEDULE" => "NoSchedule",
        "NO_EXECUTE" => "NoExecute",
        "PREFER_NO_SCHEDULE" => "PreferNoSchedule",
        _ => "",
    }
}

/// The pane's view of a node group.
pub(crate) fn nodegroup_info(ng: &Nodegroup) -> NodegroupInfo {
    let sc = ng.scaling_config();
    NodegroupInfo {
        name: ng.nodegroup_name().unwrap_or_default().to_string(),
        status: ng
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        min_size: sc.and_then(NodegroupScalingConfig::min_size).unwrap_or(0),
        desired_size: sc
            .and_then(NodegroupScalingConfig::desired_size)
            .unwrap_or(0),
        max_size: sc.and_then(NodegroupScalingConfig::max_size).unwrap_or(0),
        release_version: ng.release_version().map(str::to_string),
        ami_type: ng.ami_type().map(|a| a.as_str().to_string()),
        instance_types: ng.instance_types().to_vec(),
        capacity_type: ng.capacity_type().map(|c| c.as_str().to_string()),
        labels: ng
            .labels()
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        taints: ng
            .taints()
            .iter()
            .map(|t| {
                let effect = t
                    .effect()
                    .map(|e| kubernetes_effect(e.as_str()))
                    .unwrap_or("");
                match t.value().filter(|v| !v.is_empty()) {
                    Some(v) => format!("{}={v}:{effect}", t.key().unwrap_or("")),
                    None => format!("{}:{effect}", t.key().unwrap_or("")),
                }
            })
            .collect(),
        health_issues: ng
            .health()
            .map(|h| {
                h.issues()
                    .iter()
                    .map(|i| {
                        format!(
                            "{}: {}",
                            i.code().map(|c| c.as_str()).unwrap_or("Unknown"),
                            i.message().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

impl EksSource {
    /// Builds a client from the AWS configuration plus the overrides in `settings`.
    pub async fn new(settings: &EksSettings) -> EksSource {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &settings.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some((id, secret)) = &settings.static_credentials {
            loader = loader.credentials_provider(aws_sdk_eks::config::Credentials::new(
                id.clone(),
                secret.clone(),
                None,
                None,
                "opsdeck",
            ));
        }
        let sdk = loader.load().await;
        let mut conf = aws_sdk_eks::config::Builder::from(&sdk).timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(20))
                .connect_timeout(Duration::from_secs(5))
                .build(),
        );
        if let Some(endpoint) = &settings.endpoint {
            conf = conf.endpoint_url(endpoint.clone());
        }
        EksSource {
            client: Client::from_conf(conf.build()),
            cluster: settings.cluster.clone(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// Every managed node group of the cluster, described.
    pub async fn nodegroups(&self) -> Result<Vec<NodegroupInfo>, EksError> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_nodegroups()
                .cluster_name(&self.cluster)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| classify(e, &format!("cluster {}", self.cluster)))?;
            names.extend(out.nodegroups().iter().cloned());
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            out.push(self.nodegroup(&name).await?);
        }
        Ok(out)
    }

    pub async fn nodegroup(&self, name: &str) -> Result<NodegroupInfo, EksError> {
        let resp = self
            .client
            .describe_nodegroup()
            .cluster_name(&self.cluster)
            .nodegroup_name(name)
            .send()
            .await
            .map_err(|e| classify(e, &format!("node group {name}")))?;
        resp.nodegroup()
            .map(nodegroup_info)
            .ok_or_else(|| EksError::NotFound(format!("node group {name}")))
    }

    /// Changes min/desired/max of a node group; returns the EKS update id.
    pub async fn update_scaling(
        &self,
        name: &str,
        min: i32,
        desired: i32,
        max: i32,
    ) -> Result<String, EksError> {
        if !(0 <= min && min <= desired && desired <= max && max >= 1) {
            return Err(EksError::Invalid(format!(
                "need 0 ≤ min ≤ desired ≤ max and max ≥ 1 (got min {min}, desired {desired}, max {max})"
            )));
        }
        let scaling = NodegroupScalingConfig::builder()
            .min_size(min)
            .desired_size(desired)
            .max_size(max)
            .build();
        let resp = self
            .client
            .update_nodegroup_config()
            .cluster_name(&self.cluster)
            .nodegroup_name(name)
            .scaling_config(scaling)
            .send()
            .await
            .map_err(|e| classify(e, &format!("node group {name}")))?;
        Ok(resp
            .update()
            .and_then(|u| u.id())
            .unwrap_or_default()
            .to_string())
    }
}

/// The EKS cluster (and region) a kubeconfig context points at, if any: from an exec
/// plugin's arguments (`eks get-token --cluster-name X --region R`, as the aws CLI and
/// eksctl write them), an EKS ARN context/cluster name, or the server URL's region.
pub(crate) fn detect_cluster(
    context_name: &str,
    cluster_name: &str,
    server: &str,
    exec_args: &[String],
) -> Option<(String, Option<String>)> {
    let arg = |flag: &str| {
        exec_args
            .iter()
            .position(|a| a == flag)
            .and_then(|i| exec_args.get(i + 1))
            .cloned()
    };
    let region_from_server = server
        .split('.')
        .skip_while(|p| *p != "eks" && !p.ends_with(".eks"))
        .nth(1)
        .map(str::to_string)
        .filter(|_| server.contains(".eks.amazonaws.com"));
    if let Some(name) = arg("--cluster-name").or_else(|| arg("--cluster-id")) {
        return Some((name, arg("--region").or(region_from_server)));
    }
    for candidate in [context_name, cluster_name] {
        // arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod
        if let Some(rest) = candidate.strip_prefix("arn:aws:eks:") {
            let mut parts = rest.split(':');
            let region = parts.next().map(str::to_string);
            let name = parts
                .nth(1)
                .and_then(|r| r.strip_prefix("cluster/"))
                .map(str::to_string);
            if let Some(name) = name {
                return Some((name, region));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_credentials_read_as_words_once() {
        for raw in [
            "dispatch failure: other: failed to load IMDS session token",
            "an error occurred while loading credentials: no providers in chain provided credentials",
            "the credential provider was not enabled",
        ] {
            assert!(is_credentials_error(raw), "{raw}");
        }
        assert!(!is_credentials_error("connection refused"));
        let text = EksError::NoCredentials.to_string();
        assert_eq!(
            text,
            "EKS node groups unavailable: no AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`)"
        );
        // The pane shows it as it is, not wrapped in another prefix.
        assert_eq!(crate::app::pools::strings::eks_failed_no_data(&text), text);
        assert_eq!(crate::app::pools::strings::eks_stale(&text, "5s"), text);
    }

    #[test]
    fn error_chains_are_words_without_debug_dumps() {
        #[derive(Debug, thiserror::Error)]
        #[error("dispatch failure")]
        struct Outer(#[source] Inner);
        #[derive(Debug, thiserror::Error)]
        #[error("ConnectorError {{ kind: Io, source: hyper_util::client::Error(Connect) }}")]
        struct Inner(#[source] std::io::Error);
        let e = Outer(Inner(std::io::Error::other("connection refused")));
        assert_eq!(
            super::super::chain(&e),
            "dispatch failure: connection refused"
        );
    }

    #[test]
    fn detects_cluster_from_exec_args_and_arns() {
        let args: Vec<String> = [
            "--region",
            "eu-west-1",
            "eks",
            "get-token",
            "--cluster-name",
            "prod",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            detect_cluster(
                "ctx",
                "c",
                "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
                &args
            ),
            Some(("prod".into(), Some("eu-west-1".into())))
        );
        assert_eq!(
            detect_cluster(
                "arn:aws:eks:us-east-2:123456789012:cluster/platform",
                "x",
                "https://x",
                &[]
            ),
            Some(("platform".into(), Some("us-east-2".into())))
        );
        assert_eq!(
            detect_cluster("kind-kind", "kind-kind", "https://127.0.0.1:6443", &[]),
            None
        );
    }
}
