//! Running user plugins. Background plugins run here as tasks whose output streams into
//! the app as log lines; foreground plugins are run by the console's event loop, which
//! hands the terminal over (see `console.rs`).

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::{LogId, Sender, SourceEvent};

/// One plugin invocation, variables already filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRun {
    pub name: String,
    pub program: String,
    pub args: Vec<String>,
    /// k9s's variables, also set in the command's environment.
    pub env: Vec<(String, String)>,
    pub(crate) background: bool,
    /// The output view of a background run.
    pub log: Option<LogId>,
}

impl PluginRun {
    /// The command, without a shell (as k9s runs it).
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }
}

/// Runs a background plugin: stdout and stderr stream into its output view as lines, then
/// the exit status. Dropping the task (the view closed) kills the command.
pub(crate) async fn run_background(run: PluginRun, id: LogId, tx: Sender) {
    let mut cmd = run.command();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(SourceEvent::LogEnded {
                id,
                error: Some(format!("cannot run {}: {e}", run.program)),
            });
            return;
        }
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out = async {
        let Some(s) = stdout else { return };
        let mut lines = BufReader::new(s).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = tx.send(SourceEvent::LogLines {
                id,
                lines: vec![line],
            });
        }
    };
    let err = async {
        let Some(s) = stderr else { return };
        let mut lines = BufReader::new(s).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = tx.send(SourceEvent::LogLines {
                id,
                lines: vec![line],
            });
        }
    };
    tokio::join!(out, err);
    let error = match child.wait().await {
        Ok(status) if status.success() => None,
        Ok(status) => Some(format!("{} exited with {status}", run.program)),
        Err(e) => Some(format!("waiting for {}: {e}", run.program)),
    };
    let _ = tx.send(SourceEvent::LogEnded { id, error });
}
