//! The parts of `argocd-cm` that decide how waves between Applications behave.

use std::collections::BTreeMap;

use crate::model::object::Value;

/// Key of the health customization that makes parents wait for child Applications.
pub(crate) const APP_HEALTH_KEY: &str = "resource.customizations.health.argoproj.io_Application";
/// The pre-1.8 style: one YAML document of all customizations.
pub(crate) const LEGACY_CUSTOMIZATIONS_KEY: &str = "resource.customizations";
/// Label key used by label-based tracking.
pub(crate) const INSTANCE_LABEL_KEY: &str = "application.instanceLabelKey";
/// `label`, `annotation` or `annotation+label`.
pub(crate) const TRACKING_METHOD_KEY: &str = "application.resourceTrackingMethod";

/// Where the Application health check was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HealthCheckSource {
    /// `resource.customizations.health.argoproj.io_Application`.
    Key,
    /// `argoproj.io/Application: health.lua` inside `resource.customizations`.
    Legacy,
}

/// What opsdeck reads from `argocd-cm`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArgoCdConfig {
    /// Where the `argoproj.io/Application` health check is defined, if anywhere.
    pub(crate) app_health_check: Option<HealthCheckSource>,
    /// `application.instanceLabelKey` when set.
    pub(crate) instance_label_key: Option<String>,
    /// `application.resourceTrackingMethod` when set.
    pub(crate) tracking_method: Option<String>,
}

impl ArgoCdConfig {
    /// From the ConfigMap's `data`.
    pub(crate) fn from_data(data: &BTreeMap<String, String>) -> ArgoCdConfig {
        let get = |k: &str| {
            data.get(k)
                .map(String::as_str)
                .filter(|v| !v.trim().is_empty())
        };
        let app_health_check = if get(APP_HEALTH_KEY).is_some() {
            Some(HealthCheckSource::Key)
        } else if get(LEGACY_CUSTOMIZATIONS_KEY).is_some_and(legacy_has_app_health) {
            Some(HealthCheckSource::Legacy)
        } else {
            None
        };
        ArgoCdConfig {
            app_health_check,
            instance_label_key: get(INSTANCE_LABEL_KEY).map(|s| s.trim().to_string()),
            tracking_method: get(TRACKING_METHOD_KEY).map(|s| s.trim().to_string()),
        }
    }

    /// From the ConfigMap's body (`data` and the rest, without metadata).
    pub fn from_configmap(cm: &Value) -> ArgoCdConfig {
        let data: BTreeMap<String, String> = cm
            .get("data")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        ArgoCdConfig::from_data(&data)
    }

    /// Parents wait for child Applications to be healthy before the next wave.
    pub fn has_app_health_check(&self) -> bool {
        self.app_health_check.is_some()
    }

    /// A configuration with the Application health check (tests and fixtures).
    #[cfg(test)]
    pub(crate) fn with_app_health() -> ArgoCdConfig {
        ArgoCdConfig {
            app_health_check: Some(HealthCheckSource::Key),
            ..ArgoCdConfig::default()
        }
    }
}

/// `argoproj.io/Application:` followed (in its block) by `health.lua`.
fn legacy_has_app_health(yaml: &str) -> bool {
    let mut in_block = false;
    let mut block_indent = 0;
    for line in yaml.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with("argoproj.io/Application:") {
            in_block = true;
            block_indent = indent;
            continue;
        }
        if in_block {
            if indent <= block_indent {
                in_block = false;
            } else if trimmed.starts_with("health.lua:") {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LUA: &str = "hs = {}\nhs.status = \"Progressing\"\nhs.message = \"\"\nif obj.status ~= nil then\n  if obj.status.health ~= nil then\n    hs.status = obj.status.health.status\n  end\nend\nreturn hs\n";

    #[test]
    fn finds_the_health_customization_key() {
        let cm = json!({"data": {APP_HEALTH_KEY: LUA, "application.instanceLabelKey": "argocd.argoproj.io/instance"}});
        let c = ArgoCdConfig::from_configmap(&Value::from(cm));
        assert_eq!(c.app_health_check, Some(HealthCheckSource::Key));
        assert!(c.has_app_health_check());
        assert_eq!(
            c.instance_label_key.as_deref(),
            Some("argocd.argoproj.io/instance")
        );
    }

    #[test]
    fn finds_the_legacy_form() {
        let legacy = format!(
            "argoproj.io/Rollout:\n  health.lua: x\nargoproj.io/Application:\n  health.lua: |\n    {}\n",
            LUA.replace('\n', "\n    ")
        );
        let cm = json!({"data": {"resource.customizations": legacy}});
        assert_eq!(
            ArgoCdConfig::from_configmap(&Value::from(cm)).app_health_check,
            Some(HealthCheckSource::Legacy)
        );
        // health.lua of another kind does not count
        let other = "argoproj.io/Application:\n  ignoreDifferences: x\nargoproj.io/Rollout:\n  health.lua: y\n";
        let cm = json!({"data": {"resource.customizations": other}});
        assert_eq!(
            ArgoCdConfig::from_configmap(&Value::from(cm)).app_health_check,
            None
        );
    }

    #[test]
    fn missing_or_empty_customization_is_none() {
        assert!(!ArgoCdConfig::from_configmap(&Value::from(json!({}))).has_app_health_check());
        let empty = json!({"data": {APP_HEALTH_KEY: "  "}});
        assert!(!ArgoCdConfig::from_configmap(&Value::from(empty)).has_app_health_check());
        let other = json!({"data": {"resource.customizations.health.argoproj.io_Rollout": LUA}});
        assert!(!ArgoCdConfig::from_configmap(&Value::from(other)).has_app_health_check());
    }
}
