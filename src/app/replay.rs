//! Replay controls. A sandbox replaying a recording serves the cluster-scoped kind
//! `replays.sandbox.opsdeck.dev` (one object, `current`); when discovery lists it the
//! console watches it like any kind, shows its status as a timeline bar in the header and
//! changes its `spec` with merge patches (pause, step, speed, seek). Nothing here knows
//! about the sandbox beyond that resource; against a real cluster the kind is absent and
//! none of this costs anything.
//!
//! Replay control is not a change of the cluster: it is allowed in `--readonly`.

use std::sync::Arc;

use crate::model::object::Obj;
use serde_json::{Value, json};

use super::prompt::{Prompt, PromptKind};
use super::{App, Level, WatchStatus};
use crate::model::action::Action;
use crate::model::{ResourceKind, WatchKey, WatchSpec};
use crate::sources::{ObjectTarget, Request};

/// The kind, as discovery names it.
pub(crate) const KIND: &str = "replays.sandbox.opsdeck.dev";
/// The one object of the kind.
pub(crate) const OBJECT: &str = "current";
/// Speeds the faster/slower keys go through.
pub(crate) const SPEEDS: &[f64] = &[0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];

pub(crate) mod strings {
    pub(crate) const NO_REPLAY: &str = "no replay: the cluster does not serve replays.sandbox.opsdeck.dev (opsdeck --sandbox serves it while a recording replays)";
    pub(crate) const USAGE: &str =
        "usage: :replay pause|resume|step|speed N|seek OFFSET (e.g. 1m30s)";
    pub(crate) const HELP_SECTION: &str =
        "replay keys (a sandbox replaying a recording; allowed in --readonly)";
    pub(crate) const HELP_COMMAND: &str = ":replay <what>";
    pub(crate) const HELP_COMMAND_WHAT: &str = "pause, resume, step, speed N (0.5-60), seek 1m30s (restarts from the start and fast-forwards)";
    pub(crate) const FASTEST: &str = "replay: already at the fastest speed (60×)";
    pub(crate) const SLOWEST: &str = "replay: already at the slowest speed (0.5×)";
    pub(crate) const SEEK_PROMPT: &str = "replay seek ";
}

/// Where the replay is, from the `current` object's status (and spec).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayBar {
    pub state: ReplayPhase,
    /// Seconds into the timeline, and its length.
    pub offset: f64,
    pub duration: f64,
    pub applied: u64,
    pub total: u64,
    pub speed: f64,
    pub next_note: Option<String>,
    pub recording: String,
    /// The spec as last seen (what the next patch builds on).
    pub spec_paused: bool,
    pub spec_step: i64,
    /// Seeks done so far (`status.seeks`): a change means the cluster's state was rebuilt.
    pub seeks: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayPhase {
    Playing,
    Paused,
    Finished,
}

/// The console's replay state: the bar (when the kind is served) and the last step
/// counter sent, so that quick presses each step once.
#[derive(Debug, Clone, Default)]
pub struct ReplayState {
    pub bar: Option<ReplayBar>,
    step_sent: i64,
    /// The last speed asked for and when, until the Replay object shows it: quick
    /// presses of faster/slower step on from it, not from the speed last observed.
    speed_sent: Option<(f64, jiff::Timestamp)>,
}

/// A parsed `:replay …` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplayCommand {
    Pause,
    Resume,
    Step,
    /// A speed as typed (a number; the server checks the range).
    Speed(String),
    /// An offset as typed (`1m30s`, `90s`, `90`).
    Seek(String),
}

/// Parses the words after `:replay`.
pub(crate) fn parse_command(args: &[&str]) -> Result<ReplayCommand, String> {
    match args {
        ["pause"] => Ok(ReplayCommand::Pause),
        ["resume" | "play"] => Ok(ReplayCommand::Resume),
        ["step"] => Ok(ReplayCommand::Step),
        ["speed", n] => {
            let n = n.trim_end_matches(['x', '×']);
            match n.parse::<f64>() {
                Ok(s) if s.is_finite() => Ok(ReplayCommand::Speed(n.to_string())),
                _ => Err(format!("{n:?} is not a speed; {}", strings::USAGE)),
            }
        }
        ["seek", offset] => {
            let checked = match offset.parse::<f64>() {
                Ok(secs) => crate::domain::duration::seconds(secs),
                Err(_) => crate::domain::duration::parse_offset(offset),
            };
            match checked {
                Ok(_) => Ok(ReplayCommand::Seek(offset.to_string())),
                Err(e) => Err(format!("{e}; {}", strings::USAGE)),
            }
        }
        _ => Err(strings::USAGE.to_string()),
    }
}

/// The next speed up (`faster`) or down the [`SPEEDS`] ladder.
pub(crate) fn next_speed(current: f64, faster: bool) -> Option<f64> {
    if faster {
        SPEEDS.iter().copied().find(|s| *s > current + 1e-9)
    } else {
        SPEEDS.iter().rev().copied().find(|s| *s < current - 1e-9)
    }
}

/// The bar of a `Replay` object.
pub(crate) fn bar_of(obj: &Obj) -> ReplayBar {
    let st = &obj.data["status"];
    let spec = &obj.data["spec"];
    let num = |v: &crate::model::object::Value| v.as_f64().unwrap_or(0.0);
    let paused = spec["paused"].as_bool().unwrap_or(false);
    let state = match st["state"].as_str() {
        Some("Finished") => ReplayPhase::Finished,
        Some("Paused") => ReplayPhase::Paused,
        Some("Playing") => ReplayPhase::Playing,
        _ if paused => ReplayPhase::Paused,
        _ => ReplayPhase::Playing,
    };
    ReplayBar {
        state,
        offset: num(&st["offset"]),
        duration: num(&st["duration"]),
        applied: st["eventsApplied"].as_u64().unwrap_or(0),
        total: st["eventsTotal"].as_u64().unwrap_or(0),
        speed: st["speed"]
            .as_f64()
            .or_else(|| spec["speed"].as_f64())
            .unwrap_or(1.0),
        next_note: st["nextEventNote"].as_str().map(str::to_string),
        recording: st["recording"].as_str().unwrap_or("").to_string(),
        spec_paused: paused,
        spec_step: spec["step"].as_i64().unwrap_or(0),
        seeks: st["seeks"].as_u64().unwrap_or(0),
    }
}

/// `1:05`, `1:02:03`.
pub(crate) fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// `2×`, `0.5×`.
pub(crate) fn speed_label(speed: f64) -> String {
    if speed.fract() == 0.0 {
        format!("{speed:.0}×")
    } else {
        format!("{speed}×")
    }
}

impl App {
    fn replay_kind(&self) -> Option<Arc<ResourceKind>> {
        if !self.catalog.discovered {
            return None;
        }
        self.catalog.resolve(KIND)
    }

    /// The watch of the `Replay` kind, kept while the console runs (when it is served).
    pub(super) fn replay_background_watches(&self) -> Vec<WatchSpec> {
        self.replay_kind()
            .map(|k| vec![WatchSpec::new(k, None, None, None)])
            .unwrap_or_default()
    }

    /// Rebuilds the bar after the Replay watch changed.
    pub(super) fn replay_observe(&mut self, key: &WatchKey) {
        let Some(spec) = self.replay_background_watches().into_iter().next() else {
            self.replay.bar = None;
            return;
        };
        if spec.key != *key {
            return;
        }
        let Some(data) = self.watches.get(key) else {
            return;
        };
        if data.status == WatchStatus::Loading {
            return;
        }
        let Some(store) = &data.store else { return };
        let before = self.replay.bar.as_ref().map(|b| b.seeks);
        self.replay.bar = store
            .state()
            .iter()
            .find(|o| o.metadata.name.as_deref() == Some(OBJECT))
            .map(|o| bar_of(o));
        let after = self.replay.bar.as_ref().map(|b| b.seeks);
        if before.is_some() && after.is_some() && after != before {
            // The replay went back to its start and fast-forwarded: what the panes
            // accumulated from watching is not the replayed cluster's history any more.
            self.cnpg.restart_timelines(self.now);
        }
        if let (Some(bar), Some((sent, _))) = (&self.replay.bar, self.replay.speed_sent)
            && bar.speed == sent
        {
            self.replay.speed_sent = None;
        }
    }

    /// The speed the next faster/slower press steps from: the last one asked for when
    /// its answer is still on the way (for a few seconds at most), else the observed one.
    fn replay_base_speed(&self, observed: f64) -> f64 {
        match self.replay.speed_sent {
            Some((sent, at)) if (self.now.as_second() - at.as_second()) < 5 => sent,
            _ => observed,
        }
    }

    fn replay_patch(&mut self, spec: Value, what: &str) {
        let Some(kind) = self.replay_kind() else {
            return self.flash(strings::NO_REPLAY, Level::Warn);
        };
        self.request(Request::Patch {
            target: ObjectTarget {
                kind,
                namespace: None,
                name: OBJECT.to_string(),
            },
            patch: json!({ "spec": spec }),
            what: format!("replay {what}"),
        });
    }

    /// The help section of the replay keys and command, while a replay is served.
    pub(super) fn replay_help(&self, out: &mut Vec<super::HelpLine>) {
        use super::HelpLine;
        if self.replay.bar.is_none() {
            return;
        }
        out.push(HelpLine::Section(strings::HELP_SECTION.into()));
        let km = &self.config.keymap;
        for b in km
            .bindings(super::Context::Global)
            .filter(|b| b.action.is_replay())
        {
            out.push(HelpLine::binding(b));
        }
        out.push(HelpLine::Text(
            strings::HELP_COMMAND.into(),
            strings::HELP_COMMAND_WHAT.into(),
        ));
    }

    /// Handles the replay keys; `false` for other actions.
    pub(super) fn replay_action(&mut self, a: Action) -> bool {
        let command = match a {
            Action::ReplayPause => match &self.replay.bar {
                Some(b) if b.spec_paused => ReplayCommand::Resume,
                _ => ReplayCommand::Pause,
            },
            Action::ReplayStep => ReplayCommand::Step,
            Action::ReplayFaster | Action::ReplaySlower => {
                let Some(bar) = &self.replay.bar else {
                    self.flash(strings::NO_REPLAY, Level::Warn);
                    return true;
                };
                let base = self.replay_base_speed(bar.speed);
                match next_speed(base, a == Action::ReplayFaster) {
                    Some(s) => ReplayCommand::Speed(s.to_string()),
                    None if a == Action::ReplayFaster => {
                        self.flash(strings::FASTEST, Level::Info);
                        return true;
                    }
                    None => {
                        self.flash(strings::SLOWEST, Level::Info);
                        return true;
                    }
                }
            }
            Action::ReplaySeek => {
                if self.replay.bar.is_none() {
                    self.flash(strings::NO_REPLAY, Level::Warn);
                } else {
                    self.prompt = Some(Prompt::new(PromptKind::Command, strings::SEEK_PROMPT));
                    self.refit();
                }
                return true;
            }
            _ => return false,
        };
        self.replay_command(command);
        true
    }

    /// Runs `:replay …` (and the replay keys).
    pub(super) fn replay_command(&mut self, command: ReplayCommand) {
        let Some(bar) = self.replay.bar.clone() else {
            return self.flash(strings::NO_REPLAY, Level::Warn);
        };
        match command {
            ReplayCommand::Pause => self.replay_patch(json!({"paused": true}), "pause"),
            ReplayCommand::Resume => self.replay_patch(json!({"paused": false}), "resume"),
            ReplayCommand::Step => {
                // Stepping pauses first; quick presses each step once.
                let step = bar.spec_step.max(self.replay.step_sent) + 1;
                self.replay.step_sent = step;
                self.replay_patch(json!({"paused": true, "step": step}), "step");
            }
            ReplayCommand::Speed(text) => {
                let s = text.parse::<f64>().unwrap_or(bar.speed);
                self.replay.speed_sent = Some((s, self.now));
                self.replay_patch(json!({"speed": s}), &format!("speed {}", speed_label(s)))
            }
            ReplayCommand::Seek(offset) => {
                let value = match offset.parse::<f64>() {
                    Ok(secs) => json!(secs),
                    Err(_) => json!(offset),
                };
                self.replay_patch(json!({"seek": value}), &format!("seek {offset}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture;
    use crate::app::{Msg, strings as app_strings};
    use crate::model::Catalog;
    use crate::sources::SourceEvent;

    fn replay_kind() -> ResourceKind {
        ResourceKind {
            group: "sandbox.opsdeck.dev".into(),
            version: "v1".into(),
            kind: "Replay".into(),
            plural: "replays".into(),
            singular: "replay".into(),
            short_names: Vec::new(),
            namespaced: false,
            verbs: Vec::new(),
            printer_columns: Vec::new(),
            ..ResourceKind::default()
        }
    }

    fn replay_object(paused: bool, applied: u64, step: i64) -> Obj {
        serde_json::from_value(json!({
            "apiVersion": "sandbox.opsdeck.dev/v1",
            "kind": "Replay",
            "metadata": {"name": "current"},
            "spec": {"paused": paused, "speed": 1, "step": step},
            "status": {
                "state": if paused { "Paused" } else { "Playing" },
                "offset": 5.0, "duration": 24.0, "eventsApplied": applied, "eventsTotal": 26,
                "speed": 1.0, "recording": "cnpg-failover", "nextEventNote": "failing over"
            }
        }))
        .expect("replay object")
    }

    /// The fixture app after discovery listed the Replay kind and its watch delivered `obj`.
    fn with_replay(obj: Obj) -> App {
        let mut app = fixture::app();
        let mut kinds: Vec<ResourceKind> = fixture::catalog()
            .kinds()
            .iter()
            .map(|k| (**k).clone())
            .collect();
        kinds.push(replay_kind());
        app.dispatch(Msg::Source(SourceEvent::Discovered(Catalog::new(kinds))));
        let spec = app.replay_background_watches().remove(0);
        assert!(
            app.all_watches().iter().any(|s| s.key == spec.key),
            "the Replay kind is watched in the background"
        );
        fixture::fill(&mut app, &spec, &[obj]);
        app
    }

    fn patches(app: &mut App) -> Vec<(String, Value)> {
        app.take_requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Patch {
                    target,
                    patch,
                    what,
                } => {
                    assert_eq!(target.kind.full_name(), KIND);
                    assert_eq!(target.name, OBJECT);
                    assert_eq!(target.namespace, None);
                    Some((what, patch))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn no_replay_kind_no_watch_no_bar() {
        let mut app = fixture::app();
        assert!(app.replay_background_watches().is_empty());
        assert!(app.replay.bar.is_none());
        app.dispatch(Msg::Action(Action::ReplayPause));
        assert!(app.take_requests().is_empty());
        assert_eq!(
            app.flash.as_ref().map(|f| f.text.as_str()),
            Some(strings::NO_REPLAY)
        );
        // Not in the footer, nor in help, without a replay.
        assert!(
            !app.help_lines(crate::model::action::Context::Table)
                .iter()
                .any(
                    |l| matches!(l, crate::app::HelpLine::Section(s) if s == strings::HELP_SECTION)
                )
        );
    }

    #[test]
    fn the_bar_follows_the_watched_object() {
        let app = with_replay(replay_object(false, 6, 0));
        let bar = app.replay.bar.clone().expect("bar");
        assert_eq!(bar.state, ReplayPhase::Playing);
        assert_eq!((bar.applied, bar.total), (6, 26));
        assert_eq!(bar.offset, 5.0);
        assert_eq!(bar.next_note.as_deref(), Some("failing over"));
        assert!(
            app.help_lines(crate::model::action::Context::Table)
                .iter()
                .any(
                    |l| matches!(l, crate::app::HelpLine::Section(s) if s == strings::HELP_SECTION)
                )
        );
    }

    #[test]
    fn keys_send_merge_patches_of_spec_even_in_readonly() {
        let mut app = with_replay(replay_object(false, 6, 0));
        app.readonly = true;
        app.take_requests();
        app.dispatch(Msg::Action(Action::ReplayPause));
        assert_eq!(
            patches(&mut app),
            vec![(
                "replay pause".to_string(),
                json!({"spec": {"paused": true}})
            )]
        );
        // Two quick steps before the watch answers: two increments, each pausing.
        app.dispatch(Msg::Action(Action::ReplayStep));
        app.dispatch(Msg::Action(Action::ReplayStep));
        assert_eq!(
            patches(&mut app),
            vec![
                (
                    "replay step".to_string(),
                    json!({"spec": {"paused": true, "step": 1}})
                ),
                (
                    "replay step".to_string(),
                    json!({"spec": {"paused": true, "step": 2}})
                ),
            ]
        );
        app.dispatch(Msg::Action(Action::ReplayFaster));
        assert_eq!(
            patches(&mut app),
            vec![(
                "replay speed 2×".to_string(),
                json!({"spec": {"speed": 2.0}})
            )]
        );
        // Before the watch shows 2×, slower steps down from the 2× asked for.
        app.dispatch(Msg::Action(Action::ReplaySlower));
        assert_eq!(patches(&mut app)[0].1, json!({"spec": {"speed": 1.0}}));
        assert!(
            app.flash
                .as_ref()
                .is_none_or(|f| !f.text.contains(&app_strings::readonly("replay_pause")))
        );
    }

    #[test]
    fn three_quick_faster_presses_move_three_steps() {
        let mut app = with_replay(replay_object(false, 6, 0));
        app.take_requests();
        for _ in 0..3 {
            app.dispatch(Msg::Action(Action::ReplayFaster));
        }
        let speeds: Vec<Value> = patches(&mut app).into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            speeds,
            vec![
                json!({"spec": {"speed": 2.0}}),
                json!({"spec": {"speed": 4.0}}),
                json!({"spec": {"speed": 8.0}}),
            ]
        );
    }

    #[test]
    fn paused_replay_resumes_and_seek_goes_through_the_prompt() {
        let mut app = with_replay(replay_object(true, 6, 3));
        app.take_requests();
        app.dispatch(Msg::Action(Action::ReplayPause));
        assert_eq!(patches(&mut app)[0].1, json!({"spec": {"paused": false}}));
        app.dispatch(Msg::Action(Action::ReplayStep));
        assert_eq!(
            patches(&mut app)[0].1,
            json!({"spec": {"paused": true, "step": 4}})
        );
        // ctrl-g opens `:replay seek `; typing an offset and Enter sends it.
        app.dispatch(Msg::Action(Action::ReplaySeek));
        assert_eq!(
            app.prompt.as_ref().map(|p| p.text.as_str()),
            Some(strings::SEEK_PROMPT)
        );
        for c in "1m30s".chars() {
            app.dispatch(Msg::Input(c));
        }
        app.dispatch(Msg::Action(Action::Submit));
        assert!(app.prompt.is_none());
        assert_eq!(
            patches(&mut app),
            vec![(
                "replay seek 1m30s".to_string(),
                json!({"spec": {"seek": "1m30s"}})
            )]
        );
        app.run_command_text("replay speed 8");
        assert_eq!(patches(&mut app)[0].1, json!({"spec": {"speed": 8.0}}));
        app.run_command_text("replay seek 90");
        assert_eq!(patches(&mut app)[0].1, json!({"spec": {"seek": 90.0}}));
    }

    #[test]
    fn parses_replay_commands() {
        assert_eq!(parse_command(&["pause"]), Ok(ReplayCommand::Pause));
        assert_eq!(parse_command(&["resume"]), Ok(ReplayCommand::Resume));
        assert_eq!(parse_command(&["step"]), Ok(ReplayCommand::Step));
        assert_eq!(
            parse_command(&["speed", "4"]),
            Ok(ReplayCommand::Speed("4".into()))
        );
        assert_eq!(
            parse_command(&["speed", "0.5x"]),
            Ok(ReplayCommand::Speed("0.5".into()))
        );
        assert_eq!(
            parse_command(&["seek", "1m30s"]),
            Ok(ReplayCommand::Seek("1m30s".into()))
        );
        assert_eq!(
            parse_command(&["seek", "90"]),
            Ok(ReplayCommand::Seek("90".into()))
        );
        assert!(parse_command(&["seek", "soon"]).is_err());
        // Overflowing and negative offsets are errors, not panics.
        for (huge, says) in [
            ("99999999999999999999h", "too large"),
            ("1e300", "too large"),
            ("NaN", "not a number"),
            ("-5s", "cannot be negative"),
            ("-5", "0 or more"),
        ] {
            let e = parse_command(&["seek", huge]).expect_err(huge);
            assert!(e.contains(says), "{huge}: {e}");
        }
        assert!(parse_command(&["speed", "fast"]).is_err());
        assert!(parse_command(&[]).unwrap_err().contains("usage"));
    }

    #[test]
    fn speed_ladder() {
        assert_eq!(next_speed(1.0, true), Some(2.0));
        assert_eq!(next_speed(8.0, true), Some(15.0));
        assert_eq!(next_speed(60.0, true), None);
        assert_eq!(next_speed(1.0, false), Some(0.5));
        assert_eq!(next_speed(0.5, false), None);
        // Off the ladder (`--speed 10`): the nearest step in that direction.
        assert_eq!(next_speed(10.0, true), Some(15.0));
        assert_eq!(next_speed(10.0, false), Some(8.0));
        assert_eq!(speed_label(2.0), "2×");
        assert_eq!(speed_label(0.5), "0.5×");
        assert_eq!(clock(65.4), "1:05");
        assert_eq!(clock(3723.0), "1:02:03");
    }
}
