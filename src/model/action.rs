//! The one vocabulary of user intents. Keys become [`Action`]s through the active keymap
//! (`keymaps/*.toml` use the names below); panes never look at raw key codes.

use std::fmt;

/// Where a binding applies. The focused view decides the context; `global` bindings apply
/// everywhere unless the focused context binds the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Table,
    Text,
    Logs,
    Help,
    Dialog,
    Prompt,
    /// The Argo CD sync waves pane (`:waves`) and its app detail.
    Waves,
    /// The node pools pane (`:pools`).
    Pools,
    /// The CloudNativePG pane (`:cnpg`).
    Cnpg,
    /// The metrics dashboards (`:metrics`).
    Metrics,
    /// The PromQL editor: unbound keys type into it.
    Editor,
    /// The install wizard (`opsdeck install`, `:install`): printable keys type into its
    /// text fields.
    Wizard,
}

impl Context {
    pub const ALL: &'static [Context] = &[
        Context::Global,
        Context::Table,
        Context::Text,
        Context::Logs,
        Context::Help,
        Context::Dialog,
        Context::Prompt,
        Context::Waves,
        Context::Pools,
        Context::Cnpg,
        Context::Metrics,
        Context::Editor,
        Context::Wizard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Table => "table",
            Context::Text => "text",
            Context::Logs => "logs",
            Context::Help => "help",
            Context::Dialog => "dialog",
            Context::Prompt => "prompt",
            Context::Waves => "waves",
            Context::Pools => "pools",
            Context::Cnpg => "cnpg",
            Context::Metrics => "metrics",
            Context::Editor => "editor",
            Context::Wizard => "wizard",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! actions {
    ($($variant:ident => $name:literal [$($ctx:ident),*]),* $(,)?) => {
        /// A bindable user intent.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            /// Every action, in the order help lists them.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// Contexts in which the action means something.
            pub fn contexts(self) -> &'static [Context] {
                match self { $(Action::$variant => &[$(Context::$ctx),*]),* }
            }
        }
    };
}

actions! {
    Quit => "quit" [Global],
    Back => "back" [Global, Table, Text, Logs, Help, Pools, Cnpg, Waves, Metrics, Editor, Wizard],
    Help => "help" [Global, Wizard],
    Command => "command" [Global],
    Up => "up" [Table, Text, Logs, Help, Pools, Cnpg, Waves, Metrics, Wizard],
    Down => "down" [Table, Text, Logs, Help, Pools, Cnpg, Waves, Metrics, Wizard],
    PageUp => "page_up" [Table, Text, Logs, Help, Pools, Cnpg, Waves, Metrics, Wizard],
    PageDown => "page_down" [Table, Text, Logs, Help, Pools, Cnpg, Waves, Metrics, Wizard],
    Top => "top" [Table, Text, Logs, Help, Pools, Cnpg, Waves, Metrics, Wizard],
    Bottom => "bottom" [Table, Text, Logs, Help, Pools, Cnpg, Waves, Metrics],
    Select => "select" [Table, Pools, Cnpg, Waves],
    Filter => "filter" [Table, Logs],
    Describe => "describe" [Table, Cnpg, Waves],
    Yaml => "yaml" [Table, Cnpg, Waves],
    Logs => "logs" [Table, Cnpg],
    LogsPrevious => "logs_previous" [Table, Cnpg],
    Delete => "delete" [Table],
    Restart => "restart" [Table],
    Scale => "scale" [Table, Pools],
    PortForward => "port_forward" [Table],
    Refresh => "refresh" [Table, Pools, Waves, Metrics],
    Promote => "promote" [Cnpg],
    Search => "search" [Text],
    SearchNext => "search_next" [Text],
    SearchPrev => "search_prev" [Text],
    ToggleWrap => "toggle_wrap" [Text, Logs],
    RevealSecret => "reveal_secret" [Text],
    ToggleFollow => "toggle_follow" [Logs],
    ToggleTimestamps => "toggle_timestamps" [Logs],
    TogglePrevious => "toggle_previous" [Logs],
    Confirm => "confirm" [Dialog, Wizard],
    Cancel => "cancel" [Dialog, Prompt, Wizard],
    Submit => "submit" [Prompt, Wizard],
    Complete => "complete" [Prompt],
    HistoryPrev => "history_prev" [Prompt, Editor],
    HistoryNext => "history_next" [Prompt, Editor],
    DeleteBack => "delete_back" [Prompt, Wizard],
    DeleteForward => "delete_forward" [Prompt],
    CursorLeft => "cursor_left" [Prompt, Wizard],
    CursorRight => "cursor_right" [Prompt, Wizard],
    CursorHome => "cursor_home" [Prompt],
    CursorEnd => "cursor_end" [Prompt],
    ClearLine => "clear_line" [Prompt, Wizard],
    Sync => "sync" [Waves],
    HardRefresh => "hard_refresh" [Waves],
    Terminate => "terminate" [Waves],
    NextRoot => "next_root" [Waves],
    NextPanel => "next_panel" [Metrics],
    PrevPanel => "prev_panel" [Metrics],
    Zoom => "zoom" [Metrics],
    RangeNext => "range_next" [Metrics],
    RangePrev => "range_prev" [Metrics],
    RangeCustom => "range_custom" [Metrics],
    Pause => "pause" [Metrics],
    RefreshInterval => "refresh_interval" [Metrics],
    VarNext => "var_next" [Metrics],
    VarSelect => "var_select" [Metrics],
    DashboardNext => "dashboard_next" [Metrics],
    DashboardPrev => "dashboard_prev" [Metrics],
    EditQuery => "edit_query" [Metrics],
    ToggleRow => "toggle_row" [Metrics, Wizard],
    Notes => "notes" [Metrics],
    RunQuery => "run_query" [Editor],
    ToggleResult => "toggle_result" [Editor],
    SortName => "sort_name" [Table],
    SortAge => "sort_age" [Table],
    SortStatus => "sort_status" [Table],
    SortReady => "sort_ready" [Table],
    SortRestarts => "sort_restarts" [Table],
    SortIp => "sort_ip" [Table],
    SortNode => "sort_node" [Table],
    Namespace0 => "namespace_0" [Table],
    Namespace1 => "namespace_1" [Table],
    Namespace2 => "namespace_2" [Table],
    Namespace3 => "namespace_3" [Table],
    Namespace4 => "namespace_4" [Table],
    Namespace5 => "namespace_5" [Table],
    Namespace6 => "namespace_6" [Table],
    Namespace7 => "namespace_7" [Table],
    Namespace8 => "namespace_8" [Table],
    Namespace9 => "namespace_9" [Table],
    ReplayPause => "replay_pause" [Global],
    ReplayStep => "replay_step" [Global],
    ReplaySlower => "replay_slower" [Global],
    ReplayFaster => "replay_faster" [Global],
    ReplaySeek => "replay_seek" [Global],
    // Day-2 work on one object (issue #23 part 2): edit, owners tree, why Pending, clipboard.
    Edit => "edit" [Table, Text, Wizard],
    Xray => "xray" [Table, Text],
    WhyPending => "why_pending" [Table, Text],
    CopyName => "copy_name" [Table, Text],
    CopyYaml => "copy_yaml" [Table, Text],
    // The install wizard (issue #16): its own moves; the rest above list `Wizard`.
    Close => "close" [Wizard],
    NextField => "next_field" [Wizard],
    PrevField => "prev_field" [Wizard],
    Retry => "retry" [Wizard],
}

impl Action {
    pub(crate) fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Whether the action changes the cluster (refused in read-only mode).
    pub(crate) fn is_mutating(self) -> bool {
        matches!(
            self,
            Action::Delete
                | Action::Restart
                | Action::Scale
                | Action::Promote
                | Action::Sync
                | Action::HardRefresh
                | Action::Terminate
                | Action::Edit
        )
    }
}

impl Action {
    /// The column a sort key orders by, and whether its first press sorts descending (as
    /// k9s: most restarts first; AGE ascending shows the youngest first).
    pub(crate) fn sort_column(self) -> Option<(&'static str, bool)> {
        Some(match self {
            Action::SortName => ("NAME", false),
            Action::SortAge => ("AGE", false),
            Action::SortStatus => ("STATUS", false),
            Action::SortReady => ("READY", false),
            Action::SortRestarts => ("RESTARTS", true),
            Action::SortIp => ("IP", false),
            Action::SortNode => ("NODE", false),
            _ => return None,
        })
    }

    /// The namespace favourite a digit key picks: 0 = all namespaces, 1–9 = recent ones.
    pub(crate) fn namespace_slot(self) -> Option<usize> {
        Some(match self {
            Action::Namespace0 => 0,
            Action::Namespace1 => 1,
            Action::Namespace2 => 2,
            Action::Namespace3 => 3,
            Action::Namespace4 => 4,
            Action::Namespace5 => 5,
            Action::Namespace6 => 6,
            Action::Namespace7 => 7,
            Action::Namespace8 => 8,
            Action::Namespace9 => 9,
            _ => return None,
        })
    }

    /// Replay controls: shown in hints and help only while a replay is served; allowed in
    /// read-only mode (they change the replay, not the cluster).
    pub(crate) fn is_replay(self) -> bool {
        matches!(
            self,
            Action::ReplayPause
                | Action::ReplayStep
                | Action::ReplaySlower
                | Action::ReplayFaster
                | Action::ReplaySeek
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(!a.contexts().is_empty());
        }
        for c in Context::ALL {
            assert_eq!(Context::from_name(c.name()), Some(*c));
        }
    }
}
