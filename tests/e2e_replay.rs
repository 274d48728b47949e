//! Replay controls end to end in a real terminal (tmux): the console on its in-process
//! sandbox replaying `cnpg-failover` (26 changes over 24 s) shows the timeline bar in the
//! header; F6 pauses (the pods table stops changing), `:replay seek 5s` goes back to a known
//! point, F7 applies exactly one change (events n → n+1), F9 doubles the speed, F6 resumes.
//! All of it in `--readonly`: replay control is not a cluster change.
//!
//! The console binary is `$OPSDECK_BIN`, else the one `cargo test` builds. Deadlines are
//! generous liveness limits; the screen is polled, never timed.

mod common;

use std::time::Duration;

use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

/// The header's second line (namespace, version, connection, replay bar).
fn header(screen: &str) -> String {
    screen.lines().nth(1).unwrap_or("").to_string()
}

/// Name, ready and status of each pod row (ages move with the clock; they are left out).
fn pod_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| l.contains("keycloak-"))
        .map(|l| {
            l.trim_matches(|c: char| c == '│' || c.is_whitespace())
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn pause_seek_step_and_speed_from_the_header() {
    let t = Tmux::start(
        "replay",
        &[
            "--sandbox",
            "--recording",
            "cnpg-failover",
            "-n",
            "keycloak",
            "--readonly",
        ],
        WAIT,
    );
    // The bar shows while the recording replays (or has finished, on a slow machine).
    t.wait_until("the replay bar", |s| {
        let h = header(s);
        h.contains("/0:24") && h.contains("events ") && h.contains("/26")
    });
    t.wait_for(&["pods(keycloak)", "keycloak-db-2"]);

    // F6 pauses.
    t.keys(&["F6"]);
    t.wait_until("paused", |s| header(s).contains("⏸ paused"));
    // Back to 5 s: six changes applied, keycloak-db-1 deleted at 4 s.
    t.keys(&[":"]);
    t.text("replay seek 5s");
    t.keys(&["Enter"]);
    let s = t.wait_until("the seek", |s| {
        let h = header(s);
        h.contains("⏸ paused") && h.contains("0:05/0:24") && h.contains("events 6/26")
    });
    t.wait_until("keycloak-db-1 gone", |s| {
        !s.contains("keycloak-db-1 ") && s.contains("keycloak-db-2")
    });
    let before = pod_rows(&t.screen());
    assert!(!before.is_empty(), "no pod rows:\n{s}");
    // Paused: nothing changes. The next change is due at 8 s; wait past it.
    std::thread::sleep(Duration::from_secs(5));
    let s = t.screen();
    assert!(
        header(&s).contains("events 6/26") && header(&s).contains("0:05/0:24"),
        "the replay moved while paused:\n{s}"
    );
    assert_eq!(pod_rows(&s), before, "the table changed while paused:\n{s}");

    // F7 applies exactly the next change (at 8 s).
    t.keys(&["F7"]);
    let s = t.wait_until("one step", |s| header(s).contains("events 7/26"));
    assert!(header(&s).contains("0:08/0:24"), "{s}");
    assert!(header(&s).contains("⏸ paused"), "{s}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        header(&t.screen()).contains("events 7/26"),
        "more than one change applied:\n{}",
        t.screen()
    );

    // F9: faster (1× → 2×); F8: slower (2× → 1×).
    t.keys(&["F9"]);
    t.wait_until("2×", |s| header(s).contains(" 2× "));
    t.keys(&["F8"]);
    t.wait_until("1×", |s| header(s).contains(" 1× "));

    // F6 resumes; the failover goes on to the end.
    t.keys(&["F6"]);
    t.wait_until("playing", |s| header(s).contains("▶ playing"));
    t.wait_until("finished", |s| {
        let h = header(s);
        h.contains("■ finished") && h.contains("events 26/26")
    });
    t.quit();
}
