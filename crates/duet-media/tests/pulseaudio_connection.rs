//! The app's connection to the sound server: one for the whole process however often devices
//! are listed and opened (PulseAudio refuses every client past 64 connections, so one leaked per
//! listing soon broke the desktop's sound), made also for a user without a PulseAudio cookie,
//! and a new one when the server restarts. Skipped, with the reason printed, only if
//! PulseAudio cannot start on this machine.

use duet_media::devices::{audio_system, list_microphones, list_speakers};
use duet_media::sink::speaker::SpeakerSink;
use duet_media::source::microphone::MicrophoneSource;
use duet_media::source::AudioSource;
use duet_testkit::{humming_microphone, TempPulse};

/// A microphone that hums and a speaker, the speaker the default sink before the microphone's
/// feed exists (see `humming_microphone`).
fn devices() -> String {
    "load-module module-null-sink sink_name=desk_speaker\n\
     set-default-sink desk_speaker\n"
        .to_owned()
        + &humming_microphone("desk_mic", "Desk Microphone", 660)
        + "set-default-source desk_mic\n"
}

#[test]
fn one_connection_to_the_sound_server_serves_every_listing_and_survives_its_restart() {
    let mut server = match TempPulse::start(&devices()) {
        Ok(server) => server,
        Err(reason) => {
            println!("skipped: PulseAudio cannot start here: {reason}");
            return;
        }
    };
    // cpal's PulseAudio host finds the server through this variable. The user has no
    // PulseAudio cookie yet (a fresh account): the app makes one, as libpulse would, since
    // PulseAudio drops a client without one.
    std::env::set_var("PULSE_SERVER", server.server_address());
    let home = tempfile::tempdir().expect("a home");
    std::env::set_var("HOME", home.path());
    std::env::remove_var("PULSE_COOKIE");

    // Far more listings than PulseAudio's 64 connections.
    let (microphones, speakers) = (list_microphones(), list_speakers());
    assert_eq!(microphones.len(), 1, "{microphones:?}");
    for _ in 0..40 {
        assert_eq!(list_microphones(), microphones);
        assert_eq!(list_speakers(), speakers);
        assert_eq!(audio_system(), "PulseAudio");
    }
    for _ in 0..5 {
        let mut mic = MicrophoneSource::open(None).expect("the microphone opens");
        mic.next_frame().expect("the microphone delivers");
        drop(SpeakerSink::open(None).expect("the speaker opens"));
    }
    assert_eq!(
        server.clients(),
        Ok(1),
        "one connection for the whole process"
    );

    // The sound server restarts: the next listing connects again, and devices open.
    server.restart().expect("PulseAudio starts again");
    let microphones = list_microphones();
    assert_eq!(
        microphones.first().map(|d| d.id.as_str()),
        Some("pulseaudio:desk_mic"),
        "{microphones:?}"
    );
    assert_eq!(audio_system(), "PulseAudio");
    let mut mic = MicrophoneSource::open(Some("pulseaudio:desk_mic")).expect("reopened");
    mic.next_frame()
        .expect("the microphone delivers after the restart");
    drop(mic);
    assert_eq!(server.clients(), Ok(1));
}
