//! Snapshots of the whole store and going back to one (the replay's seek).

use super::*;

impl Store {
    /// The objects as they are now, except those of `skip` (see [`Snapshot`]).
    pub fn snapshot(&self, skip: &ResKey) -> Snapshot {
        let inner = self.lock();
        let rank = |k: &ResKey| {
            if *k == crd_key() {
                0
            } else if *k == ns_key() {
                1
            } else {
                2
            }
        };
        let mut keys: Vec<&ResKey> = inner.objects.keys().filter(|k| *k != skip).collect();
        keys.sort_by_key(|k| (rank(k), (*k).clone()));
        let mut objects = Vec::new();
        for key in keys {
            for (id, obj) in &inner.objects[key] {
                if *key == crd_key() && crd_defines(obj, skip) {
                    continue;
                }
                objects.push((key.clone(), id.clone(), obj.clone()));
            }
        }
        Snapshot { objects }
    }

    /// Puts every object (except those of `skip`) back as it was in `snap`, as writes that
    /// watchers see: objects created since are DELETED, deleted ones ADDED again, changed
    /// ones MODIFIED, each with a new resourceVersion. Finalizers are not waited for.
    pub(crate) fn reset_to(&self, snap: &Snapshot, skip: &ResKey) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let wanted: HashMap<(&ResKey, &(String, String)), &Arc<Value>> =
            snap.objects.iter().map(|(k, id, o)| ((k, id), o)).collect();
        // Objects that did not exist: custom resources and namespaced objects first, CRDs
        // and namespaces last.
        let mut extra: Vec<(ResKey, (String, String))> = Vec::new();
        for (key, objs) in &inner.objects {
            if key == skip {
                continue;
            }
            for (id, obj) in objs {
                if *key == crd_key() && crd_defines(obj, skip) {
                    continue;
                }
                if !wanted.contains_key(&(key, id)) {
                    extra.push((key.clone(), id.clone()));
                }
            }
        }
        extra.sort_by_key(|(k, _)| (*k == crd_key() || *k == ns_key(), k.clone()));
        for (key, (ns, name)) in extra {
            let current = Self::current_by_key(inner, &key, &ns, &name);
            let rt = inner
                .registry
                .by_key(&key)
                .cloned()
                .unwrap_or_else(|| crd_types_fallback(&key));
            if key == crd_key()
                && let Some(crd) = &current
                && let Some(gone) = inner.registry.unregister_crd(crd)
            {
                let items: Vec<(String, String)> = inner
                    .objects
                    .get(&gone)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                let t = crd_types_fallback(&gone);
                for (n, x) in items {
                    self.commit(inner, &t, &n, &x, None);
                }
                inner.objects.remove(&gone);
            }
            if current.is_some() {
                self.commit(inner, &rt, &ns, &name, None);
            }
        }
        // Objects that were there: added back, or changed back.
        for (key, (ns, name), obj) in &snap.objects {
            if *key == crd_key()
                && let Err(e) = inner.registry.register_crd(obj)
            {
                tracing::warn!(error = %e, "reset: cannot register a CRD again");
            }
            let Some(rt) = inner.registry.by_key(key).cloned() else {
                continue;
            };
            let unchanged = Self::current_by_key(inner, key, ns, name)
                .is_some_and(|c| comparable(&c) == comparable(obj));
            if !unchanged {
                self.commit(inner, &rt, ns, name, Some((**obj).clone()));
            }
        }
    }

    pub(super) fn current_by_key(
        inner: &Inner,
        key: &ResKey,
        ns: &str,
        name: &str,
    ) -> Option<Arc<Value>> {
        inner
            .objects
            .get(key)
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())))
            .cloned()
    }
}
