//! `ObjectMeta` checked as the real API server checks it (k8s.io/apimachinery's
//! `ValidateObjectMeta`): a field of the wrong type cannot be decoded (400 BadRequest, as
//! for a built-in kind), a value of the right type that breaks the rules is 422 Invalid with
//! one cause per problem (names per kind, label keys and values, annotation keys and total
//! size, namespace, generateName). Written from the documented rules, not copied.

use serde_json::{Value, json};

use super::error::ApiError;
use super::registry::ResourceKind;

/// Annotations may hold at most this many bytes (keys and values).
pub(crate) const ANNOTATIONS_MAX: usize = 256 * 1024;

const LABEL_VALUE_RULE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_RULE: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN_RULE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_RULE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_RULE: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// One invalid field: `(field, detail)`, as a `Status` cause.
pub(crate) type Cause = (String, String);

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 characters.
fn is_name_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// RFC 1123 label: lowercase alphanumerics and '-', at most 63.
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// RFC 1123 subdomain: dot-separated labels, at most 253.
pub(crate) fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Problems of a qualified name (`prefix/name` or `name`), as label and annotation keys.
fn qualified_name_problems(key: &str) -> Vec<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let mut out = Vec::new();
    if name.is_empty() {
        out.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        out.push("name part must be no more than 63 characters".to_string());
    } else if !is_name_part(name) || name.contains('/') {
        out.push(NAME_PART_RULE.to_string());
    }
    if let Some(p) = prefix {
        if p.is_empty() {
            out.push("prefix part must be non-empty".to_string());
        } else if !is_dns1123_subdomain(p) {
            out.push(format!("prefix part {SUBDOMAIN_RULE}"));
        }
    }
    out
}

fn label_value_ok(v: &str) -> bool {
    v.is_empty() || is_name_part(v)
}

/// The name rule of a kind, and its message.
fn name_rule(rt: &ResourceKind) -> (fn(&str) -> bool, &'static str) {
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Namespace") => (is_dns1123_label, LABEL_RULE),
        ("", "Service") => (is_dns1035_label, DNS1035_RULE),
        _ => (is_dns1123_subdomain, SUBDOMAIN_RULE),
    }
}

/// Problems of a name for `rt` (`None` when fine).
pub(crate) fn name_problem(rt: &ResourceKind, name: &str) -> Option<String> {
    if rt.kind == "Node" {
        // Nodes are named as hosts are (also `ip-10-0-1-1.ec2.internal`).
        return (!is_dns1123_subdomain(name))
            .then(|| format!("Invalid value: {}: {SUBDOMAIN_RULE}", json!(name)));
    }
    let (ok, rule) = name_rule(rt);
    (!ok(name)).then(|| format!("Invalid value: {}: {rule}", json!(name)))
}

/// Go's name for a JSON value's type, as `json: cannot unmarshal X` says it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A decode error of the body, as the API server words it for a built-in kind.
fn undecodable(rt: &ResourceKind, got: &Value, field: &str, go_type: &str) -> ApiError {
    ApiError::bad_request(format!(
        "{kind} in version \"{version}\" cannot be handled as a {kind}: json: cannot unmarshal {} into Go struct field {field} of type {go_type}",
        json_type(got),
        kind = rt.kind,
        version = rt.version,
    ))
}

/// Checks the types of `metadata`'s fields: what a typed decode would refuse.
pub(crate) fn check_meta_types(rt: &ResourceKind, obj: &Value) -> Result<(), ApiError> {
    let Some(meta) = obj.get("metadata") else {
        return Ok(());
    };
    let Some(meta) = meta.as_object() else {
        return Err(undecodable(rt, meta, ".metadata", "v1.ObjectMeta"));
    };
    for field in [
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "deletionTimestamp",
    ] {
        if let Some(v) = meta.get(field)
            && !v.is_string()
            && !v.is_null()
        {
            return Err(undecodable(
                rt,
                v,
                &format!("ObjectMeta.metadata.{field}"),
                "string",
            ));
        }
    }
    for field in ["labels", "annotations"] {
        match meta.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                if let Some(bad) = m.values().find(|v| !v.is_string() && !v.is_null()) {
                    return Err(undecodable(
                        rt,
                        bad,
                        &format!("ObjectMeta.metadata.{field}"),
                        "string",
                    ));
                }
            }
            Some(other) => {
                return Err(undecodable(
                    rt,
                    other,
                    &format!("ObjectMeta.metadata.{field}"),
                    "map[string]string",
                ));
            }
        }
    }
    match meta.get("finalizers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            if let Some(bad) = items.iter().find(|v| !v.is_string()) {
                return Err(undecodable(
                    rt,
                    bad,
                    "ObjectMeta.metadata.finalizers",
                    "string",
                ));
            }
        }
        Some(other) => {
            return Err(undecodable(
                rt,
                other,
                "ObjectMeta.metadata.finalizers",
                "[]string",
            ));
        }
    }
    for field in ["ownerReferences", "managedFields"] {
        if let Some(v) = meta.get(field)
            && !v.is_array()
            && !v.is_null()
        {
            return Err(undecodable(
                rt,
                v,
                &format!("ObjectMeta.metadata.{field}"),
                "[]v1.OwnerReference",
            ));
        }
    }
    if let Some(v) = meta.get("generation")
        && !v.is_i64()
        && !v.is_null()
    {
        return Err(undecodable(
            rt,
            v,
            "ObjectMeta.metadata.generation",
            "int64",
        ));
    }
    Ok(())
}

/// Value problems of `metadata` (types already checked): labels, annotations, namespace,
/// generateName. The name is checked by the caller once it is known.
pub(crate) fn meta_causes(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let Some(meta) = obj.get("metadata").and_then(Value::as_object) else {
        return causes;
    };
    if let Some(labels) = meta.get("labels").and_then(Value::as_object) {
        for (k, v) in labels {
            for p in qualified_name_problems(k) {
                causes.push((
                    "metadata.labels".into(),
                    format!("Invalid value: {}: {p}", json!(k)),
                ));
            }
            let v = v.as_str().unwrap_or("");
            if v.len() > 63 {
                causes.push((
                    "metadata.labels".into(),
                    format!(
                        "Invalid value: {}: must be no more than 63 characters",
                        json!(v)
                    ),
                ));
            } else if !label_value_ok(v) {
                causes.push((
                    "metadata.labels".into(),
                    format!("Invalid value: {}: {LABEL_VALUE_RULE}", json!(v)),
                ));
            }
        }
    }
    if let Some(annotations) = meta.get("annotations").and_then(Value::as_object) {
        let mut total = 0usize;
        for (k, v) in annotations {
            total += k.len() + v.as_str().map_or(0, str::len);
            for p in qualified_name_problems(&k.to_ascii_lowercase()) {
                causes.push((
                    "metadata.annotations".into(),
                    format!("Invalid value: {}: {p}", json!(k)),
                ));
            }
        }
        if total > ANNOTATIONS_MAX {
            causes.push((
                "metadata.annotations".into(),
                format!("Too long: may not be more than {ANNOTATIONS_MAX} bytes"),
            ));
        }
    }
    if let Some(ns) = meta.get("namespace").and_then(Value::as_str)
        && !ns.is_empty()
        && !is_dns1123_label(ns)
    {
        causes.push((
            "metadata.namespace".into(),
            format!("Invalid value: {}: {LABEL_RULE}", json!(ns)),
        ));
    }
    if let Some(prefix) = meta.get("generateName").and_then(Value::as_str)
        && !prefix.is_empty()
    {
        // The prefix is checked with a suffix in place, as the server does.
        let candidate = format!("{prefix}x");
        if !is_dns1123_subdomain(&candidate) || prefix.len() > 253 - 5 {
            causes.push((
                "metadata.generateName".into(),
                format!("Invalid value: {}: {SUBDOMAIN_RULE}", json!(prefix)),
            ));
        }
    }
    causes
}

/// A 422 Invalid `Status` listing every cause, as the API server returns it.
pub(crate) fn invalid(rt: &ResourceKind, name: &str, causes: &[Cause]) -> ApiError {
    let text = causes
        .iter()
        .map(|(f, d)| format!("{f}: {d}"))
        .collect::<Vec<_>>();
    let message = if text.len() == 1 {
        format!("{} \"{name}\" is invalid: {}", rt.kind, text[0])
    } else {
        format!("{} \"{name}\" is invalid: [{}]", rt.kind, text.join(", "))
    };
    let mut e = ApiError::invalid(rt, name, &causes[0].0, &causes[0].1);
    e.message = message;
    if let Some(d) = e.details.as_mut() {
        d["causes"] = Value::Array(
            causes
                .iter()
                .map(|(f, d)| json!({"reason": "FieldValueInvalid", "message": d, "field": f}))
                .collect(),
        );
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::registry::Registry;

    fn rt(plural: &str) -> ResourceKind {
        Registry::builtin()
            .lookup("", "v1", plural)
            .cloned()
            .expect("builtin kind")
    }

    #[test]
    fn wrong_types_cannot_be_decoded() {
        let cms = rt("configmaps");
        for (meta, says) in [
            (
                json!({"name": "a", "labels": ["x", "y"]}),
                "cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string",
            ),
            (
                json!({"name": "a", "labels": {"x": 1}}),
                "cannot unmarshal number",
            ),
            (
                json!({"name": "a", "annotations": "x"}),
                "metadata.annotations",
            ),
            (json!({"name": 5}), "metadata.name of type string"),
            (
                json!({"name": "a", "finalizers": "x"}),
                "metadata.finalizers",
            ),
            (json!("meta"), "v1.ObjectMeta"),
        ] {
            let e = check_meta_types(&cms, &json!({"metadata": meta})).expect_err(says);
            assert_eq!(e.code, 400, "{e}");
            assert!(e.message.contains(says), "{e}");
            assert!(
                e.message
                    .starts_with("ConfigMap in version \"v1\" cannot be handled as a ConfigMap"),
                "{e}"
            );
        }
        assert!(
            check_meta_types(
                &cms,
                &json!({"metadata": {"name": "a", "labels": {"x": "y"}}})
            )
            .is_ok()
        );
    }

    #[test]
    fn values_are_checked_like_the_api_server() {
        let ok = json!({"metadata": {"name": "a", "namespace": "demo",
            "labels": {"app.kubernetes.io/name": "web", "tier": "", "x_y.z": "A-1_b.c"},
            "annotations": {"example.com/Anything-Goes": "any value at all!"}}});
        assert_eq!(meta_causes(&ok), vec![]);
        let bad = json!({"metadata": {"name": "a", "namespace": "Demo_NS",
            "labels": {"bad key!": "v", "k": "not valid!", "long": "x".repeat(64), "/nope": "v"},
            "annotations": {"big": "x".repeat(ANNOTATIONS_MAX + 1)},
            "generateName": "Web_"}});
        let causes = meta_causes(&bad);
        let fields: Vec<&str> = causes.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields.iter().filter(|f| **f == "metadata.labels").count(),
            4,
            "{causes:?}"
        );
        assert!(fields.contains(&"metadata.annotations"), "{causes:?}");
        assert!(fields.contains(&"metadata.namespace"), "{causes:?}");
        assert!(fields.contains(&"metadata.generateName"), "{causes:?}");
        let e = invalid(&rt("configmaps"), "a", &causes);
        assert_eq!(e.code, 422);
        assert_eq!(e.reason, "Invalid");
        let details = e.details.expect("details");
        assert_eq!(
            details["causes"].as_array().map(Vec::len),
            Some(causes.len())
        );
        assert!(
            e.message.starts_with("ConfigMap \"a\" is invalid: ["),
            "{}",
            e.message
        );
    }

    #[test]
    fn names_follow_the_kind() {
        assert!(name_problem(&rt("configmaps"), "web.v1-a").is_none());
        assert!(name_problem(&rt("configmaps"), "Web").is_some());
        assert!(
            name_problem(&rt("namespaces"), "a.b").is_some(),
            "namespaces are labels"
        );
        assert!(
            name_problem(&rt("services"), "1web").is_some(),
            "services are DNS-1035"
        );
        assert!(name_problem(&rt("services"), "web-1").is_none());
        assert!(name_problem(&rt("configmaps"), &"a".repeat(254)).is_some());
    }
}
