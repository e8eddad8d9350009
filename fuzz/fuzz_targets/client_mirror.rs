//! The client mirror, one per device of three accounts, each connected to a real switchboard
//! through frames that go through the wire encoding and are held in flight: the users call,
//! accept, reject, cancel, hang up, signal, mute and switch; connections drop and come back,
//! devices log out, the server restarts, and time advances past ring timeouts, reconnect grace
//! periods and the mirrors' own guards. Some steps hand one mirror a frame no honest server
//! sends (any event, any sequence number, any call, acks and errors for any request, re-syncs of
//! any shape); that mirror is then checked only for what must hold whatever the server says.
//!
//! Checked after every step, for every mirror: no panic; its status agrees with its current call
//! and invites; no call is both current and ringing, nor rings twice; each `RESYNCED` tells the
//! status it left. For mirrors that only heard the real switchboard: at most one ending event
//! (USER_REJECT, USER_BUSY, USER_CANCEL, CALLING_TIMEOUT, CALL_END, OTHER_CLIENT_*) and one
//! MESSAGE_SENT per call; once every frame in flight is delivered, a connected mirror is in
//! exactly the call the server has it in, and rings for no call that the server has not still
//! ringing; and at the end each ending event it showed matches its call's one record.

#![no_main]

use std::collections::{HashMap, HashSet, VecDeque};

use arbitrary::Arbitrary;
use duet_call::client::{CallState, ClientConfig, ClientEvent, ClientMirror, ClientOutput};
use duet_call::{CallRequest, DeviceKey, SwitchboardConfig};
use duet_fuzz::server::{cid, key, Server};
use duet_protocol::{
    decode_client, decode_server, encode, AccountId, CallEvent, CallId, CallRecord, CallSnapshot,
    CallSnapshotPhase, CallStatus, CallType, ClientMessage, EndReason, ErrorCode,
    OtherDeviceAction, Party, ServerFrame, ServerMessage,
};
use libfuzzer_sys::fuzz_target;

const ACCOUNTS: [&str; 3] = ["ann", "ben", "cat"];

#[derive(Debug, Arbitrary)]
struct Input {
    devices: [u8; 3],
    safe_mode: bool,
    ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Call {
        dev: u8,
        callee: u8,
        video: bool,
        timeout: Timeout,
    },
    Accept {
        dev: u8,
        pick: u8,
        as_audio: bool,
    },
    Reject {
        dev: u8,
        pick: u8,
        busy: bool,
    },
    Cancel {
        dev: u8,
    },
    Hangup {
        dev: u8,
        ice_failed: bool,
    },
    Signal {
        dev: u8,
        pick: Option<u8>,
        to: Option<u8>,
    },
    LocalMedia {
        dev: u8,
        audio: Option<bool>,
        video: Option<bool>,
    },
    SwitchType {
        dev: u8,
        video: bool,
    },
    AnswerSwitch {
        dev: u8,
        video: bool,
        accept: bool,
    },
    Deliver {
        dev: u8,
        count: u8,
    },
    Advance {
        ms: Advance,
    },
    Lose {
        dev: u8,
    },
    Reconnect {
        dev: u8,
    },
    Logout {
        dev: u8,
    },
    Restart,
    Checkpoint,
    /// A frame no honest server sends, handed to one mirror at once.
    Hostile {
        dev: u8,
        frame: Hostile,
    },
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Timeout {
    Default,
    Short,
    Any(u64),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Advance {
    Second,
    TenSeconds,
    PastGrace,
    PastRing,
    Millis(u16),
}

impl Advance {
    fn ms(self) -> u64 {
        match self {
            Advance::Second => 1_000,
            Advance::TenSeconds => 10_000,
            Advance::PastGrace => 26_000,
            Advance::PastRing => 36_000,
            Advance::Millis(ms) => u64::from(ms),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Hostile {
    Event {
        call: u8,
        seq: Option<u64>,
        event: HostileEvent,
    },
    Ack {
        req: Option<u64>,
        call: u8,
        token: Option<String>,
    },
    Error {
        req: Option<u64>,
        call: Option<u8>,
        code: u8,
    },
    Resync {
        calls: Vec<HostileSnapshot>,
    },
}

#[derive(Debug, Arbitrary)]
enum HostileEvent {
    Invited {
        caller: u8,
        video: bool,
        expires_in_ms: u64,
        waiting: bool,
    },
    Accepted {
        callee: u8,
        video: bool,
    },
    OtherDevice {
        accepted: bool,
    },
    Rejected,
    Busy,
    Canceled,
    Timeout,
    Ended {
        by: Option<u8>,
    },
    Record {
        status: u8,
    },
    Media {
        audio: bool,
        video: bool,
    },
    SwitchRequested {
        video: bool,
    },
    TypeChanged {
        video: bool,
    },
    SwitchRefused {
        video: bool,
    },
    Merged {
        into: u8,
    },
    Signal,
}

#[derive(Debug, Arbitrary)]
struct HostileSnapshot {
    call: u8,
    caller: u8,
    callee: u8,
    video: bool,
    /// `None`: ringing; `Some(device)`: answered by that device.
    answered_by: Option<u8>,
    expires_in_ms: u64,
    seq: u64,
}

const ERROR_CODES: [ErrorCode; 8] = [
    ErrorCode::CallEnded,
    ErrorCode::UnknownCall,
    ErrorCode::AnsweredElsewhere,
    ErrorCode::StaleSeq,
    ErrorCode::Busy,
    ErrorCode::InvalidState,
    ErrorCode::BadCallToken,
    ErrorCode::RateLimited,
];

fn call_type(video: bool) -> CallType {
    if video {
        CallType::Video
    } else {
        CallType::Audio
    }
}

struct Device {
    key: DeviceKey,
    mirror: ClientMirror,
    /// A transport is up (the mirror was told `handle_connected`).
    linked: bool,
    in_flight: VecDeque<ServerFrame>,
    /// It was handed a frame no honest server sends.
    tainted: bool,
    /// Per call: the ending events it showed and the records it got.
    endings: HashMap<CallId, Vec<&'static str>>,
    records: HashSet<CallId>,
}

struct World {
    server: Server,
    devices: Vec<Device>,
    next_call: u64,
    /// Every call id seen, for hostile frames to pick from.
    ids: Vec<CallId>,
    safe_mode: bool,
}

impl World {
    fn new(input: &Input) -> Self {
        let mut devices = Vec::new();
        for (account, n) in ACCOUNTS.iter().zip(input.devices) {
            for d in 0..(n % 3 + 1) {
                let key = key(account, &format!("{account}{d}"));
                let config = ClientConfig::new(key.account.clone(), key.device.clone());
                devices.push(Device {
                    key,
                    mirror: ClientMirror::new(config),
                    linked: false,
                    in_flight: VecDeque::new(),
                    tainted: false,
                    endings: HashMap::new(),
                    records: HashSet::new(),
                });
            }
        }
        let config = SwitchboardConfig {
            safe_mode: input.safe_mode,
            ..SwitchboardConfig::default()
        };
        let mut world = World {
            server: Server::new(config),
            devices,
            next_call: 0,
            ids: Vec::new(),
            safe_mode: input.safe_mode,
        };
        for i in 0..world.devices.len() {
            world.connect(i);
        }
        world
    }

    fn idx(&self, dev: u8) -> usize {
        usize::from(dev) % self.devices.len()
    }

    fn now(&self) -> u64 {
        self.server.now
    }

    /// Opens a transport and logs in: `login.ok` answers the login request, then the
    /// switchboard's `resync` follows.
    fn connect(&mut self, i: usize) {
        let now = self.now();
        let device = &mut self.devices[i];
        device.linked = true;
        device.mirror.handle_connected(now);
        let login = ClientMessage::Login {
            app_key: "fuzz".into(),
            account: device.key.account.clone(),
            token: "t".into(),
            device: device.key.device.clone(),
            call_waiting: false,
        };
        let req = device.mirror.request(login, now).expect("connected");
        let ok = ServerMessage::LoginOk {
            account: device.key.account.clone(),
            nick: format!("{} nick", device.key.account),
            device: device.key.device.clone(),
            heartbeat_ms: 10_000,
            ice_servers: vec![],
            ice_expires_at_ms: None,
            safe_mode: self.safe_mode,
            server_time_ms: now,
        };
        device.in_flight.push_back(ServerFrame::new(Some(req), ok));
        self.drain(i);
        let key = self.devices[i].key.clone();
        self.server.online(&key);
        self.route();
    }

    /// Moves what the switchboard sent into the devices' in-flight queues.
    fn route(&mut self) {
        for d in std::mem::take(&mut self.server.outbox) {
            let i = self
                .devices
                .iter()
                .position(|dev| dev.key == d.to)
                .expect("only the world's devices connect");
            if let ServerMessage::Call { call_id, .. } = &d.msg {
                self.remember(call_id.clone());
            }
            self.devices[i]
                .in_flight
                .push_back(ServerFrame::new(d.req, d.msg));
        }
    }

    fn remember(&mut self, id: CallId) {
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
    }

    /// Carries out what mirror `i` asked for (frames to the server) and checks its events.
    fn drain(&mut self, i: usize) {
        loop {
            let Some(output) = self.devices[i].mirror.poll_output() else {
                break;
            };
            if let ClientOutput::Send(frame) = output {
                // Through the wire: what the mirror sends must be what the server reads.
                let text = encode(&frame);
                let read = decode_client(&text).unwrap_or_else(|e| {
                    panic!("the mirror sent a frame the server refuses: {e}: {text}")
                });
                assert_eq!(read, frame, "a client frame changed on the wire");
                if let ClientMessage::Call {
                    call_id,
                    device,
                    seq,
                    call_token,
                    action,
                } = read.msg
                {
                    if self.devices[i].linked {
                        self.remember(call_id.clone());
                        let request = CallRequest {
                            call_id,
                            device,
                            seq,
                            call_token,
                            action,
                        };
                        let from = self.devices[i].key.clone();
                        self.server.call(&from, read.req, request);
                        self.route();
                    }
                }
            }
        }
        while let Some(event) = self.devices[i].mirror.poll_event() {
            self.check_event(i, &event);
        }
        self.check_shape(i);
    }

    fn check_event(&mut self, i: usize, event: &ClientEvent) {
        let device = &mut self.devices[i];
        let me = &device.key;
        if let ClientEvent::Resynced { status, .. } = event {
            assert_eq!(
                *status,
                device.mirror.status(),
                "{me}: RESYNCED tells the status"
            );
        }
        if device.tainted {
            return;
        }
        let Some(id) = event.call_id().cloned() else {
            return;
        };
        let ending = matches!(
            event,
            ClientEvent::UserReject { .. }
                | ClientEvent::UserBusy { .. }
                | ClientEvent::UserCancel { .. }
                | ClientEvent::CallingTimeout { .. }
                | ClientEvent::CallEnd { .. }
                | ClientEvent::OtherClientAccept { .. }
                | ClientEvent::OtherClientReject { .. }
        );
        if ending {
            let endings = device.endings.entry(id.clone()).or_default();
            endings.push(event.name());
            assert_eq!(
                endings.len(),
                1,
                "{me}: two ending events for {id}: {endings:?}"
            );
        }
        if let ClientEvent::MessageSent { .. } = event {
            assert!(
                device.records.insert(id.clone()),
                "{me}: two records for {id}"
            );
        }
    }

    /// What holds of a mirror whatever it was told.
    fn check_shape(&self, i: usize) {
        let device = &self.devices[i];
        let m = &device.mirror;
        let me = &device.key;
        let invites = m.invites();
        let ids: HashSet<&CallId> = invites.iter().map(|i| &i.call_id).collect();
        assert_eq!(
            ids.len(),
            invites.len(),
            "{me}: a call rings twice: {invites:?}"
        );
        let expected = match m.current() {
            Some(call) => {
                assert!(
                    !ids.contains(&call.call_id),
                    "{me}: call {} is current and rings",
                    call.call_id
                );
                if call.answered {
                    CallState::InCall
                } else {
                    CallState::Calling
                }
            }
            None if invites.is_empty() => CallState::Idle,
            None => CallState::Called,
        };
        assert_eq!(m.status(), expected, "{me}");
    }

    fn deliver(&mut self, i: usize, count: usize) {
        for _ in 0..count {
            let Some(frame) = self.devices[i].in_flight.pop_front() else {
                return;
            };
            let text = encode(&frame);
            let read = decode_server(&text)
                .unwrap_or_else(|e| panic!("the server sent a frame the SDK refuses: {e}: {text}"));
            assert_eq!(read, frame, "a server frame changed on the wire");
            let now = self.now();
            self.devices[i].mirror.handle_frame(read, now);
            self.drain(i);
        }
    }

    /// Delivers everything in flight, and what the answers cause, until nothing moves.
    fn settle(&mut self) {
        loop {
            let busy: Vec<usize> = (0..self.devices.len())
                .filter(|&i| !self.devices[i].in_flight.is_empty())
                .collect();
            if busy.is_empty() {
                return;
            }
            for i in busy {
                self.deliver(i, usize::MAX);
            }
        }
    }

    fn timers(&mut self) {
        let now = self.now();
        for i in 0..self.devices.len() {
            if self.devices[i]
                .mirror
                .poll_timeout()
                .is_some_and(|at| at <= now)
            {
                self.devices[i].mirror.handle_timeout(now);
                self.drain(i);
            }
        }
    }

    fn lose(&mut self, i: usize) {
        if !self.devices[i].linked {
            return;
        }
        let now = self.now();
        let device = &mut self.devices[i];
        device.linked = false;
        device.in_flight.clear();
        device.mirror.handle_disconnected(now);
        let key = device.key.clone();
        self.drain(i);
        if self.server.is_online(&key) {
            self.server.offline(&key, None);
            self.route();
        }
    }

    fn hostile(&mut self, i: usize, hostile: Hostile) {
        let pick = |ids: &[CallId], n: u8| -> CallId {
            if ids.is_empty() || usize::from(n) >= ids.len() * 2 {
                cid(&format!("h{n}"))
            } else {
                ids[usize::from(n) % ids.len()].clone()
            }
        };
        let party = |n: u8| {
            let d = &self.devices[self.idx(n)].key;
            Party {
                account: d.account.clone(),
                device: d.device.clone(),
                nick: String::new(),
            }
        };
        let me = self.devices[i].key.clone();
        let msg = match hostile {
            Hostile::Event { call, seq, event } => {
                let call_id = pick(&self.ids, call);
                let event = match event {
                    HostileEvent::Invited {
                        caller,
                        video,
                        expires_in_ms,
                        waiting,
                    } => CallEvent::Invited {
                        caller: party(caller),
                        callee: me.account.clone(),
                        call_type: call_type(video),
                        attachment: serde_json::Value::Null,
                        expires_in_ms,
                        call_token: "forged".into(),
                        waiting,
                    },
                    HostileEvent::Accepted { callee, video } => CallEvent::Accepted {
                        callee: party(callee),
                        call_type: call_type(video),
                    },
                    HostileEvent::OtherDevice { accepted } => CallEvent::OtherDevice {
                        action: if accepted {
                            OtherDeviceAction::Accepted
                        } else {
                            OtherDeviceAction::Rejected
                        },
                    },
                    HostileEvent::Rejected => CallEvent::Rejected,
                    HostileEvent::Busy => CallEvent::Busy,
                    HostileEvent::Canceled => CallEvent::Canceled,
                    HostileEvent::Timeout => CallEvent::Timeout,
                    HostileEvent::Ended { by } => CallEvent::Ended {
                        reason: EndReason::UserHangup,
                        by: by.map(|n| party(n).account),
                    },
                    HostileEvent::Record { status } => CallEvent::Record {
                        record: CallRecord {
                            call_id: call_id.clone(),
                            from: me.account.clone(),
                            to: party(status).account,
                            call_type: CallType::Audio,
                            status: CallStatus::ALL[usize::from(status) % 5],
                            reason: EndReason::Canceled,
                            started_at_ms: 0,
                            answered_at_ms: None,
                            ended_at_ms: 0,
                            duration_ms: 0,
                        },
                    },
                    HostileEvent::Media { audio, video } => CallEvent::Media {
                        audio,
                        video,
                        video_reason: None,
                    },
                    HostileEvent::SwitchRequested { video } => CallEvent::SwitchRequested {
                        call_type: call_type(video),
                    },
                    HostileEvent::TypeChanged { video } => CallEvent::TypeChanged {
                        call_type: call_type(video),
                    },
                    HostileEvent::SwitchRefused { video } => CallEvent::SwitchRefused {
                        call_type: call_type(video),
                    },
                    HostileEvent::Merged { into } => CallEvent::Merged {
                        into: pick(&self.ids, into),
                        call_token: "forged".into(),
                    },
                    HostileEvent::Signal => CallEvent::Signal {
                        from: party(0).device,
                        payload: serde_json::json!({}),
                    },
                };
                let seq = seq.unwrap_or(u64::MAX);
                (
                    None,
                    ServerMessage::Call {
                        call_id,
                        seq,
                        event,
                    },
                )
            }
            Hostile::Ack { req, call, token } => (
                req,
                ServerMessage::CallAck {
                    call_id: pick(&self.ids, call),
                    call_token: token,
                },
            ),
            Hostile::Error { req, call, code } => (
                req,
                ServerMessage::Error {
                    code: ERROR_CODES[usize::from(code) % ERROR_CODES.len()],
                    message: "forged".into(),
                    call_id: call.map(|n| pick(&self.ids, n)),
                },
            ),
            Hostile::Resync { calls } => {
                let calls = calls
                    .into_iter()
                    .map(|s| CallSnapshot {
                        call_id: pick(&self.ids, s.call),
                        caller: party(s.caller),
                        callee: party(s.callee).account,
                        call_type: call_type(s.video),
                        attachment: serde_json::Value::Null,
                        attachment_omitted: false,
                        phase: match s.answered_by {
                            None => CallSnapshotPhase::Ringing {
                                expires_in_ms: s.expires_in_ms,
                                call_token: "forged".into(),
                                waiting: false,
                            },
                            Some(n) => CallSnapshotPhase::Active {
                                callee_device: party(n).device,
                                answered_at_ms: s.expires_in_ms,
                                call_token: "forged".into(),
                            },
                        },
                        seq: s.seq,
                    })
                    .collect();
                (None, ServerMessage::Resync { calls })
            }
        };
        self.devices[i].tainted = true;
        let now = self.now();
        self.devices[i]
            .mirror
            .handle_frame(ServerFrame::new(msg.0, msg.1), now);
        self.drain(i);
    }

    fn apply(&mut self, op: Op) {
        let now = self.now();
        match op {
            Op::Call {
                dev,
                callee,
                video,
                timeout,
            } => {
                let i = self.idx(dev);
                self.next_call += 1;
                let id = cid(&format!("call{}", self.next_call));
                let callee = AccountId::new(ACCOUNTS[usize::from(callee) % 3]).expect("valid");
                let timeout_ms = match timeout {
                    Timeout::Default => 30_000,
                    Timeout::Short => 5_000,
                    Timeout::Any(ms) => ms,
                };
                let attachment = serde_json::json!({"k": 1});
                let _ = self.devices[i].mirror.call(
                    id,
                    callee,
                    call_type(video),
                    attachment,
                    timeout_ms,
                    now,
                );
                self.drain(i);
            }
            Op::Accept {
                dev,
                pick,
                as_audio,
            } => {
                let i = self.idx(dev);
                if let Some(id) = self.invite(i, pick) {
                    let as_type = as_audio.then_some(CallType::Audio);
                    let _ = self.devices[i].mirror.accept(&id, as_type, now);
                    self.drain(i);
                }
            }
            Op::Reject { dev, pick, busy } => {
                let i = self.idx(dev);
                if let Some(id) = self.invite(i, pick) {
                    let _ = self.devices[i].mirror.reject(&id, busy, now);
                    self.drain(i);
                }
            }
            Op::Cancel { dev } => {
                let i = self.idx(dev);
                let _ = self.devices[i].mirror.cancel(now);
                self.drain(i);
            }
            Op::Hangup { dev, ice_failed } => {
                let i = self.idx(dev);
                let reason = if ice_failed {
                    EndReason::IceFailed
                } else {
                    EndReason::UserHangup
                };
                let _ = self.devices[i].mirror.hangup_because(reason, now);
                self.drain(i);
            }
            Op::Signal { dev, pick, to } => {
                let i = self.idx(dev);
                let id = match pick {
                    Some(n) => self.invite(i, n),
                    None => self.devices[i].mirror.current().map(|c| c.call_id.clone()),
                };
                if let Some(id) = id {
                    let to = to.map(|n| self.devices[self.idx(n)].key.device.clone());
                    let payload = serde_json::json!({"kind": "candidate"});
                    let _ = self.devices[i].mirror.signal(&id, to, payload, now);
                    self.drain(i);
                }
            }
            Op::LocalMedia { dev, audio, video } => {
                let i = self.idx(dev);
                let _ = self.devices[i].mirror.set_local_media(audio, video, now);
                self.drain(i);
            }
            Op::SwitchType { dev, video } => {
                let i = self.idx(dev);
                let _ = self.devices[i].mirror.switch_type(call_type(video), now);
                self.drain(i);
            }
            Op::AnswerSwitch { dev, video, accept } => {
                let i = self.idx(dev);
                let _ = self.devices[i]
                    .mirror
                    .answer_switch(call_type(video), accept, now);
                self.drain(i);
            }
            Op::Deliver { dev, count } => {
                let i = self.idx(dev);
                self.deliver(i, usize::from(count % 8) + 1);
            }
            Op::Advance { ms } => {
                self.server.advance(ms.ms());
                self.route();
                self.timers();
            }
            Op::Lose { dev } => {
                let i = self.idx(dev);
                self.lose(i);
            }
            Op::Reconnect { dev } => {
                let i = self.idx(dev);
                if !self.devices[i].linked {
                    self.connect(i);
                }
            }
            Op::Logout { dev } => {
                let i = self.idx(dev);
                self.logout(i);
            }
            Op::Restart => {
                for i in 0..self.devices.len() {
                    if self.devices[i].linked {
                        let now = self.now();
                        let device = &mut self.devices[i];
                        device.linked = false;
                        device.in_flight.clear();
                        device.mirror.handle_disconnected(now);
                        self.drain(i);
                    }
                }
                self.server.restart();
                self.route();
            }
            Op::Checkpoint => self.check_converged(),
            Op::Hostile { dev, frame } => {
                let i = self.idx(dev);
                self.hostile(i, frame);
            }
        }
    }

    /// The `pick`th call ringing device `i`.
    fn invite(&self, i: usize, pick: u8) -> Option<CallId> {
        let invites = self.devices[i].mirror.invites();
        invites
            .get(usize::from(pick) % invites.len().max(1))
            .map(|invite| invite.call_id.clone())
    }

    fn logout(&mut self, i: usize) {
        if !self.devices[i].linked {
            return;
        }
        let now = self.now();
        let device = &mut self.devices[i];
        let _ = device.mirror.request(ClientMessage::Logout, now);
        device.linked = false;
        device.in_flight.clear();
        device.mirror.handle_logged_out(now);
        let key = device.key.clone();
        self.drain(i);
        if self.server.is_online(&key) {
            self.server.offline(&key, Some(EndReason::LoggedOut));
            self.route();
        }
    }

    /// With every frame delivered, each connected honest mirror is where the server has it.
    fn check_converged(&mut self) {
        self.settle();
        let live = self.server.live();
        for device in &self.devices {
            if device.tainted || !device.linked {
                continue;
            }
            let me = &device.key;
            let m = &device.mirror;
            let mine = live
                .iter()
                .find(|c| c.caller == *me || c.callee.as_ref() == Some(me));
            match (m.current(), mine) {
                (None, None) => {}
                (Some(current), Some(call)) => {
                    assert_eq!(current.call_id, call.id, "{me} is in another call");
                    assert_eq!(
                        current.answered,
                        call.callee.is_some(),
                        "{me}: call {} answered on one side only",
                        call.id
                    );
                }
                (current, call) => {
                    panic!("{me}: the mirror's call is {current:?}, the server's {call:?}")
                }
            }
            for invite in m.invites() {
                assert_eq!(
                    self.server.sb.phase_of(&invite.call_id),
                    Some("ringing"),
                    "{me}: {} rings here but not on the server",
                    invite.call_id
                );
            }
        }
    }

    /// Everyone comes back and checks; everyone logs out; time passes every deadline. Then every
    /// ending an honest mirror showed agrees with its call's record.
    fn finish(&mut self) {
        for i in 0..self.devices.len() {
            if !self.devices[i].linked {
                self.connect(i);
            }
        }
        self.check_converged();
        for i in 0..self.devices.len() {
            self.logout(i);
        }
        self.server.advance(200_000);
        self.route();
        self.server.check_all_ended();
        for device in &self.devices {
            if device.tainted {
                continue;
            }
            for (id, endings) in &device.endings {
                // An ending for a call the server never created (its invite was refused) has
                // no record.
                let Some(record) = self.server.records.get(id) else {
                    continue;
                };
                let allowed: &[CallStatus] = match endings[0] {
                    "USER_REJECT" => &[CallStatus::Rejected],
                    "USER_BUSY" => &[CallStatus::Busy],
                    "USER_CANCEL" => &[CallStatus::Canceled],
                    "OTHER_CLIENT_ACCEPT" => &[CallStatus::Completed],
                    "OTHER_CLIENT_REJECT" => &[CallStatus::Rejected, CallStatus::Busy],
                    // CALLING_TIMEOUT may be the mirror's guard giving up on a server whose
                    // answer (busy, declined, answered: then hung up at once) came too late.
                    _ => &CallStatus::ALL,
                };
                assert!(
                    allowed.contains(&record.status),
                    "{}: showed {endings:?} for {id}, whose record is {record:?}",
                    device.key
                );
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let mut world = World::new(&input);
    for op in input.ops {
        world.apply(op);
    }
    world.finish();
});
