//! Where panels go on screen: Grafana's 24-column grid in sections (the panels before the
//! first row, then each row as a header line and, when open, its panels laid out inside
//! it), overlaps pushed down, 1.5 terminal rows per grid row; and the expansion of panels
//! and rows repeated for each value of a variable.

use super::model::{Dashboard, GRID_COLUMNS, Panel, Row};

/// What a placed item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// A row header (index into `Dashboard::rows`).
    Row(usize),
    /// A panel (index into `Dashboard::panels`).
    Panel(usize),
}

/// An item's place: columns on the grid, rows in terminal lines from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub(crate) item: Item,
    pub x: u16,
    pub w: u16,
    pub y: u32,
    pub h: u32,
}

/// Terminal rows for grid row `y`: a grid row is 30 px in Grafana, about 1.5 text rows.
pub(crate) fn rows_of(y: u32) -> u32 {
    y * 3 / 2
}

/// Places every visible item; `collapsed[r]` says whether row `r` is closed (missing
/// entries: the row's own `collapsed`).
pub fn arrange(d: &Dashboard, collapsed: &[bool]) -> Vec<Placed> {
    let mut out = Vec::new();
    let mut cursor = 0u32;
    let sections = std::iter::once(None).chain((0..d.rows.len()).map(Some));
    for section in sections {
        let members: Vec<usize> = (0..d.panels.len())
            .filter(|&i| d.panels[i].options.row == section)
            .collect();
        if let Some(r) = section {
            out.push(Placed {
                item: Item::Row(r),
                x: 0,
                w: GRID_COLUMNS,
                y: cursor,
                h: 1,
            });
            cursor += 1;
            let closed = collapsed.get(r).copied().unwrap_or(d.rows[r].collapsed);
            if closed {
                continue;
            }
        }
        let placed = pack(&d.panels, &members);
        let mut bottom = cursor;
        for (i, gy) in placed {
            let g = d.panels[i].grid;
            let y = cursor + rows_of(gy);
            let h = (rows_of(gy + u32::from(g.h)) - rows_of(gy)).max(1);
            bottom = bottom.max(y + h);
            out.push(Placed {
                item: Item::Panel(i),
                x: g.x,
                w: g.w,
                y,
                h,
            });
        }
        cursor = bottom;
    }
    out
}

/// Grid `y` of each member, relative to its section, with overlaps pushed down.
fn pack(panels: &[Panel], members: &[usize]) -> Vec<(usize, u32)> {
    let mut order: Vec<usize> = members.to_vec();
    order.sort_by_key(|&i| (panels[i].grid.y, panels[i].grid.x));
    let min_y = order
        .iter()
        .map(|&i| u32::from(panels[i].grid.y))
        .min()
        .unwrap_or(0);
    let mut placed: Vec<(usize, u32)> = Vec::new();
    for i in order {
        let g = panels[i].grid;
        let mut y = u32::from(g.y) - min_y;
        loop {
            let clash = placed.iter().find_map(|&(j, py)| {
                let o = panels[j].grid;
                let cols = g.x < o.x + o.w && o.x < g.x + g.w;
                let rows = y < py + u32::from(o.h) && py < y + u32::from(g.h);
                (cols && rows).then_some(py + u32::from(o.h))
            });
            match clash {
                Some(below) => y = below,
                None => break,
            }
        }
        placed.push((i, y));
    }
    placed
}

/// The total height of placed items.
pub fn height(placed: &[Placed]) -> u32 {
    placed.iter().map(|p| p.y + p.h).max().unwrap_or(0)
}

/// Whether any two placed items overlap (tests and the import check).
pub fn overlaps(placed: &[Placed]) -> Vec<(Item, Item)> {
    let mut out = Vec::new();
    for (a, pa) in placed.iter().enumerate() {
        for pb in &placed[a + 1..] {
            let cols = pa.x < pb.x + pb.w && pb.x < pa.x + pa.w;
            let rows = pa.y < pb.y + pb.h && pb.y < pa.y + pa.h;
            if cols && rows {
                out.push((pa.item, pb.item));
            }
        }
    }
    out
}

/// The dashboard with repeated rows and panels expanded, one copy per value of their
/// variable (`values(name)` gives the selected values). Copies carry the value in
/// `options.scoped`; horizontal panel repeats share the row (`max_per_row`, default 4).
pub fn expand_repeats(d: &Dashboard, values: &dyn Fn(&str) -> Vec<String>) -> Dashboard {
    let mut out = d.clone();
    out.rows.clear();
    out.panels.clear();
    // Rows first: a repeated row's copies take its panels with them.
    let mut row_map: Vec<Vec<usize>> = Vec::new();
    for r in &d.rows {
        let mut copies = Vec::new();
        let vals = r.repeat.as_deref().map(values).unwrap_or_default();
        if let (Some(var), false) = (&r.repeat, vals.is_empty()) {
            for v in vals {
                copies.push(out.rows.len());
                let mut scoped = r.scoped.clone();
                scoped.push((var.clone(), v));
                out.rows.push(Row {
                    scoped,
                    repeat: None,
                    ..r.clone()
                });
            }
        } else {
            copies.push(out.rows.len());
            out.rows.push(r.clone());
        }
        row_map.push(copies);
    }
    for p in &d.panels {
        let rows: Vec<Option<usize>> = match p.options.row {
            Some(r) => row_map
                .get(r)
                .map(|c| c.iter().map(|&i| Some(i)).collect())
                .unwrap_or_default(),
            None => vec![None],
        };
        for row in rows {
            let mut base = p.clone();
            base.options.row = row;
            if let Some(r) = row {
                let scoped = out.rows[r].scoped.clone();
                base.options.scoped.extend(scoped);
            }
            let vals = p.options.repeat.as_deref().map(values).unwrap_or_default();
            let Some(var) = p.options.repeat.clone().filter(|_| !vals.is_empty()) else {
                out.panels.push(base);
                continue;
            };
            let n = vals.len() as u16;
            let per_row = p.options.max_per_row.unwrap_or(4).max(1);
            for (k, v) in vals.into_iter().enumerate() {
                let k = k as u16;
                let mut c = base.clone();
                c.options.repeat = None;
                c.options.scoped.push((var.clone(), v));
                if p.options.repeat_vertical {
                    c.grid.y = p.grid.y.saturating_add(k.saturating_mul(p.grid.h));
                } else {
                    let w = (GRID_COLUMNS / n.min(per_row)).max(1);
                    let cols = (GRID_COLUMNS / w).max(1);
                    c.grid.w = w;
                    c.grid.x = (k % cols) * w;
                    c.grid.y = p.grid.y.saturating_add((k / cols).saturating_mul(p.grid.h));
                }
                out.panels.push(c);
            }
        }
    }
    out
}

/// Variables filled in panel and row titles and in legends (`$node`, `$__interval`;
/// `{{label}}` stays for each series), with each repeated copy's own values.
pub(crate) fn fill_titles(d: &mut Dashboard, b: &super::template::Bindings) {
    use super::template::expand_text;
    for r in &mut d.rows {
        r.title = expand_text(&r.title, &b.scoped(&r.scoped));
    }
    for p in &mut d.panels {
        let b = b.scoped(&p.options.scoped);
        p.title = expand_text(&p.title, &b);
        for t in &mut p.targets {
            t.legend = expand_text(&t.legend, &b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dashboard::model::Grid;

    fn panel(title: &str, row: Option<usize>, x: u16, y: u16, w: u16, h: u16) -> Panel {
        let mut p = Panel {
            title: title.into(),
            grid: Grid { x, y, w, h },
            ..Panel::default()
        };
        p.options.row = row;
        p
    }

    fn dash(rows: Vec<Row>, panels: Vec<Panel>) -> Dashboard {
        Dashboard {
            title: "t".into(),
            description: String::new(),
            range: "1h".into(),
            refresh: None,
            variables: Vec::new(),
            panels,
            rows,
        }
    }

    fn row(title: &str, collapsed: bool) -> Row {
        Row {
            title: title.into(),
            collapsed,
            ..Row::default()
        }
    }

    #[test]
    fn collapsed_rows_keep_their_panels_inside() {
        // Both collapsed rows store panels at y = 1 (as Grafana exports them).
        let d = dash(
            vec![row("CPU", true), row("Memory", true)],
            vec![
                panel("top", None, 0, 0, 24, 4),
                panel("cpu", Some(0), 0, 1, 12, 8),
                panel("cpu2", Some(0), 12, 1, 12, 8),
                panel("mem", Some(1), 0, 1, 24, 8),
            ],
        );
        let closed = arrange(&d, &[]);
        assert_eq!(
            closed.iter().map(|p| (p.item, p.y)).collect::<Vec<_>>(),
            vec![(Item::Panel(0), 0), (Item::Row(0), 6), (Item::Row(1), 7)]
        );
        let open = arrange(&d, &[false, false]);
        assert!(overlaps(&open).is_empty(), "{open:?}");
        let ys: Vec<(Item, u32, u32)> = open.iter().map(|p| (p.item, p.y, p.h)).collect();
        assert_eq!(
            ys,
            vec![
                (Item::Panel(0), 0, 6),
                (Item::Row(0), 6, 1),
                (Item::Panel(1), 7, 12),
                (Item::Panel(2), 7, 12),
                (Item::Row(1), 19, 1),
                (Item::Panel(3), 20, 12),
            ]
        );
        assert_eq!(height(&open), 32);
    }

    #[test]
    fn overlapping_panels_are_pushed_down() {
        let d = dash(
            vec![],
            vec![panel("a", None, 0, 0, 12, 4), panel("b", None, 6, 2, 12, 4)],
        );
        let p = arrange(&d, &[]);
        assert!(overlaps(&p).is_empty());
        assert_eq!(p[1].y, 6);
    }

    #[test]
    fn repeats_expand_per_value() {
        let mut rp = panel("CPU $node", None, 0, 0, 24, 4);
        rp.options.repeat = Some("node".into());
        let mut rr = row("Disk $dev", false);
        rr.repeat = Some("dev".into());
        let d = dash(vec![rr], vec![rp, panel("io", Some(0), 0, 5, 24, 4)]);
        let values = |v: &str| match v {
            "node" => vec!["a".to_string(), "b".into(), "c".into()],
            "dev" => vec!["sda".to_string(), "sdb".into()],
            _ => vec![],
        };
        let e = expand_repeats(&d, &values);
        assert_eq!(e.rows.len(), 2);
        assert_eq!(
            e.rows[1].scoped,
            vec![("dev".to_string(), "sdb".to_string())]
        );
        assert_eq!(e.panels.len(), 5);
        assert_eq!(
            e.panels[..3]
                .iter()
                .map(|p| (p.grid.x, p.grid.w))
                .collect::<Vec<_>>(),
            vec![(0, 8), (8, 8), (16, 8)]
        );
        assert_eq!(e.panels[4].options.row, Some(1));
        assert_eq!(
            e.panels[4].options.scoped,
            vec![("dev".to_string(), "sdb".to_string())]
        );
        assert!(overlaps(&arrange(&e, &[])).is_empty());
    }
}
