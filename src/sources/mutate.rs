//! Mutating requests (delete, merge patch). Each reports back with [`SourceEvent::Done`].

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};

use super::{ObjectTarget, SourceEvent};

fn api(client: kube::Client, target: &ObjectTarget) -> Api<DynamicObject> {
    let ar = target.kind.api_resource();
    match &target.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    }
}

pub(crate) async fn delete(client: kube::Client, target: ObjectTarget, tx: super::Sender) {
    let result = api(client, &target)
        .delete(&target.name, &DeleteParams::default())
        .await;
    let message = format!("delete {}", target.describe());
    tracing::info!("{message}: {:?}", result.as_ref().err());
    let _ = tx.send(SourceEvent::Done {
        message,
        error: result.err().map(|e| super::error_chain(&e)),
    });
}

pub(crate) async fn patch(
    client: kube::Client,
    target: ObjectTarget,
    patch: serde_json::Value,
    what: String,
    tx: super::Sender,
) {
    let params = PatchParams::default();
    let result = api(client, &target)
        .patch(&target.name, &params, &Patch::Merge(&patch))
        .await;
    tracing::info!("{what}: {:?}", result.as_ref().err());
    let _ = tx.send(SourceEvent::Done {
        message: what,
        error: result.err().map(|e| super::error_chain(&e)),
    });
}

/// A merge patch of the `status` subresource (`PATCH …/<name>/status`, as `kubectl cnpg
/// promote` sends it): only the status changes, never spec or metadata.
pub(crate) async fn patch_status(
    client: kube::Client,
    target: ObjectTarget,
    patch: serde_json::Value,
    what: String,
    tx: super::Sender,
) {
    let result = api(client, &target)
        .patch_status(&target.name, &PatchParams::default(), &Patch::Merge(&patch))
        .await;
    tracing::info!("{what}: {:?}", result.as_ref().err());
    let _ = tx.send(SourceEvent::Done {
        message: what,
        error: result.err().map(|e| super::error_chain(&e)),
    });
}
