//! An in-process server on 127.0.0.1 and SDK clients with real media, for the engine's tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{CallEvent, CallId, CallKit, CallKitConfig, CallStatus, Invite};
pub use duet_media::sink::probe::{PcmProbe, StampProbe};
use duet_media::sink::{AudioSink, VideoSink};
use duet_server::{RunningServer, ServerConfig};
use futures_util::{Stream, StreamExt};
use tempfile::TempDir;

/// Guards against a hung test; not an assertion on how fast anything is.
pub const HANG_GUARD: Duration = Duration::from_secs(30);

/// A running server with its database directory.
pub struct Fixture {
    pub server: RunningServer,
    pub dir: TempDir,
}

impl Fixture {
    /// Starts the real server on 127.0.0.1 port 0 with a fresh SQLite file.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            database: dir
                .path()
                .join("duet.sqlite")
                .to_string_lossy()
                .into_owned(),
            ..ServerConfig::default()
        };
        let server = duet_server::start(config).await.unwrap();
        Self { server, dir }
    }

    /// Creates `account` and logs it in with media from `setup`.
    pub async fn client(
        &self,
        account: &str,
        setup: MediaSetup,
    ) -> (CallKit, impl Stream<Item = CallEvent> + Unpin) {
        let token = self
            .server
            .admin()
            .add_user("demo", account, account, Duration::from_secs(3600))
            .await
            .unwrap();
        let config = CallKitConfig::new(&self.server.ws_url(), "demo", account, &token);
        let kit = CallKit::with_media(config, Arc::new(DuetMediaEngine::new(setup)));
        let kit = kit.unwrap();
        let events = kit.events();
        kit.login().await.unwrap();
        (kit, events)
    }
}

/// Waits for the event named `name`, skipping others.
pub async fn wait_for(
    events: &mut (impl Stream<Item = CallEvent> + Unpin),
    name: &str,
) -> CallEvent {
    let next = async {
        loop {
            let event = events.next().await.expect("the SDK keeps its stream open");
            if event.name() == name {
                return event;
            }
        }
    };
    tokio::time::timeout(HANG_GUARD, next)
        .await
        .unwrap_or_else(|_| panic!("no {name} event"))
}

/// The invite of the next INVITED event.
pub async fn invited(events: &mut (impl Stream<Item = CallEvent> + Unpin)) -> Invite {
    match wait_for(events, "INVITED").await {
        CallEvent::Invited(invite) => invite,
        _ => unreachable!(),
    }
}

/// The status of the next call record.
pub async fn record_status(events: &mut (impl Stream<Item = CallEvent> + Unpin)) -> CallStatus {
    match wait_for(events, "MESSAGE_SENT").await {
        CallEvent::MessageSent { record } => record.status,
        _ => unreachable!(),
    }
}

/// Polls `done` until it holds; panics after [`HANG_GUARD`].
pub async fn wait_until(mut done: impl FnMut() -> bool) {
    tokio::time::timeout(HANG_GUARD, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("condition not reached");
}

/// A test-pattern-and-tone setup whose remote media goes into the returned probes.
pub fn probed(tone_hz: f32) -> (MediaSetup, StampProbe, PcmProbe) {
    let (video, audio) = (StampProbe::default(), PcmProbe::default());
    let (v, a) = (video.clone(), audio.clone());
    let setup = MediaSetup::test_pattern_and_tone(tone_hz)
        .with_video_sink(Arc::new(move |_: &CallId| {
            Ok(Box::new(v.clone()) as Box<dyn VideoSink>)
        }))
        .with_audio_sink(Arc::new(move |_: &CallId| {
            Ok(Box::new(a.clone()) as Box<dyn AudioSink>)
        }));
    (setup, video, audio)
}
