//! The app-of-apps tree: which Application manages which.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::views::Application;

use super::app::{AppKey, AppSummary};
use super::config::ArgoCdConfig;
use super::{annotation, is_application};

/// What told us an Application's parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParentSignal {
    /// The `argocd.argoproj.io/tracking-id` annotation (annotation tracking, the 3.x default).
    TrackingId,
    /// An ownerReference to an Application.
    OwnerReference,
    /// The parent lists it in `status.resources`.
    ParentResources,
    /// The instance label of label-based tracking (the 2.x default).
    InstanceLabel,
}

/// The parent of an Application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentLink {
    pub key: AppKey,
    pub signal: ParentSignal,
}

/// Parents → children. Children are ordered by wave, then name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AppTree {
    /// Apps without a parent among the known apps (and one app of any parent cycle).
    pub(crate) roots: Vec<AppKey>,
    pub children: BTreeMap<AppKey, Vec<AppKey>>,
}

impl AppTree {
    pub(crate) fn children_of(&self, key: &AppKey) -> &[AppKey] {
        self.children.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every app as `(depth, key)`, depth-first from the roots: the order the tree is drawn.
    pub(crate) fn walk(&self) -> Vec<(usize, AppKey)> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(usize, &AppKey)> = self.roots.iter().rev().map(|k| (0, k)).collect();
        while let Some((depth, key)) = stack.pop() {
            if !seen.insert(key.clone()) {
                continue;
            }
            out.push((depth, key.clone()));
            stack.extend(self.children_of(key).iter().rev().map(|c| (depth + 1, c)));
        }
        out
    }

    /// Apps with children, in tree order.
    pub(crate) fn parents(&self) -> Vec<AppKey> {
        self.walk()
            .into_iter()
            .map(|(_, k)| k)
            .filter(|k| !self.children_of(k).is_empty())
            .collect()
    }
}

/// Every Application, the ones parents declare but have not created yet, and the tree.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WavesModel {
    pub apps: BTreeMap<AppKey, AppSummary>,
    pub(crate) tree: AppTree,
}

impl WavesModel {
    /// Reads the Application objects among `objects` and resolves parents.
    pub fn build(objects: &[Application], config: Option<&ArgoCdConfig>) -> WavesModel {
        let mut apps: BTreeMap<AppKey, AppSummary> = objects
            .iter()
            .filter(|o| is_application(o))
            .filter_map(AppSummary::of)
            .map(|a| (a.key.clone(), a))
            .collect();

        // Who lists whom in status.resources.
        let mut declared: BTreeMap<AppKey, AppKey> = BTreeMap::new();
        for app in apps.values() {
            for child in app.declared_children() {
                let key = AppKey::new(
                    child.resource.namespace.clone(),
                    child.resource.name.clone(),
                );
                if key != app.key {
                    declared.entry(key).or_insert_with(|| app.key.clone());
                }
            }
        }

        let label_keys: Vec<&str> = match config.and_then(|c| c.instance_label_key.as_deref()) {
            Some(key) => vec![key],
            None => vec![
                annotation::ARGOCD_INSTANCE_LABEL,
                annotation::INSTANCE_LABEL,
            ],
        };
        let links: Vec<(AppKey, ParentLink)> = apps
            .values()
            .filter_map(|app| {
                resolve_parent(app, &apps, &declared, &label_keys).map(|l| (app.key.clone(), l))
            })
            .collect();
        for (key, link) in links {
            if let Some(app) = apps.get_mut(&key) {
                app.parent = Some(link);
            }
        }

        // Children a parent declares but that do not exist (yet): later waves not applied.
        let phantoms: Vec<AppSummary> = apps
            .values()
            .flat_map(|parent| {
                parent.declared_children().filter_map(|entry| {
                    let key = AppKey::new(
                        entry.resource.namespace.clone(),
                        entry.resource.name.clone(),
                    );
                    (!apps.contains_key(&key) && key != parent.key).then(|| {
                        AppSummary::declared(
                            entry,
                            ParentLink {
                                key: parent.key.clone(),
                                signal: ParentSignal::ParentResources,
                            },
                        )
                    })
                })
            })
            .collect();
        for p in phantoms {
            apps.entry(p.key.clone()).or_insert(p);
        }

        let tree = build_tree(&apps);
        WavesModel { apps, tree }
    }

    pub fn get(&self, key: &AppKey) -> Option<&AppSummary> {
        self.apps.get(key)
    }

    /// The children of `parent` (ordered by wave, then name), or every app for `None`.
    pub fn members(&self, parent: Option<&AppKey>) -> Vec<&AppSummary> {
        let mut out: Vec<&AppSummary> = match parent {
            Some(p) => self
                .tree
                .children_of(p)
                .iter()
                .filter_map(|k| self.apps.get(k))
                .collect(),
            None => self.apps.values().collect(),
        };
        out.sort_by(|a, b| {
            (a.wave.value, &a.key.name, &a.key.namespace).cmp(&(
                b.wave.value,
                &b.key.name,
                &b.key.namespace,
            ))
        });
        out
    }
}

fn resolve_parent(
    app: &AppSummary,
    apps: &BTreeMap<AppKey, AppSummary>,
    declared: &BTreeMap<AppKey, AppKey>,
    label_keys: &[&str],
) -> Option<ParentLink> {
    let not_self = |k: &AppKey| *k != app.key;
    let link = |key: AppKey, signal| ParentLink { key, signal };

    if let Some(name) = &app.hints.tracking_app {
        // Apps outside the control-plane namespace are tracked as `<namespace>_<name>`.
        let key = find_by_name(apps, name, &app.key.namespace).or_else(|| {
            name.split_once('_')
                .map(|(ns, n)| AppKey::new(ns, n))
                .filter(|k| apps.contains_key(k))
        });
        let key = key.unwrap_or_else(|| AppKey::new(app.key.namespace.clone(), name.clone()));
        if not_self(&key) {
            return Some(link(key, ParentSignal::TrackingId));
        }
    }
    if let Some(owner) = app.hints.owner_apps.first() {
        let key = AppKey::new(app.key.namespace.clone(), owner.clone());
        if not_self(&key) {
            return Some(link(key, ParentSignal::OwnerReference));
        }
    }
    if let Some(parent) = declared.get(&app.key) {
        return Some(link(parent.clone(), ParentSignal::ParentResources));
    }
    // The instance label is also set by Helm charts: only trust it when it names an app.
    label_keys
        .iter()
        .filter_map(|k| app.hints.labels.get(*k))
        .filter_map(|name| find_by_name(apps, name, &app.key.namespace))
        .find(not_self)
        .map(|key| link(key, ParentSignal::InstanceLabel))
}

/// The app called `name`, preferring `namespace`; `None` when absent or ambiguous.
fn find_by_name(
    apps: &BTreeMap<AppKey, AppSummary>,
    name: &str,
    namespace: &str,
) -> Option<AppKey> {
    let same_ns = AppKey::new(namespace, name);
    if apps.contains_key(&same_ns) {
        return Some(same_ns);
    }
    let mut matches = apps.keys().filter(|k| k.name == name);
    match (matches.next(), matches.next()) {
        (Some(k), None) => Some(k.clone()),
        _ => None,
    }
}

fn build_tree(apps: &BTreeMap<AppKey, AppSummary>) -> AppTree {
    let mut children: BTreeMap<AppKey, Vec<AppKey>> = BTreeMap::new();
    let mut roots = Vec::new();
    for app in apps.values() {
        match &app.parent {
            Some(link) if apps.contains_key(&link.key) => children
                .entry(link.key.clone())
                .or_default()
                .push(app.key.clone()),
            _ => roots.push(app.key.clone()),
        }
    }
    let order = |k: &AppKey| {
        let wave = apps.get(k).map(|a| a.wave.value).unwrap_or(0);
        (wave, k.name.clone(), k.namespace.clone())
    };
    for list in children.values_mut() {
        list.sort_by_key(order);
    }
    roots.sort_by_key(order);

    // Apps in a parent cycle are reachable from no root: promote one per cycle.
    let mut tree = AppTree { roots, children };
    loop {
        let reached: BTreeSet<AppKey> = tree.walk().into_iter().map(|(_, k)| k).collect();
        match apps.keys().find(|k| !reached.contains(*k)) {
            Some(k) => tree.roots.push(k.clone()),
            None => break,
        }
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{App, views};
    use super::*;
    use serde_json::json;

    fn names(keys: &[AppKey]) -> Vec<&str> {
        keys.iter().map(|k| k.name.as_str()).collect()
    }

    fn parent_of<'a>(m: &'a WavesModel, name: &str) -> Option<&'a ParentLink> {
        m.get(&AppKey::new("argo", name))
            .and_then(|a| a.parent.as_ref())
    }

    #[test]
    fn tree_from_tracking_id() {
        let m = WavesModel::build(
            &views(vec![
                App::new("root").build(),
                App::new("b").wave("2").tracking("root").build(),
                App::new("a").wave("-1").tracking("root").build(),
            ]),
            None,
        );
        assert_eq!(names(&m.tree.roots), ["root"]);
        assert_eq!(
            names(m.tree.children_of(&AppKey::new("argo", "root"))),
            ["a", "b"]
        );
        assert_eq!(
            parent_of(&m, "a").map(|l| l.signal),
            Some(ParentSignal::TrackingId)
        );
    }

    #[test]
    fn tree_from_tracking_id_of_app_in_other_namespace() {
        let child = App::new("web")
            .namespace("team-a")
            .annotation(
                annotation::TRACKING_ID,
                "team-a_apps:argoproj.io/Application:team-a/web",
            )
            .build();
        let parent = App::new("apps").namespace("team-a").build();
        // A same-named app elsewhere must not be picked over the namespaced form.
        let m = WavesModel::build(&views(vec![parent, child]), None);
        let web = m.get(&AppKey::new("team-a", "web")).expect("web");
        assert_eq!(
            web.parent.as_ref().map(|l| l.key.clone()),
            Some(AppKey::new("team-a", "apps"))
        );
    }

    #[test]
    fn tree_from_instance_label_only_when_it_names_an_app() {
        let m = WavesModel::build(
            &views(vec![
                App::new("root").build(),
                App::new("a")
                    .label(annotation::ARGOCD_INSTANCE_LABEL, "root")
                    .build(),
                // a Helm release name, not an app
                App::new("b")
                    .label(annotation::INSTANCE_LABEL, "my-release")
                    .build(),
            ]),
            None,
        );
        assert_eq!(
            parent_of(&m, "a").map(|l| l.signal),
            Some(ParentSignal::InstanceLabel)
        );
        assert_eq!(parent_of(&m, "b"), None);
        assert_eq!(names(&m.tree.roots), ["b", "root"]);
    }

    #[test]
    fn configured_instance_label_key_replaces_the_defaults() {
        let config = ArgoCdConfig {
            instance_label_key: Some("example.com/app".into()),
            ..ArgoCdConfig::default()
        };
        let m = WavesModel::build(
            &views(vec![
                App::new("root").build(),
                App::new("a").label("example.com/app", "root").build(),
                App::new("b")
                    .label(annotation::INSTANCE_LABEL, "root")
                    .build(),
            ]),
            Some(&config),
        );
        assert!(parent_of(&m, "a").is_some());
        assert!(parent_of(&m, "b").is_none());
    }

    #[test]
    fn tree_from_owner_reference() {
        let m = WavesModel::build(
            &views(vec![
                App::new("root").build(),
                App::new("a").owner("Application", "root").build(),
                App::new("gen").owner("ApplicationSet", "clusters").build(),
            ]),
            None,
        );
        assert_eq!(
            parent_of(&m, "a").map(|l| l.signal),
            Some(ParentSignal::OwnerReference)
        );
        let gen_app = m.get(&AppKey::new("argo", "gen")).expect("gen");
        assert_eq!(gen_app.parent, None);
        assert_eq!(gen_app.application_set.as_deref(), Some("clusters"));
    }

    #[test]
    fn tree_from_parent_status_resources_with_not_yet_created_children() {
        let root = App::new("root")
            .child_app("a", "Synced", Some("Healthy"), -2)
            .child_app("later", "OutOfSync", Some("Missing"), 5)
            .build();
        let m = WavesModel::build(&views(vec![root, App::new("a").wave("-2").build()]), None);
        assert_eq!(
            parent_of(&m, "a").map(|l| l.signal),
            Some(ParentSignal::ParentResources)
        );
        let later = m
            .get(&AppKey::new("argo", "later"))
            .expect("declared child");
        assert!(!later.exists);
        assert_eq!(later.wave.value, 5);
        assert_eq!(later.health.as_str(), "Missing");
        assert_eq!(later.sync.as_str(), "OutOfSync");
        assert_eq!(
            names(m.tree.children_of(&AppKey::new("argo", "root"))),
            ["a", "later"]
        );
        assert_eq!(m.tree.parents(), vec![AppKey::new("argo", "root")]);
    }

    #[test]
    fn declared_child_without_health_is_missing_in_argo_cd_3() {
        let root = App::new("root")
            .app_tree()
            .child_app("later", "OutOfSync", None, 1)
            .build();
        let m = WavesModel::build(&views(vec![root]), None);
        let later = m.get(&AppKey::new("argo", "later")).expect("declared");
        assert_eq!(later.health.as_str(), "Missing");
    }

    #[test]
    fn self_managed_root_is_a_root_and_cycles_are_broken() {
        let m = WavesModel::build(
            &views(vec![
                App::new("root").tracking("root").build(),
                App::new("x").tracking("y").build(),
                App::new("y").tracking("x").build(),
            ]),
            None,
        );
        assert_eq!(parent_of(&m, "root"), None);
        let walked: Vec<String> = m.tree.walk().into_iter().map(|(_, k)| k.name).collect();
        assert_eq!(walked.len(), 3, "{walked:?}");
        assert!(m.tree.roots.iter().any(|k| k.name == "root"));
    }

    #[test]
    fn parent_outside_the_known_apps_makes_a_root() {
        let m = WavesModel::build(
            &views(vec![App::new("a").tracking("elsewhere").build()]),
            None,
        );
        assert_eq!(
            parent_of(&m, "a").map(|l| l.key.name.as_str()),
            Some("elsewhere")
        );
        assert_eq!(names(&m.tree.roots), ["a"]);
    }

    #[test]
    fn walk_is_depth_first_with_depths() {
        let m = WavesModel::build(
            &views(vec![
                App::new("root").build(),
                App::new("mid").wave("1").tracking("root").build(),
                App::new("leaf").tracking("mid").build(),
                App::new("first").wave("-1").tracking("root").build(),
            ]),
            None,
        );
        let walked: Vec<(usize, String)> = m
            .tree
            .walk()
            .into_iter()
            .map(|(d, k)| (d, k.name))
            .collect();
        let expected: Vec<(usize, String)> = [(0, "root"), (1, "first"), (1, "mid"), (2, "leaf")]
            .into_iter()
            .map(|(d, n)| (d, n.to_string()))
            .collect();
        assert_eq!(walked, expected);
    }

    #[test]
    fn non_applications_are_ignored() {
        let m = WavesModel::build(
            &views(vec![
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
            ]),
            None,
        );
        assert!(m.apps.is_empty());
    }
}
