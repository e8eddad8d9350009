//! The call statistics the page shows once a second (the `stats` event).

use duet_callkit::{MediaStats, NetworkQuality};
use serde::Serialize;

/// The SDK's [`MediaStats`] in the page's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "CallStats"))]
#[serde(rename_all = "camelCase")]
pub struct PageStats {
    /// Round-trip time, once measured.
    pub rtt_ms: Option<f64>,
    /// Loss of the worse direction, 0..=100.
    pub loss_pct: f64,
    /// Receive jitter.
    pub jitter_ms: f64,
    /// Sending rate.
    pub send_kbps: f64,
    /// Receiving rate.
    pub recv_kbps: f64,
    /// Frames decoded per second.
    pub fps: f64,
    /// The received video's width.
    pub width: u32,
    /// The received video's height.
    pub height: u32,
    /// The grade of the path.
    #[cfg_attr(test, ts(type = "Quality"))]
    pub quality: NetworkQuality,
    /// The microphone heard speech during the second (measured while muted too): with the
    /// microphone muted, the call screen says "You are muted".
    pub speaking: bool,
    /// The media path was lost and is being mended (ICE restart): the call screen says
    /// "Reconnecting…" instead of the grade.
    pub reconnecting: bool,
    /// This user's camera is paused because the network cannot carry its video: the call
    /// screen says "Poor network, your video is paused" over the local picture.
    pub video_paused_by_network: bool,
}

impl From<&MediaStats> for PageStats {
    fn from(stats: &MediaStats) -> Self {
        Self {
            rtt_ms: stats.rtt_ms,
            loss_pct: stats.loss_pct,
            jitter_ms: stats.jitter_ms,
            send_kbps: stats.send_kbps,
            recv_kbps: stats.recv_kbps,
            fps: stats.fps,
            width: stats.width,
            height: stats.height,
            quality: stats.quality,
            speaking: stats.speaking,
            reconnecting: stats.reconnecting,
            video_paused_by_network: stats.video_paused_by_network,
        }
    }
}

/// The preview's microphone level (the `mic-level` event).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MicLevel {
    /// Peak over the last 100 ms, 0..=1.
    pub level: f64,
}
