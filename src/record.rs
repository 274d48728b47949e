//! `opsdeck record`: captures a live cluster into a recording (the format the sandbox
//! replays). The initial objects are listed first, then every watch event is written as a
//! timeline entry with its offset — streamed to the file as it arrives, so memory stays
//! bounded and the file is valid whenever recording stops (Ctrl-C included).
//! Secrets are redacted unless `--no-redact` ([`redact`]).

pub mod eks;
pub mod prometheus;
pub mod redact;

use std::io::Write;
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, eyre};
use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, WatchEvent, WatchParams};
use kube::discovery::{Discovery, Scope};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::cli::RecordArgs;
use crate::recording::{FORMAT_VERSION, format_offset};
use crate::sources::Target;

/// Kinds recorded by default: what the panes read.
pub const DEFAULT_KINDS: &[&str] = &[
    "namespaces",
    "nodes",
    "pods",
    "services",
    "events",
    "configmaps",
    "deployments.apps",
    "replicasets.apps",
    "statefulsets.apps",
    "daemonsets.apps",
    "poddisruptionbudgets.policy",
    "applications.argoproj.io",
    "appprojects.argoproj.io",
    "clusters.postgresql.cnpg.io",
];

/// What to record.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    pub name: String,
    pub kinds: Vec<String>,
    /// Empty: all namespaces.
    pub namespaces: Vec<String>,
    pub duration: Option<Duration>,
    pub redact: bool,
    /// Prometheus to capture the built-in dashboards' answers from, at the end.
    pub prometheus: Option<crate::sources::prometheus::PromClient>,
    /// EKS cluster whose node groups are described at the end (the context's, as the
    /// console detects it, or `--eks-cluster`).
    pub eks: Option<crate::sources::eks::EksSettings>,
}

/// What a recording run wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordSummary {
    pub objects: usize,
    pub events: usize,
    pub bytes: u64,
    pub kinds: Vec<String>,
    /// Prometheus queries recorded, and those that failed (with the reason).
    pub(crate) prometheus_series: usize,
    pub prometheus_failed: Vec<String>,
    /// The EKS cluster whose section was written, its node groups recorded, and the EKS
    /// calls that failed (with the reason).
    pub eks_cluster: Option<String>,
    pub eks_nodegroups: usize,
    pub eks_failed: Vec<String>,
}

/// One resource type to record.
#[derive(Clone)]
struct Kind {
    ar: ApiResource,
    namespaced: bool,
}

fn resolve_kinds(discovery: &Discovery, wanted: &[String], explicit: bool) -> Result<Vec<Kind>> {
    let mut out: Vec<Kind> = Vec::new();
    for name in wanted {
        let (base, group) = match name.split_once('.') {
            Some((b, g)) => (b.to_ascii_lowercase(), Some(g.to_string())),
            None => (name.to_ascii_lowercase(), None),
        };
        // Without a group the core group wins (`events` is core v1 Event, not
        // events.k8s.io/v1, which the sandbox does not serve): discovery's group order is
        // not fixed.
        let found = discovery
            .groups()
            .flat_map(|g| g.recommended_resources())
            .filter(|(ar, _)| {
                (ar.plural == base || ar.kind.to_ascii_lowercase() == base)
                    && group.as_deref().is_none_or(|g| g == ar.group)
            })
            .min_by_key(|(ar, _)| !ar.group.is_empty());
        match found {
            Some((ar, caps)) if !out.iter().any(|k| k.ar == ar) => {
                out.push(Kind {
                    ar,
                    namespaced: caps.scope == Scope::Namespaced,
                });
            }
            Some(_) => {}
            // Default kinds the cluster lacks (no Argo CD, no CNPG) are skipped; a kind the
            // user asked for by name must exist.
            None if explicit => {
                return Err(eyre!(
                    "--kinds: the cluster serves no resource named {name:?}"
                ));
            }
            None => {}
        }
    }
    Ok(out)
}

fn with_types(mut obj: Value, ar: &ApiResource) -> Value {
    obj["apiVersion"] = json!(ar.api_version);
    obj["kind"] = json!(ar.kind);
    obj
}

/// Awaits a first request: at most the client's request timeout, and never past `deadline`
/// (`--duration` from the start), so that a server that accepts connections and never
/// answers ends the recording in time with a message saying what it did not answer.
async fn within<T>(
    deadline: Option<tokio::time::Instant>,
    what: &str,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let Some(deadline) = deadline else {
        return fut.await;
    };
    match tokio::time::timeout_at(deadline, fut).await {
        Ok(r) => r,
        Err(_) => Err(eyre!(
            "no answer to {what} before the end of --duration; is the server up and a Kubernetes API?"
        )),
    }
}

/// CRDs of the recorded custom kinds, so the sandbox can serve them.
async fn crds_for(client: &kube::Client, kinds: &[Kind]) -> Vec<Value> {
    let api: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource {
            group: "apiextensions.k8s.io".into(),
            version: "v1".into(),
            api_version: "apiextensions.k8s.io/v1".into(),
            kind: "CustomResourceDefinition".into(),
            plural: "customresourcedefinitions".into(),
        },
    );
    let mut out = Vec::new();
    for k in kinds
        .iter()
        .filter(|k| k.ar.group.contains('.') && !k.ar.group.ends_with(".k8s.io"))
    {
        if let Ok(crd) = api.get(&format!("{}.{}", k.ar.plural, k.ar.group)).await
            && let Ok(v) = serde_json::to_value(&crd)
        {
            let mut v = v;
            if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
            }
            out.push(v);
        }
    }
    out
}

fn apis(client: &kube::Client, kind: &Kind, namespaces: &[String]) -> Vec<Api<DynamicObject>> {
    if !kind.namespaced || namespaces.is_empty() {
        return vec![Api::all_with(client.clone(), &kind.ar)];
    }
    namespaces
        .iter()
        .map(|ns| Api::namespaced_with(client.clone(), ns, &kind.ar))
        .collect()
}

/// A timeline change to write.
struct Change {
    at: Duration,
    body: String,
}

/// Lists one API; returns its objects and the list's resourceVersion.
async fn list_all(api: &Api<DynamicObject>, ar: &ApiResource) -> Result<(Vec<Value>, String)> {
    let mut objects = Vec::new();
    let mut params = ListParams::default().limit(500);
    loop {
        let page = api
            .list(&params)
            .await
            .wrap_err_with(|| format!("listing {}", ar.plural))?;
        let rv = page.metadata.resource_version.clone().unwrap_or_default();
        for item in page.items {
            objects.push(with_types(serde_json::to_value(&item)?, ar));
        }
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok((objects, rv)),
        }
    }
}

fn delete_ref(obj: &Value) -> Value {
    let mut r = json!({
        "apiVersion": obj.get("apiVersion").cloned().unwrap_or(Value::Null),
        "kind": obj.get("kind").cloned().unwrap_or(Value::Null),
        "name": obj.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
    });
    if let Some(ns) = obj.pointer("/metadata/namespace") {
        r["namespace"] = ns.clone();
    }
    r
}

/// Watches one API from `rv`, sending every change (redacted) until the channel closes.
async fn follow(
    api: Api<DynamicObject>,
    ar: ApiResource,
    mut rv: String,
    start: Instant,
    redact: bool,
    tx: mpsc::Sender<Change>,
) {
    loop {
        // Shorter than the client's read timeout: a quiet watch is ended by the server and
        // resumed, not cut as an unanswered request.
        let params = WatchParams::default().timeout(15);
        let stream = match api.watch(&params, &rv).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(kind = %ar.plural, error = %e, "record: watch failed, retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        let mut stream = stream.boxed();
        while let Ok(Some(ev)) = stream.try_next().await {
            let (key, obj) = match ev {
                WatchEvent::Added(o) | WatchEvent::Modified(o) => ("apply", o),
                WatchEvent::Deleted(o) => ("delete", o),
                WatchEvent::Bookmark(b) => {
                    rv = b.metadata.resource_version;
                    continue;
                }
                WatchEvent::Error(e) if e.code == 410 => {
                    // Too old: start again from now (changes in between are lost; say so).
                    tracing::warn!(kind = %ar.plural, "record: watch expired (410); resuming from now");
                    rv = "0".into();
                    break;
                }
                WatchEvent::Error(e) => {
                    tracing::warn!(kind = %ar.plural, error = %e.message, "record: watch error");
                    break;
                }
            };
            if let Some(v) = &obj.metadata.resource_version {
                rv = v.clone();
            }
            let Ok(value) = serde_json::to_value(&obj) else {
                continue;
            };
            let mut value = with_types(value, &ar);
            if redact {
                redact::redact(&mut value);
            }
            let body = if key == "delete" {
                delete_ref(&value)
            } else {
                value
            };
            let change = Change {
                at: start.elapsed(),
                body: format!("    {key}: {body}\n"),
            };
            if tx.send(change).await.is_err() {
                return;
            }
        }
    }
}

/// A writer that counts what went through it.
struct Counting<'a, W: Write> {
    inner: &'a mut W,
    bytes: u64,
}

impl<W: Write> Counting<'_, W> {
    fn put(&mut self, text: &str) -> Result<()> {
        self.inner.write_all(text.as_bytes())?;
        self.bytes += text.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Records until `stop` resolves (or the duration passes) into `out`.
pub async fn record(
    client: kube::Client,
    opts: &RecordOptions,
    mut out: impl Write + Send,
    stop: impl std::future::Future<Output = ()>,
    mut progress: impl FnMut(Duration, usize, u64),
) -> Result<RecordSummary> {
    // A server that does not answer its first requests within `--duration` ends the run
    // then. The lists that follow may take longer on a large cluster: each request is
    // bounded by the client's request timeout, and the timeline then lasts `--duration`.
    let deadline = opts.duration.map(|d| tokio::time::Instant::now() + d);
    let version = within(deadline, "GET /version", async {
        client
            .apiserver_version()
            .await
            .wrap_err("reading the server version")
    })
    .await?;
    let discovery = within(deadline, "discovery (GET /api, /apis)", async {
        Discovery::new(client.clone())
            .run()
            .await
            .wrap_err("discovering the server's resources")
    })
    .await?;
    let explicit = opts
        .kinds
        .iter()
        .any(|k| !DEFAULT_KINDS.contains(&k.as_str()));
    let kinds = resolve_kinds(&discovery, &opts.kinds, explicit)?;
    let mut summary = RecordSummary {
        kinds: kinds.iter().map(|k| k.ar.plural.clone()).collect(),
        ..Default::default()
    };
    let recorded_at = jiff::Timestamp::now();
    let mut out = Counting {
        inner: &mut out,
        bytes: 0,
    };
    let header = format!(
        "# Recorded by `opsdeck record` ({}). Replay: opsdeck sandbox --recording <this file>\napiVersion: {FORMAT_VERSION}\nkind: Recording\nmetadata:\n  name: {}\n  description: {}\n  kubernetesVersion: {}\n  recordedAt: \"{}\"\nobjects:\n",
        if opts.redact {
            "secrets redacted"
        } else {
            "NOT redacted: --no-redact"
        },
        json!(opts.name),
        json!(format!(
            "recorded from a live cluster: {}",
            summary.kinds.join(", ")
        )),
        json!(version.git_version),
        recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    );
    out.put(&header)?;
    for crd in crds_for(&client, &kinds).await {
        out.put(&format!("  - {crd}\n"))?;
        summary.objects += 1;
    }
    // Initial state, kind by kind; remember where each list ended.
    let mut followers = Vec::new();
    let mut services = Vec::new();
    for kind in &kinds {
        for api in apis(&client, kind, &opts.namespaces) {
            let (objects, rv) = list_all(&api, &kind.ar).await?;
            for mut obj in objects {
                if kind.ar.kind == "Service" && kind.ar.group.is_empty() {
                    services.push(obj.clone());
                }
                if opts.redact {
                    redact::redact(&mut obj);
                } else if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("managedFields");
                }
                out.put(&format!("  - {obj}\n"))?;
                summary.objects += 1;
            }
            followers.push((api, kind.ar.clone(), rv));
        }
    }
    out.put("timeline:\n")?;
    out.flush()?;
    let start = Instant::now();
    let (tx, mut rx) = mpsc::channel::<Change>(1024);
    let tasks: Vec<_> = followers
        .into_iter()
        .map(|(api, ar, rv)| tokio::spawn(follow(api, ar, rv, start, opts.redact, tx.clone())))
        .collect();
    drop(tx);
    let deadline = async {
        match opts.duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_at = Duration::ZERO;
    loop {
        tokio::select! {
            Some(change) = rx.recv() => {
                // Offsets never decrease in a recording, even across kinds.
                let at = change.at.max(last_at);
                last_at = at;
                let at = Duration::from_millis(at.as_millis() as u64);
                out.put(&format!("  - at: {}\n{}", format_offset(at), change.body))?;
                summary.events += 1;
            }
            _ = tick.tick() => {
                out.flush()?;
                progress(start.elapsed(), summary.events, out.bytes);
            }
            _ = &mut deadline => break,
            _ = &mut stop => break,
        }
    }
    for t in tasks {
        t.abort();
    }
    if summary.events == 0 {
        out.put("  []\n")?;
    }
    // Part of a clean stop: an abrupt one leaves a valid file without this section.
    if let Some(prom) = &opts.prometheus {
        let captured = prometheus::capture(prom, recorded_at, jiff::Timestamp::now()).await;
        for f in &captured.failed {
            tracing::warn!(failure = %f, "record: Prometheus answer not recorded");
        }
        summary.prometheus_series = captured.series.len();
        summary.prometheus_failed = captured.failed.clone();
        let services = prometheus::prometheus_services(&services);
        out.put(&prometheus::render(&captured, &services))?;
    }
    if let Some(settings) = &opts.eks {
        let captured = eks::capture(settings, opts.redact).await;
        for f in &captured.failed {
            tracing::warn!(failure = %f, "record: EKS answer not recorded");
        }
        summary.eks_failed = captured.failed;
        if let Some(section) = &captured.recording {
            summary.eks_cluster = Some(settings.cluster.clone());
            summary.eks_nodegroups = section.nodegroups.len();
            out.put(&eks::render(section))?;
        }
    }
    out.flush()?;
    summary.bytes = out.bytes;
    Ok(summary)
}

/// `.<name>.tmp-<pid>` beside `out`.
fn temp_path(out: &std::path::Path) -> std::path::PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording.yaml".into());
    out.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// `opsdeck record`.
pub async fn run_cli(args: RecordArgs) -> Result<()> {
    // Arguments first: a bad one is reported before any connection is tried.
    let duration = args
        .duration
        .as_deref()
        .map(crate::recording::parse_offset)
        .transpose()
        .map_err(|e| eyre!("--duration: {e}"))?;
    let target = Target::load(args.kubeconfig.as_deref(), args.context.as_deref())?;
    let info = target.info();
    let server = format!("{} (context {})", info.server, info.context);
    let client = target.request_client().await?;
    let kinds = match &args.kinds {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        None => DEFAULT_KINDS.iter().map(|s| s.to_string()).collect(),
    };
    let namespaces = args
        .namespaces
        .as_deref()
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "recording".into())
    });
    let prometheus = match args.prometheus.settings() {
        Some(settings) => Some(
            crate::sources::prometheus::PromClient::new(&settings.map_err(|e| eyre!("{e}"))?)
                .map_err(|e| eyre!("{e}"))?,
        ),
        None => None,
    };
    // EKS node groups: the context's cluster, detected as the console does, or named.
    let eks_base = crate::sources::eks::EksSettings {
        cluster: args.eks_cluster.clone().unwrap_or_default(),
        ..Default::default()
    };
    let eks = crate::sources::nodegroups::resolve(
        &eks_base,
        &target.info(),
        target.exec_plugin().as_ref(),
    );
    let opts = RecordOptions {
        name,
        kinds,
        namespaces,
        duration,
        redact: !args.no_redact,
        prometheus,
        eks,
    };
    // Written to a temp file beside the output, renamed at a clean end: a failed recording
    // leaves no file (and no empty one) behind.
    let tmp = temp_path(&args.out);
    if let Some(dir) = tmp.parent() {
        let dir = if dir.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            dir
        };
        let name = args
            .out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        crate::install::state::remove_stale_temps(dir, &name);
    }
    let file =
        std::fs::File::create(&tmp).wrap_err_with(|| format!("cannot create {}", tmp.display()))?;
    let out = std::io::BufWriter::new(file);
    if args.no_redact {
        eprintln!(
            "opsdeck record: --no-redact: secrets are written in clear to {}",
            args.out.display()
        );
    }
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let result = record(client, &opts, out, stop, |elapsed, events, bytes| {
        eprint!(
            "\rrecording {:02}:{:02} · {events} events · {:.1} KiB   ",
            elapsed.as_secs() / 60,
            elapsed.as_secs() % 60,
            bytes as f64 / 1024.0
        );
    })
    .await
    .and_then(|summary| {
        std::fs::rename(&tmp, &args.out)
            .wrap_err_with(|| format!("cannot write {}", args.out.display()))?;
        Ok(summary)
    });
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.wrap_err(format!("recording from {server}")));
        }
    };
    eprintln!();
    println!(
        "wrote {} ({} objects, {} timeline events, {:.1} KiB; kinds: {})",
        args.out.display(),
        summary.objects,
        summary.events,
        summary.bytes as f64 / 1024.0,
        summary.kinds.join(", ")
    );
    if opts.prometheus.is_some() {
        println!(
            "prometheus: {} series of the dashboards' and panes' metrics recorded",
            summary.prometheus_series
        );
        for f in &summary.prometheus_failed {
            eprintln!("prometheus: not recorded: {f}");
        }
    }
    if let Some(settings) = &opts.eks {
        match &summary.eks_cluster {
            Some(cluster) => println!(
                "eks: cluster {cluster}, {} node groups recorded",
                summary.eks_nodegroups
            ),
            None => eprintln!("eks: cluster {} not recorded", settings.cluster),
        }
        for f in &summary.eks_failed {
            eprintln!("eks: not recorded: {f}");
        }
    }
    Ok(())
}
