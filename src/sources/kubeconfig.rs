//! Which cluster to talk to, resolved as kubectl does: `--kubeconfig`, else `KUBECONFIG`
//! (a list of files, merged), else `~/.kube/config`; `--context`, else the current context.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

/// How long one-shot requests wait to connect, and for an answer ([`Target::request_client`]).
pub(crate) const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
pub(crate) const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("cannot read kubeconfig {file}: {source}")]
    Read {
        file: String,
        source: kube::config::KubeconfigError,
    },
    #[error("kubeconfig {0} does not exist")]
    NotFound(String),
    #[error(
        "no kubeconfig found (looked at {0}); pass --kubeconfig, set KUBECONFIG, or try --sandbox"
    )]
    Missing(String),
    #[error("context {name:?} not found in {files} (known: {known})")]
    UnknownContext {
        name: String,
        files: String,
        known: String,
    },
    #[error("kubeconfig {files} has no current context; pass --context (known: {known})")]
    NoContext { files: String, known: String },
    #[error(
        "credential plugin `{command}` not found in PATH (from kubeconfig user {user}, context {context}); install it or fix `users[].user.exec.command` in {files}"
    )]
    PluginMissing {
        command: String,
        user: String,
        context: String,
        files: String,
    },
    #[error("{0}")]
    NoCluster(String),
    #[error("kubeconfig {files}, context {context}: {message}")]
    Config {
        files: String,
        context: String,
        message: String,
    },
}

/// What the header shows about the target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub context: String,
    pub cluster: String,
    pub user: String,
    /// The context's namespace (`default` when unset).
    pub namespace: String,
    pub server: String,
    pub contexts: Vec<String>,
}

/// A kubeconfig and the chosen context.
#[derive(Debug, Clone)]
pub struct Target {
    kubeconfig: Kubeconfig,
    files: String,
    context: String,
    /// No cluster at all (metrics only): why, said by every attempt to connect.
    none: Option<String>,
    /// Exec plugins whose credential replaced them ([`Target::run_exec_plugin`]), by user:
    /// run again when the API server refuses that credential.
    plugins: std::collections::BTreeMap<String, kube::config::ExecConfig>,
    /// The tokens those plugins handed out, by user, shared by every client built for the
    /// user: a refresh replaces them in place ([`super::credentials::LiveToken`]).
    live: std::collections::BTreeMap<String, super::credentials::LiveToken>,
    /// The console's terminal, lent to a plugin that must ask again (`interactiveMode:
    /// Always`) once the console holds the screen.
    lender: Option<super::credentials::Lender>,
    /// When those credentials are refreshed ahead of their expiry, by user.
    schedules: std::collections::BTreeMap<String, crate::domain::credential_refresh::Schedule>,
}

impl Target {
    /// Resolves the kubeconfig files as kubectl does. `explicit` is `--kubeconfig` or the
    /// value of `KUBECONFIG` (a path list).
    pub fn load(explicit: Option<&Path>, context: Option<&str>) -> Result<Target, TargetError> {
        let (paths, must_exist): (Vec<PathBuf>, bool) = match explicit {
            Some(list) => {
                let paths: Vec<PathBuf> = std::env::split_paths(list.as_os_str())
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect();
                let single = paths.len() == 1;
                (paths, single)
            }
            None => {
                let home =
                    directories::BaseDirs::new().map(|b| b.home_dir().join(".kube").join("config"));
                (home.into_iter().collect(), false)
            }
        };
        let shown = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        let mut merged: Option<Kubeconfig> = None;
        for path in &paths {
            if !must_exist && !path.exists() {
                continue;
            }
            let file = path.display().to_string();
            if !path.exists() {
                return Err(TargetError::NotFound(file));
            }
            let kc = Kubeconfig::read_from(path).map_err(|source| TargetError::Read {
                file: file.clone(),
                source,
            })?;
            merged = Some(match merged {
                None => kc,
                Some(m) => m
                    .merge(kc)
                    .map_err(|source| TargetError::Read { file, source })?,
            });
        }
        let kubeconfig = merged.ok_or_else(|| TargetError::Missing(shown.clone()))?;
        Target::new(kubeconfig, shown, context)
    }

    /// A kubeconfig given as YAML text (the in-process sandbox writes one).
    pub fn from_yaml(
        yaml: &str,
        origin: &str,
        context: Option<&str>,
    ) -> Result<Target, TargetError> {
        let kubeconfig = Kubeconfig::from_yaml(yaml).map_err(|source| TargetError::Read {
            file: origin.to_string(),
            source,
        })?;
        Target::new(kubeconfig, origin.to_string(), context)
    }

    fn new(
        kubeconfig: Kubeconfig,
        files: String,
        context: Option<&str>,
    ) -> Result<Target, TargetError> {
        let known = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let context = match context
            .map(str::to_string)
            .or_else(|| kubeconfig.current_context.clone())
        {
            Some(c) => c,
            None => return Err(TargetError::NoContext { files, known }),
        };
        if !kubeconfig.contexts.iter().any(|c| c.name == context) {
            return Err(TargetError::UnknownContext {
                name: context,
                files,
                known,
            });
        }
        Ok(Target {
            kubeconfig,
            files,
            context,
            none: None,
            plugins: Default::default(),
            live: Default::default(),
            lender: None,
            schedules: Default::default(),
        })
    }

    /// kubectl's `--cluster` and `--user`: the chosen context uses this kubeconfig cluster
    /// and/or user instead of its own.
    pub(crate) fn with_overrides(
        mut self,
        cluster: Option<&str>,
        user: Option<&str>,
    ) -> Result<Target, TargetError> {
        let err = |what: &str, name: &str, known: Vec<String>| TargetError::Config {
            files: self.files.clone(),
            context: self.context.clone(),
            message: format!("{what} {name:?} not found (known: {})", known.join(", ")),
        };
        if let Some(c) = cluster {
            let known: Vec<String> = self
                .kubeconfig
                .clusters
                .iter()
                .map(|x| x.name.clone())
                .collect();
            if !known.iter().any(|k| k == c) {
                return Err(err("cluster", c, known));
            }
        }
        if let Some(u) = user {
            let known: Vec<String> = self
                .kubeconfig
                .auth_infos
                .iter()
                .map(|x| x.name.clone())
                .collect();
            if !known.iter().any(|k| k == u) {
                return Err(err("user", u, known));
            }
        }
        let name = self.context.clone();
        if let Some(ctx) = self
            .kubeconfig
            .contexts
            .iter_mut()
            .find(|c| c.name == name)
            .and_then(|c| c.context.as_mut())
        {
            if let Some(c) = cluster {
                ctx.cluster = c.to_string();
            }
            if let Some(u) = user {
                ctx.user = Some(u.to_string());
            }
        }
        Ok(self)
    }

    pub fn contexts(&self) -> Vec<String> {
        self.kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    pub(crate) fn switch_context(&mut self, name: &str) -> Result<(), TargetError> {
        if !self.kubeconfig.contexts.iter().any(|c| c.name == name) {
            return Err(TargetError::UnknownContext {
                name: name.to_string(),
                files: self.files.clone(),
                known: self.contexts().join(", "),
            });
        }
        self.context = name.to_string();
        Ok(())
    }

    /// The chosen context's exec credential plugin (`aws eks get-token --cluster-name X`,
    /// as `aws eks update-kubeconfig` and eksctl write it), if its user has one.
    pub fn exec_plugin(&self) -> Option<kube::config::ExecConfig> {
        let user = self
            .kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == self.context)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.user.clone())?;
        self.kubeconfig
            .auth_infos
            .iter()
            .find(|a| a.name == user)
            .and_then(|a| a.auth_info.as_ref())
            .and_then(|a| a.exec.clone())
    }

    /// Runs the chosen context's exec credential plugin, if its user has one, and puts the
    /// credential in place of the plugin in this (in-memory) kubeconfig: clients built later
    /// send it without running anything. `have_terminal`: the plugin may ask on the terminal
    /// (nothing has taken the screen). Returns when the credential expires, if it says.
    pub(crate) async fn run_exec_plugin(
        &mut self,
        have_terminal: bool,
    ) -> Result<Option<jiff::Timestamp>, super::exec_auth::PluginError> {
        let Some(exec) = self.exec_plugin() else {
            return Ok(None);
        };
        let info = self.info();
        let cluster = self
            .kubeconfig
            .clusters
            .iter()
            .find(|c| c.name == info.cluster)
            .and_then(|c| c.cluster.as_ref())
            .map(|c| {
                serde_json::json!({
                    "server": c.server,
                    "certificate-authority-data": c.certificate_authority_data,
                    "insecure-skip-tls-verify": c.insecure_skip_tls_verify.unwrap_or(false),
                })
            });
        let cred = super::exec_auth::run(&exec, have_terminal, cluster).await?;
        self.plugins.insert(info.user.clone(), exec);
        if let Some(auth) = self
            .kubeconfig
            .auth_infos
            .iter_mut()
            .find(|a| a.name == info.user)
            .and_then(|a| a.auth_info.as_mut())
        {
            super::exec_auth::install(auth, &cred);
        }
        match crate::domain::credential_refresh::Schedule::new(jiff::Timestamp::now(), cred.expires)
        {
            Some(s) => self.schedules.insert(info.user.clone(), s),
            None => self.schedules.remove(&info.user),
        };
        match &cred.token {
            Some(token) => self.live.entry(info.user).or_default().set(token),
            None => {
                self.live.remove(&info.user);
            }
        }
        Ok(cred.expires)
    }

    /// The console's terminal, for plugins that must ask again while it holds the screen.
    pub(crate) fn lend_terminal(&mut self, lender: super::credentials::Lender) {
        self.lender = Some(lender);
    }

    /// When the credential a plugin handed the chosen context's user is to be refreshed, if
    /// it says when it expires.
    pub(crate) fn refresh_schedule(&self) -> Option<crate::domain::credential_refresh::Schedule> {
        self.schedules.get(&self.info().user).copied()
    }

    /// Whether clients built for the chosen context's user send a plugin's token that a
    /// refresh replaces in place (no new client needed; a client certificate needs one).
    pub(crate) fn has_live_token(&self) -> bool {
        self.live.contains_key(&self.info().user)
    }

    /// The exec plugin that signed the chosen context's user in, if one did.
    pub(crate) fn signed_in_by(&self) -> Option<&kube::config::ExecConfig> {
        self.plugins.get(&self.info().user)
    }

    /// Runs the plugin that signed the user in again (its credential was refused, or expires
    /// soon). Without the terminal (the console holds the screen): plugins that cache a login
    /// (kubelogin, `aws eks get-token`) answer. A plugin with `interactiveMode: Always` gets
    /// the console's terminal lent ([`Target::lend_terminal`]; `reason` is said there first).
    pub(crate) async fn sign_in_again(
        &mut self,
        reason: &str,
    ) -> Result<Option<jiff::Timestamp>, super::exec_auth::PluginError> {
        let user = self.info().user;
        let mut previous = None;
        if let Some(exec) = self.plugins.get(&user).cloned()
            && let Some(auth) = self.auth_mut(&user)
        {
            previous = auth.token.take();
            auth.exec = Some(exec);
        }
        let result = self.run_plugin_again(reason).await;
        // A failed refresh keeps the credential in use (it may not have expired yet).
        if result.is_err()
            && previous.is_some()
            && let Some(auth) = self.auth_mut(&user)
        {
            auth.token = previous;
            auth.exec = None;
        }
        result
    }

    fn auth_mut(&mut self, user: &str) -> Option<&mut kube::config::AuthInfo> {
        self.kubeconfig
            .auth_infos
            .iter_mut()
            .find(|a| a.name == user)
            .and_then(|a| a.auth_info.as_mut())
    }

    /// [`Target::sign_in_again`] once the plugin is back in place of the credential.
    async fn run_plugin_again(
        &mut self,
        reason: &str,
    ) -> Result<Option<jiff::Timestamp>, super::exec_auth::PluginError> {
        let always = self.exec_plugin().is_some_and(|e| {
            matches!(
                e.interactive_mode,
                Some(kube::config::ExecInteractiveMode::Always)
            )
        });
        let lender = if always { self.lender.clone() } else { None };
        match lender {
            Some(lender) => {
                let command = self
                    .exec_plugin()
                    .map(|e| super::exec_auth::command_line(&e))
                    .unwrap_or_default();
                let said = format!(
                    "{reason}; the credential plugin `{command}` runs on the terminal (the console comes back when it is done)"
                );
                let Some(borrowed) = lender.borrow(said).await else {
                    return self.run_exec_plugin(false).await;
                };
                let result = self.run_exec_plugin(true).await;
                drop(borrowed);
                result
            }
            None => self.run_exec_plugin(false).await,
        }
    }

    pub fn info(&self) -> ClusterInfo {
        let ctx = self
            .kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == self.context)
            .and_then(|c| c.context.clone());
        let cluster = ctx.as_ref().map(|c| c.cluster.clone()).unwrap_or_default();
        let server = self
            .kubeconfig
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .and_then(|c| c.cluster.as_ref())
            .and_then(|c| c.server.clone())
            .unwrap_or_default();
        ClusterInfo {
            context: self.context.clone(),
            cluster,
            user: ctx
                .as_ref()
                .and_then(|c| c.user.clone())
                .unwrap_or_default(),
            namespace: ctx
                .as_ref()
                .and_then(|c| c.namespace.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "default".to_string()),
            server,
            contexts: self.contexts(),
        }
    }

    /// The exec credential plugin's command when it cannot be found (a path that does not
    /// exist, or a name on no `PATH` directory): kube-rs would only report a failed spawn.
    pub(crate) fn missing_plugin(&self) -> Option<TargetError> {
        let exec = self.exec_plugin()?;
        let command = exec.command.clone()?;
        if find_command(&command, std::env::var_os("PATH").as_deref()) {
            return None;
        }
        Some(TargetError::PluginMissing {
            command,
            user: self.info().user,
            context: self.context.clone(),
            files: self.files.clone(),
        })
    }

    /// No cluster: opsdeck runs for Prometheus only; connecting fails with `why`.
    pub fn none(why: &str) -> Target {
        Target {
            kubeconfig: Kubeconfig::default(),
            files: String::new(),
            context: String::new(),
            none: Some(why.to_string()),
            plugins: Default::default(),
            live: Default::default(),
            lender: None,
            schedules: Default::default(),
        }
    }

    /// Whether this is [`Target::none`].
    pub fn is_none(&self) -> bool {
        self.none.is_some()
    }

    /// Builds a client for the chosen context (may run credential plugins, hence async).
    /// No read timeout: the console's watches stay open while nothing changes.
    pub async fn client(&self) -> Result<kube::Client, TargetError> {
        self.build_client(false).await
    }

    /// A client for one-shot requests (`opsdeck record`, `opsdeck install`): connecting
    /// gives up after [`CONNECT_TIMEOUT`] and an answer after [`REQUEST_TIMEOUT`], so a
    /// server that accepts and never answers fails the command instead of hanging it.
    pub(crate) async fn request_client(&self) -> Result<kube::Client, TargetError> {
        self.build_client(true).await
    }

    async fn build_client(&self, timeouts: bool) -> Result<kube::Client, TargetError> {
        if let Some(why) = &self.none {
            return Err(TargetError::NoCluster(why.clone()));
        }
        if let Some(e) = self.missing_plugin() {
            return Err(e);
        }
        let options = KubeConfigOptions {
            context: Some(self.context.clone()),
            ..Default::default()
        };
        let err = |message: String| TargetError::Config {
            files: self.files.clone(),
            context: self.context.clone(),
            message,
        };
        let mut config = kube::Config::from_custom_kubeconfig(self.kubeconfig.clone(), &options)
            .await
            .map_err(|e| err(e.to_string()))?;
        if timeouts {
            config.connect_timeout = Some(CONNECT_TIMEOUT);
            config.read_timeout = Some(REQUEST_TIMEOUT);
            config.write_timeout = Some(REQUEST_TIMEOUT);
            config.reset_reader_on_write = true;
        }
        match self.live.get(&self.info().user) {
            Some(live) if config.auth_info.token.is_some() => {
                live.client(config).map_err(|e| err(e.to_string()))
            }
            _ => kube::Client::try_from(config).map_err(|e| err(e.to_string())),
        }
    }
}

/// Whether `command` runs: a path that exists, or a name found in a `PATH` directory.
fn find_command(command: &str, path: Option<&std::ffi::OsStr>) -> bool {
    if command.contains(std::path::MAIN_SEPARATOR) {
        return Path::new(command).is_file();
    }
    path.into_iter()
        .flat_map(std::env::split_paths)
        .any(|dir| dir.join(command).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_credential_plugin_is_named() {
        let kc = r#"
apiVersion: v1
kind: Config
current-context: eks
clusters:
- name: c1
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: platform-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: opsdeck-no-such-plugin-aws
      args: [eks, get-token, --cluster-name, prod]
contexts:
- name: eks
  context: {cluster: c1, user: platform-admin}
"#;
        let t = Target::from_yaml(kc, "kc.yaml", None).expect("loads");
        let Err(err) = t.client().await else {
            panic!("a client without its credential plugin")
        };
        let err = err.to_string();
        assert!(
            err.contains("credential plugin `opsdeck-no-such-plugin-aws` not found in PATH"),
            "{err}"
        );
        assert!(err.contains("user platform-admin"), "{err}");
        assert!(find_command("sh", std::env::var_os("PATH").as_deref()));
        assert!(!find_command("/no/such/dir/aws", None));
    }

    const KC: &str = r#"
apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c1
  cluster: {server: "https://127.0.0.1:1"}
- name: c2
  cluster: {server: "https://127.0.0.1:2"}
users:
- name: u1
  user: {token: abc}
contexts:
- name: one
  context: {cluster: c1, user: u1, namespace: team-a}
- name: two
  context: {cluster: c2, user: u1}
"#;

    #[test]
    fn cluster_and_user_overrides_as_kubectl() {
        let t = Target::from_yaml(KC, "kc", Some("two"))
            .unwrap()
            .with_overrides(Some("c1"), Some("u1"))
            .unwrap();
        let i = t.info();
        assert_eq!(
            (i.context.as_str(), i.cluster.as_str(), i.user.as_str()),
            ("two", "c1", "u1")
        );
        assert_eq!(i.server, "https://127.0.0.1:1");
        let e = Target::from_yaml(KC, "kc", None)
            .unwrap()
            .with_overrides(Some("nope"), None)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("cluster \"nope\" not found (known: c1, c2)"),
            "{e}"
        );
    }

    #[test]
    fn info_from_current_and_chosen_context() {
        let t = Target::from_yaml(KC, "kc", None).unwrap();
        let i = t.info();
        assert_eq!(
            (
                i.context.as_str(),
                i.cluster.as_str(),
                i.user.as_str(),
                i.namespace.as_str()
            ),
            ("one", "c1", "u1", "team-a")
        );
        assert_eq!(i.server, "https://127.0.0.1:1");
        let t = Target::from_yaml(KC, "kc", Some("two")).unwrap();
        assert_eq!(t.info().namespace, "default");
        assert_eq!(t.contexts(), vec!["one", "two"]);
    }

    #[test]
    fn errors_name_the_file() {
        let e = Target::from_yaml(KC, "/tmp/kc", Some("three"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "context \"three\" not found in /tmp/kc (known: one, two)"
        );
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, "clusters: [oops\n").unwrap();
        let e = Target::load(Some(&bad), None).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("cannot read kubeconfig {}", bad.display())),
            "{e}"
        );
        let missing = dir.path().join("missing.yaml");
        let e = Target::load(Some(&missing), None).unwrap_err().to_string();
        assert!(e.contains("missing.yaml"), "{e}");
    }

    #[test]
    fn kubeconfig_list_is_merged() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, KC).unwrap();
        let list = std::env::join_paths([a.clone(), dir.path().join("absent")]).unwrap();
        let t = Target::load(Some(Path::new(&list)), Some("two")).unwrap();
        assert_eq!(t.info().cluster, "c2");
    }
}
