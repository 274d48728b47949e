//! The Argo CD fixture manifest made fit for the shared real control plane (an install of
//! its own namespace, its cluster-scoped RBAC objects renamed), a CRD with a real structural
//! schema and an object of it (valid or not), and the clean-up of such an install.

use std::path::{Path, PathBuf};

use super::cluster::RealCluster;

/// A namespace (created by the install itself) and the renamed cluster-scoped RBAC objects,
/// deleted when dropped.
pub(crate) struct Installed<'a> {
    pub cluster: &'a RealCluster,
    pub ns: String,
}

impl Drop for Installed<'_> {
    fn drop(&mut self) {
        let ns = &self.ns;
        let _ = self.cluster.kubectl_as(
            self.cluster.admin_context(),
            &["delete", "namespace", ns, "--wait=false"],
        );
        for kind in ["clusterrolebinding", "clusterrole"] {
            for name in ["argocd-application-controller", "argocd-server"] {
                let _ = self.cluster.kubectl_as(
                    self.cluster.admin_context(),
                    &[
                        "delete",
                        kind,
                        &format!("{ns}-{name}"),
                        "--ignore-not-found",
                    ],
                );
            }
        }
    }
}

/// The fixture manifest with its ClusterRoles and ClusterRoleBindings named `<ns>-…` (their
/// subjects, ServiceAccounts of the namespace, keep their names).
pub(crate) fn manifest(dir: &Path, ns: &str) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/install");
    let text = std::fs::read_to_string(fixtures.join("argocd-install.yaml")).expect("manifest");
    let docs: Vec<String> = text
        .split("\n---\n")
        .map(|doc| {
            if doc.contains("\nkind: ClusterRole\n") || doc.contains("\nkind: ClusterRoleBinding\n")
            {
                doc.replace(
                    "- kind: ServiceAccount\n  name: ",
                    "- kind: ServiceAccount\n  @@: ",
                )
                .replace("  name: argocd-", &format!("  name: {ns}-argocd-"))
                .replace("  @@: ", "  name: ")
            } else {
                doc.to_string()
            }
        })
        .collect();
    let path = dir.join("argocd-install.yaml");
    std::fs::write(&path, docs.join("\n---\n")).expect("write manifest");
    path
}

/// A CRD whose schema the API server enforces (required fields, an integer with a minimum,
/// an enum), cluster-scoped and the same for every test that uses it.
pub(crate) const WIDGET_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.schema.opsdeck.test
spec:
  group: schema.opsdeck.test
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        required: [spec]
        properties:
          spec:
            type: object
            required: [size, color]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, green]}"#;

/// A Widget the schema refuses: `spec.size` is a string, `spec.color` is missing.
pub(crate) const BAD_WIDGET: &str = "apiVersion: schema.opsdeck.test/v1\nkind: Widget\nmetadata:\n  name: dashboard\nspec:\n  size: large";
/// The same Widget, fixed.
pub(crate) const GOOD_WIDGET: &str = "apiVersion: schema.opsdeck.test/v1\nkind: Widget\nmetadata:\n  name: dashboard\nspec:\n  size: 3\n  color: green";

/// [`manifest`] with the Widget CRD and `widget` appended (written over the same file).
pub(crate) fn manifest_with_widget(dir: &Path, ns: &str, widget: &str) -> PathBuf {
    let path = manifest(dir, ns);
    let text = std::fs::read_to_string(&path).expect("manifest");
    std::fs::write(
        &path,
        format!("{}\n---\n{WIDGET_CRD}\n---\n{widget}\n", text.trim_end()),
    )
    .expect("write manifest");
    path
}
