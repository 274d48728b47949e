//! The console in a real terminal: the opsdeck binary runs in a tmux session on its own
//! socket; keys go in with `send-keys`, the screen comes out with `capture-pane`.
//!
//! The binary is `$OPSDECK_BIN`, else the one `cargo test` builds.
//! Every wait polls with a generous deadline and fails with the screen it saw.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The binary under test: `$OPSDECK_BIN`, else the one `cargo test` just built; panics
/// (naming how to build it) when missing.
pub(crate) fn binary() -> PathBuf {
    let bin = std::env::var_os("OPSDECK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_opsdeck")));
    assert!(
        bin.exists(),
        "opsdeck binary not found at {} — build it with `cargo build --release` (scripts/test does) or set OPSDECK_BIN",
        bin.display()
    );
    bin
}

/// The console exited (it prints this marker when it does).
pub(crate) fn exited(screen: &str) -> bool {
    screen.contains("OPSDECK-EXITED")
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A tmux server running the console, killed on drop.
pub(crate) struct Tmux {
    socket: String,
    wait: Duration,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// `opsdeck ARGS…` in a 160×45 terminal, with its own config and data directories and
    /// no KUBECONFIG or AWS settings from the environment; waits give up after `wait`.
    pub(crate) fn start(name: &str, args: &[&str], wait: Duration) -> Tmux {
        Self::start_sized(name, args, (160, 45), wait)
    }

    pub(crate) fn start_sized(name: &str, args: &[&str], size: (u16, u16), wait: Duration) -> Tmux {
        Self::start_prepared(name, args, size, wait, |_| {})
    }

    /// Like [`Tmux::start_sized`], with extra environment variables (`AWS_ENDPOINT_URL_EKS`…)
    /// set for the console after the defaults.
    pub(crate) fn start_env(
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
        size: (u16, u16),
        wait: Duration,
    ) -> Tmux {
        let args: Vec<String> = args.iter().map(|a| quote(a)).collect();
        let env: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        let bin = binary().display().to_string();
        Self::start_command(name, size, wait, |_| {
            format!("{} {bin} {}", env.join(" "), args.join(" "))
        })
    }

    /// Like [`Tmux::start_sized`], after `prepare` got the session's directory (its
    /// `config/` is the console's config directory).
    pub(crate) fn start_prepared(
        name: &str,
        args: &[&str],
        size: (u16, u16),
        wait: Duration,
        prepare: impl FnOnce(&Path),
    ) -> Tmux {
        let args: Vec<String> = args.iter().map(|a| quote(a)).collect();
        let bin = binary().display().to_string();
        Self::start_command(name, size, wait, |dir| {
            prepare(dir);
            format!("{bin} {}", args.join(" "))
        })
    }

    /// Any shell command line (made by `command` from the session's directory) with the
    /// console's isolated environment; the screen shows `OPSDECK-EXITED <status>` after it.
    pub(crate) fn start_command(
        name: &str,
        (width, height): (u16, u16),
        wait: Duration,
        command: impl FnOnce(&Path) -> String,
    ) -> Tmux {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
        let socket = format!("opsdeck-test-{}-{name}", std::process::id());
        let inner = command(dir.path());
        let cmd = format!(
            "unset KUBECONFIG AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EKS; export OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config AWS_CONFIG_FILE={d}/aws-config AWS_SHARED_CREDENTIALS_FILE={d}/aws-credentials NO_COLOR=; {inner}; echo OPSDECK-EXITED $?; sleep 600",
            d = dir.path().display(),
        );
        let t = Tmux {
            socket,
            wait,
            _dir: dir,
        };
        let (w, h) = (width.to_string(), height.to_string());
        let out = t.tmux(&["new-session", "-d", "-s", "main", "-x", &w, "-y", &h, &cmd]);
        assert!(
            out.status.success(),
            "tmux new-session failed (is tmux installed?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    pub(crate) fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e} (tmux is required for this test)"))
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-d`) or single characters.
    pub(crate) fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "main", k]);
            // A lone Escape followed at once by a key reads as Alt-key.
            let pause = if *k == "Escape" { 300 } else { 80 };
            std::thread::sleep(Duration::from_millis(pause));
        }
    }

    /// Types text literally.
    pub(crate) fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
        std::thread::sleep(Duration::from_millis(100));
    }

    pub(crate) fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-J", "-t", "main"])
                .stdout,
        )
        .into_owned()
    }

    /// Polls the screen until `done` holds, or fails with the screen (also when the console
    /// exited on the way).
    pub(crate) fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + self.wait;
        loop {
            let s = self.screen();
            if done(&s) {
                return s;
            }
            if Instant::now() > deadline || exited(&s) {
                panic!("gave up waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls the screen until every needle shows.
    pub(crate) fn wait_for(&self, needles: &[&str]) -> String {
        self.wait_until(&format!("{needles:?}"), |s| {
            needles.iter().all(|n| s.contains(n))
        })
    }

    /// Polls the screen until `done` holds, keeping every distinct screen seen on the way.
    pub(crate) fn record_until(&self, what: &str, done: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + self.wait;
        let mut seen: Vec<String> = Vec::new();
        loop {
            let s = self.screen();
            if seen.last() != Some(&s) {
                seen.push(s.clone());
            }
            if done(&s) {
                return seen;
            }
            if Instant::now() > deadline || exited(&s) {
                panic!(
                    "gave up waiting for {what}; screens seen:\n{}",
                    seen.join("\n----------------\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ctrl-C, then waits for a clean exit.
    pub(crate) fn quit(&self) {
        self.keys(&["C-c"]);
        self.wait_until("the console to exit", |s| s.contains("OPSDECK-EXITED 0"));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
