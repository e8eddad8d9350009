//! Step "switch the microphone during a call" (docs/app.md, Without devices: the arrow beside the
//! mute button lists the microphones present and switches to the one picked during the call). The
//! app runs on its real microphone path, cpal's PulseAudio host, against a private PulseAudio
//! with two microphones that each hum their own tone; the bot records what it hears.

use super::gui::driver::{App, Window, UI_GUARD};
use super::Run;
use duet_media::audio::analysis::{rms_db, strongest_of, tone_level_db};
use duet_testkit::{humming_microphone, TempPulse};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

/// The tone of each microphone, as the sound settings name it.
const DESK: (&str, f32) = ("Desk Microphone", 660.0);
const HEADSET: (&str, f32) = ("Headset Microphone", 880.0);

/// A private PulseAudio with the desk and then the headset microphone (each a steady sine at
/// the latency a real microphone has, see [`humming_microphone`]), the headset the default
/// (listed second by PulseAudio, so the app must put it first itself), and a null sink as
/// speaker.
pub fn two_microphones() -> TempPulse {
    let microphone = |name: &str, (description, hz): (&str, f32)| {
        humming_microphone(name, description, hz as u32)
    };
    // The speaker, and the default sink, come before the microphones' feeds. PulseAudio moves
    // the streams of the old default sink to a new default when no sink was asked for them by
    // name, and a feed loaded first is the first default: set afterwards, the speaker took the
    // desk microphone's sine off its feed now and then (seen with `pactl list sink-inputs`: the
    // 660 Hz sine on "speaker"), and the desk microphone recorded digital silence.
    let devices = format!(
        "load-module module-null-sink sink_name=speaker sink_properties='device.description=\"Desk Speaker\"'\n\
         set-default-sink speaker\n\
         {}{}set-default-source headset_mic\n",
        microphone("desk_mic", DESK),
        microphone("headset_mic", HEADSET),
    );
    TempPulse::start(&devices).unwrap_or_else(|e| {
        panic!("PulseAudio (scripts/setup.sh test-stack installs it) did not start: {e}")
    })
}

/// The app's environment for [`two_microphones`]: its real microphone (no synthetic tone), found
/// through `PULSE_SERVER`.
pub fn on_pulse(
    env: Vec<(&'static str, String)>,
    pulse: &TempPulse,
) -> Vec<(&'static str, String)> {
    env.into_iter()
        .filter(|(name, _)| *name != "DUET_AUDIO_SOURCE")
        .chain([("PULSE_SERVER", pulse.server_address())])
        .collect()
}

/// The last second of the 48 kHz mono WAV file the bot is writing (its header is kept current,
/// and 16-bit PCM's is 44 bytes), or None while it holds less.
fn last_second(path: &Path) -> Option<Vec<i16>> {
    let bytes = std::fs::read(path).ok()?;
    let pcm = bytes.get(44..)?;
    let second = pcm.get(pcm.len().checked_sub(96_000)? & !1..)?;
    Some(
        second
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect(),
    )
}

/// Waits until the bot's last second of recording is loudest at `hz` of the two tones.
fn bot_hears(run: &Run, recording: &Path, (name, hz): (&str, f32)) {
    let started = Instant::now();
    loop {
        let second = last_second(recording);
        let heard = second
            .as_ref()
            .and_then(|second| strongest_of(second, &[DESK.1, HEADSET.1]));
        if heard == Some(hz) {
            return;
        }
        if started.elapsed() > UI_GUARD {
            let levels = second.map(|second| {
                format!(
                    "{:.1} dBFS in all, {:.1} dB at {} Hz, {:.1} dB at {} Hz",
                    rms_db(&second),
                    tone_level_db(&second, DESK.1),
                    DESK.1,
                    tone_level_db(&second, HEADSET.1),
                    HEADSET.1
                )
            });
            run.fail(&format!(
                "the bot never heard the {name} ({hz} Hz) in its last second: {heard:?} ({levels:?})"
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The microphone menu, opened: (name, id, checked) of each item once the backend listed them.
fn open_menu(app: &App) -> Vec<(String, String, bool)> {
    app.click("mic-menu-toggle");
    let items = app.wait_until("the microphone menu's items", |app| {
        let items = app.js(
            "return [...document.querySelectorAll('[data-testid=\"mic-menu-item\"]')]
               .map(b => [b.textContent, b.dataset.id, b.getAttribute('aria-checked') === 'true']);",
            vec![],
        );
        items
            .as_array()
            .filter(|items| !items.is_empty())
            .cloned()
    });
    items
        .iter()
        .map(|item| {
            let text = |i: usize| item[i].as_str().unwrap_or_default().to_owned();
            (text(0), text(1), item[2] == json!(true))
        })
        .collect()
}

/// The (name, id, checked) of the menu's items whose name is `name`.
fn item<'a>(items: &'a [(String, String, bool)], name: &str) -> &'a (String, String, bool) {
    items
        .iter()
        .find(|(listed, _, _)| listed == name)
        .unwrap_or_else(|| panic!("{name} in the microphone menu: {items:?}"))
}

/// The step, in an answered call with a bot that records what it hears into `recording`.
pub fn microphone_switch_step(run: &mut Run, recording: &Path) {
    // 1. The call starts on the system's default microphone, the headset.
    bot_hears(run, recording, HEADSET);

    // 2. The menu lists both microphones by the names the sound settings show, the default
    // first and marked as in use, and no monitor of an output.
    let app = run.app.on(Window::Main);
    let items = open_menu(app);
    assert_eq!(
        items
            .first()
            .map(|(name, _, checked)| (name.as_str(), *checked)),
        Some((HEADSET.0, true)),
        "the default microphone first, marked: {items:?}"
    );
    let desk_id = item(&items, DESK.0).1.clone();
    assert!(
        !items
            .iter()
            .any(|(name, _, _)| name.starts_with("Monitor of")),
        "no monitor of an output offered as a microphone: {items:?}"
    );
    run.save_screenshot("microphone-menu.png");

    // 3. Picking the desk microphone switches the call to it live.
    let app = run.app.on(Window::Main);
    let clicked = app.js(
        "const item = [...document.querySelectorAll('[data-testid=\"mic-menu-item\"]')]
           .find(b => b.dataset.id === arguments[0]);
         if (item) item.click();
         return !!item;",
        vec![Value::String(desk_id)],
    );
    assert_eq!(
        clicked,
        json!(true),
        "the desk microphone's item was there to click"
    );
    app.wait_hidden("mic-menu");
    bot_hears(run, recording, DESK);

    // 4. The menu now marks the desk microphone (the choice is kept in the settings).
    let app = run.app.on(Window::Main);
    app.wait_until("the desk microphone marked in the menu", |app| {
        let items = open_menu(app);
        app.click("mic-menu-toggle");
        app.wait_hidden("mic-menu");
        (item(&items, DESK.0).2 && !item(&items, HEADSET.0).2).then_some(())
    });
}
