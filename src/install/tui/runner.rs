//! The runner: owns the terminal while the wizard shows, feeds keys and worker events to
//! `update`, performs its effects, draws after each change. Step work runs in a tokio task
//! (the worker) holding the [`Wizard`]; context probes run in their own tasks. Nothing is
//! awaited between drawing and reading input.

use std::path::{Path, PathBuf};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::state::{Effect, Init, Msg, WizardState, WorkerEvent};
use crate::config::{Keymap, Theme};
use crate::install::InstallError;
use crate::install::cluster;
use crate::install::config::InstallConfig;
use crate::install::state::{InstallState, write_atomic};
use crate::install::wizard::{Progress, StepBegin, StepId, Wizard, install_id};
use crate::sources::kubeconfig::Target;

/// How long a context probe may take before it counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the wizard starts from.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Kubeconfig of the cluster answer (default: `KUBECONFIG`, else `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// The default context (the console passes its current one).
    pub context: Option<String>,
    pub data_dir: PathBuf,
    pub theme: Theme,
    /// The keymap (with the user's patches): the wizard's keys are its `wizard` context.
    pub(crate) keymap: Keymap,
}

/// The answers of the last interactive run, for resuming: `<data>/install/wizard-answers.toml`.
pub(crate) fn answers_path(data_dir: &Path) -> PathBuf {
    data_dir.join("install").join("wizard-answers.toml")
}

fn save_toml(path: &Path, cfg: &InstallConfig, header: &str) -> Result<(), InstallError> {
    let text = toml::to_string_pretty(cfg)
        .map_err(|e| InstallError::Invalid(format!("serialize the answers: {e}")))?;
    write_atomic(path, format!("{header}{text}").as_bytes(), None)
}

/// `opsdeck install` without `--config`: the wizard in its own terminal session (restored on
/// return, on error, and on panic by ratatui's hook).
pub(crate) async fn run_standalone(opts: Options) -> Result<()> {
    let mut terminal = ratatui::init();
    let mut input = EventStream::new();
    let result = run(&mut terminal, &mut input, opts).await;
    crate::signals::restore_terminal();
    drop(terminal);
    if let Some(stopped) = result.as_ref().err().and_then(crate::signals::stopped_by) {
        // A signal ended the wizard: its progress is persisted; exit as killed by it.
        eprintln!("opsdeck install: {stopped}; the wizard resumes where it stopped");
        std::process::exit(stopped.exit_code());
    }
    result
}

/// The initial state: the last answers (else the defaults) with the given kubeconfig and
/// context, the kubeconfig's contexts, and the persisted progress of that install.
async fn init(opts: &Options) -> Result<(Init, PathBuf)> {
    let base_dir = std::env::current_dir().wrap_err("the current directory")?;
    let mut answers = match std::fs::read_to_string(answers_path(&opts.data_dir)) {
        Ok(text) => {
            InstallConfig::parse(&text, &answers_path(&opts.data_dir).display().to_string())
                .unwrap_or_default()
        }
        Err(_) => InstallConfig::default(),
    };
    if opts.kubeconfig.is_some() {
        answers.cluster.kubeconfig = opts.kubeconfig.clone();
    }
    // Answers kept from another folder: a GitOps path outside this one is not taken over
    // silently (the default, relative to here, is offered instead).
    if answers.gitops.path.is_absolute() && !answers.gitops.path.starts_with(&base_dir) {
        answers.gitops.path = InstallConfig::default().gitops.path;
    }
    if let Some(c) = &opts.context {
        answers.cluster.context = Some(c.clone());
    }
    let kc = answers
        .cluster
        .kubeconfig
        .clone()
        .or_else(|| std::env::var_os("KUBECONFIG").map(PathBuf::from));
    let (contexts, current, kubeconfig_error) = match Target::load(kc.as_deref(), None) {
        Ok(t) => (t.contexts(), Some(t.info().context), None),
        Err(e) => (Vec::new(), None, Some(e.to_string())),
    };
    if answers.cluster.context.is_none()
        || !contexts
            .iter()
            .any(|c| Some(c) == answers.cluster.context.as_ref())
    {
        answers.cluster.context = current.clone();
    }
    // Progress belongs to the cluster (server URL + kube-system uid), not the context name.
    let state_path = crate::install::wizard::state_path_for(&answers, &opts.data_dir).await;
    let mut install = InstallState::load(&state_path).unwrap_or_default();
    install.revalidate();
    Ok((
        Init {
            answers,
            contexts,
            current_context: current,
            kubeconfig_error,
            install,
            state_path: state_path.clone(),
            data_dir: opts.data_dir.clone(),
            base_dir,
            theme: opts.theme.clone(),
            keymap: opts.keymap.clone(),
        },
        state_path,
    ))
}

/// Commands to the worker.
enum Cmd {
    Begin(StepId, Box<InstallConfig>),
    Finish(StepId),
}

/// Aborts the task when dropped (the wizard closing mid-step leaves the persisted state to
/// resume from).
struct TaskGuard(tokio::task::JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The wizard on an already initialized terminal, reading keys from `input` (the console
/// lends its own). Returns when the user closes it.
pub(crate) async fn run(
    terminal: &mut DefaultTerminal,
    input: &mut EventStream,
    opts: Options,
) -> Result<()> {
    let (init, _) = init(&opts).await?;
    let (mut state, effects) = WizardState::new(init);
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let (cmd_tx, cmd_rx) = unbounded_channel::<Cmd>();
    let _worker = TaskGuard(tokio::spawn(worker(
        cmd_rx,
        tx.clone(),
        opts.data_dir.clone(),
    )));
    let mut probes: Vec<TaskGuard> = Vec::new();
    let mut pending = effects;
    let stop = crate::signals::stopping();
    tokio::pin!(stop);
    loop {
        for effect in std::mem::take(&mut pending) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Probe {
                    kubeconfig,
                    context,
                } => {
                    probes.retain(|p| !p.0.is_finished());
                    let tx = tx.clone();
                    let kc =
                        kubeconfig.or_else(|| std::env::var_os("KUBECONFIG").map(PathBuf::from));
                    probes.push(TaskGuard(tokio::spawn(async move {
                        let result = match tokio::time::timeout(
                            PROBE_TIMEOUT,
                            cluster::probe_context(kc.as_deref(), Some(&context)),
                        )
                        .await
                        {
                            Ok(Ok((_, version, nodes))) => {
                                Ok(format!("Kubernetes {version}, {nodes} nodes"))
                            }
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(_) => Err(format!(
                                "context {context} is not reachable: no answer in {}s",
                                PROBE_TIMEOUT.as_secs()
                            )),
                        };
                        let _ = tx.send(Msg::Probed { context, result });
                    })));
                }
                Effect::Begin { step, config } => {
                    // Kept for resuming: the next `opsdeck install` starts from these answers.
                    if let Err(e) = save_toml(
                        &answers_path(&opts.data_dir),
                        &config,
                        "# The interactive wizard's last answers (opsdeck keeps them to resume).\n",
                    ) {
                        tracing::warn!("cannot keep the wizard's answers: {e}");
                    }
                    let _ = cmd_tx.send(Cmd::Begin(step, config));
                }
                Effect::Finish(step) => {
                    let _ = cmd_tx.send(Cmd::Finish(step));
                }
                Effect::SaveConfig { path, config } => {
                    let result = save_toml(
                        &path,
                        &config,
                        "# opsdeck install configuration, saved by the interactive wizard.\n\
                         # Re-run it without a screen: opsdeck install --config <this file> --yes\n",
                    )
                    .map(|()| path)
                    .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Saved(result));
                }
            }
        }
        terminal
            .draw(|f| crate::ui::install::render(&state.screen, f))
            .wrap_err("drawing the install wizard")?;
        let msg = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => Msg::Key(key),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).wrap_err("reading terminal input"),
                None => return Err(eyre!("the terminal input ended")),
            },
            Some(msg) = rx.recv() => msg,
            stopped = &mut stop => return Err(stopped.into()),
        };
        pending = state.update(msg);
        // Take every queued event before drawing again (progress lines come in bursts).
        while let Ok(msg) = rx.try_recv() {
            pending.extend(state.update(msg));
        }
        if state.quit {
            return Ok(());
        }
    }
}

/// Runs steps for the UI: one command at a time, each reported back as events. The wizard
/// is (re)opened when the answers name another install (cluster or environment).
async fn worker(mut cmds: UnboundedReceiver<Cmd>, tx: UnboundedSender<Msg>, data_dir: PathBuf) {
    let mut wizard: Option<Wizard> = None;
    let log_tx = tx.clone();
    let progress = Progress::new(move |line| {
        let _ = log_tx.send(Msg::Worker(WorkerEvent::Log(line.to_string())));
    });
    let send = |ev: WorkerEvent| {
        let _ = tx.send(Msg::Worker(ev));
    };
    while let Some(cmd) = cmds.recv().await {
        let step = match &cmd {
            Cmd::Begin(s, _) | Cmd::Finish(s) => *s,
        };
        let result: Result<WorkerEvent, InstallError> = async {
            match cmd {
                Cmd::Begin(step, config) => {
                    let same = wizard
                        .as_ref()
                        .is_some_and(|w| install_id(&w.config) == install_id(&config));
                    match wizard.as_mut() {
                        Some(w) if same => w.config = *config,
                        _ => {
                            let mut w = Wizard::open(*config, &data_dir, progress.clone())?;
                            w.identify().await?;
                            wizard = Some(w);
                        }
                    }
                    let w = wizard
                        .as_mut()
                        .ok_or_else(|| InstallError::Invalid("no wizard".into()))?;
                    Ok(match w.begin_step(step, false).await? {
                        StepBegin::Finished(outcome) => WorkerEvent::Finished(step, outcome),
                        StepBegin::Confirm(plan) => WorkerEvent::Planned(step, plan),
                    })
                }
                Cmd::Finish(step) => {
                    let w = wizard.as_mut().ok_or_else(|| {
                        InstallError::Invalid("no plan to apply: check the step first".into())
                    })?;
                    Ok(WorkerEvent::Finished(step, w.finish_step(step).await?))
                }
            }
        }
        .await;
        send(result.unwrap_or_else(|e| WorkerEvent::Failed(step, e.to_string())));
        if let Some(w) = &wizard {
            send(WorkerEvent::State(w.state.clone(), w.state_path.clone()));
        }
    }
}

/// Where the console's cluster comes from, for `:install`.
#[derive(Debug, Clone)]
pub(crate) enum ConsoleKubeconfig {
    /// `--kubeconfig` / `KUBECONFIG` (None: `~/.kube/config`).
    File(Option<PathBuf>),
    /// The in-process sandbox's kubeconfig text (written to the data dir, 0600, when used).
    Yaml(String),
}

/// The wizard's options for `:install` in the console: its kubeconfig, its current context
/// as the default cluster answer, its theme and keymap.
pub(crate) fn console_options(
    kubeconfig: &ConsoleKubeconfig,
    context: &str,
    theme: &Theme,
    keymap: &Keymap,
) -> Result<Options> {
    let data_dir = crate::config::data_dir()
        .ok_or_else(|| eyre!("no data directory for the install state (set OPSDECK_DATA_DIR)"))?;
    let kubeconfig = match kubeconfig {
        ConsoleKubeconfig::File(p) => p.clone(),
        ConsoleKubeconfig::Yaml(text) => {
            let path = data_dir.join("install").join("console-sandbox.kubeconfig");
            write_atomic(&path, text.as_bytes(), Some(0o600))?;
            Some(path)
        }
    };
    Ok(Options {
        kubeconfig,
        context: (!context.is_empty()).then(|| context.to_string()),
        data_dir,
        theme: theme.clone(),
        keymap: keymap.clone(),
    })
}
