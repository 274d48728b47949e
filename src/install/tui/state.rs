//! The interactive wizard's state and its pure `update`: keys and worker events in, state
//! changes and [`Effect`]s out (the runner performs the effects: probes, step work, saving).
//! What the screens show is [`WizardScreen`] (app layer); this state adds the install's
//! persisted progress, its paths and the answers given to plans. Keys: [`super::keys`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::KeyEvent;

use super::form::{Answers as _, new_form};
use crate::app::wizard::form::{FieldId, Probe};
use crate::app::wizard::{Page, Phase, WizardScreen, strings};
use crate::config::{Keymap, Theme};
use crate::install::config::{ClusterMode, InstallConfig};
use crate::install::plan::Plan;
use crate::install::state::{InstallState, StepStatus};
use crate::install::wizard::{StepId, StepOutcome};

/// Most log lines kept per step.
const LOG_LINES: usize = 500;

/// What the worker (the task running the steps) reports.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WorkerEvent {
    Log(String),
    /// The plan waits for a confirmation.
    Planned(StepId, Plan),
    Finished(StepId, StepOutcome),
    Failed(StepId, String),
    /// The persisted state after a command, and its file.
    State(InstallState, PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Msg {
    Key(KeyEvent),
    Probed {
        context: String,
        result: Result<String, String>,
    },
    Worker(WorkerEvent),
    /// The answers were saved as install.toml (or why not).
    Saved(Result<PathBuf, String>),
}

/// Work for the runner.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    /// Check that a context is reachable (version, nodes).
    Probe {
        kubeconfig: Option<PathBuf>,
        context: String,
    },
    /// check → plan of a step with these answers (the runner also keeps them for resuming).
    Begin {
        step: StepId,
        config: Box<InstallConfig>,
    },
    /// apply → verify of the previewed step.
    Finish(StepId),
    SaveConfig {
        path: PathBuf,
        config: Box<InstallConfig>,
    },
    Quit,
}

/// What the wizard starts from.
pub(crate) struct Init {
    pub(crate) answers: InstallConfig,
    pub contexts: Vec<String>,
    pub current_context: Option<String>,
    pub(crate) kubeconfig_error: Option<String>,
    pub install: InstallState,
    pub state_path: PathBuf,
    pub data_dir: PathBuf,
    /// The folder relative answers (GitOps folder, manifest, save path) are resolved in.
    pub(crate) base_dir: PathBuf,
    pub theme: Theme,
    /// The keymap (the user's patches applied): the wizard's keys are its `wizard` context.
    pub(crate) keymap: Keymap,
}

pub(crate) struct WizardState {
    /// What the screens show (render reads only this).
    pub screen: WizardScreen,
    pub install: InstallState,
    pub state_path: PathBuf,
    pub data_dir: PathBuf,
    pub(crate) base_dir: PathBuf,
    /// Where the answers were saved as install.toml.
    pub saved: Option<PathBuf>,
    pub quit: bool,
    /// Answers given to a plan's question (config key → answer), applied to the config.
    pub(crate) choices: BTreeMap<String, String>,
}

impl WizardState {
    /// The wizard resumed from the persisted state: finished steps show as done, the page is
    /// the first unfinished step (or the summary). Returns the first effects (the probe of
    /// the default context).
    pub(crate) fn new(init: Init) -> (WizardState, Vec<Effect>) {
        let form = new_form(
            &init.answers,
            init.contexts,
            init.current_context.as_deref(),
            init.kubeconfig_error,
        );
        let mut st = WizardState {
            screen: WizardScreen::new(form, init.theme, init.keymap),
            install: InstallState::default(),
            state_path: init.state_path,
            data_dir: init.data_dir,
            base_dir: init.base_dir,
            saved: None,
            quit: false,
            choices: BTreeMap::new(),
        };
        st.load_install(init.install);
        let mut effects = Vec::new();
        st.screen.page = match st.install.resume_step() {
            Some(step) => Page::Step(step),
            None => Page::Summary,
        };
        st.focus_first();
        effects.extend(st.probe_effect());
        st.refresh();
        (st, effects)
    }

    /// Takes the persisted progress: done steps show their verify message, a failed one
    /// its error.
    fn load_install(&mut self, install: InstallState) {
        for step in StepId::ALL {
            let s = install.step(step);
            self.screen.view_mut(step).phase = Phase::resumed(s.status, s.message.as_deref());
        }
        self.set_install(install);
    }

    /// The persisted progress, kept and shown.
    fn set_install(&mut self, install: InstallState) {
        self.screen.persisted = StepId::ALL
            .into_iter()
            .map(|step| (step, install.step(step).status))
            .collect();
        self.screen.context = install.context.clone();
        self.install = install;
    }

    /// The answers as the install configuration.
    pub(crate) fn config(&self) -> InstallConfig {
        let mut cfg = self.screen.form.config(&self.base_dir);
        for (key, answer) in &self.choices {
            // Only answers the plan offered are stored.
            let _ = cfg.set_choice(key, answer);
        }
        cfg
    }

    /// Why closing now needs a confirmation: a step checked, planned, running or failed.
    fn half_done(&self) -> Option<String> {
        StepId::ALL.into_iter().find_map(|step| {
            let why = match self.screen.status(step) {
                StepStatus::Checking | StepStatus::Applying | StepStatus::Verifying => "is running",
                StepStatus::Planned => "has a plan not applied",
                StepStatus::Failed => "failed",
                StepStatus::Pending | StepStatus::Done => return None,
            };
            Some(format!("Step {} ({}) {why}", step.number(), step.title()))
        })
    }

    /// Closes the wizard (back to the console), asking first when a step is half done.
    pub(super) fn close(&mut self) -> Vec<Effect> {
        match self.half_done() {
            Some(reason) => {
                self.screen.confirm_close = Some(reason);
                Vec::new()
            }
            None => {
                self.quit = true;
                vec![Effect::Quit]
            }
        }
    }

    /// Problems of the fields on a step's page.
    pub(crate) fn page_problems(&self, step: StepId) -> Vec<(FieldId, String)> {
        let fields = self.screen.form.fields(step);
        self.screen
            .form
            .problems(&self.base_dir)
            .into_iter()
            .filter(|(f, _)| fields.contains(f))
            .collect()
    }

    pub(super) fn focus_first(&mut self) {
        if let Page::Step(step) = self.screen.page
            && let Some(first) = self.screen.form.fields(step).first().copied()
        {
            self.screen.form.set_focus(first);
        } else if self.screen.page == Page::Summary {
            self.screen.form.set_focus(FieldId::SavePath);
        }
    }

    pub(super) fn probe_effect(&mut self) -> Option<Effect> {
        if self.screen.form.mode != ClusterMode::Context {
            return None;
        }
        let context = self.screen.form.selected_context()?.to_string();
        if matches!(&self.screen.form.probe, Probe::Checking(c) | Probe::Reachable { context: c, .. } if *c == context)
        {
            return None;
        }
        self.screen.form.probe = Probe::Checking(context.clone());
        Some(Effect::Probe {
            kubeconfig: self.screen.form.kubeconfig.clone(),
            context,
        })
    }

    pub(crate) fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let effects = self.apply(msg);
        self.refresh();
        effects
    }

    /// Recomputes what render shows from the answers and the state.
    fn refresh(&mut self) {
        self.screen.problems = self.screen.form.problems(&self.base_dir);
        self.screen.summary = self.build_summary();
    }

    fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Probed { context, result } => {
                if self.screen.form.selected_context() == Some(context.as_str()) {
                    self.screen.form.probe = match result {
                        Ok(detail) => Probe::Reachable { context, detail },
                        Err(error) => Probe::Unreachable { context, error },
                    };
                }
                Vec::new()
            }
            Msg::Worker(ev) => {
                self.on_worker(ev);
                Vec::new()
            }
            Msg::Saved(result) => {
                self.screen.flash = Some(match result {
                    Ok(path) => {
                        let shown = path.display().to_string();
                        self.saved = Some(path);
                        (true, strings::saved(&shown))
                    }
                    Err(e) => (false, e),
                });
                Vec::new()
            }
        }
    }

    fn on_worker(&mut self, ev: WorkerEvent) {
        match ev {
            WorkerEvent::Log(line) => {
                if let Some(step) = self.screen.busy() {
                    let log = &mut self.screen.view_mut(step).log;
                    log.push(line);
                    if log.len() > LOG_LINES {
                        log.remove(0);
                    }
                }
            }
            WorkerEvent::Planned(step, plan) => {
                let v = self.screen.view_mut(step);
                v.phase = Phase::Preview(plan);
                v.scroll = 0;
            }
            WorkerEvent::Finished(step, outcome) => {
                self.screen.view_mut(step).phase = Phase::finished(&outcome);
            }
            WorkerEvent::Failed(step, error) => {
                self.screen.view_mut(step).phase = Phase::Failed(error);
            }
            WorkerEvent::State(install, path) => {
                self.set_install(install);
                self.state_path = path;
            }
        }
    }

    pub(super) fn go(&mut self, page: Page) -> Vec<Effect> {
        self.screen.page = page;
        self.screen.flash = None;
        self.focus_first();
        self.probe_effect().into_iter().collect()
    }

    pub(super) fn next_page(&self, step: StepId) -> Page {
        StepId::ALL
            .into_iter()
            .skip_while(|s| *s != step)
            .nth(1)
            .map(Page::Step)
            .unwrap_or(Page::Summary)
    }

    pub(super) fn previous_page(&self, step: StepId) -> Option<Page> {
        StepId::ALL
            .into_iter()
            .take_while(|s| *s != step)
            .last()
            .map(Page::Step)
    }

    /// Back to a finished or failed step's form, answers kept.
    pub(super) fn edit_again(&mut self, step: StepId) -> Vec<Effect> {
        // The answers to the plan's questions are asked again.
        self.choices.clear();
        self.screen.view_mut(step).phase = Phase::Form;
        self.focus_first();
        self.probe_effect().into_iter().collect()
    }

    /// The page before `step`, if any.
    pub(super) fn back_from(&mut self, step: StepId) -> Vec<Effect> {
        match self.previous_page(step) {
            Some(p) => self.go(p),
            None => Vec::new(),
        }
    }

    /// Enter on a form (and a retry): with valid answers, check → plan.
    pub(super) fn submit(&mut self, step: StepId) -> Vec<Effect> {
        if !self.page_problems(step).is_empty() {
            self.screen.view_mut(step).phase = Phase::Form;
            self.screen.flash = Some((false, strings::FIX_FIRST.into()));
            return Vec::new();
        }
        if step == StepId::Cluster
            && self.screen.form.mode == ClusterMode::Context
            && matches!(self.screen.form.probe, Probe::Checking(_))
        {
            self.screen.flash = Some((false, strings::STILL_PROBING.into()));
            return Vec::new();
        }
        if let Some(other) = self.screen.busy() {
            self.screen.flash = Some((false, format!("step {} is still running", other.title())));
            return Vec::new();
        }
        self.screen.flash = None;
        let v = self.screen.view_mut(step);
        v.phase = Phase::Checking;
        v.log.clear();
        vec![Effect::Begin {
            step,
            config: Box::new(self.config()),
        }]
    }

    pub(super) fn move_focus(&mut self, step: StepId, forward: bool) {
        let fields = self.screen.form.fields(step);
        let i = fields
            .iter()
            .position(|f| *f == self.screen.form.focus)
            .unwrap_or(0);
        let n = fields.len();
        let j = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        self.screen.form.set_focus(fields[j]);
    }
}
