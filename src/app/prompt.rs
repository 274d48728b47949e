//! One-line inputs: the `:` command line, `/` filters and searches, and value inputs
//! (scale). Editing is driven by prompt actions from the keymap plus typed characters.

use crate::sources::ObjectTarget;

#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    Command,
    /// Filter of the focused table or log view.
    Filter,
    /// Search in the focused text view.
    Search,
    /// A time range for the metrics pane (`6h`, `now-6h..now-1h`).
    Range,
    /// Replica count for a scale action.
    Scale {
        target: ObjectTarget,
        current: i64,
    },
    /// New `min/desired/max` of an EKS node group (node pools pane).
    ScaleNodegroup {
        cluster: String,
        nodegroup: String,
        current: super::pools::Scaling,
    },
    /// The container of a pod to run a shell in (`s` on a pod with several).
    ShellContainer(super::shell::PodChoice),
    /// `LOCAL:PORT` of a port forward (`shift-f`).
    PortForward(super::pf::PfAsk),
    /// The key of a Secret whose value the YAML view should show (then confirmed).
    RevealSecret {
        what: String,
        keys: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// Cursor position in chars.
    pub cursor: usize,
    /// Completion candidates for the current text (command prompt).
    pub candidates: Vec<String>,
    /// Position while browsing history (`None` when editing).
    pub history_pos: Option<usize>,
    /// An error about the current text (bad filter, unknown command).
    pub error: Option<String>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Prompt {
        Prompt {
            kind,
            text: text.to_string(),
            cursor: text.chars().count(),
            candidates: Vec::new(),
            history_pos: None,
            error: None,
        }
    }

    /// The symbol before the text: `:`, `/`, or a label.
    pub fn label(&self) -> String {
        match &self.kind {
            PromptKind::Command => ":".into(),
            PromptKind::Filter | PromptKind::Search => "/".into(),
            PromptKind::Range => "time range: ".into(),
            PromptKind::Scale { target, current } => {
                format!("scale {} (now {current}) to: ", target.describe())
            }
            PromptKind::ScaleNodegroup {
                nodegroup, current, ..
            } => super::pools::strings::scaling_prompt(nodegroup, *current),
            PromptKind::ShellContainer(c) => format!(
                "shell in {}/{}, container ({}): ",
                c.namespace,
                c.pod,
                c.containers.join(", ")
            ),
            PromptKind::PortForward(ask) => super::pf::prompt_label(ask),
            PromptKind::RevealSecret { what, keys } => {
                format!("reveal which key of {what} ({}): ", keys.join(", "))
            }
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
        self.history_pos = None;
    }

    pub fn delete_back(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete_forward(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = text.chars().count();
    }

    pub fn clear(&mut self) {
        self.set("");
    }
}

/// Command history, newest last, without consecutive duplicates.
#[derive(Debug, Clone, Default)]
pub struct History {
    entries: Vec<String>,
}

const HISTORY_MAX: usize = 100;

impl History {
    pub fn push(&mut self, entry: &str) {
        let entry = entry.trim();
        if entry.is_empty() || self.entries.last().is_some_and(|l| l == entry) {
            return;
        }
        self.entries.push(entry.to_string());
        if self.entries.len() > HISTORY_MAX {
            self.entries.remove(0);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `pos` counted from the newest (0 = newest).
    pub fn get(&self, pos: usize) -> Option<&str> {
        self.entries.iter().rev().nth(pos).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing() {
        let mut p = Prompt::new(PromptKind::Command, "po");
        p.insert('d');
        assert_eq!(p.text, "pod");
        p.left();
        p.left();
        p.delete_back();
        assert_eq!((p.text.as_str(), p.cursor), ("od", 0));
        p.delete_forward();
        assert_eq!(p.text, "d");
        p.end();
        p.insert('é');
        p.insert('x');
        p.left();
        p.delete_back();
        assert_eq!(p.text, "dx");
    }

    #[test]
    fn history() {
        let mut h = History::default();
        h.push("po");
        h.push("po");
        h.push(" deploy ");
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(0), Some("deploy"));
        assert_eq!(h.get(1), Some("po"));
        assert_eq!(h.get(2), None);
    }
}
