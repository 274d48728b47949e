//! Argo CD sync waves: what is applied in which order, and what blocks it.
//!
//! Pure logic over the `argoproj.io/v1alpha1` Application objects the API returns (field
//! shapes of Argo CD 2.x and 3.x) and the `argocd-cm` ConfigMap. No I/O and no clock: `now`
//! is a parameter.
//!
//! - [`AppSummary`]: one Application as the pane shows it (wave, sync, health, operation,
//!   revision, auto-sync flags, resource counts, conditions, sources, parent).
//! - [`WavesModel`]: every Application plus the ones a parent declares but has not created
//!   yet, resolved into an app-of-apps [`AppTree`]; [`WavesModel::lanes`] groups them by wave.
//! - [`Rollout`]: where a rollout stands, in words ("wave -5: cert-manager Degraded —
//!   Deployment cert-manager-webhook 0/2 available"), from [`WavesModel::rollout`].
//! - [`Trap`]: the common mistakes, explained ([`detect_traps`]).
//! - [`actions`]: the JSON bodies for sync, refresh and terminate, with refusals.
//!
//! [`analyze`] does all of it in one call.

pub(crate) mod actions;
mod app;
mod config;
mod live;
mod rollout;
mod traps;
mod tree;

#[cfg(test)]
mod fixtures;

pub use actions::{
    ActionError, RefreshKind, SyncRequest, refresh_patch, sync_patch, terminate_patch,
};
pub use app::AppKey;
pub(crate) use app::{
    AppSummary, HealthCode, OperationPhase, ResourceRef, ResourceSummary, SyncCode, short_revision,
};
pub use config::ArgoCdConfig;
pub use live::LiveObjects;
pub use rollout::RolloutState;
pub(crate) use rollout::{Blocker, BlockerState, Rollout, WaveLane};
pub use traps::{Severity, TrapKind, TrapOptions};
pub(crate) use traps::{Trap, detect_traps};
pub use tree::WavesModel;

use jiff::Timestamp;

use crate::model::views::Application;

/// API group of Argo CD's resources.
pub const GROUP: &str = "argoproj.io";
/// API version served for Applications.
pub const VERSION: &str = "v1alpha1";
/// Kind of an Application object.
pub const KIND: &str = "Application";
/// Plural resource name (`applications.argoproj.io`).
pub const PLURAL: &str = "applications";
/// Name of the ConfigMap holding Argo CD's settings.
pub const ARGOCD_CM: &str = "argocd-cm";

/// Annotations and labels Argo CD reads or writes.
pub mod annotation {
    /// Sync wave of a resource (an integer, default 0, negative allowed).
    pub(crate) const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
    /// Used as the wave when the sync-wave annotation is absent or not an integer.
    pub(crate) const HELM_HOOK_WEIGHT: &str = "helm.sh/hook-weight";
    /// Resource tracking: `<app>:<group>/<kind>:<namespace>/<name>`.
    pub(crate) const TRACKING_ID: &str = "argocd.argoproj.io/tracking-id";
    /// Asks the controller for a refresh (`normal` or `hard`); it removes it when done.
    pub const REFRESH: &str = "argocd.argoproj.io/refresh";
    /// Default label of label-based tracking (`application.instanceLabelKey`).
    pub(crate) const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
    /// The label key the Argo CD docs recommend instead of the default.
    pub(crate) const ARGOCD_INSTANCE_LABEL: &str = "argocd.argoproj.io/instance";
}

/// Everything the pane needs, from one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub model: WavesModel,
    /// One rollout per app-of-apps parent (in tree order), then the one over all apps.
    pub(crate) rollouts: Vec<Rollout>,
    pub traps: Vec<Trap>,
}

/// Builds the model, every parent's rollout and the traps.
///
/// `apps` are Application objects (others are skipped); `config` is `argocd-cm` when it
/// could be read; `live` holds whatever workloads and pods the caller already watches (it may
/// be empty); `now` dates stuck operations.
pub fn analyze(
    apps: &[Application],
    config: Option<&ArgoCdConfig>,
    live: &LiveObjects,
    now: Timestamp,
    options: &TrapOptions,
) -> Analysis {
    let model = WavesModel::build(apps, config);
    let mut rollouts: Vec<Rollout> = model
        .tree
        .parents()
        .into_iter()
        .map(|parent| model.rollout(Some(&parent), live))
        .collect();
    rollouts.push(model.rollout(None, live));
    let traps = detect_traps(&model, config, now, options);
    Analysis {
        model,
        rollouts,
        traps,
    }
}

/// `true` for an Application object (`argoproj.io/*`, kind Application).
pub fn is_application(obj: &Application) -> bool {
    obj.meta.kind == KIND && obj.meta.api_version.split('/').next() == Some(GROUP)
}

/// Formats a duration in the largest one or two units: `45s`, `3m`, `2h5m`, `3d4h`.
pub(crate) fn format_elapsed(d: jiff::SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (days, hours, mins, s) = (
        secs / 86_400,
        (secs % 86_400) / 3600,
        (secs % 3600) / 60,
        secs % 60,
    );
    match (days, hours, mins) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h{m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d{h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fixtures::App;

    #[test]
    fn recognises_applications() {
        assert!(is_application(&fixtures::view(App::new("a").build())));
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}});
        assert!(!is_application(&fixtures::view(pod)));
        let set = serde_json::json!({"apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet", "metadata": {}});
        assert!(!is_application(&fixtures::view(set)));
    }

    #[test]
    fn formats_elapsed_time() {
        let f = |s| format_elapsed(jiff::SignedDuration::from_secs(s));
        assert_eq!(f(45), "45s");
        assert_eq!(f(180), "3m");
        assert_eq!(f(7200), "2h");
        assert_eq!(f(7500), "2h5m");
        assert_eq!(f(3 * 86_400 + 4 * 3600 + 5), "3d4h");
        assert_eq!(f(-5), "0s");
    }

    #[test]
    fn analyze_gives_one_rollout_per_parent_and_one_overall() {
        let apps = fixtures::views(fixtures::stuck_platform());
        let config = ArgoCdConfig::with_app_health();
        let analysis = analyze(
            &apps,
            Some(&config),
            &LiveObjects::default(),
            fixtures::now(),
            &TrapOptions::default(),
        );
        assert_eq!(analysis.rollouts.len(), 2);
        assert_eq!(
            analysis.rollouts[0]
                .parent
                .as_ref()
                .map(|k| k.name.as_str()),
            Some("platform-root")
        );
        assert_eq!(analysis.rollouts[1].parent, None);
    }
}
