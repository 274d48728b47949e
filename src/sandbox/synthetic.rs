//! Large synthetic clusters for benchmarks: `--synthetic nodes=5000,pods=50000,apps=1000,
//! cnpg=200,churn=200`. Objects look like what a real cluster returns (so the console does
//! the same work as against one); churn updates pod status at a steady rate, and
//! `app_churn`/`cnpg_churn` the status of Argo CD Applications and CNPG Clusters.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::registry::ResourceKind;
use super::replay;
use super::server::Shared;
use super::store::{PatchType, Sub, WatchEvent, WriteOpts};
use crate::recording::{Recording, RecordingMeta};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntheticSpec {
    pub nodes: usize,
    pub pods: usize,
    pub apps: usize,
    pub cnpg: usize,
    /// Pod status updates per second.
    pub(crate) churn: u32,
    /// Argo CD Application status updates per second (sync and health flip).
    pub(crate) app_churn: u32,
    /// CNPG Cluster status updates per second (an instance not ready, then ready again).
    pub(crate) cnpg_churn: u32,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec {
            nodes: 5000,
            pods: 50_000,
            apps: 1000,
            cnpg: 200,
            churn: 200,
            app_churn: 0,
            cnpg_churn: 0,
        }
    }
}

impl std::str::FromStr for SyntheticSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut spec = SyntheticSpec::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| {
                format!("{part:?}: expected key=value (nodes, pods, apps, cnpg, churn, app_churn, cnpg_churn)")
            })?;
            let n: usize = value
                .parse()
                .map_err(|_| format!("{key}: {value:?} is not a whole number"))?;
            match key {
                "nodes" => spec.nodes = n.max(1),
                "pods" => spec.pods = n,
                "apps" => spec.apps = n,
                "cnpg" => spec.cnpg = n,
                "churn" | "app_churn" | "cnpg_churn" => {
                    let rate = u32::try_from(n).map_err(|_| format!("{key}: {n} is too large"))?;
                    match key {
                        "churn" => spec.churn = rate,
                        "app_churn" => spec.app_churn = rate,
                        _ => spec.cnpg_churn = rate,
                    }
                }
                other => {
                    return Err(format!(
                        "unknown key {other:?} (nodes, pods, apps, cnpg, churn, app_churn, cnpg_churn)"
                    ));
                }
            }
        }
        Ok(spec)
    }
}

const ZONES: [&str; 3] = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
const POOLS: [(&str, &str); 3] = [
    ("infra", "m6i.large"),
    ("apps", "m6i.xlarge"),
    ("database", "r6i.large"),
];
const T0: &str = "2026-11-01T08:00:00Z";

fn uid(kind: &str, n: usize) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{kind}/{n}").as_bytes()).to_string()
}

fn node_name(i: usize) -> String {
    format!(
        "ip-10-{}-{}-{}.eu-west-1.compute.internal",
        i / 65_536 % 256,
        i / 256 % 256,
        i % 256
    )
}

fn node(i: usize) -> Value {
    let (pool, instance) = POOLS[i % POOLS.len()];
    let zone = ZONES[i / POOLS.len() % ZONES.len()];
    let name = node_name(i);
    let mut n = json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": uid("node", i), "creationTimestamp": T0,
            "labels": {
                "eks.amazonaws.com/nodegroup": pool, "eks.amazonaws.com/capacityType": "ON_DEMAND",
                "node.kubernetes.io/instance-type": instance, "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": "eu-west-1", "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "workload-type": pool}},
        "spec": {"providerID": format!("aws:///{zone}/i-{i:017x}")},
        "status": {
            "capacity": {"cpu": "4", "memory": "16069876Ki", "pods": "58", "ephemeral-storage": "83873772Ki"},
            "allocatable": {"cpu": "3920m", "memory": "15052020Ki", "pods": "58", "ephemeral-storage": "76224326324"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "lastHeartbeatTime": T0, "lastTransitionTime": T0},
                {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "lastHeartbeatTime": T0, "lastTransitionTime": T0},
                {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "lastHeartbeatTime": T0, "lastTransitionTime": T0},
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": T0, "lastTransitionTime": T0}],
            "addresses": [{"type": "InternalIP", "address": format!("10.{}.{}.{}", i / 65_536 % 256, i / 256 % 256, i % 256)}, {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": "v1.31.4-eks-2d5f260", "osImage": "Amazon Linux 2023.6.20241121", "containerRuntimeVersion": "containerd://1.7.23",
                "kernelVersion": "6.1.115-126.197.amzn2023.x86_64", "architecture": "amd64", "operatingSystem": "linux"}}
    });
    if pool == "database" {
        n["spec"]["taints"] =
            json!([{"key": "workload-type", "value": "database", "effect": "NoSchedule"}]);
    }
    n
}

const NAMESPACES: usize = 50;

/// Namespace and name of synthetic pod `i`.
pub(crate) fn pod_ref(i: usize) -> (String, String) {
    (
        format!("team-{}", i % NAMESPACES),
        format!("svc-{}-7d9f8c6b5-{:05x}", i / 10, i % 0xfffff),
    )
}

fn pod(i: usize, nodes: usize) -> Value {
    let (ns, name) = pod_ref(i);
    let app = format!("svc-{}", i / 10);
    let node = node_name((i * 7) % nodes);
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": uid("pod", i), "creationTimestamp": T0,
            "labels": {"app.kubernetes.io/name": app, "pod-template-hash": "7d9f8c6b5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-7d9f8c6b5"), "uid": uid("rs", i / 10), "controller": true, "blockOwnerDeletion": true}]},
        "spec": {"nodeName": node, "serviceAccountName": "default", "restartPolicy": "Always",
            "containers": [{"name": "app", "image": format!("registry.example.com/{app}:1.4.{}", i % 7),
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}}],
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
        "status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": format!("100.{}.{}.{}", i / 65_536 % 256, i / 256 % 256, i % 256), "startTime": T0, "qosClass": "Burstable",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": T0}, {"type": "ContainersReady", "status": "True", "lastTransitionTime": T0}, {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0}],
            "containerStatuses": [{"name": "app", "ready": true, "started": true, "restartCount": 0, "image": "app", "imageID": "", "containerID": format!("containerd://{:064x}", i),
                "state": {"running": {"startedAt": T0}}}]}
    })
}

/// The Application `i` of a synthetic cluster: (namespace, name).
pub(crate) fn app_ref(i: usize) -> (String, String) {
    ("argo".into(), format!("app-{i}"))
}

/// The CNPG Cluster `i` of a synthetic cluster: (namespace, name).
pub(crate) fn cnpg_ref(i: usize) -> (String, String) {
    (format!("team-{}", i % 50), format!("pg-{i}"))
}

fn application(i: usize) -> Value {
    let wave = [-10, -5, -2, -1, 0][i % 5];
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": format!("app-{i}"), "namespace": "argo", "uid": uid("app", i), "creationTimestamp": T0,
            "annotations": {"argocd.argoproj.io/sync-wave": wave.to_string()}, "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
        "spec": {"project": "default", "source": {"repoURL": "https://git.example.com/platform/gitops.git", "path": format!("apps/app-{i}"), "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": format!("team-{}", i % 50)}},
        "status": {"sync": {"status": "Synced", "revision": format!("{:040x}", i)}, "health": {"status": "Healthy"}}
    })
}

fn cnpg_cluster(i: usize) -> Value {
    let name = format!("pg-{i}");
    json!({
        "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
        "metadata": {"name": name, "namespace": format!("team-{}", i % 50), "uid": uid("cnpg", i), "creationTimestamp": T0, "generation": 1},
        "spec": {"instances": 3, "storage": {"size": "10Gi"}},
        "status": {"instances": 3, "readyInstances": 3, "currentPrimary": format!("{name}-1"), "targetPrimary": format!("{name}-1"),
            "phase": "Cluster in healthy state", "timelineID": 1,
            "instancesStatus": {"healthy": [format!("{name}-1"), format!("{name}-2"), format!("{name}-3")]}}
    })
}

fn crd(group: &str, kind: &str, plural: &str, version: &str, status: bool) -> Value {
    let mut v = json!({"name": version, "served": true, "storage": true,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}});
    if status {
        v["subresources"] = json!({"status": {}});
    }
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {"group": group, "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.to_ascii_lowercase(), "listKind": format!("{kind}List")},
            "versions": [v]}})
}

/// A recording of a synthetic cluster (no timeline: churn is generated live).
pub(crate) fn recording(spec: &SyntheticSpec) -> Recording {
    let namespaces = NAMESPACES;
    let mut objects =
        Vec::with_capacity(spec.nodes + spec.pods + spec.apps + spec.cnpg + namespaces + 4);
    objects.push(crd(
        "argoproj.io",
        "Application",
        "applications",
        "v1alpha1",
        false,
    ));
    objects.push(crd("postgresql.cnpg.io", "Cluster", "clusters", "v1", true));
    for ns in ["default", "kube-system", "argo"]
        .into_iter()
        .map(String::from)
        .chain((0..namespaces).map(|i| format!("team-{i}")))
    {
        objects.push(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "creationTimestamp": T0, "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}));
    }
    objects.extend((0..spec.nodes).map(node));
    objects.extend((0..spec.pods).map(|i| pod(i, spec.nodes)));
    objects.extend((0..spec.apps).map(application));
    objects.extend((0..spec.cnpg).map(cnpg_cluster));
    Recording {
        api_version: crate::recording::FORMAT_VERSION.into(),
        kind: "Recording".into(),
        metadata: RecordingMeta {
            name: "synthetic".into(),
            description: format!(
                "synthetic cluster: {} nodes, {} pods, {} applications, {} CNPG clusters, churn {}/s",
                spec.nodes, spec.pods, spec.apps, spec.cnpg, spec.churn
            ),
            kubernetes_version: "v1.31.4-eks-2d5f260".into(),
            recorded_at: None,
            platform: Some("eks".into()),
        },
        objects,
        timeline: Vec::new(),
        logs: Vec::new(),
        eks: None,
        prometheus: None,
    }
}

/// What the `Replay` object asks of the churn: paused, and how fast.
fn control(shared: &Shared, replays: Option<&ResourceKind>) -> (bool, f64) {
    let spec = replays
        .and_then(|rt| shared.store.get(rt, "", replay::NAME).ok())
        .and_then(|o| o.get("spec").cloned())
        .unwrap_or(Value::Null);
    let paused = spec["paused"].as_bool().unwrap_or(false);
    let speed = spec["speed"]
        .as_f64()
        .filter(|s| *s > 0.0 && s.is_finite())
        .unwrap_or(1.0);
    (paused, speed)
}

/// What one stream of the churn updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Churned {
    Pods,
    Apps,
    Clusters,
}

/// Runs the churn's streams: `churn` pods, `app_churn` Applications and `cnpg_churn`
/// Clusters per second, forever, while the `Replay` object is not paused and `speed` times
/// as often; its status counts the pod updates.
pub(crate) async fn churn(shared: Arc<Shared>, spec: SyntheticSpec) {
    tokio::join!(
        stream(shared.clone(), spec, Churned::Pods),
        stream(shared.clone(), spec, Churned::Apps),
        stream(shared, spec, Churned::Clusters),
    );
}

/// The `n`th update of a stream: the object's kind, namespace, name, patch and subresource.
fn update(
    what: Churned,
    n: usize,
    spec: &SyntheticSpec,
) -> (
    (&'static str, &'static str, &'static str),
    String,
    String,
    Value,
    Sub,
) {
    let on = n.is_multiple_of(2);
    match what {
        Churned::Pods => {
            let (ns, name) = pod_ref((n * 7919) % spec.pods);
            let patch = json!({"status": {"containerStatuses": [{"name": "app", "ready": on, "started": true,
                "restartCount": n / spec.pods + 1, "image": "app", "imageID": "",
                "state": {"running": {"startedAt": super::store::now_rfc3339()}}}]}});
            (("", "v1", "pods"), ns, name, patch, Sub::Status)
        }
        Churned::Apps => {
            let (ns, name) = app_ref((n * 7919) % spec.apps);
            let (sync, health) = if on {
                ("OutOfSync", "Progressing")
            } else {
                ("Synced", "Healthy")
            };
            let patch = json!({"status": {"sync": {"status": sync}, "health": {"status": health}}});
            (
                ("argoproj.io", "v1alpha1", "applications"),
                ns,
                name,
                patch,
                Sub::Main,
            )
        }
        Churned::Clusters => {
            let i = (n * 7919) % spec.cnpg;
            let (ns, name) = cnpg_ref(i);
            let (ready, phase) = if on {
                (2, "Waiting for the instances to become active")
            } else {
                (3, "Cluster in healthy state")
            };
            let patch = json!({"status": {"readyInstances": ready, "phase": phase}});
            (
                ("postgresql.cnpg.io", "v1", "clusters"),
                ns,
                name,
                patch,
                Sub::Status,
            )
        }
    }
}

async fn stream(shared: Arc<Shared>, spec: SyntheticSpec, what: Churned) {
    let (rate, count) = match what {
        Churned::Pods => (spec.churn, spec.pods),
        Churned::Apps => (spec.app_churn, spec.apps),
        Churned::Clusters => (spec.cnpg_churn, spec.cnpg),
    };
    if rate == 0 || count == 0 {
        return;
    }
    let ((group, version, plural), ..) = update(what, 0, &spec);
    let Some(kind) = shared
        .store
        .registry()
        .lookup(group, version, plural)
        .cloned()
    else {
        return;
    };
    let replays = shared.store.registry().by_key(&replay::key()).cloned();
    // Follow the Replay object through the store's watch, as the replay player does.
    let mut live = replays.as_ref().and_then(|rt| {
        let from = Some(shared.store.resource_version());
        shared.store.watch(rt, from).ok().map(|s| s.live)
    });
    let mut status = ChurnStatus::default();
    let mut next = Instant::now();
    let mut n: usize = 0;
    let (mut paused, mut speed) = control(&shared, replays.as_ref());
    loop {
        if what == Churned::Pods {
            status.report(&shared, replays.as_ref(), paused, speed, n);
        }
        let every = crate::domain::duration::seconds(1.0 / (f64::from(rate) * speed))
            .unwrap_or(Duration::from_secs(1));
        let due = (!paused).then_some(next + every);
        tokio::select! {
            _ = tokio::time::sleep_until(due.unwrap_or(next)), if due.is_some() => {
                next += every;
            }
            changed = replay_changed(&mut live) => {
                if changed {
                    (paused, speed) = control(&shared, replays.as_ref());
                    next = Instant::now();
                }
                continue;
            }
        }
        n += 1;
        let (_, ns, name, patch, sub) = update(what, n, &spec);
        let _ = shared.store.patch(
            &kind,
            &ns,
            &name,
            PatchType::Merge,
            &patch,
            sub,
            &WriteOpts::default(),
        );
    }
}

/// Waits for the next store event; whether it may have changed the `Replay` object (its
/// own events, or too many events to tell). Never returns without a Replay kind.
async fn replay_changed(live: &mut Option<broadcast::Receiver<Arc<WatchEvent>>>) -> bool {
    let Some(rx) = live.as_mut() else {
        return std::future::pending().await;
    };
    match rx.recv().await {
        Ok(ev) => ev.key == replay::key(),
        Err(broadcast::error::RecvError::Lagged(_)) => true,
        Err(broadcast::error::RecvError::Closed) => {
            *live = None;
            false
        }
    }
}
/// The churn's status is written at most this often while it runs.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// The `Replay` status of the churn: an endless stream, so its duration is what has played.
#[derive(Default)]
struct ChurnStatus {
    played: Duration,
    since: Option<Instant>,
    last: Option<(bool, u64, usize)>,
    written: Option<Instant>,
}

impl ChurnStatus {
    fn report(
        &mut self,
        shared: &Shared,
        replays: Option<&ResourceKind>,
        paused: bool,
        speed: f64,
        applied: usize,
    ) {
        let now = Instant::now();
        if let Some(since) = self.since.take() {
            self.played += now.duration_since(since);
        }
        if !paused {
            self.since = Some(now);
        }
        let Some(rt) = replays else { return };
        let key = (paused, speed.to_bits(), applied);
        let changed_state = self.last.is_none_or(|(p, s, _)| (p, s) != (key.0, key.1));
        let due = self
            .written
            .is_none_or(|t| now.duration_since(t) >= STATUS_EVERY);
        if self.last == Some(key) || !(changed_state || due) {
            return;
        }
        let offset = (self.played.as_secs_f64() * 1000.0).round() / 1000.0;
        let patch = json!({"status": {
            "state": if paused { "Paused" } else { "Playing" },
            "paused": paused,
            "speed": speed,
            "recording": "synthetic",
            "offset": offset,
            "duration": offset,
            "eventsApplied": applied,
            "eventsTotal": applied,
            "events": format!("{applied}/{applied}"),
        }});
        let written = shared.store.patch(
            rt,
            "",
            replay::NAME,
            PatchType::Merge,
            &patch,
            Sub::Status,
            &WriteOpts::default(),
        );
        if written.is_ok() {
            self.last = Some(key);
            self.written = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_rejects_bad_keys() {
        let s: SyntheticSpec = "nodes=10,pods=100,apps=5,cnpg=2,churn=0"
            .parse()
            .expect("parses");
        assert_eq!(
            s,
            SyntheticSpec {
                nodes: 10,
                pods: 100,
                apps: 5,
                cnpg: 2,
                churn: 0,
                app_churn: 0,
                cnpg_churn: 0,
            }
        );
        assert!("nodes=x".parse::<SyntheticSpec>().is_err());
        assert!("galaxies=3".parse::<SyntheticSpec>().is_err());
        let s: SyntheticSpec = "app_churn=20,cnpg_churn=5".parse().expect("parses");
        assert_eq!((s.app_churn, s.cnpg_churn, s.churn), (20, 5, 200));
        assert_eq!("pods=7".parse::<SyntheticSpec>().map(|s| s.nodes), Ok(5000));
    }

    #[test]
    fn recording_loads_into_a_store() {
        let spec: SyntheticSpec = "nodes=9,pods=40,apps=5,cnpg=2,churn=0"
            .parse()
            .expect("parses");
        let rec = recording(&spec);
        let store = super::super::store::Store::new();
        let mut objects = rec.objects;
        objects.sort_by_key(|o| match o["kind"].as_str() {
            Some("CustomResourceDefinition") => 0,
            Some("Namespace") => 1,
            _ => 2,
        });
        for o in objects {
            store.load(o).expect("loads");
        }
        assert_eq!(store.count(), 2 + 53 + 9 + 40 + 5 + 2);
    }
}
