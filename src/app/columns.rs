//! Table columns for any kind: built-in columns for common kinds (as kubectl prints them),
//! CRD `additionalPrinterColumns` through the JSONPath subset, NAME/NAMESPACE/AGE.

use crate::model::object::Obj;
use crate::model::object::Value;
use jiff::Timestamp;

mod builtin;

use builtin::builtin_columns;
pub(crate) use builtin::pod_status;

use super::jsonpath::{JsonPath, scalar_text};
use crate::model::ResourceKind;

/// How a cell should look; the UI maps tones to theme slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Ok,
    Warn,
    Error,
    Muted,
}

/// After the name of an object that could not be read whole.
pub(crate) const INVALID_MARK: &str = "⚠ invalid";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Normal,
        }
    }
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ColumnKind {
    Namespace,
    Name,
    /// Age of `metadata.creationTimestamp`.
    Age,
    /// A JSONPath; `date` columns print as ages; `toned` colours status words.
    Path {
        path: JsonPath,
        date: bool,
        toned: bool,
    },
    Builtin(fn(&Obj, Timestamp) -> Cell),
    /// A built-in cell whose text reads the clock (an age), so that an order or a filter on
    /// it is recomputed as time passes.
    Clock(fn(&Obj, Timestamp) -> Cell),
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

impl Column {
    fn new(name: &str, kind: ColumnKind) -> Column {
        Column {
            name: name.to_string(),
            kind,
        }
    }

    fn path(name: &str, path: &str) -> Column {
        let toned = is_status_like(name);
        match JsonPath::parse(path) {
            Ok(path) => Column::new(
                name,
                ColumnKind::Path {
                    path,
                    date: false,
                    toned,
                },
            ),
            Err(_) => Column::new(name, ColumnKind::Builtin(|_, _| Cell::new("<bad path>"))),
        }
    }

    pub fn cell(&self, obj: &Obj, now: Timestamp) -> Cell {
        match &self.kind {
            ColumnKind::Namespace => Cell::new(obj.metadata.namespace.clone().unwrap_or_default()),
            ColumnKind::Name => {
                let name = obj.metadata.name.clone().unwrap_or_default();
                match &obj.invalid {
                    // An object the server sent with fields of the wrong type: shown, and
                    // marked (describe says what could not be read).
                    Some(_) => Cell::toned(format!("{name} {INVALID_MARK}"), Tone::Error),
                    None => Cell::new(name),
                }
            }
            ColumnKind::Age => Cell::new(
                obj.metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| age(t.0, now))
                    .unwrap_or_else(|| "<unknown>".into()),
            ),
            ColumnKind::Path { path, date, toned } => {
                let text = eval_on_object(path, obj);
                if *date {
                    return Cell::new(match text.parse::<Timestamp>() {
                        Ok(t) => age(t, now),
                        Err(_) => text,
                    });
                }
                let tone = if *toned {
                    tone_for(&text)
                } else {
                    Tone::Normal
                };
                Cell::toned(text, tone)
            }
            ColumnKind::Builtin(f) | ColumnKind::Clock(f) => f(obj, now),
        }
    }
}

/// Evaluates a path on an object; `metadata` paths see the object's metadata.
pub(crate) fn eval_on_object(path: &JsonPath, obj: &Obj) -> String {
    if path.first_field() == Some("metadata") {
        let meta = serde_json::to_value(&obj.metadata).unwrap_or_default();
        path.render(&Value::from(serde_json::json!({ "metadata": meta })))
    } else {
        path.render(&obj.data)
    }
}

fn is_status_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["status", "health", "sync", "phase", "state", "ready"]
        .iter()
        .any(|w| n.contains(w))
}

/// Colours well-known status words.
pub(crate) fn tone_for(text: &str) -> Tone {
    let t = text.to_ascii_lowercase();
    const OK: &[&str] = &[
        "running",
        "ready",
        "healthy",
        "synced",
        "bound",
        "active",
        "true",
        "succeeded",
        "completed",
        "available",
        "established",
        "cluster in healthy state",
    ];
    const WARN: &[&str] = &[
        "pending",
        "progressing",
        "outofsync",
        "unknown",
        "terminating",
        "containercreating",
        "podinitializing",
        "suspended",
        "switchover in progress",
        "failing over",
        "upgrading cluster",
        "setting up primary",
        "waiting for the instances to become active",
    ];
    const ERR: &[&str] = &[
        "failed",
        "error",
        "crashloopbackoff",
        "degraded",
        "notready",
        "missing",
        "false",
        "imagepullbackoff",
        "errimagepull",
        "oomkilled",
        "evicted",
        "lost",
    ];
    if OK.contains(&t.as_str()) {
        Tone::Ok
    } else if WARN.contains(&t.as_str()) || t.starts_with("init:") {
        Tone::Warn
    } else if ERR.contains(&t.as_str()) || t.contains("backoff") || t.contains("failover") {
        if t.contains("failover") {
            Tone::Warn
        } else {
            Tone::Error
        }
    } else {
        Tone::Normal
    }
}

/// kubectl's human duration (`45s`, `3m20s`, `12m`, `5h3m`, `20h`, `3d4h`, `45d`, `2y30d`);
/// a time in the future reads `0s`.
pub(crate) fn age(since: Timestamp, now: Timestamp) -> String {
    crate::domain::duration::human_duration((now.as_second() - since.as_second()).max(0))
}

/// The columns of a kind's table. `all_namespaces` adds NAMESPACE first for namespaced kinds.
pub(crate) fn columns_for(kind: &ResourceKind, all_namespaces: bool) -> Vec<Column> {
    let mut cols = Vec::new();
    if kind.namespaced && all_namespaces {
        cols.push(Column::new("NAMESPACE", ColumnKind::Namespace));
    }
    cols.push(Column::new("NAME", ColumnKind::Name));
    let mut has_age = false;
    if let Some(builtin) = builtin_columns(&kind.full_name()) {
        cols.extend(builtin);
    } else {
        for pc in kind.printer_columns.iter().filter(|c| c.priority == 0) {
            let name = pc.name.to_ascii_uppercase();
            if pc.type_ == "date"
                && pc
                    .json_path
                    .trim_start_matches('{')
                    .starts_with(".metadata.creationTimestamp")
            {
                has_age = true;
                cols.push(Column::new(&name, ColumnKind::Age));
                continue;
            }
            match JsonPath::parse(&pc.json_path) {
                Ok(path) => cols.push(Column::new(
                    &name,
                    ColumnKind::Path {
                        path,
                        date: pc.type_ == "date",
                        toned: is_status_like(&name),
                    },
                )),
                Err(e) => tracing::warn!("printer column {} of {}: {e}", pc.name, kind.full_name()),
            }
        }
    }
    if !has_age {
        cols.push(Column::new("AGE", ColumnKind::Age));
    }
    cols
}

/// The text a filter matches against: every cell except ages.
pub(crate) fn row_text(cols: &[Column], obj: &Obj, now: Timestamp) -> String {
    cols.iter()
        .filter(|c| !matches!(c.kind, ColumnKind::Age))
        .map(|c| c.cell(obj, now).text)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A field of an object by a dotted path, for field selectors (`spec.nodeName`).
pub(crate) fn field_value(obj: &Obj, dotted: &str) -> String {
    match dotted {
        "metadata.name" => obj.metadata.name.clone().unwrap_or_default(),
        "metadata.namespace" => obj.metadata.namespace.clone().unwrap_or_default(),
        _ => {
            let mut x = &obj.data;
            for p in dotted.split('.') {
                x = &x[p];
            }
            scalar_text(x)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Catalog, PrinterColumn};

    fn obj(v: serde_json::Value) -> Obj {
        serde_json::from_value(v).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn ages_like_kubectl() {
        let now = ts("2025-01-10T12:00:00Z");
        let cases = [
            (5, "5s"),
            (119, "119s"),
            (200, "3m20s"),
            (600, "10m"),
            (2 * 3600, "120m"),
            (5 * 3600 + 180, "5h3m"),
            (20 * 3600, "20h"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (45 * 86400, "45d"),
            (800 * 86400, "2y70d"),
        ];
        for (secs, want) in cases {
            let since = Timestamp::from_second(now.as_second() - secs).unwrap();
            assert_eq!(age(since, now), want, "{secs}s");
        }
    }

    #[test]
    fn pod_columns() {
        let kind = Catalog::builtin().resolve("pods").unwrap();
        let cols = columns_for(&kind, true);
        let names: Vec<_> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "NAMESPACE",
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "IP",
                "NODE",
                "AGE"
            ]
        );
        let pod = obj(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2025-01-10T11:00:00Z"},
            "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 1, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }));
        let now = ts("2025-01-10T12:00:00Z");
        let cells: Vec<Cell> = cols.iter().map(|c| c.cell(&pod, now)).collect();
        let texts: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "shop",
                "web-1",
                "1/2",
                "CrashLoopBackOff",
                "3",
                "10.0.0.5",
                "n1",
                "60m"
            ]
        );
        assert_eq!(cells[3].tone, Tone::Error);
        assert_eq!(cells[2].tone, Tone::Warn);
    }

    #[test]
    fn unschedulable_pod_shows_the_schedulers_reason_where_its_node_would_be() {
        let kind = Catalog::builtin().resolve("pods").unwrap();
        let cols = columns_for(&kind, false);
        let at = |name: &str| cols.iter().position(|c| c.name == name).unwrap();
        let message = "0/6 nodes are available: 3 node(s) had untolerated taint {workload-type: database}, 3 node(s) didn't match Pod's node affinity/selector.";
        let pod = obj(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "needs-db"},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable", "message": message}]}
        }));
        let now = ts("2025-01-10T12:00:00Z");
        assert_eq!(cols[at("STATUS")].cell(&pod, now).text, "Pending");
        let node = cols[at("NODE")].cell(&pod, now);
        assert_eq!(node.text, format!("<Unschedulable> {message}"));
        assert_eq!(node.tone, Tone::Warn);
        // The filter sees it too (`/untolerated`).
        assert!(row_text(&cols, &pod, now).contains("untolerated taint"));

        // Scheduled, or Pending without a verdict yet: the node (or nothing), as kubectl.
        let scheduled = obj(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"nodeName": "n1", "containers": [{"name": "c"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}
        }));
        assert_eq!(cols[at("NODE")].cell(&scheduled, now).text, "n1");
        let fresh = obj(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Pending"}
        }));
        assert_eq!(cols[at("NODE")].cell(&fresh, now).text, "");
    }

    #[test]
    fn pod_status_variants() {
        let base = |status: serde_json::Value, deleting: bool| {
            let mut v = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "a"}]}, "status": status});
            if deleting {
                v["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z".into();
            }
            pod_status(&obj(v))
        };
        assert_eq!(
            base(serde_json::json!({"phase": "Pending"}), false),
            "Pending"
        );
        assert_eq!(
            base(serde_json::json!({"phase": "Running"}), true),
            "Terminating"
        );
        assert_eq!(
            base(
                serde_json::json!({"phase": "Pending", "initContainerStatuses": [{"state": {"running": {}}}]}),
                false
            ),
            "Init:0/1"
        );
        assert_eq!(
            base(
                serde_json::json!({"phase": "Failed", "containerStatuses": [{"state": {"terminated": {"exitCode": 137}}}]}),
                false
            ),
            "ExitCode:137"
        );
        assert_eq!(
            base(
                serde_json::json!({"phase": "Succeeded", "containerStatuses": [{"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]}),
                false
            ),
            "Completed"
        );
    }

    #[test]
    fn crd_printer_columns() {
        let mut kind = (*Catalog::builtin().resolve("pods").unwrap()).clone();
        kind.group = "argoproj.io".into();
        kind.plural = "applications".into();
        kind.printer_columns = vec![
            PrinterColumn {
                name: "Sync Status".into(),
                json_path: ".status.sync.status".into(),
                type_: "string".into(),
                priority: 0,
                ..PrinterColumn::default()
            },
            PrinterColumn {
                name: "Health Status".into(),
                json_path: ".status.health.status".into(),
                type_: "string".into(),
                priority: 0,
                ..PrinterColumn::default()
            },
            PrinterColumn {
                name: "Revision".into(),
                json_path: ".status.sync.revision".into(),
                type_: "string".into(),
                priority: 10,
                ..PrinterColumn::default()
            },
            PrinterColumn {
                name: "Age".into(),
                json_path: ".metadata.creationTimestamp".into(),
                type_: "date".into(),
                priority: 0,
                ..PrinterColumn::default()
            },
        ];
        let cols = columns_for(&kind, false);
        let names: Vec<_> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["NAME", "SYNC STATUS", "HEALTH STATUS", "AGE"]);
        let app = obj(
            serde_json::json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "cnpg", "namespace": "argocd", "creationTimestamp": "2025-01-10T11:59:00Z"},
            "status": {"sync": {"status": "OutOfSync"}, "health": {"status": "Degraded"}}}),
        );
        let now = ts("2025-01-10T12:00:00Z");
        let cells: Vec<Cell> = cols.iter().map(|c| c.cell(&app, now)).collect();
        assert_eq!(cells[1], Cell::toned("OutOfSync", Tone::Warn));
        assert_eq!(cells[2], Cell::toned("Degraded", Tone::Error));
        assert_eq!(cells[3].text, "60s");
    }

    #[test]
    fn unknown_kind_gets_name_and_age() {
        let mut kind = (*Catalog::builtin().resolve("pods").unwrap()).clone();
        kind.plural = "widgets".into();
        kind.group = "example.com".into();
        let names: Vec<_> = columns_for(&kind, false)
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(names, ["NAME", "AGE"]);
    }
}
