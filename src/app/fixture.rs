//! Test fixtures: App state built from `tests/fixtures/console-shop.yaml` without a server.
//! Stores are filled directly with the recording's objects, as a watch would fill them.

use std::path::PathBuf;

use crate::model::object::Obj;
use jiff::Timestamp;
use kube::runtime::reflector::Store;
use kube::runtime::reflector::store::Writer;
use kube::runtime::watcher;

use super::{App, Msg, Options};
use crate::config::Config;
use crate::model::{Catalog, ConnState, ResourceKind, WatchKey, WatchSpec};
use crate::recording::Recording;
use crate::sources::connection::apply_printer_columns;
use crate::sources::{ClusterInfo, SourceEvent};

pub(crate) fn now() -> Timestamp {
    "2025-01-10T12:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn recording() -> Recording {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/console-shop.yaml");
    Recording::load(&path).unwrap_or_else(|e| panic!("fixture: {e}"))
}

pub(crate) fn objects() -> Vec<Obj> {
    recording()
        .objects
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap_or_else(|e| panic!("fixture object: {e}")))
        .collect()
}

/// A discovered kind without printer columns.
pub(crate) fn kind(
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    namespaced: bool,
) -> ResourceKind {
    ResourceKind {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_ascii_lowercase(),
        short_names: Vec::new(),
        namespaced,
        verbs: Vec::new(),
        printer_columns: Vec::new(),
        ..ResourceKind::default()
    }
}

/// The built-in kinds plus the fixture's CRDs, with their printer columns.
pub(crate) fn catalog() -> Catalog {
    let mut kinds: Vec<ResourceKind> = Catalog::builtin()
        .kinds()
        .iter()
        .map(|k| (**k).clone())
        .collect();
    kinds.push(kind(
        "argoproj.io",
        "v1alpha1",
        "Application",
        "applications",
        true,
    ));
    kinds.push(kind(
        "postgresql.cnpg.io",
        "v1",
        "Cluster",
        "clusters",
        true,
    ));
    for o in objects().iter().filter(|o| {
        o.types
            .as_ref()
            .is_some_and(|t| t.kind == "CustomResourceDefinition")
    }) {
        apply_printer_columns(&mut kinds, &o.data.to_json());
    }
    Catalog::new(kinds)
}

pub(crate) fn cluster() -> ClusterInfo {
    ClusterInfo {
        context: "opsdeck-sandbox".into(),
        cluster: "opsdeck-sandbox".into(),
        user: "opsdeck-sandbox".into(),
        namespace: "default".into(),
        server: "http://127.0.0.1:6443".into(),
        contexts: vec!["opsdeck-sandbox".into(), "prod-eu".into()],
    }
}

/// An app in namespace `shop`, connected, with every desired watch filled.
pub(crate) fn app() -> App {
    app_with(Config::default())
}

pub(crate) fn app_with(config: Config) -> App {
    let mut app = App::new(
        config,
        Options {
            namespace: Some("shop".into()),
            all_namespaces: false,
        },
        now(),
    );
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(120, 30)));
    app.dispatch(Msg::Source(SourceEvent::Cluster(cluster())));
    app.dispatch(Msg::Source(SourceEvent::Connection(ConnState::Connected)));
    app.dispatch(Msg::Source(SourceEvent::Version(
        "v1.31.4-eks-2d5f260".into(),
    )));
    app.dispatch(Msg::Source(SourceEvent::Discovered(catalog())));
    feed(&mut app);
    app
}

/// Fills every desired watch that has no data yet from the fixture objects.
pub(crate) fn feed(app: &mut App) {
    let objs = objects();
    for spec in app.desired_watches() {
        if app.watches.contains_key(&spec.key) {
            continue;
        }
        fill(app, &spec, &objs);
    }
}

pub(crate) fn fill(app: &mut App, spec: &WatchSpec, objs: &[Obj]) {
    let mut writer: Writer<Obj> = Writer::new(spec.kind.api_resource());
    for o in objs {
        let t = o.types.as_ref();
        let same_kind =
            t.is_some_and(|t| t.api_version == spec.kind.api_version() && t.kind == spec.kind.kind);
        let in_ns = spec.key.namespace.is_none() || o.metadata.namespace == spec.key.namespace;
        if same_kind && in_ns {
            writer.apply_watcher_event(&watcher::Event::Apply(o.clone()));
        }
    }
    start(app, &spec.key, writer.as_reader());
}

/// Hands the app a watch's store, complete (as the first list does).
pub(crate) fn start(app: &mut App, key: &WatchKey, store: Store<Obj>) {
    app.dispatch(Msg::Source(SourceEvent::WatchStarted {
        key: key.clone(),
        store,
    }));
    app.dispatch(Msg::Source(SourceEvent::WatchReady(key.clone())));
}

/// The embedded `platform` recording's objects (pods, services, nodes of an EKS cluster).
pub(crate) fn platform_objects() -> Vec<Obj> {
    Recording::embedded("platform")
        .unwrap_or_else(|e| panic!("platform recording: {e}"))
        .objects
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap_or_else(|e| panic!("platform object: {e}")))
        .collect()
}

/// When the platform recording was captured (its ages read as at capture time).
pub(crate) fn platform_now() -> Timestamp {
    "2026-11-01T09:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// An app on the platform recording at `size`, with an EKS context, after running the
/// `:` command `command` (`pods -A`, `svc -A`, `nodes`), every watch filled.
pub(crate) fn platform_app(size: (u16, u16), command: &str, config: Config) -> App {
    let mut app = App::new(config, Options::default(), platform_now());
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(size.0, size.1)));
    let arn = "arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod".to_string();
    app.dispatch(Msg::Source(SourceEvent::Cluster(ClusterInfo {
        context: arn.clone(),
        cluster: arn.clone(),
        user: arn,
        namespace: "default".into(),
        server: "http://127.0.0.1:6443".into(),
        contexts: vec!["platform-prod".into()],
    })));
    app.dispatch(Msg::Source(SourceEvent::Connection(ConnState::Connected)));
    app.dispatch(Msg::Source(SourceEvent::Version(
        "v1.31.4-eks-2d5f260".into(),
    )));
    app.dispatch(Msg::Source(SourceEvent::Discovered(catalog())));
    app.run_command_text(command);
    let objs = platform_objects();
    for spec in app.desired_watches() {
        if !app.watches.contains_key(&spec.key) {
            fill(&mut app, &spec, &objs);
        }
    }
    app.flash = None;
    app
}
