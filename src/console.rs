//! The console entry point: logging to a file, configuration, the target cluster (or the
//! in-process sandbox), the terminal, and the event loop.
//!
//! The loop `select!`s over terminal input, source events and a one-second tick; it draws
//! only after something changed. Nothing in it awaits the network: sources run as tasks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use jiff::Timestamp;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use crate::app::{App, Msg, Options};
use crate::cli::ConsoleArgs;
use crate::config::{self, Config, Overrides};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::sources::eks::EksSettings;
use crate::sources::prometheus::PromSettings;
use crate::sources::prometheus::manager::Configured;
use crate::sources::{SourceEvent, Sources, Target};

mod credential_loan;

const TICK: Duration = Duration::from_secs(1);
/// Source events handled per loop turn before drawing again.
const BATCH: usize = 1024;

/// Feeds one source event and up to [`BATCH`] queued ones to the app.
pub(crate) fn apply_source_events(
    app: &mut App,
    sources: &mut Sources,
    first: SourceEvent,
    rx: &mut mpsc::UnboundedReceiver<SourceEvent>,
) {
    app.dispatch(Msg::Tick(Timestamp::now()));
    let mut next = Some(first);
    let mut n = 0;
    while let Some(ev) = next {
        if let SourceEvent::Client(c) = &ev {
            sources.set_client(c.0.clone());
        }
        app.dispatch_deferred(Msg::Source(ev));
        n += 1;
        next = if n < BATCH { rx.try_recv().ok() } else { None };
    }
    app.flush_changes();
}

/// Hands the app's requests to the sources and starts/stops watches to match its views.
pub(crate) fn settle(app: &mut App, sources: &mut Sources) {
    for request in app.take_requests() {
        sources.handle(request);
    }
    sources.reconcile(&app.all_watches());
    sources.reconcile_eks(app.eks_wanted());
}

/// The sandbox's EKS API subset, reached as a user's settings would reach EKS: endpoint,
/// region and static credentials (the sandbox checks none).
pub fn sandbox_eks(sandbox: &Sandbox, base: EksSettings) -> EksSettings {
    EksSettings {
        endpoint: Some(sandbox.eks_endpoint()),
        region: sandbox.eks_region(),
        static_credentials: Some(("sandbox".into(), "sandbox".into())),
        ..base
    }
}

/// Where Prometheus is configured, and the PromQL history file.
pub(crate) struct PromInputs {
    pub(crate) flag: Option<Configured>,
    pub(crate) per_context: BTreeMap<String, Configured>,
    pub(crate) history_file: Option<PathBuf>,
}

fn prometheus_inputs(args: &ConsoleArgs, config: &Config) -> PromInputs {
    let env = |k: &str| std::env::var(k).ok();
    let per_context = config
        .settings
        .prometheus
        .iter()
        .map(|(context, s)| {
            let settings = PromSettings::from_flags(
                &s.url,
                s.token_file.as_deref(),
                s.basic_auth_file.as_deref(),
                env,
            );
            (context.clone(), settings)
        })
        .collect();
    PromInputs {
        flag: args.prometheus.settings(),
        per_context,
        history_file: config::data_dir().map(|d| d.join("promql_history.json")),
    }
}

/// What the cluster views say when opsdeck runs for Prometheus only.
pub(crate) fn no_cluster_message(why: &str) -> String {
    format!(
        "no cluster: opsdeck runs for metrics only ({why}); the cluster views need a kubeconfig"
    )
}

/// Installs the file logger. Returns the guard that flushes it, and the log file path.
fn init_logging(
    level: &str,
) -> Result<Option<(tracing_appender::non_blocking::WorkerGuard, PathBuf)>> {
    let Some(dir) = config::data_dir() else {
        return Ok(None);
    };
    std::fs::create_dir_all(&dir)
        .wrap_err_with(|| format!("cannot create the data directory {}", dir.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_new(level).map_err(|_| {
        crate::report::UserError::new(
            format!("bad --log-level {level:?}"),
            Some("use one of error, warn, info, debug, trace".into()),
        )
    })?;
    let appender = tracing_appender::rolling::never(&dir, "opsdeck.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(Some((guard, dir.join("opsdeck.log"))))
}

/// Runs the console until the user quits.
pub async fn run(args: ConsoleArgs) -> Result<()> {
    let log = init_logging(&args.log_level)?;
    if let Some((_, path)) = &log {
        tracing::info!(log = %path.display(), "opsdeck console starting");
    }
    let overrides = Overrides {
        theme: args.theme.clone(),
        keymap: args.keymap.clone(),
        readonly: args.readonly,
        pool_label: args.pool_label.clone(),
    };
    let config = Config::load(
        config::config_dir().as_deref(),
        &overrides,
        config::theme::no_color_from_env(),
    );
    for p in &config.problems {
        tracing::warn!("configuration: {p}");
    }

    // EKS node groups (pools pane): the cluster is detected from the context unless named.
    let mut eks = EksSettings {
        cluster: args.eks_cluster.clone().unwrap_or_default(),
        ..EksSettings::default()
    };
    // The only sandbox-specific lines: start it in-process and take its kubeconfig.
    // `$KUBECONFIG` for plugins: the file the console reads (the sandbox's is written out).
    let mut kubeconfig_path = args.kubeconfig.as_ref().map(|p| p.display().to_string());
    let mut sandbox_kubeconfig = None;
    let (sandbox, target, install_from) = if args.sandbox {
        let (recording, timeline) = crate::sandbox::load_streaming(args.recording.as_deref())?;
        let sandbox = Sandbox::start_streaming(
            SandboxOptions {
                recording,
                port: 0,
                speed: 1.0,
            },
            timeline,
        )
        .await?;
        tracing::info!(url = %sandbox.url(), "sandbox started");
        eks = sandbox_eks(&sandbox, eks);
        let target = Target::from_yaml(
            &sandbox.kubeconfig_yaml(),
            "<sandbox kubeconfig>",
            args.context.as_deref(),
        )?;
        let yaml = crate::install::tui::ConsoleKubeconfig::Yaml(sandbox.kubeconfig_yaml());
        let path =
            std::env::temp_dir().join(format!("opsdeck-sandbox-{}.kubeconfig", std::process::id()));
        match sandbox.write_kubeconfig(&path) {
            Ok(()) => {
                kubeconfig_path = Some(path.display().to_string());
                sandbox_kubeconfig = Some(path);
            }
            Err(e) => tracing::warn!("cannot write the sandbox kubeconfig for plugins: {e}"),
        }
        (Some(sandbox), target, yaml)
    } else {
        let target = match Target::load(args.kubeconfig.as_deref(), args.context.as_deref()) {
            Ok(t) => {
                let mut t = t.with_overrides(args.cluster.as_deref(), args.user.as_deref())?;
                // An exec credential plugin runs now, on the real terminal, before the
                // screen is taken (it may ask).
                crate::sources::exec_auth::sign_in(&mut t)
                    .await
                    .map_err(|e| crate::report::UserError::new(e.message, e.fix))?;
                t
            }
            // Prometheus alone is enough for the metrics pane: run without a cluster.
            Err(e) if args.prometheus.prometheus.is_some() => {
                tracing::warn!("no cluster: {e}");
                Target::none(&no_cluster_message(&e.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        (
            None,
            target,
            crate::install::tui::ConsoleKubeconfig::File(args.kubeconfig.clone()),
        )
    };

    // The sandbox's `default` namespace is empty: without -n, start where its pods are
    // (every namespace), and say where this is.
    let sandbox_landing = args.sandbox && args.namespace.is_none();
    let options = Options {
        namespace: args.namespace.clone(),
        all_namespaces: args.all_namespaces || sandbox_landing,
    };
    let prom = prometheus_inputs(&args, &config);
    let mut app = App::new(config, options, Timestamp::now());
    app.kubeconfig_path = kubeconfig_path;
    let user_dashboards = config::config_dir()
        .map(|d| crate::config::dashboards::from_dir(&d.join("dashboards")))
        .unwrap_or_default();
    let history = prom
        .history_file
        .as_deref()
        .map(crate::sources::prometheus::manager::load_history)
        .unwrap_or_default();
    app.set_metrics_inputs(user_dashboards, history);
    if let Some(command) = &args.command {
        app.set_startup_command(command);
    }
    if let Some(sb) = &sandbox {
        app.flash_for(
            crate::app::strings::sandbox_welcome(&sb.recording_name()),
            crate::app::Level::Info,
            15,
        );
    }
    // ratatui::init enters the alternate screen and raw mode, and installs a panic hook that
    // restores the terminal before the previous hook (color-eyre) prints.
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, app, target, eks, prom, install_from).await;
    crate::signals::restore_terminal();
    drop(terminal);
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    if let Some(path) = sandbox_kubeconfig {
        let _ = std::fs::remove_file(path);
    }
    let stopped = result.as_ref().err().and_then(crate::signals::stopped_by);
    match stopped {
        Some(s) => tracing::info!("opsdeck console stopped by {}", s.name),
        None => tracing::info!("opsdeck console stopped"),
    }
    drop(log);
    if let Some(s) = stopped {
        std::process::exit(s.exit_code());
    }
    result
}

/// Runs a plugin on the terminal and waits for it; Ctrl-C reaches the command, not the
/// console. Returns the error to show, if any.
async fn run_foreground(run: &crate::sources::plugin::PluginRun) -> Option<String> {
    let mut cmd = run.command();
    cmd.stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Some(format!("cannot run {}: {e}", run.program)),
    };
    loop {
        tokio::select! {
            status = child.wait() => {
                return match status {
                    Ok(s) if s.success() => None,
                    Ok(s) => Some(format!("{} exited with {s}", run.program)),
                    Err(e) => Some(format!("waiting for {}: {e}", run.program)),
                };
            }
            // The terminal sends SIGINT to the whole foreground group; only the command
            // should stop.
            _ = tokio::signal::ctrl_c() => {}
        }
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut app: App,
    mut target: Target,
    eks: EksSettings,
    prom: PromInputs,
    install_from: crate::install::tui::ConsoleKubeconfig,
) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<SourceEvent>();
    // A credential plugin that must ask again borrows the terminal (`credential_loan`).
    let (lender, mut loans) = crate::sources::credentials::Lender::channel();
    target.lend_terminal(lender);
    let mut sources = Sources::new(tx, target);
    sources.set_eks(eks);
    sources.set_prometheus(prom.flag, prom.per_context, prom.history_file);
    let size = terminal.size()?;
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(
        size.width,
        size.height,
    )));
    sources.connect();
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut lent = None;
    let stop = crate::signals::stopping();
    tokio::pin!(stop);
    loop {
        if dirty {
            terminal.draw(|f| crate::ui::render(&app, f))?;
            dirty = false;
        }
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    app.on_key(&key);
                    dirty = true;
                }
                Some(Ok(Event::Resize(w, h))) => {
                    app.dispatch(Msg::Resize(crate::ui::layout::viewport(w, h)));
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e).wrap_err("reading terminal input"),
                None => break,
            },
            Some(ev) = rx.recv() => {
                apply_source_events(&mut app, &mut sources, ev, &mut rx);
                dirty = true;
            }
            Some(loan) = loans.recv() => lent = Some(loan),
            _ = tick.tick() => {
                app.dispatch(Msg::Tick(Timestamp::now()));
                dirty = app.time_dependent();
            }
            stopped = &mut stop => return Err(stopped.into()),
        }
        if let Some(loan) = lent.take() {
            // The input stream goes to the loan and a new one comes back (see there).
            input = credential_loan::lend(loan, input, terminal).await?;
            dirty = true;
        }
        if app.take_install() {
            // `:install`: the wizard takes the terminal and this input stream, then hands
            // them back; source events queue meanwhile.
            let result = match crate::install::tui::console_options(
                &install_from,
                &app.cluster.context,
                &app.config.theme,
                &app.config.keymap,
            ) {
                Ok(opts) => crate::install::tui::run(terminal, &mut input, opts).await,
                Err(e) => Err(e),
            };
            if let Some(stopped) = result.as_ref().err().and_then(crate::signals::stopped_by) {
                return Err(stopped.into());
            }
            if let Err(e) = result {
                app.dispatch(Msg::Source(SourceEvent::Done {
                    message: "install wizard".into(),
                    error: Some(format!("{e:#}")),
                }));
            }
            terminal.clear()?;
            dirty = true;
        }
        if let Some(run) = app.take_foreground_plugin() {
            // A foreground plugin gets the terminal: raw mode and the alternate screen are
            // left, the command runs, and the console comes back to the same view. The input
            // stream is not polled meanwhile; a plugin starts from a key handled in this very
            // turn, so crossterm has no reader waiting on the terminal while the command runs.
            ratatui::restore();
            let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
            let error = run_foreground(&run).await;
            crossterm::terminal::enable_raw_mode()?;
            crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
            terminal.clear()?;
            app.dispatch(Msg::Source(SourceEvent::Done {
                message: format!("plugin {}", run.name),
                error,
            }));
            dirty = true;
        }
        if let Some(spec) = app.take_shell() {
            // A shell gets the terminal as a foreground plugin does (see there): the input
            // stream is not polled while it runs, and the session's own reader stops before
            // the console reads again.
            let (text, error) = run_shell(sources.client(), &spec).await;
            crossterm::terminal::enable_raw_mode()?;
            crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
            terminal.clear()?;
            app.shell_ended(text, error);
            dirty = true;
        }
        if let Some(target) = app.take_edit() {
            // `e`: the editor gets the terminal (see `edit_session`, `terminal_handoff`).
            let outcome = match sources.client() {
                Some(client) => {
                    crate::edit_session::run(client, target, &mut input, terminal).await
                }
                None => crate::edit_session::Outcome {
                    message: format!("edit {}", target.describe()),
                    error: Some("not connected".into()),
                },
            };
            match outcome.error {
                None => app.flash_for(outcome.message, crate::app::Level::Info, 8),
                Some(e) => app.flash_for(
                    crate::app::strings::failed(&outcome.message, &e),
                    crate::app::Level::Error,
                    15,
                ),
            }
            dirty = true;
        }
        if let Some(text) = app.take_clipboard() {
            // OSC 52 through the terminal: reaches the local clipboard over SSH and tmux.
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = out.write_all(crate::app::clipboard::osc52(&text).as_bytes());
            let _ = out.flush();
        }
        settle(&mut app, &mut sources);
        if app.quit {
            break;
        }
    }
    sources.stop_forwards();
    Ok(())
}

/// Runs a shell session on the terminal (out of the alternate screen, raw mode on); returns
/// how it ended for the status line.
async fn run_shell(
    client: Option<kube::Client>,
    spec: &crate::sources::exec::ShellSpec,
) -> (String, bool) {
    let Some(client) = client else {
        return ("shell: not connected".into(), true);
    };
    ratatui::restore();
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, crossterm::cursor::Show);
    let _ = crossterm::terminal::enable_raw_mode();
    {
        use std::io::Write;
        let _ = write!(
            out,
            "opsdeck: shell in {}/{} ({}); exit or ctrl-] to come back\r\n",
            spec.namespace, spec.pod, spec.container
        );
        let _ = out.flush();
    }
    let result = crate::sources::exec::session(client, spec).await;
    let _ = crossterm::terminal::disable_raw_mode();
    match result {
        Ok(end) => end.message(spec),
        Err(e) => (
            format!(
                "shell in {}/{} ({}): {e}",
                spec.namespace, spec.pod, spec.container
            ),
            true,
        ),
    }
}
