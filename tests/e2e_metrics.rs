//! The metrics pane end to end in a real terminal (tmux):
//!
//! - `opsdeck --sandbox -c metrics` finds the cluster's Prometheus by its Services (no URL
//!   given), reaches it through the API server's service proxy, and draws the cluster
//!   overview dashboard, evaluated over the platform recording's series: stats, a chart with
//!   axes and legend, bars;
//! - the PromQL editor runs a query as a table, and a broken query shows Prometheus's own
//!   message with a caret under the column it names;
//! - the node pools pane shows CPU and memory in use per pool;
//! - `--prometheus URL` (the standalone sandbox's Prometheus API) is used as given;
//! - a query typed by hand in `:promql` (one no dashboard has) is evaluated by the
//!   sandbox over the recording's series and answers rows; `e` on a panel opens the editor
//!   with the panel's query already run.
//!
//! The console binary is `$OPSDECK_BIN`, else the one `cargo test` builds. Deadlines are
//! generous liveness limits; the screen is polled, never timed.

mod common;

use std::time::Duration;

use common::SandboxProcess;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

/// Whether a chart was drawn: braille dots beside a value axis.
fn has_chart(screen: &str) -> bool {
    screen.contains('┤')
        && screen
            .chars()
            .any(|c| ('\u{2801}'..='\u{28ff}').contains(&c))
}

#[test]
fn dashboard_from_the_clusters_own_prometheus_then_the_editor() {
    let t = Tmux::start("discover", &["--sandbox", "--command", "metrics"], WAIT);
    let screen = t.wait_until("the cluster overview with data", |s| {
        s.contains("Cluster overview (1/4)")
            && s.contains("prometheus: service monitoring/prometheus-operated:http-web")
            && s.contains("CPU requests by namespace")
            && s.contains("keycloak ")
            && has_chart(s)
            && !s.contains("loading…")
    });
    assert!(screen.contains("Nodes ready"), "{screen}");
    assert!(!screen.contains("! error"), "{screen}");

    // Range: `t` goes to 6h and the charts follow.
    t.keys(&["t"]);
    t.wait_until("the 6h range", |s| {
        s.contains("last 6h") && has_chart(s) && !s.contains("loading…")
    });

    // The editor: a table answer, then a parse error placed under its column.
    t.keys(&[":"]);
    t.text("promql max by (namespace, pod) (cnpg_pg_replication_lag)");
    t.keys(&["Enter"]);
    t.wait_for(&["PromQL (chart"]);
    t.keys(&["C-t", "C-r"]);
    let screen = t.wait_until("the lag table", |s| {
        s.contains("PromQL (table") && s.contains("keycloak-db-2") && s.contains("series")
    });
    assert!(screen.contains("keycloak-db-1"), "{screen}");
    t.keys(&["C-j"]);
    t.text("sum(rate(container_cpu_usage_seconds_total[5m])");
    t.keys(&["C-r"]);
    let screen = t.wait_until("the parse error", |s| s.contains("parse error"));
    let caret = screen
        .lines()
        .position(|l| l.trim() == "^")
        .unwrap_or_else(|| panic!("no caret line:\n{screen}"));
    let above = screen.lines().nth(caret - 1).unwrap_or_default();
    let caret_at = screen
        .lines()
        .nth(caret)
        .unwrap_or_default()
        .find('^')
        .unwrap_or(0);
    assert!(above.contains("sum(rate("), "{screen}");
    // The caret sits under the column Prometheus's message names (`1:COL: parse error`).
    let col: usize = screen
        .split("\"query\": 1:")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no position in the message:\n{screen}"));
    let text_start = above.find("sum(rate(").unwrap_or(0);
    assert_eq!(caret_at, text_start + col - 1, "{screen}");
    // The answer of the previous query is not shown under the error.
    assert!(!screen.contains("keycloak-db-2"), "{screen}");

    // Back to the dashboard, then the pools pane's usage columns.
    t.keys(&["Escape"]);
    t.wait_for(&["Cluster overview (1/4)"]);
    // `e` on the selected panel: the editor with its query, already answered.
    t.keys(&["e"]);
    let screen = t.wait_until("the panel's query answered in the editor", |s| {
        s.contains("PromQL (") && s.contains(" series") && !s.contains("running…")
    });
    assert!(
        !screen.contains("run the query to see its answer"),
        "{screen}"
    );
    t.keys(&["Escape"]);
    t.wait_for(&["Cluster overview (1/4)"]);
    t.keys(&[":"]);
    t.text("pools");
    t.keys(&["Enter"]);
    let screen = t.wait_until("CPU use per pool", |s| s.contains("in use     CPU"));
    assert!(screen.contains("Prometheus, "), "{screen}");
    t.quit();
}

#[test]
fn a_query_typed_by_hand_is_evaluated_by_the_sandbox() {
    let t = Tmux::start("byhand", &["--sandbox", "--command", "promql"], WAIT);
    // An empty editor says what to type.
    let screen = t.wait_for(&["PromQL (chart"]);
    assert!(
        screen.contains("type a PromQL query, e.g."),
        "no hint in an empty editor:\n{screen}"
    );
    t.text("sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))");
    t.keys(&["C-t", "C-r"]);
    let screen = t.wait_until("one row per namespace", |s| {
        s.contains("PromQL (table")
            && s.contains("keycloak")
            && s.contains("monitoring")
            && s.contains("argo")
            && s.contains(" series")
    });
    assert!(!screen.contains("error"), "{screen}");
    assert!(!screen.contains("no answer"), "{screen}");
    // A comparison and a join typed by hand work too.
    t.keys(&["C-j"]);
    t.text("topk(3, sum by (pod) (container_memory_working_set_bytes)) > 0");
    t.keys(&["C-r"]);
    t.wait_until("three pods", |s| s.contains("3 series"));
    t.keys(&["Escape"]);
    t.quit();
}

#[test]
fn a_given_prometheus_url_is_used() {
    let sandbox = SandboxProcess::platform();
    // Printed after the kubeconfig lines the start waits for.
    let deadline = std::time::Instant::now() + WAIT;
    let url = loop {
        let printed = sandbox.stdout();
        if let Some(url) = printed
            .lines()
            .find_map(|l| l.split("--prometheus ").nth(1))
        {
            break url.trim().to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no Prometheus URL printed:\n{printed}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let kubeconfig = sandbox.kubeconfig().display().to_string();
    let t = Tmux::start(
        "flag",
        &[
            "--kubeconfig",
            &kubeconfig,
            "--prometheus",
            &url,
            "--command",
            "metrics cnpg",
        ],
        WAIT,
    );
    let screen = t.wait_until("the CNPG dashboard", |s| {
        s.contains("CloudNativePG (3/4)")
            && s.contains(&format!("prometheus: {url}"))
            && has_chart(s)
            && !s.contains("loading…")
    });
    assert!(!screen.contains("! error"), "{screen}");
    // The variable's values came from the label values API.
    t.keys(&["v"]);
    t.wait_for(&[" keycloak-db "]);
    t.quit();
}
