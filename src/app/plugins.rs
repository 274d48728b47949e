//! Plugins, hotkeys and aliases in the console: which apply to the focused view, what
//! their `$VARIABLES` hold, and turning a key into a [`Request::Plugin`] (run by the
//! sources in the background, or by the console's event loop with the terminal handed
//! over). Nothing here runs anything.

use std::sync::Arc;

use super::command::NsArg;
use super::filter::Filter;
use super::view::{LogsView, View};
use super::{App, Dialog, Level, Msg};
use crate::config::Key;
use crate::config::plugins::{Plugin, SCOPE_CONTAINERS, Vars};
use crate::model::ResourceKind;
use crate::sources::Request;
use crate::sources::plugin::PluginRun;

/// What a plugin acts on: the focused view's kind and selection.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub kind: Option<Arc<ResourceKind>>,
    /// The containers of a pod (`containers` scope).
    pub containers: bool,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    /// Column values of the selected row, by upper-case header.
    pub columns: Vec<(String, String)>,
    pub filter: String,
}

/// User-visible strings of plugins.
pub(crate) mod strings {
    pub(crate) fn readonly(name: &str) -> String {
        format!("read-only mode: plugin {name} is dangerous and disabled")
    }
    pub(crate) fn confirm(line: &str) -> String {
        format!("Run `{line}`?")
    }
    pub(crate) const CONFIRM_TITLE: &str = "Run plugin";
    pub(crate) fn started(name: &str) -> String {
        format!("plugin {name}: running")
    }
}

/// Quotes a command line for display (the command itself runs without a shell).
pub(crate) fn display_line(program: &str, args: &[String]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl App {
    /// The focused view's subject, when plugins can apply to it.
    pub fn plugin_subject(&self) -> Option<Subject> {
        self.subject_of(self.top()?)
    }

    /// The subject of one view of the stack.
    fn subject_of(&self, view: &View) -> Option<Subject> {
        let mut s = Subject::default();
        match view {
            View::Table(t) => {
                s.kind = Some(t.kind().clone());
                s.filter = t.filter_text.clone();
                if let Some(obj) = t.selected() {
                    s.namespace = obj.metadata.namespace.clone();
                    s.name = obj.metadata.name.clone();
                    s.columns = t
                        .columns
                        .iter()
                        .map(|c| (c.name.to_ascii_uppercase(), c.cell(obj, self.now).text))
                        .collect();
                }
            }
            View::Containers(c) => {
                s.kind = Some(c.source.kind().clone());
                s.containers = true;
                s.namespace = c.source.namespace.clone();
                s.pod = Some(c.source.name.clone());
                if let Some(row) = c.rows.get(c.cursor.selected) {
                    s.name = Some(row.name.clone());
                    s.container = Some(row.name.clone());
                }
            }
            View::Cnpg(l) => {
                s.kind = self.catalog.resolve("clusters.postgresql.cnpg.io");
                if let Some(r) = l.selected() {
                    s.namespace = Some(r.summary.namespace.clone());
                    s.name = Some(r.summary.name.clone());
                }
            }
            View::CnpgDetail(d) => {
                s.kind = self.catalog.resolve("clusters.postgresql.cnpg.io");
                s.namespace = Some(d.key.0.clone());
                s.name = Some(d.key.1.clone());
            }
            View::Waves(_) | View::WaveApp(_) => {
                if !std::ptr::eq(view, self.top()?) {
                    return None;
                }
                let src = super::waves::source_of(view, &self.catalog)?;
                s.kind = Some(src.kind().clone());
                s.namespace = src.namespace.clone();
                s.name = Some(src.name.clone());
            }
            _ => return None,
        }
        Some(s)
    }

    /// Whether a plugin's scope word names the subject.
    fn scope_matches(&self, subject: &Subject, scope: &str) -> bool {
        if subject.containers {
            return SCOPE_CONTAINERS.contains(&scope);
        }
        let Some(kind) = &subject.kind else {
            return false;
        };
        if kind.is_named(scope) || kind.kind.eq_ignore_ascii_case(scope) {
            return true;
        }
        self.catalog
            .resolve(scope)
            .is_some_and(|k| k.full_name() == kind.full_name())
    }

    /// Plugins that apply to the focused view (dangerous ones hidden in read-only mode);
    /// under help, to the view help was opened from.
    pub fn visible_plugins(&self) -> Vec<&Plugin> {
        let view = match self.stack.as_slice() {
            [.., below, View::Help(_)] => below,
            [.., top] => top,
            [] => return Vec::new(),
        };
        let subject = match view {
            View::Waves(_) | View::WaveApp(_)
                if !std::ptr::eq(view, &self.stack[self.stack.len() - 1]) =>
            {
                // The waves selection is read from the top view only.
                Some(Subject {
                    kind: self.catalog.resolve("applications.argoproj.io"),
                    ..Default::default()
                })
            }
            v => self.subject_of(v),
        };
        let Some(subject) = subject else {
            return Vec::new();
        };
        self.config
            .user
            .plugins_for(|s| self.scope_matches(&subject, s))
            .into_iter()
            .filter(|p| !(self.readonly && p.dangerous))
            .collect()
    }

    /// A plugin or hotkey for a key in the focused view, when no built-in binding takes it
    /// first (or the plugin overrides it). Returns the message to dispatch.
    pub fn user_key(&self, key: Key) -> Option<Msg> {
        let ctx = self.focused_context();
        if matches!(
            ctx,
            super::Context::Prompt
                | super::Context::Dialog
                | super::Context::Editor
                | super::Context::Help
        ) {
            return None;
        }
        let builtin = self.config.keymap.lookup(ctx, key);
        if let Some(subject) = self.plugin_subject() {
            let plugin = self
                .config
                .user
                .plugins_for(|s| self.scope_matches(&subject, s))
                .into_iter()
                .find(|p| p.key == key && (builtin.is_none() || p.override_builtin));
            if let Some(p) = plugin {
                return Some(Msg::Plugin(p.name.clone()));
            }
        }
        self.config
            .user
            .hotkey(key)
            .filter(|h| builtin.is_none() || h.override_builtin)
            .map(|h| Msg::Hotkey(h.name.clone()))
    }

    /// The variables plugins and hotkeys see (k9s's names).
    pub fn plugin_vars(&self, subject: Option<&Subject>) -> Vars {
        let mut v = Vars::default();
        let c = &self.cluster;
        v.set("CONTEXT", &c.context);
        v.set("CLUSTER", &c.cluster);
        v.set("USER", &c.user);
        v.set("GROUPS", "");
        if let Some(k) = &self.kubeconfig_path {
            v.set("KUBECONFIG", k);
        }
        let ns = self.namespace.clone().unwrap_or_default();
        v.set("NAMESPACE", &ns);
        if let Some(s) = subject {
            if let Some(k) = &s.kind {
                v.set("RESOURCE_NAME", &k.plural);
                v.set("RESOURCE_GROUP", &k.group);
                v.set("RESOURCE_VERSION", &k.version);
            }
            if let Some(n) = &s.namespace {
                v.set("NAMESPACE", n);
            }
            v.set("NAME", s.name.clone().unwrap_or_default());
            v.set("CONTAINER", s.container.clone().unwrap_or_default());
            v.set("POD", s.pod.clone().unwrap_or_default());
            v.set("FILTER", &s.filter);
            for (col, val) in &s.columns {
                v.columns.insert(col.clone(), val.clone());
            }
        }
        v
    }

    /// Runs a plugin by name: refused when dangerous in read-only mode, confirmed first
    /// when it asks to.
    pub(super) fn run_plugin(&mut self, name: &str) {
        let Some(plugin) = self.config.user.plugins.get(name).cloned() else {
            return;
        };
        if self.readonly && plugin.dangerous {
            return self.flash_for(strings::readonly(&plugin.name), Level::Warn, 6);
        }
        let subject = self.plugin_subject();
        let vars = self.plugin_vars(subject.as_ref());
        let run = PluginRun {
            name: plugin.name.clone(),
            program: vars.expand(&plugin.command),
            args: plugin.args.iter().map(|a| vars.expand(a)).collect(),
            env: vars.env(),
            background: plugin.background,
            log: None,
        };
        if plugin.confirm {
            self.dialog = Some(Dialog {
                title: strings::CONFIRM_TITLE.into(),
                message: strings::confirm(&display_line(&run.program, &run.args)),
                request: Request::Plugin(run),
                expect: None,
                typed: String::new(),
            });
            return;
        }
        self.start_plugin(run);
    }

    /// Starts a (confirmed) plugin: background ones get an output view.
    pub(super) fn start_plugin(&mut self, mut run: PluginRun) {
        tracing::info!(plugin = %run.name, program = %run.program, "plugin");
        if run.background {
            let id = self.next_log_id;
            self.next_log_id += 1;
            run.log = Some(id);
            let cap = self.config.settings.log_lines.max(100);
            self.stack.push(View::Logs(LogsView::output(
                id,
                "",
                "",
                "",
                format!(
                    "plugin {}: {}",
                    run.name,
                    display_line(&run.program, &run.args)
                ),
                cap,
            )));
            self.flash(strings::started(&run.name), Level::Info);
        }
        self.request(Request::Plugin(run));
    }

    /// Help sections for plugins (of the view), hotkeys and aliases.
    pub(super) fn user_help(&self, out: &mut Vec<super::HelpLine>) {
        let plugins = self.visible_plugins();
        if !plugins.is_empty() {
            out.push(super::HelpLine::Section("plugins".into()));
            for p in plugins {
                let mut desc = if p.description.is_empty() {
                    p.name.clone()
                } else {
                    p.description.clone()
                };
                if p.background {
                    desc.push_str(" (background)");
                }
                out.push(super::HelpLine::Binding {
                    keys: p.key.to_string(),
                    desc,
                    action: format!("plugin {}", p.name),
                });
            }
        }
        let hotkeys = &self.config.user.hotkeys;
        if !hotkeys.is_empty() {
            out.push(super::HelpLine::Section("hotkeys".into()));
            for h in hotkeys.values() {
                out.push(super::HelpLine::Binding {
                    keys: h.key.to_string(),
                    desc: if h.description.is_empty() {
                        format!(":{}", h.command)
                    } else {
                        h.description.clone()
                    },
                    action: format!(":{}", h.command),
                });
            }
        }
        let aliases = &self.config.user.aliases;
        if !aliases.is_empty() {
            out.push(super::HelpLine::Section("aliases".into()));
            for (a, c) in aliases {
                out.push(super::HelpLine::Text(format!(":{a}"), c.clone()));
            }
        }
    }

    /// Runs a hotkey's `:` command (with `$VARIABLES` filled).
    pub(super) fn run_hotkey(&mut self, name: &str) {
        let Some(h) = self.config.user.hotkeys.get(name).cloned() else {
            return;
        };
        let subject = self.plugin_subject();
        let line = self.plugin_vars(subject.as_ref()).expand(&h.command);
        self.run_command_text(&line);
    }

    /// A foreground plugin waiting for the terminal (taken out of the requests).
    pub fn take_foreground_plugin(&mut self) -> Option<PluginRun> {
        let i = self
            .requests
            .iter()
            .position(|r| matches!(r, Request::Plugin(p) if !p.background))?;
        match self.requests.remove(i) {
            Request::Plugin(p) => Some(p),
            _ => None,
        }
    }

    /// The alias a command line starts with, expanded (`pp kube-system` → `v1/pods
    /// kube-system`).
    pub fn expand_alias(&self, text: &str) -> Option<String> {
        let mut words = text.split_whitespace();
        let first = words.next()?.trim_start_matches(':').to_ascii_lowercase();
        let target = self.config.user.aliases.get(&first)?;
        let rest: Vec<&str> = words.collect();
        Some(if rest.is_empty() {
            target.clone()
        } else {
            format!("{target} {}", rest.join(" "))
        })
    }

    /// Runs an alias's command line: a resource (name or k9s `group/version/resource`)
    /// with a namespace, label selector (`app=x`, `-l app=x`), `@context` and `/filter`,
    /// or any other `:` command. Aliases may name other aliases (up to a few levels).
    /// Returns false when the line does not start with an alias.
    pub fn run_alias(&mut self, text: &str) -> bool {
        let mut line = text.to_string();
        let mut expanded = false;
        for _ in 0..4 {
            match self.expand_alias(&line) {
                Some(next) => {
                    line = next;
                    expanded = true;
                }
                None => break,
            }
        }
        if !expanded {
            return false;
        }
        if self.expand_alias(&line).is_some() {
            self.flash_for(
                format!("alias loop: {text} expands to {line}"),
                Level::Error,
                10,
            );
            return true;
        }
        let target = parse_alias_line(&line);
        let kind = self.catalog.resolve(&target.resource);
        let Some(kind) = kind else {
            // Not a kind: `pools`, `cnpg keycloak/db`, … run as typed.
            self.run_command_text(&line);
            return true;
        };
        if let Some(ctx) = &target.context {
            self.run_command_text(&format!("ctx {ctx}"));
        }
        let ns = target.namespace.map(|n| match n {
            NsArg::All => None,
            NsArg::Named(n) => Some(n),
        });
        let scope = target.labels.clone();
        self.open_table(kind, ns, target.labels, None, scope, false);
        if let Some(f) = target.filter
            && let Ok(parsed) = Filter::parse(&f)
            && let Some(View::Table(t)) = self.stack.last_mut()
        {
            t.filter = parsed;
            t.filter_text = f;
            let i = self.stack.len() - 1;
            self.refresh_view(i);
        }
        true
    }
}

/// An alias's command line, taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AliasLine {
    /// A catalog word (`pods`, `deployments.apps`).
    pub resource: String,
    pub namespace: Option<NsArg>,
    pub labels: Option<String>,
    pub context: Option<String>,
    pub filter: Option<String>,
}

/// k9s's `group/version/resource` (`v1/pods`, `apps/v1/deployments`) as a catalog word.
pub(crate) fn gvr_word(s: &str) -> String {
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [_version, resource] => resource.to_string(),
        [group, _version, resource] => format!("{resource}.{group}"),
        _ => s.to_string(),
    }
}

/// Parses `RESOURCE [NAMESPACE|-n NS|-A] [k=v,… | -l SEL] [@CONTEXT] [/FILTER]`.
pub(crate) fn parse_alias_line(line: &str) -> AliasLine {
    let mut words = line.split_whitespace();
    let mut out = AliasLine {
        resource: gvr_word(words.next().unwrap_or_default()),
        ..Default::default()
    };
    let mut labels: Vec<String> = Vec::new();
    while let Some(w) = words.next() {
        match w {
            "-n" | "--namespace" => out.namespace = words.next().map(NsArg::parse),
            "-A" | "--all-namespaces" | "all" => out.namespace = Some(NsArg::All),
            "-l" | "--selector" => labels.extend(words.next().map(str::to_string)),
            w if w.starts_with('@') => out.context = Some(w[1..].to_string()),
            w if w.starts_with('/') => out.filter = Some(w[1..].to_string()),
            w if w.contains('=') => labels.push(w.to_string()),
            w => out.namespace = Some(NsArg::parse(w)),
        }
    }
    if !labels.is_empty() {
        out.labels = Some(labels.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture;
    use crate::app::tests::{crumbs, names, press};
    use crate::config::Config;
    use crate::sources::SourceEvent;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    const PLUGINS: &str = r#"
plugins:
  record-fg:
    shortCut: Shift-U
    description: Record args
    scopes: [po]
    command: /bin/rec
    args: [$NAME, $NAMESPACE, $CONTEXT, $CLUSTER, $USER, "$COL-STATUS", $KUBECONFIG, "${NAME}-x", $FILTER]
  record-bg:
    shortCut: b
    description: Background
    scopes: [pods]
    command: /bin/rec
    args: [bg, $NAME]
    background: true
  danger:
    shortCut: Shift-X
    description: Dangerous
    scopes: [all]
    command: /bin/rec
    args: [danger, $NAME]
    confirm: true
    dangerous: true
  shadowed:
    shortCut: d
    description: Not describe
    scopes: [pods]
    command: /bin/rec
  argocd-sync:
    shortCut: Shift-S
    description: Argo sync
    scopes: [applications]
    command: argocd
    args: [app, sync, $NAME]
  containers:
    shortCut: Shift-C
    description: Container
    scopes: [containers]
    command: /bin/rec
    args: [$POD, $CONTAINER, $NAME]
"#;

    fn app_with_plugins(readonly: bool) -> App {
        let mut config = Config::default();
        let problems = config.user.add_plugins(PLUGINS, "plugins.yaml");
        assert!(problems.is_empty(), "{problems:?}");
        config.user.add_hotkeys(
            "hotKeys:\n  shift-0:\n    shortCut: Shift-0\n    description: Deployments\n    command: deploy\n",
            "hotkeys.yaml",
        );
        config.user.add_aliases(
            "aliases:\n  pp: v1/pods\n  dd: apps/v1/deployments -A\n  web: pod shop app=web\n  loop1: loop2\n  loop2: loop1\n",
            "aliases.yaml",
        );
        config.settings.readonly = readonly;
        let mut app = fixture::app_with(config);
        app.kubeconfig_path = Some("/tmp/kc".into());
        app
    }

    fn key(app: &mut App, c: char) {
        app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT));
    }

    fn plugin_requests(app: &mut App) -> Vec<PluginRun> {
        app.take_requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Plugin(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn foreground_plugin_fills_k9s_variables() {
        let mut app = app_with_plugins(false);
        assert_eq!(names(&app)[0], "orders-db-0");
        key(&mut app, 'U');
        let run = app.take_foreground_plugin().expect("a foreground run");
        assert!(!run.background);
        assert_eq!(run.program, "/bin/rec");
        assert_eq!(
            run.args,
            [
                "orders-db-0",
                "shop",
                "opsdeck-sandbox",
                "opsdeck-sandbox",
                "opsdeck-sandbox",
                "CrashLoopBackOff",
                "/tmp/kc",
                "orders-db-0-x",
                ""
            ]
        );
        assert!(run.env.contains(&("NAME".into(), "orders-db-0".into())));
        assert!(run.env.contains(&("KUBECONFIG".into(), "/tmp/kc".into())));
        assert!(app.take_foreground_plugin().is_none());
    }

    #[test]
    fn background_plugin_streams_into_a_view() {
        let mut app = app_with_plugins(false);
        press(&mut app, "j b");
        let runs = plugin_requests(&mut app);
        assert_eq!(runs.len(), 1);
        let id = runs[0].log.expect("an output view");
        assert!(runs[0].background);
        assert_eq!(runs[0].args[0], "bg");
        assert!(
            crumbs(&app)
                .last()
                .unwrap()
                .starts_with("plugin record-bg: /bin/rec bg ")
        );
        app.dispatch(Msg::Source(SourceEvent::LogLines {
            id,
            lines: vec!["hello".into()],
        }));
        let Some(View::Logs(l)) = app.top() else {
            panic!("no output view")
        };
        assert_eq!(l.visible().collect::<Vec<_>>(), ["hello"]);
        // Esc closes it and stops the command.
        press(&mut app, "esc");
        assert!(app.take_requests().contains(&Request::StopLogs(id)));
    }

    #[test]
    fn dangerous_plugin_confirms_and_is_refused_in_readonly() {
        let mut app = app_with_plugins(false);
        key(&mut app, 'X');
        let d = app.dialog.clone().expect("confirmation");
        assert_eq!(d.message, "Run `/bin/rec danger orders-db-0`?");
        assert!(plugin_requests(&mut app).is_empty());
        press(&mut app, "y");
        assert_eq!(
            app.take_foreground_plugin().map(|r| r.args),
            Some(vec!["danger".to_string(), "orders-db-0".to_string()])
        );

        let mut ro = app_with_plugins(true);
        assert!(ro.visible_plugins().iter().all(|p| p.name != "danger"));
        assert!(ro.visible_plugins().iter().any(|p| p.name == "record-fg"));
        key(&mut ro, 'X');
        assert!(ro.dialog.is_none());
        assert!(ro.take_foreground_plugin().is_none());
        // Run by name (as a stale key would), it is refused with a message.
        ro.dispatch(Msg::Plugin("danger".into()));
        assert!(ro.take_foreground_plugin().is_none());
        assert!(ro.flash.as_ref().unwrap().text.contains("read-only"));
    }

    #[test]
    fn builtin_keys_win_unless_override_and_scopes_apply() {
        let mut app = app_with_plugins(false);
        press(&mut app, "d");
        assert!(crumbs(&app).last().unwrap().starts_with("describe"));
        press(&mut app, "esc");
        let visible: Vec<&str> = app
            .visible_plugins()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(visible, ["danger", "record-bg", "record-fg", "shadowed"]);
        // The Argo CD plugin applies to Applications, by any of the kind's names.
        app.run_command_text("applications");
        fixture::feed(&mut app);
        let visible: Vec<&str> = app
            .visible_plugins()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(visible, ["argocd-sync", "danger"]);
        // Containers of a pod: $POD and $CONTAINER.
        app.run_command_text("pods");
        fixture::feed(&mut app);
        press(&mut app, "enter");
        assert!(crumbs(&app).last().unwrap().starts_with("containers"));
        key(&mut app, 'C');
        let run = app.take_foreground_plugin().expect("containers plugin");
        assert_eq!(run.args[0], "orders-db-0");
        assert!(!run.args[1].is_empty());
        assert_eq!(run.args[1], run.args[2]);
    }

    #[test]
    fn plugins_hotkeys_and_aliases_in_help() {
        let mut app = app_with_plugins(false);
        let help = app.help_lines(app.top_context());
        let text = format!("{help:?}");
        for needle in [
            "\"plugins\"",
            "Record args",
            "plugin record-fg",
            "\"hotkeys\"",
            ":deploy",
            "\"aliases\"",
            ":pp",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        assert!(!text.contains("argocd-sync"), "out-of-scope plugin in help");
        press(&mut app, "?");
        let help = format!("{:?}", app.help_lines(crate::model::action::Context::Help));
        assert!(help.contains("Record args"), "help of the view below");
    }

    #[test]
    fn hotkeys_and_aliases_run_commands() {
        let mut app = app_with_plugins(false);
        key(&mut app, ')');
        assert!(
            crumbs(&app)[0].starts_with("deployments"),
            "{:?}",
            crumbs(&app)
        );
        app.run_command_text("pp");
        assert!(crumbs(&app)[0].starts_with("pods"));
        app.run_command_text("dd");
        let Some(View::Table(t)) = app.top() else {
            panic!()
        };
        assert_eq!(t.spec.key.namespace, None, "dd is -A");
        app.run_command_text("web");
        let Some(View::Table(t)) = app.top() else {
            panic!()
        };
        assert_eq!(t.spec.key.labels.as_deref(), Some("app=web"));
        assert_eq!(t.spec.key.namespace.as_deref(), Some("shop"));
        app.run_command_text("loop1");
        assert!(app.flash.as_ref().unwrap().text.contains("alias loop"));
        // A plugin's key typed into the prompt is text, not the plugin.
        press(&mut app, ":");
        crate::app::tests::type_text(&mut app, "bA");
        assert_eq!(app.prompt.as_ref().unwrap().text, "bA");
        assert!(plugin_requests(&mut app).is_empty());
        press(&mut app, "esc");
        // Typed in the prompt too.
        press(&mut app, ":");
        crate::app::tests::type_text(&mut app, "pp");
        press(&mut app, "enter");
        assert!(crumbs(&app)[0].starts_with("pods"));
    }

    #[test]
    fn alias_lines() {
        assert_eq!(gvr_word("v1/pods"), "pods");
        assert_eq!(gvr_word("apps/v1/deployments"), "deployments.apps");
        assert_eq!(
            gvr_word("rbac.authorization.k8s.io/v1/clusterrolebindings"),
            "clusterrolebindings.rbac.authorization.k8s.io"
        );
        assert_eq!(gvr_word("dp"), "dp");
        assert_eq!(
            parse_alias_line("pod fred app=blee"),
            AliasLine {
                resource: "pod".into(),
                namespace: Some(NsArg::Named("fred".into())),
                labels: Some("app=blee".into()),
                ..Default::default()
            }
        );
        assert_eq!(
            parse_alias_line("v1/pods -n kube-system -l tier=db,app=x @prod /web"),
            AliasLine {
                resource: "pods".into(),
                namespace: Some(NsArg::Named("kube-system".into())),
                labels: Some("tier=db,app=x".into()),
                context: Some("prod".into()),
                filter: Some("web".into()),
            }
        );
        assert_eq!(parse_alias_line("deploy -A").namespace, Some(NsArg::All));
    }

    #[test]
    fn display_quotes_what_a_shell_would_split() {
        assert_eq!(
            display_line("bash", &["-c".into(), "echo $NAME".into(), String::new()]),
            "bash -c 'echo $NAME' ''"
        );
    }
}
