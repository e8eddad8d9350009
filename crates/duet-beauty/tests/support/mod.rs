//! Helpers shared by the tests, the benchmark and the docs example: the portrait fixture, the
//! synthetic chart, masks, metrics and PNG output. Each user needs only some of them.
#![allow(dead_code)]

pub mod chart;
pub mod fixture;
pub mod masks;
pub mod metrics;
pub mod picture;
pub mod portrait_masks;
