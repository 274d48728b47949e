//! Replays the fuzz corpus (`fuzz/corpus/<target>/`) and every crash input the fuzzer has
//! found (`fuzz/regressions/<target>/`, kept after the fix) through the same entry points
//! the fuzzer calls (`opsdeck::fuzzing::run`), in plain `cargo test`: a parser that panics
//! on one of them fails here without a fuzz build.

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_seeded_corpus_and_survives_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for target in opsdeck::fuzzing::TARGETS {
        let seeds = inputs(&root.join("corpus").join(target));
        assert!(!seeds.is_empty(), "fuzz/corpus/{target}/ has no seed");
        let found = inputs(&root.join("regressions").join(target));
        for file in seeds.iter().chain(&found) {
            let data = std::fs::read(file).expect("read input");
            let outcome = std::panic::catch_unwind(|| opsdeck::fuzzing::run(target, &data));
            assert!(
                outcome.is_ok(),
                "fuzz target {target} panicked on {}",
                file.display()
            );
        }
    }
}

#[test]
fn no_stray_corpus_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for sub in ["corpus", "regressions"] {
        for dir in std::fs::read_dir(root.join(sub))
            .expect("fuzz folder")
            .flatten()
        {
            if !dir.path().is_dir() {
                continue;
            }
            let name = dir.file_name().to_string_lossy().into_owned();
            assert!(
                opsdeck::fuzzing::TARGETS.contains(&name.as_str()),
                "fuzz/{sub}/{name} is not a fuzz target"
            );
        }
    }
}
