//! Configuration: themes, keymaps and settings. Defaults are embedded; the user's files in
//! the config directory patch them. Problems never stop the console: they are collected with
//! file, line and key, logged, and shown in the UI.

pub(crate) mod dashboards;
pub(crate) mod error;
pub(crate) mod k9s;
pub(crate) mod key;
pub(crate) mod keymap;
pub(crate) mod plugins;
pub(crate) mod show;
pub(crate) mod theme;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub(crate) use error::ConfigError;
pub(crate) use key::Key;
pub(crate) use keymap::{Binding, Keymap};
pub(crate) use theme::{Slot, Theme};

/// Environment variable overriding the config directory (used by tests).
pub(crate) const CONFIG_DIR_ENV: &str = "OPSDECK_CONFIG_DIR";
/// Environment variable overriding the data directory (logs).
pub(crate) const DATA_DIR_ENV: &str = "OPSDECK_DATA_DIR";

/// `config.toml` in the config directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Disable every mutating action.
    pub(crate) readonly: bool,
    /// Theme name: `dark`, `light`, `high-contrast`, or `themes/<name>.toml` in the config dir.
    pub theme: String,
    /// Keymap name: `default`, `vim`, or `keymaps/<name>.toml` in the config dir.
    pub(crate) keymap: String,
    /// Lines kept per log view (older lines are dropped).
    pub(crate) log_lines: usize,
    /// Node pools pane: group nodes by this label instead of the provider's pool label.
    pub(crate) pool_label: Option<String>,
    /// Prometheus per kubeconfig context (`[prometheus."<context>"]`); `[prometheus.default]`
    /// applies to contexts without their own. Without one, the cluster's Prometheus is found
    /// through its Services.
    pub prometheus: std::collections::BTreeMap<String, PrometheusSetting>,
    /// k9s users' files (`[k9s] import = "live"` reads them at every start).
    pub(crate) k9s: k9s::K9sSettings,
    /// Shells `s` tries in a container, in order (the first one the container has runs).
    pub(crate) shells: Vec<String>,
}

/// Where one context's Prometheus is. Credentials are read from files (or the
/// `OPSDECK_PROMETHEUS_*` environment variables), never written in this file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusSetting {
    pub url: String,
    /// A file holding a bearer token.
    pub(crate) token_file: Option<PathBuf>,
    /// A file holding `user:password`.
    pub(crate) basic_auth_file: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            readonly: false,
            theme: "dark".to_string(),
            keymap: "default".to_string(),
            log_lines: 5000,
            pool_label: None,
            prometheus: Default::default(),
            k9s: Default::default(),
            shells: vec!["/bin/bash".to_string(), "/bin/sh".to_string()],
        }
    }
}

/// Command-line choices that win over `config.toml`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub theme: Option<String>,
    pub(crate) keymap: Option<String>,
    pub(crate) readonly: bool,
    /// `--pool-label`
    pub(crate) pool_label: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub(crate) keymap: Keymap,
    pub theme: Theme,
    /// Plugins, hotkeys and aliases (k9s's formats).
    pub user: plugins::UserCommands,
    /// Every problem found, for the log and the UI.
    pub(crate) problems: Vec<ConfigError>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            settings: Settings::default(),
            keymap: Keymap::builtin(),
            theme: Theme::builtin(false),
            user: Default::default(),
            problems: Vec::new(),
        }
    }
}

/// The user's config directory (`$OPSDECK_CONFIG_DIR`, else the platform's).
pub(crate) fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("dev", "opsdeck", "opsdeck")
        .map(|d| d.config_dir().to_path_buf())
}

/// The user's data directory (`$OPSDECK_DATA_DIR`, else the platform's), for logs.
pub(crate) fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("dev", "opsdeck", "opsdeck").map(|d| d.data_dir().to_path_buf())
}

/// Reads a file that may be absent; an unreadable existing file is a problem.
fn read_optional(path: &Path, problems: &mut Vec<ConfigError>) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            problems.push(ConfigError::new(
                &path.display().to_string(),
                format!("cannot read: {e}"),
            ));
            None
        }
    }
}

impl Config {
    /// Loads settings, keymap and theme from `dir` (if any) over the embedded defaults.
    pub fn load(dir: Option<&Path>, overrides: &Overrides, no_color: bool) -> Config {
        let mut problems = Vec::new();

        let mut settings = Settings::default();
        if let Some(dir) = dir {
            let path = dir.join("config.toml");
            if let Some(text) = read_optional(&path, &mut problems) {
                match toml::from_str::<Settings>(&text) {
                    Ok(s) => settings = s,
                    Err(e) => problems.push(ConfigError::from_toml(
                        &path.display().to_string(),
                        &text,
                        &e,
                    )),
                }
            }
        }
        if let Some(t) = &overrides.theme {
            settings.theme = t.clone();
        }
        if let Some(k) = &overrides.keymap {
            settings.keymap = k.clone();
        }
        settings.readonly |= overrides.readonly;
        if let Some(l) = &overrides.pool_label {
            settings.pool_label = Some(l.clone());
        }

        let keymap = load_keymap(dir, &settings.keymap, &mut problems);
        let env = |k: &str| std::env::var(k).ok();
        let k9s_dir = (settings.k9s.import == k9s::K9sImport::Live)
            .then(|| settings.k9s.dir.clone().or_else(|| k9s::config_dir(&env)))
            .flatten();
        let skin = k9s_dir
            .as_deref()
            .and_then(|d| k9s::active_skin(d, k9s::data_dir(&env).as_deref()));
        let theme = load_theme(
            dir,
            &settings.theme,
            no_color,
            skin.as_deref(),
            &mut problems,
        );
        let user = load_user_commands(dir, k9s_dir.as_deref(), &mut problems);
        Config {
            settings,
            keymap,
            theme,
            user,
            problems,
        }
    }
}

/// Plugins, hotkeys and aliases: k9s's files first (live mode), then opsdeck's own.
fn load_user_commands(
    dir: Option<&Path>,
    k9s_dir: Option<&Path>,
    problems: &mut Vec<ConfigError>,
) -> plugins::UserCommands {
    let mut user = plugins::UserCommands::default();
    if let Some(k) = k9s_dir {
        problems.extend(k9s::load_live(k, &mut user));
    }
    if let Some(dir) = dir {
        for file in USER_COMMAND_FILES {
            let path = dir.join(file);
            if let Some(text) = read_optional(&path, problems) {
                let shown = path.display().to_string();
                problems.extend(match *file {
                    "plugins.yaml" => user.add_plugins(&text, &shown),
                    "hotkeys.yaml" => user.add_hotkeys(&text, &shown),
                    _ => user.add_aliases(&text, &shown),
                });
            }
        }
    }
    user
}

/// opsdeck's files in k9s's formats, in the config directory.
pub(crate) const USER_COMMAND_FILES: &[&str] = &["plugins.yaml", "hotkeys.yaml", "aliases.yaml"];

fn load_keymap(dir: Option<&Path>, name: &str, problems: &mut Vec<ConfigError>) -> Keymap {
    let mut keymap = match Keymap::embedded(name) {
        Some((k, errs)) => {
            problems.extend(errs);
            k
        }
        None => {
            let mut k = Keymap::builtin();
            let named = dir.map(|d| d.join("keymaps").join(format!("{name}.toml")));
            match named.as_deref().and_then(|p| read_optional(p, problems).map(|t| (p, t))) {
                Some((path, text)) => problems.extend(k.apply_text(&text, &path.display().to_string())),
                None => problems.push(ConfigError::new(
                    "config.toml",
                    format!("unknown keymap {name:?} (built in: default, vim; or keymaps/{name}.toml in the config dir); using default"),
                )),
            }
            k
        }
    };
    if let Some(dir) = dir {
        let path = dir.join("keymap.toml");
        if let Some(text) = read_optional(&path, problems) {
            problems.extend(keymap.apply_text(&text, &path.display().to_string()));
        }
    }
    keymap
}

fn load_theme(
    dir: Option<&Path>,
    name: &str,
    no_color: bool,
    k9s_skin: Option<&Path>,
    problems: &mut Vec<ConfigError>,
) -> Theme {
    let mut theme = match Theme::embedded(name, no_color) {
        Some((t, errs)) => {
            problems.extend(errs);
            t
        }
        None => {
            let mut t = Theme::builtin(no_color);
            let named = dir.map(|d| d.join("themes").join(format!("{name}.toml")));
            match named.as_deref().and_then(|p| read_optional(p, problems).map(|t| (p, t))) {
                Some((path, text)) => problems.extend(t.apply_text(&text, &path.display().to_string())),
                None => problems.push(ConfigError::new(
                    "config.toml",
                    format!("unknown theme {name:?} (built in: dark, light, high-contrast; or themes/{name}.toml in the config dir); using dark"),
                )),
            }
            t
        }
    };
    if let Some(skin) = k9s_skin
        && let Some(text) = read_optional(skin, problems)
    {
        let shown = skin.display().to_string();
        match k9s::convert_skin(&text, &shown) {
            Ok(conv) => problems.extend(theme.apply_text(&conv.theme_toml, &shown)),
            Err(e) => problems.push(e),
        }
    }
    if let Some(dir) = dir {
        let path = dir.join("theme.toml");
        if let Some(text) = read_optional(&path, problems) {
            problems.extend(theme.apply_text(&text, &path.display().to_string()));
        }
    }
    theme
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::action::{Action, Context};

    #[test]
    fn no_dir_gives_defaults_without_problems() {
        let c = Config::load(None, &Overrides::default(), false);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.settings, Settings::default());
    }

    #[test]
    fn user_files_patch_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "readonly = true\nkeymap = \"vim\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("keymap.toml"),
            "[table]\nyaml = { keys = [\"ctrl-y\"] }\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("theme.toml"), "ok = { fg = \"blue\" }\n").unwrap();
        let c = Config::load(Some(dir.path()), &Overrides::default(), false);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert!(c.settings.readonly);
        assert_eq!(
            c.keymap.lookup(Context::Table, Key::ctrl('y')),
            Some(Action::Yaml)
        );
        assert_eq!(
            c.keymap.lookup(Context::Table, Key::char('D')),
            Some(Action::Delete),
            "vim kept"
        );
        assert_eq!(
            c.theme.style(Slot::ok).fg,
            Some(ratatui::style::Color::Blue)
        );
    }

    #[test]
    fn invalid_files_are_problems_and_defaults_stay() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "readonly = \"yes\"\n").unwrap();
        std::fs::write(
            dir.path().join("keymap.toml"),
            "[table]\nnope = { keys = [\"x\"] }\n",
        )
        .unwrap();
        let c = Config::load(
            Some(dir.path()),
            &Overrides {
                theme: Some("neon".into()),
                ..Default::default()
            },
            false,
        );
        let shown: Vec<String> = c.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(shown[0].contains("config.toml:1"), "{}", shown[0]);
        assert!(
            shown[1].contains("keymap.toml:2: key `table.nope`: unknown action"),
            "{}",
            shown[1]
        );
        assert!(shown[2].contains("unknown theme \"neon\""), "{}", shown[2]);
        assert_eq!(
            c.keymap.lookup(Context::Table, Key::ctrl('d')),
            Some(Action::Delete)
        );
        assert!(!c.settings.readonly);
    }

    #[test]
    fn named_user_theme_from_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/solar.toml"),
            "title = { fg = \"yellow\" }\n",
        )
        .unwrap();
        let c = Config::load(
            Some(dir.path()),
            &Overrides {
                theme: Some("solar".into()),
                ..Default::default()
            },
            false,
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(
            c.theme.style(Slot::title).fg,
            Some(ratatui::style::Color::Yellow)
        );
    }
}
