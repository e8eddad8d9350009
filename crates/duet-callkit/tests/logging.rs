//! nertc-call's `debug` and `uid` in the logs: with `debug` every signaling frame is logged at
//! DEBUG under `duet_callkit::wire` with its secrets blanked, without it none is; `uid` labels
//! the SDK's lines.

use duet_callkit::{CallKit, CallKitConfig, WIRE_LOG_TARGET};
use duet_testkit::{add_user, start_server};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Everything a test's subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Logs in `account` with `edit` applied to its configuration, with the SDK's DEBUG lines
/// captured (this runtime has one thread, so the SDK's task logs into this subscriber), and
/// returns them with the login token.
async fn logged_in_lines(account: &str, edit: impl FnOnce(&mut CallKitConfig)) -> (String, String) {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, account).await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_env_filter("duet_callkit=debug")
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut config = CallKitConfig::new(&server.ws_url(), "demo", account, &token);
    edit(&mut config);
    let kit = CallKit::new(config).unwrap();
    kit.login().await.unwrap();
    kit.logout().await.unwrap();
    (captured.text(), token)
}

#[tokio::test]
async fn debug_logs_every_frame_with_its_secrets_blanked() {
    let (lines, token) = logged_in_lines("alice", |config| {
        config.debug = true;
        config.uid = 4242;
    })
    .await;
    let wire: Vec<&str> = lines
        .lines()
        .filter(|line| line.contains(WIRE_LOG_TARGET))
        .collect();
    let has = |direction: &str, fragment: &str| {
        wire.iter()
            .any(|line| line.contains(direction) && line.contains(fragment))
    };
    assert!(has("sent", r#""type":"login""#), "{lines}");
    assert!(has("sent", r#""token":"<redacted>""#), "{lines}");
    assert!(has("received", r#""type":"login.ok""#), "{lines}");
    assert!(has("received", r#""type":"resync""#), "{lines}");
    assert!(has("sent", r#""type":"logout""#), "{lines}");
    assert!(!lines.contains(&token), "the login token leaked: {lines}");
    // Every SDK line is in the span naming the account, the device and the uid.
    assert!(wire.iter().all(|line| line.contains("uid=4242")), "{lines}");
}

#[tokio::test]
async fn without_debug_no_frame_is_logged() {
    let (lines, _) = logged_in_lines("bob", |_| {}).await;
    assert!(lines.contains("callkit{"), "the SDK logged: {lines}");
    assert!(!lines.contains(WIRE_LOG_TARGET), "{lines}");
    assert!(!lines.contains(r#""type":"login""#), "{lines}");
}
