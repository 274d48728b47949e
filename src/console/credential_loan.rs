//! The console's terminal lent to an exec credential plugin that must ask again while the
//! console holds the screen (`interactiveMode: Always`: its credential was refused, or
//! expires soon; see `sources::credentials`). The screen is left as for an editor, the reason
//! is said on the plain terminal, the plugin asks there, and the screen is taken back and
//! drawn whole; watches ran on meanwhile and their events wait in the channel.
//!
//! Unlike `terminal_handoff::Handoff::begin` (which swaps in a new input stream), the input
//! stream is dropped *before* a new one is made: a loan arrives while the stream waits for a
//! key, and crossterm's reader thread then holds the terminal reader's lock until the old
//! stream is dropped, so making the new stream first would wait for that lock forever.

use std::io::Write as _;

use crossterm::event::EventStream;
use ratatui::DefaultTerminal;

use crate::sources::credentials::Loan;

/// Hands the terminal over until the plugin is done with it, then takes it back; returns the
/// console's new input stream.
pub(super) async fn lend(
    loan: Loan,
    input: EventStream,
    terminal: &mut DefaultTerminal,
) -> std::io::Result<EventStream> {
    tracing::info!(reason = %loan.reason, "lending the terminal to the credential plugin");
    // Wakes and ends the reader thread blocked on the terminal.
    drop(input);
    ratatui::restore();
    let mut out = std::io::stdout();
    crossterm::execute!(out, crossterm::cursor::Show)?;
    let _ = write!(out, "\nopsdeck: {}\n", loan.reason);
    let _ = out.flush();
    let lent = loan.lend();
    tokio::pin!(lent);
    loop {
        tokio::select! {
            () = &mut lent => break,
            // Ctrl-C at the plugin's prompt is the plugin's (it fails, the console says so).
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    tracing::info!("the terminal is back from the credential plugin");
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(out, crossterm::terminal::EnterAlternateScreen)?;
    terminal.clear()?;
    Ok(EventStream::new())
}
