//! The SDK's own test doubles: a scripted server and a media engine that records what it is told.
//! Servers, clients and event waits come from duet-testkit.
#![allow(dead_code)]

pub mod fake_server;
pub mod recording_media;
