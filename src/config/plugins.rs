//! User commands bound to keys: plugins, hotkeys and command aliases, in k9s's own YAML
//! formats (`plugins.yaml`, `hotkeys.yaml`, `aliases.yaml`), so that k9s users' files work
//! as they are.
//!
//! ```yaml
//! plugins:
//!   argocd-sync:
//!     shortCut: Shift-S
//!     description: Sync
//!     scopes: [applications]
//!     command: argocd
//!     args: [app, sync, $NAME, --app-namespace, $NAMESPACE]
//!     background: true
//!     confirm: true
//!     dangerous: true
//! ```
//!
//! Everything here is pure: parsing, key names, scope matching and `$VARIABLE` expansion.
//! Running a plugin is the sources' job.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::ConfigError;
use super::key::Key;
#[cfg(test)]
use super::key::KeyName;

/// One plugin: a command bound to a key in some views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plugin {
    pub name: String,
    pub key: Key,
    /// The key as the file wrote it (`Shift-S`), for help.
    pub(crate) key_label: String,
    pub(crate) description: String,
    /// Lowercased scope names: `all`, `containers`, or a kind by any of its names.
    pub(crate) scopes: Vec<String>,
    pub command: String,
    pub args: Vec<String>,
    /// Output captured into a view instead of handing the terminal over.
    pub(crate) background: bool,
    /// Ask before running, showing the command line.
    pub confirm: bool,
    /// Changes things: hidden and refused in read-only mode.
    pub(crate) dangerous: bool,
    /// Wins over a built-in binding of the same key.
    pub(crate) override_builtin: bool,
    /// The file it came from.
    pub file: String,
}

/// A hotkey: a key that runs a `:` command everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hotkey {
    pub name: String,
    pub key: Key,
    pub(crate) key_label: String,
    pub(crate) description: String,
    /// The `:` command line (may hold `$VARIABLES`).
    pub command: String,
    pub(crate) override_builtin: bool,
    pub file: String,
}

/// Everything user-defined that the keymap does not hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserCommands {
    /// By name; a later file replaces a plugin of the same name.
    pub(crate) plugins: BTreeMap<String, Plugin>,
    pub(crate) hotkeys: BTreeMap<String, Hotkey>,
    /// Alias → command line (`pp` → `v1/pods`, `fred` → `pod fred app=blee`).
    pub(crate) aliases: BTreeMap<String, String>,
}

/// A value of `args`: k9s accepts strings and numbers.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Arg {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Arg {
    fn text(&self) -> String {
        match self {
            Arg::Str(s) => s.clone(),
            Arg::Int(n) => n.to_string(),
            Arg::Float(f) => f.to_string(),
            Arg::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawPlugin {
    short_cut: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    scopes: Vec<String>,
    command: String,
    #[serde(default)]
    args: Vec<Arg>,
    #[serde(default)]
    background: bool,
    #[serde(default)]
    confirm: bool,
    #[serde(default)]
    dangerous: bool,
    #[serde(default, rename = "override")]
    override_builtin: bool,
    /// k9s: the command's output replaces k9s's own message; opsdeck always shows it.
    #[serde(default)]
    overwrite_output: bool,
    /// k9s: a form asked before running. Not supported: such a plugin is skipped.
    #[serde(default)]
    inputs: Option<serde_json::Value>,
    /// k9s: further commands the output is piped through. Not supported: skipped.
    #[serde(default)]
    pipes: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawHotkey {
    short_cut: String,
    #[serde(default)]
    description: String,
    command: String,
    #[serde(default, rename = "override")]
    override_builtin: bool,
    /// k9s: the previous view stays in the history. opsdeck's `:` commands replace the
    /// view, as k9s does without it.
    #[serde(default)]
    keep_history: bool,
}

type Entries = BTreeMap<String, serde_saphyr::Spanned<serde_json::Value>>;

/// A YAML syntax or shape error, with the line when known.
pub(crate) fn yaml_error(file: &str, err: &serde_saphyr::Error) -> ConfigError {
    let message = err.to_string();
    // The message often repeats the position ("at line 3 column 5"); keep it whole.
    ConfigError {
        file: file.to_string(),
        line: err.location().map(|l| l.line() as usize).filter(|l| *l > 0),
        key: None,
        message: message
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Every top-level key k9s's files have (one file uses one or two of them).
#[derive(Debug, Default, Deserialize)]
struct Top {
    plugins: Option<Entries>,
    plugin: Option<Entries>,
    #[serde(rename = "hotKeys")]
    hot_keys: Option<Entries>,
    hotkeys: Option<Entries>,
    aliases: Option<Entries>,
    alias: Option<Entries>,
}

/// The top-level mapping of a k9s file (`plugins:`, `hotKeys:`, `aliases:`), whose entries
/// are read one by one so that a bad entry does not lose the others.
fn top_level(
    text: &str,
    file: &str,
    keys: &[&str],
    problems: &mut Vec<ConfigError>,
) -> Option<Entries> {
    if text.trim().is_empty() {
        return Some(Entries::new());
    }
    let doc: BTreeMap<String, serde_saphyr::Spanned<serde_json::Value>> =
        match serde_saphyr::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                problems.push(yaml_error(file, &e));
                return None;
            }
        };
    for (k, v) in &doc {
        if !keys.contains(&k.as_str()) {
            problems.push(ConfigError {
                file: file.to_string(),
                line: Some(v.referenced.line() as usize).filter(|l| *l > 0),
                key: Some(k.clone()),
                message: format!("unknown key (expected `{}`)", keys[0]),
            });
        }
    }
    let top: Top = match serde_saphyr::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            problems.push(yaml_error(file, &e));
            return None;
        }
    };
    let found = match keys[0] {
        "plugins" => top.plugins.or(top.plugin),
        "hotKeys" => top.hot_keys.or(top.hotkeys),
        _ => top.aliases.or(top.alias),
    };
    Some(found.unwrap_or_default())
}

fn entry_error(file: &str, line: u64, key: String, message: impl Into<String>) -> ConfigError {
    ConfigError {
        file: file.to_string(),
        line: Some(line as usize).filter(|l| *l > 0),
        key: Some(key),
        message: message.into(),
    }
}

/// k9s key names: `a`, `Shift-A`, `Ctrl-A`, `Alt-A`, and `Shift-0`…`Shift-9` (the
/// characters those keys type on a US keyboard, as k9s reads them).
pub(crate) fn parse_k9s_key(spec: &str) -> Result<Key, String> {
    let lower = spec.to_ascii_lowercase();
    if let Some(d) = lower.strip_prefix("shift-")
        && d.len() == 1
        && let Some(c) = d.chars().next().filter(char::is_ascii_digit)
    {
        let shifted = [')', '!', '@', '#', '$', '%', '^', '&', '*', '('];
        let i = c as usize - '0' as usize;
        return Ok(Key::char(shifted[i]));
    }
    Key::parse(spec)
}

/// Words in a plugin's scopes that do not name a kind.
pub(crate) const SCOPE_ALL: &str = "all";
pub(crate) const SCOPE_CONTAINERS: &[&str] = &["containers", "container", "co"];

impl UserCommands {
    /// Reads a `plugins.yaml` (k9s's format; the older top-level `plugin:` too).
    pub(crate) fn add_plugins(&mut self, text: &str, file: &str) -> Vec<ConfigError> {
        let mut problems = Vec::new();
        let Some(entries) = top_level(text, file, &["plugins", "plugin"], &mut problems) else {
            return problems;
        };
        for (name, spanned) in entries {
            let line = spanned.referenced.line();
            let key_path = format!("plugins.{name}");
            let raw: RawPlugin = match serde_json::from_value(spanned.value) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(entry_error(file, line, key_path, e.to_string()));
                    continue;
                }
            };
            if raw.inputs.is_some() || raw.pipes.is_some() {
                let what = if raw.inputs.is_some() {
                    "inputs"
                } else {
                    "pipes"
                };
                problems.push(entry_error(
                    file,
                    line,
                    key_path,
                    format!("`{what}` is not supported; plugin skipped"),
                ));
                continue;
            }
            let _ = raw.overwrite_output;
            let key = match parse_k9s_key(&raw.short_cut) {
                Ok(k) => k,
                Err(e) => {
                    problems.push(entry_error(file, line, key_path, e));
                    continue;
                }
            };
            if raw.scopes.is_empty() {
                problems.push(entry_error(
                    file,
                    line,
                    key_path,
                    "no scopes (use `all` for every view); plugin skipped",
                ));
                continue;
            }
            if raw.command.trim().is_empty() {
                problems.push(entry_error(file, line, key_path, "empty command"));
                continue;
            }
            self.plugins.insert(
                name.clone(),
                Plugin {
                    name,
                    key,
                    key_label: raw.short_cut.clone(),
                    description: raw.description,
                    scopes: raw.scopes.iter().map(|s| s.to_ascii_lowercase()).collect(),
                    command: raw.command,
                    args: raw.args.iter().map(Arg::text).collect(),
                    background: raw.background,
                    confirm: raw.confirm,
                    dangerous: raw.dangerous,
                    override_builtin: raw.override_builtin,
                    file: file.to_string(),
                },
            );
        }
        problems
    }

    /// Reads a `hotkeys.yaml` (`hotKeys:`).
    pub(crate) fn add_hotkeys(&mut self, text: &str, file: &str) -> Vec<ConfigError> {
        let mut problems = Vec::new();
        let Some(entries) = top_level(text, file, &["hotKeys", "hotkeys"], &mut problems) else {
            return problems;
        };
        for (name, spanned) in entries {
            let line = spanned.referenced.line();
            let key_path = format!("hotKeys.{name}");
            let raw: RawHotkey = match serde_json::from_value(spanned.value) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(entry_error(file, line, key_path, e.to_string()));
                    continue;
                }
            };
            let _ = raw.keep_history;
            let key = match parse_k9s_key(&raw.short_cut) {
                Ok(k) => k,
                Err(e) => {
                    problems.push(entry_error(file, line, key_path, e));
                    continue;
                }
            };
            self.hotkeys.insert(
                name.clone(),
                Hotkey {
                    name,
                    key,
                    key_label: raw.short_cut.clone(),
                    description: raw.description,
                    command: raw.command.trim().trim_start_matches(':').to_string(),
                    override_builtin: raw.override_builtin,
                    file: file.to_string(),
                },
            );
        }
        problems
    }

    /// Reads an `aliases.yaml` (`aliases:`).
    pub(crate) fn add_aliases(&mut self, text: &str, file: &str) -> Vec<ConfigError> {
        let mut problems = Vec::new();
        let Some(entries) = top_level(text, file, &["aliases", "alias"], &mut problems) else {
            return problems;
        };
        for (name, spanned) in entries {
            let line = spanned.referenced.line();
            match spanned.value {
                serde_json::Value::String(s) if !s.trim().is_empty() => {
                    self.aliases
                        .insert(name.to_ascii_lowercase(), s.trim().to_string());
                }
                other => problems.push(entry_error(
                    file,
                    line,
                    format!("aliases.{name}"),
                    format!("expected a resource or command line, got {other}"),
                )),
            }
        }
        problems
    }

    /// Plugins whose scopes match a view: `matches_scope` says whether a scope word names
    /// the view's kind (or its containers); `all` matches every view.
    pub(crate) fn plugins_for(&self, matches_scope: impl Fn(&str) -> bool) -> Vec<&Plugin> {
        self.plugins
            .values()
            .filter(|p| p.scopes.iter().any(|s| s == SCOPE_ALL || matches_scope(s)))
            .collect()
    }

    /// The hotkey bound to a key.
    pub(crate) fn hotkey(&self, key: Key) -> Option<&Hotkey> {
        self.hotkeys.values().find(|h| h.key == key)
    }
}

/// Replaces k9s variables in `text`: `$NAME`, `${NAME}`, `$COL-<COLUMN>` and `${COL-%CPU/L}`.
/// `$!NAME` (k9s's "do not quote" marker) is read as `$NAME`. Unknown variables are left
/// as written, so that shell variables inside `bash -c` scripts still work.
pub(crate) fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        if bytes[i] != b'$' {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let mut j = i + 1;
        if bytes.get(j) == Some(&b'!') {
            j += 1;
        }
        if bytes.get(j) == Some(&b'{') {
            if let Some(end) = text[j + 1..].find('}') {
                let name = &text[j + 1..j + 1 + end];
                if let Some(v) = lookup(name) {
                    out.push_str(&v);
                    i = j + 1 + end + 1;
                    continue;
                }
            }
            out.push('$');
            i += 1;
            continue;
        }
        // A bare name: letters, digits, `_`; `COL-` names also take `-`.
        let start = j;
        let mut k = j;
        let col = text[start..].starts_with("COL-");
        if col {
            k += 4;
        }
        while k < text.len() {
            let c = bytes[k];
            if c.is_ascii_alphanumeric() || c == b'_' || (col && (c == b'-' || c == b'%')) {
                k += 1;
            } else {
                break;
            }
        }
        let name = &text[start..k];
        match lookup(name).filter(|_| !name.is_empty()) {
            Some(v) => {
                out.push_str(&v);
                i = k;
            }
            None => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

/// The variables a plugin or hotkey sees, by k9s name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    pub values: BTreeMap<String, String>,
    /// Column values by upper-case header (`STATUS`, `%CPU/L`).
    pub(crate) columns: BTreeMap<String, String>,
}

impl Vars {
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<String> {
        if let Some(col) = name.strip_prefix("COL-") {
            return self.columns.get(&col.to_ascii_uppercase()).cloned();
        }
        self.values.get(name).cloned()
    }

    pub fn expand(&self, text: &str) -> String {
        expand(text, &|n| self.get(n))
    }

    /// The environment the command runs with (k9s sets these too).
    pub fn env(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The key label shown for a key (`Shift-S` for `S`).
#[cfg(test)]
pub(crate) fn describe_key(key: Key) -> String {
    match key.name {
        KeyName::Char(c) if c.is_ascii_uppercase() && !key.ctrl && !key.alt => {
            format!("shift-{}", c.to_ascii_lowercase())
        }
        _ => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of the Argo CD sync plugin k9s users share, written from k9s's schema.
    pub(crate) const ARGO_PLUGINS: &str = r#"
plugins:
  argocd-sync:
    shortCut: Shift-S
    description: Sync app
    scopes:
      - applications
    command: bash
    confirm: true
    dangerous: true
    background: true
    args:
      - -c
      - "argocd app sync $NAME --app-namespace $NAMESPACE --kube-context $CONTEXT"
  cnpg-status:
    shortCut: s
    description: Status
    scopes: [cluster]
    command: kubectl
    background: false
    args: [cnpg, status, $NAME, -n, $NAMESPACE, --context, $CONTEXT]
  numbers:
    shortCut: Ctrl-T
    scopes: [all]
    command: echo
    args: [3, 1.5, true, "${COL-%CPU/L}", "$COL-STATUS", "$HOME"]
"#;

    #[test]
    fn reads_k9s_plugins_as_is() {
        let mut u = UserCommands::default();
        let problems = u.add_plugins(ARGO_PLUGINS, "plugins.yaml");
        assert!(problems.is_empty(), "{problems:?}");
        let sync = &u.plugins["argocd-sync"];
        assert_eq!(sync.key, Key::char('S'));
        assert!(sync.confirm && sync.dangerous && sync.background);
        assert_eq!(sync.scopes, vec!["applications"]);
        assert_eq!(sync.args[0], "-c");
        let st = &u.plugins["cnpg-status"];
        assert_eq!(st.key, Key::char('s'));
        assert!(!st.background);
        assert_eq!(u.plugins["numbers"].args[..3], ["3", "1.5", "true"]);
        assert_eq!(u.plugins["numbers"].key, Key::ctrl('t'));
    }

    #[test]
    fn bad_entries_name_file_line_and_key_and_keep_the_rest() {
        let text = "plugins:\n  good:\n    shortCut: a\n    scopes: [pods]\n    command: echo\n  bad:\n    shortCut: b\n    scopes: [pods]\n    command: echo\n    colour: red\n  nokey:\n    shortCut: Hyper-Q\n    scopes: [pods]\n    command: echo\n";
        let mut u = UserCommands::default();
        let problems = u.add_plugins(text, "/c/plugins.yaml");
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown[0].starts_with("/c/plugins.yaml:7: key `plugins.bad`: unknown field `colour`"),
            "{}",
            shown[0]
        );
        assert!(
            shown[1].starts_with("/c/plugins.yaml:12: key `plugins.nokey`"),
            "{}",
            shown[1]
        );
        assert!(u.plugins.contains_key("good"));
        assert_eq!(u.plugins.len(), 1);
    }

    #[test]
    fn unknown_top_level_key_and_syntax_errors() {
        let mut u = UserCommands::default();
        let p = u.add_plugins("plugins: {}\nextra: 1\n", "p.yaml");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(2));
        assert_eq!(p[0].key.as_deref(), Some("extra"));
        let p = u.add_plugins("plugins:\n  a: [\n", "p.yaml");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].file, "p.yaml");
        assert!(p[0].line.is_some(), "{p:?}");
    }

    #[test]
    fn hotkeys_and_aliases() {
        let mut u = UserCommands::default();
        let hk = "hotKeys:\n  shift-0:\n    shortCut: Shift-0\n    description: Viewing pods\n    command: pods\n  shift-s:\n    shortCut: Shift-S\n    override: true\n    description: Namespaced\n    command: \"$RESOURCE_NAME $NAMESPACE\"\n    keepHistory: true\n";
        assert!(u.add_hotkeys(hk, "hotkeys.yaml").is_empty());
        assert_eq!(u.hotkey(Key::char(')')).unwrap().command, "pods");
        assert!(u.hotkey(Key::char('S')).unwrap().override_builtin);
        let al = "aliases:\n  pp: v1/pods\n  crb: rbac.authorization.k8s.io/v1/clusterrolebindings\n  fred: pod fred app=blee\n  bad: 3\n";
        let p = u.add_aliases(al, "aliases.yaml");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(5));
        assert_eq!(u.aliases["pp"], "v1/pods");
        assert_eq!(u.aliases["fred"], "pod fred app=blee");
    }

    #[test]
    fn k9s_keys() {
        assert_eq!(parse_k9s_key("Shift-1"), Ok(Key::char('!')));
        assert_eq!(parse_k9s_key("Ctrl-L"), Ok(Key::ctrl('l')));
        assert_eq!(parse_k9s_key("Shift-H"), Ok(Key::char('H')));
        assert_eq!(parse_k9s_key("x"), Ok(Key::char('x')));
        assert!(parse_k9s_key("Hyper-X").is_err());
        assert_eq!(describe_key(Key::char('H')), "shift-h");
    }

    #[test]
    fn expands_variables_like_k9s() {
        let mut v = Vars::default();
        v.set("NAME", "web-1");
        v.set("NAMESPACE", "shop");
        v.columns.insert("STATUS".into(), "Running".into());
        v.columns.insert("%CPU/L".into(), "12".into());
        assert_eq!(v.expand("logs $NAME -n $NAMESPACE"), "logs web-1 -n shop");
        assert_eq!(v.expand("${NAME}-example"), "web-1-example");
        assert_eq!(v.expand("$!NAMESPACE"), "shop");
        assert_eq!(v.expand("${COL-%CPU/L} $COL-STATUS"), "12 Running");
        assert_eq!(v.expand("$HOME and $1 and $"), "$HOME and $1 and $");
        assert_eq!(v.expand("a $NAMESPACEX"), "a $NAMESPACEX");
        assert_eq!(v.expand("é$NAME"), "éweb-1");
    }
}
