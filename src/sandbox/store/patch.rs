//! Patches (JSON, merge, strategic merge) and server-side apply with managed fields.

use super::*;

impl Store {
    /// Patches an object (PATCH). Server-side apply creates the object when missing.
    #[allow(clippy::too_many_arguments)]
    pub fn patch(
        &self,
        rt: &ResourceKind,
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

    /// Applies a recorded change with the same semantics as a client request.
    pub(crate) fn apply_object(&self, obj: Value) -> ApiResult<Arc<Value>> {
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
}
