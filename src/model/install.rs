//! The install's vocabulary, shared by the install engine (`install`), the wizard's screen
//! state (`app::wizard`) and its drawing (`ui::install`): the steps, the one model of a
//! step's progress ([`StepStatus`], persisted in the state file, shown by the wizard and
//! printed by `opsdeck install --config`), the cluster mode, the node group preset names and
//! a step's [`plan`].

use serde::{Deserialize, Serialize};

pub mod plan;

pub(crate) use plan::{ChangeKind, Plan};

/// The install's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    Cluster,
    AgeKey,
    ArgoCd,
    Apps,
}

impl StepId {
    pub const ALL: [StepId; 4] = [
        StepId::Cluster,
        StepId::AgeKey,
        StepId::ArgoCd,
        StepId::Apps,
    ];

    pub fn title(self) -> &'static str {
        match self {
            StepId::Cluster => "Cluster",
            StepId::AgeKey => "Age key",
            StepId::ArgoCd => "Argo CD",
            StepId::Apps => "Apps",
        }
    }

    pub fn number(self) -> usize {
        StepId::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

/// Where a step is: the one model of install progress.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    #[default]
    Pending,
    Checking,
    Planned,
    Applying,
    Verifying,
    Done,
    Failed,
}

impl StepStatus {
    pub fn label(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Checking => "checking",
            StepStatus::Planned => "planned",
            StepStatus::Applying => "applying",
            StepStatus::Verifying => "verifying",
            StepStatus::Done => "done",
            StepStatus::Failed => "failed",
        }
    }

    /// The status recorded when a step (re)starts: `checking`, keeping `failed` visible until
    /// the check passes.
    pub(crate) fn restarted(self) -> StepStatus {
        match self {
            StepStatus::Failed => StepStatus::Failed,
            _ => StepStatus::Checking,
        }
    }
}

/// What running a step (or its first half, check → plan) produced: the engine's report to
/// the CLI runner and the wizard. Its progress is [`StepOutcome::status`].
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// The check found everything in place; nothing was applied.
    AlreadyDone {
        verified: String,
    },
    Applied {
        verified: String,
    },
    /// Dry run, or the user declined: the plan only.
    Planned,
}

impl StepOutcome {
    /// The progress the outcome leaves the step at.
    pub fn status(&self) -> StepStatus {
        match self {
            StepOutcome::AlreadyDone { .. } | StepOutcome::Applied { .. } => StepStatus::Done,
            StepOutcome::Planned => StepStatus::Planned,
        }
    }

    /// The result a finished step shows: the verify message, marked when nothing had to be
    /// applied; `None` for a plan only.
    pub fn message(&self) -> Option<String> {
        match self {
            StepOutcome::AlreadyDone { verified } => Some(format!("{ALREADY_IN_PLACE} {verified}")),
            StepOutcome::Applied { verified } => Some(verified.clone()),
            StepOutcome::Planned => None,
        }
    }
}

/// How a step found already in place is reported (the wizard's result, the CLI's line).
pub(crate) const ALREADY_IN_PLACE: &str = "already in place:";

/// Where the cluster comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ClusterMode {
    /// Use an existing kubeconfig context.
    #[default]
    Context,
    /// Create an EKS cluster with managed node groups.
    Eks,
}

/// Node group presets from the seeds (`install::cluster::preset` holds their groups).
pub(crate) const PRESETS: &[&str] = &["infra-apps", "workload-database-large"];
