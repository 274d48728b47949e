//! The real control plane of `scripts/cluster up` (Kubernetes v1.37 built from tests/cluster/,
//! kwok nodes), driven with the kubectl built beside it: the fake nodes are the seeds' EKS node
//! groups, the real controllers and scheduler run workloads on them, the database taint keeps
//! pods off, kwok answers logs/exec/port-forward, and the restricted context is held to its
//! namespace by RBAC.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them); panics when they are missing.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use common::cluster::RealCluster;
use common::parse_table;
use serde_json::Value;

const NODEGROUP: &str = "eks.amazonaws.com/nodegroup";

fn label<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj["metadata"]["labels"][key].as_str().unwrap_or("")
}

/// The fake node names of one pool.
fn pool_nodes(c: &RealCluster, pool: &str) -> Vec<String> {
    let nodes = c.kubectl_json(&["get", "nodes", "-l", &format!("{NODEGROUP}={pool}")]);
    nodes["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["metadata"]["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn nodes_are_the_seed_pools_over_three_zones() {
    let c = RealCluster::from_env();
    let wide = c.kubectl_ok(&["get", "nodes", "-o", "wide", "-L", NODEGROUP]);
    let rows = parse_table(&wide);
    assert_eq!(rows.len(), 8, "eight nodes expected:\n{wide}");
    for r in &rows {
        assert_eq!(r["STATUS"], "Ready", "node not Ready:\n{wide}");
        assert_eq!(
            r["INTERNAL-IP"], "127.0.0.1",
            "kwok serves every node:\n{wide}"
        );
        assert!(
            r["VERSION"].starts_with("kwok-"),
            "kwok plays the kubelet:\n{wide}"
        );
    }
    let mut per_pool: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *per_pool.entry(r["NODEGROUP"].clone()).or_default() += 1;
    }
    assert_eq!(
        per_pool,
        BTreeMap::from([
            ("apps".to_string(), 3),
            ("database".to_string(), 2),
            ("infra".to_string(), 3)
        ]),
        "{wide}"
    );

    let nodes = c.kubectl_json(&["get", "nodes"]);
    let mut zones: BTreeMap<(String, String), usize> = BTreeMap::new();
    for n in nodes["items"].as_array().expect("items") {
        let pool = label(n, NODEGROUP);
        let itype = label(n, "node.kubernetes.io/instance-type");
        let want = match pool {
            "infra" => "m6i.large",
            "apps" => "m6i.xlarge",
            "database" => "r6i.large",
            other => panic!("unexpected pool {other:?}"),
        };
        assert_eq!(itype, want, "{pool} instance type");
        assert_eq!(label(n, "workload-type"), pool);
        assert_eq!(label(n, "topology.kubernetes.io/region"), "eu-west-1");
        assert_eq!(label(n, "eks.amazonaws.com/capacityType"), "ON_DEMAND");
        *zones
            .entry((
                pool.to_string(),
                label(n, "topology.kubernetes.io/zone").to_string(),
            ))
            .or_default() += 1;
        let taints: Vec<String> = n["spec"]["taints"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .map(|t| {
                        format!("{}={}:{}", t["key"], t["value"], t["effect"]).replace('"', "")
                    })
                    .collect()
            })
            .unwrap_or_default();
        if pool == "database" {
            assert_eq!(taints, ["workload-type=database:NoSchedule"]);
        } else {
            assert!(
                !taints.iter().any(|t| t.starts_with("workload-type")),
                "{pool}: {taints:?}"
            );
        }
        // capacity and allocatable as EKS reports them for the instance type
        let alloc = &n["status"]["allocatable"];
        assert!(
            alloc["cpu"].as_str().expect("cpu").ends_with('m'),
            "{alloc}"
        );
        assert!(alloc["memory"].as_str().expect("memory").ends_with("Ki"));
    }
    for zone in ["eu-west-1a", "eu-west-1b", "eu-west-1c"] {
        for pool in ["infra", "apps"] {
            assert_eq!(
                zones.get(&(pool.into(), zone.into())),
                Some(&1),
                "{zones:?}"
            );
        }
    }
    assert_eq!(
        zones.get(&("database".into(), "eu-west-1c".into())),
        None,
        "{zones:?}"
    );
}

#[test]
fn a_deployment_gets_a_replicaset_and_running_pods_on_kwok_nodes() {
    let c = RealCluster::from_env();
    let ns = c.namespace("deploy");
    let ns = ns.name();
    c.kubectl_ok(&[
        "-n",
        ns,
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=3",
    ]);
    // the deployment controller makes the ReplicaSet, owned by the Deployment
    let rs = c.poll("the ReplicaSet of deployment web", |c| {
        let list = c.kubectl_json(&["-n", ns, "get", "replicasets", "-l", "app=web"]);
        list["items"].as_array().and_then(|i| i.first()).cloned()
    });
    assert_eq!(rs["metadata"]["ownerReferences"][0]["kind"], "Deployment");
    assert_eq!(rs["metadata"]["ownerReferences"][0]["name"], "web");
    c.kubectl_ok(&[
        "-n",
        ns,
        "rollout",
        "status",
        "deployment/web",
        "--timeout=90s",
    ]);

    let database = pool_nodes(&c, "database");
    let pods = c.poll("three Running pods of web", |c| {
        let list = c.kubectl_json(&["-n", ns, "get", "pods", "-l", "app=web"]);
        let items = list["items"].as_array().cloned().unwrap_or_default();
        let running = items
            .iter()
            .filter(|p| p["status"]["phase"] == "Running")
            .count();
        (running == 3).then_some(items)
    });
    for p in &pods {
        let node = p["spec"]["nodeName"].as_str().expect("scheduled");
        assert!(
            node.ends_with(".eu-west-1.compute.internal"),
            "not a kwok node: {node}"
        );
        assert!(
            !database.iter().any(|d| d == node),
            "scheduled onto the tainted database pool: {node}"
        );
        assert!(
            p["status"]["podIP"]
                .as_str()
                .is_some_and(|ip| !ip.is_empty())
        );
        assert_eq!(
            p["metadata"]["ownerReferences"][0]["name"],
            rs["metadata"]["name"]
        );
    }
    let table = c.kubectl_ok(&["-n", ns, "get", "deployment", "web"]);
    assert_eq!(parse_table(&table)[0]["READY"], "3/3", "{table}");
}

#[test]
fn a_database_pod_without_the_toleration_stays_pending() {
    let c = RealCluster::from_env();
    let ns = c.namespace("taint");
    let ns = ns.name();
    let pod = |name: &str, tolerate: bool| {
        let tolerations = if tolerate {
            "\n  tolerations:\n  - {key: workload-type, operator: Equal, value: database, effect: NoSchedule}"
        } else {
            ""
        };
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  nodeSelector: {{{NODEGROUP}: database}}\n  containers:\n  - {{name: pg, image: postgres:17}}{tolerations}\n"
        )
    };
    c.kubectl_stdin_ok(&["apply", "-f", "-"], &pod("no-toleration", false));
    c.kubectl_stdin_ok(&["apply", "-f", "-"], &pod("tolerates", true));

    // The scheduler says why, as an event on the pod.
    let message = c.poll("the FailedScheduling event", |c| {
        let events = c.kubectl_json(&[
            "-n",
            ns,
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=no-toleration,reason=FailedScheduling",
        ]);
        events["items"]
            .as_array()
            .and_then(|i| i.first())
            .map(|e| e["message"].as_str().unwrap_or("").to_string())
    });
    // "0/8 nodes are available: 2 node(s) had untolerated taint(s), 6 node(s) didn't match
    // Pod's node affinity/selector. …"
    assert!(
        message.contains("2 node(s) had untolerated taint") && message.contains("6 node(s)"),
        "{message}"
    );
    // The tolerating twin lands on a database node, so the selector itself is satisfiable.
    let database = pool_nodes(&c, "database");
    let node = c.poll("the tolerating pod to be scheduled", |c| {
        let p = c.kubectl_json(&["-n", ns, "get", "pod", "tolerates"]);
        p["spec"]["nodeName"].as_str().map(str::to_string)
    });
    assert!(database.contains(&node), "{node} is not a database node");
    let p = c.kubectl_json(&["-n", ns, "get", "pod", "no-toleration"]);
    assert_eq!(p["status"]["phase"], "Pending");
    assert!(p["spec"]["nodeName"].is_null(), "{p}");
    let describe = c.kubectl_ok(&["-n", ns, "describe", "pod", "no-toleration"]);
    assert!(describe.contains("FailedScheduling"), "{describe}");
}

#[test]
fn kwok_answers_logs_exec_and_port_forward() {
    let c = RealCluster::from_env();
    let ns = c.namespace("kubelet");
    let ns = ns.name();
    c.kubectl_ok(&["-n", ns, "run", "shell", "--image=busybox:1.37"]);
    c.kubectl_ok(&[
        "-n",
        ns,
        "wait",
        "--for=condition=Ready",
        "pod/shell",
        "--timeout=90s",
    ]);

    let logs = c.kubectl_ok(&["-n", ns, "logs", "shell"]);
    assert!(logs.contains("opsdeck test pod: log line 1"), "{logs}");
    let exec = c.kubectl_ok(&["-n", ns, "exec", "shell", "--", "echo", "hello from exec"]);
    assert_eq!(exec.trim(), "hello from exec");

    // port-forward: every port echoes what it receives.
    let mut child = c
        .kubectl_cmd(
            c.admin_context(),
            &["-n", ns, "port-forward", "pod/shell", ":8080"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubectl port-forward");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout
        .read_line(&mut line)
        .expect("port-forward prints its port");
    // "Forwarding from 127.0.0.1:PORT -> 8080"
    let port: u16 = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no local port in {line:?}"));
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect to the forwarded port");
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    conn.write_all(b"ping through kwok\n").expect("write");
    let mut got = [0u8; 18];
    conn.read_exact(&mut got).expect("echo");
    assert_eq!(&got, b"ping through kwok\n");
    drop(conn);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_view_context_reads_its_namespace_only() {
    let c = RealCluster::from_env();
    let view = c.view_context();
    let ns = c.view_namespace();
    let out = c.kubectl_as(view, &["-n", ns, "get", "pods"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = c.kubectl_as(view, &["-n", ns, "auth", "can-i", "list", "pods"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "yes");
    let out = c.kubectl_as(view, &["-n", ns, "auth", "can-i", "delete", "pods"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no");

    for args in [
        &["get", "pods", "-A"][..],
        &["get", "nodes"][..],
        &["-n", "kube-system", "get", "pods"][..],
    ] {
        let out = c.kubectl_as(view, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "`kubectl {args:?}` was allowed");
        assert!(
            err.contains("Forbidden") && err.contains("User \"viewer\""),
            "{args:?}: {err}"
        );
    }
}
