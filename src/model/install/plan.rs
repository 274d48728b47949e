//! A step's check result and plan: what was found, and the changes still needed, with a
//! diff-like preview. Plans never contain secret values (only paths of changed fields).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ChangeKind {
    Create,
    Update,
    /// Already in place.
    Unchanged,
    /// Exists and differs, but is deliberately left alone (e.g. a file the user edited).
    Keep,
    /// Cannot be applied as is: fields another manager owns, or a list that would be merged
    /// (the detail says which and what choice resolves it).
    Conflict,
}

impl ChangeKind {
    pub(crate) fn symbol(self) -> char {
        match self {
            ChangeKind::Create => '+',
            ChangeKind::Update => '~',
            ChangeKind::Unchanged => '=',
            ChangeKind::Keep => '!',
            ChangeKind::Conflict => 'x',
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::Unchanged => "unchanged",
            ChangeKind::Keep => "keep",
            ChangeKind::Conflict => "conflict",
        }
    }

    pub(crate) fn is_change(self) -> bool {
        matches!(
            self,
            ChangeKind::Create | ChangeKind::Update | ChangeKind::Conflict
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// What changes: "Secret argo/helm-secrets-private-keys", "file gitops/.sops.yaml".
    pub target: String,
    /// Diff-like detail lines (changed field paths, file lines); never secret values.
    pub detail: Vec<String>,
}

impl Change {
    pub fn new(kind: ChangeKind, target: impl Into<String>) -> Change {
        Change {
            kind,
            target: target.into(),
            detail: Vec::new(),
        }
    }

    pub(crate) fn with_detail(mut self, detail: Vec<String>) -> Change {
        self.detail = detail;
        self
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    /// What the check found ("context sandbox reachable: v1.31.0, 3 nodes").
    pub found: Vec<String>,
    pub changes: Vec<Change>,
    /// A decision the user must make before this plan can be applied (something already
    /// exists that opsdeck did not create).
    #[serde(default)]
    pub question: Option<Question>,
}

/// A choice offered by a plan: the answers and the config key that records one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Question {
    pub(crate) prompt: String,
    /// The config key the answer goes to (`argocd.existing`).
    pub key: String,
    /// (answer, what it does).
    pub options: Vec<(String, String)>,
}

impl Question {
    pub fn render(&self) -> String {
        let mut out = format!("  ? {}\n", self.prompt);
        for (answer, what) in &self.options {
            let _ = writeln!(out, "      {} = \"{answer}\": {what}", self.key);
        }
        out
    }
}

impl Plan {
    /// True when nothing needs to be created or updated.
    pub fn is_noop(&self) -> bool {
        !self.changes.iter().any(|c| c.kind.is_change())
    }

    pub fn pending(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.kind.is_change())
    }

    /// Counts as "N to create, M to update, K unchanged".
    pub fn summary(&self) -> String {
        let count = |k| self.changes.iter().filter(|c| c.kind == k).count();
        let mut parts = vec![
            format!("{} to create", count(ChangeKind::Create)),
            format!("{} to update", count(ChangeKind::Update)),
            format!("{} unchanged", count(ChangeKind::Unchanged)),
        ];
        let kept = count(ChangeKind::Keep);
        if kept > 0 {
            parts.push(format!("{kept} kept as is"));
        }
        let conflicts = count(ChangeKind::Conflict);
        if conflicts > 0 {
            parts.push(format!("{conflicts} in conflict"));
        }
        parts.join(", ")
    }

    /// The diff-like preview: `+ create …`, `~ update …` with indented detail lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for f in &self.found {
            let _ = writeln!(out, "  found: {f}");
        }
        for c in &self.changes {
            let _ = writeln!(out, "{} {} {}", c.kind.symbol(), c.kind.word(), c.target);
            for d in &c.detail {
                let _ = writeln!(out, "    {d}");
            }
        }
        let _ = writeln!(out, "  ({})", self.summary());
        if let Some(q) = &self.question {
            out.push_str(&q.render());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_and_noop() {
        let mut plan = Plan::default();
        plan.found.push("namespace argo".into());
        plan.changes
            .push(Change::new(ChangeKind::Unchanged, "Namespace argo"));
        assert!(plan.is_noop());
        plan.changes.push(
            Change::new(ChangeKind::Update, "ConfigMap argo/argocd-cm")
                .with_detail(vec!["~ data.helm.valuesFileSchemes".into()]),
        );
        assert!(!plan.is_noop());
        let text = plan.render();
        assert!(
            text.contains("~ update ConfigMap argo/argocd-cm\n    ~ data.helm.valuesFileSchemes")
        );
        assert!(text.contains("0 to create, 1 to update, 1 unchanged"));
    }
}
