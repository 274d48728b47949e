//! Pod log streaming (`Api::<Pod>::log_stream` with follow), in batches of lines.
//!
//! A followed stream that drops (a connection error, or the server closing it while the
//! container still runs) is reopened with backoff from the last line's timestamp
//! (`sinceTime`), and the lines already shown are skipped ([`Resume`]). The app hears
//! [`SourceEvent::LogReconnecting`] when it drops and [`SourceEvent::LogResumed`] when it
//! is open again.

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::{LogRequest, SourceEvent};

const BATCH: usize = 512;
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(8);
/// Opening a log stream that gets no answer within this long failed (a black-holed server).
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a dropped stream resumes: the last line's timestamp, and the lines already shown
/// with exactly that timestamp (`sinceTime` has a resolution of a second, so the reopened
/// stream repeats that second).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Resume {
    last: Option<Timestamp>,
    at_last: Vec<String>,
}

impl Resume {
    /// The `sinceTime` to reopen with: the last line's second (kube rounds `sinceTime` to
    /// the nearest second, which could skip the rest of that second).
    pub(crate) fn since(&self) -> Option<Timestamp> {
        self.last
            .and_then(|t| Timestamp::from_second(t.as_second()).ok())
    }

    /// Whether `line` (with the server's timestamp prefix) is new; remembers it if so.
    pub(crate) fn admit(&mut self, line: &str) -> bool {
        let Some(ts) = line
            .split_once(' ')
            .and_then(|(ts, _)| ts.parse::<Timestamp>().ok())
        else {
            // Without a timestamp a line cannot be placed; show it.
            return true;
        };
        match self.last {
            Some(last) if ts < last => false,
            Some(last) if ts == last => {
                if self.at_last.iter().any(|l| l == line) {
                    false
                } else {
                    self.at_last.push(line.to_string());
                    true
                }
            }
            _ => {
                self.last = Some(ts);
                self.at_last.clear();
                self.at_last.push(line.to_string());
                true
            }
        }
    }
}

/// How one opened stream ended.
enum End {
    /// The server closed it cleanly.
    Closed,
    /// Reading failed (the connection dropped).
    Broken(String),
    /// The app is gone.
    Gone,
}

pub(crate) async fn run(client: kube::Client, req: LogRequest, tx: super::Sender) {
    let api: Api<Pod> = Api::namespaced(client, &req.namespace);
    let follow = !req.previous;
    let mut resume = Resume::default();
    let mut wait = RETRY_MIN;
    // None before the first open; Some(error) while reconnecting.
    let mut dropped: Option<String> = None;
    loop {
        let params = LogParams {
            container: Some(req.container.clone()),
            follow,
            previous: req.previous,
            timestamps: true,
            // The first open fetches the tail; a reopen everything since the last line.
            tail_lines: resume.since().is_none().then_some(req.tail),
            since_time: resume.since(),
            ..Default::default()
        };
        let opened = tokio::time::timeout(OPEN_TIMEOUT, api.log_stream(&req.pod, &params)).await;
        let reader = match (opened, &dropped) {
            (Ok(Ok(r)), _) => r,
            // The first open fails as it did before: say why and stop.
            (Ok(Err(e)), None) => {
                let _ = tx.send(SourceEvent::LogEnded {
                    id: req.id,
                    error: Some(super::error_chain(&e)),
                });
                return;
            }
            (Err(_), None) => {
                let _ = tx.send(SourceEvent::LogEnded {
                    id: req.id,
                    error: Some(format!("no answer within {}s", OPEN_TIMEOUT.as_secs())),
                });
                return;
            }
            // The pod or container is gone for good: say so and stop.
            (Ok(Err(kube::Error::Api(s))), Some(_)) if s.code == 404 || s.code == 400 => {
                let _ = tx.send(SourceEvent::LogEnded {
                    id: req.id,
                    error: Some(s.message.clone()),
                });
                return;
            }
            (Ok(Err(_)) | Err(_), Some(_)) => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
                continue;
            }
        };
        if dropped.take().is_some() {
            tracing::info!(pod = %req.pod, "log stream resumed");
            if tx.send(SourceEvent::LogResumed { id: req.id }).is_err() {
                return;
            }
        }
        let end = read(reader, &req, &mut resume, &tx).await;
        let error = match end {
            End::Gone => return,
            End::Broken(e) if follow => e,
            End::Closed if follow => {
                if !still_running(&api, &req).await {
                    let _ = tx.send(SourceEvent::LogEnded {
                        id: req.id,
                        error: None,
                    });
                    return;
                }
                "the server closed the stream".to_string()
            }
            End::Broken(e) => {
                let _ = tx.send(SourceEvent::LogEnded {
                    id: req.id,
                    error: Some(e),
                });
                return;
            }
            End::Closed => {
                let _ = tx.send(SourceEvent::LogEnded {
                    id: req.id,
                    error: None,
                });
                return;
            }
        };
        tracing::warn!(pod = %req.pod, "log stream dropped: {error}");
        if tx
            .send(SourceEvent::LogReconnecting {
                id: req.id,
                error: error.clone(),
            })
            .is_err()
        {
            return;
        }
        dropped = Some(error);
        wait = RETRY_MIN;
        tokio::time::sleep(wait).await;
    }
}

/// Reads one opened stream to its end, sending the new lines.
async fn read(
    reader: impl futures::AsyncBufRead + Unpin,
    req: &LogRequest,
    resume: &mut Resume,
    tx: &super::Sender,
) -> End {
    let mut lines = reader.lines().ready_chunks(BATCH);
    while let Some(chunk) = lines.next().await {
        let mut batch = Vec::with_capacity(chunk.len());
        let mut broken = None;
        for line in chunk {
            match line {
                Ok(l) => {
                    if resume.admit(&l) {
                        batch.push(l);
                    }
                }
                Err(e) => {
                    broken = Some(e.to_string());
                    break;
                }
            }
        }
        if !batch.is_empty()
            && tx
                .send(SourceEvent::LogLines {
                    id: req.id,
                    lines: batch,
                })
                .is_err()
        {
            return End::Gone;
        }
        if let Some(e) = broken {
            return End::Broken(e);
        }
    }
    End::Closed
}

/// Whether the container still runs (so a closed follow stream was dropped, not finished).
async fn still_running(api: &Api<Pod>, req: &LogRequest) -> bool {
    let Ok(Ok(pod)) = tokio::time::timeout(OPEN_TIMEOUT, api.get(&req.pod)).await else {
        // Cannot tell (the server is away too): keep trying.
        return true;
    };
    pod.status
        .and_then(|s| s.container_statuses)
        .unwrap_or_default()
        .iter()
        .find(|c| c.name == req.container)
        .is_some_and(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_skips_lines_already_shown() {
        let mut r = Resume::default();
        assert_eq!(r.since(), None);
        assert!(r.admit("2026-11-01T09:00:00.100Z a"));
        assert!(r.admit("2026-11-01T09:00:00.500Z b"));
        assert!(r.admit("2026-11-01T09:00:00.500Z c"));
        assert_eq!(r.since(), Some("2026-11-01T09:00:00Z".parse().unwrap()));
        // The reopened stream repeats the second of the last line.
        assert!(!r.admit("2026-11-01T09:00:00.100Z a"));
        assert!(!r.admit("2026-11-01T09:00:00.500Z b"));
        assert!(!r.admit("2026-11-01T09:00:00.500Z c"));
        assert!(r.admit("2026-11-01T09:00:00.500Z d"));
        assert!(r.admit("2026-11-01T09:00:01Z e"));
        assert!(!r.admit("2026-11-01T09:00:00.500Z d"));
        assert!(r.admit("no timestamp"));
    }
}
