//! One watch: kube-runtime `watcher` feeding a `reflector` store of `Obj`s. The app reads the
//! store; this task only says when it changed (coalesced to at most one notice per
//! [`COALESCE`]), failed, or works again.
//!
//! After a failure the task stops polling the watcher and probes the server with a one-item
//! list of the same kind (backing off [`PROBE_MIN`] … [`PROBE_MAX`]). Once the server answers,
//! the watcher resumes from its last resourceVersion (or relists after 410 Gone); when that
//! watch stays open for [`GRACE`] or delivers anything, the task reports
//! [`SourceEvent::WatchResumed`]. kube-runtime's watcher says nothing when a watch reopens
//! without a relist, so without this a quiet kind would stay "stale" forever.

use std::time::Duration;

use crate::model::object::Obj;
use futures::StreamExt;
use kube::api::{Api, ListParams};
use kube::runtime::reflector::store::Writer;
use kube::runtime::{WatchStreamExt, reflector, watcher};

use super::SourceEvent;
use super::prune::Pruning;
use crate::model::WatchSpec;

const COALESCE: Duration = Duration::from_millis(80);
/// First wait before probing a failed watch's server again.
pub(crate) const PROBE_MIN: Duration = Duration::from_millis(500);
/// Longest wait between probes (the fault suite's 30 s recovery bound relies on it).
pub(crate) const PROBE_MAX: Duration = Duration::from_secs(8);
/// A probe that gets no answer within this long failed (a black-holed server).
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a reopened watch must stay open (without an error) to count as working.
pub(crate) const GRACE: Duration = Duration::from_secs(1);
/// A failure this long after the previous one starts backing off from [`PROBE_MIN`] again.
const CALM: Duration = Duration::from_secs(60);

pub(crate) async fn run(client: kube::Client, spec: WatchSpec, tx: super::Sender) {
    let ar = spec.kind.api_resource();
    let key = spec.key.clone();
    let writer: Writer<Obj> = Writer::new(ar.clone());
    let _ = tx.send(SourceEvent::WatchStarted {
        key: key.clone(),
        store: writer.as_reader(),
    });
    let api: Api<Obj> = match &key.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    };
    let mut config = watcher::Config::default();
    let mut probe = ListParams::default().limit(1);
    if let Some(l) = &key.labels {
        config = config.labels(l);
        probe = probe.labels(l);
    }
    if let Some(f) = &key.fields {
        config = config.fields(f);
        probe = probe.fields(f);
    }
    // Objects are pruned before the reflector stores (and clones) them.
    let pruning = Pruning::for_kind(&ar);
    // No `default_backoff()`: after an error the loop below waits (probing) before it polls
    // the watcher again, which is when the watcher retries.
    let stream = reflector(
        writer,
        watcher(api.clone(), config).modify(move |o| pruning.apply(o)),
    );
    let mut stream = std::pin::pin!(stream);
    let mut pending = false;
    let flush = tokio::time::sleep(COALESCE);
    let mut flush = std::pin::pin!(flush);
    // Set after a failure once the server answers again: the watch counts as resumed when
    // this passes without a new error.
    let mut resuming = false;
    let grace = tokio::time::sleep(GRACE);
    let mut grace = std::pin::pin!(grace);
    let mut wait = PROBE_MIN;
    let mut last_failure: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            item = stream.next() => {
                if resuming && matches!(item, Some(Ok(_))) {
                    resuming = false;
                    let _ = tx.send(SourceEvent::WatchResumed(key.clone()));
                }
                match item {
                    Some(Ok(watcher::Event::InitDone)) => {
                        pending = false;
                        let _ = tx.send(SourceEvent::WatchReady(key.clone()));
                    }
                    Some(Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_))) => {
                        if !pending {
                            pending = true;
                            flush.as_mut().reset(tokio::time::Instant::now() + COALESCE);
                        }
                    }
                    Some(Ok(watcher::Event::Init | watcher::Event::InitApply(_))) => {}
                    Some(Err(e)) => {
                        // Failures in a row (a 410 storm, a flapping link) back off; a
                        // failure after a quiet while starts from the shortest wait.
                        if last_failure.is_none_or(|t| t.elapsed() > CALM) {
                            wait = PROBE_MIN;
                        }
                        last_failure = Some(tokio::time::Instant::now());
                        tracing::warn!(plural = %key.plural, "watch failed: {e}");
                        // Changes seen before the failure are announced before it, so that a
                        // notice after it always comes from a working watch.
                        if pending {
                            pending = false;
                            let _ = tx.send(SourceEvent::WatchChanged(key.clone()));
                        }
                        let _ = tx.send(SourceEvent::WatchFailed { key: key.clone(), error: super::error_chain(&e) });
                        wait = wait_for_server(&api, &probe, wait).await;
                        resuming = true;
                        grace.as_mut().reset(tokio::time::Instant::now() + GRACE);
                    }
                    None => break,
                }
            }
            () = &mut flush, if pending => {
                pending = false;
                let _ = tx.send(SourceEvent::WatchChanged(key.clone()));
            }
            () = &mut grace, if resuming => {
                resuming = false;
                tracing::info!(plural = %key.plural, "watch resumed");
                let _ = tx.send(SourceEvent::WatchResumed(key.clone()));
            }
        }
    }
}

/// Waits (backing off from `wait`) until a one-item list of the watched kind succeeds.
/// Returns the wait to use after the next failure.
async fn wait_for_server(api: &Api<Obj>, probe: &ListParams, mut wait: Duration) -> Duration {
    loop {
        tokio::time::sleep(wait).await;
        wait = next_wait(wait);
        match tokio::time::timeout(PROBE_TIMEOUT, api.list_metadata(probe)).await {
            Ok(Ok(_)) => return wait,
            Ok(Err(e)) => tracing::debug!("watch probe failed: {e}"),
            Err(_) => tracing::debug!("watch probe got no answer"),
        }
    }
}

/// The wait after `wait`: doubled, at most [`PROBE_MAX`].
pub(crate) fn next_wait(wait: Duration) -> Duration {
    (wait * 2).clamp(PROBE_MIN, PROBE_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_waits_double_up_to_the_cap() {
        let mut w = PROBE_MIN;
        let mut seen = vec![w];
        for _ in 0..6 {
            w = next_wait(w);
            seen.push(w);
        }
        assert_eq!(seen[1], Duration::from_secs(1));
        assert_eq!(*seen.last().unwrap(), PROBE_MAX);
        // Time from the server's return to the next probe is at most PROBE_MAX, and a probe
        // never waits more than PROBE_TIMEOUT: the fault suite's 30 s bound holds.
        assert!(PROBE_MAX + PROBE_TIMEOUT + GRACE < Duration::from_secs(30));
    }
}
