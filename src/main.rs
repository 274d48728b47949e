use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use color_eyre::eyre::Result;
use opsdeck::cli::{Cli, Command};

fn main() -> ExitCode {
    let tty = std::io::stderr().is_terminal();
    // Panics (real bugs) keep color-eyre's report; without a terminal it is plain text.
    let mut hook = color_eyre::config::HookBuilder::default().display_env_section(false);
    if !tty {
        hook = hook.theme(color_eyre::config::Theme::new());
    }
    if let Err(e) = hook.install() {
        eprintln!("opsdeck: cannot install the error report hook: {e}");
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, tty);
            ExitCode::FAILURE
        }
    }
}

/// An error that ends a command is an expected outcome (a bad flag, a server that does not
/// answer): one plain line with its causes. On a terminal, color-eyre's report as before.
fn report(e: &color_eyre::eyre::Report, tty: bool) {
    if tty {
        eprintln!("Error: {e:?}");
    } else {
        eprintln!("Error: {e:#}");
    }
}

fn run(cli: Cli) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Some(Command::Sandbox(args)) => runtime.block_on(opsdeck::sandbox::run_cli(args)),
        Some(Command::Install(args)) => runtime.block_on(opsdeck::install::run::cli(args)),
        Some(Command::Bench(args)) => runtime.block_on(opsdeck::bench::run(args)),
        Some(Command::Record(args)) => runtime.block_on(opsdeck::record::run_cli(args)),
        None => runtime.block_on(opsdeck::console::run(cli.console)),
    }
}
