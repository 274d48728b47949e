//! Fixture state for the waves pane from the shipped recordings, without a server: the
//! recording's objects go through the sandbox's store (the code the server runs, so
//! resourceVersions and timeline patches are as a client would see them), optionally with the
//! whole timeline applied, and the pane's watches are filled from the result.

use std::path::PathBuf;

use crate::model::object::Obj;
use jiff::Timestamp;
use serde_json::Value;

use super::super::fixture as console;
use super::super::{App, Msg, Options};
use crate::config::Config;
use crate::model::ConnState;
use crate::recording::Recording;
use crate::sandbox::logs::Logs;
use crate::sandbox::selector::{FieldSelector, LabelSelector};
use crate::sandbox::server::Shared;
use crate::sandbox::store::Store;
use crate::sandbox::timeline::apply_change;
use crate::sources::SourceEvent;

fn load(name: &str) -> Recording {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("recordings")
        .join(format!("{name}.yaml"));
    Recording::load(&path).unwrap_or_else(|e| panic!("recording {name}: {e}"))
}

/// The recording's objects after the first `steps` timeline entries (all for `None`).
pub(crate) fn state(name: &str, steps: Option<usize>) -> Vec<Obj> {
    let rec = load(name);
    let shared = Shared {
        store: Store::new(),
        logs: Logs::default(),
        kubernetes_version: rec.metadata.kubernetes_version.clone(),
        server_address: "127.0.0.1:0".into(),
    };
    let rank = |o: &Value| match o.get("kind").and_then(Value::as_str) {
        Some("CustomResourceDefinition") => 0,
        Some("Namespace") => 1,
        _ => 2,
    };
    let mut objects = rec.objects.clone();
    objects.sort_by_key(|o| rank(o));
    for o in objects {
        shared
            .store
            .load(o)
            .unwrap_or_else(|e| panic!("{name}: load: {e}"));
    }
    let n = steps.unwrap_or(rec.timeline.len());
    for entry in rec.timeline.iter().take(n) {
        apply_change(&shared, &entry.change).unwrap_or_else(|e| panic!("{name}: timeline: {e}"));
    }
    let mut out = Vec::new();
    for rt in shared.store.registry().types() {
        let page = shared
            .store
            .list(
                rt,
                "",
                &LabelSelector::default(),
                &FieldSelector::default(),
                None,
                None,
            )
            .unwrap_or_else(|e| panic!("{name}: list: {e:?}"));
        for item in page.items {
            let obj: Obj = serde_json::from_value((*item).clone())
                .unwrap_or_else(|e| panic!("{name}: object: {e}"));
            out.push(obj);
        }
    }
    out
}

/// `recordedAt` plus an offset, as the sandbox would serve the recording at that moment
/// (without the time shift: timestamps stay as written).
pub(crate) fn at(name: &str, secs: i64) -> Timestamp {
    let rec = load(name);
    let base: Timestamp = rec
        .metadata
        .recorded_at
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    base.checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap_or(base)
}

/// An app connected to a fake server at `now`, with `:waves` open and every watch filled.
pub(crate) fn waves_app(objects: &[Obj], now: Timestamp, config: Config) -> App {
    let mut app = App::new(
        config,
        Options {
            namespace: Some("argo".into()),
            all_namespaces: false,
        },
        now,
    );
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(120, 30)));
    app.dispatch(Msg::Source(SourceEvent::Cluster(console::cluster())));
    app.dispatch(Msg::Source(SourceEvent::Connection(ConnState::Connected)));
    app.dispatch(Msg::Source(SourceEvent::Version(
        "v1.31.4-eks-2d5f260".into(),
    )));
    app.dispatch(Msg::Source(SourceEvent::Discovered(console::catalog())));
    app.open_waves();
    feed(&mut app, objects);
    app
}

/// Fills every desired watch without data, until the set of watches settles (the pane
/// adds Deployment and Pod watches once it knows which apps are unhealthy).
pub(crate) fn feed(app: &mut App, objects: &[Obj]) {
    for _ in 0..8 {
        let missing: Vec<_> = app
            .desired_watches()
            .into_iter()
            .filter(|s| !app.watches.contains_key(&s.key))
            .collect();
        if missing.is_empty() {
            return;
        }
        for spec in missing {
            console::fill(app, &spec, objects);
        }
    }
}

/// Replaces the data of every watch with `objects` (a watch relisting after changes).
pub(crate) fn replace(app: &mut App, objects: &[Obj]) {
    for spec in app.desired_watches() {
        console::fill(app, &spec, objects);
    }
    feed(app, objects);
}

/// `platform`: the healthy app of apps, as recorded.
pub(crate) fn platform() -> App {
    waves_app(
        &state("platform", Some(0)),
        at("platform", 0),
        Config::default(),
    )
}

/// `wave-stuck` after its whole timeline: stalled behind a Degraded cert-manager.
pub(crate) fn stuck() -> App {
    waves_app(
        &state("wave-stuck", None),
        at("wave-stuck", 25),
        Config::default(),
    )
}
