//! `?` help, generated from the active keymap for the focused context.

use super::*;

/// One line of the generated help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Section(String),
    Binding {
        keys: String,
        desc: String,
        action: String,
    },
    Text(String, String),
    Problem(String),
}

impl HelpLine {
    /// A keymap binding: its keys, description and action name.
    pub fn binding(b: &crate::config::Binding) -> HelpLine {
        HelpLine::Binding {
            keys: b
                .keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            desc: b.desc.clone(),
            action: b.action.name().to_string(),
        }
    }
}

impl App {
    pub(super) fn help_context(&self) -> Context {
        match self.top() {
            Some(View::Help(h)) => h.context,
            _ => self.top_context(),
        }
    }

    /// Help generated from the active keymap for a context.
    pub fn help_lines(&self, context: Context) -> Vec<HelpLine> {
        let mut out = Vec::new();
        let km = &self.config.keymap;
        let section = |out: &mut Vec<HelpLine>, title: String, ctx: Context| {
            out.push(HelpLine::Section(title));
            for b in km.bindings(ctx).filter(|b| !b.action.is_replay()) {
                out.push(HelpLine::binding(b));
            }
        };
        if context != Context::Global {
            section(&mut out, format!("{} keys", context.name()), context);
        }
        section(&mut out, "global keys".into(), Context::Global);
        self.replay_help(&mut out);
        self.user_help(&mut out);
        out.push(HelpLine::Section("commands".into()));
        for (cmd, what) in [
            (
                ":<kind>",
                "resource table by plural, singular, short name or plural.group (tab completes)",
            ),
            (
                ":po :deploy :svc :no :ns :ev",
                "k9s aliases; also :apps (Argo CD) and :cnpg (CloudNativePG)",
            ),
            (":<kind> <ns>|-A", "a kind in another namespace, or in all"),
            (
                ":<kind> -n <ns> -l k=v",
                "a kind in a namespace, with a label selector (kubectl's -n, -l)",
            ),
            (
                ":xray <kind> [name]",
                "owners and dependents as a tree with health marks (Enter describes a line)",
            ),
            (
                ":sort <column> [asc|desc]",
                "order the table by any column (the same sort key again flips it)",
            ),
            (
                ":pools",
                "node pools: nodes by pool label with capacity, zones, taints, EKS node groups",
            ),
            (
                ":waves",
                "Argo CD sync waves: lanes, app-of-apps tree, what blocks the rollout, traps",
            ),
            (
                ":metrics [name]",
                "Prometheus dashboards (cluster-overview, node-pool, cnpg, argocd, yours)",
            ),
            (
                ":promql [query]",
                "the PromQL editor: run a query as a chart or a table",
            ),
            (
                ":install",
                "the install wizard: cluster, age key, Argo CD, apps",
            ),
            (":ns <name>|all", "switch namespace"),
            (
                ":ctx [name]",
                "switch context (without a name: list contexts)",
            ),
            (":q", "quit"),
        ] {
            out.push(HelpLine::Text(cmd.into(), what.into()));
        }
        out.push(HelpLine::Section("filter".into()));
        for (f, what) in [
            ("text", "rows containing text"),
            ("!text", "rows not containing text"),
            ("-l app=web", "label selector (k=v, k!=v, k, !k)"),
        ] {
            out.push(HelpLine::Text(f.into(), what.into()));
        }
        if self.readonly {
            out.push(HelpLine::Section(
                "read-only mode: delete, restart, scale and edit are disabled".into(),
            ));
        }
        if !self.config.problems.is_empty() {
            out.push(HelpLine::Section("configuration problems".into()));
            for p in &self.config.problems {
                out.push(HelpLine::Problem(p.to_string()));
            }
        }
        out
    }
}
