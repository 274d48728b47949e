use clap::Parser;
use color_eyre::eyre::Result;
use opsdeck::cli::{Cli, Command};

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Some(Command::Sandbox(args)) => runtime.block_on(opsdeck::sandbox::run_cli(args)),
        Some(Command::Install(args)) => runtime.block_on(opsdeck::install::run::cli(args)),
        Some(Command::Bench(args)) => runtime.block_on(opsdeck::bench::run(args)),
        Some(Command::Record(args)) => runtime.block_on(opsdeck::record::run_cli(args)),
        Some(Command::Metrics(args)) => {
            runtime.block_on(opsdeck::console::run(args.into_console()))
        }
        None => runtime.block_on(opsdeck::console::run(cli.console)),
    }
}
