//! RBAC denials in words. The API server's 403 message
//! (`pods is forbidden: User "viewer" cannot list resource "pods" in API group "" at the
//! cluster scope`) becomes `forbidden: user viewer cannot list pods at the cluster scope`,
//! the way the header, table titles and the status line show it.

/// The denial of a 403 `Status` message in short words, or `None` when `message` is not an
/// RBAC denial.
pub(crate) fn reword(message: &str) -> Option<String> {
    let (subject, rest) = message.split_once(" is forbidden: User \"")?;
    let (user, rest) = rest.split_once("\" cannot ")?;
    let (verb, rest) = rest.split_once(" resource \"")?;
    let (resource, rest) = rest.split_once("\" in API group \"")?;
    let (group, rest) = rest.split_once('"')?;
    let rest = rest.trim_start();
    let (scope, tail) = if let Some(t) = rest.strip_prefix("at the cluster scope") {
        ("at the cluster scope".to_string(), t)
    } else if let Some(t) = rest.strip_prefix("in the namespace \"") {
        let (ns, t) = t.split_once('"')?;
        (format!("in namespace {ns}"), t)
    } else {
        return None;
    };
    // `deployments/scale` in `apps` reads `deployments.apps/scale`, as kubectl names it.
    let (base, sub) = match resource.split_once('/') {
        Some((b, s)) => (b, format!("/{s}")),
        None => (resource, String::new()),
    };
    let resource = if group.is_empty() {
        format!("{base}{sub}")
    } else {
        format!("{base}.{group}{sub}")
    };
    // `pods "web-1"`: the object's name, when the request named one.
    let name = subject
        .split_once(" \"")
        .map(|(_, n)| format!(" {}", n.trim_end_matches('"')))
        .unwrap_or_default();
    let tail = tail.trim_start_matches([':', ' ']).trim();
    let mut out = format!("forbidden: user {user} cannot {verb} {resource}{name} {scope}");
    if !tail.is_empty() {
        out.push_str(" (");
        out.push_str(tail);
        out.push(')');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::reword;

    #[test]
    fn cluster_scope_list() {
        assert_eq!(
            reword(
                r#"pods is forbidden: User "viewer" cannot list resource "pods" in API group "" at the cluster scope"#
            )
            .as_deref(),
            Some("forbidden: user viewer cannot list pods at the cluster scope")
        );
    }

    #[test]
    fn named_object_in_a_namespace_with_group_and_subresource() {
        assert_eq!(
            reword(
                r#"deployments.apps "web" is forbidden: User "viewer" cannot patch resource "deployments/scale" in API group "apps" in the namespace "view""#
            )
            .as_deref(),
            Some("forbidden: user viewer cannot patch deployments.apps/scale web in namespace view")
        );
        assert_eq!(
            reword(
                r#"nodes is forbidden: User "system:serviceaccount:a:b" cannot watch resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "x" not found"#
            )
            .as_deref(),
            Some(
                "forbidden: user system:serviceaccount:a:b cannot watch nodes at the cluster scope (RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not found)"
            )
        );
    }

    #[test]
    fn other_messages_are_left_alone() {
        assert_eq!(
            reword("the server could not find the requested resource"),
            None
        );
        assert_eq!(
            reword(r#"forbidden: User "x" cannot get path "/metrics""#),
            None
        );
    }
}
