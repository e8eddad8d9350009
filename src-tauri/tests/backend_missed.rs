//! Calls missed while the app was closed: counted from the history when it starts again (badge,
//! tray line and one summary notification), never twice beside the live records, and no longer
//! once the user opened the history, across restarts.

use duet_app::backend::autostart::Unavailable;
use duet_app::backend::state::AppState;
use duet_app::backend::tray_text::tray_text;
use duet_app::backend::ui::Ui;
use duet_app::backend::Backend;
use duet_app::media::sources::SourceOverrides;
use duet_app::store::files::AppDirs;
use duet_app::store::settings::{LocaleChoice, Settings};
use duet_callkit::{CallEvent, CallKit, CallKitConfig, CallParams, CallStatus, CallType};
use duet_media::{AudioInput, AudioOutput, VideoInput};
use duet_testkit::{
    add_user_named, make_contacts, next_matching, start_server_with, wait_for_within,
};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Generous: these tests share two cores with builds; they wait for conditions, never time them.
const PATIENCE: Duration = Duration::from_secs(60);

/// The notifications and the states the tray was given.
#[derive(Default)]
struct RecordingUi {
    notifications: Mutex<Vec<String>>,
    states: Mutex<Vec<AppState>>,
}

impl Ui for RecordingUi {
    fn emit(&self, _event: &str, _payload: serde_json::Value) {}
    fn show_popup(&self, _show: bool) {}
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

impl RecordingUi {
    /// The notifications about missed calls (a call that rings while the app runs has its own).
    fn notifications(&self) -> Vec<String> {
        let all = self.notifications.lock().unwrap();
        all.iter()
            .filter(|n| n.starts_with("Missed"))
            .cloned()
            .collect()
    }

    /// The tray's status line for the last state it was given.
    fn tray_line(&self) -> String {
        let states = self.states.lock().unwrap();
        tray_text(states.last().expect("a state reached the tray"), "en").status
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

/// The app started on the files in `home` (as a restart would find them).
async fn app(home: &Path) -> (Backend, Arc<RecordingUi>) {
    let dirs = AppDirs::create(home.join("config"), home.join("data")).unwrap();
    let ui = Arc::new(RecordingUi::default());
    // No test here changes startAtLogin: the user's real autostart entry is never touched.
    let autostart = Arc::new(Unavailable("not in these tests".into()));
    let backend = Backend::new(dirs, synthetic_media(), 0, ui.clone(), autostart)
        .await
        .unwrap();
    (backend, ui)
}

async fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_for_within(what, PATIENCE, done).await
}

/// Bob's calls to alice that nobody answers: `timeouts` ring out (one second each), `cancels` he
/// gives up on; returns once every record is written.
async fn missed_calls_from(bob: &CallKit, timeouts: usize, cancels: usize) {
    let mut events = bob.events();
    for n in 0..timeouts + cancels {
        bob.call(CallParams::new("alice", CallType::Audio))
            .await
            .unwrap();
        let expected = if n < timeouts {
            CallStatus::Unanswered
        } else {
            bob.cancel().await.unwrap();
            CallStatus::Canceled
        };
        let record = next_matching(&mut events, "the call's record", PATIENCE, |event| {
            matches!(event, CallEvent::MessageSent { .. })
        })
        .await;
        let CallEvent::MessageSent { record } = record else {
            unreachable!("next_matching returned a record")
        };
        assert_eq!(record.status, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_missed_while_closed_are_counted_at_start_once_until_the_history_is_opened() {
    // Five calls from bob to alice: within the server's default limit, but say so.
    let (server, _db) = start_server_with(|config| config.calls.invites_per_callee = 20).await;
    let alice = add_user_named(&server, "alice", "Alice").await;
    let bob_token = add_user_named(&server, "bob", "Bob").await;
    make_contacts(&server, "alice", "bob").await;
    let bob = CallKit::new(CallKitConfig::new(
        &server.ws_url(),
        "demo",
        "bob",
        &bob_token,
    ))
    .unwrap();
    bob.set_call_timeout(Duration::from_secs(1)).unwrap();
    bob.login().await.unwrap();

    // The first sign-in here: nothing missed yet, the history mark is set.
    let home = tempfile::tempdir().unwrap();
    let (first, ui) = app(home.path()).await;
    first
        .set_settings(Settings {
            locale: LocaleChoice::En,
            ..Settings::default()
        })
        .unwrap();
    let form = duet_app::backend::sign_in_form::SignInForm::new(
        &server.ws_url(),
        "demo",
        "alice",
        &alice,
        None,
        false,
    );
    first.sign_in(&form).await.unwrap();
    assert_eq!(first.state().missed_calls, 0);
    // Quitting keeps the sign-in; bob's calls ring no device of alice's.
    first.shutdown().await;
    assert!(ui.notifications().is_empty(), "{:?}", ui.notifications());
    missed_calls_from(&bob, 1, 1).await;

    // The app starts again: both calls are counted, with one notification for both.
    let (second, ui) = app(home.path()).await;
    second.start().await.unwrap();
    wait_for("the badge to count 2", || second.state().missed_calls == 2).await;
    assert_eq!(ui.notifications(), ["Missed calls: 2 missed calls"]);
    wait_for("the tray to say it", || {
        ui.tray_line() == "Duet — online · 2 missed calls"
    })
    .await;

    // A call missed while it runs counts live; reading the history again (a new sign-in, as
    // after a reconnect) counts none of them twice.
    missed_calls_from(&bob, 0, 1).await;
    wait_for("the live missed call", || second.state().missed_calls == 3).await;
    second.sign_in(&form).await.unwrap();
    assert_eq!(second.state().missed_calls, 3);
    assert_eq!(
        ui.notifications(),
        [
            "Missed calls: 2 missed calls",
            "Missed call: Bob called you"
        ]
    );

    // Opening the history clears the badge and moves the mark: the next start announces only the
    // call missed after it.
    assert_eq!(second.history().await.unwrap().len(), 3);
    wait_for("the badge to clear", || second.state().missed_calls == 0).await;
    second.shutdown().await;
    missed_calls_from(&bob, 0, 1).await;
    let (third, ui) = app(home.path()).await;
    third.start().await.unwrap();
    wait_for("the badge to count 1", || third.state().missed_calls == 1).await;
    assert_eq!(ui.notifications(), ["Missed call: Missed call from Bob"]);
    wait_for("the tray to say it", || {
        ui.tray_line() == "Duet — online · 1 missed call"
    })
    .await;

    third.shutdown().await;
    bob.logout().await.unwrap();
    server.shutdown().await.unwrap();
}
