//! Raw series of a recording (`prometheus.series` entries with `samples`), held compactly:
//! a run of evenly spaced samples (`[offset, value, count, delta]`) stays one entry in
//! memory, so six hours of a 15-second scrape cost a few runs per series, not 1,440 points.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Sample, SampleValue};

/// Scrape interval of runs when the section names none (Prometheus's default is 1 m, the
/// kube-prometheus-stack's 30 s; the console assumes 15 s for `$__rate_interval`).
pub(crate) const DEFAULT_SCRAPE_INTERVAL_S: f64 = 15.0;

/// One entry of a series' `samples`: a sample `[offset, value]` (value a number, `NaN`,
/// `+Inf`, `-Inf` or `stale`), or a run `[offset, value, count, delta]`: `count` samples
/// one scrape interval apart, the k-th worth `value + k·delta`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RawSample {
    Run(f64, f64, u32, f64),
    One(Sample),
}

/// A raw series: labels (with `__name__`) and samples in time order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSeries {
    pub metric: BTreeMap<String, String>,
    pub samples: Vec<RawSample>,
}

/// An entry of `prometheus.series`: a raw series with samples, or (older recordings) a
/// bare label set, listed by `/series` and `/labels` but never in a query's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum SeriesEntry {
    Raw(RawSeries),
    Labels(BTreeMap<String, String>),
}

impl SeriesEntry {
    pub fn labels(&self) -> &BTreeMap<String, String> {
        match self {
            SeriesEntry::Raw(r) => &r.metric,
            SeriesEntry::Labels(l) => l,
        }
    }
}

/// Evenly spaced samples in absolute milliseconds; `stale` runs are one staleness marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    pub(crate) t0: i64,
    pub(crate) every: i64,
    pub n: u32,
    pub(crate) v0: f64,
    pub(crate) dv: f64,
    pub stale: bool,
}

impl Run {
    pub fn end(&self) -> i64 {
        self.t0 + self.every * (i64::from(self.n) - 1)
    }
    fn at(&self, k: u32) -> (i64, f64) {
        (
            self.t0 + self.every * i64::from(k),
            self.v0 + self.dv * f64::from(k),
        )
    }
}

/// A series ready to evaluate.
#[derive(Debug, Clone)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub runs: Vec<Run>,
}

impl Series {
    /// Compiles `samples` (offsets in seconds from `base_ms`); errors say which sample.
    pub(crate) fn compile(
        raw: &RawSeries,
        base_ms: i64,
        every_s: f64,
    ) -> Result<Series, (usize, String)> {
        let every = (every_s * 1000.0).round() as i64;
        let mut runs: Vec<Run> = Vec::with_capacity(raw.samples.len());
        for (i, s) in raw.samples.iter().enumerate() {
            let (off, v0, n, dv, stale) = match *s {
                RawSample::One(Sample(off, SampleValue::Value(v))) => (off, v, 1, 0.0, false),
                RawSample::One(Sample(off, SampleValue::Stale)) => (off, f64::NAN, 1, 0.0, true),
                RawSample::Run(off, v, n, dv) => (off, v, n, dv, false),
            };
            if !off.is_finite() {
                return Err((i, "offsets must be finite numbers of seconds".into()));
            }
            if n == 0 {
                return Err((i, "a run needs a count of at least 1".into()));
            }
            let run = Run {
                t0: base_ms + (off * 1000.0).round() as i64,
                every: every.max(1),
                n,
                v0,
                dv,
                stale,
            };
            if let Some(prev) = runs.last()
                && run.t0 <= prev.end()
            {
                return Err((
                    i,
                    "samples must be in time order (a run ends before the next sample)".into(),
                ));
            }
            runs.push(run);
        }
        Ok(Series {
            labels: raw.metric.clone(),
            runs,
        })
    }

    /// The latest sample at or before `t`: its time and value (`None` for a staleness marker).
    pub(crate) fn last_at(&self, t: i64) -> Option<(i64, Option<f64>)> {
        let i = self.runs.partition_point(|r| r.t0 <= t);
        let r = self.runs.get(i.checked_sub(1)?)?;
        let k = (((t - r.t0) / r.every) as u64).min(u64::from(r.n - 1)) as u32;
        let (ts, v) = r.at(k);
        Some((ts, if r.stale { None } else { Some(v) }))
    }

    /// Samples (not staleness markers) with `from < time <= to`, appended to `out`.
    pub(crate) fn window(&self, from: i64, to: i64, out: &mut Vec<(i64, f64)>) {
        let first = self.runs.partition_point(|r| r.end() <= from);
        for r in &self.runs[first..] {
            if r.t0 > to {
                break;
            }
            if r.stale {
                continue;
            }
            let k0 = if r.t0 > from {
                0
            } else {
                ((from - r.t0) / r.every + 1) as u32
            };
            let mut k = k0;
            while k < r.n {
                let (ts, v) = r.at(k);
                if ts > to {
                    break;
                }
                out.push((ts, v));
                k += 1;
            }
        }
    }

    /// Whether the series has a sample (or marker) in `[from, to]`.
    pub(crate) fn touches(&self, from: i64, to: i64) -> bool {
        let i = self.runs.partition_point(|r| r.end() < from);
        self.runs.get(i).is_some_and(|r| r.t0 <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(samples: Vec<RawSample>) -> Series {
        Series::compile(
            &RawSeries {
                metric: BTreeMap::new(),
                samples,
            },
            0,
            15.0,
        )
        .expect("compiles")
    }

    #[test]
    fn runs_expand_lazily() {
        let s = series(vec![
            RawSample::Run(0.0, 10.0, 4, 1.0),
            RawSample::One(Sample(60.0, SampleValue::Stale)),
            RawSample::One(Sample(120.0, SampleValue::Value(5.0))),
        ]);
        assert_eq!(s.last_at(-1), None);
        assert_eq!(s.last_at(0), Some((0, Some(10.0))));
        assert_eq!(s.last_at(29_999), Some((15_000, Some(11.0))));
        assert_eq!(s.last_at(59_000), Some((45_000, Some(13.0))));
        assert_eq!(s.last_at(60_000), Some((60_000, None)));
        assert_eq!(s.last_at(500_000), Some((120_000, Some(5.0))));
        let mut out = vec![];
        s.window(0, 45_000, &mut out);
        assert_eq!(out, vec![(15_000, 11.0), (30_000, 12.0), (45_000, 13.0)]);
        out.clear();
        s.window(-1, 200_000, &mut out);
        assert_eq!(out.len(), 5, "stale markers are not samples: {out:?}");
        assert!(s.touches(50_000, 60_000));
        assert!(!s.touches(61_000, 119_000));
    }

    #[test]
    fn overlapping_samples_are_refused() {
        let raw = RawSeries {
            metric: BTreeMap::new(),
            samples: vec![
                RawSample::Run(0.0, 1.0, 3, 0.0),
                RawSample::One(Sample(30.0, SampleValue::Value(1.0))),
            ],
        };
        let (i, msg) = Series::compile(&raw, 0, 15.0).unwrap_err();
        assert_eq!(i, 1);
        assert!(msg.contains("time order"), "{msg}");
    }

    #[test]
    fn entries_parse_as_raw_series_or_label_sets() {
        let text = r#"
- {__name__: up, job: node}
- metric: {__name__: up, job: api}
  samples: [[-60, 1], [-45, 1, 4, 0], [15, stale]]
"#;
        let entries: Vec<SeriesEntry> = serde_saphyr::from_str(text).expect("parses");
        assert!(matches!(entries[0], SeriesEntry::Labels(_)));
        let SeriesEntry::Raw(r) = &entries[1] else {
            panic!("raw series expected: {entries:?}");
        };
        assert_eq!(r.samples[1], RawSample::Run(-45.0, 1.0, 4, 0.0));
        assert_eq!(
            r.samples[2],
            RawSample::One(Sample(15.0, SampleValue::Stale))
        );
    }
}
