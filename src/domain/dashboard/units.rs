//! Units and formatting values in them: `1.5 GiB`, `42%`, `350ms`, `2m 5s`, `1.2k ops/s`,
//! `1.2 Mb/s`, `45.2 °C`, `2.4 GHz`, `2024-03-12 13:00:00`, `3 hours ago`, `Yes`.

use serde::{Deserialize, Serialize};

/// Units a panel formats values in (Grafana's unit ids map onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Plain numbers with k/M/G suffixes.
    #[default]
    Short,
    /// Bytes with binary prefixes (KiB, MiB, …).
    Bytes,
    /// Bytes with SI prefixes (kB, MB, …).
    DecBytes,
    /// Bits with SI prefixes (kb, Mb, …).
    Bits,
    /// Bytes per second, binary prefixes.
    BytesPerSecond,
    /// Bytes per second, SI prefixes (Grafana's `Bps`).
    DecBytesPerSecond,
    /// Bits per second, SI prefixes (Grafana's `bps`).
    BitsPerSecond,
    PacketsPerSecond,
    /// 0–100.
    Percent,
    /// 0–1 shown as a percentage.
    PercentUnit,
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
    /// A duration in words: `2d 3h`, `5m 10s` (Grafana's `dtdurations`, seconds).
    Duration,
    OpsPerSecond,
    ReqPerSecond,
    ReadsPerSecond,
    WritesPerSecond,
    Iops,
    CountPerSecond,
    Celsius,
    Fahrenheit,
    Hertz,
    /// Milliseconds since the epoch as `2024-03-12 13:00:00` (UTC).
    DateTime,
    /// Milliseconds since the epoch as `3 hours ago`.
    DateTimeFromNow,
    Bool,
    BoolYesNo,
    BoolOnOff,
    /// No unit, no suffix.
    None,
}

impl Unit {
    /// Grafana's unit ids (`bytes`, `percentunit`, `s`, `ops`, `reqps`, …); `None` when
    /// there is no close equivalent.
    pub(crate) fn from_grafana(id: &str) -> Option<Unit> {
        Some(match id {
            "short" | "" | "locale" | "sishort" => Unit::Short,
            "none" | "string" => Unit::None,
            "bytes" | "binbytes" => Unit::Bytes,
            "decbytes" => Unit::DecBytes,
            "bits" | "decbits" | "binbits" => Unit::Bits,
            "binBps" => Unit::BytesPerSecond,
            "Bps" | "decBps" => Unit::DecBytesPerSecond,
            "bps" | "binbps" | "decbps" => Unit::BitsPerSecond,
            "pps" => Unit::PacketsPerSecond,
            "percent" => Unit::Percent,
            "percentunit" => Unit::PercentUnit,
            "s" => Unit::Seconds,
            "ms" => Unit::Milliseconds,
            "µs" | "us" => Unit::Microseconds,
            "ns" => Unit::Nanoseconds,
            "dtdurations" | "dthms" | "dtdhms" => Unit::Duration,
            "ops" | "opm" => Unit::OpsPerSecond,
            "reqps" => Unit::ReqPerSecond,
            "rps" => Unit::ReadsPerSecond,
            "wps" => Unit::WritesPerSecond,
            "iops" => Unit::Iops,
            "cps" => Unit::CountPerSecond,
            "celsius" => Unit::Celsius,
            "fahrenheit" => Unit::Fahrenheit,
            "hertz" => Unit::Hertz,
            "dateTimeAsIso"
            | "dateTimeAsIsoNoDateIfToday"
            | "dateTimeAsSystem"
            | "dateTimeAsUS"
            | "dateTimeAsLocal" => Unit::DateTime,
            "dateTimeFromNow" => Unit::DateTimeFromNow,
            "bool" => Unit::Bool,
            "bool_yes_no" => Unit::BoolYesNo,
            "bool_on_off" => Unit::BoolOnOff,
            _ => return None,
        })
    }

    /// Values that are not magnitudes (dates, booleans): no axis scale, no bars.
    pub(crate) fn is_textual(self) -> bool {
        matches!(
            self,
            Unit::DateTime | Unit::DateTimeFromNow | Unit::Bool | Unit::BoolYesNo | Unit::BoolOnOff
        )
    }
}

const BINARY: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
const SI_BYTES: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
const SI_BITS: [&str; 7] = ["b", "kb", "Mb", "Gb", "Tb", "Pb", "Eb"];
const SHORT: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];
const HERTZ: [&str; 7] = ["Hz", "kHz", "MHz", "GHz", "THz", "PHz", "EHz"];

/// Scale of a set of values in a unit: what to divide by and the suffix, chosen from the
/// largest magnitude so that axis labels share one suffix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scale {
    pub(crate) divisor: f64,
    pub(crate) suffix: String,
}

fn fixed(suffix: &str) -> Scale {
    Scale {
        divisor: 1.0,
        suffix: suffix.into(),
    }
}

/// The scale for values up to `max_abs`.
pub(crate) fn scale(unit: Unit, max_abs: f64) -> Scale {
    let m = if max_abs.is_finite() {
        max_abs.abs()
    } else {
        0.0
    };
    let stepped = |base: f64, names: &[&str], lead: &str, tail: &str| {
        let mut i = 0;
        let mut d = 1.0;
        while i + 1 < names.len() && m >= d * base {
            d *= base;
            i += 1;
        }
        Scale {
            divisor: d,
            suffix: format!("{lead}{}{tail}", names[i]),
        }
    };
    match unit {
        Unit::Short => stepped(1000.0, &SHORT, "", ""),
        Unit::None | Unit::Duration | Unit::Bool | Unit::BoolYesNo | Unit::BoolOnOff => fixed(""),
        Unit::DateTime | Unit::DateTimeFromNow => fixed(""),
        Unit::Bytes => stepped(1024.0, &BINARY, " ", ""),
        Unit::DecBytes => stepped(1000.0, &SI_BYTES, " ", ""),
        Unit::Bits => stepped(1000.0, &SI_BITS, " ", ""),
        Unit::BytesPerSecond => stepped(1024.0, &BINARY, " ", "/s"),
        Unit::DecBytesPerSecond => stepped(1000.0, &SI_BYTES, " ", "/s"),
        Unit::BitsPerSecond => stepped(1000.0, &SI_BITS, " ", "/s"),
        Unit::PacketsPerSecond => stepped(1000.0, &SHORT, "", " p/s"),
        Unit::OpsPerSecond => stepped(1000.0, &SHORT, "", " ops/s"),
        Unit::ReqPerSecond => stepped(1000.0, &SHORT, "", " req/s"),
        Unit::ReadsPerSecond => stepped(1000.0, &SHORT, "", " rd/s"),
        Unit::WritesPerSecond => stepped(1000.0, &SHORT, "", " wr/s"),
        Unit::Iops => stepped(1000.0, &SHORT, "", " io/s"),
        Unit::CountPerSecond => stepped(1000.0, &SHORT, "", " c/s"),
        Unit::Hertz => stepped(1000.0, &HERTZ, " ", ""),
        Unit::Celsius => fixed(" °C"),
        Unit::Fahrenheit => fixed(" °F"),
        Unit::Percent => fixed("%"),
        Unit::PercentUnit => Scale {
            divisor: 0.01,
            suffix: "%".into(),
        },
        Unit::Seconds | Unit::Milliseconds | Unit::Microseconds | Unit::Nanoseconds => {
            let per = match unit {
                Unit::Milliseconds => 1e3,
                Unit::Microseconds => 1e6,
                Unit::Nanoseconds => 1e9,
                _ => 1.0,
            };
            let secs = m / per;
            let (d, s) = if secs >= 86400.0 {
                (86400.0, "d")
            } else if secs >= 3600.0 {
                (3600.0, "h")
            } else if secs >= 60.0 {
                (60.0, "m")
            } else if secs >= 1.0 || secs == 0.0 {
                (1.0, "s")
            } else if secs >= 0.001 {
                (0.001, "ms")
            } else if secs >= 0.000_001 {
                (0.000_001, "µs")
            } else {
                (0.000_000_001, "ns")
            };
            Scale {
                divisor: d * per,
                suffix: s.into(),
            }
        }
    }
}

/// A number with at most `decimals` decimals, trailing zeros removed.
pub(crate) fn trim_number(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// Decimals that show three significant digits of `scaled` (at most 2).
fn auto_decimals(scaled: f64) -> usize {
    let a = scaled.abs();
    if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else {
        2
    }
}

/// `v` in `unit`, scaled on its own: `1.5 GiB`, `42.1%`, `1.2k ops/s`, `NaN` → `–`.
/// `dateTimeFromNow` needs the time: without it the date is shown.
pub(crate) fn format_value(unit: Unit, v: f64, decimals: Option<u8>) -> String {
    format_value_at(unit, v, decimals, None)
}

/// [`format_value`] with the current time (Unix seconds) for relative dates.
pub(crate) fn format_value_at(
    unit: Unit,
    v: f64,
    decimals: Option<u8>,
    now: Option<f64>,
) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    match unit {
        Unit::Bool => return if v != 0.0 { "True" } else { "False" }.into(),
        Unit::BoolYesNo => return if v != 0.0 { "Yes" } else { "No" }.into(),
        Unit::BoolOnOff => return if v != 0.0 { "On" } else { "Off" }.into(),
        Unit::DateTime => return date_time(v),
        Unit::DateTimeFromNow => {
            return match now {
                Some(now) => from_now(now - v / 1000.0),
                None => date_time(v),
            };
        }
        Unit::Duration => return words_duration(v),
        _ => {}
    }
    let s = scale(unit, v);
    format_scaled(v, &s, decimals)
}

/// Milliseconds since the epoch as `2024-03-12 13:00:00` (UTC).
fn date_time(ms: f64) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    match jiff::Timestamp::from_second(secs) {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => trim_number(ms, 0),
    }
}

/// `secs` ago in words: `just now`, `5 minutes ago`, `in 2 hours`.
fn from_now(secs: f64) -> String {
    let a = secs.abs();
    let (n, unit) = if a < 45.0 {
        return "just now".into();
    } else if a < 3600.0 {
        ((a / 60.0).round(), "minute")
    } else if a < 86400.0 {
        ((a / 3600.0).round(), "hour")
    } else if a < 86400.0 * 30.0 {
        ((a / 86400.0).round(), "day")
    } else if a < 86400.0 * 365.0 {
        ((a / (86400.0 * 30.0)).round(), "month")
    } else {
        ((a / (86400.0 * 365.0)).round(), "year")
    };
    let plural = if n == 1.0 { "" } else { "s" };
    if secs >= 0.0 {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}

/// Seconds as the two largest parts: `2d 3h`, `5m 10s`, `350ms`.
fn words_duration(secs: f64) -> String {
    let neg = secs < 0.0;
    let a = secs.abs();
    if a < 1.0 {
        let s = format!("{}ms", trim_number(a * 1000.0, 0));
        return if neg { format!("-{s}") } else { s };
    }
    let total = a.round() as u64;
    let parts = [
        (total / 31_536_000, "y"),
        (total % 31_536_000 / 86400, "d"),
        (total % 86400 / 3600, "h"),
        (total % 3600 / 60, "m"),
        (total % 60, "s"),
    ];
    let first = parts.iter().position(|p| p.0 > 0).unwrap_or(4);
    let mut out: Vec<String> = vec![format!("{}{}", parts[first].0, parts[first].1)];
    if let Some(p) = parts.get(first + 1).filter(|p| p.0 > 0) {
        out.push(format!("{}{}", p.0, p.1));
    }
    let s = out.join(" ");
    if neg { format!("-{s}") } else { s }
}

/// `v` in a given scale (for axis labels that share one suffix).
pub(crate) fn format_scaled(v: f64, scale: &Scale, decimals: Option<u8>) -> String {
    let scaled = v / scale.divisor;
    let d = decimals
        .map(usize::from)
        .unwrap_or_else(|| auto_decimals(scaled));
    let n = trim_number(scaled, d);
    format!("{n}{}", scale.suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_each_unit() {
        assert_eq!(
            format_value(Unit::Bytes, 1536.0 * 1024.0 * 1024.0, None),
            "1.5 GiB"
        );
        assert_eq!(format_value(Unit::Bytes, 512.0, None), "512 B");
        assert_eq!(format_value(Unit::BytesPerSecond, 2048.0, None), "2 KiB/s");
        assert_eq!(format_value(Unit::Percent, 42.123, None), "42.1%");
        assert_eq!(format_value(Unit::PercentUnit, 0.873, None), "87.3%");
        assert_eq!(format_value(Unit::Seconds, 0.35, None), "350ms");
        assert_eq!(format_value(Unit::Seconds, 125.0, None), "2.08m");
        assert_eq!(format_value(Unit::Seconds, 7200.0, None), "2h");
        assert_eq!(format_value(Unit::Milliseconds, 1500.0, None), "1.5s");
        assert_eq!(
            format_value(Unit::OpsPerSecond, 1234.0, None),
            "1.23k ops/s"
        );
        assert_eq!(format_value(Unit::OpsPerSecond, 12.0, None), "12 ops/s");
        assert_eq!(format_value(Unit::Short, 3_400_000.0, None), "3.4M");
        assert_eq!(format_value(Unit::Short, 0.0, None), "0");
        assert_eq!(format_value(Unit::None, 1234.5, Some(1)), "1234.5");
        assert_eq!(format_value(Unit::Short, f64::NAN, None), "–");
    }

    #[test]
    fn grafana_units_of_node_k8s_and_postgres_dashboards() {
        let f =
            |id: &str, v: f64| format_value_at(Unit::from_grafana(id).unwrap(), v, None, Some(1e9));
        assert_eq!(f("decbytes", 1_500_000.0), "1.5 MB");
        assert_eq!(f("bits", 2_000.0), "2 kb");
        assert_eq!(f("Bps", 1_500.0), "1.5 kB/s");
        assert_eq!(f("binBps", 2048.0), "2 KiB/s");
        assert_eq!(f("bps", 12_500_000.0), "12.5 Mb/s");
        assert_eq!(f("pps", 1200.0), "1.2k p/s");
        assert_eq!(f("µs", 1500.0), "1.5ms");
        assert_eq!(f("ns", 250.0), "250ns");
        assert_eq!(f("dtdurations", 183_900.0), "2d 3h");
        assert_eq!(f("dtdurations", 310.0), "5m 10s");
        assert_eq!(f("celsius", 45.26), "45.3 °C");
        assert_eq!(f("fahrenheit", 98.0), "98 °F");
        assert_eq!(f("hertz", 2_400_000_000.0), "2.4 GHz");
        assert_eq!(f("reqps", 3.5), "3.5 req/s");
        assert_eq!(f("iops", 42.0), "42 io/s");
        assert_eq!(f("wps", 7.0), "7 wr/s");
        assert_eq!(
            f("dateTimeAsIso", 1_710_248_400_000.0),
            "2024-03-12 13:00:00"
        );
        assert_eq!(f("dateTimeFromNow", (1e9 - 7200.0) * 1000.0), "2 hours ago");
        assert_eq!(f("dateTimeFromNow", (1e9 - 10.0) * 1000.0), "just now");
        assert_eq!(f("bool", 1.0), "True");
        assert_eq!(f("bool_yes_no", 0.0), "No");
        assert_eq!(f("bool_on_off", 1.0), "On");
        assert_eq!(f("none", 0.54), "0.54");
        assert_eq!(f("percentunit", 0.54), "54%");
        assert!(Unit::from_grafana("furlongs").is_none());
    }

    #[test]
    fn shared_scale_for_axis() {
        let s = scale(Unit::Bytes, 3.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(s.suffix, " GiB");
        assert_eq!(
            format_scaled(512.0 * 1024.0 * 1024.0, &s, Some(1)),
            "0.5 GiB"
        );
        assert_eq!(trim_number(-0.0001, 2), "0");
    }
}
