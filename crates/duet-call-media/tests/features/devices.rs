//! Devices and playout of SDK calls with real media: the peer silenced and heard again, the
//! speaker released and reopened, and the microphone, camera and speaker switched during a call.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use duet_call_media::{AudioSinkFactory, MediaSetup};
use duet_callkit::{CallId, CallKit, CallParams, CallType, DeviceKind};
use duet_media::audio::analysis::strongest_of;
use duet_media::frame::AudioFrame;
use duet_media::sink::probe::PcmProbe;
use duet_media::sink::AudioSink;
use duet_media::source::wav::WavSource;
use duet_media::source::AudioSource;
use duet_media::MediaResult;
use duet_server::RunningServer;
use duet_testkit::{invited, wait_for, Events};

use crate::frames::write_skin_y4m;
use crate::support::{media_client, probed};

/// Samples in one 20 ms block at 48 kHz.
const BLOCK: usize = 960;

/// A speaker for tests: keeps what it plays and says when it was released.
struct Speaker {
    played: PcmProbe,
    released: Arc<AtomicBool>,
}

impl AudioSink for Speaker {
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()> {
        self.played.write_audio(frame)
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.released.store(true, Ordering::Release);
    }
}

/// What one [`Speaker`] played, and whether it was released.
type Opened = (PcmProbe, Arc<AtomicBool>);

/// Every speaker a setup opened, in order.
#[derive(Clone, Default)]
struct Speakers(Arc<Mutex<Vec<Opened>>>);

impl Speakers {
    fn opened(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn played(&self, n: usize) -> Vec<i16> {
        self.0.lock().unwrap()[n].0.samples()
    }
    fn released(&self, n: usize) -> bool {
        self.0.lock().unwrap()[n].1.load(Ordering::Acquire)
    }
}

/// A sink factory making a new [`Speaker`] each time a call opens one, and the speakers made.
fn speakers() -> (AudioSinkFactory, Speakers) {
    let speakers = Speakers::default();
    let opened = speakers.clone();
    let factory: AudioSinkFactory = Arc::new(move |_: &CallId| {
        let (played, released) = (PcmProbe::default(), Arc::new(AtomicBool::new(false)));
        opened
            .0
            .lock()
            .unwrap()
            .push((played.clone(), released.clone()));
        Ok(Box::new(Speaker { played, released }) as Box<dyn AudioSink>)
    });
    (factory, speakers)
}

/// A test pattern and a tone of `tone_hz`, playing the peer into a new [`Speaker`] each time
/// the call opens one.
fn with_speakers(tone_hz: f32) -> (MediaSetup, Speakers) {
    let (factory, speakers) = speakers();
    (
        MediaSetup::test_pattern_and_tone(tone_hz).with_audio_sink(factory),
        speakers,
    )
}

/// The last `blocks` whole blocks of `samples`.
fn tail(samples: &[i16], blocks: usize) -> &[i16] {
    let whole = samples.len() / BLOCK * BLOCK;
    &samples[whole.saturating_sub(blocks * BLOCK)..whole]
}

/// Whether the last `blocks` blocks are all silent (`true`) or all carry sound (`false`). A
/// tone never decodes to a block of zeros, and a block the jitter buffer has nothing for is
/// not played at all, so an all-zero block is a muted one.
fn tail_is(samples: &[i16], blocks: usize, silent: bool) -> bool {
    let tail = tail(samples, blocks);
    tail.len() == blocks * BLOCK
        && tail
            .chunks(BLOCK)
            .all(|block| block.iter().all(|s| *s == 0) == silent)
}

/// Alice calls Bob (audio only unless `video`) and Bob answers.
async fn answered(
    alice: &CallKit,
    bob: &CallKit,
    bob_events: &mut Events,
    call_type: CallType,
) -> CallId {
    let call = alice.call(CallParams::new("bob", call_type)).await.unwrap();
    let invite = invited(bob_events).await;
    bob.accept(&invite).await.unwrap();
    call
}

async fn pair(
    server: &RunningServer,
    alice_setup: MediaSetup,
    bob_setup: MediaSetup,
) -> (CallKit, Events, CallKit, Events) {
    let (alice, alice_events) = media_client(server, "alice", alice_setup).await;
    let (bob, bob_events) = media_client(server, "bob", bob_setup).await;
    (alice, alice_events, bob, bob_events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_peer_is_silenced_and_heard_again_and_the_speaker_released_and_reopened() {
    let (server, _dir) = duet_testkit::start_server().await;
    let (alice_setup, speakers) = with_speakers(440.0);
    let (bob_setup, _, _) = probed(1000.0);
    let (alice, _alice_events, bob, mut bob_events) = pair(&server, alice_setup, bob_setup).await;
    answered(&alice, &bob, &mut bob_events, CallType::Audio).await;
    wait_for("Bob heard for 10 blocks", || {
        speakers.opened() == 1 && tail_is(&speakers.played(0), 10, false)
    })
    .await;

    alice.set_remote_audio_muted(true).await.unwrap();
    wait_for("10 silent blocks", || {
        tail_is(&speakers.played(0), 10, true)
    })
    .await;
    let played = speakers.played(0);
    let first_silent = played
        .chunks(BLOCK)
        .position(|block| block.iter().all(|s| *s == 0))
        .expect("silent blocks were seen");
    assert!(
        played[first_silent * BLOCK..].iter().all(|s| *s == 0),
        "sound after the mute took effect"
    );
    assert_eq!(speakers.opened(), 1, "muting keeps the speaker");

    alice.set_remote_audio_muted(false).await.unwrap();
    wait_for("Bob heard again", || {
        tail_is(&speakers.played(0), 10, false)
    })
    .await;
    let heard = tail(&speakers.played(0), 10).to_vec();
    assert_eq!(strongest_of(&heard, &[440.0, 1000.0]), Some(1000.0));

    alice.set_speaker_enabled(false).await.unwrap();
    wait_for("the speaker released", || speakers.released(0)).await;
    assert_eq!(speakers.opened(), 1, "nothing opened while off");
    alice.set_speaker_enabled(true).await.unwrap();
    wait_for("a new speaker playing Bob", || {
        speakers.opened() == 2 && tail_is(&speakers.played(1), 10, false)
    })
    .await;
    let heard = tail(&speakers.played(1), 10).to_vec();
    assert_eq!(strongest_of(&heard, &[440.0, 1000.0]), Some(1000.0));
    alice.hangup().await.unwrap();
}

/// The first second of the WAV recording at `path`, once it holds one.
fn recorded_second(path: &Path) -> Option<Vec<i16>> {
    let mut source = WavSource::open(path).ok()?.unpaced();
    // Half a second more than needed: the recorder may be writing its last block.
    if std::fs::metadata(path).ok()?.len() < 44 + 2 * 72_000 {
        return None;
    }
    let blocks: Option<Vec<AudioFrame>> = (0..100).map(|_| source.next_frame().ok()).collect();
    Some(blocks?.into_iter().flat_map(|b| b.samples).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microphone_camera_and_speaker_switch_during_the_call() {
    let (server, dir) = duet_testkit::start_server().await;
    // Alice's remote video goes to the stamp probe, her speakers are test speakers.
    let (alice_setup, video, _) = probed(440.0);
    let (factory, speakers) = speakers();
    let alice_setup = alice_setup.with_audio_sink(factory);
    let (bob_setup, _, _) = probed(1000.0);
    let (alice, _alice_events, bob, mut bob_events) = pair(&server, alice_setup, bob_setup).await;
    answered(&alice, &bob, &mut bob_events, CallType::Video).await;
    wait_for("Bob's pattern and tone", || {
        video.stamps().iter().flatten().count() >= 5 && tail_is(&speakers.played(0), 10, false)
    })
    .await;

    // Bob's microphone becomes a 2 kHz tone.
    bob.select_device(DeviceKind::Microphone, "tone:2000")
        .await
        .unwrap();
    wait_for("Bob's new microphone", || {
        let played = speakers.played(0);
        let heard = tail(&played, 10);
        heard.len() == 10 * BLOCK && strongest_of(heard, &[1000.0, 2000.0]) == Some(2000.0)
    })
    .await;

    // Bob's camera becomes a file: frames without the pattern's stamp.
    let y4m = dir.path().join("skin.y4m");
    write_skin_y4m(&y4m, 4);
    let seen = video.frames();
    bob.select_device(DeviceKind::Camera, y4m.to_str().unwrap())
        .await
        .unwrap();
    wait_for("Bob's new camera", || {
        let stamps = video.stamps();
        stamps.len() >= seen + 10 && stamps[stamps.len() - 5..].iter().all(Option::is_none)
    })
    .await;

    // Alice plays Bob into a recording instead of her speaker, which is released.
    let recording = dir.path().join("bob.wav");
    alice
        .select_device(DeviceKind::Speaker, recording.to_str().unwrap())
        .await
        .unwrap();
    wait_for("the first speaker released", || speakers.released(0)).await;
    wait_for("a second of Bob in the recording", || {
        recorded_second(&recording).is_some()
    })
    .await;
    let second = recorded_second(&recording).unwrap();
    assert_eq!(
        strongest_of(&second[24_000..], &[1000.0, 2000.0]),
        Some(2000.0)
    );
    assert_eq!(
        speakers.opened(),
        1,
        "the chosen speaker replaced the setup's"
    );
    alice.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_is_not_there_is_reported_and_the_old_one_kept() {
    let (server, _dir) = duet_testkit::start_server().await;
    let (alice_setup, speakers) = with_speakers(440.0);
    let (bob_setup, _, _) = probed(1000.0);
    let (alice, mut alice_events, bob, mut bob_events) =
        pair(&server, alice_setup, bob_setup).await;
    answered(&alice, &bob, &mut bob_events, CallType::Audio).await;
    wait_for("Bob heard", || {
        speakers.opened() == 1 && tail_is(&speakers.played(0), 10, false)
    })
    .await;

    alice
        .select_device(DeviceKind::Speaker, "speaker:No Such Speaker")
        .await
        .unwrap();
    let failed = duet_testkit::wait_for_event(&mut alice_events, "MEDIA_FAILED").await;
    let json = serde_json::to_value(&failed).unwrap();
    assert_eq!(json["what"], "speaker", "{json}");
    // Bob still plays on the speaker Alice had.
    let before = speakers.played(0).len();
    wait_for("Bob still heard on the old speaker", || {
        speakers.played(0).len() >= before + 10 * BLOCK
    })
    .await;
    assert!(!speakers.released(0));
    assert!(tail_is(&speakers.played(0), 10, false));
    alice.hangup().await.unwrap();
}
