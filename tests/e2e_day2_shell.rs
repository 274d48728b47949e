//! Day-2 work in a real terminal (tmux) against the real control plane of `scripts/cluster
//! up`: a shell in a kwok pod (kwok runs exec as a local command in a pty), `:exec`, port
//! forwards to a pod (kwok forwards to a TCP server of this test) and to a Deployment whose
//! pod is replaced (kwok's cluster-wide forward echoes), and `:ctx` with a context on a
//! closed port and one whose exec credential fails.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::cluster::RealCluster;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Sends one line through a local port and reads one line back; retries while the forward
/// (or kwok's view of it) is not there yet.
fn round_trip(port: u16, line: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        let attempt = (|| -> std::io::Result<String> {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            s.write_all(format!("{line}\n").as_bytes())?;
            let mut answer = String::new();
            BufReader::new(s).read_line(&mut answer)?;
            Ok(answer)
        })();
        match attempt {
            Ok(a) if !a.is_empty() => return a.trim_end().to_string(),
            Ok(_) => last = "empty answer".into(),
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("no answer through 127.0.0.1:{port}: {last}");
}

fn ready_pod(c: &RealCluster, ns: &str, pod: &str) {
    c.kubectl_ok(&[
        "-n",
        ns,
        "wait",
        "--for=condition=Ready",
        &format!("pod/{pod}"),
        "--timeout=90s",
    ]);
}

fn console(c: &RealCluster, name: &str, ns: &str) -> Tmux {
    let kubeconfig = c.kubeconfig().display().to_string();
    let t = Tmux::start(
        name,
        &[
            "--kubeconfig",
            &kubeconfig,
            "--context",
            c.admin_context(),
            "-n",
            ns,
        ],
        WAIT,
    );
    t.wait_for(&["● connected", "k8s v1.37"]);
    t
}

fn command(t: &Tmux, text: &str) {
    t.keys(&[":"]);
    t.text(text);
    t.keys(&["Enter"]);
}

#[test]
fn shell_and_exec_in_a_kwok_pod() {
    let c = RealCluster::from_env();
    let ns = c.namespace("shell");
    let ns = ns.name();
    c.kubectl_ok(&["-n", ns, "run", "box", "--image=busybox:1.36"]);
    ready_pod(&c, ns, "box");
    let t = console(&c, "shell", ns);
    t.wait_for(&["box", "Running"]);

    // `s` hands the terminal to a shell; typed input reaches it and its output shows.
    t.keys(&["s"]);
    t.wait_for(&["opsdeck: shell in", "ctrl-] to come back"]);
    std::thread::sleep(Duration::from_millis(500));
    t.text("echo opsdeck-$((6*7))");
    t.keys(&["Enter"]);
    t.wait_for(&["opsdeck-42"]);
    // The window size reached the pty.
    t.text("stty size");
    t.keys(&["Enter"]);
    t.wait_for(&["45 160"]);
    t.text("exit");
    t.keys(&["Enter"]);
    let s = t.wait_for(&["pods(", "box", "ended"]);
    assert!(s.contains("shell /bin/bash in"), "{s}");

    // The console reads keys again (no reader left on the terminal): `:exec` runs once
    // and shows its output in a pane.
    command(&t, "exec printf %s-%s exec out");
    t.wait_for(&["exec-out"]);
    t.keys(&["Escape"]);
    command(&t, "exec echo $((6*7))xyz");
    t.wait_for(&["42xyz"]);
    t.keys(&["Escape"]);
    t.wait_for(&["pods("]);

    // ctrl-] leaves a shell from this side.
    t.keys(&["s"]);
    t.wait_for(&["ctrl-] to come back"]);
    std::thread::sleep(Duration::from_millis(500));
    t.keys(&["C-]"]);
    t.wait_for(&["detached from the shell", "pods("]);

    // A pod that dies under a shell brings the console back (no frozen screen).
    t.keys(&["s"]);
    t.wait_for(&["ctrl-] to come back"]);
    std::thread::sleep(Duration::from_millis(500));
    c.kubectl_ok(&["-n", ns, "delete", "pod", "box", "--wait=false"]);
    let s = t.wait_for(&["pods("]);
    assert!(s.contains("shell"), "{s}");
    t.quit();
}

#[test]
fn port_forward_to_a_pod_and_to_a_deployment_across_pod_replacement() {
    let c = RealCluster::from_env();
    let ns = c.namespace("pf");
    let ns = ns.name();

    // The target of the pod's forward: a TCP server of this test (kwok forwards to it).
    let server = TcpListener::bind("127.0.0.1:0").expect("bind");
    let server_port = server.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in server.incoming().flatten() {
            std::thread::spawn(move || {
                let mut w = conn.try_clone().expect("clone");
                let mut r = BufReader::new(conn);
                let mut line = String::new();
                while r.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let _ = w.write_all(format!("target got {}\n", line.trim_end()).as_bytes());
                    line.clear();
                }
            });
        }
    });
    c.kubectl_stdin_ok(
        &["apply", "-f", "-"],
        &format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: web-0, namespace: {ns}}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{{containerPort: 80}}]
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: PortForward
metadata: {{name: web-0, namespace: {ns}}}
spec:
  forwards:
  - ports: [80]
    target: {{port: {server_port}, address: 127.0.0.1}}
"#
        ),
    );
    ready_pod(&c, ns, "web-0");
    let t = console(&c, "pf", ns);
    t.wait_for(&["web-0", "Running"]);

    // shift-f asks for LOCAL:PORT with the container port filled in.
    t.keys(&["F"]);
    t.wait_for(&["LOCAL:PORT", "(port 80)"]);
    let local = free_port();
    t.keys(&["C-u"]);
    t.text(&format!("{local}:80"));
    t.keys(&["Enter"]);
    t.wait_for(&[&format!("forwarding 127.0.0.1:{local}")]);
    assert_eq!(round_trip(local, "ping"), "target got ping");

    // `:pf` lists it with its state and bytes: 5 sent ("ping\n"), 16 back.
    command(&t, "pf");
    t.wait_for(&["port-forwards[1]", "pod/web-0", "Active", "5 B", "16 B"]);

    // A Deployment: its pod is replaced, the forward follows to the new one.
    c.kubectl_ok(&[
        "-n",
        ns,
        "create",
        "deployment",
        "api",
        "--image=nginx:1.27",
        "--port=8080",
    ]);
    c.kubectl_ok(&[
        "-n",
        ns,
        "wait",
        "--for=condition=Available",
        "deployment/api",
        "--timeout=90s",
    ]);
    let first = c.kubectl_ok(&[
        "-n",
        ns,
        "get",
        "pods",
        "-l",
        "app=api",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    command(&t, "deploy");
    t.wait_for(&["deployments(", "api"]);
    t.keys(&["F"]);
    t.wait_for(&["LOCAL:PORT", "(port 8080)"]);
    let local2 = free_port();
    t.keys(&["C-u"]);
    t.text(&format!("{local2}:8080"));
    t.keys(&["Enter"]);
    // kwok's cluster-wide forward echoes.
    assert_eq!(round_trip(local2, "one"), "one");
    command(&t, "pf");
    t.wait_for(&["port-forwards[2]", "deployment/api", first.trim()]);

    c.kubectl_ok(&["-n", ns, "delete", "pod", first.trim(), "--wait=false"]);
    let s = t.wait_until("the forward to move to the new pod", |s| {
        s.lines().any(|l| {
            l.contains("deployment/api") && l.contains("Active") && !l.contains(first.trim())
        })
    });
    assert!(s.contains("api-"), "{s}");
    assert_eq!(round_trip(local2, "two"), "two");

    // ctrl-d stops the selected forward (the first, the pod's): its port closes.
    t.keys(&["g", "C-d"]);
    t.wait_for(&["stopped forward", "Stopped"]);
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", local)).is_ok() {
        assert!(Instant::now() < deadline, "127.0.0.1:{local} still accepts");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Quitting ends the others.
    t.quit();
    assert!(
        TcpStream::connect(("127.0.0.1", local2)).is_err(),
        "127.0.0.1:{local2} still accepts after quit"
    );
}

#[test]
fn contexts_list_probes_and_switches_with_an_unreachable_one() {
    let c = RealCluster::from_env();
    let ns = c.namespace("ctx");
    let ns = ns.name();
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    std::fs::copy(c.kubeconfig(), &kc).expect("copy kubeconfig");
    let kc_s = kc.display().to_string();
    let admin = c.admin_context().to_string();
    let kubectl = |args: &[&str]| {
        let out = std::process::Command::new(common::kubectl_path())
            .arg("--kubeconfig")
            .arg(&kc)
            .args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", dir.path())
            .output()
            .expect("kubectl");
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let cluster = kubectl(&[
        "config",
        "view",
        "-o",
        &format!("jsonpath={{.contexts[?(@.name==\"{admin}\")].context.cluster}}"),
    ]);
    // A closed port: bind one and let it go.
    let closed = free_port();
    kubectl(&[
        "config",
        "set-cluster",
        "closed",
        &format!("--server=https://127.0.0.1:{closed}"),
    ]);
    kubectl(&["config", "set-credentials", "nobody", "--token=x"]);
    kubectl(&[
        "config",
        "set-context",
        "zz-closed",
        "--cluster=closed",
        "--user=nobody",
    ]);
    kubectl(&[
        "config",
        "set-credentials",
        "broken",
        "--exec-command=false",
        "--exec-api-version=client.authentication.k8s.io/v1beta1",
    ]);
    kubectl(&[
        "config",
        "set-context",
        "zz-broken",
        &format!("--cluster={}", cluster.trim()),
        "--user=broken",
    ]);

    let t = Tmux::start(
        "ctx",
        &["--kubeconfig", &kc_s, "--context", &admin, "-n", ns],
        WAIT,
    );
    t.wait_for(&["● connected", "k8s v1.37"]);
    command(&t, "deploy");
    t.wait_for(&["deployments("]);

    // `:ctx` opens at once; reachability fills in from the background probes.
    command(&t, "ctx");
    t.wait_for(&["contexts[", "REACHABLE", "zz-closed"]);
    t.wait_until("every probe to answer", |s| {
        let row = |name: &str, want: &str| s.lines().any(|l| l.contains(name) && l.contains(want));
        row(" zz-closed ", "unreachable")
            && row(" zz-broken ", "credentials failed: plugin `false`")
            && row(&format!(" {admin} "), "ok v1.37")
    });

    // Switching to the closed one does not hang the console; back to admin restores
    // its last view (the deployments table).
    command(&t, "ctx zz-closed");
    t.wait_for(&["zz-closed", "✖"]);
    command(&t, "po");
    t.wait_for(&["pods("]);
    command(&t, "ctx zz-broken");
    t.wait_for(&["zz-broken", "✖"]);
    command(&t, &format!("ctx {admin}"));
    t.wait_for(&["● connected", "deployments("]);
    // And the closed context keeps its own last view.
    command(&t, "ctx zz-closed");
    t.wait_for(&["zz-closed", "pods("]);
    t.quit();
}
