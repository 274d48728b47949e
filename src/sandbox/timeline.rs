//! Applies a recording's timeline changes through the store. Recorded timestamps are
//! shifted ([`crate::recording::shift`]) so that ages look as they did when the recording
//! was made. The replay clock and its controls are in [`super::replay`]; [`source`] reads
//! the timeline.

pub(crate) mod source;

use super::server::Shared;
use super::store::{PatchType, Sub, WriteOpts};
use crate::recording::{Change, PatchKind};

/// Applies one timeline change through the same store code paths clients use.
pub(crate) fn apply_change(shared: &Shared, change: &Change) -> Result<(), String> {
    let store = &shared.store;
    match change {
        Change::Apply(obj) => store
            .apply_object(obj.clone())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Change::Patch(p) => {
            let (rt, ns, name) = store
                .resolve_ref(&p.api_version, &p.kind, p.namespace.as_deref(), &p.name)
                .map_err(|e| e.to_string())?;
            let sub = match p.subresource.as_deref() {
                None => Sub::Main,
                Some("status") => Sub::Status,
                Some("scale") => Sub::Scale,
                Some(other) => return Err(format!("unknown subresource {other:?}")),
            };
            let patch_type = match p.patch_type {
                PatchKind::Merge => PatchType::Merge,
                PatchKind::Json => PatchType::Json,
                PatchKind::Strategic => PatchType::Strategic,
            };
            store
                .patch(
                    &rt,
                    &ns,
                    &name,
                    patch_type,
                    &p.patch,
                    sub,
                    &WriteOpts::default(),
                )
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Change::Delete(r) => {
            let (rt, ns, name) = store
                .resolve_ref(&r.api_version, &r.kind, r.namespace.as_deref(), &r.name)
                .map_err(|e| e.to_string())?;
            store
                .delete(&rt, &ns, &name, &WriteOpts::default(), None)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Change::Log(l) => {
            shared.logs.push(
                (l.namespace.clone(), l.pod.clone(), l.container.clone()),
                l.line.clone(),
            );
            Ok(())
        }
    }
}
