//! What a `duet://` link does (docs/app.md, Links and consent): never anything by itself. Any web
//! page or program can open a link, so a call link only opens a confirm panel in the main window
//! (event `call-link`) and a join link the sign-up form filled in (`join-link`); the user decides.
//! A link the app does not understand is said to the user (`link-error`), and nothing else
//! happens. The shell shows the main window and hands every link here.

use super::deep_link::{self, DeepLink, DeepLinkError, Problem};
use super::{lock, Backend, JoinLink};
use serde::Serialize;

/// How much of a bad link the page is shown: enough to recognise it, not a page of text.
const SHOWN_CHARS: usize = 120;

/// A `duet://call` link waiting for the user to choose audio, video or cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CallLink {
    /// Whom the link would call.
    pub account: String,
    /// The type the link suggests (`?type=`, video when it says none); the panel offers both.
    #[cfg_attr(test, ts(type = "CallType"))]
    pub call_type: duet_callkit::CallType,
}

/// A link that was not understood: the page says what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BadLink {
    /// What is wrong.
    pub problem: Problem,
    /// The link as it came, cut to its first 120 characters (with "…" when cut).
    pub link: String,
}

impl BadLink {
    fn new(link: &str, error: &DeepLinkError) -> Self {
        let mut shown: String = link.chars().take(SHOWN_CHARS).collect();
        if shown.len() < link.len() {
            shown.push('…');
        }
        Self {
            problem: error.problem(),
            link: shown,
        }
    }
}

impl Backend {
    /// Follows a `duet:` link as the user's consent rules say: a call link waits for the user
    /// (see [`Backend::offer_call`]), a join link fills the sign-up form in, a bad link is said.
    /// Places no call and sends nothing to any server.
    pub fn open_link(&self, link: &str) {
        match deep_link::parse(link) {
            Ok(DeepLink::Call { account, call_type }) => {
                self.offer_call(CallLink { account, call_type })
            }
            Ok(DeepLink::Join { server, code }) => self.offer_join(JoinLink { server, code }),
            Err(error) => {
                tracing::warn!(%error, "duet link not understood");
                self.emit_json("link-error", &BadLink::new(link, &error));
            }
        }
    }

    /// A `duet://call` link arrived: the main window asks the user (event `call-link`, and in
    /// [`super::Bootstrap::call_link`] for a page that starts after it) until the user calls or
    /// cancels ([`Backend::dismiss_call_link`]). A newer link replaces it.
    pub fn offer_call(&self, link: CallLink) {
        *lock(&self.inner.call_link) = Some(link.clone());
        self.emit_json("call-link", &link);
    }

    /// The user answered the confirm panel (called or cancelled): a page that starts later does
    /// not ask again.
    pub fn dismiss_call_link(&self) {
        lock(&self.inner.call_link).take();
    }

    /// The call link waiting for the user, if any.
    pub fn call_link(&self) -> Option<CallLink> {
        lock(&self.inner.call_link).clone()
    }

    fn emit_json(&self, event: &str, payload: &impl Serialize) {
        match serde_json::to_value(payload) {
            Ok(payload) => self.inner.ui.emit(event, payload),
            Err(error) => tracing::warn!(%error, event, "payload not serializable"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::state::Status;
    use crate::backend::ui::Ui;
    use crate::media::sources::SourceOverrides;
    use crate::store::files::AppDirs;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Emitted(Mutex<Vec<(String, serde_json::Value)>>);

    impl Ui for Emitted {
        fn emit(&self, event: &str, payload: serde_json::Value) {
            self.0.lock().unwrap().push((event.to_owned(), payload));
        }
        fn show_popup(&self, _show: bool) {}
        fn notify(&self, _title: &str, _body: &str) {}
        fn status_changed(&self, _state: &crate::backend::state::AppState) {}
    }

    impl Emitted {
        /// The link events (`call-link`, `join-link`, `link-error`), in order.
        fn links(&self) -> Vec<(String, serde_json::Value)> {
            let all = self.0.lock().unwrap().clone();
            all.into_iter()
                .filter(|(e, _)| e.contains("link"))
                .collect()
        }
    }

    async fn backend(home: &std::path::Path) -> (Backend, Arc<Emitted>) {
        let dirs = AppDirs::create(home.join("config"), home.join("data")).unwrap();
        let ui = Arc::new(Emitted::default());
        let autostart = Arc::new(crate::backend::autostart::Unavailable(
            "not in tests".into(),
        ));
        let backend = Backend::new(dirs, SourceOverrides::default(), 0, ui.clone(), autostart)
            .await
            .unwrap();
        (backend, ui)
    }

    #[tokio::test]
    async fn finding_11_a_call_link_asks_and_places_nothing() {
        let home = tempfile::tempdir().unwrap();
        let (app, ui) = backend(home.path()).await;
        app.open_link("duet://call/bob?type=audio");
        assert_eq!(
            ui.links(),
            vec![(
                "call-link".to_owned(),
                json!({ "account": "bob", "callType": 1 })
            )]
        );
        let waiting = app.bootstrap().await.call_link;
        assert_eq!(waiting.map(|l| l.account), Some("bob".to_owned()));
        assert_eq!(app.state().status, Status::SignedOut);
        assert!(app.state().call.is_none());

        // A newer link replaces it; the user's answer clears it.
        app.open_link("duet://call/carol");
        let waiting = app.bootstrap().await.call_link.unwrap();
        assert_eq!(
            (waiting.account.as_str(), waiting.call_type),
            ("carol", duet_callkit::CallType::Video)
        );
        app.dismiss_call_link();
        assert_eq!(app.bootstrap().await.call_link, None);
    }

    #[tokio::test]
    async fn a_join_link_fills_the_form_in() {
        let home = tempfile::tempdir().unwrap();
        let (app, ui) = backend(home.path()).await;
        app.open_link("duet://join?server=duet.example.com&code=AbC");
        assert_eq!(
            ui.links(),
            vec![(
                "join-link".to_owned(),
                json!({ "server": "duet.example.com", "code": "AbC" })
            )]
        );
        assert_eq!(app.bootstrap().await.call_link, None);
    }

    #[tokio::test]
    async fn a_bad_link_is_said_and_does_nothing_else() {
        let home = tempfile::tempdir().unwrap();
        let (app, ui) = backend(home.path()).await;
        let long = format!("duet://call/{}", "x".repeat(300));
        for link in [
            "duet://chat/bob",
            "duet://call/b%20b",
            "duet://call/bob?type=fax",
            "duet://join",
            long.as_str(),
        ] {
            app.open_link(link);
        }
        let said = ui.links();
        let problems: Vec<_> = said.iter().map(|(_, p)| p["problem"].clone()).collect();
        assert!(said.iter().all(|(e, _)| e == "link-error"), "{said:?}");
        assert_eq!(
            problems,
            [
                "unknown",
                "bad_account",
                "bad_type",
                "no_server",
                "bad_account"
            ]
            .map(|p| json!(p))
        );
        assert_eq!(said[0].1["link"], json!("duet://chat/bob"));
        let cut = said[4].1["link"].as_str().unwrap();
        assert_eq!(cut.chars().count(), SHOWN_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(app.bootstrap().await.call_link, None);
        assert!(app.bootstrap().await.join_link.is_none());
    }
}
