//! One GET of a whole object, for the describe and YAML views: watch stores keep objects
//! pruned (see [`super::prune`]), these views show every field.

use std::sync::Arc;

use crate::model::object::Obj;
use kube::api::Api;

use super::{ObjectTarget, SourceEvent};

pub(crate) async fn get(client: kube::Client, target: ObjectTarget, tx: super::Sender) {
    let ar = target.kind.api_resource();
    let api: Api<Obj> = match &target.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    };
    let object = api
        .get(&target.name)
        .await
        .map(Arc::new)
        .map_err(|e| super::error_chain(&e));
    if let Err(e) = &object {
        tracing::warn!("get {}: {e}", target.describe());
    }
    let _ = tx.send(SourceEvent::Fetched { target, object });
}
