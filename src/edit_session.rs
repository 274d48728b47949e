//! The edit session behind `e` (see [`crate::app::edit`] for the file's contents): GET the
//! object, hand the terminal to `$VISUAL`/`$EDITOR` (else `vi`) on a private temporary
//! file, and on save apply it as an update (PUT) carrying the resourceVersion read. A
//! conflict (409) or an invalid object (400, 422) from the API, or a file that is not YAML,
//! reopens the editor with the error as a comment at the top, as `kubectl edit` does; an
//! empty or unchanged file changes nothing.
//!
//! It runs on the console's event loop (the terminal is the editor's meanwhile; source
//! events queue) and talks to the API with kube-rs, never through kubectl.

use std::io::Write;
use std::path::{Path, PathBuf};

use crossterm::event::EventStream;
use kube::api::{Api, DynamicObject, PostParams};
use ratatui::DefaultTerminal;
use serde_json::Value;

use crate::app::edit::{self, Saved};
use crate::sources::ObjectTarget;
use crate::terminal_handoff::{self, Handoff};

/// How the session ended: a message for the status line, and an error if it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub message: String,
    pub error: Option<String>,
}

impl Outcome {
    fn ok(message: String) -> Outcome {
        Outcome {
            message,
            error: None,
        }
    }

    fn failed(message: String, error: String) -> Outcome {
        Outcome {
            message,
            error: Some(error),
        }
    }
}

/// The editor command line: `$VISUAL`, else `$EDITOR`, else `vi` (run by `sh -c`, so it may
/// carry arguments, as `code --wait`).
pub(crate) fn editor_command(visual: Option<String>, editor: Option<String>) -> String {
    visual
        .filter(|v| !v.trim().is_empty())
        .or(editor.filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".into())
}

fn api(client: kube::Client, target: &ObjectTarget) -> Api<DynamicObject> {
    let ar = target.kind.api_resource();
    match &target.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    }
}

async fn get(api: &Api<DynamicObject>, name: &str) -> Result<Value, String> {
    let o = api
        .get(name)
        .await
        .map_err(|e| crate::sources::error_chain(&e))?;
    serde_json::to_value(o).map_err(|e| e.to_string())
}

/// A new private (0600) file for the object's YAML.
fn temp_file(target: &ObjectTarget) -> std::io::Result<PathBuf> {
    let safe: String = format!("{}-{}", target.kind.singular, target.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = std::env::temp_dir();
    for n in 0..100u32 {
        let path = dir.join(format!(
            "opsdeck-edit-{}-{n}-{safe}.yaml",
            std::process::id()
        ));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

async fn run_editor(editor: &str, path: &Path) -> Result<(), String> {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("opsdeck-edit")
        .arg(path);
    match terminal_handoff::run(cmd).await {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("the editor ({editor}) exited with {s}")),
        Err(e) => Err(format!("cannot run the editor ({editor}): {e}")),
    }
}

/// Edits one object; the terminal is handed to the editor and taken back.
pub(crate) async fn run(
    client: kube::Client,
    target: ObjectTarget,
    input: &mut EventStream,
    terminal: &mut DefaultTerminal,
) -> Outcome {
    let what = format!("edit {}", target.describe());
    let api = api(client, &target);
    let mut live = match get(&api, &target.name).await {
        Ok(v) => v,
        Err(e) => return Outcome::failed(what, e),
    };
    let original = edit::editable(&live);
    let yaml = match edit::to_yaml(&original) {
        Ok(y) => y,
        Err(e) => return Outcome::failed(what, e),
    };
    let path = match temp_file(&target) {
        Ok(p) => p,
        Err(e) => return Outcome::failed(what, format!("cannot create a temporary file: {e}")),
    };
    let editor = editor_command(std::env::var("VISUAL").ok(), std::env::var("EDITOR").ok());
    let handoff = match Handoff::begin(input) {
        Ok(h) => h,
        Err(e) => return Outcome::failed(what, format!("cannot hand the terminal over: {e}")),
    };
    let mut text = edit::document(&[], &yaml);
    let mut keep_file = false;
    let outcome = loop {
        if let Err(e) = write(&path, &text) {
            break Outcome::failed(what, format!("cannot write {}: {e}", path.display()));
        }
        if let Err(e) = run_editor(&editor, &path).await {
            break Outcome::failed(what, e);
        }
        let saved_text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => break Outcome::failed(what, format!("cannot read {}: {e}", path.display())),
        };
        let saved = match edit::parse(&saved_text) {
            Saved::Empty => break Outcome::ok(format!("{what}: cancelled (empty file)")),
            Saved::Invalid(e) => {
                text = edit::document(&[e], edit::body(&saved_text));
                continue;
            }
            Saved::Object(v) => v,
        };
        if saved == original || saved == edit::editable(&live) {
            break Outcome::ok(format!("{what}: no changes"));
        }
        let body = edit::update_body(&saved, &live);
        let object: DynamicObject = match serde_json::from_value(body) {
            Ok(o) => o,
            Err(e) => {
                text = edit::document(&[format!("not an object: {e}")], edit::body(&saved_text));
                continue;
            }
        };
        match api
            .replace(&target.name, &PostParams::default(), &object)
            .await
        {
            Ok(_) => break Outcome::ok(format!("{what}: saved")),
            Err(kube::Error::Api(s)) if s.code == 409 => {
                // Someone changed it meanwhile: reopen with the newest resourceVersion and
                // what they changed, so that saving again is a deliberate choice.
                let error = format!("{} ({} {})", s.message, s.code, s.reason);
                let latest = match get(&api, &target.name).await {
                    Ok(v) => v,
                    Err(e) => {
                        keep_file = true;
                        break Outcome::failed(what, format!("{error}; then: {e}"));
                    }
                };
                let fields = edit::changed_paths(&live, &latest);
                let rebased = edit::rebase(&original, &saved, &latest);
                live = latest;
                let yaml = edit::to_yaml(&rebased).unwrap_or_else(|_| saved_text.clone());
                text = edit::document(&edit::conflict_note(&error, &fields), edit::body(&yaml));
            }
            Err(kube::Error::Api(s)) if matches!(s.code, 400 | 422) => {
                let error = format!("{} ({} {})", s.message, s.code, s.reason);
                text = edit::document(&[error], edit::body(&saved_text));
            }
            Err(e) => {
                keep_file = true;
                break Outcome::failed(
                    what,
                    format!(
                        "{} (your file is kept at {})",
                        crate::sources::error_chain(&e),
                        path.display()
                    ),
                );
            }
        }
    };
    if !keep_file {
        let _ = std::fs::remove_file(&path);
    }
    if let Err(e) = handoff.end(terminal) {
        tracing::warn!("taking the terminal back after the editor: {e}");
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_is_visual_then_editor_then_vi() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(editor_command(s("code --wait"), s("nano")), "code --wait");
        assert_eq!(editor_command(None, s("nano")), "nano");
        assert_eq!(editor_command(s(" "), None), "vi");
        assert_eq!(editor_command(None, None), "vi");
    }
}
