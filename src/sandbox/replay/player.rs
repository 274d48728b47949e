//! The replay task: a clock over the timeline that applies each change when it is due,
//! follows the `Replay` object's `spec` (pause, speed, step, seek) through the store's
//! watch, and writes where it is into its `status`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::super::logs::LogSnapshot;
use super::super::registry::ResourceKind;
use super::super::server::Shared;
use super::super::store::{PatchType, Snapshot, Sub, WriteOpts};
use super::super::timeline::apply_change;
use super::super::timeline::source::{Cursor, TimelineSource};
use super::{NAME, key};
use crate::domain::duration::scaled;
use crate::recording::TimelineEntry;

/// Status is written at least this often while playing, and at most this often after
/// changes (besides every control request, answered at once).
const STATUS_EVERY: Duration = Duration::from_secs(1);
const STATUS_AT_MOST: Duration = Duration::from_millis(200);
/// Changes applied in one go before letting other tasks run.
const BURST: usize = 256;

/// What the replay starts from.
pub(crate) struct Start {
    pub recording: String,
    /// `--speed`: 0 (or less) starts paused.
    pub speed: f64,
    /// The objects and logs before the first change (seek goes back to them).
    pub objects: Snapshot,
    pub logs: LogSnapshot,
}

struct Player {
    shared: Arc<Shared>,
    rt: ResourceKind,
    source: TimelineSource,
    cursor: Option<Cursor>,
    next: Option<TimelineEntry>,
    applied: usize,
    total: usize,
    duration: Duration,
    /// Timeline offset at `anchor`; the clock runs from there at `speed` unless paused.
    pos: Duration,
    anchor: Instant,
    paused: bool,
    speed: f64,
    observed_step: i64,
    seeks: u64,
    start: Start,
    last_status: Option<Value>,
    last_write: Option<Instant>,
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// `1:05` (or `1:02:03`): the position as a person reads it.
pub(crate) fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

impl Player {
    fn finished(&self) -> bool {
        self.next.is_none()
    }

    /// The timeline offset now.
    fn offset(&self) -> Duration {
        if self.paused || self.finished() {
            return self.pos;
        }
        let run = Instant::now().saturating_duration_since(self.anchor);
        let now = self.pos.saturating_add(scaled(run, self.speed));
        match &self.next {
            Some(e) => now.min(e.at.max(self.pos)),
            None => now,
        }
    }

    /// Restarts the clock from the current offset (before a speed or pause change).
    fn rebase(&mut self) {
        self.pos = self.offset();
        self.anchor = Instant::now();
    }

    /// When the next change is due, if the clock runs.
    fn due(&self) -> Option<Instant> {
        if self.paused {
            return None;
        }
        let at = self.next.as_ref()?.at;
        let wait = scaled(at.saturating_sub(self.pos), 1.0 / self.speed);
        Some(self.anchor + wait)
    }

    /// Reads the next entry; an entry that does not parse counts as a failed change.
    fn read_next(&mut self) {
        self.next = None;
        while let Some(read) = self.cursor.as_mut().and_then(Cursor::next_entry) {
            match read {
                Ok(e) => {
                    self.next = Some(e);
                    return;
                }
                Err(e) => {
                    tracing::warn!(index = self.applied, error = %e, "timeline change skipped");
                    self.applied += 1;
                }
            }
        }
    }

    fn apply_next(&mut self) {
        let Some(entry) = self.next.take() else {
            return;
        };
        let index = self.applied;
        match apply_change(&self.shared, &entry.change) {
            Ok(()) => match entry.note.as_deref() {
                Some(note) => tracing::info!(index, note, "timeline change applied"),
                None => tracing::debug!(index, "timeline change applied"),
            },
            Err(e) => tracing::warn!(index, error = %e, "timeline change failed"),
        }
        self.applied += 1;
        self.pos = self.pos.max(entry.at);
        self.read_next();
    }

    /// Applies every change due at the current offset.
    async fn apply_due(&mut self) {
        let now = {
            let run = Instant::now().saturating_duration_since(self.anchor);
            self.pos.saturating_add(scaled(run, self.speed))
        };
        let (pos, anchor) = (self.pos, self.anchor);
        let mut n = 0;
        while self.next.as_ref().is_some_and(|e| e.at <= now) {
            self.apply_next();
            n += 1;
            if n % BURST == 0 {
                tokio::task::yield_now().await;
            }
        }
        // The clock keeps running from where it was (apply_next moved pos to the entry).
        self.pos = pos;
        self.anchor = anchor;
        if self.finished() {
            self.pos = self.duration;
            self.anchor = Instant::now();
        }
    }

    fn step(&mut self, n: i64) {
        for _ in 0..n {
            if self.finished() {
                break;
            }
            self.apply_next();
        }
        self.anchor = Instant::now();
    }

    /// Back to the initial objects, then every change up to `target` at once.
    async fn seek(&mut self, target: Duration) {
        let store = &self.shared.store;
        store.reset_to(&self.start.objects, &key());
        self.shared.logs.restore(&self.start.logs);
        self.cursor = match self.source.open() {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "replay: cannot read the timeline again");
                None
            }
        };
        self.applied = 0;
        self.pos = Duration::ZERO;
        self.read_next();
        let mut n = 0;
        while self.next.as_ref().is_some_and(|e| e.at <= target) {
            self.apply_next();
            n += 1;
            if n % BURST == 0 {
                tokio::task::yield_now().await;
            }
        }
        self.pos = if self.finished() {
            self.duration
        } else {
            target
        };
        self.anchor = Instant::now();
        self.seeks += 1;
        tracing::info!(offset = %clock(target), applied = self.applied, "replay: seek");
    }

    fn status(&self) -> Value {
        let offset = self.offset();
        let state = if self.finished() {
            "Finished"
        } else if self.paused {
            "Paused"
        } else {
            "Playing"
        };
        json!({
            "state": state,
            "offset": secs(offset),
            "duration": secs(self.duration),
            "position": format!("{}/{}", clock(offset), clock(self.duration)),
            "eventsApplied": self.applied,
            "eventsTotal": self.total,
            "events": format!("{}/{}", self.applied, self.total),
            "nextEventOffset": self.next.as_ref().map(|e| json!(secs(e.at))),
            "nextEventNote": self.next.as_ref().and_then(|e| e.note.clone()),
            "paused": self.paused,
            "speed": self.speed,
            "recording": self.start.recording,
            "streaming": self.source.streaming(),
            "observedStep": self.observed_step,
            "seeks": self.seeks,
        })
    }

    /// Writes `status` when it changed (`force`: even right after the previous write).
    fn write_status(&mut self, force: bool) {
        let status = self.status();
        if self.last_status.as_ref() == Some(&status) {
            return;
        }
        if !force
            && self
                .last_write
                .is_some_and(|t| t.elapsed() < STATUS_AT_MOST)
        {
            return;
        }
        let patch = json!({"status": status});
        let result = self.shared.store.patch(
            &self.rt,
            "",
            NAME,
            PatchType::Merge,
            &patch,
            Sub::Status,
            &WriteOpts::default(),
        );
        match result {
            Ok(_) => {
                self.last_status = Some(status);
                self.last_write = Some(Instant::now());
            }
            Err(e) => tracing::debug!(error = %e, "replay: status not written"),
        }
    }

    /// Follows the object's spec; answers every change with a status write.
    async fn sync_spec(&mut self) {
        let Ok(obj) = self.shared.store.get(&self.rt, "", NAME) else {
            return;
        };
        let spec = obj.get("spec").cloned().unwrap_or(Value::Null);
        let mut changed = false;
        let speed = spec
            .get("speed")
            .and_then(Value::as_f64)
            .filter(|s| *s > 0.0 && s.is_finite())
            .unwrap_or(self.speed);
        if speed != self.speed {
            self.rebase();
            self.speed = speed;
            changed = true;
        }
        let paused = spec
            .get("paused")
            .and_then(Value::as_bool)
            .unwrap_or(self.paused);
        if paused != self.paused {
            self.rebase();
            self.paused = paused;
            changed = true;
        }
        let step = spec.get("step").and_then(Value::as_i64).unwrap_or(0);
        if step != self.observed_step {
            if step > self.observed_step && self.paused {
                self.step(step - self.observed_step);
            }
            self.observed_step = step;
            changed = true;
        }
        if let Some(target) = spec.get("seek").and_then(super::seek_target) {
            match target {
                Ok(t) => self.seek(t).await,
                Err(e) => tracing::warn!(error = %e, "replay: bad seek ignored"),
            }
            let clear = json!({"spec": {"seek": null}});
            if let Err(e) = self.shared.store.patch(
                &self.rt,
                "",
                NAME,
                PatchType::Merge,
                &clear,
                Sub::Main,
                &WriteOpts::default(),
            ) {
                tracing::warn!(error = %e, "replay: cannot clear spec.seek");
            }
            changed = true;
        }
        if changed {
            self.write_status(true);
        }
    }
}

/// Plays `source` until the sandbox stops, following the `Replay` object's spec.
pub(crate) async fn run(shared: Arc<Shared>, source: TimelineSource, start: Start) {
    let Some(rt) = shared.store.registry().by_key(&key()).cloned() else {
        tracing::warn!("replay: the Replay kind is not registered; no replay");
        return;
    };
    let sub = match shared
        .store
        .watch(&rt, Some(shared.store.resource_version()))
    {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "replay: cannot watch the Replay object");
            return;
        }
    };
    let mut live = sub.live;
    let cursor = match source.open() {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "replay: cannot read the timeline");
            None
        }
    };
    let (paused, speed) = if start.speed > 0.0 && start.speed.is_finite() {
        (false, start.speed)
    } else {
        (true, 1.0)
    };
    let mut p = Player {
        shared: shared.clone(),
        rt,
        total: source.len(),
        duration: source.duration(),
        source,
        cursor,
        next: None,
        applied: 0,
        pos: Duration::ZERO,
        anchor: Instant::now(),
        paused,
        speed,
        observed_step: 0,
        seeks: 0,
        start,
        last_status: None,
        last_write: None,
    };
    p.read_next();
    p.sync_spec().await;
    p.write_status(true);
    let mut tick = tokio::time::interval(STATUS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let replays = key();
    loop {
        let due = p.due();
        tokio::select! {
            _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                p.apply_due().await;
                p.write_status(false);
            }
            ev = live.recv() => match ev {
                Ok(ev) if ev.key == replays => p.sync_spec().await,
                Ok(_) => {}
                // Too many events to keep up (a fast replay): look at the object itself.
                Err(RecvError::Lagged(_)) => p.sync_spec().await,
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => p.write_status(true),
        }
    }
}
