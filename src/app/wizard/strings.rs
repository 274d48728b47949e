//! The interactive wizard's user-visible strings, gathered.

use super::form::FieldId;
use crate::model::action::Action;

/// A key hint of the footer: the actions it stands for, their keys as shown while the
/// keymap binds them as the built-in one does, and what they do.
pub(crate) struct Hint {
    pub actions: &'static [Action],
    pub keys: &'static str,
    pub desc: &'static str,
}

const fn key_hint(actions: &'static [Action], keys: &'static str, desc: &'static str) -> Hint {
    Hint {
        actions,
        keys,
        desc,
    }
}

pub(crate) const TITLE: &str = "opsdeck install";
pub(crate) const TITLE_FLOW: &str = "cluster → age key → Argo CD → apps";
pub(crate) const STEPS: &str = "Steps";
pub(crate) const SUMMARY: &str = "Summary";
pub(crate) const NO_CONTEXTS: &str = "the kubeconfig has no contexts";
pub(crate) const FIX_FIRST: &str = "fix the marked answers first";
pub(crate) const STILL_PROBING: &str = "still checking that the context is reachable";
pub(crate) const CHECKING: &str = "Checking what exists…";
pub(crate) const APPLYING: &str = "Applying…";
pub(crate) const LOG: &str = "Log";
pub(crate) const FOUND: &str = "Found";
pub(crate) const CHANGES: &str = "Changes";
pub(crate) const RESULT_OK: &str = "Done";
pub(crate) const RESULT_FAILED: &str = "Failed";
pub(crate) const ANSWERS_KEPT: &str =
    "Your answers are kept: r retries the step, e edits the answers.";
pub(crate) const HELP_TITLE: &str = "help";
pub(crate) const HELP_WIZARD: &str = "wizard keys";
pub(crate) const HELP_GLOBAL: &str = "global keys";
pub(crate) const HELP_TYPING: &str = "typing";
/// How keys behave where text is typed (not bindable: they are the text).
pub(crate) const HELP_TYPING_LINES: &[(&str, &str)] = &[
    (
        "text fields",
        "printable keys are typed; only the keys above that do not type act there",
    ),
    ("apps checklist", "0-9 and - type the wave"),
    ("plan question", "1-9 pick a numbered answer"),
];
pub(crate) const NEVER_SHOWN: &str = "(the private key is never shown; only the public key above)";

pub(crate) const KEYS_FORM: &[Hint] = &[
    key_hint(
        &[Action::NextField, Action::PrevField],
        "tab/shift-tab",
        "next/previous field",
    ),
    key_hint(&[Action::Submit], "enter", "check & plan"),
    key_hint(&[Action::ClearLine], "ctrl-u", "clear field"),
    key_hint(&[Action::Back], "esc", "back/close"),
    key_hint(&[Action::Quit], "ctrl-c", "quit (resumable)"),
];
pub(crate) const KEYS_CHOICE: &[Hint] = &[
    key_hint(
        &[
            Action::CursorLeft,
            Action::CursorRight,
            Action::Up,
            Action::Down,
        ],
        "←/→ ↑/↓",
        "choose",
    ),
    key_hint(
        &[Action::NextField, Action::PrevField],
        "tab/shift-tab",
        "next/previous field",
    ),
    key_hint(&[Action::Submit], "enter", "check & plan"),
    key_hint(&[Action::Close], "q", "close the wizard"),
];
pub(crate) const KEYS_CHECKLIST: &[Hint] = &[
    key_hint(&[Action::Up, Action::Down], "↑/↓", "move"),
    key_hint(&[Action::ToggleRow], "space", "toggle app"),
    key_hint(&[Action::DeleteBack], "0-9 - backspace", "edit wave"),
    key_hint(&[Action::NextField], "tab", "next field"),
    key_hint(&[Action::Submit], "enter", "check & plan"),
];
pub(crate) const KEYS_PREVIEW: &[Hint] = &[
    key_hint(&[Action::Submit], "enter", "apply these changes"),
    key_hint(&[Action::Back], "esc", "back to the answers"),
    key_hint(
        &[Action::Up, Action::Down, Action::PageUp, Action::PageDown],
        "↑/↓ pgup/pgdn",
        "scroll",
    ),
    key_hint(&[Action::Close], "q", "close the wizard"),
];
pub(crate) const KEYS_BUSY: &[Hint] = &[
    key_hint(
        &[Action::Close],
        "q",
        "close the wizard (the step resumes next time)",
    ),
    key_hint(&[Action::Quit], "ctrl-c", "quit"),
];
pub(crate) const KEYS_DONE: &[Hint] = &[
    key_hint(&[Action::Submit], "enter", "next step"),
    key_hint(&[Action::Edit], "e", "edit answers and re-run"),
    key_hint(&[Action::Back], "esc", "previous step"),
    key_hint(&[Action::Close], "q", "close the wizard"),
];
pub(crate) const KEYS_FAILED: &[Hint] = &[
    key_hint(&[Action::Retry], "r", "retry"),
    key_hint(&[Action::Edit], "e", "edit answers"),
    key_hint(&[Action::Back], "esc", "previous step"),
    key_hint(&[Action::Close], "q", "close the wizard"),
];
pub(crate) const KEYS_SUMMARY: &[Hint] = &[
    key_hint(
        &[Action::Submit],
        "enter",
        "save the answers as install.toml (path above)",
    ),
    key_hint(&[Action::Back], "esc", "close the wizard"),
];

/// The confirmation asked before closing with a step half done.
pub(crate) fn close_question(reason: &str) -> String {
    format!("Close the wizard? {reason}; its progress is saved and resumes next time.")
}

pub(crate) fn field_label(id: FieldId) -> &'static str {
    match id {
        FieldId::Mode => "Cluster",
        FieldId::Context => "Context",
        FieldId::Environment => "Environment",
        FieldId::EksName => "Cluster name",
        FieldId::EksRegion => "Region",
        FieldId::EksVersion => "Kubernetes",
        FieldId::EksRoleArn => "Cluster role ARN",
        FieldId::EksSubnets => "Subnets",
        FieldId::EksNodeRoleArn => "Node role ARN",
        FieldId::EksPreset => "Node groups",
        FieldId::EksEndpoint => "EKS endpoint",
        FieldId::Namespace => "Namespace",
        FieldId::SecretName => "Secret name",
        FieldId::SecretKey => "Secret key",
        FieldId::GitopsPath => "GitOps folder",
        FieldId::ImportFile => "Import key file",
        FieldId::Manifest => "Manifest",
        FieldId::RolloutTimeout => "Rollout wait",
        FieldId::RepoUrl => "Repo URL",
        FieldId::Revision => "Revision",
        FieldId::RootName => "Root app",
        FieldId::Apps => "Apps",
        FieldId::SavePath => "Save answers as",
    }
}

pub(crate) fn placeholder(id: FieldId) -> &'static str {
    match id {
        FieldId::EksName => "platform-dev",
        FieldId::EksRoleArn | FieldId::EksNodeRoleArn => "arn:aws:iam::123456789012:role/name",
        FieldId::EksSubnets => "subnet-0abc, subnet-0def (at least 2)",
        FieldId::EksEndpoint => "optional: default from the AWS configuration",
        FieldId::ImportFile => "optional: an age key file (age-keygen format)",
        _ => "",
    }
}

/// The hint under a field when it has no problem.
pub(crate) fn hint(id: FieldId) -> &'static str {
    match id {
        FieldId::Environment => "one age key and one values folder per environment",
        FieldId::EksSubnets => "comma-separated, in at least 2 availability zones",
        FieldId::EksVersion => "e.g. 1.33",
        FieldId::Namespace => "Argo CD and the key Secret (the seeds use argo)",
        FieldId::SecretName => "mounted into argocd-repo-server at /helm-secrets-private-keys/",
        FieldId::SecretKey => "the Secret's data key holding the age key file",
        FieldId::GitopsPath => ".sops.yaml, apps/<env>/ and environments/<env>/ go here",
        FieldId::ImportFile => "for the import answer to a key Secret that holds another key",
        FieldId::Manifest => "a pinned release URL, or a local file for air-gapped installs",
        FieldId::RolloutTimeout => "wait for the Deployments (0s: do not wait)",
        FieldId::RepoUrl => "where Argo CD clones the GitOps repository from",
        FieldId::RootName => "the app-of-apps Application",
        _ => "",
    }
}

pub(crate) fn mode_label(eks: bool) -> &'static str {
    if eks {
        "create an EKS cluster"
    } else {
        "use a kubeconfig context"
    }
}

pub(crate) fn bad_wave(app: &str, typed: &str) -> String {
    format!("{app}: wave {typed:?} is not a whole number (e.g. -5)")
}

pub(crate) fn step_header(number: usize, title: &str, what: &str) -> String {
    format!("Step {number}/4 · {title} — {what}")
}

pub(crate) fn probing(context: &str) -> String {
    format!("checking {context}…")
}

pub(crate) fn reachable(detail: &str) -> String {
    format!("reachable: {detail}")
}

pub(crate) fn interrupted(status: &str) -> String {
    format!("interrupted while {status}: enter checks again and continues where it stopped")
}

pub(crate) fn saved(path: &str) -> String {
    format!("saved {path}: opsdeck install --config {path} --yes runs the same install")
}

/// Choosing `import` with no key file to import.
pub(crate) const IMPORT_NEEDS_FILE: &str =
    "type the key file to import (Import key file), then Enter";
