//! Sharing a screen mid-call: a second video track added and removed with renegotiation, from
//! either side, while the camera goes on. Two sessions over 127.0.0.1 with real webrtc-rs; a
//! stamped test pattern at another size than the camera's stands in for the screen.

mod common;

use std::time::Duration;

use common::{call, loopback_config, Side, StampProbe};
use duet_media::source::test_pattern::TestPatternSource;
use duet_media::{ConnectionState, MediaError, MediaEvent};
use duet_testkit::{recv_matching, wait_for_within};

const LIMIT: Duration = Duration::from_secs(20);
/// The "screen": 640x360, against the camera's 320x240 (Resolution::Low).
const SCREEN: (u32, u32) = (640, 360);

fn screen_source() -> Box<TestPatternSource> {
    Box::new(TestPatternSource::new(SCREEN.0, SCREEN.1, 15).unwrap())
}

fn connected(e: &MediaEvent) -> bool {
    matches!(
        e,
        MediaEvent::ConnectionState {
            state: ConnectionState::Connected
        }
    )
}

async fn sharing_seen(side: &mut Side, sharing: bool) {
    recv_matching(&mut side.events, "the share announced", LIMIT, |e| {
        *e == MediaEvent::RemoteScreenShare { sharing }
    })
    .await;
}

/// `viewer` receives stamped screen frames of the screen's size, and camera frames go on.
async fn screen_reaches(viewer: &Side, probe: &StampProbe) {
    let (screen_before, camera_before) = (probe.frames(), viewer.video.frames());
    wait_for_within("20 screen frames and 20 camera frames", LIMIT, || {
        probe.frames() >= screen_before + 20 && viewer.video.frames() >= camera_before + 20
    })
    .await;
    assert!(probe.stamps().iter().all(Option::is_some), "intact frames");
    let latest = viewer.media.remote_screen().borrow().clone().unwrap();
    assert_eq!((latest.width, latest.height), SCREEN);
    let camera = viewer.media.remote_video().borrow().clone().unwrap();
    assert_eq!((camera.width, camera.height), (320, 240));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn either_side_shares_and_stops_while_the_camera_goes_on() {
    let (mut a, mut b) = call(loopback_config(440.0), loopback_config(1000.0)).await;
    recv_matching(&mut a.events, "the caller to connect", LIMIT, connected).await;
    recv_matching(&mut b.events, "the callee to connect", LIMIT, connected).await;

    // Not before the call is answered.
    let early = a.media.start_screen_share(screen_source()).await;
    assert!(
        matches!(early, Err(MediaError::ScreenShare(_))),
        "{early:?}"
    );
    a.media.release();
    b.media.release();
    wait_for_within("camera frames both ways", LIMIT, || {
        a.video.frames() >= 10 && b.video.frames() >= 10
    })
    .await;
    let (a_screen, b_screen) = (StampProbe::default(), StampProbe::default());
    a.media.set_screen_sink(Some(Box::new(a_screen.clone())));
    b.media.set_screen_sink(Some(Box::new(b_screen.clone())));

    // The caller shares (it offers the new track itself), then stops.
    a.media.start_screen_share(screen_source()).await.unwrap();
    assert!(a.media.is_sharing_screen().await);
    sharing_seen(&mut b, true).await;
    recv_matching(&mut b.events, "the first screen frame", LIMIT, |e| {
        *e == MediaEvent::FirstRemoteScreenFrame {
            width: SCREEN.0,
            height: SCREEN.1,
        }
    })
    .await;
    screen_reaches(&b, &b_screen).await;
    a.media.stop_screen_share().await.unwrap();
    a.media.stop_screen_share().await.unwrap(); // idempotent
    sharing_seen(&mut b, false).await;

    // The callee shares (it asks the caller for an offer), then stops.
    b.media.start_screen_share(screen_source()).await.unwrap();
    sharing_seen(&mut a, true).await;
    screen_reaches(&a, &a_screen).await;
    b.media.stop_screen_share().await.unwrap();
    sharing_seen(&mut a, false).await;

    // The caller shares again: a new track, received as such.
    a.media.start_screen_share(screen_source()).await.unwrap();
    sharing_seen(&mut b, true).await;
    screen_reaches(&b, &b_screen).await;

    // Both at once.
    b.media.start_screen_share(screen_source()).await.unwrap();
    sharing_seen(&mut a, true).await;
    screen_reaches(&a, &a_screen).await;
    screen_reaches(&b, &b_screen).await;

    for side in [&a, &b] {
        let errors = side.signal_errors.lock().unwrap().clone();
        assert!(errors.is_empty(), "{errors:?}");
    }
    let offers = a.offers.lock().unwrap().len();
    assert_eq!(offers, 7, "the first offer and one per start or stop (six)");
    a.media.close().await.unwrap();
    b.media.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_display_that_changes_resolution_goes_on_at_the_new_size() {
    use duet_media::source::screen::{ScreenShareSettings, ScreenSource};
    use duet_screen::test_display::TestDisplay;

    let display = TestDisplay::start(640, 360).expect("Xvfb starts");
    display.fill_root(0x20_40_80).unwrap();
    let (mut a, mut b) = call(loopback_config(440.0), loopback_config(1000.0)).await;
    recv_matching(&mut a.events, "the caller to connect", LIMIT, connected).await;
    recv_matching(&mut b.events, "the callee to connect", LIMIT, connected).await;
    a.media.release();
    b.media.release();
    let source = ScreenSource::open(&display.screen_target(), ScreenShareSettings::default())
        .expect("the display opens");
    a.media.start_screen_share(Box::new(source)).await.unwrap();
    let remote = b.media.remote_screen();
    let shows = |size: (u32, u32)| {
        remote
            .borrow()
            .as_ref()
            .is_some_and(|f| (f.width, f.height) == size)
    };
    wait_for_within("the screen at 640x360", LIMIT, || shows((640, 360))).await;
    // Smaller, then back: Xvfb cannot grow past the size it started at.
    display.resize_screen(320, 200).unwrap();
    wait_for_within("the screen at 320x200", LIMIT, || shows((320, 200))).await;
    display.resize_screen(640, 360).unwrap();
    wait_for_within("the screen at 640x360 again", LIMIT, || shows((640, 360))).await;
    assert!(a.media.is_sharing_screen().await, "the share went on");
    a.media.close().await.unwrap();
    b.media.close().await.unwrap();
}
