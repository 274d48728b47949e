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
use super::registry::{Registry, ResKey, ResourceKind, ScalePaths};
use super::selector::{FieldSelector, LabelSelector};
use super::ssa;
use super::validation;

mod delete;
mod patch;
mod read;
mod scale;
mod snapshot;
mod write;

use scale::scale_into;
pub(crate) use scale::scale_of;

/// How many watch events are kept at most for watches that resume from a resourceVersion.
const HISTORY: usize = 50_000;
/// And how many bytes of objects they may hold (estimated by [`value_bytes`]): a replay
/// that patches a large object thousands of times keeps its memory bounded. A watch from a
/// resourceVersion older than what is kept gets 410 Gone and relists, as from a real server.
pub(crate) const HISTORY_BYTES: usize = 64 * 1024 * 1024;

/// A cheap estimate of the memory a JSON value holds: its strings, keys and one slot per
/// value. Used to bound the watch history by bytes.
pub(crate) fn value_bytes(v: &Value) -> usize {
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
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) type_: EventType,
    pub key: ResKey,
    pub object: Arc<Value>,
    /// The object before the change (MODIFIED), to send DELETED/ADDED to watchers whose
    /// selector the object leaves or enters.
    pub(crate) previous: Option<Arc<Value>>,
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
    pub(crate) dry_run: bool,
    pub(crate) field_manager: Option<String>,
    /// Server-side apply takes fields other managers own (`force=true`).
    pub force: bool,
    /// DELETE's `propagationPolicy` (`Background` when absent).
    pub(crate) propagation: Option<String>,
}

/// One page of a list.
pub struct ListPage {
    pub items: Vec<Arc<Value>>,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub(crate) remaining: Option<usize>,
}

/// What a new watch gets: the events before it (a resumed backlog, or synthetic ADDED
/// events for the current state) and the live stream.
pub struct Subscription {
    pub initial: Vec<Arc<WatchEvent>>,
    pub live: broadcast::Receiver<Arc<WatchEvent>>,
    pub(crate) disconnect: watch::Receiver<u64>,
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

pub(crate) fn now_rfc3339() -> String {
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
fn spec_part(obj: &Value, rt: &ResourceKind) -> Value {
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

    pub(crate) fn registry(&self) -> Registry {
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
    #[cfg(test)]
    pub(crate) fn with_history_budget(bytes: usize) -> Self {
        let store = Self::new();
        store.lock().history_budget = bytes;
        store
    }

    /// Estimated bytes the watch history holds, and how many events.
    #[cfg(test)]
    pub(crate) fn history_size(&self) -> (usize, usize) {
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
        if ResKey::of(&rt) == crd_key() {
            inner.registry.register_crd(&obj)?;
            set_crd_status(&mut obj);
        }
        if ResKey::of(&rt) == ns_key() && obj.pointer("/status/phase").is_none() {
            // As the API server defaults it.
            obj["status"] = json!({"phase": "Active"});
        }
        inner.rv += 1;
        let rv = inner.rv;
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        inner
            .objects
            .entry(ResKey::of(&rt))
            .or_default()
            .insert((ns, name), Arc::new(obj));
        inner.oldest_resumable = rv;
        Ok(())
    }

    /// Records a change: assigns the next resourceVersion, stores, keeps history and
    /// notifies watchers. `new == None` deletes.
    fn commit(
        &self,
        inner: &mut Inner,
        rt: &ResourceKind,
        ns: &str,
        name: &str,
        new: Option<Value>,
    ) -> Arc<Value> {
        inner.rv += 1;
        let rv = inner.rv;
        let key = ResKey::of(rt);
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

    /// Type, namespace and name of an object.
    pub fn resolve(&self, obj: &Value) -> ApiResult<(ResourceKind, String, String)> {
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        self.resolve_ref(
            api_version,
            kind,
            meta_str(obj, "namespace"),
            meta_str(obj, "name").unwrap_or(""),
        )
    }

    pub(crate) fn resolve_ref(
        &self,
        api_version: &str,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> ApiResult<(ResourceKind, String, String)> {
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
    rt: &ResourceKind,
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
fn crd_types_fallback(key: &ResKey) -> ResourceKind {
    ResourceKind {
        group: key.group.clone(),
        plural: key.plural.clone(),
        namespaced: true,
        custom: true,
        ..ResourceKind::default()
    }
}

fn object_rv(obj: &Value) -> u64 {
    meta_str(obj, "resourceVersion")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn check_type(rt: &ResourceKind, obj: &Value) -> ApiResult<()> {
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
fn validate_meta(rt: &ResourceKind, name: &str, obj: &Value) -> ApiResult<()> {
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

/// The 403 for a create in a namespace being deleted.
fn namespace_terminating(rt: &ResourceKind, ns: &str, name: &str) -> ApiError {
    let mut e = ApiError::new(
        403,
        "Forbidden",
        format!(
            "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
            rt.full_name()
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
