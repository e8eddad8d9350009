//! A device plugged in while the SDK runs is listed from then on, and one unplugged is not:
//! `CallKit::devices` asks the system each time. ALSA (which cpal lists) reads its
//! configuration from `ALSA_CONFIG_PATH` and reloads it when the file is replaced, so this test
//! plugs in a virtual speaker and microphone (ALSA's `null` device) by rewriting that file.
//! Its own binary: the variable must be set before anything in the process asks ALSA.

use std::path::Path;
use std::sync::Arc;

use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{CallKit, CallKitConfig, DeviceKind};

/// ALSA's configuration holding one virtual device per name in `names`, each with a stable id
/// made from its name ("Duet Desk" is `duet_desk`), as a real card keeps its id when another
/// is unplugged.
fn alsa_config(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| {
            let id = name.to_lowercase().replace(' ', "_");
            format!("pcm.{id} {{\n type null\n hint {{ show on description \"{name}\" }}\n}}\n")
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

fn names(kit: &CallKit, kind: DeviceKind) -> Vec<String> {
    kit.devices(kind)
        .into_iter()
        .map(|device| device.name)
        .collect()
}

#[tokio::test]
async fn devices_plugged_in_and_out_are_listed_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("asound.conf");
    replace(&config, &alsa_config(&["Duet Desk"]));
    std::env::set_var("ALSA_CONFIG_PATH", &config);
    // No PulseAudio here even on a desktop that runs one: the devices are ALSA's.
    std::env::set_var("PULSE_SERVER", "unix:/nonexistent/duet-no-pulse");
    let engine = DuetMediaEngine::new(MediaSetup::test_pattern_and_tone(440.0));
    let kit = CallKit::with_media(
        CallKitConfig::new("ws://127.0.0.1:1/ws", "demo", "alice", "t"),
        Arc::new(engine),
    )
    .unwrap();
    assert_eq!(ids(&kit, DeviceKind::Speaker), ["speaker:alsa:duet_desk"]);
    assert_eq!(ids(&kit, DeviceKind::Microphone), ["mic:alsa:duet_desk"]);
    // The user reads the description, not the id.
    assert_eq!(names(&kit, DeviceKind::Speaker), ["Duet Desk"]);

    replace(&config, &alsa_config(&["Duet Desk", "Duet Headset"]));
    assert_eq!(
        ids(&kit, DeviceKind::Speaker),
        ["speaker:alsa:duet_desk", "speaker:alsa:duet_headset"]
    );
    assert_eq!(
        ids(&kit, DeviceKind::Microphone),
        ["mic:alsa:duet_desk", "mic:alsa:duet_headset"]
    );
    assert_eq!(
        names(&kit, DeviceKind::Microphone),
        ["Duet Desk", "Duet Headset"]
    );
    kit.select_device(DeviceKind::Speaker, "speaker:alsa:duet_headset")
        .await
        .unwrap();
    // A name still chooses a device, as the ids of earlier versions did.
    kit.select_device(DeviceKind::Speaker, "speaker:Duet Desk")
        .await
        .unwrap();

    replace(&config, &alsa_config(&["Duet Headset"]));
    assert_eq!(
        ids(&kit, DeviceKind::Speaker),
        ["speaker:alsa:duet_headset"]
    );
}
