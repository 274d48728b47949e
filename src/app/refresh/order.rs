//! A table's rows kept in order between refreshes, so that a change costs the table the work
//! of the objects that changed, not a sort of every row: each object the watch store holds
//! is remembered (by its `Arc`: the store hands out a new one for every changed object)
//! with whether it is a row of the table and whether the `/` filter shows it. A refresh
//! compares the store's objects with them by pointer; an object gone or replaced leaves the
//! rows, found by binary search, and a new or replaced one enters at the place a binary
//! search gives.
//!
//! The order and the filter are those of a full [`super::table_rows`] at the same time
//! (the property tests below check it after random change sequences, for every sort column,
//! both directions, with and without a filter). The rows are rebuilt whole when the sort,
//! the filter, the columns or the watch change, when many objects changed at once (a list,
//! a relist), and when the clock passed a second while the order or the filter reads it (a
//! date column sorted, a text filter on a table with ages: ages are shown to the second).

use std::cmp::Ordering;
use std::sync::Arc;

use jiff::Timestamp;

use super::super::columns::{Column, ColumnKind};
use super::super::filter::Filter;
use super::super::view::{SortBy, TableView};
use super::{SortKey, in_scope, order_rows, passes};
use crate::model::WatchKey;
use crate::model::object::Obj;
use crate::model::object::by_addr::{ByAddr, addr};

/// What the rows were ordered and filtered for.
#[derive(Debug, Clone, PartialEq)]
struct Basis {
    key: WatchKey,
    sort: SortBy,
    filter: Filter,
    /// The columns (their names and kinds, as text).
    columns: String,
}

#[derive(Debug, Clone)]
struct Entry {
    obj: Arc<Obj>,
    /// A row of the table (within its field and label selectors).
    row: bool,
    /// A row the `/` filter shows.
    shown: bool,
    seen: u64,
}

/// The kept state of one table's rows.
#[derive(Debug, Clone, Default)]
pub struct RowOrder {
    basis: Option<Basis>,
    /// The second the rows were last rebuilt at (ages read the clock to the second).
    built_at: Option<i64>,
    /// Every object of the store, by its pointer.
    entries: ByAddr<Entry>,
    total: usize,
    pass: u64,
}

fn names(x: &Obj) -> (&str, &str) {
    (
        x.metadata.namespace.as_deref().unwrap_or(""),
        x.metadata.name.as_deref().unwrap_or(""),
    )
}

/// How rows compare: by namespace and name, or by a column (ties by namespace and name).
#[derive(Clone, Copy)]
enum Mode<'a> {
    Names { desc: bool },
    Column { column: &'a Column, desc: bool },
}

impl<'a> Mode<'a> {
    /// The same choice as [`order_rows`].
    fn of(sort: &SortBy, columns: &'a [Column]) -> Mode<'a> {
        let has_ns = columns.iter().any(|c| c.name == "NAMESPACE");
        if sort.column == "NAMESPACE" || (sort.column == "NAME" && !has_ns) {
            return Mode::Names { desc: sort.desc };
        }
        match columns.iter().find(|c| c.name == sort.column) {
            Some(column) => Mode::Column {
                column,
                desc: sort.desc,
            },
            None => Mode::Names { desc: false },
        }
    }

    fn key(self, o: &Obj, now: Timestamp) -> SortKey {
        match self {
            Mode::Names { .. } => SortKey::Missing,
            Mode::Column { column, .. } => super::sort_key(column, o, now),
        }
    }

    /// `a` against `b`, whose key is `b_key`.
    fn compare(self, a: &Obj, b: &Obj, b_key: &SortKey, now: Timestamp) -> Ordering {
        match self {
            Mode::Names { desc } => {
                let by = names(a).cmp(&names(b));
                if desc { by.reverse() } else { by }
            }
            Mode::Column { desc, .. } => {
                let by = self.key(a, now).compare(b_key);
                let by = if desc { by.reverse() } else { by };
                by.then_with(|| names(a).cmp(&names(b)))
            }
        }
    }

    /// Whether the order reads the clock (a column of ages other than AGE itself, which
    /// sorts by the creation time).
    fn timed(self) -> bool {
        matches!(self, Mode::Column { column, .. } if column_reads_clock(column) && !matches!(column.kind, ColumnKind::Age))
    }
}

/// Whether a column's text changes with the time alone.
fn column_reads_clock(c: &Column) -> bool {
    matches!(
        c.kind,
        ColumnKind::Age | ColumnKind::Path { date: true, .. } | ColumnKind::Clock(_)
    )
}

/// Where `obj` is among `rows` (sorted by `mode`), by binary search; a linear search if
/// the rows are not where the order says (never expected).
fn locate(rows: &[Arc<Obj>], obj: &Arc<Obj>, mode: Mode, now: Timestamp) -> Option<usize> {
    let key = mode.key(obj, now);
    let at = rows.partition_point(|r| mode.compare(r, obj, &key, now) == Ordering::Less);
    if rows.get(at).is_some_and(|r| Arc::ptr_eq(r, obj)) {
        return Some(at);
    }
    rows.iter().position(|r| Arc::ptr_eq(r, obj))
}

/// Brings `t.rows` and `t.total` up to date with the store's objects `objs` at `now`.
pub(in crate::app) fn update_rows(t: &mut TableView, objs: Vec<Arc<Obj>>, now: Timestamp) {
    let basis = Basis {
        key: t.spec.key.clone(),
        sort: t.sort.clone(),
        filter: t.filter.clone(),
        columns: format!("{:?}", t.columns),
    };
    let mode = Mode::of(&t.sort, &t.columns);
    let clock = mode.timed() || (t.filter.needs_text() && t.columns.iter().any(column_reads_clock));
    let current = t.order.basis.as_ref() == Some(&basis)
        && (!clock || t.order.built_at == Some(now.as_second()));
    if !current {
        return rebuild(t, objs, basis, now);
    }

    let order = &mut t.order;
    order.pass += 1;
    let pass = order.pass;
    let mut added: Vec<Arc<Obj>> = Vec::new();
    for o in &objs {
        match order.entries.get_mut(&addr(o)) {
            Some(e) => e.seen = pass,
            None => added.push(o.clone()),
        }
    }
    let kept = objs.len() - added.len();
    let gone = order.entries.len() - kept;
    // Many changes at once (a relist): one sort costs less than many moves.
    if added.len() + gone > 64.max(order.entries.len() / 16) {
        return rebuild(t, objs, basis, now);
    }
    drop(objs);
    if gone > 0 {
        let old: Vec<usize> = order
            .entries
            .iter()
            .filter(|(_, e)| e.seen != pass)
            .map(|(k, _)| *k)
            .collect();
        for k in old {
            let Some(e) = order.entries.remove(&k) else {
                continue;
            };
            order.total -= usize::from(e.row);
            if e.shown
                && let Some(at) = locate(&t.rows, &e.obj, mode, now)
            {
                t.rows.remove(at);
            }
        }
    }
    for o in added {
        let row = in_scope(&t.spec.key, &o);
        let shown = row && passes(&t.filter, &t.columns, &o, now);
        if shown {
            let key = mode.key(&o, now);
            let at = t
                .rows
                .partition_point(|r| mode.compare(r, &o, &key, now) == Ordering::Less);
            t.rows.insert(at, o.clone());
        }
        order.total += usize::from(row);
        order.entries.insert(
            addr(&o),
            Entry {
                obj: o,
                row,
                shown,
                seen: pass,
            },
        );
    }
    t.total = order.total;
}

fn rebuild(t: &mut TableView, objs: Vec<Arc<Obj>>, basis: Basis, now: Timestamp) {
    let order = &mut t.order;
    order.pass += 1;
    order.entries.clear();
    order.total = 0;
    let mut shown = Vec::new();
    for o in objs {
        let row = in_scope(&t.spec.key, &o);
        let show = row && passes(&t.filter, &t.columns, &o, now);
        if show {
            shown.push(o.clone());
        }
        order.total += usize::from(row);
        order.entries.insert(
            addr(&o),
            Entry {
                obj: o,
                row,
                shown: show,
                seen: order.pass,
            },
        );
    }
    order.basis = Some(basis);
    order.built_at = Some(now.as_second());
    t.total = order.total;
    t.rows = order_rows(t, shown, now);
}

/// Where `obj` (a row before the last update) is now: by binary search when it is still a
/// shown row, else `None`.
pub(in crate::app) fn position(t: &TableView, obj: &Arc<Obj>, now: Timestamp) -> Option<usize> {
    let shown = t
        .order
        .entries
        .get(&addr(obj))
        .is_some_and(|e| e.shown && Arc::ptr_eq(&e.obj, obj));
    if !shown {
        return None;
    }
    locate(&t.rows, obj, Mode::of(&t.sort, &t.columns), now)
}

#[cfg(test)]
mod tests;
