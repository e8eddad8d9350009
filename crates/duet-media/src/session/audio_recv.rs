//! Remote audio: RTP (this async task) -> the playout thread ([`super::audio_playout`]), which
//! buffers, decodes and plays it on a 20 ms clock.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::audio_playout::{Packet, PlayoutCommand};
use super::shared::Shared;

/// Starts receiving `track`: attaches a packet channel to the playout thread and feeds it until
/// the track ends or the session closes (dropping the sender tells the thread the track ended).
pub(crate) fn spawn(shared: Arc<Shared>, track: Arc<dyn TrackRemote>) {
    let (packets, attached) = crossbeam_channel::unbounded();
    if shared
        .playout_commands
        .send(PlayoutCommand::Attach(attached))
        .is_err()
    {
        // No playout thread (closed, or it could not start): nothing would be heard.
        return;
    }
    shared.runtime.clone().spawn(async move {
        loop {
            let event = tokio::select! {
                event = track.poll() => event,
                () = shared.wait_closed() => break,
            };
            let Some(event) = event else { break };
            let TrackRemoteEvent::OnRtpPacket(packet) = event else {
                continue;
            };
            shared
                .counters
                .audio_bytes_received
                .fetch_add(packet.payload.len() as u64, Ordering::Relaxed);
            let packet = Packet {
                sequence: packet.header.sequence_number,
                payload: packet.payload.to_vec(),
            };
            if packets.send(packet).is_err() {
                // The playout thread has stopped.
                break;
            }
        }
    });
}
