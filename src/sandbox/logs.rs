//! Container logs served by the pod `log` subresource: recorded lines plus lines the
//! timeline appends, streamed to followers.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::broadcast;

/// (namespace, pod, container)
pub(crate) type LogKey = (String, String, String);

/// Receives the lines appended after a read.
pub(crate) type LogReceiver = broadcast::Receiver<(LogKey, String)>;

/// How many lines are kept per container (older ones are dropped, as kubelet rotates).
const MAX_LINES: usize = 10_000;

#[derive(Default)]
struct Inner {
    current: HashMap<LogKey, Vec<String>>,
    previous: HashMap<LogKey, Vec<String>>,
}

/// Saved log lines (see [`Logs::snapshot`]).
#[derive(Debug, Clone, Default)]
pub struct LogSnapshot {
    current: HashMap<LogKey, Vec<String>>,
    previous: HashMap<LogKey, Vec<String>>,
}

pub struct Logs {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<(LogKey, String)>,
}

impl Default for Logs {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Logs {
            inner: Mutex::new(Inner::default()),
            tx,
        }
    }
}

/// Options of a log request (`kubectl logs` flags).
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub(crate) previous: bool,
    pub(crate) timestamps: bool,
    pub(crate) tail_lines: Option<usize>,
    pub(crate) since_seconds: Option<i64>,
    /// `sinceTime`: lines at or after this instant.
    pub(crate) since_time: Option<jiff::Timestamp>,
}

/// Splits `2026-11-01T09:00:00.123Z message` into its timestamp and message.
pub(crate) fn split_timestamp(line: &str) -> (Option<jiff::Timestamp>, &str) {
    match line.split_once(' ') {
        Some((ts, rest)) => match ts.parse::<jiff::Timestamp>() {
            Ok(t) => (Some(t), rest),
            Err(_) => (None, line),
        },
        None => (None, line),
    }
}

/// A stored line as the client asked for it (with or without its timestamp).
pub(crate) fn format_line(line: &str, timestamps: bool) -> String {
    let (ts, msg) = split_timestamp(line);
    match (timestamps, ts) {
        (true, Some(_)) | (true, None) => format!("{line}\n"),
        (false, _) => format!("{msg}\n"),
    }
}

impl Logs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set(&self, key: LogKey, lines: Vec<String>, previous: Vec<String>) {
        let mut inner = self.lock();
        if !previous.is_empty() {
            inner.previous.insert(key.clone(), previous);
        }
        inner.current.insert(key, lines);
    }

    /// Every container's lines now, to go back to with [`Logs::restore`] (replay seek).
    pub fn snapshot(&self) -> LogSnapshot {
        let inner = self.lock();
        LogSnapshot {
            current: inner.current.clone(),
            previous: inner.previous.clone(),
        }
    }

    /// Puts the lines back as they were in `snap` (followers keep following).
    pub(crate) fn restore(&self, snap: &LogSnapshot) {
        let mut inner = self.lock();
        inner.current = snap.current.clone();
        inner.previous = snap.previous.clone();
    }

    /// Appends a line (from the timeline) and sends it to followers.
    pub fn push(&self, key: LogKey, line: String) {
        let mut inner = self.lock();
        let lines = inner.current.entry(key.clone()).or_default();
        lines.push(line.clone());
        if lines.len() > MAX_LINES {
            let excess = lines.len() - MAX_LINES;
            lines.drain(..excess);
        }
        let _ = self.tx.send((key, line));
    }

    /// Lines for a request, and (for `follow`) a receiver of later lines; taken under one
    /// lock so no line is lost or doubled.
    pub fn read(&self, key: &LogKey, q: &LogQuery) -> Option<(Vec<String>, LogReceiver)> {
        let inner = self.lock();
        let rx = self.tx.subscribe();
        let source = if q.previous {
            inner.previous.get(key)?
        } else {
            match inner.current.get(key) {
                Some(l) => l,
                None => return Some((Vec::new(), rx)),
            }
        };
        let now = jiff::Timestamp::now().as_second();
        let mut lines: Vec<String> = source
            .iter()
            .filter(|l| match (q.since_seconds, split_timestamp(l).0) {
                (Some(s), Some(t)) => now - t.as_second() <= s,
                _ => true,
            })
            .filter(|l| match (q.since_time, split_timestamp(l).0) {
                (Some(since), Some(t)) => t >= since,
                _ => true,
            })
            .cloned()
            .collect();
        if let Some(n) = q.tail_lines {
            let skip = lines.len().saturating_sub(n);
            lines.drain(..skip);
        }
        Some((lines, rx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LogKey {
        ("ns".into(), "pod".into(), "app".into())
    }

    #[test]
    fn tail_previous_and_timestamps() {
        let logs = Logs::default();
        logs.set(
            key(),
            vec![
                "2026-11-01T09:00:00Z one".into(),
                "2026-11-01T09:00:01Z two".into(),
            ],
            vec!["2026-11-01T08:00:00Z crashed".into()],
        );
        let q = LogQuery {
            tail_lines: Some(1),
            ..Default::default()
        };
        let (lines, _) = logs.read(&key(), &q).expect("current");
        assert_eq!(lines, vec!["2026-11-01T09:00:01Z two".to_string()]);
        assert_eq!(format_line(&lines[0], false), "two\n");
        assert_eq!(format_line(&lines[0], true), "2026-11-01T09:00:01Z two\n");
        let q = LogQuery {
            previous: true,
            ..Default::default()
        };
        assert_eq!(logs.read(&key(), &q).expect("previous").0.len(), 1);
        let since = LogQuery {
            since_time: Some("2026-11-01T09:00:01Z".parse().expect("time")),
            ..Default::default()
        };
        assert_eq!(
            logs.read(&key(), &since).expect("since").0,
            vec!["2026-11-01T09:00:01Z two".to_string()]
        );
        let other = ("ns".into(), "pod".into(), "other".into());
        assert!(logs.read(&other, &q).is_none());
    }

    #[test]
    fn followers_get_pushed_lines() {
        let logs = Logs::default();
        let (_, mut rx) = logs.read(&key(), &LogQuery::default()).expect("empty ok");
        logs.push(key(), "2026-11-01T09:00:02Z three".into());
        let (k, line) = rx.try_recv().expect("line sent");
        assert_eq!(k, key());
        assert!(line.ends_with("three"));
    }
}
