//! Step "audio to video" (docs/app.md, In a call): the app calls the bot as audio; the call
//! screen shows the bot's avatar and no video. "Switch to video" asks the bot, which consents
//! (`listen --switch accept`, docs/cli.md); the call turns video and the bot's picture moves on
//! the stage.

use super::gui::driver::Window;
use super::{record_of, remote_video_moves, Run};

/// The step; returns the call's record (call id, status, incoming).
pub fn audio_to_video_step(run: &mut Run) -> (String, u64, bool) {
    let mut bot = run.bot(
        "bot-upgrade",
        &[
            "listen", "--auto", "accept", "--count", "1", "--switch", "accept",
        ],
    );
    bot.wait_for("RESYNCED");
    let app = run.app.on(Window::Main);
    app.click("call-audio-bot");
    app.wait_visible("call-screen");
    app.wait_visible("btn-switch-video");
    assert_eq!(
        app.attribute("call-screen", "data-call-type").as_deref(),
        Some("1")
    );
    app.wait_visible("remote-placeholder");
    assert!(!app.visible("remote-video"), "no video in an audio call");
    assert!(!app.visible("btn-switch-audio"), "already audio");

    app.click("btn-switch-video");
    let asked = bot.wait_for("SWITCH_REQUESTED");
    assert_eq!(asked["call_type"], 2, "the bot is asked for video: {asked}");
    bot.wait_for("CALL_TYPE_CHANGE");
    let app = run.app.on(Window::Main);
    app.wait_until("the call screen to turn video (data-call-type=2)", |app| {
        (app.attribute("call-screen", "data-call-type").as_deref() == Some("2")).then_some(())
    });
    app.wait_visible("remote-video");
    remote_video_moves(app);
    assert!(
        app.visible("btn-switch-audio"),
        "a video call offers audio again"
    );
    assert!(!app.visible("btn-switch-video"));
    app.click("btn-hangup");
    app.wait_hidden("call-screen");
    let done = bot.finish();
    assert_eq!(
        done.code, 0,
        "the switched call completes: {:?}",
        done.events
    );
    let (id, status) = record_of(&done);
    (id, status, false)
}
