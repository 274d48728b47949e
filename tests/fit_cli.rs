//! Fitting into a user's tools, through the binary: `import-k9s` and k9s's files live,
//! `config path|show|init`, bash completion (run by bash itself), the man page, and the
//! binary answering as a kubectl plugin (`kubectl opsdeck`, via the real kubectl).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    common::tmux::binary()
}

/// opsdeck with an isolated config and data directory (and no k9s directory of the user's).
fn opsdeck(home: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("OPSDECK_CONFIG_DIR", home.join("config"))
        .env("OPSDECK_DATA_DIR", home.join("data"))
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("xdg"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env_remove("K9S_CONFIG_DIR")
        .env_remove("KUBECONFIG")
        .output()
        .expect("run opsdeck")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(o: Output) -> String {
    let (out, err) = text(&o);
    assert!(
        o.status.success(),
        "failed: {}\nstdout:\n{out}\nstderr:\n{err}",
        o.status
    );
    out
}

fn failed(o: Output) -> String {
    let (out, err) = text(&o);
    assert!(!o.status.success(), "succeeded:\n{out}\n{err}");
    format!("{out}{err}")
}

/// k9s's files in k9s's documented formats (written for these tests).
fn k9s_dir(root: &Path) -> PathBuf {
    let d = root.join("k9s");
    std::fs::create_dir_all(d.join("skins")).unwrap();
    std::fs::write(
        d.join("plugins.yaml"),
        r#"plugins:
  # The Argo CD sync plugin shape k9s users share.
  argocd-sync:
    shortCut: Shift-S
    description: Sync
    scopes:
    - applications
    command: bash
    confirm: true
    dangerous: true
    background: true
    overwriteOutput: true
    args:
    - -c
    - "argocd app sync $NAME --app-namespace $NAMESPACE --core --kube-context $CONTEXT"
  cnpg-status:
    shortCut: s
    description: Status
    scopes: [cluster]
    command: kubectl
    background: false
    args: [cnpg, status, $NAME, -n, $NAMESPACE, --context, $CONTEXT]
  with-inputs:
    shortCut: Shift-I
    description: Asks first
    scopes: [pods]
    command: echo
    inputs:
    - name: replicas
      type: number
"#,
    )
    .unwrap();
    std::fs::write(
        d.join("hotkeys.yaml"),
        "hotKeys:\n  shift-0:\n    shortCut: Shift-0\n    description: Viewing pods\n    command: pods\n    keepHistory: true\n",
    )
    .unwrap();
    std::fs::write(
        d.join("aliases.yaml"),
        "aliases:\n  pp: v1/pods\n  crb: rbac.authorization.k8s.io/v1/clusterrolebindings\n  fred: pod fred app=blee\n",
    )
    .unwrap();
    std::fs::write(
        d.join("config.yaml"),
        "k9s:\n  readOnly: true\n  ui:\n    skin: navy\n  logger:\n    buffer: 500\n",
    )
    .unwrap();
    std::fs::write(
        d.join("skins/navy.yaml"),
        "k9s:\n  body:\n    fgColor: dodgerblue\n    logoColor: '#0000ff'\n  frame:\n    border:\n      fgColor: steelblue\n    menu:\n      keyColor: cornflowerblue\n      numKeyColor: cadetblue\n  views:\n    table:\n      cursorColor: aqua\n      header:\n        fgColor: white\n        sorterColor: orange\n    logs:\n      fgColor: lightskyblue\n",
    )
    .unwrap();
    d
}

#[test]
fn import_k9s_dry_run_then_write_with_a_report() {
    let home = tempfile::tempdir().unwrap();
    let k = k9s_dir(home.path());
    let kd = k.display().to_string();

    let out = ok(opsdeck(
        home.path(),
        &["import-k9s", "--dir", &kd, "--dry-run"],
    ));
    for needle in [
        "would write",
        "plugins.yaml",
        "2 plugins",
        "1 hotkey",
        "3 aliases",
        "theme.toml",
        "navy.yaml",
        "`inputs` is not supported; plugin skipped",
        "`overwriteOutput` has no equivalent",
        "`keepHistory` has no equivalent",
        "views.table.header.sorterColor: no equivalent",
        "views.logs.fgColor: no equivalent",
        "k9s.readOnly: true → put `readonly = true`",
    ] {
        assert!(out.contains(needle), "{needle:?} not in:\n{out}");
    }
    assert!(
        !home.path().join("config/plugins.yaml").exists(),
        "dry run wrote"
    );

    let out = ok(opsdeck(home.path(), &["import-k9s", "--dir", &kd]));
    assert!(out.contains("wrote"), "{out}");
    for f in ["plugins.yaml", "hotkeys.yaml", "aliases.yaml", "theme.toml"] {
        assert!(
            home.path().join("config").join(f).is_file(),
            "{f} not written"
        );
    }
    let theme = std::fs::read_to_string(home.path().join("config/theme.toml")).unwrap();
    assert!(theme.contains("text = { fg = \"#1e90ff\" }"), "{theme}");

    // What opsdeck now reads: the imported files, without problems except the skipped plugin.
    let out = opsdeck(home.path(), &["config", "show"]);
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("argocd-sync") && stdout.contains("Shift-S"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cnpg-status") && stdout.contains("[background]"),
        "{stdout}"
    );
    assert!(stdout.contains(":pp → v1/pods"), "{stdout}");
    assert!(
        stdout.contains("shift-0") && stdout.contains(":pods"),
        "{stdout}"
    );
    assert!(stderr.contains("plugins.with-inputs"), "{stderr}");

    // A second import keeps the files unless --force.
    let msg = failed(opsdeck(home.path(), &["import-k9s", "--dir", &kd]));
    assert!(
        msg.contains("not overwritten") && msg.contains("--force"),
        "{msg}"
    );
    ok(opsdeck(
        home.path(),
        &["import-k9s", "--dir", &kd, "--force"],
    ));
}

#[test]
fn k9s_files_live_from_k9s_config_dir() {
    let home = tempfile::tempdir().unwrap();
    let k = k9s_dir(home.path());
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::write(
        home.path().join("config/config.toml"),
        "[k9s]\nimport = \"live\"\n",
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["config", "show"])
        .env("OPSDECK_CONFIG_DIR", home.path().join("config"))
        .env("OPSDECK_DATA_DIR", home.path().join("data"))
        .env("K9S_CONFIG_DIR", &k)
        .env("XDG_DATA_HOME", home.path().join("xdg-data"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("import = \"live\""), "{stdout}");
    assert!(stdout.contains("argocd-sync"), "{stdout}");
    assert!(
        stdout.contains(&format!("{}", k.join("plugins.yaml").display())),
        "{stdout}"
    );
    assert!(stdout.contains(":fred → pod fred app=blee"), "{stdout}");
    assert!(stderr.contains("with-inputs"), "{stderr}");
    // config path lists k9s's files too.
    let out = Command::new(bin())
        .args(["config", "path"])
        .env("OPSDECK_CONFIG_DIR", home.path().join("config"))
        .env("OPSDECK_DATA_DIR", home.path().join("data"))
        .env("K9S_CONFIG_DIR", &k)
        .output()
        .unwrap();
    let paths = ok(out);
    assert!(
        paths.contains("k9s (live)") && paths.contains("k9s skin (live)"),
        "{paths}"
    );
    assert!(paths.contains("navy.yaml"), "{paths}");
}

#[test]
fn config_path_show_init() {
    let home = tempfile::tempdir().unwrap();
    let out = ok(opsdeck(home.path(), &["config", "path"]));
    assert!(out.contains("from $OPSDECK_CONFIG_DIR"), "{out}");
    assert!(out.contains("from $OPSDECK_DATA_DIR"), "{out}");
    for f in [
        "config.toml",
        "theme.toml",
        "keymap.toml",
        "plugins.yaml",
        "opsdeck.log",
    ] {
        assert!(out.contains(f), "{f} not in:\n{out}");
    }
    let out = ok(opsdeck(home.path(), &["config", "init"]));
    assert!(out.contains("wrote"), "{out}");
    let cfg = home.path().join("config/config.toml");
    let written = std::fs::read_to_string(&cfg).unwrap();
    assert!(written.starts_with("# opsdeck configuration"), "{written}");
    let msg = failed(opsdeck(home.path(), &["config", "init"]));
    assert!(
        msg.contains("already exists") && msg.contains("--force"),
        "{msg}"
    );
    ok(opsdeck(home.path(), &["config", "init", "--force"]));

    // Effective settings merge the file; an unknown key names file, line and key.
    std::fs::write(&cfg, "log_lines = 42\n\n[k9s]\nimprt = \"live\"\n").unwrap();
    let msg = failed(opsdeck(home.path(), &["config", "show"]));
    assert!(
        msg.contains(&format!(
            "{}:4: key `imprt`: unknown field `imprt`",
            cfg.display()
        )),
        "{msg}"
    );
    std::fs::write(&cfg, "log_lines = 42\n").unwrap();
    let out = ok(opsdeck(home.path(), &["config", "show"]));
    assert!(
        out.contains("log_lines = 42") && out.contains("theme = \"dark\""),
        "{out}"
    );
}

/// Runs bash's completion for `line` (the words typed so far, the last one being
/// completed) with the script `opsdeck completions bash` prints; returns COMPREPLY.
fn bash_complete(home: &Path, env: &[(&str, &Path)], line: &str) -> Vec<String> {
    let script = ok(opsdeck(home, &["completions", "bash"]));
    let script_path = home.join("opsdeck.bash");
    std::fs::write(&script_path, script).unwrap();
    let bindir = bin().parent().unwrap().to_path_buf();
    let words: Vec<&str> = line.split(' ').collect();
    let words_q: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source '{script}'
spec=$(complete -p opsdeck) || {{ echo "no completion registered"; exit 3; }}
fn=$(echo "$spec" | sed -E 's/.*-F ([^ ]+).*/\1/')
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
COMP_TYPE=9
"$fn" opsdeck '{cur}' '{prev}'
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        script = script_path.display(),
        words = words_q.join(" "),
        cword = words.len() - 1,
        line = line,
        cur = words.last().unwrap(),
        prev = words.get(words.len().saturating_sub(2)).unwrap_or(&""),
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(program)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bindir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("OPSDECK_CONFIG_DIR", home.join("config"))
        .env_remove("KUBECONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash");
    let (stdout, stderr) = text(&out);
    assert!(
        out.status.success(),
        "bash completion failed:\n{stdout}\n{stderr}"
    );
    stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_flags_contexts_namespaces_and_recordings() {
    // The test binary must be named `opsdeck` on PATH for the script (it calls `opsdeck`).
    assert_eq!(bin().file_name().unwrap(), "opsdeck");
    let home = tempfile::tempdir().unwrap();
    let got = bash_complete(home.path(), &[], "opsdeck com");
    assert_eq!(got, ["completions"], "{got:?}");
    let got = bash_complete(home.path(), &[], "opsdeck config ");
    for c in ["path", "show", "init"] {
        assert!(got.iter().any(|g| g == c), "{c} not in {got:?}");
    }
    let got = bash_complete(home.path(), &[], "opsdeck --all-n");
    assert_eq!(got, ["--all-namespaces"], "{got:?}");
    let got = bash_complete(home.path(), &[], "opsdeck --sandbox --recording cnpg");
    assert!(got.iter().any(|g| g == "cnpg-failover"), "{got:?}");

    // Contexts from the kubeconfig; namespaces from the API server (a sandbox here).
    let sb = common::SandboxProcess::platform();
    let kc = sb.kubeconfig().to_path_buf();
    let got = bash_complete(home.path(), &[("KUBECONFIG", &kc)], "opsdeck --context ");
    let contexts = sb.kubectl_ok(&["config", "get-contexts", "-o", "name"]);
    assert_eq!(got, contexts.lines().collect::<Vec<_>>(), "{got:?}");
    let got = bash_complete(home.path(), &[("KUBECONFIG", &kc)], "opsdeck -n k");
    assert!(got.iter().any(|g| g == "keycloak"), "{got:?}");
    assert!(got.iter().all(|g| g.starts_with('k')), "{got:?}");
}

#[test]
fn zsh_and_fish_scripts_and_man_page() {
    let home = tempfile::tempdir().unwrap();
    let zsh = ok(opsdeck(home.path(), &["completions", "zsh"]));
    assert!(
        zsh.contains("#compdef opsdeck") && zsh.contains("COMPLETE"),
        "{zsh}"
    );
    let fish = ok(opsdeck(home.path(), &["completions", "fish"]));
    assert!(
        fish.contains("complete") && fish.contains("opsdeck"),
        "{fish}"
    );
    let man = ok(opsdeck(home.path(), &["man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH opsdeck"),
        "{man}"
    );
    for needle in [
        "import\\-k9s",
        "completions",
        "\\-\\-readonly",
        "\\-\\-context",
    ] {
        assert!(man.contains(needle), "{needle} not in the man page");
    }
}

#[test]
fn answers_as_a_kubectl_plugin() {
    let home = tempfile::tempdir().unwrap();
    let plugdir = home.path().join("bin");
    std::fs::create_dir_all(&plugdir).unwrap();
    std::os::unix::fs::symlink(bin(), plugdir.join("kubectl-opsdeck")).unwrap();
    let kubectl = common::kubectl_path();
    let path = format!(
        "{}:{}",
        plugdir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        Command::new(&kubectl)
            .args(args)
            .env("PATH", &path)
            .env("OPSDECK_CONFIG_DIR", home.path().join("config"))
            .env("OPSDECK_DATA_DIR", home.path().join("data"))
            .output()
            .unwrap()
    };
    let out = ok(run(&["plugin", "list"]));
    assert!(out.contains("kubectl-opsdeck"), "{out}");
    let out = ok(run(&["opsdeck", "--version"]));
    assert!(out.starts_with("kubectl opsdeck "), "{out}");
    let out = ok(run(&["opsdeck", "--help"]));
    assert!(out.contains("Usage: kubectl opsdeck"), "{out}");
    let msg = failed(run(&["opsdeck", "--token", "abc"]));
    assert!(
        msg.contains("--token is not supported") && msg.contains("kubeconfig"),
        "{msg}"
    );
}
