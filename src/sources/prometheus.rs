//! Prometheus through prometheus-http-query: connection settings (URL, bearer token or basic
//! auth read from a file or the environment, never logged or shown), a client with timeouts,
//! instant and range queries returning plain [`QueryResult`]s, and typed errors (Prometheus's
//! own `bad_data: 1:5: parse error: …`, unreachable, timeout).

pub(crate) mod api;
pub(crate) mod discover;
pub(crate) mod manager;
pub(crate) mod proxy;
pub(crate) mod task;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use prometheus_http_query::response::{Data, PromqlResult};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

use crate::domain::dashboard::{QueryResult, ResultKind, Series};

/// Environment variables read for credentials (their values are never shown).
pub(crate) const ENV_TOKEN: &str = "OPSDECK_PROMETHEUS_TOKEN";
pub(crate) const ENV_TOKEN_FILE: &str = "OPSDECK_PROMETHEUS_TOKEN_FILE";
/// `user:password`.
pub(crate) const ENV_BASIC_AUTH: &str = "OPSDECK_PROMETHEUS_BASIC_AUTH";
pub(crate) const ENV_BASIC_AUTH_FILE: &str = "OPSDECK_PROMETHEUS_BASIC_AUTH_FILE";

/// Why a query or the connection failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromError {
    /// Prometheus refused the query and said why (`bad_data`, `execution`, `timeout`, …).
    #[error("{error_type}: {message}")]
    Query { error_type: String, message: String },
    #[error("Prometheus at {url} is unreachable: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("Prometheus at {url} did not answer within {}s", .after.as_secs())]
    Timeout { url: String, after: Duration },
    #[error("invalid Prometheus URL {url:?}: {detail}")]
    BadUrl { url: String, detail: String },
    #[error("Prometheus credentials: {0}")]
    Credentials(String),
    #[error("Prometheus: {0}")]
    Other(String),
}

impl PromError {
    /// Where a parse error points in the query, 1-based `(line, column)`, from Prometheus's
    /// message (`1:5: parse error: …`).
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            PromError::Query { message, .. } => parse_error_position(message),
            _ => None,
        }
    }

    pub fn is_bad_query(&self) -> bool {
        matches!(self, PromError::Query { error_type, .. } if error_type == "bad_data")
    }
}

/// Finds `L:C:` (or `L:C-L2:C2:`) right before `parse error` in Prometheus's message.
pub(crate) fn parse_error_position(message: &str) -> Option<(usize, usize)> {
    let at = message.find("parse error")?;
    let before = message[..at].trim_end();
    let token = before.rsplit(' ').next()?.strip_suffix(':')?;
    let first = token.split('-').next()?;
    let (line, col) = first.split_once(':')?;
    Some((line.parse().ok()?, col.parse().ok()?))
}

/// A secret value: `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PromAuth {
    #[default]
    None,
    Bearer(Secret),
    Basic {
        user: String,
        password: Secret,
    },
}

impl PromAuth {
    /// Short description for the UI (`bearer token`, `basic auth as admin`), no secret.
    pub fn describe(&self) -> String {
        match self {
            PromAuth::None => "no auth".into(),
            PromAuth::Bearer(_) => "bearer token".into(),
            PromAuth::Basic { user, .. } => format!("basic auth as {user}"),
        }
    }
}

/// Where and how to reach Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct PromSettings {
    pub url: String,
    pub auth: PromAuth,
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl PromSettings {
    pub fn new(url: impl Into<String>) -> PromSettings {
        PromSettings {
            url: url.into(),
            auth: PromAuth::None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Settings from the `--prometheus*` flags, falling back to the environment for
    /// credentials: a token file flag, `OPSDECK_PROMETHEUS_TOKEN(_FILE)`, a basic-auth file
    /// flag (`user:password`), `OPSDECK_PROMETHEUS_BASIC_AUTH(_FILE)`.
    pub(crate) fn from_flags(
        url: &str,
        token_file: Option<&Path>,
        basic_auth_file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<PromSettings, PromError> {
        let mut settings = PromSettings::new(url);
        let token = match token_file {
            Some(path) => Some(read_secret(path)?),
            None => match (env(ENV_TOKEN), env(ENV_TOKEN_FILE)) {
                (Some(t), _) if !t.trim().is_empty() => Some(t.trim().to_string()),
                (_, Some(path)) => Some(read_secret(&PathBuf::from(path))?),
                _ => None,
            },
        };
        let basic = match basic_auth_file {
            Some(path) => Some(read_secret(path)?),
            None => match (env(ENV_BASIC_AUTH), env(ENV_BASIC_AUTH_FILE)) {
                (Some(t), _) if !t.trim().is_empty() => Some(t.trim().to_string()),
                (_, Some(path)) => Some(read_secret(&PathBuf::from(path))?),
                _ => None,
            },
        };
        settings.auth = match (token, basic) {
            (Some(_), Some(_)) => {
                return Err(PromError::Credentials(
                    "both a bearer token and basic auth are configured; keep one".into(),
                ));
            }
            (Some(t), None) => PromAuth::Bearer(Secret::new(t)),
            (None, Some(b)) => {
                let Some((user, password)) = b.split_once(':') else {
                    return Err(PromError::Credentials(
                        "basic auth must be written as user:password".into(),
                    ));
                };
                PromAuth::Basic {
                    user: user.to_string(),
                    password: Secret::new(password),
                }
            }
            (None, None) => PromAuth::None,
        };
        Ok(settings)
    }
}

fn read_secret(path: &Path) -> Result<String, PromError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PromError::Credentials(format!("reading {}: {e}", path.display())))?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(PromError::Credentials(format!(
            "{} is empty",
            path.display()
        )));
    }
    Ok(text)
}

/// A Prometheus client: cheap to clone.
#[derive(Clone)]
pub struct PromClient {
    inner: prometheus_http_query::Client,
    url: String,
    timeout: Duration,
}

impl fmt::Debug for PromClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromClient")
            .field("url", &self.url)
            .finish()
    }
}

impl PromClient {
    pub fn new(settings: &PromSettings) -> Result<PromClient, PromError> {
        let mut headers = HeaderMap::new();
        let auth = match &settings.auth {
            PromAuth::None => None,
            PromAuth::Bearer(token) => Some(format!("Bearer {}", token.expose())),
            PromAuth::Basic { user, password } => {
                use base64::Engine as _;
                let raw = format!("{user}:{}", password.expose());
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
            }
        };
        if let Some(value) = auth {
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                PromError::Credentials("the credentials contain invalid characters".into())
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .default_headers(headers)
            .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PromError::Other(crate::sources::error_chain(&e)))?;
        let inner = prometheus_http_query::Client::from(http, &settings.url).map_err(|e| {
            PromError::BadUrl {
                url: settings.url.clone(),
                detail: crate::sources::error_chain(&e),
            }
        })?;
        Ok(PromClient {
            inner,
            url: settings.url.clone(),
            timeout: settings.timeout,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// An instant query, evaluated now or at `at`.
    pub async fn instant(
        &self,
        query: &str,
        at: Option<Timestamp>,
    ) -> Result<QueryResult, PromError> {
        let mut builder = self.inner.query(query);
        if let Some(at) = at {
            builder = builder.at(at.as_second());
        }
        let result = builder.post().await.map_err(|e| self.classify(e))?;
        Ok(convert(result))
    }

    /// A range query from `start` to `end` every `step`.
    pub async fn range(
        &self,
        query: &str,
        start: Timestamp,
        end: Timestamp,
        step: Duration,
    ) -> Result<QueryResult, PromError> {
        let step = step.as_secs_f64().max(1.0);
        let result = self
            .inner
            .query_range(query, start.as_second(), end.as_second(), step)
            .post()
            .await
            .map_err(|e| self.classify(e))?;
        Ok(convert(result))
    }

    /// Label names (for completion in the editor and template variables).
    pub async fn label_names(&self) -> Result<Vec<String>, PromError> {
        self.inner
            .label_names()
            .get()
            .await
            .map_err(|e| self.classify(e))
    }

    /// Values of one label (template variables such as `$namespace`).
    pub async fn label_values(&self, label: &str) -> Result<Vec<String>, PromError> {
        self.inner
            .label_values(label)
            .get()
            .await
            .map_err(|e| self.classify(e))
    }

    fn classify(&self, e: prometheus_http_query::Error) -> PromError {
        use prometheus_http_query::Error as E;
        match &e {
            E::Prometheus(p) => PromError::Query {
                error_type: p.error_type().to_string(),
                message: p.message().to_string(),
            },
            E::Client(c) => match c.inner() {
                Some(r) if r.is_timeout() => PromError::Timeout {
                    url: self.url.clone(),
                    after: self.timeout,
                },
                Some(r) if r.is_connect() => PromError::Unreachable {
                    url: self.url.clone(),
                    detail: crate::sources::error_chain(r),
                },
                _ => PromError::Other(crate::sources::error_chain(&e)),
            },
            E::ParseUrl(_) => PromError::BadUrl {
                url: self.url.clone(),
                detail: crate::sources::error_chain(&e),
            },
            _ => PromError::Other(crate::sources::error_chain(&e)),
        }
    }
}

impl PromClient {
    /// Values of a label among the series matching `matches` (Grafana's
    /// `label_values(metric, label)`); all values when `matches` is empty.
    pub async fn label_values_matching(
        &self,
        label: &str,
        matches: &[String],
    ) -> Result<Vec<String>, PromError> {
        if matches.is_empty() {
            return self.label_values(label).await;
        }
        // Appended, not joined: `join` would drop a path prefix without a trailing slash
        // (`http://host/prometheus` + `api/…` → `http://host/api/…`).
        let base = self.inner.base_url().as_str().trim_end_matches('/');
        let url =
            reqwest::Url::parse(&format!("{base}/api/v1/label/{label}/values")).map_err(|e| {
                PromError::BadUrl {
                    url: self.url.clone(),
                    detail: e.to_string(),
                }
            })?;
        let params: Vec<(&str, &str)> = matches.iter().map(|m| ("match[]", m.as_str())).collect();
        let response = self
            .inner
            .inner()
            .get(url)
            .query(&params)
            .send()
            .await
            .map_err(|e| self.classify_reqwest(&e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.classify_reqwest(&e))?;
        api::data(status, &body, &self.url)
    }

    fn classify_reqwest(&self, e: &reqwest::Error) -> PromError {
        if e.is_timeout() {
            PromError::Timeout {
                url: self.url.clone(),
                after: self.timeout,
            }
        } else if e.is_connect() {
            PromError::Unreachable {
                url: self.url.clone(),
                detail: crate::sources::error_chain(e),
            }
        } else {
            PromError::Other(crate::sources::error_chain(e))
        }
    }
}

/// Where queries go: a configured URL, or the cluster's own Prometheus through the API
/// server's service proxy. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Direct(PromClient),
    Proxy(proxy::ProxyClient),
}

impl Backend {
    /// `http://prometheus:9090` or `service monitoring/prometheus-operated:http-web`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Backend::Direct(c) => c.url().to_string(),
            Backend::Proxy(p) => p.service().to_string(),
        }
    }

    pub(crate) async fn instant(
        &self,
        query: &str,
        at: Option<Timestamp>,
    ) -> Result<QueryResult, PromError> {
        match self {
            Backend::Direct(c) => c.instant(query, at).await,
            Backend::Proxy(p) => p.instant(query, at).await,
        }
    }

    pub(crate) async fn range(
        &self,
        query: &str,
        start: Timestamp,
        end: Timestamp,
        step: Duration,
    ) -> Result<QueryResult, PromError> {
        match self {
            Backend::Direct(c) => c.range(query, start, end, step).await,
            Backend::Proxy(p) => p.range(query, start, end, step).await,
        }
    }

    pub(crate) async fn label_values(
        &self,
        label: &str,
        matches: &[String],
    ) -> Result<Vec<String>, PromError> {
        match self {
            Backend::Direct(c) => c.label_values_matching(label, matches).await,
            Backend::Proxy(p) => p.label_values(label, matches).await,
        }
    }
}

fn labels(
    map: &std::collections::HashMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub(crate) fn convert(result: PromqlResult) -> QueryResult {
    let (data, _) = result.into_inner();
    match data {
        Data::Vector(v) => QueryResult {
            kind: ResultKind::Vector,
            series: v
                .iter()
                .map(|s| Series {
                    labels: labels(s.metric()),
                    points: vec![(s.sample().timestamp(), s.sample().value())],
                })
                .collect(),
        },
        Data::Matrix(m) => QueryResult {
            kind: ResultKind::Matrix,
            series: m
                .iter()
                .map(|s| Series {
                    labels: labels(s.metric()),
                    points: s
                        .samples()
                        .iter()
                        .map(|p| (p.timestamp(), p.value()))
                        .collect(),
                })
                .collect(),
        },
        Data::Scalar(s) => QueryResult {
            kind: ResultKind::Scalar,
            series: vec![Series {
                labels: Default::default(),
                points: vec![(s.timestamp(), s.value())],
            }],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_positions() {
        assert_eq!(
            parse_error_position(
                "invalid parameter \"query\": 1:13: parse error: unclosed left parenthesis"
            ),
            Some((1, 13))
        );
        assert_eq!(
            parse_error_position("2:4-2:9: parse error: unexpected identifier"),
            Some((2, 4))
        );
        assert_eq!(parse_error_position("query timed out"), None);
    }

    #[test]
    fn secrets_are_never_printed() {
        let env = |k: &str| match k {
            ENV_TOKEN => Some("s3cr3t-token".to_string()),
            _ => None,
        };
        let s = PromSettings::from_flags("http://p:9090", None, None, env).unwrap();
        let shown = format!("{s:?} {}", s.auth.describe());
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(s.auth, PromAuth::Bearer(Secret::new("s3cr3t-token")));
    }

    #[test]
    fn basic_auth_from_file_and_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("basic");
        std::fs::write(&path, "admin:pa:ss\n").unwrap();
        let s = PromSettings::from_flags("http://p", None, Some(&path), |_| None).unwrap();
        assert_eq!(
            s.auth,
            PromAuth::Basic {
                user: "admin".into(),
                password: Secret::new("pa:ss")
            }
        );
        assert_eq!(s.auth.describe(), "basic auth as admin");
        let env = |k: &str| (k == ENV_TOKEN).then(|| "t".to_string());
        let err = PromSettings::from_flags("http://p", None, Some(&path), env).unwrap_err();
        assert!(matches!(err, PromError::Credentials(_)));
        std::fs::write(&path, "nocolon").unwrap();
        let err = PromSettings::from_flags("http://p", None, Some(&path), |_| None).unwrap_err();
        assert!(err.to_string().contains("user:password"));
    }

    #[test]
    fn bad_url_is_typed() {
        let err = PromClient::new(&PromSettings::new("not a url")).unwrap_err();
        assert!(matches!(err, PromError::BadUrl { .. }), "{err:?}");
    }
}
