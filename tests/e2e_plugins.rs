//! Plugins end to end: the console in tmux against its in-process sandbox, with a
//! `plugins.yaml` (k9s's format) whose commands write their arguments to files.
//! Foreground (the terminal handed over and back), background (output in a view),
//! confirmation, and `--readonly` refusing a dangerous plugin.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/console-shop.yaml")
        .display()
        .to_string()
}

/// A script that writes its arguments (one per line) and `$KUBECONFIG` to `out`, then
/// prints a line.
fn recorder(dir: &Path, out: &Path) -> PathBuf {
    let script = dir.join("rec.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{out}'\necho \"KUBECONFIG=$KUBECONFIG\" >> '{out}'\necho \"plugin output for $1\"\n",
            out = out.display()
        ),
    )
    .unwrap();
    script
}

fn plugins_yaml(script: &Path, dir: &Path) -> String {
    format!(
        r#"plugins:
  record-fg:
    shortCut: Shift-U
    description: Record args
    scopes: [pods]
    command: sh
    background: false
    args: ["{s}", fg, $NAME, $NAMESPACE, $CONTEXT, "$COL-STATUS"]
  record-bg:
    shortCut: b
    description: In background
    scopes: [po]
    command: sh
    background: true
    args: ["{s}", bg, $NAME]
  wipe:
    shortCut: Shift-X
    description: Wipe it
    scopes: [all]
    command: sh
    confirm: true
    dangerous: true
    args: ["-c", "echo $NAME > {d}/wipe.out"]
"#,
        s = script.display(),
        d = dir.display()
    )
}

fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(t) = std::fs::read_to_string(path)
            && t.contains("KUBECONFIG=")
        {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn console(name: &str, extra: &[&str]) -> (Tmux, PathBuf) {
    let work = tempfile::tempdir().unwrap().keep();
    let rec = fixture();
    let mut args = vec!["--sandbox", "--recording", rec.as_str(), "-n", "shop"];
    args.extend(extra);
    let w = work.clone();
    let t = Tmux::start_prepared(name, &args, (220, 45), WAIT, move |dir| {
        let script = recorder(&w, &w.join("args.out"));
        std::fs::write(dir.join("config/plugins.yaml"), plugins_yaml(&script, &w)).unwrap();
    });
    (t, work)
}

#[test]
fn foreground_and_background_plugins_with_variables() {
    let (t, work) = console("plugins", &[]);
    // The plugins of the pods view are in the footer like built-in keys.
    t.wait_for(&[
        "pods(shop)[",
        "orders-db-0",
        "<U> Record args",
        "<b> In background",
        "<X> Wipe it",
    ]);

    // Foreground: the terminal is handed over, the command runs, the same view comes back.
    t.keys(&["g", "U"]);
    let args = wait_file(&work.join("args.out"));
    let lines: Vec<&str> = args.lines().collect();
    assert_eq!(
        &lines[..5],
        &[
            "fg",
            "orders-db-0",
            "shop",
            "opsdeck-sandbox-console-shop",
            "CrashLoopBackOff"
        ],
        "{args}"
    );
    let kc = lines.last().unwrap().trim_start_matches("KUBECONFIG=");
    assert!(
        Path::new(kc).is_file(),
        "KUBECONFIG {kc:?} is not the sandbox's kubeconfig file"
    );
    t.wait_for(&["pods(shop)[", "orders-db-0", "plugin record-fg"]);

    // Background: output in a view, then back with Esc.
    std::fs::remove_file(work.join("args.out")).unwrap();
    t.keys(&["j", "b"]);
    t.wait_for(&["plugin record-bg: sh", "plugin output for bg"]);
    let args = wait_file(&work.join("args.out"));
    assert!(args.starts_with("bg\n"), "{args}");
    t.keys(&["Escape"]);
    t.wait_for(&["pods(shop)[", "<U> Record args"]);

    // Dangerous with confirm: a dialog with the command line; `n` cancels, `y` runs.
    t.keys(&["g", "X"]);
    t.wait_for(&["Run plugin", "echo orders-db-0 >"]);
    t.keys(&["n"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(!work.join("wipe.out").exists());
    t.keys(&["X"]);
    t.wait_for(&["Run plugin"]);
    t.keys(&["y"]);
    let deadline = Instant::now() + WAIT;
    while !work.join("wipe.out").exists() {
        assert!(Instant::now() < deadline, "confirmed plugin did not run");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(work.join("wipe.out")).unwrap(),
        "orders-db-0\n"
    );

    // Help lists them.
    t.keys(&["?"]);
    t.wait_for(&["help"]);
    // The plugins section follows the built-in keys, below the fold: go to the end.
    t.keys(&["G"]);
    t.wait_for(&["plugins", "Record args", "plugin record-fg", "Wipe it"]);
    t.keys(&["Escape"]);
    t.quit();
}

#[test]
fn readonly_hides_and_refuses_dangerous_plugins() {
    let (t, work) = console("plugins-ro", &["--readonly"]);
    let s = t.wait_for(&["pods(shop)[", "orders-db-0", "<U> Record args", "READONLY"]);
    assert!(
        !s.contains("Wipe it"),
        "dangerous plugin shown in read-only:\n{s}"
    );
    t.keys(&["g", "X"]);
    std::thread::sleep(Duration::from_millis(800));
    let s = t.screen();
    assert!(!s.contains("Run plugin"), "dialog in read-only:\n{s}");
    assert!(!work.join("wipe.out").exists());
    // Non-dangerous plugins still run.
    t.keys(&["U"]);
    wait_file(&work.join("args.out"));
    t.wait_for(&["pods(shop)["]);
    t.quit();
}

/// `kubectl opsdeck` (the binary installed as `kubectl-opsdeck`) in a terminal against an
/// `opsdeck sandbox` process, with kubectl's global flags after the plugin name.
#[test]
fn kubectl_opsdeck_with_kubectl_flags() {
    let sb = common::SandboxProcess::platform();
    let context = sb
        .kubectl_ok(&["config", "current-context"])
        .trim()
        .to_string();
    let kubectl = common::kubectl_path();
    let kc = sb.kubeconfig().display().to_string();
    let bin = common::tmux::binary();
    let ctx = context.clone();
    let t = Tmux::start_command("kubectl-plugin", (160, 45), WAIT, move |dir| {
        let plugdir = dir.join("bin");
        std::fs::create_dir_all(&plugdir).unwrap();
        std::os::unix::fs::symlink(&bin, plugdir.join("kubectl-opsdeck")).unwrap();
        format!(
            "PATH={}:$PATH {} opsdeck --kubeconfig {kc} --context {ctx} -n keycloak --request-timeout=5s",
            plugdir.display(),
            kubectl.display()
        )
    });
    let s = t.wait_for(&["pods(keycloak)[", "namespace keycloak", "● connected"]);
    // The header shortens an EKS ARN to the cluster's name (and region).
    let shown = context.rsplit('/').next().unwrap_or(&context);
    assert!(s.contains(&format!("context {shown}")), "{s}");
    t.quit();
}
