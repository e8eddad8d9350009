//! A media engine that records what the SDK asks of it and can emit signals on demand.

use duet_callkit::{
    DeviceKind, MediaCallInfo, MediaChoices, MediaDevice, MediaEngine, MediaEvents, MediaSession,
    Role,
};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What happened to media, in order, as short strings like `start:Caller` or `close`.
#[derive(Clone, Default)]
pub struct RecordingMedia {
    pub log: Arc<Mutex<Vec<String>>>,
    pub signals: Arc<Mutex<Vec<mpsc::UnboundedSender<serde_json::Value>>>>,
    pub events: Arc<Mutex<Vec<MediaEvents>>>,
    /// The choices each session started with.
    pub started_with: Arc<Mutex<Vec<MediaChoices>>>,
}

impl RecordingMedia {
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Makes the most recent session report that ICE found no path.
    pub fn fail_ice(&self) {
        self.events.lock().unwrap().last().unwrap().ice_failed();
    }

    /// Makes the most recent session send `payload` to the peer.
    pub fn emit_signal(&self, payload: serde_json::Value) {
        self.signals
            .lock()
            .unwrap()
            .last()
            .unwrap()
            .send(payload)
            .unwrap();
    }
}

struct Session {
    log: Arc<Mutex<Vec<String>>>,
}

impl MediaEngine for RecordingMedia {
    fn start(
        &self,
        call: MediaCallInfo,
        signals_out: mpsc::UnboundedSender<serde_json::Value>,
        events: MediaEvents,
    ) -> Box<dyn MediaSession> {
        self.events.lock().unwrap().push(events);
        self.started_with.lock().unwrap().push(call.choices.clone());
        let role = match call.role {
            Role::Caller => "Caller",
            Role::Callee => "Callee",
        };
        self.log
            .lock()
            .unwrap()
            .push(format!("start:{role}:{}", call.ice_servers.len()));
        self.signals.lock().unwrap().push(signals_out);
        Box::new(Session {
            log: self.log.clone(),
        })
    }

    /// One device of each kind, `<kind>-1`.
    fn devices(&self, kind: DeviceKind) -> Vec<MediaDevice> {
        vec![MediaDevice {
            kind,
            id: format!("{kind}-1"),
            name: format!("The {kind}"),
        }]
    }

    /// Takes ids that start with the kind's name.
    fn check_device(&self, kind: DeviceKind, id: &str) -> Result<(), String> {
        match id.starts_with(kind.as_str()) {
            true => Ok(()),
            false => Err(format!("not a {kind}")),
        }
    }
}

impl MediaSession for Session {
    fn handle_remote_signal(&mut self, payload: serde_json::Value) {
        self.log.lock().unwrap().push(format!("remote:{payload}"));
    }
    fn release(&mut self) {
        self.log.lock().unwrap().push("release".into());
    }
    fn set_audio_enabled(&mut self, enabled: bool) {
        self.log.lock().unwrap().push(format!("audio:{enabled}"));
    }
    fn set_video_enabled(&mut self, _enabled: bool) {}
    fn select_device(&mut self, kind: DeviceKind, id: &str) {
        self.log.lock().unwrap().push(format!("device:{kind}:{id}"));
    }
    fn set_remote_audio_muted(&mut self, muted: bool) {
        self.log
            .lock()
            .unwrap()
            .push(format!("remote_muted:{muted}"));
    }
    fn set_speaker_enabled(&mut self, enabled: bool) {
        self.log.lock().unwrap().push(format!("speaker:{enabled}"));
    }
    fn close(&mut self) {
        self.log.lock().unwrap().push("close".into());
    }
}
