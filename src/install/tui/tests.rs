//! `update()` transitions (validation messages, navigation, resume) and snapshots of every
//! screen at 110×34 (TestBackend).

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::form::Answers as _;
use super::state::{Effect, Init, Msg, WizardState, WorkerEvent};
use crate::app::wizard::form::{FieldId, Probe};
use crate::app::wizard::{Page, Phase};
use crate::config::{Keymap, Theme};
use crate::install::config::{ClusterMode, InstallConfig};
use crate::install::plan::{Change, ChangeKind, Plan};
use crate::install::state::{InstallState, StepStatus};
use crate::install::wizard::{StepId, StepOutcome};

fn init(install: InstallState) -> Init {
    Init {
        answers: InstallConfig::default(),
        contexts: vec!["sandbox".into(), "prod".into()],
        current_context: Some("sandbox".into()),
        kubeconfig_error: None,
        install,
        state_path: PathBuf::from("/data/install/sandbox-dev.json"),
        data_dir: PathBuf::from("/data"),
        base_dir: PathBuf::from("/work/site"),
        theme: Theme::builtin(true),
        keymap: Keymap::builtin(),
    }
}

fn wizard() -> WizardState {
    let (mut w, effects) = WizardState::new(init(InstallState::default()));
    assert_eq!(
        effects,
        vec![Effect::Probe {
            kubeconfig: None,
            context: "sandbox".into()
        }]
    );
    w.update(Msg::Probed {
        context: "sandbox".into(),
        result: Ok("Kubernetes v1.31.0, 1 nodes".into()),
    });
    w
}

fn key(w: &mut WizardState, code: KeyCode) -> Vec<Effect> {
    w.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(w: &mut WizardState, c: char) -> Vec<Effect> {
    w.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn typed(w: &mut WizardState, text: &str) {
    for c in text.chars() {
        key(w, KeyCode::Char(c));
    }
}

fn focus(w: &mut WizardState, id: FieldId) {
    for _ in 0..20 {
        if w.screen.form.focus == id {
            return;
        }
        key(w, KeyCode::Tab);
    }
    panic!("field {id:?} not reachable with Tab");
}

fn draw(w: &WizardState) -> String {
    let mut t = Terminal::new(TestBackend::new(110, 34)).expect("terminal");
    t.draw(|f| crate::ui::install::render(&w.screen, f))
        .expect("draw");
    t.backend().to_string()
}

fn plan() -> Plan {
    Plan {
        found: vec!["context sandbox reachable: Kubernetes v1.31.0, 1 nodes".into()],
        question: None,
        changes: vec![
            Change::new(
                ChangeKind::Create,
                "CustomResourceDefinition applications.argoproj.io",
            ),
            Change::new(ChangeKind::Create, "Namespace argo"),
            Change::new(ChangeKind::Update, "ConfigMap argo/argocd-cm").with_detail(vec![
                format!("+ data.{}", crate::install::argocd::HEALTH_KEY),
                format!("+ data.{}", crate::install::argocd::SCHEMES_KEY),
            ]),
            Change::new(
                ChangeKind::Unchanged,
                "Secret argo/helm-secrets-private-keys (key.txt)",
            ),
        ],
    }
}

/// Runs one step to done through the UI's messages.
fn finish(w: &mut WizardState, step: StepId, verified: &str) {
    let effects = key(w, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Begin { step: s, .. }] if *s == step),
        "{effects:?}"
    );
    w.update(Msg::Worker(WorkerEvent::Planned(step, plan())));
    assert_eq!(key(w, KeyCode::Enter), vec![Effect::Finish(step)]);
    w.update(Msg::Worker(WorkerEvent::Finished(
        step,
        StepOutcome::Applied {
            verified: verified.into(),
        },
    )));
    key(w, KeyCode::Enter);
}

#[test]
fn validation_messages_name_the_problem() {
    let mut w = wizard();
    // EKS mode: empty name, bad ARN, one subnet.
    key(&mut w, KeyCode::Right);
    assert_eq!(w.screen.form.mode, ClusterMode::Eks);
    assert_eq!(
        w.screen.problem(FieldId::EksName),
        Some("the cluster name is empty")
    );
    focus(&mut w, FieldId::EksRoleArn);
    typed(&mut w, "arn:aws:iam::12:role/eks");
    assert!(
        w.screen
            .problem(FieldId::EksRoleArn)
            .is_some_and(|m| m.contains("is not an IAM role ARN")),
        "{:?}",
        w.screen.problems
    );
    focus(&mut w, FieldId::EksSubnets);
    typed(&mut w, "subnet-0a1");
    assert!(
        w.screen
            .problem(FieldId::EksSubnets)
            .is_some_and(|m| m.contains("at least 2 subnets") && m.contains("got 1")),
        "{:?}",
        w.screen.problems
    );
    typed(&mut w, ", subnet-0b2");
    assert_eq!(w.screen.problem(FieldId::EksSubnets), None);
    // Enter with problems is refused with a message; no effect.
    assert!(key(&mut w, KeyCode::Enter).is_empty());
    assert_eq!(w.screen.view(StepId::Cluster).phase, Phase::Form);
    assert!(w.screen.flash.as_ref().is_some_and(|(ok, _)| !ok));

    // A bad wave in the apps checklist.
    w.screen.form.apps[0].wave = "-1x".into();
    w.update(Msg::Worker(WorkerEvent::Log(String::new())));
    assert!(
        w.screen
            .problem(FieldId::Apps)
            .is_some_and(|m| m.contains("is not a whole number")),
        "{:?}",
        w.screen.problems
    );
    w.screen.form.apps[0].wave = "500".into();
    w.update(Msg::Worker(WorkerEvent::Log(String::new())));
    assert!(
        w.screen
            .problem(FieldId::Apps)
            .is_some_and(|m| m.contains("500 is out of range")),
        "{:?}",
        w.screen.problems
    );
}

#[test]
fn unreachable_context_blocks_the_step() {
    let (mut w, _) = WizardState::new(init(InstallState::default()));
    // Enter while the probe runs: refused.
    assert!(key(&mut w, KeyCode::Enter).is_empty());
    w.update(Msg::Probed {
        context: "sandbox".into(),
        result: Err("context sandbox is not reachable: connection refused".into()),
    });
    assert_eq!(
        w.screen.problem(FieldId::Context),
        Some("context sandbox is not reachable: connection refused")
    );
    assert!(key(&mut w, KeyCode::Enter).is_empty());
    // Picking another context probes it; a stale answer for the old one is ignored.
    focus(&mut w, FieldId::Context);
    let effects = key(&mut w, KeyCode::Down);
    assert_eq!(
        effects,
        vec![Effect::Probe {
            kubeconfig: None,
            context: "prod".into()
        }]
    );
    w.update(Msg::Probed {
        context: "sandbox".into(),
        result: Ok("x".into()),
    });
    assert_eq!(w.screen.form.probe, Probe::Checking("prod".into()));
}

#[test]
fn navigation_through_every_step_to_the_summary() {
    let mut w = wizard();
    focus(&mut w, FieldId::Environment);
    ctrl(&mut w, 'u');
    assert_eq!(w.screen.problem(FieldId::Environment), Some("is empty"));
    typed(&mut w, "prod");
    let effects = key(&mut w, KeyCode::Enter);
    let [Effect::Begin { step, config }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(*step, StepId::Cluster);
    assert_eq!(config.environment, "prod");
    assert_eq!(config.cluster.context.as_deref(), Some("sandbox"));
    assert_eq!(config.gitops.path, PathBuf::from("/work/site/gitops"));
    // Esc in the preview goes back to the answers, Enter applies.
    w.update(Msg::Worker(WorkerEvent::Planned(StepId::Cluster, plan())));
    key(&mut w, KeyCode::Esc);
    assert_eq!(w.screen.view(StepId::Cluster).phase, Phase::Form);
    assert_eq!(w.screen.form.text(FieldId::Environment), "prod");
    finish(
        &mut w,
        StepId::Cluster,
        "context sandbox: Kubernetes v1.31.0, 1 nodes",
    );
    assert_eq!(w.screen.page, Page::Step(StepId::AgeKey));
    assert_eq!(w.screen.form.focus, FieldId::Namespace);
    // Esc on a form goes to the previous step (done), Enter comes back.
    key(&mut w, KeyCode::Esc);
    assert_eq!(w.screen.page, Page::Step(StepId::Cluster));
    key(&mut w, KeyCode::Enter);
    assert_eq!(w.screen.page, Page::Step(StepId::AgeKey));
    finish(&mut w, StepId::AgeKey, "key in place");
    finish(&mut w, StepId::ArgoCd, "Argo CD installed");
    // Apps: untoggle keycloak, change a wave.
    focus(&mut w, FieldId::Apps);
    let keycloak = w
        .screen
        .form
        .apps
        .iter()
        .position(|a| a.name == "keycloak")
        .expect("keycloak");
    for _ in 0..keycloak {
        key(&mut w, KeyCode::Down);
    }
    key(&mut w, KeyCode::Char(' '));
    key(&mut w, KeyCode::Up);
    key(&mut w, KeyCode::Backspace);
    key(&mut w, KeyCode::Backspace);
    typed(&mut w, "-3");
    let cfg = w.config();
    assert!(!cfg.apps.enabled.contains(&"keycloak".to_string()));
    let row = &w.screen.form.apps[keycloak - 1];
    assert_eq!(cfg.apps.overrides[row.name].wave, Some(-3), "{row:?}");
    finish(&mut w, StepId::Apps, "root Application created");
    assert_eq!(w.screen.page, Page::Summary);
    // Save the answers.
    let effects = key(&mut w, KeyCode::Enter);
    let [Effect::SaveConfig { path, config }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(path, &PathBuf::from("/work/site/install.toml"));
    assert_eq!(config.environment, "prod");
    assert_eq!(key(&mut w, KeyCode::Esc), vec![Effect::Quit]);
}

#[test]
fn failure_keeps_the_answers_and_retries() {
    let mut w = wizard();
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Log("probing".into())));
    w.update(Msg::Worker(WorkerEvent::Failed(
        StepId::Cluster,
        "context sandbox is not reachable".into(),
    )));
    assert_eq!(
        w.screen.view(StepId::Cluster).log,
        vec!["probing".to_string()]
    );
    assert!(matches!(
        w.screen.view(StepId::Cluster).phase,
        Phase::Failed(_)
    ));
    let effects = key(&mut w, KeyCode::Char('r'));
    assert!(matches!(effects.as_slice(), [Effect::Begin { .. }]));
    w.update(Msg::Worker(WorkerEvent::Failed(
        StepId::Cluster,
        "again".into(),
    )));
    key(&mut w, KeyCode::Char('e'));
    assert_eq!(w.screen.view(StepId::Cluster).phase, Phase::Form);
    assert_eq!(w.screen.form.selected_context(), Some("sandbox"));
}

fn resumed() -> WizardState {
    let mut install = InstallState {
        context: Some("sandbox".into()),
        recipient: Some("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq".into()),
        ..InstallState::default()
    };
    install.set(
        StepId::Cluster,
        StepStatus::Done,
        Some("context sandbox: Kubernetes v1.31.0, 1 nodes".into()),
    );
    install.set(
        StepId::AgeKey,
        StepStatus::Done,
        Some("age key in the Secret and .sops.yaml".into()),
    );
    install.set(StepId::ArgoCd, StepStatus::Applying, None);
    let (w, effects) = WizardState::new(init(install));
    assert!(
        matches!(effects.as_slice(), [Effect::Probe { .. }]),
        "{effects:?}"
    );
    w
}

#[test]
fn resume_shows_done_steps_and_continues_at_the_first_unfinished() {
    let w = resumed();
    assert_eq!(w.screen.page, Page::Step(StepId::ArgoCd));
    assert_eq!(w.screen.status(StepId::Cluster), StepStatus::Done);
    assert_eq!(w.screen.status(StepId::AgeKey), StepStatus::Done);
    assert_eq!(w.screen.status(StepId::ArgoCd), StepStatus::Applying);
    assert!(w.screen.interrupted(StepId::ArgoCd).is_some());
    assert_eq!(w.screen.form.focus, FieldId::Manifest);
    // Everything done: the summary.
    let mut install = InstallState::default();
    for s in StepId::ALL {
        install.set(s, StepStatus::Done, Some("ok".into()));
    }
    let (w, _) = WizardState::new(init(install));
    assert_eq!(w.screen.page, Page::Summary);
}

#[test]
fn snapshot_cluster_context_form() {
    insta::assert_snapshot!(draw(&wizard()));
}

#[test]
fn snapshot_cluster_eks_form_with_problems() {
    let mut w = wizard();
    key(&mut w, KeyCode::Right);
    focus(&mut w, FieldId::EksName);
    typed(&mut w, "platform-dev");
    focus(&mut w, FieldId::EksRoleArn);
    typed(&mut w, "arn:aws:iam::12:role/eks");
    focus(&mut w, FieldId::EksSubnets);
    typed(&mut w, "subnet-0a1");
    focus(&mut w, FieldId::EksPreset);
    key(&mut w, KeyCode::Right);
    insta::assert_snapshot!(draw(&w));
}

#[test]
fn snapshot_preview() {
    let mut w = resumed();
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Planned(StepId::ArgoCd, plan())));
    insta::assert_snapshot!(draw(&w));
}

#[test]
fn snapshot_progress() {
    let mut w = resumed();
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Planned(StepId::ArgoCd, plan())));
    key(&mut w, KeyCode::Enter);
    for line in [
        "create CustomResourceDefinition applications.argoproj.io",
        "CRD applications.argoproj.io Established",
        "create Namespace argo",
        "update ConfigMap argo/argocd-cm",
    ] {
        w.update(Msg::Worker(WorkerEvent::Log(line.into())));
    }
    insta::assert_snapshot!(draw(&w));
}

#[test]
fn snapshot_failed() {
    let mut w = resumed();
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Log("reading the manifest".into())));
    w.update(Msg::Worker(WorkerEvent::Failed(
        StepId::ArgoCd,
        "/work/site/argocd-install.yaml: No such file or directory (os error 2)".into(),
    )));
    insta::assert_snapshot!(draw(&w));
}

#[test]
fn snapshot_age_key_form() {
    let mut w = resumed();
    key(&mut w, KeyCode::Esc);
    key(&mut w, KeyCode::Char('e'));
    insta::assert_snapshot!(draw(&w));
}

#[test]
fn snapshot_apps_checklist() {
    let mut w = resumed();
    w.update(Msg::Worker(WorkerEvent::Planned(StepId::ArgoCd, plan())));
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Finished(
        StepId::ArgoCd,
        StepOutcome::AlreadyDone {
            verified: "Argo CD installed in argo: 7 workloads available".into(),
        },
    )));
    key(&mut w, KeyCode::Enter);
    focus(&mut w, FieldId::Apps);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Char('x'));
    key(&mut w, KeyCode::Backspace);
    insta::assert_snapshot!(draw(&w));
}

#[test]
fn snapshot_summary() {
    let mut install = InstallState {
        context: Some("sandbox".into()),
        recipient: Some("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq".into()),
        ..InstallState::default()
    };
    for (s, m) in [
        (
            StepId::Cluster,
            "context sandbox: Kubernetes v1.31.0, 1 nodes",
        ),
        (
            StepId::AgeKey,
            "age key in Secret argo/helm-secrets-private-keys",
        ),
        (
            StepId::ArgoCd,
            "Argo CD installed in argo: 7 workloads available",
        ),
        (StepId::Apps, "root Application argo/root with 5 apps"),
    ] {
        install.set(s, StepStatus::Done, Some(m.into()));
    }
    let (mut w, _) = WizardState::new(init(install));
    w.update(Msg::Saved(Ok(PathBuf::from("/work/site/install.toml"))));
    let screen = draw(&w);
    assert!(!screen.contains("AGE-SECRET-KEY"));
    insta::assert_snapshot!(screen);
}

fn draw_at(w: &WizardState, (width, height): (u16, u16)) -> String {
    let mut t = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    t.draw(|f| crate::ui::install::render(&w.screen, f))
        .expect("draw");
    format!("{width}×{height}\n{}", t.backend())
}

/// The wizard's steps (the cluster form, a plan preview, the apps form, the summary) at
/// 80×24, 120×35 and 200×50.
#[test]
fn wizard_steps_at_three_sizes() {
    let sizes = [(80, 24), (120, 35), (200, 50)];
    let mut w = wizard();
    let mut screens = Vec::new();
    let mut shoot = |w: &WizardState, what: &str| {
        for size in sizes {
            screens.push(format!("== {what}\n{}", draw_at(w, size)));
        }
    };
    shoot(&w, "cluster form");
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Planned(StepId::Cluster, plan())));
    shoot(&w, "cluster plan");
    key(&mut w, KeyCode::Esc);
    finish(
        &mut w,
        StepId::Cluster,
        "context sandbox: Kubernetes v1.31.0, 1 nodes",
    );
    finish(&mut w, StepId::AgeKey, "key in place");
    finish(&mut w, StepId::ArgoCd, "Argo CD installed");
    shoot(&w, "apps form");
    finish(&mut w, StepId::Apps, "root Application created");
    shoot(&w, "summary");
    insta::assert_snapshot!(screens.join("\n"));
}

/// A plan that found an existing Argo CD and asks what to do.
fn asking_plan() -> Plan {
    let mut p = plan();
    p.found
        .push("Argo CD v3.1.9 is already installed in argo: 23 of the manifest's 27 objects exist, installed by Helm release argocd (chart argo-cd-8.6.4)".into());
    p.changes.push(
        Change::new(ChangeKind::Conflict, "Deployment argo/argocd-redis").with_detail(vec![
            "x spec.template.spec.containers: the live redis would keep running beside the manifest's argocd-redis".into(),
        ]),
    );
    p.question = Some(crate::install::argocd::question(&p.found[1]));
    p
}

#[test]
fn a_question_is_answered_with_its_number_and_checked_again() {
    let mut w = resumed();
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Planned(
        StepId::ArgoCd,
        asking_plan(),
    )));
    let screen = draw(&w);
    assert!(screen.contains("<1> adopt"), "{screen}");
    assert!(screen.contains("<4> stop"), "{screen}");
    assert!(screen.contains("is already installed in argo"), "{screen}");
    // 2 = force: the step is checked again with the answer in the config.
    let effects = key(&mut w, KeyCode::Char('2'));
    let [Effect::Begin { step, config }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*step, StepId::ArgoCd);
    assert_eq!(
        config.argocd.existing,
        crate::install::config::ExistingChoice::Force
    );
    // A number the question does not offer does nothing.
    w.update(Msg::Worker(WorkerEvent::Planned(
        StepId::ArgoCd,
        asking_plan(),
    )));
    assert!(key(&mut w, KeyCode::Char('9')).is_empty());
}

#[test]
fn q_closes_the_wizard_and_asks_when_a_step_is_half_done() {
    // Nothing half done: q (outside a text field) closes at once.
    let mut w = wizard();
    focus(&mut w, FieldId::Mode);
    assert_eq!(key(&mut w, KeyCode::Char('q')), vec![Effect::Quit]);
    // Esc on the first step closes too.
    let mut w = wizard();
    assert_eq!(key(&mut w, KeyCode::Esc), vec![Effect::Quit]);
    // In a text field q is typed.
    let mut w = wizard();
    focus(&mut w, FieldId::Environment);
    assert!(key(&mut w, KeyCode::Char('q')).is_empty());
    assert!(!w.quit);

    // A plan not applied: the footer asks; n stays, y closes.
    let mut w = resumed();
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Planned(StepId::ArgoCd, plan())));
    assert!(key(&mut w, KeyCode::Char('q')).is_empty());
    let screen = draw(&w);
    assert!(
        screen.contains("Close the wizard? Step 3 (Argo CD) has a plan not applied"),
        "{screen}"
    );
    assert!(key(&mut w, KeyCode::Char('n')).is_empty());
    assert!(w.screen.confirm_close.is_none() && !w.quit);
    key(&mut w, KeyCode::Char('q'));
    assert_eq!(key(&mut w, KeyCode::Char('y')), vec![Effect::Quit]);
    assert!(w.quit);
}

#[test]
fn import_asks_for_the_key_file_on_the_form_and_checks_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = dir.path().join("key.txt");
    let k = crate::install::agekey::AgeKey::generate();
    k.save_new(&good).expect("saved");
    let missing = dir.path().join("missing.txt");
    let base = PathBuf::from("/work/site");

    let mut w = wizard();
    finish(&mut w, StepId::Cluster, "context sandbox reachable");
    let effects = key(&mut w, KeyCode::Enter);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Begin {
                step: StepId::AgeKey,
                ..
            }]
        ),
        "{effects:?}"
    );
    let mut asking = plan();
    asking.question = Some(crate::install::agekey::key_question(
        "Secret argo/helm-secrets-private-keys (key.txt)",
        "it holds no usable key",
    ));
    w.update(Msg::Worker(WorkerEvent::Planned(StepId::AgeKey, asking)));
    let screen = draw(&w);
    assert!(screen.contains("<3> import"), "{screen}");

    // 3 = import, no file yet: back to the form, on the key file field.
    assert!(key(&mut w, KeyCode::Char('3')).is_empty());
    assert_eq!(w.screen.form.focus, FieldId::ImportFile);
    let screen = draw(&w);
    assert!(screen.contains("Import key file"), "{screen}");

    // A file that does not exist is a problem; Enter does not check.
    typed(&mut w, &missing.display().to_string());
    assert!(
        w.screen
            .form
            .problems(&base)
            .iter()
            .any(|(f, m)| *f == FieldId::ImportFile && m.contains("does not exist")),
        "{:?}",
        w.screen.form.problems(&base)
    );
    assert!(key(&mut w, KeyCode::Enter).is_empty());

    // A readable age key: checked again with the answer and the file.
    for _ in 0..missing.display().to_string().chars().count() {
        key(&mut w, KeyCode::Backspace);
    }
    typed(&mut w, &good.display().to_string());
    assert!(
        w.screen.form.problems(&base).is_empty(),
        "{:?}",
        w.screen.form.problems(&base)
    );
    let effects = key(&mut w, KeyCode::Enter);
    let [Effect::Begin { step, config }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*step, StepId::AgeKey);
    assert_eq!(
        config.age_key.existing,
        crate::install::config::KeyChoice::Import
    );
    assert_eq!(config.age_key.import_file.as_deref(), Some(good.as_path()));
}

/// A wizard whose keymap is the built-in one patched by a user file.
fn wizard_with_keymap(patch: &str) -> WizardState {
    let mut keymap = Keymap::builtin();
    let errors = keymap.apply_text(patch, "keymap.toml");
    assert!(errors.is_empty(), "{errors:?}");
    let mut init = init(InstallState::default());
    init.keymap = keymap;
    let (mut w, _) = WizardState::new(init);
    w.update(Msg::Probed {
        context: "sandbox".into(),
        result: Ok("Kubernetes v1.31.0, 1 nodes".into()),
    });
    w
}

#[test]
fn a_user_keymap_rebinds_the_wizard_keys() {
    let mut w = wizard_with_keymap(
        "[wizard]\nnext_field = { keys = [\"ctrl-n\"] }\nretry = { keys = [\"R\"] }\n",
    );
    assert_eq!(w.screen.form.focus, FieldId::Mode);
    // Tab no longer moves; ctrl-n does.
    key(&mut w, KeyCode::Tab);
    assert_eq!(w.screen.form.focus, FieldId::Mode);
    ctrl(&mut w, 'n');
    assert_eq!(w.screen.form.focus, FieldId::Context);
    // The footer names the keys the keymap binds.
    assert!(draw(&w).contains("<ctrl-n/shift-tab> next/previous field"));
    // A failed step retries with the new key only.
    key(&mut w, KeyCode::Enter);
    w.update(Msg::Worker(WorkerEvent::Failed(
        StepId::Cluster,
        "context sandbox is not reachable".into(),
    )));
    assert!(key(&mut w, KeyCode::Char('r')).is_empty());
    let effects = key(&mut w, KeyCode::Char('R'));
    assert!(
        matches!(effects.as_slice(), [Effect::Begin { .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_default_footer_is_unchanged_by_the_keymap() {
    let w = wizard();
    assert!(draw(&w).contains("<tab/shift-tab> next/previous field"));
    assert!(draw(&w).contains("<q> close the wizard"));
}

#[test]
fn question_mark_shows_help_generated_from_the_keymap() {
    let mut w = wizard_with_keymap("[wizard]\nretry = { desc = \"Try the step once more\" }\n");
    assert_eq!(w.screen.form.focus, FieldId::Mode);
    key(&mut w, KeyCode::Char('?'));
    assert_eq!(w.screen.help, Some(0));
    let screen = draw(&w);
    for shown in [
        "help wizard",
        "wizard keys",
        "Try the step once more",
        "retry",
        "next_field",
        "global keys",
        "ctrl-c",
    ] {
        assert!(screen.contains(shown), "{shown:?} missing:\n{screen}");
    }
    // Keys of the help context scroll and close it; the page is as it was.
    key(&mut w, KeyCode::Down);
    assert_eq!(w.screen.help, Some(1));
    key(&mut w, KeyCode::Esc);
    assert_eq!(w.screen.help, None);
    assert_eq!(w.screen.page, Page::Step(StepId::Cluster));
    // In a text field `?` is typed; f1 opens help.
    focus(&mut w, FieldId::Environment);
    key(&mut w, KeyCode::Char('?'));
    assert_eq!(w.screen.help, None);
    assert_eq!(w.screen.form.text(FieldId::Environment), "dev?");
    key(&mut w, KeyCode::F(1));
    assert_eq!(w.screen.help, Some(0));
}
