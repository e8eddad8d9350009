//! The seam to the media engine (crates/duet-media plugs in here); `NoMedia` does nothing.

use duet_call::client::Role;
use duet_protocol::{CallId, CallType, IceServer};
use tokio::sync::mpsc;

/// What a media session needs to know about its call.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaCallInfo {
    /// The call this session serves.
    pub call_id: CallId,
    /// Caller offers, callee answers.
    pub role: Role,
    /// Audio only, or audio and video.
    pub call_type: CallType,
    /// STUN/TURN servers handed out at login.
    pub ice_servers: Vec<IceServer>,
}

/// Makes one media session per call. It is started while the call rings, so media connects
/// before the answer.
pub trait MediaEngine: Send + Sync {
    /// Starts connecting media for `call`; negotiation to send goes into `signals_out`, and the
    /// SDK relays it to the peer as `call.signal`.
    fn start(
        &self,
        call: MediaCallInfo,
        signals_out: mpsc::UnboundedSender<serde_json::Value>,
    ) -> Box<dyn MediaSession>;
}

/// One call's media.
pub trait MediaSession: Send {
    /// Negotiation from the peer (SDP, ICE candidates), as it sent it.
    fn handle_remote_signal(&mut self, payload: serde_json::Value);
    /// The call was answered: let audio and video flow.
    fn release(&mut self);
    /// Turns the local microphone on or off.
    fn set_audio_enabled(&mut self, enabled: bool);
    /// Turns the local camera on or off.
    fn set_video_enabled(&mut self, enabled: bool);
    /// The call ended or stopped ringing here: release devices and sockets.
    fn close(&mut self);
}

/// A media engine that does nothing: signaling-only clients, bots and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMedia;

impl MediaEngine for NoMedia {
    fn start(
        &self,
        _call: MediaCallInfo,
        _signals_out: mpsc::UnboundedSender<serde_json::Value>,
    ) -> Box<dyn MediaSession> {
        Box::new(NoMedia)
    }
}

impl MediaSession for NoMedia {
    fn handle_remote_signal(&mut self, _payload: serde_json::Value) {}
    fn release(&mut self) {}
    fn set_audio_enabled(&mut self, _enabled: bool) {}
    fn set_video_enabled(&mut self, _enabled: bool) {}
    fn close(&mut self) {}
}
