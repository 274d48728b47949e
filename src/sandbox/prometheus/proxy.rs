//! The Kubernetes service proxy path in front of the recorded Prometheus:
//! `/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/…`, resolved as the API
//! server resolves it (a port number maps to the Service's port name; a Service without
//! endpoints, or a port no endpoint has, is `503 ServiceUnavailable`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::PromState;
use super::api::serve;
use crate::sandbox::error::ApiError;

/// `…/proxy` (no path after it).
pub(crate) async fn root(
    State(st): State<Arc<PromState>>,
    Path((ns, svc)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&st, &ns, &svc, "", &method, &uri, &headers, &body)
}

/// `…/proxy/{*rest}`.
pub(crate) async fn proxied(
    State(st): State<Arc<PromState>>,
    Path((ns, svc, rest)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&st, &ns, &svc, &rest, &method, &uri, &headers, &body)
}

#[allow(clippy::too_many_arguments)]
fn handle(
    st: &PromState,
    ns: &str,
    svc: &str,
    rest: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    match resolve(st, ns, svc) {
        Ok(()) => serve(st, method, rest, uri.query(), headers, body),
        Err(e) => status_response(&e),
    }
}

fn status_response(err: &ApiError) -> Response {
    let code = StatusCode::from_u16(err.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (code, err.status().to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn unavailable(message: String) -> ApiError {
    ApiError::new(503, "ServiceUnavailable", message)
}

/// `svcname`, `svcname:port` or `scheme:svcname:port` (Kubernetes' `SplitSchemeNamePort`).
fn split_id(id: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = id.split(':').collect();
    let (name, port) = match parts.as_slice() {
        [name] => (*name, ""),
        [name, port] => (*name, *port),
        [scheme, name, port] if matches!(*scheme, "" | "http" | "https") => (*name, *port),
        _ => return None,
    };
    (!name.is_empty()).then_some((name, port))
}

/// Whether the proxy path reaches the recorded Prometheus; the API server's error if not.
fn resolve(st: &PromState, ns: &str, id: &str) -> Result<(), ApiError> {
    let Some((name, port)) = split_id(id) else {
        return Err(ApiError::bad_request(format!(
            "invalid service request {id:?}"
        )));
    };
    let reg = st.shared.store.registry();
    let rt = reg
        .lookup("", "v1", "services")
        .cloned()
        .ok_or_else(|| ApiError::internal("services are not registered"))?;
    let svc = st.shared.store.get(&rt, ns, name)?;
    let port_name = match port.parse::<i64>() {
        Ok(number) => port_name_of(&svc, number).ok_or_else(|| {
            unavailable(format!(
                "no service port {number} found for service {name:?}"
            ))
        })?,
        Err(_) => port.to_string(),
    };
    let recorded: Vec<_> = st
        .services
        .iter()
        .filter(|s| s.namespace == ns && s.name == name)
        .collect();
    if recorded.is_empty() {
        return Err(unavailable(format!(
            "no endpoints available for service {name:?}"
        )));
    }
    // A recorded port may be written as a number too: compare names.
    let same = |recorded: &str| match recorded.parse::<i64>() {
        Ok(n) => port_name_of(&svc, n).is_some_and(|p| p == port_name),
        Err(_) => recorded == port_name,
    };
    if recorded.iter().any(|s| same(&s.port)) {
        Ok(())
    } else {
        Err(unavailable(format!(
            "no endpoints available for service {id:?}"
        )))
    }
}

/// The name of the Service's port with this number ("" when unnamed).
fn port_name_of(svc: &Value, number: i64) -> Option<String> {
    svc.pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| p.get("port").and_then(Value::as_i64) == Some(number))
        .map(|p| {
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_ids() {
        assert_eq!(split_id("prom"), Some(("prom", "")));
        assert_eq!(split_id("prom:http-web"), Some(("prom", "http-web")));
        assert_eq!(split_id("http:prom:9090"), Some(("prom", "9090")));
        assert_eq!(split_id(":x"), None);
        assert_eq!(split_id("a:b:c:d"), None);
    }
}
