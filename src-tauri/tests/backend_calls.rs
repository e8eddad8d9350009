//! The app's core over real servers, without a window: the embedded server with its echo
//! contact, a call that carries video to the page's frame socket, and an incoming call that
//! shows and hides the popup. The GUI itself is tested in tests/tests/gui_app.rs.

use duet_app::backend::autostart::Unavailable;
use duet_app::backend::sign_in_form::SignInForm;
use duet_app::backend::state::{AppState, Status};
use duet_app::backend::transport::Transport;
use duet_app::backend::ui::Ui;
use duet_app::backend::Backend;
use duet_app::frames::FRAME_MAGIC;
use duet_app::media::sources::SourceOverrides;
use duet_app::store::files::AppDirs;
use duet_callkit::{CallEvent, CallKit, CallKitConfig, CallParams, CallStatus, CallType};
use duet_media::{AudioInput, AudioOutput, VideoInput};
use duet_testkit::{add_user_named, next_matching, poll_until, start_server_with, wait_for_within};
use futures_util::StreamExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tempfile::TempDir;

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
    // No test here changes startAtLogin: the user's real autostart entry is never touched.
    let autostart = Arc::new(Unavailable("not in these tests".into()));
    Backend::new(dirs, synthetic_media(), 0, ui, autostart)
        .await
        .unwrap()
}

/// A real server on loopback with the accounts alice ("Alice") and bob ("Bob"); its database
/// directory and their tokens.
async fn server_with_alice_and_bob() -> (duet_server::RunningServer, TempDir, String, String) {
    // Some tests here call bob ten times in a row: more than the server lets one caller ring one
    // callee in ten minutes by default (against ring spam).
    let (server, dir) = start_server_with(|config| config.calls.invites_per_callee = 100).await;
    let alice = add_user_named(&server, "alice", "Alice").await;
    let bob = add_user_named(&server, "bob", "Bob").await;
    (server, dir, alice, bob)
}

/// The sign-in form filled in for alice on `url`.
fn alice_form(url: &str, token: &str) -> SignInForm {
    SignInForm::new(url, "demo", "alice", token, None, false)
}

async fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_for_within(what, PATIENCE, done).await
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

    let app_ref = &app;
    let history = poll_until("the call's record", PATIENCE, || async move {
        let history = app_ref.history().await.unwrap();
        (!history.is_empty()).then_some(history)
    })
    .await;
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
    let (server, _db, alice, bob) = server_with_alice_and_bob().await;

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
    next_matching(
        &mut caller_events,
        "the caller to hear the decline",
        PATIENCE,
        |event| matches!(event, CallEvent::UserReject { .. }),
    )
    .await;

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

/// A `duet://call` link from anywhere places nothing: the page is asked (`call-link`) and the
/// first invite the callee sees is the call the user then chose (audio, where the link said video).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_link_calls_nobody_until_the_user_chooses() {
    let (server, _db, alice, bob) = server_with_alice_and_bob().await;
    let callee = CallKit::new(CallKitConfig::new(&server.ws_url(), "demo", "bob", &bob)).unwrap();
    let mut callee_events = callee.events();
    callee.login().await.unwrap();

    let home = tempfile::tempdir().unwrap();
    let ui = Arc::new(RecordingUi::default());
    let app = backend(home.path(), ui.clone()).await;
    app.sign_in(&alice_form(&server.ws_url(), &alice))
        .await
        .unwrap();

    app.open_link("duet://call/bob");
    let asked: Vec<_> = ui
        .emitted
        .lock()
        .unwrap()
        .iter()
        .filter(|(event, _)| event.ends_with("link"))
        .cloned()
        .collect();
    assert_eq!(
        asked,
        [(
            "call-link".to_owned(),
            serde_json::json!({ "account": "bob", "callType": 2 })
        )]
    );
    assert_eq!(app.state().status, Status::Idle);
    assert!(app.state().call.is_none(), "{:?}", app.state());

    // The user picks "Audio call" in the panel: the page calls, then dismisses the link.
    app.call("bob", CallType::Audio).await.unwrap();
    app.dismiss_call_link();
    let first = next_matching(
        &mut callee_events,
        "the callee's first invite",
        PATIENCE,
        |event| matches!(event, CallEvent::Invited(_)),
    )
    .await;
    let CallEvent::Invited(invite) = first else {
        unreachable!("next_matching returned an invite")
    };
    assert_eq!(
        invite.call_type,
        CallType::Audio,
        "the user's choice, not the link's"
    );
    assert_eq!(app.bootstrap().await.call_link, None);

    app.cancel().await.unwrap();
    app.shutdown().await;
    server.shutdown().await.unwrap();
}

/// The callee declines the instant the invite arrives, so the event pump publishes "idle" while
/// the `call` command is still publishing "calling". The page must end on
/// "idle", every time, and each state it is sent must be numbered above the one before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_declined_at_once_leaves_the_page_idle() {
    let (server, _db, alice, bob) = server_with_alice_and_bob().await;

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

/// An SDK client for `account` (token `token`) of the test server, logged in, with its events.
async fn sdk_client(
    server: &duet_server::RunningServer,
    account: &str,
    token: &str,
) -> (CallKit, futures_util::stream::BoxStream<'static, CallEvent>) {
    let kit = CallKit::new(CallKitConfig::new(&server.ws_url(), "demo", account, token)).unwrap();
    let events = kit.events().boxed();
    kit.login().await.unwrap();
    (kit, events)
}

/// Alice (the app) calls bob, who answers; then carol calls alice. Returns carol's call id once
/// the app shows it waiting.
async fn carol_waits_during_a_call_with_bob(
    app: &Backend,
    bob: &CallKit,
    bob_events: &mut (impl futures_util::Stream<Item = CallEvent> + Unpin),
    carol: &CallKit,
) -> String {
    app.call("bob", CallType::Audio).await.unwrap();
    let invite = next_matching(bob_events, "bob's invite", PATIENCE, |event| {
        matches!(event, CallEvent::Invited(_))
    })
    .await;
    let CallEvent::Invited(invite) = invite else {
        unreachable!("next_matching returned an invite")
    };
    bob.accept(&invite).await.unwrap();
    wait_for("the call with bob", || app.state().status == Status::InCall).await;
    let waiting = carol
        .call(CallParams::new("alice", CallType::Video))
        .await
        .unwrap();
    wait_for("carol's call to wait", || app.state().waiting.is_some()).await;
    waiting.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_during_a_call_waits_in_the_call_screen_and_end_and_answer_takes_it() {
    let (server, _db, alice, bob) = server_with_alice_and_bob().await;
    let carol = add_user_named(&server, "carol", "Carol").await;
    let home = tempfile::tempdir().unwrap();
    let ui = Arc::new(RecordingUi::default());
    let app = backend(home.path(), ui.clone()).await;
    app.sign_in(&alice_form(&server.ws_url(), &alice))
        .await
        .unwrap();
    let (bob, mut bob_events) = sdk_client(&server, "bob", &bob).await;
    let (carol, mut carol_events) = sdk_client(&server, "carol", &carol).await;

    let waiting_id = carol_waits_during_a_call_with_bob(&app, &bob, &mut bob_events, &carol).await;
    let state = app.state();
    assert_eq!(state.status, Status::InCall, "the call goes on");
    let waiting = state.waiting.expect("shown as waiting");
    assert_eq!(
        (waiting.call_id.as_str(), waiting.nick.as_str()),
        (waiting_id.as_str(), "Carol")
    );
    assert!(state.invite.is_none(), "not the popup's invite");
    assert!(
        !ui.popup.lock().unwrap().contains(&true),
        "the popup never showed"
    );
    assert!(
        ui.notifications.lock().unwrap().is_empty(),
        "no desktop notification over the call: {:?}",
        ui.notifications.lock().unwrap()
    );

    app.end_and_answer(&waiting_id).await.unwrap();
    next_matching(&mut bob_events, "bob's call to end", PATIENCE, |event| {
        matches!(event, CallEvent::CallEnd { .. })
    })
    .await;
    next_matching(
        &mut carol_events,
        "carol to be answered",
        PATIENCE,
        |event| matches!(event, CallEvent::UserAccept { .. }),
    )
    .await;
    let state = app.state();
    assert_eq!(state.status, Status::InCall);
    assert_eq!(state.call.map(|c| c.call_id), Some(waiting_id));
    assert!(state.waiting.is_none());

    app.hangup().await.unwrap();
    app.shutdown().await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_a_waiting_call_is_busy_for_its_caller_and_the_call_goes_on() {
    let (server, _db, alice, bob) = server_with_alice_and_bob().await;
    let carol = add_user_named(&server, "carol", "Carol").await;
    let home = tempfile::tempdir().unwrap();
    let ui = Arc::new(RecordingUi::default());
    let app = backend(home.path(), ui.clone()).await;
    app.sign_in(&alice_form(&server.ws_url(), &alice))
        .await
        .unwrap();
    let (bob, mut bob_events) = sdk_client(&server, "bob", &bob).await;
    let (carol, mut carol_events) = sdk_client(&server, "carol", &carol).await;

    let waiting_id = carol_waits_during_a_call_with_bob(&app, &bob, &mut bob_events, &carol).await;
    let call_with_bob = app.state().call.map(|c| c.call_id);
    app.decline_waiting(&waiting_id).await.unwrap();
    next_matching(&mut carol_events, "carol to hear busy", PATIENCE, |event| {
        matches!(event, CallEvent::UserBusy { .. })
    })
    .await;
    wait_for("the banner to go", || app.state().waiting.is_none()).await;
    let state = app.state();
    assert_eq!(state.status, Status::InCall);
    assert_eq!(state.call.map(|c| c.call_id), call_with_bob);
    assert!(matches!(
        app.end_and_answer(&waiting_id).await,
        Err(duet_app::error::AppError::NoInvite)
    ));

    app.hangup().await.unwrap();
    app.shutdown().await;
    server.shutdown().await.unwrap();
}
