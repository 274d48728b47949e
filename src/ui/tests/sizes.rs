//! The main tables of the `platform` recording at 80×24, 120×35 and 200×50: NAME keeps
//! its width, low-value columns shrink or drop, nothing is cut without an ellipsis, and the
//! header shows the EKS context once, readable.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{App, fixture};
use crate::config::Config;

pub(crate) const SIZES: [(u16, u16); 3] = [(80, 24), (120, 35), (200, 50)];

fn screen(app: &App, (w, h): (u16, u16)) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::ui::render(app, f)).unwrap();
    format!("{w}×{h}\n{}", t.backend())
}

/// The view after `command`, at every size.
fn sweep(command: &str) -> String {
    SIZES
        .iter()
        .map(|size| {
            let app = fixture::platform_app(*size, command, Config::default());
            screen(&app, *size)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every IP address shown whole: none cut into another valid-looking address.
fn assert_ips_whole(text: &str, all: &[String]) {
    for word in text.split(|c: char| c.is_whitespace() || c == '│') {
        if word.parse::<std::net::Ipv4Addr>().is_ok() {
            assert!(
                all.iter().any(|ip| ip == word),
                "cut IP {word:?} in\n{text}"
            );
        }
    }
}

fn pod_ips() -> Vec<String> {
    fixture::platform_objects()
        .iter()
        .filter_map(|o| o.data["status"]["podIP"].as_str().map(str::to_string))
        .chain(
            fixture::platform_objects()
                .iter()
                .filter_map(|o| o.data["spec"]["clusterIP"].as_str().map(str::to_string)),
        )
        .collect()
}

#[test]
fn pods_all_namespaces_at_three_sizes() {
    let text = sweep("pods -A");
    assert_ips_whole(&text, &pod_ips());
    insta::assert_snapshot!(text);
}

#[test]
fn services_at_three_sizes() {
    let text = sweep("svc -A");
    // The load balancer's name is whole where there is room for it.
    let wide: &str = text.split("200×50").nth(1).unwrap_or_default();
    assert!(
        wide.contains(
            "a82ea4b4cf1720288f101555685475e45-e40d870d8f0e5d20.elb.eu-west-1.amazonaws.com"
        ),
        "{wide}"
    );
    assert_ips_whole(&text, &pod_ips());
    insta::assert_snapshot!(text);
}

#[test]
fn nodes_at_three_sizes() {
    insta::assert_snapshot!(sweep("nodes"));
}

#[test]
fn header_shows_the_eks_context_once_and_readonly() {
    let mut config = Config::default();
    config.settings.readonly = true;
    let app = fixture::platform_app((80, 24), "pods -A", config);
    let text = screen(&app, (80, 24));
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains("context platform-prod (eu-west-1)"),
        "{first}"
    );
    assert!(first.contains("READONLY"), "{first}");
    assert!(!first.contains("arn:aws"), "{first}");
    assert!(!first.contains("cluster "), "{first}");
}
