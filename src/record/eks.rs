//! The `eks:` section `opsdeck record` writes when the recorded context is an EKS cluster
//! (detected as the console does, or named with `--eks-cluster`): at the end of a clean
//! stop, DescribeCluster, ListNodegroups and DescribeNodegroup through aws-sdk-eks,
//! converted back to the API's JSON shape (camelCase keys, times as RFC 3339 strings) that
//! the sandbox serves again. The SDK's types are not `Serialize`: the fields are converted
//! one by one — every field the sandbox, the console and the shipped recordings use.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_eks::primitives::{DateTime, DateTimeFormat};
use aws_sdk_eks::types::{Cluster, Nodegroup};
use serde_json::{Map, Value, json};

use super::redact;
use crate::recording::eks::EksRecording;
use crate::sources::eks::{EksSettings, EksSource, classify};

/// What the capture got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Captured {
    /// The section, or `None` when the cluster itself could not be described (node groups
    /// need their cluster in the section).
    pub recording: Option<EksRecording>,
    /// Calls that failed, with EKS's reason (what they would have answered is not recorded).
    pub failed: Vec<String>,
}

/// A JSON object that leaves out the fields the SDK did not get.
#[derive(Default)]
struct Obj(Map<String, Value>);

impl Obj {
    fn put(mut self, key: &str, value: Option<Value>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_string(), v);
        }
        self
    }

    /// `None` when nothing was put, so that an empty sub-object is left out too.
    fn done(self) -> Option<Value> {
        (!self.0.is_empty()).then_some(Value::Object(self.0))
    }

    fn value(self) -> Value {
        Value::Object(self.0)
    }
}

fn text(v: &Option<String>) -> Option<Value> {
    v.as_ref().map(|s| json!(s))
}

fn int(v: Option<i32>) -> Option<Value> {
    v.map(|n| json!(n))
}

fn texts(v: &Option<Vec<String>>) -> Option<Value> {
    v.as_ref().map(|l| json!(l))
}

/// A map in key order (the SDK's is a `HashMap`), so the file does not change from run to run.
fn sorted(v: &Option<HashMap<String, String>>) -> Option<Value> {
    v.as_ref()
        .map(|m| json!(m.iter().collect::<BTreeMap<&String, &String>>()))
}

fn time(t: &Option<DateTime>) -> Option<Value> {
    t.as_ref()
        .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
        .map(Value::String)
}

/// An SDK enum as the API writes it (`ACTIVE`, `NO_SCHEDULE`).
fn name<T: AsRef<str>>(v: &Option<T>) -> Option<Value> {
    v.as_ref().map(|e| json!(e.as_ref()))
}

/// `health.issues` (cluster and node group issues have the same three fields).
fn issues<'a, C: AsRef<str> + 'a>(
    list: impl Iterator<Item = (&'a Option<C>, &'a Option<String>, &'a Option<Vec<String>>)>,
) -> Value {
    Value::Array(
        list.map(|(code, message, ids)| {
            Obj::default()
                .put("code", name(code))
                .put("message", text(message))
                .put("resourceIds", texts(ids))
                .value()
        })
        .collect(),
    )
}

/// A `cluster` object as DescribeCluster returns it. With `redact`, the certificate
/// authority data (the cluster's identity) becomes the base64 redaction marker and any
/// credential-looking string the redaction marker.
pub fn cluster_json(c: &Cluster, redact: bool) -> Value {
    let vpc = c.resources_vpc_config.as_ref().map(|v| {
        Obj::default()
            .put("subnetIds", texts(&v.subnet_ids))
            .put("securityGroupIds", texts(&v.security_group_ids))
            .put("clusterSecurityGroupId", text(&v.cluster_security_group_id))
            .put("vpcId", text(&v.vpc_id))
            .put(
                "endpointPublicAccess",
                Some(json!(v.endpoint_public_access)),
            )
            .put(
                "endpointPrivateAccess",
                Some(json!(v.endpoint_private_access)),
            )
            .put("publicAccessCidrs", texts(&v.public_access_cidrs))
            .value()
    });
    let network = c.kubernetes_network_config.as_ref().and_then(|n| {
        Obj::default()
            .put("serviceIpv4Cidr", text(&n.service_ipv4_cidr))
            .put("serviceIpv6Cidr", text(&n.service_ipv6_cidr))
            .put("ipFamily", name(&n.ip_family))
            .put(
                "elasticLoadBalancing",
                n.elastic_load_balancing.as_ref().and_then(|e| {
                    Obj::default()
                        .put("enabled", e.enabled.map(|b| json!(b)))
                        .done()
                }),
            )
            .done()
    });
    let logging = c.logging.as_ref().and_then(|l| {
        let setups = l.cluster_logging.as_ref()?;
        Some(json!({"clusterLogging": setups.iter().map(|s| {
            Obj::default()
                .put("types", s.types.as_ref().map(|t| json!(t.iter().map(|t| t.as_str()).collect::<Vec<_>>())))
                .put("enabled", s.enabled.map(|b| json!(b)))
                .value()
        }).collect::<Vec<_>>()}))
    });
    let identity = c
        .identity
        .as_ref()
        .and_then(|i| i.oidc.as_ref())
        .and_then(|o| Obj::default().put("issuer", text(&o.issuer)).done())
        .map(|oidc| json!({"oidc": oidc}));
    let ca = c.certificate_authority.as_ref().and_then(|ca| {
        let data = ca.data.as_ref().map(|d| {
            if redact {
                json!(redact::MARKER_B64)
            } else {
                json!(d)
            }
        });
        Obj::default().put("data", data).done()
    });
    let health = c.health.as_ref().map(|h| {
        let list = h.issues.as_deref().unwrap_or_default();
        json!({"issues": issues(list.iter().map(|i| (&i.code, &i.message, &i.resource_ids)))})
    });
    let mut out = Obj::default()
        .put("name", text(&c.name))
        .put("arn", text(&c.arn))
        .put("createdAt", time(&c.created_at))
        .put("version", text(&c.version))
        .put("endpoint", text(&c.endpoint))
        .put("roleArn", text(&c.role_arn))
        .put("resourcesVpcConfig", vpc)
        .put("kubernetesNetworkConfig", network)
        .put("logging", logging)
        .put("identity", identity)
        .put("status", name(&c.status))
        .put("certificateAuthority", ca)
        .put("platformVersion", text(&c.platform_version))
        .put("tags", sorted(&c.tags))
        .put("health", health)
        .put(
            "accessConfig",
            c.access_config.as_ref().and_then(|a| {
                Obj::default()
                    .put("authenticationMode", name(&a.authentication_mode))
                    .done()
            }),
        )
        .put(
            "upgradePolicy",
            c.upgrade_policy.as_ref().and_then(|u| {
                Obj::default()
                    .put("supportType", name(&u.support_type))
                    .done()
            }),
        )
        .value();
    if redact {
        redact::redact(&mut out);
    }
    out
}

/// A `nodegroup` object as DescribeNodegroup returns it (credential-looking strings
/// redacted with `redact`).
pub fn nodegroup_json(n: &Nodegroup, redact: bool) -> Value {
    let scaling = n.scaling_config.as_ref().map(|s| {
        Obj::default()
            .put("minSize", int(s.min_size))
            .put("maxSize", int(s.max_size))
            .put("desiredSize", int(s.desired_size))
            .value()
    });
    let taints = n.taints.as_ref().map(|list| {
        Value::Array(
            list.iter()
                .map(|t| {
                    Obj::default()
                        .put("key", text(&t.key))
                        .put("value", text(&t.value))
                        .put("effect", name(&t.effect))
                        .value()
                })
                .collect(),
        )
    });
    let resources = n.resources.as_ref().and_then(|r| {
        let groups = r.auto_scaling_groups.as_ref().map(|g| {
            Value::Array(
                g.iter()
                    .map(|a| Obj::default().put("name", text(&a.name)).value())
                    .collect(),
            )
        });
        Obj::default()
            .put("autoScalingGroups", groups)
            .put(
                "remoteAccessSecurityGroup",
                text(&r.remote_access_security_group),
            )
            .done()
    });
    let remote = n.remote_access.as_ref().and_then(|r| {
        Obj::default()
            .put("ec2SshKey", text(&r.ec2_ssh_key))
            .put("sourceSecurityGroups", texts(&r.source_security_groups))
            .done()
    });
    let health = n.health.as_ref().map(|h| {
        let list = h.issues.as_deref().unwrap_or_default();
        json!({"issues": issues(list.iter().map(|i| (&i.code, &i.message, &i.resource_ids)))})
    });
    let update = n.update_config.as_ref().and_then(|u| {
        Obj::default()
            .put("maxUnavailable", int(u.max_unavailable))
            .put(
                "maxUnavailablePercentage",
                int(u.max_unavailable_percentage),
            )
            .put("updateStrategy", name(&u.update_strategy))
            .done()
    });
    let launch = n.launch_template.as_ref().and_then(|l| {
        Obj::default()
            .put("name", text(&l.name))
            .put("version", text(&l.version))
            .put("id", text(&l.id))
            .done()
    });
    let mut out = Obj::default()
        .put("nodegroupName", text(&n.nodegroup_name))
        .put("nodegroupArn", text(&n.nodegroup_arn))
        .put("clusterName", text(&n.cluster_name))
        .put("version", text(&n.version))
        .put("releaseVersion", text(&n.release_version))
        .put("createdAt", time(&n.created_at))
        .put("modifiedAt", time(&n.modified_at))
        .put("status", name(&n.status))
        .put("capacityType", name(&n.capacity_type))
        .put("scalingConfig", scaling)
        .put("instanceTypes", texts(&n.instance_types))
        .put("subnets", texts(&n.subnets))
        .put("remoteAccess", remote)
        .put("amiType", name(&n.ami_type))
        .put("nodeRole", text(&n.node_role))
        .put("labels", sorted(&n.labels))
        .put("taints", taints)
        .put("resources", resources)
        .put("diskSize", int(n.disk_size))
        .put("health", health)
        .put("updateConfig", update)
        .put("launchTemplate", launch)
        .put("tags", sorted(&n.tags))
        .value();
    if redact {
        redact::redact(&mut out);
    }
    out
}

/// Describes the cluster of `settings` and every managed node group of it. Failures are
/// collected, never fatal: a node group that cannot be described is left out, and
/// without the cluster nothing is recorded.
pub async fn capture(settings: &EksSettings, redact: bool) -> Captured {
    let source = EksSource::new(settings).await;
    let eks = source.client();
    let cluster = settings.cluster.as_str();
    let mut out = Captured::default();
    let described = match eks.describe_cluster().name(cluster).send().await {
        Ok(resp) => resp.cluster,
        Err(e) => {
            let e = classify(e, &format!("cluster {cluster}"));
            out.failed.push(format!("DescribeCluster {cluster}: {e}"));
            return out;
        }
    };
    let Some(described) = described else {
        out.failed.push(format!(
            "DescribeCluster {cluster}: the answer holds no cluster"
        ));
        return out;
    };
    let mut cluster_value = cluster_json(&described, redact);
    // The section links node groups to their cluster by name: keep the name asked for.
    cluster_value["name"] = json!(cluster);
    let mut rec = EksRecording {
        clusters: vec![cluster_value],
        nodegroups: Vec::new(),
    };
    let mut names = Vec::new();
    let mut token = None;
    loop {
        match eks
            .list_nodegroups()
            .cluster_name(cluster)
            .set_next_token(token)
            .send()
            .await
        {
            Ok(page) => {
                names.extend(page.nodegroups.unwrap_or_default());
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
            Err(e) => {
                let e = classify(e, &format!("cluster {cluster}"));
                out.failed.push(format!("ListNodegroups {cluster}: {e}"));
                break;
            }
        }
    }
    for ng in names {
        match eks
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(&ng)
            .send()
            .await
        {
            Ok(resp) => match resp.nodegroup {
                Some(n) => {
                    let mut v = nodegroup_json(&n, redact);
                    v["clusterName"] = json!(cluster);
                    if v.get("nodegroupName").and_then(Value::as_str).is_none() {
                        v["nodegroupName"] = json!(ng);
                    }
                    rec.nodegroups.push(v);
                }
                None => out.failed.push(format!(
                    "DescribeNodegroup {cluster}/{ng}: the answer holds no node group"
                )),
            },
            Err(e) => {
                let e = classify(e, &format!("node group {ng}"));
                out.failed
                    .push(format!("DescribeNodegroup {cluster}/{ng}: {e}"));
            }
        }
    }
    out.recording = Some(rec);
    out
}

/// The section's YAML text (`eks:` and what follows): one JSON flow line per object.
pub fn render(rec: &EksRecording) -> String {
    let mut out = String::from("eks:\n");
    for (key, list) in [("clusters", &rec.clusters), ("nodegroups", &rec.nodegroups)] {
        out.push_str(&format!("  {key}:"));
        if list.is_empty() {
            out.push_str(" []\n");
            continue;
        }
        out.push('\n');
        for v in list {
            out.push_str(&format!("    - {v}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use aws_sdk_eks::types::{
        AccessConfigResponse, AmiTypes, AuthenticationMode, CapacityTypes, Certificate,
        ClusterHealth, ClusterStatus, Identity, Issue, NodegroupHealth, NodegroupIssueCode,
        NodegroupResources, NodegroupScalingConfig, NodegroupStatus, NodegroupUpdateConfig, Oidc,
        Taint, TaintEffect, VpcConfigResponse,
    };

    use super::*;

    const CA: &str =
        "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMuLi4KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

    fn at(s: &str) -> DateTime {
        DateTime::from_str(s, DateTimeFormat::DateTime).expect("time")
    }

    fn cluster() -> Cluster {
        Cluster::builder()
            .name("prod")
            .arn("arn:aws:eks:eu-west-1:123456789012:cluster/prod")
            .created_at(at("2026-10-13T09:52:40Z"))
            .version("1.31")
            .endpoint("https://ABC.gr7.eu-west-1.eks.amazonaws.com")
            .role_arn("arn:aws:iam::123456789012:role/prod-cluster")
            .resources_vpc_config(
                VpcConfigResponse::builder()
                    .subnet_ids("subnet-a")
                    .subnet_ids("subnet-b")
                    .security_group_ids("sg-1")
                    .vpc_id("vpc-1")
                    .endpoint_public_access(true)
                    .build(),
            )
            .identity(
                Identity::builder()
                    .oidc(Oidc::builder().issuer("https://oidc.example/id/X").build())
                    .build(),
            )
            .status(ClusterStatus::Active)
            .certificate_authority(Certificate::builder().data(CA).build())
            .platform_version("eks.38")
            .tags("Project", "platform")
            .tags("Environment", "prod")
            .health(ClusterHealth::builder().build())
            .access_config(
                AccessConfigResponse::builder()
                    .authentication_mode(AuthenticationMode::ApiAndConfigMap)
                    .build(),
            )
            .build()
    }

    fn nodegroup() -> Nodegroup {
        Nodegroup::builder()
            .nodegroup_name("database")
            .nodegroup_arn("arn:aws:eks:eu-west-1:123456789012:nodegroup/prod/database/1")
            .cluster_name("prod")
            .version("1.31")
            .release_version("1.31.4-20250203")
            .created_at(at("2026-10-13T10:18:27Z"))
            .modified_at(at("2026-10-13T10:21:39.5Z"))
            .status(NodegroupStatus::Degraded)
            .capacity_type(CapacityTypes::OnDemand)
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(2)
                    .desired_size(2)
                    .max_size(3)
                    .build(),
            )
            .instance_types("r6i.large")
            .subnets("subnet-a")
            .ami_type(AmiTypes::Al2023X8664Standard)
            .node_role("arn:aws:iam::123456789012:role/database-node")
            .labels("workload-type", "database")
            .labels("cnpg.io/cluster", "keycloak-db")
            .taints(
                Taint::builder()
                    .key("workload-type")
                    .value("database")
                    .effect(TaintEffect::NoSchedule)
                    .build(),
            )
            .resources(
                NodegroupResources::builder()
                    .auto_scaling_groups(
                        aws_sdk_eks::types::AutoScalingGroup::builder()
                            .name("eks-database-1")
                            .build(),
                    )
                    .build(),
            )
            .health(
                NodegroupHealth::builder()
                    .issues(
                        Issue::builder()
                            .code(NodegroupIssueCode::AsgInstanceLaunchFailures)
                            .message("Could not launch On-Demand Instances.")
                            .resource_ids("eks-database-1")
                            .build(),
                    )
                    .build(),
            )
            .update_config(NodegroupUpdateConfig::builder().max_unavailable(1).build())
            .build()
    }

    #[test]
    fn a_nodegroup_converts_to_the_describe_nodegroup_shape() {
        let v = nodegroup_json(&nodegroup(), true);
        assert_eq!(
            v,
            json!({
                "nodegroupName": "database",
                "nodegroupArn": "arn:aws:eks:eu-west-1:123456789012:nodegroup/prod/database/1",
                "clusterName": "prod",
                "version": "1.31",
                "releaseVersion": "1.31.4-20250203",
                "createdAt": "2026-10-13T10:18:27Z",
                "modifiedAt": "2026-10-13T10:21:39.5Z",
                "status": "DEGRADED",
                "capacityType": "ON_DEMAND",
                "scalingConfig": {"minSize": 2, "maxSize": 3, "desiredSize": 2},
                "instanceTypes": ["r6i.large"],
                "subnets": ["subnet-a"],
                "amiType": "AL2023_x86_64_STANDARD",
                "nodeRole": "arn:aws:iam::123456789012:role/database-node",
                "labels": {"cnpg.io/cluster": "keycloak-db", "workload-type": "database"},
                "taints": [{"key": "workload-type", "value": "database", "effect": "NO_SCHEDULE"}],
                "resources": {"autoScalingGroups": [{"name": "eks-database-1"}]},
                "health": {"issues": [{
                    "code": "AsgInstanceLaunchFailures",
                    "message": "Could not launch On-Demand Instances.",
                    "resourceIds": ["eks-database-1"]
                }]},
                "updateConfig": {"maxUnavailable": 1}
            })
        );
    }

    #[test]
    fn a_cluster_converts_with_its_certificate_redacted_unless_asked() {
        let v = cluster_json(&cluster(), true);
        assert_eq!(
            v,
            json!({
                "name": "prod",
                "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
                "createdAt": "2026-10-13T09:52:40Z",
                "version": "1.31",
                "endpoint": "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
                "roleArn": "arn:aws:iam::123456789012:role/prod-cluster",
                "resourcesVpcConfig": {
                    "subnetIds": ["subnet-a", "subnet-b"],
                    "securityGroupIds": ["sg-1"],
                    "vpcId": "vpc-1",
                    "endpointPublicAccess": true,
                    "endpointPrivateAccess": false
                },
                "identity": {"oidc": {"issuer": "https://oidc.example/id/X"}},
                "status": "ACTIVE",
                "certificateAuthority": {"data": redact::MARKER_B64},
                "platformVersion": "eks.38",
                "tags": {"Environment": "prod", "Project": "platform"},
                "health": {"issues": []},
                "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}
            })
        );
        let clear = cluster_json(&cluster(), false);
        assert_eq!(clear["certificateAuthority"]["data"], CA);
    }

    #[test]
    fn a_credential_in_a_tag_is_redacted() {
        let c = Cluster::builder()
            .name("prod")
            .tags("note", "aws_secret_access_key = abc")
            .build();
        assert_eq!(cluster_json(&c, true)["tags"]["note"], redact::MARKER);
        assert_eq!(
            cluster_json(&c, false)["tags"]["note"],
            "aws_secret_access_key = abc"
        );
    }

    #[test]
    fn rendered_section_loads_as_a_recording() {
        let rec = EksRecording {
            clusters: vec![cluster_json(&cluster(), true)],
            nodegroups: vec![nodegroup_json(&nodegroup(), true)],
        };
        let text = format!(
            "apiVersion: {}\nkind: Recording\nmetadata:\n  name: t\n  kubernetesVersion: v1.31.4\n  recordedAt: \"2026-11-01T09:00:00Z\"\nobjects: []\n{}",
            crate::recording::FORMAT_VERSION,
            render(&rec)
        );
        let loaded = crate::recording::Recording::parse(&text, "t.yaml")
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(loaded.eks, Some(rec));
        let empty = render(&EksRecording {
            clusters: vec![json!({"name": "prod"})],
            nodegroups: vec![],
        });
        assert!(empty.ends_with("  nodegroups: []\n"), "{empty}");
    }
}
