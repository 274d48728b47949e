//! The real `kubectl` (client-go) against `opsdeck sandbox`: the acceptance tests of the
//! sandbox as a Kubernetes API. Each test starts its own sandbox process, so tests are
//! independent and run in parallel. Assertions are on names and values, never on column
//! spacing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use base64::Engine as _;
use common::{
    SandboxProcess, fixture, namespace_yaml, parse_table, pod_yaml, recording_yaml, table_header,
};
use serde_json::Value;

const MANIFEST: &str = "manifests/app-stack.yaml";

fn items(list: &Value) -> Vec<Value> {
    list["items"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("not a list: {list}"))
}

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn names_in(out: &str) -> BTreeSet<String> {
    parse_table(out)
        .into_iter()
        .map(|r| r["NAME"].clone())
        .collect()
}

/// The first CNPG cluster of the platform recording: (namespace, name).
fn first_cnpg_cluster(sb: &SandboxProcess) -> (String, String) {
    let list = sb.kubectl_json(&["get", "clusters.postgresql.cnpg.io", "-A"]);
    let first = items(&list)
        .into_iter()
        .next()
        .expect("the platform recording has a CNPG Cluster");
    (
        s(&first, "/metadata/namespace").to_string(),
        s(&first, "/metadata/name").to_string(),
    )
}

fn manifest_path() -> String {
    fixture(MANIFEST).display().to_string()
}

// ---------------------------------------------------------------------------------------------
// reading
// ---------------------------------------------------------------------------------------------

#[test]
fn get_nodes_wide_shows_eight_nodes_with_addresses_and_os_image() {
    let sb = SandboxProcess::platform();
    let out = sb.kubectl_ok(&["get", "nodes", "-o", "wide"]);
    let header = table_header(&out);
    for col in [
        "NAME",
        "STATUS",
        "ROLES",
        "AGE",
        "VERSION",
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "no {col} column in:\n{out}"
        );
    }
    let rows = parse_table(&out);
    assert_eq!(rows.len(), 8, "3 node pools (3 + 3 + 2 nodes):\n{out}");

    let nodes = sb.kubectl_json(&["get", "nodes"]);
    for node in items(&nodes) {
        let name = s(&node, "/metadata/name");
        let row = rows
            .iter()
            .find(|r| r["NAME"] == name)
            .unwrap_or_else(|| panic!("node {name} not in the table:\n{out}"));
        let internal_ip = node["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["type"] == "InternalIP")
            .and_then(|a| a["address"].as_str())
            .unwrap_or_else(|| panic!("node {name} has no InternalIP"));
        assert_eq!(row["INTERNAL-IP"], internal_ip, "node {name}");
        assert!(
            internal_ip.parse::<std::net::Ipv4Addr>().is_ok(),
            "{internal_ip}"
        );
        assert_eq!(
            row["OS-IMAGE"],
            s(&node, "/status/nodeInfo/osImage"),
            "node {name}"
        );
        assert!(
            !row["OS-IMAGE"].is_empty(),
            "node {name} without an OS image"
        );
        assert_eq!(
            row["KERNEL-VERSION"],
            s(&node, "/status/nodeInfo/kernelVersion")
        );
        assert_eq!(
            row["CONTAINER-RUNTIME"],
            s(&node, "/status/nodeInfo/containerRuntimeVersion")
        );
        assert_eq!(row["VERSION"], s(&node, "/status/nodeInfo/kubeletVersion"));
        let ready = node["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        if ready {
            assert!(
                row["STATUS"].starts_with("Ready"),
                "node {name}: {}",
                row["STATUS"]
            );
        } else {
            assert!(
                row["STATUS"].starts_with("NotReady"),
                "node {name}: {}",
                row["STATUS"]
            );
        }
    }
}

#[test]
fn platform_nodes_form_three_pools_across_three_zones_with_a_tainted_database_pool() {
    let sb = SandboxProcess::platform();
    let nodes = items(&sb.kubectl_json(&["get", "nodes", "-l", "eks.amazonaws.com/nodegroup"]));
    assert_eq!(
        nodes.len(),
        8,
        "every node carries the EKS node group label"
    );
    let mut pools: BTreeMap<String, usize> = BTreeMap::new();
    let mut zones = BTreeSet::new();
    for n in &nodes {
        *pools
            .entry(s(n, "/metadata/labels/eks.amazonaws.com~1nodegroup").to_string())
            .or_default() += 1;
        zones.insert(s(n, "/metadata/labels/topology.kubernetes.io~1zone").to_string());
    }
    let mut sizes: Vec<usize> = pools.values().copied().collect();
    sizes.sort();
    assert_eq!(sizes, vec![2, 3, 3], "pools: {pools:?}");
    assert_eq!(zones.len(), 3, "zones: {zones:?}");

    let tainted: Vec<&Value> = nodes
        .iter()
        .filter(|n| {
            n["spec"]["taints"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| {
                    t["key"] == "workload-type"
                        && t["value"] == "database"
                        && t["effect"] == "NoSchedule"
                })
        })
        .collect();
    assert_eq!(
        tainted.len(),
        2,
        "the database pool (2 nodes) is tainted workload-type=database:NoSchedule"
    );
}

#[test]
fn get_pods_with_label_selectors_filters() {
    let sb = SandboxProcess::platform();
    let all = items(&sb.kubectl_json(&["get", "pods", "-A"]));
    let clusters = items(&sb.kubectl_json(&["get", "clusters.postgresql.cnpg.io", "-A"]));
    assert!(
        !clusters.is_empty(),
        "the platform recording has a CNPG cluster"
    );

    let mut primaries = BTreeSet::new();
    for c in &clusters {
        let (ns, name) = (s(c, "/metadata/namespace"), s(c, "/metadata/name"));
        let sel = format!("cnpg.io/cluster={name}");
        let out = sb.kubectl_ok(&["get", "pods", "-n", ns, "-l", &sel]);
        let rows = parse_table(&out);
        let instances = c["spec"]["instances"].as_u64().expect("spec.instances") as usize;
        assert_eq!(rows.len(), instances, "pods of CNPG cluster {name}:\n{out}");
        assert!(rows.iter().all(|r| r["NAME"].starts_with(name)), "{out}");
        primaries.insert(s(c, "/status/currentPrimary").to_string());
    }

    // -A with a label selector: a NAMESPACE column, and only the primaries.
    let out = sb.kubectl_ok(&["get", "pods", "-A", "-l", "cnpg.io/instanceRole=primary"]);
    assert!(table_header(&out).iter().any(|h| h == "NAMESPACE"), "{out}");
    assert_eq!(names_in(&out), primaries, "{out}");
    assert!(
        all.len() > primaries.len(),
        "the selector filtered nothing out"
    );

    // Set-based selectors and negation.
    let replicas = sb.kubectl_ok(&[
        "get",
        "pods",
        "-A",
        "-l",
        "cnpg.io/instanceRole in (replica)",
    ]);
    let replica_names = names_in(&replicas);
    assert!(!replica_names.is_empty(), "{replicas}");
    assert!(replica_names.is_disjoint(&primaries));
    let json = items(&sb.kubectl_json(&[
        "get",
        "pods",
        "-A",
        "-l",
        "cnpg.io/instanceRole,cnpg.io/instanceRole!=primary",
    ]));
    let names: BTreeSet<String> = json
        .iter()
        .map(|p| s(p, "/metadata/name").to_string())
        .collect();
    assert_eq!(names, replica_names);

    // Nothing matches: kubectl says so on stderr.
    let out = sb.kubectl(&[
        "get",
        "pods",
        "-A",
        "-l",
        "app.kubernetes.io/name=no-such-app",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("No resources found"));
}

#[test]
fn get_pods_with_field_selector_and_small_chunks() {
    let sb = SandboxProcess::platform();
    let all = items(&sb.kubectl_json(&["get", "pods", "-A"]));
    assert!(all.len() > 5, "the platform recording has pods");
    let node = all
        .iter()
        .map(|p| s(p, "/spec/nodeName"))
        .find(|n| !n.is_empty())
        .expect("a scheduled pod")
        .to_string();
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|p| s(p, "/spec/nodeName") == node)
        .map(|p| format!("{}/{}", s(p, "/metadata/namespace"), s(p, "/metadata/name")))
        .collect();
    let sel = format!("spec.nodeName={node}");
    let on_node = items(&sb.kubectl_json(&["get", "pods", "-A", "--field-selector", &sel]));
    let got: BTreeSet<String> = on_node
        .iter()
        .map(|p| format!("{}/{}", s(p, "/metadata/namespace"), s(p, "/metadata/name")))
        .collect();
    assert_eq!(got, expected);

    // limit/continue: kubectl pages through with --chunk-size and gets the same pods.
    let chunked = items(&sb.kubectl_json(&["get", "pods", "-A", "--chunk-size=3"]));
    let names = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|p| format!("{}/{}", s(p, "/metadata/namespace"), s(p, "/metadata/name")))
            .collect()
    };
    assert_eq!(
        names(&chunked),
        names(&all),
        "paging with limit=3 changed the list"
    );
    let table = sb.kubectl_ok(&["get", "pods", "-A", "--chunk-size=4"]);
    assert_eq!(parse_table(&table).len(), all.len(), "{table}");
}

#[test]
fn get_applications_shows_sync_and_health_status_columns() {
    let sb = SandboxProcess::platform();
    let out = sb.kubectl_ok(&["get", "applications", "-A"]);
    let header = table_header(&out);
    for col in ["NAMESPACE", "NAME", "SYNC STATUS", "HEALTH STATUS"] {
        assert!(
            header.iter().any(|h| h == col),
            "no {col} column in:\n{out}"
        );
    }
    let rows = parse_table(&out);
    let apps = items(&sb.kubectl_json(&["get", "applications.argoproj.io", "-A"]));
    assert!(
        apps.len() >= 6,
        "a root app and apps in waves -10/-5/-2/-1/0:\n{out}"
    );
    assert_eq!(rows.len(), apps.len());
    let mut waves = BTreeSet::new();
    for app in &apps {
        let name = s(app, "/metadata/name");
        let row = rows
            .iter()
            .find(|r| r["NAME"] == name)
            .unwrap_or_else(|| panic!("{name} not in:\n{out}"));
        assert_eq!(
            row["SYNC STATUS"],
            s(app, "/status/sync/status"),
            "app {name}"
        );
        assert_eq!(
            row["HEALTH STATUS"],
            s(app, "/status/health/status"),
            "app {name}"
        );
        assert!(
            ["Synced", "OutOfSync", "Unknown"].contains(&row["SYNC STATUS"].as_str()),
            "{name}: {}",
            row["SYNC STATUS"]
        );
        let wave = s(app, "/metadata/annotations/argocd.argoproj.io~1sync-wave");
        waves.insert(if wave.is_empty() {
            "0".to_string()
        } else {
            wave.to_string()
        });
    }
    for wave in ["-10", "-5", "-2", "-1", "0"] {
        assert!(
            waves.contains(wave),
            "no Application in sync wave {wave}: {waves:?}"
        );
    }
    // The short name from the CRD works too.
    let short = sb.kubectl_ok(&["get", "apps.argoproj.io", "-A", "-o", "name"]);
    assert_eq!(short.lines().count(), apps.len(), "{short}");
}

#[test]
fn get_cnpg_clusters_shows_instances_and_primary() {
    let sb = SandboxProcess::platform();
    let out = sb.kubectl_ok(&["get", "clusters.postgresql.cnpg.io", "-A"]);
    let header = table_header(&out);
    for col in [
        "NAMESPACE",
        "NAME",
        "AGE",
        "INSTANCES",
        "READY",
        "STATUS",
        "PRIMARY",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "no {col} column in:\n{out}"
        );
    }
    let rows = parse_table(&out);
    let clusters = items(&sb.kubectl_json(&["get", "clusters.postgresql.cnpg.io", "-A"]));
    assert_eq!(rows.len(), clusters.len());
    let mut saw_three = false;
    for c in &clusters {
        let name = s(c, "/metadata/name");
        let row = rows.iter().find(|r| r["NAME"] == name).expect("row");
        assert_eq!(row["PRIMARY"], s(c, "/status/currentPrimary"), "{out}");
        assert_eq!(row["STATUS"], s(c, "/status/phase"), "{out}");
        assert_eq!(
            row["INSTANCES"],
            c["status"]["instances"].to_string(),
            "{out}"
        );
        saw_three |= row["INSTANCES"] == "3";
    }
    assert!(saw_three, "a 3-instance CNPG cluster:\n{out}");
}

#[test]
fn get_namespaces_lists_the_platform_namespaces() {
    let sb = SandboxProcess::platform();
    let out = sb.kubectl_ok(&["get", "ns"]);
    let header = table_header(&out);
    assert_eq!(header, ["NAME", "STATUS", "AGE"], "{out}");
    let rows = parse_table(&out);
    let names: BTreeSet<String> = rows.iter().map(|r| r["NAME"].clone()).collect();
    for ns in ["default", "kube-system"] {
        assert!(names.contains(ns), "no namespace {ns}:\n{out}");
    }
    assert!(rows.iter().all(|r| r["STATUS"] == "Active"), "{out}");
    // Every namespace a pod lives in exists.
    for pod in items(&sb.kubectl_json(&["get", "pods", "-A"])) {
        let ns = s(&pod, "/metadata/namespace");
        assert!(
            names.contains(ns),
            "pod namespace {ns} is not listed:\n{out}"
        );
    }
    // A single cluster-scoped object by name.
    let one = sb.kubectl_json(&["get", "namespace", "default"]);
    assert_eq!(one["kind"], "Namespace");
    assert_eq!(one["apiVersion"], "v1");
}

#[test]
fn get_pods_yaml_has_the_structure_of_a_real_cluster() {
    let sb = SandboxProcess::platform();
    let out = sb.kubectl_ok(&["get", "pods", "-A", "-o", "yaml"]);
    let doc: Value = serde_saphyr::from_str(&out).expect("kubectl -o yaml prints YAML");
    assert_eq!(doc["apiVersion"], "v1");
    assert_eq!(doc["kind"], "List");
    let pods = items(&doc);
    assert!(!pods.is_empty());
    let mut owned = 0;
    for p in &pods {
        assert_eq!(p["apiVersion"], "v1", "{p}");
        assert_eq!(p["kind"], "Pod", "{p}");
        let name = s(p, "/metadata/name");
        for field in [
            "/metadata/namespace",
            "/metadata/uid",
            "/metadata/resourceVersion",
            "/metadata/creationTimestamp",
        ] {
            assert!(!s(p, field).is_empty(), "pod {name} has no {field}");
        }
        assert!(
            s(p, "/metadata/creationTimestamp")
                .parse::<jiff::Timestamp>()
                .is_ok()
        );
        assert!(
            !p["spec"]["containers"]
                .as_array()
                .expect("containers")
                .is_empty()
        );
        assert!(
            !s(p, "/status/phase").is_empty(),
            "pod {name} without status.phase"
        );
        if p["metadata"]["ownerReferences"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
        {
            owned += 1;
        }
    }
    assert!(owned > 0, "no pod has ownerReferences");
    // UIDs are unique.
    let uids: BTreeSet<&str> = pods.iter().map(|p| s(p, "/metadata/uid")).collect();
    assert_eq!(uids.len(), pods.len());
}

#[test]
fn api_resources_lists_builtin_kinds_and_crds() {
    let sb = SandboxProcess::platform();
    let out = sb.kubectl_ok(&["api-resources"]);
    let rows = parse_table(&out);
    let has = |name: &str, api_version: &str, namespaced: &str, kind: &str| {
        rows.iter().any(|r| {
            r["NAME"] == name
                && r["APIVERSION"] == api_version
                && r["NAMESPACED"] == namespaced
                && r["KIND"] == kind
        })
    };
    for (name, api_version, namespaced, kind) in [
        ("pods", "v1", "true", "Pod"),
        ("nodes", "v1", "false", "Node"),
        ("namespaces", "v1", "false", "Namespace"),
        ("secrets", "v1", "true", "Secret"),
        ("deployments", "apps/v1", "true", "Deployment"),
        (
            "customresourcedefinitions",
            "apiextensions.k8s.io/v1",
            "false",
            "CustomResourceDefinition",
        ),
        (
            "applications",
            "argoproj.io/v1alpha1",
            "true",
            "Application",
        ),
        ("clusters", "postgresql.cnpg.io/v1", "true", "Cluster"),
    ] {
        assert!(
            has(name, api_version, namespaced, kind),
            "api-resources lacks {name} {api_version}:\n{out}"
        );
    }
    let crds = sb.kubectl_ok(&["get", "crd", "-o", "name"]);
    assert!(
        crds.contains("customresourcedefinition.apiextensions.k8s.io/applications.argoproj.io"),
        "{crds}"
    );
    assert!(
        crds.contains("customresourcedefinition.apiextensions.k8s.io/clusters.postgresql.cnpg.io"),
        "{crds}"
    );
}

#[test]
fn version_reports_the_recording_kubernetes_version() {
    let yaml = recording_yaml("version", &namespace_yaml("default"), "");
    let sb = SandboxProcess::with_recording(&yaml);
    let v = sb.kubectl_json(&["version"]);
    assert_eq!(s(&v, "/serverVersion/gitVersion"), "v1.31.4", "{v}");
    assert_eq!(s(&v, "/serverVersion/major"), "1");
    assert!(s(&v, "/serverVersion/minor").starts_with("31"), "{v}");
}

#[test]
fn explain_reads_the_schemas_from_openapi_v3() {
    let sb = SandboxProcess::platform();
    let pod = sb.kubectl_ok(&["explain", "pods"]);
    assert!(pod.contains("KIND:       Pod"), "{pod}");
    assert!(pod.contains("VERSION:    v1"), "{pod}");
    assert!(pod.contains("FIELDS:"), "{pod}");
    assert!(pod.contains("spec\t<PodSpec>"), "{pod}");
    // a path through references to a nested field
    let image = sb.kubectl_ok(&["explain", "pods.spec.containers.image"]);
    assert!(image.contains("FIELD: image <string>"), "{image}");
    // other groups, by short name
    let deploy = sb.kubectl_ok(&["explain", "deploy.spec.replicas"]);
    assert!(deploy.contains("GROUP:      apps"), "{deploy}");
    assert!(deploy.contains("FIELD: replicas <integer>"), "{deploy}");
    // a field that does not exist is kubectl's own error
    let err = sb.kubectl_err(&["explain", "pods.spec.nosuchfield"]);
    assert!(err.contains("nosuchfield"), "{err}");
}

#[test]
fn errors_are_kubernetes_status_errors() {
    let sb = SandboxProcess::platform();
    let err = sb.kubectl_err(&["get", "pod", "no-such-pod", "-n", "default"]);
    assert!(
        err.contains("Error from server (NotFound): pods \"no-such-pod\" not found"),
        "{err}"
    );
    let err = sb.kubectl_err(&["get", "widgets"]);
    assert!(
        err.contains("the server doesn't have a resource type \"widgets\""),
        "{err}"
    );
    let err = sb.kubectl_err(&["get", "pods", "-n", "default", "-l", "a in (b"]);
    assert!(!err.is_empty());
}

// ---------------------------------------------------------------------------------------------
// writing: the seed runbook's create commands (protobuf bodies)
// ---------------------------------------------------------------------------------------------

#[test]
fn create_namespace_and_helm_secrets_key_secret_round_trips() {
    let sb = SandboxProcess::platform();
    let key = "# created: 2026-11-01T10:00:00Z\n# public key: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\nAGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS8ZLX2P\n";
    let key_file = sb.dir().join("key.txt");
    std::fs::write(&key_file, key).expect("write key.txt");

    let out = sb.kubectl_ok(&["create", "ns", "argo-test"]);
    assert_eq!(out.trim(), "namespace/argo-test created");
    let ns = sb.kubectl_json(&["get", "ns", "argo-test"]);
    assert_eq!(s(&ns, "/status/phase"), "Active", "{ns}");
    assert!(!s(&ns, "/metadata/uid").is_empty());

    let from_file = format!("--from-file=key.txt={}", key_file.display());
    let out = sb.kubectl_ok(&[
        "-n",
        "argo-test",
        "create",
        "secret",
        "generic",
        "helm-secrets-private-keys",
        &from_file,
    ]);
    assert_eq!(out.trim(), "secret/helm-secrets-private-keys created");

    let data = sb.kubectl_ok(&[
        "-n",
        "argo-test",
        "get",
        "secret",
        "helm-secrets-private-keys",
        "-o",
        "jsonpath={.data.key\\.txt}",
    ]);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .unwrap_or_else(|e| panic!("data.key.txt is not base64 ({e}): {data}"));
    assert_eq!(String::from_utf8(decoded).expect("utf-8"), key);
    let ty = sb.kubectl_ok(&[
        "-n",
        "argo-test",
        "get",
        "secret",
        "helm-secrets-private-keys",
        "-o",
        "jsonpath={.type}",
    ]);
    assert_eq!(ty, "Opaque");

    // The secret table shows its type and the number of keys.
    let table = sb.kubectl_ok(&["-n", "argo-test", "get", "secrets"]);
    let rows = parse_table(&table);
    let row = rows
        .iter()
        .find(|r| r["NAME"] == "helm-secrets-private-keys")
        .expect("row");
    assert_eq!(row["TYPE"], "Opaque", "{table}");
    assert_eq!(row["DATA"], "1", "{table}");
}

#[test]
fn create_existing_namespace_is_already_exists() {
    let sb = SandboxProcess::platform();
    let err = sb.kubectl_err(&["create", "ns", "default"]);
    assert!(
        err.contains("Error from server (AlreadyExists): namespaces \"default\" already exists"),
        "{err}"
    );
}

#[test]
fn create_secret_in_a_missing_namespace_is_not_found() {
    let sb = SandboxProcess::platform();
    let err = sb.kubectl_err(&[
        "-n",
        "no-such-ns",
        "create",
        "secret",
        "generic",
        "x",
        "--from-literal=a=b",
    ]);
    // kubectl words it `error: failed to create secret namespaces "no-such-ns" not found`.
    assert!(err.contains("namespaces \"no-such-ns\" not found"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// apply
// ---------------------------------------------------------------------------------------------

const MANIFEST_OBJECTS: [&str; 5] = [
    "namespace/opsdeck-demo",
    "configmap/demo-config",
    "deployment.apps/demo-web",
    "service/demo-web",
    "application.argoproj.io/demo-app",
];

/// kind/name → resourceVersion of every object of the manifest.
fn manifest_versions(sb: &SandboxProcess) -> BTreeMap<String, String> {
    let list = sb.kubectl_json(&["get", "-f", &manifest_path()]);
    items(&list)
        .iter()
        .map(|o| {
            (
                format!("{}/{}", s(o, "/kind"), s(o, "/metadata/name")),
                s(o, "/metadata/resourceVersion").to_string(),
            )
        })
        .collect()
}

#[test]
fn apply_multi_document_manifest_twice_second_is_unchanged() {
    let sb = SandboxProcess::platform();
    let path = manifest_path();
    let first = sb.kubectl_ok(&["apply", "-f", &path]);
    for obj in MANIFEST_OBJECTS {
        assert!(
            first.contains(&format!("{obj} created")),
            "first apply:\n{first}"
        );
    }
    let before = manifest_versions(&sb);
    assert_eq!(before.len(), 5, "{before:?}");

    let second = sb.kubectl_ok(&["apply", "-f", &path]);
    for obj in MANIFEST_OBJECTS {
        assert!(
            second.contains(&format!("{obj} unchanged")),
            "second apply:\n{second}"
        );
    }
    assert_eq!(
        manifest_versions(&sb),
        before,
        "the second apply changed objects"
    );

    // What was applied is there, as applied.
    let cm = sb.kubectl_json(&["-n", "opsdeck-demo", "get", "configmap", "demo-config"]);
    assert_eq!(s(&cm, "/data/LOG_LEVEL"), "info");
    assert_eq!(s(&cm, "/data/greeting.txt"), "hello from opsdeck\n");
    assert!(
        !s(
            &cm,
            "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"
        )
        .is_empty(),
        "client-side apply keeps its annotation: {cm}"
    );
    let deploy = sb.kubectl_json(&["-n", "opsdeck-demo", "get", "deployment", "demo-web"]);
    assert_eq!(deploy["spec"]["replicas"], 2);
    assert_eq!(deploy["metadata"]["generation"], 1);
    let app = sb.kubectl_json(&["-n", "opsdeck-demo", "get", "application", "demo-app"]);
    assert_eq!(s(&app, "/spec/source/path"), "apps/demo");

    // A changed manifest: only the changed object is configured.
    let changed = std::fs::read_to_string(&path)
        .expect("manifest")
        .replace("LOG_LEVEL: info", "LOG_LEVEL: debug");
    let third = sb.kubectl_stdin_ok(&["apply", "-f", "-"], &changed);
    assert!(
        third.contains("configmap/demo-config configured"),
        "{third}"
    );
    assert!(
        third.contains("deployment.apps/demo-web unchanged"),
        "{third}"
    );
    let level = sb.kubectl_ok(&[
        "-n",
        "opsdeck-demo",
        "get",
        "cm",
        "demo-config",
        "-o",
        "jsonpath={.data.LOG_LEVEL}",
    ]);
    assert_eq!(level, "debug");
}

#[test]
fn server_side_apply_twice_changes_nothing_the_second_time() {
    let sb = SandboxProcess::platform();
    let path = manifest_path();
    let first = sb.kubectl_ok(&["apply", "--server-side", "-f", &path]);
    for obj in MANIFEST_OBJECTS {
        assert!(
            first.contains(&format!("{obj} serverside-applied")),
            "first apply:\n{first}"
        );
    }
    let before = manifest_versions(&sb);
    assert_eq!(before.len(), 5, "{before:?}");

    let second = sb.kubectl_ok(&["apply", "--server-side", "-f", &path]);
    for obj in MANIFEST_OBJECTS {
        assert!(
            second.contains(&format!("{obj} serverside-applied")),
            "second apply:\n{second}"
        );
    }
    assert_eq!(
        manifest_versions(&sb),
        before,
        "the second server-side apply changed objects"
    );

    // The field manager is recorded.
    let cm = sb.kubectl_json(&[
        "-n",
        "opsdeck-demo",
        "get",
        "configmap",
        "demo-config",
        "--show-managed-fields",
    ]);
    let managed = cm["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        managed
            .iter()
            .any(|m| m["manager"] == "kubectl" && m["operation"] == "Apply"),
        "no Apply entry for manager kubectl: {managed:?}"
    );
    assert_eq!(s(&cm, "/data/LOG_LEVEL"), "info");

    // A field removed from the manifest is removed from the object (owned by this manager).
    let trimmed = std::fs::read_to_string(&path)
        .expect("manifest")
        .replace("  LOG_LEVEL: info\n", "");
    sb.kubectl_stdin_ok(&["apply", "--server-side", "-f", "-"], &trimmed);
    let cm = sb.kubectl_json(&["-n", "opsdeck-demo", "get", "configmap", "demo-config"]);
    assert!(cm["data"].get("LOG_LEVEL").is_none(), "{cm}");
    assert_eq!(s(&cm, "/data/greeting.txt"), "hello from opsdeck\n");
}

// ---------------------------------------------------------------------------------------------
// patch, scale, delete
// ---------------------------------------------------------------------------------------------

fn deployment(sb: &SandboxProcess) -> Value {
    sb.kubectl_json(&["-n", "opsdeck-demo", "get", "deployment", "demo-web"])
}

fn container<'a>(deploy: &'a Value, name: &str) -> &'a Value {
    deploy["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}: {deploy}"))
}

#[test]
fn patch_merge_json_and_strategic() {
    let sb = SandboxProcess::platform();
    sb.kubectl_ok(&["apply", "-f", &manifest_path()]);
    let ns = ["-n", "opsdeck-demo"];

    // merge: a label (metadata only: generation unchanged).
    let out = sb.kubectl_ok(&[
        ns[0],
        ns[1],
        "patch",
        "deployment",
        "demo-web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"tier":"web"}}}"#,
    ]);
    assert_eq!(out.trim(), "deployment.apps/demo-web patched");
    let d = deployment(&sb);
    assert_eq!(s(&d, "/metadata/labels/tier"), "web");
    assert_eq!(
        s(&d, "/metadata/labels/app.kubernetes.io~1name"),
        "demo-web",
        "merge kept the other labels"
    );
    assert_eq!(
        d["metadata"]["generation"], 1,
        "a label change is no spec change"
    );

    // The same merge patch again changes nothing.
    let rv = s(&d, "/metadata/resourceVersion").to_string();
    let out = sb.kubectl_ok(&[
        ns[0],
        ns[1],
        "patch",
        "deployment",
        "demo-web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"tier":"web"}}}"#,
    ]);
    assert_eq!(out.trim(), "deployment.apps/demo-web patched (no change)");
    assert_eq!(s(&deployment(&sb), "/metadata/resourceVersion"), rv);

    // json: replace the replica count (a spec change: generation bumps).
    let out = sb.kubectl_ok(&[ns[0], ns[1], "patch", "deployment", "demo-web", "--type=json", "-p", r#"[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/annotations","value":{"owner":"sre"}}]"#]);
    assert_eq!(out.trim(), "deployment.apps/demo-web patched");
    let d = deployment(&sb);
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(s(&d, "/metadata/annotations/owner"), "sre");
    assert_eq!(d["metadata"]["generation"], 2);

    // json: a failing test op is rejected and changes nothing.
    let err = sb.kubectl_err(&[ns[0], ns[1], "patch", "deployment", "demo-web", "--type=json", "-p", r#"[{"op":"test","path":"/spec/replicas","value":7},{"op":"replace","path":"/spec/replicas","value":9}]"#]);
    assert!(err.contains("/spec/replicas"), "{err}");
    assert_eq!(deployment(&sb)["spec"]["replicas"], 3);

    // strategic (kubectl's default): env added to one container, merged by name; the other
    // container and the first container's other fields stay.
    let out = sb.kubectl_ok(&[ns[0], ns[1], "patch", "deployment", "demo-web", "--type=strategic", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"demo"}]}]}}}}"#]);
    assert_eq!(out.trim(), "deployment.apps/demo-web patched");
    let d = deployment(&sb);
    let containers = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    assert_eq!(
        containers.len(),
        2,
        "strategic merge kept both containers: {containers:?}"
    );
    let web = container(&d, "web");
    assert_eq!(
        s(web, "/image"),
        "nginx:1.27",
        "the web container kept its image"
    );
    let env: Vec<&str> = web["env"]
        .as_array()
        .expect("env")
        .iter()
        .map(|e| e["name"].as_str().unwrap_or(""))
        .collect();
    assert!(
        env.contains(&"MODE") && env.contains(&"LOG_LEVEL"),
        "env merged by name: {env:?}"
    );
    assert_eq!(
        s(container(&d, "metrics"), "/image"),
        "nginx/nginx-prometheus-exporter:1.3"
    );
    assert_eq!(d["metadata"]["generation"], 3);

    // strategic $patch: delete removes one list element by its merge key.
    sb.kubectl_ok(&[
        ns[0],
        ns[1],
        "patch",
        "deployment",
        "demo-web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"metrics","$patch":"delete"}]}}}}"#,
    ]);
    let d = deployment(&sb);
    let names: Vec<&str> = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["web"]);

    // merge patch on a custom resource (no strategic merge for CRs: kubectl needs --type=merge).
    sb.kubectl_ok(&[
        ns[0],
        ns[1],
        "patch",
        "application",
        "demo-app",
        "--type=merge",
        "-p",
        r#"{"spec":{"source":{"targetRevision":"v1.2.0"}}}"#,
    ]);
    let app = sb.kubectl_json(&["-n", "opsdeck-demo", "get", "application", "demo-app"]);
    assert_eq!(s(&app, "/spec/source/targetRevision"), "v1.2.0");
    assert_eq!(s(&app, "/spec/source/path"), "apps/demo");
    let err = sb.kubectl_err(&[
        ns[0],
        ns[1],
        "patch",
        "application",
        "demo-app",
        "--type=strategic",
        "-p",
        r#"{"spec":{"project":"x"}}"#,
    ]);
    assert!(
        err.contains("strategic merge patch")
            || err.contains("UnsupportedMediaType")
            || err.contains("not supported"),
        "{err}"
    );
}

#[test]
fn patch_status_subresource_of_a_cnpg_cluster_leaves_spec_alone() {
    let sb = SandboxProcess::platform();
    let (ns, name) = first_cnpg_cluster(&sb);
    let kind_name = format!("clusters.postgresql.cnpg.io/{name}");
    let before = sb.kubectl_json(&["-n", &ns, "get", &kind_name]);
    let instances = before["status"]["instanceNames"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(Value::as_str)
        .unwrap_or("replica-2")
        .to_string();

    // As `kubectl cnpg promote` does: merge-patch the status subresource.
    let patch = format!(
        r#"{{"status":{{"targetPrimary":"{instances}","phase":"Switchover in progress","phaseReason":"Switching over to {instances}"}},"spec":{{"instances":7}}}}"#
    );
    let out = sb.kubectl_ok(&[
        "-n",
        &ns,
        "patch",
        &kind_name,
        "--subresource=status",
        "--type=merge",
        "-p",
        &patch,
    ]);
    assert_eq!(
        out.trim(),
        format!("cluster.postgresql.cnpg.io/{name} patched")
    );
    let after = sb.kubectl_json(&["-n", &ns, "get", &kind_name]);
    assert_eq!(s(&after, "/status/targetPrimary"), instances);
    assert_eq!(s(&after, "/status/phase"), "Switchover in progress");
    assert_eq!(
        after["spec"], before["spec"],
        "a status patch changed the spec"
    );
    assert_eq!(
        after["metadata"]["generation"],
        before["metadata"]["generation"]
    );
    assert_ne!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );

    // And the main resource ignores status.
    sb.kubectl_ok(&[
        "-n",
        &ns,
        "patch",
        &kind_name,
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Nope"},"metadata":{"labels":{"touched":"yes"}}}"#,
    ]);
    let again = sb.kubectl_json(&["-n", &ns, "get", &kind_name]);
    assert_eq!(
        s(&again, "/status/phase"),
        "Switchover in progress",
        "status changed through the main resource"
    );
    assert_eq!(s(&again, "/metadata/labels/touched"), "yes");
}

#[test]
fn scale_uses_the_scale_subresource() {
    let sb = SandboxProcess::platform();
    sb.kubectl_ok(&["apply", "-f", &manifest_path()]);
    let out = sb.kubectl_ok(&[
        "-n",
        "opsdeck-demo",
        "scale",
        "deployment/demo-web",
        "--replicas=5",
    ]);
    assert_eq!(out.trim(), "deployment.apps/demo-web scaled");
    assert_eq!(deployment(&sb)["spec"]["replicas"], 5);

    let (ns, name) = first_cnpg_cluster(&sb);
    let kind_name = format!("clusters.postgresql.cnpg.io/{name}");
    let out = sb.kubectl_ok(&["-n", &ns, "scale", &kind_name, "--replicas=4"]);
    assert_eq!(
        out.trim(),
        format!("cluster.postgresql.cnpg.io/{name} scaled")
    );
    let c = sb.kubectl_json(&["-n", &ns, "get", &kind_name]);
    assert_eq!(c["spec"]["instances"], 4);
}

#[test]
fn delete_then_get_is_not_found() {
    let sb = SandboxProcess::platform();
    sb.kubectl_ok(&["apply", "-f", &manifest_path()]);
    let out = sb.kubectl_ok(&["-n", "opsdeck-demo", "delete", "configmap", "demo-config"]);
    // kubectl 1.37 names the namespace it deleted from
    assert_eq!(
        out.trim(),
        "configmap \"demo-config\" deleted from opsdeck-demo namespace"
    );
    let err = sb.kubectl_err(&["-n", "opsdeck-demo", "get", "configmap", "demo-config"]);
    assert!(
        err.contains("Error from server (NotFound): configmaps \"demo-config\" not found"),
        "{err}"
    );

    // Deleting what is gone is NotFound too; --ignore-not-found makes it quiet.
    let err = sb.kubectl_err(&["-n", "opsdeck-demo", "delete", "configmap", "demo-config"]);
    assert!(err.contains("(NotFound)"), "{err}");
    sb.kubectl_ok(&[
        "-n",
        "opsdeck-demo",
        "delete",
        "configmap",
        "demo-config",
        "--ignore-not-found",
    ]);

    // A custom resource by name, a built-in one by label selector.
    let out = sb.kubectl_ok(&["-n", "opsdeck-demo", "delete", "application", "demo-app"]);
    assert!(
        out.contains("application.argoproj.io \"demo-app\" deleted"),
        "{out}"
    );
    let out = sb.kubectl_ok(&[
        "-n",
        "opsdeck-demo",
        "delete",
        "deployment",
        "-l",
        "app.kubernetes.io/name=demo-web",
    ]);
    assert!(
        out.contains("deployment.apps \"demo-web\" deleted"),
        "{out}"
    );
    let left = sb.kubectl(&[
        "-n",
        "opsdeck-demo",
        "get",
        "deployments,applications,configmaps",
        "-o",
        "name",
    ]);
    let left = String::from_utf8_lossy(&left.stdout);
    assert!(
        !left.contains("demo-web") && !left.contains("demo-app") && !left.contains("demo-config"),
        "{left}"
    );
}

#[test]
fn delete_waits_for_finalizers() {
    let sb = SandboxProcess::platform();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guarded\n  namespace: default\n  finalizers: [opsdeck.dev/test]\ndata: {a: b}\n";
    sb.kubectl_stdin_ok(&["apply", "-f", "-"], cm);
    let out = sb.kubectl_ok(&[
        "-n",
        "default",
        "delete",
        "configmap",
        "guarded",
        "--wait=false",
    ]);
    assert!(out.contains("deleted"), "{out}");
    let still = sb.kubectl_json(&["-n", "default", "get", "configmap", "guarded"]);
    assert!(
        !s(&still, "/metadata/deletionTimestamp").is_empty(),
        "deletionTimestamp set: {still}"
    );
    sb.kubectl_ok(&[
        "-n",
        "default",
        "patch",
        "configmap",
        "guarded",
        "--type=merge",
        "-p",
        r#"{"metadata":{"finalizers":null}}"#,
    ]);
    let err = sb.kubectl_err(&["-n", "default", "get", "configmap", "guarded"]);
    assert!(
        err.contains("(NotFound)"),
        "gone once the finalizer is removed: {err}"
    );
}

// ---------------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------------

/// A recording with one running pod, and a timeline (at --speed 10: ~4 s and ~5 s after the
/// start) that adds a pod and then marks it Running.
fn watch_recording() -> String {
    let objects = [
        namespace_yaml("watch-demo"),
        pod_yaml("watch-demo", "steady-0", &[("app", "steady")], "Running"),
    ]
    .join("\n");
    let timeline = r#"- at: 40s
  note: a new pod is scheduled
  apply:
    apiVersion: v1
    kind: Pod
    metadata:
      name: newcomer-0
      namespace: watch-demo
      labels: {app: newcomer}
    spec:
      nodeName: node-a
      containers:
        - name: app
          image: nginx:1.27
    status:
      phase: Pending
- at: 50s
  note: the new pod starts
  patch:
    apiVersion: v1
    kind: Pod
    namespace: watch-demo
    name: newcomer-0
    subresource: status
    patch:
      status:
        phase: Running
        conditions:
          - {type: Ready, status: "True", lastTransitionTime: "2026-11-01T10:00:00Z"}
        containerStatuses:
          - name: app
            image: nginx:1.27
            imageID: docker.io/library/nginx@sha256:0000
            ready: true
            started: true
            restartCount: 0
            state: {running: {startedAt: "2026-11-01T10:00:00Z"}}"#;
    recording_yaml("watch-demo", &objects, timeline)
}

#[test]
fn get_watch_shows_a_timeline_change_live() {
    let sb = SandboxProcess::start_with(Some(&watch_recording()), &["--speed", "10"]);
    let mut watch = sb.kubectl_stream(&["get", "pods", "-n", "watch-demo", "--watch"]);
    let deadline = Duration::from_secs(60);
    watch.wait_for_line("the header", deadline, |l| {
        l.starts_with("NAME") && l.contains("STATUS")
    });
    watch.wait_for_line("the initial pod", deadline, |l| {
        l.starts_with("steady-0") && l.contains("Running")
    });
    assert!(
        !watch.seen().iter().any(|l| l.contains("newcomer-0")),
        "the new pod was in the initial list (the timeline ran before kubectl watched): {:?}",
        watch.seen()
    );
    watch.wait_for_line("the new pod (ADDED)", deadline, |l| {
        l.starts_with("newcomer-0") && l.contains("Pending")
    });
    watch.wait_for_line("the new pod Running (MODIFIED)", deadline, |l| {
        l.starts_with("newcomer-0") && l.contains("Running") && l.contains("1/1")
    });
    // Nothing else: the existing pod was not re-sent.
    let steady = watch
        .seen()
        .iter()
        .filter(|l| l.starts_with("steady-0"))
        .count();
    assert_eq!(steady, 1, "{:?}", watch.seen());
}

#[test]
fn get_watch_with_output_watch_events_shows_event_types() {
    let sb = SandboxProcess::start_with(Some(&watch_recording()), &["--speed", "10"]);
    let mut watch = sb.kubectl_stream(&[
        "get",
        "pods",
        "-n",
        "watch-demo",
        "--watch",
        "--output-watch-events",
    ]);
    let deadline = Duration::from_secs(60);
    watch.wait_for_line("the initial pod", deadline, |l| {
        l.starts_with("ADDED") && l.contains("steady-0")
    });
    watch.wait_for_line("ADDED newcomer-0", deadline, |l| {
        l.starts_with("ADDED") && l.contains("newcomer-0")
    });
    watch.wait_for_line("MODIFIED newcomer-0", deadline, |l| {
        l.starts_with("MODIFIED") && l.contains("newcomer-0") && l.contains("Running")
    });
}

#[test]
fn get_watch_resumes_from_a_resource_version_without_replaying() {
    // kubectl get --watch-only -o json prints only events after the list it started from.
    let sb = SandboxProcess::start_with(Some(&watch_recording()), &["--speed", "10"]);
    let mut watch = sb.kubectl_stream(&[
        "get",
        "pods",
        "-n",
        "watch-demo",
        "--watch-only",
        "-o",
        "name",
    ]);
    let deadline = Duration::from_secs(60);
    let line = watch.wait_for_line("the new pod", deadline, |l| l.contains("newcomer-0"));
    assert_eq!(line.trim(), "pod/newcomer-0");
    assert!(
        !watch.seen().iter().any(|l| l.contains("steady-0")),
        "--watch-only replayed an old object: {:?}",
        watch.seen()
    );
}
