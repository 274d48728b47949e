//! Async data sources. Nothing here draws or blocks the UI: tasks talk to the cluster with
//! kube-rs and send [`SourceEvent`]s into the app channel. The app asks for work with
//! [`Request`]s and declares which watches it needs; [`Sources`] starts and stops tasks.

pub mod connection;
pub(crate) mod contexts;
pub(crate) mod credentials;
pub mod eks;
pub(crate) mod exec;
pub(crate) mod exec_auth;
pub(crate) mod explain;
pub(crate) mod fetch;
pub(crate) mod forbidden;
pub(crate) mod kubeconfig;
pub(crate) mod landing;
pub(crate) mod logs;
pub(crate) mod mutate;
pub mod nodegroups;
pub(crate) mod plugin;
pub(crate) mod portforward;
pub mod prometheus;
pub(crate) mod prune;
pub(crate) mod watch;

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::object::Obj;

use kube::runtime::reflector::Store;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::model::{Catalog, ConnState, ResourceKind, WatchKey, WatchSpec};
pub(crate) use kubeconfig::ClusterInfo;
pub use kubeconfig::Target;

/// An error with its sources (`client error (Connect): tcp connect error: Connection
/// refused`), since kube's errors often hide the useful part in the chain.
///
/// kube's API errors read like kubectl's (message and reason, no Debug dump), a server that
/// is not a Kubernetes API is said in words ([`explain`]), and the result is one line of at
/// most [`explain::MAX_CHARS`] characters.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    error_from(e, None)
}

/// [`error_chain`], naming the server (`https://host:port`) a non-Kubernetes answer came from.
pub(crate) fn error_from(e: &(dyn std::error::Error + 'static), server: Option<&str>) -> String {
    let text = if let Some(k) = e.downcast_ref::<kube::Error>() {
        explain::kube(k, server).unwrap_or_else(|| chain(e))
    } else if let Some(w) = e.downcast_ref::<kube::runtime::watcher::Error>() {
        explain::watcher(w, server).unwrap_or_else(|| chain(e))
    } else {
        chain(e)
    };
    crate::domain::text::one_line(&text, explain::MAX_CHARS)
}

/// An error and its causes in words, one line: each message once (a cause the text already
/// says is left out), and causes that are empty or debug dumps (`{ … }`, as the AWS SDK's
/// are) left out. The one error-to-words helper of the sources (kube and EKS alike).
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !text.is_empty() && !text.contains('{') && !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

/// Identifies a log stream.
pub(crate) type LogId = u64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub id: LogId,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub(crate) previous: bool,
    /// Lines of history to fetch before following.
    pub(crate) tail: i64,
}

/// A reference to one object, for actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectTarget {
    pub kind: Arc<ResourceKind>,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectTarget {
    /// `deployment default/web`
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind.singular, self.name),
            None => format!("{} {}", self.kind.singular, self.name),
        }
    }
}

/// Work the app asks of the sources.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    StartLogs(LogRequest),
    StopLogs(LogId),
    Delete(ObjectTarget),
    /// A JSON merge patch, with what it does for the flash message.
    Patch {
        target: ObjectTarget,
        patch: serde_json::Value,
        what: String,
    },
    SwitchContext(String),
    /// A JSON merge patch of the object's `status` subresource (CNPG promote).
    PatchStatus {
        target: ObjectTarget,
        patch: serde_json::Value,
        what: String,
    },
    /// EKS node groups: refresh now, or change a group's scaling.
    Eks(nodegroups::EksRequest),
    /// Prometheus queries and the PromQL history.
    Metrics(prometheus::manager::MetricsRequest),
    /// Hand the terminal to the install wizard (the console's event loop takes this one).
    Install,
    /// GET one whole object (describe and YAML views; stores keep objects pruned).
    Fetch(ObjectTarget),
    /// Show one Secret value in the focused YAML view, once confirmed. The app's own:
    /// it never reaches the sources.
    RevealSecret(String),
    /// Run a user plugin: in the background with its output as log lines, or (taken by the
    /// console's event loop) in the foreground with the terminal handed over.
    Plugin(plugin::PluginRun),
    /// Stop a watch so that the next reconcile starts it again with a fresh list (ctrl-r).
    Rewatch(WatchKey),
    /// Day-2 work (#23): a shell (taken by the console's event loop), a one-shot command,
    /// port forwards, context probes.
    Shell(exec::ShellSpec),
    Exec(exec::ExecSpec),
    Forward(portforward::ForwardSpec),
    StopForward(portforward::ForwardId),
    ProbeContexts(Vec<String>),
    /// Edit one object in `$VISUAL`/`$EDITOR` (taken by the console's event loop, which
    /// hands the terminal over; see `edit_session`).
    Edit(ObjectTarget),
    /// Put text on the terminal's clipboard (OSC 52; taken by the console's event loop).
    Clipboard(String),
}

/// The client, handed from the connection task to [`Sources`] (the app ignores it).
#[derive(Clone)]
pub struct ClientHandle(pub kube::Client);

impl std::fmt::Debug for ClientHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientHandle")
    }
}

/// What the sources report.
#[derive(Debug, Clone)]
pub enum SourceEvent {
    Client(ClientHandle),
    Cluster(ClusterInfo),
    /// The user may not list pods in the context's namespace `from`; `namespace` is one it
    /// may read ([`landing`]).
    Landing {
        namespace: String,
        from: String,
    },
    Connection(ConnState),
    Version(String),
    Discovered(Catalog),
    /// A watch started; its reflector store fills as events arrive.
    WatchStarted {
        key: WatchKey,
        store: Store<Obj>,
    },
    /// The store holds a complete list (after the first list or a relist).
    WatchReady(WatchKey),
    /// Objects changed (coalesced). Only ever sent by a working watch: a notice for changes
    /// seen before a failure precedes its [`SourceEvent::WatchFailed`].
    WatchChanged(WatchKey),
    /// A failed watch works again: it resumed from its resourceVersion (no relist, so no
    /// [`SourceEvent::WatchReady`]) and stayed open, or it delivered events.
    WatchResumed(WatchKey),
    /// The watch failed; it retries with backoff, the store keeps the last data.
    WatchFailed {
        key: WatchKey,
        error: String,
    },
    LogLines {
        id: LogId,
        lines: Vec<String>,
    },
    LogEnded {
        id: LogId,
        error: Option<String>,
    },
    /// A followed stream dropped; the source reopens it from the last line's timestamp.
    LogReconnecting {
        id: LogId,
        error: String,
    },
    /// A dropped stream is open again (lines already shown are not repeated).
    LogResumed {
        id: LogId,
    },
    /// EKS node groups of the context's cluster (node pools pane).
    Eks(nodegroups::EksEvent),
    /// Prometheus: where it is, and query answers.
    Metrics(prometheus::manager::MetricsEvent),
    /// The answer to [`Request::Fetch`].
    Fetched {
        target: ObjectTarget,
        object: Result<Arc<Obj>, String>,
    },
    /// A port forward's state, pod and traffic.
    Forward(portforward::ForwardEvent),
    /// A context's reachability (`:ctx`).
    ContextProbed {
        name: String,
        reach: contexts::Reach,
    },
    /// A mutating request finished.
    Done {
        message: String,
        error: Option<String>,
    },
}

pub(crate) type Sender = UnboundedSender<SourceEvent>;

/// Aborts its task when dropped.
struct Task(JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Owns the client and every running task.
pub struct Sources {
    tx: Sender,
    target: Target,
    client: Option<kube::Client>,
    connection: Option<Task>,
    watches: HashMap<WatchKey, Task>,
    logs: HashMap<LogId, Task>,
    /// Port forwards: they outlive context switches and end with the console.
    forwards: HashMap<portforward::ForwardId, Task>,
    eks: nodegroups::Nodegroups,
    metrics: prometheus::manager::MetricsSource,
}

impl Sources {
    pub fn new(tx: Sender, target: Target) -> Sources {
        Sources {
            eks: nodegroups::Nodegroups::new(tx.clone()),
            metrics: prometheus::manager::MetricsSource::new(tx.clone()),
            tx,
            target,
            client: None,
            connection: None,
            watches: HashMap::new(),
            logs: HashMap::new(),
            forwards: HashMap::new(),
        }
    }

    /// Builds the client for the current context and starts the connection task (version,
    /// discovery, health with backoff). Never blocks.
    pub fn connect(&mut self) {
        self.watches.clear();
        self.logs.clear();
        self.connection = None;
        self.client = None;
        let _ = self.tx.send(SourceEvent::Cluster(self.target.info()));
        let _ = self.tx.send(SourceEvent::Connection(ConnState::Connecting));
        let task = tokio::spawn(connection::run(self.target.clone(), self.tx.clone()));
        self.connection = Some(Task(task));
        self.eks.retarget(&self.target);
        self.metrics.set_context(&self.target.info().context);
    }

    /// A configured Prometheus (`--prometheus`, config.toml per context), else the cluster's
    /// own is found; and where the PromQL history is kept.
    pub(crate) fn set_prometheus(
        &mut self,
        flag: Option<prometheus::manager::Configured>,
        per_context: std::collections::BTreeMap<String, prometheus::manager::Configured>,
        history_file: Option<std::path::PathBuf>,
    ) {
        self.metrics.set_history_file(history_file);
        self.metrics.configure(flag, per_context);
    }

    /// EKS settings from the command line (and the sandbox); the cluster is detected from
    /// the context unless `base.cluster` names one.
    pub fn set_eks(&mut self, base: eks::EksSettings) {
        self.eks.set_base(base);
    }

    /// Polls EKS node groups while the app wants them (the node pools pane is open).
    pub fn reconcile_eks(&mut self, wanted: bool) {
        self.eks.reconcile(wanted);
    }

    /// The connection task built the client: watches can start.
    pub(crate) fn set_client(&mut self, client: kube::Client) {
        // A new client (signed in again): watches restart with it.
        if self.client.is_some() {
            self.watches.clear();
        }
        self.metrics.set_client(Some(client.clone()));
        self.client = Some(client);
    }

    /// Starts watches the app needs and stops the ones it no longer needs.
    pub(crate) fn reconcile(&mut self, desired: &[WatchSpec]) {
        self.watches
            .retain(|key, _| desired.iter().any(|s| s.key == *key));
        let Some(client) = &self.client else { return };
        for spec in desired {
            if !self.watches.contains_key(&spec.key) {
                tracing::debug!(?spec.key, "starting watch");
                let handle =
                    tokio::spawn(watch::run(client.clone(), spec.clone(), self.tx.clone()));
                self.watches.insert(spec.key.clone(), Task(handle));
            }
        }
    }

    pub fn handle(&mut self, request: Request) {
        match request {
            Request::SwitchContext(name) => {
                match self.target.switch_context(&name) {
                    Ok(()) => self.connect(),
                    Err(e) => {
                        let _ = self.tx.send(SourceEvent::Done {
                            message: format!("switch to context {name}"),
                            error: Some(e.to_string()),
                        });
                    }
                }
                return;
            }
            Request::Eks(r) => {
                self.eks.handle(r);
                return;
            }
            Request::Metrics(r) => {
                self.metrics.handle(r);
                return;
            }
            Request::StopLogs(id) => {
                self.logs.remove(&id);
                return;
            }
            // The console's event loop runs the wizard; elsewhere (bench) there is no screen.
            Request::Install
            | Request::RevealSecret(_)
            | Request::Edit(_)
            | Request::Clipboard(_) => return,
            // Plugins need no client.
            Request::Plugin(run) => {
                if let (true, Some(id)) = (run.background, run.log) {
                    let task = tokio::spawn(plugin::run_background(run, id, self.tx.clone()));
                    self.logs.insert(id, Task(task));
                }
                return;
            }
            Request::Rewatch(key) => {
                self.watches.remove(&key);
                return;
            }
            Request::StopForward(id) => {
                self.forwards.remove(&id);
                return;
            }
            Request::ProbeContexts(names) => {
                for name in names {
                    tokio::spawn(contexts::probe(self.target.clone(), name, self.tx.clone()));
                }
                return;
            }
            // The console's event loop runs shells (it owns the terminal).
            Request::Shell(_) => return,
            _ => {}
        }
        let Some(client) = self.client.clone() else {
            let _ = self.tx.send(SourceEvent::Done {
                message: "request".into(),
                error: Some("not connected".into()),
            });
            return;
        };
        let tx = self.tx.clone();
        match request {
            Request::StartLogs(req) => {
                let id = req.id;
                self.logs
                    .insert(id, Task(tokio::spawn(logs::run(client, req, tx))));
            }
            Request::Delete(target) => {
                tokio::spawn(mutate::delete(client, target, tx));
            }
            Request::Patch {
                target,
                patch,
                what,
            } => {
                tokio::spawn(mutate::patch(client, target, patch, what, tx));
            }
            Request::PatchStatus {
                target,
                patch,
                what,
            } => {
                tokio::spawn(mutate::patch_status(client, target, patch, what, tx));
            }
            Request::Fetch(target) => {
                tokio::spawn(fetch::get(client, target, tx));
            }
            Request::Exec(spec) => {
                let id = spec.id;
                self.logs
                    .insert(id, Task(tokio::spawn(exec::run_once(client, spec, tx))));
            }
            Request::Forward(spec) => {
                let id = spec.id;
                let task = tokio::spawn(portforward::run(client, spec, tx));
                self.forwards.insert(id, Task(task));
            }
            Request::StopLogs(_)
            | Request::SwitchContext(_)
            | Request::Eks(_)
            | Request::Metrics(_)
            | Request::Install
            | Request::RevealSecret(_)
            | Request::Plugin(_)
            | Request::Rewatch(_)
            | Request::Shell(_)
            | Request::StopForward(_)
            | Request::ProbeContexts(_)
            | Request::Edit(_)
            | Request::Clipboard(_) => {}
        }
    }

    /// The current client, if connected (shell sessions and the edit session use it).
    pub fn client(&self) -> Option<kube::Client> {
        self.client.clone()
    }

    /// Stops every port forward (the console quits).
    pub(crate) fn stop_forwards(&mut self) {
        self.forwards.clear();
    }

    /// Context names of the kubeconfig, for `:ctx` completion.
    pub fn contexts(&self) -> Vec<String> {
        self.target.contexts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn error_chain_includes_sources() {
        let e = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused",
        ));
        assert_eq!(
            error_chain(&e),
            "client error (Connect): Connection refused"
        );
    }
}
