//! Commands in containers through the pod `exec` subresource (kube-rs over websockets; no
//! kubectl): an interactive shell that gets the real terminal ([`session`], run by the
//! console's event loop while it does not read input), and one-shot commands whose output
//! streams into a view ([`run_once`]).
//!
//! A session ends when the shell exits, when the pod goes away or stops running, when the
//! API server stops answering (a watchdog GETs the pod every few seconds, since a dead
//! websocket may never say so), or when the user types the detach key (ctrl-]).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::SinkExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{AttachParams, TerminalSize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use super::{LogId, SourceEvent, error_chain};

/// The byte of ctrl-]: ends a session from this side (as telnet's escape).
pub(crate) const DETACH_BYTE: u8 = 0x1d;
/// How often the watchdog looks at the pod.
const WATCHDOG_EVERY: Duration = Duration::from_secs(3);
/// Failed looks in a row before the session counts as lost.
const WATCHDOG_MISSES: u32 = 3;
/// How long opening the exec websocket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Which container to run a shell in, and the shells to try in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellSpec {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub(crate) shells: Vec<String>,
}

/// A one-shot command in a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecSpec {
    pub id: LogId,
    pub namespace: String,
    pub pod: String,
    pub container: Option<String>,
    pub command: Vec<String>,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShellEnd {
    /// The shell exited (its status message when it failed).
    Exited {
        shell: String,
        error: Option<String>,
    },
    /// The user typed the detach key.
    Detached,
    /// The pod was deleted or stopped running.
    PodGone(String),
    /// The API server stopped answering.
    Lost(String),
}

impl ShellEnd {
    /// The flash message and whether it is an error.
    pub(crate) fn message(&self, spec: &ShellSpec) -> (String, bool) {
        let what = format!("{}/{} ({})", spec.namespace, spec.pod, spec.container);
        match self {
            ShellEnd::Exited { shell, error: None } => {
                (format!("shell {shell} in {what} ended"), false)
            }
            ShellEnd::Exited {
                shell,
                error: Some(e),
            } => (format!("shell {shell} in {what} ended: {e}"), true),
            ShellEnd::Detached => (format!("detached from the shell in {what}"), false),
            ShellEnd::PodGone(why) => (format!("shell in {what} ended: {why}"), true),
            ShellEnd::Lost(why) => (format!("shell in {what}: connection lost ({why})"), true),
        }
    }
}

/// Whether an exec failure says the program does not exist (try the next shell).
pub(crate) fn missing_program(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not found") || m.contains("no such file") || m.contains("executable file")
}

/// Why a pod cannot run a shell any more, if it cannot.
pub(crate) fn pod_gone(pod: &Pod) -> Option<String> {
    if pod.metadata.deletion_timestamp.is_some() {
        return Some("the pod is being deleted".into());
    }
    let phase = pod.status.as_ref().and_then(|s| s.phase.clone());
    match phase.as_deref() {
        Some("Succeeded") | Some("Failed") => Some(format!(
            "the pod is {}",
            phase.unwrap_or_default().to_lowercase()
        )),
        _ => None,
    }
}

/// Reads the terminal's input while the session runs: `poll(2)` with a short timeout so
/// that the thread notices the end of the session and stops reading (the console's own
/// input reader takes over again, and no keystroke is swallowed by a stale read).
struct StdinPump {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StdinPump {
    fn start(tx: mpsc::Sender<Vec<u8>>) -> StdinPump {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !flag.load(Ordering::Relaxed) {
                let mut fds = libc::pollfd {
                    fd: libc::STDIN_FILENO,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // The one unsafe call of the crate (lib.rs denies unsafe_code): std has no
                // read with a timeout on stdin, and the reader must stop when the session ends.
                // SAFETY: one valid pollfd for the duration of the call.
                #[allow(unsafe_code)]
                let ready = unsafe { libc::poll(&mut fds, 1, 50) };
                if ready <= 0 || fds.revents & libc::POLLIN == 0 {
                    if ready < 0 || fds.revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    continue;
                }
                // SAFETY: reads into a buffer of the given length.
                #[allow(unsafe_code)]
                let n = unsafe {
                    libc::read(
                        libc::STDIN_FILENO,
                        buf.as_mut_ptr().cast::<libc::c_void>(),
                        buf.len(),
                    )
                };
                if n <= 0 {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                if tx.blocking_send(buf[..n as usize].to_vec()).is_err() {
                    break;
                }
            }
        });
        StdinPump {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for StdinPump {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn terminal_size() -> Option<TerminalSize> {
    crossterm::terminal::size()
        .ok()
        .map(|(width, height)| TerminalSize { width, height })
}

/// Runs an interactive shell on the terminal the caller handed over (out of the alternate
/// screen, raw mode on). Tries each shell in turn while the container lacks it.
pub(crate) async fn session(client: kube::Client, spec: &ShellSpec) -> Result<ShellEnd, String> {
    let api: Api<Pod> = Api::namespaced(client, &spec.namespace);
    let mut last_error = String::from("no shell configured");
    for shell in &spec.shells {
        match one_shell(&api, spec, shell).await {
            Err(e) if missing_program(&e) => last_error = e,
            Ok(ShellEnd::Exited {
                error: Some(e),
                shell: _,
            }) if missing_program(&e) => last_error = e,
            other => return other,
        }
    }
    Err(last_error)
}

async fn one_shell(api: &Api<Pod>, spec: &ShellSpec, shell: &str) -> Result<ShellEnd, String> {
    let params = AttachParams::interactive_tty().container(&spec.container);
    let attach = tokio::time::timeout(CONNECT_TIMEOUT, api.exec(&spec.pod, [shell], &params))
        .await
        .map_err(|_| format!("no answer from the API server in {CONNECT_TIMEOUT:?}"))?;
    let mut process = attach.map_err(|e| error_chain(&e))?;
    let (Some(mut stdin), Some(mut stdout), Some(mut resize), Some(status)) = (
        process.stdin(),
        process.stdout(),
        process.terminal_size(),
        process.take_status(),
    ) else {
        return Err("the exec stream lacks stdin, stdout or the terminal size channel".into());
    };
    if let Some(size) = terminal_size() {
        let _ = resize.send(size).await;
    }
    let (in_tx, mut in_rx) = mpsc::channel::<Vec<u8>>(64);
    let pump = StdinPump::start(in_tx);
    let mut winch =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok();
    let mut watchdog = tokio::time::interval(WATCHDOG_EVERY);
    watchdog.tick().await;
    let mut misses = 0;
    let mut buf = vec![0u8; 8192];
    let mut out = std::io::stdout();
    tokio::pin!(status);
    let end = loop {
        tokio::select! {
            st = &mut status => {
                let error = st
                    .filter(|s| s.status.as_deref() == Some("Failure"))
                    .map(|s| s.message.unwrap_or_else(|| "failed".into()));
                break ShellEnd::Exited { shell: shell.to_string(), error };
            }
            n = stdout.read(&mut buf) => match n {
                Ok(0) | Err(_) => {
                    // The stream closed: the status follows (or the connection is gone).
                    let st = tokio::time::timeout(Duration::from_secs(2), &mut status).await;
                    let error = match st {
                        Ok(st) => st
                            .filter(|s| s.status.as_deref() == Some("Failure"))
                            .map(|s| s.message.unwrap_or_else(|| "failed".into())),
                        Err(_) => None,
                    };
                    break ShellEnd::Exited { shell: shell.to_string(), error };
                }
                Ok(n) => {
                    let _ = out.write_all(&buf[..n]);
                    let _ = out.flush();
                }
            },
            Some(bytes) = in_rx.recv() => {
                if let Some(pos) = bytes.iter().position(|b| *b == DETACH_BYTE) {
                    let _ = stdin.write_all(&bytes[..pos]).await;
                    break ShellEnd::Detached;
                }
                if stdin.write_all(&bytes).await.is_err() {
                    break ShellEnd::Lost("the exec stream closed".into());
                }
            }
            Some(()) = async { match winch.as_mut() { Some(w) => w.recv().await, None => None } } => {
                if let Some(size) = terminal_size() {
                    let _ = resize.send(size).await;
                }
            }
            _ = watchdog.tick() => {
                match tokio::time::timeout(WATCHDOG_EVERY, api.get_opt(&spec.pod)).await {
                    Ok(Ok(None)) => break ShellEnd::PodGone("the pod was deleted".into()),
                    Ok(Ok(Some(pod))) => {
                        misses = 0;
                        if let Some(why) = pod_gone(&pod) {
                            break ShellEnd::PodGone(why);
                        }
                    }
                    Ok(Err(e)) => {
                        misses += 1;
                        if misses >= WATCHDOG_MISSES {
                            break ShellEnd::Lost(error_chain(&e));
                        }
                    }
                    Err(_) => {
                        misses += 1;
                        if misses >= WATCHDOG_MISSES {
                            break ShellEnd::Lost("the API server does not answer".into());
                        }
                    }
                }
            }
        }
    };
    drop(pump);
    process.abort();
    Ok(end)
}

/// Runs a command once and streams its output as log lines of view `spec.id`.
pub(crate) async fn run_once(client: kube::Client, spec: ExecSpec, tx: super::Sender) {
    let api: Api<Pod> = Api::namespaced(client, &spec.namespace);
    let mut params = AttachParams::default().stdout(true).stderr(true);
    if let Some(c) = &spec.container {
        params = params.container(c);
    }
    let attach = tokio::time::timeout(
        CONNECT_TIMEOUT,
        api.exec(&spec.pod, spec.command.clone(), &params),
    )
    .await;
    let id = spec.id;
    let mut process = match attach {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            let _ = tx.send(SourceEvent::LogEnded {
                id,
                error: Some(error_chain(&e)),
            });
            return;
        }
        Err(_) => {
            let _ = tx.send(SourceEvent::LogEnded {
                id,
                error: Some(format!(
                    "no answer from the API server in {CONNECT_TIMEOUT:?}"
                )),
            });
            return;
        }
    };
    let status = process.take_status();
    let stdout = process.stdout();
    let stderr = process.stderr();
    let forward = |reader: Option<tokio::io::ReadHalf<tokio::io::SimplexStream>>| {
        let tx = tx.clone();
        async move {
            let Some(r) = reader else { return };
            let mut lines = BufReader::new(r).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(SourceEvent::LogLines {
                    id,
                    lines: vec![line],
                });
            }
        }
    };
    tokio::join!(forward(stdout), forward(stderr));
    let error = match status {
        Some(s) => s
            .await
            .filter(|s| s.status.as_deref() == Some("Failure"))
            .map(|s| s.message.unwrap_or_else(|| "failed".into())),
        None => None,
    };
    let _ = tx.send(SourceEvent::LogEnded { id, error });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_shell_is_recognised() {
        assert!(missing_program(
            "failed to exec in container: exec: \"/bin/bash\": stat /bin/bash: no such file or directory"
        ));
        assert!(missing_program(
            "exec: \"bash\": executable file not found in $PATH"
        ));
        assert!(!missing_program(
            "command terminated with non-zero exit code"
        ));
    }

    #[test]
    fn a_deleted_or_finished_pod_ends_the_session() {
        let mut pod = Pod::default();
        assert_eq!(pod_gone(&pod), None);
        pod.status = Some(k8s_openapi::api::core::v1::PodStatus {
            phase: Some("Failed".into()),
            ..Default::default()
        });
        assert_eq!(pod_gone(&pod).as_deref(), Some("the pod is failed"));
    }

    #[test]
    fn end_messages_name_the_container() {
        let spec = ShellSpec {
            namespace: "ns".into(),
            pod: "p".into(),
            container: "c".into(),
            shells: vec!["/bin/sh".into()],
        };
        let (text, error) = ShellEnd::Detached.message(&spec);
        assert_eq!(text, "detached from the shell in ns/p (c)");
        assert!(!error);
        let (text, error) = ShellEnd::PodGone("the pod was deleted".into()).message(&spec);
        assert!(text.contains("the pod was deleted") && error, "{text}");
    }
}
