//! The console end to end in a real terminal: the release binary runs in tmux against its
//! in-process sandbox serving `tests/fixtures/console-shop.yaml`; keys are sent with
//! `send-keys` and the screen read with `capture-pane`.
//!
//! The binary is `$OPSDECK_BIN`, else `target/release/opsdeck` (scripts/test builds it).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

fn binary() -> PathBuf {
    let bin = std::env::var_os("OPSDECK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/opsdeck")
        });
    assert!(
        bin.exists(),
        "opsdeck binary not found at {} — build it with `cargo build --release` (scripts/test does) or set OPSDECK_BIN",
        bin.display()
    );
    bin
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/console-shop.yaml")
}

/// A tmux server on its own socket, killed on drop.
struct Tmux {
    socket: String,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn start(name: &str, args: &str) -> Tmux {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = format!("opsdeck-test-{}-{name}", std::process::id());
        let cmd = format!(
            "OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config NO_COLOR= {bin} --sandbox --recording {rec} {args}; echo OPSDECK-EXITED $?; sleep 600",
            d = dir.path().display(),
            bin = binary().display(),
            rec = fixture().display(),
        );
        let t = Tmux { socket, _dir: dir };
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "160",
            "-y",
            "45",
            &cmd,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed (is tmux installed?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e} (tmux is required for this test)"))
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-d`) or single characters.
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "main", k]);
            // A lone Escape followed at once by a key reads as Alt-key.
            let pause = if *k == "Escape" { 300 } else { 60 };
            std::thread::sleep(Duration::from_millis(pause));
        }
    }

    /// Types text literally.
    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
        std::thread::sleep(Duration::from_millis(100));
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    /// Polls the screen until `done` holds, or fails with the screen.
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let s = self.screen();
            if done(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls the screen until every needle shows, or fails with the screen.
    fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let s = self.screen();
            if needles.iter().all(|n| s.contains(n)) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {needles:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
fn browse_filter_describe_yaml_logs_help_quit() {
    let t = Tmux::start("browse", "-n shop");
    // Starts on pods of the namespace, connected to the sandbox.
    t.wait_for(&[
        "pods(shop)[3]",
        "orders-db-0",
        "web-7d9f8c6b5-abcde",
        "● connected",
        "k8s v1.31.4",
    ]);
    // The recording's timeline adds a pod at 4s: it shows without a key press.
    t.wait_for(&["pods(shop)[4]", "web-7d9f8c6b5-klmno"]);

    // `:po` from another view comes back to the pods.
    t.keys(&[":"]);
    t.text("deploy");
    t.keys(&["Enter"]);
    t.wait_for(&["deployments(shop)[1]", "2/2"]);
    t.keys(&[":"]);
    t.text("po");
    t.keys(&["Enter"]);
    t.wait_for(&["pods(shop)[4]"]);

    // `/` filters as you type.
    t.keys(&["/"]);
    t.text("fghij");
    let s = t.wait_for(&["pods(shop)[1/4]", "web-7d9f8c6b5-fghij"]);
    assert!(!s.contains("orders-db-0"), "filter kept other rows:\n{s}");
    t.keys(&["Enter", "Escape"]);
    t.wait_for(&["pods(shop)[4]", "orders-db-0"]);

    // `d` describes the selected pod (the first row, `g`), with its events.
    t.keys(&["g", "d"]);
    t.wait_for(&[
        "describe pod shop/orders-db-0",
        "Waiting (CrashLoopBackOff)",
        "Back-off restarting failed container",
    ]);
    t.keys(&["Escape"]);
    // `y` shows its YAML.
    t.keys(&["y"]);
    t.wait_for(&[
        "yaml pod shop/orders-db-0",
        "name: orders-db-0",
        "apiVersion: v1",
    ]);
    t.keys(&["Escape"]);

    // `l` streams the logs of the selected pod's default container.
    t.keys(&["j", "l"]);
    t.wait_for(&[
        "logs shop/web-7d9f8c6b5-abcde:nginx",
        "Configuration complete; ready for start up",
        "GET /api/orders",
    ]);
    t.keys(&["Escape"]);

    // `?` lists the bindings of the focused view from the keymap.
    t.keys(&["?"]);
    t.wait_for(&[
        "table keys",
        "ctrl-d",
        "Delete",
        "global keys",
        ":ctx [name]",
    ]);
    t.keys(&["Escape"]);

    // `:q` exits and the terminal is restored (the shell prints after the program).
    t.keys(&[":"]);
    t.text("q");
    t.keys(&["Enter"]);
    let s = t.wait_for(&["OPSDECK-EXITED 0"]);
    assert!(
        !s.contains("● connected"),
        "the console's screen is still shown:\n{s}"
    );
}

#[test]
fn readonly_refuses_delete() {
    let t = Tmux::start("readonly", "-n shop --readonly");
    t.wait_for(&["pods(shop)", "orders-db-0", "[read-only]"]);
    t.keys(&["C-d"]);
    let s = t.wait_for(&["read-only mode: delete is disabled"]);
    assert!(!s.contains("Delete pod"), "a delete dialog opened:\n{s}");
    t.keys(&["C-c"]);
    t.wait_for(&["OPSDECK-EXITED 0"]);
}

#[test]
fn delete_asks_then_deletes() {
    let t = Tmux::start("delete", "-n shop");
    t.wait_for(&["pods(shop)[3]", "orders-db-0"]);
    t.keys(&["C-d"]);
    t.wait_for(&["Delete pod shop/orders-db-0?", "Confirm", "Cancel"]);
    t.keys(&["y"]);
    t.wait_for(&["delete pod shop/orders-db-0: done"]);
    // The watch removes the row.
    t.wait_until("orders-db-0 to leave the table", |s| {
        let table: String = s.lines().skip(4).collect::<Vec<_>>().join("\n");
        table.contains("web-7d9f8c6b5-abcde") && !table.contains("orders-db-0 ")
    });
    t.keys(&["C-c"]);
    t.wait_for(&["OPSDECK-EXITED 0"]);
}
