//! The console's actions meet the real controllers of `scripts/cluster up` (tmux): deleting a
//! Deployment's pod → the ReplicaSet's replacement appears live; scale → the ReplicaSet
//! follows; restart → a rollout (a new ReplicaSet); a pod that tolerates no pool's taint
//! stays Pending, and the pods table and describe show the real scheduler's reason.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them); panics when they are missing.

mod common;

use std::time::Duration;

use common::cluster::RealCluster;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(90);

/// Names of the `web-…` pods on the screen.
fn web_pods(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| l.contains("Running"))
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == '│'))
        .filter(|w| w.starts_with("web-") && w.len() > 12)
        .map(str::to_string)
        .collect()
}

fn replicasets(c: &RealCluster, ns: &str) -> Vec<(String, i64)> {
    let list = c.kubectl_json(&["-n", ns, "get", "replicasets", "-l", "app=web"]);
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|r| {
                    (
                        r["metadata"]["name"].as_str().unwrap_or("").to_string(),
                        r["spec"]["replicas"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn delete_scale_restart_and_a_pending_pod_with_real_controllers() {
    let c = RealCluster::from_env();
    let ns = c.namespace("ctl");
    let ns = ns.name().to_string();
    c.kubectl_ok(&[
        "-n",
        &ns,
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=1",
    ]);
    let kubeconfig = c.kubeconfig().display().to_string();
    let t = Tmux::start_sized(
        "controllers",
        &[
            "--kubeconfig",
            &kubeconfig,
            "--context",
            c.admin_context(),
            "-n",
            &ns,
        ],
        (160, 45),
        WAIT,
    );
    let s = t.wait_until("the web pod Running", |s| web_pods(s).len() == 1);
    let first = web_pods(&s).remove(0);

    // Delete the pod: the ReplicaSet controller makes a replacement, shown live.
    t.keys(&["C-d"]);
    t.wait_for(&[&format!("Delete pod {ns}/{first}?")]);
    t.keys(&["y"]);
    let s = t.wait_until("a replacement pod Running", |s| {
        let pods = web_pods(s);
        pods.len() == 1 && pods[0] != first
    });
    assert!(!web_pods(&s).contains(&first), "{s}");

    // Scale from the console: the Deployment's ReplicaSet follows.
    t.keys(&[":"]);
    t.text("deploy");
    t.keys(&["Enter"]);
    t.wait_until("the web Deployment's row", |s| {
        s.contains("deployments(")
            && s.lines()
                .any(|l| l.starts_with("│web ") && l.contains("1/1"))
    });
    t.keys(&["s"]);
    t.wait_for(&["(now 1) to:"]);
    // The prompt starts with the current count.
    t.keys(&["BSpace"]);
    t.text("3");
    t.keys(&["Enter"]);
    t.wait_for(&["from 1 to 3 replicas?"]);
    t.keys(&["y"]);
    c.poll("the ReplicaSet scaled to 3", |c| {
        let rs = replicasets(c, &ns);
        (rs.len() == 1 && rs[0].1 == 3).then_some(())
    });
    t.wait_for(&["3/3"]);

    // Restart: a rollout, i.e. a second ReplicaSet of the Deployment.
    t.keys(&["r"]);
    t.wait_for(&["Restart deployment", "rolling restart"]);
    t.keys(&["y"]);
    c.poll("a new ReplicaSet from the restart", |c| {
        (replicasets(c, &ns).len() == 2).then_some(())
    });

    // A pod for the database pool without its toleration: the real scheduler says why.
    c.kubectl_stdin_ok(
        &["-n", &ns, "apply", "-f", "-"],
        "apiVersion: v1\nkind: Pod\nmetadata: {name: needs-db}\nspec:\n  nodeSelector: {workload-type: database}\n  containers: [{name: c, image: busybox}]\n",
    );
    c.poll("the scheduler's FailedScheduling event", |c| {
        let ev = c.kubectl_ok(&[
            "-n",
            &ns,
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=needs-db",
        ]);
        ev.contains("FailedScheduling").then_some(())
    });
    t.keys(&[":"]);
    t.text("pods");
    t.keys(&["Enter"]);
    // The pods table: STATUS stays kubectl's Pending; where the node would be, the
    // scheduler's reason (PodScheduled=False), so the table says why without describe.
    t.wait_until("needs-db Pending with the scheduler's reason", |s| {
        s.lines().any(|l| {
            l.contains("needs-db") && l.contains("Pending") && l.contains("<Unschedulable> 0/")
        })
    });
    // The whole message is in the row's text: a filter on the taint finds the pod (and
    // only it; the web pods are scheduled).
    t.keys(&["/"]);
    t.text("untolerated");
    t.keys(&["Enter"]);
    t.wait_until("only needs-db left by the filter", |s| {
        s.contains("needs-db") && web_pods(s).is_empty() && !s.contains("│web-")
    });
    t.keys(&["d"]);
    t.wait_for(&["FailedScheduling", "untolerated taint"]);
    t.quit();
}
