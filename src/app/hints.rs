//! What the footer may offer: which actions apply to the current view and selection, and
//! the state of toggles in words.

use super::App;
use super::handlers::{RESTARTABLE, SCALABLE, WORKLOADS};
use super::view::View;
use crate::model::action::Action;

impl App {
    /// Whether `a` does something for the top view and its selection (the footer lists
    /// only those; help lists every binding).
    pub fn action_applies(&self, a: Action) -> bool {
        let top = self.top();
        let table_kind = match top {
            Some(View::Table(t)) => Some(t.kind().full_name()),
            _ => None,
        };
        let kind_in = |list: &[&str]| table_kind.as_deref().is_some_and(|k| list.contains(&k));
        if let Some(View::Forwards(_)) = top {
            return matches!(
                a,
                Action::Delete
                    | Action::Select
                    | Action::Up
                    | Action::Down
                    | Action::Back
                    | Action::Help
            );
        }
        match a {
            Action::PortForward => match top {
                Some(View::Containers(_)) => true,
                _ => kind_in(&[
                    "pods",
                    "services",
                    "deployments.apps",
                    "statefulsets.apps",
                    "replicasets.apps",
                    "daemonsets.apps",
                ]),
            },
            Action::Logs | Action::LogsPrevious => match top {
                Some(View::Containers(_)) => true,
                Some(View::Table(_)) => {
                    kind_in(&["pods"]) || (a == Action::Logs && kind_in(WORKLOADS))
                }
                Some(View::Cnpg(_) | View::CnpgDetail(_)) => true,
                _ => false,
            },
            Action::Scale => match top {
                // `s` is a shell on pods and containers (k9s).
                Some(View::Containers(_)) => true,
                Some(View::Table(_)) => kind_in(SCALABLE) || kind_in(&["pods"]),
                Some(View::Pools(_)) => true,
                _ => false,
            },
            Action::Restart => kind_in(RESTARTABLE),
            Action::Filter | Action::Delete | Action::Describe | Action::Yaml => match top {
                Some(View::Contexts(_)) => false,
                Some(View::Containers(_)) => a != Action::Filter,
                _ => true,
            },
            Action::SortIp
            | Action::SortNode
            | Action::SortReady
            | Action::SortRestarts
            | Action::SortStatus
            | Action::SortName
            | Action::SortAge => match top {
                Some(View::Table(t)) => a
                    .sort_column()
                    .is_some_and(|(c, _)| t.columns.iter().any(|col| col.name == c)),
                _ => false,
            },
            _ if a.namespace_slot().is_some() => {
                matches!(top, Some(View::Table(t)) if t.kind().namespaced)
            }
            Action::Refresh => !matches!(top, Some(View::Containers(_) | View::Contexts(_))),
            // Day-2 keys: edit where an object is at hand; why Pending on a Pending pod;
            // xray and copy are listed in help only (the footer has no room for all).
            Action::Edit => matches!(top, Some(View::Table(_) | View::Text(_))),
            Action::WhyPending => match top {
                Some(View::Table(t)) => {
                    t.kind().full_name() == "pods"
                        && t.selected()
                            .is_some_and(|o| o.data["status"]["phase"] == "Pending")
                }
                _ => false,
            },
            Action::Xray | Action::CopyName | Action::CopyYaml => false,
            _ => true,
        }
    }

    /// The state of a toggle the action flips, for the footer ("Follow: on").
    pub fn toggle_state(&self, a: Action) -> Option<bool> {
        match (a, self.top()?) {
            (Action::ToggleFollow, View::Logs(l)) => Some(l.follow),
            (Action::ToggleTimestamps, View::Logs(l)) => Some(l.timestamps),
            (Action::ToggleWrap, View::Logs(l)) => Some(l.wrap),
            (Action::TogglePrevious, View::Logs(l)) => Some(l.previous),
            (Action::ToggleWrap, View::Text(t)) => Some(t.wrap),
            (Action::Pause, View::Metrics(m)) => Some(m.paused),
            _ => None,
        }
    }
}
