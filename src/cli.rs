//! Command-line interface definitions (clap). `main.rs` dispatches on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A terminal ops console for Kubernetes GitOps platforms.
#[derive(Debug, Parser)]
#[command(name = "opsdeck", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// Flags of the console (the default command).
#[derive(Debug, Clone, Args, Default)]
pub struct ConsoleArgs {
    /// Start the embedded sandbox in-process (serving the `platform` recording, or
    /// `--recording`) and connect to it.
    #[arg(long)]
    pub sandbox: bool,

    /// Recording the in-process sandbox serves (with `--sandbox`).
    #[arg(long, requires = "sandbox")]
    pub recording: Option<PathBuf>,

    /// Path to the kubeconfig file (as kubectl: overrides KUBECONFIG).
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use (default: the current context).
    #[arg(long)]
    pub context: Option<String>,

    /// Namespace to start in.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,

    /// Start with all namespaces.
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,

    /// Disable every mutating action.
    #[arg(long)]
    pub readonly: bool,

    /// Theme: dark, light, high-contrast, or themes/<name>.toml in the config directory.
    #[arg(long)]
    pub theme: Option<String>,

    /// Keymap: default (k9s-like), vim, or keymaps/<name>.toml in the config directory.
    #[arg(long)]
    pub keymap: Option<String>,

    /// Log level of opsdeck's own log file (error, warn, info, debug, trace).
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve a recording on 127.0.0.1 as a Kubernetes API (and write a kubeconfig for it).
    Sandbox(SandboxArgs),
}

/// Flags of `opsdeck sandbox`.
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Recording to serve (default: the embedded `platform` recording).
    #[arg(long)]
    pub recording: Option<PathBuf>,

    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Where to write the kubeconfig for the sandbox (default: `opsdeck-sandbox.kubeconfig`
    /// in the system temp directory).
    #[arg(long)]
    pub write_kubeconfig: Option<PathBuf>,

    /// Serve a large synthetic cluster instead of a recording, e.g.
    /// `nodes=5000,pods=50000,apps=1000,cnpg=200,churn=200` (pod updates per second).
    #[arg(long, conflicts_with = "recording")]
    pub synthetic: Option<String>,

    /// Timeline speed: 2 plays the recording's timeline twice as fast, 0 pauses it.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}
