//! Watch identity: which kind, in which scope, with which selectors. The app declares the
//! watches it needs; the sources start and stop them.

use std::sync::Arc;

use super::resource::ResourceKind;

/// Identity of one watch: a kind in a scope with optional server-side selectors.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatchKey {
    /// `v1`, `apps/v1`, …
    pub api_version: String,
    pub plural: String,
    /// `None` watches every namespace (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub labels: Option<String>,
    pub fields: Option<String>,
}

/// What a watch needs to start.
#[derive(Debug, Clone)]
pub struct WatchSpec {
    pub key: WatchKey,
    pub kind: Arc<ResourceKind>,
}

impl WatchSpec {
    pub fn new(
        kind: Arc<ResourceKind>,
        namespace: Option<String>,
        labels: Option<String>,
        fields: Option<String>,
    ) -> Self {
        let namespace = if kind.namespaced { namespace } else { None };
        WatchSpec {
            key: WatchKey {
                api_version: kind.api_version(),
                plural: kind.plural.clone(),
                namespace,
                labels,
                fields,
            },
            kind,
        }
    }
}
