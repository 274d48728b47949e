//! Create and update (CRUD writes): defaults, validation, generation and the commit of a write.

use super::*;

impl Store {
    /// Creates an object (POST).
    pub fn create(
        &self,
        rt: &ResourceKind,
        ns: &str,
        body: Value,
        opts: &WriteOpts,
    ) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        self.create_locked(&mut inner, rt, ns, body, opts, "Update")
    }

    pub(super) fn create_locked(
        &self,
        inner: &mut Inner,
        rt: &ResourceKind,
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
            .get(&ResKey::of(rt))
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
        if ResKey::of(rt) == crd_key() {
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
    pub(super) fn apply_defaults(
        &self,
        inner: &mut Inner,
        rt: &ResourceKind,
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
    pub(crate) fn update(
        &self,
        rt: &ResourceKind,
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

    pub(super) fn current(
        inner: &Inner,
        rt: &ResourceKind,
        ns: &str,
        name: &str,
    ) -> ApiResult<Arc<Value>> {
        inner
            .objects
            .get(&ResKey::of(rt))
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Turns a requested new state into the stored one: keeps server-owned fields, isolates
    /// spec from status, bumps generation, detects no-ops, honours finalizers.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_locked(
        &self,
        inner: &mut Inner,
        rt: &ResourceKind,
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
        if ResKey::of(rt) == crd_key() {
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
}
