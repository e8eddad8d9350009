//! A device plugged in while the SDK runs is listed from then on, and one unplugged is not:
//! `CallKit::devices` asks the system each time. ALSA (which cpal lists) reads its
//! configuration from `ALSA_CONFIG_PATH` and reloads it when the file is replaced, so this test
//! plugs in a virtual speaker and microphone (ALSA's `null` device) by rewriting that file.
//! Its own binary: the variable must be set before anything in the process asks ALSA.

use std::path::Path;
use std::sync::Arc;

use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{CallKit, CallKitConfig, DeviceKind};

/// ALSA's configuration holding one virtual device per name in `names`.
fn alsa_config(names: &[&str]) -> String {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!("pcm.duet_{i} {{\n type null\n hint {{ show on description \"{name}\" }}\n}}\n")
        })
        .collect()
}

/// Replaces `path` with `text` as a new file: ALSA notices a new inode even within one second.
fn replace(path: &Path, text: &str) {
    let fresh = path.with_extension("new");
    std::fs::write(&fresh, text).unwrap();
    std::fs::rename(&fresh, path).unwrap();
}

fn ids(kit: &CallKit, kind: DeviceKind) -> Vec<String> {
    kit.devices(kind)
        .into_iter()
        .map(|device| device.id)
        .collect()
}

#[tokio::test]
async fn devices_plugged_in_and_out_are_listed_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("asound.conf");
    replace(&config, &alsa_config(&["Duet Desk"]));
    std::env::set_var("ALSA_CONFIG_PATH", &config);
    let engine = DuetMediaEngine::new(MediaSetup::test_pattern_and_tone(440.0));
    let kit = CallKit::with_media(
        CallKitConfig::new("ws://127.0.0.1:1/ws", "demo", "alice", "t"),
        Arc::new(engine),
    )
    .unwrap();
    assert_eq!(ids(&kit, DeviceKind::Speaker), ["speaker:Duet Desk"]);
    assert_eq!(ids(&kit, DeviceKind::Microphone), ["mic:Duet Desk"]);

    replace(&config, &alsa_config(&["Duet Desk", "Duet Headset"]));
    assert_eq!(
        ids(&kit, DeviceKind::Speaker),
        ["speaker:Duet Desk", "speaker:Duet Headset"]
    );
    assert_eq!(
        ids(&kit, DeviceKind::Microphone),
        ["mic:Duet Desk", "mic:Duet Headset"]
    );
    kit.select_device(DeviceKind::Speaker, "speaker:Duet Headset")
        .await
        .unwrap();

    replace(&config, &alsa_config(&["Duet Headset"]));
    assert_eq!(ids(&kit, DeviceKind::Speaker), ["speaker:Duet Headset"]);
}
