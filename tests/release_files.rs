//! The release configuration, the krew manifest and the Homebrew formula are checked
//! without publishing anything: `scripts/release-archive` builds an archive from the test's
//! binary, and the rendered manifest and formula must describe it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const TARGETS: &[(&str, &str, &str)] = &[
    ("x86_64-unknown-linux-gnu", "linux", "amd64"),
    ("aarch64-unknown-linux-gnu", "linux", "arm64"),
    ("x86_64-apple-darwin", "darwin", "amd64"),
    ("aarch64-apple-darwin", "darwin", "arm64"),
];

#[test]
fn cargo_dist_config_and_release_profile() {
    let dist: toml::Table = toml::from_str(&read("dist-workspace.toml")).unwrap();
    let d = dist["dist"].as_table().unwrap();
    let targets: Vec<&str> = d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(targets, TARGETS.iter().map(|t| t.0).collect::<Vec<_>>());
    let installers: Vec<&str> = d["installers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(installers.contains(&"homebrew") && installers.contains(&"shell"));
    assert_eq!(
        d["unix-archive"].as_str(),
        Some(".tar.gz"),
        "krew reads .tar.gz/.zip only"
    );
    assert_eq!(d["checksum"].as_str(), Some("sha256"));
    assert!(d["tap"].as_str().is_some_and(|t| t.contains('/')));
    assert!(d["cargo-dist-version"].as_str().is_some());
    assert_eq!(
        dist["workspace"]["members"].as_array().unwrap()[0].as_str(),
        Some("cargo:.")
    );

    let cargo: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let pkg = cargo["package"].as_table().unwrap();
    for field in ["description", "license", "repository", "homepage", "readme"] {
        assert!(
            pkg.get(field).is_some(),
            "Cargo.toml package.{field} (cargo-dist, crates.io)"
        );
    }
    let release = cargo["profile"]["release"].as_table().unwrap();
    let stripped = release.get("strip").and_then(|v| v.as_str()) == Some("debuginfo")
        || release.get("strip").and_then(|v| v.as_str()) == Some("symbols")
        || release.get("debug").and_then(|v| v.as_bool()) == Some(false);
    assert!(
        stripped,
        "the release binary ships without debug info: {release:?}"
    );
    assert_eq!(
        cargo["profile"]["dev"]["debug"].as_str(),
        Some("line-tables-only")
    );
    assert!(
        root().join("Cargo.lock").is_file(),
        "cargo install --locked needs it"
    );
    assert!(root().join("LICENSE").is_file());
}

#[test]
fn krew_template_covers_every_release_target() {
    let t = read("krew/opsdeck.yaml");
    assert!(t.contains("apiVersion: krew.googlecontainertools.github.com/v1alpha2"));
    assert!(t.contains("kind: Plugin"));
    for (target, os, arch) in TARGETS {
        let entry = format!("        os: {os}\n        arch: {arch}\n");
        assert!(t.contains(&entry), "no selector for {os}/{arch}");
        assert!(
            t.contains(&format!(
                "{{{{addURIAndSha \"https://github.com/opsdeck/opsdeck/releases/download/{{{{ .TagName }}}}/opsdeck-{target}.tar.gz\" .TagName }}}}"
            )),
            "no archive for {target}"
        );
        assert!(t.contains(&format!("from: opsdeck-{target}/opsdeck")));
    }
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn archive_manifest_and_formula_from_the_script() {
    let out = tempfile::tempdir().unwrap();
    let bin = common::tmux::binary();
    let target = "x86_64-unknown-linux-gnu";
    let run = Command::new(root().join("scripts/release-archive"))
        .args([
            "--bin",
            &bin.display().to_string(),
            "--target",
            target,
            "--version",
            "1.2.3",
        ])
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("scripts/release-archive (python3)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let archive = out.path().join(format!("opsdeck-{target}.tar.gz"));
    let listing = Command::new("tar")
        .arg("tzvf")
        .arg(&archive)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    let names: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert_eq!(
        names,
        [
            format!("opsdeck-{target}/opsdeck"),
            format!("opsdeck-{target}/LICENSE"),
            format!("opsdeck-{target}/README.md")
        ]
    );
    assert!(
        listing.lines().next().unwrap().starts_with("-rwxr-xr-x"),
        "{listing}"
    );
    // The binary inside is the one given.
    let x = tempfile::tempdir().unwrap();
    assert!(
        Command::new("tar")
            .arg("xzf")
            .arg(&archive)
            .arg("-C")
            .arg(x.path())
            .status()
            .unwrap()
            .success()
    );
    let inside = x.path().join(format!("opsdeck-{target}/opsdeck"));
    assert_eq!(
        std::fs::read(&inside).unwrap(),
        std::fs::read(&bin).unwrap()
    );
    let version = Command::new(&inside).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("opsdeck "));

    let digest = sha256(&archive);
    let sums = std::fs::read_to_string(out.path().join(format!("opsdeck-{target}.tar.gz.sha256")))
        .unwrap();
    assert_eq!(sums, format!("{digest}  opsdeck-{target}.tar.gz\n"));

    // The krew manifest: krew's Plugin schema, the platform built, its sha256.
    let manifest = std::fs::read_to_string(out.path().join("opsdeck.yaml")).unwrap();
    let m: serde_json::Value = serde_saphyr::from_str(&manifest).unwrap();
    assert_eq!(
        m["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(m["kind"], "Plugin");
    assert_eq!(m["metadata"]["name"], "opsdeck");
    let spec = &m["spec"];
    assert_eq!(spec["version"], "v1.2.3");
    for f in ["homepage", "shortDescription", "description"] {
        assert!(spec[f].as_str().is_some_and(|s| !s.is_empty()), "spec.{f}");
    }
    assert!(
        spec["shortDescription"].as_str().unwrap().len() <= 50,
        "krew wants it short"
    );
    let platforms = spec["platforms"].as_array().unwrap();
    assert_eq!(platforms.len(), 1, "{manifest}");
    let p = &platforms[0];
    assert_eq!(p["selector"]["matchLabels"]["os"], "linux");
    assert_eq!(p["selector"]["matchLabels"]["arch"], "amd64");
    assert_eq!(
        p["uri"],
        format!(
            "https://github.com/opsdeck/opsdeck/releases/download/v1.2.3/opsdeck-{target}.tar.gz"
        )
    );
    assert_eq!(p["sha256"], digest);
    assert_eq!(p["bin"], "opsdeck");
    let from: Vec<&str> = p["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["from"].as_str().unwrap())
        .collect();
    for f in &from {
        assert!(names.iter().any(|n| n == f), "{f} is not in the archive");
    }
    assert!(from.iter().any(|f| f.ends_with("/opsdeck")));
    let allowed = ["uri", "sha256", "bin", "files", "selector"];
    for k in p.as_object().unwrap().keys() {
        assert!(allowed.contains(&k.as_str()), "unknown platform field {k}");
    }

    // The Homebrew formula.
    let rb = std::fs::read_to_string(out.path().join("opsdeck.rb")).unwrap();
    assert!(rb.contains("class Opsdeck < Formula"), "{rb}");
    assert!(rb.contains("version \"1.2.3\""), "{rb}");
    assert!(rb.contains(&format!("sha256 \"{digest}\"")), "{rb}");
    assert!(rb.contains(&format!("opsdeck-{target}.tar.gz")), "{rb}");
    assert!(rb.contains("bin.install \"opsdeck\""), "{rb}");
    let opens = rb
        .lines()
        .filter(|l| {
            l.ends_with(" do") || l.starts_with("class ") || l.trim_start().starts_with("def ")
        })
        .count();
    let ends = rb.lines().filter(|l| l.trim() == "end").count();
    assert_eq!(opens, ends, "unbalanced blocks:\n{rb}");
}
