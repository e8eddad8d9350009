//! What a call's media reports to the user once a second, and the network grade derived from it.

/// A one-word verdict on the network path of a call, for a signal-bars icon.
///
/// Graded from the worse of the two directions' packet loss and the round-trip time, by the
/// first row that matches (ITU-T G.114 puts the comfortable one-way delay under 150 ms, i.e.
/// about 300 ms RTT; Opus FEC and VP8 NACK hide loss up to a few percent):
///
/// | grade       | loss      | RTT        |
/// |-------------|-----------|------------|
/// | `unknown`   | no media flowing (nothing received lately) | |
/// | `excellent` | < 1 %     | < 100 ms   |
/// | `good`      | < 3 %     | < 200 ms   |
/// | `poor`      | < 10 %    | < 400 ms   |
/// | `bad`       | otherwise |            |
///
/// A missing RTT (webrtc-rs has not measured one yet) grades on loss alone. An RTT without media
/// proves only that the path answers, not that the call is heard or seen: no grade then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkQuality {
    /// Loss under 1 % and RTT under 100 ms.
    Excellent,
    /// Loss under 3 % and RTT under 200 ms.
    Good,
    /// Loss under 10 % and RTT under 400 ms.
    Poor,
    /// Worse than poor.
    Bad,
    /// No media flows (none yet, or none received lately).
    Unknown,
}

impl NetworkQuality {
    /// Grades a path by `loss_pct` (0..=100, the worse direction) and `rtt_ms`; `flowing` is
    /// whether media arrives (the media engine decides over which window): without it the grade
    /// is `unknown` whatever the RTT, since a path that carries nothing is not excellent.
    pub fn grade(loss_pct: f64, rtt_ms: Option<f64>, flowing: bool) -> Self {
        if !flowing {
            return NetworkQuality::Unknown;
        }
        let rtt = rtt_ms.unwrap_or(0.0);
        let rows = [
            (1.0, 100.0, NetworkQuality::Excellent),
            (3.0, 200.0, NetworkQuality::Good),
            (10.0, 400.0, NetworkQuality::Poor),
        ];
        rows.iter()
            .find(|(max_loss, max_rtt, _)| loss_pct < *max_loss && rtt < *max_rtt)
            .map_or(NetworkQuality::Bad, |(_, _, grade)| *grade)
    }
}

/// One second of a call's media statistics (the `CALL_STATS` event).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MediaStats {
    /// Audio and video sent, kbps over the last interval.
    pub send_kbps: f64,
    /// Audio and video received, kbps over the last interval.
    pub recv_kbps: f64,
    /// Remote video frames decoded per second.
    pub fps: f64,
    /// Local video frames encoded per second.
    pub send_fps: f64,
    /// Width of the last decoded remote frame (0 before the first).
    pub width: u32,
    /// Height of the last decoded remote frame (0 before the first).
    pub height: u32,
    /// Round-trip time in ms, once measured.
    pub rtt_ms: Option<f64>,
    /// Packet loss in percent (0..=100), the worse of what we lose and what the peer reports.
    pub loss_pct: f64,
    /// Interarrival jitter of the incoming audio, ms.
    pub jitter_ms: f64,
    /// The grade of the path, see [`NetworkQuality`].
    pub quality: NetworkQuality,
    /// The microphone heard speech during the second, muted or not: with the microphone muted,
    /// the app says "You are muted".
    #[serde(default)]
    pub speaking: bool,
    /// The path that carried the call's media was lost (the network changed or went away) and
    /// is being mended by an ICE restart: the app says "Reconnecting…". The call goes on.
    #[serde(default)]
    pub reconnecting: bool,
    /// This device's camera is paused because the path cannot carry its lowest bitrate
    /// (minBitrate): the peer was told VIDEO_AVAILABLE false with reason `network`, and video
    /// comes back by itself when the network allows. `quality` is at best `poor` meanwhile.
    #[serde(default)]
    pub video_paused_by_network: bool,
}

#[cfg(test)]
mod tests {
    use super::NetworkQuality::{self, *};

    #[test]
    fn grades_follow_the_documented_table() {
        let cases = [
            (0.0, None, false, Unknown),
            (0.0, None, true, Excellent),
            (0.5, Some(20.0), true, Excellent),
            (0.5, Some(150.0), true, Good),
            (2.0, Some(20.0), true, Good),
            (5.0, Some(20.0), true, Poor),
            (0.0, Some(350.0), true, Poor),
            (12.0, Some(20.0), true, Bad),
            (0.0, Some(600.0), true, Bad),
            // An RTT alone (ICE or RTCP answering) is no media: a call nobody hears is not
            // excellent.
            (0.0, Some(20.0), false, Unknown),
            (12.0, Some(600.0), false, Unknown),
        ];
        for (loss, rtt, flowing, want) in cases {
            assert_eq!(
                NetworkQuality::grade(loss, rtt, flowing),
                want,
                "loss {loss} rtt {rtt:?} flowing {flowing}"
            );
        }
    }
}
