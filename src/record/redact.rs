//! Redaction of secrets before anything reaches a recording file.
//!
//! Rules (documented in recordings/README.md):
//! - Secret `data` and `stringData` values are replaced by [`MARKER_B64`] / [`MARKER`], and
//!   the object gets the annotation `opsdeck.dev/redacted: "true"`;
//! - the `kubectl.kubernetes.io/last-applied-configuration` annotation of a Secret is
//!   dropped (it holds the data in clear), and `metadata.managedFields` of every object
//!   (it can name secret keys and is noise in a recording);
//! - ConfigMap values whose key looks like a credential ([`is_credential_key`]) or whose
//!   content looks like one ([`looks_secret`]) are replaced by [`MARKER`];
//! - container `env` values whose name looks like a credential, or whose value looks like
//!   one, are replaced by [`MARKER`] (`valueFrom.secretKeyRef` references stay: they hold
//!   no secret);
//! - any other string value that looks like a private key, a token or kubeconfig
//!   credentials is replaced by [`MARKER`].

use serde_json::{Value, json};

/// What replaces a redacted value.
pub(crate) const MARKER: &str = "<redacted by opsdeck>";
/// Base64 of [`MARKER`], for Secret `data` (which must stay base64).
pub const MARKER_B64: &str = "PHJlZGFjdGVkIGJ5IG9wc2RlY2s+";

const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "credential",
    "private",
    "privatekey",
    "client-key",
    "auth",
    "kubeconfig",
    "sops",
    "age-key",
    ".pem",
    ".key",
    "key.txt",
];

/// Whether a key name looks like it holds a credential.
pub(crate) fn is_credential_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    CREDENTIAL_WORDS.iter().any(|w| k.contains(w))
}

/// Whether a value looks like a credential whatever its key: private keys, age or
/// bearer tokens, kubeconfig credentials — also when base64-encoded (once or twice), as a
/// key pasted into a ConfigMap or a Helm value often is.
pub(crate) fn looks_secret(value: &str) -> bool {
    looks_secret_plain(value) || encoded_secret(value, 2)
}

/// Whether a base64 run of `value` decodes to something that looks like a credential.
fn encoded_secret(value: &str, depth: u8) -> bool {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    if depth == 0 {
        return false;
    }
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_');
    value
        .split(|c: char| !is_b64(c))
        .filter(|run| run.len() >= 16)
        .any(|run| {
            [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
                .iter()
                .filter_map(|engine| engine.decode(run).ok())
                .any(|bytes| {
                    let text = String::from_utf8_lossy(&bytes);
                    looks_secret_plain(&text) || encoded_secret(&text, depth - 1)
                })
        })
}

fn looks_secret_plain(value: &str) -> bool {
    const SIGNS: &[&str] = &[
        "-----BEGIN",
        "AGE-SECRET-KEY-",
        "client-key-data:",
        "client-certificate-data:",
        "token:",
        "password:",
        "eyJhbGciOi",
        "aws_secret_access_key",
    ];
    SIGNS.iter().any(|s| value.contains(s))
}

fn redact_strings(v: &mut Value) {
    match v {
        Value::String(s) if looks_secret(s) => *s = MARKER.to_string(),
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

fn redact_env(containers: Option<&mut Value>) {
    let Some(Value::Array(containers)) = containers else {
        return;
    };
    for c in containers {
        let Some(Value::Array(env)) = c.get_mut("env") else {
            continue;
        };
        for e in env {
            let name = e
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if let Some(Value::String(value)) = e.get_mut("value")
                && (is_credential_key(&name) || looks_secret(value))
            {
                *value = MARKER.to_string();
            }
        }
    }
}

fn annotate(obj: &mut Value) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        let ann = meta.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = ann.as_object_mut() {
            a.insert("opsdeck.dev/redacted".into(), json!("true"));
        }
    }
}

/// Redacts an object in place, following the module's rules.
pub fn redact(obj: &mut Value) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    match (api_version, kind) {
        ("v1", "Secret") => {
            if let Some(ann) = obj
                .pointer_mut("/metadata/annotations")
                .and_then(Value::as_object_mut)
            {
                ann.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
            for (field, marker) in [("data", MARKER_B64), ("stringData", MARKER)] {
                if let Some(Value::Object(data)) = obj.get_mut(field) {
                    data.values_mut().for_each(|v| *v = json!(marker));
                }
            }
            annotate(obj);
        }
        ("v1", "ConfigMap") => {
            let mut redacted = false;
            if let Some(Value::Object(data)) = obj.get_mut("data") {
                for (k, v) in data.iter_mut() {
                    let secret = is_credential_key(k) || v.as_str().is_some_and(looks_secret);
                    if secret {
                        *v = json!(MARKER);
                        redacted = true;
                    }
                }
            }
            if let Some(Value::Object(data)) = obj.get_mut("binaryData") {
                let keys: Vec<String> = data
                    .iter()
                    .filter(|(k, v)| is_credential_key(k) || v.as_str().is_some_and(looks_secret))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in keys {
                    data.insert(k, json!(MARKER_B64));
                    redacted = true;
                }
            }
            if redacted {
                annotate(obj);
            }
        }
        _ => {}
    }
    for path in [
        "/spec",
        "/spec/template/spec",
        "/spec/jobTemplate/spec/template/spec",
    ] {
        if let Some(spec) = obj.pointer_mut(path) {
            redact_env(spec.get_mut("containers"));
            redact_env(spec.get_mut("initContainers"));
        }
    }
    redact_strings(obj);
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLANTED: &str = "AGE-SECRET-KEY-1PLANTEDSECRETNEVERTOBESEEN";

    #[test]
    fn secret_data_never_survives() {
        let mut s = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "helm-secrets-private-keys", "namespace": "argo",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": format!("{{\"stringData\":{{\"key.txt\":\"{PLANTED}\"}}}}")},
                "managedFields": [{"manager": "kubectl"}]},
            "data": {"key.txt": "QUdFLVNFQ1JFVC1LRVktMVBMQU5URUQ="},
            "stringData": {"other": PLANTED},
        });
        redact(&mut s);
        let text = s.to_string();
        assert!(!text.contains(PLANTED), "{text}");
        assert!(!text.contains("QUdFLVNFQ1JFVC1LRVktMVBMQU5URUQ="));
        assert_eq!(s["data"]["key.txt"], MARKER_B64);
        assert_eq!(s["metadata"]["annotations"]["opsdeck.dev/redacted"], "true");
        assert!(s["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn marker_b64_decodes_to_marker() {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(MARKER_B64)
            .expect("valid base64");
        assert_eq!(decoded, MARKER.as_bytes());
    }

    #[test]
    fn configmap_credentials_and_env_values() {
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
            "data": {"DB_PASSWORD": "hunter2", "log-level": "info", "kubeconfig-ish": "users:\n- user:\n    token: abc"}});
        redact(&mut cm);
        assert_eq!(cm["data"]["DB_PASSWORD"], MARKER);
        assert_eq!(cm["data"]["log-level"], "info");
        assert_eq!(cm["data"]["kubeconfig-ish"], MARKER);
        let mut deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "env": [
                {"name": "API_TOKEN", "value": "t0k3n"},
                {"name": "MODE", "value": "prod"},
                {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}]}}}});
        redact(&mut deploy);
        let env = &deploy["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(env[0]["value"], MARKER);
        assert_eq!(env[1]["value"], "prod");
        assert_eq!(env[2]["valueFrom"]["secretKeyRef"]["key"], "k");
    }

    #[test]
    fn base64_encoded_keys_in_configmaps_are_redacted() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let once = b64(&format!(
            "# created: 2026-01-01\n# public key: age1xyz\n{PLANTED}\n"
        ));
        let twice = b64(&once);
        let pem = b64("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n");
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
            "data": {"backup": once.clone(), "nested": twice.clone(),
                     "values.yaml": format!("sops:\n  ageKey: {}\n", b64(PLANTED)),
                     "deploy": pem, "plain": "aGVsbG8gd29ybGQsIG5vdGhpbmcgdG8gc2VlIGhlcmU="},
            "binaryData": {"blob": once.clone()}});
        redact(&mut cm);
        let text = cm.to_string();
        assert!(!text.contains(&once) && !text.contains(&twice), "{text}");
        for k in ["backup", "nested", "values.yaml", "deploy"] {
            assert_eq!(cm["data"][k], MARKER, "{k}");
        }
        assert_eq!(cm["binaryData"]["blob"], MARKER_B64);
        // Base64 of something harmless stays.
        assert_eq!(
            cm["data"]["plain"],
            "aGVsbG8gd29ybGQsIG5vdGhpbmcgdG8gc2VlIGhlcmU="
        );
        assert_eq!(
            cm["metadata"]["annotations"]["opsdeck.dev/redacted"],
            "true"
        );
    }

    #[test]
    fn private_keys_anywhere_are_redacted() {
        let mut obj = json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"},
            "spec": {"nested": ["-----BEGIN PRIVATE KEY-----\nMIIE...", "plain"]}});
        redact(&mut obj);
        assert_eq!(obj["spec"]["nested"][0], MARKER);
        assert_eq!(obj["spec"]["nested"][1], "plain");
    }
}
