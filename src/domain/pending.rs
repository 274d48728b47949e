//! Why is this pod Pending? The scheduler's last word (a FailedScheduling event or the
//! PodScheduled condition) in plain words, and each node pool checked against the pod as the
//! scheduler would: taints tolerated, labels matching the nodeSelector and the required node
//! affinity, room for the requests (allocatable minus what the pods on its nodes request),
//! and for EKS node groups whether the group could grow (desired < max).

use std::collections::BTreeMap;

use crate::model::object::Value;

use super::pools::{self, NodegroupInfo, Provider};
use super::quantity;

/// One check of a pool against the pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
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
pub struct PoolFit {
    pub name: String,
    pub nodes: usize,
    pub taints: Check,
    pub labels: Check,
    pub room: Check,
    /// EKS node groups: whether the group could add a node.
    pub scale: Option<Check>,
    /// A node of the pool passes every check now.
    pub fits_now: bool,
    /// A new node of the pool would take the pod (taints and labels pass, an empty node
    /// has room) and the group can grow.
    pub fits_after_scale: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The pod's phase.
    pub phase: String,
    /// The scheduler's message as it wrote it.
    pub scheduler: Option<String>,
    /// The message in words, one reason a line.
    pub reasons: Vec<String>,
    /// CPU (cores) and memory (bytes) the pod requests.
    pub requests: (f64, f64),
    pub pools: Vec<PoolFit>,
    /// The conclusion, one sentence.
    pub verdict: String,
}

/// Effects that keep a pod off a node (PreferNoSchedule only steers).
fn blocking(taint: &Value) -> bool {
    matches!(
        taint.get("effect").and_then(Value::as_str),
        Some("NoSchedule" | "NoExecute")
    )
}

fn labels_of(node: &Value) -> BTreeMap<String, String> {
    node.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether one `matchExpressions` requirement holds for a node's labels.
fn requirement_holds(req: &Value, labels: &BTreeMap<String, String>) -> bool {
    let key = req.get("key").and_then(Value::as_str).unwrap_or("");
    let op = req.get("operator").and_then(Value::as_str).unwrap_or("");
    let values: Vec<&str> = req
        .get("values")
        .and_then(Value::as_array)
        .map(|vs| vs.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let got = labels.get(key).map(String::as_str);
    let num = |s: &str| s.parse::<i64>().ok();
    match op {
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
fn requirement_text(req: &Value) -> String {
    let key = req.get("key").and_then(Value::as_str).unwrap_or("");
    let op = req.get("operator").and_then(Value::as_str).unwrap_or("");
    let values: Vec<&str> = req
        .get("values")
        .and_then(Value::as_array)
        .map(|vs| vs.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match op {
        "Exists" => key.to_string(),
        "DoesNotExist" => format!("!{key}"),
        "In" if values.len() == 1 => format!("{key}={}", values[0]),
        _ => format!("{key} {} ({})", op.to_lowercase(), values.join(",")),
    }
}

/// The first label constraint a node's labels fail, if any: the nodeSelector, then the
/// required node affinity (its terms are ORed; a term's expressions are ANDed).
fn label_mismatch(
    pod: &Value,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> Option<String> {
    if let Some(sel) = pod.pointer("/spec/nodeSelector").and_then(Value::as_object) {
        for (k, v) in sel.iter() {
            let want = v.as_str().unwrap_or("");
            if labels.get(k).map(String::as_str) != Some(want) {
                return Some(format!("nodeSelector {k}={want}"));
            }
        }
    }
    let terms = pod
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())?;
    let mut first_failure = None;
    for term in terms {
        let exprs = term
            .get("matchExpressions")
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        let fields = term
            .get("matchFields")
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        let name_labels: BTreeMap<String, String> =
            [("metadata.name".to_string(), node_name.to_string())].into();
        let failed = exprs
            .iter()
            .find(|r| !requirement_holds(r, labels))
            .or_else(|| fields.iter().find(|r| !requirement_holds(r, &name_labels)));
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

fn q(v: &Value, ptr: &str) -> f64 {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .and_then(quantity::parse)
        .unwrap_or(0.0)
}

/// `1.5 CPU`, `0.25 CPU`.
pub fn cpu_text(cores: f64) -> String {
    let s = format!("{cores:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} CPU")
}

/// `512 MiB`, `3.5 GiB`.
pub fn memory_text(bytes: f64) -> String {
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    const MI: f64 = 1024.0 * 1024.0;
    if bytes.abs() >= GI {
        let s = format!("{:.1}", bytes / GI);
        format!("{} GiB", s.trim_end_matches(".0"))
    } else {
        format!("{:.0} MiB", bytes / MI)
    }
}

/// A taint from its text form (`key=value:Effect`, as EKS node groups list them).
fn taint_from_text(text: &str) -> Value {
    let (kv, effect) = text.rsplit_once(':').unwrap_or((text, ""));
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    serde_json::json!({"key": key, "value": value, "effect": effect}).into()
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
pub fn scheduler_reasons(message: &str) -> Vec<String> {
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
pub fn scheduler_message(pod: &Value, events: &[Value]) -> Option<String> {
    let newest = events
        .iter()
        .filter(|e| e.get("reason").and_then(Value::as_str) == Some("FailedScheduling"))
        .max_by_key(|e| {
            ["lastTimestamp", "eventTime", "firstTimestamp"]
                .iter()
                .find_map(|k| e.get(k).and_then(Value::as_str))
                .unwrap_or("")
                .to_string()
        })
        .and_then(|e| e.get("message").and_then(Value::as_str));
    newest
        .or_else(|| {
            pod.pointer("/status/conditions")
                .and_then(Value::as_array)?
                .iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("PodScheduled"))
                .and_then(|c| c.get("message").and_then(Value::as_str))
        })
        .map(str::to_string)
}

/// Explains a pod against the node pools. `pods` are every pod (their requests count on
/// their nodes), `events` the events about this pod.
pub fn explain(
    pod: &Value,
    nodes: &[Value],
    pods: &[Value],
    events: &[Value],
    pool_label: Option<&str>,
    eks: &[NodegroupInfo],
) -> Explanation {
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Unknown")
        .to_string();
    let scheduler = scheduler_message(pod, events);
    let reasons = scheduler
        .as_deref()
        .map(scheduler_reasons)
        .unwrap_or_default();
    let req = pools::pod_requests(pod);

    let mut requested: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for p in pods {
        if matches!(
            p.pointer("/status/phase").and_then(Value::as_str),
            Some("Succeeded" | "Failed")
        ) {
            continue;
        }
        if let Some(n) = p.pointer("/spec/nodeName").and_then(Value::as_str) {
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
        let name = node
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let labels = labels_of(node);
        let untolerated = node
            .pointer("/spec/taints")
            .and_then(Value::as_array)
            .unwrap_or(&[])
            .iter()
            .filter(|t| blocking(t) && !pools::tolerates(pod, t))
            .map(pools::taint_text)
            .collect();
        let used = requested.get(name.as_str()).copied().unwrap_or_default();
        let allocatable = (
            q(node, "/status/allocatable/cpu"),
            q(node, "/status/allocatable/memory"),
        );
        let fit = NodeFit {
            mismatch: label_mismatch(pod, &name, &labels),
            free: (allocatable.0 - used.0, allocatable.1 - used.1),
            allocatable,
            pods_free: q(node, "/status/allocatable/pods") - used.2,
            unschedulable: node.pointer("/spec/unschedulable").and_then(Value::as_bool)
                == Some(true),
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
    pod: &Value,
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
                        let v = taint_from_text(t);
                        blocking(&v) && !pools::tolerates(pod, &v)
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
