//! `opsdeck play`: a recording written into a real cluster, then its timeline played there.
//!
//! The recording's CRDs and objects are written with server-side apply (field manager
//! `opsdeck-play`), statuses through the status subresource; objects the cluster's
//! controllers make themselves (ReplicaSets of Deployments, pods of workloads, endpoints) are
//! left to them; recorded nodes are mapped onto the cluster's own nodes of the same pool and
//! zone. Everything written carries the label `opsdeck.dev/played-by`, which `--cleanup`
//! deletes by. What is written and why is decided in [`plan`]; recordings/README.md documents
//! it for users.

pub(crate) mod plan;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use color_eyre::eyre::{Result, eyre};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope, pinned_kind};
use serde_json::Value;

use crate::recording::{Change, Recording, format_offset};
use crate::sources::kubeconfig::Target;
use plan::{Disposition, FIELD_MANAGER, Mapping, NodeSpot, PLAYED_BY};

/// Flags of `opsdeck play`.
#[derive(Debug, Clone, Args)]
pub struct PlayArgs {
    /// Recording to play: a file, or the name of a shipped one (platform, wave-stuck,
    /// cnpg-failover).
    #[arg(long)]
    pub recording: PathBuf,

    /// Path to the kubeconfig file (as kubectl: overrides KUBECONFIG).
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to play into (default: the current context).
    #[arg(long)]
    pub context: Option<String>,

    /// Prefix of every namespace (`P-keycloak`) and cluster-scoped name the play creates, so
    /// that several plays share one cluster; also the value of the `opsdeck.dev/played-by`
    /// label (default: the recording's name).
    #[arg(long, value_name = "P")]
    pub(crate) namespace_prefix: Option<String>,

    /// Timeline speed: 2 plays it twice as fast; 0 writes the initial objects and plays no
    /// timeline (0, or 0.01 to 1000).
    #[arg(long, default_value_t = 1.0, value_parser = crate::domain::duration::parse_speed)]
    pub speed: f64,

    /// Play into a context that does not look like a test cluster (its server is not on a
    /// loopback address and its name says neither kind, kwok, k3d, minikube, test, sandbox
    /// nor docker-desktop).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print what would be written and change nothing.
    #[arg(long, conflicts_with = "cleanup")]
    pub(crate) dry_run: bool,

    /// Delete what an earlier play of this recording (and prefix) created, and exit.
    #[arg(long)]
    pub cleanup: bool,
}

/// One kind as the cluster serves it.
#[derive(Clone)]
struct Served {
    ar: ApiResource,
    namespaced: bool,
    status: bool,
}

struct Player {
    client: kube::Client,
    kinds: HashMap<String, Served>,
    map: Mapping,
    /// `kind ns/name` of what this play wrote (or found already its own).
    written: BTreeSet<String>,
    failures: Vec<String>,
}

/// Why a write was not done.
enum Outcome {
    Written,
    Skipped(String),
}

fn kind_of(obj: &Value) -> &str {
    obj.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn gvk_of(api_version: &str, kind: &str) -> GroupVersionKind {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    GroupVersionKind::gvk(group, version, kind)
}

fn describe(kind: &str, ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// An API error as one line: the server's message.
fn short(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({})", s.message, s.reason),
        other => other.to_string(),
    }
}

fn pp() -> PatchParams {
    PatchParams::apply(FIELD_MANAGER).force()
}

impl Player {
    async fn served(&mut self, api_version: &str, kind: &str) -> Result<Served, String> {
        let key = format!("{api_version}/{kind}");
        if let Some(s) = self.kinds.get(&key) {
            return Ok(s.clone());
        }
        let (ar, caps): (ApiResource, ApiCapabilities) =
            pinned_kind(&self.client, &gvk_of(api_version, kind))
                .await
                .map_err(|e| format!("the cluster does not serve {kind} ({api_version}): {e}"))?;
        let served = Served {
            namespaced: caps.scope == Scope::Namespaced,
            status: caps.subresources.iter().any(|(r, _)| r.plural == "status"),
            ar,
        };
        self.kinds.insert(key, served.clone());
        Ok(served)
    }

    fn api(&self, s: &Served, ns: Option<&str>) -> Api<DynamicObject> {
        match (s.namespaced, ns) {
            (true, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &s.ar),
            (true, None) => Api::default_namespaced_with(self.client.clone(), &s.ar),
            (false, _) => Api::all_with(self.client.clone(), &s.ar),
        }
    }

    /// Writes one recorded object (and its status). Objects that exist without this play's
    /// label are left alone: they are the cluster's, and `--cleanup` must not take them.
    async fn write(&mut self, obj: &Value) -> Result<Outcome, String> {
        if let Disposition::Skip(why) = plan::disposition(obj) {
            return Ok(Outcome::Skipped(why));
        }
        let kind = kind_of(obj).to_string();
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let served = self.served(&api_version, &kind).await?;
        let status_in_main = !served.status && plan::writes_status(&kind);
        let body = plan::prepare(obj, &self.map, served.namespaced, status_in_main);
        let name = body
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let ns = body
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        let what = describe(&kind, ns.as_deref(), &name);
        let api = self.api(&served, ns.as_deref());
        let live = api
            .get_opt(&name)
            .await
            .map_err(|e| format!("{what}: {}", short(&e)))?;
        if let Some(live) = &live {
            let ours = live.metadata.labels.as_ref().and_then(|l| l.get(PLAYED_BY));
            if ours != Some(&self.map.id) && kind != "CustomResourceDefinition" {
                return Ok(Outcome::Skipped(format!(
                    "{what} exists already and is not this play's: left alone"
                )));
            }
        }
        let written = api
            .patch(&name, &pp(), &Patch::Apply(&body))
            .await
            .map_err(|e| format!("{what}: {}", short(&e)))?;
        if let (Some(recorded), Some(uid)) = (
            obj.pointer("/metadata/uid").and_then(Value::as_str),
            written.metadata.uid.as_deref(),
        ) {
            self.map.uids.insert(recorded.to_string(), uid.to_string());
        }
        if served.status
            && plan::writes_status(&kind)
            && let Some(status) = plan::status_body(obj, &self.map, &name, ns.as_deref())
        {
            api.patch_subresource("status", &name, &pp(), &Patch::Apply(&status))
                .await
                .map_err(|e| format!("{what} status: {}", short(&e)))?;
        }
        self.written.insert(what);
        Ok(Outcome::Written)
    }

    /// Waits until a CRD is Established (its kind is served).
    async fn wait_established(&self, name: &str) -> Result<(), String> {
        let api: Api<DynamicObject> = Api::all_with(
            self.client.clone(),
            &ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
                "customresourcedefinitions",
            ),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let crd = api
                .get(name)
                .await
                .map_err(|e| format!("CRD {name}: {e}"))?;
            let established = crd.data["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Established" && c["status"] == "True")
                });
            if established {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("CRD {name} is not Established after 30 s"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Plays one timeline change.
    async fn change(&mut self, change: &Change) -> Result<Outcome, String> {
        match change {
            Change::Apply(obj) => self.write(obj).await,
            Change::Log(l) => Ok(Outcome::Skipped(format!(
                "log line of {}/{}: a real cluster's logs come from its kubelet",
                l.namespace, l.pod
            ))),
            Change::Delete(r) => {
                if r.kind == "Node" {
                    return Ok(Outcome::Skipped(
                        "the cluster's own nodes are not changed".into(),
                    ));
                }
                let served = self.served(&r.api_version, &r.kind).await?;
                let ns = r.namespace.as_deref().map(|n| self.map.namespace(n));
                let name = self.map.object_name(&r.kind, &r.name, served.namespaced);
                let what = describe(&r.kind, ns.as_deref(), &name);
                let api = self.api(&served, ns.as_deref());
                match api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) => Ok(Outcome::Written),
                    Err(kube::Error::Api(s)) if s.code == 404 => {
                        Ok(Outcome::Skipped(format!("{what} is not in the cluster")))
                    }
                    Err(e) => Err(format!("delete {what}: {}", short(&e))),
                }
            }
            Change::Patch(p) => {
                if p.kind == "Node" {
                    return Ok(Outcome::Skipped(
                        "the cluster's own nodes are not changed".into(),
                    ));
                }
                let status = p.subresource.as_deref() == Some("status");
                if status && !plan::writes_status(&p.kind) {
                    return Ok(Outcome::Skipped(format!(
                        "the status of a {} is its controller's",
                        p.kind
                    )));
                }
                let served = self.served(&p.api_version, &p.kind).await?;
                let ns = p.namespace.as_deref().map(|n| self.map.namespace(n));
                let name = self.map.object_name(&p.kind, &p.name, served.namespaced);
                let what = describe(&p.kind, ns.as_deref(), &name);
                let api = self.api(&served, ns.as_deref());
                let mut body = p.patch.clone();
                plan::rewrite_refs(&mut body, &self.map);
                plan::rename_namespaces(&mut body, &self.map);
                if status && let Some(st) = body.get_mut("status") {
                    plan::strip_kubelet_fields(&p.kind, st);
                }
                let sub = p.subresource.clone();
                let params = PatchParams::default();
                let result = match p.patch_type {
                    crate::recording::PatchKind::Json => {
                        self.json_patch(&api, &name, sub.as_deref(), &body).await
                    }
                    kind => {
                        let patch = match kind {
                            crate::recording::PatchKind::Strategic => Patch::Strategic(body),
                            _ => Patch::Merge(body),
                        };
                        match sub.as_deref() {
                            Some(s) => api.patch_subresource(s, &name, &params, &patch).await,
                            None => api.patch(&name, &params, &patch).await,
                        }
                        .map(|_| ())
                    }
                };
                match result {
                    Ok(()) => Ok(Outcome::Written),
                    Err(kube::Error::Api(s)) if s.code == 404 => Ok(Outcome::Skipped(format!(
                        "{what} is not in the cluster (a controller's object under another name?)"
                    ))),
                    Err(e) => Err(format!("patch {what}: {}", short(&e))),
                }
            }
        }
    }

    /// A JSON patch (RFC 6902) applied to the live object and written back with its
    /// resourceVersion (optimistic lock).
    async fn json_patch(
        &self,
        api: &Api<DynamicObject>,
        name: &str,
        sub: Option<&str>,
        ops: &Value,
    ) -> Result<(), kube::Error> {
        let live = api.get(name).await?;
        let mut doc = serde_json::to_value(&live).map_err(kube::Error::SerdeError)?;
        let ops: json_patch::Patch =
            serde_json::from_value(ops.clone()).map_err(kube::Error::SerdeError)?;
        json_patch::patch(&mut doc, &ops).map_err(|e| {
            kube::Error::Service(format!("the recorded JSON patch does not apply: {e}").into())
        })?;
        match sub {
            Some(s) => api
                .replace_subresource(s, name, &PostParams::default(), &doc)
                .await
                .map(|_| ()),
            None => {
                let obj: DynamicObject =
                    serde_json::from_value(doc).map_err(kube::Error::SerdeError)?;
                api.replace(name, &PostParams::default(), &obj)
                    .await
                    .map(|_| ())
            }
        }
    }
}

/// `opsdeck play`.
pub async fn run_cli(args: PlayArgs) -> Result<()> {
    let mut rec = crate::sandbox::load_recording(Some(&args.recording))?;
    let target = Target::load(args.kubeconfig.as_deref(), args.context.as_deref())?;
    let info = target.info();
    if !args.yes && !plan::looks_like_test_cluster(&info.server, &info.context, &info.cluster) {
        return Err(eyre!(
            "opsdeck play: context {:?} (cluster {:?}, server {}) does not look like a test cluster \
             (a loopback server, or a name with kind, kwok, k3d, minikube, test, sandbox or \
             docker-desktop); pass --yes to play {} into it anyway",
            info.context,
            info.cluster,
            info.server,
            rec.metadata.name
        ));
    }
    let id = plan::play_id(args.namespace_prefix.as_deref(), &rec.metadata.name);
    let client = target.request_client().await?;
    if args.cleanup {
        return cleanup(&client, &id).await;
    }
    let delta = crate::recording::shift::time_shift(&rec);
    if delta != 0 {
        for o in &mut rec.objects {
            crate::recording::shift::shift_timestamps(o, delta);
        }
        for e in &mut rec.timeline {
            crate::recording::shift::shift_change(&mut e.change, delta);
        }
    }
    let nodes_api: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("", "v1", "Node"), "nodes"),
    );
    let cluster_nodes: Vec<NodeSpot> = nodes_api
        .list(&ListParams::default())
        .await
        .map_err(|e| eyre!("listing the cluster's nodes: {e}"))?
        .items
        .iter()
        .filter_map(|n| serde_json::to_value(n).ok())
        .map(|n| NodeSpot::of(&n))
        .collect();
    let recorded_nodes: Vec<NodeSpot> = rec
        .objects
        .iter()
        .filter(|o| kind_of(o) == "Node")
        .map(NodeSpot::of)
        .collect();
    let mut objects: Vec<Value> = rec.objects.clone();
    objects.extend(plan::missing_namespaces(&rec.objects));
    objects.extend(plan::missing_service_accounts(&rec.objects));
    objects.sort_by_key(plan::rank);
    let map = Mapping {
        prefix: args.namespace_prefix.clone(),
        id: id.clone(),
        nodes: plan::map_nodes(&recorded_nodes, &cluster_nodes),
        uids: BTreeMap::new(),
    };
    print_plan(
        &rec,
        &objects,
        &map,
        &info.context,
        &info.server,
        args.speed,
    );
    if args.dry_run {
        return Ok(());
    }
    let mut player = Player {
        client,
        kinds: HashMap::new(),
        map,
        written: BTreeSet::new(),
        failures: Vec::new(),
    };
    let started = Instant::now();
    for obj in objects
        .iter()
        .filter(|o| kind_of(o) == "CustomResourceDefinition")
    {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        match player.write(obj).await {
            Ok(_) => {
                if let Err(e) = player.wait_established(name).await {
                    player.failures.push(e);
                }
            }
            Err(e) => player.failures.push(e),
        }
    }
    let mut left_alone = 0usize;
    for obj in objects
        .iter()
        .filter(|o| kind_of(o) != "CustomResourceDefinition")
    {
        match player.write(obj).await {
            Ok(Outcome::Skipped(why)) if why.contains("not this play's") => {
                println!("  left alone: {why}");
                left_alone += 1;
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("  failed: {e}");
                player.failures.push(e);
            }
        }
    }
    println!(
        "wrote {} objects in {:.1}s ({} left alone, {} failed)",
        player.written.len(),
        started.elapsed().as_secs_f64(),
        left_alone,
        player.failures.len()
    );
    if args.speed > 0.0 && !rec.timeline.is_empty() {
        play_timeline(&mut player, &rec, args.speed).await;
    } else if !rec.timeline.is_empty() {
        println!("--speed 0: the timeline is not played");
    }
    println!(
        "done: remove it with `opsdeck play --recording {}{} --cleanup`",
        args.recording.display(),
        args.namespace_prefix
            .as_deref()
            .map(|p| format!(" --namespace-prefix {p}"))
            .unwrap_or_default()
    );
    if player.failures.is_empty() {
        Ok(())
    } else {
        Err(eyre!(
            "{} writes failed:\n  {}",
            player.failures.len(),
            player.failures.join("\n  ")
        ))
    }
}

async fn play_timeline(player: &mut Player, rec: &Recording, speed: f64) {
    let start = tokio::time::Instant::now();
    let (mut applied, mut skipped) = (0usize, 0usize);
    let total = rec.timeline.len();
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    println!(
        "playing the timeline: {total} changes over {} at speed {speed} (Ctrl-C stops)",
        format_offset(rec.duration())
    );
    for entry in &rec.timeline {
        let due = start + entry.at.div_f64(speed);
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = &mut stop => {
                println!("stopped at {} ({applied} of {total} changes played)", format_offset(entry.at));
                return;
            }
        }
        let note = entry.note.as_deref().unwrap_or("");
        let at = format_offset(entry.at);
        match player.change(&entry.change).await {
            Ok(Outcome::Written) => {
                applied += 1;
                println!("  [{at}] {note}");
            }
            Ok(Outcome::Skipped(why)) => {
                skipped += 1;
                println!("  [{at}] skipped: {note} ({why})");
            }
            Err(e) => {
                println!("  [{at}] failed: {note}: {e}");
                player.failures.push(e);
            }
        }
    }
    println!("timeline played: {applied} changes applied, {skipped} skipped");
}

fn print_plan(
    rec: &Recording,
    objects: &[Value],
    map: &Mapping,
    context: &str,
    server: &str,
    speed: f64,
) {
    println!(
        "opsdeck play: recording {} into context {context} ({server}), label {PLAYED_BY}={}",
        rec.metadata.name, map.id
    );
    let mut create: BTreeMap<String, usize> = BTreeMap::new();
    let mut skip: BTreeMap<String, usize> = BTreeMap::new();
    let mut namespaces = Vec::new();
    for o in objects {
        let kind = kind_of(o).to_string();
        match plan::disposition(o) {
            Disposition::Write => {
                if kind == "Namespace" {
                    let n = o
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    namespaces.push(map.namespace(n));
                }
                *create.entry(kind).or_default() += 1;
            }
            Disposition::Skip(why) => *skip.entry(format!("{kind}: {why}")).or_default() += 1,
        }
    }
    println!("will create (server-side apply, field manager {FIELD_MANAGER}):");
    println!("  namespaces: {}", namespaces.join(", "));
    let kinds: Vec<String> = create.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!("  objects: {}", kinds.join(", "));
    if !skip.is_empty() {
        println!("not written:");
        for (why, n) in &skip {
            println!("  {n} {why}");
        }
    }
    for (recorded, real) in &map.nodes {
        println!("  node {recorded} is played on {real}");
    }
    println!(
        "timeline: {} changes over {} at speed {speed}; pause, step and seek are not possible \
         on a real cluster (its controllers do not rewind)",
        rec.timeline.len(),
        format_offset(rec.duration())
    );
}

/// Deletes what the play `id` created: its namespaces (with all they hold) and every other
/// labelled object; CRDs are kept (other data may use them).
async fn cleanup(client: &kube::Client, id: &str) -> Result<()> {
    let selector = format!("{PLAYED_BY}={id}");
    let lp = ListParams::default().labels(&selector);
    let discovery = kube::discovery::Discovery::new(client.clone())
        .run()
        .await
        .map_err(|e| eyre!("discovery: {e}"))?;
    let ns_ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("", "v1", "Namespace"),
        "namespaces",
    );
    let ns_api: Api<DynamicObject> = Api::all_with(client.clone(), &ns_ar);
    let namespaces: Vec<String> = ns_api
        .list(&lp)
        .await
        .map_err(|e| eyre!("listing namespaces: {e}"))?
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    let mut deleted = 0usize;
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if !caps.supports_operation(kube::discovery::verbs::LIST)
                || !caps.supports_operation(kube::discovery::verbs::DELETE)
                || ar.kind == "Namespace"
                || ar.kind == "Event"
            {
                continue;
            }
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
            let Ok(list) = api.list(&lp).await else {
                continue;
            };
            for obj in list.items {
                let name = obj.metadata.name.clone().unwrap_or_default();
                let ns = obj.metadata.namespace.clone();
                if ar.kind == "CustomResourceDefinition" {
                    println!(
                        "kept CustomResourceDefinition {name}: other data may use it (kubectl delete crd {name})"
                    );
                    continue;
                }
                let api: Api<DynamicObject> = match (&caps.scope, &ns) {
                    (Scope::Namespaced, Some(ns)) => Api::namespaced_with(client.clone(), ns, &ar),
                    _ => Api::all_with(client.clone(), &ar),
                };
                // Recorded finalizers (Argo CD's resources finalizer…) belong to controllers
                // that do not run here: they would keep the object, and its namespace, forever.
                if obj
                    .metadata
                    .finalizers
                    .as_ref()
                    .is_some_and(|f| !f.is_empty())
                {
                    let patch = serde_json::json!({"metadata": {"finalizers": null}});
                    if let Err(e) = api
                        .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                        .await
                        && !matches!(&e, kube::Error::Api(s) if s.code == 404)
                    {
                        return Err(eyre!(
                            "remove the finalizers of {}: {}",
                            describe(&ar.kind, ns.as_deref(), &name),
                            short(&e)
                        ));
                    }
                }
                if ns.as_ref().is_some_and(|n| namespaces.contains(n)) {
                    continue; // goes with its namespace
                }
                match api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) => {
                        deleted += 1;
                        println!("deleted {}", describe(&ar.kind, ns.as_deref(), &name));
                    }
                    Err(kube::Error::Api(s)) if s.code == 404 => {}
                    Err(e) => {
                        return Err(eyre!(
                            "delete {}: {e}",
                            describe(&ar.kind, ns.as_deref(), &name)
                        ));
                    }
                }
            }
        }
    }
    for n in &namespaces {
        match ns_api.delete(n, &DeleteParams::default()).await {
            Ok(_) => {
                println!("deleted namespace {n}");
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(eyre!("delete namespace {n}: {e}")),
        }
    }
    // Namespaces go once the namespace controller has emptied them.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let left = ns_api.list(&lp).await.map(|l| l.items.len()).unwrap_or(0);
        if left == 0 {
            break;
        }
        if Instant::now() > deadline {
            println!("{left} namespaces still terminating; the namespace controller finishes them");
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "cleanup of {selector}: {} namespaces and {deleted} other objects deleted",
        namespaces.len()
    );
    Ok(())
}
