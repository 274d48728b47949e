//! Shells, `:exec` and port forwards on the sandbox: it runs no containers, so the exec,
//! attach and portforward subresources answer as the API server answers a verb a resource
//! does not serve (a 405 `Status`), saying why. kubectl shows that message, and the console
//! shows it as an error line and comes back — never a hang.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::SandboxProcess;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn kubectl_exec_and_port_forward_say_not_available() {
    let sb = SandboxProcess::platform();
    let pod = sb.kubectl_ok(&[
        "get",
        "pods",
        "-A",
        "-o",
        "jsonpath={.items[0].metadata.namespace}/{.items[0].metadata.name}",
    ]);
    let (ns, name) = pod.split_once('/').expect("a pod");
    let err = sb.kubectl_err(&["-n", ns, "exec", name, "--", "ls"]);
    assert!(
        err.contains("exec is not available in the sandbox"),
        "{err}"
    );
    // A pod that does not exist is a 404 first, as on a real server.
    let err = sb.kubectl_err(&["-n", ns, "exec", "no-such-pod", "--", "ls"]);
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn console_shell_exec_and_forward_fail_with_a_line() {
    let rec = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/console-shop.yaml")
        .display()
        .to_string();
    let t = Tmux::start(
        "day2-sandbox",
        &["--sandbox", "--recording", &rec, "-n", "shop"],
        WAIT,
    );
    t.wait_for(&["pods(shop)", "orders-db-0", "● connected"]);
    // Two containers: the shell asks which (the first is filled in).
    t.keys(&["g", "s"]);
    t.wait_for(&["shell in shop/orders-db-0, container (postgres, exporter): postgres"]);
    t.keys(&["Enter"]);
    t.wait_for(&["exec is not available in the sandbox", "pods(shop)"]);
    // The console still reads keys.
    t.keys(&[":"]);
    t.text("exec ls");
    t.keys(&["Enter"]);
    t.wait_for(&["exec shop/", "exec is not available in the sandbox"]);
    t.keys(&["Escape"]);
    t.wait_for(&["pods(shop)"]);

    // A forward listens, and a connection through it fails with the sandbox's answer in
    // the `:pf` list (the client sees the connection closed).
    let local = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    t.keys(&["j", "F"]);
    t.wait_for(&["LOCAL:PORT"]);
    t.keys(&["C-u"]);
    t.text(&format!("{local}:80"));
    t.keys(&["Enter"]);
    t.keys(&[":"]);
    t.text("pf");
    t.keys(&["Enter"]);
    t.wait_for(&["port-forwards[1]", "Active"]);
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", local)).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut buf = [0u8; 16];
    let n = std::io::Read::read(&mut conn, &mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the sandbox forwarded bytes");
    t.wait_for(&["(pod web-7d9f8c6b5-abcde: portforward"]);
    // Enter shows the whole error.
    t.keys(&["Enter"]);
    t.wait_for(&["portforward is not available in the sandbox"]);
    t.quit();
}
