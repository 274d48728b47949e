//! The EKS API subset the console uses (restJson1, as aws-sdk-eks speaks it), served under
//! `/eks` from the recording's `eks:` section: ListClusters, DescribeCluster,
//! ListNodegroups, DescribeNodegroup, UpdateNodegroupConfig.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use serde_json::{Map, Value, json};

use crate::recording::eks::EksRecording;

#[derive(Default)]
pub(crate) struct EksState {
    data: Mutex<EksRecording>,
    updates: Mutex<u64>,
}

impl EksState {
    pub(crate) fn new(rec: EksRecording) -> Self {
        EksState {
            data: Mutex::new(rec),
            updates: Mutex::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EksRecording> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) fn router(state: Arc<EksState>) -> Router {
    Router::new()
        .route("/clusters", get(list_clusters))
        .route("/clusters/{name}", get(describe_cluster))
        .route("/clusters/{name}/node-groups", get(list_nodegroups))
        .route("/clusters/{name}/node-groups/{ng}", get(describe_nodegroup))
        .route(
            "/clusters/{name}/node-groups/{ng}/update-config",
            post(update_nodegroup_config),
        )
        .fallback(unsupported)
        .with_state(state)
}

/// An AWS restJson1 error: the type in `x-amzn-ErrorType`, the message in the body.
fn aws_error(code: StatusCode, kind: &str, message: &str) -> Response {
    let mut resp = (code, json!({"message": message}).to_string()).into_response();
    if let Ok(v) = HeaderValue::from_str(kind) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn ok(v: Value) -> Response {
    let mut resp = (StatusCode::OK, v.to_string()).into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn unsupported() -> Response {
    aws_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestException",
        "the opsdeck sandbox serves ListClusters, DescribeCluster, ListNodegroups, DescribeNodegroup and UpdateNodegroupConfig only",
    )
}

/// AWS JSON carries times as epoch seconds; recordings keep them as RFC 3339.
fn wire(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let out = match (k.as_str(), v) {
                        ("createdAt" | "modifiedAt", Value::String(s)) => s
                            .parse::<jiff::Timestamp>()
                            .map(|t| json!(t.as_millisecond() as f64 / 1000.0))
                            .unwrap_or_else(|_| v.clone()),
                        _ => wire(v),
                    };
                    (k.clone(), out)
                })
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(wire).collect()),
        other => other.clone(),
    }
}

fn not_found_cluster(name: &str) -> Response {
    aws_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        &format!("No cluster found for name: {name}."),
    )
}

async fn list_clusters(State(st): State<Arc<EksState>>) -> Response {
    let data = st.lock();
    let names: Vec<&str> = data
        .clusters
        .iter()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .collect();
    ok(json!({"clusters": names}))
}

async fn describe_cluster(State(st): State<Arc<EksState>>, Path(name): Path<String>) -> Response {
    let data = st.lock();
    match data
        .clusters
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name.as_str()))
    {
        Some(c) => ok(json!({"cluster": wire(c)})),
        None => not_found_cluster(&name),
    }
}

fn has_cluster(data: &EksRecording, name: &str) -> bool {
    data.clusters
        .iter()
        .any(|c| c.get("name").and_then(Value::as_str) == Some(name))
}

async fn list_nodegroups(State(st): State<Arc<EksState>>, Path(name): Path<String>) -> Response {
    let data = st.lock();
    if !has_cluster(&data, &name) {
        return not_found_cluster(&name);
    }
    let names: Vec<&str> = data
        .nodegroups
        .iter()
        .filter(|n| n.get("clusterName").and_then(Value::as_str) == Some(name.as_str()))
        .filter_map(|n| n.get("nodegroupName").and_then(Value::as_str))
        .collect();
    ok(json!({"nodegroups": names}))
}

fn find_nodegroup<'a>(
    data: &'a mut EksRecording,
    cluster: &str,
    ng: &str,
) -> Option<&'a mut Value> {
    data.nodegroups.iter_mut().find(|n| {
        n.get("clusterName").and_then(Value::as_str) == Some(cluster)
            && n.get("nodegroupName").and_then(Value::as_str) == Some(ng)
    })
}

fn not_found_nodegroup(ng: &str) -> Response {
    aws_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        &format!("No node group found for name: {ng}."),
    )
}

async fn describe_nodegroup(
    State(st): State<Arc<EksState>>,
    Path((name, ng)): Path<(String, String)>,
) -> Response {
    let mut data = st.lock();
    if !has_cluster(&data, &name) {
        return not_found_cluster(&name);
    }
    match find_nodegroup(&mut data, &name, &ng) {
        Some(n) => ok(json!({"nodegroup": wire(n)})),
        None => not_found_nodegroup(&ng),
    }
}

/// Applies a scaling/labels/taints update at once (a real update takes minutes) and
/// answers with the `update` record as EKS does.
async fn update_nodegroup_config(
    State(st): State<Arc<EksState>>,
    Path((name, ng)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterException",
                &format!("request body is not JSON: {e}"),
            );
        }
    };
    let mut data = st.lock();
    if !has_cluster(&data, &name) {
        return not_found_cluster(&name);
    }
    let Some(n) = find_nodegroup(&mut data, &name, &ng) else {
        return not_found_nodegroup(&ng);
    };
    let mut params = Vec::new();
    if let Some(sc) = req.get("scalingConfig").and_then(Value::as_object) {
        let current = n.get("scalingConfig").cloned().unwrap_or(json!({}));
        let pick = |k: &str| {
            sc.get(k)
                .or_else(|| current.get(k))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        let (min, desired, max) = (pick("minSize"), pick("desiredSize"), pick("maxSize"));
        if max < 1 || min > max || desired < min || desired > max {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterException",
                &format!(
                    "Invalid scaling configuration: minSize {min}, desiredSize {desired}, maxSize {max} (need 0 <= min <= desired <= max, max >= 1)"
                ),
            );
        }
        n["scalingConfig"] = json!({"minSize": min, "desiredSize": desired, "maxSize": max});
        for (k, v) in [("MinSize", min), ("DesiredSize", desired), ("MaxSize", max)] {
            if sc.contains_key(&format!("{}{}", k[..1].to_ascii_lowercase(), &k[1..])) {
                params.push(json!({"type": k, "value": v.to_string()}));
            }
        }
    }
    if let Some(labels) = req.get("labels") {
        let mut current = n
            .get("labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(add) = labels.get("addOrUpdateLabels").and_then(Value::as_object) {
            for (k, v) in add {
                current.insert(k.clone(), v.clone());
            }
            params.push(
                json!({"type": "LabelsToAdd", "value": Value::Object(add.clone()).to_string()}),
            );
        }
        if let Some(remove) = labels.get("removeLabels").and_then(Value::as_array) {
            for k in remove.iter().filter_map(Value::as_str) {
                current.remove(k);
            }
            params.push(json!({"type": "LabelsToRemove", "value": Value::Array(remove.clone()).to_string()}));
        }
        n["labels"] = Value::Object(current);
    }
    if let Some(taints) = req.get("taints") {
        let mut current = n
            .get("taints")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let key_of = |t: &Value| (t.get("key").cloned(), t.get("effect").cloned());
        if let Some(remove) = taints.get("removeTaints").and_then(Value::as_array) {
            current.retain(|t| !remove.iter().any(|r| key_of(r) == key_of(t)));
        }
        if let Some(add) = taints.get("addOrUpdateTaints").and_then(Value::as_array) {
            for t in add {
                current.retain(|c| key_of(c) != key_of(t));
                current.push(t.clone());
            }
        }
        n["taints"] = Value::Array(current);
    }
    let now = jiff::Timestamp::now();
    n["modifiedAt"] = json!(now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    drop(data);
    let id = {
        let mut c = st.updates.lock().unwrap_or_else(|e| e.into_inner());
        *c += 1;
        *c
    };
    ok(json!({"update": {
        "id": format!("00000000-0000-4000-8000-{id:012}"),
        "status": "InProgress",
        "type": "ConfigUpdate",
        "params": params,
        "createdAt": now.as_millisecond() as f64 / 1000.0,
        "errors": [],
    }}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_entry() {
        let rec = EksRecording {
            clusters: vec![json!({"name": "prod"})],
            nodegroups: vec![json!({"nodegroupName": "infra", "clusterName": "other"})],
        };
        let (field, msg) = rec.validate().unwrap_err();
        assert_eq!(field, "eks.nodegroups[0].clusterName");
        assert!(msg.contains("other"));
    }

    #[test]
    fn wire_times_are_epoch_seconds() {
        let v = wire(
            &json!({"createdAt": "2026-11-01T09:00:00Z", "nested": [{"modifiedAt": "1970-01-01T00:00:10Z"}]}),
        );
        let want = "2026-11-01T09:00:00Z"
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_second() as f64)
            .ok();
        assert_eq!(v["createdAt"].as_f64(), want);
        assert_eq!(v["nested"][0]["modifiedAt"].as_f64(), Some(10.0));
    }
}
