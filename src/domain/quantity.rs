//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `1G`, `1e3`) and their display.

/// Parses a quantity into base units (cores for CPU, bytes for memory). `None` when the
/// text is not a quantity.
pub(crate) fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(text.len());
    let (num, suffix) = text.split_at(split);
    let value: f64 = num.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    Some(value * factor)
}

/// CPU cores as kubectl shows them: `250m`, `2`, `1.5`.
pub(crate) fn format_cpu(cores: f64) -> String {
    let milli = (cores * 1000.0).round() as i64;
    if milli % 1000 == 0 {
        format!("{}", milli / 1000)
    } else if milli < 1000 {
        format!("{milli}m")
    } else {
        format!("{:.1}", cores)
    }
}

/// Bytes in binary units: `512Mi`, `7.5Gi`.
pub(crate) fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["", "Ki", "Mi", "Gi", "Ti"];
    let mut v = bytes;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if (v - v.round()).abs() < 0.05 {
        format!("{}{}", v.round() as i64, UNITS[unit])
    } else {
        format!("{v:.1}{}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubernetes_quantities() {
        for (text, want) in [
            ("250m", 0.25),
            ("2", 2.0),
            ("1.5", 1.5),
            ("128Mi", 134_217_728.0),
            ("1Gi", 1_073_741_824.0),
            ("1G", 1e9),
            ("1e3", 1000.0),
            ("7936284Ki", 7_936_284.0 * 1024.0),
            ("100n", 1e-7),
        ] {
            let got = parse(text).expect(text);
            assert!(
                (got - want).abs() < 1e-9 * want.max(1.0),
                "{text}: {got} != {want}"
            );
        }
        assert_eq!(parse(""), None);
        assert_eq!(parse("12XB"), None);
    }

    #[test]
    fn formats_for_humans() {
        assert_eq!(format_cpu(0.25), "250m");
        assert_eq!(format_cpu(2.0), "2");
        assert_eq!(format_cpu(3.5), "3.5");
        assert_eq!(format_bytes(134_217_728.0), "128Mi");
        assert_eq!(format_bytes(8_053_063_680.0), "7.5Gi");
    }
}
