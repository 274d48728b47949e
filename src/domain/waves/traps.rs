//! The common sync-wave traps, detected and explained.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};

use super::app::{AppKey, AppSummary, OperationPhase};
use super::config::{APP_HEALTH_KEY, ArgoCdConfig};
use super::format_elapsed;
use super::tree::WavesModel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrapKind {
    /// `argocd-cm` lacks the Application health check: parents do not wait between waves.
    MissingAppHealthCheck,
    /// `argocd-cm` could not be read, so the health check could not be verified.
    UnknownAppHealthCheck,
    /// Children that auto-sync themselves ignore waves after their first sync.
    AutoSyncedChildren,
    /// A sync-wave annotation that is not an integer.
    InvalidWave,
    /// Several siblings in one wave (fine, said once).
    SharedWave,
    /// A condition whose type ends in `Error`.
    ErrorCondition,
    /// A condition whose type ends in `Warning`.
    WarningCondition,
    /// An operation Running (or Terminating) for longer than [`TrapOptions::stuck_after`].
    StuckOperation,
}

/// A trap, with the apps it concerns and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    pub kind: TrapKind,
    pub severity: Severity,
    pub apps: Vec<AppKey>,
    pub title: String,
    pub(crate) explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapOptions {
    /// A running operation older than this is reported as stuck.
    pub(crate) stuck_after: SignedDuration,
}

impl Default for TrapOptions {
    fn default() -> Self {
        TrapOptions {
            stuck_after: SignedDuration::from_mins(10),
        }
    }
}

/// Every trap in `model`, most severe first. `config` is `argocd-cm` (`None` when it could
/// not be read); `now` dates running operations.
pub(crate) fn detect_traps(
    model: &WavesModel,
    config: Option<&ArgoCdConfig>,
    now: Timestamp,
    options: &TrapOptions,
) -> Vec<Trap> {
    let mut traps = Vec::new();
    let families: Vec<(AppKey, Vec<&AppSummary>)> = model
        .tree
        .parents()
        .into_iter()
        .map(|p| {
            let children = model.members(Some(&p));
            (p, children)
        })
        .collect();
    let waved: Vec<&(AppKey, Vec<&AppSummary>)> = families
        .iter()
        .filter(|(_, children)| {
            children
                .iter()
                .map(|c| c.wave.value)
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .collect();

    // (a) the Application health check
    if !waved.is_empty() {
        let parents: Vec<AppKey> = waved.iter().map(|(p, _)| p.clone()).collect();
        let names = join_names(&parents);
        match config {
            Some(c) if !c.has_app_health_check() => traps.push(Trap {
                kind: TrapKind::MissingAppHealthCheck,
                severity: Severity::Warning,
                apps: parents,
                title: "waves between child Applications do not block".into(),
                explanation: format!(
                    "argocd-cm has no {APP_HEALTH_KEY}, so Argo CD has no health check for \
                     Applications: {names} applies every wave of child Applications without \
                     waiting for the previous one to become healthy. Add the health \
                     customization from the Argo CD docs (Health assessment, \"Argocd App\") \
                     to argocd-cm."
                ),
            }),
            None => traps.push(Trap {
                kind: TrapKind::UnknownAppHealthCheck,
                severity: Severity::Info,
                apps: parents,
                title: "cannot check the Application health customization".into(),
                explanation: format!(
                    "argocd-cm could not be read, so opsdeck cannot tell whether {names} waits \
                     between waves: that needs {APP_HEALTH_KEY} in argocd-cm."
                ),
            }),
            Some(_) => {}
        }
    }

    // (b) auto-synced children
    for (parent, children) in &waved {
        let auto: Vec<AppKey> = children
            .iter()
            .filter(|c| c.exists && c.auto_sync.enabled)
            .map(|c| c.key.clone())
            .collect();
        if auto.is_empty() {
            continue;
        }
        traps.push(Trap {
            kind: TrapKind::AutoSyncedChildren,
            severity: Severity::Warning,
            title: format!(
                "{} of {}'s children sync themselves: waves only order their first sync",
                auto.len(),
                parent.name
            ),
            explanation: format!(
                "{} have syncPolicy.automated: each syncs on its own as soon as its source \
                 changes, so after the first sync a change that touches several of them rolls \
                 out in parallel, whatever their waves. {} only orders changes to the \
                 Application objects themselves. For ordered updates, sync the children in \
                 wave order by hand or use ApplicationSet progressive syncs.",
                join_names(&auto),
                parent.name
            ),
            apps: auto,
        });
    }

    // (c) invalid and shared waves
    for app in model.apps.values() {
        if let Some(err) = &app.wave.error {
            traps.push(Trap {
                kind: TrapKind::InvalidWave,
                severity: Severity::Error,
                apps: vec![app.key.clone()],
                title: format!("{}: sync-wave is not an integer", app.key.name),
                explanation: format!(
                    "{err}. Argo CD ignores it and orders the app as wave {}; write an integer \
                     such as \"-5\".",
                    app.wave.value
                ),
            });
        }
    }
    for (parent, children) in &families {
        let mut by_wave: BTreeMap<i64, Vec<AppKey>> = BTreeMap::new();
        for c in children {
            by_wave.entry(c.wave.value).or_default().push(c.key.clone());
        }
        if by_wave.len() < 2 {
            continue;
        }
        for (wave, apps) in by_wave.into_iter().filter(|(_, a)| a.len() > 1) {
            traps.push(Trap {
                kind: TrapKind::SharedWave,
                severity: Severity::Info,
                title: format!(
                    "{} apps share wave {wave} under {}",
                    apps.len(),
                    parent.name
                ),
                explanation: format!(
                    "{} are applied together (by name) and the next wave waits for all of them.",
                    join_names(&apps)
                ),
                apps,
            });
        }
    }

    // (d) conditions
    for app in model.apps.values() {
        for c in &app.conditions {
            let severity = if c.is_error() {
                Severity::Error
            } else if c.is_warning() {
                Severity::Warning
            } else {
                Severity::Info
            };
            traps.push(Trap {
                kind: if c.is_error() {
                    TrapKind::ErrorCondition
                } else {
                    TrapKind::WarningCondition
                },
                severity,
                apps: vec![app.key.clone()],
                title: format!("{}: {}", app.key.name, c.kind),
                explanation: c.message.clone(),
            });
        }
    }

    // (e) stuck operations
    for app in model.apps.values() {
        let Some(op) = app.running_operation() else {
            continue;
        };
        let Some(started) = op.started_at else {
            continue;
        };
        let elapsed = now.duration_since(started);
        if elapsed <= options.stuck_after {
            continue;
        }
        let verb = match op.phase {
            OperationPhase::Terminating => "terminating",
            _ => "running",
        };
        let message = op.message.as_deref().unwrap_or("no message");
        traps.push(Trap {
            kind: TrapKind::StuckOperation,
            severity: Severity::Warning,
            apps: vec![app.key.clone()],
            title: format!(
                "sync of {} {verb} for {}",
                app.key.name,
                format_elapsed(elapsed)
            ),
            explanation: format!(
                "{message}. Argo CD waits without a time limit: fix what it waits for, or \
                 terminate the operation."
            ),
        });
    }

    traps.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.apps.cmp(&b.apps))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    traps
}

/// `a`, `a and b`, `a, b and c`.
fn join_names(keys: &[AppKey]) -> String {
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{App, now, stuck_platform, views};
    use super::*;

    fn traps(apps: Vec<serde_json::Value>, config: Option<&ArgoCdConfig>) -> Vec<Trap> {
        let model = WavesModel::build(&views(apps.to_vec()), config);
        detect_traps(&model, config, now(), &TrapOptions::default())
    }

    fn kinds(traps: &[Trap]) -> Vec<TrapKind> {
        traps.iter().map(|t| t.kind).collect()
    }

    fn family(child_auto: bool) -> Vec<serde_json::Value> {
        let child = |name: &str, wave: &str| {
            let app = App::new(name).wave(wave).tracking("root");
            if child_auto {
                app.automated(true, true)
            } else {
                app
            }
        };
        vec![
            App::new("root").build(),
            child("a", "-1").build(),
            child("b", "1").build(),
        ]
    }

    #[test]
    fn missing_health_customization_is_a_warning_for_waved_children() {
        let found = traps(family(false), Some(&ArgoCdConfig::default()));
        assert_eq!(kinds(&found), vec![TrapKind::MissingAppHealthCheck]);
        assert!(found[0].explanation.contains("root applies every wave"));
        assert!(found[0].explanation.contains(APP_HEALTH_KEY));
        assert!(traps(family(false), Some(&ArgoCdConfig::with_app_health())).is_empty());
    }

    #[test]
    fn unreadable_argocd_cm_is_only_info() {
        let found = traps(family(false), None);
        assert_eq!(kinds(&found), vec![TrapKind::UnknownAppHealthCheck]);
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn health_check_is_irrelevant_without_app_of_apps_or_with_one_wave() {
        let flat = vec![
            App::new("a").wave("-1").build(),
            App::new("b").wave("2").build(),
        ];
        assert!(traps(flat, Some(&ArgoCdConfig::default())).is_empty());
        let same_wave = vec![
            App::new("root").build(),
            App::new("a").tracking("root").build(),
        ];
        assert!(traps(same_wave, Some(&ArgoCdConfig::default())).is_empty());
    }

    #[test]
    fn auto_synced_children_are_reported_once_per_parent() {
        let found = traps(family(true), Some(&ArgoCdConfig::with_app_health()));
        assert_eq!(kinds(&found), vec![TrapKind::AutoSyncedChildren]);
        assert_eq!(found[0].apps.len(), 2);
        assert!(
            found[0].title.contains("2 of root's children"),
            "{}",
            found[0].title
        );
        assert!(
            found[0]
                .explanation
                .starts_with("a and b have syncPolicy.automated")
        );
    }

    #[test]
    fn invalid_wave_is_an_error_and_shared_wave_is_info() {
        let apps = vec![
            App::new("root").build(),
            App::new("a").wave("first").tracking("root").build(),
            App::new("b").tracking("root").build(),
            App::new("c").wave("-3").tracking("root").build(),
        ];
        let found = traps(apps, Some(&ArgoCdConfig::with_app_health()));
        assert_eq!(
            kinds(&found),
            vec![TrapKind::InvalidWave, TrapKind::SharedWave]
        );
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0].explanation.contains("\"first\" is not an integer"));
        assert!(found[0].explanation.contains("as wave 0"));
        assert_eq!(found[1].title, "2 apps share wave 0 under root");
    }

    #[test]
    fn conditions_are_surfaced_by_severity() {
        let apps = vec![
            App::new("a")
                .condition("OrphanedResourceWarning", "Application has 1 orphaned resources")
                .condition(
                    "ComparisonError",
                    "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = Manifest generation error (cached): `helm template` failed",
                )
                .build(),
            App::new("b")
                .condition("InvalidSpecError", "application destination server 'https://gone' and namespace 'b' do not match any of the allowed destinations in project 'default'")
                .build(),
        ];
        let found = traps(apps, None);
        assert_eq!(
            kinds(&found),
            vec![
                TrapKind::ErrorCondition,
                TrapKind::ErrorCondition,
                TrapKind::WarningCondition
            ]
        );
        assert_eq!(found[0].title, "a: ComparisonError");
        assert_eq!(found[1].title, "b: InvalidSpecError");
        assert_eq!(found[2].severity, Severity::Warning);
    }

    #[test]
    fn operation_running_too_long_is_stuck() {
        // now() is 09:30; the root started at 09:25 in the fixture.
        let found = traps(stuck_platform(), Some(&ArgoCdConfig::with_app_health()));
        assert!(!kinds(&found).contains(&TrapKind::StuckOperation));
        let short = TrapOptions {
            stuck_after: SignedDuration::from_mins(2),
        };
        let model = WavesModel::build(&views(stuck_platform().to_vec()), None);
        let found = detect_traps(
            &model,
            Some(&ArgoCdConfig::with_app_health()),
            now(),
            &short,
        );
        let stuck = found
            .iter()
            .find(|t| t.kind == TrapKind::StuckOperation)
            .expect("stuck");
        assert_eq!(stuck.title, "sync of platform-root running for 5m");
        assert!(
            stuck
                .explanation
                .starts_with("waiting for healthy state of argoproj.io/Application/cert-manager.")
        );
    }

    #[test]
    fn finished_operations_are_never_stuck() {
        let apps = vec![
            App::new("a")
                .operation_finished(
                    "Succeeded",
                    "successfully synced",
                    "2026-10-01T00:00:00Z",
                    "2026-10-01T00:01:00Z",
                )
                .build(),
        ];
        assert!(traps(apps, None).is_empty());
    }

    #[test]
    fn joins_names() {
        let k = |n: &str| AppKey::new("argo", n);
        assert_eq!(join_names(&[k("a")]), "a");
        assert_eq!(join_names(&[k("a"), k("b"), k("c")]), "a, b and c");
    }
}
