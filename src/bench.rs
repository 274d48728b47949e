//! `opsdeck bench`: runs the console headless (the real app, sources and renderer on a
//! ratatui `TestBackend`) against a sandbox serving a large synthetic cluster in a child
//! process, and reports time to first frame, time until the pods table is complete,
//! event-to-screen latency under churn, frame render time, peak RSS and CPU use.
//!
//! Figures are printed, never asserted: this is a benchmark, not a timed test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::object::Obj;
use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ApiResource, Patch, PatchParams};
use kube::runtime::reflector::ObjectRef;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tokio::sync::mpsc;

use crate::app::view::View;
use crate::app::{App, Msg, Options};
use crate::cli::{BenchArgs, BenchView};
use crate::config::{Config, Overrides};
use crate::console::{apply_source_events, settle};
use crate::sandbox::synthetic::{self, SyntheticSpec};
use crate::sources::{SourceEvent, Sources, Target};

const MARK: &str = "opsdeck.dev/bench-mark";

/// The sandbox child process; killed when dropped.
struct SandboxChild {
    child: Child,
    kubeconfig: PathBuf,
    _dir: PathBuf,
}

impl Drop for SandboxChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

/// `secs` from now; a flag too large for the clock means "no deadline" in practice.
fn after_secs(secs: u64) -> Instant {
    let now = Instant::now();
    now.checked_add(Duration::from_secs(secs))
        .or_else(|| now.checked_add(crate::domain::duration::MAX_OFFSET))
        .unwrap_or(now)
}

/// Resumes the sandbox's churn: its `Replay` object's `spec.paused`, as F6 does.
async fn resume_churn(client: &kube::Client) -> Result<()> {
    let ar = ApiResource {
        group: "sandbox.opsdeck.dev".into(),
        version: "v1".into(),
        api_version: "sandbox.opsdeck.dev/v1".into(),
        kind: "Replay".into(),
        plural: "replays".into(),
    };
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::all_with(client.clone(), &ar);
    let patch = json!({"spec": {"paused": false}});
    api.patch("current", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .wrap_err("resuming the sandbox churn (replays/current)")?;
    Ok(())
}

/// Starts the sandbox with its churn paused (`--speed 0`); [`resume_churn`] starts it.
fn spawn_sandbox(spec: &SyntheticSpec) -> Result<(SandboxChild, Duration)> {
    let dir = std::env::temp_dir().join(format!("opsdeck-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig = dir.join("kubeconfig");
    let synthetic = format!(
        "nodes={},pods={},apps={},cnpg={},churn={},app_churn={},cnpg_churn={}",
        spec.nodes, spec.pods, spec.apps, spec.cnpg, spec.churn, spec.app_churn, spec.cnpg_churn
    );
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "sandbox",
            "--port",
            "0",
            "--synthetic",
            &synthetic,
            "--speed",
            "0",
            "--write-kubeconfig",
        ])
        .arg(&kubeconfig)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .wrap_err("cannot start the sandbox child process")?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| eyre!("sandbox stdout not captured"))?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("listening on") => break true,
            Some(Ok(_)) => continue,
            _ => break false,
        }
    };
    let handle = SandboxChild {
        child,
        kubeconfig,
        _dir: dir,
    };
    if !ready {
        return Err(eyre!("the sandbox child exited before listening"));
    }
    // Keep draining its stdout so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((handle, started.elapsed()))
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// CPU time of the calling thread: what a frame or an update cost on a core, whatever else
/// the machine runs (wall times on a loaded machine include waiting for a core).
#[allow(unsafe_code)]
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is supported on
    // Linux, and on failure `ts` stays zero.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// CPU time (user + system) of this process, from /proc.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields after the command: state is index 0, utime is 11, stime is 12 (man proc).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// (current, peak) resident set size in MiB, from /proc.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The console without a terminal: same app, sources and renderer.
struct Headless {
    app: App,
    sources: Sources,
    rx: mpsc::UnboundedReceiver<SourceEvent>,
    terminal: Terminal<TestBackend>,
    frames: Vec<Duration>,
    /// Thread CPU time of each frame.
    frames_cpu: Vec<Duration>,
    /// Thread CPU time of each batch of source events taken into the app (the refresh of
    /// the views they change included).
    updates_cpu: Vec<Duration>,
}

impl Headless {
    fn new(target: Target) -> Result<Headless> {
        let config = Config::load(None, &Overrides::default(), true);
        let mut app = App::new(config, Options::default(), Timestamp::now());
        let (tx, rx) = mpsc::unbounded_channel();
        let sources = Sources::new(tx, target);
        let terminal = Terminal::new(TestBackend::new(200, 50))?;
        app.dispatch(Msg::Resize(crate::ui::layout::viewport(200, 50)));
        Ok(Headless {
            app,
            sources,
            rx,
            terminal,
            frames: Vec::new(),
            frames_cpu: Vec::new(),
            updates_cpu: Vec::new(),
        })
    }

    fn draw(&mut self) -> Result<Instant> {
        let start = Instant::now();
        let cpu = thread_cpu();
        let app = &self.app;
        self.terminal.draw(|f| crate::ui::render(app, f))?;
        self.frames.push(start.elapsed());
        self.frames_cpu.push(thread_cpu().saturating_sub(cpu));
        Ok(Instant::now())
    }

    fn type_command(&mut self, command: &str) {
        for c in std::iter::once(':').chain(command.chars()) {
            self.app.on_key(&key(c));
        }
        self.app
            .on_key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        settle(&mut self.app, &mut self.sources);
    }

    /// Waits until the console is connected, knows the server version (the app picks the
    /// context's namespace then, so commands typed earlier would be re-scoped) and has read
    /// the API's discovery (`:cnpg` and `:waves` ask the catalog whether their CRDs exist;
    /// typed before discovery, they only say "waiting for discovery").
    async fn wait_connected(&mut self, timeout: u64) -> Result<()> {
        let deadline = after_secs(timeout);
        self.run_until(
            deadline,
            None,
            |_, _, _| {},
            |app| {
                app.version.is_some()
                    && app.catalog.discovered
                    && matches!(app.conn, crate::model::ConnState::Connected)
            },
        )
        .await?
        .map(|_| ())
        .ok_or_else(|| eyre!("the console did not connect to the sandbox within {timeout}s"))
    }

    /// Runs the loop until `done(app)` after a frame, or the deadline. Each frame's end
    /// time is passed to `on_frame`.
    async fn run_until(
        &mut self,
        deadline: Instant,
        mut marks: Option<&mut mpsc::UnboundedReceiver<Mark>>,
        mut on_frame: impl FnMut(&App, Instant, &mut Vec<Mark>),
        done: impl Fn(&App) -> bool,
    ) -> Result<Option<Instant>> {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut pending: Vec<Mark> = Vec::new();
        loop {
            let mut dirty = false;
            tokio::select! {
                Some(ev) = self.rx.recv() => {
                    let cpu = thread_cpu();
                    apply_source_events(&mut self.app, &mut self.sources, ev, &mut self.rx);
                    self.updates_cpu.push(thread_cpu().saturating_sub(cpu));
                    dirty = true;
                }
                Some(m) = async {
                    match marks.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                } => pending.push(m),
                _ = tick.tick() => {
                    self.app.dispatch(Msg::Tick(Timestamp::now()));
                    dirty = self.app.time_dependent();
                }
                _ = tokio::time::sleep_until(deadline.into()) => return Ok(None),
            }
            settle(&mut self.app, &mut self.sources);
            // Every mark sent so far is checked at this frame (taking one per turn of the
            // loop let marks queue up behind slow turns and counted that as latency).
            if let Some(rx) = marks.as_mut() {
                while let Ok(m) = rx.try_recv() {
                    pending.push(m);
                }
            }
            if dirty {
                let end = self.draw()?;
                on_frame(&self.app, end, &mut pending);
                if done(&self.app) {
                    return Ok(Some(end));
                }
            }
        }
    }
}

/// A marker patch sent to an object at `sent`.
#[derive(Clone)]
struct Mark {
    seq: u64,
    obj: ObjectRef<Obj>,
    sent: Instant,
}

/// What the measured view shows of what it waits for: the pods table's rows, the pods the
/// node pools count on their nodes, the Applications in the waves, the CNPG Clusters.
fn shown(app: &App) -> Option<usize> {
    match app.top() {
        Some(View::Table(t)) if t.kind().plural == "pods" => Some(t.total),
        Some(View::Pools(p)) => Some(
            p.pools
                .iter()
                .flat_map(|pool| &pool.nodes)
                .map(|n| n.pods)
                .sum(),
        ),
        Some(View::Waves(w)) => Some(
            w.rows
                .iter()
                .filter(|r| matches!(r, crate::app::waves::WaveRow::App(_)))
                .count(),
        ),
        Some(View::Cnpg(l)) => Some(l.rows.len()),
        _ => None,
    }
}

/// What the view waits for, and the kind the marked changes go to.
fn awaited(view: BenchView, spec: &SyntheticSpec) -> (usize, ApiResource) {
    let custom = |group: &str, version: &str, kind: &str, plural: &str| ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: format!("{group}/{version}"),
        kind: kind.into(),
        plural: plural.into(),
    };
    match view {
        BenchView::Pods | BenchView::Pools => (spec.pods, ApiResource::erase::<Pod>(&())),
        BenchView::Waves => (
            spec.apps,
            custom("argoproj.io", "v1alpha1", "Application", "applications"),
        ),
        BenchView::Cnpg => (
            spec.cnpg,
            custom("postgresql.cnpg.io", "v1", "Cluster", "clusters"),
        ),
    }
}

/// Whether the store holds the object with this mark (or a later one).
fn has_mark(store: &kube::runtime::reflector::Store<Obj>, m: &Mark) -> bool {
    store.get(&m.obj).is_some_and(|p| {
        p.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(MARK))
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| s >= m.seq)
    })
}

/// Records when each mark reaches the store (checked every 2 ms, apart from the frames).
async fn watch_store(
    store: kube::runtime::reflector::Store<Obj>,
    mut marks: mpsc::UnboundedReceiver<Mark>,
    out: Arc<std::sync::Mutex<Vec<Duration>>>,
) {
    let mut pending: Vec<Mark> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(2));
    let mut open = true;
    while open || !pending.is_empty() {
        tokio::select! {
            m = marks.recv(), if open => match m {
                Some(m) => pending.push(m),
                None => open = false,
            },
            _ = tick.tick() => pending.retain(|m| {
                let seen = has_mark(&store, m);
                if seen && let Ok(mut v) = out.lock() {
                    v.push(m.sent.elapsed());
                }
                !seen
            }),
        }
    }
}

/// The object the `i`th marked change goes to: (namespace, name).
fn marked(view: BenchView, i: usize, spec: &SyntheticSpec) -> (String, String) {
    match view {
        BenchView::Pods | BenchView::Pools => synthetic::pod_ref((i * 104_729) % spec.pods),
        BenchView::Waves => synthetic::app_ref((i * 7919) % spec.apps),
        BenchView::Cnpg => synthetic::cnpg_ref((i * 7919) % spec.cnpg),
    }
}

/// The watch store of every object of the marked kind (all namespaces, no selector; other
/// panes may watch a part of them in the background).
fn marked_store(app: &App, plural: &str) -> Option<kube::runtime::reflector::Store<Obj>> {
    app.watches
        .iter()
        .find(|(k, _)| {
            k.plural == plural && k.namespace.is_none() && k.labels.is_none() && k.fields.is_none()
        })
        .and_then(|(_, w)| w.store.clone())
}

pub async fn run(args: BenchArgs) -> Result<()> {
    let spec: SyntheticSpec = args
        .synthetic
        .parse()
        .map_err(|e| eyre!("--synthetic: {e}"))?;
    println!(
        "opsdeck bench: {} nodes, {} pods, {} applications, {} CNPG clusters; churn {}",
        spec.nodes,
        spec.pods,
        spec.apps,
        spec.cnpg,
        churn_text(&spec)
    );

    // Phase 1: a quiet cluster (the churn paused).
    let (sandbox, load) = spawn_sandbox(&spec)?;
    println!(
        "sandbox ready (synthetic cluster generated and loaded) in {}",
        ms(load)
    );
    let target = Target::load(Some(&sandbox.kubeconfig), None).wrap_err_with(|| {
        format!(
            "reading the sandbox kubeconfig {}",
            sandbox.kubeconfig.display()
        )
    })?;
    let started = Instant::now();
    let mut h = Headless::new(target).wrap_err("starting the headless console")?;
    let first_frame = h
        .draw()
        .wrap_err("drawing the first frame")?
        .duration_since(started);
    h.sources.connect();
    h.wait_connected(args.timeout).await?;
    let connected = started.elapsed();
    h.type_command(args.view.command());
    let (expected, marked_kind) = awaited(args.view, &spec);
    if expected == 0 {
        return Err(eyre!(
            "--synthetic has no objects for --view {}: give it some (pods=, apps= or cnpg=)",
            args.view.command()
        ));
    }
    let deadline = after_secs(args.timeout);
    let complete = h
        .run_until(deadline, None, |_, _, _| {}, |app| shown(app) == Some(expected))
        .await?
        .map(|t| t.duration_since(started))
        .ok_or_else(|| {
            eyre!(
                "the view did not show {} objects within {}s (view: {:?}, rows: {:?}, flash: {:?}, conn: {:?}, watches: {:?})",
                expected,
                args.timeout,
                h.app.top().map(View::crumb),
                shown(&h.app),
                h.app.flash.as_ref().map(|f| f.text.clone()),
                h.app.conn,
                h.app.watches.iter().map(|(k, w)| (k.plural.clone(), w.status.clone())).collect::<Vec<_>>()
            )
        })?;
    let load_frames = h.frames.clone();
    let load_frames_cpu = std::mem::take(&mut h.frames_cpu);
    let (_, peak_after_load) = rss_mib();

    // Idle: nothing changes; only the clock ticks.
    let cpu0 = cpu_time();
    let idle_start = Instant::now();
    let frames_before = h.frames.len();
    h.run_until(after_secs(args.idle_seconds), None, |_, _, _| {}, |_| false)
        .await?;
    let idle_cpu = cpu0
        .zip(cpu_time())
        .map(|(a, b)| (b - a).as_secs_f64() / idle_start.elapsed().as_secs_f64() * 100.0);
    let idle_frames = h.frames.len() - frames_before;

    // Phase 2, the same console: the sandbox's churn resumes, plus marker patches to time
    // event → screen.
    let client = kube::Client::try_from(kube_config(&sandbox.kubeconfig).await?)?;
    resume_churn(&client).await?;
    h.frames.clear();
    h.updates_cpu.clear();
    let (mark_tx, mut mark_rx) = mpsc::unbounded_channel::<Mark>();
    // The same marks, watched in the store apart from the frames: how much of the latency
    // is the way through the API server and the watch, before the console's loop.
    let (store_tx, store_rx) = mpsc::unbounded_channel::<Mark>();
    let in_store = Arc::new(std::sync::Mutex::new(Vec::new()));
    let store_watch = marked_store(&h.app, &marked_kind.plural)
        .map(|store| tokio::spawn(watch_store(store, store_rx, in_store.clone())));
    let marker_rate = args.marks_per_second.max(1);
    let churn_seconds = args.churn_seconds;
    let view = args.view;
    let plural = marked_kind.plural.clone();
    let marked_kind_plural = plural.clone();
    let marker = tokio::spawn(async move {
        let ar = marked_kind;
        let mut tick =
            tokio::time::interval(Duration::from_nanos(1_000_000_000 / u64::from(marker_rate)));
        for seq in 0..u64::from(marker_rate).saturating_mul(churn_seconds) {
            tick.tick().await;
            let (ns, name) = marked(view, seq as usize, &spec);
            let api: kube::Api<kube::api::DynamicObject> =
                kube::Api::namespaced_with(client.clone(), &ns, &ar);
            let sent = Instant::now();
            let patch = json!({"metadata": {"annotations": {MARK: seq.to_string()}}});
            match api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    let obj = ObjectRef::new_with(&name, ar.clone()).within(&ns);
                    let mark = Mark { seq, obj, sent };
                    let _ = store_tx.send(mark.clone());
                    let _ = mark_tx.send(mark);
                }
                Err(e) => eprintln!("marker patch of {ns}/{name} failed: {e}"),
            }
        }
    });
    let cpu0 = cpu_time();
    let churn_start = Instant::now();
    let mut latencies = Vec::new();
    h.run_until(
        after_secs(churn_seconds.saturating_add(2)),
        Some(&mut mark_rx),
        |app, end, pending| {
            let Some(store) = marked_store(app, &plural) else {
                return;
            };
            pending.retain(|m| {
                let seen = has_mark(&store, m);
                if seen {
                    latencies.push(end.duration_since(m.sent));
                }
                !seen
            });
        },
        |_| false,
    )
    .await?;
    let churn_cpu = cpu0
        .zip(cpu_time())
        .map(|(a, b)| (b - a).as_secs_f64() / churn_start.elapsed().as_secs_f64() * 100.0);
    marker.abort();
    if let Some(t) = store_watch {
        t.abort();
    }
    let store_latencies = in_store.lock().map(|v| v.clone()).unwrap_or_default();
    let (_, peak) = rss_mib();
    let churn_frames = h.frames.clone();
    let frames_cpu: Vec<Duration> = load_frames_cpu
        .iter()
        .chain(&h.frames_cpu)
        .copied()
        .collect();
    let updates_cpu = h.updates_cpu.clone();
    drop(h);
    drop(sandbox);

    let all_frames: Vec<Duration> = load_frames
        .iter()
        .chain(churn_frames.iter())
        .copied()
        .collect();
    let pct = |v: Option<f64>| {
        v.map(|c| format!("{c:.1}% of one core"))
            .unwrap_or_else(|| "n/a".into())
    };
    println!();
    println!("time to first frame         {}", ms(first_frame));
    println!(
        "{:<28}{} ({} {} shown; connected and discovered after {})",
        match args.view {
            BenchView::Pods => "pods table complete",
            BenchView::Pools => "pools pane complete",
            BenchView::Waves => "waves pane complete",
            BenchView::Cnpg => "cnpg pane complete",
        },
        ms(complete),
        expected,
        marked_kind_plural,
        ms(connected)
    );
    println!(
        "frame render time           p50 {}  p99 {}  ({} frames)",
        ms(percentile(&all_frames, 0.5)),
        ms(percentile(&all_frames, 0.99)),
        all_frames.len()
    );
    println!(
        "frame render CPU            p50 {}  p99 {}  (thread CPU time per frame)",
        ms(percentile(&frames_cpu, 0.5)),
        ms(percentile(&frames_cpu, 0.99)),
    );
    println!(
        "update CPU under churn      p50 {}  p99 {}  ({} batches of events, views refreshed)",
        ms(percentile(&updates_cpu, 0.5)),
        ms(percentile(&updates_cpu, 0.99)),
        updates_cpu.len()
    );
    println!(
        "event-to-screen latency     p50 {}  p99 {}  ({} marked changes of {} under churn {})",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        latencies.len(),
        marked_kind_plural,
        churn_text(&spec)
    );
    println!(
        "  of which API + watch      p50 {}  p99 {}  (patch sent → in the console's store; {} seen)",
        ms(percentile(&store_latencies, 0.5)),
        ms(percentile(&store_latencies, 0.99)),
        store_latencies.len()
    );
    println!("peak RSS                    {peak:.0} MiB (after load {peak_after_load:.0} MiB)");
    println!(
        "CPU idle                    {} ({idle_frames} frames in {}s)",
        pct(idle_cpu),
        args.idle_seconds
    );
    println!("CPU under churn             {}", pct(churn_cpu));
    Ok(())
}

/// The churn's rates, e.g. `200 pods/s, 20 applications/s`.
fn churn_text(spec: &SyntheticSpec) -> String {
    let rates: Vec<String> = [
        (spec.churn, "pods"),
        (spec.app_churn, "applications"),
        (spec.cnpg_churn, "clusters"),
    ]
    .iter()
    .filter(|(rate, _)| *rate > 0)
    .map(|(rate, what)| format!("{rate} {what}/s"))
    .collect();
    if rates.is_empty() {
        "none".into()
    } else {
        rates.join(", ")
    }
}

async fn kube_config(path: &Path) -> Result<kube::Config> {
    let kc = kube::config::Kubeconfig::read_from(path)?;
    Ok(
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await?,
    )
}
