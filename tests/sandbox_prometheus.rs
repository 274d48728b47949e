//! The sandbox's Prometheus API against the console's own client (PromClient), raw HTTP
//! for Prometheus's exact answers, the real `kubectl get --raw` through the service proxy,
//! and `opsdeck record` capturing the raw series the sandbox then evaluates again.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use jiff::Timestamp;
use opsdeck::domain::dashboard::{panes, promql};
use opsdeck::record::{RecordOptions, record};
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use opsdeck::sources::prometheus::{PromClient, PromError, PromSettings};
use serde_json::Value;

/// The kubectl built from tests/cluster/ (or `$OPSDECK_TEST_KUBECTL`).
fn kubectl() -> std::path::PathBuf {
    common::kubectl_path()
}

async fn platform() -> Sandbox {
    Sandbox::start(SandboxOptions {
        recording: Recording::embedded("platform").expect("platform recording"),
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("sandbox starts")
}

/// Form parameters of one request.
type Form<'a> = &'a [(&'a str, &'a str)];

fn client(sb: &Sandbox) -> PromClient {
    let url = sb
        .prometheus_url()
        .expect("platform has a prometheus section");
    PromClient::new(&PromSettings::new(url)).expect("client")
}

fn node_names(rec: &Recording) -> BTreeSet<String> {
    rec.objects
        .iter()
        .filter(|o| o["kind"] == "Node")
        .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_target_and_pane_query_is_evaluated_over_the_series() {
    let rec = Recording::embedded("platform").expect("platform");
    let prom = rec.prometheus.as_ref().expect("prometheus section");
    assert!(
        prom.queries.is_empty(),
        "the shipped recording carries series, not answers"
    );
    let sb = platform().await;
    let c = client(&sb);
    let now = Timestamp::now();
    // Over the recording's whole window: six hours before its start to 30 minutes after.
    let start = now - jiff::SignedDuration::from_secs(6 * 3600);
    let end = now + jiff::SignedDuration::from_secs(1800);
    // Typical steps of a dashboard: `$__rate_interval` differs, the answer must not be empty.
    // A panel with data over the window, or (for what happens in seconds, like the
    // traefik pod Pending for one scrape) at a 15 s step around the timeline.
    for step in [60, 300] {
        for q in promql::builtin_queries(Duration::from_secs(step)) {
            let r = c
                .range(&q, start, end, Duration::from_secs(step))
                .await
                .unwrap_or_else(|e| panic!("{q} (step {step}s): {e}"));
            let fine = c
                .range(
                    &q,
                    now,
                    now + jiff::SignedDuration::from_secs(600),
                    Duration::from_secs(15),
                )
                .await
                .unwrap_or_else(|e| panic!("{q} (step 15s): {e}"));
            assert!(
                !r.is_empty() || !fine.is_empty(),
                "no data for {q:?} (step {step}s)"
            );
        }
    }
    for (metric, label) in promql::builtin_label_values() {
        let values = c
            .label_values_matching(&label, std::slice::from_ref(&metric))
            .await
            .expect("label values");
        assert!(
            !values.is_empty(),
            "no series for label_values({metric}, {label})"
        );
    }
    let nodes = node_names(&rec);
    for pane in [panes::NODE_CPU, panes::NODE_MEMORY] {
        let r = c.instant(pane, None).await.expect(pane);
        let got: BTreeSet<String> = r.series.iter().map(|s| s.labels["node"].clone()).collect();
        assert_eq!(got, nodes, "{pane} answers per recorded node");
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_client_gets_instant_range_labels_and_errors() {
    let sb = platform().await;
    let c = client(&sb);
    let rec = Recording::embedded("platform").expect("platform");

    // Instant: now, with the 5-minute lookback, one value per node.
    let cpu = c.instant(panes::NODE_CPU, None).await.expect("instant");
    let nodes: BTreeSet<String> = cpu
        .series
        .iter()
        .map(|s| s.labels["node"].clone())
        .collect();
    assert_eq!(nodes, node_names(&rec));
    assert!(cpu.series.iter().all(|s| s.last().is_some_and(|v| v > 0.0)));

    // Range: the last hour every minute; the CNPG primary has no lag, the replicas some.
    let now = Timestamp::now();
    let start = now - jiff::SignedDuration::from_secs(3600);
    let lag = c
        .range(panes::CNPG_LAG, start, now, Duration::from_secs(60))
        .await
        .expect("range");
    assert_eq!(lag.series.len(), 3);
    for s in &lag.series {
        assert!(s.points.len() >= 55, "{} points", s.points.len());
        let max = s.points.iter().map(|p| p.1).fold(0.0, f64::max);
        match s.labels["pod"].as_str() {
            "keycloak-db-1" => assert_eq!(max, 0.0, "the primary has no lag"),
            _ => assert!(max > 0.0 && max < 30.0, "replica lag {max}"),
        }
        assert!(s.points.windows(2).all(|w| w[1].0 - w[0].0 == 60.0));
    }

    // A dashboard query written with another range duration and spacing still matches.
    let overview = c
        .instant(
            "1 - avg by(instance)(rate(node_cpu_seconds_total{mode=\"idle\"}[2m30s]))",
            None,
        )
        .await
        .expect("normalized match");
    assert_eq!(overview.series.len(), 8);

    // Labels and label values (template variables).
    let names = c.label_names().await.expect("labels");
    assert!(names.contains(&"__name__".to_string()), "{names:?}");
    let pools = client(&sb)
        .label_values_matching(
            "label_eks_amazonaws_com_nodegroup",
            &["kube_node_labels".to_string()],
        )
        .await
        .expect("values");
    assert_eq!(pools, vec!["apps", "database", "infra"]);
    let clusters = client(&sb)
        .label_values_matching("cluster", &["cnpg_collector_up".to_string()])
        .await
        .expect("values");
    assert_eq!(clusters, vec!["keycloak-db"]);

    // Any query is evaluated: a metric the recording does not have is an empty answer,
    // as in Prometheus; one typed by hand over the recorded series answers per namespace.
    let none = c.instant("up", None).await.expect("evaluated");
    assert!(none.series.is_empty(), "{none:?}");
    let by_ns = c
        .instant(
            "sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))",
            None,
        )
        .await
        .expect("evaluated");
    assert!(by_ns.series.len() >= 6, "{by_ns:?}");
    assert!(
        by_ns
            .series
            .iter()
            .all(|s| s.labels.contains_key("namespace"))
    );
    // What the evaluator does not support: Prometheus's bad_data, saying so.
    let err = c
        .instant(
            "max_over_time(rate(node_cpu_seconds_total[1m])[5m:1m])",
            None,
        )
        .await
        .unwrap_err();
    assert!(err.is_bad_query(), "{err:?}");
    assert!(
        err.to_string().contains("does not support subqueries"),
        "{err}"
    );
    assert_eq!(err.position(), None);

    // A broken query: Prometheus's message, the position the editor marks.
    let err = c.instant("sum(rate(x[5m])", None).await.unwrap_err();
    assert!(
        matches!(&err, PromError::Query { error_type, message } if error_type == "bad_data"
            && message == "invalid parameter \"query\": 1:16: parse error: unclosed left parenthesis"),
        "{err:?}"
    );
    assert_eq!(err.position(), Some((1, 16)));
    sb.shutdown().await;
}

async fn raw(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let req = http.request(method.clone(), url);
    let req = if method == reqwest::Method::GET {
        req.query(form)
    } else {
        req.header("content-type", "application/x-www-form-urlencoded")
            .body(
                form.iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
    };
    let resp = req.send().await.expect("request");
    let code = resp.status().as_u16();
    let body = resp.text().await.expect("body");
    (
        code,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_api_mirrors_prometheus_json_codes_and_messages() {
    let sb = platform().await;
    let base = format!("{}/api/v1", sb.prometheus_url().expect("url"));
    let http = reqwest::Client::new();
    let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);

    // GET and POST give the same vector, with times as Prometheus writes them.
    let later = format!("{}.409", Timestamp::now().as_second() + 86_400);
    let form = [("query", panes::CNPG_LAG), ("time", later.as_str())];
    let (code, by_get) = raw(&http, get.clone(), &format!("{base}/query"), &form).await;
    assert_eq!(code, 200, "{by_get}");
    let (_, by_post) = raw(&http, post.clone(), &format!("{base}/query"), &form).await;
    assert_eq!(by_get, by_post);
    assert_eq!(by_get["status"], "success");
    assert_eq!(by_get["data"]["resultType"], "vector");
    // That time is long after the recording's samples: nothing within the lookback.
    assert_eq!(by_get["data"]["result"], serde_json::json!([]));
    let now = format!("{}", Timestamp::now().as_second());
    let (_, v) = raw(
        &http,
        get.clone(),
        &format!("{base}/query"),
        &[("query", panes::CNPG_LAG), ("time", &now)],
    )
    .await;
    let first = &v["data"]["result"][0];
    assert_eq!(
        first["value"][0],
        serde_json::json!(now.parse::<i64>().unwrap())
    );
    assert!(first["value"][1].is_string(), "{first}");
    assert!(first["metric"]["pod"].is_string(), "{first}");

    let cases: [(Form, u16, &str); 6] = [
        (
            &[("query", "up")],
            400,
            "invalid parameter \"start\": cannot parse \"\" to a valid timestamp",
        ),
        (
            &[("query", "up"), ("start", "10")],
            400,
            "invalid parameter \"end\": cannot parse \"\" to a valid timestamp",
        ),
        (
            &[
                ("query", "up"),
                ("start", "10"),
                ("end", "5"),
                ("step", "1"),
            ],
            400,
            "invalid parameter \"end\": end timestamp must not be before start time",
        ),
        (
            &[("query", "up"), ("start", "10"), ("end", "50")],
            400,
            "invalid parameter \"step\": cannot parse \"\" to a valid duration",
        ),
        (
            &[
                ("query", "up"),
                ("start", "10"),
                ("end", "50"),
                ("step", "0"),
            ],
            400,
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer",
        ),
        (
            &[
                ("query", "up"),
                ("start", "10"),
                ("end", "500000"),
                ("step", "1"),
            ],
            400,
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ),
    ];
    for (form, code, message) in cases {
        let (got, body) = raw(&http, post.clone(), &format!("{base}/query_range"), form).await;
        assert_eq!(got, code, "{form:?}: {body}");
        assert_eq!(body["status"], "error");
        assert_eq!(body["errorType"], "bad_data");
        assert_eq!(body["error"], message, "{form:?}");
    }

    // Range: matrix, points at start + k*step only.
    let end = Timestamp::now().as_second();
    let (s, e) = ((end - 600).to_string(), end.to_string());
    let (code, body) = raw(
        &http,
        get.clone(),
        &format!("{base}/query_range"),
        &[
            ("query", panes::NODE_MEMORY),
            ("start", &s),
            ("end", &e),
            ("step", "1m"),
        ],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["data"]["resultType"], "matrix");
    let values = body["data"]["result"][0]["values"]
        .as_array()
        .expect("values");
    assert_eq!(values.len(), 11);
    assert_eq!(values[0][0], serde_json::json!(end - 600));

    let (code, body) = raw(&http, get.clone(), &format!("{base}/series"), &[]).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (400, Some("no match[] parameter provided"))
    );
    let (code, body) = raw(
        &http,
        get.clone(),
        &format!("{base}/series"),
        &[("match[]", "cnpg_collector_up")],
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["data"].as_array().map(Vec::len), Some(3));
    let (code, body) = raw(
        &http,
        get.clone(),
        &format!("{base}/label/1bad/values"),
        &[],
    )
    .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (400, Some("invalid label name: \"1bad\""))
    );
    let (_, body) = raw(&http, get.clone(), &format!("{base}/status/buildinfo"), &[]).await;
    assert_eq!(body["data"]["version"], "3.7.3");
    let (code, _) = raw(&http, reqwest::Method::PUT, &format!("{base}/query"), &[]).await;
    assert_eq!(code, 405);
    let (code, _) = raw(&http, get, &format!("{base}/nonexistent"), &[]).await;
    assert_eq!(code, 404);
    sb.shutdown().await;
}

fn kubectl_raw(kubeconfig: &std::path::Path, path: &str) -> std::process::Output {
    Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["get", "--raw", path])
        .env_remove("KUBECONFIG")
        .output()
        .unwrap_or_else(|e| panic!("kubectl is required for this test and could not run: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_raw_reaches_prometheus_through_the_service_proxy() {
    let sb = platform().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sb.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let query = urlencode(panes::NODE_CPU);
    for svc in [
        "prometheus-operated:http-web",
        "prometheus-operated:9090",
        "http:kube-prometheus-stack-prometheus:http-web",
    ] {
        let path = format!(
            "/api/v1/namespaces/monitoring/services/{svc}/proxy/api/v1/query?query={query}"
        );
        let out = kubectl_raw(&kubeconfig, &path);
        assert!(
            out.status.success(),
            "{svc}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(body["status"], "success");
        assert_eq!(body["data"]["result"].as_array().map(Vec::len), Some(8));
    }
    // A Service without the recorded Prometheus behind it: 503 as for no endpoints.
    let out = kubectl_raw(
        &kubeconfig,
        "/api/v1/namespaces/monitoring/services/kube-prometheus-stack-grafana:http-web/proxy/api/v1/query?query=up",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("ServiceUnavailable"), "{err}");
    assert!(err.contains("no endpoints available for service"), "{err}");
    // A missing Service is NotFound; a Prometheus error passes through with its code.
    let out = kubectl_raw(
        &kubeconfig,
        "/api/v1/namespaces/monitoring/services/nope:http-web/proxy/api/v1/query?query=up",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("NotFound"));
    let out = kubectl_raw(
        &kubeconfig,
        "/api/v1/namespaces/monitoring/services/prometheus-operated:http-web/proxy/api/v1/query?query=sum%28",
    );
    assert!(!out.status.success());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_captures_series_the_sandbox_evaluates_again() {
    let sb = platform().await;
    let kube = kube::Client::try_from(sb.kube_config()).expect("kube client");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("rec.yaml");
    let opts = RecordOptions {
        name: "with-metrics".into(),
        kinds: vec!["namespaces".into(), "nodes".into(), "services".into()],
        namespaces: vec![],
        duration: Some(Duration::from_secs(2)),
        redact: true,
        prometheus: Some(client(&sb)),
        eks: None,
    };
    let file = std::fs::File::create(&out).expect("file");
    let summary = record(kube, &opts, file, std::future::pending(), |_, _, _| {})
        .await
        .expect("record");
    assert!(
        summary.prometheus_failed.is_empty(),
        "{:?}",
        summary.prometheus_failed
    );
    let text = std::fs::read_to_string(&out).expect("read");
    let rec = Recording::parse(&text, "rec.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let prom = rec.prometheus.clone().expect("prometheus section");
    assert!(prom.queries.is_empty(), "series, not answers");
    let recorded: BTreeSet<String> = prom
        .series
        .iter()
        .filter_map(|s| s.labels().get("__name__").cloned())
        .collect();
    for m in opsdeck::record::prometheus::builtin_metrics() {
        assert!(recorded.contains(&m), "not recorded: {m}");
    }
    let names: Vec<&str> = prom.services.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"prometheus-operated"), "{names:?}");
    sb.shutdown().await;

    // Replay the new file: the queries are evaluated again, through both mounts.
    let replay = Sandbox::start(SandboxOptions {
        recording: rec,
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("replay starts");
    let c = client(&replay);
    let cpu = c.instant(panes::NODE_CPU, None).await.expect("instant");
    assert_eq!(cpu.series.len(), 8);
    let pools = client(&replay)
        .label_values_matching(
            "label_eks_amazonaws_com_nodegroup",
            &["kube_node_labels".to_string()],
        )
        .await
        .expect("values");
    assert_eq!(pools, vec!["apps", "database", "infra"]);
    let http = reqwest::Client::new();
    let url = format!(
        "{}/api/v1/namespaces/monitoring/services/prometheus-operated:http-web/proxy/api/v1/query?query={}",
        replay.url(),
        urlencode(panes::CNPG_LAG)
    );
    let body: Value = http
        .get(url)
        .send()
        .await
        .expect("proxy")
        .json()
        .await
        .expect("json");
    assert_eq!(body["data"]["result"].as_array().map(Vec::len), Some(3));
    replay.shutdown().await;
}
