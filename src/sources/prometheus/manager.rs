//! The Prometheus source as the sources see it: the backend (a configured URL, or the
//! cluster's Prometheus found through discovery), query batches run as tasks, and the query
//! history file. Queries asked for before the backend is known wait for it; nothing blocks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tokio::sync::watch;

use super::discover;
use super::proxy::ProxyClient;
use super::task::{LabelAnswer, LabelQuery, MetricsAnswer, MetricsQuery, run_batch};
use super::{Backend, PromClient, PromError, PromSettings};
use crate::model::BackendState;
use crate::sources::{Sender, SourceEvent};

/// What the app asks of the Prometheus source.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricsRequest {
    Run(Vec<MetricsQuery>),
    Labels(LabelQuery),
    /// Look for the cluster's Prometheus again (after it was not found).
    Rediscover,
    /// Persist the PromQL editor's history.
    SaveHistory(Vec<String>),
}

/// Why metrics are missing when no Prometheus is configured or found.
pub(crate) const NOT_FOUND: &str = "no Prometheus found: no Service named prometheus-operated or like a Prometheus server \
     (port http-web/web/9090); start opsdeck with --prometheus URL";

/// What the Prometheus source reports.
#[derive(Debug, Clone)]
pub enum MetricsEvent {
    Backend(BackendState),
    Answer(MetricsAnswer),
    Labels(LabelAnswer),
}

#[derive(Clone)]
enum Slot {
    Pending,
    Ready(Backend),
    Missing(String),
}

impl Slot {
    /// What the app is told.
    fn state(&self) -> BackendState {
        match self {
            Slot::Pending => BackendState::Discovering,
            Slot::Ready(b) => BackendState::Ready {
                describe: b.describe(),
                discovered: matches!(b, Backend::Proxy(_)),
            },
            Slot::Missing(why) => BackendState::Missing(why.clone()),
        }
    }
}

/// Settings, or why they could not be read.
pub(crate) type Configured = Result<PromSettings, PromError>;

pub(crate) struct MetricsSource {
    tx: Sender,
    /// `--prometheus`: wins for every context.
    flag: Option<Configured>,
    /// config.toml's `[prometheus.<context>]`, `default` for the others.
    per_context: BTreeMap<String, Configured>,
    context: String,
    /// The effective settings for the current context; `None` discovers.
    settings: Option<Configured>,
    client: Option<kube::Client>,
    slot: watch::Sender<Slot>,
    history_file: Option<PathBuf>,
    discovery: Option<tokio::task::JoinHandle<()>>,
}

impl MetricsSource {
    pub(crate) fn new(tx: Sender) -> MetricsSource {
        MetricsSource {
            tx,
            flag: None,
            per_context: BTreeMap::new(),
            context: String::new(),
            settings: None,
            client: None,
            slot: watch::Sender::new(Slot::Pending),
            history_file: None,
            discovery: None,
        }
    }

    /// A configured Prometheus: the flag's, and config.toml's per context. Contexts with
    /// neither discover the cluster's own.
    pub(crate) fn configure(
        &mut self,
        flag: Option<Configured>,
        per_context: BTreeMap<String, Configured>,
    ) {
        self.flag = flag;
        self.per_context = per_context;
        self.pick();
        self.resolve();
    }

    fn pick(&mut self) {
        self.settings = self.flag.clone().or_else(|| {
            self.per_context
                .get(&self.context)
                .or_else(|| self.per_context.get("default"))
                .cloned()
        });
    }

    /// The kubeconfig context changed (connecting again): forget the old backend.
    pub(crate) fn set_context(&mut self, context: &str) {
        self.context = context.to_string();
        self.client = None;
        self.pick();
        self.resolve();
    }

    pub(crate) fn set_history_file(&mut self, path: Option<PathBuf>) {
        self.history_file = path;
    }

    /// A new cluster connection (or none while connecting).
    pub(crate) fn set_client(&mut self, client: Option<kube::Client>) {
        self.client = client;
        self.resolve();
    }

    fn publish(&self, slot: Slot) {
        let state = slot.state();
        self.slot.send_replace(slot);
        let _ = self
            .tx
            .send(SourceEvent::Metrics(MetricsEvent::Backend(state)));
    }

    fn resolve(&mut self) {
        if let Some(d) = self.discovery.take() {
            d.abort();
        }
        match &self.settings {
            Some(Ok(settings)) => match PromClient::new(settings) {
                Ok(c) => self.publish(Slot::Ready(Backend::Direct(c))),
                Err(e) => self.publish(Slot::Missing(e.to_string())),
            },
            Some(Err(e)) => self.publish(Slot::Missing(e.to_string())),
            None => {
                self.publish(Slot::Pending);
                let Some(client) = self.client.clone() else {
                    return;
                };
                let slot = self.slot.clone();
                let tx = self.tx.clone();
                self.discovery = Some(tokio::spawn(async move {
                    let found = match discover::discover(client.clone()).await {
                        Ok(Some(service)) => {
                            Slot::Ready(Backend::Proxy(ProxyClient::new(client, service)))
                        }
                        Ok(None) => Slot::Missing(NOT_FOUND.into()),
                        Err(e) => {
                            Slot::Missing(format!("looking for Prometheus Services failed: {e}"))
                        }
                    };
                    let state = found.state();
                    slot.send_replace(found);
                    let _ = tx.send(SourceEvent::Metrics(MetricsEvent::Backend(state)));
                }));
            }
        }
    }

    /// The backend once known (waits while discovery runs).
    fn backend(&self) -> impl Future<Output = Result<Backend, PromError>> + use<> {
        let mut rx = self.slot.subscribe();
        async move {
            let slot = rx
                .wait_for(|s| !matches!(s, Slot::Pending))
                .await
                .map(|s| s.clone())
                .map_err(|_| PromError::Other("the Prometheus source stopped".into()))?;
            match slot {
                Slot::Ready(b) => Ok(b),
                Slot::Missing(why) => Err(PromError::Other(why)),
                Slot::Pending => Err(PromError::Other("Prometheus is not known yet".into())),
            }
        }
    }

    pub(crate) fn handle(&mut self, request: MetricsRequest) {
        let tx = self.tx.clone();
        match request {
            MetricsRequest::Run(queries) => {
                let backend = self.backend();
                tokio::spawn(async move {
                    let report = |a: MetricsAnswer| {
                        let _ = tx.send(SourceEvent::Metrics(MetricsEvent::Answer(a)));
                    };
                    match backend.await {
                        Ok(b) => run_batch(b, queries, report).await,
                        Err(e) => {
                            let now = jiff::Timestamp::now();
                            for q in queries {
                                report(MetricsAnswer {
                                    id: q.id,
                                    sent: now,
                                    received: now,
                                    result: Err(e.clone()),
                                });
                            }
                        }
                    }
                });
            }
            MetricsRequest::Labels(q) => {
                let backend = self.backend();
                tokio::spawn(async move {
                    let result = match backend.await {
                        Ok(b) => b.label_values(&q.label, &q.matches).await,
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(SourceEvent::Metrics(MetricsEvent::Labels(LabelAnswer {
                        id: q.id,
                        result,
                    })));
                });
            }
            MetricsRequest::Rediscover => {
                if self.settings.is_none() {
                    self.resolve();
                }
            }
            MetricsRequest::SaveHistory(entries) => {
                if let Some(path) = self.history_file.clone() {
                    tokio::task::spawn_blocking(move || {
                        if let Err(e) = save_history(&path, &entries) {
                            tracing::warn!("saving the PromQL history to {}: {e}", path.display());
                        }
                    });
                }
            }
        }
    }
}

/// The PromQL history file: a JSON array of queries, oldest first.
pub(crate) fn load_history(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Writes atomically (temporary file, then rename).
pub(crate) fn save_history(path: &std::path::Path, entries: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_string_pretty(entries).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_round_trips_and_tolerates_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/promql_history.json");
        assert!(load_history(&path).is_empty());
        let entries = vec![
            "up".to_string(),
            "sum by (pod) (\n  rate(x[5m])\n)".to_string(),
        ];
        save_history(&path, &entries).unwrap();
        assert_eq!(load_history(&path), entries);
    }
}
