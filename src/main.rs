#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use color_eyre::eyre::Result;
use opsdeck::cli::{Cli, Command};

fn main() -> ExitCode {
    // Shell completion requests (`COMPLETE=bash opsdeck …`, from `opsdeck completions`).
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let tty = std::io::stderr().is_terminal();
    // Panics (real bugs) keep color-eyre's report; without a terminal it is plain text.
    if let Err(e) = opsdeck::report::install_hooks() {
        eprintln!("opsdeck: cannot install the error report hook: {e}");
    }
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = Cli::command();
    // Installed as `kubectl-opsdeck`, kubectl runs it as `kubectl opsdeck …` and passes its
    // global flags along.
    if args
        .first()
        .is_some_and(|a| opsdeck::tools::invoked_as_kubectl_plugin(a))
    {
        let (kept, notes) = match opsdeck::tools::kubectl_plugin_args(args) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("kubectl opsdeck: {e}");
                return ExitCode::from(2);
            }
        };
        for n in notes {
            eprintln!("kubectl opsdeck: {n}");
        }
        args = kept;
        command = command.name("kubectl opsdeck").bin_name("kubectl opsdeck");
    }
    let cli = Cli::from_arg_matches(&command.get_matches_from(args)).unwrap_or_else(|e| e.exit());
    // Commands that print and exit: an expected error is a plain line, exit status 1.
    let mut stdout = std::io::stdout().lock();
    let printed = match &cli.command {
        Some(Command::Completions(a)) => Some(opsdeck::tools::completions(a, &mut stdout)),
        Some(Command::Man) => Some(opsdeck::tools::man(Cli::command(), &mut stdout)),
        Some(Command::Config(a)) => Some(opsdeck::tools::config(a, &mut stdout)),
        Some(Command::ImportK9s(a)) => Some(opsdeck::tools::import_k9s(a, &mut stdout)),
        _ => None,
    };
    drop(stdout);
    if let Some(result) = printed {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("opsdeck: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, tty);
            ExitCode::FAILURE
        }
    }
}

/// An error that ends a command: expected ones (no kubeconfig, an unknown context, a bad
/// file) are plain lines with the fix; others are one plain line with their causes, or
/// color-eyre's report on a terminal.
fn report(e: &color_eyre::eyre::Report, tty: bool) {
    if let Some(lines) = opsdeck::report::user_lines(e) {
        for line in lines {
            eprintln!("{line}");
        }
    } else if tty {
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
        Some(Command::Play(args)) => runtime.block_on(opsdeck::play::run_cli(args)),
        Some(
            Command::Completions(_) | Command::Man | Command::Config(_) | Command::ImportK9s(_),
        ) => Ok(()),
        Some(Command::Metrics(args)) => {
            runtime.block_on(opsdeck::console::run(args.into_console()))
        }
        None => runtime.block_on(opsdeck::console::run(cli.console)),
    }
}
