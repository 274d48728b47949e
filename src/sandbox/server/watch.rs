//! Watch streams: the store's events filtered per watcher, as JSON lines or tables, with
//! bookmarks.

use super::*;

/// What one watcher sees of the store's events.
struct WatchFilter {
    ns: String,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl WatchFilter {
    fn visible(&self, obj: &Value) -> bool {
        (self.ns.is_empty()
            || obj.pointer("/metadata/namespace").and_then(Value::as_str) == Some(self.ns.as_str()))
            && self.labels.matches(obj)
            && self.fields.matches(obj)
    }

    /// The event type this watcher gets for a store event, if any.
    fn translate(&self, ev: &WatchEvent) -> Option<&'static str> {
        let now = self.visible(&ev.object);
        match ev.type_ {
            EventType::Added | EventType::Deleted => now.then(|| ev.type_.as_str()),
            EventType::Modified => {
                let before = ev
                    .previous
                    .as_deref()
                    .map(|p| self.visible(p))
                    .unwrap_or(now);
                match (before, now) {
                    (true, true) => Some("MODIFIED"),
                    (false, true) => Some("ADDED"),
                    (true, false) => Some("DELETED"),
                    (false, false) => None,
                }
            }
        }
    }
}

/// One watch event line, serialized from the stored object without copying it.
pub(super) fn line(type_: &str, object: &Value) -> Bytes {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        #[serde(rename = "type")]
        type_: &'a str,
        object: &'a Value,
    }
    let mut s = serde_json::to_string(&Line { type_, object }).unwrap_or_default();
    s.push('\n');
    Bytes::from(s)
}

pub(super) fn stream_response(rx: mpsc::Receiver<Bytes>, content_type: &'static str) -> Response {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<Bytes, Infallible>(b), rx))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

pub(super) fn watch_response(
    sh: &Arc<Shared>,
    rt: &ResourceKind,
    ns: &str,
    params: &Params,
    as_table: bool,
    include: &str,
) -> ApiResult<Response> {
    let filter = WatchFilter {
        ns: ns.to_string(),
        labels: label_selector(params)?,
        fields: field_selector(rt, params)?,
    };
    let send_initial = params.get("sendInitialEvents").is_some_and(|v| v == "true");
    let from = match params.get("resourceVersion").map(String::as_str) {
        None | Some("") | Some("0") => None,
        Some(rv) if send_initial => {
            let _ = rv;
            None
        }
        Some(rv) => Some(rv.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!(
                "resourceVersion: Invalid value: \"{rv}\": must be an integer"
            ))
        })?),
    };
    let bookmarks = params
        .get("allowWatchBookmarks")
        .is_some_and(|v| v == "true");
    let timeout = params
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1800));
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let sub = match sh.store.watch(rt, from) {
        Ok(sub) => sub,
        Err(e) if e.code == 410 => {
            // Kubernetes answers an expired watch with 200 and an ERROR event.
            let _ = tx.try_send(line("ERROR", &e.status()));
            drop(tx);
            return Ok(stream_response(rx, "application/json"));
        }
        Err(e) => return Err(e),
    };
    let rt = rt.clone();
    let include = include.to_string();
    let key = ResKey::of(&rt);
    tokio::spawn(async move {
        fn render<'a>(
            obj: &'a Value,
            rv: u64,
            as_table: Option<(&ResourceKind, &str)>,
        ) -> std::borrow::Cow<'a, Value> {
            match as_table {
                Some((rt, include)) => {
                    std::borrow::Cow::Owned(table::table(rt, [obj], rv, None, include))
                }
                None => std::borrow::Cow::Borrowed(obj),
            }
        }
        let table_of = as_table.then_some((&rt, include.as_str()));
        let mut live = sub.live;
        let mut disconnect = sub.disconnect;
        let mut last_rv = sub.resource_version;
        for ev in &sub.initial {
            if let Some(t) = filter.translate(ev)
                && tx
                    .send(line(t, &render(&ev.object, ev.rv, table_of)))
                    .await
                    .is_err()
            {
                return;
            }
            last_rv = last_rv.max(ev.rv);
        }
        if send_initial {
            let bm = bookmark(&rt, sub.resource_version, true);
            if tx.send(line("BOOKMARK", &bm)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(Duration::from_secs(30));
        ticker.tick().await;
        loop {
            tokio::select! {
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        last_rv = last_rv.max(ev.rv);
                        if ev.key != key {
                            continue;
                        }
                        if let Some(t) = filter.translate(&ev)
                            && tx.send(line(t, &render(&ev.object, ev.rv, table_of))).await.is_err()
                        {
                            return;
                        }
                    }
                    // Too slow to keep up, or the store is gone: end the stream; the client
                    // re-watches from its last resourceVersion.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = disconnect.changed() => return,
                _ = &mut deadline => return,
                _ = tx.closed() => return,
                _ = ticker.tick(), if bookmarks => {
                    if tx.send(line("BOOKMARK", &bookmark(&rt, last_rv, false))).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    Ok(stream_response(rx, "application/json"))
}

pub(super) fn bookmark(rt: &ResourceKind, rv: u64, initial_end: bool) -> Value {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": meta})
}
