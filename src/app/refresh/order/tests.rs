//! Property tests: after random sequences of changes to a watch store (objects added,
//! changed, deleted; the clock moving), the rows kept incrementally are exactly those of a
//! full [`table_rows`] — same objects, same order, same total — for every sort column, both
//! directions, with and without a `/` filter and a label selector.

use std::sync::Arc;

use jiff::Timestamp;
use kube::runtime::reflector::Store;
use kube::runtime::reflector::store::Writer;
use kube::runtime::watcher;
use serde_json::json;

use super::super::super::columns::columns_for;
use super::super::super::filter::Filter;
use super::super::super::view::{Cursor, SortBy, TableView};
use super::super::table_rows;
use super::update_rows;
use crate::model::object::Obj;
use crate::model::{Catalog, ResourceKind, WatchSpec};

/// A small deterministic generator (xorshift64*): the sequences are the same every run, and
/// a failure names its case and step.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const T0: i64 = 1_736_510_400; // 2025-01-10T12:00:00Z

fn ts(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A pod with random values in every column (few distinct values, so ties are common).
fn pod(r: &mut Rng, ns: usize, name: usize, version: u64) -> Obj {
    let phase = ["Running", "Pending", "Succeeded", "Failed"][r.below(4)];
    let ready = r.chance(60);
    let mut status = json!({
        "phase": phase,
        "containerStatuses": [{"name": "app", "ready": ready, "restartCount": r.below(4),
            "image": "app", "imageID": "", "state": {"running": {}}}],
    });
    if r.chance(80) {
        status["podIP"] = json!(format!("10.0.{}.{}", r.below(3), r.below(20)));
    }
    let mut spec = json!({"containers": [{"name": "app", "image": "app"}]});
    if r.chance(85) {
        spec["nodeName"] = json!(format!("node-{}", r.below(5)));
    }
    let app = ["web", "db", "api"][r.below(3)];
    Obj::from_json(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("pod-{name}"), "namespace": format!("team-{ns}"),
            "uid": format!("uid-{ns}-{name}"), "resourceVersion": version.to_string(),
            "creationTimestamp": ts(T0 - 60 * r.below(300) as i64),
            "labels": {"app": app}},
        "spec": spec, "status": status
    }))
    .expect("pod")
}

/// An event, whose LAST SEEN reads the clock.
fn event(r: &mut Rng, ns: usize, name: usize, version: u64) -> Obj {
    let kind = ["Normal", "Warning"][r.below(2)];
    let reason = ["Pulled", "BackOff", "Scheduled"][r.below(3)];
    Obj::from_json(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("ev-{name}"), "namespace": format!("team-{ns}"),
            "uid": format!("uid-{ns}-{name}"), "resourceVersion": version.to_string(),
            "creationTimestamp": ts(T0 - 3600)},
        "lastTimestamp": ts(T0 - 7 * r.below(400) as i64),
        "type": kind,
        "reason": reason,
        "involvedObject": {"kind": "Pod", "name": format!("pod-{}", r.below(9))},
        "message": "m"
    }))
    .expect("event")
}

fn kind(plural: &str) -> Arc<ResourceKind> {
    Catalog::builtin()
        .resolve(plural)
        .unwrap_or_else(|| panic!("builtin kind {plural}"))
}

fn table(kind: &Arc<ResourceKind>, labels: Option<&str>, sort: SortBy, filter: &str) -> TableView {
    TableView {
        spec: WatchSpec::new(kind.clone(), None, labels.map(String::from), None),
        scope: None,
        columns: columns_for(kind, true),
        filter: Filter::parse(filter).expect("filter"),
        filter_text: filter.into(),
        sort,
        rows: Vec::new(),
        total: 0,
        cursor: Cursor::default(),
        order: Default::default(),
    }
}

type Make = fn(&mut Rng, usize, usize, u64) -> Obj;

/// Runs one random sequence on `t`, checking the rows after every step.
fn run(case: &str, seed: u64, mut t: TableView, make: Make) {
    let mut r = Rng(seed);
    let mut writer: Writer<Obj> = Writer::new(t.kind().api_resource());
    let store: Store<Obj> = writer.as_reader();
    let mut now = Timestamp::from_second(T0).expect("now");
    let mut version = 0;
    let mut live: Vec<(usize, usize)> = Vec::new();
    let mut apply = |r: &mut Rng, live: &mut Vec<(usize, usize)>, w: &mut Writer<Obj>| {
        version += 1;
        if !live.is_empty() && r.chance(25) {
            let (ns, name) = live.swap_remove(r.below(live.len()));
            let gone = make(r, ns, name, version);
            w.apply_watcher_event(&watcher::Event::Delete(gone));
        } else {
            let (ns, name) = (r.below(3), r.below(40));
            if !live.contains(&(ns, name)) {
                live.push((ns, name));
            }
            w.apply_watcher_event(&watcher::Event::Apply(make(r, ns, name, version)));
        }
    };
    for _ in 0..30 {
        apply(&mut r, &mut live, &mut writer);
    }
    for step in 0..80 {
        let changes = if step == 40 { 70 } else { 1 + r.below(4) };
        for _ in 0..changes {
            apply(&mut r, &mut live, &mut writer);
        }
        if r.chance(15) {
            now = Timestamp::from_second(now.as_second() + 61).expect("now");
        } else if r.chance(30) {
            // Within the second (the console reads the clock at every batch of events).
            now = now
                .checked_add(jiff::SignedDuration::from_millis(150))
                .expect("now");
        }
        update_rows(&mut t, store.state(), now);
        let (want, total) = table_rows(&t, Some(&store), now);
        let names = |rows: &[Arc<Obj>]| -> Vec<String> {
            rows.iter()
                .map(|o| {
                    format!(
                        "{}/{}",
                        o.metadata.namespace.as_deref().unwrap_or(""),
                        o.metadata.name.as_deref().unwrap_or("")
                    )
                })
                .collect()
        };
        assert_eq!(
            names(&t.rows),
            names(&want),
            "{case}, seed {seed}, step {step}: the order differs from a full sort"
        );
        assert!(
            t.rows.iter().zip(&want).all(|(a, b)| Arc::ptr_eq(a, b)),
            "{case}, seed {seed}, step {step}: a row is not the store's current object"
        );
        assert_eq!(t.total, total, "{case}, seed {seed}, step {step}: total");
    }
}

fn every_case(plural: &str, labels: Option<&str>, filters: &[&str], make: Make) -> usize {
    let k = kind(plural);
    let columns: Vec<String> = columns_for(&k, true).into_iter().map(|c| c.name).collect();
    let mut cases = 0;
    for (ci, column) in columns
        .iter()
        .chain(["NO SUCH".to_string()].iter())
        .enumerate()
    {
        for desc in [false, true] {
            for (fi, filter) in filters.iter().enumerate() {
                let sort = SortBy {
                    column: column.clone(),
                    desc,
                };
                let case = format!("{plural} sorted by {column} desc={desc}, filter {filter:?}");
                let seed = 0x9e37_79b9 + (ci * 100 + fi * 10 + usize::from(desc)) as u64;
                run(&case, seed, table(&k, labels, sort, filter), make);
                cases += 1;
            }
        }
    }
    cases
}

#[test]
fn pod_rows_stay_in_the_order_of_a_full_sort_for_every_column_and_filter() {
    let cases = every_case(
        "pods",
        None,
        &["", "pod-1", "!running", "-l app=web", "1/1"],
        pod,
    );
    assert!(cases >= 9 * 2 * 5, "{cases} cases");
}

#[test]
fn rows_within_a_label_selector_stay_in_order() {
    every_case("pods", Some("app!=db"), &["", "team-2"], pod);
}

#[test]
fn rows_sorted_or_filtered_by_the_clock_follow_it() {
    // LAST SEEN reads the clock: sorted by it, or a text filter matching ages.
    every_case("events", None, &["", "1h", "warning"], event);
}
