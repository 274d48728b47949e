//! Snapshots of the sync waves pane at 120×30, from state built from the shipped recordings
//! (no network): the healthy `platform` rollout and the final state of `wave-stuck`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::waves::fixture;

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    t.draw(|f| crate::ui::render(app, f)).unwrap();
    t
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        press(app, KeyCode::Char(c));
    }
}

#[test]
fn waves_platform_healthy_rollout() {
    let app = fixture::platform();
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn waves_stuck_stall_and_traps() {
    let mut app = fixture::stuck();
    keys(&mut app, "jj");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn waves_stuck_all_apps() {
    let mut app = fixture::stuck();
    press(&mut app, KeyCode::Tab);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn waves_app_detail_degraded() {
    let mut app = fixture::stuck();
    keys(&mut app, "jj");
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn waves_sync_confirmation() {
    let mut app = fixture::stuck();
    keys(&mut app, "js");
    insta::assert_snapshot!(draw(&app).backend());
}

/// The app at each acceptance size (80×24, 120×35, 200×50), one screen after another.
fn sweep(mut app: App, keys_first: &str) -> String {
    keys(&mut app, keys_first);
    crate::ui::tests::sizes::SIZES
        .iter()
        .map(|&(w, h)| {
            app.dispatch(crate::app::Msg::Resize(crate::ui::layout::viewport(w, h)));
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| crate::ui::render(&app, f)).unwrap();
            format!("{w}×{h}\n{}", t.backend())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn waves_stuck_at_three_sizes() {
    let text = sweep(fixture::stuck(), "");
    // A Degraded wave reads as blocked, not in progress; the short columns are explained.
    assert!(
        text.contains("wave -5 blocked: cert-manager Degraded"),
        "{text}"
    );
    assert!(text.contains("wave -5 · blocked"), "{text}");
    assert!(text.contains("OOS: resources out of sync"), "{text}");
    assert!(text.contains("OOS  UNH"), "columns separated: {text}");
    insta::assert_snapshot!(text);
}

#[test]
fn waves_app_detail_at_three_sizes() {
    let mut app = fixture::stuck();
    keys(&mut app, "jj");
    press(&mut app, KeyCode::Enter);
    let text = sweep(app, "");
    // Names are whole while the message column has room.
    let wide = text.split("200×50").nth(1).unwrap_or_default();
    assert!(
        wide.contains("cert-manager-controller-certificates"),
        "{wide}"
    );
    insta::assert_snapshot!(text);
}
