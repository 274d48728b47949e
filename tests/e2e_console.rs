//! The console end to end in a real terminal: the release binary runs in tmux against its
//! in-process sandbox serving `tests/fixtures/console-shop.yaml`; keys are sent with
//! `send-keys` and the screen read with `capture-pane`.
//!
//! The binary is `$OPSDECK_BIN`, else the one `cargo test` builds.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/console-shop.yaml")
}

/// The console on its in-process sandbox serving the fixture, with `args`.
fn console(name: &str, args: &str) -> Tmux {
    let rec = fixture().display().to_string();
    let mut all = vec!["--sandbox", "--recording", rec.as_str()];
    all.extend(args.split_whitespace());
    Tmux::start(name, &all, WAIT)
}

#[test]
fn browse_filter_describe_yaml_logs_help_quit() {
    let t = console("browse", "-n shop");
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
    t.wait_for(&["table keys", "ctrl-d", "Delete", "Port-forward"]);
    // The global keys follow the table's (a page down), the commands are at the end (`G`).
    t.keys(&["C-f"]);
    t.wait_for(&["global keys"]);
    t.keys(&["G"]);
    t.wait_for(&[":ctx [name]", ":metrics [name]", ":promql [query]"]);
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
    let t = console("readonly", "-n shop --readonly");
    t.wait_for(&["pods(shop)", "orders-db-0", "READONLY"]);
    t.keys(&["C-d"]);
    let s = t.wait_for(&["read-only mode: delete is disabled"]);
    assert!(!s.contains("Delete pod"), "a delete dialog opened:\n{s}");
    t.keys(&["C-c"]);
    t.wait_for(&["OPSDECK-EXITED 0"]);
}

#[test]
fn delete_asks_then_deletes() {
    let t = console("delete", "-n shop");
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
