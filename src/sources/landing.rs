//! Where the console lands for a user with few rights: the context's namespace when the user
//! may list pods there; otherwise, when the user may list namespaces, the first namespace
//! (by name) where a SelfSubjectAccessReview says it may list pods. Servers without the
//! authorization API (the sandbox) and users who may not list namespaces keep the context's.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams, PostParams};

/// At most this many namespaces are asked about.
const MAX_ASKED: usize = 100;

/// `kubectl auth can-i VERB RESOURCE [-n NS]` (core group).
pub(crate) async fn can_i(
    client: &kube::Client,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
) -> Result<bool, kube::Error> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                resource: Some(resource.into()),
                namespace: namespace.map(str::to_string),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let answer = api.create(&PostParams::default(), &review).await?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// The namespaces to ask about, in order: by name, without `start`, at most [`MAX_ASKED`].
pub(crate) fn candidates(mut names: Vec<String>, start: &str) -> Vec<String> {
    names.retain(|n| n != start);
    names.sort();
    names.truncate(MAX_ASKED);
    names
}

/// A namespace to land in instead of `start`, when the user may not list pods in `start`.
pub(crate) async fn readable_instead_of(client: &kube::Client, start: &str) -> Option<String> {
    match can_i(client, "list", "pods", Some(start)).await {
        Ok(false) => {}
        Ok(true) => return None,
        Err(e) => {
            tracing::debug!("landing: no access review ({e})");
            return None;
        }
    }
    let api: Api<Namespace> = Api::all(client.clone());
    let names = match api.list_metadata(&ListParams::default()).await {
        Ok(list) => list
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect(),
        Err(e) => {
            tracing::info!(
                "landing: {start} is not readable and namespaces cannot be listed ({e})"
            );
            return None;
        }
    };
    for ns in candidates(names, start) {
        if let Ok(true) = can_i(client, "list", "pods", Some(&ns)).await {
            tracing::info!("landing in {ns}: pods of {start} cannot be listed");
            return Some(ns);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn candidates_are_sorted_without_the_start_and_bounded() {
        let names = vec!["b".to_string(), "default".into(), "a".into()];
        assert_eq!(super::candidates(names, "default"), ["a", "b"]);
        let many: Vec<String> = (0..500).map(|i| format!("ns-{i:03}")).collect();
        assert_eq!(super::candidates(many, "x").len(), super::MAX_ASKED);
    }
}
