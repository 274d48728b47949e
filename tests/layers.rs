//! The layer rule, checked: every `crate::<module>` path in `src/**/*.rs` must point down the
//! matrix below (or within its own module). A backwards arrow fails with `file:line`.
//!
//! Test code is exempt (a `#[cfg(test)]` item, or a file declared under `#[cfg(test)]`, such as
//! `fixture.rs` and `tests.rs`): tests may build state from the sandbox or the sources to check a
//! layer from outside. Comments are skipped. The same matrix is written in docs/architecture.md.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What each top-level module may import from the others (its own module is always allowed).
///
/// Read bottom to top: `model` is the leaf everything shares; `domain` is pure logic on it;
/// `config` reads files into domain/model types; `recording` is the recording file format;
/// `sources` talk to clusters; `sandbox` serves recordings; `app` is state and `update()`;
/// `ui` draws app state; `install` and `record` are commands. The entry modules at the top
/// (`cli`, `console`, `bench`, `fuzzing`, `tools`, `report`) wire everything and may import
/// anything. `signals` is a leaf utility (terminal signals).
const MATRIX: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("signals", &[]),
    ("terminal_handoff", &[]),
    ("domain", &["model"]),
    ("config", &["model", "domain"]),
    ("recording", &["model", "domain"]),
    ("sources", &["model", "domain", "config"]),
    (
        "sandbox",
        &["model", "domain", "config", "recording", "cli"],
    ),
    ("app", &["model", "domain", "config", "sources"]),
    ("ui", &["model", "domain", "config", "app"]),
    (
        "edit_session",
        &[
            "model",
            "domain",
            "config",
            "sources",
            "app",
            "terminal_handoff",
        ],
    ),
    (
        "play",
        &[
            "model",
            "domain",
            "config",
            "sources",
            "recording",
            "sandbox",
            "cli",
        ],
    ),
    (
        "install",
        &[
            "model", "domain", "config", "sources", "app", "ui", "signals", "cli",
        ],
    ),
    (
        "record",
        &[
            "model",
            "domain",
            "config",
            "sources",
            "recording",
            "install",
            "cli",
        ],
    ),
];

/// Known backward arrows still to remove, each `(file, imported module)`. An entry that no
/// longer occurs fails the test, so the list only shrinks.
const KNOWN: &[(&str, &str)] = &[];

/// Modules at the top: they wire the others together and may import anything.
const ENTRY: &[&str] = &[
    "cli", "console", "bench", "fuzzing", "tools", "report", "lib", "main",
];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The directory that holds the children of the module in `file` (`a.rs` → `a/`,
/// `lib.rs` → `src/`).
fn child_dir(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let parent = file.parent().unwrap_or(Path::new(""));
    if matches!(stem, "lib" | "main" | "mod") {
        parent.to_path_buf()
    } else {
        parent.join(stem)
    }
}

/// Where `item` (a line after `#[cfg(test)]`) ends: its own line for `mod x;`/`use …;`,
/// else the line where its braces close.
fn item_end(lines: &[&str], start: usize) -> usize {
    let mut depth = 0i32;
    let mut opened = false;
    for (i, line) in lines.iter().enumerate().skip(start) {
        let code = line.split("//").next().unwrap_or_default();
        for c in code.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
            return i;
        }
    }
    lines.len().saturating_sub(1)
}

/// Non-test lines of one file, with their 1-based numbers, and the files its `#[cfg(test)]
/// mod x;` declarations name.
fn scan(text: &str, file: &Path) -> (Vec<(usize, String)>, Vec<PathBuf>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut keep = Vec::new();
    let mut test_children = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if t.starts_with("#[cfg(test)]") {
            let mut j = i + 1;
            while j < lines.len() && lines[j].trim().starts_with("#[") {
                j += 1;
            }
            let end = item_end(&lines, j);
            let decl = lines.get(j).map(|l| l.trim()).unwrap_or_default();
            if let Some(rest) = decl
                .strip_prefix("pub(crate) mod ")
                .or_else(|| decl.strip_prefix("pub mod "))
                .or_else(|| decl.strip_prefix("mod "))
                && let Some(name) = rest.strip_suffix(';')
            {
                test_children.push(child_dir(file).join(format!("{name}.rs")));
            }
            i = end + 1;
            continue;
        }
        if !t.starts_with("//") {
            keep.push((i + 1, lines[i].to_string()));
        }
        i += 1;
    }
    (keep, test_children)
}

/// Top-level modules named by `crate::` paths in one line: `crate::a::…` and
/// `crate::{a::…, b, …}`.
fn targets(line: &str, modules: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // Top-level names in a group: the first path segment after `{` or a `,` at depth 0.
            let mut depth = 0;
            let mut seg_start = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => seg_start = true,
                    c if c.is_alphanumeric() || c == '_' => {
                        if seg_start {
                            word.push(c);
                        }
                    }
                    _ => {
                        if !word.is_empty() {
                            out.push(std::mem::take(&mut word));
                            seg_start = false;
                        }
                    }
                }
            }
            if !word.is_empty() {
                out.push(word);
            }
        } else {
            let word: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(word);
        }
        rest = after;
    }
    out.retain(|w| modules.contains(w));
    out
}

#[test]
fn imports_follow_the_layer_matrix() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter(|p| p.parent() == Some(src.as_path()))
        .filter_map(|p| p.file_stem()?.to_str().map(String::from))
        .collect();
    for (m, deps) in MATRIX {
        assert!(
            modules.contains(*m),
            "the matrix names `{m}`, which src/ does not have"
        );
        for d in *deps {
            assert!(
                modules.contains(*d),
                "the matrix names `{d}`, which src/ does not have"
            );
        }
    }
    for m in &modules {
        assert!(
            ENTRY.contains(&m.as_str()) || MATRIX.iter().any(|(n, _)| n == m),
            "src/{m}.rs is a new top-level module: add it to MATRIX (or ENTRY) in tests/layers.rs \
             and to docs/architecture.md"
        );
    }

    // Test-only files: declared under #[cfg(test)] by their parent (and all below them).
    let mut test_only: BTreeSet<PathBuf> = BTreeSet::new();
    let mut scanned = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read source file");
        let (lines, children) = scan(&text, f);
        test_only.extend(children);
        scanned.push((f.clone(), lines));
    }

    let mut wrong = Vec::new();
    let mut known_seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (f, lines) in &scanned {
        if test_only
            .iter()
            .any(|t| f == t || f.starts_with(t.with_extension("")))
        {
            continue;
        }
        let rel = f.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs").to_string())
            .unwrap_or_default();
        if ENTRY.contains(&top.as_str()) {
            continue;
        }
        let allowed = MATRIX
            .iter()
            .find(|(m, _)| *m == top)
            .map(|(_, d)| *d)
            .unwrap_or_default();
        for (n, line) in lines {
            for t in targets(line, &modules) {
                if t == top || allowed.contains(&t.as_str()) {
                    continue;
                }
                let file = format!("src/{}", rel.display());
                if let Some(k) = KNOWN.iter().find(|(kf, kt)| *kf == file && *kt == t) {
                    known_seen.insert(*k);
                } else {
                    wrong.push(format!(
                        "src/{}:{n}: `{top}` imports `{t}` ({})",
                        rel.display(),
                        line.trim()
                    ));
                }
            }
        }
    }
    for k in KNOWN {
        assert!(
            known_seen.contains(k),
            "{} no longer imports `{}`: remove it from KNOWN in tests/layers.rs",
            k.0,
            k.1
        );
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer matrix (tests/layers.rs, docs/architecture.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scanner_reads_groups_and_skips_tests() {
    let modules: BTreeSet<String> = ["app", "ui", "model"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        targets("use crate::{app::{a, b}, model::X, ui};", &modules),
        ["app", "model", "ui"]
    );
    assert_eq!(
        targets("let x = crate::ui::f(crate::app::g());", &modules),
        ["ui", "app"]
    );
    let text = "use crate::app::A;\n#[cfg(test)]\nmod tests {\n    use crate::ui::B;\n}\n#[cfg(test)]\nmod fixture;\n// crate::ui in a comment\n";
    let (lines, children) = scan(text, Path::new("src/x.rs"));
    assert_eq!(lines.len(), 1);
    assert_eq!(children, [PathBuf::from("src/x/fixture.rs")]);
}
