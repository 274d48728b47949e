//! The connection task: builds the client, asks `/version`, runs discovery, then keeps a
//! light health check. An unreachable server is reported with the time of the next retry;
//! retries back off exponentially (1s … 30s).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use super::kubeconfig::Target;
use super::{ClientHandle, SourceEvent};
use crate::domain::credential_refresh::{self, Schedule};
use crate::model::ConnState;
use crate::model::catalog::Catalog;
use crate::model::resource::{PrinterColumn, ResourceKind};

const HEALTH_INTERVAL: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub async fn run(mut target: Target, tx: super::Sender) {
    // A context switched to in the console whose user has an exec plugin: it runs here,
    // without the terminal (the console holds the screen) unless it always asks, retried
    // with backoff; kube-rs never runs it.
    if let Some(e) = target.missing_plugin() {
        let _ = tx.send(SourceEvent::Connection(ConnState::Failed(e.to_string())));
        return;
    }
    let mut backoff = Duration::from_secs(1);
    // When the plugin's credential is refreshed ahead of its expiry (domain::credential_refresh).
    // A plugin that always asks (`interactiveMode: Always`) borrows the console's terminal.
    let signing_in = format!("signing in to context {}", target.info().context);
    while target.exec_plugin().is_some() {
        match target.sign_in_again(&signing_in).await {
            Ok(_) => break,
            Err(e) => {
                tracing::warn!("{e}");
                let retry_at = Timestamp::now()
                    .checked_add(
                        SignedDuration::try_from(backoff).unwrap_or(SignedDuration::from_secs(1)),
                    )
                    .unwrap_or_else(|_| Timestamp::now());
                let _ = tx.send(SourceEvent::Connection(ConnState::Unreachable {
                    error: e.to_string(),
                    retry_at,
                }));
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    let mut schedule = target.refresh_schedule();
    let mut client = match target.client().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("{e}");
            let _ = tx.send(SourceEvent::Connection(ConnState::Failed(e.to_string())));
            return;
        }
    };
    let server = target.info().server.trim_end_matches('/').to_string();
    let _ = tx.send(SourceEvent::Client(ClientHandle(client.clone())));
    backoff = Duration::from_secs(1);
    let mut discovered = false;
    let mut connected = false;
    let mut signed_in_now = false;
    loop {
        let result = tokio::time::timeout(REQUEST_TIMEOUT, client.apiserver_version()).await;
        let error = match result {
            Ok(Ok(info)) => {
                signed_in_now = false;
                if !connected {
                    tracing::info!(version = %info.git_version, "connected");
                    let _ = tx.send(SourceEvent::Connection(ConnState::Connected));
                    let _ = tx.send(SourceEvent::Version(info.git_version));
                    connected = true;
                }
                backoff = Duration::from_secs(1);
                if !discovered {
                    match discover(&client).await {
                        Ok(catalog) => {
                            tracing::info!(kinds = catalog.kinds().len(), "discovery done");
                            let _ = tx.send(SourceEvent::Discovered(catalog));
                            discovered = true;
                            let from = target.info().namespace;
                            if let Some(namespace) =
                                super::landing::readable_instead_of(&client, &from).await
                            {
                                let _ = tx.send(SourceEvent::Landing { namespace, from });
                            }
                        }
                        Err(e) => tracing::warn!("discovery failed: {e}"),
                    }
                }
                let wait = schedule.map_or(HEALTH_INTERVAL, |s| {
                    HEALTH_INTERVAL.min(credential_refresh::wait_until(Timestamp::now(), s.next))
                });
                tokio::time::sleep(wait).await;
                if let Some(s) = schedule.filter(|s| s.due(Timestamp::now())) {
                    schedule = refresh_ahead(&mut target, &tx, &mut client, s).await;
                }
                continue;
            }
            Ok(Err(e)) if unauthorized(&e) && target.signed_in_by().is_some() && !signed_in_now => {
                // The plugin's credential was refused (expired, revoked): run it again (once
                // per failure; a fresh credential refused too waits for the next retry).
                match sign_in_again(&mut target).await {
                    Ok(c) => {
                        schedule = target.refresh_schedule();
                        signed_in_now = true;
                        client = c;
                        let _ = tx.send(SourceEvent::Client(ClientHandle(client.clone())));
                        continue;
                    }
                    Err(text) => text,
                }
            }
            Ok(Err(e)) => match not_kubernetes(&client, &server, &e).await {
                Some(text) => text,
                None => super::error_from(&e, Some(&server)),
            },
            Err(_) => format!("no answer within {}s", REQUEST_TIMEOUT.as_secs()),
        };
        connected = false;
        signed_in_now = false;
        tracing::warn!(
            "cluster unreachable: {error}; retrying in {}s",
            backoff.as_secs()
        );
        let retry_at = Timestamp::now()
            .checked_add(SignedDuration::try_from(backoff).unwrap_or(SignedDuration::from_secs(1)))
            .unwrap_or_else(|_| Timestamp::now());
        let _ = tx.send(SourceEvent::Connection(ConnState::Unreachable {
            error,
            retry_at,
        }));
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// A 401: the API server does not accept the credential.
fn unauthorized(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 401)
}

/// Runs the credential plugin again and builds a client with what it hands back; the error
/// says that the server refused the credential and what the plugin said.
async fn sign_in_again(target: &mut Target) -> Result<kube::Client, String> {
    let refused = "the API server refused the credential from the exec plugin (401 Unauthorized)";
    match target.sign_in_again(refused).await {
        Ok(_) => target
            .client()
            .await
            .map_err(|e| format!("{refused}; signed in again but: {e}")),
        Err(e) => {
            tracing::warn!("{e}");
            Err(format!("{refused}; running it again: {e}"))
        }
    }
}

/// Refreshes the plugin's credential before it expires: a token replaces the old one in the
/// clients already built (watches and requests carry on); a client certificate needs a new
/// client (the watches restart with it). A failure is said in the status line and tried
/// again until the credential expires; then the server's 401 takes over.
async fn refresh_ahead(
    target: &mut Target,
    tx: &super::Sender,
    client: &mut kube::Client,
    s: Schedule,
) -> Option<Schedule> {
    let reason = format!(
        "the credential from the exec plugin expires at {}",
        s.expires.strftime("%H:%M:%S UTC")
    );
    match target.sign_in_again(&reason).await {
        Ok(expires) => {
            tracing::info!(expired = %s.expires, next = ?expires, "credential refreshed ahead of its expiry");
            if !target.has_live_token() {
                match target.client().await {
                    Ok(c) => {
                        *client = c.clone();
                        let _ = tx.send(SourceEvent::Client(ClientHandle(c)));
                    }
                    Err(e) => tracing::warn!("after refreshing the credential: {e}"),
                }
            }
            target.refresh_schedule()
        }
        Err(e) => {
            tracing::warn!("refreshing the credential: {e}");
            let _ = tx.send(SourceEvent::Done {
                message: format!("refresh the credential ({reason})"),
                error: Some(e.to_string()),
            });
            s.failed(Timestamp::now())
        }
    }
}

/// When `/version` failed in a way a Kubernetes API never answers (a body that is not a
/// `Status`, or not JSON at all), asks again without parsing and names what came back:
/// "this server is not a Kubernetes API (got text/html from https://…/version)".
async fn not_kubernetes(client: &kube::Client, server: &str, e: &kube::Error) -> Option<String> {
    let foreign = match e {
        kube::Error::Api(s) => s.reason == "Failed to parse error data",
        kube::Error::SerdeError(_) => true,
        _ => false,
    };
    if !foreign {
        return None;
    }
    let request = http::Request::get("/version")
        .body(kube::client::Body::empty())
        .ok()?;
    let response = tokio::time::timeout(REQUEST_TIMEOUT, client.send(request))
        .await
        .ok()?
        .ok()?;
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_string();
    if super::explain::is_kubernetes_type(&content_type) {
        return None;
    }
    let got = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    Some(super::explain::not_kubernetes(
        &got,
        &format!("{server}/version"),
    ))
}

fn push_resources(
    kinds: &mut Vec<ResourceKind>,
    list: k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList,
) {
    kinds.extend(
        list.resources
            .into_iter()
            .filter(|r| r.verbs.is_empty() || r.verbs.iter().any(|v| v == "list"))
            .filter_map(|r| ResourceKind::from_discovery(&list.group_version, r)),
    );
}

/// Lists every group's preferred version and its resources, then reads CRD printer columns.
pub(crate) async fn discover(client: &kube::Client) -> Result<Catalog, kube::Error> {
    let mut kinds = Vec::new();
    let core = client.list_core_api_versions().await?;
    for v in core.versions {
        push_resources(&mut kinds, client.list_core_api_resources(&v).await?);
    }
    let groups = client.list_api_groups().await?;
    for g in groups.groups {
        let Some(gv) = g.preferred_version.or_else(|| g.versions.first().cloned()) else {
            continue;
        };
        match client.list_api_group_resources(&gv.group_version).await {
            Ok(list) => push_resources(&mut kinds, list),
            Err(e) => tracing::warn!("discovery of {}: {e}", gv.group_version),
        }
    }
    let crds = kinds
        .iter()
        .find(|k| k.group == "apiextensions.k8s.io" && k.plural == "customresourcedefinitions")
        .map(ResourceKind::api_resource);
    if let Some(ar) = crds {
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
        match api.list(&ListParams::default()).await {
            Ok(list) => {
                for crd in list.items {
                    apply_printer_columns(&mut kinds, &crd.data);
                }
            }
            Err(e) => tracing::warn!("reading CRD printer columns: {e}"),
        }
    }
    Ok(Catalog::new(kinds))
}

/// Copies a CRD's `additionalPrinterColumns` (for the served version) onto its kind.
pub(crate) fn apply_printer_columns(kinds: &mut [ResourceKind], crd: &Value) {
    let spec = &crd["spec"];
    let Some(group) = spec["group"].as_str() else {
        return;
    };
    let Some(plural) = spec["names"]["plural"].as_str() else {
        return;
    };
    for kind in kinds
        .iter_mut()
        .filter(|k| k.group == group && k.plural == plural)
    {
        kind.custom = true;
        let versions = spec["versions"].as_array().cloned().unwrap_or_default();
        let Some(v) = versions
            .iter()
            .find(|v| v["name"].as_str() == Some(kind.version.as_str()))
        else {
            continue;
        };
        kind.printer_columns = PrinterColumn::parse_list(&v["additionalPrinterColumns"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_columns_for_served_version() {
        let crd = serde_json::json!({"spec": {"group": "argoproj.io", "names": {"plural": "applications"},
            "versions": [{"name": "v1alpha1", "additionalPrinterColumns": [
                {"name": "Sync Status", "type": "string", "jsonPath": ".status.sync.status"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                {"name": "Revision", "type": "string", "jsonPath": ".status.sync.revision", "priority": 10}]}]}});
        let mut kinds = vec![ResourceKind {
            group: "argoproj.io".into(),
            version: "v1alpha1".into(),
            kind: "Application".into(),
            plural: "applications".into(),
            singular: "application".into(),
            short_names: vec![],
            namespaced: true,
            verbs: vec![],
            printer_columns: vec![],
            ..ResourceKind::default()
        }];
        apply_printer_columns(&mut kinds, &crd);
        let cols = &kinds[0].printer_columns;
        assert_eq!(cols.len(), 3);
        assert_eq!(cols[0].name, "Sync Status");
        assert_eq!(cols[1].type_, "date");
        assert_eq!(cols[2].priority, 10);
    }
}
