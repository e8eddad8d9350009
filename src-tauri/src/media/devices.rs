//! The devices a user can pick in settings, as the page lists them.

use crate::error::{AppError, AppResult};
use duet_media::devices;
use serde::Serialize;

/// One device.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Device {
    /// What settings store to pick it.
    pub id: String,
    /// What the user reads.
    pub name: String,
}

/// The devices of each kind.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Devices {
    /// Video inputs.
    pub cameras: Vec<Device>,
    /// Audio inputs.
    pub microphones: Vec<Device>,
    /// Audio outputs.
    pub speakers: Vec<Device>,
}

/// Lists the cameras, microphones and speakers the settings screen offers.
pub async fn list() -> AppResult<Devices> {
    // Device enumeration talks to ALSA and V4L2 synchronously; keep it off the async workers.
    tokio::task::spawn_blocking(|| {
        let map = |list: Vec<devices::DeviceInfo>| {
            list.into_iter()
                .map(|d| Device {
                    id: d.id,
                    name: d.name,
                })
                .collect()
        };
        Devices {
            cameras: map(devices::list_cameras()),
            microphones: map(devices::list_microphones()),
            speakers: map(devices::list_speakers()),
        }
    })
    .await
    .map_err(|e| AppError::Media(e.to_string()))
}
