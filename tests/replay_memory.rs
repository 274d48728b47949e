//! Bounded memory while replaying: `opsdeck sandbox` replays a recording file whose timeline
//! is far larger than the rest (200,000 entries, ~100 MB) at 60×, and its peak resident set
//! (VmHWM of /proc/PID/status) stays far below the file size: the timeline is read from the
//! file one entry at a time, never held whole. Linux only (reads /proc).

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::SandboxProcess;

const ENTRIES: usize = 200_000;
/// Bytes of padding per entry, so that the file is large.
const PAD: usize = 400;
const DEADLINE: Duration = Duration::from_secs(600);

/// Peak resident set of a process, in bytes.
fn vm_hwm(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM line");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM value");
    kb * 1024
}

/// A recording with one ConfigMap and a timeline that re-applies it ENTRIES times, one
/// millisecond apart (every change is a no-op for the store, so the store does not grow).
fn write_recording(path: &std::path::Path) -> u64 {
    let file = std::fs::File::create(path).expect("create recording");
    let mut out = std::io::BufWriter::new(file);
    let pad = "x".repeat(PAD);
    let object = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"big","namespace":"demo","annotations":{{"pad":"{pad}"}}}},"data":{{"v":"0"}}}}"#
    );
    write!(
        out,
        "apiVersion: opsdeck.dev/v1\nkind: Recording\nmetadata:\n  name: huge\n  kubernetesVersion: v1.31.4\nobjects:\n  - {{apiVersion: v1, kind: Namespace, metadata: {{name: demo}}}}\n  - {object}\ntimeline:\n"
    )
    .expect("write");
    for i in 0..ENTRIES {
        write!(out, "  - at: {i}ms\n    apply: {object}\n").expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).expect("size").len()
}

fn replay_status(sb: &SandboxProcess) -> serde_json::Value {
    sb.kubectl_json(&["get", "replay", "current"])["status"].clone()
}

#[test]
fn a_huge_timeline_replays_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.yaml");
    let size = write_recording(&path);
    let rec = path.display().to_string();
    let sb = SandboxProcess::start_with(None, &["--recording", &rec, "--speed", "0"]);
    let st = replay_status(&sb);
    assert_eq!(st["eventsTotal"], ENTRIES as u64, "{st}");
    assert_eq!(st["streaming"], true, "{st}");
    let before = vm_hwm(sb.pid());
    sb.kubectl_ok(&[
        "patch",
        "replay",
        "current",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"paused":false,"speed":60}}"#,
    ]);
    let end = Instant::now() + DEADLINE;
    loop {
        let st = replay_status(&sb);
        if st["state"] == "Finished" {
            assert_eq!(st["eventsApplied"], ENTRIES as u64, "{st}");
            break;
        }
        assert!(Instant::now() < end, "the replay did not finish: {st}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let after = vm_hwm(sb.pid());
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    eprintln!(
        "file {:.1} MiB; sandbox VmHWM {:.1} MiB after load, {:.1} MiB after the replay",
        mib(size),
        mib(before),
        mib(after)
    );
    // Loading (which scans the whole timeline) and replaying it each hold about one entry:
    // the peak (mostly the runtime: a debug sandbox of a tiny recording is ~40 MiB) stays
    // far below the file, and the replay itself adds next to nothing.
    assert!(
        after < size / 2,
        "peak RSS {:.1} MiB for a {:.1} MiB file",
        mib(after),
        mib(size)
    );
    assert!(
        after.saturating_sub(before) < size / 20,
        "the replay grew the peak RSS by {:.1} MiB",
        mib(after - before)
    );
}
