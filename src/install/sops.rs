//! `.sops.yaml` in the GitOps repository: one `creation_rules` entry per environment
//! (`path_regex` → age recipient). Other rules and keys are preserved; only the rule with
//! this environment's `path_regex` is added or updated. (Comments in the file are not kept.)

use serde_json::{Map, Value, json};

use super::InstallError;

/// The files of an environment that sops encrypts with its key.
pub(crate) fn path_regex(environment: &str) -> String {
    format!("environments/{environment}/.*secrets.*\\.ya?ml$")
}

/// The `.sops.yaml` content with the environment's rule; `None` when `existing` already has it.
pub(crate) fn updated(
    existing: Option<&str>,
    environment: &str,
    recipient: &str,
) -> Result<Option<String>, InstallError> {
    let mut doc = match existing {
        Some(text) if !text.trim().is_empty() => serde_saphyr::from_str::<Value>(text)
            .map_err(|e| InstallError::Invalid(format!(".sops.yaml is not valid YAML: {e}")))?,
        _ => Value::Object(Map::new()),
    };
    if doc.is_null() {
        doc = Value::Object(Map::new());
    }
    let Some(root) = doc.as_object_mut() else {
        return Err(InstallError::Invalid(
            ".sops.yaml: the top level is not a mapping".into(),
        ));
    };
    let rules = root
        .entry("creation_rules")
        .or_insert_with(|| Value::Array(Vec::new()));
    if rules.is_null() {
        *rules = Value::Array(Vec::new());
    }
    let Some(rules) = rules.as_array_mut() else {
        return Err(InstallError::Invalid(
            ".sops.yaml: creation_rules is not a list".into(),
        ));
    };
    let regex = path_regex(environment);
    let existing_rule = rules
        .iter_mut()
        .find(|r| r.get("path_regex").and_then(Value::as_str) == Some(regex.as_str()));
    match existing_rule {
        Some(rule) => {
            if rule.get("age").and_then(Value::as_str) == Some(recipient) {
                return Ok(None);
            }
            if let Some(obj) = rule.as_object_mut() {
                obj.insert("age".into(), Value::String(recipient.into()));
            }
        }
        None => rules.push(json!({"path_regex": regex, "age": recipient})),
    }
    serde_saphyr::to_string(&doc)
        .map(Some)
        .map_err(|e| InstallError::Invalid(format!("serialize .sops.yaml: {e}")))
}

/// Whether `text` has the environment's rule with `recipient`.
pub(crate) fn has_rule(text: &str, environment: &str, recipient: &str) -> bool {
    matches!(updated(Some(text), environment, recipient), Ok(None))
}

#[cfg(test)]
mod tests {
    use super::*;

    const R1: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    const R2: &str = "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg";

    #[test]
    fn creates_updates_and_preserves_other_rules() {
        let fresh = updated(None, "dev", R1).expect("ok").expect("changed");
        assert!(has_rule(&fresh, "dev", R1));
        let other = "creation_rules:\n  - path_regex: legacy/.*\n    pgp: ABCDEF\nstores:\n  yaml:\n    indent: 2\n";
        let text = updated(Some(other), "prod", R2)
            .expect("ok")
            .expect("changed");
        let v: Value = serde_saphyr::from_str(&text).expect("yaml");
        assert_eq!(v["creation_rules"][0]["pgp"], "ABCDEF");
        assert_eq!(v["creation_rules"][1]["age"], R2);
        assert_eq!(v["stores"]["yaml"]["indent"], 2);
        assert_eq!(updated(Some(&text), "prod", R2).expect("ok"), None);
        let changed = updated(Some(&text), "prod", R1)
            .expect("ok")
            .expect("changed");
        let v: Value = serde_saphyr::from_str(&changed).expect("yaml");
        assert_eq!(v["creation_rules"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["creation_rules"][1]["age"], R1);
    }

    #[test]
    fn rejects_non_mapping() {
        assert!(updated(Some("- a\n- b\n"), "dev", R1).is_err());
    }
}
