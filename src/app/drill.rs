//! Where Enter leads from a row: namespace → its pods, workload → its pods (by selector),
//! node → its pods (field selector), service → its pods, pod → containers, else describe.

use crate::model::object::{Obj, Value};

use crate::model::ResourceKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Drill {
    /// A table of `kind` in a scope; `title` explains the scope in the breadcrumb.
    Table {
        kind: String,
        namespace: Option<String>,
        labels: Option<String>,
        fields: Option<String>,
        title: String,
    },
    Containers,
    Describe,
}

fn selector_string(v: &Value) -> Option<String> {
    let map = v.as_object()?;
    if map.is_empty() {
        return None;
    }
    Some(
        map.iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Label selector of a workload: `matchLabels` (and `In` expressions with one value).
fn workload_selector(obj: &Obj) -> Option<String> {
    let sel = &obj.data["spec"]["selector"];
    let mut parts: Vec<String> = selector_string(&sel["matchLabels"]).into_iter().collect();
    for e in sel["matchExpressions"].as_array().into_iter().flatten() {
        let key = e["key"].as_str()?;
        match (e["operator"].as_str()?, e["values"].as_array()) {
            ("In", Some([one])) => parts.push(format!("{key}={}", one.as_str()?)),
            ("Exists", _) => parts.push(key.to_string()),
            ("DoesNotExist", _) => parts.push(format!("!{key}")),
            _ => {}
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(","))
    }
}

pub(crate) fn drill(kind: &ResourceKind, obj: &Obj) -> Drill {
    let name = obj.metadata.name.clone().unwrap_or_default();
    let ns = obj.metadata.namespace.clone();
    let pods = |namespace: Option<String>,
                labels: Option<String>,
                fields: Option<String>,
                title: String| Drill::Table {
        kind: "pods".into(),
        namespace,
        labels,
        fields,
        title,
    };
    match kind.full_name().as_str() {
        "namespaces" => pods(Some(name.clone()), None, None, format!("namespace {name}")),
        "nodes" => pods(
            None,
            None,
            Some(format!("spec.nodeName={name}")),
            format!("node {name}"),
        ),
        "pods" => Drill::Containers,
        "deployments.apps" | "statefulsets.apps" | "daemonsets.apps" | "replicasets.apps"
        | "jobs.batch" => match workload_selector(obj) {
            Some(sel) => pods(ns, Some(sel), None, format!("{} {name}", kind.singular)),
            None => Drill::Describe,
        },
        "services" => match selector_string(&obj.data["spec"]["selector"]) {
            Some(sel) => pods(ns, Some(sel), None, format!("service {name}")),
            None => Drill::Describe,
        },
        "clusters.postgresql.cnpg.io" => pods(
            ns,
            Some(format!("cnpg.io/cluster={name}")),
            None,
            format!("cluster {name}"),
        ),
        _ => Drill::Describe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Catalog;

    fn obj(v: serde_json::Value) -> Obj {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn targets() {
        let c = Catalog::builtin();
        let ns = obj(
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        );
        assert_eq!(
            drill(&c.resolve("ns").unwrap(), &ns),
            Drill::Table {
                kind: "pods".into(),
                namespace: Some("shop".into()),
                labels: None,
                fields: None,
                title: "namespace shop".into()
            }
        );
        let node = obj(
            serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ip-10-0-1-5"}}),
        );
        assert_eq!(
            drill(&c.resolve("no").unwrap(), &node),
            Drill::Table {
                kind: "pods".into(),
                namespace: None,
                labels: None,
                fields: Some("spec.nodeName=ip-10-0-1-5".into()),
                title: "node ip-10-0-1-5".into()
            }
        );
        let deploy = obj(
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "web", "tier": "fe"},
                "matchExpressions": [{"key": "track", "operator": "In", "values": ["stable"]}]}}}),
        );
        assert_eq!(
            drill(&c.resolve("deploy").unwrap(), &deploy),
            Drill::Table {
                kind: "pods".into(),
                namespace: Some("shop".into()),
                labels: Some("app=web,tier=fe,track=stable".into()),
                fields: None,
                title: "deployment web".into()
            }
        );
        let svc = obj(
            serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "shop"}, "spec": {}}),
        );
        assert_eq!(drill(&c.resolve("svc").unwrap(), &svc), Drill::Describe);
        let pod =
            obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}));
        assert_eq!(drill(&c.resolve("po").unwrap(), &pod), Drill::Containers);
        let cm = obj(
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
        );
        assert_eq!(drill(&c.resolve("cm").unwrap(), &cm), Drill::Describe);
    }
}
