//! Errors from the cluster in one short line for the header and table titles: kube's
//! `Status` without its Debug dump, and a server that is not a Kubernetes API (an HTML login
//! page, a web server on the wrong port) said in words instead of its raw body.

use kube::runtime::watcher as kw;

/// The longest error text the sources hand to the screen (the header shortens further).
pub(crate) const MAX_CHARS: usize = 240;

/// kube's `reason` for an error body that was not a JSON `Status`.
const UNPARSED: &str = "Failed to parse error data";

/// The message for a server whose answer is not the Kubernetes API's JSON.
pub(crate) fn not_kubernetes(got: &str, from: &str) -> String {
    format!("this server is not a Kubernetes API (got {got} from {from})")
}

/// What a response body looks like, as a content type (for bodies kube already read).
pub(crate) fn body_kind(body: &str) -> &'static str {
    let head: String = body.trim_start().chars().take(512).collect();
    let lower = head.to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.contains("<html") {
        "text/html"
    } else if lower.starts_with('<') {
        "text/xml"
    } else {
        "text/plain"
    }
}

/// Whether a content type is one the Kubernetes API answers with.
pub(crate) fn is_kubernetes_type(content_type: &str) -> bool {
    let t = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    t == "application/json"
        || t == "application/yaml"
        || t == "application/vnd.kubernetes.protobuf"
        || t.ends_with("+json")
}

/// A `Status` from the server, or what kube made of a body that was not one.
pub(crate) fn status(s: &kube::core::Status, server: Option<&str>) -> String {
    if s.reason == UNPARSED {
        let from = server.unwrap_or("the server");
        let got = body_kind(&s.message);
        return format!("{} (HTTP {})", not_kubernetes(got, from), s.code);
    }
    if s.code == 403
        && let Some(words) = super::forbidden::reword(&s.message)
    {
        return words;
    }
    match (s.message.trim(), s.reason.trim()) {
        ("", "") => format!("HTTP {}", s.code),
        ("", reason) => reason.to_string(),
        (message, "") => message.to_string(),
        (message, reason) => format!("{message} ({reason})"),
    }
}

/// A kube error in words, or `None` to fall back on its source chain.
pub(crate) fn kube(e: &kube::Error, server: Option<&str>) -> Option<String> {
    match e {
        kube::Error::Api(s) => Some(status(s, server)),
        // A 2xx answer that is not JSON at all (an HTML page served with 200).
        kube::Error::SerdeError(se) if se.line() == 1 && se.column() <= 1 => Some(not_kubernetes(
            "an answer that is not JSON",
            server.unwrap_or("the server"),
        )),
        _ => None,
    }
}

/// A watcher error in words, or `None` to fall back on its source chain.
pub(crate) fn watcher(e: &kw::Error, server: Option<&str>) -> Option<String> {
    let (what, inner) = match e {
        kw::Error::InitialListFailed(k) => ("list", k),
        kw::Error::WatchStartFailed(k) | kw::Error::WatchFailed(k) => ("watch", k),
        kw::Error::WatchError(s) => return Some(format!("watch: {}", status(s, server))),
        kw::Error::NoResourceVersion => return None,
    };
    Some(match kube(inner, server) {
        // The denial names the verb already.
        Some(text) if text.starts_with("forbidden: ") => text,
        Some(text) => format!("{what}: {text}"),
        None => format!("{what}: {}", super::chain(inner)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unparsed(body: &str, code: u16) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure(body, UNPARSED)
                .with_code(code)
                .boxed(),
        )
    }

    /// Issue 22 defect 11: an HTML page (a login portal, a web server on the wrong port)
    /// becomes one sentence, not the page and a Debug struct.
    #[test]
    fn html_error_bodies_say_the_server_is_not_kubernetes() {
        let body =
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body>…</body></html>";
        let text = super::super::error_chain(&unparsed(body, 404));
        assert_eq!(
            text,
            "this server is not a Kubernetes API (got text/html from the server) (HTTP 404)"
        );
        assert!(!text.contains("Status {"), "{text}");
        let w = kw::Error::InitialListFailed(unparsed(body, 404));
        let text = super::super::error_chain(&w);
        assert!(
            text.starts_with("list: this server is not a Kubernetes API"),
            "{text}"
        );
        assert!(!text.contains('<') && !text.contains('\n'), "{text}");
        let se = serde_json::from_str::<serde_json::Value>("<html>").unwrap_err();
        assert_eq!(
            kube(&kube::Error::SerdeError(se), Some("http://127.0.0.1:1")).as_deref(),
            Some(
                "this server is not a Kubernetes API (got an answer that is not JSON from http://127.0.0.1:1)"
            )
        );
    }

    #[test]
    fn statuses_read_like_kubectl() {
        let s = kube::core::Status::failure("pods \"x\" not found", "NotFound").with_code(404);
        let text = super::super::error_chain(&kube::Error::Api(s.boxed()));
        assert_eq!(text, "pods \"x\" not found (NotFound)");
    }

    #[test]
    fn content_types_are_classified() {
        assert_eq!(body_kind("plain text"), "text/plain");
        assert!(is_kubernetes_type("application/json; charset=utf-8"));
        assert!(!is_kubernetes_type("text/html; charset=utf-8"));
    }
}
