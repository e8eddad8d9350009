//! A rolling restart of a three-node cluster with calls in progress: each node in turn drains
//! (what SIGTERM does) and is replaced by a fresh node before the next one drains; the devices
//! move as they are told. No call is lost: the answered ones stay answered (with their first
//! answer time), the ringing one still rings and can be answered, and each call ends in exactly
//! one record on both sides.

use crate::backends::Backend;
use crate::cluster::{node_with_lease, records, shared_database, tokens};
use crate::roaming::{Heard, Nodes, Roaming};
use crate::support::{account, scrape, value};
use duet_protocol::{
    CallAction, CallEvent, CallSnapshot, CallSnapshotPhase, CallStatus, EndReason,
};
use duet_server::RunningServer;
use duet_testkit::TempRedis;
use std::path::Path;
use std::time::{Duration, Instant};

/// Longer than the other cluster tests' 1 s, so that a loaded machine does not move the hub
/// between the steps on its own (a lease renewal given a quarter lease to answer).
const LEASE: Duration = Duration::from_secs(2);

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Far above the hang guard: each drain must end because its devices left, not at its timeout.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(300);

/// The accounts (one device each) and the node each logs in at first: n1 (index 0), started
/// first, takes the app's lease and runs its hub.
const DEVICES: [(&str, usize); 8] = [
    ("alice", 0),
    ("bob", 1),
    ("carol", 1),
    ("dave", 2),
    ("erin", 2),
    ("frank", 0),
    ("gina", 2),
    ("hank", 0),
];

/// The calls: id, caller and callee (indexes in [`DEVICES`]), and whether it is answered before
/// the restart (the last one rings throughout). Each spans two nodes.
const CALLS: [(&str, usize, usize, bool); 4] = [
    ("c1", 0, 1, true),
    ("c2", 2, 3, true),
    ("c3", 4, 5, true),
    ("c4", 6, 7, false),
];

/// The order of the restart: the nodes without the hub first (their devices are told to move),
/// then the hub's node (it hands the hub over to a fresh node first).
const RESTART_ORDER: [&str; 3] = ["n2", "n3", "n1"];

/// A device and what the test knows of it from what it heard.
struct Tracked {
    roaming: Roaming,
    call: &'static str,
    answered: bool,
    /// Where it is logged in; `None` while it moves.
    at: Option<String>,
    /// Each node it left, and whether it was told to move.
    left: Vec<(String, bool)>,
    /// Its call token for its call, as last issued.
    call_token: String,
    /// When its call was answered, as its first resync after the answer said.
    answered_at_ms: Option<u64>,
}

impl Tracked {
    /// Takes in one thing heard during the restart: only moves and resyncs may happen, and each
    /// resync must hold the device's call as it stood.
    fn note(&mut self, heard: Heard) {
        let account = self.roaming.account.clone();
        match heard {
            Heard::LoggedIn { url, calls } => {
                self.check_resync(&calls);
                self.at = Some(url);
            }
            Heard::Left { url, told_to_move } => {
                assert_eq!(self.at.as_deref(), Some(url.as_str()), "{account}");
                self.at = None;
                self.left.push((url, told_to_move));
            }
            Heard::Error { code, message } => {
                panic!("{account} got an error during the rolling restart: {code:?}: {message}")
            }
            other => panic!("{account} heard {other:?} during the rolling restart"),
        }
    }

    fn check_resync(&mut self, calls: &[CallSnapshot]) {
        let account = &self.roaming.account;
        assert_eq!(calls.len(), 1, "{account}'s call went on: {calls:?}");
        assert_eq!(calls[0].call_id.as_str(), self.call, "{account}: {calls:?}");
        match (&calls[0].phase, self.answered) {
            (
                CallSnapshotPhase::Active {
                    answered_at_ms,
                    call_token,
                    ..
                },
                true,
            ) => {
                let first = *self.answered_at_ms.get_or_insert(*answered_at_ms);
                assert_eq!(first, *answered_at_ms, "{account}'s call was answered once");
                self.call_token = call_token.clone();
            }
            (CallSnapshotPhase::Ringing { call_token, .. }, false) => {
                self.call_token = call_token.clone();
            }
            (phase, answered) => {
                panic!("{account}'s call (answered: {answered}) came back as {phase:?}")
            }
        }
    }

    /// Reads what the device heard until it is logged in at a node other than `url`.
    async fn moved_off(&mut self, url: &str) {
        while self.at.is_none() || self.at.as_deref() == Some(url) {
            let heard = self.roaming.heard().await;
            self.note(heard);
        }
    }

    /// The call token of the next `call.ack` (nothing else may come first).
    async fn ack(&mut self) -> String {
        match self.roaming.heard().await {
            Heard::Ack {
                call_id,
                call_token: Some(token),
            } if call_id.as_str() == self.call => token,
            other => panic!("{} expected an ack, heard {other:?}", self.roaming.account),
        }
    }

    /// The next event of the device's call (acks skipped; nothing else may come first).
    async fn event(&mut self) -> CallEvent {
        loop {
            match self.roaming.heard().await {
                Heard::Ack { .. } => {}
                Heard::Call { call_id, event } if call_id.as_str() == self.call => return event,
                other => panic!(
                    "{} expected a call event, heard {other:?}",
                    self.roaming.account
                ),
            }
        }
    }
}

/// Two distinct elements of `items`, both mutable.
fn two<T>(items: &mut [T], i: usize, j: usize) -> (&mut T, &mut T) {
    assert!(i < j);
    let (low, high) = items.split_at_mut(j);
    (&mut low[i], &mut high[0])
}

/// An invite that rings longer than the test can run, so that the ringing call can only end
/// by being answered.
fn long_invite(callee: &str) -> CallAction {
    CallAction::Invite {
        callee: account(callee),
        call_type: duet_protocol::CallType::Audio,
        attachment: serde_json::Value::Null,
        timeout_ms: 120_000,
        nick: None,
    }
}

/// `caller` invites `callee` to their call; `callee` answers it when `answer`.
async fn place(caller: &mut Tracked, callee: &mut Tracked, answer: bool) {
    let id = caller.call;
    caller
        .roaming
        .act(id, None, long_invite(&callee.roaming.account));
    caller.call_token = caller.ack().await;
    let CallEvent::Invited { call_token, .. } = callee.event().await else {
        panic!("{} was not rung", callee.roaming.account);
    };
    callee.call_token = call_token;
    if answer {
        let accept = CallAction::Accept { call_type: None };
        callee.roaming.act(id, Some(&callee.call_token), accept);
        callee.ack().await;
        let event = caller.event().await;
        assert!(matches!(event, CallEvent::Accepted { .. }), "{event:?}");
    }
}

/// The nodes running now, by name.
struct Cluster {
    database: String,
    redis: TempRedis,
    running: Vec<(String, RunningServer)>,
    /// Where moving devices may go.
    nodes: Nodes,
}

impl Cluster {
    async fn start_node(&mut self, dir: &Path, name: &str) {
        let node = node_with_lease(&self.database, dir, &self.redis, name, LEASE).await;
        self.nodes.add(node.ws_url());
        self.running.push((name.to_owned(), node));
    }

    /// Drains node `name` (its devices moving meanwhile) and stops it.
    async fn restart_step(&mut self, devices: &mut [Tracked], name: &str) {
        let at = self.running.iter().position(|(n, _)| n == name).unwrap();
        let (_, node) = self.running.remove(at);
        let url = node.ws_url();
        self.nodes.remove(&url);
        let on_it: Vec<usize> = (0..devices.len())
            .filter(|&i| devices[i].at.as_deref() == Some(url.as_str()))
            .collect();
        assert!(!on_it.is_empty(), "{name} has devices to move");
        let devices_move = async {
            for &i in &on_it {
                devices[i].moved_off(&url).await;
            }
        };
        tokio::time::timeout(HANG_GUARD, async {
            tokio::join!(node.drain(DRAIN_TIMEOUT), devices_move)
        })
        .await
        .expect("the drain ends once the node's devices have moved");
        // The hub's node closes its devices' connections as it hands the hub over; the others
        // tell their devices to move.
        for &i in &on_it {
            let (left, told) = devices[i].left.last().unwrap();
            assert_eq!(left, &url);
            if name != "n1" {
                assert!(told, "{} was told to move", devices[i].roaming.account);
            }
        }
        node.shutdown().await.unwrap();
    }

    /// Waits until every device is back with the app's hub, whichever node runs it: the nodes'
    /// `/metrics` count every device online; reads what the devices heard meanwhile. Returns
    /// the calls ringing and answered that the nodes count.
    async fn settle(&self, devices: &mut [Tracked]) -> (f64, f64) {
        let started = Instant::now();
        loop {
            let (mut online, mut ringing, mut answered) = (0.0, 0.0, 0.0);
            for (_, node) in &self.running {
                let text = scrape(node.local_addr()).await;
                online += value(&text, "duet_devices_online");
                ringing += value(&text, "duet_calls_ringing");
                answered += value(&text, "duet_calls_answered");
            }
            for device in devices.iter_mut() {
                while let Some(heard) = device.roaming.try_heard() {
                    device.note(heard);
                }
            }
            if online == devices.len() as f64 {
                for device in devices.iter_mut() {
                    while device.at.is_none() {
                        let heard = device.roaming.heard().await;
                        device.note(heard);
                    }
                }
                return (ringing, answered);
            }
            assert!(
                started.elapsed() < HANG_GUARD,
                "the devices never all came back: {online} online"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn a_rolling_restart_of_all_nodes_with_calls_in_progress_loses_none(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = Cluster {
        database: shared_database(backend, dir.path()).await,
        redis: TempRedis::start(),
        running: Vec::new(),
        nodes: Nodes::default(),
    };
    for name in ["n1", "n2", "n3"] {
        cluster.start_node(dir.path(), name).await;
    }
    let accounts: Vec<&str> = DEVICES.iter().map(|(a, _)| *a).collect();
    let login_tokens = tokens(&cluster.running[0].1, &accounts).await;
    let mut devices = Vec::new();
    for (i, (account, first)) in DEVICES.iter().enumerate() {
        let (id, _, _, answered) = CALLS.iter().find(|c| c.1 == i || c.2 == i).unwrap();
        let url = cluster.running[*first].1.ws_url();
        let roaming = Roaming::start(
            account,
            &login_tokens[i],
            &format!("{account}-1"),
            url,
            cluster.nodes.clone(),
            i,
        );
        devices.push(Tracked {
            roaming,
            call: id,
            answered: *answered,
            at: None,
            left: Vec::new(),
            call_token: String::new(),
            answered_at_ms: None,
        });
    }
    for device in &mut devices {
        let Heard::LoggedIn { url, calls } = device.roaming.heard().await else {
            panic!("{} did not log in", device.roaming.account);
        };
        assert!(calls.is_empty());
        device.at = Some(url);
    }
    for (_, caller, callee, answered) in CALLS {
        let (caller, callee) = two(&mut devices, caller, callee);
        place(caller, callee, answered).await;
    }

    for (step, name) in RESTART_ORDER.iter().enumerate() {
        cluster.restart_step(&mut devices, name).await;
        cluster
            .start_node(dir.path(), &format!("n{}", step + 4))
            .await;
        let (ringing, answered) = cluster.settle(&mut devices).await;
        assert_eq!(
            (ringing, answered),
            (1.0, 3.0),
            "after {name}'s restart the cluster still has every call"
        );
    }
    for device in &devices {
        let account = &device.roaming.account;
        assert!(!device.left.is_empty(), "{account} moved at least once");
        assert!(
            device.answered_at_ms.is_some() || !device.answered,
            "{account} re-synced its answered call"
        );
    }

    // The call that rang throughout is answered now; then every call is hung up by its caller.
    let (_, caller, callee, _) = CALLS[3];
    let (caller, callee) = two(&mut devices, caller, callee);
    let accept = CallAction::Accept { call_type: None };
    callee
        .roaming
        .act(callee.call, Some(&callee.call_token), accept);
    callee.ack().await;
    let event = caller.event().await;
    assert!(matches!(event, CallEvent::Accepted { .. }), "{event:?}");
    for (id, caller, callee, _) in CALLS {
        let (caller, callee) = two(&mut devices, caller, callee);
        let hangup = CallAction::Hangup {
            reason: EndReason::UserHangup,
        };
        caller.roaming.act(id, Some(&caller.call_token), hangup);
        for party in [caller, callee] {
            let event = party.event().await;
            assert!(
                matches!(
                    event,
                    CallEvent::Ended {
                        reason: EndReason::UserHangup,
                        ..
                    }
                ),
                "{}: {event:?}",
                party.roaming.account
            );
        }
    }

    for (_, node) in &cluster.running {
        node.flush().await;
    }
    let any_node = &cluster.running[0].1;
    for device in &devices {
        let account = &device.roaming.account;
        let kept = records(any_node, account, device.call).await;
        assert_eq!(kept.len(), 1, "one record for {account}: {kept:?}");
        assert_eq!(kept[0].status, CallStatus::Completed, "{kept:?}");
        if let Some(at) = device.answered_at_ms {
            assert_eq!(kept[0].answered_at_ms, Some(at), "answered once: {kept:?}");
        }
    }
    drop(devices);
    for (_, node) in cluster.running.drain(..) {
        node.shutdown().await.unwrap();
    }
}

mod sqlite {
    use crate::backends::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rolling_restart_of_all_nodes_with_calls_in_progress_loses_none() {
        super::a_rolling_restart_of_all_nodes_with_calls_in_progress_loses_none(Backend::Sqlite)
            .await;
    }
}

mod postgres {
    use crate::backends::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rolling_restart_of_all_nodes_with_calls_in_progress_loses_none() {
        super::a_rolling_restart_of_all_nodes_with_calls_in_progress_loses_none(Backend::Postgres)
            .await;
    }
}
