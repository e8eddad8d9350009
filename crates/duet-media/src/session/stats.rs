//! The once-a-second statistics task, which also drives VP8 bitrate adaptation.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use webrtc::peer_connection::{PeerConnection, RTCStatsReport, RTCStatsReportEntry, StatsSelector};

use super::audio_send::AudioCommand;
use super::bandwidth::PathLoss;
use super::bitrate::{split_for_screen, video_budget_kbps, BitrateController};
use super::events::{CallStats, MediaEvent};
use super::lane::{Lane, VideoCounters};
use super::shared::{Phase, Shared};
use super::video_capture::VideoCommand;
use super::video_pause::VideoPause;

/// Loss, RTT and jitter read from one webrtc-rs stats report.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct PathReport {
    /// Fraction of our media the receiver reports lost (worst stream), from standalone RTCP
    /// receiver reports only (see [`send_loss`]).
    pub video_send_loss: Option<f64>,
    /// Round-trip time from RTCP receiver reports, else from ICE.
    pub rtt_ms: Option<f64>,
    /// Cumulative packets lost and received across incoming streams.
    pub recv_lost_received: (i64, u64),
    /// Incoming audio jitter in milliseconds.
    pub audio_jitter_ms: Option<f64>,
}

/// Extracts what the SDK and the bitrate controller need from a stats report.
pub fn read_report(report: &RTCStatsReport) -> PathReport {
    let mut out = PathReport::default();
    for entry in report.iter() {
        match entry {
            // webrtc-rs 0.21 fills these from RTCP receiver reports but leaves the RTT at 0 and
            // does not always tag the media kind, so the worst stream's loss is used and the RTT
            // falls back to ICE's.
            RTCStatsReportEntry::RemoteInboundRtp(s) => {
                if s.round_trip_time > 0.0 {
                    out.rtt_ms = Some(s.round_trip_time * 1000.0);
                }
                let loss = s.fraction_lost.clamp(0.0, 1.0);
                out.video_send_loss = Some(out.video_send_loss.map_or(loss, |l: f64| l.max(loss)));
            }
            RTCStatsReportEntry::InboundRtp(s) => {
                let received = &s.received_rtp_stream_stats;
                out.recv_lost_received.0 += received.packets_lost.max(0);
                out.recv_lost_received.1 += received.packets_received;
                if received.rtp_stream_stats.kind == RtpCodecKind::Audio {
                    // Reported in RTP timestamp units (48 kHz for Opus), not seconds.
                    out.audio_jitter_ms = Some(received.jitter / 48.0);
                }
            }
            RTCStatsReportEntry::IceCandidatePair(p)
                if out.rtt_ms.is_none() && p.nominated && p.current_round_trip_time > 0.0 =>
            {
                out.rtt_ms = Some(p.current_round_trip_time * 1000.0);
            }
            _ => {}
        }
    }
    out
}

/// One video lane's counters at one moment.
struct LaneSnapshot {
    frames_encoded: u64,
    frames_decoded: u64,
    sent: u64,
    received: u64,
}

impl LaneSnapshot {
    fn take(counters: &VideoCounters) -> Self {
        Self {
            frames_encoded: counters.frames_encoded.load(Ordering::Relaxed),
            frames_decoded: counters.frames_decoded.load(Ordering::Relaxed),
            sent: counters.bytes_sent.load(Ordering::Relaxed),
            received: counters.bytes_received.load(Ordering::Relaxed),
        }
    }
}

struct Snapshot {
    at: Instant,
    camera: LaneSnapshot,
    screen: LaneSnapshot,
    audio_sent: u64,
    audio_received: u64,
    lost_received: (i64, u64),
}

impl Snapshot {
    fn take(shared: &Shared, lost_received: (i64, u64)) -> Self {
        let c = &shared.counters;
        Self {
            at: Instant::now(),
            camera: LaneSnapshot::take(&c.camera),
            screen: LaneSnapshot::take(&c.screen),
            audio_sent: c.audio_bytes_sent.load(Ordering::Relaxed),
            audio_received: c.audio_bytes_received.load(Ordering::Relaxed),
            lost_received,
        }
    }
}

/// Emits `Stats` every second until the session closes; once released, also moves the video
/// bitrate and the audio's expected loss with the path.
pub(crate) async fn run(shared: Arc<Shared>, pc: Arc<dyn PeerConnection>) {
    let mut controller =
        BitrateController::new(shared.config.min_bitrate, shared.config.max_bitrate);
    let mut applied_kbps = controller.target_kbps();
    let mut screen_kbps = 0;
    let mut pause = VideoPause::new(shared.config.min_bitrate);
    let mut previous = Snapshot::take(&shared, (0, 0));
    let mut phase = shared.phase.subscribe();
    // What all video was last given, and the audio's rate then: a fall of the estimate between
    // two ticks is applied at once from them.
    let mut video_total_kbps = applied_kbps;
    let mut audio_kbps = 0.0;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    loop {
        let fell = tokio::select! {
            _ = ticker.tick() => false,
            () = shared.estimate.fell() => true,
            // An error means the phase's sender is gone with the session: closed too.
            _ = phase.wait_for(|p| *p == Phase::Closed) => break,
        };
        if fell {
            if *phase.borrow() == Phase::Released && !pause.paused() {
                let video_kbps = controller.video_target_kbps(
                    estimate_kbps(&shared),
                    audio_kbps,
                    shared.path_loss.inherent(),
                );
                if f64::from(video_kbps) < f64::from(video_total_kbps) * FALL_APPLIED_AT_ONCE {
                    tracing::debug!(video_kbps, "estimate fell: lowered at once");
                    (applied_kbps, screen_kbps) = set_video_bitrate(&shared, video_kbps);
                    video_total_kbps = video_kbps;
                }
            }
            continue;
        }
        let report = read_report(&pc.get_stats(Instant::now(), StatsSelector::None).await);
        let now = Snapshot::take(&shared, report.recv_lost_received);
        let send_loss = send_loss(&report, &shared.path_loss);
        if *phase.borrow() == Phase::Released {
            // The path's own loss (a test of the estimator's found it does not fall with the
            // rate) is no reason to cut; only what comes on top of it is. The controller keeps
            // to the receiver reports' loss: the estimator already answers the loss it measures
            // itself, and before its first test (inherent loss 0) random loss would cut here too.
            let inherent = shared.path_loss.inherent();
            let reported = report.video_send_loss.unwrap_or(0.0);
            controller.on_report((reported - inherent).max(0.0), report.rtt_ms);
            let estimate_kbps = estimate_kbps(&shared);
            audio_kbps = rate_kbps(&previous, &now, now.audio_sent, previous.audio_sent);
            let video_kbps = controller.video_target_kbps(estimate_kbps, audio_kbps, inherent);
            video_total_kbps = video_kbps;
            tracing::debug!(
                send_loss,
                inherent,
                rtt_ms = report.rtt_ms,
                estimate_kbps,
                controller_kbps = controller.target_kbps(),
                video_kbps,
                "bitrate"
            );
            let availability = *shared.availability.borrow();
            // While a screen is shared the split keeps the camera's own floor; the pause is
            // for a camera that is all the video (so a pause never has a screen to split with).
            let camera = (availability.video || availability.video_paused) && !availability.screen;
            let (was_paused, was_sending) = (pause.paused(), pause.sending());
            let budget = video_budget_kbps(estimate_kbps, audio_kbps);
            let paused = pause.update(now.at, budget, camera);
            // A trial sends at the floor; a paused encoder keeps it for the next trial.
            let kbps = if paused {
                shared.config.min_bitrate
            } else {
                video_kbps
            };
            (applied_kbps, screen_kbps) = set_video_bitrate(&shared, kbps);
            if pause.sending() != was_sending {
                tracing::info!(state = ?pause.state(), budget, "camera video paused or on trial");
                shared.send_video(VideoCommand::SetNetworkPaused(!pause.sending()));
            }
            if paused != was_paused {
                tracing::info!(paused, budget, "video paused by the network (told)");
                shared.emit(MediaEvent::VideoPausedByNetwork { paused });
            }
            let percent = (send_loss * 100.0).round().clamp(0.0, 100.0) as u32;
            shared.send_audio(AudioCommand::SetExpectedLoss(percent));
        }
        let mut stats = call_stats(
            &previous,
            &now,
            (&report, send_loss),
            (applied_kbps, screen_kbps),
            &shared,
        );
        stats.video_paused_by_network = pause.paused();
        shared.emit(MediaEvent::Stats { stats });
        previous = now;
    }
}

/// The loss of what we send: the last second's transport feedback where there is enough of it
/// (the receiver acknowledges every packet, audio and video alike), else the receiver reports'.
/// webrtc-rs's receiver-report figure alone stays 0 whenever the far side sends media too.
fn send_loss(report: &PathReport, path_loss: &PathLoss) -> f64 {
    path_loss
        .recent()
        .or(report.video_send_loss)
        .unwrap_or(0.0)
        .clamp(0.0, 1.0)
}

/// A fall of the video target to under this share of what it was given is applied at once;
/// smaller ones wait for the next tick.
const FALL_APPLIED_AT_ONCE: f64 = 0.95;

/// The send-side estimate in kbit/s, if there is one yet.
fn estimate_kbps(shared: &Shared) -> Option<u32> {
    match shared.estimate.bps() {
        0 => None,
        bps => Some(u32::try_from(bps / 1000).unwrap_or(u32::MAX)),
    }
}

/// Gives the camera, and a shared screen if there is one, their parts of `video_kbps`:
/// (camera, screen).
fn set_video_bitrate(shared: &Shared, video_kbps: u32) -> (u32, u32) {
    let (camera, screen) = if shared.availability.borrow().screen {
        split_for_screen(video_kbps)
    } else {
        (video_kbps, 0)
    };
    shared.send_video(VideoCommand::SetBitrate(camera));
    if screen > 0 {
        shared.send_lane(Lane::Screen, VideoCommand::SetBitrate(screen));
    }
    (camera, screen)
}

/// A byte counter's rate between two snapshots, in kbit/s.
fn rate_kbps(previous: &Snapshot, now: &Snapshot, bytes_now: u64, bytes_before: u64) -> f64 {
    let secs = now.at.duration_since(previous.at).as_secs_f64().max(1e-3);
    bytes_now.saturating_sub(bytes_before) as f64 * 8.0 / 1000.0 / secs
}

/// The rates between two snapshots, and the path's numbers from `report`.
fn call_stats(
    previous: &Snapshot,
    now: &Snapshot,
    (report, send_loss): (&PathReport, f64),
    (target_kbps, screen_target_kbps): (u32, u32),
    shared: &Shared,
) -> CallStats {
    let secs = now.at.duration_since(previous.at).as_secs_f64().max(1e-3);
    let kbps = |bytes_now: u64, before: u64| rate_kbps(previous, now, bytes_now, before);
    let lost = now.lost_received.0 - previous.lost_received.0;
    let received = now.lost_received.1.saturating_sub(previous.lost_received.1) as i64;
    let recv_loss = if lost + received > 0 {
        (lost.max(0) as f64 / (lost + received) as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    CallStats {
        video_send_kbps: kbps(now.camera.sent, previous.camera.sent),
        video_recv_kbps: kbps(now.camera.received, previous.camera.received),
        audio_send_kbps: kbps(now.audio_sent, previous.audio_sent),
        audio_recv_kbps: kbps(now.audio_received, previous.audio_received),
        send_fps: (now.camera.frames_encoded - previous.camera.frames_encoded) as f64 / secs,
        recv_fps: (now.camera.frames_decoded - previous.camera.frames_decoded) as f64 / secs,
        video_target_kbps: target_kbps,
        rtt_ms: report.rtt_ms,
        send_loss,
        recv_loss,
        jitter_ms: report.audio_jitter_ms.unwrap_or(0.0),
        corrupt_frames: shared.counters.corrupt_frames.load(Ordering::Relaxed),
        local_speech: shared.counters.local_speech.swap(false, Ordering::Relaxed),
        screen_send_kbps: kbps(now.screen.sent, previous.screen.sent),
        screen_recv_kbps: kbps(now.screen.received, previous.screen.received),
        screen_send_fps: (now.screen.frames_encoded - previous.screen.frames_encoded) as f64 / secs,
        screen_recv_fps: (now.screen.frames_decoded - previous.screen.frames_decoded) as f64 / secs,
        screen_target_kbps,
        video_paused_by_network: false,
    }
}
