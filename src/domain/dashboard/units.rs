//! Formatting values in a panel's unit: `1.5 GiB`, `42%`, `350ms`, `2m 5s`, `1.2k ops/s`.

use super::model::Unit;

const BINARY: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
const SHORT: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];

/// Scale of a set of values in a unit: what to divide by and the suffix, chosen from the
/// largest magnitude so that axis labels share one suffix.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub divisor: f64,
    pub suffix: String,
}

/// The scale for values up to `max_abs`.
pub fn scale(unit: Unit, max_abs: f64) -> Scale {
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
        Unit::None => Scale {
            divisor: 1.0,
            suffix: String::new(),
        },
        Unit::Bytes => stepped(1024.0, &BINARY, " ", ""),
        Unit::BytesPerSecond => stepped(1024.0, &BINARY, " ", "/s"),
        Unit::OpsPerSecond => stepped(1000.0, &SHORT, "", " ops/s"),
        Unit::Percent => Scale {
            divisor: 1.0,
            suffix: "%".into(),
        },
        Unit::PercentUnit => Scale {
            divisor: 0.01,
            suffix: "%".into(),
        },
        Unit::Seconds | Unit::Milliseconds => {
            let secs = if unit == Unit::Milliseconds {
                m / 1000.0
            } else {
                m
            };
            let per = if unit == Unit::Milliseconds {
                1000.0
            } else {
                1.0
            };
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
            } else {
                (0.000_001, "µs")
            };
            Scale {
                divisor: d * per,
                suffix: s.into(),
            }
        }
    }
}

/// A number with at most `decimals` decimals, trailing zeros removed.
pub fn trim_number(v: f64, decimals: usize) -> String {
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
pub fn format_value(unit: Unit, v: f64, decimals: Option<u8>) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = scale(unit, v);
    format_scaled(v, &s, decimals)
}

/// `v` in a given scale (for axis labels that share one suffix).
pub fn format_scaled(v: f64, scale: &Scale, decimals: Option<u8>) -> String {
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
