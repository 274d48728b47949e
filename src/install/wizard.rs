//! The wizard's state machine: steps Cluster → AgeKey → ArgoCd → Apps, each going
//! check → plan → apply → verify, with every transition persisted (atomically) before the
//! work it announces, so an interrupted run resumes at the step it left.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::config::{ClusterMode, InstallConfig};
use super::plan::Plan;
use super::state::{InstallState, StepStatus, safe_name};
use super::{InstallError, agekey, apps, argocd, cluster};
use crate::sources::kubeconfig::Target;

pub use crate::model::install::{StepId, StepOutcome};

/// Where progress lines go (stdout for the CLI, the log pane for the TUI) besides the log.
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn(&str) + Send + Sync>);

impl Progress {
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Progress {
        Progress(Arc::new(f))
    }

    pub fn silent() -> Progress {
        Progress::new(|_| {})
    }

    pub(crate) fn say(&self, line: &str) {
        tracing::info!(target: "opsdeck::install", "{line}");
        (self.0)(line);
    }
}

/// What a step sees while it runs.
pub struct StepCtx<'a> {
    pub config: &'a InstallConfig,
    pub data_dir: &'a Path,
    pub state: &'a InstallState,
    client: Option<&'a kube::Client>,
    progress: &'a Progress,
    /// The plan the user saw and confirmed (apply refuses when the cluster changed since).
    pub(crate) previewed: Option<&'a Plan>,
}

impl StepCtx<'_> {
    pub fn client(&self) -> Result<&kube::Client, InstallError> {
        self.client.ok_or_else(|| {
            InstallError::Invalid("no cluster connection: run the cluster step first".into())
        })
    }

    pub(crate) fn say(&self, line: &str) {
        self.progress.say(line);
    }

    /// Names the cluster in key paths: the chosen context, else the configured one.
    pub(crate) fn cluster_id(&self) -> String {
        self.state
            .context
            .clone()
            .unwrap_or_else(|| install_id(self.config))
    }

    /// The local age key file: keyed by the cluster's identity, or the older context-named
    /// file while only that one exists.
    pub fn key_file(&self) -> agekey::KeyFile {
        agekey::key_file(
            self.data_dir,
            self.state.cluster.as_deref(),
            &self.cluster_id(),
            &self.config.environment,
        )
    }
}

/// Identifies an install (its state file): the EKS cluster name or the configured context
/// (else `current-context`), plus the environment.
/// Names the install's context as the interactive wizard does when the answers leave it
/// out: the kubeconfig's current context. The CLI and the wizard then share one state file
/// (`<data dir>/install/<context>-<env>.json`), so either resumes the other's progress.
pub(crate) fn resolve_context(cfg: &mut InstallConfig) {
    if cfg.cluster.mode == ClusterMode::Eks || cfg.cluster.context.is_some() {
        return;
    }
    let kc = cfg
        .cluster
        .kubeconfig
        .clone()
        .or_else(|| std::env::var_os("KUBECONFIG").map(PathBuf::from));
    if let Ok(t) = Target::load(kc.as_deref(), None) {
        cfg.cluster.context = Some(t.info().context);
    }
}

/// The state file of an install: `<data>/install/<cluster identity>-<env>.json`.
pub fn state_path(data_dir: &Path, identity: &str, environment: &str) -> PathBuf {
    data_dir.join("install").join(format!(
        "{}.json",
        safe_name(&format!("{identity}-{environment}"))
    ))
}

/// A cluster's identity: its API server URL and the uid of its `kube-system` namespace
/// (stable for the cluster's life, different for every new cluster behind the same URL or
/// context name). `None` when it cannot be read.
pub(crate) async fn cluster_identity(client: &kube::Client, server: &str) -> Option<String> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: kube::Api<Namespace> = kube::Api::all(client.clone());
    let uid = api.get_opt("kube-system").await.ok()??.metadata.uid?;
    let host = server
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    Some(format!("{host}-{uid}"))
}

/// The state file of the install the answers name, keyed by the cluster's identity when it
/// answers (else by context name, until it does).
pub(crate) async fn state_path_for(cfg: &InstallConfig, data_dir: &Path) -> PathBuf {
    let legacy = data_dir
        .join("install")
        .join(format!("{}.json", safe_name(&install_id(cfg))));
    if cfg.cluster.mode == ClusterMode::Eks {
        return legacy;
    }
    let kc = cfg
        .cluster
        .kubeconfig
        .clone()
        .or_else(|| std::env::var_os("KUBECONFIG").map(PathBuf::from));
    let Ok(target) = Target::load(kc.as_deref(), cfg.cluster.context.as_deref()) else {
        return legacy;
    };
    let server = target.info().server;
    let Ok(client) = target.request_client().await else {
        return legacy;
    };
    let probe = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        cluster_identity(&client, &server),
    );
    match probe.await {
        Ok(Some(identity)) => state_path(data_dir, &identity, &cfg.environment),
        _ => legacy,
    }
}

pub(crate) fn install_id(cfg: &InstallConfig) -> String {
    let cluster = match (cfg.cluster.mode, &cfg.cluster.eks, &cfg.cluster.context) {
        (ClusterMode::Eks, Some(eks), _) => eks.name.clone(),
        (_, _, Some(ctx)) => ctx.clone(),
        _ => "current-context".into(),
    };
    format!("{cluster}-{}", cfg.environment)
}

pub struct Wizard {
    pub config: InstallConfig,
    pub data_dir: PathBuf,
    pub state_path: PathBuf,
    pub state: InstallState,
    progress: Progress,
    client: Option<kube::Client>,
    /// Set by a dry run: the state is kept in memory only.
    pub(crate) dry_run: bool,
    /// The last plan shown, per step (what apply must match).
    previewed: Option<(StepId, Plan)>,
    /// The API server URL of the connection.
    server: String,
}

impl Wizard {
    /// Opens (or starts) the install's persisted state in `data_dir/install/`.
    pub fn open(
        config: InstallConfig,
        data_dir: &Path,
        progress: Progress,
    ) -> Result<Wizard, InstallError> {
        let state_path = data_dir
            .join("install")
            .join(format!("{}.json", safe_name(&install_id(&config))));
        let state = InstallState::load(&state_path)?;
        Ok(Wizard {
            config,
            data_dir: data_dir.to_path_buf(),
            state_path,
            state,
            progress,
            client: None,
            dry_run: false,
            previewed: None,
            server: String::new(),
        })
    }

    /// Keys the progress by the cluster's identity (server URL and kube-system uid) once
    /// the cluster answers: the state of another cluster reached through the same context
    /// name is never taken for this one's. Best effort: an unreachable cluster (an EKS
    /// cluster not created yet) keeps the provisional file until it answers.
    pub async fn identify(&mut self) -> Result<(), InstallError> {
        if self.connect().await.is_err() {
            self.client = None;
            return Ok(());
        }
        let Some(client) = self.client.as_ref() else {
            return Ok(());
        };
        // Bounded as in `state_path_for`: a silent server must not hold the wizard here.
        let probe = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            cluster_identity(client, &self.server),
        );
        let Ok(Some(identity)) = probe.await else {
            return Ok(());
        };
        let path = state_path(&self.data_dir, &identity, &self.config.environment);
        if path == self.state_path {
            return Ok(());
        }
        let mut state = InstallState::load(&path)?;
        state.revalidate();
        if state.context.is_none() {
            state.kubeconfig = self.state.kubeconfig.clone();
            state.context = self.state.context.clone();
        }
        state.cluster = Some(identity);
        self.state = state;
        self.state_path = path;
        Ok(())
    }

    fn save(&self) -> Result<(), InstallError> {
        if self.dry_run {
            // A dry run plans; it leaves no progress behind.
            return Ok(());
        }
        self.state.save(&self.state_path)
    }

    fn mark(
        &mut self,
        step: StepId,
        status: StepStatus,
        message: Option<String>,
    ) -> Result<(), InstallError> {
        self.state.set(step, status, message);
        self.save()
    }

    /// Connects to the cluster the cluster step chose (a no-op when connected).
    async fn connect(&mut self) -> Result<(), InstallError> {
        if self.client.is_some() {
            return Ok(());
        }
        let kc = self
            .state
            .kubeconfig
            .clone()
            .or_else(|| self.config.cluster.kubeconfig.clone())
            .or_else(|| std::env::var_os("KUBECONFIG").map(PathBuf::from));
        let context = self
            .state
            .context
            .clone()
            .or_else(|| self.config.cluster.context.clone());
        let target = Target::load(kc.as_deref(), context.as_deref())
            .map_err(|e| InstallError::Invalid(e.to_string()))?;
        self.server = target.info().server;
        let client = target
            .request_client()
            .await
            .map_err(|e| InstallError::Invalid(e.to_string()))?;
        self.client = Some(client);
        Ok(())
    }

    fn ctx(&self) -> StepCtx<'_> {
        StepCtx {
            config: &self.config,
            data_dir: &self.data_dir,
            state: &self.state,
            client: self.client.as_ref(),
            progress: &self.progress,
            previewed: None,
        }
    }

    async fn ensure_connected(&mut self, step: StepId) -> Result<(), InstallError> {
        if step != StepId::Cluster {
            if self.state.context.is_none()
                && self.state.step(StepId::Cluster).status != StepStatus::Done
            {
                return Err(InstallError::Invalid(format!(
                    "step {} needs the cluster step done first",
                    step.title()
                )));
            }
            self.connect().await?;
            if self.state.cluster.is_none() {
                self.identify().await?;
            }
        }
        Ok(())
    }

    /// check → plan: what exists and what would change.
    pub async fn check(&mut self, step: StepId) -> Result<Plan, InstallError> {
        let result = async {
            self.ensure_connected(step).await?;
            // Permission check (SelfSubjectAccessReview) of this and the later steps; in
            // context mode the cluster step checks the whole plan.
            if step == StepId::Cluster && self.config.cluster.mode == ClusterMode::Context {
                self.connect().await?;
            }
            if let Some(client) = &self.client {
                let context = (self.state.context.clone())
                    .or_else(|| self.config.cluster.context.clone())
                    .unwrap_or_default();
                super::access::require(client, &self.config, &context, step).await?;
            }
            let ctx = self.ctx();
            match step {
                StepId::Cluster => cluster::check(&ctx).await,
                StepId::AgeKey => agekey::check(&ctx).await,
                StepId::ArgoCd => argocd::check(&ctx).await,
                StepId::Apps => apps::check(&ctx).await,
            }
        }
        .await;
        self.previewed = result.as_ref().ok().map(|p| (step, p.clone()));
        if let Err(e) = &result
            && self.state.step(step).status != StepStatus::Done
        {
            self.mark(step, StepStatus::Failed, Some(e.to_string()))?;
        }
        result
    }

    /// apply: persisted as `applying` first, so a killed run is seen as interrupted.
    pub async fn apply(&mut self, step: StepId) -> Result<(), InstallError> {
        self.mark(step, StepStatus::Applying, None)?;
        let result = async {
            self.ensure_connected(step).await?;
            let mut ctx = self.ctx();
            ctx.previewed = self
                .previewed
                .as_ref()
                .filter(|(s, _)| *s == step)
                .map(|(_, p)| p);
            match step {
                StepId::Cluster => cluster::apply(&ctx)
                    .await
                    .map(|(kc, context)| (Some((kc, context)), None)),
                StepId::AgeKey => agekey::apply(&ctx).await.map(|r| (None, Some(r))),
                StepId::ArgoCd => argocd::apply(&ctx).await.map(|()| (None, None)),
                StepId::Apps => apps::apply(&ctx).await.map(|()| (None, None)),
            }
        }
        .await;
        match result {
            Ok((cluster, recipient)) => {
                if let Some((kc, context)) = cluster {
                    self.state.kubeconfig = kc;
                    self.state.context = Some(context);
                    self.client = None;
                    self.identify().await?;
                }
                if let Some(r) = recipient {
                    self.state.recipient = Some(r);
                }
                self.mark(step, StepStatus::Verifying, None)
            }
            Err(e) => {
                self.mark(step, StepStatus::Failed, Some(e.to_string()))?;
                Err(e)
            }
        }
    }

    /// verify: marks the step done with the verify message, or failed.
    pub async fn verify(&mut self, step: StepId) -> Result<String, InstallError> {
        let result = async {
            self.ensure_connected(step).await?;
            let ctx = self.ctx();
            match step {
                StepId::Cluster => cluster::verify(&ctx).await,
                StepId::AgeKey => agekey::verify(&ctx).await,
                StepId::ArgoCd => argocd::verify(&ctx).await,
                StepId::Apps => apps::verify(&ctx).await,
            }
        }
        .await;
        match &result {
            Ok(m) => self.mark(step, StepStatus::Done, Some(m.clone()))?,
            Err(e) => self.mark(step, StepStatus::Failed, Some(e.to_string()))?,
        }
        result
    }

    /// One full step. `confirm` sees the plan and decides whether to apply it (the CLI's
    /// `--yes`, the TUI's confirmation); with `dry_run` nothing is applied.
    pub async fn run_step(
        &mut self,
        step: StepId,
        dry_run: bool,
        confirm: &mut (dyn FnMut(StepId, &Plan) -> bool + Send),
    ) -> Result<StepOutcome, InstallError> {
        match self.begin_step(step, dry_run).await? {
            StepBegin::Finished(outcome) => Ok(outcome),
            StepBegin::Confirm(plan) => {
                if dry_run {
                    confirm(step, &plan);
                    return Ok(StepOutcome::Planned);
                }
                if !confirm(step, &plan) {
                    return Ok(StepOutcome::Planned);
                }
                self.finish_step(step).await
            }
        }
    }

    /// The first half of a step: check → plan. A step whose check finds everything in place
    /// is verified and finished here; otherwise the plan waits for a confirmation (the
    /// interactive wizard shows it and calls [`Wizard::finish_step`] on Enter).
    pub async fn begin_step(
        &mut self,
        step: StepId,
        dry_run: bool,
    ) -> Result<StepBegin, InstallError> {
        if dry_run {
            self.dry_run = true;
        }
        self.mark(step, self.state.step(step).status.restarted(), None)?;
        let plan = self.check(step).await?;
        if dry_run {
            // In context mode the cluster step changes nothing: record the context in memory
            // (not persisted) so the later steps can be planned against it.
            if step == StepId::Cluster
                && self.config.cluster.mode == ClusterMode::Context
                && self.state.context.is_none()
            {
                let (kc, context) = cluster::apply(&self.ctx()).await?;
                self.state.kubeconfig = kc;
                self.state.context = Some(context);
            }
            return Ok(StepBegin::Confirm(plan));
        }
        if plan.is_noop() {
            // Nothing to change; the cluster step still records the context it checked.
            if step == StepId::Cluster && self.state.context.is_none() {
                self.apply(step).await?;
            }
            let verified = self.verify(step).await?;
            return Ok(StepBegin::Finished(StepOutcome::AlreadyDone { verified }));
        }
        if self.state.step(step).status != StepStatus::Failed {
            self.mark(step, StepStatus::Planned, None)?;
        }
        Ok(StepBegin::Confirm(plan))
    }

    /// The second half of a confirmed step: apply → verify.
    pub async fn finish_step(&mut self, step: StepId) -> Result<StepOutcome, InstallError> {
        self.apply(step).await?;
        let verified = self.verify(step).await?;
        Ok(StepOutcome::Applied { verified })
    }
}

/// What [`Wizard::begin_step`] leaves to do.
#[derive(Debug, Clone, PartialEq)]
pub enum StepBegin {
    /// Nothing to confirm (already in place).
    Finished(StepOutcome),
    /// The plan to show; apply it with [`Wizard::finish_step`].
    Confirm(Plan),
}

#[cfg(test)]
mod naming_tests {
    use super::*;

    #[test]
    fn cli_and_wizard_name_the_state_file_alike() {
        let dir = tempfile::tempdir().expect("tmp");
        let kc = dir.path().join("kubeconfig");
        std::fs::write(
            &kc,
            "apiVersion: v1\nkind: Config\ncurrent-context: platform\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: platform\n  context: {cluster: c, user: u}\n",
        )
        .expect("kubeconfig");
        // The CLI's config names no context; the wizard's answers name the current one.
        let mut cli = InstallConfig::default();
        cli.cluster.kubeconfig = Some(kc.clone());
        resolve_context(&mut cli);
        let mut wizard = InstallConfig::default();
        wizard.cluster.kubeconfig = Some(kc);
        wizard.cluster.context = Some("platform".into());
        assert_eq!(install_id(&cli), install_id(&wizard));
        assert_eq!(install_id(&cli), "platform-dev");
    }
}
