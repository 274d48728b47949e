//! Test fixtures of the CNPG pane, without a server: the objects of a recording (`platform`,
//! `cnpg-failover`) with its timeline applied up to an offset, as a watch would see them
//! (each change bumps a resourceVersion), fed into the app's stores.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::object::Obj;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::app::fixture;
use crate::app::{App, Msg, Options};
use crate::config::Config;
use crate::model::{Catalog, ConnState, ResourceKind};
use crate::recording::{Change, Recording};
use crate::sources::{ClusterInfo, SourceEvent};

type ObjKey = (String, String, String, String);

/// A recording's objects and how far its timeline has been applied.
pub(crate) struct World {
    pub recording: Recording,
    objects: BTreeMap<ObjKey, Value>,
    next: usize,
    rv: u64,
}

fn key_of(v: &Value) -> ObjKey {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

impl World {
    pub(crate) fn new(name: &str) -> World {
        let recording = Recording::embedded(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut w = World {
            objects: BTreeMap::new(),
            next: 0,
            rv: 0,
            recording: recording.clone(),
        };
        for o in recording.objects {
            w.put(o);
        }
        w
    }

    fn put(&mut self, mut v: Value) {
        self.rv += 1;
        v["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.objects.insert(key_of(&v), v);
    }

    /// When the recording was captured: offset 0 of its timeline.
    pub(crate) fn start(&self) -> Timestamp {
        self.recording
            .metadata
            .recorded_at
            .as_deref()
            .and_then(|t| t.parse().ok())
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub(crate) fn at(&self, offset: Duration) -> Timestamp {
        self.start()
            .checked_add(SignedDuration::try_from(offset).unwrap_or_default())
            .unwrap_or(self.start())
    }

    /// Offsets of the timeline's remaining steps (entries sharing an offset are one step).
    pub(crate) fn pending_offsets(&self) -> Vec<Duration> {
        let mut out: Vec<Duration> = self.recording.timeline[self.next..]
            .iter()
            .map(|e| e.at)
            .collect();
        out.dedup();
        out
    }

    /// Applies every timeline entry at or before `offset` not applied yet.
    pub(crate) fn advance_to(&mut self, offset: Duration) {
        while let Some(entry) = self.recording.timeline.get(self.next).cloned() {
            if entry.at > offset {
                break;
            }
            self.next += 1;
            match entry.change {
                Change::Apply(v) => self.put(v),
                Change::Patch(p) => {
                    let key = (
                        p.api_version.clone(),
                        p.kind.clone(),
                        p.namespace.clone().unwrap_or_default(),
                        p.name.clone(),
                    );
                    if let Some(mut v) = self.objects.get(&key).cloned() {
                        json_patch::merge(&mut v, &p.patch);
                        self.put(v);
                    }
                }
                Change::Delete(r) => {
                    self.objects.remove(&(
                        r.api_version,
                        r.kind,
                        r.namespace.unwrap_or_default(),
                        r.name,
                    ));
                }
                Change::Log(_) => {}
            }
        }
    }

    pub(crate) fn dynamic(&self) -> Vec<Obj> {
        self.objects
            .values()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect()
    }

    pub(crate) fn get(&self, kind: &str, ns: &str, name: &str) -> Option<&Value> {
        self.objects
            .iter()
            .find(|(k, _)| k.1 == kind && k.2 == ns && k.3 == name)
            .map(|(_, v)| v)
    }
}

/// The built-in kinds plus CNPG Clusters and PodDisruptionBudgets, as discovery finds them.
pub(crate) fn catalog() -> Catalog {
    let mut kinds: Vec<ResourceKind> = Catalog::builtin()
        .kinds()
        .iter()
        .map(|k| (**k).clone())
        .collect();
    kinds.push(crate::app::fixture::kind(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ));
    kinds.push(crate::app::fixture::kind(
        "postgresql.cnpg.io",
        "v1",
        "Cluster",
        "clusters",
        true,
    ));
    Catalog::new(kinds)
}

pub(crate) fn cluster_info() -> ClusterInfo {
    crate::app::fixture::cluster()
}

/// A connected app (size `w`×`h`) at the world's current time, every watch filled.
pub(crate) fn app(world: &World, config: Config, size: (u16, u16)) -> App {
    let mut app = App::new(config, Options::default(), world.start());
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(size.0, size.1)));
    app.dispatch(Msg::Source(SourceEvent::Cluster(cluster_info())));
    app.dispatch(Msg::Source(SourceEvent::Connection(ConnState::Connected)));
    app.dispatch(Msg::Source(SourceEvent::Version(
        "v1.31.4-eks-2d5f260".into(),
    )));
    app.dispatch(Msg::Source(SourceEvent::Discovered(catalog())));
    feed(&mut app, world);
    app
}

/// Fills every watch the app runs (views and background) from the world's objects, the
/// Clusters first, then the pods, then the rest (as watch events of one instant).
pub(crate) fn feed(app: &mut App, world: &World) {
    let objs = world.dynamic();
    let mut specs = app.all_watches();
    specs.sort_by_key(|s| match s.key.plural.as_str() {
        "clusters" => 0,
        "pods" => 1,
        _ => 2,
    });
    for spec in specs {
        // A label-selected watch only holds the labelled objects.
        let selected: Vec<Obj> = match &spec.key.labels {
            Some(l) => objs
                .iter()
                .filter(|o| {
                    o.metadata
                        .labels
                        .as_ref()
                        .is_some_and(|m| m.contains_key(l))
                })
                .cloned()
                .collect(),
            None => objs.clone(),
        };
        fixture::fill(app, &spec, &selected);
    }
}

/// Plays the world's timeline up to `offset` step by step, feeding the app at each step's
/// time (as the live console would see it).
pub(crate) fn play_to(app: &mut App, world: &mut World, offset: Duration) {
    for at in world.pending_offsets() {
        if at > offset {
            break;
        }
        world.advance_to(at);
        app.dispatch(Msg::Tick(world.at(at)));
        feed(app, world);
    }
    app.dispatch(Msg::Tick(world.at(offset)));
}
