//! The user's settings: devices, filters, video quality, call timeout, language, theme, start at
//! login, and the advanced ICE policy; one JSON file.

use crate::error::{AppError, AppResult};
use crate::store::files::write_atomically;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Video resolution presets offered in settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Resolution"))]
pub enum VideoResolution {
    /// 640x360
    #[serde(rename = "360p")]
    P360,
    /// 640x480
    #[serde(rename = "480p")]
    P480,
    /// 1280x720
    #[serde(rename = "720p")]
    P720,
    /// 1920x1080
    #[serde(rename = "1080p")]
    P1080,
}

impl VideoResolution {
    /// Width and height in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            VideoResolution::P360 => (640, 360),
            VideoResolution::P480 => (640, 480),
            VideoResolution::P720 => (1280, 720),
            VideoResolution::P1080 => (1920, 1080),
        }
    }
}

/// The page's language choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum LocaleChoice {
    /// Follow the OS locale.
    Auto,
    /// 中文
    Zh,
    /// English
    En,
}

/// Light or dark: follow the system (default), or forced either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Theme"))]
pub enum ThemeChoice {
    /// The system's preference, followed live.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// Which network paths calls may use (Advanced; the SDK's `IcePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "IcePolicy"))]
pub enum IcePolicyChoice {
    /// Direct, through NAT (STUN) or relayed (TURN): whichever connects best.
    #[default]
    All,
    /// Only through the TURN relay: the peer never learns this device's IP addresses (no media
    /// when the server offers no TURN).
    Relay,
}

impl From<IcePolicyChoice> for duet_callkit::IcePolicy {
    fn from(choice: IcePolicyChoice) -> Self {
        match choice {
            IcePolicyChoice::All => duet_callkit::IcePolicy::All,
            IcePolicyChoice::Relay => duet_callkit::IcePolicy::Relay,
        }
    }
}

/// Everything the settings screen edits (camelCase on the page, see docs/app-interface.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Settings {
    /// Camera id from `devices`; `None` is the first camera.
    pub camera: Option<String>,
    /// Microphone name; `None` is the default input.
    pub microphone: Option<String>,
    /// Speaker name; `None` is the default output.
    pub speaker: Option<String>,
    /// Beauty (smoothing) level 0..=9.
    pub beauty: u8,
    /// Whitening level 0..=9.
    pub whiteness: u8,
    /// Capture and send resolution.
    pub resolution: VideoResolution,
    /// Highest video bitrate in kbps.
    pub max_bitrate_kbps: u32,
    /// How long an outgoing call rings, in seconds.
    pub call_timeout_s: u32,
    /// Page language.
    pub locale: LocaleChoice,
    /// Light or dark.
    pub theme: ThemeChoice,
    /// Statistics overlay on the call screen.
    pub debug: bool,
    /// Start the app when the user logs in to the desktop (the desktop's autostart entry, written
    /// or removed on save by `backend::autostart`); off unless the user turns it on.
    pub start_at_login: bool,
    /// ICE candidates calls may use (from the next call).
    pub ice_policy: IcePolicyChoice,
    /// During a call, a small always-on-top window with the call while the main window is in the
    /// background (shell/mini_window.rs); on unless the user turns it off.
    pub mini_window: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            camera: None,
            microphone: None,
            speaker: None,
            beauty: 0,
            whiteness: 0,
            resolution: VideoResolution::P720,
            max_bitrate_kbps: 2000,
            call_timeout_s: 30,
            locale: LocaleChoice::Auto,
            theme: ThemeChoice::System,
            debug: false,
            start_at_login: false,
            ice_policy: IcePolicyChoice::All,
            mini_window: true,
        }
    }
}

/// Bounds of the numeric settings, as the settings screen offers them.
pub const BITRATE_RANGE_KBPS: std::ops::RangeInclusive<u32> = 200..=4000;
/// Call timeout bounds: nertc-call allows up to two minutes.
pub const CALL_TIMEOUT_RANGE_S: std::ops::RangeInclusive<u32> = 10..=120;

impl Settings {
    /// Checks every field; the message names the field and its range.
    pub fn validate(&self) -> AppResult<()> {
        let bad = |msg: String| Err(AppError::Invalid(msg));
        if self.beauty > 9 || self.whiteness > 9 {
            return bad("beauty and whiteness must be within 0..=9".into());
        }
        if !BITRATE_RANGE_KBPS.contains(&self.max_bitrate_kbps) {
            return bad(format!(
                "maxBitrateKbps must be within {}..={}",
                BITRATE_RANGE_KBPS.start(),
                BITRATE_RANGE_KBPS.end()
            ));
        }
        if !CALL_TIMEOUT_RANGE_S.contains(&self.call_timeout_s) {
            return bad(format!(
                "callTimeoutS must be within {}..={}",
                CALL_TIMEOUT_RANGE_S.start(),
                CALL_TIMEOUT_RANGE_S.end()
            ));
        }
        Ok(())
    }

    /// The lowest bitrate the encoder may fall to under loss: a quarter of the top, at least 150.
    pub fn min_bitrate_kbps(&self) -> u32 {
        (self.max_bitrate_kbps / 4).max(150)
    }

    /// Reads the settings file; a missing file gives the defaults, an unreadable one is kept
    /// aside (renamed `.bad`) so nothing the user wrote is lost, and the defaults are used.
    pub fn load(path: &Path) -> Settings {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Settings::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "settings unreadable; defaults used");
                return Settings::default();
            }
        };
        match serde_json::from_str::<Settings>(&text) {
            Ok(settings) if settings.validate().is_ok() => settings,
            outcome => {
                let why = match outcome {
                    Err(e) => e.to_string(),
                    Ok(s) => s
                        .validate()
                        .err()
                        .map(|e| e.to_string())
                        .unwrap_or_default(),
                };
                let aside = path.with_extension("json.bad");
                tracing::warn!(path = %path.display(), %why, kept = %aside.display(), "settings invalid; defaults used");
                let _ = std::fs::rename(path, aside);
                Settings::default()
            }
        }
    }

    /// Validates and writes the settings file atomically.
    pub fn save(&self, path: &Path) -> AppResult<()> {
        self.validate()?;
        // Serializing a plain struct of strings and numbers cannot fail.
        let text = serde_json::to_string_pretty(self).expect("settings serialize");
        write_atomically(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        assert_eq!(Settings::load(&path), Settings::default());
        let changed = Settings {
            beauty: 7,
            whiteness: 3,
            resolution: VideoResolution::P480,
            locale: LocaleChoice::Zh,
            ice_policy: IcePolicyChoice::Relay,
            theme: ThemeChoice::Dark,
            start_at_login: true,
            mini_window: false,
            ..Settings::default()
        };
        changed.save(&path).unwrap();
        assert_eq!(Settings::load(&path), changed);
    }

    #[test]
    fn a_file_from_before_the_ice_policy_loads_with_all_paths_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, r#"{"beauty":4,"locale":"en"}"#).unwrap();
        let loaded = Settings::load(&path);
        assert_eq!(loaded.ice_policy, IcePolicyChoice::All);
        assert_eq!(
            loaded.theme,
            ThemeChoice::System,
            "an older file follows the system's theme"
        );
        assert!(
            !loaded.start_at_login,
            "an older file does not start at login"
        );
        assert!(loaded.mini_window, "an older file shows the mini window");
        assert_eq!(loaded.beauty, 4);
    }

    #[test]
    fn the_ice_policy_reaches_the_sdk() {
        assert_eq!(
            duet_callkit::IcePolicy::from(IcePolicyChoice::Relay),
            duet_callkit::IcePolicy::Relay
        );
        assert_eq!(
            duet_callkit::IcePolicy::from(IcePolicyChoice::default()),
            duet_callkit::IcePolicy::All
        );
    }

    #[test]
    fn out_of_range_values_are_refused_with_the_field_named() {
        let too_bright = Settings {
            whiteness: 10,
            ..Settings::default()
        };
        assert!(too_bright
            .validate()
            .unwrap_err()
            .to_string()
            .contains("whiteness"));
        let slow = Settings {
            call_timeout_s: 500,
            ..Settings::default()
        };
        assert!(slow
            .validate()
            .unwrap_err()
            .to_string()
            .contains("callTimeoutS"));
    }

    #[test]
    fn a_corrupt_file_is_kept_aside_and_defaults_are_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        assert!(dir.path().join("settings.json.bad").exists());
    }

    #[test]
    fn page_field_names_are_camel_case() {
        let json = serde_json::to_value(Settings::default()).unwrap();
        assert_eq!(json["maxBitrateKbps"], 2000);
        assert_eq!(json["resolution"], "720p");
        assert_eq!(json["locale"], "auto");
        assert_eq!(json["icePolicy"], "all");
        assert_eq!(json["startAtLogin"], false);
        assert_eq!(json["miniWindow"], true);
    }
}
