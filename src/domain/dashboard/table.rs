//! Table panels: each query's series become rows of label columns and a `Value #A`
//! column; Grafana's common transformations then join them (merge, join by field, series
//! to columns), choose and rename columns (organize, filter by name) or reduce each series
//! to a row of calculations (reduce).

use std::collections::{BTreeMap, BTreeSet};

use super::field::Calc;

/// A transformation from a panel's `transformations`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Transform {
    /// `merge`, `seriesToColumns`, `joinByField` (optionally on one field), `joinByLabels`.
    Join { field: Option<String> },
    /// `organize` / `filterFieldsByName`: hide, rename and order columns.
    Organize {
        exclude: BTreeSet<String>,
        /// Only these columns (filterFieldsByName's include list), when not empty.
        include: BTreeSet<String>,
        rename: BTreeMap<String, String>,
        order: BTreeMap<String, i64>,
    },
    /// `reduce`: one row per series with these calculations.
    Reduce { calcs: Vec<Calc> },
    /// Anything else, kept to be reported.
    Other(String),
}

/// A series as a table sees it: display name, labels, points.
pub(crate) type FrameSeries = (String, BTreeMap<String, String>, Vec<(f64, f64)>);

/// A joined row: the labels seen, and one value per frame.
type JoinedRow = (BTreeMap<String, String>, Vec<Option<f64>>);

/// One query's answer as the table sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    pub(crate) ref_id: String,
    /// Series: display name, labels, points.
    pub series: Vec<FrameSeries>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Num(f64),
    Empty,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub(crate) columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The value column of a query: `Value` alone, `Value #A` among several.
fn value_column(ref_id: &str, several: bool) -> String {
    if several {
        format!("Value #{}", if ref_id.is_empty() { "A" } else { ref_id })
    } else {
        "Value".into()
    }
}

/// The table of `frames` after `transforms`. Several frames without a join are joined
/// on their shared labels anyway: a terminal shows one table.
pub(crate) fn build(frames: &[Frame], transforms: &[Transform]) -> Table {
    if let Some(calcs) = transforms.iter().find_map(|t| match t {
        Transform::Reduce { calcs } => Some(calcs),
        _ => None,
    }) {
        let mut t = reduce(frames, calcs);
        for tr in transforms {
            if let Transform::Organize { .. } = tr {
                organize(&mut t, tr);
            }
        }
        return t;
    }
    let join_field = transforms.iter().find_map(|t| match t {
        Transform::Join { field } => Some(field.clone()),
        _ => None,
    });
    let mut t = join(frames, join_field.flatten());
    for tr in transforms {
        if let Transform::Organize { .. } = tr {
            organize(&mut t, tr);
        }
    }
    t
}

fn reduce(frames: &[Frame], calcs: &[Calc]) -> Table {
    let calcs = if calcs.is_empty() {
        vec![Calc::LastNotNull]
    } else {
        calcs.to_vec()
    };
    let mut t = Table {
        columns: std::iter::once("Field".to_string())
            .chain(calcs.iter().map(|c| c.label().to_string()))
            .collect(),
        rows: Vec::new(),
    };
    for f in frames {
        for (name, _, points) in &f.series {
            let mut row = vec![Cell::Text(name.clone())];
            row.extend(
                calcs
                    .iter()
                    .map(|c| c.reduce(points).map_or(Cell::Empty, Cell::Num)),
            );
            t.rows.push(row);
        }
    }
    t
}

/// Rows keyed by shared label values; one value column per frame.
fn join(frames: &[Frame], field: Option<String>) -> Table {
    let several = frames.len() > 1;
    // Label columns: the union, in first-seen order (sorted within a series).
    let mut labels: Vec<String> = Vec::new();
    for f in frames {
        for (_, l, _) in &f.series {
            for k in l.keys().filter(|k| k.as_str() != "__name__") {
                if !labels.contains(k) {
                    labels.push(k.clone());
                }
            }
        }
    }
    // The join key: the named field, else the labels every frame's series have.
    let key: Vec<String> = match field.filter(|f| labels.contains(f)) {
        Some(f) => vec![f],
        None => labels
            .iter()
            .filter(|k| {
                frames
                    .iter()
                    .filter(|f| !f.series.is_empty())
                    .all(|f| f.series.iter().all(|(_, l, _)| l.contains_key(*k)))
            })
            .cloned()
            .collect(),
    };
    let values: Vec<String> = frames
        .iter()
        .map(|f| value_column(&f.ref_id, several))
        .collect();
    let mut rows: BTreeMap<Vec<String>, JoinedRow> = BTreeMap::new();
    for (i, f) in frames.iter().enumerate() {
        for (n, (_, l, points)) in f.series.iter().enumerate() {
            let k: Vec<String> = key
                .iter()
                .map(|k| l.get(k).cloned().unwrap_or_default())
                .collect();
            // Without shared labels, each series is its own row.
            let k = if key.is_empty() {
                vec![format!("{i:04}:{n:06}")]
            } else {
                k
            };
            let entry = rows
                .entry(k)
                .or_insert_with(|| (BTreeMap::new(), vec![None; frames.len()]));
            for (lk, lv) in l {
                entry.0.entry(lk.clone()).or_insert_with(|| lv.clone());
            }
            entry.1[i] = Calc::LastNotNull.reduce(points);
        }
    }
    Table {
        columns: labels.iter().cloned().chain(values).collect(),
        rows: rows
            .into_values()
            .map(|(l, v)| {
                labels
                    .iter()
                    .map(|k| l.get(k).map_or(Cell::Empty, |v| Cell::Text(v.clone())))
                    .chain(v.into_iter().map(|v| v.map_or(Cell::Empty, Cell::Num)))
                    .collect()
            })
            .collect(),
    }
}

fn organize(t: &mut Table, tr: &Transform) {
    let Transform::Organize {
        exclude,
        include,
        rename,
        order,
    } = tr
    else {
        return;
    };
    let mut keep: Vec<(usize, String)> = t
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !exclude.contains(*c) && (include.is_empty() || include.contains(*c)))
        .map(|(i, c)| (i, c.clone()))
        .collect();
    keep.sort_by_key(|(i, c)| (order.get(c).copied().unwrap_or(1000 + *i as i64), *i));
    t.rows = t
        .rows
        .iter()
        .map(|r| keep.iter().map(|(i, _)| r[*i].clone()).collect())
        .collect();
    t.columns = keep
        .into_iter()
        .map(|(_, c)| {
            rename
                .get(&c)
                .filter(|r| !r.is_empty())
                .cloned()
                .unwrap_or(c)
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ref_id: &str, rows: &[(&[(&str, &str)], f64)]) -> Frame {
        Frame {
            ref_id: ref_id.into(),
            series: rows
                .iter()
                .map(|(l, v)| {
                    (
                        String::new(),
                        l.iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                        vec![(1.0, *v)],
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn merge_two_queries_into_one_row_per_label_set() {
        let a = frame("A", &[(&[("pod", "p1")], 1.0), (&[("pod", "p2")], 2.0)]);
        let b = frame(
            "B",
            &[
                (&[("pod", "p1"), ("node", "n1")], 10.0),
                (&[("pod", "p3"), ("node", "n2")], 30.0),
            ],
        );
        let t = build(&[a, b], &[Transform::Join { field: None }]);
        assert_eq!(t.columns, vec!["pod", "node", "Value #A", "Value #B"]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(
            t.rows[0],
            vec![
                Cell::Text("p1".into()),
                Cell::Text("n1".into()),
                Cell::Num(1.0),
                Cell::Num(10.0)
            ]
        );
        assert_eq!(t.rows[2][2], Cell::Empty);
    }

    #[test]
    fn organize_hides_renames_and_orders() {
        let a = frame("A", &[(&[("pod", "p1"), ("job", "x")], 1.0)]);
        let tr = Transform::Organize {
            exclude: ["job".to_string()].into(),
            include: BTreeSet::new(),
            rename: [("Value".to_string(), "Restarts".to_string())].into(),
            order: [("Value".to_string(), 0), ("pod".to_string(), 1)].into(),
        };
        let t = build(&[a], &[tr]);
        assert_eq!(t.columns, vec!["Restarts", "pod"]);
        assert_eq!(t.rows[0], vec![Cell::Num(1.0), Cell::Text("p1".into())]);
    }

    #[test]
    fn reduce_gives_a_row_per_series() {
        let f = Frame {
            ref_id: "A".into(),
            series: vec![("cpu".into(), BTreeMap::new(), vec![(1.0, 1.0), (2.0, 3.0)])],
        };
        let t = build(
            &[f],
            &[Transform::Reduce {
                calcs: vec![Calc::LastNotNull, Calc::Max, Calc::Mean],
            }],
        );
        assert_eq!(t.columns, vec!["Field", "Last", "Max", "Mean"]);
        assert_eq!(
            t.rows[0],
            vec![
                Cell::Text("cpu".into()),
                Cell::Num(3.0),
                Cell::Num(3.0),
                Cell::Num(2.0)
            ]
        );
    }
}
