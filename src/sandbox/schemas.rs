//! OpenAPI v3 schemas of the built-in kinds, as `/openapi/v3/{group version}` serves them in
//! `components.schemas`: what `kubectl explain` reads. They come from k8s-openapi's JSON Schema
//! implementations (the same release the console is built against), named as Kubernetes names
//! them (`io.k8s.api.core.v1.Pod`), with `x-kubernetes-group-version-kind` on each kind.

use k8s_openapi::Resource;
use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

/// Registers `T` (and everything it refers to) in `schema_gen` when it is the kind asked for.
fn kind_schema<T: JsonSchema + Resource>(
    schema_gen: &mut SchemaGenerator,
    marks: &mut Vec<(String, Value)>,
    want: (&str, &str, &str),
) {
    if (T::GROUP, T::VERSION, T::KIND) == want {
        let _ = schema_gen.subschema_for::<T>();
        marks.push((
            T::schema_name().into_owned(),
            json!([{"group": T::GROUP, "version": T::VERSION, "kind": T::KIND}]),
        ));
    }
}

/// `components.schemas` for the given built-in kinds of one group version: each kind's schema
/// and the schemas they refer to. Kinds without a known schema are left out.
pub(crate) fn builtin_schemas(group: &str, version: &str, kinds: &[&str]) -> Map<String, Value> {
    use k8s_openapi::api::admissionregistration::v1 as admission;
    use k8s_openapi::api::apps::v1 as apps;
    use k8s_openapi::api::autoscaling::v2 as autoscaling;
    use k8s_openapi::api::batch::v1 as batch;
    use k8s_openapi::api::coordination::v1 as coordination;
    use k8s_openapi::api::core::v1 as core;
    use k8s_openapi::api::discovery::v1 as discovery;
    use k8s_openapi::api::networking::v1 as networking;
    use k8s_openapi::api::policy::v1 as policy;
    use k8s_openapi::api::rbac::v1 as rbac;
    use k8s_openapi::api::scheduling::v1 as scheduling;
    use k8s_openapi::api::storage::v1 as storage;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;

    // OpenAPI 3 settings: refs under `#/components/schemas/`, a `$ref` with a description
    // wrapped in `allOf` (as the apiserver serves them).
    let mut schema_gen = SchemaSettings::openapi3().into_generator();
    let mut marks = Vec::new();
    for &kind in kinds {
        let want = (group, version, kind);
        let g = &mut schema_gen;
        let m = &mut marks;
        kind_schema::<core::Namespace>(g, m, want);
        kind_schema::<core::Node>(g, m, want);
        kind_schema::<core::Pod>(g, m, want);
        kind_schema::<core::Service>(g, m, want);
        kind_schema::<core::ConfigMap>(g, m, want);
        kind_schema::<core::Secret>(g, m, want);
        kind_schema::<core::ServiceAccount>(g, m, want);
        kind_schema::<core::Event>(g, m, want);
        kind_schema::<core::Endpoints>(g, m, want);
        kind_schema::<core::PersistentVolumeClaim>(g, m, want);
        kind_schema::<core::PersistentVolume>(g, m, want);
        kind_schema::<core::ResourceQuota>(g, m, want);
        kind_schema::<core::LimitRange>(g, m, want);
        kind_schema::<core::ReplicationController>(g, m, want);
        kind_schema::<apps::Deployment>(g, m, want);
        kind_schema::<apps::ReplicaSet>(g, m, want);
        kind_schema::<apps::StatefulSet>(g, m, want);
        kind_schema::<apps::DaemonSet>(g, m, want);
        kind_schema::<apps::ControllerRevision>(g, m, want);
        kind_schema::<batch::Job>(g, m, want);
        kind_schema::<batch::CronJob>(g, m, want);
        kind_schema::<autoscaling::HorizontalPodAutoscaler>(g, m, want);
        kind_schema::<policy::PodDisruptionBudget>(g, m, want);
        kind_schema::<networking::Ingress>(g, m, want);
        kind_schema::<networking::IngressClass>(g, m, want);
        kind_schema::<networking::NetworkPolicy>(g, m, want);
        kind_schema::<discovery::EndpointSlice>(g, m, want);
        kind_schema::<storage::StorageClass>(g, m, want);
        kind_schema::<rbac::Role>(g, m, want);
        kind_schema::<rbac::RoleBinding>(g, m, want);
        kind_schema::<rbac::ClusterRole>(g, m, want);
        kind_schema::<rbac::ClusterRoleBinding>(g, m, want);
        kind_schema::<coordination::Lease>(g, m, want);
        kind_schema::<scheduling::PriorityClass>(g, m, want);
        kind_schema::<apiextensions::CustomResourceDefinition>(g, m, want);
        kind_schema::<admission::ValidatingWebhookConfiguration>(g, m, want);
        kind_schema::<admission::MutatingWebhookConfiguration>(g, m, want);
    }
    let mut schemas = schema_gen.take_definitions(true);
    for (name, gvk) in marks {
        if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
            schema.insert("x-kubernetes-group-version-kind".into(), gvk);
        }
    }
    schemas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_schema_is_named_marked_and_refers_to_its_parts() {
        let schemas = builtin_schemas("", "v1", &["Pod"]);
        let pod = &schemas["io.k8s.api.core.v1.Pod"];
        assert_eq!(
            pod["x-kubernetes-group-version-kind"],
            json!([{"group": "", "version": "v1", "kind": "Pod"}])
        );
        assert_eq!(
            pod["properties"]["spec"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.PodSpec"
        );
        assert!(pod["properties"]["spec"]["description"].is_string());
        let container = &schemas["io.k8s.api.core.v1.Container"];
        assert_eq!(container["properties"]["image"]["type"], "string");
        // only kinds asked for carry the mark
        assert!(
            schemas["io.k8s.api.core.v1.PodSpec"]
                .get("x-kubernetes-group-version-kind")
                .is_none()
        );
    }

    #[test]
    fn kinds_of_other_groups_are_not_served_here() {
        assert!(builtin_schemas("apps", "v1", &["Pod"]).is_empty());
        let apps = builtin_schemas("apps", "v1", &["Deployment", "StatefulSet"]);
        assert!(apps.contains_key("io.k8s.api.apps.v1.Deployment"));
        assert!(apps.contains_key("io.k8s.api.apps.v1.StatefulSet"));
    }
}
