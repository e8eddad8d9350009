//! Codecs: VP8 through libvpx and Opus through libopus, each behind a small safe wrapper.

pub mod opus;
pub mod vp8;
