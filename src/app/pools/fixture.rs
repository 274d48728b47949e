//! Test fixtures of the node pools pane: App state from the embedded `platform` recording
//! (8 nodes in pools infra, apps, database; its pods; its recorded EKS node groups), with
//! stores filled directly as a watch would fill them. No network.

use std::sync::OnceLock;

use crate::model::object::Obj;
use serde_json::Value;

use super::super::fixture::{fill, now};
use super::super::{App, Msg, Options};
use crate::config::Config;
use crate::domain::pools::NodegroupInfo;
use crate::model::{Catalog, ConnState};
use crate::recording::Recording;
use crate::sources::eks::kubernetes_effect;
use crate::sources::nodegroups::EksEvent;
use crate::sources::{ClusterInfo, SourceEvent};

pub(crate) const ARN: &str = "arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod";
pub(crate) const CLUSTER: &str = "platform-prod";

fn recording() -> &'static Recording {
    static REC: OnceLock<Recording> = OnceLock::new();
    REC.get_or_init(|| {
        Recording::embedded("platform").unwrap_or_else(|e| panic!("platform recording: {e}"))
    })
}

/// The recording's initial objects.
pub(crate) fn objects() -> &'static [Obj] {
    static OBJS: OnceLock<Vec<Obj>> = OnceLock::new();
    OBJS.get_or_init(|| {
        recording()
            .objects
            .iter()
            .map(|v| serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("object: {e}")))
            .collect()
    })
}

/// The recording's EKS node groups, as the EKS source would describe them.
pub(crate) fn nodegroups() -> Vec<NodegroupInfo> {
    let eks = recording()
        .eks
        .as_ref()
        .expect("platform has an eks section");
    eks.nodegroups.iter().map(nodegroup).collect()
}

fn nodegroup(v: &Value) -> NodegroupInfo {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let n = |p: &str| v.pointer(p).and_then(Value::as_i64).unwrap_or(0) as i32;
    let list = |p: &str| -> Vec<Value> {
        v.pointer(p)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    NodegroupInfo {
        name: s("/nodegroupName").unwrap_or_default(),
        status: s("/status").unwrap_or_default(),
        min_size: n("/scalingConfig/minSize"),
        desired_size: n("/scalingConfig/desiredSize"),
        max_size: n("/scalingConfig/maxSize"),
        release_version: s("/releaseVersion"),
        ami_type: s("/amiType"),
        instance_types: list("/instanceTypes")
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        capacity_type: s("/capacityType"),
        labels: v
            .get("labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        taints: list("/taints")
            .iter()
            .map(|t| {
                format!(
                    "{}={}:{}",
                    t["key"].as_str().unwrap_or(""),
                    t["value"].as_str().unwrap_or(""),
                    kubernetes_effect(t["effect"].as_str().unwrap_or(""))
                )
            })
            .collect(),
        health_issues: list("/health/issues")
            .iter()
            .map(|i| {
                format!(
                    "{}: {}",
                    i["code"].as_str().unwrap_or(""),
                    i["message"].as_str().unwrap_or("")
                )
            })
            .collect(),
    }
}

pub(crate) fn cluster() -> ClusterInfo {
    ClusterInfo {
        context: ARN.into(),
        cluster: ARN.into(),
        user: ARN.into(),
        namespace: "default".into(),
        server: "http://127.0.0.1:6443".into(),
        contexts: vec![ARN.into()],
    }
}

/// Connected to the platform recording, on the pods of `default`, stores filled.
pub(crate) fn app_with(config: Config) -> App {
    let mut app = App::new(config, Options::default(), now());
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(120, 30)));
    app.dispatch(Msg::Source(SourceEvent::Cluster(cluster())));
    app.dispatch(Msg::Source(SourceEvent::Connection(ConnState::Connected)));
    app.dispatch(Msg::Source(SourceEvent::Version(
        "v1.31.4-eks-2d5f260".into(),
    )));
    app.dispatch(Msg::Source(SourceEvent::Discovered(Catalog::builtin())));
    feed(&mut app);
    app
}

pub(crate) fn app() -> App {
    app_with(Config::default())
}

/// Fills every desired watch that has no data yet from the recording's objects.
pub(crate) fn feed(app: &mut App) {
    for spec in app.desired_watches() {
        if !app.watches.contains_key(&spec.key) {
            fill(app, &spec, objects());
        }
    }
}

/// The sources' answer for the platform context: EKS cluster platform-prod.
pub(crate) fn eks_cluster(app: &mut App) {
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Cluster(Some(
        CLUSTER.into(),
    )))));
}

/// The recorded node groups arrive.
pub(crate) fn eks_groups(app: &mut App) {
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Nodegroups {
        cluster: CLUSTER.into(),
        groups: nodegroups(),
    })));
}

/// `:pools` typed and run, watches filled.
pub(crate) fn open_pools(app: &mut App) {
    app.dispatch(Msg::Action(crate::model::action::Action::Command));
    for c in "pools".chars() {
        app.dispatch(Msg::Input(c));
    }
    app.dispatch(Msg::Action(crate::model::action::Action::Submit));
    feed(app);
}
