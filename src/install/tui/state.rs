//! The interactive wizard's state and its pure `update`: keys and worker events in, state
//! changes and [`Effect`]s out (the runner performs the effects: probes, step work, saving).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::form::{FieldId, FieldKind, Form, Probe};
use super::strings;
use crate::config::Theme;
use crate::install::agekey;
use crate::install::config::{ClusterMode, InstallConfig};
use crate::install::plan::Plan;
use crate::install::state::{InstallState, StepStatus};
use crate::install::wizard::{StepId, StepOutcome, install_id};

/// Most log lines kept per step.
const LOG_LINES: usize = 500;

/// An entry of the step list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Step(StepId),
    Summary,
}

/// Where a step's page is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Answering the form.
    Form,
    /// check → plan running.
    Checking,
    /// The plan, waiting for Enter (apply) or Esc (back to the form).
    Preview(Plan),
    /// apply → verify running; progress streams into the log.
    Applying,
    /// Verified (the verify message).
    Done(String),
    /// The error; the answers are kept.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub phase: Phase,
    pub log: Vec<String>,
    /// Scroll offset of the plan preview.
    pub scroll: usize,
}

/// What the worker (the task running the steps) reports.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerEvent {
    Log(String),
    /// The plan waits for a confirmation.
    Planned(StepId, Plan),
    Finished(StepId, StepOutcome),
    Failed(StepId, String),
    /// The persisted state after a command, and its file.
    State(InstallState, PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
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
pub enum Effect {
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
pub struct Init {
    pub answers: InstallConfig,
    pub contexts: Vec<String>,
    pub current_context: Option<String>,
    pub kubeconfig_error: Option<String>,
    pub install: InstallState,
    pub state_path: PathBuf,
    pub data_dir: PathBuf,
    /// The folder relative answers (GitOps folder, manifest, save path) are resolved in.
    pub base_dir: PathBuf,
    pub theme: Theme,
}

pub struct WizardState {
    pub form: Form,
    pub page: Page,
    pub steps: BTreeMap<StepId, StepView>,
    pub install: InstallState,
    pub state_path: PathBuf,
    pub data_dir: PathBuf,
    pub base_dir: PathBuf,
    pub theme: Theme,
    /// A one-line message under the form (submit refused, config saved).
    pub flash: Option<(bool, String)>,
    /// The answers' problems, recomputed after every update (render reads them).
    pub problems: Vec<(FieldId, String)>,
    /// The summary's sections, recomputed after every update.
    pub summary: Vec<(String, Vec<String>)>,
    /// Where the answers were saved as install.toml.
    pub saved: Option<PathBuf>,
    pub quit: bool,
    /// Closing was asked with a step half done: why (the footer asks to confirm).
    pub confirm_close: Option<String>,
    /// Answers given to a plan's question (config key → answer), applied to the config.
    pub choices: BTreeMap<String, String>,
}

impl WizardState {
    /// The wizard resumed from the persisted state: finished steps show as done, the page is
    /// the first unfinished step (or the summary). Returns the first effects (the probe of
    /// the default context).
    pub fn new(init: Init) -> (WizardState, Vec<Effect>) {
        let form = Form::new(
            &init.answers,
            init.contexts,
            init.current_context.as_deref(),
            init.kubeconfig_error,
        );
        let mut st = WizardState {
            form,
            page: Page::Summary,
            steps: BTreeMap::new(),
            install: InstallState::default(),
            state_path: init.state_path,
            data_dir: init.data_dir,
            base_dir: init.base_dir,
            theme: init.theme,
            flash: None,
            problems: Vec::new(),
            summary: Vec::new(),
            saved: None,
            quit: false,
            confirm_close: None,
            choices: BTreeMap::new(),
        };
        st.load_install(init.install);
        let mut effects = Vec::new();
        st.page = match st.install.resume_step() {
            Some(step) => Page::Step(step),
            None => Page::Summary,
        };
        st.focus_first();
        effects.extend(st.probe_effect());
        st.refresh();
        (st, effects)
    }

    /// Takes the persisted statuses: done steps show their verify message, a failed one
    /// its error.
    fn load_install(&mut self, install: InstallState) {
        for step in StepId::ALL {
            let s = install.step(step);
            let phase = match s.status {
                StepStatus::Done => Phase::Done(s.message.clone().unwrap_or_default()),
                StepStatus::Failed => Phase::Failed(s.message.clone().unwrap_or_default()),
                _ => Phase::Form,
            };
            self.steps.insert(
                step,
                StepView {
                    phase,
                    log: Vec::new(),
                    scroll: 0,
                },
            );
        }
        self.install = install;
    }

    pub fn view(&self, step: StepId) -> &StepView {
        static EMPTY: StepView = StepView {
            phase: Phase::Form,
            log: Vec::new(),
            scroll: 0,
        };
        self.steps.get(&step).unwrap_or(&EMPTY)
    }

    fn view_mut(&mut self, step: StepId) -> &mut StepView {
        self.steps.entry(step).or_insert_with(|| StepView {
            phase: Phase::Form,
            log: Vec::new(),
            scroll: 0,
        })
    }

    /// The answers as the install configuration.
    pub fn config(&self) -> InstallConfig {
        let mut cfg = self.form.config(&self.base_dir);
        for (key, answer) in &self.choices {
            // Only answers the plan offered are stored.
            let _ = cfg.set_choice(key, answer);
        }
        cfg
    }

    /// Why closing now needs a confirmation: a step checked, planned, running or failed.
    fn half_done(&self) -> Option<String> {
        StepId::ALL.into_iter().find_map(|step| {
            let why = match self.status(step) {
                StepStatus::Checking | StepStatus::Applying | StepStatus::Verifying => "is running",
                StepStatus::Planned => "has a plan not applied",
                StepStatus::Failed => "failed",
                StepStatus::Pending | StepStatus::Done => return None,
            };
            Some(format!("Step {} ({}) {why}", step.number(), step.title()))
        })
    }

    /// Closes the wizard (back to the console), asking first when a step is half done.
    fn close(&mut self) -> Vec<Effect> {
        match self.half_done() {
            Some(reason) => {
                self.confirm_close = Some(reason);
                Vec::new()
            }
            None => {
                self.quit = true;
                vec![Effect::Quit]
            }
        }
    }

    /// Problems of the fields on a step's page.
    pub fn page_problems(&self, step: StepId) -> Vec<(FieldId, String)> {
        let fields = self.form.fields(step);
        self.form
            .problems(&self.base_dir)
            .into_iter()
            .filter(|(f, _)| fields.contains(f))
            .collect()
    }

    /// The status mark of a step in the list.
    pub fn status(&self, step: StepId) -> StepStatus {
        match &self.view(step).phase {
            Phase::Done(_) => StepStatus::Done,
            Phase::Failed(_) => StepStatus::Failed,
            Phase::Checking => StepStatus::Checking,
            Phase::Preview(_) => StepStatus::Planned,
            Phase::Applying => StepStatus::Applying,
            Phase::Form => match self.install.step(step).status {
                StepStatus::Done | StepStatus::Failed => StepStatus::Pending,
                other => other,
            },
        }
    }

    /// The step whose work is running, if any.
    fn busy(&self) -> Option<StepId> {
        StepId::ALL
            .into_iter()
            .find(|s| matches!(self.view(*s).phase, Phase::Checking | Phase::Applying))
    }

    fn focus_first(&mut self) {
        if let Page::Step(step) = self.page
            && let Some(first) = self.form.fields(step).first().copied()
        {
            self.form.set_focus(first);
        } else if self.page == Page::Summary {
            self.form.set_focus(FieldId::SavePath);
        }
    }

    fn probe_effect(&mut self) -> Option<Effect> {
        if self.form.mode != ClusterMode::Context {
            return None;
        }
        let context = self.form.selected_context()?.to_string();
        if matches!(&self.form.probe, Probe::Checking(c) | Probe::Reachable { context: c, .. } if *c == context)
        {
            return None;
        }
        self.form.probe = Probe::Checking(context.clone());
        Some(Effect::Probe {
            kubeconfig: self.form.kubeconfig.clone(),
            context,
        })
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let effects = self.apply(msg);
        self.refresh();
        effects
    }

    /// Recomputes what render shows from the answers and the state.
    fn refresh(&mut self) {
        self.problems = self.form.problems(&self.base_dir);
        self.summary = self.build_summary();
    }

    /// The first problem of a field.
    pub fn problem(&self, id: FieldId) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, m)| m.as_str())
    }

    fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Probed { context, result } => {
                if self.form.selected_context() == Some(context.as_str()) {
                    self.form.probe = match result {
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
                self.flash = Some(match result {
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
                if let Some(step) = self.busy() {
                    let log = &mut self.view_mut(step).log;
                    log.push(line);
                    if log.len() > LOG_LINES {
                        log.remove(0);
                    }
                }
            }
            WorkerEvent::Planned(step, plan) => {
                let v = self.view_mut(step);
                v.phase = Phase::Preview(plan);
                v.scroll = 0;
            }
            WorkerEvent::Finished(step, outcome) => {
                let message = match outcome {
                    StepOutcome::AlreadyDone { verified } => {
                        format!("{} {verified}", strings::ALREADY_IN_PLACE)
                    }
                    StepOutcome::Applied { verified } => verified,
                    StepOutcome::Planned => String::new(),
                };
                self.view_mut(step).phase = Phase::Done(message);
            }
            WorkerEvent::Failed(step, error) => {
                self.view_mut(step).phase = Phase::Failed(error);
            }
            WorkerEvent::State(install, path) => {
                self.install = install;
                self.state_path = path;
            }
        }
    }

    fn go(&mut self, page: Page) -> Vec<Effect> {
        self.page = page;
        self.flash = None;
        self.focus_first();
        self.probe_effect().into_iter().collect()
    }

    fn next_page(&self, step: StepId) -> Page {
        StepId::ALL
            .into_iter()
            .skip_while(|s| *s != step)
            .nth(1)
            .map(Page::Step)
            .unwrap_or(Page::Summary)
    }

    fn previous_page(&self, step: StepId) -> Option<Page> {
        StepId::ALL
            .into_iter()
            .take_while(|s| *s != step)
            .last()
            .map(Page::Step)
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if self.confirm_close.is_some() {
            return match key.code {
                KeyCode::Char('y' | 'Y') => {
                    self.confirm_close = None;
                    self.quit = true;
                    vec![Effect::Quit]
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    self.confirm_close = None;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        let step = match self.page {
            Page::Summary => return self.summary_key(key),
            Page::Step(s) => s,
        };
        let phase = self.view(step).phase.clone();
        let typing = phase == Phase::Form && self.form.focus.kind() == FieldKind::Text;
        if key.code == KeyCode::Char('q') && key.modifiers.is_empty() && !typing {
            return self.close();
        }
        match phase {
            Phase::Form => self.form_key(step, key),
            Phase::Checking | Phase::Applying => Vec::new(),
            Phase::Preview(plan) => match key.code {
                KeyCode::Char(c @ '1'..='9') if plan.question.is_some() => {
                    let Some(q) = &plan.question else {
                        return Vec::new();
                    };
                    let i = (c as usize) - ('1' as usize);
                    match q.options.get(i) {
                        Some((answer, _)) => {
                            self.choices.insert(q.key.clone(), answer.clone());
                            if q.key == "age_key.existing"
                                && answer == "import"
                                && self.form.text(FieldId::ImportFile).trim().is_empty()
                            {
                                // The key file to import is asked on the form.
                                self.view_mut(step).phase = Phase::Form;
                                self.form.set_focus(FieldId::ImportFile);
                                self.flash = Some((false, strings::IMPORT_NEEDS_FILE.into()));
                                return Vec::new();
                            }
                            self.submit(step)
                        }
                        None => Vec::new(),
                    }
                }
                KeyCode::Enter => {
                    self.view_mut(step).phase = Phase::Applying;
                    self.view_mut(step).log.clear();
                    vec![Effect::Finish(step)]
                }
                KeyCode::Esc => {
                    self.view_mut(step).phase = Phase::Form;
                    Vec::new()
                }
                code => {
                    let lines = preview_len(&plan);
                    let v = self.view_mut(step);
                    v.scroll = match code {
                        KeyCode::Up | KeyCode::Char('k') => v.scroll.saturating_sub(1),
                        KeyCode::Down | KeyCode::Char('j') => v.scroll + 1,
                        KeyCode::PageUp => v.scroll.saturating_sub(10),
                        KeyCode::PageDown | KeyCode::Char(' ') => v.scroll + 10,
                        KeyCode::Home => 0,
                        _ => v.scroll,
                    }
                    .min(lines.saturating_sub(1));
                    Vec::new()
                }
            },
            Phase::Done(_) => match key.code {
                KeyCode::Enter => {
                    let next = self.next_page(step);
                    self.go(next)
                }
                KeyCode::Char('e') => self.edit_again(step),
                KeyCode::Esc => self.back_from(step),
                _ => Vec::new(),
            },
            Phase::Failed(_) => match key.code {
                KeyCode::Char('r') => self.submit(step),
                KeyCode::Char('e') => self.edit_again(step),
                KeyCode::Esc => self.back_from(step),
                _ => Vec::new(),
            },
        }
    }

    /// Enter on a form: with valid answers, check → plan.
    /// Back to a finished or failed step's form, answers kept.
    fn edit_again(&mut self, step: StepId) -> Vec<Effect> {
        // The answers to the plan's questions are asked again.
        self.choices.clear();
        self.view_mut(step).phase = Phase::Form;
        self.focus_first();
        self.probe_effect().into_iter().collect()
    }

    /// The page before `step`, if any.
    fn back_from(&mut self, step: StepId) -> Vec<Effect> {
        match self.previous_page(step) {
            Some(p) => self.go(p),
            None => Vec::new(),
        }
    }

    fn submit(&mut self, step: StepId) -> Vec<Effect> {
        if !self.page_problems(step).is_empty() {
            self.view_mut(step).phase = Phase::Form;
            self.flash = Some((false, strings::FIX_FIRST.into()));
            return Vec::new();
        }
        if step == StepId::Cluster
            && self.form.mode == ClusterMode::Context
            && matches!(self.form.probe, Probe::Checking(_))
        {
            self.flash = Some((false, strings::STILL_PROBING.into()));
            return Vec::new();
        }
        if let Some(other) = self.busy() {
            self.flash = Some((false, format!("step {} is still running", other.title())));
            return Vec::new();
        }
        self.flash = None;
        let v = self.view_mut(step);
        v.phase = Phase::Checking;
        v.log.clear();
        vec![Effect::Begin {
            step,
            config: Box::new(self.config()),
        }]
    }

    fn move_focus(&mut self, step: StepId, forward: bool) {
        let fields = self.form.fields(step);
        let i = fields
            .iter()
            .position(|f| *f == self.form.focus)
            .unwrap_or(0);
        let n = fields.len();
        let j = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        self.form.set_focus(fields[j]);
    }

    fn form_key(&mut self, step: StepId, key: KeyEvent) -> Vec<Effect> {
        if !self.form.fields(step).contains(&self.form.focus) {
            self.focus_first();
        }
        let focus = self.form.focus;
        match key.code {
            KeyCode::Tab => {
                self.move_focus(step, true);
                return Vec::new();
            }
            KeyCode::BackTab => {
                self.move_focus(step, false);
                return Vec::new();
            }
            KeyCode::Enter => return self.submit(step),
            KeyCode::Esc => {
                return match self.previous_page(step) {
                    Some(p) => self.go(p),
                    None => self.close(),
                };
            }
            _ => {}
        }
        match focus.kind() {
            FieldKind::Text => {
                match key.code {
                    KeyCode::Up => self.move_focus(step, false),
                    KeyCode::Down => self.move_focus(step, true),
                    KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        self.form.set_text(focus, "");
                    }
                    // Single-line inputs: no newlines.
                    KeyCode::Char('m' | 'j') if key.modifiers.contains(KeyModifiers::CONTROL) => {}
                    _ => {
                        if let Some(t) = self.form.text_area_mut(focus) {
                            t.input(key);
                        }
                    }
                }
                Vec::new()
            }
            FieldKind::Choice => self.choice_key(focus, key),
            FieldKind::Checklist => {
                self.checklist_key(key);
                Vec::new()
            }
        }
    }

    fn choice_key(&mut self, focus: FieldId, key: KeyEvent) -> Vec<Effect> {
        let delta: isize = match key.code {
            KeyCode::Left | KeyCode::Up | KeyCode::Char('k' | 'h') => -1,
            KeyCode::Right | KeyCode::Down | KeyCode::Char('j' | 'l' | ' ') => 1,
            _ => return Vec::new(),
        };
        let step_by = |i: usize, n: usize| -> usize {
            if n == 0 {
                0
            } else {
                (i as isize + delta).rem_euclid(n as isize) as usize
            }
        };
        match focus {
            FieldId::Mode => {
                self.form.mode = match self.form.mode {
                    ClusterMode::Context => ClusterMode::Eks,
                    ClusterMode::Eks => ClusterMode::Context,
                };
                self.probe_effect().into_iter().collect()
            }
            FieldId::Context => {
                self.form.context = step_by(self.form.context, self.form.contexts.len());
                self.probe_effect().into_iter().collect()
            }
            FieldId::EksPreset => {
                self.form.preset =
                    step_by(self.form.preset, crate::install::cluster::PRESETS.len());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn checklist_key(&mut self, key: KeyEvent) {
        let n = self.form.apps.len();
        let cursor = self.form.app_cursor.min(n.saturating_sub(1));
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.form.app_cursor = cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.form.app_cursor = (cursor + 1).min(n.saturating_sub(1));
            }
            KeyCode::Char(' ') => {
                if let Some(a) = self.form.apps.get_mut(cursor) {
                    a.enabled = !a.enabled;
                }
            }
            KeyCode::Char(c) if c.is_ascii_digit() || c == '-' => {
                if let Some(a) = self.form.apps.get_mut(cursor) {
                    a.wave.push(c);
                }
            }
            KeyCode::Backspace => {
                if let Some(a) = self.form.apps.get_mut(cursor) {
                    a.wave.pop();
                }
            }
            _ => {}
        }
    }

    fn summary_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => self.close(),
            KeyCode::Enter => {
                let typed = self.form.text(FieldId::SavePath);
                let typed = typed.trim();
                if typed.is_empty() {
                    self.flash = Some((false, format!("{}: is empty", FieldId::SavePath.label())));
                    return Vec::new();
                }
                vec![Effect::SaveConfig {
                    path: self.base_dir.join(typed),
                    config: Box::new(self.config()),
                }]
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.form.set_text(FieldId::SavePath, "");
                Vec::new()
            }
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => Vec::new(),
            _ => {
                if let Some(t) = self.form.text_area_mut(FieldId::SavePath) {
                    t.input(key);
                }
                Vec::new()
            }
        }
    }

    /// The summary: how to reach Argo CD, the admin password command, next steps, files.
    /// Never the password or the private key.
    fn build_summary(&self) -> Vec<(String, Vec<String>)> {
        let cfg = self.config();
        let ns = &cfg.argocd.namespace;
        let cluster = self
            .install
            .context
            .clone()
            .unwrap_or_else(|| install_id(&cfg));
        let key = agekey::key_file(
            &self.data_dir,
            self.install.cluster.as_deref(),
            &cluster,
            &cfg.environment,
        )
        .path;
        let k = crate::install::run::kubectl(
            self.install
                .kubeconfig
                .as_deref()
                .or(cfg.cluster.kubeconfig.as_deref()),
            self.install
                .context
                .as_deref()
                .or(cfg.cluster.context.as_deref()),
        );
        let mut sections = vec![
            (
                "Argo CD".to_string(),
                vec![
                    format!("{k} -n {ns} port-forward svc/argocd-server 8080:443"),
                    "then open https://localhost:8080 and log in as admin".into(),
                ],
            ),
            (
                "Admin password".to_string(),
                vec![format!(
                    "{k} -n {ns} get secret argocd-initial-admin-secret -o jsonpath='{{.data.password}}' | base64 -d"
                )],
            ),
        ];
        let mut age = vec![match &self.install.recipient {
            Some(r) => format!("public key {r}"),
            None => "no key yet".into(),
        }];
        age.push(strings::NEVER_SHOWN.into());
        sections.push(("Age key".into(), age));
        sections.push((
            "Next steps".into(),
            vec![
                format!(
                    "commit and push {} (apps/{env}/, environments/{env}/) so the root Application can sync",
                    cfg.gitops.path.display(),
                    env = cfg.environment
                ),
                "encrypt secrets with sops (.sops.yaml holds the recipient)".into(),
                "watch the rollout in the console: opsdeck, then :waves".into(),
            ],
        ));
        let mut files = vec![
            format!("state    {}", self.state_path.display()),
            format!("age key  {} (mode 0600)", key.display()),
        ];
        if let Some(kc) = self
            .install
            .kubeconfig
            .as_ref()
            .or(cfg.cluster.kubeconfig.as_ref())
        {
            files.push(format!("kubeconfig {}", kc.display()));
        }
        if let Some(p) = &self.saved {
            files.push(format!("config   {}", p.display()));
        }
        sections.push(("Files".into(), files));
        sections
    }

    /// The resume note of a step interrupted mid-way (from the persisted state).
    pub fn interrupted(&self, step: StepId) -> Option<String> {
        match self.install.step(step).status {
            s @ (StepStatus::Applying | StepStatus::Verifying | StepStatus::Planned) => {
                Some(strings::interrupted(s.label()))
            }
            _ => None,
        }
    }

    /// Where relative answers resolve.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }
}

/// Lines of a plan preview (found, changes, details, summary).
pub fn preview_len(plan: &Plan) -> usize {
    plan.found.len()
        + plan
            .changes
            .iter()
            .map(|c| 1 + c.detail.len())
            .sum::<usize>()
        + 4
}
