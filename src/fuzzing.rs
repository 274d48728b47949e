//! Entry points of every parser of outside input, one per fuzz target: the fuzzer in `fuzz/`
//! (cargo-fuzz, libFuzzer) calls [`run`], and `tests/fuzz_corpus.rs` replays the committed
//! corpus and every crash input found so far through the same functions in plain
//! `cargo test`. A target must not panic, hang or abort on any input; errors are fine.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::config::{Config, Overrides};
use crate::domain::dashboard::{axis, grafana, load, promql};
use crate::recording;
use crate::sandbox::prometheus::api as prom_api;
use crate::sandbox::{protobuf, selector, timeline};

/// The fuzz targets, by the name `scripts/fuzz` and the corpus folders use.
pub const TARGETS: &[&str] = &[
    "recording",
    "recording_stream",
    "theme",
    "keymap",
    "config",
    "install_config",
    "grafana",
    "dashboard_toml",
    "promql",
    "protobuf",
    "selectors",
    "durations",
];

/// Feeds one input to a target. Panics on an unknown target name.
pub fn run(target: &str, data: &[u8]) {
    let text = || String::from_utf8_lossy(data);
    match target {
        "recording" => {
            let _ = recording::Recording::parse(&text(), "fuzz.yaml");
        }
        "recording_stream" => recording_stream(data),
        "theme" => {
            let _ = Theme::builtin(false).apply_text(&text(), "fuzz.toml");
        }
        "keymap" => {
            let _ = Keymap::builtin().apply_text(&text(), "fuzz.toml");
        }
        "config" => config(data),
        "install_config" => {
            let _ = crate::install::config::InstallConfig::parse(&text(), "fuzz.toml");
        }
        "grafana" => {
            let _ = grafana::import(&text());
        }
        "dashboard_toml" => {
            let _ = load::parse_toml("fuzz.toml", &text());
        }
        "promql" => {
            let t = text();
            let _ = promql::check_syntax(&t);
            let _ = promql::normalize(&t);
            let _ = promql::Selector::parse(&t);
            let _ = promql::parse_label_values(&t);
            let _ = crate::sources::prometheus::parse_error_position(&t);
            let _ = prom_api::parse_form(&t);
        }
        "protobuf" => {
            let _ = protobuf::decode(data);
        }
        "selectors" => {
            let t = text();
            let _ = selector::LabelSelector::parse(&t);
            let _ = selector::FieldSelector::parse(&t);
            let _ = crate::app::filter::parse_selector(&t);
            let _ = crate::app::filter::Filter::parse(&t);
            let _ = crate::install::cluster::parse_taint(&t);
        }
        "durations" => {
            let t = text();
            let _ = recording::parse_offset(&t);
            let _ = crate::install::config::parse_duration(&t);
            let _ = axis::parse_duration(&t);
            let _ = prom_api::parse_duration(&t);
            let _ = prom_api::parse_time(&t);
            let _ = crate::domain::quantity::parse(&t);
            let now = jiff::Timestamp::from_second(1_800_000_000).unwrap_or_default();
            let _ = crate::app::metrics::range::parse(&t, now);
        }
        other => panic!(
            "unknown fuzz target {other:?} (known: {})",
            TARGETS.join(", ")
        ),
    }
}

/// A scratch directory of this process for targets that read files.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("opsdeck-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
}

/// A recording read as a file: the streamed block-sequence timeline is scanned at load and
/// read entry by entry from the file, as the sandbox replays it.
fn recording_stream(data: &[u8]) {
    let path = scratch().join("recording.yaml");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok((_recording, Some(file))) = timeline::source::load_file(&path) else {
        return;
    };
    let source = timeline::source::TimelineSource::File(file);
    let Ok(mut cursor) = source.open() else {
        return;
    };
    while let Some(entry) = cursor.next_entry() {
        if entry.is_err() {
            break;
        }
    }
}

/// `config.toml` (with the theme and keymap it names) as [`Config::load`] reads it.
fn config(data: &[u8]) {
    let dir = scratch().join("config");
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join("config.toml"), data).is_err() {
        return;
    }
    let _ = Config::load(Some(&dir), &Overrides::default(), false);
}
