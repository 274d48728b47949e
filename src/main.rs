use std::process::ExitCode;

use clap::Parser;
use color_eyre::eyre::Result;
use opsdeck::cli::{Cli, Command};

fn main() -> Result<ExitCode> {
    opsdeck::report::install_hooks()?;
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = match cli.command {
        Some(Command::Sandbox(args)) => runtime.block_on(opsdeck::sandbox::run_cli(args)),
        Some(Command::Install(args)) => runtime.block_on(opsdeck::install::run::cli(args)),
        Some(Command::Bench(args)) => runtime.block_on(opsdeck::bench::run(args)),
        Some(Command::Record(args)) => runtime.block_on(opsdeck::record::run_cli(args)),
        None => runtime.block_on(opsdeck::console::run(cli.console)),
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // Expected errors: plain lines with the fix, no report.
        Err(report) => match opsdeck::report::user_lines(&report) {
            Some(lines) => {
                for line in lines {
                    eprintln!("{line}");
                }
                Ok(ExitCode::FAILURE)
            }
            None => Err(report),
        },
    }
}
