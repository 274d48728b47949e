//! A TCP proxy for fault injection, between a client (the console, kubectl, an SDK) and a
//! server (the sandbox): it passes bytes through, or cuts every connection and refuses new
//! ones, black-holes (accepts and holds every byte until it passes again), delays each
//! chunk, or answers every Kubernetes watch request with `410 Gone` (an ERROR event with an
//! `Expired` Status, as the API server does when a resourceVersion is too old).
//!
//! Plain threads and blocking sockets: no runtime shared with the code under test.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Pass,
    /// Open connections were shut down; new ones are closed at once.
    Refuse,
    /// Connections are accepted and kept; no byte goes through until the mode changes.
    BlackHole,
    /// Every chunk waits this long before it is forwarded.
    Delay(Duration),
    /// Watch requests get `410 Gone`; everything else passes.
    Gone,
}

struct Shared {
    mode: Mutex<Mode>,
    conns: Mutex<Vec<TcpStream>>,
    stop: AtomicBool,
    /// Requests seen (first line of each), e.g. `GET /api/v1/namespaces/shop/pods?…`.
    requests: Mutex<Vec<String>>,
    gone_answers: AtomicUsize,
}

pub(crate) struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listens on a free 127.0.0.1 port and forwards to `upstream` (`host:port`).
    pub(crate) fn start(upstream: &str) -> Proxy {
        let upstream: SocketAddr = upstream.parse().expect("upstream host:port");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Pass),
            conns: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
            gone_answers: AtomicUsize::new(0),
        });
        let sh = shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if sh.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if sh.mode() == Mode::Refuse {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))
                else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                {
                    let mut conns = sh.conns.lock().expect("conns");
                    conns.retain(|c| c.peer_addr().is_ok());
                    conns.extend(client.try_clone().ok());
                    conns.extend(server.try_clone().ok());
                }
                spawn_pump(
                    sh.clone(),
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                    true,
                );
                spawn_pump(sh.clone(), server, client, false);
            }
        });
        Proxy { addr, shared }
    }

    /// `host:port` of the proxy.
    pub(crate) fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn set(&self, mode: Mode) {
        *self.shared.mode.lock().expect("mode") = mode;
        if mode == Mode::Refuse {
            for c in self.shared.conns.lock().expect("conns").drain(..) {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
    }

    /// Shuts down every open connection (the mode stays): clients reconnect.
    pub(crate) fn drop_connections(&self) {
        for c in self.shared.conns.lock().expect("conns").drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Every request line seen so far.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().expect("requests").clone()
    }

    /// How many watch requests were answered with 410 Gone.
    pub(crate) fn gone_answers(&self) -> usize {
        self.shared.gone_answers.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.set(Mode::Refuse);
        // Wake the accept loop so that it sees `stop`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

impl Shared {
    fn mode(&self) -> Mode {
        *self.mode.lock().expect("mode")
    }
}

/// The answer of the API server to a watch from a resourceVersion that is too old.
fn gone_response() -> Vec<u8> {
    let event = r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired","code":410}}"#;
    let chunk = format!("{event}\n");
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    )
    .into_bytes()
}

fn is_watch(request_line: &str) -> bool {
    let target = request_line.split(' ').nth(1).unwrap_or("");
    target.contains("watch=true") || target.contains("watch=1")
}

/// Copies `from` → `to` chunk by chunk, obeying the mode. `upstream` is the client → server
/// direction (where requests are seen).
fn spawn_pump(sh: Arc<Shared>, mut from: TcpStream, mut to: TcpStream, upstream: bool) {
    std::thread::spawn(move || {
        let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if sh.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    continue;
                }
                Err(_) => break,
            };
            let chunk = &buf[..n];
            let request = ["GET ", "POST ", "PUT ", "PATCH ", "DELETE "]
                .iter()
                .any(|m| chunk.starts_with(m.as_bytes()));
            if upstream && request {
                let text = String::from_utf8_lossy(chunk);
                let line = text.lines().next().unwrap_or("").to_string();
                let watch = is_watch(&line);
                sh.requests.lock().expect("requests").push(line);
                if watch && sh.mode() == Mode::Gone {
                    sh.gone_answers.fetch_add(1, Ordering::SeqCst);
                    let _ = from.write_all(&gone_response());
                    let _ = from.flush();
                    let _ = from.shutdown(Shutdown::Both);
                    let _ = to.shutdown(Shutdown::Both);
                    break;
                }
            }
            // Hold the bytes while black-holed; give up when the connection was cut.
            loop {
                match sh.mode() {
                    Mode::BlackHole => std::thread::sleep(Duration::from_millis(50)),
                    Mode::Refuse => {
                        let _ = from.shutdown(Shutdown::Both);
                        let _ = to.shutdown(Shutdown::Both);
                        return;
                    }
                    Mode::Delay(d) => {
                        std::thread::sleep(d);
                        break;
                    }
                    Mode::Pass | Mode::Gone => break,
                }
            }
            if to.write_all(chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
