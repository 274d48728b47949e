//! Durations: as Kubernetes prints them (`kubectl get`'s AGE column), and the one checked
//! parser of offsets and durations typed by people or read from files (recording `at:`
//! offsets, `:replay seek`, the Replay object's `spec.seek`, `opsdeck record --duration`)
//! and of replay speeds (`--speed`). Nothing here panics on hostile input: values are
//! bounded by [`MAX_OFFSET`] so that every clock sum built from them stays in range.

use std::time::Duration;

/// The longest offset or duration accepted: ten years (87,600 h).
pub(crate) const MAX_OFFSET: Duration = Duration::from_secs(10 * 365 * 86_400);
/// The fastest `--speed` accepted (the Replay object's own limit is 60).
pub(crate) const MAX_SPEED_ARG: f64 = 1000.0;
/// The slowest non-zero `--speed` accepted.
pub(crate) const MIN_SPEED_ARG: f64 = 0.01;

fn too_large(text: &str) -> String {
    format!(
        "{text:?} is too large (at most {}h)",
        MAX_OFFSET.as_secs() / 3600
    )
}

/// Parses an offset: `1h2m3s`, `90s`, `1.5s`, `500ms` (units ms, s, m, h).
pub(crate) fn parse_offset(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if text.starts_with('-') {
        return Err(format!(
            "{text:?}: offsets cannot be negative (use 0s or more)"
        ));
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("{text:?}: missing unit (ms, s, m, h)"))?;
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() {
            return Err(format!(
                "{text:?}: expected a number before {:?} (like 1m30s)",
                tail.chars().next().unwrap_or(' ')
            ));
        }
        let value: f64 = num
            .parse()
            .map_err(|_| format!("{text:?}: bad number {num:?}"))?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let factor = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            other => return Err(format!("{text:?}: unknown unit {other:?} (ms, s, m, h)")),
        };
        total += value * factor;
        if !total.is_finite() || total > MAX_OFFSET.as_secs_f64() {
            return Err(too_large(text));
        }
        rest = tail;
    }
    seconds(total).map_err(|_| too_large(text))
}

/// A number of seconds as a duration: finite, 0 or more, at most [`MAX_OFFSET`].
pub(crate) fn seconds(secs: f64) -> Result<Duration, String> {
    if secs.is_nan() || secs.is_infinite() {
        return Err(format!("{secs}: not a number of seconds"));
    }
    if secs < 0.0 {
        return Err(format!("{secs}: must be 0 or more seconds"));
    }
    if secs > MAX_OFFSET.as_secs_f64() {
        return Err(too_large(&secs.to_string()));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{secs}: {e}"))
}

/// `d` times `factor`, saturating at [`MAX_OFFSET`] (a clock running at a speed).
pub(crate) fn scaled(d: Duration, factor: f64) -> Duration {
    let secs = d.as_secs_f64() * factor;
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    seconds(secs).unwrap_or(MAX_OFFSET)
}

/// A replay speed typed on the command line: `0` (start paused) or a finite number from
/// [`MIN_SPEED_ARG`] to [`MAX_SPEED_ARG`].
pub(crate) fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text
        .trim()
        .trim_end_matches(['x', '×'])
        .parse()
        .map_err(|_| format!("{text:?} is not a number (e.g. 2 for twice as fast, 0 to pause)"))?;
    if !speed.is_finite() {
        return Err(format!(
            "{text:?} is not a finite speed (e.g. 2, or 0 to pause)"
        ));
    }
    if speed < 0.0 {
        return Err(format!("{text:?}: a speed cannot be negative (0 pauses)"));
    }
    if speed != 0.0 && !(MIN_SPEED_ARG..=MAX_SPEED_ARG).contains(&speed) {
        return Err(format!(
            "{text:?}: the speed must be 0 (paused) or from {MIN_SPEED_ARG} to {MAX_SPEED_ARG}"
        ));
    }
    Ok(speed)
}

/// Kubernetes' `duration.HumanDuration`: `45s`, `3m20s`, `5h`, `12d`, `2y30d`.
pub(crate) fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let secs = secs.max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86_400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        let s = secs % 60;
        if s == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{s}s")
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        let mm = m % 60;
        if mm == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{mm}m")
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        let hh = h % 24;
        if hh == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{hh}h")
        }
    } else if h < 24 * 365 * 2 {
        format!("{d}d")
    } else if h < 24 * 365 * 8 {
        let dd = d % 365;
        if dd == 0 {
            format!("{}y", d / 365)
        } else {
            format!("{}y{dd}d", d / 365)
        }
    } else {
        format!("{}y", d / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_and_overflow_is_an_error() {
        assert_eq!(parse_offset("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_offset("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_offset("1.5s"), Ok(Duration::from_millis(1500)));
        for huge in [
            "99999999999999999999h",
            "87601h",
            "9999999999999999999999999999999999999999999999s",
            "87599h120m",
        ] {
            let e = parse_offset(huge).expect_err(huge);
            assert!(e.contains("too large"), "{huge}: {e}");
        }
        assert_eq!(parse_offset("87600h"), Ok(MAX_OFFSET));
        let neg = parse_offset("-5s").expect_err("negative");
        assert!(neg.contains("cannot be negative"), "{neg}");
        assert!(!neg.contains("bad number \"\""), "{neg}");
        assert!(parse_offset("s").unwrap_err().contains("expected a number"));
        assert!(parse_offset("10").is_err());
        assert!(parse_offset("3d").is_err());
        assert!(parse_offset("").is_err());
    }

    #[test]
    fn seconds_and_scaling_never_panic() {
        assert_eq!(seconds(90.0), Ok(Duration::from_secs(90)));
        for bad in [1e300, f64::NAN, f64::INFINITY, -1.0, f64::NEG_INFINITY] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(
            scaled(Duration::from_secs(10), 2.0),
            Duration::from_secs(20)
        );
        assert_eq!(scaled(Duration::from_secs(10), 1e300), MAX_OFFSET);
        assert_eq!(scaled(Duration::from_secs(10), f64::NAN), Duration::ZERO);
        assert_eq!(scaled(MAX_OFFSET, f64::INFINITY), MAX_OFFSET);
    }

    #[test]
    fn speeds_are_checked() {
        assert_eq!(parse_speed("2"), Ok(2.0));
        assert_eq!(parse_speed("0"), Ok(0.0));
        assert_eq!(parse_speed("100"), Ok(100.0));
        for bad in ["NaN", "nan", "inf", "-inf", "1e300", "-1", "fast", "0.0001"] {
            let e = parse_speed(bad).expect_err(bad);
            assert!(!e.contains("NaNx"), "{e}");
        }
        assert!(parse_speed("-1").unwrap_err().contains("negative"));
        assert!(
            parse_speed("NaN").unwrap_err().contains("finite")
                || parse_speed("NaN").unwrap_err().contains("not a number")
        );
    }

    #[test]
    fn human_durations_match_kubernetes() {
        for (secs, want) in [
            (5, "5s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (7_200, "120m"),
            (3 * 3600 + 60, "3h1m"),
            (30 * 3600, "30h"),
            (3 * 86_400 + 3600, "3d1h"),
            (20 * 86_400, "20d"),
            (800 * 86_400, "2y70d"),
        ] {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
    }
}
