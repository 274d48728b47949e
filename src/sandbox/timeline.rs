//! Applies a recording's timeline changes through the store, and shifts recorded
//! timestamps so that ages look as they did when the recording was made. The replay
//! clock and its controls are in [`super::replay`]; [`source`] reads the timeline.

pub(crate) mod source;

use serde_json::Value;

use super::server::Shared;
use super::store::{PatchType, Sub, WriteOpts};
use crate::recording::{Change, PatchKind};

/// Moves every RFC 3339 timestamp in `value` (object fields and log-line prefixes alike)
/// by `delta_secs`.
pub(crate) fn shift_timestamps(value: &mut Value, delta_secs: i64) {
    match value {
        Value::String(s) => {
            if let Some(shifted) = shift_one(s, delta_secs) {
                *s = shifted;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| shift_timestamps(v, delta_secs)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| shift_timestamps(v, delta_secs)),
        _ => {}
    }
}

/// Shifts a string that is a timestamp, or starts with one followed by a space.
pub(crate) fn shift_one(s: &str, delta_secs: i64) -> Option<String> {
    let (head, tail) = match s.split_once(' ') {
        Some((h, t)) => (h, Some(t)),
        None => (s, None),
    };
    // Cheap shape check before parsing: 2026-11-01T09:00:00Z
    let b = head.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' || !head.ends_with('Z') {
        return None;
    }
    let ts: jiff::Timestamp = head.parse().ok()?;
    let shifted = ts
        .checked_add(jiff::SignedDuration::from_secs(delta_secs))
        .ok()?;
    let text = if head.contains('.') {
        let frac = head.len() - head.find('.')? - 2;
        let fmt = match frac {
            0..=3 => "%Y-%m-%dT%H:%M:%S%.3fZ",
            4..=6 => "%Y-%m-%dT%H:%M:%S%.6fZ",
            _ => "%Y-%m-%dT%H:%M:%S%.9fZ",
        };
        shifted.strftime(fmt).to_string()
    } else {
        shifted.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    Some(match tail {
        Some(t) => format!("{text} {t}"),
        None => text,
    })
}

/// Shifts the timestamps of one change (objects, patch bodies, log lines).
pub(crate) fn shift_change(change: &mut Change, delta: i64) {
    if delta == 0 {
        return;
    }
    match change {
        Change::Apply(v) => shift_timestamps(v, delta),
        Change::Patch(p) => shift_timestamps(&mut p.patch, delta),
        Change::Delete(_) => {}
        Change::Log(l) => {
            if let Some(s) = shift_one(&l.line, delta) {
                l.line = s;
            }
        }
    }
}

/// Applies one timeline change through the same store code paths clients use.
pub(crate) fn apply_change(shared: &Shared, change: &Change) -> Result<(), String> {
    let store = &shared.store;
    match change {
        Change::Apply(obj) => store
            .apply_object(obj.clone())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Change::Patch(p) => {
            let (rt, ns, name) = store
                .resolve_ref(&p.api_version, &p.kind, p.namespace.as_deref(), &p.name)
                .map_err(|e| e.to_string())?;
            let sub = match p.subresource.as_deref() {
                None => Sub::Main,
                Some("status") => Sub::Status,
                Some("scale") => Sub::Scale,
                Some(other) => return Err(format!("unknown subresource {other:?}")),
            };
            let patch_type = match p.patch_type {
                PatchKind::Merge => PatchType::Merge,
                PatchKind::Json => PatchType::Json,
                PatchKind::Strategic => PatchType::Strategic,
            };
            store
                .patch(
                    &rt,
                    &ns,
                    &name,
                    patch_type,
                    &p.patch,
                    sub,
                    &WriteOpts::default(),
                )
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Change::Delete(r) => {
            let (rt, ns, name) = store
                .resolve_ref(&r.api_version, &r.kind, r.namespace.as_deref(), &r.name)
                .map_err(|e| e.to_string())?;
            store
                .delete(&rt, &ns, &name, &WriteOpts::default(), None)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Change::Log(l) => {
            shared.logs.push(
                (l.namespace.clone(), l.pod.clone(), l.container.clone()),
                l.line.clone(),
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shifts_timestamps_and_log_prefixes() {
        let mut v = json!({
            "metadata": {"creationTimestamp": "2026-11-01T09:00:00Z", "name": "2026-11-01"},
            "status": {"startedAt": "2026-11-01T09:00:00.123456Z"},
            "line": "2026-11-01T09:00:00.123Z level=info msg=hi",
            "n": 5
        });
        shift_timestamps(&mut v, 3600);
        assert_eq!(v["metadata"]["creationTimestamp"], "2026-11-01T10:00:00Z");
        assert_eq!(v["metadata"]["name"], "2026-11-01");
        assert_eq!(v["status"]["startedAt"], "2026-11-01T10:00:00.123456Z");
        assert_eq!(v["line"], "2026-11-01T10:00:00.123Z level=info msg=hi");
    }
}
