//! Handing the terminal to a child process (an editor, a shell) and taking it back.
//!
//! While the console runs, the terminal is in raw mode on the alternate screen, and
//! crossterm's [`EventStream`] may have a reader thread blocked on the terminal that would
//! steal the child's keystrokes. [`Handoff::begin`] stops that reader (the stream is
//! replaced by a fresh one, which reads nothing until it is polled), leaves the alternate
//! screen and raw mode and shows the cursor; [`Handoff::end`] enters them again and clears
//! the screen so that the next frame is drawn whole. In between, [`run`] runs a command on
//! the inherited terminal; Ctrl-C reaches the command (the terminal signals the whole
//! foreground group), not the console.
//!
//! Use: `let h = Handoff::begin(&mut input)?; … run(cmd).await …; h.end(terminal)?;`.

use std::io;
use std::process::{ExitStatus, Stdio};

use crossterm::event::EventStream;
use ratatui::DefaultTerminal;

/// The terminal handed over; [`Handoff::end`] takes it back.
#[must_use = "the terminal stays handed over until `end`"]
pub(crate) struct Handoff(());

impl Handoff {
    /// Stops the input reader and gives the terminal back to cooked mode on the main screen.
    pub(crate) fn begin(input: &mut EventStream) -> io::Result<Handoff> {
        // Dropping the stream wakes and ends a reader thread blocked on the terminal.
        drop(std::mem::replace(input, EventStream::new()));
        ratatui::restore();
        crossterm::execute!(io::stdout(), crossterm::cursor::Show)?;
        Ok(Handoff(()))
    }

    /// Raw mode and the alternate screen again, cleared for a full redraw.
    pub(crate) fn end(self, terminal: &mut DefaultTerminal) -> io::Result<()> {
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
        terminal.clear()
    }
}

/// Runs a command on the terminal (stdin, stdout and stderr inherited) until it exits.
pub(crate) async fn run(mut cmd: tokio::process::Command) -> io::Result<ExitStatus> {
    cmd.stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn()?;
    loop {
        tokio::select! {
            status = child.wait() => return status,
            // Ctrl-C is the child's to handle; the console keeps running.
            _ = tokio::signal::ctrl_c() => {}
        }
    }
}
