//! Media for the app: the engine every call and the settings preview share, the sources a user
//! (devices) or a test (`--camera`-style overrides) picks, and the preview's microphone meter.

pub mod devices;
pub mod engine;
pub mod mic_meter;
pub mod preview;
pub mod share_thumbnail;
pub mod sources;
