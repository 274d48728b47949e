//! The failover timeline: successive observations of one Cluster (and, optionally, its pods)
//! become a bounded list of transitions, each with a time and a sentence.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use jiff::Timestamp;

use super::detail::InstanceRole;
use super::{ClusterSummary, PENDING_FAILOVER, phase};
use crate::model::views::{Cluster, Meta, Pod};

/// Entries kept by [`FailoverTimeline::new`].
pub(crate) const DEFAULT_CAPACITY: usize = 100;

/// One observed transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The first observation: where things stood when the console started watching.
    Observed {
        phase: String,
        primary: String,
        timeline: Option<i64>,
    },
    /// `status.phase` changed.
    Phase { phase: String, reason: String },
    /// The current primary stopped working (failing-since set, pod not ready or gone, or
    /// targetPrimary went `pending`).
    PrimaryFailing { pod: String },
    /// targetPrimary became `pending`.
    FailoverStarting,
    /// A failover elected its new primary.
    FailoverTarget { from: Option<String>, to: String },
    /// targetPrimary was set to another instance outside a failover.
    SwitchoverRequested { from: Option<String>, to: String },
    /// targetPrimary went back to the current primary.
    TargetReset { pod: String },
    /// currentPrimary changed; with the timeline change when seen at the same time.
    Promoted {
        pod: String,
        timeline: Option<(i64, i64)>,
    },
    /// timelineID changed apart from a promotion.
    TimelineChanged { from: Option<i64>, to: i64 },
    /// A former primary is back, ready, as a replica.
    Rejoined { pod: String },
}

impl Transition {
    /// The transition as a sentence: `promoted keycloak-db-2 (timeline 2 → 3)`.
    pub fn sentence(&self) -> String {
        match self {
            Transition::Observed {
                phase,
                primary,
                timeline,
            } => {
                let phase = if phase.is_empty() {
                    "no phase yet"
                } else {
                    phase
                };
                match timeline {
                    Some(t) => format!("{phase}; primary {primary}, timeline {t}"),
                    None => format!("{phase}; primary {primary}"),
                }
            }
            Transition::Phase { phase, reason } if reason.trim().is_empty() => phase.clone(),
            Transition::Phase { phase, reason } => format!("{phase} ({})", reason.trim()),
            Transition::PrimaryFailing { pod } => format!("primary {pod} failing"),
            Transition::FailoverStarting => {
                format!("failover starting (targetPrimary {PENDING_FAILOVER})")
            }
            Transition::FailoverTarget { from: Some(f), to } => {
                format!("failing over from {f} to {to}")
            }
            Transition::FailoverTarget { from: None, to } => format!("failing over to {to}"),
            Transition::SwitchoverRequested { from: Some(f), to } => {
                format!("switchover from {f} to {to} requested")
            }
            Transition::SwitchoverRequested { from: None, to } => {
                format!("switchover to {to} requested")
            }
            Transition::TargetReset { pod } => format!("targetPrimary back to {pod}"),
            Transition::Promoted {
                pod,
                timeline: Some((a, b)),
            } => format!("promoted {pod} (timeline {a} → {b})"),
            Transition::Promoted {
                pod,
                timeline: None,
            } => format!("promoted {pod}"),
            Transition::TimelineChanged { from: Some(a), to } => format!("timeline {a} → {to}"),
            Transition::TimelineChanged { from: None, to } => format!("timeline {to}"),
            Transition::Rejoined { pod } => format!("{pod} rejoined as replica"),
        }
    }
}

/// A transition and when it was observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub transition: Transition,
}

impl TimelineEntry {
    pub fn sentence(&self) -> String {
        self.transition.sentence()
    }
}

/// What the last Cluster observation said.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    phase: String,
    reason: String,
    current: Option<String>,
    target: Option<String>,
    timeline: Option<i64>,
    failing_since: Option<String>,
    instance_names: Vec<String>,
    healthy: BTreeSet<String>,
}

impl Seen {
    fn from_cluster(cluster: &Cluster) -> Option<Self> {
        let s = ClusterSummary::from_cluster(cluster)?;
        Some(Seen {
            phase: s.phase,
            reason: s.phase_reason,
            current: s.current_primary,
            target: s.target_primary,
            timeline: s.timeline_id,
            failing_since: cluster
                .status
                .current_primary_failing_since_timestamp
                .clone(),
            instance_names: s.instance_names,
            healthy: cluster.healthy().iter().cloned().collect(),
        })
    }
}

/// What the last pod observation said about one instance.
#[derive(Debug, Clone, PartialEq)]
struct PodSeen {
    role: Option<InstanceRole>,
    ready: bool,
    terminating: bool,
}

impl PodSeen {
    fn is_down(&self) -> bool {
        !self.ready || self.terminating || self.role == Some(InstanceRole::Unhealthy)
    }
}

/// Transitions of one Cluster, oldest first, at most `capacity` of them.
#[derive(Debug, Clone)]
pub struct FailoverTimeline {
    namespace: String,
    name: String,
    capacity: usize,
    entries: VecDeque<TimelineEntry>,
    seen: Option<Seen>,
    /// `None` until pods are observed; then pod labels and readiness drive "rejoined".
    pods: Option<BTreeMap<String, PodSeen>>,
    /// The primary already reported failing (so it is said once).
    failing_reported: Option<String>,
    /// Former primaries not back as replicas yet.
    awaiting_rejoin: BTreeSet<String>,
    /// Instances seen down (not ready, gone, unhealthy) since they were last fine.
    down: BTreeSet<String>,
    /// When the ongoing failover or switchover was first observed.
    change_started: Option<Timestamp>,
}

impl FailoverTimeline {
    /// A timeline of Cluster `namespace/name` keeping [`DEFAULT_CAPACITY`] entries.
    pub fn new(namespace: &str, name: &str) -> Self {
        Self::with_capacity(namespace, name, DEFAULT_CAPACITY)
    }

    pub(crate) fn with_capacity(namespace: &str, name: &str, capacity: usize) -> Self {
        FailoverTimeline {
            namespace: namespace.to_string(),
            name: name.to_string(),
            capacity: capacity.max(1),
            entries: VecDeque::new(),
            seen: None,
            pods: None,
            failing_reported: None,
            awaiting_rejoin: BTreeSet::new(),
            down: BTreeSet::new(),
            change_started: None,
        }
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Entries, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &TimelineEntry> + '_ {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn last(&self) -> Option<&TimelineEntry> {
        self.entries.back()
    }

    /// When the ongoing failover or switchover was first observed (`None` when none is).
    #[cfg(test)]
    pub(crate) fn change_started(&self) -> Option<Timestamp> {
        self.change_started
    }

    fn push(&mut self, at: Timestamp, transition: Transition) {
        self.entries.push_back(TimelineEntry { at, transition });
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
        }
    }

    fn is_ours(&self, meta: &Meta) -> bool {
        meta.namespace == self.namespace
    }

    /// Takes one observation of the Cluster (from a watch event or a list) made at `at`.
    /// Objects of other clusters and repeats are ignored. Returns how many entries were
    /// added.
    pub fn observe(&mut self, cluster: &Cluster, at: Timestamp) -> usize {
        if !self.is_ours(&cluster.meta) || cluster.meta.name != self.name {
            return 0;
        }
        let Some(new) = Seen::from_cluster(cluster) else {
            return 0;
        };
        let before = self.entries.len();
        let Some(prev) = self.seen.take() else {
            self.first_observation(&new, at);
            self.seen = Some(new);
            return self.entries.len() - before;
        };
        if prev == new {
            self.seen = Some(prev);
            return 0;
        }
        let mut out = Vec::new();
        let current = new.current.clone();

        // The primary fails.
        if new.failing_since.is_some()
            && prev.failing_since.is_none()
            && let Some(c) = &current
        {
            self.report_failing(c, &mut out);
        }

        // Without pods, instancesStatus tells whether the primary's pod is ready.
        if self.pods.is_none()
            && new.target == current
            && let Some(c) = &current
            && new.instance_names.contains(c)
            && !new.healthy.contains(c)
        {
            self.report_failing(c, &mut out);
        }

        // targetPrimary moves.
        if new.target != prev.target
            && let Some(target) = new.target.clone()
        {
            if target == PENDING_FAILOVER {
                if let Some(c) = &current {
                    self.report_failing(c, &mut out);
                }
                out.push(Transition::FailoverStarting);
                self.change_started.get_or_insert(at);
            } else if Some(&target) != current.as_ref() {
                let failover = prev.target.as_deref() == Some(PENDING_FAILOVER)
                    || new.phase == phase::FAILING_OVER;
                out.push(if failover {
                    Transition::FailoverTarget {
                        from: current.clone(),
                        to: target,
                    }
                } else {
                    Transition::SwitchoverRequested {
                        from: current.clone(),
                        to: target,
                    }
                });
                self.change_started.get_or_insert(at);
            } else if prev.current == new.current && prev.target.is_some() {
                out.push(Transition::TargetReset { pod: target });
            }
        }

        // currentPrimary moves (with the timeline, when it moved at the same time).
        let mut timeline_said = false;
        if new.current != prev.current
            && let Some(pod) = current.clone()
        {
            let timeline = match (prev.timeline, new.timeline) {
                (Some(a), Some(b)) if a != b => {
                    timeline_said = true;
                    Some((a, b))
                }
                _ => None,
            };
            out.push(Transition::Promoted {
                pod: pod.clone(),
                timeline,
            });
            if let Some(old) = prev.current.clone() {
                self.awaiting_rejoin.insert(old);
            }
            self.awaiting_rejoin.remove(&pod);
            self.down.remove(&pod);
            self.failing_reported = None;
        }
        if !timeline_said
            && new.timeline != prev.timeline
            && let Some(to) = new.timeline
        {
            out.push(Transition::TimelineChanged {
                from: prev.timeline,
                to,
            });
        }

        // Rejoins, from instancesStatus while no pods are observed.
        self.note_down_from_status(&new);
        if self.pods.is_none() {
            let back: Vec<String> = self
                .awaiting_rejoin
                .iter()
                .filter(|p| {
                    Some(*p) != current.as_ref()
                        && self.down.contains(*p)
                        && new.healthy.contains(*p)
                })
                .cloned()
                .collect();
            for pod in back {
                self.awaiting_rejoin.remove(&pod);
                self.down.remove(&pod);
                out.push(Transition::Rejoined { pod });
            }
        }

        if new.phase != prev.phase {
            out.push(Transition::Phase {
                phase: new.phase.clone(),
                reason: new.reason.clone(),
            });
        }
        if new.target == new.current && new.phase == phase::HEALTHY {
            self.change_started = None;
        }
        for t in out {
            self.push(at, t);
        }
        self.seen = Some(new);
        self.entries.len() - before
    }

    fn first_observation(&mut self, new: &Seen, at: Timestamp) {
        let primary = match (&new.current, &new.target) {
            (Some(c), Some(t)) if t == PENDING_FAILOVER => format!("{c} (failover starting)"),
            (Some(c), Some(t)) if c != t => format!("{c} (switching to {t})"),
            (Some(c), _) => c.clone(),
            (None, Some(t)) => format!("- (initializing {t})"),
            (None, None) => "-".to_string(),
        };
        if new.target != new.current {
            self.change_started = Some(at);
        }
        let primary_unhealthy = new
            .current
            .as_ref()
            .is_some_and(|c| new.instance_names.contains(c) && !new.healthy.contains(c));
        if new.target.as_deref() == Some(PENDING_FAILOVER) || primary_unhealthy {
            self.failing_reported = new.current.clone();
        }
        self.note_down_from_status(new);
        self.push(
            at,
            Transition::Observed {
                phase: new.phase.clone(),
                primary,
                timeline: new.timeline,
            },
        );
    }

    fn report_failing(&mut self, pod: &str, out: &mut Vec<Transition>) {
        if self.failing_reported.as_deref() != Some(pod) {
            self.failing_reported = Some(pod.to_string());
            self.down.insert(pod.to_string());
            out.push(Transition::PrimaryFailing {
                pod: pod.to_string(),
            });
        }
    }

    /// Instances the status does not list as healthy are down.
    fn note_down_from_status(&mut self, seen: &Seen) {
        if seen.healthy.is_empty() && seen.instance_names.is_empty() {
            return;
        }
        for name in &seen.instance_names {
            if !seen.healthy.contains(name) {
                self.down.insert(name.clone());
            }
        }
    }

    /// Takes one observation of the pods (any pods: those of this cluster's instances are
    /// picked by label) made at `at`: a primary whose pod is gone, not ready or labelled
    /// unhealthy is failing; a former primary ready again with the replica role rejoined.
    /// Returns how many entries were added.
    pub fn observe_pods(&mut self, pods: &[Pod], at: Timestamp) -> usize {
        let before = self.entries.len();
        let now: BTreeMap<String, PodSeen> = pods
            .iter()
            .filter(|p| self.is_ours(&p.meta))
            .filter(|p| p.meta.label(super::label::CLUSTER) == Some(self.name.as_str()))
            .filter(|p| p.meta.label(super::label::JOB_ROLE).is_none())
            .filter(|p| {
                p.meta
                    .label(super::label::POD_ROLE)
                    .is_none_or(|r| r == "instance")
            })
            .map(|p| {
                let role = p
                    .meta
                    .label(super::label::INSTANCE_ROLE)
                    .or_else(|| p.meta.label(super::label::ROLE))
                    .and_then(InstanceRole::from_label);
                let seen = PodSeen {
                    role,
                    ready: p.is_ready(),
                    terminating: p.meta.deleting,
                };
                (p.meta.name.clone(), seen)
            })
            .collect();

        // Gone or down instances.
        if let Some(prev) = &self.pods {
            for name in prev.keys().filter(|n| !now.contains_key(*n)) {
                self.down.insert(name.clone());
            }
        }
        for (name, pod) in &now {
            if pod.is_down() {
                self.down.insert(name.clone());
            }
        }

        let mut out = Vec::new();
        if let Some(seen) = &self.seen
            && let Some(current) = seen.current.clone()
            && seen.target.as_ref() == Some(&current)
        {
            let down = now.get(&current).is_none_or(PodSeen::is_down);
            // A primary never observed (pods listed before it was scheduled) is not failing.
            let known = self.pods.as_ref().is_some_and(|p| p.contains_key(&current))
                || now.contains_key(&current);
            if down && known {
                self.report_failing(&current, &mut out);
            }
        }

        let current = self.seen.as_ref().and_then(|s| s.current.clone());
        let back: Vec<String> = self
            .awaiting_rejoin
            .iter()
            .filter(|p| Some(*p) != current.as_ref() && self.down.contains(*p))
            .filter(|p| {
                now.get(*p).is_some_and(|s| {
                    s.ready && !s.terminating && s.role == Some(InstanceRole::Replica)
                })
            })
            .cloned()
            .collect();
        for pod in back {
            self.awaiting_rejoin.remove(&pod);
            self.down.remove(&pod);
            out.push(Transition::Rejoined { pod });
        }
        for (name, pod) in &now {
            if !pod.is_down() && !self.awaiting_rejoin.contains(name) {
                self.down.remove(name);
            }
        }
        self.pods = Some(now);
        for t in out {
            self.push(at, t);
        }
        self.entries.len() - before
    }
}

#[cfg(test)]
mod tests;
