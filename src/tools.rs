//! Subcommands that fit opsdeck into a user's tools: shell completions, the man page,
//! `opsdeck config`, `opsdeck import-k9s`, and answering as a kubectl plugin
//! (`kubectl opsdeck`, when installed as `kubectl-opsdeck`).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use clap_complete::engine::{CompletionCandidate, ValueCompleter};
use color_eyre::eyre::{Result, eyre};

use crate::config::{self, Config, Overrides, k9s};

/// Shells `opsdeck completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Flags of `opsdeck completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh or fish.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Flags of `opsdeck config`.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Where each configuration file is read from (and whether it exists).
    Path,
    /// The effective settings (defaults, config.toml, k9s files) and any problems.
    Show,
    /// Write a commented default config.toml (refuses to overwrite without --force).
    Init {
        /// Replace an existing config.toml.
        #[arg(long)]
        force: bool,
    },
}

/// Flags of `opsdeck import-k9s`.
#[derive(Debug, Clone, Args)]
pub struct ImportK9sArgs {
    /// k9s's config directory (default: $K9S_CONFIG_DIR, else $XDG_CONFIG_HOME/k9s, else
    /// ~/.config/k9s).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// A k9s skin to convert instead of the one k9s's config.yaml selects.
    #[arg(long, value_name = "FILE")]
    pub(crate) skin: Option<PathBuf>,
    /// Print what would be written and what has no equivalent; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Replace opsdeck files that already exist.
    #[arg(long)]
    pub force: bool,
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// `opsdeck completions SHELL`: the registration script of clap's dynamic completion, so
/// that context names, namespaces and recordings complete from the live configuration.
pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<()> {
    use clap_complete::env::EnvCompleter;
    let name = "opsdeck";
    let completer = "opsdeck";
    let var = "COMPLETE";
    match args.shell {
        Shell::Bash => {
            clap_complete::env::Bash.write_registration(var, name, name, completer, out)?
        }
        Shell::Zsh => {
            clap_complete::env::Zsh.write_registration(var, name, name, completer, out)?
        }
        Shell::Fish => {
            clap_complete::env::Fish.write_registration(var, name, name, completer, out)?
        }
    }
    Ok(())
}

/// `opsdeck man`: the man page (roff) of the command line `cmd` (the binary passes
/// `Cli::command()`).
pub fn man(cmd: clap::Command, out: &mut dyn Write) -> Result<()> {
    clap_mangen::Man::new(cmd).render(out)?;
    Ok(())
}

/// `opsdeck config path|show|init`.
pub fn config(args: &ConfigArgs, out: &mut dyn Write) -> Result<()> {
    let dir = config::config_dir();
    let data = config::data_dir();
    match &args.command {
        ConfigCommand::Path => {
            let c = Config::load(dir.as_deref(), &Overrides::default(), false);
            out.write_all(
                config::show::path_report(dir.as_deref(), data.as_deref(), &c.settings, &env)
                    .as_bytes(),
            )?;
            Ok(())
        }
        ConfigCommand::Show => {
            let c = Config::load(dir.as_deref(), &Overrides::default(), false);
            out.write_all(config::show::show(&c).as_bytes())?;
            if c.problems.is_empty() {
                return Ok(());
            }
            let lines: Vec<String> = c.problems.iter().map(|p| p.to_string()).collect();
            Err(eyre!(
                "{} configuration problem(s):\n{}",
                lines.len(),
                lines.join("\n")
            ))
        }
        ConfigCommand::Init { force } => {
            let dir = dir.ok_or_else(|| eyre!("no config directory; set OPSDECK_CONFIG_DIR"))?;
            let path = config::show::init(&dir, *force).map_err(|e| eyre!(e))?;
            writeln!(out, "wrote {}", path.display())?;
            Ok(())
        }
    }
}

/// `opsdeck import-k9s`: converts k9s's plugins, hotkeys, aliases and skin into opsdeck's
/// files once, with a report of what had no equivalent.
pub fn import_k9s(args: &ImportK9sArgs, out: &mut dyn Write) -> Result<()> {
    let dir = args
        .dir
        .clone()
        .or_else(|| k9s::config_dir(&env))
        .ok_or_else(|| eyre!("no k9s directory found; pass --dir"))?;
    if !dir.is_dir() {
        return Err(eyre!(
            "k9s directory {} does not exist; pass --dir (k9s info prints where k9s keeps its files)",
            dir.display()
        ));
    }
    let target =
        config::config_dir().ok_or_else(|| eyre!("no config directory; set OPSDECK_CONFIG_DIR"))?;
    let report = k9s::plan_import(
        &dir,
        k9s::data_dir(&env).as_deref(),
        &target,
        args.skin.as_deref(),
    );
    write_report(&report, &target, args, out)
}

fn write_report(
    report: &k9s::ImportReport,
    target: &Path,
    args: &ImportK9sArgs,
    out: &mut dyn Write,
) -> Result<()> {
    writeln!(out, "k9s files in {}", report.k9s_dir.display())?;
    if report.files.is_empty() {
        writeln!(
            out,
            "  nothing to import (no plugins.yaml, hotkeys.yaml, aliases.yaml or skin)"
        )?;
    }
    let mut refused = Vec::new();
    for w in &report.files {
        let exists = w.path.exists();
        let verb = if args.dry_run {
            "would write"
        } else if exists && !args.force {
            refused.push(w.path.display().to_string());
            "kept (exists)"
        } else {
            "wrote"
        };
        writeln!(
            out,
            "  {verb:<13} {}  ← {}: {}",
            w.path.display(),
            w.from.display(),
            w.summary
        )?;
        if !args.dry_run && (!exists || args.force) {
            std::fs::create_dir_all(target)?;
            std::fs::write(&w.path, &w.contents)
                .map_err(|e| eyre!("cannot write {}: {e}", w.path.display()))?;
        }
    }
    if !report.notes.is_empty() {
        writeln!(out, "no equivalent or skipped:")?;
        for n in &report.notes {
            writeln!(out, "  - {n}")?;
        }
    }
    if !refused.is_empty() {
        return Err(eyre!(
            "not overwritten: {} (pass --force to replace them)",
            refused.join(", ")
        ));
    }
    if !args.dry_run && !report.files.is_empty() {
        writeln!(
            out,
            "done; `opsdeck config show` lists what is in effect (or set `[k9s] import = \"live\"` in config.toml to read k9s's files at every start instead)"
        )?;
    }
    Ok(())
}

/// Whether the binary was started as `kubectl-opsdeck` (kubectl runs plugins by that name).
pub fn invoked_as_kubectl_plugin(argv0: &std::ffi::OsStr) -> bool {
    Path::new(argv0)
        .file_stem()
        .is_some_and(|s| s == "kubectl-opsdeck")
}

/// kubectl's global flags that change credentials or the server: opsdeck takes those from
/// the kubeconfig only.
const KUBECTL_REFUSED: &[&str] = &[
    "token",
    "as",
    "as-group",
    "as-uid",
    "username",
    "password",
    "server",
    "certificate-authority",
    "client-certificate",
    "client-key",
    "insecure-skip-tls-verify",
    "tls-server-name",
];
/// kubectl's global flags with a value that do not matter to opsdeck.
const KUBECTL_IGNORED_VALUE: &[&str] = &[
    "request-timeout",
    "cache-dir",
    "v",
    "vmodule",
    "log-flush-frequency",
    "profile",
    "profile-output",
];
/// kubectl's boolean global flags that do not matter to opsdeck.
const KUBECTL_IGNORED_BOOL: &[&str] = &[
    "match-server-version",
    "warnings-as-errors",
    "disable-compression",
];

/// The arguments kubectl passed to the plugin, with kubectl's global flags opsdeck does not
/// take removed (and named in the returned notes); credential flags are refused with the
/// way to do it instead. `--kubeconfig`, `--context`, `-n/--namespace`, `--cluster` and
/// `--user` pass through: the console takes them as kubectl does.
pub fn kubectl_plugin_args(args: Vec<OsString>) -> Result<(Vec<OsString>, Vec<String>), String> {
    let mut out = Vec::with_capacity(args.len());
    let mut notes = Vec::new();
    let mut it = args.into_iter().peekable();
    if let Some(first) = it.next() {
        out.push(first);
    }
    while let Some(arg) = it.next() {
        let Some(s) = arg.to_str().map(str::to_string) else {
            out.push(arg);
            continue;
        };
        if s == "--" {
            out.push(arg);
            out.extend(it.by_ref());
            break;
        }
        let flag = if let Some(long) = s.strip_prefix("--") {
            Some(
                long.split_once('=')
                    .map_or((long, false), |(n, _)| (n, true)),
            )
        } else if s == "-v" || s.starts_with("-v=") {
            Some(("v", s.contains('=')))
        } else if s == "-s" || s.starts_with("-s=") {
            Some(("server", s.contains('=')))
        } else {
            None
        };
        let Some((name, inline)) = flag else {
            out.push(arg);
            continue;
        };
        if KUBECTL_REFUSED.contains(&name) {
            return Err(format!(
                "kubectl's --{name} is not supported by opsdeck: it takes the server and credentials from the kubeconfig only; put them in a kubeconfig context (kubectl config set-credentials / set-cluster / set-context) and pass --context"
            ));
        }
        if KUBECTL_IGNORED_VALUE.contains(&name) {
            if !inline {
                it.next();
            }
            notes.push(format!(
                "kubectl's --{name} has no meaning for opsdeck; ignored"
            ));
            continue;
        }
        if KUBECTL_IGNORED_BOOL.contains(&name) {
            notes.push(format!(
                "kubectl's --{name} has no meaning for opsdeck; ignored"
            ));
            continue;
        }
        out.push(arg);
    }
    Ok((out, notes))
}

/// Completion candidates: kubeconfig context names (`KUBECONFIG`, else ~/.kube/config).
pub(crate) fn complete_contexts() -> Vec<CompletionCandidate> {
    let kc = env("KUBECONFIG").map(PathBuf::from);
    match crate::sources::Target::load(kc.as_deref(), None) {
        Ok(t) => t
            .contexts()
            .into_iter()
            .map(CompletionCandidate::new)
            .collect(),
        Err(_) => {
            // No current context: read the names anyway.
            Vec::new()
        }
    }
}

/// Completion candidates: the current context's namespaces, listed from the API server
/// (3 s at most; nothing when it does not answer).
pub(crate) fn complete_namespaces() -> Vec<CompletionCandidate> {
    let kc = env("KUBECONFIG").map(PathBuf::from);
    let Ok(target) = crate::sources::Target::load(kc.as_deref(), None) else {
        return Vec::new();
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let names = rt.block_on(async {
        let fetch = async {
            let client = target.client().await.ok()?;
            let api: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client);
            let list = api.list_metadata(&Default::default()).await.ok()?;
            Some(
                list.items
                    .into_iter()
                    .filter_map(|n| n.metadata.name)
                    .collect::<Vec<_>>(),
            )
        };
        tokio::time::timeout(std::time::Duration::from_secs(3), fetch)
            .await
            .ok()
            .flatten()
    });
    names
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

/// Completion candidates for `--recording`: the embedded recordings by name, then files.
pub(crate) fn complete_recordings(current: &std::ffi::OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    let mut out: Vec<CompletionCandidate> = crate::recording::EMBEDDED
        .iter()
        .filter(|(n, _)| n.starts_with(prefix.as_ref()))
        .map(|(n, _)| CompletionCandidate::new(*n).help(Some("embedded recording".into())))
        .collect();
    out.extend(clap_complete::engine::PathCompleter::any().complete(current));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn kubectl_flags() {
        let (args, notes) = kubectl_plugin_args(os(&[
            "kubectl-opsdeck",
            "--context",
            "prod",
            "-n=shop",
            "--kubeconfig=/k",
            "--request-timeout",
            "5s",
            "-v=6",
            "--match-server-version",
            "--cluster",
            "c1",
        ]))
        .unwrap();
        assert_eq!(
            args,
            os(&[
                "kubectl-opsdeck",
                "--context",
                "prod",
                "-n=shop",
                "--kubeconfig=/k",
                "--cluster",
                "c1"
            ])
        );
        assert_eq!(notes.len(), 3, "{notes:?}");
        let e = kubectl_plugin_args(os(&["k", "--token=abc"])).unwrap_err();
        assert!(e.contains("--token") && e.contains("kubeconfig"), "{e}");
        let e = kubectl_plugin_args(os(&["k", "-s", "https://x"])).unwrap_err();
        assert!(e.contains("--server"), "{e}");
        assert!(invoked_as_kubectl_plugin(std::ffi::OsStr::new(
            "/usr/bin/kubectl-opsdeck"
        )));
        assert!(!invoked_as_kubectl_plugin(std::ffi::OsStr::new("opsdeck")));
    }
}
