//! The app's core over real servers, without a window: the embedded server with its echo
//! contact, a call that carries video to the page's frame socket, and an incoming call that
//! shows and hides the popup. The GUI itself is tested in tests/tests/gui_app.rs.

use duet_app::backend::Backend;
use duet_app::files::AppDirs;
use duet_app::frames::FRAME_MAGIC;
use duet_app::media_sources::SourceOverrides;
use duet_app::sign_in_form::SignInForm;
use duet_app::transport::Transport;
use duet_app::ui::Ui;
use duet_app::view::{AppState, Status};
use duet_callkit::{CallEvent, CallKit, CallKitConfig, CallParams, CallStatus, CallType};
use duet_media::{AudioInput, AudioOutput, VideoInput};
use futures_util::StreamExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Generous: these tests share two cores with builds; they wait for conditions, never time them.
const PATIENCE: Duration = Duration::from_secs(60);

#[derive(Default)]
struct RecordingUi {
    emitted: Mutex<Vec<(String, serde_json::Value)>>,
    states: Mutex<Vec<AppState>>,
    popup: Mutex<Vec<bool>>,
    notifications: Mutex<Vec<String>>,
}

impl Ui for RecordingUi {
    fn emit(&self, event: &str, payload: serde_json::Value) {
        self.emitted
            .lock()
            .unwrap()
            .push((event.to_owned(), payload));
    }
    fn show_popup(&self, show: bool) {
        self.popup.lock().unwrap().push(show);
    }
    fn notify(&self, title: &str, body: &str) {
        self.notifications
            .lock()
            .unwrap()
            .push(format!("{title}: {body}"));
    }
    fn status_changed(&self, state: &AppState) {
        self.states.lock().unwrap().push(state.clone());
    }
}

fn synthetic_media() -> SourceOverrides {
    SourceOverrides {
        video: Some(VideoInput::TestPattern),
        audio: Some(AudioInput::Tone {
            frequency_hz: 440.0,
        }),
        audio_out: Some(AudioOutput::Null),
        bind: Some("127.0.0.1".into()),
    }
}

async fn backend(home: &std::path::Path, ui: Arc<RecordingUi>) -> Backend {
    let dirs = AppDirs::create(home.join("config"), home.join("data")).unwrap();
    Backend::new(dirs, synthetic_media(), 0, ui).await.unwrap()
}

/// A real server on loopback (its database under `dir`) with the accounts alice and bob; their tokens.
async fn server_with_alice_and_bob(
    dir: &std::path::Path,
) -> (duet_server::RunningServer, String, String) {
    let server = duet_server::start(duet_server::ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("s.sqlite").display().to_string(),
        ..duet_server::ServerConfig::default()
    })
    .await
    .unwrap();
    let admin = server.admin();
    let day = Duration::from_secs(86_400);
    let alice = admin.add_user("demo", "alice", "Alice", day).await.unwrap();
    let bob = admin.add_user("demo", "bob", "Bob", day).await.unwrap();
    (server, alice, bob)
}

/// The sign-in form filled in for alice on `url`.
fn alice_form(url: &str, token: &str) -> SignInForm {
    SignInForm::new(url, "demo", "alice", token, None, false)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(PATIENCE, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("gave up waiting for {what}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_echo_contact_answers_and_its_video_reaches_the_frame_socket() {
    let home = tempfile::tempdir().unwrap();
    let ui = Arc::new(RecordingUi::default());
    let app = backend(home.path(), ui.clone()).await;

    let signed = app.start().await.unwrap();
    assert!(
        signed.embedded,
        "no saved sign-in: the embedded server is used"
    );
    let contacts = app.contacts().await.unwrap();
    assert!(
        contacts.iter().any(|c| c.account.as_str() == "echo"),
        "{contacts:?}"
    );

    let (mut frames, _) = tokio_tungstenite::connect_async(app.bootstrap().await.frames_url)
        .await
        .unwrap();
    app.call("echo", CallType::Video).await.unwrap();
    wait_for("the echo to answer", || {
        app.state().status == Status::InCall
    })
    .await;

    // The echo sends back what it receives: remote frames (stream 0) reach the page's socket.
    let remote = tokio::time::timeout(PATIENCE, async {
        loop {
            let data = frames.next().await.unwrap().unwrap().into_data();
            assert_eq!(
                u32::from_le_bytes(data[0..4].try_into().unwrap()),
                FRAME_MAGIC
            );
            if data[4] == 0 {
                return data;
            }
        }
    })
    .await
    .expect("a remote frame on the frame socket");
    let width = u16::from_le_bytes([remote[8], remote[9]]) as usize;
    let height = u16::from_le_bytes([remote[10], remote[11]]) as usize;
    assert!(width > 0 && height > 0);
    assert_eq!(
        remote.len(),
        24 + width * height + 2 * width.div_ceil(2) * height.div_ceil(2)
    );

    // Statistics reach the page once a second, in its CallStats shape.
    wait_for("call statistics", || {
        ui.emitted.lock().unwrap().iter().any(|(name, stats)| {
            name == "stats" && stats["recvKbps"].as_f64().is_some_and(|kbps| kbps > 0.0)
        })
    })
    .await;

    app.set_muted(true).await.unwrap();
    assert!(app.state().call.unwrap().muted);
    app.hangup().await.unwrap();
    wait_for("the call to end", || app.state().status == Status::Idle).await;

    let mut history = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        while history.is_empty() {
            history = app.history().await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the call's record");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].peer, "echo");
    assert!(!history[0].incoming);
    assert_eq!(history[0].record.status, CallStatus::Completed);
    assert!(
        ui.popup.lock().unwrap().is_empty(),
        "no popup for an outgoing call"
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incoming_call_shows_the_popup_and_declining_hides_it() {
    let db = tempfile::tempdir().unwrap();
    let (server, alice, bob) = server_with_alice_and_bob(db.path()).await;

    let home = tempfile::tempdir().unwrap();
    let ui = Arc::new(RecordingUi::default());
    let app = backend(home.path(), ui.clone()).await;
    let signed = app
        .sign_in(&alice_form(&server.ws_url(), &alice))
        .await
        .unwrap();
    assert!(!signed.embedded);
    assert_eq!(signed.transport, Transport::Loopback);
    assert_eq!(signed.nick, "Alice");

    let caller = CallKit::new(CallKitConfig::new(&server.ws_url(), "demo", "bob", &bob)).unwrap();
    let mut caller_events = caller.events();
    caller.login().await.unwrap();
    caller
        .call(CallParams::new("alice", CallType::Audio))
        .await
        .unwrap();

    wait_for("the popup", || {
        ui.popup.lock().unwrap().as_slice() == [true]
    })
    .await;
    let ringing = app.state();
    assert_eq!(ringing.status, Status::Ringing);
    assert_eq!(ringing.invite.as_ref().unwrap().nick, "Bob");
    assert!(ui.notifications.lock().unwrap()[0].contains("Bob"));

    app.reject().await.unwrap();
    wait_for("the popup to hide", || {
        ui.popup.lock().unwrap().as_slice() == [true, false]
    })
    .await;
    let rejected = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = caller_events.next().await {
            if let CallEvent::UserReject { .. } = event {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(rejected, Ok(true), "the caller hears the decline");

    // The sign-in is remembered: a new start signs in to the same server by itself.
    app.shutdown().await;
    let again = backend(home.path(), Arc::new(RecordingUi::default())).await;
    let resumed = again.start().await.unwrap();
    assert_eq!(
        (resumed.account.as_str(), resumed.embedded),
        ("alice", false)
    );
    again.shutdown().await;
    server.shutdown().await.unwrap();
}

/// Stop 13's CI failure: the callee declines the instant the invite arrives, so the event pump
/// publishes "idle" while the `call` command is still publishing "calling". The page must end on
/// "idle", every time, and each state it is sent must be numbered above the one before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_declined_at_once_leaves_the_page_idle() {
    let db = tempfile::tempdir().unwrap();
    let (server, alice, bob) = server_with_alice_and_bob(db.path()).await;

    let callee = CallKit::new(CallKitConfig::new(&server.ws_url(), "demo", "bob", &bob)).unwrap();
    let mut callee_events = callee.events();
    callee.login().await.unwrap();
    let decliner = {
        let callee = callee.clone();
        tokio::spawn(async move {
            while let Some(event) = callee_events.next().await {
                if let CallEvent::Invited(invite) = event {
                    callee.reject(&invite).await.unwrap();
                }
            }
        })
    };

    let home = tempfile::tempdir().unwrap();
    let ui = Arc::new(RecordingUi::default());
    let app = backend(home.path(), ui.clone()).await;
    app.sign_in(&alice_form(&server.ws_url(), &alice))
        .await
        .unwrap();

    let last_state = || {
        ui.emitted
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(event, _)| event == "app-state")
            .map(|(_, state)| state.clone())
    };
    for attempt in 0..10 {
        let call_id = app.call("bob", CallType::Audio).await.unwrap();
        wait_for("the declined call to end", || {
            app.state().status == Status::Idle
                && ui.emitted.lock().unwrap().iter().any(|(event, payload)| {
                    event == "call-event"
                        && payload["event"] == "USER_REJECT"
                        && payload["call_id"] == call_id.as_str()
                })
        })
        .await;
        let shown = last_state().expect("states were sent");
        assert_eq!(shown["status"], "idle", "attempt {attempt}: {shown}");
        assert_eq!(shown["revision"], app.state().revision, "attempt {attempt}");
    }
    let revisions: Vec<u64> = ui
        .emitted
        .lock()
        .unwrap()
        .iter()
        .filter(|(event, _)| event == "app-state")
        .map(|(_, state)| state["revision"].as_u64().unwrap())
        .collect();
    assert!(
        revisions.windows(2).all(|pair| pair[1] > pair[0]),
        "sent in order: {revisions:?}"
    );

    decliner.abort();
    app.shutdown().await;
    server.shutdown().await.unwrap();
}
