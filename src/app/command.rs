//! The `:` command line: parsing and tab completion.

use crate::model::Catalog;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Quit,
    Help,
    /// `:ctx` lists contexts; `:ctx name` switches.
    Context(Option<String>),
    /// `:ns` lists namespaces; `:ns name` (or `all`, `-A`) switches.
    Namespace(Option<NsArg>),
    /// The node pools pane.
    Pools,
    /// The Argo CD sync waves pane.
    Waves,
    /// The CloudNativePG pane; with `[namespace/]name`, that Cluster's detail.
    Cnpg(Option<String>),
    /// Metrics dashboards; with a name, that dashboard.
    Metrics(Option<String>),
    /// The PromQL editor, optionally with a query.
    Promql(String),
    /// The interactive install wizard (takes over the screen, then returns).
    Install,
    /// `:replay pause|resume|step|speed N|seek OFFSET`: replay controls.
    Replay(super::replay::ReplayCommand),
    /// A kind's table, optionally in another namespace (`:po kube-system`, `:deploy -n ns`,
    /// `:po -A`) and with a label selector (`:po -l app=web`).
    Kind {
        name: String,
        namespace: Option<NsArg>,
        labels: Option<String>,
    },
    /// `:exec CMD…`: runs a command once in the selected pod; the output shows in a view.
    Exec(String),
    /// `:pf` lists port forwards; `:pf stop` stops them all.
    Forwards {
        stop_all: bool,
    },
    /// `:xray KIND [NAME]`: owners and dependents as a tree.
    Xray {
        kind: String,
        name: Option<String>,
    },
    /// `:sort COLUMN [asc|desc]`: orders the table by a column.
    Sort {
        column: String,
        desc: Option<bool>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NsArg {
    All,
    Named(String),
}

impl NsArg {
    pub(crate) fn parse(s: &str) -> NsArg {
        match s {
            "all" | "-A" | "*" | "--all-namespaces" => NsArg::All,
            other => NsArg::Named(other.to_string()),
        }
    }
}

const BUILTINS: &[&str] = &[
    "q", "quit", "q!", "help", "ctx", "context", "ns", "pools", "cnpg", "waves", "metrics",
    "promql", "install", "replay", "sort", "exec", "pf", "xray",
];

pub(crate) fn parse(input: &str, catalog: &Catalog) -> Result<Command, String> {
    let mut words = input.split_whitespace();
    let Some(first) = words.next() else {
        return Err(String::new());
    };
    // The rest of the line is a query, spaces and all.
    if matches!(first.trim_start_matches(':'), "promql" | "query") {
        let rest = input.trim_start().trim_start_matches(':');
        let rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r);
        return Ok(Command::Promql(rest.trim().to_string()));
    }
    if first.trim_start_matches(':').eq_ignore_ascii_case("exec") {
        let rest = input.trim_start().trim_start_matches(':');
        let rest = rest
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r.trim());
        if rest.is_empty() {
            return Err("usage: :exec COMMAND [ARGS…] (runs in the selected pod)".into());
        }
        return Ok(Command::Exec(rest.to_string()));
    }
    if matches!(
        first.trim_start_matches(':').to_ascii_lowercase().as_str(),
        "pf" | "portforward" | "port-forward" | "portforwards" | "port-forwards"
    ) {
        let rest: Vec<&str> = words.collect();
        return match rest.as_slice() {
            [] => Ok(Command::Forwards { stop_all: false }),
            ["stop"] | ["stop-all"] => Ok(Command::Forwards { stop_all: true }),
            _ => Err("usage: :pf (list port forwards) or :pf stop (stop them all)".into()),
        };
    }
    if first.trim_start_matches(':').eq_ignore_ascii_case("replay") {
        let args: Vec<&str> = words.collect();
        return super::replay::parse_command(&args).map(Command::Replay);
    }
    let cmd = first.trim_start_matches(':').to_ascii_lowercase();
    let rest: Vec<&str> = words.collect();
    if cmd == "xray" {
        return match rest.as_slice() {
            [kind] => Ok(Command::Xray {
                kind: kind.to_string(),
                name: None,
            }),
            [kind, name] => Ok(Command::Xray {
                kind: kind.to_string(),
                name: Some(name.to_string()),
            }),
            _ => Err("usage: :xray KIND [NAME]".into()),
        };
    }
    if cmd == "sort" {
        return match rest.as_slice() {
            [column] => Ok(Command::Sort {
                column: column.to_string(),
                desc: None,
            }),
            [column, dir] => match dir.to_ascii_lowercase().as_str() {
                "asc" | "ascending" | "up" => Ok(Command::Sort {
                    column: column.to_string(),
                    desc: Some(false),
                }),
                "desc" | "descending" | "down" => Ok(Command::Sort {
                    column: column.to_string(),
                    desc: Some(true),
                }),
                other => Err(format!("sort: {other:?} is not asc or desc")),
            },
            _ => Err("usage: :sort COLUMN [asc|desc]".into()),
        };
    }
    if !matches!(
        cmd.as_str(),
        "q" | "quit"
            | "q!"
            | "exit"
            | "help"
            | "?"
            | "ctx"
            | "context"
            | "contexts"
            | "ns"
            | "pools"
            | "pool"
            | "waves"
            | "wave"
            | "cnpg"
            | "metrics"
            | "dashboard"
            | "dashboards"
            | "grafana"
            | "install"
    ) && let Some(kind) = catalog.resolve(&cmd)
    {
        let (namespace, labels) = kind_args(&rest)?;
        return Ok(Command::Kind {
            name: kind.full_name(),
            namespace,
            labels,
        });
    }
    let arg = rest.first().map(|s| s.to_string());
    if let Some(extra) = rest.get(1) {
        return Err(format!("unexpected {extra:?} in :{input}"));
    }
    Ok(match cmd.as_str() {
        "q" | "quit" | "q!" | "exit" => Command::Quit,
        "help" | "?" => Command::Help,
        "ctx" | "context" | "contexts" => Command::Context(arg),
        "ns" if arg.is_some() => Command::Namespace(arg.as_deref().map(NsArg::parse)),
        "ns" => Command::Namespace(None),
        "pools" | "pool" => Command::Pools,
        "waves" | "wave" => Command::Waves,
        "cnpg" => Command::Cnpg(arg),
        "metrics" | "dashboard" | "dashboards" | "grafana" => Command::Metrics(arg),
        "install" => Command::Install,
        word => return Err(unknown_command(word)),
    })
}

/// The feedback for a word that is neither a command nor a kind.
pub(crate) fn unknown_command(word: &str) -> String {
    format!("unknown command: {word} — try :help, or tab to complete")
}

/// A kind's arguments: a namespace (`NS`, `-n NS`, `-A`/`all`) and a label selector
/// (`-l k=v`, `-lk=v`, `--selector k=v`).
fn kind_args(args: &[&str]) -> Result<(Option<NsArg>, Option<String>), String> {
    let mut namespace = None;
    let mut labels = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "-l" | "--selector" => match it.next() {
                Some(sel) => labels = Some(sel.to_string()),
                None => return Err(format!("{a} needs a label selector, e.g. {a} app=web")),
            },
            "-n" | "--namespace" => match it.next() {
                Some(ns) => namespace = Some(NsArg::parse(ns)),
                None => return Err(format!("{a} needs a namespace")),
            },
            "-A" | "--all-namespaces" => namespace = Some(NsArg::All),
            s if s.starts_with("-l") && s.len() > 2 => labels = Some(s[2..].to_string()),
            s if s.starts_with("--selector=") => {
                labels = Some(s["--selector=".len()..].to_string());
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s:?}")),
            s if namespace.is_none() => namespace = Some(NsArg::parse(s)),
            s => return Err(format!("unexpected {s:?}")),
        }
    }
    if let Some(l) = &labels {
        super::filter::parse_selector(l)?;
    }
    Ok((namespace, labels))
}

/// Candidate completions of the whole line, sorted, best first.
pub(crate) fn completions(
    input: &str,
    catalog: &Catalog,
    contexts: &[String],
    namespaces: &[String],
) -> Vec<String> {
    let trailing_space = input.ends_with(' ');
    let words: Vec<&str> = input.split_whitespace().collect();
    match (words.as_slice(), trailing_space) {
        ([], _) => Vec::new(),
        ([w], false) => {
            let w = w.to_ascii_lowercase();
            let mut all: Vec<String> = catalog.words();
            all.extend(BUILTINS.iter().map(|s| s.to_string()));
            let mut out: Vec<String> = all
                .into_iter()
                .filter(|c| c.starts_with(&w) && *c != w)
                .collect();
            out.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
            out.dedup();
            out
        }
        ([cmd], true) | ([cmd, _], false) => {
            let partial = if trailing_space { "" } else { words[1] };
            let pool: Vec<String> = match cmd.to_ascii_lowercase().as_str() {
                "ctx" | "context" => contexts.to_vec(),
                _ => {
                    let mut ns = namespaces.to_vec();
                    ns.push("all".into());
                    ns
                }
            };
            let mut out: Vec<String> = pool
                .into_iter()
                .filter(|c| c.starts_with(partial) && c != partial)
                .map(|c| format!("{cmd} {c}"))
                .collect();
            out.sort();
            out
        }
        _ => Vec::new(),
    }
}

/// Completions of the argument of a command whose first word is one of `commands` (`metrics`
/// → dashboard ids); `None` for other lines.
pub(crate) fn argument_completions(
    input: &str,
    commands: &[&str],
    pool: &[String],
) -> Option<Vec<String>> {
    let trailing_space = input.ends_with(' ');
    let words: Vec<&str> = input.split_whitespace().collect();
    let (cmd, partial) = match (words.as_slice(), trailing_space) {
        ([cmd], true) => (*cmd, ""),
        ([cmd, partial], false) => (*cmd, *partial),
        _ => return None,
    };
    if !commands.contains(&cmd.to_ascii_lowercase().as_str()) {
        return None;
    }
    let mut out: Vec<String> = pool
        .iter()
        .filter(|c| c.starts_with(partial) && c.as_str() != partial)
        .map(|c| format!("{cmd} {c}"))
        .collect();
    out.sort();
    Some(out)
}

/// Commands whose argument is a dashboard id.
pub(crate) const DASHBOARD_COMMANDS: &[&str] = &["metrics", "dashboard", "dashboards", "grafana"];

/// The longest common prefix of the candidates.
pub(crate) fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut len = first.len();
    for c in &candidates[1..] {
        len = len.min(
            first
                .bytes()
                .zip(c.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        let c = Catalog::builtin();
        assert_eq!(parse("q", &c), Ok(Command::Quit));
        assert_eq!(parse("quit", &c), Ok(Command::Quit));
        assert_eq!(parse("ctx", &c), Ok(Command::Context(None)));
        assert_eq!(
            parse("ctx prod", &c),
            Ok(Command::Context(Some("prod".into())))
        );
        assert_eq!(parse("ns", &c), Ok(Command::Namespace(None)));
        assert_eq!(
            parse("ns kube-system", &c),
            Ok(Command::Namespace(Some(NsArg::Named("kube-system".into()))))
        );
        assert_eq!(
            parse("ns all", &c),
            Ok(Command::Namespace(Some(NsArg::All)))
        );
        assert_eq!(
            parse("po", &c),
            Ok(Command::Kind {
                name: "pods".into(),
                namespace: None,
                labels: None,
            })
        );
        assert_eq!(
            parse("po -l app=web", &c),
            Ok(Command::Kind {
                name: "pods".into(),
                namespace: None,
                labels: Some("app=web".into()),
            })
        );
        assert_eq!(
            parse("deploy -n shop", &c),
            Ok(Command::Kind {
                name: "deployments.apps".into(),
                namespace: Some(NsArg::Named("shop".into())),
                labels: None,
            })
        );
        assert_eq!(
            parse("po kube-system -lapp=dns,tier!=web", &c),
            Ok(Command::Kind {
                name: "pods".into(),
                namespace: Some(NsArg::Named("kube-system".into())),
                labels: Some("app=dns,tier!=web".into()),
            })
        );
        assert!(parse("po -l", &c).is_err());
        assert_eq!(
            parse("sort restarts desc", &c),
            Ok(Command::Sort {
                column: "restarts".into(),
                desc: Some(true)
            })
        );
        assert_eq!(
            parse("sort age", &c),
            Ok(Command::Sort {
                column: "age".into(),
                desc: None
            })
        );
        assert!(parse("sort", &c).is_err());
        assert_eq!(
            parse("xray deploy web", &c),
            Ok(Command::Xray {
                kind: "deploy".into(),
                name: Some("web".into())
            })
        );
        assert!(parse("xray", &c).is_err());
        assert_eq!(
            parse("frobnicate", &c),
            Err("unknown command: frobnicate — try :help, or tab to complete".into())
        );
        assert_eq!(
            parse("deploy -A", &c),
            Ok(Command::Kind {
                name: "deployments.apps".into(),
                namespace: Some(NsArg::All),
                labels: None,
            })
        );
        assert_eq!(parse("install", &c), Ok(Command::Install));
        assert!(parse("bogus", &c).unwrap_err().contains("bogus"));
        assert!(parse("po a b", &c).is_err());
    }

    #[test]
    fn completes() {
        let c = Catalog::builtin();
        let got = completions("dep", &c, &[], &[]);
        assert_eq!(got.first().map(String::as_str), Some("deploy"));
        assert!(got.contains(&"deployments".to_string()));
        assert!(got.contains(&"deployments.apps".to_string()));
        assert_eq!(common_prefix(&got), "deploy");
        let ctx = vec!["prod".to_string(), "staging".to_string()];
        assert_eq!(
            completions("ctx ", &c, &ctx, &[]),
            vec!["ctx prod", "ctx staging"]
        );
        assert_eq!(completions("ctx st", &c, &ctx, &[]), vec!["ctx staging"]);
        let ns = vec!["kube-system".to_string(), "shop".to_string()];
        assert_eq!(completions("ns k", &c, &[], &ns), vec!["ns kube-system"]);
        assert_eq!(completions("po s", &c, &[], &ns), vec!["po shop"]);
        assert!(completions("", &c, &[], &[]).is_empty());
        let ids = vec!["cluster-overview".to_string(), "cnpg".to_string()];
        assert_eq!(
            argument_completions("metrics c", DASHBOARD_COMMANDS, &ids),
            Some(vec![
                "metrics cluster-overview".to_string(),
                "metrics cnpg".to_string()
            ])
        );
        assert_eq!(
            argument_completions("metrics cn", DASHBOARD_COMMANDS, &ids),
            Some(vec!["metrics cnpg".to_string()])
        );
        assert_eq!(argument_completions("po c", DASHBOARD_COMMANDS, &ids), None);
    }
}
