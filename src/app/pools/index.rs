//! What the node pools pane keeps between refreshes, so that a pod change costs the pane the
//! work of that pod, not a regrouping of every pod: each pod's contribution (its node, its
//! requests, its tolerations) is remembered with the object it was read from, and a refresh
//! only reads the objects the watch store replaced since the last one (compared by
//! pointer: the store hands out a new `Arc` for every changed object). The load per node and
//! the multiset of workload toleration lists are then updated by subtracting the old
//! contribution and adding the new one. Node views are cached the same way.
//!
//! The result equals a full [`pools::group`] over the same objects (the property tests below
//! check it after random change sequences).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::pools::{self, NodeLoad, NodegroupInfo, Pool};
use crate::model::object::Obj;
use crate::model::object::by_addr::{ByAddr, addr};
use crate::model::views::pod::Toleration;
use crate::model::views::{Node, Pod, View};

/// One pod's contribution to the pools.
#[derive(Debug, Clone)]
struct PodEntry {
    /// Held, not read: keeps the address the entry is keyed by from being reused.
    #[cfg_attr(not(test), allow(dead_code))]
    obj: Arc<Obj>,
    /// Its uid (or namespace/name): what a replacement of it is recognised by.
    key: String,
    /// The node it counts against, with its requests.
    load: Option<(String, (i128, i128))>,
    /// Its toleration list when it is a workload (the multiset's key).
    tolerations: Option<Vec<Toleration>>,
    seen: u64,
}

#[derive(Debug, Clone)]
struct NodeEntry {
    obj: Arc<Obj>,
    view: Node,
    seen: u64,
}

/// The incremental state of one pools pane.
#[derive(Debug, Clone, Default)]
pub struct PoolsIndex {
    /// Every pod of the store by its address, and the address of each pod by its key.
    pods: ByAddr<PodEntry>,
    pod_keys: HashMap<String, usize>,
    nodes: HashMap<String, NodeEntry>,
    loads: HashMap<String, NodeLoad>,
    /// Toleration list → how many workload pods carry it.
    tolerations: HashMap<Vec<Toleration>, usize>,
    pass: u64,
}

/// The key of an object in the index: its uid, else namespace/name.
fn key(o: &Obj) -> Cow<'_, str> {
    match &o.metadata.uid {
        Some(uid) if !uid.is_empty() => Cow::Borrowed(uid),
        _ => Cow::Owned(format!(
            "{}/{}",
            o.metadata.namespace.as_deref().unwrap_or(""),
            o.metadata.name.as_deref().unwrap_or("")
        )),
    }
}

impl PoolsIndex {
    /// Brings the index up to date with the stores' objects and groups the pools.
    pub fn group(
        &mut self,
        nodes: &[Arc<Obj>],
        pods: &[Arc<Obj>],
        pool_label: Option<&str>,
        eks: &[NodegroupInfo],
    ) -> Vec<Pool> {
        self.pass += 1;
        self.update_pods(pods);
        self.update_nodes(nodes);
        let nodes: Vec<&Node> = nodes
            .iter()
            .filter_map(|o| self.nodes.get(key(o).as_ref()).map(|e| &e.view))
            .collect();
        let tolerations: Vec<&[Toleration]> = self.tolerations.keys().map(Vec::as_slice).collect();
        pools::group_loaded(&nodes, &self.loads, &tolerations, pool_label, eks)
    }

    /// One lookup by address per pod; only the pods the store replaced, added or dropped
    /// since the last pass are read.
    fn update_pods(&mut self, pods: &[Arc<Obj>]) {
        let pass = self.pass;
        let mut gone = self.pods.len();
        for o in pods {
            if let Some(e) = self.pods.get_mut(&addr(o)) {
                if e.seen != pass {
                    e.seen = pass;
                    gone -= 1;
                }
                continue;
            }
            // New, or a replacement of the pod with the same key.
            let k = key(o).into_owned();
            if let Some(old) = self.pod_keys.get(&k).and_then(|a| self.pods.remove(a)) {
                if old.seen != pass {
                    gone -= 1;
                }
                self.remove(&old);
            }
            let entry = entry(o, k, pass);
            self.add(&entry);
            self.pod_keys.insert(entry.key.clone(), addr(o));
            self.pods.insert(addr(o), entry);
        }
        // Pods the store no longer has (a pass over the index only when there are any).
        if gone > 0 {
            let gone: Vec<usize> = self
                .pods
                .iter()
                .filter(|(_, e)| e.seen != pass)
                .map(|(a, _)| *a)
                .collect();
            for a in gone {
                if let Some(old) = self.pods.remove(&a) {
                    if self.pod_keys.get(&old.key) == Some(&a) {
                        self.pod_keys.remove(&old.key);
                    }
                    self.remove(&old);
                }
            }
        }
    }

    /// Reads the nodes the store replaced since the last pass (a view each).
    fn update_nodes(&mut self, nodes: &[Arc<Obj>]) {
        let pass = self.pass;
        for o in nodes {
            let k = key(o);
            match self.nodes.get_mut(k.as_ref()) {
                Some(e) if Arc::ptr_eq(&e.obj, o) => e.seen = pass,
                _ => {
                    let view = Node::from_obj(o).unwrap_or_else(|_| Node {
                        meta: crate::model::views::Meta::of(o, Node::API_VERSION, Node::KIND),
                        ..Node::default()
                    });
                    let entry = NodeEntry {
                        obj: o.clone(),
                        view,
                        seen: pass,
                    };
                    self.nodes.insert(k.into_owned(), entry);
                }
            }
        }
        if self.nodes.len() > nodes.len() || self.nodes.values().any(|e| e.seen != pass) {
            self.nodes.retain(|_, e| e.seen == pass);
        }
    }

    fn add(&mut self, e: &PodEntry) {
        if let Some((node, req)) = &e.load {
            self.loads.entry(node.clone()).or_default().apply(*req, 1);
        }
        if let Some(t) = &e.tolerations {
            *self.tolerations.entry(t.clone()).or_insert(0) += 1;
        }
    }

    fn remove(&mut self, e: &PodEntry) {
        if let Some((node, req)) = &e.load
            && let Some(load) = self.loads.get_mut(node)
        {
            load.apply(*req, -1);
            if load.pods == 0 {
                self.loads.remove(node);
            }
        }
        if let Some(t) = &e.tolerations
            && let Some(n) = self.tolerations.get_mut(t)
        {
            *n -= 1;
            if *n == 0 {
                self.tolerations.remove(t);
            }
        }
    }
}

/// A pod's contribution, read from its typed view (a pod whose body cannot be read counts
/// for nothing, as one without a node).
fn entry(o: &Arc<Obj>, key: String, seen: u64) -> PodEntry {
    let pod = Pod::from_obj(o).ok();
    let load = pod
        .as_ref()
        .and_then(|p| pools::counted_on(p).map(|node| (node.to_string(), pools::pod_load(p))));
    let tolerations = pod
        .as_ref()
        .and_then(pools::workload_tolerations_of)
        .map(<[Toleration]>::to_vec);
    PodEntry {
        obj: o.clone(),
        key,
        load,
        tolerations,
        seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small deterministic generator (xorshift64*): the property test runs the same
    /// sequences every time, and a failing seed is printed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }
    }

    fn node(i: usize, pool: usize, ready: bool) -> Arc<Obj> {
        let mut labels = json!({
            "topology.kubernetes.io/zone": format!("z{}", i % 3),
            "node.kubernetes.io/instance-type": "m6i.large",
        });
        if pool < 3 {
            labels["eks.amazonaws.com/nodegroup"] = json!(format!("pool-{pool}"));
        }
        let taints = if pool == 2 {
            json!([{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
        } else {
            json!([])
        };
        Arc::new(
            Obj::from_json(json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": format!("node-{i}"), "uid": format!("node-uid-{i}"), "labels": labels},
                "spec": {"taints": taints},
                "status": {"allocatable": {"cpu": "2", "memory": "8Gi", "pods": "30"},
                    "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
            }))
            .expect("node"),
        )
    }

    #[derive(Debug, Clone)]
    struct PodSpec {
        node: Option<usize>,
        phase: usize,
        cpu: usize,
        tolerate: bool,
        daemon: bool,
    }

    impl PodSpec {
        fn random(r: &mut Rng) -> PodSpec {
            PodSpec {
                node: r.chance(90).then(|| r.below(12)),
                phase: r.below(4),
                cpu: r.below(50),
                tolerate: r.chance(50),
                daemon: r.chance(10),
            }
        }
    }

    fn pod(i: usize, s: &PodSpec) -> Arc<Obj> {
        let phase = ["Running", "Pending", "Succeeded", "Failed"][s.phase % 4];
        let mut spec = json!({
            "containers": [{"name": "a", "resources": {"requests": {"cpu": format!("{}m", s.cpu * 7 + 1), "memory": format!("{}Mi", s.cpu + 1)}}}],
        });
        if let Some(n) = s.node {
            spec["nodeName"] = json!(format!("node-{n}"));
        }
        if s.tolerate {
            spec["tolerations"] = json!([{"key": "dedicated", "operator": "Exists"}]);
        }
        let owners = if s.daemon {
            json!([{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "ds", "uid": "ds"}])
        } else {
            json!([])
        };
        Arc::new(
            Obj::from_json(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("pod-{i}"), "namespace": "ns", "uid": format!("pod-uid-{i}"), "ownerReferences": owners},
                "spec": spec,
                "status": {"phase": phase}
            }))
            .expect("pod"),
        )
    }

    fn full(nodes: &[Arc<Obj>], pods: &[Arc<Obj>], label: Option<&str>) -> Vec<Pool> {
        let nv: Vec<Node> = nodes
            .iter()
            .filter_map(|o| Node::from_obj(o).ok())
            .collect();
        let pv: Vec<Pod> = pods.iter().filter_map(|o| Pod::from_obj(o).ok()).collect();
        pools::group(&nv, &pv, label, &[])
    }

    /// Pools with their warnings in a stable order (the multiset of toleration lists has
    /// no order; warnings follow the taints, which do).
    fn canonical(mut pools: Vec<Pool>) -> Vec<Pool> {
        for p in &mut pools {
            p.warnings.sort_by(|a, b| a.message.cmp(&b.message));
        }
        pools
    }

    /// Property: after any sequence of pod and node changes (created, replaced, deleted),
    /// refreshed after every change or once per batch, the incremental grouping equals a
    /// full one over the same objects.
    #[test]
    fn incremental_grouping_equals_a_full_one() {
        for seed in 1..=300u64 {
            let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
            let label = r.chance(30).then_some("topology.kubernetes.io/zone");
            let every = 1 + r.below(5);
            let mut nodes: Vec<Option<Arc<Obj>>> =
                (0..12).map(|i| Some(node(i, i % 4, true))).collect();
            let mut pods: Vec<Option<Arc<Obj>>> = vec![None; 40];
            let mut index = PoolsIndex::default();
            let steps = 1 + r.below(80);
            for step in 0..=steps {
                match r.below(10) {
                    0..=5 => {
                        let i = r.below(40);
                        pods[i] = Some(pod(i, &PodSpec::random(&mut r)));
                    }
                    6 | 7 => pods[r.below(40)] = None,
                    8 => {
                        let i = r.below(12);
                        nodes[i] = Some(node(i, r.below(4), r.chance(80)));
                    }
                    _ => nodes[r.below(12)] = None,
                }
                // Refreshes come once per batch of changes, not after each; always at the end.
                if step % every == 0 || step == steps {
                    let n: Vec<Arc<Obj>> = nodes.iter().flatten().cloned().collect();
                    let p: Vec<Arc<Obj>> = pods.iter().flatten().cloned().collect();
                    let got = canonical(index.group(&n, &p, label, &[]));
                    assert_eq!(
                        got,
                        canonical(full(&n, &p, label)),
                        "seed {seed}, step {step}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_unchanged_pod_is_not_read_again() {
        let nodes = vec![node(0, 0, true)];
        let spec = PodSpec {
            node: Some(0),
            phase: 0,
            cpu: 1,
            tolerate: false,
            daemon: false,
        };
        let pods = vec![pod(0, &spec), pod(1, &spec)];
        let mut index = PoolsIndex::default();
        let first = index.group(&nodes, &pods, None, &[]);
        assert_eq!(first[0].pods(), 2);
        // The same objects: the entries keep the same Arcs (nothing re-read).
        let before: Vec<*const Obj> = index.pods.values().map(|e| Arc::as_ptr(&e.obj)).collect();
        index.group(&nodes, &pods, None, &[]);
        let after: Vec<*const Obj> = index.pods.values().map(|e| Arc::as_ptr(&e.obj)).collect();
        assert_eq!(before, after);
        // One pod replaced by a finished one: the node's load drops by one pod.
        let done = PodSpec { phase: 2, ..spec };
        let pods = vec![pods[0].clone(), pod(1, &done)];
        let pools = index.group(&nodes, &pods, None, &[]);
        assert_eq!(pools[0].pods(), 1);
        assert_eq!(index.loads.len(), 1);
        // Every pod gone: no load left.
        let pools = index.group(&nodes, &[], None, &[]);
        assert_eq!(pools[0].pods(), 0);
        assert!(index.loads.is_empty() && index.pods.is_empty() && index.pod_keys.is_empty());
    }
}
