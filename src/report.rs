//! How a failed run reaches the user. Expected errors (no or bad kubeconfig, unknown
//! context, unreadable files, bad values) print one or two plain lines with the fix; a
//! report with location and backtrace is kept for real bugs.

use std::io::IsTerminal;

use color_eyre::eyre::Report;

use crate::install::InstallError;
use crate::recording::RecordingError;
use crate::sandbox::SandboxError;
use crate::sources::kubeconfig::TargetError;

/// An expected error with its fix, raised where the cause is known (`--log-level`, …).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct UserError {
    pub message: String,
    /// What to do about it (the second line).
    pub(crate) fix: Option<String>,
}

impl UserError {
    pub(crate) fn new(message: impl Into<String>, fix: Option<String>) -> UserError {
        UserError {
            message: message.into(),
            fix,
        }
    }
}

/// The line pointing at the sandbox, for errors about the cluster connection.
pub(crate) const TRY_SANDBOX: &str = "to try opsdeck without a cluster: opsdeck --sandbox";

/// The plain lines for an expected error in `report`'s chain, or `None` for a bug.
pub fn user_lines(report: &Report) -> Option<Vec<String>> {
    for cause in report.chain() {
        if let Some(e) = cause.downcast_ref::<UserError>() {
            let mut out = vec![format!("opsdeck: {}", e.message)];
            out.extend(e.fix.clone());
            return Some(out);
        }
        if let Some(e) = cause.downcast_ref::<TargetError>() {
            return Some(target_lines(e));
        }
        if let Some(e) = cause.downcast_ref::<RecordingError>() {
            return Some(vec![format!("opsdeck: {e}")]);
        }
        if let Some(SandboxError::Load { recording, message }) =
            cause.downcast_ref::<SandboxError>()
        {
            return Some(vec![format!("opsdeck: recording {recording}: {message}")]);
        }
        if let Some(
            e @ (InstallError::Config(_) | InstallError::Io { .. } | InstallError::Kube { .. }),
        ) = cause.downcast_ref::<InstallError>()
        {
            return Some(vec![format!("opsdeck: {e}")]);
        }
    }
    None
}

fn target_lines(e: &TargetError) -> Vec<String> {
    match e {
        TargetError::NotFound(file) => vec![
            format!("opsdeck: kubeconfig {file} does not exist"),
            format!(
                "point KUBECONFIG or --kubeconfig at a kubeconfig file (as for kubectl), or {TRY_SANDBOX}"
            ),
        ],
        TargetError::Read { file, source } => vec![
            format!(
                "opsdeck: cannot read kubeconfig {file}: {}",
                one_line(source)
            ),
            format!(
                "fix the file (kubectl config view shows what kubectl reads), or {TRY_SANDBOX}"
            ),
        ],
        TargetError::Missing(shown) => vec![
            format!("opsdeck: no kubeconfig found (looked at {shown})"),
            format!("pass --kubeconfig FILE or set KUBECONFIG, or {TRY_SANDBOX}"),
        ],
        TargetError::UnknownContext { name, files, known } => vec![
            format!("opsdeck: context {name:?} is not in {files}"),
            if known.is_empty() {
                "the kubeconfig has no contexts".to_string()
            } else {
                format!("known contexts: {known} (pass one with --context)")
            },
        ],
        TargetError::NoContext { files, known } => vec![
            format!("opsdeck: kubeconfig {files} has no current context"),
            format!("pass --context NAME (known contexts: {known})"),
        ],
        TargetError::NoCluster(why) => vec![format!("opsdeck: {why}")],
        TargetError::PluginMissing { .. } => {
            vec![format!("opsdeck: {e}"), format!("or {TRY_SANDBOX}")]
        }
        TargetError::Config {
            files,
            context,
            message,
        } => vec![
            format!("opsdeck: kubeconfig {files}, context {context}: {message}"),
            format!("fix the context's cluster or user entry, or {TRY_SANDBOX}"),
        ],
    }
}

/// An error and its causes on one line (`a: b: c`), without repeating a cause that the
/// message already contains.
fn one_line(e: &(dyn std::error::Error + 'static)) -> String {
    // Parsers add a snippet of the file below their first line: keep the first line.
    let first = |e: &dyn std::error::Error| e.to_string().lines().next().unwrap_or("").to_string();
    let mut out = first(e);
    let mut cur = e.source();
    while let Some(c) = cur {
        let text = first(c);
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = c.source();
    }
    out
}

/// Installs color-eyre for real bugs: coloured only when stderr is a terminal (and
/// `NO_COLOR` is unset).
pub fn install_hooks() -> color_eyre::Result<()> {
    let plain = !std::io::stderr().is_terminal()
        || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut builder = color_eyre::config::HookBuilder::default();
    if plain {
        builder = builder.theme(color_eyre::config::Theme::new());
    }
    builder.install()
}

#[cfg(test)]
mod tests {
    use super::*;
    use color_eyre::eyre::WrapErr;

    #[test]
    fn expected_errors_are_plain_lines() {
        let e: Result<(), TargetError> = Err(TargetError::UnknownContext {
            name: "prod".into(),
            files: "/home/me/.kube/config".into(),
            known: "dev, staging".into(),
        });
        let report = e.wrap_err("loading the target").unwrap_err();
        assert_eq!(
            user_lines(&report),
            Some(vec![
                "opsdeck: context \"prod\" is not in /home/me/.kube/config".to_string(),
                "known contexts: dev, staging (pass one with --context)".to_string(),
            ])
        );
        let bug = color_eyre::eyre::eyre!("index out of bounds");
        assert_eq!(user_lines(&bug), None);
    }
}
