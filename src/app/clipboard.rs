//! Copy to the clipboard (`c` name, `Y` YAML) through the terminal: an OSC 52 sequence the
//! console's event loop writes to the terminal, so it works over SSH and inside tmux (with
//! `set-clipboard on`). A Secret's values are copied only as the YAML view shows them: sizes,
//! except the one value the user revealed.

use std::sync::Arc;

use base64::Engine;

use super::describe::yaml_revealing;
use super::view::{TextMode, View};
use super::{Action, App, Level, strings};
use crate::model::object::Obj;
use crate::sources::{ObjectTarget, Request};

/// Longest text sent: terminals drop (or truncate) bigger OSC 52 payloads; tmux's limit
/// is about 1 MiB of encoded data.
pub(crate) const MAX_BYTES: usize = 512 * 1024;

/// The OSC 52 sequence that puts `text` on the clipboard (`c`), terminated by BEL (what
/// tmux, xterm, kitty, WezTerm and iTerm2 all accept).
pub(crate) fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// A copy waiting for the whole object (a GET), from a table row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingCopy(pub ObjectTarget);

impl App {
    /// `c` / `Y` on the selection or the object shown.
    pub(super) fn copy_selected(&mut self, a: Action) {
        let Some(target) = self.object_target() else {
            return self.flash(strings::NOTHING_SELECTED, Level::Warn);
        };
        if a == Action::CopyName {
            let what = format!("name {}", target.name);
            return self.copy_text(target.name.clone(), &what);
        }
        // The YAML view's own text (Secret values hidden unless revealed), else the whole
        // object from a GET (stores keep objects pruned).
        let shown = match self.top() {
            Some(View::Text(t)) => match (t.mode, &t.full) {
                (TextMode::Yaml, Some(_)) => Some(t.lines.join("\n")),
                (_, Some(full)) => Some(yaml_revealing(full, t.revealed.as_deref()).join("\n")),
                _ => None,
            },
            _ => None,
        };
        match shown {
            Some(text) => self.copy_text(text, &format!("YAML of {}", target.describe())),
            None => {
                self.request(Request::Fetch(target.clone()));
                self.pending_copy = Some(PendingCopy(target));
            }
        }
    }

    /// A GET answered: the YAML copy waiting for it (if any) goes out.
    pub(super) fn copy_fetched(
        &mut self,
        target: &ObjectTarget,
        object: &Result<Arc<Obj>, String>,
    ) {
        let Some(PendingCopy(want)) = &self.pending_copy else {
            return;
        };
        if want.name != target.name
            || want.namespace != target.namespace
            || want.kind.full_name() != target.kind.full_name()
        {
            return;
        }
        self.pending_copy = None;
        if let Ok(o) = object {
            let text = yaml_revealing(o, None).join("\n");
            self.copy_text(text, &format!("YAML of {}", target.describe()));
        }
    }

    fn copy_text(&mut self, mut text: String, what: &str) {
        if text.len() > MAX_BYTES {
            return self.flash(
                format!(
                    "not copied: the {what} is {} KiB, more than terminals take (512 KiB)",
                    text.len() / 1024
                ),
                Level::Warn,
            );
        }
        if !text.ends_with('\n') && what.starts_with("YAML") {
            text.push('\n');
        }
        self.request(Request::Clipboard(text));
        self.flash(format!("copied {what} to the clipboard"), Level::Info);
    }

    /// Text for the terminal's clipboard (taken out of the requests by the event loop).
    pub fn take_clipboard(&mut self) -> Option<String> {
        let i = self
            .requests
            .iter()
            .position(|r| matches!(r, Request::Clipboard(_)))?;
        match self.requests.remove(i) {
            Request::Clipboard(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_encodes_the_text() {
        assert_eq!(osc52("web-1"), "\x1b]52;c;d2ViLTE=\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
    }
}
