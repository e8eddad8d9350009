//! What every call sends, from nertc-call's `resolution`, `videoWidth`/`videoHeight`,
//! `minBitrate`/`maxBitrate` and `audioQuality`, handed to the media engine with each call.

use crate::{AudioQuality, CallKitConfig, Resolution};

/// The video and audio a call sends, as the SDK's configuration asks: the media engine applies
/// it to each call ([`crate::MediaCallInfo::profile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaProfile {
    /// Width of the video sent, in pixels: `video_width`, or the `resolution` preset's.
    pub video_width: u32,
    /// Height of the video sent, in pixels: `video_height`, or the `resolution` preset's.
    pub video_height: u32,
    /// The lowest video bitrate the sender adapts down to under loss, kbps.
    pub min_bitrate_kbps: u32,
    /// The highest (and starting) video bitrate, kbps.
    pub max_bitrate_kbps: u32,
    /// Speech or music encoding of the microphone.
    pub audio_quality: AudioQuality,
}

impl Resolution {
    /// The preset's width and height.
    pub fn size(self) -> (u32, u32) {
        match self {
            Resolution::Sd => (320, 240),
            Resolution::Hd => (640, 480),
            Resolution::FullHd => (1280, 720),
        }
    }
}

/// The sizes a video encoder and every source accept (the same bounds duet-media checks).
pub(crate) const VIDEO_SIDE: std::ops::RangeInclusive<u32> = 64..=4096;

impl CallKitConfig {
    /// The profile every call of this configuration sends.
    pub fn media_profile(&self) -> MediaProfile {
        let (video_width, video_height) = match (self.video_width, self.video_height) {
            (Some(width), Some(height)) => (width, height),
            _ => self.resolution.size(),
        };
        MediaProfile {
            video_width,
            video_height,
            min_bitrate_kbps: self.min_bitrate,
            max_bitrate_kbps: self.max_bitrate,
            audio_quality: self.audio_quality,
        }
    }

    /// Why the video size or bitrates cannot be sent, if they cannot.
    pub(crate) fn media_problem(&self) -> Option<String> {
        match (self.video_width, self.video_height) {
            (Some(_), None) | (None, Some(_)) => {
                return Some("set both video_width and video_height, or neither".into())
            }
            (Some(width), Some(height)) => {
                let fits = |side: u32| VIDEO_SIDE.contains(&side) && side.is_multiple_of(2);
                if !fits(width) || !fits(height) {
                    return Some(format!(
                        "video size {width}x{height} must be even and within {}..={} on each side",
                        VIDEO_SIDE.start(),
                        VIDEO_SIDE.end()
                    ));
                }
            }
            (None, None) => {}
        }
        if self.min_bitrate == 0 {
            return Some("min_bitrate must be at least 1 kbps".into());
        }
        if self.min_bitrate > self.max_bitrate {
            return Some(format!(
                "min_bitrate {} is above max_bitrate {}",
                self.min_bitrate, self.max_bitrate
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CallKitConfig {
        CallKitConfig::new("ws://127.0.0.1:1/ws", "demo", "alice", "token")
    }

    #[test]
    fn the_preset_gives_the_size_unless_both_sides_are_set() {
        let mut config = config();
        config.resolution = Resolution::FullHd;
        assert_eq!(
            config.media_profile(),
            MediaProfile {
                video_width: 1280,
                video_height: 720,
                min_bitrate_kbps: 600,
                max_bitrate_kbps: 900,
                audio_quality: AudioQuality::High,
            }
        );
        config.video_width = Some(360);
        config.video_height = Some(640);
        config.audio_quality = AudioQuality::Standard;
        let profile = config.media_profile();
        assert_eq!((profile.video_width, profile.video_height), (360, 640));
        assert_eq!(profile.audio_quality, AudioQuality::Standard);
        assert_eq!(config.media_problem(), None);
    }

    #[test]
    fn sizes_and_bitrates_no_encoder_takes_are_named() {
        let problem = |edit: fn(&mut CallKitConfig)| {
            let mut config = config();
            edit(&mut config);
            config.media_problem().expect("refused")
        };
        assert!(problem(|c| c.video_width = Some(360)).contains("both"));
        assert!(problem(|c| {
            c.video_width = Some(321);
            c.video_height = Some(240);
        })
        .contains("321x240"));
        assert!(problem(|c| {
            c.video_width = Some(8192);
            c.video_height = Some(240);
        })
        .contains("64..=4096"));
        assert!(problem(|c| c.min_bitrate = 0).contains("at least 1"));
        assert!(problem(|c| c.min_bitrate = 901).contains("above max_bitrate"));
    }
}
