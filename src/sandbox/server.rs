//! The HTTP side: routes Kubernetes API paths to the store, decodes bodies (JSON, YAML,
//! protobuf), encodes lists, tables and watch streams, and turns errors into `Status`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::discovery;
use super::error::{ApiError, ApiResult};
use super::logs::{LogQuery, Logs, format_line};
use super::protobuf;
use super::registry::{ResKey, ResourceKind};
use super::selector::{FieldSelector, LabelSelector};
use super::store::{EventType, PatchType, Store, Sub, WatchEvent, WriteOpts, scale_of};
use super::table;

mod logs;
mod watch;

use self::logs::log_response;
use self::watch::watch_response;

/// State shared by every request.
pub struct Shared {
    pub store: Store,
    pub logs: Logs,
    pub kubernetes_version: String,
    pub server_address: String,
}

/// The largest request body accepted (the API server's limit): larger is 413.
pub(crate) const MAX_BODY: usize = 3 * 1024 * 1024;
/// The longest request URI answered with a `Status` (hyper answers a bare 414 beyond 64 KiB).
pub(crate) const MAX_URI: usize = 32 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

type Params = HashMap<String, String>;

fn json_response(code: StatusCode, value: &Value) -> Response {
    let mut resp = (code, value.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn error_response(err: &ApiError) -> Response {
    let code = StatusCode::from_u16(err.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(code, &err.status())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    // Limits answer with `Status` objects, as every other error does.
    if uri.to_string().len() > MAX_URI {
        return error_response(&ApiError::new(
            414,
            "RequestURITooLong",
            format!("Request-URI Too Long: limit is {MAX_URI} bytes"),
        ));
    }
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error_response(&ApiError::new(
                413,
                "RequestEntityTooLarge",
                format!("Request entity too large: limit is {MAX_BODY}"),
            ));
        }
        Err(e) => return error_response(&ApiError::bad_request(e.body_text())),
    };
    let params: Params = Query::try_from_uri(&uri).map(|q| q.0).unwrap_or_default();
    let path = uri.path().trim_matches('/').to_string();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    tracing::debug!(%method, %uri, "request");
    match route(&shared, &method, &segs, &params, &headers, &body).await {
        Ok(resp) => resp,
        Err(e) => error_response(&e),
    }
}

async fn route(
    sh: &Arc<Shared>,
    method: &Method,
    segs: &[&str],
    params: &Params,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<Response> {
    let reg = || sh.store.registry();
    let ok = |v: Value| Ok(json_response(StatusCode::OK, &v));
    let not_found = || ApiError::no_resource(&format!("get /{}", segs.join("/")));
    let aggregated = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("as=APIGroupDiscoveryList"));
    if method == Method::GET && aggregated && matches!(segs, ["api"] | ["apis"]) {
        let doc = discovery::aggregated(&reg(), segs == ["api"]);
        let mut resp = json_response(StatusCode::OK, &doc);
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(discovery::AGGREGATED_CONTENT_TYPE),
        );
        return Ok(resp);
    }
    if method == Method::GET {
        match segs {
            ["version"] => return ok(discovery::version(&sh.kubernetes_version)),
            ["healthz" | "livez" | "readyz"] => return Ok((StatusCode::OK, "ok").into_response()),
            ["api"] => return ok(discovery::core_versions(&sh.server_address)),
            ["apis"] => return ok(discovery::group_list(&reg())),
            ["api", v] => {
                return discovery::resource_list(&reg(), "", v)
                    .map_or_else(|| Err(not_found()), ok);
            }
            ["apis", g] => return discovery::group(&reg(), g).map_or_else(|| Err(not_found()), ok),
            ["apis", g, v] => {
                return discovery::resource_list(&reg(), g, v).map_or_else(|| Err(not_found()), ok);
            }
            ["openapi", "v3"] => return ok(discovery::openapi_index(&reg())),
            ["openapi", "v3", "api", v] => {
                return discovery::openapi_group_version(&reg(), "", v)
                    .map_or_else(|| Err(not_found()), ok);
            }
            ["openapi", "v3", "apis", g, v] => {
                return discovery::openapi_group_version(&reg(), g, v)
                    .map_or_else(|| Err(not_found()), ok);
            }
            ["openapi", ..] => {
                return Err(ApiError::no_resource("the sandbox serves /openapi/v3 only"));
            }
            _ => {}
        }
    }
    let (group, version, rest) = match segs {
        ["api", v, rest @ ..] if !rest.is_empty() => ("", *v, rest),
        ["apis", g, v, rest @ ..] if !rest.is_empty() => (*g, *v, rest),
        _ => {
            return Err(ApiError::no_resource(&format!(
                "{} /{}",
                method.as_str().to_lowercase(),
                segs.join("/")
            )));
        }
    };
    if discovery::resource_list(&reg(), group, version).is_none() {
        // An unknown group or version is not an API path at all: the API server's plain 404.
        return Ok((
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "404 page not found\n",
        )
            .into_response());
    }
    let req = ResourceRequest::parse(sh, group, version, rest)?;
    req.serve(sh, method, params, headers, body).await
}

/// A request for a resource path: `[namespaces/{ns}/]{plural}[/{name}[/{sub}]]`.
struct ResourceRequest {
    rt: ResourceKind,
    ns: String,
    name: Option<String>,
    sub: Option<String>,
    legacy_watch: bool,
}

impl ResourceRequest {
    fn parse(sh: &Shared, group: &str, version: &str, mut rest: &[&str]) -> ApiResult<Self> {
        let reg = sh.store.registry();
        let mut legacy_watch = false;
        if rest.first() == Some(&"watch") {
            legacy_watch = true;
            rest = &rest[1..];
        }
        let mut ns = String::new();
        if rest.len() >= 3
            && rest[0] == "namespaces"
            && reg
                .lookup(group, version, rest[2])
                .is_some_and(|t| t.namespaced)
        {
            ns = rest[1].to_string();
            rest = &rest[2..];
        }
        let plural = rest.first().copied().unwrap_or("");
        let rt = reg.lookup(group, version, plural).cloned().ok_or_else(|| {
            let gv = if group.is_empty() {
                version.to_string()
            } else {
                format!("{group}/{version}")
            };
            ApiError::no_resource(&format!("{gv} {plural}"))
        })?;
        if rest.len() > 3 {
            return Err(ApiError::no_resource(&rest.join("/")));
        }
        Ok(ResourceRequest {
            rt,
            ns,
            name: rest.get(1).map(|s| s.to_string()),
            sub: rest.get(2).map(|s| s.to_string()),
            legacy_watch,
        })
    }

    fn sub(&self) -> ApiResult<Sub> {
        match self.sub.as_deref() {
            None => Ok(Sub::Main),
            Some("status") if self.rt.status => Ok(Sub::Status),
            Some("scale") if self.rt.scale.is_some() => Ok(Sub::Scale),
            Some(other) => Err(ApiError::no_resource(&format!(
                "{}/{other}",
                self.rt.plural
            ))),
        }
    }

    async fn serve(
        self,
        sh: &Arc<Shared>,
        method: &Method,
        params: &Params,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> ApiResult<Response> {
        let rt = &self.rt;
        if rt.namespaced && self.ns.is_empty() && self.name.is_some() {
            return Err(ApiError::no_resource(&format!(
                "{} requires a namespace",
                rt.plural
            )));
        }
        if !rt.namespaced && !self.ns.is_empty() {
            return Err(ApiError::no_resource(&format!(
                "{} is not namespaced",
                rt.plural
            )));
        }
        let opts = WriteOpts {
            dry_run: params.get("dryRun").is_some_and(|v| v == "All"),
            field_manager: params.get("fieldManager").cloned(),
            force: params.get("force").is_some_and(|v| v == "true"),
            propagation: None,
        };
        if let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
            && !acceptable(accept)
        {
            return Err(ApiError::new(
                406,
                "NotAcceptable",
                "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
            ));
        }
        let as_table = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("as=Table"));
        let include = params
            .get("includeObject")
            .map(String::as_str)
            .unwrap_or("Metadata");
        let obj_response = |code: StatusCode, obj: &Value| {
            if as_table {
                let rv = obj
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                json_response(code, &table::table(rt, [obj], rv, None, include))
            } else {
                json_response(code, obj)
            }
        };
        let name = self.name.as_deref();
        match (method.clone(), name) {
            (Method::GET, None) => {
                let watch = self.legacy_watch
                    || params.get("watch").is_some_and(|v| v == "true" || v == "1");
                if watch {
                    return watch_response(sh, rt, &self.ns, params, as_table, include);
                }
                list_response(sh, rt, &self.ns, params, as_table, include)
            }
            (Method::GET, Some(name)) => {
                if self.legacy_watch {
                    let mut p = params.clone();
                    p.insert("fieldSelector".into(), format!("metadata.name={name}"));
                    return watch_response(sh, rt, &self.ns, &p, as_table, include);
                }
                if self.sub.as_deref() == Some("log") && rt.group.is_empty() && rt.plural == "pods"
                {
                    return log_response(sh, &self.ns, name, params).await;
                }
                if let Some(e) = streaming_sub(sh, rt, &self.ns, name, self.sub.as_deref()) {
                    return Err(e);
                }
                let obj = sh.store.get(rt, &self.ns, name)?;
                match self.sub()? {
                    Sub::Scale => Ok(json_response(StatusCode::OK, &scale_of(rt, &obj)?)),
                    _ => Ok(obj_response(StatusCode::OK, &obj)),
                }
            }
            (Method::POST, None) => {
                if rt.namespaced && self.ns.is_empty() {
                    return Err(ApiError::no_resource(&format!(
                        "{} requires a namespace",
                        rt.plural
                    )));
                }
                let obj = decode_body(headers, body)?;
                let created = sh.store.create(rt, &self.ns, obj, &opts)?;
                Ok(obj_response(StatusCode::CREATED, &created))
            }
            (Method::POST, Some(name))
                if let Some(e) = streaming_sub(sh, rt, &self.ns, name, self.sub.as_deref()) =>
            {
                Err(e)
            }
            (Method::POST, Some(_)) => Err(ApiError::method_not_allowed(format!(
                "the sandbox does not support {} on {}/{}",
                self.sub.as_deref().unwrap_or("POST"),
                rt.plural,
                self.sub.as_deref().unwrap_or("")
            ))),
            (Method::PUT, Some(name)) => {
                let obj = decode_body(headers, body)?;
                let updated = sh
                    .store
                    .update(rt, &self.ns, name, obj, self.sub()?, &opts)?;
                match self.sub()? {
                    Sub::Scale => Ok(json_response(StatusCode::OK, &scale_of(rt, &updated)?)),
                    _ => Ok(obj_response(StatusCode::OK, &updated)),
                }
            }
            (Method::PATCH, Some(name)) => {
                let ct = content_type(headers);
                let patch_type = match ct.as_str() {
                    "application/json-patch+json" => PatchType::Json,
                    "application/merge-patch+json" => PatchType::Merge,
                    "application/strategic-merge-patch+json" => PatchType::Strategic,
                    "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                        PatchType::Apply
                    }
                    other => {
                        return Err(ApiError::unsupported_media(format!(
                            "the body of the request was in an unknown format ({other}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
                        )));
                    }
                };
                let patch = parse_text_body(body, patch_type == PatchType::Apply)?;
                let sub = self.sub()?;
                let existed = sh.store.get(rt, &self.ns, name).is_ok();
                let patched = sh
                    .store
                    .patch(rt, &self.ns, name, patch_type, &patch, sub, &opts)?;
                let code = if existed {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                };
                match sub {
                    Sub::Scale => Ok(json_response(code, &scale_of(rt, &patched)?)),
                    _ => Ok(obj_response(code, &patched)),
                }
            }
            (Method::DELETE, Some(name)) => {
                let options: Value = if body.is_empty() {
                    json!({})
                } else {
                    decode_body(headers, body).unwrap_or(json!({}))
                };
                let dry_run = opts.dry_run
                    || options
                        .get("dryRun")
                        .and_then(Value::as_array)
                        .is_some_and(|a| a.iter().any(|v| v == "All"));
                let precondition = options
                    .pointer("/preconditions/resourceVersion")
                    .and_then(Value::as_str);
                let propagation = params
                    .get("propagationPolicy")
                    .cloned()
                    .or_else(|| {
                        options
                            .get("propagationPolicy")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .or_else(|| {
                        // The older orphanDependents option.
                        (options.get("orphanDependents") == Some(&json!(true))
                            || params.get("orphanDependents").is_some_and(|v| v == "true"))
                        .then(|| "Orphan".to_string())
                    });
                let opts = WriteOpts {
                    dry_run,
                    propagation,
                    ..opts
                };
                if rt.group.is_empty() && rt.plural == "namespaces" && !opts.dry_run {
                    let marked = sh.store.begin_namespace_deletion(name)?;
                    let sh = Arc::clone(sh);
                    let name = name.to_string();
                    tokio::spawn(async move {
                        tokio::time::sleep(NAMESPACE_TERMINATION).await;
                        sh.store.finish_namespace_deletion(&name);
                    });
                    return Ok(obj_response(StatusCode::OK, &marked));
                }
                let deleted = sh.store.delete(rt, &self.ns, name, &opts, precondition)?;
                if deleted.pointer("/metadata/deletionTimestamp").is_none()
                    && !returns_deleted_object(rt)
                    && !as_table
                {
                    return Ok(json_response(StatusCode::OK, &deleted_status(rt, &deleted)));
                }
                Ok(obj_response(StatusCode::OK, &deleted))
            }
            (Method::DELETE, None) => {
                let labels = label_selector(params)?;
                let fields = field_selector(rt, params)?;
                let page = sh.store.list(rt, &self.ns, &labels, &fields, None, None)?;
                let mut items = Vec::new();
                for obj in page.items {
                    let ns = obj
                        .pointer("/metadata/namespace")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let n = obj
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if let Ok(d) = sh.store.delete(rt, ns, n, &opts, None) {
                        items.push(d);
                    }
                }
                let items: Vec<&Value> = items.iter().map(|o| o.as_ref()).collect();
                Ok(list_json(
                    rt,
                    &items,
                    sh.store.resource_version(),
                    None,
                    None,
                ))
            }
            (m, _) => Err(ApiError::method_not_allowed(format!(
                "the server does not allow this method on the requested resource ({m} {})",
                rt.plural
            ))),
        }
    }
}

/// How long a deleted namespace stays `Terminating` before it and its contents go (the API
/// server's namespace controller takes about as long for an almost empty namespace).
const NAMESPACE_TERMINATION: Duration = Duration::from_millis(500);

/// Whether an `Accept` header names a media type the API serves (JSON, YAML, protobuf or a
/// wildcard).
fn acceptable(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let media = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        media.is_empty()
            || matches!(
                media.as_str(),
                "*/*"
                    | "application/*"
                    | "application/json"
                    | "application/yaml"
                    | "application/vnd.kubernetes.protobuf"
                    | "application/cbor"
            )
    })
}

/// Whether a DELETE that removed the object at once answers with the object (as these
/// resources do on the API server) rather than a `Status` of success.
fn returns_deleted_object(rt: &ResourceKind) -> bool {
    rt.custom
        || (rt.group.is_empty()
            && matches!(
                rt.plural.as_str(),
                "pods" | "namespaces" | "services" | "serviceaccounts"
            ))
        || matches!(
            (rt.group.as_str(), rt.plural.as_str()),
            ("storage.k8s.io", "storageclasses")
                | ("apiextensions.k8s.io", "customresourcedefinitions")
        )
}

/// The `Status` a DELETE answers when the object is gone.
fn deleted_status(rt: &ResourceKind, deleted: &Value) -> Value {
    let mut details = json!({
        "name": deleted.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
        "kind": rt.plural,
        "uid": deleted.pointer("/metadata/uid").cloned().unwrap_or(Value::Null),
    });
    if !rt.group.is_empty() {
        details["group"] = json!(rt.group);
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Decodes a request body by its content type.
fn decode_body(headers: &HeaderMap, body: &Bytes) -> ApiResult<Value> {
    let ct = content_type(headers);
    if protobuf::is_protobuf(&ct) {
        return protobuf::decode(body).map_err(|e| ApiError::unsupported_media(e.to_string()));
    }
    if ct.contains("cbor") {
        return Err(ApiError::unsupported_media(
            "the sandbox does not accept CBOR bodies; send application/json",
        ));
    }
    if !(ct.contains("json") || ct.contains("yaml")) {
        return Err(ApiError::unsupported_media(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        ));
    }
    parse_text_body(body, ct.contains("yaml"))
}

fn parse_text_body(body: &Bytes, yaml: bool) -> ApiResult<Value> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(e) if !yaml => Err(ApiError::bad_request(format!(
            "the request body is not valid JSON: {e}"
        ))),
        Err(_) => serde_saphyr::from_str::<Value>(text)
            .map_err(|e| ApiError::bad_request(format!("the request body is not valid YAML: {e}"))),
    }
}

fn label_selector(params: &Params) -> ApiResult<LabelSelector> {
    LabelSelector::parse(
        params
            .get("labelSelector")
            .map(String::as_str)
            .unwrap_or(""),
    )
    .map_err(ApiError::bad_request)
}

/// The field selector of a request; a field the kind does not index is 400, as from the
/// API server (`field label not supported: …`).
fn field_selector(rt: &ResourceKind, params: &Params) -> ApiResult<FieldSelector> {
    let sel = FieldSelector::parse(
        params
            .get("fieldSelector")
            .map(String::as_str)
            .unwrap_or(""),
    )
    .map_err(ApiError::bad_request)?;
    sel.check_fields(&rt.group, &rt.kind)
        .map_err(ApiError::bad_request)?;
    Ok(sel)
}

/// A `<Kind>List` body, serialized from the stored objects without copying them.
fn list_json(
    rt: &ResourceKind,
    items: &[&Value],
    rv: u64,
    cont: Option<String>,
    remaining: Option<usize>,
) -> Response {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ListBody<'a> {
        kind: String,
        api_version: String,
        metadata: Value,
        items: &'a [&'a Value],
    }
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if let Some(c) = cont {
        metadata["continue"] = json!(c);
    }
    if let Some(r) = remaining {
        metadata["remainingItemCount"] = json!(r);
    }
    let body = ListBody {
        kind: format!("{}List", rt.kind),
        api_version: rt.api_version(),
        metadata,
        items,
    };
    match serde_json::to_string(&body) {
        Ok(text) => {
            let mut resp = (StatusCode::OK, text).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
        Err(e) => error_response(&ApiError::internal(format!("encoding the list: {e}"))),
    }
}

fn list_response(
    sh: &Shared,
    rt: &ResourceKind,
    ns: &str,
    params: &Params,
    as_table: bool,
    include: &str,
) -> ApiResult<Response> {
    let labels = label_selector(params)?;
    let fields = field_selector(rt, params)?;
    let limit = params.get("limit").and_then(|l| l.parse().ok());
    let page = sh.store.list(
        rt,
        ns,
        &labels,
        &fields,
        limit,
        params.get("continue").map(String::as_str),
    )?;
    if as_table {
        let body = table::table(
            rt,
            page.items.iter().map(|o| o.as_ref()),
            page.resource_version,
            page.continue_token.as_deref(),
            include,
        );
        return Ok(json_response(StatusCode::OK, &body));
    }
    let items: Vec<&Value> = page.items.iter().map(|o| o.as_ref()).collect();
    Ok(list_json(
        rt,
        &items,
        page.resource_version,
        page.continue_token,
        page.remaining,
    ))
}

/// The pod subresources that stream from a container (exec, attach, portforward): the
/// sandbox runs no container, so it answers as the API server answers a verb a resource does
/// not serve (a `Status` with 405 MethodNotAllowed), saying why — after a 404 for a pod that
/// does not exist, as the real server checks that first.
fn streaming_sub(
    sh: &Arc<Shared>,
    rt: &ResourceKind,
    ns: &str,
    name: &str,
    sub: Option<&str>,
) -> Option<ApiError> {
    let sub = sub.filter(|s| matches!(*s, "exec" | "attach" | "portforward"))?;
    if !(rt.group.is_empty() && rt.plural == "pods") {
        return None;
    }
    if let Err(e) = sh.store.get(rt, ns, name) {
        return Some(e);
    }
    Some(ApiError::method_not_allowed(format!(
        "{sub} is not available in the sandbox: it replays a recording and runs no containers (use a real cluster for shells and port forwards)"
    )))
}
