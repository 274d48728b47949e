//! Signals that end the full-screen programs (the console, the install wizard): SIGTERM,
//! SIGHUP and an external SIGINT (Ctrl-C in raw mode is a key, not a signal). Their loops
//! wait on [`stopping`] like on any other event, end cleanly (the terminal restored: raw
//! mode off, main screen, cursor shown) and the process exits with `128 + signal`, as a
//! shell reports a process killed by it.

/// The process was asked to stop by a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped by {name}")]
pub(crate) struct Stopped {
    pub signal: i32,
    pub name: &'static str,
}

impl Stopped {
    /// The exit status a shell expects of a process ended by this signal.
    pub(crate) fn exit_code(self) -> i32 {
        128 + self.signal
    }
}

/// Resolves when SIGTERM, SIGHUP or SIGINT arrives (never where signals cannot be listened
/// to). Each call listens on its own; every listener sees a signal.
pub(crate) async fn stopping() -> Stopped {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot listen to signals; SIGTERM will not restore the terminal");
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => Stopped { signal: 15, name: "SIGTERM" },
            _ = hup.recv() => Stopped { signal: 1, name: "SIGHUP" },
            _ = int.recv() => Stopped { signal: 2, name: "SIGINT" },
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Stopped {
            signal: 2,
            name: "SIGINT",
        }
    }
}

/// Puts the terminal back as the shell had it (after `ratatui::init`): raw mode off, the
/// main screen, the cursor shown. Safe to call more than once.
pub(crate) fn restore_terminal() {
    ratatui::restore();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
}

/// Whether an error is a [`Stopped`] (possibly wrapped).
pub(crate) fn stopped_by(e: &color_eyre::eyre::Report) -> Option<Stopped> {
    e.chain().find_map(|c| c.downcast_ref::<Stopped>().copied())
}
