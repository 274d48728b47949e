//! k9s users' files: where k9s keeps them, its skins as opsdeck themes, and
//! `opsdeck import-k9s` (convert once) — or `[k9s] import = "live"` in config.toml, which
//! reads them at every start.
//!
//! Plugins, hotkeys and aliases keep k9s's format (opsdeck reads it as is, see
//! [`super::plugins`]); a skin becomes a `theme.toml` patch.

pub(crate) mod colors;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::ConfigError;
use super::plugins::{UserCommands, yaml_error};

/// How opsdeck uses k9s's files (`[k9s]` in config.toml).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct K9sSettings {
    /// `off` (default): only opsdeck's own files; `live`: also read k9s's plugins,
    /// hotkeys, aliases and skin at every start (opsdeck's own files win).
    pub import: K9sImport,
    /// k9s's config directory (default: `$K9S_CONFIG_DIR`, else `$XDG_CONFIG_HOME/k9s`,
    /// else `~/.config/k9s`).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum K9sImport {
    #[default]
    Off,
    Live,
}

/// k9s's config directory as k9s finds it: `$K9S_CONFIG_DIR`, else `$XDG_CONFIG_HOME/k9s`,
/// else the platform's config directory (`~/.config/k9s` on Linux).
pub(crate) fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(d) = env("K9S_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = env("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("k9s"));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().join("k9s"))
}

/// k9s's data directory (per-context files under `clusters/`): `$XDG_DATA_HOME/k9s`, else
/// the platform's.
pub(crate) fn data_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(d) = env("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("k9s"));
    }
    directories::BaseDirs::new().map(|b| b.data_dir().join("k9s"))
}

/// Where a skin's entries go: (k9s path, opsdeck slot, `fg`/`bg`).
const SKIN_MAP: &[(&str, &str, &str)] = &[
    ("body.fgColor", "text", "fg"),
    ("body.logoColor", "title", "fg"),
    ("info.fgColor", "info", "fg"),
    ("frame.border.fgColor", "border", "fg"),
    ("frame.border.focusColor", "border_focused", "fg"),
    ("frame.menu.fgColor", "muted", "fg"),
    ("frame.menu.keyColor", "key", "fg"),
    ("help.keyColor", "key", "fg"),
    ("frame.crumbs.fgColor", "crumb", "fg"),
    ("frame.crumbs.bgColor", "crumb", "bg"),
    ("frame.crumbs.activeColor", "crumb_active", "bg"),
    ("frame.status.newColor", "ok", "fg"),
    ("frame.status.addColor", "info", "fg"),
    ("frame.status.modifyColor", "warn", "fg"),
    ("frame.status.errorColor", "error", "fg"),
    ("frame.status.highlightColor", "highlight", "bg"),
    ("frame.title.fgColor", "title", "fg"),
    ("frame.title.highlightColor", "highlight", "bg"),
    ("frame.title.filterColor", "prompt", "fg"),
    ("views.table.header.fgColor", "header", "fg"),
    ("views.table.header.bgColor", "header", "bg"),
    ("views.table.cursorColor", "selection", "bg"),
    ("views.table.cursorBgColor", "selection", "bg"),
    ("views.table.cursorFgColor", "selection", "fg"),
    ("prompt.fgColor", "prompt", "fg"),
    ("prompt.bgColor", "prompt", "bg"),
    ("dialog.fgColor", "dialog", "fg"),
    ("dialog.bgColor", "dialog", "bg"),
    ("frame.status.completedColor", "muted", "fg"),
];

/// A skin turned into a theme patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SkinConversion {
    /// `theme.toml` text (opsdeck's theme format).
    pub(crate) theme_toml: String,
    /// `path: why` for each skin entry with no opsdeck equivalent.
    pub(crate) unmapped: Vec<String>,
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Converts a k9s skin (`k9s: {body: …, frame: …, views: …}`) into a theme patch.
pub(crate) fn convert_skin(text: &str, file: &str) -> Result<SkinConversion, ConfigError> {
    let doc: serde_json::Value = serde_saphyr::from_str(text).map_err(|e| yaml_error(file, &e))?;
    let Some(root) = doc.get("k9s") else {
        return Err(ConfigError::new(
            file,
            "not a k9s skin: no top-level `k9s:` key",
        ));
    };
    let mut leaves = Vec::new();
    flatten("", root, &mut leaves);
    // slot → (field → colour); later entries of the table win over earlier ones only when
    // the earlier is absent, so walk the table in order and keep the first.
    let mut slots: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    let mut unmapped = Vec::new();
    let by_path: BTreeMap<String, &str> = leaves
        .iter()
        .map(|(p, v)| (p.to_ascii_lowercase(), v.as_str()))
        .collect();
    let mut used = std::collections::BTreeSet::new();
    for &(path, slot, field) in SKIN_MAP {
        let lower = path.to_ascii_lowercase();
        let Some(value) = by_path.get(&lower) else {
            continue;
        };
        used.insert(lower.clone());
        match colors::convert(value) {
            Some(c) => {
                slots.entry(slot).or_default().entry(field).or_insert(c);
            }
            None => unmapped.push(format!("{path}: unknown colour {value:?}")),
        }
    }
    for (path, _) in &leaves {
        if !used.contains(&path.to_ascii_lowercase()) {
            unmapped.push(format!("{path}: no equivalent in opsdeck's themes"));
        }
    }
    let mut theme = format!(
        "# Converted from the k9s skin {file} by `opsdeck import-k9s`.\n# Slots: see themes/dark.toml.\n"
    );
    for (slot, fields) in &slots {
        let parts: Vec<String> = fields.iter().map(|(f, c)| format!("{f} = {c:?}")).collect();
        theme.push_str(&format!("{slot} = {{ {} }}\n", parts.join(", ")));
    }
    Ok(SkinConversion {
        theme_toml: theme,
        unmapped,
    })
}

/// The skin k9s uses: `k9s.ui.skin` in its `config.yaml`, found in `skins/` of its config
/// or data directory.
pub(crate) fn active_skin(dir: &Path, data: Option<&Path>) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dir.join("config.yaml")).ok()?;
    let doc: serde_json::Value = serde_saphyr::from_str(&text).ok()?;
    let name = doc.pointer("/k9s/ui/skin")?.as_str()?.trim().to_string();
    if name.is_empty() {
        return None;
    }
    let mut candidates = vec![dir.join("skins")];
    candidates.extend(data.map(|d| d.join("skins")));
    candidates
        .into_iter()
        .flat_map(|d| {
            [
                d.join(format!("{name}.yaml")),
                d.join(format!("{name}.yml")),
            ]
        })
        .find(|p| p.is_file())
}

/// k9s's settings in its `config.yaml` that opsdeck has an equivalent for, as notes.
fn config_notes(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("config.yaml")) else {
        return Vec::new();
    };
    let Ok(doc) = serde_saphyr::from_str::<serde_json::Value>(&text) else {
        return vec![format!(
            "{}: not readable as YAML; skipped",
            dir.join("config.yaml").display()
        )];
    };
    let mut notes = Vec::new();
    if doc.pointer("/k9s/readOnly").and_then(|v| v.as_bool()) == Some(true) {
        notes.push("config.yaml k9s.readOnly: true → put `readonly = true` in opsdeck's config.toml (or pass --readonly)".into());
    }
    if let Some(b) = doc.pointer("/k9s/logger/buffer").and_then(|v| v.as_u64()) {
        notes.push(format!(
            "config.yaml k9s.logger.buffer: {b} → `log_lines = {b}` in opsdeck's config.toml"
        ));
    }
    notes.push("config.yaml: other k9s settings (refreshRate, ui.*, thresholds, shellPod, …) have no opsdeck equivalent".into());
    notes
}

/// One file `import-k9s` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub path: PathBuf,
    pub from: PathBuf,
    pub(crate) contents: String,
    /// What it holds (`3 plugins`).
    pub summary: String,
}

/// What `import-k9s` found, wrote and could not carry over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ImportReport {
    pub k9s_dir: PathBuf,
    pub files: Vec<Written>,
    /// Things with no equivalent, or skipped, with where they came from.
    pub notes: Vec<String>,
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Reads k9s's files from `dir` and plans opsdeck's: `plugins.yaml`, `hotkeys.yaml`,
/// `aliases.yaml` (the same formats, validated) and `theme.toml` (from the active skin,
/// or from `skin` when given). Writes nothing.
pub(crate) fn plan_import(
    dir: &Path,
    data: Option<&Path>,
    out: &Path,
    skin: Option<&Path>,
) -> ImportReport {
    let mut report = ImportReport {
        k9s_dir: dir.to_path_buf(),
        ..Default::default()
    };
    let read = |name: &str| -> Option<(PathBuf, String)> {
        let p = dir.join(name);
        std::fs::read_to_string(&p).ok().map(|t| (p, t))
    };
    let note_problems = |report: &mut ImportReport, problems: Vec<ConfigError>| {
        for p in problems {
            report.notes.push(p.to_string());
        }
    };
    for (file, kind) in [
        ("plugins.yaml", "plugin"),
        ("hotkeys.yaml", "hotkey"),
        ("aliases.yaml", "alias"),
    ] {
        let found = read(file).or_else(|| read(&file.replace(".yaml", ".yml")));
        let Some((from, text)) = found else {
            continue;
        };
        let mut u = UserCommands::default();
        let shown = from.display().to_string();
        let (problems, n) = match kind {
            "plugin" => {
                let p = u.add_plugins(&text, &shown);
                (p, u.plugins.len())
            }
            "hotkey" => {
                let p = u.add_hotkeys(&text, &shown);
                if text.contains("keepHistory") {
                    report.notes.push(format!("{shown}: `keepHistory` has no equivalent (a hotkey's `:` command replaces the view)"));
                }
                (p, u.hotkeys.len())
            }
            _ => {
                let p = u.add_aliases(&text, &shown);
                (p, u.aliases.len())
            }
        };
        if kind == "plugin" && text.contains("overwriteOutput") {
            report.notes.push(format!(
                "{shown}: `overwriteOutput` has no equivalent (background output is always shown whole)"
            ));
        }
        note_problems(&mut report, problems);
        report.files.push(Written {
            path: out.join(file),
            from,
            contents: text,
            summary: format!(
                "{} (k9s format, read as is)",
                if kind == "alias" {
                    format!("{n} aliases")
                } else {
                    plural(n, kind)
                }
            ),
        });
    }
    // Older k9s: plugins in plugin.yml.
    if !report
        .files
        .iter()
        .any(|w| w.path.ends_with("plugins.yaml"))
        && let Some((from, _)) = read("plugin.yml")
    {
        report.notes.push(format!(
            "{}: old k9s file name; rename it plugins.yaml and run again",
            from.display()
        ));
    }
    let skin = skin
        .map(Path::to_path_buf)
        .or_else(|| active_skin(dir, data));
    match skin {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => match convert_skin(&text, &path.display().to_string()) {
                Ok(conv) => {
                    let n = conv
                        .theme_toml
                        .lines()
                        .filter(|l| !l.starts_with('#'))
                        .count();
                    for u in conv.unmapped {
                        report.notes.push(format!("{}: {u}", path.display()));
                    }
                    report.files.push(Written {
                        path: out.join("theme.toml"),
                        from: path,
                        contents: conv.theme_toml,
                        summary: format!("{} (from the k9s skin)", plural(n, "theme slot")),
                    });
                }
                Err(e) => report.notes.push(e.to_string()),
            },
            Err(e) => report
                .notes
                .push(format!("{}: cannot read: {e}", path.display())),
        },
        None => {
            let skins = dir.join("skins");
            if skins.is_dir() {
                report.notes.push(format!(
                    "{}: no skin selected in config.yaml (k9s.ui.skin); pass --skin FILE to convert one",
                    skins.display()
                ));
            }
        }
    }
    report.notes.extend(config_notes(dir));
    // Per-context files (clusters/<cluster>/<context>/…): opsdeck has no per-context files.
    if let Some(data) = data {
        let clusters = data.join("clusters");
        for cluster in read_dir_sorted(&clusters) {
            for ctx in read_dir_sorted(&cluster) {
                for f in ["hotkeys.yaml", "plugins.yaml", "aliases.yaml"] {
                    let p = ctx.join(f);
                    if p.is_file() {
                        report.notes.push(format!(
                            "{}: per-context file not imported (opsdeck's plugins, hotkeys and aliases apply to every context)",
                            p.display()
                        ));
                    }
                }
            }
        }
    }
    report
}

fn read_dir_sorted(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Loads k9s's plugins, hotkeys and aliases into `user` (live mode).
pub(crate) fn load_live(dir: &Path, user: &mut UserCommands) -> Vec<ConfigError> {
    let mut problems = Vec::new();
    for file in ["plugins.yaml", "hotkeys.yaml", "aliases.yaml"] {
        let path = dir.join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let shown = path.display().to_string();
        problems.extend(match file {
            "plugins.yaml" => user.add_plugins(&text, &shown),
            "hotkeys.yaml" => user.add_hotkeys(&text, &shown),
            _ => user.add_aliases(&text, &shown),
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A skin in k9s's documented layout (written for this test).
    pub(crate) const SKIN: &str = r##"
k9s:
  body:
    fgColor: dodgerblue
    bgColor: default
    logoColor: "#ffb86c"
  info:
    fgColor: lightskyblue
    sectionColor: steelblue
  frame:
    border:
      fgColor: dodgerblue
      focusColor: aliceblue
    menu:
      fgColor: darkblue
      keyColor: cornflowerblue
      numKeyColor: cadetblue
    crumbs:
      fgColor: white
      bgColor: steelblue
      activeColor: skyblue
    status:
      newColor: "#00ff00"
      errorColor: indianred
      killColor: slategray
    title:
      fgColor: aqua
      highlightColor: notacolour
  views:
    table:
      fgColor: blue
      cursorColor: aqua
      header:
        fgColor: white
        sorterColor: orange
    yaml:
      keyColor: steelblue
"##;

    #[test]
    fn skin_becomes_a_valid_theme_patch() {
        let conv = convert_skin(SKIN, "skins/navy.yaml").unwrap();
        let mut theme = crate::config::Theme::builtin(false);
        let errors = theme.apply_text(&conv.theme_toml, "theme.toml");
        assert!(errors.is_empty(), "{errors:?}\n{}", conv.theme_toml);
        use crate::config::Slot;
        use ratatui::style::Color;
        assert_eq!(
            theme.style(Slot::text).fg,
            Some(Color::Rgb(0x1e, 0x90, 0xff))
        );
        assert_eq!(
            theme.style(Slot::title).fg,
            Some(Color::Rgb(0xff, 0xb8, 0x6c))
        );
        assert_eq!(
            theme.style(Slot::selection).bg,
            Some(Color::Rgb(0, 0xff, 0xff))
        );
        assert_eq!(
            theme.style(Slot::crumb).bg,
            Some(Color::Rgb(0x46, 0x82, 0xb4))
        );
        assert_eq!(
            theme.style(Slot::error).fg,
            Some(Color::Rgb(0xcd, 0x5c, 0x5c))
        );
        let un = conv.unmapped.join("\n");
        for missing in [
            "body.bgColor",
            "info.sectionColor",
            "frame.menu.numKeyColor",
            "frame.status.killColor",
            "frame.title.highlightColor: unknown colour \"notacolour\"",
            "views.table.header.sorterColor",
            "views.yaml.keyColor",
        ] {
            assert!(un.contains(missing), "{missing} not in\n{un}");
        }
        assert!(!un.contains("body.fgColor"));
    }

    #[test]
    fn not_a_skin_is_an_error() {
        let e = convert_skin("foo: 1\n", "x.yaml").unwrap_err();
        assert!(e.to_string().contains("x.yaml: not a k9s skin"), "{e}");
        let e = convert_skin("k9s: [\n", "x.yaml").unwrap_err();
        assert_eq!(e.file, "x.yaml");
    }

    #[test]
    fn k9s_dir_follows_k9s() {
        let env = |k: &str| match k {
            "K9S_CONFIG_DIR" => Some("/k".to_string()),
            "XDG_CONFIG_HOME" => Some("/x".to_string()),
            _ => None,
        };
        assert_eq!(config_dir(&env), Some(PathBuf::from("/k")));
        let env = |k: &str| (k == "XDG_CONFIG_HOME").then(|| "/x".to_string());
        assert_eq!(config_dir(&env), Some(PathBuf::from("/x/k9s")));
        let env = |k: &str| (k == "XDG_DATA_HOME").then(|| "/d".to_string());
        assert_eq!(data_dir(&env), Some(PathBuf::from("/d/k9s")));
    }
}
