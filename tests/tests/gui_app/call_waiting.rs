//! Step "call waiting" (docs/app.md, Incoming calls): during the app's answered call with the bot,
//! carol calls from duet-cli. The call screen shows the waiting banner naming her with "End and
//! answer" and "Decline" (the popup stays out of it). Decline: carol hears busy and the call goes
//! on. Her second call, End and answer: the bot's call ends with its record and carol's is
//! connected, her video moving on the stage.

use super::gui::driver::{App, Window};
use super::{record_of, remote_video_moves, text_of, Run, BOT_MEDIA};
use duet_e2e::Cli;

/// Carol calling alice with video, with the bot's picture and media flags.
fn carol_calls(run: &Run, device: &str) -> Cli {
    let video = run.clips.bot();
    let args: Vec<&str> = ["--video", video.as_str()]
        .into_iter()
        .chain(BOT_MEDIA)
        .chain(["call", "alice", "--type", "video"])
        .collect();
    run.carol.cli(device, &args)
}

/// Waits for the waiting banner naming carol, with both of its buttons.
fn banner_for_carol(app: &App) {
    app.wait_visible("waiting-banner");
    let text = text_of(app, "waiting-text");
    assert!(
        text.to_lowercase().contains("carol"),
        "waiting-text names carol: {text:?}"
    );
    assert_eq!(text_of(app, "waiting-end-answer"), "End and answer");
    assert_eq!(text_of(app, "waiting-decline"), "Decline");
    // The call on screen is still the bot's, and the popup does not ring over it.
    assert!(
        text_of(app, "call-peer").to_lowercase().contains("bot"),
        "the bot's call stays on screen"
    );
}

/// The step, in an answered video call with the bot (`bot`, `listen --count 1`). Returns the
/// records (call id, status, incoming) of the calls that ended: carol's declined one, the bot's,
/// and carol's answered one, which the app hangs up.
pub fn call_waiting_step(run: &mut Run, bot: Cli) -> Vec<(String, u64, bool)> {
    let mut records = vec![];

    // 1. Decline: carol hears busy, the bot's call goes on.
    let carol = carol_calls(run, "carol-wait-1");
    let app = run.app.on(Window::Main);
    banner_for_carol(app);
    run.save_screenshot("call-waiting.png");
    let popup = run.app.on(Window::Popup);
    let ringing = popup.attribute("popup", "data-ringing");
    assert_ne!(
        ringing.as_deref(),
        Some("true"),
        "no popup for a waiting call"
    );
    let app = run.app.on(Window::Main);
    app.click("waiting-decline");
    let done = carol.finish();
    assert_eq!(done.code, 11, "declined as busy: {:?}", done.events);
    let (id, status) = record_of(&done);
    records.push((id, status, true));
    app.wait_hidden("waiting-banner");
    remote_video_moves(app);

    // 2. End and answer: the bot's call ends with its record, carol's is connected.
    let mut carol = carol_calls(run, "carol-wait-2");
    let app = run.app.on(Window::Main);
    banner_for_carol(app);
    app.click("waiting-end-answer");
    let ended = bot.finish();
    assert_eq!(
        ended.code, 0,
        "the bot's call ends completed: {:?}",
        ended.events
    );
    let (id, status) = record_of(&ended);
    records.push((id, status, false));
    carol.wait_for("USER_ACCEPT");
    let app = run.app.on(Window::Main);
    app.wait_hidden("waiting-banner");
    app.wait_until("carol's call on the call screen", |app| {
        text_of(app, "call-peer")
            .to_lowercase()
            .contains("carol")
            .then_some(())
    });
    // The bot's call is over, so the frames that arrive now are carol's.
    remote_video_moves(app);
    app.click("btn-hangup");
    app.wait_hidden("call-screen");
    let done = carol.finish();
    assert_eq!(
        done.code, 0,
        "carol's answered call completes: {:?}",
        done.events
    );
    let (id, status) = record_of(&done);
    records.push((id, status, true));
    records
}
