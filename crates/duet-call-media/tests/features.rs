//! SDK media features over the real server on 127.0.0.1: nertc-call's configuration, devices
//! and playout, beauty levels and previews, media events, the echo peer and call type switches. One binary, to link the media stack once.

mod support;

#[path = "features/beauty.rs"]
mod beauty;
#[path = "features/config.rs"]
mod config;
#[path = "features/devices.rs"]
mod devices;
#[path = "features/echo.rs"]
mod echo;
#[path = "features/events.rs"]
mod events;
#[path = "features/frames.rs"]
mod frames;
#[path = "features/switch_type.rs"]
mod switch_type;
