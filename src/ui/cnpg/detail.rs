//! One Cluster, like `kubectl cnpg status` but live: header, instances, warnings, services,
//! conditions, PodDisruptionBudgets, the failover timeline and recent events.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{grid, severity_tone};
use crate::app::App;
use crate::app::cnpg::{CnpgDetailView, strings};
use crate::app::columns::{Cell, Tone, age};
use crate::config::Slot;
use crate::domain::cnpg::{
    ClusterDetail, InstanceRole, InstanceRow, PrimaryChange, Streaming, TimelineEntry, Transition,
    phase, phase_severity,
};
use crate::ui::table::{block, status_span};
use crate::ui::{style, tone_slot};

fn clock(at: Timestamp) -> String {
    at.strftime("%H:%M:%S").to_string()
}

/// `2026-10-30 08:00:12Z (2d ago)`.
fn when(at: Option<Timestamp>, now: Timestamp) -> String {
    match at {
        Some(t) => format!("{} ({} ago)", t.strftime("%Y-%m-%d %H:%M:%SZ"), age(t, now)),
        None => "-".to_string(),
    }
}

fn label<'a>(app: &App, text: &str) -> Span<'a> {
    Span::styled(format!("{text:<16}"), style(app, Slot::muted))
}

fn value<'a>(app: &App, text: String, tone: Tone) -> Span<'a> {
    Span::styled(
        text,
        style(app, tone_slot(tone)).add_modifier(Modifier::BOLD),
    )
}

fn section<'a>(app: &App, title: &str, note: Option<&str>) -> Line<'a> {
    let mut spans = vec![Span::styled(title.to_string(), style(app, Slot::title))];
    if let Some(n) = note {
        spans.push(Span::styled(format!("  {n}"), style(app, Slot::muted)));
    }
    Line::from(spans)
}

fn header(app: &App, d: &ClusterDetail, f: &mut Frame, area: Rect) {
    let s = &d.summary;
    let primary_tone = match s.primary_change {
        PrimaryChange::None => Tone::Ok,
        PrimaryChange::FailoverStarting => Tone::Error,
        _ => Tone::Warn,
    };
    let ready_tone = if s.ready_instances < s.requested_instances {
        Tone::Warn
    } else {
        Tone::Ok
    };
    let phase_line = Line::from(vec![
        label(app, strings::PHASE),
        value(app, s.phase_text(), severity_tone(s.severity)),
    ]);
    let left = vec![
        Line::from(vec![
            label(app, strings::PRIMARY),
            value(app, s.primary_text(), primary_tone),
        ]),
        Line::from(vec![
            label(app, strings::INSTANCES_LABEL),
            value(
                app,
                strings::instances_ready(s.ready_instances, s.instances, s.requested_instances),
                ready_tone,
            ),
        ]),
    ];
    let failing = match s.failing_since {
        Some(_) => Tone::Error,
        None => Tone::Normal,
    };
    let right = vec![
        Line::from(vec![
            label(app, strings::TIMELINE_ID),
            value(
                app,
                s.timeline_id.map_or("-".to_string(), |t| t.to_string()),
                Tone::Normal,
            ),
        ]),
        Line::from(vec![
            label(app, strings::LAST_PROMOTION),
            value(app, when(s.last_promotion, app.now), Tone::Normal),
        ]),
        Line::from(vec![
            label(app, strings::FAILING_SINCE),
            value(app, when(s.failing_since, app.now), failing),
        ]),
    ];
    // Left: primary, instances; right: timeline, last promotion, failing since.
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(Paragraph::new(phase_line), top);
    let [l, r] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
    f.render_widget(Paragraph::new(left), l);
    f.render_widget(Paragraph::new(right), r);
}

/// The first DNS label of a node name (`ip-10-0-11-23` of `ip-10-0-11-23.eu-west-1…`).
fn short_node(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

fn instance_cells(d: &ClusterDetail, r: &InstanceRow) -> Vec<Cell> {
    let s = &d.summary;
    let is_target = s.target_primary.as_deref() == Some(r.pod.as_str())
        && s.current_primary.as_deref() != Some(r.pod.as_str());
    let role = if is_target {
        format!("{} (target)", r.role.as_str())
    } else {
        r.role.as_str().to_string()
    };
    let role_tone = match r.role {
        InstanceRole::Primary => Tone::Ok,
        InstanceRole::Replica if is_target => Tone::Warn,
        InstanceRole::Replica => Tone::Normal,
        InstanceRole::Unhealthy => Tone::Error,
        InstanceRole::Unknown => Tone::Muted,
    };
    let (ready, ready_tone) = match (r.exists, r.ready) {
        (false, _) => ("-", Tone::Muted),
        (true, true) => ("true", Tone::Ok),
        (true, false) => ("false", Tone::Warn),
    };
    let (status, status_tone) = if !r.exists {
        (strings::MISSING.to_string(), Tone::Error)
    } else if r.terminating {
        ("Terminating".to_string(), Tone::Warn)
    } else if r.pod_phase == "Running" {
        (r.pod_phase.clone(), Tone::Ok)
    } else {
        (r.pod_phase.clone(), Tone::Warn)
    };
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".to_string());
    let (streaming, streaming_tone) = match &r.streaming {
        Streaming::NotApplicable => ("-".to_string(), Tone::Muted),
        Streaming::Streaming => ("streaming".to_string(), Tone::Ok),
        Streaming::NotStreaming(why) => (format!("no: {why}"), Tone::Error),
        Streaming::Unknown => ("unknown".to_string(), Tone::Muted),
    };
    vec![
        Cell::new(r.pod.clone()),
        Cell::toned(role, role_tone),
        Cell::toned(ready, ready_tone),
        Cell::toned(status, status_tone),
        Cell::new(r.node.as_deref().map_or("-", short_node).to_string()),
        Cell::new(dash(&r.zone)),
        Cell::new(dash(&r.pool)),
        Cell::toned(
            r.restarts.to_string(),
            if r.restarts > 0 {
                Tone::Warn
            } else {
                Tone::Normal
            },
        ),
        Cell::toned(
            r.lag_text(),
            if r.lag_seconds.is_none() {
                Tone::Muted
            } else {
                Tone::Normal
            },
        ),
        Cell::toned(streaming, streaming_tone),
    ]
}

fn instances(app: &App, v: &CnpgDetailView, d: &ClusterDetail, f: &mut Frame, area: Rect) {
    let [title, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let unknown = d
        .instances
        .iter()
        .all(|i| i.lag_seconds.is_none())
        .then(|| {
            let error = app
                .metrics
                .panes
                .get(crate::domain::dashboard::panes::CNPG_LAG)
                .and_then(|m| m.error.as_deref());
            strings::lag_unknown(&crate::app::metrics::strings::pane_metrics_missing(
                &app.metrics.backend,
                error,
            ))
        });
    f.render_widget(
        Paragraph::new(section(app, strings::INSTANCES, unknown.as_deref())),
        title,
    );
    let cells: Vec<Vec<Cell>> = d.instances.iter().map(|r| instance_cells(d, r)).collect();
    let sel = (!cells.is_empty()).then_some(v.cursor.selected);
    grid(
        app,
        f,
        table,
        &strings::INSTANCE_COLUMNS,
        cells,
        sel,
        strings::NONE,
    );
}

fn warnings<'a>(app: &App, d: &ClusterDetail) -> Vec<Line<'a>> {
    if d.warnings.is_empty() {
        return vec![Line::from(vec![
            Span::styled(strings::WARNINGS.to_string(), style(app, Slot::title)),
            Span::styled(format!("  {}", strings::NO_WARNINGS), style(app, Slot::ok)),
        ])];
    }
    let mut out = vec![section(app, strings::WARNINGS, None)];
    for w in &d.warnings {
        out.push(Line::from(Span::styled(
            format!("⚠ {}", w.message()),
            style(app, tone_slot(severity_tone(w.severity()))),
        )));
    }
    out
}

fn services<'a>(app: &App, d: &ClusterDetail) -> Vec<Line<'a>> {
    let mut out = vec![section(app, strings::SERVICES, None)];
    for s in &d.services {
        let (target, tone) = match (&s.exists, &s.cluster_ip, s.port) {
            (false, _, _) => (strings::MISSING.to_string(), Tone::Error),
            (true, Some(ip), Some(port)) => (format!("{ip}:{port}"), Tone::Normal),
            (true, Some(ip), None) => (ip.clone(), Tone::Normal),
            (true, None, _) => ("-".to_string(), Tone::Normal),
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:<3}", s.kind.suffix()), style(app, Slot::info)),
            Span::styled(format!("{}  ", s.name), style(app, Slot::text)),
            Span::styled(target, style(app, tone_slot(tone))),
        ]));
    }
    out
}

fn conditions<'a>(app: &App, d: &ClusterDetail) -> Vec<Line<'a>> {
    let mut out = vec![section(app, strings::CONDITIONS, None)];
    if d.conditions.is_empty() {
        out.push(Line::from(Span::styled(
            strings::NONE,
            style(app, Slot::muted),
        )));
    }
    for c in &d.conditions {
        let tone = match c.status.as_str() {
            "True" => Tone::Ok,
            "False" => Tone::Warn,
            _ => Tone::Muted,
        };
        out.push(Line::from(vec![
            Span::styled(format!("{} ", c.type_), style(app, Slot::text)),
            Span::styled(format!("{} ", c.status), style(app, tone_slot(tone))),
            Span::styled(c.reason.clone(), style(app, Slot::muted)),
        ]));
    }
    out
}

fn pdbs<'a>(app: &App, d: &ClusterDetail) -> Vec<Line<'a>> {
    let mut out = vec![section(app, strings::PDBS, None)];
    if d.pdbs.is_empty() {
        out.push(Line::from(Span::styled(
            strings::NONE,
            style(app, Slot::muted),
        )));
    }
    for p in &d.pdbs {
        let allowed = p.disruptions_allowed;
        let tone = match allowed {
            Some(0) => Tone::Warn,
            _ => Tone::Normal,
        };
        out.push(Line::from(vec![
            Span::styled(format!("{}  ", p.name), style(app, Slot::text)),
            Span::styled(format!("{}  ", p.budget), style(app, Slot::muted)),
            Span::styled(
                format!(
                    "allowed {}",
                    allowed.map_or("-".to_string(), |n| n.to_string())
                ),
                style(app, tone_slot(tone)),
            ),
        ]));
    }
    out
}

fn transition_tone(t: &Transition) -> Tone {
    match t {
        Transition::Observed { phase: p, .. } | Transition::Phase { phase: p, .. } => {
            if p == phase::HEALTHY {
                Tone::Ok
            } else {
                severity_tone(phase_severity(p))
            }
        }
        Transition::PrimaryFailing { .. } | Transition::FailoverStarting => Tone::Error,
        Transition::FailoverTarget { .. } | Transition::SwitchoverRequested { .. } => Tone::Warn,
        Transition::Promoted { .. } | Transition::Rejoined { .. } => Tone::Ok,
        Transition::TargetReset { .. } | Transition::TimelineChanged { .. } => Tone::Normal,
    }
}

fn timeline<'a>(app: &App, entries: &[&TimelineEntry], height: usize) -> Vec<Line<'a>> {
    let mut out = vec![section(app, strings::TIMELINE, None)];
    if entries.is_empty() {
        out.push(Line::from(Span::styled(
            strings::TIMELINE_EMPTY,
            style(app, Slot::muted),
        )));
        return out;
    }
    // The newest entries when they do not all fit.
    let room = height.saturating_sub(1).max(1);
    let skip = entries.len().saturating_sub(room);
    for e in &entries[skip..] {
        out.push(Line::from(vec![
            Span::styled(format!("{}  ", clock(e.at)), style(app, Slot::muted)),
            Span::styled(
                e.sentence(),
                style(app, tone_slot(transition_tone(&e.transition))),
            ),
        ]));
    }
    out
}

fn events<'a>(app: &App, d: &ClusterDetail) -> Vec<Line<'a>> {
    let mut out = vec![section(app, strings::EVENTS, None)];
    if d.events.is_empty() {
        out.push(Line::from(Span::styled(
            strings::NONE,
            style(app, Slot::muted),
        )));
    }
    for e in &d.events {
        let tone = if e.type_ == "Normal" {
            Tone::Normal
        } else {
            Tone::Warn
        };
        let at = e.at.map_or("-".to_string(), |t| age(t, app.now));
        let count = if e.count > 1 {
            format!(" (x{})", e.count)
        } else {
            String::new()
        };
        // Events of the Cluster itself need no object name; pod events name the pod.
        let object = match e.object.split_once('/') {
            Some(("Pod", pod)) => format!("{pod}: "),
            _ => String::new(),
        };
        out.push(Line::from(vec![
            Span::styled(format!("{at:>4}  "), style(app, Slot::muted)),
            Span::styled(format!("{}  ", e.reason), style(app, tone_slot(tone))),
            Span::styled(object, style(app, Slot::info)),
            Span::styled(format!("{}{count}", e.message), style(app, Slot::text)),
        ]));
    }
    out
}

/// Widths of the services, conditions and PDB columns: as wide as their text when it fits;
/// else the conditions (whose reasons matter least) take what is left; else shared.
fn columns(widths: [usize; 3], total: u16) -> [Constraint; 3] {
    let total = total as usize;
    let [svc, cond, pdb] = widths.map(|w| w as u16);
    if widths.iter().sum::<usize>() + 4 <= total {
        [
            Constraint::Length(svc),
            Constraint::Length(cond),
            Constraint::Fill(1),
        ]
    } else if widths[0] + widths[2] + 4 + 16 <= total {
        [
            Constraint::Length(svc),
            Constraint::Fill(1),
            Constraint::Length(pdb),
        ]
    } else {
        [
            Constraint::Percentage(30),
            Constraint::Percentage(35),
            Constraint::Percentage(35),
        ]
    }
}

pub(crate) fn render(app: &App, v: &CnpgDetailView, f: &mut Frame, area: Rect) {
    let (ns, name) = &v.key;
    let mut title = vec![
        Span::raw(" "),
        Span::styled(strings::detail_title(ns, name), style(app, Slot::title)),
        Span::raw(" "),
    ];
    if v.missing {
        title.push(Span::styled(
            format!("{} ", crate::app::strings::OBJECT_GONE),
            style(app, Slot::warn),
        ));
    }
    let status = app.watches.get(&v.watches.clusters.key).map(|w| &w.status);
    let b = block(app, title, status_span(app, status));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(d) = &v.detail else {
        let text = if v.missing {
            strings::cluster_not_found(ns, name)
        } else {
            crate::app::strings::LOADING.to_string()
        };
        f.render_widget(
            Paragraph::new(Span::styled(text, style(app, Slot::muted))),
            inner,
        );
        return;
    };
    let warn_lines = warnings(app, d);
    let (svc, cond, pdb) = (services(app, d), conditions(app, d), pdbs(app, d));
    let mid_h = svc.len().max(cond.len()).max(pdb.len());
    let [head, inst, warn, mid, bottom] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(2 + d.instances.len().max(1) as u16),
        Constraint::Length(warn_lines.len() as u16),
        Constraint::Length(mid_h as u16),
        Constraint::Min(2),
    ])
    .spacing(0)
    .areas(inner);
    header(app, d, f, head);
    instances(app, v, d, f, inst);
    f.render_widget(Paragraph::new(warn_lines), warn);
    let [a, b, c] = Layout::horizontal(columns(
        [&svc, &cond, &pdb].map(|ls| ls.iter().map(Line::width).max().unwrap_or(0)),
        mid.width,
    ))
    .spacing(2)
    .areas(mid);
    f.render_widget(Paragraph::new(svc), a);
    f.render_widget(Paragraph::new(cond), b);
    f.render_widget(Paragraph::new(pdb), c);
    let [tl, ev] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
        .spacing(2)
        .areas(bottom);
    let entries: Vec<&TimelineEntry> = app
        .cnpg
        .timeline(&v.key)
        .map(|t| t.entries().collect())
        .unwrap_or_default();
    f.render_widget(
        Paragraph::new(timeline(app, &entries, tl.height as usize)),
        tl,
    );
    f.render_widget(Paragraph::new(events(app, d)), ev);
}
