//! What the YAML view shows of a Secret: the keys of `data` and `stringData` with the size
//! of each value instead of the value (as `kubectl describe secret` does), and no
//! `last-applied-configuration` annotation (it holds the values too). Everything else of the
//! object shows as it is.

use serde_json::Value;

use crate::sources::object::Obj;

/// The annotation `kubectl apply` keeps the whole applied object in.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The object to render for display: `None` when it is not a Secret (show it as it is).
pub fn secret_for_display(obj: &Obj) -> Option<Value> {
    let types = obj.types.as_ref()?;
    if types.kind != "Secret" || types.api_version != "v1" {
        return None;
    }
    let mut v = obj.to_json();
    if let Some(Value::Object(data)) = v.get_mut("data") {
        for value in data.values_mut() {
            let size = value.as_str().map(base64_size).unwrap_or(0);
            *value = Value::String(hidden(size));
        }
    }
    if let Some(Value::Object(data)) = v.get_mut("stringData") {
        for value in data.values_mut() {
            let size = value.as_str().map_or(0, str::len);
            *value = Value::String(hidden(size));
        }
    }
    if let Some(Value::Object(annotations)) = v.pointer_mut("/metadata/annotations")
        && let Some(a) = annotations.get_mut(LAST_APPLIED)
    {
        *a = Value::String("(hidden: it holds the Secret's values)".into());
    }
    Some(v)
}

fn hidden(bytes: usize) -> String {
    format!("(hidden, {bytes} bytes)")
}

/// Bytes a base64 text decodes to (padding and line breaks allowed).
fn base64_size(text: &str) -> usize {
    let chars = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .count();
    chars * 3 / 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_values_become_sizes() {
        let obj = Obj::from_json(json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "k", "namespace": "argo", "annotations": {
                LAST_APPLIED: "{\"data\":{\"key.txt\":\"QUdFLVNFQ1JFVC1LRVk=\"}}",
                "team": "platform"
            }},
            "type": "Opaque",
            "data": {"key.txt": "QUdFLVNFQ1JFVC1LRVk="},
            "stringData": {"token": "abc"}
        }))
        .unwrap();
        let v = secret_for_display(&obj).expect("a Secret");
        assert_eq!(v["data"]["key.txt"], "(hidden, 14 bytes)");
        assert_eq!(v["stringData"]["token"], "(hidden, 3 bytes)");
        assert_eq!(v["metadata"]["annotations"]["team"], "platform");
        assert!(!v.to_string().contains("QUdF"), "{v}");
        assert_eq!(v["type"], "Opaque");
    }

    #[test]
    fn other_kinds_are_left_alone() {
        let obj = Obj::from_json(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c"}, "data": {"a": "b"}
        }))
        .unwrap();
        assert!(secret_for_display(&obj).is_none());
    }
}
