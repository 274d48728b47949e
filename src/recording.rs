//! The recording file format (`recordings/*.yaml`), version `opsdeck.dev/v1`.
//!
//! A recording holds metadata, the initial objects of any kind (CRDs included) and a
//! timeline of changes at offsets. See `recordings/README.md` for the documented format.
//! Parsing is strict: unknown fields are rejected with the file, line and field named.
//! Its own module, read by the sandbox (serving), `record` (writing) and the app's fixtures;
//! [`eks`] and [`prometheus`] are its EKS and Prometheus sections.

pub(crate) mod eks;
pub mod prometheus;
pub(crate) mod shift;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The only format version this build reads.
pub(crate) const FORMAT_VERSION: &str = "opsdeck.dev/v1";

/// Recordings compiled into the binary, by name.
pub(crate) const EMBEDDED: &[(&str, &str)] = &[
    ("platform", include_str!("../recordings/platform.yaml")),
    ("wave-stuck", include_str!("../recordings/wave-stuck.yaml")),
    (
        "cnpg-failover",
        include_str!("../recordings/cnpg-failover.yaml"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("cannot read recording {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: {location}: {message}")]
    Invalid {
        origin: String,
        location: String,
        message: String,
    },
    #[error("no embedded recording named {0:?} (known: platform, wave-stuck, cnpg-failover)")]
    UnknownEmbedded(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Recording {
    /// Format version, must be [`FORMAT_VERSION`].
    pub api_version: String,
    /// Always `Recording`.
    pub kind: String,
    pub metadata: RecordingMeta,
    /// Objects present when the replay starts. Any kind; CRDs are registered first.
    #[serde(default)]
    pub objects: Vec<Value>,
    /// Changes applied at offsets from the start of the replay, in order.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// Container logs served by the pod `log` subresource.
    #[serde(default)]
    pub logs: Vec<PodLog>,
    /// Recorded EKS answers (clusters and managed node groups), served under `/eks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eks: Option<eks::EksRecording>,
    /// Recorded Prometheus answers, served under `/prometheus` and the service proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<prometheus::PromRecording>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecordingMeta {
    pub name: String,
    #[serde(default)]
    pub(crate) description: String,
    /// `gitVersion` reported by `/version`, e.g. `v1.31.4-eks-2d5f260`.
    pub kubernetes_version: String,
    /// When the recording was captured (RFC 3339). Timestamps in objects are shifted by
    /// `now - recordedAt` when served, so ages look as they did at capture time.
    #[serde(default)]
    pub(crate) recorded_at: Option<String>,
    /// Free-form platform hint (`eks`, `doks`, `kind`, …).
    #[serde(default)]
    pub platform: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimelineEntry {
    /// Offset from the start of the replay: `90s`, `2m`, `1m30s`, `500ms`.
    #[serde(deserialize_with = "de_offset", serialize_with = "ser_offset")]
    pub at: Duration,
    /// What the change shows, for humans and the replay controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
    #[serde(flatten)]
    pub change: Change,
}

/// One change of the timeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// Create the object, or replace it when it exists (status included).
    Apply(Value),
    /// Patch an existing object.
    Patch(PatchChange),
    /// Delete an object (finalizers are honoured as for a client delete).
    Delete(ObjectRef),
    /// Append a line to a container's log.
    Log(LogLine),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchChange {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// `status` to patch the status subresource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subresource: Option<String>,
    #[serde(rename = "type", default)]
    pub(crate) patch_type: PatchKind,
    pub patch: Value,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum PatchKind {
    #[default]
    Merge,
    Json,
    Strategic,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodLog {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// Log lines of the current container, oldest first, each `RFC3339 message`.
    #[serde(default)]
    pub lines: Vec<String>,
    /// Log lines of the previous (crashed) container, if any.
    #[serde(default)]
    pub(crate) previous: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogLine {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub line: String,
}

impl Recording {
    /// Reads and validates a recording file.
    pub fn load(path: &Path) -> Result<Self, RecordingError> {
        let text = std::fs::read_to_string(path).map_err(|source| RecordingError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// A recording compiled into the binary.
    pub fn embedded(name: &str) -> Result<Self, RecordingError> {
        let (_, text) = EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| RecordingError::UnknownEmbedded(name.to_string()))?;
        Self::parse(text, &format!("<embedded {name}.yaml>"))
    }

    /// Parses YAML (or JSON) text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, RecordingError> {
        let rec: Recording = serde_saphyr::from_str_with_options(text, yaml_options(text.len()))
            .map_err(|e| RecordingError::Parse {
                origin: origin.to_string(),
                message: e.to_string(),
            })?;
        rec.validate(origin)?;
        Ok(rec)
    }

    fn validate(&self, origin: &str) -> Result<(), RecordingError> {
        let invalid = |location: String, message: String| RecordingError::Invalid {
            origin: origin.to_string(),
            location,
            message,
        };
        if self.api_version != FORMAT_VERSION {
            return Err(invalid(
                "apiVersion".into(),
                format!(
                    "unsupported recording format {:?} (this build reads {FORMAT_VERSION})",
                    self.api_version
                ),
            ));
        }
        if self.kind != "Recording" {
            return Err(invalid(
                "kind".into(),
                format!("expected Recording, found {:?}", self.kind),
            ));
        }
        if let Some(at) = &self.metadata.recorded_at {
            at.parse::<jiff::Timestamp>().map_err(|e| {
                invalid(
                    "metadata.recordedAt".into(),
                    format!("not an RFC 3339 time: {e}"),
                )
            })?;
        }
        for (i, obj) in self.objects.iter().enumerate() {
            check_object(obj).map_err(|m| invalid(format!("objects[{i}]"), m))?;
        }
        if let Some(eks) = &self.eks {
            eks.validate()
                .map_err(|(location, message)| invalid(location, message))?;
        }
        if let Some(prom) = &self.prometheus {
            prom.validate()
                .map_err(|(location, message)| invalid(location, message))?;
        }
        let mut last = Duration::ZERO;
        for (i, entry) in self.timeline.iter().enumerate() {
            if entry.at < last {
                return Err(invalid(
                    format!("timeline[{i}].at"),
                    "offsets must not decrease".into(),
                ));
            }
            last = entry.at;
            if let Change::Apply(obj) = &entry.change {
                check_object(obj).map_err(|m| invalid(format!("timeline[{i}].apply"), m))?;
            }
        }
        Ok(())
    }

    /// Length of the timeline (offset of its last entry).
    pub fn duration(&self) -> Duration {
        self.timeline.last().map(|e| e.at).unwrap_or_default()
    }
}

/// YAML parser options for a text of `len` bytes. serde-saphyr's default budget (250,000
/// nodes, 1,000,000 events, 64 MiB of scalars) suits configuration files; a recording's size
/// is its objects, so here the budget grows with the text (a node or an event takes at least
/// a byte or two of it): whatever `opsdeck record` writes fits. Nesting and alias limits
/// keep their defaults.
pub(crate) fn yaml_options(len: usize) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = budget.max_nodes.saturating_add(len);
    budget.max_events = budget.max_events.saturating_add(len.saturating_mul(2));
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.saturating_add(len);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// An object needs `apiVersion`, `kind` and `metadata.name`.
pub(crate) fn check_object(obj: &Value) -> Result<(), String> {
    let field = |name: &str| obj.get(name).and_then(Value::as_str).unwrap_or("");
    if field("apiVersion").is_empty() {
        return Err("object without apiVersion".into());
    }
    if field("kind").is_empty() {
        return Err("object without kind".into());
    }
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() {
        return Err(format!("{} without metadata.name", field("kind")));
    }
    Ok(())
}

pub(crate) use crate::domain::duration::parse_offset;

/// Formats a duration the way [`parse_offset`] reads it.
pub(crate) fn format_offset(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

fn de_offset<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_offset(&text).map_err(serde::de::Error::custom)
}

fn ser_offset<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_offset(*d))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
apiVersion: opsdeck.dev/v1
kind: Recording
metadata:
  name: tiny
  kubernetesVersion: v1.31.0
objects:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: demo}
timeline:
  - at: 2s
    note: a pod appears
    apply:
      apiVersion: v1
      kind: Pod
      metadata: {name: p, namespace: demo}
  - at: 1m30s
    patch:
      apiVersion: v1
      kind: Pod
      namespace: demo
      name: p
      subresource: status
      patch: {status: {phase: Running}}
  - at: 2m
    delete: {apiVersion: v1, kind: Pod, namespace: demo, name: p}
"#;

    #[test]
    fn parses_minimal_recording() {
        let rec = Recording::parse(MINIMAL, "tiny.yaml").expect("parses");
        assert_eq!(rec.metadata.name, "tiny");
        assert_eq!(rec.objects.len(), 1);
        assert_eq!(rec.timeline.len(), 3);
        assert_eq!(rec.timeline[1].at, Duration::from_secs(90));
        assert!(matches!(rec.timeline[0].change, Change::Apply(_)));
        match &rec.timeline[1].change {
            Change::Patch(p) => {
                assert_eq!(p.patch_type, PatchKind::Merge);
                assert_eq!(p.subresource.as_deref(), Some("status"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(rec.duration(), Duration::from_secs(120));
    }

    #[test]
    fn unknown_field_is_rejected_with_line() {
        let text = MINIMAL.replace("  name: tiny\n", "  name: tiny\n  colour: red\n");
        let err = Recording::parse(&text, "tiny.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("tiny.yaml"), "{err}");
        assert!(err.contains("colour"), "{err}");
        assert!(err.contains("line 6"), "{err}");
    }

    #[test]
    fn object_without_name_is_rejected() {
        let text = MINIMAL.replace("metadata: {name: demo}", "metadata: {}");
        let err = Recording::parse(&text, "tiny.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("objects[0]"), "{err}");
        assert!(err.contains("metadata.name"), "{err}");
    }

    #[test]
    fn wrong_version_is_rejected() {
        let text = MINIMAL.replace("opsdeck.dev/v1", "opsdeck.dev/v9");
        let err = Recording::parse(&text, "tiny.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("apiVersion"), "{err}");
    }

    #[test]
    fn offsets_round_trip() {
        for (text, secs) in [
            ("90s", 90.0),
            ("2m", 120.0),
            ("1h2m3s", 3723.0),
            ("500ms", 0.5),
        ] {
            let d = parse_offset(text).expect(text);
            assert_eq!(d.as_secs_f64(), secs);
            assert_eq!(parse_offset(&format_offset(d)).expect("again"), d);
        }
        assert!(parse_offset("10").is_err());
        assert!(parse_offset("3d").is_err());
    }

    #[test]
    fn every_embedded_recording_parses() {
        for (name, _) in EMBEDDED {
            let rec = Recording::embedded(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(rec.metadata.name, *name);
        }
    }

    #[test]
    fn embedded_platform_recording_parses() {
        let rec = Recording::embedded("platform").expect("platform parses");
        assert_eq!(rec.metadata.name, "platform");
        assert!(!rec.objects.is_empty());
    }

    #[test]
    fn large_recordings_fit_the_yaml_budget() {
        // 40,000 objects as `opsdeck record` writes them (one flow mapping a line): far
        // more YAML nodes than serde-saphyr's default budget of 250,000.
        let mut text = String::from(
            "apiVersion: opsdeck.dev/v1\nkind: Recording\nmetadata:\n  name: big\n  kubernetesVersion: v1.31.0\nobjects:\n  - {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"demo\"}}\n",
        );
        for i in 0..40_000 {
            text.push_str(&format!(
                "  - {{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"c{i}\", \"namespace\": \"demo\", \"labels\": {{\"app\": \"a\", \"tier\": \"b\"}}}}, \"data\": {{\"k\": \"v\", \"n\": \"{i}\"}}}}\n"
            ));
        }
        text.push_str("timeline: []\n");
        let default_budget: Result<Recording, _> = serde_saphyr::from_str(&text);
        assert!(
            default_budget.is_err_and(|e| e.to_string().contains("budget")),
            "the fixture must exceed the default budget to test anything"
        );
        let rec = Recording::parse(&text, "big.yaml").expect("a big recording loads");
        assert_eq!(rec.objects.len(), 40_001);
    }
}
