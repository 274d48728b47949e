//! `opsdeck install --config install.toml [--dry-run] [--yes]`: the wizard without a screen,
//! for CI. Prints each step's plan and progress; resumes from the persisted state.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::config::InstallConfig;
use super::wizard::{Progress, StepId, StepOutcome, Wizard};
use super::{InstallError, catalog};
use crate::model::install::ALREADY_IN_PLACE;

pub struct RunOptions<'a> {
    pub config: &'a Path,
    pub(crate) dry_run: bool,
    pub yes: bool,
    pub data_dir: &'a Path,
}

/// Runs every step in order; returns the summary lines.
pub async fn run(opts: RunOptions<'_>) -> Result<Vec<String>, InstallError> {
    let mut config = InstallConfig::load(opts.config)?;
    super::wizard::resolve_context(&mut config);
    let progress = Progress::new(|line| println!("    {line}"));
    let mut wizard = Wizard::open(config, opts.data_dir, progress)?;
    wizard.identify().await?;
    if let Some(step) = wizard.state.resume_step()
        && step != StepId::Cluster
    {
        println!("resuming at step {} ({})", step.number(), step.title());
    }
    let yes = opts.yes;
    let dry_run = opts.dry_run;
    // On a terminal (and without --yes) a plan's question is asked here; elsewhere the run
    // stops and names the config key that records the answer.
    let interactive = !yes && !dry_run && std::io::stdin().is_terminal();
    let answered: Arc<Mutex<Option<(String, String)>>> = Arc::default();
    let answer_slot = answered.clone();
    let mut confirm = move |step: StepId, plan: &super::Plan| -> bool {
        println!("plan for step {} ({}):", step.number(), step.title());
        print!("{}", plan.render());
        if dry_run {
            // Nothing is applied: no question to ask.
            return false;
        }
        if let Some(q) = &plan.question {
            if interactive && let Some(answer) = ask(q, &mut std::io::stdin().lock()) {
                if let Ok(mut slot) = answer_slot.lock() {
                    *slot = Some((q.key.clone(), answer));
                }
                // Planned again with the answer.
                return false;
            }
            // The answer belongs in the config; applying refuses until it is there.
            return true;
        }
        if yes {
            return true;
        }
        print!("apply these changes? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes")
    };
    let mut summary = Vec::new();
    for step in StepId::ALL {
        let outcome = loop {
            println!("==> step {}/4: {}", step.number(), step.title());
            let outcome = wizard.run_step(step, opts.dry_run, &mut confirm).await?;
            let answer = answered.lock().ok().and_then(|mut a| a.take());
            let Some((key, value)) = answer else {
                break outcome;
            };
            wizard
                .config
                .set_choice(&key, &value)
                .map_err(InstallError::Config)?;
            if key == "age_key.existing"
                && value == "import"
                && wizard.config.age_key.import_file.is_none()
            {
                let Some(file) = ask_import_file(&mut std::io::stdin().lock()) else {
                    return Err(InstallError::Config(
                        "age_key.existing = \"import\" needs age_key.import_file".into(),
                    ));
                };
                wizard.config.age_key.import_file = Some(file);
            }
            println!("    {key} = {value:?}");
        };
        match outcome {
            StepOutcome::AlreadyDone { verified } => {
                println!("    {ALREADY_IN_PLACE} {verified}");
                summary.push(format!("{}: {verified}", step.title()));
            }
            StepOutcome::Applied { verified } => {
                println!("    done: {verified}");
                summary.push(format!("{}: {verified}", step.title()));
            }
            StepOutcome::Planned if opts.dry_run => {
                if step == StepId::Cluster {
                    // Later steps need the context the cluster step records.
                    if wizard.state.context.is_none() {
                        println!(
                            "    (dry run: later steps are planned once the cluster step has run)"
                        );
                        break;
                    }
                }
            }
            StepOutcome::Planned => {
                return Err(InstallError::Invalid(format!(
                    "step {} not applied (declined); re-run to continue",
                    step.title()
                )));
            }
        }
    }
    if !opts.dry_run {
        summary.extend(next_steps(&wizard));
        println!();
        for line in &summary {
            println!("{line}");
        }
    }
    Ok(summary)
}

/// Asks a plan's question with numbered choices; `None` at end of input.
fn ask(q: &super::plan::Question, input: &mut dyn std::io::BufRead) -> Option<String> {
    println!("  ? {}", q.prompt);
    for (i, (answer, what)) in q.options.iter().enumerate() {
        println!("    {}) {answer}: {what}", i + 1);
    }
    loop {
        print!("choose 1-{} (recorded as {}): ", q.options.len(), q.key);
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if input.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim();
        let picked = line
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| q.options.get(i))
            .or_else(|| q.options.iter().find(|(a, _)| a == line));
        match picked {
            Some((answer, _)) => return Some(answer.clone()),
            None => println!("    not a choice: {line:?}"),
        }
    }
}

/// Asks for the key file to import until it names a readable age identity; `None` at end
/// of input.
fn ask_import_file(input: &mut dyn std::io::BufRead) -> Option<PathBuf> {
    loop {
        print!("key file to import (age-keygen format): ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if input.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let path = PathBuf::from(line.trim());
        match super::agekey::check_import_file(&path) {
            Ok(recipient) => {
                println!("    importing the key with public key {recipient}");
                return Some(path);
            }
            Err(e) => println!("    {e}"),
        }
    }
}

/// `kubectl` with the kubeconfig and context the install used, so the commands reach the
/// same cluster whatever the shell's `KUBECONFIG` is.
pub fn kubectl(kubeconfig: Option<&Path>, context: Option<&str>) -> String {
    let mut out = String::from("kubectl");
    if let Some(kc) = kubeconfig {
        out.push_str(&format!(
            " --kubeconfig {}",
            shell_quote(&kc.display().to_string())
        ));
    }
    if let Some(c) = context {
        out.push_str(&format!(" --context {}", shell_quote(c)));
    }
    out
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@=+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// How to reach Argo CD and what to do next.
pub(crate) fn next_steps(w: &Wizard) -> Vec<String> {
    let ns = &w.config.argocd.namespace;
    let k = kubectl(
        w.state
            .kubeconfig
            .as_deref()
            .or(w.config.cluster.kubeconfig.as_deref()),
        w.state
            .context
            .as_deref()
            .or(w.config.cluster.context.as_deref()),
    );
    vec![
        format!(
            "Argo CD: {k} -n {ns} port-forward svc/argocd-server 8080:443, then https://localhost:8080 (user admin)"
        ),
        format!(
            "admin password: {k} -n {ns} get secret argocd-initial-admin-secret -o jsonpath='{{.data.password}}' | base64 -d"
        ),
        format!(
            "next: commit and push {} (apps/{}/ and environments/{}/) so the root Application can sync; encrypt secrets with sops (.sops.yaml holds the recipient)",
            w.config.gitops.path.display(),
            w.config.environment,
            w.config.environment
        ),
        format!("catalog: {}", catalog::names().join(", ")),
    ]
}

/// Entry point of `opsdeck install`.
pub async fn cli(args: crate::cli::InstallArgs) -> color_eyre::eyre::Result<()> {
    if args.catalog {
        for app in catalog::CATALOG {
            println!(
                "{:<24} wave {:>3}  {} {} ({})",
                app.name, app.wave, app.chart, app.revision, app.description
            );
        }
        return Ok(());
    }
    let data_dir = crate::config::data_dir()
        .ok_or_else(|| color_eyre::eyre::eyre!("no data directory (set OPSDECK_DATA_DIR)"))?;
    let Some(config) = args.config else {
        // No --config: the interactive wizard, themed and keyed as the console is.
        let overrides = crate::config::Overrides {
            theme: args.theme.clone(),
            ..crate::config::Overrides::default()
        };
        let settings = crate::config::Config::load(
            crate::config::config_dir().as_deref(),
            &overrides,
            crate::config::theme::no_color_from_env(),
        );
        return super::tui::run_standalone(super::tui::Options {
            kubeconfig: args.kubeconfig,
            context: args.context,
            data_dir,
            theme: settings.theme,
            keymap: settings.keymap,
        })
        .await;
    };
    run(RunOptions {
        config: &config,
        dry_run: args.dry_run,
        yes: args.yes,
        data_dir: &data_dir,
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question() -> super::super::plan::Question {
        super::super::plan::Question {
            prompt: "Argo CD exists".into(),
            key: "argocd.existing".into(),
            options: vec![
                ("adopt".into(), "take over".into()),
                ("stop".into(), "stop".into()),
            ],
        }
    }

    #[test]
    fn ask_takes_a_number_or_a_name_and_asks_again_otherwise() {
        let mut input = std::io::Cursor::new("9\nmaybe\n2\n");
        assert_eq!(ask(&question(), &mut input), Some("stop".into()));
        let mut input = std::io::Cursor::new("adopt\n");
        assert_eq!(ask(&question(), &mut input), Some("adopt".into()));
        let mut input = std::io::Cursor::new("x\n");
        assert_eq!(ask(&question(), &mut input), None, "end of input");
    }

    #[test]
    fn the_import_file_is_asked_until_it_holds_a_key() {
        let dir = tempfile::tempdir().expect("tmp");
        let good = dir.path().join("key.txt");
        super::super::agekey::AgeKey::generate()
            .save_new(&good)
            .expect("saved");
        let text = format!(
            "{}\n{}\n",
            dir.path().join("none").display(),
            good.display()
        );
        let mut input = std::io::Cursor::new(text);
        assert_eq!(ask_import_file(&mut input), Some(good));
        assert_eq!(ask_import_file(&mut std::io::Cursor::new("")), None);
    }
}
