//! Keys of the metrics pane: panels and row headers, rows, zoom, range, refresh,
//! variables, dashboards, the import report and the query editor.

use std::time::Duration;

use super::{REFRESH_CHOICES, strings};
use crate::app::view::View;
use crate::app::{App, Level};
use crate::domain::dashboard::template::expand;
use crate::model::BackendState;
use crate::model::action::Action;
use crate::sources::Request;
use crate::sources::prometheus::manager::MetricsRequest;

impl App {
    /// Metrics-pane actions; `true` when handled.
    pub(crate) fn metrics_action(&mut self, a: Action) -> bool {
        if matches!(self.top(), Some(View::Editor(_))) && self.editor_action(a) {
            return true;
        }
        let (width, height) = self.viewport.size;
        let Some(m) = self.top_metrics() else {
            return false;
        };
        let n = m.items().len().max(1);
        let mut refresh = false;
        let body = height.saturating_sub(6);
        match a {
            Action::Back if m.show_notes => m.show_notes = false,
            Action::Notes => m.show_notes = !m.show_notes,
            Action::NextPanel | Action::PrevPanel => {
                m.selected = if a == Action::NextPanel {
                    (m.selected + 1) % n
                } else {
                    (m.selected + n - 1) % n
                };
                // Keep the selection on screen.
                if let Some(p) = m.items().get(m.selected) {
                    let (top, bottom) = (
                        p.y.min(u32::from(u16::MAX)) as u16,
                        (p.y + p.h.min(u32::from(body))).min(u32::from(u16::MAX)) as u16,
                    );
                    if top < m.scroll {
                        m.scroll = top;
                    } else if bottom > m.scroll.saturating_add(body) {
                        m.scroll = bottom.saturating_sub(body);
                    }
                }
            }
            Action::ToggleRow => refresh = m.toggle_row(),
            Action::Zoom if m.selected_panel().is_none() => refresh = m.toggle_row(),
            Action::Zoom => {
                m.zoom = !m.zoom;
                refresh = true;
            }
            Action::Back if m.zoom => {
                m.zoom = false;
                refresh = true;
            }
            Action::Up => m.scroll = m.scroll.saturating_sub(1),
            Action::Down => m.scroll = m.scroll.saturating_add(1),
            Action::PageUp => m.scroll = m.scroll.saturating_sub(height / 2),
            Action::PageDown => m.scroll = m.scroll.saturating_add(height / 2),
            Action::Top => m.scroll = 0,
            Action::Bottom => m.scroll = u16::MAX / 2,
            Action::RangeNext | Action::RangePrev => {
                m.range = m.range.cycle(a == Action::RangeNext);
                refresh = true;
            }
            Action::RangeCustom => {
                let text = m.range.label().trim_start_matches("last ").to_string();
                self.open_prompt(crate::app::prompt::Prompt::new(
                    crate::app::prompt::PromptKind::Range,
                    &text,
                ));
                return true;
            }
            Action::Pause => m.paused = !m.paused,
            Action::RefreshInterval => {
                let cur = m.refresh.map(|d| d.as_secs());
                let at = REFRESH_CHOICES.iter().position(|c| *c == cur);
                let next = at.map_or(1, |i| (i + 1) % REFRESH_CHOICES.len());
                m.refresh = REFRESH_CHOICES[next].map(Duration::from_secs);
                let label = strings::refresh_label(m.refresh);
                self.flash(label, Level::Info);
                return true;
            }
            Action::Refresh => refresh = true,
            Action::VarSelect => {
                // Hidden variables are skipped.
                let count = m.vars.len();
                for k in 1..=count {
                    let i = (m.var_focus + k) % count;
                    if m.vars[i].hide < 2 {
                        m.var_focus = i;
                        break;
                    }
                }
            }
            Action::VarNext => {
                let focus = m.var_focus;
                if let Some(v) = m.vars.get_mut(focus)
                    && !v.options.is_empty()
                    && v.hide < 2
                {
                    let at = v
                        .selected
                        .first()
                        .and_then(|s| v.options.iter().position(|o| o == s));
                    let next = at.map_or(0, |i| (i + 1) % v.options.len());
                    v.selected = vec![v.options[next].clone()];
                    self.variable_changed(focus);
                    return true;
                }
            }
            Action::DashboardNext | Action::DashboardPrev => {
                let count = self.metrics.dashboards.len();
                let Some(View::Metrics(m)) = self.stack.last() else {
                    return true;
                };
                let cur = self
                    .metrics
                    .dashboards
                    .iter()
                    .position(|d| d.id == m.id)
                    .unwrap_or(0);
                let next = if a == Action::DashboardNext {
                    (cur + 1) % count
                } else {
                    (cur + count - 1) % count
                };
                let view = self.metrics_view(next);
                if let Some(top) = self.stack.last_mut() {
                    *top = View::Metrics(view);
                }
                self.start_variables();
                self.start_refresh();
                return true;
            }
            Action::EditQuery => {
                // As Grafana's Explore: the query as it ran, variables filled in.
                let (_, bindings) = m.bindings(width);
                let expr = m
                    .selected_panel()
                    .and_then(|i| m.dashboard.panels.get(i))
                    .and_then(|p| {
                        let b = bindings.scoped(&p.options.scoped);
                        p.targets.first().map(|t| expand(&t.expr, &b))
                    })
                    .unwrap_or_default();
                let range = m.range;
                self.open_editor(&expr, range);
                // As Grafana's panel "Explore": the answer is there at once.
                self.start_editor_query(false);
                return true;
            }
            _ => return false,
        }
        if refresh {
            if matches!(self.metrics.backend, BackendState::Missing(_)) {
                self.request(Request::Metrics(MetricsRequest::Rediscover));
            }
            self.start_refresh();
        }
        true
    }
}
