//! Axes and query resolution: durations (`5m`, `1h`, `7d`), the query step chosen from the
//! pane width, `$__interval`/`$__rate_interval`, time-axis ticks with labels, and y-axis
//! ticks at round numbers in the panel's unit.

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::model::Unit;
use super::units::{Scale, format_scaled, scale};

/// The scrape interval assumed for `$__rate_interval` and the smallest step.
pub(crate) const SCRAPE_INTERVAL: Duration = Duration::from_secs(15);

/// Steps Prometheus queries use (Grafana's rounding list).
const NICE_STEPS: [u64; 16] = [
    1, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200,
];

/// Parses `30s`, `5m`, `1h`, `24h`, `7d`, `1w`, `1h30m`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let mut total = 0u64;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        let mult = match c {
            's' => 1,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                total = total.checked_add(n / 1000)?;
                continue;
            }
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => return None,
        };
        // Too large to be a duration: not one (found by the `durations` fuzz target).
        total = total.checked_add(n.checked_mul(mult)?)?;
    }
    if !num.is_empty() {
        return None;
    }
    (total > 0).then(|| Duration::from_secs(total))
}

/// `90s` → `1m30s`, `3600s` → `1h`, as Prometheus writes durations.
pub fn format_duration(d: Duration) -> String {
    let mut s = d.as_secs();
    if s == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, name) in [
        (86400 * 7, "w"),
        (86400, "d"),
        (3600, "h"),
        (60, "m"),
        (1, "s"),
    ] {
        if s >= unit {
            out.push_str(&format!("{}{name}", s / unit));
            s %= unit;
        }
    }
    out
}

/// The query step for `range` drawn over `columns` terminal columns: one point per
/// braille dot column (two per cell), rounded up to a nice step, never below `min_step`.
pub(crate) fn choose_step(range: Duration, columns: u16, min_step: Duration) -> Duration {
    let points = (u64::from(columns.max(1))) * 2;
    let raw = range
        .as_secs()
        .div_ceil(points)
        .max(min_step.as_secs())
        .max(1);
    let nice = NICE_STEPS
        .iter()
        .copied()
        .find(|s| *s >= raw)
        .unwrap_or_else(|| raw.div_ceil(86400) * 86400);
    Duration::from_secs(nice)
}

/// Grafana's `$__rate_interval`: max(step + scrape interval, 4 × scrape interval).
pub(crate) fn rate_interval(step: Duration, scrape: Duration) -> Duration {
    (step + scrape).max(scrape * 4)
}

/// A tick on an axis: where (in data units) and its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    pub value: f64,
    pub label: String,
}

const TIME_STEPS: [i64; 12] = [
    60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

/// Ticks for a time axis from `start` to `end` (Unix seconds) that fit `columns`, with
/// labels in `tz`: `14:05` within a day, `Mon 14:00` or `03-12` over days.
pub(crate) fn time_ticks(start: f64, end: f64, columns: u16, tz: &TimeZone) -> Vec<Tick> {
    if end.partial_cmp(&start) != Some(std::cmp::Ordering::Greater) {
        return Vec::new();
    }
    let span = end - start;
    let label_width = if span > 2.0 * 86400.0 { 6.0 } else { 5.0 };
    // A label and two spaces per tick at most.
    let max_ticks = (f64::from(columns) / (label_width + 3.0)).floor().max(1.0);
    let mut step = *TIME_STEPS.last().unwrap_or(&86400);
    for s in TIME_STEPS {
        if span / s as f64 <= max_ticks {
            step = s;
            break;
        }
    }
    while span / step as f64 > max_ticks {
        step += 86400;
    }
    // Align to the step in local time (a 6h tick falls on 00:00, 06:00, … locally).
    let offset = |t: i64| {
        Timestamp::from_second(t)
            .map(|ts| i64::from(tz.to_offset(ts).seconds()))
            .unwrap_or(0)
    };
    let first_local = start as i64 + offset(start as i64);
    let mut local = first_local.div_euclid(step) * step;
    if local < first_local {
        local += step;
    }
    let mut ticks = Vec::new();
    loop {
        let t = local - offset(local);
        if t as f64 > end {
            break;
        }
        if let Ok(ts) = Timestamp::from_second(t) {
            let zoned = ts.to_zoned(tz.clone());
            let label = if step >= 86400 {
                zoned.strftime("%m-%d").to_string()
            } else if span >= 86400.0 {
                if zoned.hour() == 0 && zoned.minute() == 0 {
                    zoned.strftime("%m-%d").to_string()
                } else {
                    zoned.strftime("%H:%M").to_string()
                }
            } else {
                zoned.strftime("%H:%M").to_string()
            };
            ticks.push(Tick {
                value: t as f64,
                label,
            });
        }
        local += step;
    }
    ticks
}

/// Nice bounds and ticks for values from `lo` to `hi` in `unit`, at most `max_ticks`.
/// Returns the (possibly widened) bounds, the ticks and the shared scale.
pub(crate) fn value_ticks(lo: f64, hi: f64, max_ticks: usize, unit: Unit) -> (f64, f64, Vec<Tick>) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi <= lo {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let pad = lo.abs() * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    let sc: Scale = scale(unit, lo.abs().max(hi.abs()));
    let (slo, shi) = (lo / sc.divisor, hi / sc.divisor);
    let max_ticks = max_ticks.max(2);
    let raw = (shi - slo) / (max_ticks - 1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| (shi - slo) / s <= (max_ticks - 1) as f64 + 1e-9)
        .unwrap_or(10.0 * mag);
    let nlo = (slo / step).floor() * step;
    let nhi = (shi / step).ceil() * step;
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as u8
            + u8::from(step * 10f64.powf(-step.log10().floor()) % 1.0 > 1e-9)
    };
    let mut ticks = Vec::new();
    let mut v = nlo;
    while v <= nhi + step * 1e-6 {
        ticks.push(Tick {
            value: v * sc.divisor,
            label: format_scaled(v * sc.divisor, &sc, Some(decimals)),
        });
        v += step;
    }
    (nlo * sc.divisor, nhi * sc.divisor, ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `durations` fuzz target: an overflowing duration panicked (debug) or
    /// wrapped to a wrong value (release).
    #[test]
    fn overflowing_durations_are_not_durations() {
        assert_eq!(parse_duration("99999999999999999999h"), None);
        assert_eq!(parse_duration("18446744073709551615w"), None);
        assert_eq!(parse_duration("18446744073709551615s1s"), None);
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(7 * 86400)));
        assert_eq!(parse_duration("1w"), Some(Duration::from_secs(7 * 86400)));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(86400)), "1d");
    }

    #[test]
    fn step_follows_width_and_range() {
        let s = |r: &str, cols| choose_step(parse_duration(r).unwrap(), cols, SCRAPE_INTERVAL);
        assert_eq!(s("5m", 100), Duration::from_secs(15));
        assert_eq!(s("1h", 100), Duration::from_secs(20));
        assert_eq!(s("1h", 40), Duration::from_secs(60));
        assert_eq!(s("6h", 100), Duration::from_secs(120));
        assert_eq!(s("24h", 100), Duration::from_secs(600));
        assert_eq!(s("7d", 100), Duration::from_secs(3600));
        assert_eq!(s("7d", 20), Duration::from_secs(21600));
        assert_eq!(
            rate_interval(Duration::from_secs(15), SCRAPE_INTERVAL),
            Duration::from_secs(60)
        );
        assert_eq!(
            rate_interval(Duration::from_secs(600), SCRAPE_INTERVAL),
            Duration::from_secs(615)
        );
    }

    fn labels(t: &[Tick]) -> Vec<&str> {
        t.iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn time_ticks_fit_and_align() {
        let utc = TimeZone::UTC;
        // 2024-03-12 13:02:00 UTC, one hour.
        let end = 1_710_248_520.0;
        let t = time_ticks(end - 3600.0, end, 60, &utc);
        assert_eq!(
            labels(&t),
            vec!["12:10", "12:20", "12:30", "12:40", "12:50", "13:00"]
        );
        let t = time_ticks(end - 3600.0, end, 30, &utc);
        assert_eq!(labels(&t), vec!["12:30", "13:00"]);
        let t = time_ticks(end - 7.0 * 86400.0, end, 80, &utc);
        assert_eq!(
            labels(&t),
            vec![
                "03-06", "03-07", "03-08", "03-09", "03-10", "03-11", "03-12"
            ]
        );
        let t = time_ticks(end - 86400.0, end, 60, &utc);
        assert_eq!(labels(&t), vec!["18:00", "03-12", "06:00", "12:00"]);
        let t = time_ticks(end - 300.0, end, 100, &utc);
        assert_eq!(
            labels(&t),
            vec!["12:57", "12:58", "12:59", "13:00", "13:01", "13:02"]
        );
        assert!(time_ticks(end, end, 80, &utc).is_empty());
    }

    #[test]
    fn value_ticks_are_round_in_units() {
        let (lo, hi, t) = value_ticks(0.0, 87.0, 5, Unit::Percent);
        assert_eq!((lo, hi), (0.0, 100.0));
        assert_eq!(labels(&t), vec!["0%", "25%", "50%", "75%", "100%"]);
        let gib = 1024.0 * 1024.0 * 1024.0;
        let (_, _, t) = value_ticks(0.0, 3.2 * gib, 5, Unit::Bytes);
        assert_eq!(
            labels(&t),
            vec!["0 GiB", "1 GiB", "2 GiB", "3 GiB", "4 GiB"]
        );
        let (_, _, t) = value_ticks(0.0, 0.8, 3, Unit::Seconds);
        assert_eq!(labels(&t), vec!["0ms", "500ms", "1000ms"]);
        let (lo, hi, t) = value_ticks(5.0, 5.0, 3, Unit::Short);
        assert!(lo < 5.0 && hi > 5.0, "{lo} {hi} {t:?}");
        let (_, _, t) = value_ticks(0.0, 1.0, 3, Unit::PercentUnit);
        assert_eq!(labels(&t), vec!["0%", "50%", "100%"]);
    }
}
