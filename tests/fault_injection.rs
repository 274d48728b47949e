//! Fault injection: the console (in tmux) talks to a sandbox through a TCP proxy
//! (`common::proxy`) that cuts, black-holes, delays or answers watches with 410 Gone. Each
//! test checks on the screen that the UI stays responsive (`:` opens the prompt, `?` shows
//! help), says what is happening (the header's "unreachable", a table's "stale" mark, a
//! log's "stream ended — reconnecting", a panel's "! error") and recovers within 30 s of
//! the server returning, with no stale mark left. The same for the Prometheus API and the
//! EKS API (through their own proxies).
//!
//! Needs tmux and kubectl (`scripts/test` installs them).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::SandboxProcess;
use common::proxy::{Mode, Proxy};
use common::tmux::Tmux;

/// How long any screen may take to show what the test waits for.
const WAIT: Duration = Duration::from_secs(45);
/// The console must recover this soon after the server is back.
const RECOVERY: Duration = Duration::from_secs(30);

/// `tick NNNN` log lines, one a second for ten minutes, and two running pods.
fn fixture() -> String {
    let base = jiff::Timestamp::from_second(1_793_000_000).expect("base time");
    let mut timeline = String::new();
    for n in 1..=600 {
        let ts = base
            .checked_add(jiff::SignedDuration::from_secs(n))
            .expect("time");
        timeline.push_str(&format!(
            "- at: {n}s\n  log: {{namespace: shop, pod: web-1, container: app, line: \"{ts} tick {n:04}\"}}\n"
        ));
    }
    let objects = [
        common::namespace_yaml("shop"),
        common::pod_yaml("shop", "web-1", &[("app", "web")], "Running"),
        common::pod_yaml("shop", "web-2", &[("app", "web")], "Running"),
    ]
    .join("\n");
    let mut yaml = common::recording_yaml("faults", &objects, &timeline);
    yaml.push_str(&format!(
        "logs:\n  - namespace: shop\n    pod: web-1\n    container: app\n    lines: [\"{base} tick 0000\"]\n"
    ));
    yaml
}

/// The sandbox, a proxy in front of it and a kubeconfig that points at the proxy.
struct Rig {
    sandbox: SandboxProcess,
    proxy: Proxy,
    kubeconfig: PathBuf,
}

impl Rig {
    fn new(sandbox: SandboxProcess) -> Rig {
        let upstream = sandbox.url().trim_start_matches("http://").to_string();
        let proxy = Proxy::start(&upstream);
        let kubeconfig = sandbox.dir().join("via-proxy.kubeconfig");
        let text = std::fs::read_to_string(sandbox.kubeconfig()).expect("kubeconfig");
        assert!(text.contains(sandbox.url()), "{text}");
        std::fs::write(&kubeconfig, text.replace(sandbox.url(), &proxy.url()))
            .expect("write kubeconfig");
        Rig {
            sandbox,
            proxy,
            kubeconfig,
        }
    }

    fn console(&self, name: &str, args: &[&str]) -> Tmux {
        let kc = self.kubeconfig.display().to_string();
        let mut all = vec!["--kubeconfig", kc.as_str()];
        all.extend_from_slice(args);
        Tmux::start(name, &all, WAIT)
    }

    /// A pod created behind the proxy's back (kubectl straight to the sandbox).
    fn create_pod(&self, name: &str) {
        self.sandbox.kubectl_ok(&[
            "run",
            name,
            "-n",
            "shop",
            "--image",
            "nginx:1.27",
            "--restart",
            "Never",
        ]);
    }
}

/// `:` opens the prompt and echoes what is typed; `?` shows help; both close again.
fn assert_responsive(t: &Tmux) {
    t.keys(&[":"]);
    t.text("zzfault");
    t.wait_for(&["zzfault"]);
    t.keys(&["Escape"]);
    t.wait_until("the prompt to close", |s| !s.contains("zzfault"));
    t.keys(&["?"]);
    t.wait_for(&["┌ help "]);
    t.keys(&["Escape"]);
    t.wait_until("help to close", |s| !s.contains("┌ help "));
}

/// Waits (at most [`RECOVERY`]) until `done` holds; fails with the screen and the time.
fn recovers(t: &Tmux, what: &str, done: impl Fn(&str) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let s = t.screen();
        if done(&s) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < RECOVERY,
            "no recovery ({what}) within {RECOVERY:?} of the server's return; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn healthy(s: &str) -> bool {
    s.contains("● connected") && !s.contains("stale") && !s.contains("unreachable")
}

#[test]
fn api_cut_black_hole_and_delay_then_recovery() {
    let rig = Rig::new(SandboxProcess::with_recording(&fixture()));
    let t = rig.console("api", &["-n", "shop"]);
    t.wait_for(&["pods(shop)[2]", "web-1", "web-2", "● connected"]);

    // Cut: every connection closed, new ones refused.
    rig.proxy.set(Mode::Refuse);
    let s = t.wait_until("the cut to show", |s| {
        s.contains("unreachable") && s.contains("stale")
    });
    assert!(s.contains("web-1"), "rows were dropped:\n{s}");
    assert_responsive(&t);
    rig.create_pod("during-cut");
    rig.proxy.set(Mode::Pass);
    let took = recovers(&t, "after the cut", |s| {
        healthy(s) && s.contains("during-cut") && s.contains("pods(shop)[3]")
    });
    eprintln!("recovered from the cut in {took:?}");

    // Black hole: connections stay open, nothing comes back (a dead route).
    rig.proxy.set(Mode::BlackHole);
    t.wait_until("the black hole to show", |s| s.contains("unreachable"));
    assert_responsive(&t);
    rig.create_pod("during-hole");
    rig.proxy.set(Mode::Pass);
    let took = recovers(&t, "after the black hole", |s| {
        healthy(s) && s.contains("during-hole") && s.contains("pods(shop)[4]")
    });
    eprintln!("recovered from the black hole in {took:?}");

    // A slow link: the UI does not wait for it.
    rig.proxy.set(Mode::Delay(Duration::from_millis(700)));
    assert_responsive(&t);
    rig.create_pod("during-delay");
    t.wait_for(&["during-delay", "pods(shop)[5]"]);
    rig.proxy.set(Mode::Pass);
    recovers(&t, "after the delay", healthy);
    t.quit();
}

#[test]
fn followed_log_reconnects_from_its_last_line_without_duplicates() {
    let rig = Rig::new(SandboxProcess::with_recording(&fixture()));
    let t = rig.console("logs", &["-n", "shop"]);
    t.wait_for(&["pods(shop)[2]", "web-1", "● connected"]);
    // The first row is web-1: `l` follows its log.
    t.keys(&["g", "l"]);
    t.wait_for(&["logs shop/web-1:app", "tick 0000", "tick 0003"]);

    rig.proxy.set(Mode::Refuse);
    t.wait_for(&["stream ended — reconnecting"]);
    assert_responsive(&t);
    // Lines keep coming on the server while the console is cut off.
    std::thread::sleep(Duration::from_secs(4));
    let last_seen = last_tick(&t.screen()).expect("a tick on screen");
    rig.proxy.set(Mode::Pass);
    let screen = {
        let start = Instant::now();
        loop {
            let s = t.screen();
            let newer = last_tick(&s).is_some_and(|n| n >= last_seen + 6);
            if newer && !s.contains("reconnecting") {
                break s;
            }
            assert!(
                start.elapsed() < RECOVERY,
                "the log did not resume within {RECOVERY:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    // Every line once, none missing between the last one before the cut and now.
    let ticks: Vec<u32> = screen.lines().filter_map(tick_of).collect();
    let mut sorted = ticks.clone();
    sorted.dedup();
    assert_eq!(sorted, ticks, "a line shows twice:\n{screen}");
    let last = *ticks.last().expect("ticks");
    let first = ticks[0];
    assert_eq!(
        ticks,
        (first..=last).collect::<Vec<_>>(),
        "lines are missing:\n{screen}"
    );
    assert!(first <= last_seen, "the cut point scrolled off:\n{screen}");
    t.quit();
}

fn tick_of(line: &str) -> Option<u32> {
    let rest = line.split("tick ").nth(1)?;
    rest.get(..4)?.parse().ok()
}

fn last_tick(screen: &str) -> Option<u32> {
    screen.lines().filter_map(tick_of).max()
}

#[test]
fn watch_410_storm_relists_and_settles() {
    let rig = Rig::new(SandboxProcess::with_recording(&fixture()));
    let t = rig.console("gone", &["-n", "shop"]);
    t.wait_for(&["pods(shop)[2]", "web-1", "● connected"]);
    let lists_before = pod_lists(&rig.proxy);

    // Every watch is answered "too old resource version": the console relists.
    rig.proxy.set(Mode::Gone);
    rig.proxy.drop_connections();
    rig.create_pod("during-storm");
    t.wait_for(&["during-storm", "pods(shop)[3]"]);
    assert_responsive(&t);
    let deadline = Instant::now() + WAIT;
    while rig.proxy.gone_answers() < 3 {
        assert!(Instant::now() < deadline, "the console stopped watching");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Failures in a row back off (up to 8 s between relists): wait for the second relist.
    while pod_lists(&rig.proxy) < lists_before + 2 {
        assert!(
            Instant::now() < deadline,
            "no relist after 410: {:#?}",
            rig.proxy.requests()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    rig.proxy.set(Mode::Pass);
    rig.create_pod("after-storm");
    recovers(&t, "after the 410 storm", |s| {
        healthy(s) && s.contains("after-storm") && s.contains("pods(shop)[4]")
    });
    t.quit();
}

/// Full lists of pods the proxy passed (the watcher pages by 500; a failed watch's probe
/// asks for one item).
fn pod_lists(proxy: &Proxy) -> usize {
    proxy
        .requests()
        .iter()
        .filter(|l| l.contains("/pods?") && l.contains("limit=500") && !l.contains("watch="))
        .count()
}

/// A line the sandbox printed, after `marker`, up to the next blank.
fn printed(sandbox: &SandboxProcess, marker: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let out = sandbox.stdout();
        if let Some(rest) = out.lines().find_map(|l| l.split(marker).nth(1)) {
            return rest.split_whitespace().next().unwrap_or("").to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the sandbox printed no {marker:?}:\n{out}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `127.0.0.1:PORT` of an `http://127.0.0.1:PORT/…` URL.
fn host_port(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// Whether a chart was drawn: braille dots beside a value axis.
fn has_chart(screen: &str) -> bool {
    screen.contains('┤')
        && screen
            .chars()
            .any(|c| ('\u{2801}'..='\u{28ff}').contains(&c))
}

#[test]
fn prometheus_cut_then_recovery() {
    let sandbox = SandboxProcess::platform();
    let prom = printed(&sandbox, "--prometheus ");
    let upstream = host_port(&prom);
    let proxy = Proxy::start(&upstream);
    let url = prom.replace(&upstream, &proxy.addr());
    let kc = sandbox.kubeconfig().display().to_string();
    let t = Tmux::start(
        "prom",
        &[
            "--kubeconfig",
            &kc,
            "--prometheus",
            &url,
            "--command",
            "metrics cnpg",
        ],
        WAIT,
    );
    t.wait_until("the CNPG dashboard", |s| {
        s.contains("CloudNativePG (3/4)") && has_chart(s) && !s.contains("loading…")
    });
    proxy.set(Mode::Refuse);
    // The next auto refresh (30 s) fails: the panels say so and keep their data.
    let s = t.wait_until("the panels to fail", |s| s.contains("! error"));
    assert!(has_chart(&s), "the charts were dropped:\n{s}");
    assert_responsive(&t);
    proxy.set(Mode::Pass);
    let took = recovers(&t, "the Prometheus panels", |s| {
        !s.contains("! error") && has_chart(s) && s.contains("● connected")
    });
    eprintln!("Prometheus panels recovered in {took:?}");
    t.quit();
}

#[test]
fn eks_cut_then_recovery() {
    let sandbox = SandboxProcess::platform();
    let endpoint = printed(&sandbox, "AWS_ENDPOINT_URL_EKS=");
    let upstream = host_port(&endpoint);
    let proxy = Proxy::start(&upstream);
    let via = endpoint.replace(&upstream, &proxy.addr());
    let kc = sandbox.kubeconfig().display().to_string();
    let t = Tmux::start_env(
        "eks",
        &[
            "--kubeconfig",
            &kc,
            "--eks-cluster",
            "platform-prod",
            "--command",
            "pools",
        ],
        &[
            ("AWS_ENDPOINT_URL_EKS", &via),
            ("AWS_ACCESS_KEY_ID", "sandbox"),
            ("AWS_SECRET_ACCESS_KEY", "sandbox"),
            ("AWS_REGION", "eu-west-1"),
        ],
        (160, 45),
        WAIT,
    );
    t.wait_for(&["pools[3]", "EKS platform-prod", "ACTIVE 2/3/6"]);
    proxy.set(Mode::Refuse);
    // The next poll (30 s) fails: the pane says so and keeps the last numbers.
    let s = t.wait_for(&["EKS stale"]);
    assert!(
        s.contains("ACTIVE 2/3/6"),
        "the EKS numbers were dropped:\n{s}"
    );
    assert_responsive(&t);
    proxy.set(Mode::Pass);
    let took = recovers(&t, "the EKS data", |s| {
        !s.contains("EKS stale") && s.contains("ACTIVE 2/3/6")
    });
    eprintln!("EKS data recovered in {took:?}");
    t.quit();
}
