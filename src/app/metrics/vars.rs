//! Template variables of the open dashboard: resolved in dependency order (a variable
//! whose query uses `$job` waits for `$job`), their queries sent with the values before
//! them filled in, the answers passed through the variable's regex and sort; a change
//! re-resolves the variables that use it. Panels are queried only once every variable has
//! a value ([`MetricsView::vars_ready`]), and again whenever one changes.

use std::sync::Arc;
use std::time::Duration;

use super::MetricsView;
use crate::app::App;
use crate::app::view::View;
use crate::domain::dashboard::QueryResult;
use crate::domain::dashboard::axis::format_duration;
use crate::domain::dashboard::layout::{expand_repeats, fill_titles};
use crate::domain::dashboard::model::{VarKind, Variable};
use crate::domain::dashboard::template::{Bindings, VarValue, expand};
use crate::domain::dashboard::vars::{
    VarSource, apply_regex, auto_interval, dependencies, needs_query, parse_regex,
    resolution_order, sort_values, values_from_series, var_source,
};
use crate::sources::Request;
use crate::sources::prometheus::PromError;
use crate::sources::prometheus::manager::MetricsRequest;
use crate::sources::prometheus::task::{LabelQuery, MetricsQuery, QueryId};

/// The option that stands for every value.
pub(crate) const ALL: &str = "all";

/// A template variable's choices and selection.
#[derive(Debug, Clone, PartialEq)]
pub struct VarState {
    pub name: String,
    pub label: String,
    /// `all` first when the variable includes All.
    pub options: Vec<String>,
    /// The selected values (`["all"]` for All).
    pub selected: Vec<String>,
    pub error: Option<String>,
    /// Has its values (or gave up with an error and keeps its saved options).
    pub resolved: bool,
    /// 0 shown, 1 value only, 2 hidden.
    pub hide: u8,
}

impl VarState {
    pub fn new(v: &Variable) -> VarState {
        let mut options: Vec<String> = Vec::new();
        if v.include_all {
            options.push(ALL.into());
        }
        options.extend(v.values.iter().filter(|o| *o != ALL).cloned());
        let mut selected: Vec<String> = if v.defaults.is_empty() {
            v.default.iter().cloned().collect()
        } else {
            v.defaults.clone()
        };
        selected.retain(|s| !s.is_empty() || v.kind() == VarKind::Textbox);
        if selected.is_empty() {
            selected = options.first().cloned().into_iter().collect();
        }
        VarState {
            name: v.name.clone(),
            label: if v.label.is_empty() {
                v.name.clone()
            } else {
                v.label.clone()
            },
            options,
            selected,
            error: None,
            resolved: !needs_query(v),
            hide: v.hide,
        }
    }

    pub fn is_all(&self) -> bool {
        self.selected.iter().any(|s| s == ALL)
    }

    /// The selection as shown: `a + b`, `All`.
    pub fn shown(&self) -> String {
        if self.is_all() {
            "All".into()
        } else if self.selected.is_empty() {
            "–".into()
        } else {
            self.selected.join(" + ")
        }
    }

    /// The values the selection stands for (every option for All).
    pub fn values(&self) -> Vec<String> {
        if self.is_all() {
            self.options.iter().filter(|o| *o != ALL).cloned().collect()
        } else {
            self.selected.clone()
        }
    }

    /// New options from a query: keeps the selection where it still exists, else the
    /// saved default, else the first option.
    fn set_options(&mut self, v: &Variable, values: Vec<String>) {
        let mut options = Vec::new();
        if v.include_all {
            options.push(ALL.to_string());
        }
        options.extend(values);
        let keep: Vec<String> = self
            .selected
            .iter()
            .filter(|s| options.contains(s))
            .cloned()
            .collect();
        self.selected = if !keep.is_empty() {
            keep
        } else {
            let defaults: Vec<String> = v
                .defaults
                .iter()
                .filter(|d| options.contains(d))
                .cloned()
                .collect();
            if defaults.is_empty() {
                options.first().cloned().into_iter().collect()
            } else {
                defaults
            }
        };
        self.options = options;
    }
}

impl MetricsView {
    /// Every variable has its values: panels may be queried.
    pub fn vars_ready(&self) -> bool {
        self.vars.iter().all(|v| v.resolved) && self.var_pending.is_empty()
    }

    /// Template values of the current selections, with the built-ins for `step`.
    pub fn bindings_for(&self, step: Duration) -> Bindings {
        let range = self.range.length;
        let mut b = Bindings::new(step, range);
        for (v, s) in self.base.variables.iter().zip(&self.vars) {
            if v.kind() == VarKind::Interval && v.auto {
                let auto = auto_interval(v, range);
                b.autos.insert(format!("__auto_interval_{}", v.name), auto);
                if s.selected.iter().any(|x| x == "auto") {
                    b.set(&v.name, &format_duration(auto));
                    continue;
                }
            }
            let all = s.is_all();
            b.values.insert(
                v.name.clone(),
                VarValue {
                    values: s.values(),
                    all,
                    all_value: v.all_value.clone(),
                    regex_context: v.multi || v.include_all,
                },
            );
        }
        b
    }

    /// Expands repeated rows and panels for the current selections and fills variables
    /// in titles and legends; panel data is kept when the panels stay the same.
    pub fn expand(&mut self, step: Duration) {
        let vars = self.vars.clone();
        let values = |name: &str| {
            vars.iter()
                .find(|v| v.name == name)
                .map(VarState::values)
                .unwrap_or_default()
        };
        let mut expanded = expand_repeats(&self.base, &values);
        fill_titles(&mut expanded, &self.bindings_for(step));
        if self.dashboard.panels.len() != expanded.panels.len() {
            self.panels = expanded
                .panels
                .iter()
                .map(|_| super::panel::PanelData::loading())
                .collect();
        }
        self.dashboard = Arc::new(expanded);
        self.selected = self.selected.min(self.items().len().saturating_sub(1));
    }

    /// Marks `var` and every variable that uses it (transitively) as needing values again.
    fn invalidate_dependents(&mut self, var: usize) {
        let vars = &self.base.variables;
        let mut stale = vec![false; vars.len()];
        let mut changed = true;
        let name = vars[var].name.clone();
        while changed {
            changed = false;
            for (i, v) in vars.iter().enumerate() {
                if stale[i] || i == var {
                    continue;
                }
                let deps = dependencies(v, vars);
                if deps.iter().any(|d| {
                    *d == name
                        || vars
                            .iter()
                            .position(|o| o.name == *d)
                            .is_some_and(|j| stale[j])
                }) {
                    stale[i] = true;
                    changed = true;
                }
            }
        }
        for (i, s) in stale.into_iter().enumerate() {
            if s && needs_query(&vars[i]) {
                self.vars[i].resolved = false;
            }
        }
    }
}

impl App {
    /// Starts resolving the top dashboard's variables.
    pub(super) fn start_variables(&mut self) {
        self.advance_variables();
    }

    /// Sends the queries of unresolved variables whose dependencies have values; once
    /// all are resolved, runs the refresh that was waiting for them.
    pub(super) fn advance_variables(&mut self) {
        let width = self.viewport.size.0;
        let Some(View::Metrics(m)) = self.stack.last() else {
            return;
        };
        let vars = m.base.variables.clone();
        let order = resolution_order(&vars);
        let mut to_send: Vec<(usize, VarSource)> = Vec::new();
        let (_, bindings) = m.bindings(width);
        for i in order {
            let v = &vars[i];
            if m.vars[i].resolved || m.var_pending.values().any(|&p| p == i) {
                continue;
            }
            let deps = dependencies(v, &vars);
            let ready = deps.iter().all(|d| {
                vars.iter()
                    .position(|o| o.name == *d)
                    .is_none_or(|j| m.vars[j].resolved)
            });
            if !ready {
                continue;
            }
            let q = expand(v.query.as_deref().unwrap_or(""), &bindings);
            to_send.push((i, var_source(&q)));
        }
        let mut requests = Vec::new();
        for (i, source) in to_send {
            let id = self.metrics_next_id();
            let request = match source {
                VarSource::LabelValues { label, matches } => {
                    MetricsRequest::Labels(LabelQuery { id, label, matches })
                }
                VarSource::Metrics(_) => MetricsRequest::Labels(LabelQuery {
                    id,
                    label: "__name__".into(),
                    matches: Vec::new(),
                }),
                VarSource::QueryResult(expr) | VarSource::Query(expr) => {
                    MetricsRequest::Run(vec![MetricsQuery {
                        id,
                        expr,
                        window: None,
                    }])
                }
            };
            if let Some(View::Metrics(m)) = self.stack.last_mut() {
                m.var_pending.insert(id, i);
            }
            requests.push(request);
        }
        let sent = !requests.is_empty();
        for r in requests {
            self.request(Request::Metrics(r));
        }
        if sent {
            return;
        }
        let Some(View::Metrics(m)) = self.stack.last_mut() else {
            return;
        };
        if m.vars_ready() {
            let (step, _) = m.bindings(width);
            m.expand(step);
            if m.refresh_waiting {
                m.refresh_waiting = false;
                self.start_refresh();
            }
        }
    }

    /// A variable's answer (label values or a query's series). `true` when it was one.
    pub(super) fn variable_answer(
        &mut self,
        id: QueryId,
        result: Result<VarAnswer, PromError>,
    ) -> bool {
        let mut found = false;
        for view in self.stack.iter_mut() {
            let View::Metrics(m) = view else { continue };
            let Some(i) = m.var_pending.remove(&id) else {
                continue;
            };
            found = true;
            let v = m.base.variables[i].clone();
            let source = var_source(v.query.as_deref().unwrap_or(""));
            let values = result.map_err(|e| e.to_string()).and_then(|a| {
                let raw = match a {
                    VarAnswer::Labels(l) => l,
                    VarAnswer::Series(r) => values_from_series(&source, &r.series),
                };
                let raw = match &source {
                    VarSource::Metrics(re) => {
                        let re = parse_regex(re)?;
                        raw.into_iter().filter(|n| re.is_match(n)).collect()
                    }
                    _ => raw,
                };
                let mut vals = apply_regex(&v.regex, raw)?;
                sort_values(v.sort, &mut vals);
                Ok(vals)
            });
            let s = &mut m.vars[i];
            match values {
                Ok(vals) => {
                    s.set_options(&v, vals);
                    s.error = None;
                }
                Err(e) => s.error = Some(e),
            }
            s.resolved = true;
            break;
        }
        if found {
            self.advance_variables();
        }
        found
    }

    /// The user picked another value of variable `i`: re-resolve what uses it, then
    /// query the panels again.
    pub(super) fn variable_changed(&mut self, i: usize) {
        if let Some(View::Metrics(m)) = self.stack.last_mut() {
            m.invalidate_dependents(i);
            m.refresh_waiting = true;
        }
        self.advance_variables();
    }
}

/// What answered a variable's query.
pub(crate) enum VarAnswer {
    Labels(Vec<String>),
    Series(QueryResult),
}
