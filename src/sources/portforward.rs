//! Port forwards through the pod `portforward` subresource (kube-rs over websockets; no
//! kubectl). Each forward listens on 127.0.0.1 and opens one forward to the pod per accepted
//! connection. A forward to a Deployment or Service watches the pods its selector picks and
//! re-resolves to another ready pod when its pod is replaced; a forward to a pod says when
//! the pod is gone. Byte counts are sent twice a second while they change.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::{WatchStreamExt, watcher};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::{Sender, SourceEvent, error_chain};

pub(crate) type ForwardId = u64;

/// Which pods a forward may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodPick {
    /// Exactly this pod.
    Named(String),
    /// Any ready pod matching this label selector (a Deployment's or Service's).
    Selector(String),
}

/// What the app asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSpec {
    pub id: ForwardId,
    pub namespace: String,
    pub(crate) pick: PodPick,
    pub(crate) container_port: u16,
    /// A Service's named target port (`targetPort: http`): resolved on each pod from its
    /// containers' port names, as the API server does for a Service; `container_port` is then
    /// the Service's port (shown), not the one connected to.
    pub(crate) named_port: Option<String>,
    /// The local port asked for (another free one is taken when it is in use).
    pub(crate) local_port: u16,
}

/// What a forward reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardEvent {
    /// Listening on this local port.
    Listening { id: ForwardId, local_port: u16 },
    /// The pod connections go to (`None`: no ready pod, connections wait).
    Pod { id: ForwardId, pod: Option<String> },
    /// Totals so far: bytes from local clients to the pod, bytes back, open connections.
    Traffic {
        id: ForwardId,
        sent: u64,
        received: u64,
        connections: u32,
    },
    /// One connection failed (the forward keeps listening).
    Error { id: ForwardId, error: String },
    /// The forward stopped (cannot listen, or stopped).
    Stopped {
        id: ForwardId,
        error: Option<String>,
    },
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    received: AtomicU64,
    connections: AtomicU32,
}

fn send(tx: &Sender, ev: ForwardEvent) {
    let _ = tx.send(SourceEvent::Forward(ev));
}

/// Runs one forward until its task is aborted.
pub(crate) async fn run(client: kube::Client, spec: ForwardSpec, tx: Sender) {
    let id = spec.id;
    let listener = match TcpListener::bind(("127.0.0.1", spec.local_port)).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            match TcpListener::bind(("127.0.0.1", 0)).await {
                Ok(l) => l,
                Err(e) => return send(&tx, stopped(id, format!("cannot listen: {e}"))),
            }
        }
        Err(e) => {
            return send(
                &tx,
                stopped(
                    id,
                    format!("cannot listen on 127.0.0.1:{}: {e}", spec.local_port),
                ),
            );
        }
    };
    let local_port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(spec.local_port);
    send(&tx, ForwardEvent::Listening { id, local_port });

    let api: Api<Pod> = Api::namespaced(client, &spec.namespace);
    let (pod_tx, pod_rx) = watch::channel::<Option<(String, u16)>>(None);
    let port = match &spec.named_port {
        Some(name) => PortRef::Named(name.clone()),
        None => PortRef::Number(spec.container_port),
    };
    let resolver = tokio::spawn(resolve(
        api.clone(),
        spec.pick.clone(),
        port,
        pod_tx,
        tx.clone(),
        id,
    ));
    let _resolver = AbortOnDrop(resolver);
    let counters = Arc::new(Counters::default());
    let reporter = tokio::spawn(report(counters.clone(), tx.clone(), id));
    let _reporter = AbortOnDrop(reporter);
    loop {
        let (socket, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                send(
                    &tx,
                    ForwardEvent::Error {
                        id,
                        error: format!("accept: {e}"),
                    },
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let api = api.clone();
        let mut pod_rx = pod_rx.clone();
        let counters = counters.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            // Wait a little for a ready pod (a Deployment between two pods).
            let pod = tokio::time::timeout(Duration::from_secs(30), async {
                loop {
                    if let Some(p) = pod_rx.borrow_and_update().clone() {
                        return Some(p);
                    }
                    if pod_rx.changed().await.is_err() {
                        return None;
                    }
                }
            })
            .await
            .ok()
            .flatten();
            let Some((pod, port)) = pod else {
                return send(
                    &tx,
                    ForwardEvent::Error {
                        id,
                        error: "no ready pod to forward to".into(),
                    },
                );
            };
            counters.connections.fetch_add(1, Ordering::Relaxed);
            if let Err(error) = connection(&api, &pod, port, socket, &counters).await {
                send(&tx, ForwardEvent::Error { id, error });
            }
            counters.connections.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

fn stopped(id: ForwardId, error: String) -> ForwardEvent {
    ForwardEvent::Stopped {
        id,
        error: Some(error),
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One local connection to the pod's port.
async fn connection(
    api: &Api<Pod>,
    pod: &str,
    port: u16,
    socket: TcpStream,
    counters: &Counters,
) -> Result<(), String> {
    let mut forwarder =
        tokio::time::timeout(Duration::from_secs(15), api.portforward(pod, &[port]))
            .await
            .map_err(|_| format!("pod {pod}: no answer from the API server"))?
            .map_err(|e| format!("pod {pod}: {}", error_chain(&e)))?;
    let upstream = forwarder
        .take_stream(port)
        .ok_or_else(|| format!("pod {pod}: no stream for port {port}"))?;
    let remote_error = forwarder.take_error(port);
    let (local_r, local_w) = socket.into_split();
    let (remote_r, remote_w) = tokio::io::split(upstream);
    let up = pump(local_r, remote_w, &counters.sent);
    let down = pump(remote_r, local_w, &counters.received);
    tokio::pin!(up, down);
    let mut error = None;
    tokio::select! {
        _ = &mut up => {
            // The client finished sending: the answer may still be coming.
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut down).await;
        }
        _ = &mut down => {}
        Some(Some(e)) = async { match remote_error { Some(f) => Some(f.await), None => None } } => {
            error = Some(format!("pod {pod} port {port}: {e}"));
        }
    }
    forwarder.abort();
    error.map_or(Ok(()), Err)
}

async fn pump<R, W>(mut r: R, mut w: W, counter: &AtomicU64) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            let _ = w.shutdown().await;
            return Ok(());
        }
        w.write_all(&buf[..n]).await?;
        w.flush().await?;
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

async fn report(counters: Arc<Counters>, tx: Sender, id: ForwardId) {
    let mut last = (0, 0, 0);
    let mut every = tokio::time::interval(Duration::from_millis(500));
    loop {
        every.tick().await;
        let now = (
            counters.sent.load(Ordering::Relaxed),
            counters.received.load(Ordering::Relaxed),
            counters.connections.load(Ordering::Relaxed),
        );
        if now != last {
            last = now;
            send(
                &tx,
                ForwardEvent::Traffic {
                    id,
                    sent: now.0,
                    received: now.1,
                    connections: now.2,
                },
            );
        }
    }
}

/// A pod that can take connections: running, ready, not being deleted.
pub(crate) fn usable(pod: &Pod) -> bool {
    if pod.metadata.deletion_timestamp.is_some() {
        return false;
    }
    let Some(status) = &pod.status else {
        return false;
    };
    status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The port a forward connects to on a pod: a number, or a container port's name (a
/// Service's named `targetPort`), which each pod may map to another number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Number(u16),
    Named(String),
}

/// The pod's port for this reference (`None`: no container port of that name).
pub(crate) fn port_on(pod: &Pod, port: &PortRef) -> Option<u16> {
    match port {
        PortRef::Number(n) => Some(*n),
        PortRef::Named(name) => pod
            .spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .and_then(|p| u16::try_from(p.container_port).ok()),
    }
}

/// The pod to use and its port: the current pod while it stays usable, else the newest usable
/// one that has the port.
pub(crate) fn choose(
    current: Option<&str>,
    pods: &BTreeMap<String, Pod>,
    port: &PortRef,
) -> Option<(String, u16)> {
    let with_port = |p: &Pod| {
        let n = port_on(p, port)?;
        let name = p.metadata.name.clone()?;
        usable(p).then_some((name, n))
    };
    if let Some(c) = current
        && let Some(hit) = pods.get(c).and_then(with_port)
    {
        return Some(hit);
    }
    pods.values()
        .filter_map(|p| with_port(p).map(|hit| (p, hit)))
        .max_by_key(|(p, _)| {
            (
                p.metadata.creation_timestamp.clone().map(|t| t.0),
                p.metadata.name.clone(),
            )
        })
        .map(|(_, hit)| hit)
}

/// Watches the candidate pods and publishes the one to use.
async fn resolve(
    api: Api<Pod>,
    pick: PodPick,
    port: PortRef,
    pod_tx: watch::Sender<Option<(String, u16)>>,
    tx: Sender,
    id: ForwardId,
) {
    let config = match &pick {
        PodPick::Named(name) => watcher::Config::default().fields(&format!("metadata.name={name}")),
        PodPick::Selector(labels) => watcher::Config::default().labels(labels),
    };
    let mut pods: BTreeMap<String, Pod> = BTreeMap::new();
    let mut init: BTreeMap<String, Pod> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut reported = false;
    let mut stream = watcher(api, config).default_backoff().boxed();
    while let Some(ev) = stream.next().await {
        match ev {
            Ok(watcher::Event::Init) => init.clear(),
            Ok(watcher::Event::InitApply(p)) => {
                if let Some(n) = p.metadata.name.clone() {
                    init.insert(n, p);
                }
                continue;
            }
            Ok(watcher::Event::InitDone) => pods = std::mem::take(&mut init),
            Ok(watcher::Event::Apply(p)) => {
                if let Some(n) = p.metadata.name.clone() {
                    pods.insert(n, p);
                }
            }
            Ok(watcher::Event::Delete(p)) => {
                if let Some(n) = &p.metadata.name {
                    pods.remove(n);
                }
            }
            Err(e) => {
                send(
                    &tx,
                    ForwardEvent::Error {
                        id,
                        error: format!("watching pods: {}", error_chain(&e)),
                    },
                );
                continue;
            }
        }
        let next = choose(current.as_deref(), &pods, &port);
        let name = next.as_ref().map(|(n, _)| n.clone());
        if name != current || !reported {
            reported = true;
            current = name.clone();
            let _ = pod_tx.send(next);
            send(&tx, ForwardEvent::Pod { id, pod: name });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{PodCondition, PodStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn pod(name: &str, ready: bool, created: i64) -> (String, Pod) {
        let mut p = Pod::default();
        p.metadata.name = Some(name.into());
        p.metadata.creation_timestamp =
            Some(Time(jiff::Timestamp::from_second(created).expect("time")));
        p.status = Some(PodStatus {
            phase: Some("Running".into()),
            conditions: Some(vec![PodCondition {
                type_: "Ready".into(),
                status: if ready { "True" } else { "False" }.into(),
                ..Default::default()
            }]),
            ..Default::default()
        });
        (name.into(), p)
    }

    #[test]
    fn keeps_the_current_pod_while_it_is_ready_then_takes_the_newest() {
        let pods: BTreeMap<String, Pod> =
            [pod("a", true, 10), pod("b", true, 20), pod("c", false, 30)].into();
        let n = PortRef::Number(80);
        let name = |c: Option<(String, u16)>| c.map(|(n, _)| n);
        assert_eq!(name(choose(Some("a"), &pods, &n)).as_deref(), Some("a"));
        assert_eq!(name(choose(None, &pods, &n)).as_deref(), Some("b"));
        assert_eq!(name(choose(Some("gone"), &pods, &n)).as_deref(), Some("b"));
        assert_eq!(name(choose(Some("c"), &pods, &n)).as_deref(), Some("b"));
        let none: BTreeMap<String, Pod> = [pod("c", false, 30)].into();
        assert_eq!(choose(Some("c"), &none, &n), None);
    }

    #[test]
    fn a_named_port_is_resolved_on_each_pod_and_pods_without_it_are_skipped() {
        use k8s_openapi::api::core::v1::{Container, ContainerPort, PodSpec};
        let with_port = |(name, mut p): (String, Pod), port: Option<(&str, i32)>| {
            p.spec = Some(PodSpec {
                containers: vec![Container {
                    name: "app".into(),
                    ports: port.map(|(n, c)| {
                        vec![ContainerPort {
                            name: Some(n.into()),
                            container_port: c,
                            ..Default::default()
                        }]
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            });
            (name, p)
        };
        let http = PortRef::Named("http".into());
        let pods: BTreeMap<String, Pod> = [
            with_port(pod("old", true, 10), Some(("http", 8080))),
            with_port(pod("new", true, 20), Some(("http", 9090))),
            with_port(pod("newest", true, 30), None),
        ]
        .into();
        // The newest pod has no port named http: the next newest, at its own number.
        assert_eq!(choose(None, &pods, &http), Some(("new".into(), 9090)));
        assert_eq!(
            choose(Some("old"), &pods, &http),
            Some(("old".into(), 8080))
        );
        assert_eq!(choose(None, &pods, &PortRef::Named("grpc".into())), None);
        assert_eq!(
            choose(None, &pods, &PortRef::Number(7000)),
            Some(("newest".into(), 7000))
        );
    }

    #[test]
    fn a_deleting_pod_is_not_used() {
        let (_, mut p) = pod("a", true, 1);
        assert!(usable(&p));
        p.metadata.deletion_timestamp = p.metadata.creation_timestamp.clone();
        assert!(!usable(&p));
    }
}
