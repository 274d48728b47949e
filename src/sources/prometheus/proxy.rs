//! Prometheus reached through the Kubernetes API server's service proxy
//! (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/api/v1/…`), with the kube client's own
//! credentials: what `kubectl get --raw` does. No port-forward, no extra credentials.

use std::fmt;
use std::time::Duration;

use http_body_util::BodyExt as _;
use jiff::Timestamp;
use prometheus_http_query::response::PromqlResult;

use super::{PromError, api, convert};
use crate::domain::dashboard::QueryResult;

/// A Service in front of Prometheus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceRef {
    pub namespace: String,
    pub name: String,
    /// Port name, or number when unnamed.
    pub port: String,
}

impl fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service {}/{}:{}", self.namespace, self.name, self.port)
    }
}

impl ServiceRef {
    /// The proxy path prefix; Prometheus's API paths go after it.
    pub(crate) fn proxy_path(&self) -> String {
        format!(
            "/api/v1/namespaces/{}/services/{}:{}/proxy",
            self.namespace, self.name, self.port
        )
    }
}

#[derive(Clone)]
pub(crate) struct ProxyClient {
    client: kube::Client,
    service: ServiceRef,
    timeout: Duration,
}

impl fmt::Debug for ProxyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyClient")
            .field("service", &self.service)
            .finish()
    }
}

impl ProxyClient {
    pub(crate) fn new(client: kube::Client, service: ServiceRef) -> ProxyClient {
        ProxyClient {
            client,
            service,
            timeout: Duration::from_secs(30),
        }
    }

    pub(crate) fn service(&self) -> &ServiceRef {
        &self.service
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<T, PromError> {
        let query = {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in params {
                q.append_pair(k, v);
            }
            q.finish()
        };
        let mut uri = format!("{}{path}", self.service.proxy_path());
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(&query);
        }
        let via = self.service.to_string();
        let request = http::Request::get(&uri)
            .header(http::header::ACCEPT, "application/json")
            .body(kube::client::Body::empty())
            .map_err(|e| PromError::Other(format!("building the request to {via}: {e}")))?;
        let send = async {
            let response = self
                .client
                .send(request)
                .await
                .map_err(|e| PromError::Unreachable {
                    url: via.clone(),
                    detail: crate::sources::error_chain(&e),
                })?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| PromError::Unreachable {
                    url: via.clone(),
                    detail: crate::sources::error_chain(&e),
                })?
                .to_bytes();
            api::data(status, &body, &via)
        };
        tokio::time::timeout(self.timeout, send)
            .await
            .map_err(|_| PromError::Timeout {
                url: via.clone(),
                after: self.timeout,
            })?
    }

    pub(crate) async fn instant(
        &self,
        query: &str,
        at: Option<Timestamp>,
    ) -> Result<QueryResult, PromError> {
        let mut params = vec![("query", query.to_string())];
        if let Some(at) = at {
            params.push(("time", at.as_second().to_string()));
        }
        let r: PromqlResult = self.get("/api/v1/query", &params).await?;
        Ok(convert(r))
    }

    pub(crate) async fn range(
        &self,
        query: &str,
        start: Timestamp,
        end: Timestamp,
        step: Duration,
    ) -> Result<QueryResult, PromError> {
        let params = [
            ("query", query.to_string()),
            ("start", start.as_second().to_string()),
            ("end", end.as_second().to_string()),
            ("step", format!("{}", step.as_secs_f64().max(1.0))),
        ];
        let r: PromqlResult = self.get("/api/v1/query_range", &params).await?;
        Ok(convert(r))
    }

    pub(crate) async fn label_values(
        &self,
        label: &str,
        matches: &[String],
    ) -> Result<Vec<String>, PromError> {
        let params: Vec<(&str, String)> = matches.iter().map(|m| ("match[]", m.clone())).collect();
        self.get(&format!("/api/v1/label/{label}/values"), &params)
            .await
    }
}
