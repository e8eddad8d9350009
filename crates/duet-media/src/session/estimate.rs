//! An interceptor that hands the send-side bandwidth estimate to the application.
//!
//! webrtc-rs's congestion-control interceptor runs Google Congestion Control (delay gradient and
//! loss, from the transport-wide congestion control feedback the peer sends) and attaches each
//! new target to the feedback packet that produced it, as `TargetBitrateChanged`, on the read
//! leg. Sitting application-ward of it, this tap stores the latest target where the once-a-second
//! bitrate task reads it, and wakes that task when the target falls: a lower rate is applied to
//! the encoder at once, since every second spent over a link's capacity fills its queue.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, StreamInfo, TaggedPacket};
use rtc::sansio::Protocol;
use rtc::shared::error::Error;
use tokio::sync::Notify;

/// The latest estimate, and a wake-up when it falls.
#[derive(Debug, Default)]
pub struct Estimate {
    bps: AtomicU64,
    fell: Notify,
}

impl Estimate {
    /// The latest estimate in bits per second; 0 until the first feedback moved it.
    pub fn bps(&self) -> u64 {
        self.bps.load(Ordering::Relaxed)
    }

    /// Stores `bps`; a fall wakes [`Self::fell`] (one wake-up for any number of falls).
    pub fn store(&self, bps: u64) {
        let before = self.bps.swap(bps, Ordering::Relaxed);
        if bps < before {
            self.fell.notify_one();
        }
    }

    /// Waits until the estimate has fallen since the last wake-up.
    pub async fn fell(&self) {
        self.fell.notified().await;
    }
}

/// The estimate, shared between the tap and the bitrate task.
pub type SharedEstimate = Arc<Estimate>;

/// Copies every `TargetBitrateChanged` into a [`SharedEstimate`]; passes everything through.
pub struct EstimateTap {
    estimate: SharedEstimate,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl EstimateTap {
    pub fn new(estimate: SharedEstimate) -> Self {
        Self {
            estimate,
            read_queue: VecDeque::new(),
            write_queue: VecDeque::new(),
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for EstimateTap {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Some(Attribute::TargetBitrateChanged { bits_per_second }) =
            msg.message.get(&Attribute::TargetBitrateChanged {
                bits_per_second: 0.0,
            })
        {
            self.estimate.store(bits_per_second.max(0.0).round() as u64);
        }
        self.read_queue.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read_queue.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.write_queue.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write_queue.pop_front()
    }
}

impl Interceptor for EstimateTap {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::interceptor::Packet;

    fn feedback(attribute: Option<Attribute>) -> TaggedPacket {
        let mut msg = TaggedPacket {
            now: Instant::now(),
            transport: Default::default(),
            message: rtc::interceptor::AttributedPacket::new(Packet::Rtcp(Vec::new())),
        };
        if let Some(attribute) = attribute {
            msg.message.add(attribute);
        }
        msg
    }

    #[test]
    fn the_latest_target_is_kept_and_packets_pass_unchanged() {
        let estimate = SharedEstimate::default();
        let mut tap = EstimateTap::new(estimate.clone());
        tap.handle_read(feedback(None)).unwrap();
        assert_eq!(estimate.bps(), 0, "no estimate yet");
        tap.handle_read(feedback(Some(Attribute::TargetBitrateChanged {
            bits_per_second: 312_400.4,
        })))
        .unwrap();
        assert_eq!(estimate.bps(), 312_400);
        assert!(tap.poll_read().is_some() && tap.poll_read().is_some());
        assert!(tap.poll_read().is_none());
    }

    #[tokio::test]
    async fn a_fall_wakes_the_bitrate_task_once_and_a_rise_does_not() {
        use std::time::Duration;
        let estimate = Estimate::default();
        estimate.store(1_000_000);
        estimate.store(800_000);
        estimate.store(700_000);
        // One wake-up is stored for both falls.
        tokio::time::timeout(Duration::from_secs(5), estimate.fell())
            .await
            .expect("woken by the falls");
        estimate.store(900_000);
        let woken = tokio::time::timeout(Duration::ZERO, estimate.fell()).await;
        assert!(woken.is_err(), "a rise wakes nothing");
    }
}
