//! Reads: get, list (paged with continue tokens) and watch (resumed from a resourceVersion).

use super::*;

impl Store {
    pub fn get(&self, rt: &ResourceKind, ns: &str, name: &str) -> ApiResult<Arc<Value>> {
        let inner = self.lock();
        inner
            .objects
            .get(&ResKey::of(rt))
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Lists objects of a type, in one namespace or all (`ns` empty), filtered.
    pub fn list(
        &self,
        rt: &ResourceKind,
        ns: &str,
        labels: &LabelSelector,
        fields: &FieldSelector,
        limit: Option<usize>,
        continue_token: Option<&str>,
    ) -> ApiResult<ListPage> {
        let inner = self.lock();
        let (start_after, token_rv) = match continue_token.filter(|t| !t.is_empty()) {
            Some(t) => {
                let (rv, key) = decode_continue(t)?;
                if rv < inner.oldest_resumable {
                    return Err(ApiError::gone(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                    ));
                }
                (Some(key), Some(rv))
            }
            None => (None, None),
        };
        let empty = Objects::new();
        let objects = inner.objects.get(&ResKey::of(rt)).unwrap_or(&empty);
        type Entries<'a> = Box<dyn Iterator<Item = (&'a (String, String), &'a Arc<Value>)> + 'a>;
        let mut iter: Entries = match &start_after {
            Some(k) => Box::new(objects.range(k.clone()..).filter(move |(key, _)| *key != k)),
            None => Box::new(objects.iter()),
        };
        if !ns.is_empty() {
            iter = Box::new(iter.filter(move |((n, _), _)| n == ns));
        }
        let mut matching = iter.filter(|(_, o)| labels.matches(o) && fields.matches(o));
        let mut items = Vec::new();
        let mut last_key = None;
        let limit = limit.filter(|l| *l > 0);
        for (key, obj) in matching.by_ref() {
            items.push(obj.clone());
            last_key = Some(key.clone());
            if limit.is_some_and(|l| items.len() >= l) {
                break;
            }
        }
        let remaining = matching.count();
        let rv = token_rv.unwrap_or(inner.rv);
        let (continue_token, remaining) = if remaining > 0 {
            (last_key.map(|k| encode_continue(rv, &k)), Some(remaining))
        } else {
            (None, None)
        };
        Ok(ListPage {
            items,
            resource_version: rv,
            continue_token,
            remaining,
        })
    }

    /// Starts a watch on a type. `from`: `None` (or `Some(0)`) sends the current objects
    /// as ADDED first; `Some(rv)` resumes after `rv` or fails with 410 when too old.
    pub fn watch(&self, rt: &ResourceKind, from: Option<u64>) -> ApiResult<Subscription> {
        let inner = self.lock();
        let live = self.events.subscribe();
        let disconnect = self.disconnect.subscribe();
        let key = ResKey::of(rt);
        let initial = match from.filter(|rv| *rv > 0) {
            None => inner
                .objects
                .get(&key)
                .map(|m| {
                    m.values()
                        .map(|o| {
                            Arc::new(WatchEvent {
                                rv: object_rv(o),
                                type_: EventType::Added,
                                key: key.clone(),
                                object: o.clone(),
                                previous: None,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Some(rv) => {
                if rv < inner.oldest_resumable {
                    return Err(ApiError::gone(format!(
                        "too old resource version: {rv} ({})",
                        inner.oldest_resumable
                    )));
                }
                inner
                    .history
                    .iter()
                    .filter(|e| e.rv > rv && e.key == key)
                    .cloned()
                    .collect()
            }
        };
        Ok(Subscription {
            initial,
            live,
            disconnect,
            resource_version: inner.rv,
        })
    }
}
