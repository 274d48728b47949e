//! The HTTP API: `/api/v1/query`, `/query_range`, `/labels`, `/label/NAME/values`,
//! `/series`, `/status/buildinfo` (and `/-/healthy`, `/-/ready`), with Prometheus's JSON,
//! parameter validation, messages and status codes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{LOOKBACK_MS, MAX_POINTS, PromState, eval};
use crate::domain::dashboard::promql::{self, Selector};
use crate::recording::prometheus::format_value;

/// `/prometheus/{*rest}`.
pub(crate) async fn direct(
    State(st): State<Arc<PromState>>,
    Path(rest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(&st, &method, &rest, uri.query(), &headers, &body)
}

/// A Prometheus API error: `errorType` and message, with the status code Prometheus uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PromApiError {
    pub error_type: &'static str,
    pub message: String,
}

impl PromApiError {
    pub(crate) fn bad_data(message: impl Into<String>) -> Self {
        PromApiError {
            error_type: "bad_data",
            message: message.into(),
        }
    }

    fn invalid_param(param: &str, message: impl std::fmt::Display) -> Self {
        Self::bad_data(format!("invalid parameter {param:?}: {message}"))
    }

    fn code(&self) -> StatusCode {
        match self.error_type {
            "bad_data" => StatusCode::BAD_REQUEST,
            "execution" => StatusCode::UNPROCESSABLE_ENTITY,
            "timeout" | "canceled" => StatusCode::SERVICE_UNAVAILABLE,
            "not_found" => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn response(&self) -> Response {
        json_response(
            self.code(),
            json!({"status": "error", "errorType": self.error_type, "error": self.message})
                .to_string(),
        )
    }
}

type ApiResult = Result<String, PromApiError>;

fn json_response(code: StatusCode, body: String) -> Response {
    let mut resp = (code, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn text_response(code: StatusCode, body: &'static str) -> Response {
    let mut resp = (code, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// Serves one API path (`api/v1/query`…, without a leading slash).
pub fn serve(
    st: &PromState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let path = path.trim_start_matches('/');
    let form = is_form(headers);
    let params = Params::new(query.unwrap_or(""), if form { body } else { &[] });
    let get_post = matches!(*method, Method::GET | Method::POST);
    let result = match path {
        "-/healthy" if get_post || method == Method::HEAD => {
            return text_response(StatusCode::OK, "Prometheus Server is Healthy.\n");
        }
        "-/ready" if get_post || method == Method::HEAD => {
            return text_response(StatusCode::OK, "Prometheus Server is Ready.\n");
        }
        "api/v1/query" if get_post => instant(st, &params),
        "api/v1/query_range" if get_post => range(st, &params),
        "api/v1/labels" if get_post => labels(st, &params),
        "api/v1/series" if get_post => series(st, &params),
        "api/v1/status/buildinfo" if *method == Method::GET => Ok(buildinfo(st)),
        p if p.starts_with("api/v1/label/") && p.ends_with("/values") => {
            if *method != Method::GET {
                return text_response(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
            }
            let name = &p["api/v1/label/".len()..p.len() - "/values".len()];
            label_values(st, name, &params)
        }
        "api/v1/query"
        | "api/v1/query_range"
        | "api/v1/labels"
        | "api/v1/series"
        | "api/v1/status/buildinfo"
        | "-/healthy"
        | "-/ready" => {
            return text_response(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
        }
        _ => return text_response(StatusCode::NOT_FOUND, "404 page not found\n"),
    };
    match result {
        Ok(data) => json_response(
            StatusCode::OK,
            format!("{{\"status\":\"success\",\"data\":{data}}}"),
        ),
        Err(e) => e.response(),
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
}

/// Request parameters as Go's `r.Form`: the form body's values first, then the URL's.
struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    fn new(query: &str, body: &[u8]) -> Params {
        let body = String::from_utf8_lossy(body);
        let mut pairs = parse_form(&body);
        pairs.extend(parse_form(query));
        Params { pairs }
    }

    /// The first value, or "" (Go's `FormValue`).
    fn get(&self, key: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// `application/x-www-form-urlencoded` pairs (`+` is a space, `%XX` a byte).
pub(crate) fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A time parameter (Unix seconds with decimals, or RFC 3339) in Unix milliseconds.
pub(crate) fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>()
        && secs.is_finite()
    {
        return Ok((secs * 1000.0).round() as i64);
    }
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    Err(format!("cannot parse {s:?} to a valid timestamp"))
}

/// A time parameter that may be absent (then `default`), worded as Prometheus words it.
fn time_param(params: &Params, name: &str, default: i64) -> Result<i64, PromApiError> {
    if !params.has(name) || params.get(name).is_empty() {
        return Ok(default);
    }
    parse_time(params.get(name)).map_err(|e| {
        PromApiError::invalid_param(name, format!("Invalid time value for '{name}': {e}"))
    })
}

/// A duration parameter (seconds with decimals, or `1m30s`) in milliseconds.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>() {
        if !secs.is_finite() || secs.abs() * 1e9 > i64::MAX as f64 {
            return Err(format!(
                "cannot parse {s:?} to a valid duration. It overflows int64"
            ));
        }
        return Ok((secs * 1000.0).round() as i64);
    }
    prom_duration(s).ok_or_else(|| format!("cannot parse {s:?} to a valid duration"))
}

/// Prometheus's duration syntax: `1y2w3d4h5m6s7ms`, units in descending order.
fn prom_duration(s: &str) -> Option<i64> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("ms", 1),
        ("m", 60_000),
        ("s", 1000),
    ];
    if s.is_empty() {
        return None;
    }
    let mut rest = s;
    let mut total = 0i64;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !c.is_ascii_digit())?;
        if n == 0 {
            return None;
        }
        let value: i64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let (unit, factor) = UNITS.iter().find(|(u, _)| rest.starts_with(u))?;
        total = total.checked_add(value.checked_mul(*factor)?)?;
        rest = &rest[unit.len()..];
    }
    Some(total)
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Prometheus's JSON for a time: seconds, with three decimals when there are milliseconds.
pub(crate) fn format_time(ms: i64) -> String {
    let (s, frac) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    if frac == 0 {
        s.to_string()
    } else {
        format!("{s}.{frac:03}")
    }
}

fn labels_json(labels: &BTreeMap<String, String>) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "{}".into())
}

/// The recorded answer of a query (older recordings), if there is one.
fn recorded<'a>(st: &'a PromState, query: &str) -> Option<&'a [super::Compiled]> {
    st.answers.get(&promql::normalize(query)).map(Vec::as_slice)
}

/// The parsed query, or Prometheus's `bad_data` error.
fn parsed(query: &str) -> Result<promql_parser::parser::Expr, PromApiError> {
    promql::check_syntax(query).map_err(|e| PromApiError::invalid_param("query", e))?;
    eval::parse(query).map_err(|e| PromApiError::invalid_param("query", e.message))
}

impl From<eval::EvalError> for PromApiError {
    fn from(e: eval::EvalError) -> Self {
        PromApiError {
            error_type: e.kind,
            message: e.message,
        }
    }
}

fn instant(st: &PromState, params: &Params) -> ApiResult {
    let t = time_param(params, "time", now_ms())?;
    let query = params.get("query");
    if let Some(series) = recorded(st, query) {
        let mut out = String::from("{\"resultType\":\"vector\",\"result\":[");
        let mut first = true;
        for s in series {
            if let Some(v) = s.at(t) {
                if !first {
                    out.push(',');
                }
                first = false;
                let _ = write!(
                    out,
                    "{{\"metric\":{},\"value\":[{},\"{}\"]}}",
                    labels_json(&s.labels),
                    format_time(t),
                    format_value(v)
                );
            }
        }
        out.push_str("]}");
        return Ok(out);
    }
    let expr = parsed(query)?;
    let value = eval::Engine::new(&st.raw, LOOKBACK_MS).instant(&expr, t)?;
    Ok(eval::instant_json(&value, t))
}

fn range(st: &PromState, params: &Params) -> ApiResult {
    let start =
        parse_time(params.get("start")).map_err(|e| PromApiError::invalid_param("start", e))?;
    let end = parse_time(params.get("end")).map_err(|e| PromApiError::invalid_param("end", e))?;
    if end < start {
        return Err(PromApiError::invalid_param(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    let step =
        parse_duration(params.get("step")).map_err(|e| PromApiError::invalid_param("step", e))?;
    if step <= 0 {
        return Err(PromApiError::invalid_param(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    if (end - start) / step > MAX_POINTS {
        return Err(PromApiError::bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let query = params.get("query");
    let Some(series) = recorded(st, query) else {
        let expr = parsed(query)?;
        let result = eval::Engine::new(&st.raw, LOOKBACK_MS).range(&expr, start, end, step)?;
        return Ok(format!(
            "{{\"resultType\":\"matrix\",\"result\":{}}}",
            eval::matrix_json(&result)
        ));
    };
    let mut out = String::from("{\"resultType\":\"matrix\",\"result\":[");
    let mut first = true;
    for s in series {
        // Skip series without a sample anywhere near the range.
        let near = s
            .points
            .iter()
            .any(|p| p.0 > start - LOOKBACK_MS && p.0 <= end);
        if !near {
            continue;
        }
        let mut values = String::new();
        let mut t = start;
        while t <= end {
            if let Some(v) = s.at(t) {
                if !values.is_empty() {
                    values.push(',');
                }
                let _ = write!(values, "[{},\"{}\"]", format_time(t), format_value(v));
            }
            t += step;
        }
        if values.is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        let _ = write!(
            out,
            "{{\"metric\":{},\"values\":[{values}]}}",
            labels_json(&s.labels)
        );
    }
    out.push_str("]}");
    Ok(out)
}

/// `match[]` selectors; `prefix` words errors for `/series` (`invalid parameter "match[]"`).
fn selectors(params: &Params, prefixed: bool) -> Result<Vec<Selector>, PromApiError> {
    params
        .all("match[]")
        .into_iter()
        .map(|m| {
            Selector::parse(m).map_err(|e| {
                if prefixed {
                    PromApiError::invalid_param("match[]", e)
                } else {
                    PromApiError::bad_data(e)
                }
            })
        })
        .collect()
}

/// The `start`/`end` window of a metadata request (unbounded when absent).
fn window(params: &Params) -> Result<(i64, i64), PromApiError> {
    Ok((
        time_param(params, "start", i64::MIN)?,
        time_param(params, "end", i64::MAX)?,
    ))
}

/// Series matching any selector (all of them without selectors): bare label sets, and raw
/// series with a sample in the window.
fn matching<'a>(
    st: &'a PromState,
    sels: &'a [Selector],
    (from, to): (i64, i64),
) -> impl Iterator<Item = &'a BTreeMap<String, String>> {
    st.label_sets
        .iter()
        .chain(
            st.raw
                .iter()
                .filter(move |s| s.touches(from, to))
                .map(|s| &s.labels),
        )
        .filter(move |s| sels.is_empty() || sels.iter().any(|sel| sel.matches(s)))
}

fn labels(st: &PromState, params: &Params) -> ApiResult {
    let w = window(params)?;
    let sels = selectors(params, false)?;
    let names: BTreeSet<&str> = matching(st, &sels, w)
        .flat_map(|s| s.keys().map(String::as_str))
        .collect();
    Ok(serde_json::to_string(&names).unwrap_or_else(|_| "[]".into()))
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn label_values(st: &PromState, name: &str, params: &Params) -> ApiResult {
    if !valid_label_name(name) {
        return Err(PromApiError::bad_data(format!(
            "invalid label name: {name:?}"
        )));
    }
    let w = window(params)?;
    let sels = selectors(params, false)?;
    let values: BTreeSet<&str> = matching(st, &sels, w)
        .filter_map(|s| s.get(name).map(String::as_str))
        .filter(|v| !v.is_empty())
        .collect();
    Ok(serde_json::to_string(&values).unwrap_or_else(|_| "[]".into()))
}

fn series(st: &PromState, params: &Params) -> ApiResult {
    if !params.has("match[]") {
        return Err(PromApiError::bad_data("no match[] parameter provided"));
    }
    let w = window(params)?;
    let sels = selectors(params, true)?;
    let mut found: Vec<&BTreeMap<String, String>> = matching(st, &sels, w).collect();
    found.sort();
    found.dedup();
    Ok(serde_json::to_string(&found).unwrap_or_else(|_| "[]".into()))
}

fn buildinfo(st: &PromState) -> String {
    json!({
        "version": st.version,
        "revision": "opsdeck-sandbox",
        "branch": "recording",
        "buildUser": "opsdeck",
        "buildDate": "",
        "goVersion": "",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_values_and_durations_as_prometheus_writes_them() {
        assert_eq!(format_time(10_000), "10");
        assert_eq!(format_time(10_500), "10.500");
        assert_eq!(format_time(1_795_315_469_409), "1795315469.409");
        assert_eq!(format_value(8.0), "8");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(parse_duration("60"), Ok(60_000));
        assert_eq!(parse_duration("1.5"), Ok(1_500));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("1d"), Ok(86_400_000));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").is_err());
        assert_eq!(parse_time("10.5"), Ok(10_500));
        assert_eq!(parse_time("1970-01-01T00:00:10Z"), Ok(10_000));
        assert_eq!(
            parse_time(""),
            Err("cannot parse \"\" to a valid timestamp".into())
        );
    }

    #[test]
    fn form_values_body_first() {
        let p = Params::new(
            "query=url&match%5B%5D=b",
            b"query=sum%28x%29+by+%28a%29&match[]=a",
        );
        assert_eq!(p.get("query"), "sum(x) by (a)");
        assert_eq!(p.all("match[]"), vec!["a", "b"]);
        assert_eq!(p.get("time"), "");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
