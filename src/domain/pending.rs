//! Why is this pod Pending? The scheduler's last word (a FailedScheduling event or the
//! PodScheduled condition) in plain words, and each node pool checked against the pod as the
//! scheduler would: taints tolerated, labels matching the nodeSelector and the required node
//! affinity, room for the requests (allocatable minus what the pods on its nodes request),
//! and for EKS node groups whether the group could grow (desired < max).

use std::collections::BTreeMap;

use crate::model::views::node::Taint;
use crate::model::views::pod::Requirement;
use crate::model::views::{Event, Node, Pod};

use super::pools::{self, NodegroupInfo, Provider, q};

/// One check of a pool against the pod.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Check {
    pub ok: bool,
    pub text: String,
}

impl Check {
    fn new(ok: bool, text: impl Into<String>) -> Check {
        Check {
            ok,
            text: text.into(),
        }
    }
}

/// A pool against the pod.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PoolFit {
    pub name: String,
    pub nodes: usize,
    pub taints: Check,
    pub labels: Check,
    pub room: Check,
    /// EKS node groups: whether the group could add a node.
    pub scale: Option<Check>,
    /// A node of the pool passes every check now.
    pub(crate) fits_now: bool,
    /// A new node of the pool would take the pod (taints and labels pass, an empty node
    /// has room) and the group can grow.
    pub(crate) fits_after_scale: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Explanation {
    /// The pod's phase.
    pub phase: String,
    /// The scheduler's message as it wrote it.
    pub(crate) scheduler: Option<String>,
    /// The message in words, one reason a line.
    pub reasons: Vec<String>,
    /// CPU (cores) and memory (bytes) the pod requests.
    pub requests: (f64, f64),
    pub pools: Vec<PoolFit>,
    /// The conclusion, one sentence.
    pub(crate) verdict: String,
}

/// Whether one `matchExpressions` requirement holds for a node's labels.
fn requirement_holds(req: &Requirement, labels: &BTreeMap<String, String>) -> bool {
    let values: Vec<&str> = req.values.iter().map(String::as_str).collect();
    let got = labels.get(&req.key).map(String::as_str);
    let num = |s: &str| s.parse::<i64>().ok();
    match req.operator.as_str() {
        "In" => got.is_some_and(|g| values.contains(&g)),
        "NotIn" => got.is_none_or(|g| !values.contains(&g)),
        "Exists" => got.is_some(),
        "DoesNotExist" => got.is_none(),
        "Gt" => {
            matches!((got.and_then(num), values.first().and_then(|v| num(v))), (Some(a), Some(b)) if a > b)
        }
        "Lt" => {
            matches!((got.and_then(num), values.first().and_then(|v| num(v))), (Some(a), Some(b)) if a < b)
        }
        _ => false,
    }
}

/// `key in (a,b)` as kubectl shows a requirement.
fn requirement_text(req: &Requirement) -> String {
    let (key, op, values) = (&req.key, &req.operator, &req.values);
    match op.as_str() {
        "Exists" => key.to_string(),
        "DoesNotExist" => format!("!{key}"),
        "In" if values.len() == 1 => format!("{key}={}", values[0]),
        _ => format!("{key} {} ({})", op.to_lowercase(), values.join(",")),
    }
}

/// The first label constraint a node's labels fail, if any: the nodeSelector, then the
/// required node affinity (its terms are ORed; a term's expressions are ANDed).
fn label_mismatch(pod: &Pod, node_name: &str, labels: &BTreeMap<String, String>) -> Option<String> {
    for (k, want) in &pod.spec.node_selector {
        if labels.get(k) != Some(want) {
            return Some(format!("nodeSelector {k}={want}"));
        }
    }
    let terms = &pod.spec.affinity.node_affinity.required.node_selector_terms;
    let mut first_failure = None;
    for term in terms {
        let name_labels: BTreeMap<String, String> =
            [("metadata.name".to_string(), node_name.to_string())].into();
        let failed = term
            .match_expressions
            .iter()
            .find(|r| !requirement_holds(r, labels))
            .or_else(|| {
                term.match_fields
                    .iter()
                    .find(|r| !requirement_holds(r, &name_labels))
            });
        match failed {
            None => return None,
            Some(r) => {
                first_failure
                    .get_or_insert_with(|| format!("node affinity {}", requirement_text(r)));
            }
        }
    }
    first_failure
}

/// `1.5 CPU`, `0.25 CPU`.
pub(crate) fn cpu_text(cores: f64) -> String {
    let s = format!("{cores:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} CPU")
}

/// `512 MiB`, `3.5 GiB`.
pub(crate) fn memory_text(bytes: f64) -> String {
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    const MI: f64 = 1024.0 * 1024.0;
    if bytes.abs() >= GI {
        let s = format!("{:.1}", bytes / GI);
        format!("{} GiB", s.trim_end_matches(".0"))
    } else {
        format!("{:.0} MiB", bytes / MI)
    }
}

/// One node against the pod.
struct NodeFit {
    name: String,
    untolerated: Vec<String>,
    mismatch: Option<String>,
    free: (f64, f64),
    /// What an empty node of the same shape offers.
    allocatable: (f64, f64),
    pods_free: f64,
    unschedulable: bool,
}

impl NodeFit {
    fn room(&self, req: (f64, f64)) -> bool {
        self.free.0 >= req.0 && self.free.1 >= req.1 && self.pods_free >= 1.0
    }

    fn fits(&self, req: (f64, f64)) -> bool {
        self.untolerated.is_empty()
            && self.mismatch.is_none()
            && self.room(req)
            && !self.unschedulable
    }
}

/// The scheduler's message in words: `0/8 nodes are available: 2 node(s) had untolerated
/// taint {workload-type: database}, 6 Insufficient cpu. preemption: …` becomes one line per
/// reason.
pub(crate) fn scheduler_reasons(message: &str) -> Vec<String> {
    let main = message.split(" preemption:").next().unwrap_or(message);
    let Some((head, rest)) = main.split_once(": ") else {
        return vec![message.trim().to_string()];
    };
    let mut out = Vec::new();
    if let Some((avail, total)) = head
        .split_whitespace()
        .next()
        .and_then(|f| f.split_once('/'))
    {
        out.push(format!("{avail} of {total} nodes can run the pod"));
    }
    for part in rest.trim_end_matches('.').split(", ") {
        let part = part.trim();
        let (n, reason) = part.split_once(' ').unwrap_or(("", part));
        let n = if n.parse::<u32>().is_ok() { n } else { "" };
        let reason = if n.is_empty() { part } else { reason };
        let words = if let Some(t) = reason.strip_prefix("node(s) had untolerated taint") {
            format!("have the taint {} that the pod does not tolerate", t.trim())
        } else if let Some(res) = reason.strip_prefix("Insufficient ") {
            format!("lack free {res} for the pod's requests")
        } else if reason.contains("didn't match Pod's node affinity/selector") {
            "do not carry the labels the pod's nodeSelector/affinity asks for".into()
        } else if reason.contains("were unschedulable") || reason.contains("unschedulable") {
            "are cordoned (unschedulable)".into()
        } else if reason.contains("Too many pods") {
            "hold as many pods as they allow".into()
        } else if reason.contains("anti-affinity") {
            "run pods the pod's anti-affinity keeps away from".into()
        } else if reason.contains("volume node affinity conflict") {
            "are in another zone than the pod's volume".into()
        } else if reason.contains("unbound immediate PersistentVolumeClaims") {
            "wait: the pod's PersistentVolumeClaim is not bound yet".into()
        } else {
            reason.to_string()
        };
        out.push(if n.is_empty() {
            words
        } else {
            format!("{n} node(s) {words}")
        });
    }
    if message.contains("No preemption victims found")
        || message.contains("Preemption is not helpful")
    {
        out.push("evicting lower-priority pods would not help".into());
    }
    out
}

/// The scheduler's latest message about the pod: its newest FailedScheduling event, else
/// the PodScheduled condition's message.
pub(crate) fn scheduler_message(pod: &Pod, events: &[Event]) -> Option<String> {
    let newest = events
        .iter()
        .filter(|e| e.reason.as_deref() == Some("FailedScheduling"))
        .max_by_key(|e| e.at)
        .and_then(|e| e.message.as_deref());
    newest
        .or_else(|| {
            pod.status
                .conditions
                .iter()
                .find(|c| c.kind.as_deref() == Some("PodScheduled"))
                .and_then(|c| c.message.as_deref())
        })
        .map(str::to_string)
}

/// Explains a pod against the node pools. `pods` are every pod (their requests count on
/// their nodes), `events` the events about this pod.
pub(crate) fn explain(
    pod: &Pod,
    nodes: &[Node],
    pods: &[Pod],
    events: &[Event],
    pool_label: Option<&str>,
    eks: &[NodegroupInfo],
) -> Explanation {
    let phase = pod.status.phase.clone().unwrap_or_else(|| "Unknown".into());
    let scheduler = scheduler_message(pod, events);
    let reasons = scheduler
        .as_deref()
        .map(scheduler_reasons)
        .unwrap_or_default();
    let req = pools::pod_requests(pod);

    let mut requested: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for p in pods {
        if let Some(n) = pools::counted_on(p) {
            let (c, m) = pools::pod_requests(p);
            let e = requested.entry(n).or_default();
            e.0 += c;
            e.1 += m;
            e.2 += 1.0;
        }
    }

    // pool name → (provider, nodes)
    let mut by_pool: BTreeMap<String, (Provider, Vec<NodeFit>)> = BTreeMap::new();
    for node in nodes {
        let (provider, pool) = pools::pool_of(node, pool_label);
        let name = node.name().to_string();
        let untolerated = node
            .spec
            .taints
            .iter()
            .filter(|t| t.blocks() && !pools::tolerates(pod, t))
            .map(Taint::text)
            .collect();
        let used = requested.get(name.as_str()).copied().unwrap_or_default();
        let a = &node.status.allocatable;
        let allocatable = (q(a.cpu.as_ref()), q(a.memory.as_ref()));
        let fit = NodeFit {
            mismatch: label_mismatch(pod, &name, &node.meta.labels),
            free: (allocatable.0 - used.0, allocatable.1 - used.1),
            allocatable,
            pods_free: q(a.pods.as_ref()) - used.2,
            unschedulable: node.spec.unschedulable,
            untolerated,
            name,
        };
        by_pool
            .entry(pool)
            .or_insert((provider, Vec::new()))
            .1
            .push(fit);
    }
    // EKS node groups without nodes (scaled to zero) are pools too.
    if pool_label.is_none() {
        for g in eks {
            by_pool
                .entry(g.name.clone())
                .or_insert((Provider::EksManaged, Vec::new()));
        }
    }

    let pools: Vec<PoolFit> = by_pool
        .into_iter()
        .map(|(name, (provider, fits))| {
            let group = (provider == Provider::EksManaged)
                .then(|| eks.iter().find(|g| g.name == name))
                .flatten();
            pool_fit(pod, name, &fits, group, req)
        })
        .collect();

    let verdict = verdict(&phase, &pools);
    Explanation {
        phase,
        scheduler,
        reasons,
        requests: req,
        pools,
        verdict,
    }
}

fn pool_fit(
    pod: &Pod,
    name: String,
    fits: &[NodeFit],
    group: Option<&NodegroupInfo>,
    req: (f64, f64),
) -> PoolFit {
    let (taints, labels) = if fits.is_empty() {
        // No node to look at: what EKS says its nodes get.
        let untolerated: Vec<String> = group
            .map(|g| {
                g.taints
                    .iter()
                    .filter(|t| {
                        let taint = Taint::parse(t);
                        taint.blocks() && !pools::tolerates(pod, &taint)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mismatch = group.and_then(|g| label_mismatch(pod, "", &g.labels));
        (
            taint_check(&untolerated, true),
            label_check(mismatch.as_deref(), true),
        )
    } else {
        let best_taints = fits
            .iter()
            .min_by_key(|f| f.untolerated.len())
            .map(|f| f.untolerated.clone())
            .unwrap_or_default();
        let best_labels = if fits.iter().any(|f| f.mismatch.is_none()) {
            None
        } else {
            fits.first().and_then(|f| f.mismatch.clone())
        };
        (
            taint_check(&best_taints, false),
            label_check(best_labels.as_deref(), false),
        )
    };

    let room = match fits.iter().filter(|f| !f.unschedulable).max_by(|a, b| {
        let score = |f: &NodeFit| (f.free.0 / req.0.max(0.001)).min(f.free.1 / req.1.max(1.0));
        score(a).total_cmp(&score(b))
    }) {
        None if fits.is_empty() => Check::new(false, "no nodes to look at"),
        None => Check::new(false, "every node is cordoned"),
        Some(best) => {
            let needs = format!("needs {}, {}", cpu_text(req.0), memory_text(req.1));
            let has = format!(
                "most room on {}: {} and {} free",
                best.name,
                cpu_text(best.free.0.max(0.0)),
                memory_text(best.free.1.max(0.0))
            );
            if fits.iter().any(|f| f.room(req) && !f.unschedulable) {
                Check::new(true, format!("room: {has} ({needs})"))
            } else if best.pods_free < 1.0 && best.free.0 >= req.0 && best.free.1 >= req.1 {
                Check::new(false, format!("no room: {} is at its pod limit", best.name))
            } else {
                Check::new(false, format!("no room: {has}, {needs}"))
            }
        }
    };

    let scale = group.map(|g| {
        if g.desired_size < g.max_size {
            Check::new(
                true,
                format!(
                    "can grow: desired {} < max {} (min {})",
                    g.desired_size, g.max_size, g.min_size
                ),
            )
        } else {
            Check::new(
                false,
                format!(
                    "at its maximum: desired {} = max {}",
                    g.desired_size, g.max_size
                ),
            )
        }
    });
    let fits_now = fits.iter().any(|f| f.fits(req));
    // A new node looks like the pool's nodes: its taints and labels, empty.
    let empty_node_room = fits.is_empty()
        || fits
            .iter()
            .any(|f| f.allocatable.0 >= req.0 && f.allocatable.1 >= req.1);
    let fits_after_scale = !fits_now
        && taints.ok
        && labels.ok
        && empty_node_room
        && scale.as_ref().is_some_and(|s| s.ok);
    PoolFit {
        name,
        nodes: fits.len(),
        taints,
        labels,
        room,
        scale,
        fits_now,
        fits_after_scale,
    }
}

fn taint_check(untolerated: &[String], from_eks: bool) -> Check {
    let src = if from_eks { " (EKS node group)" } else { "" };
    if untolerated.is_empty() {
        Check::new(true, format!("taints: none in the way{src}"))
    } else {
        Check::new(
            false,
            format!("taints: not tolerated: {}{src}", untolerated.join(", ")),
        )
    }
}

fn label_check(mismatch: Option<&str>, from_eks: bool) -> Check {
    let src = if from_eks { " (EKS node group)" } else { "" };
    match mismatch {
        None => Check::new(true, format!("labels: match{src}")),
        Some(m) => Check::new(false, format!("labels: no node matches {m}{src}")),
    }
}

fn verdict(phase: &str, pools: &[PoolFit]) -> String {
    if phase != "Pending" {
        return format!("the pod is {phase}, not Pending");
    }
    let now: Vec<&str> = pools
        .iter()
        .filter(|p| p.fits_now)
        .map(|p| p.name.as_str())
        .collect();
    if !now.is_empty() {
        return format!(
            "a node of {} can take it now; the scheduler will place it on its next try",
            now.join(", ")
        );
    }
    let grow: Vec<&str> = pools
        .iter()
        .filter(|p| p.fits_after_scale)
        .map(|p| p.name.as_str())
        .collect();
    if !grow.is_empty() {
        return format!(
            "no node has room; {} can grow (desired < max), so the cluster autoscaler can add a node",
            grow.join(", ")
        );
    }
    "no pool can run it as it is: change the pod (tolerations, nodeSelector/affinity, requests) or a pool"
        .into()
}

#[cfg(test)]
mod tests;
