//! The age key step: an X25519 identity in age-keygen's file format, stored 0600 in the data
//! dir per cluster and environment (never overwritten: an existing key is reused), the
//! namespace and the `helm-secrets-private-keys` Secret in the cluster, and the environment's
//! rule in the GitOps repository's `.sops.yaml`. Only the public key is ever shown or logged.

use std::path::Path;

use base64::Engine as _;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::config::KeyChoice;
use super::plan::{Change, ChangeKind, Plan, Question};
use super::state::write_atomic;
use super::wizard::StepCtx;
use super::{InstallError, sops};

pub(crate) const FIELD_MANAGER: &str = "opsdeck";

mod keyfile;

pub use keyfile::{AgeKey, key_file};
pub(crate) use keyfile::{KeyFile, check_import_file};

/// What the age step found in the cluster.
enum SecretState {
    Absent,
    /// Present, holding this key file text.
    Holds(String),
    /// Present without the expected data key.
    WithoutKey,
}

async fn secret_state(ctx: &StepCtx<'_>) -> Result<SecretState, InstallError> {
    let client = ctx.client()?;
    let cfg = &ctx.config;
    let api: Api<Secret> = Api::namespaced(client.clone(), &cfg.argocd.namespace);
    let secret = api
        .get_opt(&cfg.age_key.secret_name)
        .await
        .map_err(|e| InstallError::kube(format!("get Secret {}", cfg.age_key.secret_name), e))?;
    Ok(match secret {
        None => SecretState::Absent,
        Some(s) => match s.data.as_ref().and_then(|d| d.get(&cfg.age_key.secret_key)) {
            Some(bytes) => SecretState::Holds(String::from_utf8_lossy(&bytes.0).into_owned()),
            None => SecretState::WithoutKey,
        },
    })
}

async fn namespace_exists(ctx: &StepCtx<'_>) -> Result<bool, InstallError> {
    let api: Api<Namespace> = Api::all(ctx.client()?.clone());
    let ns = &ctx.config.argocd.namespace;
    Ok(api
        .get_opt(ns)
        .await
        .map_err(|e| InstallError::kube(format!("get Namespace {ns}"), e))?
        .is_some())
}

fn secret_target(ctx: &StepCtx<'_>) -> String {
    format!(
        "Secret {}/{} ({})",
        ctx.config.argocd.namespace, ctx.config.age_key.secret_name, ctx.config.age_key.secret_key
    )
}

/// What the step does with the cluster's Secret.
#[derive(Debug, Clone, PartialEq)]
enum SecretPlan {
    Create,
    /// The Secret exists without the data key.
    Fill,
    Unchanged,
    /// Left as is although it does not hold the local key (the problem).
    Keep(String),
    /// Replaced (after a backup): the problem.
    Replace(String),
    /// The user must choose: the problem.
    Ask(String),
}

/// The decision for the Secret, given the key the install will use (`None`: none locally;
/// a valid Secret then provides it, else a new one is generated).
fn secret_plan(secret: &SecretState, local: Option<&AgeKey>, choice: KeyChoice) -> SecretPlan {
    let text = match secret {
        SecretState::Absent => return SecretPlan::Create,
        SecretState::WithoutKey => return SecretPlan::Fill,
        SecretState::Holds(text) => text,
    };
    let problem = match (AgeKey::parse(text), local) {
        (Ok(theirs), Some(mine)) if theirs.recipient() == mine.recipient() => {
            return SecretPlan::Unchanged;
        }
        (Ok(_), None) => return SecretPlan::Unchanged,
        (Ok(theirs), Some(mine)) => format!(
            "it holds another key (public key {}) than the local key (public key {})",
            theirs.recipient(),
            mine.recipient()
        ),
        (Err(e), _) => format!("it holds no usable key ({e})"),
    };
    match choice {
        KeyChoice::Ask => SecretPlan::Ask(problem),
        KeyChoice::Keep => SecretPlan::Keep(problem),
        KeyChoice::Replace | KeyChoice::Import => SecretPlan::Replace(problem),
    }
}

/// The local key: the key file, or with `import` the imported file's key (which must
/// agree with an existing key file: a key file is never overwritten).
fn local_key(ctx: &StepCtx<'_>, path: &Path) -> Result<(Option<AgeKey>, bool), InstallError> {
    let local = AgeKey::load(path)?;
    if ctx.config.age_key.existing != KeyChoice::Import {
        return Ok((local, false));
    }
    let file = ctx.config.age_key.import_file.as_ref().ok_or_else(|| {
        InstallError::Config(
            "age_key.existing = \"import\" needs age_key.import_file (the wizard's field Import key file)"
                .into(),
        )
    })?;
    let imported = AgeKey::load(file)?
        .ok_or_else(|| InstallError::Key(format!("{} does not exist", file.display())))?;
    if let Some(l) = &local
        && l.recipient() != imported.recipient()
    {
        return Err(InstallError::Key(format!(
            "{} holds another key than {}; opsdeck never overwrites a key file: move it away deliberately first",
            path.display(),
            file.display()
        )));
    }
    Ok((Some(imported), local.is_none()))
}

/// The question for a Secret that does not hold the local key.
pub(crate) fn key_question(target: &str, problem: &str) -> Question {
    Question {
        prompt: format!("the cluster's {target}: {problem}. What should opsdeck do?"),
        key: "age_key.existing".into(),
        options: vec![
            (
                "keep".into(),
                "leave the Secret as is (Argo CD then cannot decrypt values encrypted for the local key)".into(),
            ),
            (
                "replace".into(),
                "back up the Secret as <name>-backup-<time>, then store the local key in it".into(),
            ),
            (
                "import".into(),
                "use the key file age_key.import_file (the wizard's Import key file) as the local key and store it in the Secret"
                    .into(),
            ),
        ],
    }
}

fn backup_name(secret_name: &str) -> String {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d%H%M%S").to_string();
    format!("{secret_name}-backup-{stamp}")
}

pub async fn check(ctx: &StepCtx<'_>) -> Result<Plan, InstallError> {
    let cfg = &ctx.config;
    let file = ctx.key_file();
    let path = file.path.clone();
    let mut plan = Plan::default();
    if let Some(new) = &file.instead_of {
        plan.found.push(format!(
            "age key file {} is named after the context (an earlier opsdeck); it is used since {} (keyed by the cluster's identity) does not exist",
            path.display(),
            new.display()
        ));
    }
    let (local, imported) = local_key(ctx, &path)?;
    let secret = secret_state(ctx).await?;
    let decision = secret_plan(&secret, local.as_ref(), cfg.age_key.existing);
    let from_secret = match (&local, &secret, &decision) {
        (None, SecretState::Holds(text), SecretPlan::Unchanged) => AgeKey::parse(text).ok(),
        _ => None,
    };
    let recipient =
        match (&local, &from_secret) {
            (Some(k), _) if imported => {
                plan.changes.push(
                    Change::new(ChangeKind::Create, format!("file {}", path.display()))
                        .with_detail(vec![format!(
                            "+ the imported key (public key {}), mode 0600",
                            k.recipient()
                        )]),
                );
                Some(k.recipient())
            }
            (Some(k), _) => {
                plan.found.push(format!(
                    "age key {} (public key {})",
                    path.display(),
                    k.recipient()
                ));
                plan.changes.push(Change::new(
                    ChangeKind::Unchanged,
                    format!("file {}", path.display()),
                ));
                Some(k.recipient())
            }
            (None, Some(k)) => {
                plan.found.push(format!(
                    "the cluster's {} holds a valid key (public key {}) and there is no local key",
                    secret_target(ctx),
                    k.recipient()
                ));
                plan.changes.push(
                    Change::new(ChangeKind::Create, format!("file {}", path.display()))
                        .with_detail(vec![format!(
                            "+ fetch the key already in the cluster (public key {}), mode 0600",
                            k.recipient()
                        )]),
                );
                Some(k.recipient())
            }
            (None, None) => {
                plan.changes.push(
                    Change::new(ChangeKind::Create, format!("file {}", path.display()))
                        .with_detail(vec!["+ new X25519 age identity, mode 0600".into()]),
                );
                None
            }
        };
    let ns = &cfg.argocd.namespace;
    if namespace_exists(ctx).await? {
        plan.changes.push(Change::new(
            ChangeKind::Unchanged,
            format!("Namespace {ns}"),
        ));
    } else {
        plan.changes
            .push(Change::new(ChangeKind::Create, format!("Namespace {ns}")));
    }
    let redacted = format!("{}: <age identity, redacted>", cfg.age_key.secret_key);
    let who = recipient
        .clone()
        .map(|r| format!("public key {r}"))
        .unwrap_or_else(|| "the new key".into());
    match &decision {
        SecretPlan::Create => plan.changes.push(
            Change::new(ChangeKind::Create, secret_target(ctx))
                .with_detail(vec![format!("+ data.{redacted}")]),
        ),
        SecretPlan::Fill => plan.changes.push(
            Change::new(ChangeKind::Update, secret_target(ctx))
                .with_detail(vec![format!("+ data.{redacted}")]),
        ),
        SecretPlan::Unchanged => plan
            .changes
            .push(Change::new(ChangeKind::Unchanged, secret_target(ctx))),
        SecretPlan::Ask(problem) => {
            plan.found
                .push(format!("the cluster's {}: {problem}", secret_target(ctx)));
            plan.changes.push(
                Change::new(ChangeKind::Conflict, secret_target(ctx))
                    .with_detail(vec![format!("x {problem}")]),
            );
            plan.question = Some(key_question(&secret_target(ctx), problem));
        }
        SecretPlan::Keep(problem) => plan.changes.push(
            Change::new(ChangeKind::Keep, secret_target(ctx)).with_detail(vec![
                format!("! kept as chosen (age_key.existing = \"keep\"): {problem}"),
                format!(
                    "! helm-secrets in Argo CD cannot decrypt values encrypted for {who} until the Secret holds that key"
                ),
            ]),
        ),
        SecretPlan::Replace(problem) => {
            plan.found
                .push(format!("the cluster's {}: {problem}", secret_target(ctx)));
            plan.changes.push(
                Change::new(
                    ChangeKind::Create,
                    format!(
                        "Secret {ns}/{}-backup-<time> (a copy of the old Secret)",
                        cfg.age_key.secret_name
                    ),
                )
                .with_detail(vec!["+ data: <the old Secret's data, redacted>".into()]),
            );
            plan.changes.push(
                Change::new(ChangeKind::Update, secret_target(ctx)).with_detail(vec![format!(
                    "~ data.{}: <redacted> → <redacted> ({who})",
                    cfg.age_key.secret_key
                )]),
            );
        }
    }
    let sops_path = cfg.gitops.path.join(".sops.yaml");
    let sops_target = format!("file {}", sops_path.display());
    let existing = read_optional(&sops_path)?;
    match &recipient {
        Some(r) => match sops::updated(existing.as_deref(), &cfg.environment, r)? {
            None => plan
                .changes
                .push(Change::new(ChangeKind::Unchanged, sops_target)),
            Some(_) => plan.changes.push(
                Change::new(
                    if existing.is_some() {
                        ChangeKind::Update
                    } else {
                        ChangeKind::Create
                    },
                    sops_target,
                )
                .with_detail(vec![format!(
                    "+ creation_rules: path_regex {} → age {r}",
                    sops::path_regex(&cfg.environment)
                )]),
            ),
        },
        None => plan.changes.push(
            Change::new(
                if existing.is_some() {
                    ChangeKind::Update
                } else {
                    ChangeKind::Create
                },
                sops_target,
            )
            .with_detail(vec![format!(
                "+ creation_rules: path_regex {} → age <the new key's recipient>",
                sops::path_regex(&cfg.environment)
            )]),
        ),
    }
    Ok(plan)
}

fn read_optional(path: &Path) -> Result<Option<String>, InstallError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(InstallError::io(path, e)),
    }
}

async fn write_secret(
    ctx: &StepCtx<'_>,
    name: &str,
    data: serde_json::Value,
    secret_type: &str,
) -> Result<(), InstallError> {
    let ns = &ctx.config.argocd.namespace;
    let api: Api<Secret> = Api::namespaced(ctx.client()?.clone(), ns);
    let body = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": ns,
            "labels": {"app.kubernetes.io/managed-by": "opsdeck"}},
        "type": secret_type,
        "data": data,
    });
    api.patch(
        name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(|e| InstallError::kube(format!("apply Secret {ns}/{name}"), e))?;
    Ok(())
}

/// Applies the step; returns the recipient. Every part re-checks what exists first.
pub async fn apply(ctx: &StepCtx<'_>) -> Result<String, InstallError> {
    let cfg = &ctx.config;
    let path = ctx.key_file().path;
    let (local, imported) = local_key(ctx, &path)?;
    let secret = secret_state(ctx).await?;
    let decision = secret_plan(&secret, local.as_ref(), cfg.age_key.existing);
    if let SecretPlan::Ask(problem) = &decision {
        return Err(InstallError::Key(format!(
            "the cluster's {}: {problem}. Choose first: age_key.existing = \"keep\" | \"replace\" | \"import\"",
            secret_target(ctx)
        )));
    }
    let key = match (local, &secret, &decision) {
        (Some(k), _, _) => {
            if imported {
                k.save_new(&path)?;
                ctx.say(&format!("imported the age key into {}", path.display()));
            } else {
                ctx.say(&format!("reusing age key {}", path.display()));
            }
            k
        }
        (None, SecretState::Holds(text), SecretPlan::Unchanged) => {
            let k = AgeKey::parse(text)?;
            k.save_new(&path)?;
            ctx.say(&format!(
                "saved the cluster's age key to {} (mode 0600)",
                path.display()
            ));
            k
        }
        (None, _, _) => {
            let k = AgeKey::generate();
            k.save_new(&path)?;
            ctx.say(&format!("generated age key {} (mode 0600)", path.display()));
            k
        }
    };
    let recipient = key.recipient();
    ctx.say(&format!("public key: {recipient}"));
    let client = ctx.client()?;
    let ns = &cfg.argocd.namespace;
    if !namespace_exists(ctx).await? {
        let api: Api<Namespace> = Api::all(client.clone());
        let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        api.patch(
            ns,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&body),
        )
        .await
        .map_err(|e| InstallError::kube(format!("create Namespace {ns}"), e))?;
        ctx.say(&format!("created Namespace {ns}"));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(key.file_bytes());
    let data = json!({cfg.age_key.secret_key.clone(): encoded});
    match &decision {
        SecretPlan::Unchanged => {}
        SecretPlan::Keep(problem) => ctx.say(&format!(
            "kept {} as chosen: {problem}; Argo CD cannot decrypt values encrypted for {recipient}",
            secret_target(ctx)
        )),
        SecretPlan::Create | SecretPlan::Fill => {
            write_secret(ctx, &cfg.age_key.secret_name, data, "Opaque").await?;
            ctx.say(&format!("created {}", secret_target(ctx)));
        }
        SecretPlan::Replace(_) | SecretPlan::Ask(_) => {
            let api: Api<Secret> = Api::namespaced(client.clone(), ns);
            let old = api
                .get(&cfg.age_key.secret_name)
                .await
                .map_err(|e| InstallError::kube(format!("get {}", secret_target(ctx)), e))?;
            let backup = backup_name(&cfg.age_key.secret_name);
            let old_data = serde_json::to_value(old.data.unwrap_or_default())
                .map_err(|e| InstallError::Invalid(format!("copy the old Secret: {e}")))?;
            write_secret(
                ctx,
                &backup,
                old_data,
                old.type_.as_deref().unwrap_or("Opaque"),
            )
            .await?;
            ctx.say(&format!("backed up the old Secret as {ns}/{backup}"));
            write_secret(ctx, &cfg.age_key.secret_name, data, "Opaque").await?;
            ctx.say(&format!("replaced the key in {}", secret_target(ctx)));
        }
    }
    let sops_path = cfg.gitops.path.join(".sops.yaml");
    let existing = read_optional(&sops_path)?;
    if let Some(text) = sops::updated(existing.as_deref(), &cfg.environment, &recipient)? {
        write_atomic(&sops_path, text.as_bytes(), None)?;
        ctx.say(&format!("wrote {}", sops_path.display()));
    }
    Ok(recipient)
}

pub async fn verify(ctx: &StepCtx<'_>) -> Result<String, InstallError> {
    let cfg = &ctx.config;
    let path = ctx.key_file().path;
    let key = AgeKey::load(&path)?
        .ok_or_else(|| InstallError::Key(format!("{} is missing", path.display())))?;
    let secret = secret_state(ctx).await?;
    let kept = match secret_plan(&secret, Some(&key), cfg.age_key.existing) {
        SecretPlan::Unchanged => None,
        SecretPlan::Keep(problem) => Some(problem),
        _ => {
            return Err(InstallError::Key(format!(
                "{} does not hold the key {}",
                secret_target(ctx),
                path.display()
            )));
        }
    };
    let sops_path = cfg.gitops.path.join(".sops.yaml");
    let text = read_optional(&sops_path)?.unwrap_or_default();
    if !sops::has_rule(&text, &cfg.environment, &key.recipient()) {
        return Err(InstallError::Key(format!(
            "{} has no rule for environment {}",
            sops_path.display(),
            cfg.environment
        )));
    }
    Ok(match kept {
        None => format!("age key in place, public key {}", key.recipient()),
        Some(problem) => format!(
            "age key {} (public key {}); the cluster's Secret was kept: {problem}",
            path.display(),
            key.recipient()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::keyfile::key_path;
    use super::*;

    #[test]
    fn generated_file_round_trips_and_debug_hides_the_secret() {
        let k = AgeKey::generate();
        let text = String::from_utf8(k.file_bytes().to_vec()).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("# created: "), "{text}");
        assert_eq!(lines[1], format!("# public key: {}", k.recipient()));
        assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));
        let back = AgeKey::parse(&text).expect("parses");
        assert_eq!(back.recipient(), k.recipient());
        assert!(!format!("{k:?}").contains("AGE-SECRET-KEY"));
    }

    #[test]
    fn the_secret_plan_follows_the_choice() {
        let mine = AgeKey::generate();
        let theirs = AgeKey::generate();
        let holds = |k: &AgeKey| SecretState::Holds(String::from_utf8_lossy(k.file_bytes()).into());
        assert_eq!(
            secret_plan(&holds(&mine), Some(&mine), KeyChoice::Ask),
            SecretPlan::Unchanged
        );
        assert_eq!(
            secret_plan(&holds(&theirs), None, KeyChoice::Ask),
            SecretPlan::Unchanged,
            "a valid Secret and no local key: fetch it"
        );
        let SecretPlan::Ask(problem) = secret_plan(&holds(&theirs), Some(&mine), KeyChoice::Ask)
        else {
            panic!("a foreign key asks")
        };
        assert!(problem.contains(&theirs.recipient()) && !problem.contains("AGE-SECRET"));
        let invalid = SecretState::Holds("# fake\nAGE-SECRET-KEY-1NOTAKEY\n".into());
        assert!(matches!(
            secret_plan(&invalid, None, KeyChoice::Keep),
            SecretPlan::Keep(p) if p.contains("no usable key")
        ));
        assert!(matches!(
            secret_plan(&invalid, Some(&mine), KeyChoice::Replace),
            SecretPlan::Replace(_)
        ));
        assert!(matches!(
            secret_plan(&invalid, Some(&mine), KeyChoice::Import),
            SecretPlan::Replace(_)
        ));
        assert_eq!(
            secret_plan(&SecretState::Absent, None, KeyChoice::Ask),
            SecretPlan::Create
        );
    }

    #[test]
    fn mismatched_public_comment_is_refused() {
        let a = AgeKey::generate();
        let b = AgeKey::generate();
        let text = String::from_utf8_lossy(a.file_bytes()).replace(&a.recipient(), &b.recipient());
        assert!(AgeKey::parse(&text).is_err());
    }

    #[test]
    fn save_new_is_0600_and_never_overwrites() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = key_path(dir.path(), "arn:aws:eks:x:1:cluster/p", "dev");
        let k = AgeKey::generate();
        k.save_new(&path).expect("saved");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = AgeKey::generate();
        assert!(other.save_new(&path).is_err());
        let back = AgeKey::load(&path).expect("load").expect("present");
        assert_eq!(back.recipient(), k.recipient());
    }

    #[test]
    fn an_import_file_must_exist_and_hold_an_identity() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("nope.txt");
        assert!(check_import_file(&missing).is_err_and(|e| e.contains("does not exist")));
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, "# not a key\n").expect("write");
        assert!(check_import_file(&bad).is_err());
        assert!(check_import_file(dir.path()).is_err(), "a directory");
        let good = dir.path().join("key.txt");
        let k = AgeKey::generate();
        k.save_new(&good).expect("saved");
        assert_eq!(check_import_file(&good), Ok(k.recipient()));
    }

    #[test]
    fn the_key_file_is_keyed_by_identity_with_the_context_named_file_as_fallback() {
        let dir = tempfile::tempdir().expect("tmp");
        let id = "127.0.0.1:6443-0b1c2d3e";
        let old = key_path(dir.path(), "kind-dev", "dev");
        let new = key_path(dir.path(), id, "dev");
        assert_ne!(old, new);
        // Nothing yet: the identity's path (a new key goes there).
        assert_eq!(
            key_file(dir.path(), Some(id), "kind-dev", "dev"),
            KeyFile {
                path: new.clone(),
                instead_of: None
            }
        );
        // The identity is not known yet: the context's path.
        assert_eq!(key_file(dir.path(), None, "kind-dev", "dev").path, old);
        // Only the old context-named file exists: it is used, and says what it stands in for.
        AgeKey::generate().save_new(&old).expect("old key");
        assert_eq!(
            key_file(dir.path(), Some(id), "kind-dev", "dev"),
            KeyFile {
                path: old.clone(),
                instead_of: Some(new.clone())
            }
        );
        // Both exist: the identity's file wins.
        AgeKey::generate().save_new(&new).expect("new key");
        assert_eq!(key_file(dir.path(), Some(id), "kind-dev", "dev").path, new);
        // Another cluster behind the same context name has its own file.
        assert_eq!(
            key_file(dir.path(), Some("127.0.0.1:6443-ffff"), "other", "dev"),
            KeyFile {
                path: key_path(dir.path(), "127.0.0.1:6443-ffff", "dev"),
                instead_of: None
            }
        );
    }
}
