//! What the console keeps about CloudNativePG across views: typed views of the Clusters and
//! of their instance pods (parsed once per resourceVersion, grouped by cluster), of the
//! nodes those pods run on, and one [`FailoverTimeline`] per Cluster fed with every change
//! observed while the console runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::domain::cnpg::{FailoverTimeline, label};
use crate::model::object::Obj;
use crate::model::views::{Cluster, Node, Pod, View};
use jiff::Timestamp;
use kube::api::ApiResource;
use kube::runtime::reflector::{ObjectRef, Store};

/// A Cluster (or its pods) by namespace and name.
pub(crate) type ClusterKey = (String, String);

/// The typed view of an object and the resourceVersion it was read from.
#[derive(Debug, Clone)]
struct Versioned<V> {
    rv: Option<String>,
    value: V,
}

/// The labelled pods of one cluster: (name, resourceVersion) in name order, and their views.
#[derive(Debug, Clone, Default)]
struct PodGroup {
    versions: Vec<(String, Option<String>)>,
    values: Vec<Pod>,
}

/// A promote the console sent: `what` names the request (its Done event), `sent` is set
/// when the API server accepted it; then the console waits for the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingSwitchover {
    pub key: ClusterKey,
    pub pod: String,
    pub what: String,
    pub sent: Option<Timestamp>,
}

/// Seconds after a replay seek during which the Clusters' changes are the replayed state
/// arriving (the watches re-list), not transitions.
pub(super) const SEEK_SETTLE_S: i64 = 5;

/// CNPG data shared by the pane's views and the failover timelines.
#[derive(Debug, Clone, Default)]
pub struct CnpgState {
    /// The last promote asked for, until the operator completed it or the wait timed out.
    pub switchover: Option<PendingSwitchover>,
    /// Until when changes rebuild the timelines instead of adding to them (after a seek).
    settle_until: Option<Timestamp>,
    /// The kubeconfig context the data belongs to; a switch starts over.
    context: Option<String>,
    clusters: BTreeMap<ClusterKey, Versioned<Cluster>>,
    clusters_loaded: bool,
    pods: BTreeMap<ClusterKey, PodGroup>,
    pods_loaded: bool,
    nodes: HashMap<String, Versioned<Node>>,
    timelines: BTreeMap<ClusterKey, FailoverTimeline>,
}

fn key_of(obj: &Obj) -> Option<ClusterKey> {
    Some((
        obj.metadata.namespace.clone().unwrap_or_default(),
        obj.metadata.name.clone()?,
    ))
}

/// The object's view, reusing `old` when the resourceVersion says nothing changed.
/// Returns the view and whether it differs from `old`.
fn refreshed<V: View + Clone + PartialEq>(
    old: Option<&Versioned<V>>,
    obj: &Obj,
) -> Option<(Versioned<V>, bool)> {
    let rv = obj.metadata.resource_version.clone();
    if let Some(old) = old
        && rv.is_some()
        && old.rv == rv
    {
        return Some((old.clone(), false));
    }
    let value = V::from_obj(obj).ok()?;
    let changed = old.is_none_or(|o| o.value != value);
    Some((Versioned { rv, value }, changed))
}

impl CnpgState {
    /// Forgets everything when the console now talks to another context.
    pub fn follow_context(&mut self, context: &str) {
        if self.context.as_deref() != Some(context) {
            *self = CnpgState {
                context: Some(context.to_string()),
                ..CnpgState::default()
            };
        }
    }

    /// Takes the Clusters' store contents; returns the keys of Clusters that changed or
    /// appeared.
    pub fn sync_clusters(&mut self, objs: &[Arc<Obj>]) -> Vec<ClusterKey> {
        let mut next = BTreeMap::new();
        let mut changed = Vec::new();
        for obj in objs {
            let Some(key) = key_of(obj) else { continue };
            let Some((copy, differs)) = refreshed(self.clusters.get(&key), obj) else {
                continue;
            };
            if differs {
                changed.push(key.clone());
            }
            next.insert(key, copy);
        }
        self.clusters = next;
        self.clusters_loaded = true;
        changed
    }

    /// Takes the labelled pods' store contents; returns the clusters whose set of pods (or
    /// any of them) changed, including clusters that lost all their pods.
    pub fn sync_pods(&mut self, objs: &[Arc<Obj>]) -> Vec<ClusterKey> {
        let mut grouped: BTreeMap<ClusterKey, Vec<&Arc<Obj>>> = BTreeMap::new();
        for obj in objs {
            let Some(cluster) = obj
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(label::CLUSTER))
            else {
                continue;
            };
            let ns = obj.metadata.namespace.clone().unwrap_or_default();
            grouped.entry((ns, cluster.clone())).or_default().push(obj);
        }
        let mut changed: Vec<ClusterKey> = self
            .pods
            .keys()
            .filter(|k| !grouped.contains_key(*k))
            .cloned()
            .collect();
        let mut next = BTreeMap::new();
        for (key, mut pods) in grouped {
            pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
            let versions: Vec<(String, Option<String>)> = pods
                .iter()
                .map(|p| {
                    (
                        p.metadata.name.clone().unwrap_or_default(),
                        p.metadata.resource_version.clone(),
                    )
                })
                .collect();
            let old = self.pods.remove(&key);
            let unchanged = old.as_ref().is_some_and(|g| {
                g.versions == versions && versions.iter().all(|(_, rv)| rv.is_some())
            });
            if let (true, Some(g)) = (unchanged, old.clone()) {
                next.insert(key, g);
                continue;
            }
            // Reuse the JSON of pods whose resourceVersion did not move.
            let previous: HashMap<&str, Versioned<Pod>> = old
                .as_ref()
                .map(|g| {
                    g.versions
                        .iter()
                        .zip(&g.values)
                        .map(|((name, rv), value)| {
                            (
                                name.as_str(),
                                Versioned {
                                    rv: rv.clone(),
                                    value: value.clone(),
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut values = Vec::with_capacity(pods.len());
            let mut kept = Vec::with_capacity(pods.len());
            let mut differs = old.as_ref().is_none_or(|g| g.versions.len() != pods.len());
            for (pod, version) in pods.iter().zip(versions) {
                let Some((copy, d)) = refreshed(previous.get(version.0.as_str()), pod) else {
                    continue;
                };
                differs |= d || !previous.contains_key(version.0.as_str());
                values.push(copy.value);
                kept.push(version);
            }
            if differs {
                changed.push(key.clone());
            }
            next.insert(
                key,
                PodGroup {
                    versions: kept,
                    values,
                },
            );
        }
        self.pods = next;
        self.pods_loaded = true;
        changed
    }

    /// Feeds the Clusters named in `keys` to their timelines (creating timelines for
    /// Clusters seen for the first time). Returns the keys of the new timelines.
    pub fn observe_clusters(&mut self, keys: &[ClusterKey], at: Timestamp) -> Vec<ClusterKey> {
        let mut fresh = Vec::new();
        for key in keys {
            let Some(c) = self.clusters.get(key) else {
                continue;
            };
            let tl = self.timelines.entry(key.clone()).or_insert_with(|| {
                fresh.push(key.clone());
                FailoverTimeline::new(&key.0, &key.1)
            });
            tl.observe(&c.value, at);
        }
        fresh
    }

    /// Starts every failover timeline over from the Clusters and pods as they are now: after
    /// a replay seek the history observed so far is not this cluster's any more (a seek back
    /// would otherwise read as a promotion back to the old primary).
    pub fn restart_timelines(&mut self, at: Timestamp) {
        self.settle_until = Some(at + jiff::SignedDuration::from_secs(SEEK_SETTLE_S));
        self.rebuild_timelines(at);
    }

    /// Whether a restart is settling: the watches re-list after a seek, so the replayed
    /// state may arrive after the Replay object said the seek happened.
    pub fn settling(&self, now: Timestamp) -> bool {
        self.settle_until.is_some_and(|u| now < u)
    }

    /// Every timeline anew from the Clusters and pods as they are now.
    pub fn rebuild_timelines(&mut self, at: Timestamp) {
        self.timelines.clear();
        let keys: Vec<ClusterKey> = self.clusters.keys().cloned().collect();
        self.observe_clusters(&keys, at);
        self.observe_pods(&keys, at);
    }

    /// Feeds the pods of the clusters in `keys` to their timelines (once pods are loaded).
    pub fn observe_pods(&mut self, keys: &[ClusterKey], at: Timestamp) {
        if !self.pods_loaded {
            return;
        }
        let unique: BTreeSet<&ClusterKey> = keys.iter().collect();
        for key in unique {
            if let Some(tl) = self.timelines.get_mut(key) {
                let pods = self.pods.get(key).map_or(&[][..], |g| &g.values[..]);
                tl.observe_pods(pods, at);
            }
        }
    }

    /// Whether a complete list of Clusters was taken.
    pub fn clusters_loaded(&self) -> bool {
        self.clusters_loaded
    }

    pub fn cluster_keys(&self) -> impl Iterator<Item = &ClusterKey> {
        self.clusters.keys()
    }

    pub fn cluster(&self, key: &ClusterKey) -> Option<&Cluster> {
        self.clusters.get(key).map(|v| &v.value)
    }

    /// The labelled pods of a cluster (instances and jobs), in name order.
    pub fn pods(&self, key: &ClusterKey) -> &[Pod] {
        self.pods.get(key).map_or(&[][..], |g| &g.values[..])
    }

    pub fn timeline(&self, key: &ClusterKey) -> Option<&FailoverTimeline> {
        self.timelines.get(key)
    }

    /// The Nodes the pods of a cluster run on, from the nodes store (copies kept per
    /// resourceVersion).
    pub fn nodes_for(
        &mut self,
        key: &ClusterKey,
        store: Option<&Store<Obj>>,
        resource: &ApiResource,
    ) -> Vec<Node> {
        let Some(store) = store else {
            return Vec::new();
        };
        let names: BTreeSet<String> = self
            .pods(key)
            .iter()
            .filter_map(|p| p.spec.node_name.clone())
            .collect();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let r = ObjectRef::<Obj>::new_with(&name, resource.clone());
            let Some(obj) = store.get(&r) else {
                self.nodes.remove(&name);
                continue;
            };
            if let Some((copy, _)) = refreshed(self.nodes.get(&name), &obj) {
                out.push(copy.value.clone());
                self.nodes.insert(name, copy);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::api::ObjectMeta;
    use serde_json::json;

    fn obj(
        ns: &str,
        name: &str,
        rv: &str,
        labels: &[(&str, &str)],
        data: serde_json::Value,
    ) -> Arc<Obj> {
        Arc::new(Obj {
            invalid: None,
            types: None,
            metadata: ObjectMeta {
                namespace: Some(ns.into()),
                name: Some(name.into()),
                resource_version: Some(rv.into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..ObjectMeta::default()
            },
            data: data.into(),
        })
    }

    #[test]
    fn pods_are_grouped_and_only_changed_groups_reported() {
        let mut s = CnpgState::default();
        let a1 = obj("db", "a-1", "1", &[(label::CLUSTER, "a")], json!({}));
        let a2 = obj("db", "a-2", "1", &[(label::CLUSTER, "a")], json!({}));
        let b1 = obj("db", "b-1", "1", &[(label::CLUSTER, "b")], json!({}));
        let changed = s.sync_pods(&[a2.clone(), a1.clone(), b1.clone()]);
        assert_eq!(
            changed,
            vec![
                ("db".to_string(), "a".to_string()),
                ("db".into(), "b".into())
            ]
        );
        let names: Vec<&str> = s
            .pods(&("db".into(), "a".into()))
            .iter()
            .map(|p| p.meta.name.as_str())
            .collect();
        assert_eq!(names, ["a-1", "a-2"]);
        // Nothing moved: nothing reported.
        assert!(
            s.sync_pods(&[a1.clone(), a2.clone(), b1.clone()])
                .is_empty()
        );
        // One pod of b changes, a loses a pod.
        let b1v2 = obj(
            "db",
            "b-1",
            "2",
            &[(label::CLUSTER, "b")],
            json!({"status": {}}),
        );
        let changed = s.sync_pods(&[a1, b1v2]);
        assert_eq!(
            changed,
            vec![
                ("db".to_string(), "a".to_string()),
                ("db".into(), "b".into())
            ]
        );
        // b loses every pod: still reported, with no pods.
        let changed = s.sync_pods(&[]);
        assert_eq!(changed.len(), 2);
        assert!(s.pods(&("db".into(), "b".into())).is_empty());
    }

    #[test]
    fn a_restart_rebuilds_timelines_from_the_present() {
        let mut s = CnpgState::default();
        let cluster = |primary: &str, tl: i64| {
            obj(
                "db",
                "c",
                &format!("{primary}{tl}"),
                &[],
                serde_json::json!({"status": {"phase": "Cluster in healthy state", "currentPrimary": primary, "targetPrimary": primary, "timelineID": tl}}),
            )
        };
        let key: ClusterKey = ("db".into(), "c".into());
        let changed = s.sync_clusters(&[cluster("c-2", 2)]);
        s.observe_clusters(&changed, Timestamp::UNIX_EPOCH);
        let changed = s.sync_clusters(&[cluster("c-1", 1)]);
        s.observe_clusters(&changed, Timestamp::UNIX_EPOCH);
        let sentences = |s: &CnpgState| -> Vec<String> {
            s.timeline(&key)
                .map(|t| t.entries().map(|e| e.sentence()).collect())
                .unwrap_or_default()
        };
        assert!(
            sentences(&s).iter().any(|e| e.starts_with("promoted c-1")),
            "{:?}",
            sentences(&s)
        );
        s.restart_timelines(Timestamp::UNIX_EPOCH);
        let after = sentences(&s);
        assert_eq!(after.len(), 1, "{after:?}");
        assert!(after[0].contains("primary c-1, timeline 1"), "{after:?}");
    }

    #[test]
    fn a_context_switch_forgets_everything() {
        let mut s = CnpgState::default();
        s.follow_context("a");
        s.sync_clusters(&[obj("db", "c", "1", &[], json!({}))]);
        s.observe_clusters(&[("db".into(), "c".into())], Timestamp::UNIX_EPOCH);
        assert!(s.timeline(&("db".into(), "c".into())).is_some());
        s.follow_context("a");
        assert!(s.timeline(&("db".into(), "c".into())).is_some());
        s.follow_context("b");
        assert!(s.timeline(&("db".into(), "c".into())).is_none());
        assert!(!s.clusters_loaded());
    }
}
