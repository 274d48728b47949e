//! The replay controls, served as a Kubernetes resource of the sandbox itself: the
//! cluster-scoped custom resource `Replay` (`sandbox.opsdeck.dev/v1`, one object named
//! `current`), registered by a CRD in the store when a recording with a timeline replays.
//!
//! `spec` is what a client asks for — `paused`, `speed` (0.5–60, validated as a CRD schema
//! would be), `step` (a counter: each increment applies the next change while paused),
//! `seek` (an offset: restart from the initial objects and fast-forward; consumed) — and
//! `status` is where the replay is. Because it is an ordinary resource, discovery, `kubectl
//! get replays`, watches and merge patches work as for any other kind, and the console
//! needs no sandbox-specific client: it watches the kind when discovery lists it.
//! The replay task ([`player`]) follows `spec` through the store's own watch.

pub(crate) mod player;

use serde_json::{Value, json};

use super::registry::ResKey;
use crate::recording::parse_offset;

pub(crate) const GROUP: &str = "sandbox.opsdeck.dev";
pub(crate) const VERSION: &str = "v1";
pub(crate) const KIND: &str = "Replay";
pub(crate) const PLURAL: &str = "replays";
/// The one Replay object.
pub(crate) const NAME: &str = "current";
pub(crate) const MIN_SPEED: f64 = 0.5;
pub(crate) const MAX_SPEED: f64 = 60.0;

pub(crate) fn key() -> ResKey {
    ResKey {
        group: GROUP.into(),
        plural: PLURAL.into(),
    }
}

pub(crate) fn api_version() -> String {
    format!("{GROUP}/{VERSION}")
}

/// The CustomResourceDefinition of `Replay` (schema and printer columns as documented in
/// `recordings/README.md`).
pub(crate) fn crd() -> Value {
    let number = |desc: &str| json!({"type": "number", "description": desc});
    let spec = json!({"type": "object", "properties": {
        "paused": {"type": "boolean", "description": "Stop the clock."},
        "speed": {"type": "number", "minimum": MIN_SPEED, "maximum": MAX_SPEED, "description": "Timeline seconds per second."},
        "step": {"type": "integer", "minimum": 0, "description": "Each increment applies the next change while paused."},
        "seek": {"x-kubernetes-int-or-string": true, "description": "Restart from the initial objects and fast-forward to this offset (1m30s, or seconds); cleared once done."}
    }});
    let mut status = json!({
        "state": {"type": "string", "enum": ["Playing", "Paused", "Finished"]},
        "offset": number("Seconds into the timeline."),
        "duration": number("Offset of the last change, seconds."),
        "position": {"type": "string"},
        "eventsApplied": {"type": "integer"},
        "eventsTotal": {"type": "integer"},
        "events": {"type": "string"},
        "nextEventOffset": number("Offset of the next change, seconds."),
        "nextEventNote": {"type": "string"}
    });
    for (field, schema) in [
        ("paused", json!({"type": "boolean"})),
        ("speed", json!({"type": "number"})),
        ("recording", json!({"type": "string"})),
        (
            "streaming",
            json!({"type": "boolean", "description": "The timeline is read from the file as the replay proceeds."}),
        ),
        ("observedStep", json!({"type": "integer"})),
        ("seeks", json!({"type": "integer"})),
    ] {
        status[field] = schema;
    }
    let schema = json!({
        "type": "object",
        "description": "Replay controls of the opsdeck sandbox: where the recording's timeline is, and how it plays.",
        "properties": {"spec": spec, "status": {"type": "object", "properties": status}}
    });
    let columns = json!([
        {"name": "State", "type": "string", "jsonPath": ".status.state"},
        {"name": "Position", "type": "string", "jsonPath": ".status.position"},
        {"name": "Events", "type": "string", "jsonPath": ".status.events"},
        {"name": "Speed", "type": "number", "jsonPath": ".status.speed"},
        {"name": "Recording", "type": "string", "jsonPath": ".status.recording"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    ]);
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{PLURAL}.{GROUP}")},
        "spec": {
            "group": GROUP,
            "scope": "Cluster",
            "names": {"kind": KIND, "listKind": "ReplayList", "plural": PLURAL, "singular": "replay"},
            "versions": [{
                "name": VERSION,
                "served": true,
                "storage": true,
                "subresources": {"status": {}},
                "additionalPrinterColumns": columns,
                "schema": {"openAPIV3Schema": schema}
            }]
        }
    })
}

/// The `current` object as the sandbox starts: `speed` ≤ 0 (`--speed 0`) starts paused.
pub(crate) fn initial_object(speed: f64) -> Value {
    let (paused, speed) = if speed > 0.0 && speed.is_finite() {
        (false, speed)
    } else {
        (true, 1.0)
    };
    json!({
        "apiVersion": api_version(),
        "kind": KIND,
        "metadata": {"name": NAME},
        "spec": {"paused": paused, "speed": speed, "step": 0}
    })
}

/// A seek target: an offset string (`1m30s`) or a number of seconds.
pub(crate) fn seek_target(v: &Value) -> Option<Result<std::time::Duration, String>> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(parse_offset(s)),
        Value::Number(n) => Some(match n.as_f64() {
            Some(secs) => crate::domain::duration::seconds(secs),
            None => Err(format!("{n}: must be 0 or more seconds")),
        }),
        other => Some(Err(format!("{other}: must be an offset such as 1m30s"))),
    }
}

/// Checks `spec` as the CRD's schema says, as a real API server would (422 Invalid naming
/// the field). Like Kubernetes' validation ratcheting, a value that did not change is not
/// checked again (`opsdeck sandbox --speed 100` may start faster than 60×).
pub(crate) fn validate(new: &Value, old: Option<&Value>) -> Result<(), (String, String)> {
    let spec = new.get("spec").cloned().unwrap_or(Value::Null);
    let old_spec = old
        .and_then(|o| o.get("spec"))
        .cloned()
        .unwrap_or(Value::Null);
    let changed = |field: &str| spec.get(field) != old_spec.get(field);
    let invalid = |field: &str, value: &Value, why: String| {
        (
            format!("spec.{field}"),
            format!("Invalid value: {value}: {why}"),
        )
    };
    if !spec.is_object() && !spec.is_null() {
        return Err((
            "spec".into(),
            format!("Invalid value: {spec}: spec in body must be of type object"),
        ));
    }
    if let Some(v) = spec.get("paused").filter(|_| changed("paused"))
        && !v.is_boolean()
    {
        return Err(invalid(
            "paused",
            v,
            "spec.paused in body must be of type boolean".into(),
        ));
    }
    if let Some(v) = spec.get("speed").filter(|_| changed("speed")) {
        let Some(speed) = v.as_f64() else {
            return Err(invalid(
                "speed",
                v,
                "spec.speed in body must be of type number".into(),
            ));
        };
        if speed < MIN_SPEED {
            return Err(invalid(
                "speed",
                v,
                format!("spec.speed in body should be greater than or equal to {MIN_SPEED}"),
            ));
        }
        if speed > MAX_SPEED {
            return Err(invalid(
                "speed",
                v,
                format!("spec.speed in body should be less than or equal to {MAX_SPEED}"),
            ));
        }
    }
    if let Some(v) = spec.get("step").filter(|_| changed("step"))
        && v.as_i64().is_none_or(|n| n < 0)
    {
        return Err(invalid(
            "step",
            v,
            "spec.step in body must be an integer of 0 or more".into(),
        ));
    }
    if let Some(v) = spec.get("seek").filter(|_| changed("seek"))
        && let Some(Err(e)) = seek_target(v)
    {
        return Err(invalid("seek", v, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crd_registers() {
        let types = crate::model::ResourceKind::from_crd(&crd()).expect("valid CRD");
        assert_eq!(types.len(), 1);
        assert!(!types[0].namespaced);
        assert!(types[0].status);
        assert_eq!(super::super::registry::ResKey::of(&types[0]), key());
    }

    #[test]
    fn validates_speed_step_and_seek() {
        let old = initial_object(1.0);
        let with = |spec: Value| {
            let mut v = old.clone();
            v["spec"] = spec;
            v
        };
        assert!(validate(&with(json!({"speed": 60, "paused": true})), Some(&old)).is_ok());
        let (field, detail) =
            validate(&with(json!({"speed": 61})), Some(&old)).expect_err("too fast");
        assert_eq!(field, "spec.speed");
        assert!(detail.contains("less than or equal to 60"), "{detail}");
        let (field, _) = validate(&with(json!({"speed": 0.25})), Some(&old)).expect_err("slow");
        assert_eq!(field, "spec.speed");
        assert!(validate(&with(json!({"speed": "fast"})), Some(&old)).is_err());
        assert!(validate(&with(json!({"step": -1})), Some(&old)).is_err());
        assert!(validate(&with(json!({"paused": "yes"})), Some(&old)).is_err());
        assert!(validate(&with(json!({"seek": "1m30s"})), Some(&old)).is_ok());
        assert!(validate(&with(json!({"seek": 90})), Some(&old)).is_ok());
        let (field, _) = validate(&with(json!({"seek": "soon"})), Some(&old)).expect_err("seek");
        assert_eq!(field, "spec.seek");
        // Ratcheting: an out-of-range speed set at start stays acceptable while unchanged.
        let fast = initial_object(100.0);
        let mut paused = fast.clone();
        paused["spec"]["paused"] = json!(true);
        assert!(validate(&paused, Some(&fast)).is_ok());
    }
}
