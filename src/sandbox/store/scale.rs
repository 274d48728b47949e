//! The `scale` subresource: the autoscaling/v1 Scale view of an object and writing one back.

use super::*;

fn scale_paths(rt: &ResourceKind) -> ApiResult<&ScalePaths> {
    rt.scale
        .as_ref()
        .ok_or_else(|| ApiError::no_resource(&format!("{}/scale", rt.plural)))
}

/// The `autoscaling/v1` Scale view of an object.
pub(crate) fn scale_of(rt: &ResourceKind, obj: &Value) -> ApiResult<Value> {
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
pub(super) fn scale_into(rt: &ResourceKind, current: &Value, scale: &Value) -> ApiResult<Value> {
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
