//! Signing in securely, through the app's core without a window: a `wss://` server whose
//! certificate comes from a private CA (tests/fixtures/tls) is refused with `tls_untrusted`
//! until the user gives that CA, which is then remembered; a plain `ws://` server off this
//! machine is refused before anything is sent unless the user allows it.

use duet_app::backend::autostart::Unavailable;
use duet_app::backend::sign_in_form::SignInForm;
use duet_app::backend::state::{AppState, Status};
use duet_app::backend::transport::Transport;
use duet_app::backend::ui::Ui;
use duet_app::backend::Backend;
use duet_app::media::sources::SourceOverrides;
use duet_app::store::files::AppDirs;
use duet_testkit::{add_user_named, start_server_with};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::TempDir;

struct NoDesktop;

impl Ui for NoDesktop {
    fn emit(&self, _event: &str, _payload: serde_json::Value) {}
    fn show_popup(&self, _show: bool) {}
    fn notify(&self, _title: &str, _body: &str) {}
    fn status_changed(&self, _state: &AppState) {}
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

async fn backend(home: &Path) -> Backend {
    let dirs = AppDirs::create(home.join("config"), home.join("data")).unwrap();
    let autostart = Arc::new(Unavailable("not in these tests".into()));
    Backend::new(
        dirs,
        SourceOverrides::default(),
        0,
        Arc::new(NoDesktop),
        autostart,
    )
    .await
    .unwrap()
}

/// A `wss://` server on 127.0.0.1 with the fixture certificate; its database directory and
/// alice's token.
async fn tls_server() -> (duet_server::RunningServer, TempDir, String) {
    let (server, dir) = start_server_with(|config| {
        config.tls = Some(duet_server::TlsFiles {
            cert: fixture("server.pem"),
            key: fixture("server.key"),
        })
    })
    .await;
    let token = add_user_named(&server, "alice", "Alice").await;
    (server, dir, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_is_refused_by_name_until_the_user_gives_it_and_then_remembered() {
    let (server, _db, token) = tls_server().await;
    let url = server.ws_url();
    assert!(url.starts_with("wss://"), "{url}");
    let home = tempfile::tempdir().unwrap();
    let app = backend(home.path()).await;

    let form = SignInForm::new(&url, "demo", "alice", &token, None, false);
    let error = app.sign_in(&form).await.unwrap_err();
    let page = serde_json::to_value(&error).unwrap();
    assert_eq!(page["code"], "tls_untrusted", "{page}");
    assert_eq!(page["host"], url["wss://".len()..].trim_end_matches("/ws"));
    assert_eq!(page["reasonKind"], "unknown_issuer", "{page}");
    assert!(page["message"]
        .as_str()
        .unwrap()
        .starts_with("tls_untrusted: the certificate of 127.0.0.1:"));
    assert_eq!(app.state().status, Status::SignedOut);

    let pem = std::fs::read_to_string(fixture("ca.pem")).unwrap();
    let ca = app.import_ca("lab-ca.pem", &pem).unwrap();
    assert!(
        ca.starts_with(home.path().join("config")),
        "{}",
        ca.display()
    );
    let with_ca = SignInForm {
        tls_ca_file: Some(ca.clone()),
        ..form
    };
    let signed = app.sign_in(&with_ca).await.unwrap();
    assert_eq!(signed.transport, Transport::Tls);
    assert_eq!(app.state().status, Status::Idle);
    let last = app.bootstrap().await.last_sign_in.unwrap();
    assert_eq!(last.tls_ca_file.as_deref(), Some(ca.as_path()));

    // The next start signs in by itself, trusting the remembered CA.
    app.shutdown().await;
    let again = backend(home.path()).await;
    let resumed = again.start().await.unwrap();
    assert_eq!(
        (resumed.embedded, resumed.transport),
        (false, Transport::Tls)
    );
    assert_eq!(again.bootstrap().await.sign_in_error, None);
    again.shutdown().await;

    // A start whose remembered CA no longer vouches for the server says so to the page.
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\nnot a certificate\n").unwrap();
    let broken = backend(home.path()).await;
    assert!(broken.start().await.is_err());
    let why = broken
        .bootstrap()
        .await
        .sign_in_error
        .expect("the start's error");
    assert_eq!(why["code"], "invalid", "{why}");
    broken.shutdown().await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_ws_off_this_machine_is_refused_before_connecting() {
    let home = tempfile::tempdir().unwrap();
    let app = backend(home.path()).await;
    // TEST-NET-1: nothing answers there, so an attempt to connect could only fail with a
    // connection error (or time out); `insecure_server` shows the URL was refused before that.
    let form = SignInForm::new("ws://192.0.2.1:7420/ws", "demo", "alice", "t", None, false);
    let error = app.sign_in(&form).await.unwrap_err();
    let page = serde_json::to_value(&error).unwrap();
    assert_eq!(page["code"], "insecure_server", "{page}");
    assert_eq!(page["host"], "192.0.2.1");
    assert_eq!(app.state().status, Status::SignedOut);
    assert!(
        app.bootstrap().await.last_sign_in.is_none(),
        "nothing remembered"
    );
    app.shutdown().await;
}
