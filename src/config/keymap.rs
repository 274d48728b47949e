//! Keymaps: `keymaps/*.toml`, embedded, patched by the user's `keymap.toml`.
//!
//! File format: one table per context, one entry per action:
//!
//! ```toml
//! [table]
//! delete = { keys = ["ctrl-d"], desc = "Delete" }
//! ```
//!
//! A user file overrides only the actions it names (their keys, and the description when
//! given). Every named keymap other than `default` is itself a patch over `default`.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use super::error::ConfigError;
use super::key::Key;
use crate::model::action::{Action, Context};

/// Keymaps compiled into the binary, by name.
pub(crate) const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// One binding: an action in a context, its keys and a description for help and the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub(crate) action: Action,
    pub keys: Vec<Key>,
    pub(crate) desc: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Keymap {
    /// Keyed by (context, action); ordered for help.
    bindings: BTreeMap<(Context, Action), Binding>,
    lookup: HashMap<(Context, Key), Action>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    #[serde(default)]
    keys: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    desc: Option<String>,
}

type RawKeymap = BTreeMap<String, Spanned<BTreeMap<String, Spanned<RawBinding>>>>;

impl Keymap {
    /// The embedded keymap of that name (`default`, `vim`), layered over `default`.
    pub(crate) fn embedded(name: &str) -> Option<(Keymap, Vec<ConfigError>)> {
        let mut map = Keymap::default();
        let mut errors = Vec::new();
        let (_, base) = EMBEDDED.iter().find(|(n, _)| *n == "default")?;
        errors.extend(map.apply_text(base, "<embedded keymaps/default.toml>"));
        if name != "default" {
            let (n, text) = EMBEDDED.iter().find(|(n, _)| *n == name)?;
            errors.extend(map.apply_text(text, &format!("<embedded keymaps/{n}.toml>")));
        }
        Some((map, errors))
    }

    /// The built-in default keymap (never fails: a test guards the embedded files).
    pub(crate) fn builtin() -> Keymap {
        Keymap::embedded("default")
            .map(|(m, _)| m)
            .unwrap_or_default()
    }

    /// Applies a keymap file over this one. A syntax error rejects the whole file; an
    /// invalid entry is skipped. Every problem is returned with file, line and key.
    pub(crate) fn apply_text(&mut self, text: &str, file: &str) -> Vec<ConfigError> {
        let raw: RawKeymap = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => return vec![ConfigError::from_toml(file, text, &e)],
        };
        let before: BTreeMap<(Context, Action), Vec<Key>> = self
            .bindings
            .iter()
            .map(|(k, b)| (*k, b.keys.clone()))
            .collect();
        let mut errors = Vec::new();
        for (ctx_name, table) in raw {
            let Some(context) = Context::from_name(&ctx_name) else {
                let known: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
                errors.push(ConfigError::at(
                    file,
                    text,
                    table.span(),
                    &ctx_name,
                    format!("unknown context (known: {})", known.join(", ")),
                ));
                continue;
            };
            for (action_name, entry) in table.into_inner() {
                let key_path = format!("{ctx_name}.{action_name}");
                let span = entry.span();
                let Some(action) = Action::from_name(&action_name) else {
                    errors.push(ConfigError::at(
                        file,
                        text,
                        span,
                        &key_path,
                        "unknown action",
                    ));
                    continue;
                };
                if !action.contexts().contains(&context) {
                    let ctxs: Vec<_> = action.contexts().iter().map(|c| c.name()).collect();
                    errors.push(ConfigError::at(
                        file,
                        text,
                        span,
                        &key_path,
                        format!("action `{action_name}` is not available in context `{ctx_name}` (only in: {})", ctxs.join(", ")),
                    ));
                    continue;
                }
                let raw = entry.into_inner();
                let mut keys = Vec::new();
                let mut bad = false;
                for k in raw.keys.iter().flatten() {
                    match Key::parse(k.get_ref()) {
                        Ok(key) => keys.push(key),
                        Err(msg) => {
                            errors.push(ConfigError::at(file, text, k.span(), &key_path, msg));
                            bad = true;
                        }
                    }
                }
                if bad {
                    continue;
                }
                let slot = self
                    .bindings
                    .entry((context, action))
                    .or_insert_with(|| Binding {
                        context,
                        action,
                        keys: Vec::new(),
                        desc: action.name().replace('_', " "),
                    });
                if raw.keys.is_some() {
                    slot.keys = keys;
                }
                if let Some(desc) = raw.desc {
                    slot.desc = desc;
                }
            }
        }
        self.keep_a_quit_key(file, &before, &mut errors);
        self.rebuild_lookup(file, &mut errors, &before);
        errors
    }

    /// Quitting must stay possible: a keymap that leaves `quit` without a key is refused
    /// for that entry, and the previous keys stay.
    fn keep_a_quit_key(
        &mut self,
        file: &str,
        before: &BTreeMap<(Context, Action), Vec<Key>>,
        errors: &mut Vec<ConfigError>,
    ) {
        let slot = (Context::Global, Action::Quit);
        if self.bindings.get(&slot).is_some_and(|b| !b.keys.is_empty()) {
            return;
        }
        let previous = before
            .get(&slot)
            .filter(|k| !k.is_empty())
            .cloned()
            .or_else(|| Key::parse("ctrl-c").ok().map(|k| vec![k]))
            .unwrap_or_default();
        if before.contains_key(&slot) {
            errors.push(ConfigError {
                file: file.to_string(),
                line: None,
                key: Some(format!("{}.{}", Context::Global, Action::Quit)),
                message: format!(
                    "`quit` must keep a key; kept {}",
                    previous
                        .iter()
                        .map(Key::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        let entry = self.bindings.entry(slot).or_insert_with(|| Binding {
            context: Context::Global,
            action: Action::Quit,
            keys: Vec::new(),
            desc: "Quit".into(),
        });
        entry.keys = previous;
    }

    /// Rebuilds key → action. A key bound twice in a context goes to the first action and
    /// the other is reported; an action that loses every key it was given keeps the keys it
    /// had before this file (a conflict never leaves an action unbound). `quit` is built
    /// first, so its keys always work.
    fn rebuild_lookup(
        &mut self,
        file: &str,
        errors: &mut Vec<ConfigError>,
        before: &BTreeMap<(Context, Action), Vec<Key>>,
    ) {
        self.lookup.clear();
        let quit = (Context::Global, Action::Quit);
        let order: Vec<(Context, Action)> = std::iter::once(quit)
            .chain(self.bindings.keys().copied().filter(|k| *k != quit))
            .collect();
        for slot in order {
            let Some(b) = self.bindings.get_mut(&slot) else {
                continue;
            };
            let mut kept = Vec::new();
            let mut lost = false;
            for key in &b.keys {
                match self.lookup.get(&(b.context, *key)) {
                    Some(other) if *other != b.action => {
                        lost = true;
                        errors.push(ConfigError {
                            file: file.to_string(),
                            line: None,
                            key: Some(format!("{}.{}", b.context, b.action)),
                            message: format!(
                                "key {key} is already bound to `{other}` in context `{}`; ignored",
                                b.context
                            ),
                        });
                    }
                    _ => {
                        self.lookup.insert((b.context, *key), b.action);
                        kept.push(*key);
                    }
                }
            }
            if kept.is_empty() && lost {
                let restored: Vec<Key> = before
                    .get(&slot)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|k| !self.lookup.contains_key(&(b.context, *k)))
                    .collect();
                if !restored.is_empty() {
                    for k in &restored {
                        self.lookup.insert((b.context, *k), b.action);
                    }
                    errors.push(ConfigError {
                        file: file.to_string(),
                        line: None,
                        key: Some(format!("{}.{}", b.context, b.action)),
                        message: format!(
                            "`{}` keeps {}",
                            b.action,
                            restored
                                .iter()
                                .map(Key::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                    kept = restored;
                }
            }
            b.keys = kept;
        }
    }

    /// The action bound to `key` in `context`, falling back to `global`.
    pub(crate) fn lookup(&self, context: Context, key: Key) -> Option<Action> {
        self.lookup
            .get(&(context, key))
            .or_else(|| self.lookup.get(&(Context::Global, key)))
            .copied()
    }

    /// The action bound to `key` in `context` only (prompts and dialogs do not fall back).
    pub(crate) fn lookup_only(&self, context: Context, key: Key) -> Option<Action> {
        self.lookup.get(&(context, key)).copied()
    }

    /// Bindings of one context (with keys), in help order.
    pub(crate) fn bindings(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings
            .range((context, Action::ALL[0])..)
            .take_while(move |((c, _), _)| *c == context)
            .map(|(_, b)| b)
            .filter(|b| !b.keys.is_empty())
    }

    pub(crate) fn binding(&self, context: Context, action: Action) -> Option<&Binding> {
        self.bindings
            .get(&(context, action))
            .filter(|b| !b.keys.is_empty())
    }

    /// The first key of an action (for hints such as "press ? for help").
    pub(crate) fn key_for(&self, context: Context, action: Action) -> Option<Key> {
        self.binding(context, action)
            .or_else(|| self.binding(Context::Global, action))
            .and_then(|b| b.keys.first().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::key::KeyName;

    #[test]
    fn embedded_keymaps_are_valid() {
        for (name, _) in EMBEDDED {
            let (map, errors) = Keymap::embedded(name).unwrap();
            assert!(errors.is_empty(), "{name}: {errors:?}");
            // Every action has a binding in each of its contexts, except global fallbacks.
            for a in Action::ALL {
                let bound = a.contexts().iter().any(|c| map.binding(*c, *a).is_some());
                assert!(bound, "{name}: action {a} unbound");
            }
        }
    }

    #[test]
    fn default_is_k9s_like() {
        let map = Keymap::builtin();
        assert_eq!(
            map.lookup(Context::Table, Key::ctrl('d')),
            Some(Action::Delete)
        );
        assert_eq!(
            map.lookup(Context::Table, Key::char('d')),
            Some(Action::Describe)
        );
        assert_eq!(
            map.lookup(Context::Table, Key::char(':')),
            Some(Action::Command)
        );
        assert_eq!(
            map.lookup(Context::Logs, Key::char('?')),
            Some(Action::Help)
        );
        assert_eq!(
            map.lookup(Context::Prompt, Key::plain(KeyName::Esc)),
            Some(Action::Cancel),
            "the context wins over global"
        );
    }

    #[test]
    fn vim_patches_default() {
        let (map, _) = Keymap::embedded("vim").unwrap();
        assert_eq!(
            map.lookup(Context::Table, Key::char('D')),
            Some(Action::Delete)
        );
        assert_eq!(
            map.lookup(Context::Table, Key::ctrl('d')),
            Some(Action::PageDown)
        );
        assert_eq!(
            map.lookup(Context::Table, Key::char('d')),
            Some(Action::Describe)
        );
    }

    #[test]
    fn user_override_replaces_only_what_it_names() {
        let mut map = Keymap::builtin();
        let before = map.binding(Context::Table, Action::Yaml).cloned();
        let errors = map.apply_text("[table]\ndelete = { keys = [\"z\"] }\n", "keymap.toml");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            map.lookup(Context::Table, Key::char('z')),
            Some(Action::Delete)
        );
        assert_eq!(map.lookup(Context::Table, Key::ctrl('d')), None);
        let delete = map.binding(Context::Table, Action::Delete).unwrap();
        assert_eq!(
            delete.desc,
            Keymap::builtin()
                .binding(Context::Table, Action::Delete)
                .unwrap()
                .desc
        );
        assert_eq!(map.binding(Context::Table, Action::Yaml).cloned(), before);
    }

    #[test]
    fn invalid_entries_name_file_line_and_key() {
        let mut map = Keymap::builtin();
        let text = "[table]\ndescribe = { keys = [\"z\"] }\nfrobnicate = { keys = [\"q\"] }\nyaml = { keys = [\"nokey\"] }\n[nowhere]\nquit = { keys = [\"q\"] }\n";
        let errors = map.apply_text(text, "/home/u/.config/opsdeck/keymap.toml");
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        // Every context is listed (panes add their own).
        let known: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
        assert!(known.starts_with(&[
            "global", "table", "text", "logs", "help", "dialog", "prompt"
        ]));
        assert_eq!(
            shown,
            vec![
                format!(
                    "/home/u/.config/opsdeck/keymap.toml:5: key `nowhere`: unknown context (known: {})",
                    known.join(", ")
                ),
                "/home/u/.config/opsdeck/keymap.toml:3: key `table.frobnicate`: unknown action"
                    .to_string(),
                "/home/u/.config/opsdeck/keymap.toml:4: key `table.yaml`: unknown key \"nokey\""
                    .to_string(),
            ]
        );
        // The valid entry still applies; the invalid ones leave the defaults.
        assert_eq!(
            map.lookup(Context::Table, Key::char('z')),
            Some(Action::Describe)
        );
        assert_eq!(
            map.lookup(Context::Table, Key::char('y')),
            Some(Action::Yaml)
        );
    }

    #[test]
    fn every_shipped_keymap_binds_the_wizard() {
        for (name, text) in EMBEDDED {
            assert!(
                text.contains("\n[wizard]\n"),
                "keymaps/{name}.toml: no [wizard]"
            );
            let (map, errors) = Keymap::embedded(name).expect("embedded");
            assert!(errors.is_empty(), "{name}: {errors:?}");
            for (key, action) in [
                ("enter", Action::Submit),
                ("esc", Action::Back),
                ("q", Action::Close),
                ("tab", Action::NextField),
                ("backtab", Action::PrevField),
                ("space", Action::ToggleRow),
                ("r", Action::Retry),
                ("e", Action::Edit),
                ("y", Action::Confirm),
                ("n", Action::Cancel),
                ("ctrl-u", Action::ClearLine),
                ("?", Action::Help),
            ] {
                let key = Key::parse(key).expect("key");
                assert_eq!(
                    map.lookup_only(Context::Wizard, key),
                    Some(action),
                    "{name}: {key}"
                );
            }
        }
    }

    #[test]
    fn a_user_file_rebinds_a_wizard_key() {
        let mut map = Keymap::builtin();
        let errors = map.apply_text("[wizard]\nclose = { keys = [\"x\"] }\n", "keymap.toml");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            map.lookup_only(Context::Wizard, Key::char('x')),
            Some(Action::Close)
        );
        assert_eq!(map.lookup_only(Context::Wizard, Key::char('q')), None);
    }

    #[test]
    fn syntax_error_rejects_file_and_keeps_defaults() {
        let mut map = Keymap::builtin();
        let errors = map.apply_text("[table]\ndelete = { keys = [\"x\" }\n", "keymap.toml");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].file, "keymap.toml");
        assert_eq!(errors[0].line, Some(2));
        assert_eq!(
            map.lookup(Context::Table, Key::ctrl('d')),
            Some(Action::Delete)
        );
    }

    #[test]
    fn action_outside_its_context_is_rejected() {
        let mut map = Keymap::builtin();
        let errors = map.apply_text("[logs]\ndelete = { keys = [\"x\"] }\n", "k.toml");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key.as_deref(), Some("logs.delete"));
        assert_eq!(errors[0].line, Some(2));
    }

    #[test]
    fn conflicting_keys_are_reported() {
        let mut map = Keymap::builtin();
        let default_yaml = map.key_for(Context::Table, Action::Yaml).expect("yaml key");
        let errors = map.apply_text("[table]\nyaml = { keys = [\"d\"] }\n", "k.toml");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].message.contains("already bound"), "{}", errors[0]);
        // The conflict does not leave `yaml` without a key: it keeps its default.
        assert!(errors[1].message.contains("keeps"), "{}", errors[1]);
        assert_eq!(
            map.key_for(Context::Table, Action::Yaml),
            Some(default_yaml)
        );
        assert_eq!(map.lookup(Context::Table, default_yaml), Some(Action::Yaml));
    }

    #[test]
    fn quit_cannot_be_unbound() {
        let mut map = Keymap::builtin();
        let ctrl_c = Key::parse("ctrl-c").expect("key");
        for text in [
            "[global]\nquit = { keys = [] }\n",
            "[global]\nquit = { keys = [\"q\"] }\nhelp = { keys = [\"q\"] }\n",
        ] {
            let mut map = Keymap::builtin();
            let errors = map.apply_text(text, "k.toml");
            let quit = map.key_for(Context::Global, Action::Quit);
            assert!(quit.is_some(), "{text}: quit unbound; {errors:?}");
            assert_eq!(
                map.lookup(Context::Global, quit.expect("key")),
                Some(Action::Quit)
            );
        }
        let errors = map.apply_text("[global]\nquit = { keys = [] }\n", "k.toml");
        assert!(
            errors.iter().any(|e| e.message.contains("must keep a key")),
            "{errors:?}"
        );
        assert_eq!(map.lookup(Context::Global, ctrl_c), Some(Action::Quit));
    }
}
