//! The switchboard fed arbitrary sequences of actions from several devices of three accounts:
//! invites, accepts, rejects, cancels, hang-ups, signals, media and type switches, with messages
//! held in flight so that actions cross; lost connections, reconnects, logouts, server restarts,
//! and timeouts by advancing the clock; and forged frames (stale or wild sequence numbers, other
//! devices' or no tokens, any call id). After every step, `duet_fuzz::server` checks what the
//! switchboard said (one record per call, one terminal event per device and call, numbers that
//! only grow, nothing to a device that left). Runs of honest devices are also checked the way
//! crates/duet-call/tests/interleavings.rs checks them: with everything delivered, no device
//! believes it is in a call the server does not have, and both sides agree on each outcome.

#![no_main]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use arbitrary::Arbitrary;
use duet_call::{CallRequest, DeviceKey, SwitchboardConfig};
use duet_fuzz::server::{cid, key, Delivery, Server};
use duet_protocol::{
    decode_client, encode, AccountId, CallAction, CallEvent, CallId, CallSnapshotPhase, CallStatus,
    CallType, ClientFrame, ClientMessage, EndReason, ErrorCode, OtherDeviceAction, ServerMessage,
};
use libfuzzer_sys::fuzz_target;

const ACCOUNTS: [&str; 3] = ["ann", "ben", "cat"];

#[derive(Debug, Arbitrary)]
struct Input {
    /// Devices per account, 1 to 3 each.
    devices: [u8; 3],
    safe_mode: bool,
    /// Two calls may wait per account and four invites go per minute, instead of the defaults.
    tight_limits: bool,
    ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Invite {
        dev: u8,
        callee: u8,
        video: bool,
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
        pick: u8,
    },
    Hangup {
        dev: u8,
        pick: u8,
        reason: Reason,
    },
    Signal {
        dev: u8,
        pick: u8,
        to: Option<u8>,
    },
    Media {
        dev: u8,
        pick: u8,
        audio: bool,
        video: bool,
    },
    SwitchType {
        dev: u8,
        pick: u8,
        video: bool,
    },
    SwitchAnswer {
        dev: u8,
        pick: u8,
        video: bool,
        accept: bool,
    },
    /// A frame no honest SDK sends.
    Forged(Forged),
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
        reason: Reason,
    },
    Restart,
    Checkpoint,
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
            Advance::PastGrace => 16_000,
            Advance::PastRing => 31_000,
            Advance::Millis(ms) => u64::from(ms),
        }
    }
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Reason {
    UserHangup,
    LoggedOut,
    Kicked,
    TokenExpired,
    IceFailed,
}

impl Reason {
    fn end_reason(self) -> EndReason {
        match self {
            Reason::UserHangup => EndReason::UserHangup,
            Reason::LoggedOut => EndReason::LoggedOut,
            Reason::Kicked => EndReason::Kicked,
            Reason::TokenExpired => EndReason::TokenExpired,
            Reason::IceFailed => EndReason::IceFailed,
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Forged {
    dev: u8,
    /// A call id used before (by index), or a new one.
    call: Option<u8>,
    seq: Seq,
    token: Token,
    /// `device` names another device than the connection's.
    wrong_device: bool,
    action: Action,
}

#[derive(Debug, Arbitrary)]
enum Seq {
    Next,
    Repeat,
    Zero,
    Max,
    Any(u64),
}

#[derive(Debug, Arbitrary)]
enum Token {
    Own,
    None,
    OtherDevice(u8),
    Garbage(String),
}

#[derive(Debug, Arbitrary)]
enum Action {
    Invite {
        callee: u8,
        video: bool,
        timeout_ms: u64,
        nick: Option<String>,
    },
    Accept {
        as_type: Option<bool>,
    },
    Reject {
        busy: bool,
    },
    Cancel,
    Hangup {
        reason: Reason,
    },
    Signal {
        to: Option<u8>,
    },
    Media {
        audio: bool,
        video: bool,
    },
    SwitchType {
        video: bool,
    },
    SwitchAnswer {
        video: bool,
        accept: bool,
    },
}

fn call_type(video: bool) -> CallType {
    if video {
        CallType::Video
    } else {
        CallType::Audio
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Belief {
    Ringing,
    InCall,
    Ended,
}

#[derive(Debug, Clone)]
struct View {
    caller: bool,
    belief: Belief,
    peer: Option<DeviceKey>,
}

/// One device as an honest SDK would track it, from what was delivered to it.
#[derive(Default)]
struct Client {
    online: bool,
    in_flight: VecDeque<Delivery>,
    views: BTreeMap<CallId, View>,
    last_seq: HashMap<CallId, u64>,
    outcomes: Vec<(CallId, Vec<CallStatus>)>,
    /// Per call: the token this device was handed and the last sequence number it used.
    tokens: HashMap<CallId, String>,
    sent_seq: HashMap<CallId, u64>,
}

struct World {
    server: Server,
    devices: Vec<DeviceKey>,
    clients: Vec<Client>,
    requests: HashMap<u64, &'static str>,
    next_req: u64,
    next_call: u64,
    /// Call ids used since the last restart (a restart forgets which ids ended; honest SDKs
    /// never reuse one, so forged frames pick only from these).
    ids: Vec<CallId>,
    /// No forged frame was sent: the honest-client checks apply.
    honest: bool,
}

impl World {
    fn new(input: &Input) -> Self {
        let mut devices = Vec::new();
        for (account, n) in ACCOUNTS.iter().zip(input.devices) {
            for d in 0..(n % 3 + 1) {
                devices.push(key(account, &format!("{account}{d}")));
            }
        }
        let mut config = SwitchboardConfig {
            reconnect_grace_ms: 15_000,
            safe_mode: input.safe_mode,
            ..SwitchboardConfig::default()
        };
        if input.tight_limits {
            config.max_pending_invites = 2;
            config.invites_per_minute = 4;
        }
        let mut world = World {
            server: Server::new(config),
            clients: devices.iter().map(|_| Client::default()).collect(),
            devices,
            requests: HashMap::new(),
            next_req: 1,
            next_call: 0,
            ids: Vec::new(),
            honest: true,
        };
        for i in 0..world.devices.len() {
            world.connect(i);
        }
        world
    }

    fn idx(&self, dev: u8) -> usize {
        usize::from(dev) % self.devices.len()
    }

    fn connect(&mut self, i: usize) {
        self.clients[i].online = true;
        let d = self.devices[i].clone();
        self.server.online(&d);
        self.route();
    }

    fn route(&mut self) {
        for delivery in std::mem::take(&mut self.server.outbox) {
            let i = self
                .devices
                .iter()
                .position(|d| *d == delivery.to)
                .expect("only the world's devices connect");
            self.learn_token(i, &delivery.msg);
            self.clients[i].in_flight.push_back(delivery);
        }
    }

    /// Tokens are learnt as the frames leave the server (as tests/support does), so that honest
    /// actions taken before delivery still carry them.
    fn learn_token(&mut self, i: usize, msg: &ServerMessage) {
        let tokens = &mut self.clients[i].tokens;
        match msg {
            ServerMessage::CallAck {
                call_id,
                call_token: Some(t),
            } => {
                tokens.insert(call_id.clone(), t.clone());
            }
            ServerMessage::Call {
                call_id,
                event: CallEvent::Invited { call_token, .. },
                ..
            } => {
                tokens.insert(call_id.clone(), call_token.clone());
            }
            ServerMessage::Call {
                event: CallEvent::Merged { into, call_token },
                ..
            } => {
                tokens.insert(into.clone(), call_token.clone());
            }
            ServerMessage::Resync { calls } => {
                for snap in calls {
                    let token = match &snap.phase {
                        CallSnapshotPhase::Ringing { call_token, .. }
                        | CallSnapshotPhase::Active { call_token, .. } => call_token,
                    };
                    tokens.insert(snap.call_id.clone(), token.clone());
                }
            }
            _ => {}
        }
    }

    fn deliver(&mut self, i: usize, count: usize) {
        for _ in 0..count {
            let Some(d) = self.clients[i].in_flight.pop_front() else {
                return;
            };
            self.learn(i, d);
        }
    }

    fn deliver_all(&mut self) {
        for i in 0..self.devices.len() {
            self.deliver(i, usize::MAX);
        }
    }

    fn learn(&mut self, i: usize, d: Delivery) {
        let me = self.devices[i].clone();
        let asked = d.req.and_then(|q| self.requests.get(&q)).copied();
        let client = &mut self.clients[i];
        match d.msg {
            ServerMessage::CallAck { call_id, .. } => match asked {
                Some("invite") => {
                    client.views.entry(call_id).or_insert(View {
                        caller: true,
                        belief: Belief::Ringing,
                        peer: None,
                    });
                }
                Some("accept") => {
                    // The server acks an accept only when this device answers the call, also
                    // after refusing an earlier accept of it (`busy` while this device's own call
                    // rang out), which left it Ended here; what ends the call comes after.
                    if let Some(v) = client.views.get_mut(&call_id) {
                        v.belief = Belief::InCall;
                    }
                }
                _ => {}
            },
            ServerMessage::Error {
                code,
                call_id: Some(call_id),
                ..
            } => {
                let refused_answer = asked == Some("accept");
                let gone = matches!(
                    code,
                    ErrorCode::CallEnded | ErrorCode::AnsweredElsewhere | ErrorCode::UnknownCall
                );
                if refused_answer || gone {
                    if let Some(v) = client.views.get_mut(&call_id) {
                        if v.belief != Belief::InCall || gone {
                            v.belief = Belief::Ended;
                        }
                    }
                }
            }
            ServerMessage::Resync { calls } => {
                let listed: HashSet<CallId> = calls.iter().map(|c| c.call_id.clone()).collect();
                for (id, v) in client.views.iter_mut() {
                    if !listed.contains(id) {
                        v.belief = Belief::Ended;
                    }
                }
                for snap in calls {
                    client.last_seq.insert(snap.call_id.clone(), snap.seq);
                    let caller =
                        snap.caller.device == me.device && snap.caller.account == me.account;
                    let (belief, peer) = match &snap.phase {
                        CallSnapshotPhase::Ringing { .. } => (Belief::Ringing, None),
                        CallSnapshotPhase::Active { callee_device, .. } => {
                            let peer = if caller {
                                DeviceKey::new(snap.callee.clone(), callee_device.clone())
                            } else {
                                DeviceKey::new(
                                    snap.caller.account.clone(),
                                    snap.caller.device.clone(),
                                )
                            };
                            (Belief::InCall, Some(peer))
                        }
                    };
                    let view = View {
                        caller,
                        belief,
                        peer,
                    };
                    client.views.insert(snap.call_id, view);
                }
            }
            ServerMessage::Call {
                call_id,
                seq,
                event,
            } => {
                if let CallEvent::Merged { into, .. } = &event {
                    let view = View {
                        caller: false,
                        belief: Belief::InCall,
                        peer: None,
                    };
                    client.views.insert(into.clone(), view);
                    return;
                }
                let last = client.last_seq.entry(call_id.clone()).or_insert(0);
                assert!(
                    seq > *last,
                    "{me}: delivered seq {seq} for {call_id} after {last}"
                );
                *last = seq;
                let view = client.views.entry(call_id.clone()).or_insert(View {
                    caller: false,
                    belief: Belief::Ringing,
                    peer: None,
                });
                let outcome: Option<Vec<CallStatus>> = match &event {
                    CallEvent::Invited { caller, .. } => {
                        view.peer = Some(DeviceKey::new(
                            caller.account.clone(),
                            caller.device.clone(),
                        ));
                        None
                    }
                    CallEvent::Accepted { callee, .. } => {
                        view.belief = Belief::InCall;
                        view.peer = Some(DeviceKey::new(
                            callee.account.clone(),
                            callee.device.clone(),
                        ));
                        None
                    }
                    CallEvent::OtherDevice {
                        action: OtherDeviceAction::Accepted,
                    } => {
                        view.belief = Belief::Ended;
                        None
                    }
                    CallEvent::OtherDevice {
                        action: OtherDeviceAction::Rejected,
                    } => Some(vec![CallStatus::Rejected, CallStatus::Busy]),
                    CallEvent::Rejected => Some(vec![CallStatus::Rejected]),
                    CallEvent::Busy => Some(vec![CallStatus::Busy]),
                    CallEvent::Canceled => Some(vec![CallStatus::Canceled]),
                    CallEvent::Timeout => Some(vec![CallStatus::Unanswered]),
                    CallEvent::Ended { .. } => Some(vec![CallStatus::Completed]),
                    CallEvent::Record { record } => Some(vec![record.status]),
                    _ => None,
                };
                if let Some(statuses) = outcome {
                    view.belief = Belief::Ended;
                    client.outcomes.push((call_id, statuses));
                }
            }
            _ => {}
        }
    }

    /// The `pick`th call device `i` knows in one of `beliefs`, in id order.
    fn known(
        &self,
        i: usize,
        pick: u8,
        caller: Option<bool>,
        beliefs: &[Belief],
    ) -> Option<CallId> {
        let ids: Vec<&CallId> = self.clients[i]
            .views
            .iter()
            .filter(|(_, v)| beliefs.contains(&v.belief) && caller.is_none_or(|c| v.caller == c))
            .map(|(id, _)| id)
            .collect();
        ids.get(usize::from(pick) % ids.len().max(1))
            .map(|id| (*id).clone())
    }

    /// Sends `action` as an honest SDK would: the next sequence number, the token it holds.
    fn act(&mut self, i: usize, id: CallId, action: CallAction) {
        if !self.clients[i].online {
            return;
        }
        let client = &mut self.clients[i];
        let seq = client.sent_seq.entry(id.clone()).or_insert(0);
        // A forged frame may have used the highest number already.
        *seq = seq.saturating_add(1);
        let (seq, token) = (*seq, client.tokens.get(&id).cloned());
        let device = self.devices[i].device.clone();
        self.send(i, id, device, seq, token, action);
    }

    /// Sends one `call` frame through the server's decoder, as it would arrive on the wire.
    fn send(
        &mut self,
        i: usize,
        call_id: CallId,
        device: duet_protocol::DeviceId,
        seq: u64,
        call_token: Option<String>,
        action: CallAction,
    ) {
        let req = self.next_req;
        self.next_req += 1;
        self.requests.insert(req, action.name());
        if !self.ids.contains(&call_id) {
            self.ids.push(call_id.clone());
        }
        let msg = ClientMessage::Call {
            call_id,
            device,
            seq,
            call_token,
            action,
        };
        let text = encode(&ClientFrame::new(Some(req), msg));
        // What does not decode is refused before the switchboard sees it.
        let Ok(frame) = decode_client(&text) else {
            return;
        };
        let ClientMessage::Call {
            call_id,
            device,
            seq,
            call_token,
            action,
        } = frame.msg
        else {
            unreachable!("a call frame decodes as a call frame");
        };
        let request = CallRequest {
            call_id,
            device,
            seq,
            call_token,
            action,
        };
        let from = self.devices[i].clone();
        self.server.call(&from, frame.req, request);
        self.route();
    }

    fn forged(&mut self, f: Forged) {
        let i = self.idx(f.dev);
        if !self.clients[i].online {
            return;
        }
        self.honest = false;
        let id = match f.call.filter(|_| !self.ids.is_empty()) {
            Some(n) => self.ids[usize::from(n) % self.ids.len()].clone(),
            None => {
                self.next_call += 1;
                cid(&format!("call{}", self.next_call))
            }
        };
        let last = self.clients[i].sent_seq.get(&id).copied().unwrap_or(0);
        let seq = match f.seq {
            Seq::Next => last.saturating_add(1),
            Seq::Repeat => last,
            Seq::Zero => 0,
            Seq::Max => u64::MAX,
            Seq::Any(n) => n,
        };
        let entry = self.clients[i].sent_seq.entry(id.clone()).or_insert(0);
        *entry = (*entry).max(seq);
        let token = match f.token {
            Token::Own => self.clients[i].tokens.get(&id).cloned(),
            Token::None => None,
            Token::OtherDevice(d) => {
                let other = self.idx(d);
                self.clients[other].tokens.get(&id).cloned()
            }
            Token::Garbage(text) => Some(text),
        };
        let device = if f.wrong_device {
            self.devices[(i + 1) % self.devices.len()].device.clone()
        } else {
            self.devices[i].device.clone()
        };
        let action = match f.action {
            Action::Invite {
                callee,
                video,
                timeout_ms,
                nick,
            } => CallAction::Invite {
                callee: AccountId::new(ACCOUNTS[usize::from(callee) % 3]).expect("valid"),
                call_type: call_type(video),
                attachment: serde_json::Value::Null,
                timeout_ms,
                nick,
            },
            Action::Accept { as_type } => CallAction::Accept {
                call_type: as_type.map(call_type),
            },
            Action::Reject { busy } => CallAction::Reject { busy },
            Action::Cancel => CallAction::Cancel,
            Action::Hangup { reason } => CallAction::Hangup {
                reason: reason.end_reason(),
            },
            Action::Signal { to } => CallAction::Signal {
                to: to.map(|d| self.devices[self.idx(d)].device.clone()),
                payload: serde_json::json!({"kind": "candidate"}),
            },
            Action::Media { audio, video } => CallAction::Media {
                audio,
                video,
                video_reason: None,
            },
            Action::SwitchType { video } => CallAction::SwitchType {
                call_type: call_type(video),
            },
            Action::SwitchAnswer { video, accept } => CallAction::SwitchAnswer {
                call_type: call_type(video),
                accept,
            },
        };
        self.send(i, id, device, seq, token, action);
    }

    fn apply(&mut self, op: Op) {
        let in_call = [Belief::InCall];
        match op {
            Op::Invite { dev, callee, video } => {
                let i = self.idx(dev);
                self.next_call += 1;
                let id = cid(&format!("call{}", self.next_call));
                let action = CallAction::Invite {
                    callee: AccountId::new(ACCOUNTS[usize::from(callee) % 3]).expect("valid"),
                    call_type: call_type(video),
                    attachment: serde_json::json!({"k": 1}),
                    timeout_ms: 0,
                    nick: None,
                };
                self.act(i, id, action);
            }
            Op::Accept {
                dev,
                pick,
                as_audio,
            } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, Some(false), &[Belief::Ringing]) {
                    let call_type = as_audio.then_some(CallType::Audio);
                    self.act(i, id, CallAction::Accept { call_type });
                }
            }
            Op::Reject { dev, pick, busy } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, Some(false), &[Belief::Ringing]) {
                    self.act(i, id, CallAction::Reject { busy });
                }
            }
            Op::Cancel { dev, pick } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, Some(true), &[Belief::Ringing]) {
                    self.act(i, id, CallAction::Cancel);
                }
            }
            Op::Hangup { dev, pick, reason } => {
                let i = self.idx(dev);
                let beliefs = [Belief::InCall, Belief::Ringing];
                if let Some(id) = self.known(i, pick, None, &beliefs) {
                    let reason = reason.end_reason();
                    self.act(i, id, CallAction::Hangup { reason });
                }
            }
            Op::Signal { dev, pick, to } => {
                let i = self.idx(dev);
                let beliefs = [Belief::InCall, Belief::Ringing];
                if let Some(id) = self.known(i, pick, None, &beliefs) {
                    let to = to.map(|d| self.devices[self.idx(d)].device.clone());
                    let payload = serde_json::json!({"kind": "candidate"});
                    self.act(i, id, CallAction::Signal { to, payload });
                }
            }
            Op::Media {
                dev,
                pick,
                audio,
                video,
            } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, None, &in_call) {
                    self.act(
                        i,
                        id,
                        CallAction::Media {
                            audio,
                            video,
                            video_reason: None,
                        },
                    );
                }
            }
            Op::SwitchType { dev, pick, video } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, None, &in_call) {
                    let call_type = call_type(video);
                    self.act(i, id, CallAction::SwitchType { call_type });
                }
            }
            Op::SwitchAnswer {
                dev,
                pick,
                video,
                accept,
            } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, None, &in_call) {
                    let call_type = call_type(video);
                    self.act(i, id, CallAction::SwitchAnswer { call_type, accept });
                }
            }
            Op::Forged(f) => self.forged(f),
            Op::Deliver { dev, count } => {
                let i = self.idx(dev);
                self.deliver(i, usize::from(count % 8) + 1);
            }
            Op::Advance { ms } => {
                self.server.advance(ms.ms());
                self.route();
            }
            Op::Lose { dev } => {
                let i = self.idx(dev);
                if self.clients[i].online {
                    self.clients[i].online = false;
                    self.clients[i].in_flight.clear();
                    let d = self.devices[i].clone();
                    self.server.offline(&d, None);
                    self.route();
                }
            }
            Op::Reconnect { dev } => {
                let i = self.idx(dev);
                if !self.clients[i].online {
                    self.connect(i);
                }
            }
            Op::Logout { dev, reason } => self.logout(self.idx(dev), reason.end_reason()),
            Op::Restart => {
                for client in &mut self.clients {
                    client.online = false;
                    client.in_flight.clear();
                }
                self.ids.clear();
                self.server.restart();
                self.route();
            }
            Op::Checkpoint => self.check_nobody_alone(),
        }
    }

    fn logout(&mut self, i: usize, reason: EndReason) {
        if !self.clients[i].online {
            return;
        }
        let d = self.devices[i].clone();
        self.server.offline(&d, Some(reason));
        self.route();
        self.deliver(i, usize::MAX);
        self.clients[i].online = false;
        for v in self.clients[i].views.values_mut() {
            v.belief = Belief::Ended;
        }
    }

    /// With everything delivered, every connected honest device's beliefs match the server's.
    fn check_nobody_alone(&mut self) {
        self.deliver_all();
        if !self.honest {
            return;
        }
        for (i, client) in self.clients.iter().enumerate() {
            if !client.online {
                continue;
            }
            let me = &self.devices[i];
            for (id, view) in &client.views {
                let phase = self.server.sb.phase_of(id);
                match view.belief {
                    Belief::InCall => {
                        assert_eq!(
                            phase,
                            Some("active"),
                            "{me} believes it is in {id}, the server says {phase:?}"
                        );
                        if let Some(peer) = &view.peer {
                            let p = self.devices.iter().position(|d| d == peer);
                            let p = p.expect("a peer is one of the world's devices");
                            if self.clients[p].online {
                                let peer_belief = self.clients[p].views.get(id).map(|v| v.belief);
                                assert_eq!(
                                    peer_belief,
                                    Some(Belief::InCall),
                                    "{me} is in {id} but its peer {peer} is not"
                                );
                            }
                        }
                    }
                    Belief::Ringing => assert!(
                        phase == Some("ringing") || (phase == Some("active") && !view.caller),
                        "{me} believes {id} rings, the server says {phase:?}"
                    ),
                    Belief::Ended => {}
                }
            }
        }
    }

    /// Everyone comes back, checks, logs out, and time runs past every deadline.
    fn finish(&mut self) {
        for i in 0..self.devices.len() {
            if !self.clients[i].online {
                self.connect(i);
            }
        }
        self.check_nobody_alone();
        for i in 0..self.devices.len() {
            self.logout(i, EndReason::LoggedOut);
        }
        self.server.advance(200_000);
        self.route();
        self.server.check_all_ended();
        for (i, client) in self.clients.iter().enumerate() {
            for (id, statuses) in &client.outcomes {
                let record = &self.server.records[id];
                assert!(
                    statuses.contains(&record.status),
                    "{} saw an outcome {statuses:?} for {id} but the record says {:?}",
                    self.devices[i],
                    record.status
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
