//! Keys and feedback end to end in a real terminal (tmux) against the in-process sandbox
//! serving `tests/fixtures/console-shop.yaml`: k9s's sort keys and `:sort` with the order in
//! the header, feedback for unknown commands and keys, a failed command that leaves no text
//! behind, a footer that offers only what applies, Enter that never confirms a delete, and
//! the first screen of `--sandbox`.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);

fn console(name: &str, args: &str) -> Tmux {
    let rec = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/console-shop.yaml")
        .display()
        .to_string();
    let mut all = vec!["--sandbox", "--recording", rec.as_str()];
    all.extend(args.split_whitespace());
    Tmux::start(name, &all, WAIT)
}

/// The footer: the line of key hints above the message line.
fn footer(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines
        .get(lines.len().saturating_sub(2))
        .copied()
        .unwrap_or_default()
        .to_string()
}

/// The table's rows, top to bottom, by name.
fn first_row(screen: &str) -> String {
    screen
        .lines()
        .skip_while(|l| !l.contains("NAME"))
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

fn command(t: &Tmux, text: &str) {
    t.keys(&[":"]);
    t.text(text);
    t.keys(&["Enter"]);
}

#[test]
fn sort_keys_and_sort_command_show_the_order() {
    let t = console("sort", "-n shop");
    t.wait_for(&["pods(shop)[", "orders-db-0", "NAME▲"]);
    // shift-T: most restarts first (orders-db-0 restarted 4 times).
    t.keys(&["T"]);
    let s = t.wait_for(&["RESTARTS▼"]);
    assert!(first_row(&s).contains("orders-db-0"), "{s}");
    assert!(!s.contains("NAME▲"), "{s}");
    // Again: the order flips.
    t.keys(&["T"]);
    let s = t.wait_for(&["RESTARTS▲"]);
    assert!(first_row(&s).contains("web-7d9f8c6b5-abcde"), "{s}");
    // Any column by command.
    command(&t, "sort ip desc");
    let s = t.wait_for(&["IP▼", "sorted by IP, descending"]);
    assert!(first_row(&s).contains("orders-db-0"), "{s}");
    // Help lists the sort keys.
    t.keys(&["?"]);
    t.wait_for(&["Sort by restarts", "Sort by name"]);
    t.quit();
}

#[test]
fn unknown_commands_and_keys_say_so_and_leave_no_text() {
    let t = console("feedback", "-n shop");
    t.wait_for(&["pods(shop)[", "orders-db-0"]);
    command(&t, "frobnicate");
    t.wait_for(&["unknown command: frobnicate — try :help, or tab to complete"]);
    // `:frobnicate` failed: `:deploy` now runs deploy, not `frobnicate:deploy`.
    command(&t, "deploy");
    let s = t.wait_for(&["deployments(shop)[1]"]);
    assert!(
        !s.contains("frobnicate"),
        "the failed command is still there:\n{s}"
    );
    t.keys(&["z"]);
    t.wait_for(&["unknown key z — ? lists the keys of this view"]);
    // The message expires.
    t.wait_until("the message to expire", |s| !s.contains("unknown key z"));
    t.quit();
}

#[test]
fn footer_offers_only_what_applies() {
    let t = console("footer", "-n shop");
    let s = t.wait_for(&["pods(shop)[", "orders-db-0"]);
    let f = footer(&s);
    assert!(f.contains("<l> Logs"), "{f}");
    assert!(!f.contains("Scale"), "scale offered on pods: {f}");
    assert!(!f.contains("Restart"), "restart offered on pods: {f}");

    command(&t, "deploy");
    let s = t.wait_for(&["deployments(shop)[1]"]);
    let f = footer(&s);
    for want in ["<s> Scale", "<r> Restart", "<l> Logs", "<ctrl-r> Reload"] {
        assert!(f.contains(want), "{want} missing: {f}");
    }

    // A pod's containers: ctrl-d deletes the whole pod, and says so.
    command(&t, "po");
    t.wait_for(&["pods(shop)[", "orders-db-0"]);
    t.keys(&["g", "Enter"]);
    let s = t.wait_for(&["containers(shop/orders-db-0)"]);
    assert!(footer(&s).contains("<ctrl-d> Delete pod"), "{}", footer(&s));
    t.keys(&["C-d"]);
    t.wait_for(&["Delete the whole pod shop/orders-db-0 (all its containers)?"]);
    // Enter never confirms: two of them leave the dialog open and the pod in place.
    t.keys(&["Enter", "Enter"]);
    let s = t.wait_for(&["Delete the whole pod"]);
    assert!(!s.contains(": done"), "{s}");
    t.keys(&["Escape", "Escape"]);
    t.wait_for(&["pods(shop)[", "orders-db-0"]);

    // Logs: toggles say on/off in words.
    t.keys(&["j", "l"]);
    let s = t.wait_for(&["logs shop/web-7d9f8c6b5-abcde:nginx", "Follow: on"]);
    assert!(footer(&s).contains("Wrap: off"), "{}", footer(&s));
    t.keys(&["f"]);
    t.wait_for(&["Follow: off"]);
    t.keys(&["Escape"]);

    // The PromQL editor types `:`: no `<:> Command` there.
    command(&t, "promql");
    let s = t.wait_until("the PromQL editor", |s| footer(s).contains("Run"));
    assert!(!footer(&s).contains("Command"), "{}", footer(&s));
    t.keys(&["Escape"]);
    t.quit();
}

#[test]
fn sandbox_starts_on_every_namespace_and_says_where() {
    let t = console("landing", "");
    let s = t.wait_for(&[
        "pods(all)[",
        "NAMESPACE▲",
        "orders-db-0",
        "sandbox: recording \"console-shop\"",
    ]);
    assert!(s.contains("namespace all"), "{s}");
    // `1` goes to the first namespace favourite once there is one; `0` back to all.
    command(&t, "ns shop");
    t.wait_for(&["pods(shop)["]);
    t.keys(&["0"]);
    t.wait_for(&["pods(all)["]);
    t.keys(&["1"]);
    t.wait_for(&["pods(shop)["]);
    t.quit();
}
