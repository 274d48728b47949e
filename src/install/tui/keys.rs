//! The wizard's keys: a terminal key becomes an [`Action`] through the keymap's `wizard`
//! context (falling back to `global` for `quit` and `help`), and the page decides what the
//! action does. In a text field printable keys are typed (only the keymap's non-printable
//! keys act there); digits answer a plan's numbered question and type a wave in the apps
//! checklist. `?` (or f1) opens help generated from the keymap.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::{Effect, WizardState};
use crate::app::wizard::form::{FieldId, FieldKind};
use crate::app::wizard::{GLOBAL_ACTIONS, Page, Phase, strings};
use crate::config::Key;
use crate::install::config::ClusterMode;
use crate::install::plan::Plan;
use crate::install::wizard::StepId;
use crate::model::action::{Action, Context};

/// Lines of a plan preview (found, changes, details, summary).
pub(crate) fn preview_len(plan: &Plan) -> usize {
    plan.found.len()
        + plan
            .changes
            .iter()
            .map(|c| 1 + c.detail.len())
            .sum::<usize>()
        + 4
}

impl WizardState {
    /// The action a key stands for in the wizard: its own context, else the `global`
    /// actions it honours.
    fn action(&self, key: Key) -> Option<Action> {
        let km = &self.screen.keymap;
        km.lookup_only(Context::Wizard, key).or_else(|| {
            km.lookup_only(Context::Global, key)
                .filter(|a| GLOBAL_ACTIONS.contains(a))
        })
    }

    pub(super) fn on_key(&mut self, event: KeyEvent) -> Vec<Effect> {
        let Some(key) = Key::from_event(&event) else {
            return Vec::new();
        };
        let typed = key.typed_char().filter(|_| self.screen.typing());
        let action = match typed {
            // Typed into the field, whatever the keymap binds the character to.
            Some(_) => None,
            None => self.action(key),
        };
        if action == Some(Action::Quit) {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if let Some(scroll) = self.screen.help {
            self.help_key(key, scroll);
            return Vec::new();
        }
        if self.screen.confirm_close.is_some() {
            return match action {
                Some(Action::Confirm) => {
                    self.screen.confirm_close = None;
                    self.quit = true;
                    vec![Effect::Quit]
                }
                Some(Action::Cancel | Action::Back) => {
                    self.screen.confirm_close = None;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        if action == Some(Action::Help) {
            self.screen.help = Some(0);
            return Vec::new();
        }
        let step = match self.screen.page {
            Page::Summary => return self.summary_key(event, action),
            Page::Step(s) => s,
        };
        let phase = self.screen.view(step).phase.clone();
        if action == Some(Action::Close) {
            return self.close();
        }
        match phase {
            Phase::Form => self.form_key(step, event, key, action),
            Phase::Checking | Phase::Applying => Vec::new(),
            Phase::Preview(plan) => self.preview_key(step, &plan, key, action),
            Phase::Done(_) => match action {
                Some(Action::Submit) => {
                    let next = self.next_page(step);
                    self.go(next)
                }
                Some(Action::Edit) => self.edit_again(step),
                Some(Action::Back) => self.back_from(step),
                _ => Vec::new(),
            },
            Phase::Failed(_) => match action {
                Some(Action::Retry) => self.submit(step),
                Some(Action::Edit) => self.edit_again(step),
                Some(Action::Back) => self.back_from(step),
                _ => Vec::new(),
            },
        }
    }

    /// Keys while help shows: the `help` context (close, scroll).
    fn help_key(&mut self, key: Key, scroll: usize) {
        let lines = self.screen.help_lines().len();
        let scroll = match self.screen.keymap.lookup(Context::Help, key) {
            Some(Action::Back) => {
                self.screen.help = None;
                return;
            }
            Some(Action::Up) => scroll.saturating_sub(1),
            Some(Action::Down) => scroll + 1,
            Some(Action::PageUp) => scroll.saturating_sub(10),
            Some(Action::PageDown) => scroll + 10,
            Some(Action::Top) => 0,
            Some(Action::Bottom) => lines,
            _ => scroll,
        };
        self.screen.help = Some(scroll.min(lines.saturating_sub(1)));
    }

    /// The plan preview: a numbered answer to its question, apply, back, scroll.
    fn preview_key(
        &mut self,
        step: StepId,
        plan: &Plan,
        key: Key,
        action: Option<Action>,
    ) -> Vec<Effect> {
        if let Some(q) = &plan.question
            && let Some(c @ '1'..='9') = key.typed_char()
        {
            let i = (c as usize) - ('1' as usize);
            let Some((answer, _)) = q.options.get(i) else {
                return Vec::new();
            };
            self.choices.insert(q.key.clone(), answer.clone());
            if q.key == "age_key.existing"
                && answer == "import"
                && self.screen.form.text(FieldId::ImportFile).trim().is_empty()
            {
                // The key file to import is asked on the form.
                self.screen.view_mut(step).phase = Phase::Form;
                self.screen.form.set_focus(FieldId::ImportFile);
                self.screen.flash = Some((false, strings::IMPORT_NEEDS_FILE.into()));
                return Vec::new();
            }
            return self.submit(step);
        }
        match action {
            Some(Action::Submit) => {
                let v = self.screen.view_mut(step);
                v.phase = Phase::Applying;
                v.log.clear();
                vec![Effect::Finish(step)]
            }
            Some(Action::Back) => {
                self.screen.view_mut(step).phase = Phase::Form;
                Vec::new()
            }
            Some(a) => {
                let lines = preview_len(plan);
                let v = self.screen.view_mut(step);
                v.scroll = match a {
                    Action::Up => v.scroll.saturating_sub(1),
                    Action::Down => v.scroll + 1,
                    Action::PageUp => v.scroll.saturating_sub(10),
                    Action::PageDown | Action::ToggleRow => v.scroll + 10,
                    Action::Top => 0,
                    _ => v.scroll,
                }
                .min(lines.saturating_sub(1));
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    fn form_key(
        &mut self,
        step: StepId,
        event: KeyEvent,
        key: Key,
        action: Option<Action>,
    ) -> Vec<Effect> {
        if !self
            .screen
            .form
            .fields(step)
            .contains(&self.screen.form.focus)
        {
            self.focus_first();
        }
        let focus = self.screen.form.focus;
        match action {
            Some(Action::NextField) => {
                self.move_focus(step, true);
                return Vec::new();
            }
            Some(Action::PrevField) => {
                self.move_focus(step, false);
                return Vec::new();
            }
            Some(Action::Submit) => return self.submit(step),
            Some(Action::Back) => {
                return match self.previous_page(step) {
                    Some(p) => self.go(p),
                    None => self.close(),
                };
            }
            _ => {}
        }
        match focus.kind() {
            FieldKind::Text => {
                match action {
                    Some(Action::Up) => self.move_focus(step, false),
                    Some(Action::Down) => self.move_focus(step, true),
                    Some(Action::ClearLine) => self.screen.form.set_text(focus, ""),
                    _ => self.type_into(focus, event),
                }
                Vec::new()
            }
            FieldKind::Choice => self.choice_key(focus, action),
            FieldKind::Checklist => {
                self.checklist_key(key, action);
                Vec::new()
            }
        }
    }

    /// A key the text field edits with (characters, cursor moves, deletion).
    fn type_into(&mut self, id: FieldId, event: KeyEvent) {
        // Single-line inputs: no newlines.
        if event.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(event.code, KeyCode::Char('m' | 'j'))
            || event.code == KeyCode::Enter
        {
            return;
        }
        if let Some(t) = self.screen.form.text_area_mut(id) {
            t.input(event);
        }
    }

    fn choice_key(&mut self, focus: FieldId, action: Option<Action>) -> Vec<Effect> {
        let delta: isize = match action {
            Some(Action::CursorLeft | Action::Up) => -1,
            Some(Action::CursorRight | Action::Down | Action::ToggleRow) => 1,
            _ => return Vec::new(),
        };
        let step_by = |i: usize, n: usize| -> usize {
            if n == 0 {
                0
            } else {
                (i as isize + delta).rem_euclid(n as isize) as usize
            }
        };
        let form = &mut self.screen.form;
        match focus {
            FieldId::Mode => {
                form.mode = match form.mode {
                    ClusterMode::Context => ClusterMode::Eks,
                    ClusterMode::Eks => ClusterMode::Context,
                };
                self.probe_effect().into_iter().collect()
            }
            FieldId::Context => {
                form.context = step_by(form.context, form.contexts.len());
                self.probe_effect().into_iter().collect()
            }
            FieldId::EksPreset => {
                form.preset = step_by(form.preset, crate::install::cluster::PRESETS.len());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The apps checklist: move, toggle, and the wave typed as digits (and `-`).
    fn checklist_key(&mut self, key: Key, action: Option<Action>) {
        let form = &mut self.screen.form;
        let n = form.apps.len();
        let cursor = form.app_cursor.min(n.saturating_sub(1));
        if let Some(c) = key.typed_char().filter(|c| c.is_ascii_digit() || *c == '-') {
            if let Some(a) = form.apps.get_mut(cursor) {
                a.wave.push(c);
            }
            return;
        }
        match action {
            Some(Action::Up) => form.app_cursor = cursor.saturating_sub(1),
            Some(Action::Down) => form.app_cursor = (cursor + 1).min(n.saturating_sub(1)),
            Some(Action::ToggleRow) => {
                if let Some(a) = form.apps.get_mut(cursor) {
                    a.enabled = !a.enabled;
                }
            }
            Some(Action::DeleteBack) => {
                if let Some(a) = form.apps.get_mut(cursor) {
                    a.wave.pop();
                }
            }
            _ => {}
        }
    }

    /// The summary: the save path is a text field; enter saves, esc closes.
    fn summary_key(&mut self, event: KeyEvent, action: Option<Action>) -> Vec<Effect> {
        match action {
            Some(Action::Back) => self.close(),
            Some(Action::Submit) => {
                let typed = self.screen.form.text(FieldId::SavePath);
                let typed = typed.trim();
                if typed.is_empty() {
                    self.screen.flash =
                        Some((false, format!("{}: is empty", FieldId::SavePath.label())));
                    return Vec::new();
                }
                vec![Effect::SaveConfig {
                    path: self.base_dir.join(typed),
                    config: Box::new(self.config()),
                }]
            }
            Some(Action::ClearLine) => {
                self.screen.form.set_text(FieldId::SavePath, "");
                Vec::new()
            }
            Some(Action::NextField | Action::PrevField | Action::Up | Action::Down) => Vec::new(),
            _ => {
                if let Some(t) = self.screen.form.text_area_mut(FieldId::SavePath) {
                    t.input(event);
                }
                Vec::new()
            }
        }
    }
}
