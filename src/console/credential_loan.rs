//! The console's terminal lent to an exec credential plugin that must ask again while the
//! console holds the screen (`interactiveMode: Always`: its credential was refused, or
//! expires soon; see `sources::credentials`). The screen is left as for an editor
//! (`terminal_handoff`), the reason is said on the plain terminal, the plugin asks there, and
//! the screen is taken back and drawn whole; watches ran on meanwhile and their events wait
//! in the channel.

use std::io::Write as _;

use crossterm::event::EventStream;
use ratatui::DefaultTerminal;

use crate::sources::credentials::Loan;
use crate::terminal_handoff::Handoff;

/// Hands the terminal over until the plugin is done with it, then takes it back.
pub(super) async fn lend(
    loan: Loan,
    input: &mut EventStream,
    terminal: &mut DefaultTerminal,
) -> std::io::Result<()> {
    let handoff = Handoff::begin(input)?;
    {
        let mut out = std::io::stdout();
        let _ = write!(out, "\nopsdeck: {}\n", loan.reason);
        let _ = out.flush();
    }
    let lent = loan.lend();
    tokio::pin!(lent);
    loop {
        tokio::select! {
            () = &mut lent => break,
            // Ctrl-C at the plugin's prompt is the plugin's (it fails, the console says so).
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    handoff.end(terminal)
}
