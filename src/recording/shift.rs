//! Shifting a recording's timestamps: every RFC 3339 timestamp in its objects, changes and
//! log lines is moved by the time since it was recorded, so that ages look as they did then.
//! Used by the sandbox (serving a recording) and `opsdeck play` (writing one into a cluster).

use serde_json::Value;

use super::{Change, Recording};

/// Seconds between the recording's `recordedAt` and now (0 without one).
pub(crate) fn time_shift(rec: &Recording) -> i64 {
    rec.metadata
        .recorded_at
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| jiff::Timestamp::now().as_second() - t.as_second())
        .unwrap_or(0)
}

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
