//! The JSON merge patches of the Application actions, as the Argo CD API server writes them
//! (`server/application/application.go`: `Sync`, `TerminateOperation`; `util/argo`:
//! `SetAppOperation`), with the same refusals.
//!
//! Every patch carries the object's `metadata.resourceVersion` when it has one, so the API
//! server rejects it with a Conflict if the Application changed since it was read (the API
//! server's update has the same precondition). On Conflict, read again and rebuild.

use serde_json::{Map, Value, json};

use super::annotation;
use super::is_application;
use crate::model::object::Value as CompactValue;
use crate::model::views::Application;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("not an Argo CD Application")]
    NotAnApplication,
    /// `operation` is already set (`util/argo.ErrAnotherOperationInProgress`).
    #[error("another operation is already in progress")]
    OperationInProgress,
    #[error("application is deleting")]
    Deleting,
    #[error("Cannot sync to {requested}: auto-sync currently set to {target}")]
    AutoSyncPinsRevision { requested: String, target: String },
    #[error("a revision for a multi-source application needs a source position")]
    MultiSourceRevision,
    #[error("Unable to terminate operation. No operation is in progress")]
    NoOperation,
    #[error("the operation is {phase}: only a Running operation can be terminated")]
    NotRunning { phase: String },
}

/// A sync as the Argo CD UI or CLI would request it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncRequest {
    /// Recorded as `operation.initiatedBy.username`.
    pub username: String,
    /// Sync to this revision instead of the target revision (single-source apps only).
    pub revision: Option<String>,
    pub prune: bool,
    pub dry_run: bool,
}

/// `argocd.argoproj.io/refresh` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshKind {
    /// Compare with the cached manifests of the latest revision.
    Normal,
    /// Regenerate manifests (clears the repo-server cache).
    Hard,
}

impl RefreshKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshKind::Normal => "normal",
            RefreshKind::Hard => "hard",
        }
    }
}

/// The merge patch that starts a sync: sets `operation` and clears
/// `status.operationState`, as `SetAppOperation` does. Refused while an operation is set,
/// while the app is being deleted, and for a revision other than the one auto-sync follows.
pub fn sync_patch(app: &Application, request: &SyncRequest) -> Result<Value, ActionError> {
    if !is_application(app) {
        return Err(ActionError::NotAnApplication);
    }
    if app.operation.is_some() {
        return Err(ActionError::OperationInProgress);
    }
    if app.meta.deleting {
        return Err(ActionError::Deleting);
    }
    let spec = &app.spec_raw;
    let sources = spec
        .get("sources")
        .and_then(CompactValue::as_array)
        .filter(|s| !s.is_empty());
    let policy = spec.get("syncPolicy").unwrap_or(&CompactValue::Null);
    let automated = app
        .spec
        .sync_policy
        .automated
        .as_ref()
        .is_some_and(|a| a.enabled != Some(false));
    let target_revision = app
        .spec
        .source
        .as_ref()
        .and_then(|s| s.target_revision.as_deref());

    let revision = request.revision.as_deref().filter(|r| !r.is_empty());
    if let Some(rev) = revision {
        if sources.is_some() {
            return Err(ActionError::MultiSourceRevision);
        }
        let target = target_revision.filter(|t| !t.is_empty()).unwrap_or("HEAD");
        if rev != target && automated && !request.dry_run {
            return Err(ActionError::AutoSyncPinsRevision {
                requested: rev.to_string(),
                target: target_revision.unwrap_or("").to_string(),
            });
        }
    }

    // Field order and omissions follow v1alpha1.SyncOperation's json tags (omitempty).
    let mut sync = Map::new();
    if let Some(rev) = revision {
        sync.insert("revision".into(), json!(rev));
    }
    if request.prune {
        sync.insert("prune".into(), json!(true));
    }
    if request.dry_run {
        sync.insert("dryRun".into(), json!(true));
    }
    sync.insert("syncStrategy".into(), json!({"hook": {}}));
    if let Some(source) = spec.get("source").filter(|_| sources.is_none()) {
        sync.insert("source".into(), source.to_json());
    }
    if let Some(options) = policy
        .get("syncOptions")
        .filter(|o| o.as_array().is_some_and(|o| !o.is_empty()))
    {
        sync.insert("syncOptions".into(), options.to_json());
    }
    if let Some(list) = spec.get("sources").filter(|_| sources.is_some()) {
        sync.insert("sources".into(), list.to_json());
    }

    let mut operation = Map::new();
    operation.insert("sync".into(), Value::Object(sync));
    operation.insert("initiatedBy".into(), json!({"username": request.username}));
    if let Some(retry) = policy.get("retry").filter(|r| r.is_object()) {
        operation.insert("retry".into(), retry.to_json());
    }

    let mut patch = json!({
        "operation": Value::Object(operation),
        "status": {"operationState": null}
    });
    add_precondition(&mut patch, app);
    Ok(patch)
}

/// The merge patch that asks the controller for a refresh; it removes the annotation when
/// done.
pub fn refresh_patch(kind: RefreshKind) -> Value {
    json!({"metadata": {"annotations": {annotation::REFRESH: kind.as_str()}}})
}

/// The merge patch that terminates the running operation (`status.operationState.phase =
/// Terminating`). Refused unless an operation is set and Running.
pub fn terminate_patch(app: &Application) -> Result<Value, ActionError> {
    if !is_application(app) {
        return Err(ActionError::NotAnApplication);
    }
    let has_operation = app.operation.is_some();
    let phase = app
        .status
        .operation_state
        .as_ref()
        .and_then(|o| o.phase.as_deref());
    match (has_operation, phase) {
        (true, Some("Running")) => {}
        (_, None) | (false, _) => return Err(ActionError::NoOperation),
        (true, Some(other)) => {
            return Err(ActionError::NotRunning {
                phase: other.to_string(),
            });
        }
    }
    let mut patch = json!({"status": {"operationState": {"phase": "Terminating"}}});
    add_precondition(&mut patch, app);
    Ok(patch)
}

fn add_precondition(patch: &mut Value, app: &Application) {
    let rv = app.meta.resource_version.as_str();
    if !rv.is_empty()
        && let Some(obj) = patch.as_object_mut()
    {
        obj.insert("metadata".into(), json!({"resourceVersion": rv}));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{App, view};
    use super::*;

    fn request(user: &str) -> SyncRequest {
        SyncRequest {
            username: user.into(),
            ..SyncRequest::default()
        }
    }

    #[test]
    fn sync_body_as_the_api_server_sets_it() {
        let app = App::new("monitoring")
            .set(
                "/spec/syncPolicy",
                json!({"syncOptions": ["CreateNamespace=true", "ServerSideApply=true"],
                       "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"}}}),
            )
            .build();
        let patch = sync_patch(
            &view(app.clone()),
            &SyncRequest {
                username: "alice".into(),
                prune: true,
                ..SyncRequest::default()
            },
        )
        .expect("allowed");
        assert_eq!(
            patch,
            json!({
                "operation": {
                    "sync": {
                        "prune": true,
                        "syncStrategy": {"hook": {}},
                        "source": {"repoURL": "https://git.example.com/platform.git", "path": "platform/monitoring", "targetRevision": "main"},
                        "syncOptions": ["CreateNamespace=true", "ServerSideApply=true"]
                    },
                    "initiatedBy": {"username": "alice"},
                    "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"}}
                },
                "status": {"operationState": null},
                "metadata": {"resourceVersion": "1234"}
            })
        );
    }

    #[test]
    fn sync_with_revision_and_multi_source() {
        let app = App::new("a").build();
        let patch = sync_patch(
            &view(app.clone()),
            &SyncRequest {
                revision: Some("v1.2.3".into()),
                ..request("bob")
            },
        )
        .expect("manual app may sync any revision");
        assert_eq!(patch["operation"]["sync"]["revision"], "v1.2.3");
        assert!(patch["operation"]["sync"].get("prune").is_none());

        let multi = App::new("k")
            .multi_source(&[json!({"repoURL": "https://charts.example.com", "chart": "k", "targetRevision": "1.0.0"})])
            .build();
        let patch = sync_patch(&view(multi.clone()), &request("bob")).expect("allowed");
        assert!(patch["operation"]["sync"].get("source").is_none());
        assert_eq!(patch["operation"]["sync"]["sources"][0]["chart"], "k");
        assert_eq!(
            sync_patch(
                &view(multi.clone()),
                &SyncRequest {
                    revision: Some("2.0.0".into()),
                    ..request("bob")
                }
            ),
            Err(ActionError::MultiSourceRevision)
        );
    }

    #[test]
    fn sync_refused_while_an_operation_is_set() {
        let app = App::new("root").requested_by_automation().build();
        let err = sync_patch(&view(app.clone()), &request("alice")).expect_err("refused");
        assert_eq!(err, ActionError::OperationInProgress);
        assert_eq!(err.to_string(), "another operation is already in progress");
        // A null operation is no operation.
        let cleared = App::new("root").set("/operation", Value::Null).build();
        assert!(sync_patch(&view(cleared.clone()), &request("alice")).is_ok());
    }

    #[test]
    fn sync_refused_while_deleting_and_for_non_apps() {
        let app = App::new("a")
            .set("/metadata/deletionTimestamp", json!("2026-11-01T09:00:00Z"))
            .build();
        assert_eq!(
            sync_patch(&view(app.clone()), &request("x")),
            Err(ActionError::Deleting)
        );
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        assert_eq!(
            sync_patch(&view(pod.clone()), &request("x")),
            Err(ActionError::NotAnApplication)
        );
    }

    #[test]
    fn auto_sync_pins_the_revision() {
        let app = App::new("a").automated(true, true).build();
        let other = SyncRequest {
            revision: Some("feature".into()),
            ..request("x")
        };
        let err = sync_patch(&view(app.clone()), &other).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "Cannot sync to feature: auto-sync currently set to main"
        );
        // The followed revision itself, or a dry run, is fine.
        let same = SyncRequest {
            revision: Some("main".into()),
            ..request("x")
        };
        assert!(sync_patch(&view(app.clone()), &same).is_ok());
        let dry = SyncRequest {
            dry_run: true,
            ..other
        };
        assert_eq!(
            sync_patch(&view(app.clone()), &dry).expect("dry run")["operation"]["sync"]["dryRun"],
            true
        );
    }

    #[test]
    fn refresh_patches() {
        assert_eq!(
            refresh_patch(RefreshKind::Hard),
            json!({"metadata": {"annotations": {"argocd.argoproj.io/refresh": "hard"}}})
        );
        assert_eq!(
            refresh_patch(RefreshKind::Normal)["metadata"]["annotations"][annotation::REFRESH],
            "normal"
        );
    }

    #[test]
    fn terminate_only_a_running_operation() {
        let running = App::new("root")
            .requested_by_automation()
            .operation_running(
                "2026-11-01T09:00:00Z",
                "waiting for healthy state of argoproj.io/Application/a",
            )
            .build();
        assert_eq!(
            terminate_patch(&view(running.clone())).expect("allowed"),
            json!({"status": {"operationState": {"phase": "Terminating"}}, "metadata": {"resourceVersion": "1234"}})
        );
        let idle = App::new("a").build();
        assert_eq!(
            terminate_patch(&view(idle.clone())),
            Err(ActionError::NoOperation)
        );
        let done = App::new("a")
            .operation_finished(
                "Succeeded",
                "ok",
                "2026-11-01T09:00:00Z",
                "2026-11-01T09:01:00Z",
            )
            .build();
        assert_eq!(
            terminate_patch(&view(done.clone())),
            Err(ActionError::NoOperation)
        );
        let terminating = App::new("root")
            .requested_by_automation()
            .operation_running("2026-11-01T09:00:00Z", "x")
            .set("/status/operationState/phase", json!("Terminating"))
            .build();
        assert_eq!(
            terminate_patch(&view(terminating.clone())),
            Err(ActionError::NotRunning {
                phase: "Terminating".into()
            })
        );
    }
}
