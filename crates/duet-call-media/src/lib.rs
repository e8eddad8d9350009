#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! Real media for SDK calls: [`DuetMediaEngine`] plugs duet-media's [`duet_media::CallMedia`]
//! into duet-callkit's [`duet_callkit::MediaEngine`] seam.
//!
//! Each call gets one tokio task that owns its `CallMedia`; the SDK's synchronous
//! [`duet_callkit::MediaSession`] calls become commands on that task's channel, so they never
//! block the SDK's task and keep their order.
//!
//! ```no_run
//! use std::sync::Arc;
//! use duet_call_media::{DuetMediaEngine, MediaSetup};
//! use duet_callkit::{CallKit, CallKitConfig};
//! let config = CallKitConfig::new("ws://127.0.0.1:7420/ws", "demo", "alice", "dt1...");
//! let kit = CallKit::with_media(config, Arc::new(DuetMediaEngine::new(MediaSetup::devices())));
//! # let _ = kit;
//! ```

mod call_config;
mod call_devices;
mod devices;
mod echo;
mod engine;
mod grade;
mod playout;
mod preview;
mod session;
mod setup;
mod share;

pub use engine::DuetMediaEngine;
pub use preview::{LocalPreview, PreviewSinks};
pub use setup::{AudioSinkFactory, MediaSetup, VideoSinkFactory};
