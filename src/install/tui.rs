//! The interactive install wizard (`opsdeck install` without `--config`, and `:install` in
//! the console): a full-screen TUI over the same [`Wizard`](super::Wizard) the CLI runs.
//!
//! - [`form`]: the form (`app::wizard::form`: inputs, choice lists, the apps checklist) filled
//!   from and read back as the same [`InstallConfig`](super::InstallConfig) `install.toml`
//!   holds, and validated.
//! - [`state`]: `WizardState` and its pure `update(msg) -> effects`; what the screens show is
//!   its `screen` (`app::wizard::WizardScreen`).
//! - [`keys`]: keys through the keymap's `wizard` context; `?` help from it.
//! - [`summary`]: the summary page's text.
//! - drawing from `&WizardScreen` is in the ui layer: `crate::ui::install` (render reads the
//!   screen state; nothing here draws).
//! - [`runner`]: owns the terminal, runs step work in a tokio task, performs effects.
//!
//! Per step: answers → check → plan preview (Enter applies, Esc goes back) → apply with a
//! streaming log → verify → result; a failed step keeps the answers and offers a retry.
//! Progress is the persisted install state, so a new wizard resumes at the first unfinished
//! step. The summary says how to reach Argo CD and can save the answers as `install.toml`.

pub(crate) mod form;
pub(crate) mod keys;
pub(crate) mod runner;
pub(crate) mod state;
mod summary;
#[cfg(test)]
mod tests;

pub(crate) use runner::run;
pub(crate) use runner::{ConsoleKubeconfig, Options, console_options, run_standalone};
