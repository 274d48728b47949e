//! Dashboard files: reads the user's dashboards directory (the parsing is the domain's,
//! [`crate::domain::dashboard::load`]).

use std::path::Path;

use crate::domain::dashboard::load::{DashboardError, Loaded, parse_file};

/// User dashboards in `dir` (`*.toml`, and Grafana `*.json`), sorted by file name. A file
/// that fails gives an error naming it; the others still load.
pub(crate) fn from_dir(dir: &Path) -> Vec<Result<Loaded, DashboardError>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("toml" | "json")
            )
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| load_file(p)).collect()
}

/// Loads one dashboard file (TOML, or Grafana JSON by extension).
pub(crate) fn load_file(path: &Path) -> Result<Loaded, DashboardError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| DashboardError {
        file: file.clone(),
        line: 0,
        field: String::new(),
        message: e.to_string(),
    })?;
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("dashboard")
        .to_string();
    let json = path.extension().and_then(|e| e.to_str()) == Some("json");
    parse_file(&file, &id, json, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dashboard::load::tests::GOOD;

    #[test]
    fn user_dir_loads_toml_and_reports_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), GOOD).unwrap();
        std::fs::write(dir.path().join("b.toml"), "title = 3").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let loaded = from_dir(dir.path());
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded[0].as_ref().unwrap().id, "a");
        let e = loaded[1].as_ref().unwrap_err();
        assert!(e.file.ends_with("b.toml") && e.line == 1, "{e}");
    }
}
