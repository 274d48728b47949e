//! The sandbox held to the real thing: every scenario here runs against the real kube-apiserver
//! (the control plane of `scripts/cluster up`, admin context) and against an `opsdeck sandbox`
//! process, with raw requests and typed calls through kube-rs and with the tests' kubectl. What
//! each client saw is normalized (uids, timestamps, resourceVersions, ages, continue tokens) and
//! compared; the report lists every difference. A difference must be fixed in the sandbox or
//! be listed in [`EXPECTED`] (and in recordings/README.md, "What the sandbox does not do, and
//! why"); a new one fails, and so does a listed one that went away.
//!
//! Each scenario works in a fresh namespace of its own on both servers, so the suite can run in
//! parallel with the other tests on the one shared cluster.

mod common;
#[path = "common/conformance.rs"]
mod harness;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use harness::{Expected, Record, Server, Side};
use serde_json::{Value, json};

/// Differences the sandbox is known to have. Each names its scenario, the path of the
/// difference (a prefix: the step, then `.body.…`) and why; recordings/README.md has the same
/// table for readers.
const EXPECTED: &[Expected] = &[
    // discovery
    Expected {
        scenario: "discovery",
        path: "GET /api/v1.resources.pods/exec",
        why: "the sandbox serves no exec (recordings hold no processes)",
    },
    Expected {
        scenario: "discovery",
        path: "GET /api/v1.resources.pods/portforward",
        why: "the sandbox serves no port-forward",
    },
    Expected {
        scenario: "discovery",
        path: "aggregated /api.resources./v1/*.subresources",
        why: "the sandbox lists only the subresources it serves (status, scale, log), not \
              attach/binding/eviction/exec/portforward/proxy/ephemeralcontainers/resize/token/finalize",
    },
    // OpenAPI
    Expected {
        scenario: "openapi",
        path: "GET /openapi/v3.paths.*.hasHash",
        why: "the sandbox's index has no ?hash= (clients then do not cache the documents)",
    },
    // tables
    Expected {
        scenario: "tables",
        path: "table *.columns[*].description",
        why: "the API server fills column descriptions from its API docs; the sandbox leaves \
              them empty rather than copy that text",
    },
    Expected {
        scenario: "tables",
        path: "table events.columns",
        why: "as above (the events table is empty: the columns are compared whole)",
    },
    // list
    Expected {
        scenario: "list_paging",
        path: "invalid labelSelector.body.message",
        why: "the sandbox's selector parser words its errors its own way (same code and reason)",
    },
    // watch
    Expected {
        scenario: "watch",
        path: "~watch from resourceVersion.events",
        why: "seen once (not in the full run before it): the events after a resume differed \
              from the real server's in one run; a timing difference not yet understood",
    },
    Expected {
        scenario: "watch",
        path: "~watch too old resourceVersion.events[0]",
        why: "the sandbox keeps its whole watch history until it is trimmed (bounded by the \
              reliability work), so a fresh sandbox resumes from resourceVersion 1 instead of \
              answering 410 Expired; a freshly started real apiserver still serves \
              resourceVersion 1 from its watch cache, so this one may or may not differ",
    },
    // writes
    Expected {
        scenario: "create_update",
        path: "*.body.metadata.managedFields",
        why: "the sandbox records managedFields only for requests that name a fieldManager; the \
              API server also records Update entries named after the client's User-Agent",
    },
    Expected {
        scenario: "garbage_collection",
        path: "dependent of a missing owner gone",
        why: "the sandbox collects dependents when their owner is deleted, not dependents whose \
              owner never existed",
    },
    // errors
    Expected {
        scenario: "errors",
        path: "invalid name.body",
        why: "the 422's details.kind names the resource (configmaps) where the API server \
              names the kind (ConfigMap)",
    },
    Expected {
        scenario: "errors",
        path: "invalid label selector.",
        why: "the sandbox's label selector parser accepts `a=b=c` (as `a` = `b=c`)",
    },
    Expected {
        scenario: "errors",
        path: "kubectl invalid selector.stderr",
        why: "the sandbox's selector parser words its errors its own way",
    },
    Expected {
        scenario: "errors",
        path: "bad limit.code",
        why: "the sandbox ignores a limit that is not a number instead of answering 400",
    },
];

type Scenario =
    for<'a> fn(&'a Server, &'a str, &'a mut Record) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Runs `scenario` on both servers (in parallel, each in a fresh namespace of the same name)
/// and compares.
fn run(name: &str, scenario: Scenario) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let (real, sandbox) = tokio::join!(Server::real(), Server::sandbox());
        let ns = harness::fresh_namespace(name);
        let (a, b) = tokio::join!(
            run_one(&real, &ns, scenario),
            run_one(&sandbox, &ns, scenario)
        );
        // The real cluster is shared: leave nothing behind.
        let _ = real.delete(&format!("/api/v1/namespaces/{ns}")).await;
        harness::compare(name, &ns, &a, &b, EXPECTED);
    });
}

async fn run_one(server: &Server, ns: &str, scenario: Scenario) -> Record {
    let mut rec = Record::default();
    create_namespace(server, ns).await;
    scenario(server, ns, &mut rec).await;
    rec
}

async fn create_namespace(s: &Server, ns: &str) {
    s.create_ok(
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    )
    .await;
}

/// Polls `check` until it returns Some or 60 s pass (the real controllers work
/// asynchronously); returns the last value seen.
async fn eventually<F, Fut>(mut check: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (bool, Value)>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (done, value) = check().await;
        if done || Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until GET `path` answers 404; records the final code.
async fn until_gone(s: &Server, path: &str) -> Value {
    eventually(|| async {
        let r = s.get(path).await;
        (r.status == 404, json!(r.status))
    })
    .await
}

/// The real apiserver refuses pods until the namespace's default service account exists
/// (ServiceAccount admission); the controller-manager creates it shortly after the namespace.
async fn wait_default_sa(s: &Server, ns: &str) {
    if s.side == Side::Real {
        eventually(|| async {
            let r = s
                .get(&format!("/api/v1/namespaces/{ns}/serviceaccounts/default"))
                .await;
            (r.status == 200, Value::Null)
        })
        .await;
    }
}

fn cm(name: &str, labels: Value, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "labels": labels}, "data": data})
}

fn deployment(name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}
            }
        }
    })
}

/// A pod bound to a node no kubelet (and no kwok) serves: it stays Pending on both servers.
fn pod(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "conf"}},
        "spec": {
            "nodeName": "conformance-nowhere",
            "automountServiceAccountToken": false,
            "containers": [{"name": "app", "image": "nginx:1.27"}]
        }
    })
}

const CRD_GROUP: &str = "conformance.opsdeck.dev";

/// A namespaced custom resource with printer columns and the status and scale subresources,
/// created (once, it is cluster-scoped) on each server.
async fn ensure_widget_crd(s: &Server) {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{CRD_GROUP}")},
        "spec": {
            "group": CRD_GROUP,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                      "listKind": "WidgetList", "shortNames": ["wdg"], "categories": ["all"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {
                    "status": {},
                    "scale": {"specReplicasPath": ".spec.replicas",
                              "statusReplicasPath": ".status.replicas",
                              "labelSelectorPath": ".status.selector"}
                },
                "additionalPrinterColumns": [
                    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
                ],
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {"type": "object", "properties": {
                            "replicas": {"type": "integer"},
                            "color": {"type": "string"}}},
                        "status": {"type": "object", "properties": {
                            "replicas": {"type": "integer"},
                            "selector": {"type": "string"},
                            "phase": {"type": "string"}}}
                    }
                }}
            }]
        }
    });
    let r = s
        .post(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            &crd,
        )
        .await;
    assert!(
        r.status == 201 || r.status == 409,
        "{}: creating the Widget CRD: {} {}",
        s.side.name(),
        r.status,
        r.body
    );
    eventually(|| async {
        let r = s
            .get(&format!("/apis/{CRD_GROUP}/v1/namespaces/default/widgets"))
            .await;
        (r.status == 200, Value::Null)
    })
    .await;
}

fn widget(name: &str) -> Value {
    json!({"apiVersion": format!("{CRD_GROUP}/v1"), "kind": "Widget",
           "metadata": {"name": name}, "spec": {"replicas": 2, "color": "blue"}})
}

// ---------------------------------------------------------------------------------------------
// discovery and OpenAPI
// ---------------------------------------------------------------------------------------------

/// The parts of an API resource entry a client depends on.
fn resource_entry(r: &Value) -> Value {
    let mut verbs: Vec<Value> = r["verbs"].as_array().cloned().unwrap_or_default();
    verbs.sort_by_key(|v| v.to_string());
    json!({
        "kind": r["kind"], "namespaced": r["namespaced"], "verbs": verbs,
        "shortNames": r["shortNames"], "categories": r["categories"],
        "singularName": r["singularName"],
    })
}

/// Resources the console shows (and kubectl needs) that both servers must describe alike.
const CORE_RESOURCES: &[&str] = &[
    "pods",
    "pods/log",
    "pods/exec",
    "pods/status",
    "pods/portforward",
    "services",
    "namespaces",
    "nodes",
    "configmaps",
    "secrets",
    "events",
    "serviceaccounts",
    "persistentvolumeclaims",
    "persistentvolumes",
    "endpoints",
];
const APPS_RESOURCES: &[&str] = &[
    "deployments",
    "deployments/scale",
    "deployments/status",
    "statefulsets",
    "statefulsets/scale",
    "daemonsets",
    "replicasets",
    "replicasets/scale",
];

fn pick_resources(list: &Value, names: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for name in names {
        let entry = list["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["name"] == *name))
            .map(resource_entry)
            .unwrap_or(Value::Null);
        out.insert((*name).to_string(), entry);
    }
    Value::Object(out)
}

fn discovery<'a>(
    s: &'a Server,
    _ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let api = s.get("/api").await;
        rec.add(
            "GET /api",
            json!({"code": api.status, "kind": api.body["kind"], "versions": api.body["versions"]}),
        );
        let v1 = s.get("/api/v1").await;
        rec.add("GET /api/v1", json!({"code": v1.status, "kind": v1.body["kind"], "groupVersion": v1.body["groupVersion"], "resources": pick_resources(&v1.body, CORE_RESOURCES)}));
        let apps = s.get("/apis/apps/v1").await;
        rec.add(
            "GET /apis/apps/v1",
            json!({"code": apps.status, "resources": pick_resources(&apps.body, APPS_RESOURCES)}),
        );
        let apis = s.get("/apis").await;
        let groups = |body: &Value| -> Value {
            let mut out = serde_json::Map::new();
            for g in body["groups"].as_array().into_iter().flatten() {
                let name = g["name"].as_str().unwrap_or_default();
                if matches!(
                    name,
                    "apps"
                        | "batch"
                        | "apiextensions.k8s.io"
                        | "networking.k8s.io"
                        | "rbac.authorization.k8s.io"
                        | "autoscaling"
                        | "policy"
                        | "storage.k8s.io"
                ) {
                    out.insert(
                        name.to_string(),
                        json!({"preferredVersion": g["preferredVersion"]}),
                    );
                }
            }
            Value::Object(out)
        };
        rec.add(
            "GET /apis",
            json!({"code": apis.status, "kind": apis.body["kind"], "groups": groups(&apis.body)}),
        );

        // Aggregated discovery (what kubectl and client-go ask first).
        for (path, step) in [("/api", "aggregated /api"), ("/apis", "aggregated /apis")] {
            let r = s
                .get_as(path, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
                .await;
            let mut summary = serde_json::Map::new();
            for g in r.body["items"].as_array().into_iter().flatten() {
                let gname = g["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if !matches!(gname.as_str(), "" | "apps" | "batch") {
                    continue;
                }
                for v in g["versions"].as_array().into_iter().flatten() {
                    for res in v["resources"].as_array().into_iter().flatten() {
                        let rname = res["resource"].as_str().unwrap_or_default();
                        if !(CORE_RESOURCES.contains(&rname)
                            || APPS_RESOURCES.contains(&rname)
                            || rname == "jobs"
                            || rname == "cronjobs")
                        {
                            continue;
                        }
                        let mut verbs: Vec<Value> =
                            res["verbs"].as_array().cloned().unwrap_or_default();
                        verbs.sort_by_key(|v| v.to_string());
                        let mut subs: Vec<Value> = res["subresources"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|sr| {
                                let mut sv: Vec<Value> = sr["verbs"].as_array().cloned().unwrap_or_default();
                                sv.sort_by_key(|v| v.to_string());
                                json!({"subresource": sr["subresource"], "responseKind": sr["responseKind"], "verbs": sv})
                            })
                            .collect();
                        subs.sort_by_key(|v| v["subresource"].to_string());
                        summary.insert(
                            format!(
                                "{gname}/{}/{rname}",
                                v["version"].as_str().unwrap_or_default()
                            ),
                            json!({
                                "scope": res["scope"], "singularResource": res["singularResource"],
                                "responseKind": res["responseKind"], "verbs": verbs,
                                "shortNames": res["shortNames"], "categories": res["categories"],
                                "subresources": subs,
                            }),
                        );
                    }
                }
            }
            rec.add(step, json!({
                "code": r.status,
                "contentType": r.content_type.split(';').filter(|p| p.contains("apidiscovery") || p.contains("as=") || p.contains("v=")).map(str::trim).collect::<Vec<_>>().join(";"),
                "kind": r.body["kind"], "apiVersion": r.body["apiVersion"], "resources": summary}));
        }

        let out = s
            .kubectl(&["api-resources", "--api-group=apps", "-o", "wide"], None)
            .await;
        rec.add("kubectl api-resources --api-group=apps", out);
        let out = s.kubectl(&["api-versions"], None).await;
        let versions: Vec<String> = out["stdout"]
            .as_str()
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("apps/") || l.starts_with("batch/") || *l == "v1")
            .map(str::to_string)
            .collect();
        rec.add(
            "kubectl api-versions",
            json!({"exit": out["exit"], "some": versions}),
        );
    })
}

fn openapi<'a>(
    s: &'a Server,
    _ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let index = s.get("/openapi/v3").await;
        let mut paths = serde_json::Map::new();
        for key in [
            "api/v1",
            "apis/apps/v1",
            "apis/batch/v1",
            "apis/apiextensions.k8s.io/v1",
        ] {
            let entry = &index.body["paths"][key];
            let url = entry["serverRelativeURL"].as_str().unwrap_or_default();
            paths.insert(
                key.to_string(),
                json!({
                    "present": !entry.is_null(),
                    "urlShape": url.split('?').next().map(str::to_string),
                    "hasHash": url.contains("?hash="),
                }),
            );
        }
        rec.add(
            "GET /openapi/v3",
            json!({"code": index.status, "paths": paths}),
        );

        let url = index.body["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap_or("/openapi/v3/apis/apps/v1")
            .to_string();
        let doc = s.get(&url).await;
        let schema = &doc.body["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
        let mut props: Vec<String> = schema["properties"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        props.sort();
        let spec = &doc.body["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentSpec"];
        let mut spec_props: Vec<String> = spec["properties"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        spec_props.sort();
        rec.add("GET /openapi/v3/apis/apps/v1", json!({
            "code": doc.status,
            "openapi": doc.body["openapi"].as_str().map(|v| v.split('.').take(1).collect::<String>()),
            "Deployment.type": schema["type"],
            "Deployment.gvk": schema["x-kubernetes-group-version-kind"],
            "Deployment.properties": props,
            "Deployment.description": schema["description"].is_string(),
            "DeploymentSpec.properties": spec_props,
            "DeploymentSpec.required": spec["required"],
        }));

        let out = s
            .kubectl(&["explain", "deployment.spec.replicas"], None)
            .await;
        rec.add("kubectl explain deployment.spec.replicas", out);
    })
}

// ---------------------------------------------------------------------------------------------
// lists and tables
// ---------------------------------------------------------------------------------------------

fn names(list: &Value) -> Value {
    json!(
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["metadata"]["name"].clone())
            .collect::<Vec<_>>()
    )
}

/// Secrets rather than configmaps: the real controller-manager adds a configmap to every
/// namespace, which would shift the pages.
fn list_paging<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let base = format!("/api/v1/namespaces/{ns}/secrets");
        for i in 0..5 {
            let tier = if i % 2 == 0 { "front" } else { "back" };
            let mut secret = cm(
                &format!("cm-{i}"),
                json!({"tier": tier, "idx": i.to_string()}),
                Value::Null,
            );
            secret["kind"] = json!("Secret");
            secret["type"] = json!("Opaque");
            secret["data"] = json!({"k": "dg=="});
            s.create_ok(&base, &secret).await;
        }
        // limit + continue: the pages, their continue token and remainingItemCount.
        let mut token = String::new();
        let mut page = 0;
        loop {
            let url = if token.is_empty() {
                format!("{base}?limit=2")
            } else {
                format!("{base}?limit=2&continue={token}")
            };
            let r = s.get(&url).await;
            rec.add(
                &format!("page {page}"),
                json!({
                "code": r.status, "kind": r.body["kind"], "apiVersion": r.body["apiVersion"],
                "names": names(&r.body), "metadata": r.body["metadata"]}),
            );
            token = r.body["metadata"]["continue"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            page += 1;
            if token.is_empty() || page > 5 {
                break;
            }
        }
        for sel in [
            "tier=front",
            "tier!=front",
            "tier in (back)",
            "idx notin (0,1)",
            "tier",
            "!tier",
            "tier=front,idx=4",
        ] {
            let r = s
                .get(&format!("{base}?labelSelector={}", urlencode(sel)))
                .await;
            rec.add(
                &format!("labelSelector {sel}"),
                json!({"code": r.status, "names": names(&r.body)}),
            );
        }
        for sel in [
            "metadata.name=cm-3",
            "metadata.name!=cm-3",
            &format!("metadata.namespace={ns}"),
        ] {
            let r = s
                .get(&format!("{base}?fieldSelector={}", urlencode(sel)))
                .await;
            rec.add(
                &format!("fieldSelector {sel}"),
                json!({"code": r.status, "names": names(&r.body)}),
            );
        }
        let r = s
            .get(&format!("{base}?labelSelector={}", urlencode("tier in (a")))
            .await;
        rec.add("invalid labelSelector", r.obs());
        let r = s.get(&format!("{base}?limit=2&continue=garbage")).await;
        rec.add(
            "invalid continue",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );
        let out = s
            .kubectl(
                &["get", "secrets", "-n", ns, "-l", "tier=back", "-o", "name"],
                None,
            )
            .await;
        rec.add("kubectl get -l -o name", out);
        let out = s
            .kubectl(
                &[
                    "get",
                    "secrets",
                    "-n",
                    ns,
                    "--chunk-size=2",
                    "-l",
                    "tier",
                    "--show-labels",
                ],
                None,
            )
            .await;
        rec.add("kubectl get --chunk-size=2 --show-labels", out);
    })
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const TABLE: &str = "application/json;as=Table;g=meta.k8s.io;v=v1";

/// The comparable part of a Table: kind, columns and the cells of each row (object metadata
/// is kept only by name).
fn table(r: &harness::Reply) -> Value {
    let cols: Vec<Value> = r.body["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| json!({"name": c["name"], "type": c["type"], "format": c["format"], "priority": c["priority"], "description": c["description"].as_str().map(|d| !d.is_empty())}))
        .collect();
    let ages: Vec<usize> = cols
        .iter()
        .enumerate()
        .filter(|(_, c)| c["name"] == "Age")
        .map(|(i, _)| i)
        .collect();
    let rows: Vec<Value> = r.body["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let cells: Vec<Value> = row["cells"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| if ages.contains(&i) { json!("<age>") } else { c.clone() })
                .collect();
            json!({"cells": cells, "object.kind": row["object"]["kind"], "object.name": row["object"]["metadata"]["name"]})
        })
        .collect();
    json!({"code": r.status, "kind": r.body["kind"], "apiVersion": r.body["apiVersion"], "columns": cols, "rows": rows})
}

fn tables<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        wait_default_sa(s, ns).await;
        ensure_widget_crd(s).await;
        s.create_ok(
            &format!("/api/v1/namespaces/{ns}/configmaps"),
            &cm(
                "settings",
                json!({"app": "conf"}),
                json!({"a": "1", "b": "2"}),
            ),
        )
        .await;
        s.create_ok(&format!("/api/v1/namespaces/{ns}/pods"), &pod("web-0"))
            .await;
        s.create_ok(&format!("/api/v1/namespaces/{ns}/services"), &json!({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"clusterIP": "None", "selector": {"app": "conf"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})).await;
        s.create_ok(
            &format!("/apis/{CRD_GROUP}/v1/namespaces/{ns}/widgets"),
            &widget("w1"),
        )
        .await;
        // Paused: no ReplicaSet from the real controller, so the cells stay the same.
        let mut d = deployment("web", 3);
        d["spec"]["paused"] = json!(true);
        s.create_ok(&format!("/apis/apps/v1/namespaces/{ns}/deployments"), &d)
            .await;

        for (kind, path) in [
            (
                "configmaps",
                format!("/api/v1/namespaces/{ns}/configmaps?labelSelector=app%3Dconf"),
            ),
            ("pods", format!("/api/v1/namespaces/{ns}/pods")),
            ("services", format!("/api/v1/namespaces/{ns}/services")),
            (
                "deployments",
                format!("/apis/apps/v1/namespaces/{ns}/deployments"),
            ),
            (
                "widgets",
                format!("/apis/{CRD_GROUP}/v1/namespaces/{ns}/widgets"),
            ),
            (
                "namespaces",
                format!("/api/v1/namespaces?fieldSelector=metadata.name%3D{ns}"),
            ),
            (
                "events",
                format!("/api/v1/namespaces/{ns}/events?fieldSelector=reason%3Dnone"),
            ),
            (
                "nodes",
                "/api/v1/nodes?labelSelector=conformance%3Dnone".to_string(),
            ),
        ] {
            let r = s.get_as(&path, TABLE).await;
            rec.add(&format!("table {kind}"), table(&r));
        }
        let r = s
            .get_as(
                &format!("/api/v1/namespaces/{ns}/configmaps/settings"),
                TABLE,
            )
            .await;
        rec.add("table of one object", table(&r));
        let r = s
            .get_as(
                &format!("/api/v1/namespaces/{ns}/pods?includeObject=None"),
                TABLE,
            )
            .await;
        rec.add(
            "table includeObject=None",
            json!({"object": r.body["rows"][0]["object"]}),
        );

        for kind in ["pods", "services", "deployments", "widgets", "configmaps"] {
            let out = s
                .kubectl(&["get", kind, "-n", ns, "-o", "wide"], None)
                .await;
            rec.add(&format!("kubectl get {kind} -o wide"), out);
        }
    })
}

// ---------------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------------

fn event_summary(events: &[Value]) -> Value {
    json!(events.iter().map(|e| json!({
        "type": e["type"],
        "kind": e["object"]["kind"],
        "name": e["object"]["metadata"]["name"],
        "data": e["object"]["data"],
        "code": e["object"]["code"],
        "reason": e["object"]["reason"],
        "annotations": if e["type"] == "BOOKMARK" { e["object"]["metadata"]["annotations"].clone() } else { Value::Null },
    })).collect::<Vec<_>>())
}

fn watch<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let base = format!("/api/v1/namespaces/{ns}/configmaps");
        let a = s
            .create_ok(&base, &cm("a", json!({}), json!({"v": "1"})))
            .await;
        let rv = a["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut changed = cm("a", json!({}), json!({"v": "2"}));
        changed["metadata"]["resourceVersion"] = json!(rv);
        s.put(&format!("{base}/a"), &changed).await;
        s.create_ok(&base, &cm("b", json!({}), json!({"v": "1"})))
            .await;
        s.delete(&format!("{base}/a")).await;

        // Resume from the first create: the three later changes, in order.
        let (code, events) = s
            .watch(
                &format!("{base}?watch=1&resourceVersion={rv}&timeoutSeconds=10"),
                3,
                Duration::from_secs(10),
            )
            .await;
        rec.add(
            "watch from resourceVersion",
            json!({"code": code, "events": event_summary(&events)}),
        );

        // No resourceVersion: the current objects first (synthetic ADDED).
        let (code, events) = s
            .watch(
                &format!("{base}?watch=1&timeoutSeconds=10"),
                1,
                Duration::from_secs(10),
            )
            .await;
        rec.add(
            "watch without resourceVersion",
            json!({"code": code, "events": event_summary(&events)}),
        );

        // Streaming lists: initial events then the initial-events-end bookmark.
        let (code, events) = s.watch(&format!("{base}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=10"), 2, Duration::from_secs(10)).await;
        rec.add(
            "watch sendInitialEvents + bookmarks",
            json!({"code": code, "events": event_summary(&events)}),
        );

        // Too old: 410 Gone as an ERROR event.
        let (code, events) = s
            .watch(
                &format!("{base}?watch=1&resourceVersion=1&timeoutSeconds=5"),
                1,
                Duration::from_secs(10),
            )
            .await;
        rec.add(
            "watch too old resourceVersion",
            json!({"code": code, "events": event_summary(&events)}),
        );

        // List at a too-old resourceVersion with a continue... and a plain get at rv=0.
        let r = s.get(&format!("{base}?resourceVersion=0")).await;
        rec.add(
            "list resourceVersion=0",
            json!({"code": r.status, "names": names(&r.body)}),
        );
    })
}

// ---------------------------------------------------------------------------------------------
// writes: create, update, delete, finalizers, GC, namespaces
// ---------------------------------------------------------------------------------------------

fn create_update<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        use k8s_openapi::api::core::v1::ConfigMap;
        use kube::api::{Api, PostParams};
        let base = format!("/api/v1/namespaces/{ns}/configmaps");
        let r = s
            .post(&base, &cm("one", json!({"a": "b"}), json!({"k": "v"})))
            .await;
        rec.add("create", r.obs());
        let r = s.post(&base, &cm("one", json!({}), json!({}))).await;
        rec.add("create again (AlreadyExists)", r.obs());
        let r = s.post(&base, &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}})).await;
        let gen_name = r.body["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        rec.add("create generateName", json!({"code": r.status, "prefix": gen_name.starts_with("gen-"), "len": gen_name.len()}));

        let current = s.get(&format!("{base}/one")).await.body;
        let mut stale = current.clone();
        let mut fresh = current.clone();
        fresh["data"]["k"] = json!("v2");
        let r = s.put(&format!("{base}/one"), &fresh).await;
        rec.add("update", r.obs());
        stale["data"]["k"] = json!("v3");
        let r = s.put(&format!("{base}/one"), &stale).await;
        rec.add("update stale resourceVersion (Conflict)", r.obs());
        let mut no_rv = fresh.clone();
        no_rv["metadata"]
            .as_object_mut()
            .map(|m| m.remove("resourceVersion"));
        no_rv["data"]["k"] = json!("v4");
        let r = s.put(&format!("{base}/one"), &no_rv).await;
        rec.add(
            "update without resourceVersion",
            json!({"code": r.status, "data": r.body["data"]}),
        );
        let r = s
            .put(
                &format!("{base}/missing"),
                &cm("missing", json!({}), json!({})),
            )
            .await;
        rec.add("update missing (NotFound)", r.obs());
        let r = s
            .put(&format!("{base}/one"), &cm("other", json!({}), json!({})))
            .await;
        rec.add(
            "update with a different name",
            json!({"code": r.status, "reason": r.body["reason"], "message": r.body["message"]}),
        );
        let r = s
            .post(
                &format!("/api/v1/namespaces/{ns}-missing/configmaps"),
                &cm("x", json!({}), json!({})),
            )
            .await;
        rec.add("create in a missing namespace", r.obs());

        // Typed calls through kube-rs.
        let api: Api<ConfigMap> = Api::namespaced(s.client.clone(), ns);
        let mut typed = ConfigMap::default();
        typed.metadata.name = Some("typed".into());
        let created = api.create(&PostParams::default(), &typed).await;
        rec.add("kube-rs create", json!({"ok": created.is_ok()}));
        let again = api.create(&PostParams::default(), &typed).await;
        rec.add(
            "kube-rs create again",
            match again {
                Err(kube::Error::Api(st)) => {
                    json!({"code": st.code, "reason": st.reason, "message": st.message})
                }
                other => json!({"unexpected": format!("{:?}", other.map(|_| ()))}),
            },
        );
        let mut replaced = created.expect("typed create");
        replaced.metadata.resource_version = Some("1".into());
        let conflict = api
            .replace("typed", &PostParams::default(), &replaced)
            .await;
        rec.add(
            "kube-rs replace stale",
            match conflict {
                Err(kube::Error::Api(st)) => {
                    json!({"code": st.code, "reason": st.reason, "message": st.message})
                }
                other => json!({"unexpected": format!("{:?}", other.map(|_| ()))}),
            },
        );

        let out = s
            .kubectl(&["create", "configmap", "one", "-n", ns], None)
            .await;
        rec.add("kubectl create existing", out);
        let out = s
            .kubectl(&["get", "configmap", "nope", "-n", ns], None)
            .await;
        rec.add("kubectl get missing", out);
    })
}

fn finalizers<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let base = format!("/api/v1/namespaces/{ns}/configmaps");
        let mut held = cm("held", json!({}), json!({}));
        held["metadata"]["finalizers"] = json!(["conformance.opsdeck.dev/hold"]);
        s.create_ok(&base, &held).await;
        let r = s.delete(&format!("{base}/held")).await;
        rec.add("delete with finalizer", json!({"code": r.status, "kind": r.body["kind"], "deletionTimestamp": r.body["metadata"]["deletionTimestamp"].is_string(), "deletionGracePeriodSeconds": r.body["metadata"]["deletionGracePeriodSeconds"], "finalizers": r.body["metadata"]["finalizers"]}));
        let r = s.get(&format!("{base}/held")).await;
        rec.add("get while finalizing", json!({"code": r.status, "deletionTimestamp": r.body["metadata"]["deletionTimestamp"].is_string()}));
        let r = s.delete(&format!("{base}/held")).await;
        rec.add(
            "delete again",
            json!({"code": r.status, "kind": r.body["kind"]}),
        );
        // Adding a finalizer while deleting is refused; changing data is allowed.
        let r = s
            .send_json(
                "PATCH",
                &format!("{base}/held"),
                "application/merge-patch+json",
                &json!({"data": {"x": "y"}}),
            )
            .await;
        rec.add(
            "patch while finalizing",
            json!({"code": r.status, "data": r.body["data"]}),
        );
        let r = s
            .send_json(
                "PATCH",
                &format!("{base}/held"),
                "application/merge-patch+json",
                &json!({"metadata": {"finalizers": null}}),
            )
            .await;
        rec.add(
            "remove finalizer",
            json!({"code": r.status, "finalizers": r.body["metadata"]["finalizers"]}),
        );
        rec.add(
            "gone after finalizer removal",
            until_gone(s, &format!("{base}/held")).await,
        );
        let r = s.delete(&format!("{base}/held")).await;
        rec.add("delete missing", r.obs());
    })
}

fn owned(name: &str, owner: &Value, block: bool) -> Value {
    let mut c = cm(name, json!({}), json!({}));
    c["metadata"]["ownerReferences"] = json!([{
        "apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "blockOwnerDeletion": block}]);
    c
}

fn garbage_collection<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let base = format!("/api/v1/namespaces/{ns}/configmaps");
        for policy in ["Background", "Foreground", "Orphan"] {
            let p = policy.to_lowercase();
            let owner = s
                .create_ok(&base, &cm(&format!("{p}-owner"), json!({}), json!({})))
                .await;
            let dep = format!("{p}-dependent");
            s.create_ok(&base, &owned(&dep, &owner, true)).await;
            let r = s
                .send_json("DELETE", &format!("{base}/{p}-owner"), "application/json", &json!({"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": policy}))
                .await;
            rec.add(
                &format!("{policy}: delete owner"),
                json!({
                "code": r.status, "kind": r.body["kind"],
                "finalizers": r.body["metadata"]["finalizers"],
                "deletionTimestamp": r.body["metadata"]["deletionTimestamp"].is_string()}),
            );
            rec.add(
                &format!("{policy}: owner gone"),
                until_gone(s, &format!("{base}/{p}-owner")).await,
            );
            if policy == "Orphan" {
                let dep_now = eventually(|| async {
                    let r = s.get(&format!("{base}/{dep}")).await;
                    let refs = r.body["metadata"]["ownerReferences"].clone();
                    (
                        refs.is_null(),
                        json!({"code": r.status, "ownerReferences": refs}),
                    )
                })
                .await;
                rec.add(
                    &format!("{policy}: dependent kept, owner reference removed"),
                    dep_now,
                );
            } else {
                rec.add(
                    &format!("{policy}: dependent gone"),
                    until_gone(s, &format!("{base}/{dep}")).await,
                );
            }
        }
        // A dependent whose owner never existed is collected too.
        let ghost =
            json!({"metadata": {"name": "ghost", "uid": "00000000-0000-0000-0000-000000000001"}});
        s.create_ok(&base, &owned("orphaned", &ghost, false)).await;
        rec.add(
            "dependent of a missing owner gone",
            until_gone(s, &format!("{base}/orphaned")).await,
        );
        let out = s
            .kubectl(&["delete", "configmap", "nothing", "-n", ns], None)
            .await;
        rec.add("kubectl delete missing", out);
    })
}

fn namespace_deletion<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let victim = format!("{ns}-x");
        create_namespace(s, &victim).await;
        let base = format!("/api/v1/namespaces/{victim}/configmaps");
        s.create_ok(&base, &cm("inside", json!({}), json!({})))
            .await;
        let r = s.delete(&format!("/api/v1/namespaces/{victim}")).await;
        rec.add("delete namespace", json!({"code": r.status, "kind": r.body["kind"], "phase": r.body["status"]["phase"], "deletionTimestamp": r.body["metadata"]["deletionTimestamp"].is_string(), "spec": r.body["spec"]}));
        let r = s.post(&base, &cm("late", json!({}), json!({}))).await;
        rec.add("create in a terminating namespace", json!({"code": r.status, "reason": r.body["reason"], "message": r.body["message"], "details": r.body["details"]}));
        rec.add(
            "namespace gone",
            until_gone(s, &format!("/api/v1/namespaces/{victim}")).await,
        );
        let r = s.get(&format!("{base}/inside")).await;
        rec.add("contents gone", json!({"code": r.status}));
        let out = s.kubectl(&["delete", "namespace", &victim], None).await;
        rec.add("kubectl delete missing namespace", out);
    })
}

// ---------------------------------------------------------------------------------------------
// patches and subresources
// ---------------------------------------------------------------------------------------------

fn patches<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        ensure_widget_crd(s).await;
        let cms = format!("/api/v1/namespaces/{ns}/configmaps");
        s.create_ok(
            &cms,
            &cm("p", json!({"a": "1"}), json!({"x": "1", "y": "2"})),
        )
        .await;
        let path = format!("{cms}/p");
        let r = s.send_json("PATCH", &path, "application/json-patch+json", &json!([{"op": "replace", "path": "/data/x", "value": "10"}, {"op": "remove", "path": "/data/y"}])).await;
        rec.add(
            "json patch",
            json!({"code": r.status, "data": r.body["data"]}),
        );
        let r = s
            .send_json(
                "PATCH",
                &path,
                "application/json-patch+json",
                &json!([{"op": "test", "path": "/data/x", "value": "nope"}]),
            )
            .await;
        rec.add(
            "json patch failing test",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );
        let r = s
            .send_json(
                "PATCH",
                &path,
                "application/merge-patch+json",
                &json!({"data": {"z": "3", "x": null}, "metadata": {"labels": {"b": "2"}}}),
            )
            .await;
        rec.add("merge patch", json!({"code": r.status, "data": r.body["data"], "labels": r.body["metadata"]["labels"]}));

        let deps = format!("/apis/apps/v1/namespaces/{ns}/deployments");
        let mut d = deployment("sm", 1);
        d["spec"]["paused"] = json!(true);
        d["spec"]["template"]["spec"]["containers"] =
            json!([{"name": "app", "image": "nginx:1.27"}, {"name": "side", "image": "busybox:1"}]);
        s.create_ok(&deps, &d).await;
        let r = s.send_json("PATCH", &format!("{deps}/sm"), "application/strategic-merge-patch+json", &json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox:2"}]}}}})).await;
        let containers = |b: &Value| {
            json!(
                b["spec"]["template"]["spec"]["containers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| json!({"name": c["name"], "image": c["image"]}))
                    .collect::<Vec<_>>()
            )
        };
        rec.add(
            "strategic merge patch (list merged by name)",
            json!({"code": r.status, "containers": containers(&r.body)}),
        );
        let r = s.send_json("PATCH", &format!("{deps}/sm"), "application/strategic-merge-patch+json", &json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}})).await;
        rec.add(
            "strategic merge patch $patch: delete",
            json!({"code": r.status, "containers": containers(&r.body)}),
        );
        let r = s
            .send_json(
                "PATCH",
                &path,
                "application/strategic-merge-patch+json",
                &json!({"data": {"w": "4"}}),
            )
            .await;
        rec.add(
            "strategic merge patch on a configmap",
            json!({"code": r.status, "data": r.body["data"]}),
        );
        let r = s
            .send_json(
                "PATCH",
                &format!("/apis/{CRD_GROUP}/v1/namespaces/{ns}/widgets/none"),
                "application/strategic-merge-patch+json",
                &json!({"spec": {}}),
            )
            .await;
        rec.add(
            "strategic merge patch on a missing object",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );

        // Server-side apply: two managers, a conflict, then force.
        let apply = |manager: &'static str, force: bool, value: &'static str| {
            let path = format!(
                "{cms}/ssa?fieldManager={manager}{}",
                if force { "&force=true" } else { "" }
            );
            async move {
                s.raw("PATCH", &path, &[("Content-Type", "application/apply-patch+yaml"), ("Accept", "application/json")],
                    Some(serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"shared": value}})).expect("json"))).await
            }
        };
        let managers = |b: &Value| {
            json!(b["metadata"]["managedFields"].as_array().into_iter().flatten().map(|m| json!({"manager": m["manager"], "operation": m["operation"], "fieldsType": m["fieldsType"], "fieldsV1": m["fieldsV1"], "apiVersion": m["apiVersion"]})).collect::<Vec<_>>())
        };
        let r = apply("alice", false, "a").await;
        rec.add(
            "apply (creates)",
            json!({"code": r.status, "data": r.body["data"], "managedFields": managers(&r.body)}),
        );
        let r = apply("alice", false, "a").await;
        rec.add(
            "apply again (no-op)",
            json!({"code": r.status, "data": r.body["data"]}),
        );
        let r = apply("bob", false, "b").await;
        rec.add("apply by another manager (Conflict)", r.obs());
        let r = apply("bob", true, "b").await;
        rec.add(
            "apply force=true",
            json!({"code": r.status, "data": r.body["data"], "managedFields": managers(&r.body)}),
        );
        let r = s
            .raw(
                "PATCH",
                &format!("{cms}/ssa"),
                &[("Content-Type", "application/apply-patch+yaml")],
                Some(b"{}".to_vec()),
            )
            .await;
        rec.add("apply without fieldManager", r.obs());
        let r = s
            .raw(
                "PATCH",
                &format!("{cms}/ssa?fieldManager=x"),
                &[("Content-Type", "application/apply-patch+yaml")],
                Some(b"data: [".to_vec()),
            )
            .await;
        rec.add(
            "apply malformed yaml",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );

        // kubectl: apply --server-side conflicts and --force-conflicts; patch types.
        let manifest = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: {ns}\ndata:\n  shared: k\n"
        );
        let out = s
            .kubectl(&["apply", "--server-side", "-f", "-"], Some(&manifest))
            .await;
        rec.add("kubectl apply --server-side (conflict)", out);
        let out = s
            .kubectl(
                &["apply", "--server-side", "--force-conflicts", "-f", "-"],
                Some(&manifest),
            )
            .await;
        rec.add("kubectl apply --server-side --force-conflicts", out);
        let out = s
            .kubectl(
                &[
                    "patch",
                    "configmap",
                    "p",
                    "-n",
                    ns,
                    "--type=merge",
                    "-p",
                    "{\"data\":{\"m\":\"1\"}}",
                ],
                None,
            )
            .await;
        rec.add("kubectl patch --type=merge", out);
        let out = s
            .kubectl(
                &[
                    "patch",
                    "configmap",
                    "p",
                    "-n",
                    ns,
                    "--type=json",
                    "-p",
                    "[{\"op\":\"add\",\"path\":\"/data/j\",\"value\":\"1\"}]",
                ],
                None,
            )
            .await;
        rec.add("kubectl patch --type=json", out);
        let out = s
            .kubectl(&["label", "configmap", "p", "-n", ns, "c=3"], None)
            .await;
        rec.add("kubectl label", out);
        let out = s
            .kubectl(
                &[
                    "get",
                    "configmap",
                    "p",
                    "-n",
                    ns,
                    "-o",
                    "jsonpath={.data}{\"\\n\"}{.metadata.labels}",
                ],
                None,
            )
            .await;
        rec.add("after kubectl patches", out);
    })
}

fn subresources<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        ensure_widget_crd(s).await;
        let deps = format!("/apis/apps/v1/namespaces/{ns}/deployments");
        let mut d = deployment("sc", 2);
        d["spec"]["paused"] = json!(true);
        s.create_ok(&deps, &d).await;
        let r = s.get(&format!("{deps}/sc/scale")).await;
        rec.add("get deployment scale", json!({"code": r.status, "kind": r.body["kind"], "apiVersion": r.body["apiVersion"], "spec": r.body["spec"], "status.selector": r.body["status"]["selector"], "name": r.body["metadata"]["name"]}));
        let r = s
            .send_json(
                "PATCH",
                &format!("{deps}/sc/scale"),
                "application/merge-patch+json",
                &json!({"spec": {"replicas": 5}}),
            )
            .await;
        rec.add(
            "patch deployment scale",
            json!({"code": r.status, "kind": r.body["kind"], "spec": r.body["spec"]}),
        );
        let r = s.get(&format!("{deps}/sc")).await;
        rec.add("deployment after scale", json!({"replicas": r.body["spec"]["replicas"], "generation": r.body["metadata"]["generation"]}));
        let r = s.put(&format!("{deps}/sc/scale"), &json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "sc", "namespace": ns}, "spec": {"replicas": 1}})).await;
        rec.add(
            "put deployment scale",
            json!({"code": r.status, "spec": r.body["spec"]}),
        );
        let r = s
            .get(&format!("/api/v1/namespaces/{ns}/configmaps/none/scale"))
            .await;
        rec.add(
            "scale of a kind without one",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );

        // Status: the main resource ignores status, the subresource ignores spec.
        let ws = format!("/apis/{CRD_GROUP}/v1/namespaces/{ns}/widgets");
        let mut w = widget("w");
        w["status"] = json!({"phase": "Ignored"});
        let r = s.post(&ws, &w).await;
        rec.add("create with status (ignored)", json!({"code": r.status, "status": r.body["status"], "generation": r.body["metadata"]["generation"]}));
        let r = s.send_json("PATCH", &format!("{ws}/w/status"), "application/merge-patch+json", &json!({"spec": {"replicas": 9}, "status": {"phase": "Ready", "replicas": 2, "selector": "app=w"}})).await;
        rec.add("patch status", json!({"code": r.status, "spec": r.body["spec"], "status": r.body["status"], "generation": r.body["metadata"]["generation"]}));
        let r = s
            .send_json(
                "PATCH",
                &format!("{ws}/w"),
                "application/merge-patch+json",
                &json!({"spec": {"color": "red"}, "status": {"phase": "Changed"}}),
            )
            .await;
        rec.add("patch main resource with status", json!({"code": r.status, "spec": r.body["spec"], "status": r.body["status"], "generation": r.body["metadata"]["generation"]}));
        let r = s.get(&format!("{ws}/w/scale")).await;
        rec.add("get custom scale", json!({"code": r.status, "kind": r.body["kind"], "apiVersion": r.body["apiVersion"], "spec": r.body["spec"], "status": r.body["status"]}));
        let r = s
            .send_json(
                "PATCH",
                &format!("{ws}/w/scale"),
                "application/merge-patch+json",
                &json!({"spec": {"replicas": 4}}),
            )
            .await;
        rec.add(
            "patch custom scale",
            json!({"code": r.status, "spec": r.body["spec"]}),
        );
        let r = s.get(&format!("{ws}/w")).await;
        rec.add(
            "widget after scale",
            json!({"spec": r.body["spec"], "generation": r.body["metadata"]["generation"]}),
        );
        let out = s
            .kubectl(
                &["scale", "deployment", "sc", "-n", ns, "--replicas=3"],
                None,
            )
            .await;
        rec.add("kubectl scale", out);
        let out = s
            .kubectl(
                &[
                    "scale",
                    "widget",
                    "w",
                    "-n",
                    ns,
                    "--replicas=6",
                    "--current-replicas=1",
                ],
                None,
            )
            .await;
        rec.add("kubectl scale --current-replicas mismatch", out);
        let out = s.kubectl(&["get", "widgets", "-n", ns, "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,PHASE:.status.phase"], None).await;
        rec.add("kubectl get widgets custom-columns", out);
    })
}

// ---------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------

fn errors<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let cms = format!("/api/v1/namespaces/{ns}/configmaps");
        let r = s
            .raw(
                "POST",
                &cms,
                &[
                    ("Content-Type", "application/json"),
                    ("Accept", "application/json"),
                ],
                Some(b"{\"apiVersion\": \"v1\", \"kind\": ".to_vec()),
            )
            .await;
        rec.add("malformed JSON", json!({"code": r.status, "kind": r.body["kind"], "reason": r.body["reason"], "status": r.body["status"]}));
        let r = s.get(&format!("/api/v1/namespaces/{ns}/gizmos")).await;
        rec.add("unknown resource", r.obs());
        let r = s.get("/apis/nothing.example.com/v1/gizmos").await;
        rec.add(
            "unknown group",
            json!({"code": r.status, "kind": r.body["kind"], "reason": r.body["reason"]}),
        );
        let r = s
            .post(
                &cms,
                &json!({"apiVersion": "v1", "kind": "Gizmo", "metadata": {"name": "g"}}),
            )
            .await;
        rec.add(
            "wrong kind in body",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );
        let r = s.post(&cms, &cm("Bad_Name", json!({}), json!({}))).await;
        rec.add("invalid name", r.obs());
        let r = s
            .post(&cms, &cm("ok", json!({"bad key!": "v"}), json!({})))
            .await;
        rec.add("invalid label", json!({"code": r.status, "reason": r.body["reason"], "causes": r.body["details"]["causes"]}));
        let r = s
            .get(&format!("{cms}?labelSelector={}", urlencode("a=b=c")))
            .await;
        rec.add("invalid label selector", r.obs());
        let r = s
            .raw(
                "POST",
                &cms,
                &[
                    ("Content-Type", "text/plain"),
                    ("Accept", "application/json"),
                ],
                Some(b"hello".to_vec()),
            )
            .await;
        rec.add("wrong content type", r.obs());
        let r = s
            .raw(
                "PATCH",
                &format!("{cms}/x"),
                &[
                    ("Content-Type", "application/json"),
                    ("Accept", "application/json"),
                ],
                Some(b"{}".to_vec()),
            )
            .await;
        rec.add(
            "patch with plain JSON content type",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );
        let r = s
            .raw("GET", &cms, &[("Accept", "application/x-nothing")], None)
            .await;
        rec.add(
            "unacceptable Accept",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );
        let r = s
            .raw(
                "PUT",
                &cms,
                &[
                    ("Content-Type", "application/json"),
                    ("Accept", "application/json"),
                ],
                Some(b"{}".to_vec()),
            )
            .await;
        rec.add(
            "PUT on a collection",
            json!({"code": r.status, "reason": r.body["reason"]}),
        );
        let r = s.get(&format!("{cms}?limit=abc")).await;
        rec.add("bad limit", json!({"code": r.status}));

        let out = s.kubectl(&["get", "gizmos"], None).await;
        rec.add("kubectl get unknown kind", out);
        let out = s
            .kubectl(&["get", "pods", "-n", ns, "-l", "a in (b"], None)
            .await;
        rec.add("kubectl invalid selector", out);
        let out = s
            .kubectl(&["create", "configmap", "Bad_Name", "-n", ns], None)
            .await;
        rec.add("kubectl create invalid name", out);
    })
}

/// The install wizard's preview: a server-side dry-run apply (`dryRun=All`) over an object
/// another manager wrote changes nothing, returns the merged result (a container list merged by
/// name keeps the live container beside the applied one), and answers a conflict with 409
/// naming the manager; with force the dry run succeeds and still changes nothing.
fn dry_run_apply<'a>(
    s: &'a Server,
    ns: &'a str,
    rec: &'a mut Record,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let deps = format!("/apis/apps/v1/namespaces/{ns}/deployments");
        let created = s
            .create_ok(
                &format!("{deps}?fieldManager=installer"),
                &deployment("web", 2),
            )
            .await;
        assert_eq!(created["spec"]["replicas"], 2);
        let mut mine = deployment("web", 1);
        mine["spec"]["template"]["spec"]["containers"] =
            json!([{"name": "web", "image": "nginx:1.27"}]);
        let apply = |force: bool| {
            let path = format!(
                "{deps}/web?fieldManager=opsdeck&dryRun=All{}",
                if force { "&force=true" } else { "" }
            );
            let body = serde_json::to_vec(&mine).expect("json");
            async move {
                s.raw(
                    "PATCH",
                    &path,
                    &[
                        ("Content-Type", "application/apply-patch+yaml"),
                        ("Accept", "application/json"),
                    ],
                    Some(body),
                )
                .await
            }
        };
        let r = apply(false).await;
        rec.add(
            "dry-run apply over another manager's replicas (Conflict)",
            json!({"code": r.status, "reason": r.body["reason"],
                "causes": r.body["details"]["causes"]}),
        );
        let r = apply(true).await;
        let names: Vec<Value> = r.body["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["name"].clone())
            .collect();
        rec.add(
            "dry-run apply with force: merged containers, replicas taken",
            json!({"code": r.status, "containers": names,
                "replicas": r.body["spec"]["replicas"]}),
        );
        // (The resourceVersion is not compared: the real deployment controller writes
        // status meanwhile.)
        let live = s.get(&format!("{deps}/web")).await;
        rec.add(
            "the live object after the dry runs",
            json!({"generation": live.body["metadata"]["generation"],
                "containers": live.body["spec"]["template"]["spec"]["containers"]
                    .as_array().into_iter().flatten().map(|c| c["name"].clone()).collect::<Vec<_>>(),
                "replicas": live.body["spec"]["replicas"]}),
        );
    })
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            run(stringify!($name), super::$name);
        }
    )*};
}

mod conformance {
    use super::run;
    scenarios!(
        discovery,
        openapi,
        list_paging,
        tables,
        watch,
        create_update,
        finalizers,
        garbage_collection,
        namespace_deletion,
        patches,
        subresources,
        errors,
        dry_run_apply,
    );
}
