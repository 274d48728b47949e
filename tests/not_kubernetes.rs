//! A server that is not a Kubernetes API (a login page, a web server on the wrong port):
//! the console says so in one sentence — "this server is not a Kubernetes API (got
//! text/html from …)" — instead of filling the header and the table title with the page's
//! HTML and a Rust Debug dump of kube's error (issue 22, defect 11).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::tmux::Tmux;
use opsdeck::model::ConnState;
use opsdeck::sources::{SourceEvent, Target};

const PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><title>Sign in · Portal</title></head>\n<body><form action=\"/login\"><input name=\"user\"></form></body>\n</html>\n";

/// Answers every request with an HTML page (`status`: `200 OK`, `404 Not Found`, …).
fn html_server(status: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = conn.read(&mut buf);
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = conn.write_all(reply.as_bytes());
            });
        }
    });
    format!("http://{addr}")
}

fn kubeconfig(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: portal\n  cluster:\n    server: {server}\ncontexts:\n- name: portal\n  context:\n    cluster: portal\n    user: portal\ncurrent-context: portal\nusers:\n- name: portal\n  user: {{}}\n"
    )
}

/// What the connection task reports for a server answering `status` with HTML.
async fn connection_error(status: &'static str) -> (String, String) {
    let server = html_server(status);
    let target = Target::from_yaml(&kubeconfig(&server), "test", None).expect("kubeconfig");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(opsdeck::sources::connection::run(target, tx));
    let error = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match rx.recv().await {
                Some(SourceEvent::Connection(ConnState::Unreachable { error, .. })) => break error,
                Some(SourceEvent::Connection(ConnState::Failed(error))) => break error,
                Some(_) => {}
                None => panic!("the connection task ended"),
            }
        }
    })
    .await
    .expect("a connection state within 30 s");
    task.abort();
    (server, error)
}

#[tokio::test]
async fn html_answers_are_named_not_dumped() {
    for status in ["200 OK", "404 Not Found", "401 Unauthorized"] {
        let (server, error) = connection_error(status).await;
        assert_eq!(
            error,
            format!("this server is not a Kubernetes API (got text/html from {server}/version)"),
            "for {status}"
        );
    }
}

#[test]
fn the_console_says_so_in_the_header_and_keeps_its_title() {
    let server = html_server("404 Not Found");
    let dir = tempfile::tempdir().expect("tmp");
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, kubeconfig(&server)).expect("write");
    let kc = kc.display().to_string();
    let t = Tmux::start("portal", &["--kubeconfig", &kc], Duration::from_secs(30));
    let s = t.wait_for(&["this server is not a Kubernetes API (got text/html from"]);
    for bad in ["<html", "<!DOCTYPE", "Status {", "ErrorResponse", "Sign in"] {
        assert!(!s.contains(bad), "the screen shows {bad:?}:\n{s}");
    }
    t.quit();
}
