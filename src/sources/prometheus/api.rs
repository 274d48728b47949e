//! The Prometheus HTTP API's JSON envelope (`{"status":"success","data":…}` or
//! `{"status":"error","errorType":…,"error":…}`), read from raw bodies for the transports
//! that do not go through prometheus-http-query (the API server's service proxy, label
//! values with `match[]`). Kubernetes `Status` bodies (the proxy's own errors: no
//! endpoints, service not found, forbidden) are recognised too.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::PromError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    status: Option<String>,
    data: Option<Value>,
    error_type: Option<String>,
    error: Option<String>,
    /// A Kubernetes `Status` (from the API server, not Prometheus).
    kind: Option<String>,
    message: Option<String>,
}

/// The `data` of a successful answer, or the error it carries. `via` names the endpoint
/// for errors that are not Prometheus's own.
pub(crate) fn data<T: DeserializeOwned>(
    status: u16,
    body: &[u8],
    via: &str,
) -> Result<T, PromError> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let text = if text.len() > 200 { &text[..200] } else { text };
            return Err(PromError::Other(format!(
                "{via} answered HTTP {status} with a body that is not Prometheus JSON: {text}"
            )));
        }
    };
    if let (Some(error_type), Some(message)) = (&envelope.error_type, &envelope.error) {
        return Err(PromError::Query {
            error_type: error_type.clone(),
            message: message.clone(),
        });
    }
    if envelope.kind.as_deref() == Some("Status") {
        let message = envelope.message.unwrap_or_default();
        return Err(PromError::Unreachable {
            url: via.to_string(),
            detail: format!("HTTP {status}: {message}"),
        });
    }
    match (envelope.status.as_deref(), envelope.data) {
        (Some("success"), Some(data)) => serde_json::from_value(data)
            .map_err(|e| PromError::Other(format!("{via} answered with unexpected data: {e}"))),
        _ => Err(PromError::Other(format!(
            "{via} answered HTTP {status} without data"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_http_query::response::PromqlResult;

    #[test]
    fn success_error_and_kubernetes_status() {
        let ok = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"node":"a"},"value":[1700000000,"0.5"]}]}}"#;
        let r: PromqlResult = data(200, ok, "p").unwrap();
        assert!(!r.data().is_empty());
        let values: Vec<String> =
            data(200, br#"{"status":"success","data":["a","b"]}"#, "p").unwrap();
        assert_eq!(values, ["a", "b"]);

        let bad = br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:6: parse error: unclosed left parenthesis"}"#;
        let err = data::<PromqlResult>(400, bad, "p").unwrap_err();
        assert_eq!(err.position(), Some((1, 6)));
        assert!(err.is_bad_query());

        let status = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"no endpoints available for service \"prom\"","reason":"ServiceUnavailable","code":503}"#;
        let err = data::<PromqlResult>(503, status, "service monitoring/prom").unwrap_err();
        assert!(err.to_string().contains("no endpoints available"), "{err}");
        let err = data::<PromqlResult>(502, b"<html>bad gateway</html>", "p").unwrap_err();
        assert!(err.to_string().contains("HTTP 502"), "{err}");
    }
}
