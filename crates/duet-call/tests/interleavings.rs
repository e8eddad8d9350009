//! Property test: random interleavings of invite / accept / reject / busy / cancel / hangup /
//! timeout / disconnect / crash / logout from up to three devices per account, with messages held
//! in flight so that actions cross on the wire. Some devices take waiting calls (rung while in a
//! call; see `waits`). Checked throughout and at the end:
//! - every call ends in exactly one terminal state, with exactly one record;
//! - no device is left "in call" alone: once everything in flight is delivered, a device that
//!   believes it is in a call is in a live, answered call on the server, and its peer, if
//!   connected, believes the same;
//! - both sides agree on the outcome: every terminal event a device saw matches the record;
//! - the server's per-call event numbers only grow, as each device sees them.

mod support;

use duet_call::DeviceKey;
use duet_protocol::*;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
use support::*;

const ACCOUNTS: [&str; 3] = ["ann", "ben", "cat"];

#[derive(Debug, Clone)]
enum Op {
    Invite {
        dev: usize,
        callee: usize,
        video: bool,
    },
    Accept {
        dev: usize,
        pick: usize,
    },
    Reject {
        dev: usize,
        pick: usize,
        busy: bool,
    },
    Cancel {
        dev: usize,
        pick: usize,
    },
    Hangup {
        dev: usize,
        pick: usize,
    },
    Deliver {
        dev: usize,
        count: usize,
    },
    Advance {
        ms: u64,
    },
    Lose {
        dev: usize,
    },
    Reconnect {
        dev: usize,
    },
    Logout {
        dev: usize,
    },
    Checkpoint,
}

fn op() -> impl Strategy<Value = Op> {
    let dev = 0usize..9;
    prop_oneof![
        3 => (dev.clone(), 0usize..3, any::<bool>()).prop_map(|(dev, callee, video)| Op::Invite { dev, callee, video }),
        3 => (dev.clone(), any::<usize>()).prop_map(|(dev, pick)| Op::Accept { dev, pick }),
        1 => (dev.clone(), any::<usize>(), any::<bool>()).prop_map(|(dev, pick, busy)| Op::Reject { dev, pick, busy }),
        1 => (dev.clone(), any::<usize>()).prop_map(|(dev, pick)| Op::Cancel { dev, pick }),
        2 => (dev.clone(), any::<usize>()).prop_map(|(dev, pick)| Op::Hangup { dev, pick }),
        5 => (dev.clone(), 1usize..6).prop_map(|(dev, count)| Op::Deliver { dev, count }),
        2 => prop_oneof![Just(1_000u64), Just(10_000), Just(25_000), Just(40_000)].prop_map(|ms| Op::Advance { ms }),
        1 => dev.clone().prop_map(|dev| Op::Lose { dev }),
        1 => dev.clone().prop_map(|dev| Op::Reconnect { dev }),
        1 => dev.clone().prop_map(|dev| Op::Logout { dev }),
        1 => Just(Op::Checkpoint),
    ]
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

/// One client as the test imagines it: what it was told, once delivered.
#[derive(Default)]
struct Client {
    online: bool,
    in_flight: VecDeque<Received>,
    views: HashMap<CallId, View>,
    last_seq: HashMap<CallId, u64>,
    /// Terminal statuses implied by events this device saw, per call.
    outcomes: Vec<(CallId, Vec<CallStatus>)>,
}

struct World {
    h: Harness,
    devices: Vec<DeviceKey>,
    /// Which devices log in with call waiting.
    waits: Vec<bool>,
    clients: Vec<Client>,
    /// What each request was, to read its answer: (call id, action name).
    requests: HashMap<u64, (CallId, &'static str)>,
    created: HashSet<CallId>,
    next_call: u64,
}

impl World {
    fn new(devices_per_account: [usize; 3]) -> Self {
        let mut devices = Vec::new();
        let mut waits = Vec::new();
        for (index, (a, n)) in ACCOUNTS.iter().zip(devices_per_account).enumerate() {
            for d in 0..n {
                devices.push(key(a, &format!("{a}{d}")));
                // Every other device takes waiting calls: ann0, ben1, cat0, ... (fixed, so that
                // a committed seed still replays the same run).
                waits.push((index + d) % 2 == 0);
            }
        }
        let mut w = World {
            h: Harness::with_config(duet_call::SwitchboardConfig {
                reconnect_grace_ms: 15_000,
                ..config()
            }),
            clients: devices.iter().map(|_| Client::default()).collect(),
            devices,
            waits,
            requests: HashMap::new(),
            created: HashSet::new(),
            next_call: 0,
        };
        for i in 0..w.devices.len() {
            w.connect(i);
        }
        w
    }

    fn idx(&self, dev: usize) -> usize {
        dev % self.devices.len()
    }

    fn connect(&mut self, i: usize) {
        self.clients[i].online = true;
        let d = self.devices[i].clone();
        self.h.login_with(&d, self.waits[i]);
        self.route();
    }

    /// Moves everything the switchboard sent into the receiving clients' in-flight queues.
    fn route(&mut self) {
        for (i, d) in self.devices.clone().iter().enumerate() {
            for r in self.h.take(d) {
                assert!(
                    self.clients[i].online,
                    "the switchboard sent to offline device {d}: {r:?}"
                );
                self.clients[i].in_flight.push_back(r);
            }
        }
    }

    fn deliver(&mut self, i: usize, count: usize) {
        for _ in 0..count {
            let Some(r) = self.clients[i].in_flight.pop_front() else {
                return;
            };
            self.learn(i, r);
        }
    }

    fn deliver_all(&mut self) {
        for i in 0..self.devices.len() {
            self.deliver(i, usize::MAX);
        }
    }

    fn learn(&mut self, i: usize, r: Received) {
        let me = self.devices[i].clone();
        let client = &mut self.clients[i];
        match r.msg {
            ServerMessage::CallAck { call_id, .. } => {
                match r.req.and_then(|q| self.requests.get(&q)) {
                    Some((_, "invite")) => {
                        self.created.insert(call_id.clone());
                        client.views.entry(call_id).or_insert(View {
                            caller: true,
                            belief: Belief::Ringing,
                            peer: None,
                        });
                    }
                    Some((_, "accept")) => {
                        if let Some(v) = client.views.get_mut(&call_id) {
                            if v.belief == Belief::Ringing {
                                v.belief = Belief::InCall;
                            }
                        }
                    }
                    _ => {}
                }
            }
            ServerMessage::Error {
                code,
                call_id: Some(call_id),
                ..
            } => {
                // The server's word is final: a refused answer means this device is out of it,
                // except `busy`: this device was in another call, and the refusal changed
                // nothing, so the call still rings here and may be answered once that one ends.
                let refused_answer = code != ErrorCode::Busy
                    && matches!(
                        r.req.and_then(|q| self.requests.get(&q)),
                        Some((_, "accept"))
                    );
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
                    client.views.insert(
                        snap.call_id,
                        View {
                            caller,
                            belief,
                            peer,
                        },
                    );
                }
            }
            ServerMessage::Call {
                call_id,
                seq,
                event,
            } => {
                if let CallEvent::Merged { into, .. } = &event {
                    client.views.insert(
                        into.clone(),
                        View {
                            caller: false,
                            belief: Belief::InCall,
                            peer: None,
                        },
                    );
                    return;
                }
                let last = client.last_seq.entry(call_id.clone()).or_insert(0);
                assert!(
                    seq > *last,
                    "{me}: event seq {seq} for {call_id} after {last}"
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

    /// The `pick`th call this device knows in one of `beliefs`, oldest first.
    fn known(
        &self,
        i: usize,
        pick: usize,
        caller: Option<bool>,
        beliefs: &[Belief],
    ) -> Option<CallId> {
        let mut ids: Vec<&CallId> = self.clients[i]
            .views
            .iter()
            .filter(|(_, v)| beliefs.contains(&v.belief) && caller.is_none_or(|c| v.caller == c))
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        ids.get(pick % ids.len().max(1)).map(|id| (*id).clone())
    }

    fn act(&mut self, i: usize, id: CallId, action: CallAction) {
        if !self.clients[i].online {
            return;
        }
        let d = self.devices[i].clone();
        let name = action.name();
        let req = self.h.act(&d, &id, action);
        self.requests.insert(req, (id, name));
        self.route();
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Invite { dev, callee, video } => {
                let i = self.idx(dev);
                self.next_call += 1;
                let id = cid(&format!("call{}", self.next_call));
                let call_type = if video {
                    CallType::Video
                } else {
                    CallType::Audio
                };
                let callee = AccountId::new(ACCOUNTS[callee]).unwrap();
                let action = CallAction::Invite {
                    callee,
                    call_type,
                    attachment: serde_json::Value::Null,
                    timeout_ms: 0,
                    nick: None,
                };
                self.act(i, id, action);
            }
            Op::Accept { dev, pick } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, Some(false), &[Belief::Ringing]) {
                    self.act(i, id, CallAction::Accept { call_type: None });
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
            Op::Hangup { dev, pick } => {
                let i = self.idx(dev);
                if let Some(id) = self.known(i, pick, None, &[Belief::InCall, Belief::Ringing]) {
                    self.act(
                        i,
                        id,
                        CallAction::Hangup {
                            reason: EndReason::UserHangup,
                        },
                    );
                }
            }
            Op::Deliver { dev, count } => {
                let i = self.idx(dev);
                self.deliver(i, count);
            }
            Op::Advance { ms } => {
                self.h.advance(ms);
                self.route();
            }
            Op::Lose { dev } => {
                let i = self.idx(dev);
                if self.clients[i].online {
                    self.clients[i].online = false;
                    // Whatever was in flight to a dead connection is lost.
                    self.clients[i].in_flight.clear();
                    let d = self.devices[i].clone();
                    self.h.lose(&d);
                    self.route();
                }
            }
            Op::Reconnect { dev } => {
                let i = self.idx(dev);
                if !self.clients[i].online {
                    self.connect(i);
                }
            }
            Op::Logout { dev } => {
                let i = self.idx(dev);
                if self.clients[i].online {
                    let d = self.devices[i].clone();
                    self.h.logout(&d, EndReason::LoggedOut);
                    self.route();
                    self.deliver(i, usize::MAX);
                    self.clients[i].online = false;
                    for v in self.clients[i].views.values_mut() {
                        v.belief = Belief::Ended;
                    }
                }
            }
            Op::Checkpoint => self.check_nobody_alone(),
        }
    }

    /// With everything delivered, every connected device's beliefs match the server's state.
    fn check_nobody_alone(&mut self) {
        self.deliver_all();
        for (i, client) in self.clients.iter().enumerate() {
            if !client.online {
                continue;
            }
            let me = &self.devices[i];
            for (id, view) in &client.views {
                let phase = self.h.sb.phase_of(id);
                match view.belief {
                    Belief::InCall => {
                        assert_eq!(
                            phase,
                            Some("active"),
                            "{me} believes it is in {id}, the server says {phase:?}"
                        );
                        if let Some(peer) = &view.peer {
                            let p = self.devices.iter().position(|d| d == peer).unwrap();
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

    /// Ends the run: everyone comes back, checks, logs out, and time runs past every deadline.
    fn finish(&mut self) {
        for i in 0..self.devices.len() {
            if !self.clients[i].online {
                self.connect(i);
            }
        }
        self.check_nobody_alone();
        for i in 0..self.devices.len() {
            self.apply(&Op::Logout { dev: i });
        }
        self.h.advance(200_000);
        self.route();
        assert_eq!(self.h.sb.live_calls(), 0, "every call ends");
        let mut per_call: HashMap<&CallId, Vec<&CallRecord>> = HashMap::new();
        for r in &self.h.records {
            per_call.entry(&r.call_id).or_default().push(r);
        }
        for (id, records) in &per_call {
            assert_eq!(records.len(), 1, "call {id} has {} records", records.len());
        }
        for id in &self.created {
            assert!(
                per_call.contains_key(id),
                "call {id} was placed but has no record"
            );
        }
        assert!(
            self.h.stored.is_empty(),
            "no stored call outlives its end: {:?}",
            self.h.stored.keys()
        );
        for (i, client) in self.clients.iter().enumerate() {
            for (id, statuses) in &client.outcomes {
                let record = per_call[id][0];
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_interleaving_ends_each_call_once_and_agrees(
        devices in [1usize..=3, 1usize..=3, 1usize..=3],
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let mut world = World::new(devices);
        for op in &ops {
            world.apply(op);
        }
        world.finish();
    }
}
