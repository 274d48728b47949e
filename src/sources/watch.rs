//! One watch: kube-runtime `watcher` feeding a `reflector` store of `Obj`s, with
//! the default backoff. The app reads the store; this task only says when it changed
//! (coalesced to at most one notice per [`COALESCE`]) or failed.

use std::time::Duration;

use crate::sources::object::Obj;
use futures::StreamExt;
use kube::api::Api;
use kube::runtime::reflector::store::Writer;
use kube::runtime::{WatchStreamExt, reflector, watcher};

use super::prune::Pruning;
use super::{SourceEvent, WatchSpec};

const COALESCE: Duration = Duration::from_millis(80);

pub async fn run(client: kube::Client, spec: WatchSpec, tx: super::Sender) {
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
    if let Some(l) = &key.labels {
        config = config.labels(l);
    }
    if let Some(f) = &key.fields {
        config = config.fields(f);
    }
    // Objects are pruned before the reflector stores (and clones) them.
    let pruning = Pruning::for_kind(&ar);
    let stream = reflector(
        writer,
        watcher(api, config)
            .default_backoff()
            .modify(move |o| pruning.apply(o)),
    );
    let mut stream = std::pin::pin!(stream);
    let mut pending = false;
    let flush = tokio::time::sleep(COALESCE);
    let mut flush = std::pin::pin!(flush);
    loop {
        tokio::select! {
            item = stream.next() => match item {
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
                    tracing::warn!(plural = %key.plural, "watch failed: {e}");
                    let _ = tx.send(SourceEvent::WatchFailed { key: key.clone(), error: super::error_chain(&e) });
                }
                None => break,
            },
            () = &mut flush, if pending => {
                pending = false;
                let _ = tx.send(SourceEvent::WatchChanged(key.clone()));
            }
        }
    }
}
