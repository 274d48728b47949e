//! The detail area of the selected pool: nodes and zones, types, taints, requests,
//! warnings in words, the EKS node group (or why there is none) and the shared labels.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::super::{style, tone_slot};
use super::{eks_tone, pct, types_text, zones_full};
use crate::app::columns::age;
use crate::app::pools::{PoolsView, strings};
use crate::app::{App, WatchStatus};
use crate::config::Slot;
use crate::domain::pools::{NodegroupInfo, Pool};
use crate::domain::quantity::{format_bytes, format_cpu};

/// Items laid out in lines of at most `width` columns, two spaces apart.
fn flow(items: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for it in items {
        let need = if cur.is_empty() { 0 } else { 2 } + it.chars().count();
        if !cur.is_empty() && cur.chars().count() + need > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push_str("  ");
        }
        cur.push_str(it);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

const LABEL_W: usize = 11;

/// A detail line: a muted label column, then the value spans.
fn field<'a>(app: &App, label: &str, value: Vec<Span<'a>>) -> Line<'a> {
    let mut spans = vec![Span::styled(
        format!(" {label:<w$}", w = LABEL_W),
        style(app, Slot::muted),
    )];
    spans.extend(value);
    Line::from(spans)
}

fn text<'a>(app: &App, s: impl Into<String>) -> Span<'a> {
    Span::styled(s.into(), style(app, Slot::text))
}

fn muted<'a>(app: &App, s: impl Into<String>) -> Span<'a> {
    Span::styled(s.into(), style(app, Slot::muted))
}

fn eks_lines<'a>(app: &App, pool: &Pool, width: usize) -> Vec<Line<'a>> {
    let eks = &app.eks;
    let label = "EKS";
    let Some(g) = &pool.eks else {
        let (msg, slot) = match (&eks.cluster, &eks.status) {
            _ if !eks.known => (strings::EKS_DETECTING.to_string(), Slot::muted),
            (None, _) => (strings::EKS_NOT_EKS.to_string(), Slot::muted),
            (Some(_), WatchStatus::Loading) => (strings::EKS_LOADING.to_string(), Slot::muted),
            (Some(_), WatchStatus::Stale { error, .. }) if eks.groups.is_empty() => {
                (strings::eks_failed_no_data(error), Slot::error)
            }
            (Some(_), _) => (strings::EKS_NOT_A_GROUP.to_string(), Slot::muted),
        };
        return vec![field(app, label, vec![Span::styled(msg, style(app, slot))])];
    };
    let mut out = vec![field(app, label, nodegroup_head(app, g))];
    if let WatchStatus::Stale { error, since } = &eks.status {
        let text = strings::eks_detail_stale(error, &age(*since, app.now));
        for l in wrap(&text, width.saturating_sub(LABEL_W + 1)) {
            out.push(field(
                app,
                "",
                vec![Span::styled(l, style(app, Slot::error))],
            ));
        }
    }
    let mut facts = vec![
        format!(
            "release {}",
            g.release_version.clone().unwrap_or_else(|| "–".into())
        ),
        format!("AMI {}", g.ami_type.clone().unwrap_or_else(|| "–".into())),
        format!("types {}", g.instance_types.join(",")),
    ];
    if let Some(c) = &g.capacity_type {
        facts.push(format!("capacity {c}"));
    }
    for l in flow(&facts, width.saturating_sub(LABEL_W + 2)) {
        out.push(field(app, "", vec![text(app, l)]));
    }
    if g.health_issues.is_empty() {
        out.push(field(app, "", vec![muted(app, strings::NO_HEALTH_ISSUES)]));
    } else {
        for issue in &g.health_issues {
            out.push(field(
                app,
                "",
                vec![Span::styled(format!("✖ {issue}"), style(app, Slot::error))],
            ));
        }
    }
    out
}

fn nodegroup_head<'a>(app: &App, g: &NodegroupInfo) -> Vec<Span<'a>> {
    let eks = &app.eks;
    let mut spans = vec![
        Span::styled(g.status.clone(), style(app, tone_slot(eks_tone(&g.status)))),
        text(
            app,
            format!(
                "  min {}  desired {}  max {}   ",
                g.min_size, g.desired_size, g.max_size
            ),
        ),
    ];
    if let (WatchStatus::Ready, Some(at)) = (&eks.status, eks.updated) {
        spans.push(muted(app, strings::eks_updated(&age(at, app.now))));
    }
    spans
}

fn detail_lines<'a>(app: &App, pool: &Pool, width: usize) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let total = pool.nodes.len();
    let ready = pool.ready();
    out.push(field(
        app,
        "nodes",
        vec![
            Span::styled(
                format!("{ready}/{total} Ready"),
                style(
                    app,
                    if ready < total {
                        Slot::warn
                    } else {
                        Slot::text
                    },
                ),
            ),
            muted(app, "   zones "),
            text(app, zones_full(&pool.zones)),
        ],
    ));
    let capacity: Vec<String> = pool.capacity_types.iter().cloned().collect();
    out.push(field(
        app,
        "types",
        vec![
            text(app, types_text(pool)),
            muted(app, "   capacity "),
            text(
                app,
                if capacity.is_empty() {
                    "–".to_string()
                } else {
                    capacity.join(",")
                },
            ),
            muted(app, "   provider "),
            text(app, pool.provider.label()),
        ],
    ));
    out.push(field(
        app,
        "taints",
        vec![if pool.taints.is_empty() {
            muted(app, strings::NO_TAINTS)
        } else {
            text(app, pool.taints.join("  "))
        }],
    ));
    let (cpu_r, cpu_a) = (pool.cpu_requested(), pool.cpu_allocatable());
    let (mem_r, mem_a) = (pool.memory_requested(), pool.memory_allocatable());
    out.push(field(
        app,
        "requested",
        vec![text(
            app,
            format!(
                "CPU {} of {} ({})   memory {} of {} ({})   pods {} of {}",
                format_cpu(cpu_r),
                format_cpu(cpu_a),
                pct(cpu_r, cpu_a),
                format_bytes(mem_r),
                format_bytes(mem_a),
                pct(mem_r, mem_a),
                pool.pods(),
                pool.pods_allocatable()
            ),
        )],
    ));
    out.push(field(app, "in use", usage_spans(app, pool)));
    if pool.warnings.is_empty() {
        out.push(field(
            app,
            "warnings",
            vec![muted(app, strings::NO_WARNINGS)],
        ));
    }
    let value_w = width.saturating_sub(LABEL_W + 1);
    let mut first = true;
    for w in &pool.warnings {
        let lines = wrap(&format!("⚠ {}", w.message), value_w.saturating_sub(2));
        for (n, l) in lines.into_iter().enumerate() {
            let label = if first { "warnings" } else { "" };
            first = false;
            let text = if n == 0 { l } else { format!("  {l}") };
            out.push(field(
                app,
                label,
                vec![Span::styled(text, style(app, Slot::warn))],
            ));
        }
    }
    out.extend(eks_lines(app, pool, width));
    let labels: Vec<String> = pool
        .common_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for (n, l) in flow(&labels, value_w).into_iter().enumerate() {
        out.push(field(
            app,
            if n == 0 { "labels" } else { "" },
            vec![muted(app, l)],
        ));
    }
    out
}

/// Words of `text` in lines of at most `width` columns (a longer word gets its own line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let words: Vec<String> = text.split(' ').map(str::to_string).collect();
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for w in words {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&w);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

pub(super) fn draw_detail(app: &App, v: &PoolsView, f: &mut Frame, area: Rect) {
    let Some(pool) = v.selected() else {
        f.render_widget(
            Block::bordered().border_style(style(app, Slot::border)),
            area,
        );
        return;
    };
    let title = vec![
        Span::raw(" "),
        Span::styled(strings::pool_scope(&pool.name), style(app, Slot::title)),
        Span::raw(" "),
    ];
    let b = Block::bordered()
        .border_style(style(app, Slot::border))
        .title(Line::from(title));
    let width = usize::from(b.inner(area).width);
    let lines = detail_lines(app, pool, width);
    f.render_widget(Paragraph::new(lines).block(b), area);
}

/// CPU and memory in use from Prometheus, with the data's age; or why there is none.
fn usage_spans<'a>(app: &App, pool: &Pool) -> Vec<Span<'a>> {
    let metric = app
        .metrics
        .panes
        .get(crate::domain::dashboard::panes::NODE_CPU);
    let (cpu_u, mem_u) = (pool.cpu_used(), pool.memory_used());
    if cpu_u.is_none() && mem_u.is_none() {
        let why = crate::app::metrics::strings::pane_metrics_missing(
            &app.metrics.backend,
            metric.and_then(|m| m.error.as_deref()),
        );
        return vec![muted(app, why)];
    }
    let part = |used: Option<f64>, total: f64, fmt: fn(f64) -> String| match used {
        Some(u) => format!("{} of {} ({})", fmt(u), fmt(total), pct(u, total)),
        None => "–".to_string(),
    };
    let mut spans = vec![text(
        app,
        format!(
            "CPU {}   memory {}",
            part(cpu_u, pool.cpu_allocatable(), format_cpu),
            part(mem_u, pool.memory_allocatable(), format_bytes)
        ),
    )];
    if let Some(at) = metric.and_then(|m| m.at) {
        spans.push(muted(
            app,
            format!(
                "   Prometheus, {} ago",
                crate::ui::metrics::age(app.now, at)
            ),
        ));
    }
    if let Some(e) = metric.and_then(|m| m.error.as_deref()) {
        spans.push(Span::styled(format!("   ! {e}"), style(app, Slot::error)));
    }
    spans
}
