//! The sandbox: serves a recording on 127.0.0.1 as a Kubernetes API.
//!
//! It is a stateful API server in memory: the recording's objects are loaded into a
//! [`store::Store`], its timeline is replayed through the same code paths client requests
//! take, and `kubectl` or kube-rs talk to it over HTTP as to a real cluster.

pub(crate) mod discovery;
pub(crate) mod eks;
pub(crate) mod error;
pub(crate) mod logs;
pub(crate) mod merge;
pub(crate) mod operator;
pub mod prometheus;
pub(crate) mod protobuf;
pub(crate) mod registry;
pub(crate) mod replay;
pub(crate) mod schemas;
pub(crate) mod selector;
pub mod server;
pub(crate) mod ssa;
pub mod store;
pub(crate) mod synthetic;
pub(crate) mod table;
pub(crate) mod timeline;
pub(crate) mod validation;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::recording::shift::{self, time_shift};
use crate::recording::{self, Recording};
use server::Shared;

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub recording: Recording,
    /// 0 picks a free port.
    pub port: u16,
    /// Timeline speed; 0 pauses it.
    pub speed: f64,
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    name: String,
    /// ARN of the recording's first EKS cluster: the kubeconfig names its context and
    /// cluster after it, as `aws eks update-kubeconfig` does.
    eks_arn: Option<String>,
    /// Whether the recording has a `prometheus:` section (served under `/prometheus`).
    prometheus: bool,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    timeline: JoinHandle<()>,
    /// The CloudNativePG switchover the sandbox plays (see [`operator`]).
    operator: JoinHandle<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("recording {recording}: {message}")]
    Load { recording: String, message: String },
}

/// Unix ms of a recorded Prometheus sample's offset 0: `recordedAt` moved by the same
/// whole-second shift as the objects (so it is the sandbox's start), or now without it.
fn prometheus_base_ms(rec: &Recording) -> i64 {
    rec.metadata
        .recorded_at
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond() + time_shift(rec) * 1000)
        .unwrap_or_else(|| jiff::Timestamp::now().as_millisecond())
}

/// Loads a recording into a fresh store. CRDs first, then namespaces, then the rest.
fn load(shared: &Shared, rec: &mut Recording) -> Result<(), SandboxError> {
    let delta = time_shift(rec);
    let rank = |o: &Value| match o.get("kind").and_then(Value::as_str) {
        Some("CustomResourceDefinition") => 0,
        Some("Namespace") => 1,
        _ => 2,
    };
    let mut objects = std::mem::take(&mut rec.objects);
    objects.sort_by_key(|o| rank(o));
    for (i, mut obj) in objects.into_iter().enumerate() {
        shift::shift_timestamps(&mut obj, delta);
        shared
            .store
            .load(obj)
            .map_err(|message| SandboxError::Load {
                recording: rec.metadata.name.clone(),
                message: format!("object {i}: {message}"),
            })?;
    }
    for log in &rec.logs {
        let shift = |lines: &[String]| -> Vec<String> {
            lines
                .iter()
                .map(|l| shift::shift_one(l, delta).unwrap_or_else(|| l.clone()))
                .collect()
        };
        shared.logs.set(
            (
                log.namespace.clone(),
                log.pod.clone(),
                log.container.clone(),
            ),
            shift(&log.lines),
            shift(&log.previous),
        );
    }
    for entry in &mut rec.timeline {
        shift::shift_change(&mut entry.change, delta);
    }
    if let Some(eks) = &mut rec.eks {
        eks.clusters
            .iter_mut()
            .chain(eks.nodegroups.iter_mut())
            .for_each(|v| shift::shift_timestamps(v, delta));
    }
    Ok(())
}

impl Sandbox {
    /// Loads the recording and starts serving it on 127.0.0.1.
    pub async fn start(opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        Self::start_inner(opts, None, None).await
    }

    /// Like [`Sandbox::start`], with the timeline read from its file as the replay
    /// proceeds when `file` is given (see [`load_streaming`]).
    pub(crate) async fn start_streaming(
        opts: SandboxOptions,
        file: Option<timeline::source::FileTimeline>,
    ) -> Result<Sandbox, SandboxError> {
        Self::start_inner(opts, None, file).await
    }

    /// Serves a large synthetic cluster (see [`synthetic`]) with its churn running at
    /// `speed` times its rate (0 starts it paused; the `Replay` object resumes it).
    pub(crate) async fn start_synthetic(
        spec: synthetic::SyntheticSpec,
        port: u16,
        speed: f64,
    ) -> Result<Sandbox, SandboxError> {
        let opts = SandboxOptions {
            recording: synthetic::recording(&spec),
            port,
            speed,
        };
        Self::start_inner(opts, Some(spec), None).await
    }

    async fn start_inner(
        opts: SandboxOptions,
        synthetic: Option<synthetic::SyntheticSpec>,
        file: Option<timeline::source::FileTimeline>,
    ) -> Result<Sandbox, SandboxError> {
        let mut rec = opts.recording;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .map_err(|source| SandboxError::Bind {
                port: opts.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            port: opts.port,
            source,
        })?;
        let shared = Arc::new(Shared {
            store: store::Store::new(),
            logs: logs::Logs::default(),
            kubernetes_version: rec.metadata.kubernetes_version.clone(),
            server_address: addr.to_string(),
        });
        load(&shared, &mut rec)?;
        let source = match file {
            Some(mut f) => {
                f.shift = time_shift(&rec);
                timeline::source::TimelineSource::File(f)
            }
            None => timeline::source::TimelineSource::Memory(Arc::new(std::mem::take(
                &mut rec.timeline,
            ))),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let eks_arn = rec.eks.as_ref().and_then(|e| {
            e.clusters
                .first()
                .and_then(|c| c.get("arn"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let eks_state = Arc::new(eks::EksState::new(rec.eks.take().unwrap_or_default()));
        let prom = rec.prometheus.take();
        let has_prometheus = prom.is_some();
        let prom_state = Arc::new(prometheus::PromState::new(
            prom.unwrap_or_default(),
            &rec.metadata.name,
            prometheus_base_ms(&rec),
            shared.clone(),
        ));
        let app = server::router(shared.clone())
            .nest("/eks", eks::router(eks_state))
            .merge(prometheus::router(prom_state));
        let server = tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = result {
                tracing::error!(error = %e, "sandbox server failed");
            }
        });
        let timeline = match synthetic {
            Some(spec) => start_churn(&shared, spec, opts.speed)?,
            None => start_replay(&shared, &rec.metadata.name, source, opts.speed)?,
        };
        let operator = tokio::spawn(operator::run(shared.clone()));
        Ok(Sandbox {
            addr,
            name: rec.metadata.name.clone(),
            eks_arn,
            prometheus: has_prometheus,
            shared,
            stop: Some(stop),
            server: Some(server),
            timeline,
            operator,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The name of the recording it serves.
    pub(crate) fn recording_name(&self) -> String {
        self.name.clone()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Endpoint of the EKS API subset (for `AWS_ENDPOINT_URL_EKS` or a profile's
    /// `endpoint_url`).
    pub fn eks_endpoint(&self) -> String {
        format!("{}/eks", self.url())
    }

    /// Base URL of the Prometheus API subset (for `--prometheus`), when the recording has
    /// a `prometheus:` section.
    pub fn prometheus_url(&self) -> Option<String> {
        self.prometheus
            .then(|| format!("{}/prometheus", self.url()))
    }

    /// Name of the kubeconfig context (and cluster) for this sandbox.
    pub fn context_name(&self) -> String {
        match &self.eks_arn {
            Some(arn) => arn.clone(),
            None => format!("opsdeck-sandbox-{}", self.name),
        }
    }

    /// The recorded EKS cluster's region, when the recording has one.
    pub(crate) fn eks_region(&self) -> Option<String> {
        self.eks_arn
            .as_deref()
            .and_then(|a| a.strip_prefix("arn:aws:eks:"))
            .and_then(|r| r.split(':').next())
            .map(str::to_string)
    }

    /// A kubeconfig for this sandbox (no credentials: the sandbox needs none).
    pub fn kubeconfig_yaml(&self) -> String {
        let ctx = self.context_name();
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: \"{ctx}\"\n  cluster:\n    server: {url}\ncontexts:\n- name: \"{ctx}\"\n  context:\n    cluster: \"{ctx}\"\n    user: \"{ctx}\"\n    namespace: default\ncurrent-context: \"{ctx}\"\nusers:\n- name: \"{ctx}\"\n  user: {{}}\npreferences: {{}}\n",
            url = self.url()
        )
    }

    /// Writes [`Self::kubeconfig_yaml`] to `path` (mode 0600, as kubectl does).
    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, self.kubeconfig_yaml())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }

    /// A kube-rs client configuration for this sandbox.
    pub fn kube_config(&self) -> kube::Config {
        let uri = self
            .url()
            .parse::<http_uri::Uri>()
            .unwrap_or_else(|_| http_uri::Uri::from_static("http://127.0.0.1"));
        kube::Config::new(uri)
    }

    /// Closes every open watch stream (clients resume from their last resourceVersion).
    pub fn disconnect_watchers(&self) {
        self.shared.store.disconnect_watchers();
    }

    /// Forgets the watch history: resuming from an older resourceVersion gets 410 Gone.
    pub fn compact(&self) {
        self.shared.store.compact();
    }

    /// Number of objects served.
    pub(crate) fn object_count(&self) -> usize {
        self.shared.store.count()
    }

    /// Stops serving and waits for the server to finish.
    pub async fn shutdown(mut self) {
        self.timeline.abort();
        self.operator.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.shared.store.disconnect_watchers();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.timeline.abort();
        self.operator.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.shared.store.disconnect_watchers();
    }
}

use axum::http::uri as http_uri;

/// Registers the `Replay` resource (when there is a timeline) and starts the replay task.
/// Registers the `Replay` kind and its `current` object (paused when `speed` ≤ 0).
fn load_replay_object(shared: &Shared, recording: &str, speed: f64) -> Result<(), SandboxError> {
    let fail = |message: String| SandboxError::Load {
        recording: recording.to_string(),
        message,
    };
    shared.store.load(replay::crd()).map_err(fail)?;
    shared
        .store
        .load(replay::initial_object(speed))
        .map_err(fail)?;
    Ok(())
}

/// The synthetic churn, paused and sped up through the same `Replay` object as a replay.
fn start_churn(
    shared: &Arc<Shared>,
    spec: synthetic::SyntheticSpec,
    speed: f64,
) -> Result<JoinHandle<()>, SandboxError> {
    load_replay_object(shared, "synthetic", speed)?;
    Ok(tokio::spawn(synthetic::churn(shared.clone(), spec)))
}

fn start_replay(
    shared: &Arc<Shared>,
    name: &str,
    source: timeline::source::TimelineSource,
    speed: f64,
) -> Result<JoinHandle<()>, SandboxError> {
    if source.is_empty() {
        return Ok(tokio::spawn(async {}));
    }
    load_replay_object(shared, name, speed)?;
    let start = replay::player::Start {
        recording: name.to_string(),
        speed,
        objects: shared.store.snapshot(&replay::key()),
        logs: shared.logs.snapshot(),
    };
    Ok(tokio::spawn(replay::player::run(
        shared.clone(),
        source,
        start,
    )))
}

/// Flags of `opsdeck sandbox`.
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Recording to serve (default: the embedded `platform` recording).
    #[arg(long)]
    pub recording: Option<PathBuf>,

    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Where to write the kubeconfig for the sandbox (default: `opsdeck-sandbox.kubeconfig`
    /// in the system temp directory).
    #[arg(long)]
    pub write_kubeconfig: Option<PathBuf>,

    /// Serve a large synthetic cluster instead of a recording, e.g.
    /// `nodes=5000,pods=50000,apps=1000,cnpg=200,churn=200` (pod updates per second;
    /// `app_churn=`/`cnpg_churn=` update Applications/CNPG Clusters per second too).
    #[arg(long, conflicts_with = "recording")]
    pub(crate) synthetic: Option<String>,

    /// Timeline speed: 2 plays the recording's timeline twice as fast, 0 pauses it
    /// (0, or 0.01 to 1000).
    #[arg(long, default_value_t = 1.0, value_parser = crate::domain::duration::parse_speed)]
    pub speed: f64,
}

/// Default kubeconfig path of `opsdeck sandbox`.
pub(crate) fn default_kubeconfig_path() -> PathBuf {
    std::env::temp_dir().join("opsdeck-sandbox.kubeconfig")
}

/// The recording named on the command line (a file, or the name of an embedded one such
/// as `cnpg-failover`), or the embedded `platform` one.
pub fn load_recording(path: Option<&Path>) -> Result<Recording> {
    match path {
        Some(p) if !p.exists() && recording::EMBEDDED.iter().any(|(n, _)| p.as_os_str() == *n) => {
            Recording::embedded(&p.to_string_lossy()).map_err(|e| eyre!(e))
        }
        Some(p) => Recording::load(p).map_err(|e| eyre!(e)),
        None => Recording::embedded("platform").map_err(|e| eyre!(e)),
    }
}

/// Like [`load_recording`], but a file's timeline stays in the file when it is the last
/// top-level key (see [`timeline::source`]): pass the second value to
/// [`Sandbox::start_streaming`]. Embedded recordings are in memory anyway.
pub fn load_streaming(
    path: Option<&Path>,
) -> Result<(Recording, Option<timeline::source::FileTimeline>)> {
    match path {
        Some(p) if p.exists() => timeline::source::load_file(p).map_err(|e| eyre!(e)),
        _ => Ok((load_recording(path)?, None)),
    }
}

/// `opsdeck sandbox`: serve until Ctrl-C or SIGTERM.
pub async fn run_cli(args: SandboxArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let (sandbox, name, objects, changes) = match &args.synthetic {
        Some(text) => {
            let spec: synthetic::SyntheticSpec =
                text.parse().map_err(|e| eyre!("--synthetic: {e}"))?;
            let sandbox = Sandbox::start_synthetic(spec, args.port, args.speed).await?;
            let count = sandbox.object_count();
            (sandbox, "synthetic".to_string(), count, 0)
        }
        None => {
            let (recording, file) = load_streaming(args.recording.as_deref())?;
            let changes = file.as_ref().map_or(recording.timeline.len(), |f| {
                timeline::source::TimelineSource::File(f.clone()).len()
            });
            let objects = recording.objects.len();
            let name = recording.metadata.name.clone();
            let sandbox = Sandbox::start_streaming(
                SandboxOptions {
                    recording,
                    port: args.port,
                    speed: args.speed,
                },
                file,
            )
            .await?;
            (sandbox, name, objects, changes)
        }
    };
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "sandbox loaded"
    );
    let kubeconfig = args
        .write_kubeconfig
        .clone()
        .unwrap_or_else(default_kubeconfig_path);
    sandbox
        .write_kubeconfig(&kubeconfig)
        .wrap_err_with(|| format!("cannot write kubeconfig {}", kubeconfig.display()))?;
    println!(
        "opsdeck sandbox: serving recording {name:?} ({objects} objects, {changes} timeline changes at {}x)",
        args.speed
    );
    println!("listening on {}", sandbox.url());
    println!("export KUBECONFIG={}", kubeconfig.display());
    println!(
        "# EKS API: export AWS_ENDPOINT_URL_EKS={} AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_REGION=eu-west-1",
        sandbox.eks_endpoint()
    );
    if let Some(url) = sandbox.prometheus_url() {
        println!("# Prometheus API: opsdeck --prometheus {url}");
    }
    wait_for_signal().await;
    println!("opsdeck sandbox: stopping");
    sandbox.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
