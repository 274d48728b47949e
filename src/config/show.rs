//! `opsdeck config path|show|init`: where each file is read from, the merged settings, and
//! a commented default `config.toml`.

use std::path::{Path, PathBuf};

use super::{Config, Settings, k9s};

/// A commented `config.toml` with every setting at its default (`opsdeck config init`).
pub(crate) const DEFAULT_CONFIG: &str = r#"# opsdeck configuration (opsdeck config init). Every line below is the default;
# uncomment and change what you need. `opsdeck config show` prints what is in effect,
# `opsdeck config path` where each file is read from. Unknown keys are errors.

# Disable every mutating action (as --readonly).
# readonly = false

# Theme: dark, light, high-contrast, or themes/<name>.toml in this directory.
# A theme.toml here patches it (only the slots it names).
# theme = "dark"

# Keymap: default (k9s-like), vim, or keymaps/<name>.toml in this directory.
# A keymap.toml here patches it (only the actions it names).
# keymap = "default"

# Lines kept per log view (older lines are dropped).
# log_lines = 5000

# Node pools pane: group nodes by this label instead of the provider's pool label.
# pool_label = "workload-type"

# Shells `s` tries in a container, in order.
# shells = ["/bin/bash", "/bin/sh"]

# Prometheus per kubeconfig context; [prometheus.default] for contexts without their own.
# Without one, the cluster's own Prometheus is found through its Services.
# [prometheus.default]
# url = "http://127.0.0.1:9090"
# token_file = "/path/to/token"          # or basic_auth_file = "/path/to/user-colon-password"

# k9s users' files. "live" reads k9s's plugins.yaml, hotkeys.yaml, aliases.yaml and skin
# at every start (opsdeck's own files of the same names win); "off" reads only opsdeck's.
# `opsdeck import-k9s` converts them once instead.
# [k9s]
# import = "off"
# dir = "/home/me/.config/k9s"           # default: $K9S_CONFIG_DIR, else $XDG_CONFIG_HOME/k9s
"#;

/// One file or directory opsdeck reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub what: &'static str,
    pub path: PathBuf,
}

/// Every place opsdeck reads configuration or writes data, in the order they apply.
pub(crate) fn places(
    config_dir: Option<&Path>,
    data_dir: Option<&Path>,
    settings: &Settings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Place> {
    let mut out = Vec::new();
    if let Some(d) = config_dir {
        for (what, name) in [
            ("settings", "config.toml"),
            ("theme patch", "theme.toml"),
            ("named themes", "themes"),
            ("keymap patch", "keymap.toml"),
            ("named keymaps", "keymaps"),
            ("plugins (k9s format)", "plugins.yaml"),
            ("hotkeys (k9s format)", "hotkeys.yaml"),
            ("aliases (k9s format)", "aliases.yaml"),
            ("dashboards", "dashboards"),
        ] {
            out.push(Place {
                what,
                path: d.join(name),
            });
        }
    }
    if let Some(d) = data_dir {
        for (what, name) in [
            ("log", "opsdeck.log"),
            ("PromQL history", "promql_history.json"),
            ("install state", "install"),
        ] {
            out.push(Place {
                what,
                path: d.join(name),
            });
        }
    }
    if settings.k9s.import == k9s::K9sImport::Live
        && let Some(k) = settings.k9s.dir.clone().or_else(|| k9s::config_dir(env))
    {
        {
            for name in [
                "plugins.yaml",
                "hotkeys.yaml",
                "aliases.yaml",
                "config.yaml",
            ] {
                out.push(Place {
                    what: "k9s (live)",
                    path: k.join(name),
                });
            }
            let data = k9s::data_dir(env);
            if let Some(skin) = k9s::active_skin(&k, data.as_deref()) {
                out.push(Place {
                    what: "k9s skin (live)",
                    path: skin,
                });
            }
        }
    }
    out
}

/// `opsdeck config path`.
pub(crate) fn path_report(
    config_dir: Option<&Path>,
    data_dir: Option<&Path>,
    settings: &Settings,
    env: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut s = String::new();
    let origin = |var: &str| {
        if env(var).is_some() {
            format!("from ${var}")
        } else {
            "platform default".to_string()
        }
    };
    match config_dir {
        Some(d) => s.push_str(&format!(
            "config directory: {} ({})\n",
            d.display(),
            origin(super::CONFIG_DIR_ENV)
        )),
        None => s.push_str("config directory: none (no home directory)\n"),
    }
    match data_dir {
        Some(d) => s.push_str(&format!(
            "data directory:   {} ({})\n",
            d.display(),
            origin(super::DATA_DIR_ENV)
        )),
        None => s.push_str("data directory:   none\n"),
    }
    for p in places(config_dir, data_dir, settings, env) {
        let state = if p.path.exists() { "found" } else { "absent" };
        s.push_str(&format!(
            "  {:<22} {:<7} {}\n",
            p.what,
            state,
            p.path.display()
        ));
    }
    s
}

/// `opsdeck config show`: the merged settings as TOML, then what else is in effect.
pub(crate) fn show(config: &Config) -> String {
    let mut s = String::from("# effective settings (defaults, then config.toml, then flags)\n");
    match toml::to_string(&config.settings) {
        Ok(t) => s.push_str(&t),
        Err(e) => s.push_str(&format!("# cannot print settings: {e}\n")),
    }
    let u = &config.user;
    s.push_str(&format!(
        "\n# plugins: {}\n",
        if u.plugins.is_empty() { "none" } else { "" }
    ));
    for p in u.plugins.values() {
        s.push_str(&format!(
            "#   {:<20} {:<9} scopes {:<24} {}{}{}  ({})\n",
            p.name,
            p.key_label,
            p.scopes.join(","),
            p.command,
            if p.background { " [background]" } else { "" },
            if p.dangerous { " [dangerous]" } else { "" },
            p.file
        ));
    }
    s.push_str(&format!(
        "# hotkeys: {}\n",
        if u.hotkeys.is_empty() { "none" } else { "" }
    ));
    for h in u.hotkeys.values() {
        s.push_str(&format!(
            "#   {:<20} {:<9} :{}  ({})\n",
            h.name, h.key_label, h.command, h.file
        ));
    }
    s.push_str(&format!(
        "# aliases: {}\n",
        if u.aliases.is_empty() { "none" } else { "" }
    ));
    for (a, c) in &u.aliases {
        s.push_str(&format!("#   :{a} → {c}\n"));
    }
    s
}

/// `opsdeck config init`: writes [`DEFAULT_CONFIG`] as `config.toml` in `dir`; an existing
/// file is kept unless `force`.
pub(crate) fn init(dir: &Path, force: bool) -> Result<PathBuf, String> {
    let path = dir.join("config.toml");
    if path.exists() && !force {
        return Err(format!(
            "{} already exists; not overwritten (pass --force to replace it)",
            path.display()
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(&path, DEFAULT_CONFIG)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;

    #[test]
    fn default_config_is_the_defaults_and_every_setting_is_in_it() {
        let s: Settings = toml::from_str(DEFAULT_CONFIG).unwrap();
        assert_eq!(s, Settings::default());
        // Uncommenting the example lines gives valid settings too.
        let uncommented: String = DEFAULT_CONFIG
            .lines()
            .filter(|l| l.starts_with("# ") && (l.contains(" = ") || l.starts_with("# [")))
            .filter(|l| !l.contains("Keymap:") && !l.contains("Theme:"))
            .map(|l| l.trim_start_matches("# ").split("  #").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let parsed: Result<Settings, _> = toml::from_str(&uncommented);
        assert!(parsed.is_ok(), "{uncommented}\n{parsed:?}");
        let printed = toml::to_string(&Settings::default()).unwrap();
        for key in ["readonly", "theme", "keymap", "log_lines", "[k9s]"] {
            assert!(printed.contains(key), "{printed}");
            assert!(DEFAULT_CONFIG.contains(key), "{key}");
        }
    }

    #[test]
    fn init_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = init(dir.path(), false).unwrap();
        std::fs::write(&p, "readonly = true\n").unwrap();
        let e = init(dir.path(), false).unwrap_err();
        assert!(e.contains("already exists") && e.contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "readonly = true\n");
        init(dir.path(), true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), DEFAULT_CONFIG);
    }

    #[test]
    fn show_merges_files_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "log_lines = 42\n").unwrap();
        std::fs::write(
            dir.path().join("plugins.yaml"),
            "plugins:\n  hi:\n    shortCut: Shift-H\n    scopes: [pods]\n    command: echo\n",
        )
        .unwrap();
        let c = Config::load(
            Some(dir.path()),
            &Overrides {
                readonly: true,
                ..Default::default()
            },
            false,
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        let out = show(&c);
        assert!(out.contains("log_lines = 42"), "{out}");
        assert!(out.contains("readonly = true"), "{out}");
        assert!(out.contains("hi") && out.contains("Shift-H"), "{out}");
    }

    #[test]
    fn path_lists_every_file_with_its_state() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keymap.toml"), "").unwrap();
        let env = |k: &str| (k == "OPSDECK_CONFIG_DIR").then(|| "x".to_string());
        let out = path_report(Some(dir.path()), None, &Settings::default(), &env);
        assert!(out.contains("from $OPSDECK_CONFIG_DIR"), "{out}");
        let line = out.lines().find(|l| l.contains("keymap.toml")).unwrap();
        assert!(line.contains("found"), "{line}");
        let line = out.lines().find(|l| l.contains("plugins.yaml")).unwrap();
        assert!(line.contains("absent"), "{line}");
    }
}
