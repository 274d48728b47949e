//! Credentials from exec plugins while the console runs: a token every client of the user
//! shares ([`LiveToken`]: a refresh replaces it in place, so watches and requests in flight
//! carry on with the next request using the new token), and the console's terminal lent to
//! an interactive plugin (`interactiveMode: Always`) that must ask again mid-session
//! ([`Lender`], [`Loan`]): the console leaves the screen, the plugin asks on the real
//! terminal, and the console takes the screen back.

use std::sync::{Arc, RwLock};

use kube::client::Body;
use tokio::sync::{mpsc, oneshot};

/// A bearer token shared by the clients built for one user. Its Debug never shows it.
#[derive(Clone, Default)]
pub(crate) struct LiveToken(Arc<RwLock<String>>);

impl std::fmt::Debug for LiveToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LiveToken(<redacted>)")
    }
}

impl LiveToken {
    pub(crate) fn set(&self, token: &str) {
        if let Ok(mut t) = self.0.write() {
            *t = token.to_string();
        }
    }

    /// Puts `Authorization: Bearer <token>` on a request (marked sensitive: never logged).
    pub(crate) fn authorize(&self, request: &mut http::Request<Body>) {
        let Ok(token) = self.0.read() else { return };
        if token.is_empty() {
            return;
        }
        if let Ok(mut value) = http::HeaderValue::from_str(&format!("Bearer {token}")) {
            value.set_sensitive(true);
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
        }
    }

    /// A client for `config` (whose own token is left out) that sends this token.
    pub(crate) fn client(&self, mut config: kube::Config) -> Result<kube::Client, kube::Error> {
        config.auth_info.token = None;
        config.auth_info.token_file = None;
        let live = self.clone();
        let layer = tower::util::MapRequestLayer::new(move |mut request: http::Request<Body>| {
            live.authorize(&mut request);
            request
        });
        Ok(kube::client::ClientBuilder::try_from(config)?
            .with_layer(&layer)
            .build())
    }
}

/// Asks the console for its terminal ([`Lender::borrow`]); cloned into every connection task.
#[derive(Clone, Debug)]
pub(crate) struct Lender(mpsc::UnboundedSender<Loan>);

/// A plugin's request for the terminal, received by the console's event loop.
#[derive(Debug)]
pub(crate) struct Loan {
    /// Why the plugin runs (said on the terminal before it asks).
    pub reason: String,
    ready: oneshot::Sender<()>,
    done: oneshot::Receiver<()>,
}

/// The terminal, while a plugin has it; dropping it hands the terminal back to the console.
#[derive(Debug)]
pub(crate) struct Borrowed {
    _done: oneshot::Sender<()>,
}

impl Lender {
    /// The lender for the connection tasks and the receiver the console's event loop polls.
    pub(crate) fn channel() -> (Lender, mpsc::UnboundedReceiver<Loan>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Lender(tx), rx)
    }

    /// Waits until the console has left the screen for a plugin that asks; `None` when no
    /// console takes the request (it quit).
    pub(crate) async fn borrow(&self, reason: String) -> Option<Borrowed> {
        tracing::info!(%reason, "asking the console for the terminal");
        let (ready_tx, ready_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        self.0
            .send(Loan {
                reason,
                ready: ready_tx,
                done: done_rx,
            })
            .ok()?;
        ready_rx.await.ok()?;
        Some(Borrowed { _done: done_tx })
    }
}

impl Loan {
    /// The console has left the screen: the plugin may run. Resolves when the plugin is done
    /// with the terminal (or its task ended).
    pub(crate) async fn lend(self) {
        if self.ready.send(()).is_err() {
            return;
        }
        let _ = self.done.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_on_each_request_and_is_never_shown() {
        let live = LiveToken::default();
        let mut request = http::Request::new(Body::empty());
        live.authorize(&mut request);
        assert!(request.headers().get("authorization").is_none());
        live.set("first");
        let clone = live.clone();
        live.set("second");
        clone.authorize(&mut request);
        let value = request.headers().get("authorization").expect("header");
        assert_eq!(value.to_str().ok(), Some("Bearer second"));
        assert!(value.is_sensitive());
        assert!(!format!("{live:?} {value:?}").contains("second"));
    }

    #[tokio::test]
    async fn a_loan_waits_for_the_console_and_ends_when_the_plugin_is_done() {
        let (lender, mut loans) = Lender::channel();
        let console = tokio::spawn(async move {
            let loan = loans.recv().await.expect("a loan");
            assert_eq!(loan.reason, "expires soon");
            loan.lend().await;
            "lent"
        });
        let borrowed = lender
            .borrow("expires soon".into())
            .await
            .expect("borrowed");
        drop(borrowed);
        assert_eq!(console.await.expect("console"), "lent");
        // No console: nothing to borrow.
        let (lender, loans) = Lender::channel();
        drop(loans);
        assert!(lender.borrow("x".into()).await.is_none());
    }
}
