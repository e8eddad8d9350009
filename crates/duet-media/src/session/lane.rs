//! The two video lanes of a call: the camera and a shared screen.
//!
//! Each lane has its own capture thread, encoder, local track, decode thread and counters; they
//! differ in what the encoder is tuned for (motion for the camera, detail for the screen), in
//! which availability flag they publish and in how a failing source is reported.

use std::sync::atomic::AtomicU64;

/// Which video a thread, track or counter is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// The camera (or the file or pattern standing in for it).
    Camera,
    /// A shared screen or window.
    Screen,
}

/// The prefix of a screen track's id; camera tracks are `duet-video-…`.
const SCREEN_TRACK_PREFIX: &str = "duet-screen-";

impl Lane {
    /// The word in this lane's track ids (`duet-<name>-<ssrc>`) and thread names.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Camera => "video",
            Lane::Screen => "screen",
        }
    }

    /// The lane a remote video track belongs to. Duet names a shared screen's track
    /// `duet-screen-<ssrc>` (carried in the SDP's `msid`); every other video track, a browser's
    /// camera among them, is the camera.
    pub fn of_remote_track(track_id: &str) -> Lane {
        if track_id.starts_with(SCREEN_TRACK_PREFIX) {
            Lane::Screen
        } else {
            Lane::Camera
        }
    }
}

/// One lane's counters, which the stats task turns into rates.
#[derive(Debug, Default)]
pub(crate) struct VideoCounters {
    pub frames_encoded: AtomicU64,
    pub frames_decoded: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub bytes_received: AtomicU64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_duet_screen_tracks_are_the_screen() {
        assert_eq!(Lane::of_remote_track("duet-screen-0000abcd"), Lane::Screen);
        assert_eq!(Lane::of_remote_track("duet-video-0000abcd"), Lane::Camera);
        // A browser's track id is a UUID.
        assert_eq!(
            Lane::of_remote_track("5b3f9c1e-1d2a-4c55-9a53-0e0b5f0e9b11"),
            Lane::Camera
        );
    }
}
