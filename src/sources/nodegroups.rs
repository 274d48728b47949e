//! EKS managed node groups for the node pools pane: which EKS cluster the context is, a
//! poller that describes the node groups on a timer while the pane is open (and at once when
//! asked), and the scaling update. Results go to the app as [`SourceEvent::Eks`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::eks::{EksSettings, EksSource, detect_cluster};
use super::{ClusterInfo, Sender, SourceEvent, Target, Task};
use crate::domain::pools::NodegroupInfo;

/// How often the node groups are described while the pane is open.
pub(crate) const POLL_EVERY: Duration = Duration::from_secs(30);
/// After a failed poll the next comes sooner, so the pane recovers soon after the EKS API.
pub(crate) const RETRY_FAILED: Duration = Duration::from_secs(5);

/// What the EKS side reports.
#[derive(Debug, Clone, PartialEq)]
pub enum EksEvent {
    /// The EKS cluster of the current context (`None`: not an EKS cluster and no
    /// `--eks-cluster`). Sent after every (re)connect.
    Cluster(Option<String>),
    /// Every managed node group of `cluster`, described.
    Nodegroups {
        cluster: String,
        groups: Vec<NodegroupInfo>,
    },
    /// Describing the node groups failed; the app keeps the last data.
    Failed { cluster: String, error: String },
}

/// What the app asks of the EKS side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksRequest {
    /// Describe the node groups now.
    Refresh,
    /// `update_nodegroup_config` with a new scaling config.
    Scale {
        nodegroup: String,
        min: i32,
        desired: i32,
        max: i32,
    },
}

impl EksRequest {
    /// `scale node group infra to min/desired/max 2/4/6`, for flash messages.
    pub fn describe(&self) -> String {
        match self {
            EksRequest::Refresh => "refresh EKS node groups".into(),
            EksRequest::Scale {
                nodegroup,
                min,
                desired,
                max,
            } => format!("scale node group {nodegroup} to min/desired/max {min}/{desired}/{max}"),
        }
    }
}

/// The `AWS_PROFILE` an exec plugin sets (`aws eks update-kubeconfig --profile P` writes it).
fn exec_profile(exec: &kube::config::ExecConfig) -> Option<String> {
    exec.env.iter().flatten().find_map(|e| {
        (e.get("name").map(String::as_str) == Some("AWS_PROFILE"))
            .then(|| e.get("value").cloned())
            .flatten()
    })
}

/// The EKS settings for a context: `base.cluster` when set (`--eks-cluster`), else the
/// cluster detected from the context (exec plugin arguments, EKS ARN names). Explicit
/// region/endpoint/credentials in `base` win; the detected region and the plugin's
/// `AWS_PROFILE` fill what is unset; the AWS configuration does the rest.
pub fn resolve(
    base: &EksSettings,
    info: &ClusterInfo,
    exec: Option<&kube::config::ExecConfig>,
) -> Option<EksSettings> {
    let args = exec.and_then(|e| e.args.clone()).unwrap_or_default();
    let detected = detect_cluster(&info.context, &info.cluster, &info.server, &args);
    let (cluster, region) = if base.cluster.is_empty() {
        detected?
    } else {
        let region = detected
            .filter(|(name, _)| *name == base.cluster)
            .and_then(|(_, r)| r);
        (base.cluster.clone(), region)
    };
    Some(EksSettings {
        cluster,
        region: base.region.clone().or(region),
        endpoint: base.endpoint.clone(),
        static_credentials: base.static_credentials.clone(),
        profile: base.profile.clone().or_else(|| exec.and_then(exec_profile)),
    })
}

/// Owns the poller task and knows the current context's EKS settings.
pub struct Nodegroups {
    tx: Sender,
    base: EksSettings,
    settings: Option<EksSettings>,
    refresh: Arc<Notify>,
    poller: Option<Task>,
}

impl Nodegroups {
    pub fn new(tx: Sender) -> Nodegroups {
        Nodegroups {
            tx,
            base: EksSettings::default(),
            settings: None,
            refresh: Arc::new(Notify::new()),
            poller: None,
        }
    }

    /// Settings from the command line and the sandbox (cluster name, endpoint, …).
    pub(crate) fn set_base(&mut self, base: EksSettings) {
        self.base = base;
    }

    /// The settings of the current context, if it is an EKS cluster.
    pub fn settings(&self) -> Option<&EksSettings> {
        self.settings.as_ref()
    }

    /// After a (re)connect: works out the EKS cluster of the target's context and tells
    /// the app. A running poller stops; [`Self::reconcile`] starts the next one.
    pub(crate) fn retarget(&mut self, target: &Target) {
        self.poller = None;
        self.settings = resolve(&self.base, &target.info(), target.exec_plugin().as_ref());
        tracing::info!(cluster = ?self.settings.as_ref().map(|s| &s.cluster), "EKS cluster");
        let cluster = self.settings.as_ref().map(|s| s.cluster.clone());
        let _ = self.tx.send(SourceEvent::Eks(EksEvent::Cluster(cluster)));
    }

    /// Runs the poller while the app wants node groups (the pools pane is open).
    pub(crate) fn reconcile(&mut self, wanted: bool) {
        if !wanted {
            self.poller = None;
            return;
        }
        if self.poller.is_some() {
            return;
        }
        if let Some(settings) = self.settings.clone() {
            let task = tokio::spawn(poll(settings, self.refresh.clone(), self.tx.clone()));
            self.poller = Some(Task(task));
        }
    }

    pub fn handle(&mut self, request: EksRequest) {
        let Some(settings) = self.settings.clone() else {
            let _ = self.tx.send(SourceEvent::Done {
                message: request.describe(),
                error: Some("the context is not an EKS cluster (pass --eks-cluster NAME)".into()),
            });
            return;
        };
        match request {
            EksRequest::Refresh => self.refresh.notify_one(),
            EksRequest::Scale {
                ref nodegroup,
                min,
                desired,
                max,
            } => {
                let tx = self.tx.clone();
                let refresh = self.refresh.clone();
                let nodegroup = nodegroup.clone();
                let message = request.describe();
                tokio::spawn(async move {
                    let source = EksSource::new(&settings).await;
                    let result = source.update_scaling(&nodegroup, min, desired, max).await;
                    tracing::info!(?result, %message, "EKS scaling update");
                    let _ = tx.send(SourceEvent::Done {
                        message,
                        error: result.err().map(|e| e.to_string()),
                    });
                    refresh.notify_one();
                });
            }
        }
    }
}

/// Describes the node groups now, then every [`POLL_EVERY`] or when notified.
async fn poll(settings: EksSettings, refresh: Arc<Notify>, tx: Sender) {
    let source = EksSource::new(&settings).await;
    let cluster = settings.cluster.clone();
    loop {
        let mut wait = POLL_EVERY;
        let event = match source.nodegroups().await {
            Ok(groups) => EksEvent::Nodegroups {
                cluster: cluster.clone(),
                groups,
            },
            Err(e) => {
                tracing::warn!("EKS node groups of {cluster}: {e}");
                wait = RETRY_FAILED;
                EksEvent::Failed {
                    cluster: cluster.clone(),
                    error: e.to_string(),
                }
            }
        };
        if tx.send(SourceEvent::Eks(event)).is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = refresh.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(context: &str, server: &str) -> ClusterInfo {
        ClusterInfo {
            context: context.into(),
            cluster: context.into(),
            server: server.into(),
            ..Default::default()
        }
    }

    #[test]
    fn reads_the_exec_plugin_of_an_eksctl_kubeconfig() {
        let kc = r#"
apiVersion: v1
kind: Config
current-context: admin@shop.eu-west-1.eksctl.io
clusters:
- name: shop.eu-west-1.eksctl.io
  cluster: {server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com"}
contexts:
- name: admin@shop.eu-west-1.eksctl.io
  context: {cluster: shop.eu-west-1.eksctl.io, user: admin@shop.eu-west-1.eksctl.io}
users:
- name: admin@shop.eu-west-1.eksctl.io
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --output, json, --cluster-name, shop, --region, eu-west-1]
      env: [{name: AWS_STS_REGIONAL_ENDPOINTS, value: regional}, {name: AWS_PROFILE, value: ops}]
"#;
        let target = Target::from_yaml(kc, "kc", None).unwrap();
        let s = resolve(
            &EksSettings::default(),
            &target.info(),
            target.exec_plugin().as_ref(),
        )
        .unwrap();
        assert_eq!(
            (
                s.cluster.as_str(),
                s.region.as_deref(),
                s.profile.as_deref()
            ),
            ("shop", Some("eu-west-1"), Some("ops"))
        );
    }

    #[test]
    fn resolves_from_arn_context_exec_plugin_or_flag() {
        let arn = "arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod";
        let s = resolve(&EksSettings::default(), &info(arn, "https://x"), None).unwrap();
        assert_eq!(
            (s.cluster.as_str(), s.region.as_deref()),
            ("platform-prod", Some("eu-west-1"))
        );

        let exec: kube::config::ExecConfig = serde_json::from_value(serde_json::json!({
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["--region", "us-east-2", "eks", "get-token", "--cluster-name", "shop"],
            "env": [{"name": "AWS_PROFILE", "value": "prod"}]
        }))
        .unwrap();
        let s = resolve(
            &EksSettings::default(),
            &info("shop", "https://x"),
            Some(&exec),
        )
        .unwrap();
        assert_eq!(
            (
                s.cluster.as_str(),
                s.region.as_deref(),
                s.profile.as_deref()
            ),
            ("shop", Some("us-east-2"), Some("prod"))
        );

        assert!(
            resolve(
                &EksSettings::default(),
                &info("kind-kind", "https://127.0.0.1:6443"),
                None
            )
            .is_none()
        );
        let flag = EksSettings {
            cluster: "named".into(),
            region: Some("ap-south-1".into()),
            ..Default::default()
        };
        let s = resolve(&flag, &info("kind-kind", "https://127.0.0.1:6443"), None).unwrap();
        assert_eq!(
            (s.cluster.as_str(), s.region.as_deref()),
            ("named", Some("ap-south-1"))
        );
        // An explicit cluster does not take another cluster's detected region.
        let s = resolve(
            &EksSettings {
                cluster: "other".into(),
                ..Default::default()
            },
            &info(arn, "https://x"),
            None,
        )
        .unwrap();
        assert_eq!((s.cluster.as_str(), s.region), ("other", None));
    }
}
