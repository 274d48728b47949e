//! Contexts (`:ctx`): reachability of each kubeconfig context, probed in the background
//! when the list opens (the list never waits), and each context's last view, restored when
//! the console switches back to it.

use std::collections::HashMap;

use super::view::View;
use crate::sources::contexts::Reach;

/// What the list shows about one context's reachability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtxReach {
    Probing,
    Done(Reach),
}

impl CtxReach {
    /// The REACHABLE column, and whether it is a problem.
    pub fn label(&self) -> (String, bool) {
        match self {
            CtxReach::Probing => ("probing…".into(), false),
            CtxReach::Done(Reach::Reachable(v)) => (format!("ok {v}"), false),
            CtxReach::Done(Reach::Credentials(e)) => (format!("credentials failed: {e}"), true),
            CtxReach::Done(Reach::Unreachable(e)) => (format!("unreachable: {e}"), true),
        }
    }
}

/// A context's views when the console left it.
#[derive(Debug, Clone)]
pub struct Saved {
    pub stack: Vec<View>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CtxState {
    pub reach: HashMap<String, CtxReach>,
    pub saved: HashMap<String, Saved>,
}

impl CtxState {
    /// Marks contexts as being probed; returns the ones to probe (not already in flight).
    pub fn start_probes(&mut self, names: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for n in names {
            if self.reach.get(n) != Some(&CtxReach::Probing) {
                self.reach.insert(n.clone(), CtxReach::Probing);
                out.push(n.clone());
            }
        }
        out
    }

    pub fn probed(&mut self, name: String, reach: Reach) {
        self.reach.insert(name, CtxReach::Done(reach));
    }

    /// Keeps the views worth coming back to: the tables (and a pod's containers) from the
    /// bottom of the stack up to the first other view.
    pub fn save(&mut self, context: &str, stack: &[View], namespace: Option<String>) {
        if context.is_empty() {
            return;
        }
        let stack: Vec<View> = stack
            .iter()
            .take_while(|v| matches!(v, View::Table(_) | View::Containers(_)))
            .cloned()
            .collect();
        if stack.is_empty() {
            return;
        }
        self.saved
            .insert(context.to_string(), Saved { stack, namespace });
    }

    pub fn take(&mut self, context: &str) -> Option<Saved> {
        self.saved.remove(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_not_repeated_while_in_flight() {
        let mut s = CtxState::default();
        let names = vec!["a".to_string(), "b".to_string()];
        assert_eq!(s.start_probes(&names), names);
        assert!(s.start_probes(&names).is_empty());
        s.probed("a".into(), Reach::Reachable("v1.37.2".into()));
        assert_eq!(s.start_probes(&names), vec!["a".to_string()]);
        assert_eq!(s.reach["a"].label(), ("probing…".to_string(), false));
        s.probed("b".into(), Reach::Credentials("plugin failed".into()));
        let (text, bad) = s.reach["b"].label();
        assert!(bad && text.starts_with("credentials failed"), "{text}");
    }

    #[test]
    fn only_tables_are_saved() {
        let mut s = CtxState::default();
        s.save(
            "a",
            &[View::Help(super::super::view::HelpView {
                context: super::super::Context::Table,
                scroll: 0,
            })],
            None,
        );
        assert!(s.take("a").is_none());
    }
}
