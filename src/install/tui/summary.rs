//! The wizard's summary page: how to reach Argo CD, the admin password command, the age
//! key's public part, next steps and the files the install wrote. Never the password or the
//! private key.

use super::state::WizardState;
use crate::app::wizard::strings;
use crate::install::agekey;
use crate::install::wizard::install_id;

impl WizardState {
    /// The summary: how to reach Argo CD, the admin password command, next steps, files.
    /// Never the password or the private key.
    pub(super) fn build_summary(&self) -> Vec<(String, Vec<String>)> {
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
}
