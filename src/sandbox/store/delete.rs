//! Deletion: finalizers, namespace deletion, orphaning and garbage collection of dependents.

use super::*;

impl Store {
    pub(super) fn namespace_exists(inner: &Inner, ns: &str) -> bool {
        inner
            .objects
            .get(&ns_key())
            .is_some_and(|m| m.contains_key(&(String::new(), ns.to_string())))
    }

    pub(super) fn namespace_terminating(inner: &Inner, ns: &str) -> bool {
        inner
            .objects
            .get(&ns_key())
            .and_then(|m| m.get(&(String::new(), ns.to_string())))
            .is_some_and(|n| n.pointer("/metadata/deletionTimestamp").is_some())
    }

    /// DELETE of a namespace: the API server marks it `Terminating` (no new content may be
    /// created in it) and its namespace controller empties and removes it later, which
    /// [`Store::finish_namespace_deletion`] does.
    pub(crate) fn begin_namespace_deletion(&self, name: &str) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        let rt = inner
            .registry
            .by_key(&ns_key())
            .cloned()
            .ok_or_else(|| ApiError::no_resource("namespaces"))?;
        let current = Self::current(&inner, &rt, "", name)?;
        if current.pointer("/metadata/deletionTimestamp").is_some() {
            return Ok(current);
        }
        let mut v = (*current).clone();
        meta_mut(&mut v).insert("deletionTimestamp".into(), json!(now_rfc3339()));
        v["status"]["phase"] = json!("Terminating");
        Ok(self.commit(&mut inner, &rt, "", name, Some(v)))
    }

    /// Removes a `Terminating` namespace and everything in it.
    pub(crate) fn finish_namespace_deletion(&self, name: &str) {
        let mut inner = self.lock();
        let Some(rt) = inner.registry.by_key(&ns_key()).cloned() else {
            return;
        };
        if Self::current(&inner, &rt, "", name).is_ok() {
            self.delete_locked(&mut inner, &rt, "", name);
        }
    }

    /// Deletes an object (DELETE): with finalizers it only gets a deletionTimestamp;
    /// otherwise it goes at once, and its dependents are garbage-collected.
    pub fn delete(
        &self,
        rt: &ResourceKind,
        ns: &str,
        name: &str,
        opts: &WriteOpts,
        precondition_rv: Option<&str>,
    ) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        let current = Self::current(&inner, rt, ns, name)?;
        if let Some(rv) = precondition_rv
            && Some(rv) != meta_str(&current, "resourceVersion")
        {
            return Err(ApiError::conflict(rt, name));
        }
        if opts.dry_run {
            return Ok(current);
        }
        let has_finalizers = current
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        if has_finalizers {
            if current.pointer("/metadata/deletionTimestamp").is_some() {
                return Ok(current);
            }
            let mut v = (*current).clone();
            let meta = meta_mut(&mut v);
            meta.insert("deletionTimestamp".into(), json!(now_rfc3339()));
            meta.insert("deletionGracePeriodSeconds".into(), json!(0));
            return Ok(self.commit(&mut inner, rt, ns, name, Some(v)));
        }
        let finalizer = match opts.propagation.as_deref() {
            Some("Orphan") => Some("orphan"),
            Some("Foreground") => Some("foregroundDeletion"),
            _ => None,
        };
        if let Some(finalizer) = finalizer {
            // The API server marks the owner (deletionTimestamp and the policy's finalizer)
            // and the garbage collector finishes later; the sandbox does both at once, and
            // answers with the marked object as the API server does.
            let mut v = (*current).clone();
            let meta = meta_mut(&mut v);
            meta.insert("deletionTimestamp".into(), json!(now_rfc3339()));
            meta.insert("deletionGracePeriodSeconds".into(), json!(0));
            meta.insert("finalizers".into(), json!([finalizer]));
            let marked = self.commit(&mut inner, rt, ns, name, Some(v));
            if let Some(uid) = meta_str(&current, "uid") {
                if finalizer == "orphan" {
                    self.orphan_dependents(&mut inner, uid);
                } else {
                    self.collect_garbage(&mut inner, uid);
                }
            }
            self.delete_locked(&mut inner, rt, ns, name);
            return Ok(marked);
        }
        Ok(self.delete_locked(&mut inner, rt, ns, name))
    }

    /// Removes the owner reference to `uid` from every dependent (orphan propagation).
    pub(super) fn orphan_dependents(&self, inner: &mut Inner, uid: &str) {
        let mut dependents = Vec::new();
        for (key, objs) in &inner.objects {
            for ((ns, name), obj) in objs {
                let refs = obj
                    .pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array);
                if refs.is_some_and(|r| {
                    r.iter()
                        .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid))
                }) {
                    dependents.push((key.clone(), ns.clone(), name.clone(), (**obj).clone()));
                }
            }
        }
        for (key, ns, name, mut obj) in dependents {
            let Some(t) = inner.registry.by_key(&key).cloned() else {
                continue;
            };
            let meta = meta_mut(&mut obj);
            let left: Vec<Value> = meta
                .get("ownerReferences")
                .and_then(Value::as_array)
                .map(|refs| {
                    refs.iter()
                        .filter(|r| r.get("uid").and_then(Value::as_str) != Some(uid))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if left.is_empty() {
                meta.remove("ownerReferences");
            } else {
                meta.insert("ownerReferences".into(), json!(left));
            }
            self.commit(inner, &t, &ns, &name, Some(obj));
        }
    }

    pub(super) fn delete_locked(
        &self,
        inner: &mut Inner,
        rt: &ResourceKind,
        ns: &str,
        name: &str,
    ) -> Arc<Value> {
        let current = Self::current(inner, rt, ns, name).ok();
        if ResKey::of(rt) == ns_key() {
            // Namespace deletion removes everything in it first.
            let keys: Vec<ResKey> = inner.objects.keys().cloned().collect();
            for key in keys {
                let Some(t) = inner.registry.by_key(&key).cloned() else {
                    continue;
                };
                if !t.namespaced {
                    continue;
                }
                let names: Vec<String> = inner
                    .objects
                    .get(&key)
                    .map(|m| {
                        m.keys()
                            .filter(|(n, _)| n == name)
                            .map(|(_, x)| x.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                for n in names {
                    self.commit(inner, &t, name, &n, None);
                }
            }
        }
        if ResKey::of(rt) == crd_key()
            && let Some(crd) = &current
            && let Some(key) = inner.registry.unregister_crd(crd)
        {
            let items: Vec<(String, String)> = inner
                .objects
                .get(&key)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let t = crd_types_fallback(&key);
            for (n, x) in items {
                self.commit(inner, &t, &n, &x, None);
            }
            inner.objects.remove(&key);
        }
        let out = self.commit(inner, rt, ns, name, None);
        if let Some(uid) = current.as_deref().and_then(|c| meta_str(c, "uid")) {
            self.collect_garbage(inner, uid);
        }
        out
    }

    /// Deletes (background propagation) every object owned by `uid`, recursively.
    pub(super) fn collect_garbage(&self, inner: &mut Inner, uid: &str) {
        let mut pending = vec![uid.to_string()];
        while let Some(owner) = pending.pop() {
            let mut dependents = Vec::new();
            for (key, objs) in &inner.objects {
                for ((ns, name), obj) in objs {
                    let owned = obj
                        .pointer("/metadata/ownerReferences")
                        .and_then(Value::as_array)
                        .is_some_and(|refs| {
                            refs.iter().any(|r| {
                                r.get("uid").and_then(Value::as_str) == Some(owner.as_str())
                            })
                        });
                    if owned {
                        dependents.push((
                            key.clone(),
                            ns.clone(),
                            name.clone(),
                            meta_str(obj, "uid").unwrap_or("").to_string(),
                        ));
                    }
                }
            }
            for (key, ns, name, dep_uid) in dependents {
                if let Some(t) = inner.registry.by_key(&key).cloned() {
                    self.commit(inner, &t, &ns, &name, None);
                    pending.push(dep_uid);
                }
            }
        }
    }
}
