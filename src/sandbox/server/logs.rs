//! The pod `log` subresource: history and follow, as a text stream.

use super::watch::stream_response;
use super::*;

pub(super) async fn log_response(
    sh: &Arc<Shared>,
    ns: &str,
    pod_name: &str,
    params: &Params,
) -> ApiResult<Response> {
    let reg = sh.store.registry();
    let pods = reg
        .lookup("", "v1", "pods")
        .cloned()
        .ok_or_else(|| ApiError::internal("pods are not registered"))?;
    let pod = sh.store.get(&pods, ns, pod_name)?;
    let containers: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let init: Vec<String> = pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let container = match params.get("container") {
        Some(c) if containers.contains(c) || init.contains(c) => c.clone(),
        Some(c) => {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {pod_name}"
            )));
        }
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let q = LogQuery {
        previous: params.get("previous").is_some_and(|v| v == "true"),
        timestamps: params.get("timestamps").is_some_and(|v| v == "true"),
        tail_lines: params.get("tailLines").and_then(|v| v.parse().ok()),
        since_seconds: params.get("sinceSeconds").and_then(|v| v.parse().ok()),
        since_time: match params.get("sinceTime") {
            None => None,
            Some(t) => Some(t.parse::<jiff::Timestamp>().map_err(|_| {
                ApiError::bad_request(format!(
                    "sinceTime: Invalid value: \"{t}\": must be an RFC 3339 time"
                ))
            })?),
        },
    };
    let key = (ns.to_string(), pod_name.to_string(), container.clone());
    let (lines, mut live) = sh.logs.read(&key, &q).ok_or_else(|| {
        ApiError::bad_request(format!(
            "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
        ))
    })?;
    let follow = params.get("follow").is_some_and(|v| v == "true") && !q.previous;
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let timestamps = q.timestamps;
    tokio::spawn(async move {
        for l in lines {
            if tx
                .send(Bytes::from(format_line(&l, timestamps)))
                .await
                .is_err()
            {
                return;
            }
        }
        if !follow {
            return;
        }
        loop {
            tokio::select! {
                msg = live.recv() => match msg {
                    Ok((k, l)) if k == key => {
                        if tx.send(Bytes::from(format_line(&l, timestamps))).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tx.closed() => return,
            }
        }
    });
    Ok(stream_response(rx, "text/plain"))
}
