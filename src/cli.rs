//! Command-line interface definitions (clap). `main.rs` dispatches on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::sandbox::SandboxArgs;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter};

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
    #[arg(long, requires = "sandbox", add = ArgValueCompleter::new(crate::tools::complete_recordings))]
    pub recording: Option<PathBuf>,

    /// Path to the kubeconfig file (as kubectl: overrides KUBECONFIG).
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use (default: the current context).
    #[arg(long, add = ArgValueCandidates::new(crate::tools::complete_contexts))]
    pub context: Option<String>,

    /// Kubeconfig cluster the context uses instead of its own (as kubectl's --cluster).
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,

    /// Kubeconfig user the context uses instead of its own (as kubectl's --user).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Namespace to start in.
    #[arg(short = 'n', long, add = ArgValueCandidates::new(crate::tools::complete_namespaces))]
    pub namespace: Option<String>,

    /// Start with all namespaces.
    #[arg(short = 'A', long = "all-namespaces")]
    pub(crate) all_namespaces: bool,

    /// Disable every mutating action.
    #[arg(long)]
    pub(crate) readonly: bool,

    /// Theme: dark, light, high-contrast, or themes/<name>.toml in the config directory.
    #[arg(long)]
    pub theme: Option<String>,

    /// Keymap: default (k9s-like), vim, or keymaps/<name>.toml in the config directory.
    #[arg(long)]
    pub(crate) keymap: Option<String>,

    /// EKS cluster of the node pools pane's node groups (default: detected from the
    /// context's EKS ARN or `aws eks get-token` exec plugin). AWS settings come from the
    /// usual AWS configuration (profile, region, AWS_ENDPOINT_URL_EKS).
    #[arg(long, value_name = "NAME")]
    pub eks_cluster: Option<String>,

    /// Group nodes into pools by this label (e.g. `workload-type`) instead of the provider's
    /// (EKS, eksctl, Karpenter, GKE, AKS, DOKS, kops); overrides `pool_label` in config.toml.
    #[arg(long, value_name = "LABEL")]
    pub(crate) pool_label: Option<String>,

    #[command(flatten)]
    pub prometheus: PrometheusArgs,

    /// Log level of opsdeck's own log file (error, warn, info, debug, trace).
    #[arg(long, default_value = "info")]
    pub(crate) log_level: String,

    /// Start in this view: a `:` command such as `cnpg`, `cnpg keycloak/keycloak-db`,
    /// `deploy kube-system` (run once the API server's discovery has answered).
    #[arg(short = 'c', long)]
    pub command: Option<String>,
}

/// Where Prometheus is. Without `--prometheus`, the context's `[prometheus]` setting in
/// config.toml, else the cluster's own Prometheus found through its Services and reached
/// through the API server's service proxy.
#[derive(Debug, Clone, Default, Args)]
pub struct PrometheusArgs {
    /// Prometheus base URL, e.g. `http://127.0.0.1:9090` (for the metrics pane and the metric
    /// columns of the pools and CNPG panes).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,

    /// A file holding a bearer token for Prometheus (or OPSDECK_PROMETHEUS_TOKEN[_FILE]).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub(crate) prometheus_token_file: Option<PathBuf>,

    /// A file holding `user:password` for Prometheus basic auth (or
    /// OPSDECK_PROMETHEUS_BASIC_AUTH[_FILE]).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub(crate) prometheus_basic_auth_file: Option<PathBuf>,
}

impl PrometheusArgs {
    /// The settings the flags name (credentials read now), or `None` without `--prometheus`.
    pub fn settings(
        &self,
    ) -> Option<
        Result<crate::sources::prometheus::PromSettings, crate::sources::prometheus::PromError>,
    > {
        let url = self.prometheus.as_deref()?;
        Some(crate::sources::prometheus::PromSettings::from_flags(
            url,
            self.prometheus_token_file.as_deref(),
            self.prometheus_basic_auth_file.as_deref(),
            |k| std::env::var(k).ok(),
        ))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record the current cluster (initial objects, then every change) into a recording.
    Record(RecordArgs),
    /// Benchmark the console headless against a sandbox serving a large synthetic cluster.
    Bench(BenchArgs),
    /// Serve a recording on 127.0.0.1 as a Kubernetes API (and write a kubeconfig for it).
    Sandbox(SandboxArgs),
    /// Write a recording into a real (test) cluster and play its timeline there.
    Play(crate::play::PlayArgs),
    /// Guided install: cluster → age key → Argo CD → apps (`--config` runs it without a screen).
    Install(InstallArgs),
    /// Where configuration is read from, the effective settings, a default config.toml.
    Config(crate::tools::ConfigArgs),
    /// Convert k9s's plugins, hotkeys, aliases and skin into opsdeck's files, once.
    #[command(name = "import-k9s")]
    ImportK9s(crate::tools::ImportK9sArgs),
    /// Shell completion script (bash, zsh, fish), with live context, namespace and
    /// recording names: `source <(opsdeck completions bash)`.
    Completions(crate::tools::CompletionsArgs),
    /// The man page (roff): `opsdeck man | man -l -`.
    Man,
    /// The metrics dashboards only: `opsdeck metrics --prometheus URL [DASHBOARD]` needs no
    /// kubeconfig.
    Metrics(MetricsArgs),
}

/// Flags of `opsdeck metrics`.
#[derive(Debug, Clone, Args)]
pub struct MetricsArgs {
    /// Dashboard to open (an id such as `node-pool`, a user dashboard's file stem, or a
    /// title); default: the first.
    pub dashboard: Option<String>,

    #[command(flatten)]
    pub console: ConsoleArgs,
}

impl MetricsArgs {
    /// The console flags that open the dashboards at start.
    pub fn into_console(self) -> ConsoleArgs {
        let mut c = self.console;
        c.command = Some(match self.dashboard {
            Some(d) => format!("metrics {d}"),
            None => "metrics".into(),
        });
        c
    }
}

/// Flags of `opsdeck install`.
#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// Install configuration (TOML; see tests/fixtures/install/install.toml). Required for
    /// the non-interactive run.
    #[arg(long)]
    pub config: Option<PathBuf>,

    /// Print each step's plan; change nothing.
    #[arg(long, requires = "config")]
    pub(crate) dry_run: bool,

    /// Apply every plan without asking.
    #[arg(long, short = 'y', requires = "config")]
    pub yes: bool,

    /// List the app catalog and exit.
    #[arg(long)]
    pub(crate) catalog: bool,

    /// Interactive wizard: the kubeconfig of the cluster answer (default: KUBECONFIG, else
    /// ~/.kube/config).
    #[arg(long, conflicts_with = "config")]
    pub kubeconfig: Option<PathBuf>,

    /// Interactive wizard: the context offered first (default: the current context).
    #[arg(long, conflicts_with = "config")]
    pub context: Option<String>,

    /// Interactive wizard: theme (dark, light, high-contrast, or a themes/<name>.toml).
    #[arg(long, conflicts_with = "config")]
    pub theme: Option<String>,
}

/// Flags of `opsdeck bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Size of the synthetic cluster and the sandbox's churn (pod updates per second;
    /// `app_churn=`/`cnpg_churn=`: Application/CNPG Cluster status updates per second).
    #[arg(
        long,
        default_value = "nodes=5000,pods=50000,apps=1000,cnpg=200,churn=200"
    )]
    pub(crate) synthetic: String,

    /// Seconds to measure CPU while nothing changes.
    #[arg(long, default_value_t = 10)]
    pub(crate) idle_seconds: u64,

    /// Seconds to measure latency and CPU under churn.
    #[arg(long, default_value_t = 10)]
    pub(crate) churn_seconds: u64,

    /// Marked changes per second whose event-to-screen latency is timed (on top of churn).
    #[arg(long, default_value_t = 20)]
    pub(crate) marks_per_second: u32,

    /// Give up when the pods table is not complete after this many seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// The view measured: the pods table of every namespace, the node pools pane, the
    /// Argo CD sync waves or the CNPG clusters.
    #[arg(long, value_enum, default_value_t = BenchView::Pods)]
    pub view: BenchView,
}

/// What `opsdeck bench` opens and waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchView {
    /// `:pods -A`, complete when every pod is a row.
    Pods,
    /// `:pools`, complete when the pools count every pod on their nodes.
    Pools,
    /// `:waves`, complete when every Argo CD Application is a row; the marked changes are
    /// made to Applications.
    Waves,
    /// `:cnpg`, complete when every CNPG Cluster is a row; the marked changes are made to
    /// Clusters.
    Cnpg,
}

impl BenchView {
    pub fn command(self) -> &'static str {
        match self {
            BenchView::Pods => "pods -A",
            BenchView::Pools => "pools",
            BenchView::Waves => "waves",
            BenchView::Cnpg => "cnpg",
        }
    }
}

/// Flags of `opsdeck record`.
#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    /// File to write (YAML, the recording format).
    #[arg(long)]
    pub out: PathBuf,

    /// Stop after this long (`90s`, `10m`, `1h`); default: until Ctrl-C.
    #[arg(long)]
    pub duration: Option<String>,

    /// Comma-separated kinds (`pods,deployments.apps,applications.argoproj.io`); default:
    /// the kinds the panes use.
    #[arg(long)]
    pub kinds: Option<String>,

    /// Comma-separated namespaces; default: all.
    #[arg(long)]
    pub namespaces: Option<String>,

    /// Name written into the recording's metadata (default: the file's stem).
    #[arg(long)]
    pub name: Option<String>,

    /// Write Secret data and credential-looking values in clear.
    #[arg(long)]
    pub(crate) no_redact: bool,

    /// Prometheus whose answers to the built-in dashboards are recorded when recording stops.
    #[command(flatten)]
    pub prometheus: PrometheusArgs,

    /// EKS cluster whose node groups are recorded when recording stops (default: detected
    /// from the context's EKS ARN or `aws eks get-token` exec plugin, as the console does).
    /// AWS settings come from the usual AWS configuration (profile, region,
    /// AWS_ENDPOINT_URL_EKS).
    #[arg(long, value_name = "NAME")]
    pub eks_cluster: Option<String>,

    /// Path to the kubeconfig file (as kubectl: overrides KUBECONFIG).
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use (default: the current context).
    #[arg(long)]
    pub context: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_subcommand_opens_the_dashboards() {
        let cli = Cli::try_parse_from([
            "opsdeck",
            "metrics",
            "--prometheus",
            "http://127.0.0.1:9090",
            "cnpg",
        ])
        .unwrap();
        let Some(Command::Metrics(m)) = cli.command else {
            panic!("not the metrics command");
        };
        let c = m.into_console();
        assert_eq!(c.command.as_deref(), Some("metrics cnpg"));
        assert_eq!(
            c.prometheus.prometheus.as_deref(),
            Some("http://127.0.0.1:9090")
        );
    }
}
