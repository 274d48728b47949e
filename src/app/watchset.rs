//! Which watches the console runs: the ones the view stack needs, plus the ones kept in
//! the background; data of the others is dropped.

use crate::model::WatchSpec;

impl super::App {
    /// Every watch the view stack needs, deduplicated.
    pub fn desired_watches(&self) -> Vec<WatchSpec> {
        let mut out: Vec<WatchSpec> = Vec::new();
        for v in &self.stack {
            for spec in v.watches() {
                if !out.iter().any(|s| s.key == spec.key) {
                    out.push(spec.clone());
                }
            }
        }
        out
    }

    /// The view stack's watches plus the ones kept in the background while the console
    /// runs (CNPG Clusters and their pods, feeding the failover timelines): what the
    /// sources should run.
    pub fn all_watches(&self) -> Vec<WatchSpec> {
        let mut out = self.desired_watches();
        for spec in self.cnpg_background_watches() {
            if !out.iter().any(|s| s.key == spec.key) {
                out.push(spec);
            }
        }
        for spec in self.replay_background_watches() {
            if !out.iter().any(|s| s.key == spec.key) {
                out.push(spec);
            }
        }
        out
    }

    /// Drops data of watches no view needs any more.
    pub(in crate::app) fn prune_watches(&mut self) {
        let desired = self.all_watches();
        self.watches
            .retain(|k, _| desired.iter().any(|s| s.key == *k));
    }
}
