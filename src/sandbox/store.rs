//! The in-memory object store: one resourceVersion counter, objects per resource type,
//! a bounded history of watch events, and the API semantics (create, update, patch,
//! server-side apply, delete with finalizers and garbage collection, subresources).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use serde_json::{Map, Value, json};
use tokio::sync::{broadcast, watch};

use super::error::{ApiError, ApiResult};
use super::merge;
use super::registry::{Registry, ResKey, ResourceType, ScalePaths};
use super::selector::{FieldSelector, LabelSelector};
use super::ssa;
use super::validation;

/// How many watch events are kept at most for watches that resume from a resourceVersion.
const HISTORY: usize = 50_000;
/// And how many bytes of objects they may hold (estimated by [`value_bytes`]): a replay
/// that patches a large object thousands of times keeps its memory bounded. A watch from a
/// resourceVersion older than what is kept gets 410 Gone and relists, as from a real server.
pub const HISTORY_BYTES: usize = 64 * 1024 * 1024;

/// A cheap estimate of the memory a JSON value holds: its strings, keys and one slot per
/// value. Used to bound the watch history by bytes.
pub fn value_bytes(v: &Value) -> usize {
    // A value's slot, and a map entry's bucket, hash index and key (`preserve_order`).
    const SLOT: usize = 32;
    const ENTRY: usize = 120;
    SLOT + match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(value_bytes).sum(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| k.len() + ENTRY + value_bytes(v))
            .sum(),
        _ => 0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug)]
pub struct WatchEvent {
    pub rv: u64,
    pub type_: EventType,
    pub key: ResKey,
    pub object: Arc<Value>,
    /// The object before the change (MODIFIED), to send DELETED/ADDED to watchers whose
    /// selector the object leaves or enters.
    pub previous: Option<Arc<Value>>,
}

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    Main,
    Status,
    Scale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

#[derive(Debug, Clone, Default)]
pub struct WriteOpts {
    pub dry_run: bool,
    pub field_manager: Option<String>,
    /// Server-side apply takes fields other managers own (`force=true`).
    pub force: bool,
    /// DELETE's `propagationPolicy` (`Background` when absent).
    pub propagation: Option<String>,
}

/// One page of a list.
pub struct ListPage {
    pub items: Vec<Arc<Value>>,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<usize>,
}

/// What a new watch gets: the events before it (a resumed backlog, or synthetic ADDED
/// events for the current state) and the live stream.
pub struct Subscription {
    pub initial: Vec<Arc<WatchEvent>>,
    pub live: broadcast::Receiver<Arc<WatchEvent>>,
    pub disconnect: watch::Receiver<u64>,
    pub resource_version: u64,
}

type Objects = BTreeMap<(String, String), Arc<Value>>;

/// Every object of the store at one moment (CRDs first, then namespaces), to go back to
/// with [`Store::reset_to`] (the replay's seek).
pub struct Snapshot {
    objects: Vec<(ResKey, (String, String), Arc<Value>)>,
}

struct Inner {
    registry: Registry,
    rv: u64,
    objects: HashMap<ResKey, Objects>,
    history: VecDeque<Arc<WatchEvent>>,
    /// Estimated bytes of the objects of `history`, and the most it may hold.
    history_bytes: usize,
    history_budget: usize,
    /// Watches may resume from any resourceVersion ≥ this.
    oldest_resumable: u64,
    next_ip: u32,
}

pub struct Store {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Arc<WatchEvent>>,
    disconnect: watch::Sender<u64>,
}

pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = json!({});
    }
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    match &mut obj["metadata"] {
        Value::Object(m) => m,
        _ => unreachable!("metadata was made an object above"),
    }
}

/// The object without the fields that change on every write, to detect no-op writes.
fn comparable(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
        if let Some(Value::Array(mf)) = m.get_mut("managedFields") {
            for e in mf {
                if let Some(e) = e.as_object_mut() {
                    e.remove("time");
                }
            }
        }
    }
    v
}

/// The part of an object whose change bumps `metadata.generation`.
fn spec_part(obj: &Value, rt: &ResourceType) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        if rt.status {
            m.remove("status");
        }
    }
    v
}

/// Reads a value at a `.spec.replicas`-style path.
fn get_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    obj.pointer(&format!(
        "/{}",
        path.trim_start_matches('.').replace('.', "/")
    ))
}

fn set_path(obj: &mut Value, path: &str, value: Value) {
    let mut cur = obj;
    let parts: Vec<&str> = path.trim_start_matches('.').split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        let Some(map) = cur.as_object_mut() else {
            return;
        };
        if i + 1 == parts.len() {
            map.insert((*part).to_string(), value);
            return;
        }
        cur = map.entry((*part).to_string()).or_insert_with(|| json!({}));
    }
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Self {
        let (events, _) = broadcast::channel(16_384);
        let (disconnect, _) = watch::channel(0);
        Store {
            inner: Mutex::new(Inner {
                registry: Registry::builtin(),
                rv: 1,
                objects: HashMap::new(),
                history: VecDeque::new(),
                history_bytes: 0,
                history_budget: HISTORY_BYTES,
                oldest_resumable: 1,
                next_ip: 10,
            }),
            events,
            disconnect,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another request panicked; the data is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn registry(&self) -> Registry {
        self.lock().registry.clone()
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// Closes every open watch stream (clients re-watch from their last resourceVersion).
    pub fn disconnect_watchers(&self) {
        self.disconnect.send_modify(|g| *g += 1);
    }

    /// A store whose watch history holds at most `bytes` of objects (tests).
    pub fn with_history_budget(bytes: usize) -> Self {
        let store = Self::new();
        store.lock().history_budget = bytes;
        store
    }

    /// Estimated bytes the watch history holds, and how many events.
    pub fn history_size(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.history_bytes, inner.history.len())
    }

    /// Forgets the watch history: watches from an older resourceVersion get 410 Gone.
    pub fn compact(&self) {
        let mut inner = self.lock();
        inner.history.clear();
        inner.history_bytes = 0;
        inner.oldest_resumable = inner.rv;
    }

    /// Loads a recorded object as it is (uid, timestamps and status kept), assigning a
    /// resourceVersion. CRDs register their types.
    pub fn load(&self, obj: Value) -> Result<(), String> {
        let mut inner = self.lock();
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let rt = inner
            .registry
            .by_kind(&api_version, &kind)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "no resource type serves {api_version} {kind} (is its CRD in the recording?)"
                )
            })?;
        // A recorded object of the wrong shape would be served to clients that cannot
        // decode it: refused here as the API server refuses it on create.
        validation::check_meta_types(&rt, &obj).map_err(|e| e.message)?;
        let mut obj = obj;
        let name = meta_str(&obj, "name").unwrap_or("").to_string();
        let ns = if rt.namespaced {
            meta_str(&obj, "namespace")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("{kind} {name:?} needs metadata.namespace"))?
                .to_string()
        } else {
            String::new()
        };
        let meta = meta_mut(&mut obj);
        meta.entry("uid")
            .or_insert_with(|| json!(uuid::Uuid::new_v4().to_string()));
        meta.entry("creationTimestamp")
            .or_insert_with(|| json!(now_rfc3339()));
        if rt.key() == crd_key() {
            inner.registry.register_crd(&obj)?;
            set_crd_status(&mut obj);
        }
        if rt.key() == ns_key() && obj.pointer("/status/phase").is_none() {
            // As the API server defaults it.
            obj["status"] = json!({"phase": "Active"});
        }
        inner.rv += 1;
        let rv = inner.rv;
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        inner
            .objects
            .entry(rt.key())
            .or_default()
            .insert((ns, name), Arc::new(obj));
        inner.oldest_resumable = rv;
        Ok(())
    }

    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> ApiResult<Arc<Value>> {
        let inner = self.lock();
        inner
            .objects
            .get(&rt.key())
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Lists objects of a type, in one namespace or all (`ns` empty), filtered.
    pub fn list(
        &self,
        rt: &ResourceType,
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
        let objects = inner.objects.get(&rt.key()).unwrap_or(&empty);
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
    pub fn watch(&self, rt: &ResourceType, from: Option<u64>) -> ApiResult<Subscription> {
        let inner = self.lock();
        let live = self.events.subscribe();
        let disconnect = self.disconnect.subscribe();
        let key = rt.key();
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

    /// Records a change: assigns the next resourceVersion, stores, keeps history and
    /// notifies watchers. `new == None` deletes.
    fn commit(
        &self,
        inner: &mut Inner,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        new: Option<Value>,
    ) -> Arc<Value> {
        inner.rv += 1;
        let rv = inner.rv;
        let key = rt.key();
        let id = (ns.to_string(), name.to_string());
        let previous = inner.objects.get(&key).and_then(|m| m.get(&id)).cloned();
        let (type_, object) = match new {
            Some(mut obj) => {
                meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
                let obj = Arc::new(obj);
                inner
                    .objects
                    .entry(key.clone())
                    .or_default()
                    .insert(id, obj.clone());
                let t = if previous.is_some() {
                    EventType::Modified
                } else {
                    EventType::Added
                };
                (t, obj)
            }
            None => {
                if let Some(m) = inner.objects.get_mut(&key) {
                    m.remove(&id);
                }
                let mut obj = previous.as_deref().cloned().unwrap_or(Value::Null);
                meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
                (EventType::Deleted, Arc::new(obj))
            }
        };
        let event = Arc::new(WatchEvent {
            rv,
            type_,
            key,
            object: object.clone(),
            previous: if type_ == EventType::Modified {
                previous
            } else {
                None
            },
        });
        inner.history_bytes += value_bytes(&event.object);
        inner.history.push_back(event.clone());
        while inner.history.len() > HISTORY
            || (inner.history_bytes > inner.history_budget && inner.history.len() > 1)
        {
            let Some(old) = inner.history.pop_front() else {
                break;
            };
            inner.history_bytes = inner.history_bytes.saturating_sub(value_bytes(&old.object));
            // Watches from `old.rv` need the events after it, which are kept.
            inner.oldest_resumable = old.rv;
        }
        // No receivers is fine: nobody watches.
        let _ = self.events.send(event);
        object
    }

    fn namespace_exists(inner: &Inner, ns: &str) -> bool {
        inner
            .objects
            .get(&ns_key())
            .is_some_and(|m| m.contains_key(&(String::new(), ns.to_string())))
    }

    fn namespace_terminating(inner: &Inner, ns: &str) -> bool {
        inner
            .objects
            .get(&ns_key())
            .and_then(|m| m.get(&(String::new(), ns.to_string())))
            .is_some_and(|n| n.pointer("/metadata/deletionTimestamp").is_some())
    }

    /// DELETE of a namespace: the API server marks it `Terminating` (no new content may be
    /// created in it) and its namespace controller empties and removes it later, which
    /// [`Store::finish_namespace_deletion`] does.
    pub fn begin_namespace_deletion(&self, name: &str) -> ApiResult<Arc<Value>> {
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
    pub fn finish_namespace_deletion(&self, name: &str) {
        let mut inner = self.lock();
        let Some(rt) = inner.registry.by_key(&ns_key()).cloned() else {
            return;
        };
        if Self::current(&inner, &rt, "", name).is_ok() {
            self.delete_locked(&mut inner, &rt, "", name);
        }
    }

    /// Creates an object (POST).
    pub fn create(
        &self,
        rt: &ResourceType,
        ns: &str,
        body: Value,
        opts: &WriteOpts,
    ) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        self.create_locked(&mut inner, rt, ns, body, opts, "Update")
    }

    fn create_locked(
        &self,
        inner: &mut Inner,
        rt: &ResourceType,
        ns: &str,
        mut obj: Value,
        opts: &WriteOpts,
        operation: &str,
    ) -> ApiResult<Arc<Value>> {
        if !obj.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request must be a JSON object",
            ));
        }
        check_type(rt, &obj)?;
        validation::check_meta_types(rt, &obj)?;
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        let mut name = meta_str(&obj, "name").unwrap_or("").to_string();
        if name.is_empty() {
            let prefix = meta_str(&obj, "generateName").unwrap_or("").to_string();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    rt,
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required",
                ));
            }
            name = format!("{prefix}{}", random_suffix());
        }
        validate_meta(rt, &name, &obj)?;
        if rt.namespaced {
            let body_ns = meta_str(&obj, "namespace").unwrap_or("");
            if !body_ns.is_empty() && body_ns != ns {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            if !Self::namespace_exists(inner, ns) {
                return Err(ApiError::namespace_not_found(ns));
            }
            if Self::namespace_terminating(inner, ns) {
                return Err(namespace_terminating(rt, ns, &name));
            }
        }
        if inner
            .objects
            .get(&rt.key())
            .is_some_and(|m| m.contains_key(&(ns.to_string(), name.clone())))
        {
            return Err(ApiError::already_exists(rt, &name));
        }
        let now = now_rfc3339();
        {
            let meta = meta_mut(&mut obj);
            meta.insert("name".into(), json!(name));
            if rt.namespaced {
                meta.insert("namespace".into(), json!(ns));
            } else {
                meta.remove("namespace");
            }
            meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            meta.insert("creationTimestamp".into(), json!(now));
            meta.remove("deletionTimestamp");
            meta.remove("resourceVersion");
        }
        if obj.get("spec").is_some() || rt.custom {
            meta_mut(&mut obj).insert("generation".into(), json!(1));
        }
        // As the API server's create strategies do: status is not the client's to set.
        if rt.status
            && let Some(m) = obj.as_object_mut()
        {
            m.remove("status");
        }
        if let Some(manager) = &opts.field_manager {
            let fields = merge::fields_v1(&obj);
            set_managed(&mut obj, manager, operation, &rt.api_version(), fields, "");
        }
        self.apply_defaults(inner, rt, &mut obj)?;
        validate_custom(rt, &name, &obj, None)?;
        if rt.key() == crd_key() {
            if !opts.dry_run {
                inner
                    .registry
                    .register_crd(&obj)
                    .map_err(|m| ApiError::invalid(rt, &name, "spec", &m))?;
            }
            set_crd_status(&mut obj);
        }
        if opts.dry_run {
            return Ok(Arc::new(obj));
        }
        Ok(self.commit(inner, rt, ns, &name, Some(obj)))
    }

    /// Kind-specific defaults the real API server (or its controllers at once) would set.
    fn apply_defaults(
        &self,
        inner: &mut Inner,
        rt: &ResourceType,
        obj: &mut Value,
    ) -> ApiResult<()> {
        match (rt.group.as_str(), rt.kind.as_str()) {
            ("", "Namespace") => {
                let name = meta_str(obj, "name").unwrap_or("").to_string();
                let labels = meta_mut(obj).entry("labels").or_insert_with(|| json!({}));
                labels["kubernetes.io/metadata.name"] = json!(name);
                if obj.pointer("/spec/finalizers").is_none() {
                    obj["spec"] = json!({"finalizers": ["kubernetes"]});
                }
                obj["status"] = json!({"phase": "Active"});
            }
            ("", "Secret") => {
                if let Some(Value::Object(string_data)) =
                    obj.as_object_mut().and_then(|m| m.remove("stringData"))
                {
                    let data = obj
                        .as_object_mut()
                        .map(|m| m.entry("data").or_insert_with(|| json!({})));
                    if let Some(Value::Object(data)) = data {
                        for (k, v) in string_data {
                            let text = v.as_str().unwrap_or("").to_string();
                            data.insert(
                                k,
                                json!(base64::engine::general_purpose::STANDARD.encode(text)),
                            );
                        }
                    }
                }
                if obj.get("type").is_none() {
                    obj["type"] = json!("Opaque");
                }
            }
            ("", "Service") => {
                let spec = obj
                    .as_object_mut()
                    .map(|m| m.entry("spec").or_insert_with(|| json!({})));
                if let Some(spec) = spec {
                    if spec.get("type").is_none() {
                        spec["type"] = json!("ClusterIP");
                    }
                    if spec.get("clusterIP").is_none() {
                        inner.next_ip += 1;
                        let ip =
                            format!("172.20.{}.{}", inner.next_ip / 250, inner.next_ip % 250 + 1);
                        spec["clusterIP"] = json!(ip);
                        spec["clusterIPs"] = json!([ip]);
                    }
                    if let Some(Value::Array(ports)) = spec.get_mut("ports") {
                        for p in ports {
                            if p.get("protocol").is_none() {
                                p["protocol"] = json!("TCP");
                            }
                            if p.get("targetPort").is_none()
                                && let Some(port) = p.get("port").cloned()
                            {
                                p["targetPort"] = port;
                            }
                        }
                    }
                    if spec.get("sessionAffinity").is_none() {
                        spec["sessionAffinity"] = json!("None");
                    }
                }
                if obj.get("status").is_none() {
                    obj["status"] = json!({"loadBalancer": {}});
                }
            }
            ("", "Pod") if obj.get("status").is_none() => {
                obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
            _ => {}
        }
        Ok(())
    }

    /// Replaces an object (PUT), or its status or scale subresource.
    pub fn update(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        body: Value,
        sub: Sub,
        opts: &WriteOpts,
    ) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        let current = Self::current(&inner, rt, ns, name)?;
        if let Some(rv) = meta_str(&body, "resourceVersion").filter(|s| !s.is_empty())
            && Some(rv) != meta_str(&current, "resourceVersion")
        {
            return Err(ApiError::conflict(rt, name));
        }
        let new = match sub {
            Sub::Scale => scale_into(rt, &current, &body)?,
            _ => {
                check_type(rt, &body)?;
                if let Some(body_name) = meta_str(&body, "name")
                    && body_name != name
                {
                    return Err(ApiError::bad_request(format!(
                        "the name of the object ({body_name}) does not match the name on the URL ({name})"
                    )));
                }
                body
            }
        };
        let operation = "Update";
        self.write_locked(
            &mut inner, rt, ns, name, &current, new, sub, opts, operation, None,
        )
    }

    fn current(inner: &Inner, rt: &ResourceType, ns: &str, name: &str) -> ApiResult<Arc<Value>> {
        inner
            .objects
            .get(&rt.key())
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Turns a requested new state into the stored one: keeps server-owned fields, isolates
    /// spec from status, bumps generation, detects no-ops, honours finalizers.
    #[allow(clippy::too_many_arguments)]
    fn write_locked(
        &self,
        inner: &mut Inner,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        current: &Value,
        requested: Value,
        sub: Sub,
        opts: &WriteOpts,
        operation: &str,
        applied_fields: Option<Value>,
    ) -> ApiResult<Arc<Value>> {
        let mut new = match sub {
            Sub::Status => {
                let mut v = current.clone();
                match requested.get("status") {
                    Some(s) => v["status"] = s.clone(),
                    None => {
                        if let Some(m) = v.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
                v
            }
            Sub::Main | Sub::Scale => {
                let mut v = requested;
                if !v.is_object() {
                    return Err(ApiError::bad_request(
                        "the body of the request must be a JSON object",
                    ));
                }
                validation::check_meta_types(rt, &v)?;
                check_same_identity(&v, ns, name)?;
                validate_meta(rt, name, &v)?;
                v["apiVersion"] = json!(rt.api_version());
                v["kind"] = json!(rt.kind);
                if rt.status && sub == Sub::Main {
                    match current.get("status") {
                        Some(s) => v["status"] = s.clone(),
                        None => {
                            if let Some(m) = v.as_object_mut() {
                                m.remove("status");
                            }
                        }
                    }
                }
                let cur_meta = current.get("metadata").cloned().unwrap_or(json!({}));
                let meta = meta_mut(&mut v);
                for keep in [
                    "uid",
                    "creationTimestamp",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "generation",
                    "name",
                    "namespace",
                ] {
                    match cur_meta.get(keep) {
                        Some(val) => meta.insert(keep.into(), val.clone()),
                        None => meta.remove(keep),
                    };
                }
                if !meta.contains_key("managedFields")
                    && let Some(mf) = cur_meta.get("managedFields")
                {
                    meta.insert("managedFields".into(), mf.clone());
                }
                v
            }
        };
        if let Some(manager) = &opts.field_manager {
            let fields = applied_fields.unwrap_or_else(|| json!({}));
            let subresource = if sub == Sub::Status { "status" } else { "" };
            set_managed(
                &mut new,
                manager,
                operation,
                &rt.api_version(),
                fields,
                subresource,
            );
        }
        if spec_part(&new, rt) != spec_part(current, rt) {
            let generation = current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if generation > 0 || rt.custom {
                meta_mut(&mut new).insert("generation".into(), json!(generation + 1));
            }
        }
        if rt.key() == crd_key() {
            if !opts.dry_run {
                inner
                    .registry
                    .register_crd(&new)
                    .map_err(|m| ApiError::invalid(rt, name, "spec", &m))?;
            }
            set_crd_status(&mut new);
        }
        validate_custom(rt, name, &new, Some(current))?;
        if comparable(&new) == comparable(current) {
            return Ok(Arc::new(current.clone()));
        }
        if opts.dry_run {
            return Ok(Arc::new(new));
        }
        let finalizers_empty = new
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if new.pointer("/metadata/deletionTimestamp").is_some() && finalizers_empty {
            // The write that drops the last finalizer deletes the object; the client gets
            // the object as it wrote it (no finalizers), as from the API server.
            let uid = meta_str(&new, "uid").unwrap_or("").to_string();
            self.commit(inner, rt, ns, name, None);
            self.collect_garbage(inner, &uid);
            return Ok(Arc::new(new));
        }
        Ok(self.commit(inner, rt, ns, name, Some(new)))
    }

    /// Patches an object (PATCH). Server-side apply creates the object when missing.
    #[allow(clippy::too_many_arguments)]
    pub fn patch(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        patch_type: PatchType,
        patch: &Value,
        sub: Sub,
        opts: &WriteOpts,
    ) -> ApiResult<Arc<Value>> {
        if patch_type == PatchType::Strategic && rt.custom {
            return Err(ApiError::unsupported_media(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            ));
        }
        let mut inner = self.lock();
        let current = match Self::current(&inner, rt, ns, name) {
            Ok(c) => c,
            Err(e) if patch_type == PatchType::Apply && sub == Sub::Main => {
                let _ = e;
                let mut obj = patch.clone();
                if meta_str(&obj, "name").is_none() {
                    meta_mut(&mut obj).insert("name".into(), json!(name));
                }
                return self.create_locked(&mut inner, rt, ns, obj, opts, "Apply");
            }
            Err(e) => return Err(e),
        };
        // The document the patch applies to: the object, or the Scale view of it.
        let base = match sub {
            Sub::Scale => scale_of(rt, &current)?,
            _ => (*current).clone(),
        };
        let mut applied_fields = None;
        let mut operation = "Update";
        let patched = match patch_type {
            PatchType::Json => {
                let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                    .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
                let mut doc = base.clone();
                json_patch::patch(&mut doc, &ops).map_err(|e| {
                    ApiError::new(
                        422,
                        "Invalid",
                        format!(
                            "the server rejected our request due to an error in our request: {e}"
                        ),
                    )
                })?;
                doc
            }
            PatchType::Merge => {
                if !patch.is_object() {
                    return Err(ApiError::bad_request("a merge patch must be a JSON object"));
                }
                let mut doc = base.clone();
                json_patch::merge(&mut doc, patch);
                doc
            }
            PatchType::Strategic => {
                if !patch.is_object() {
                    return Err(ApiError::bad_request(
                        "a strategic merge patch must be a JSON object",
                    ));
                }
                let mut doc = base.clone();
                merge::strategic_merge(&mut doc, patch);
                doc
            }
            PatchType::Apply => {
                operation = "Apply";
                let manager = opts
                    .field_manager
                    .clone()
                    .ok_or_else(ssa::field_manager_required)?;
                if sub == Sub::Main {
                    check_type(rt, patch)?;
                }
                let fields = merge::fields_v1(patch);
                let previous = previous_fields(&current, &manager);
                let mut doc = base.clone();
                let taken = ssa::conflicts(&current, &manager, &fields, patch);
                if !taken.is_empty() {
                    if !opts.force {
                        return Err(ssa::conflict_error(&taken));
                    }
                    ssa::take_ownership(&mut doc, &taken);
                }
                merge::remove_unapplied(&mut doc, &previous, &fields);
                if rt.custom {
                    json_patch::merge(&mut doc, patch);
                } else {
                    merge::strategic_merge(&mut doc, patch);
                }
                applied_fields = Some(fields);
                doc
            }
        };
        if applied_fields.is_none() && opts.field_manager.is_some() {
            applied_fields = Some(merge::fields_v1(patch));
        }
        let requested = match sub {
            Sub::Scale => scale_into(rt, &current, &patched)?,
            _ => patched,
        };
        // A resourceVersion in the patch is a precondition (optimistic lock).
        if let Some(rv) = meta_str(patch, "resourceVersion").filter(|s| !s.is_empty())
            && Some(rv) != meta_str(&current, "resourceVersion")
        {
            return Err(ApiError::conflict(rt, name));
        }
        let write_sub = if sub == Sub::Scale { Sub::Main } else { sub };
        self.write_locked(
            &mut inner,
            rt,
            ns,
            name,
            &current,
            requested,
            write_sub,
            opts,
            operation,
            applied_fields,
        )
    }

    /// Deletes an object (DELETE): with finalizers it only gets a deletionTimestamp;
    /// otherwise it goes at once, and its dependents are garbage-collected.
    pub fn delete(
        &self,
        rt: &ResourceType,
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
    fn orphan_dependents(&self, inner: &mut Inner, uid: &str) {
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

    fn delete_locked(
        &self,
        inner: &mut Inner,
        rt: &ResourceType,
        ns: &str,
        name: &str,
    ) -> Arc<Value> {
        let current = Self::current(inner, rt, ns, name).ok();
        if rt.key() == ns_key() {
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
        if rt.key() == crd_key()
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
    fn collect_garbage(&self, inner: &mut Inner, uid: &str) {
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

    /// Applies a recorded change with the same semantics as a client request.
    pub fn apply_object(&self, obj: Value) -> ApiResult<Arc<Value>> {
        let (rt, ns, name) = self.resolve(&obj)?;
        let mut inner = self.lock();
        let opts = WriteOpts::default();
        match Self::current(&inner, &rt, &ns, &name) {
            Ok(current) => {
                let mut requested = obj;
                meta_mut(&mut requested).remove("resourceVersion");
                let mut new = self.write_locked(
                    &mut inner,
                    &rt,
                    &ns,
                    &name,
                    &current,
                    requested.clone(),
                    Sub::Main,
                    &opts,
                    "Update",
                    None,
                )?;
                if rt.status && requested.get("status").is_some() {
                    new = self.write_locked(
                        &mut inner,
                        &rt,
                        &ns,
                        &name,
                        &new,
                        requested,
                        Sub::Status,
                        &opts,
                        "Update",
                        None,
                    )?;
                }
                Ok(new)
            }
            Err(_) => {
                let status = obj.get("status").cloned();
                let created = self.create_locked(&mut inner, &rt, &ns, obj, &opts, "Update")?;
                match status {
                    Some(status) if rt.status => {
                        let mut v = (*created).clone();
                        v["status"] = status;
                        self.write_locked(
                            &mut inner,
                            &rt,
                            &ns,
                            &name,
                            &created,
                            v,
                            Sub::Status,
                            &opts,
                            "Update",
                            None,
                        )
                    }
                    _ => Ok(created),
                }
            }
        }
    }

    /// Type, namespace and name of an object.
    pub fn resolve(&self, obj: &Value) -> ApiResult<(ResourceType, String, String)> {
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        self.resolve_ref(
            api_version,
            kind,
            meta_str(obj, "namespace"),
            meta_str(obj, "name").unwrap_or(""),
        )
    }

    pub fn resolve_ref(
        &self,
        api_version: &str,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> ApiResult<(ResourceType, String, String)> {
        let inner = self.lock();
        let rt = inner
            .registry
            .by_kind(api_version, kind)
            .cloned()
            .ok_or_else(|| ApiError::no_resource(&format!("{api_version} {kind}")))?;
        let ns = if rt.namespaced {
            ns.unwrap_or("default").to_string()
        } else {
            String::new()
        };
        Ok((rt, ns, name.to_string()))
    }

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
    pub fn reset_to(&self, snap: &Snapshot, skip: &ResKey) {
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

    fn current_by_key(inner: &Inner, key: &ResKey, ns: &str, name: &str) -> Option<Arc<Value>> {
        inner
            .objects
            .get(key)
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())))
            .cloned()
    }

    /// Objects of every type, for tests and for summaries.
    pub fn count(&self) -> usize {
        self.lock().objects.values().map(BTreeMap::len).sum()
    }
}

fn ns_key() -> ResKey {
    ResKey {
        group: String::new(),
        plural: "namespaces".into(),
    }
}

/// Validation a real API server does from a CRD's schema, for the sandbox's own kinds.
fn validate_custom(
    rt: &ResourceType,
    name: &str,
    new: &Value,
    old: Option<&Value>,
) -> ApiResult<()> {
    if rt.custom && rt.group == super::replay::GROUP && rt.plural == super::replay::PLURAL {
        super::replay::validate(new, old)
            .map_err(|(field, detail)| ApiError::invalid(rt, name, &field, &detail))?;
    }
    Ok(())
}

/// Whether a CRD object defines the type `key`.
fn crd_defines(crd: &Value, key: &ResKey) -> bool {
    crd.pointer("/spec/group").and_then(Value::as_str) == Some(key.group.as_str())
        && crd.pointer("/spec/names/plural").and_then(Value::as_str) == Some(key.plural.as_str())
}

fn crd_key() -> ResKey {
    ResKey {
        group: "apiextensions.k8s.io".into(),
        plural: "customresourcedefinitions".into(),
    }
}

/// A minimal type to emit DELETED events for custom resources whose CRD just went away.
fn crd_types_fallback(key: &ResKey) -> ResourceType {
    ResourceType {
        group: key.group.clone(),
        version: String::new(),
        kind: String::new(),
        plural: key.plural.clone(),
        singular: String::new(),
        short_names: vec![],
        categories: vec![],
        namespaced: true,
        status: false,
        scale: None,
        custom: true,
        printer_columns: vec![],
    }
}

fn object_rv(obj: &Value) -> u64 {
    meta_str(obj, "resourceVersion")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn check_type(rt: &ResourceType, obj: &Value) -> ApiResult<()> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if (!kind.is_empty() && kind != rt.kind)
        || (!api_version.is_empty() && api_version != rt.api_version())
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({}) or kind ({kind}) does not match {}",
            rt.api_version(),
            rt.kind
        )));
    }
    Ok(())
}

/// The name and `metadata` of an object about to be stored, as the API server checks
/// them: 422 Invalid with one cause per problem.
fn validate_meta(rt: &ResourceType, name: &str, obj: &Value) -> ApiResult<()> {
    let mut causes = Vec::new();
    if let Some(p) = validation::name_problem(rt, name) {
        causes.push(("metadata.name".to_string(), p));
    }
    causes.extend(validation::meta_causes(obj));
    if causes.is_empty() {
        Ok(())
    } else {
        Err(validation::invalid(rt, name, &causes))
    }
}

/// A write must not rename or move an object: 400, as the API server answers.
fn check_same_identity(requested: &Value, ns: &str, name: &str) -> ApiResult<()> {
    if let Some(got) = meta_str(requested, "name")
        && got != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({got}) does not match the name on the URL ({name})"
        )));
    }
    if let Some(got) = meta_str(requested, "namespace")
        && !got.is_empty()
        && !ns.is_empty()
        && got != ns
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

fn random_suffix() -> String {
    const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let id = uuid::Uuid::new_v4();
    id.as_bytes()[..5]
        .iter()
        .map(|b| CHARS[(*b as usize) % CHARS.len()] as char)
        .collect()
}

fn set_crd_status(obj: &mut Value) {
    let now = now_rfc3339();
    let names = obj.pointer("/spec/names").cloned().unwrap_or(json!({}));
    let versions: Vec<Value> = obj
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                .filter_map(|v| v.get("name").cloned())
                .collect()
        })
        .unwrap_or_default();
    if obj.pointer("/status/conditions").is_some() {
        return;
    }
    obj["status"] = json!({
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
        "storedVersions": versions,
    });
}

/// Records a manager's fields in `metadata.managedFields` (replacing its previous entry
/// for the same operation and subresource).
fn set_managed(
    obj: &mut Value,
    manager: &str,
    operation: &str,
    api_version: &str,
    fields: Value,
    subresource: &str,
) {
    let meta = meta_mut(obj);
    let list = meta.entry("managedFields").or_insert_with(|| json!([]));
    let Some(list) = list.as_array_mut() else {
        return;
    };
    let same = |e: &Value| {
        e.get("manager").and_then(Value::as_str) == Some(manager)
            && e.get("operation").and_then(Value::as_str) == Some(operation)
            && e.get("subresource").and_then(Value::as_str).unwrap_or("") == subresource
    };
    let previous_time = list.iter().find(|e| same(e)).and_then(|e| {
        (e.get("fieldsV1") == Some(&fields))
            .then(|| e.get("time").cloned())
            .flatten()
    });
    list.retain(|e| !same(e));
    let mut entry = json!({
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": previous_time.unwrap_or_else(|| json!(now_rfc3339())),
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    });
    if !subresource.is_empty() {
        entry["subresource"] = json!(subresource);
    }
    list.push(entry);
}

/// The fields a manager applied last time.
fn previous_fields(obj: &Value, manager: &str) -> Value {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .and_then(|l| {
            l.iter().find(|e| {
                e.get("manager").and_then(Value::as_str) == Some(manager)
                    && e.get("operation").and_then(Value::as_str) == Some("Apply")
            })
        })
        .and_then(|e| e.get("fieldsV1").cloned())
        .unwrap_or_else(|| json!({}))
}

fn scale_paths(rt: &ResourceType) -> ApiResult<&ScalePaths> {
    rt.scale
        .as_ref()
        .ok_or_else(|| ApiError::no_resource(&format!("{}/scale", rt.plural)))
}

/// The `autoscaling/v1` Scale view of an object.
pub fn scale_of(rt: &ResourceType, obj: &Value) -> ApiResult<Value> {
    let paths = scale_paths(rt)?;
    let spec = get_path(obj, &paths.spec_replicas)
        .cloned()
        .unwrap_or(json!(0));
    let status = get_path(obj, &paths.status_replicas)
        .cloned()
        .unwrap_or(json!(0));
    let selector = paths
        .label_selector
        .as_deref()
        .and_then(|p| get_path(obj, p))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            obj.pointer("/spec/selector/matchLabels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
        });
    let mut meta = json!({});
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = obj.pointer(&format!("/metadata/{k}")) {
            meta[k] = v.clone();
        }
    }
    let mut scale = json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": meta,
        "spec": {"replicas": spec},
        "status": {"replicas": status},
    });
    if let Some(sel) = selector {
        scale["status"]["selector"] = json!(sel);
    }
    Ok(scale)
}

/// The object with the replicas of a Scale written into it.
fn scale_into(rt: &ResourceType, current: &Value, scale: &Value) -> ApiResult<Value> {
    let paths = scale_paths(rt)?;
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::bad_request("Scale.spec.replicas is required"))?;
    if replicas < 0 {
        return Err(ApiError::invalid(
            rt,
            meta_str(current, "name").unwrap_or(""),
            "spec.replicas",
            "Invalid value: must be greater than or equal to 0",
        ));
    }
    let mut v = current.clone();
    set_path(&mut v, &paths.spec_replicas, json!(replicas));
    Ok(v)
}

/// The 403 for a create in a namespace being deleted.
fn namespace_terminating(rt: &ResourceType, ns: &str, name: &str) -> ApiError {
    let mut e = ApiError::new(
        403,
        "Forbidden",
        format!(
            "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
            rt.group_resource()
        ),
    );
    let mut details = json!({
        "name": name,
        "kind": rt.plural,
        "causes": [{"reason": "NamespaceTerminating",
                    "message": format!("namespace {ns} is being terminated"),
                    "field": "metadata.namespace"}],
    });
    if !rt.group.is_empty() {
        details["group"] = json!(rt.group);
    }
    e.details = Some(details);
    e
}

fn encode_continue(rv: u64, key: &(String, String)) -> String {
    let raw = json!({"rv": rv, "ns": key.0, "name": key.1}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_continue(token: &str) -> ApiResult<(u64, (String, String))> {
    let bad = || {
        ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion")
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rv = v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?;
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(bad)
    };
    Ok((rv, (s("ns")?, s("name")?)))
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "store_delete_tests.rs"]
mod delete_tests;
