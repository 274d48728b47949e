//! Time ranges of the metrics pane: presets and a typed custom range (`6h`,
//! `now-6h..now-1h`, `2026-11-01T09:00:00Z..2026-11-01T12:00:00Z`).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::domain::dashboard::axis::{format_duration, parse_duration};

/// The presets `t`/`T` cycle through.
pub(crate) const PRESETS: &[&str] = &["5m", "15m", "1h", "6h", "24h", "7d"];

/// A window: its length, and its end (`None`: now, following time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub length: Duration,
    pub end: Option<Timestamp>,
}

impl TimeRange {
    pub fn last(length: Duration) -> TimeRange {
        TimeRange { length, end: None }
    }

    /// `last 1h`, or `6h to 2026-11-01 12:00 UTC`.
    pub fn label(&self) -> String {
        match self.end {
            None => format!("last {}", format_duration(self.length)),
            Some(end) => format!(
                "{} to {}",
                format_duration(self.length),
                end.strftime("%Y-%m-%d %H:%M UTC")
            ),
        }
    }

    /// Start and end at `now`.
    pub fn bounds(&self, now: Timestamp) -> (Timestamp, Timestamp) {
        let end = self.end.unwrap_or(now);
        let len = SignedDuration::try_from(self.length).unwrap_or(SignedDuration::ZERO);
        (end.checked_sub(len).unwrap_or(end), end)
    }

    /// The next (or previous) preset, keeping the end.
    pub fn cycle(&self, forward: bool) -> TimeRange {
        let lengths: Vec<Duration> = PRESETS.iter().filter_map(|p| parse_duration(p)).collect();
        let next = if forward {
            lengths
                .iter()
                .find(|l| **l > self.length)
                .or(lengths.first())
        } else {
            lengths
                .iter()
                .rev()
                .find(|l| **l < self.length)
                .or(lengths.last())
        };
        TimeRange {
            length: next.copied().unwrap_or(self.length),
            end: self.end,
        }
    }
}

fn point(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if text == "now" {
        return Ok(now);
    }
    if let Some(ago) = text.strip_prefix("now-") {
        let d = parse_duration(ago).ok_or_else(|| format!("{ago:?} is not a duration"))?;
        let d = SignedDuration::try_from(d).map_err(|e| e.to_string())?;
        return now.checked_sub(d).map_err(|e| e.to_string());
    }
    text.parse::<Timestamp>()
        .map_err(|_| format!("{text:?} is neither now, now-DURATION nor an RFC 3339 time"))
}

/// Parses a typed range. `now` anchors relative times.
pub(crate) fn parse(text: &str, now: Timestamp) -> Result<TimeRange, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty".into());
    }
    let Some((from, to)) = text.split_once("..") else {
        let length = parse_duration(text).ok_or_else(|| format!("{text:?} is not a duration"))?;
        if length.is_zero() {
            return Err("the range must be longer than zero".into());
        }
        return Ok(TimeRange::last(length));
    };
    let start = point(from, now)?;
    let end = point(to, now)?;
    if end <= start {
        return Err("the end must be after the start".into());
    }
    let length = Duration::from_secs((end.as_second() - start.as_second()).unsigned_abs());
    let live = to.trim() == "now";
    Ok(TimeRange {
        length,
        end: (!live).then_some(end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn presets_cycle_both_ways() {
        let r = TimeRange::last(Duration::from_secs(3600));
        assert_eq!(r.cycle(true).label(), "last 6h");
        assert_eq!(r.cycle(false).label(), "last 15m");
        let last = TimeRange::last(Duration::from_secs(7 * 86400));
        assert_eq!(last.cycle(true).label(), "last 5m");
        assert_eq!(
            TimeRange::last(Duration::from_secs(300))
                .cycle(false)
                .label(),
            "last 1w"
        );
    }

    #[test]
    fn typed_ranges() {
        assert_eq!(
            parse("30m", now()).unwrap(),
            TimeRange::last(Duration::from_secs(1800))
        );
        let r = parse("now-6h..now-1h", now()).unwrap();
        assert_eq!(r.length, Duration::from_secs(5 * 3600));
        assert_eq!(r.end, Some("2026-11-22T11:00:00Z".parse().unwrap()));
        assert_eq!(r.label(), "5h to 2026-11-22 11:00 UTC");
        assert_eq!(r.bounds(now()).0, "2026-11-22T06:00:00Z".parse().unwrap());
        let live = parse("now-2h..now", now()).unwrap();
        assert_eq!(live, TimeRange::last(Duration::from_secs(7200)));
        let abs = parse("2026-11-01T09:00:00Z..2026-11-01T12:00:00Z", now()).unwrap();
        assert_eq!(abs.length, Duration::from_secs(3 * 3600));
        assert!(
            parse("now-1h..now-2h", now())
                .unwrap_err()
                .contains("after")
        );
        assert!(parse("soon", now()).unwrap_err().contains("not a duration"));
        assert!(
            parse("yesterday..now", now())
                .unwrap_err()
                .contains("RFC 3339")
        );
        assert!(parse("0s", now()).is_err());
    }
}
