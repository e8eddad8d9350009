//! One call's media settings: the engine's sources and transport, with what the SDK says about
//! this call.

use duet_callkit::{AudioQuality, CallType, IcePolicy, MediaCallInfo, Role};
use duet_media::{AudioOutput, IceServer, MediaConfig};

use crate::call_devices::choose_sources;

/// The media settings of one call: the engine's sources (or the camera and microphone chosen
/// through the SDK) and transport, with what the SDK's configuration says the call sends (size,
/// bitrates, audio quality), this call's ICE servers, and no camera for an audio call. Remote
/// audio is not opened here: the call's playout opens the speaker (`CallDevices`).
pub(crate) fn call_config(base: &MediaConfig, call: &MediaCallInfo) -> MediaConfig {
    let mut config = base.clone();
    let profile = &call.profile;
    config.video_width = Some(profile.video_width);
    config.video_height = Some(profile.video_height);
    config.min_bitrate = profile.min_bitrate_kbps;
    config.max_bitrate = profile.max_bitrate_kbps;
    config.audio_quality = match profile.audio_quality {
        AudioQuality::Standard => duet_media::AudioQuality::Speech,
        AudioQuality::High => duet_media::AudioQuality::Music,
    };
    config.ice_servers = media_ice_servers(&call.ice_servers);
    config.ice_policy = match call.ice_policy {
        IcePolicy::All => duet_media::IcePolicy::All,
        IcePolicy::Relay => duet_media::IcePolicy::Relay,
    };
    config.open_camera &= call.call_type == CallType::Video;
    choose_sources(&mut config, call);
    config.audio_output = AudioOutput::Null;
    config
}

/// The signaling server's ICE servers as duet-media takes them.
fn media_ice_servers(servers: &[duet_callkit::IceServer]) -> Vec<IceServer> {
    servers
        .iter()
        .map(|server| IceServer {
            urls: server.urls.clone(),
            username: server.username.clone().unwrap_or_default(),
            credential: server.credential.clone().unwrap_or_default(),
        })
        .collect()
}

pub(crate) fn media_role(role: Role) -> duet_media::Role {
    match role {
        Role::Caller => duet_media::Role::Caller,
        Role::Callee => duet_media::Role::Callee,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_callkit::{CallId, CallKitConfig, MediaChoices, Resolution};

    fn call(config: &CallKitConfig, call_type: CallType) -> MediaCallInfo {
        MediaCallInfo {
            call_id: CallId::new("c-1").unwrap(),
            role: Role::Caller,
            call_type,
            ice_servers: Vec::new(),
            ice_policy: IcePolicy::Relay,
            profile: config.media_profile(),
            choices: MediaChoices::default(),
        }
    }

    #[test]
    fn the_sdks_profile_decides_what_the_call_sends() {
        let mut sdk = CallKitConfig::new("ws://127.0.0.1:1/ws", "demo", "alice", "token");
        sdk.resolution = Resolution::FullHd;
        sdk.min_bitrate = 300;
        sdk.max_bitrate = 2500;
        sdk.audio_quality = AudioQuality::Standard;
        let base = MediaConfig {
            audio_quality: duet_media::AudioQuality::Music,
            ..MediaConfig::default()
        };
        let config = call_config(&base, &call(&sdk, CallType::Video));
        assert_eq!(config.video_size(), (1280, 720));
        assert_eq!((config.min_bitrate, config.max_bitrate), (300, 2500));
        assert_eq!(config.audio_quality, duet_media::AudioQuality::Speech);
        assert_eq!(config.ice_policy, duet_media::IcePolicy::Relay);
        assert!(config.open_camera);

        sdk.audio_quality = AudioQuality::High;
        sdk.video_width = Some(360);
        sdk.video_height = Some(640);
        let config = call_config(&base, &call(&sdk, CallType::Audio));
        assert_eq!(config.video_size(), (360, 640));
        assert_eq!(config.audio_quality, duet_media::AudioQuality::Music);
        assert!(!config.open_camera, "an audio call opens no camera");
        // The sources stay the engine's, unless chosen.
        assert_eq!(config.video_input, base.video_input);
        assert_eq!(config.audio_input, base.audio_input);
        let mut chosen = call(&sdk, CallType::Video);
        chosen.choices.camera = Some("testsrc".into());
        chosen.choices.microphone = Some("tone:880".into());
        let config = call_config(&base, &chosen);
        assert_eq!(config.video_input, duet_media::VideoInput::TestPattern);
        assert_eq!(
            config.audio_input,
            duet_media::AudioInput::Tone {
                frequency_hz: 880.0
            }
        );
        // The call's playout opens the speaker, not duet-media.
        assert_eq!(config.audio_output, AudioOutput::Null);
    }
}
