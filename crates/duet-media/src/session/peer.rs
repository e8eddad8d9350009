//! Building the one webrtc-rs peer connection of a call.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use rtc::ice::mdns::MulticastDnsMode;
use rtc::interceptor::{
    CongestionControlBuilder, NackGeneratorBuilder, Slot, TwccReceiverBuilder, TwccSenderBuilder,
};
use rtc::peer_connection::configuration::interceptor_registry::{
    configure_nack, configure_rtcp_reports, configure_simulcast_extension_headers,
};
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::peer_connection::configuration::{RTCConfiguration, RTCIceTransportPolicy};
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpHeaderExtensionCapability,
    RtpCodecKind, TYPE_RTCP_FB_TRANSPORT_CC,
};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceServer, Registry, SettingEngineBuilder,
};

use super::bandwidth::{LossTolerantGcc, SharedPathLoss};
use super::estimate::{EstimateTap, SharedEstimate};
use super::keyframe::KeyframeRequestForwarder;
use super::pacer::Pacing;
use super::retransmit_budget::RetransmitBudget;
use crate::config::{IcePolicy, IceServer, MediaConfig};
use crate::error::{MediaError, MediaResult};

/// Payload type offered for VP8; the answer's may differ and is read back per sender.
pub const VP8_PAYLOAD_TYPE: u8 = 96;
/// Payload type offered for Opus.
pub const OPUS_PAYLOAD_TYPE: u8 = 111;

/// The VP8 codec as negotiated: NACK, PLI and FIR feedback.
pub fn vp8_codec() -> RTCRtpCodec {
    let feedback = |typ: &str, parameter: &str| RTCPFeedback {
        typ: typ.into(),
        parameter: parameter.into(),
    };
    RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.into(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![
            feedback("ccm", "fir"),
            feedback("nack", ""),
            feedback("nack", "pli"),
        ],
    }
}

/// The Opus codec as negotiated: in-band FEC on, DTX allowed.
pub fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.into(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1;usedtx=1".into(),
        rtcp_feedback: Vec::new(),
    }
}

/// The ICE part of the peer connection's configuration: servers and candidate policy.
fn ice_configuration(servers: &[IceServer], policy: IcePolicy) -> RTCConfiguration {
    let ice_servers = servers
        .iter()
        .map(|s| RTCIceServer {
            urls: s.urls.clone(),
            username: s.username.clone(),
            credential: s.credential.clone(),
        })
        .collect();
    let policy = match policy {
        IcePolicy::All => RTCIceTransportPolicy::All,
        IcePolicy::Relay => RTCIceTransportPolicy::Relay,
    };
    RTCConfigurationBuilder::new()
        .with_ice_servers(ice_servers)
        .with_ice_transport_policy(policy)
        .build()
}

/// Builds the peer connection with Duet's codecs, interceptors and ICE timing.
pub async fn build(
    config: &MediaConfig,
    handler: Arc<dyn PeerConnectionEventHandler>,
    estimate: SharedEstimate,
    path_loss: SharedPathLoss,
) -> MediaResult<Arc<dyn PeerConnection>> {
    let bind: IpAddr = config.bind_address.parse().map_err(|_| {
        MediaError::InvalidConfig(format!("bad bind address {}", config.bind_address))
    })?;

    let mut media_engine = MediaEngine::default();
    media_engine.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: vp8_codec(),
            payload_type: VP8_PAYLOAD_TYPE,
        },
        RtpCodecKind::Video,
    )?;
    media_engine.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus_codec(),
            payload_type: OPUS_PAYLOAD_TYPE,
        },
        RtpCodecKind::Audio,
    )?;
    // NACK as webrtc-rs's defaults have it, but with a bounded retransmission budget (below),
    // and RTCP sender/receiver reports; the forwarder hands PLI/FIR to our encoder loop.
    let registry = configure_nack(Registry::new(), &mut media_engine).with(
        Slot::NackGenerator,
        NackGeneratorBuilder::new()
            .with_interval(NACK_INTERVAL)
            .with_max_nacks_per_packet(MAX_NACKS_PER_PACKET)
            .build(),
    );
    configure_simulcast_extension_headers(&mut media_engine)?;
    let registry = configure_rtcp_reports(registry);
    let registry = congestion_control(registry, &mut media_engine, config, path_loss.clone())?
        .with(Slot::from(14_000), KeyframeRequestForwarder::default())
        .with(Slot::from(14_500), EstimateTap::new(estimate.clone()))
        // Between the NACK responder (4,000) and the wire: resends within a share of the estimate.
        .with(
            Slot::from(3_500),
            RetransmitBudget::new(estimate.clone(), path_loss),
        )
        // Video and resends leave at 2.5 times the estimate, before they are numbered.
        .with(Slot::Pacer, Pacing::new(estimate));

    // ICE checks are paced at 200 ms by default; 20 ms makes a loopback or LAN connect take
    // tens of milliseconds. mDNS is off: host candidates carry plain IPs, and this machine
    // has no multicast interface.
    //
    // Peer-reflexive pairs are accepted at once, like host pairs. With trickle ICE the callee's
    // first check usually reaches the caller before the callee's candidates do, so the caller
    // learns that address as peer-reflexive; webrtc-rs then waited its default 1 s before
    // nominating it, and about one call in three took 1.1 s to connect instead of ~50 ms.
    // Relayed candidates keep their 2 s wait, so a direct path still wins over TURN.
    let setting_engine = SettingEngineBuilder::new()
        .with_prflx_acceptance_min_wait(Some(Duration::ZERO))
        .with_ice_connection_attempts(Some(Duration::from_millis(20)), Some(25))
        .with_ice_timeouts(
            Some(Duration::from_secs(3)),
            Some(Duration::from_secs(10)),
            Some(Duration::from_millis(500)),
        )
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        .with_include_loopback_candidate(bind.is_loopback());
    let setting_engine = match config.turn_refresh_interval {
        Some(cap) => setting_engine.with_turn_allocation_refresh_interval_cap(cap),
        None => setting_engine,
    }
    .build();

    let configuration = ice_configuration(&config.ice_servers, config.ice_policy);

    let pc = PeerConnectionBuilder::new()
        .with_configuration(configuration)
        .with_media_engine(media_engine)
        .with_setting_engine(setting_engine)
        .with_interceptor_registry(registry)
        .with_handler(handler)
        .with_udp_addrs(vec![format!("{bind}:0")])
        .build()
        .await?;
    Ok(Arc::new(pc))
}

/// Send-side bandwidth estimation: transport-wide congestion control (TWCC) feedback, which
/// browsers send too, numbered by the TWCC sender and read by [`LossTolerantGcc`] (webrtc-rs's
/// Google Congestion Control for the delay gradient, Duet's loss judge for loss, which does not
/// take random loss for congestion). Its estimate reaches [`EstimateTap`]; the bitrate task
/// sets the encoder from it. The TWCC receiver reports what arrives here, for the peer's
/// estimator.
///
/// The pacer (`pacer.rs`) sends at 2.5 times the estimate: it spreads each frame's burst without
/// queueing what the encoder, held to the estimate, produces on average.
fn congestion_control(
    registry: Registry,
    media_engine: &mut MediaEngine,
    config: &MediaConfig,
    path_loss: SharedPathLoss,
) -> MediaResult<Registry> {
    for kind in [RtpCodecKind::Video, RtpCodecKind::Audio] {
        media_engine.register_feedback(
            RTCPFeedback {
                typ: TYPE_RTCP_FB_TRANSPORT_CC.to_owned(),
                parameter: String::new(),
            },
            kind,
        );
        media_engine.register_header_extension(
            RTCRtpHeaderExtensionCapability {
                uri: rtc::sdp::extmap::TRANSPORT_CC_URI.to_owned(),
            },
            kind,
            None,
        )?;
    }
    // Room for audio (Opus is at most 128 kbit/s) above the video's maximum; the floor is well
    // under any video minimum, so the estimate can say when even that does not fit.
    let max_bps = f64::from(config.max_bitrate + AUDIO_HEADROOM_KBPS) * 1000.0;
    let estimator = LossTolerantGcc::new(max_bps, ESTIMATE_FLOOR_BPS, max_bps, path_loss);
    Ok(registry
        .with(
            Slot::CongestionControl,
            CongestionControlBuilder::new(estimator).build(),
        )
        .with(Slot::TwccSender, TwccSenderBuilder::new().build())
        .with(Slot::TwccReceiver, TwccReceiverBuilder::new().build()))
}

/// How often one lost video packet is asked for again. webrtc-rs asks without end by default:
/// on a congested link every lost packet was then re-requested ten times a second for as long as
/// it stayed in the 512-packet log, and the retransmissions (over 1,000 packets a second under a
/// 300 kbit/s cap) kept the link too full for any picture to get through (the retransmission
/// budget, `retransmit_budget.rs`, now bounds that too). Ten tries, libwebrtc's
/// `kMaxNackRetries`, 40 ms apart (the assembler waits 400 ms for them, `MAX_GAP_WAIT`): with the
/// NACK and the resend each lost at the path's rate, one try succeeds with (1 − loss)² odds, so
/// at 40 % loss each way six tries left 7 % of lost packets unrepaired (about three gaps a
/// second, each a keyframe request: 0–3 fps in the network lab) and ten leave 1.2 % (9–12 fps).
/// At 20 % loss six tries already repaired 99.8 %; three tries 100 ms apart left 7 %, and video
/// fell to 7 fps waiting for keyframes.
const MAX_NACKS_PER_PACKET: u16 = 10;
/// Between two NACK rounds. Shorter than most round trips, so a path of 100 ms RTT has a packet
/// asked for two or three times before the first retransmission can arrive: the price, bounded
/// by [`MAX_NACKS_PER_PACKET`], of repairing within a quarter second on every path.
const NACK_INTERVAL: Duration = Duration::from_millis(40);
/// What the estimate allows above the video's maximum, for audio and packet overhead.
pub const AUDIO_HEADROOM_KBPS: u32 = 150;
/// The lowest estimate: under any video minimum, above audio alone.
const ESTIMATE_FLOOR_BPS: f64 = 50_000.0;
