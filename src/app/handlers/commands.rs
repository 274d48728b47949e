//! `:` commands: what each does (views, namespaces, contexts).

use super::*;

impl App {
    /// Parses and runs a `:` command line (as `--command` gives it); errors are flashed.
    /// Runs a `:` command line as if typed.
    pub fn run_command_text(&mut self, text: &str) {
        if self.expand_alias(text).is_some() {
            self.run_alias(text);
            return;
        }
        match command::parse(text, &self.catalog) {
            Ok(cmd) => self.run_command(cmd),
            Err(e) => self.flash_for(e, Level::Error, 10),
        }
    }

    pub(super) fn run_command(&mut self, cmd: Command) {
        self.run_command_inner(cmd);
        // A pane with metric columns may have opened.
        self.pane_metrics_tick();
    }

    pub(super) fn run_command_inner(&mut self, cmd: Command) {
        match cmd {
            Command::Quit => self.quit = true,
            Command::Cnpg(cluster) => self.open_cnpg(cluster.as_deref()),
            Command::Help => {
                let context = self.top_context();
                self.stack.push(View::Help(HelpView { context, scroll: 0 }));
            }
            Command::Context(None) => {
                let names = self.cluster.contexts.clone();
                let current = self.cluster.context.clone();
                let selected = names.iter().position(|n| *n == current).unwrap_or(0);
                let probe = self.ctx.start_probes(&names);
                if !probe.is_empty() {
                    self.request(Request::ProbeContexts(probe));
                }
                self.stack.push(View::Contexts(ContextsView {
                    names,
                    current,
                    cursor: Cursor {
                        selected,
                        offset: 0,
                    },
                }));
                self.refit();
            }
            Command::Context(Some(name)) => self.switch_context(&name),
            Command::Exec(line) => self.exec_command(&line),
            Command::Forwards { stop_all } => self.pf_command(stop_all),
            Command::Pools => self.open_pools(),
            Command::Metrics(name) => self.open_metrics(name.as_deref()),
            Command::Promql(text) => self.open_promql(&text),
            Command::Install if self.readonly => {
                self.flash_for(strings::readonly("install"), Level::Warn, 6)
            }
            Command::Install => self.request(Request::Install),
            Command::Waves => self.open_waves(),
            Command::Namespace(None) => {
                if let Some(k) = self.catalog.resolve("namespaces") {
                    self.open_table(k, None, None, None, None, false);
                }
            }
            Command::Namespace(Some(arg)) => {
                self.namespace = match arg {
                    NsArg::All => None,
                    NsArg::Named(n) => Some(n),
                };
                if let Some(n) = self.namespace.clone() {
                    self.remember_namespace(&n);
                }
                let root_kind = match self.stack.first() {
                    Some(View::Table(t)) if t.kind().namespaced => Some(t.kind().clone()),
                    _ => self.catalog.resolve("pods"),
                };
                if let Some(k) = root_kind {
                    self.open_table(k, None, None, None, None, false);
                }
            }
            Command::Replay(c) => self.replay_command(c),
            Command::Kind {
                name,
                namespace,
                labels,
            } => {
                if let Some(k) = self.catalog.resolve(&name) {
                    let ns = namespace.map(|n| match n {
                        NsArg::All => None,
                        NsArg::Named(n) => Some(n),
                    });
                    if let Some(Some(n)) = &ns {
                        self.remember_namespace(n);
                    }
                    self.open_table(k, ns, labels, None, None, false);
                }
            }
            Command::Sort { column, desc } => self.sort_table(&column, desc, false),
            Command::Xray { kind, name } => self.open_xray_command(&kind, name),
        }
    }

    pub(super) fn switch_context(&mut self, name: &str) {
        if !self.cluster.contexts.iter().any(|c| c == name) {
            return self.flash(
                format!(
                    "unknown context {name:?} (known: {})",
                    self.cluster.contexts.join(", ")
                ),
                Level::Error,
            );
        }
        self.request(Request::SwitchContext(name.to_string()));
        let leaving = self.cluster.context.clone();
        self.ctx.save(&leaving, &self.stack, self.namespace.clone());
        self.namespace_chosen = false;
        self.version = None;
        self.catalog = crate::model::Catalog::builtin();
        self.watches.clear();
        if let Some(saved) = self.ctx.take(name) {
            // Back to this context's last view (its namespace and tables).
            self.clear_stack();
            self.stack = saved.stack;
            self.namespace = saved.namespace;
            self.namespace_chosen = true;
            self.prune_watches();
            let keys: Vec<crate::model::WatchKey> =
                self.desired_watches().into_iter().map(|s| s.key).collect();
            for k in keys {
                self.refresh_key(&k);
            }
            self.refit();
            return self.flash(
                format!("switching to context {name} (last view)"),
                Level::Info,
            );
        }
        let root = match self.stack.first() {
            Some(View::Table(t)) => self.catalog.resolve(&t.kind().full_name()),
            _ => None,
        };
        let root = root.or_else(|| self.catalog.resolve("pods"));
        if let Some(k) = root {
            self.open_table(k, None, None, None, None, false);
        }
        self.flash(format!("switching to context {name}"), Level::Info);
    }
}
