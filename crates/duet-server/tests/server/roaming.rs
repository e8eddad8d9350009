//! A device that behaves as the SDK does in a cluster, for tests where nodes come and go: logged
//! in at one of the nodes that take devices, it moves to another when told `server.draining` or
//! when its connection closes, logs in there (again, at the next node, while logins are turned
//! away), and reports everything it hears, in order. Call actions given to it meanwhile wait for
//! its next connection.

use crate::support::{call_id, device, try_log_in, Client};
use duet_protocol::{
    CallAction, CallEvent, CallId, CallSnapshot, ClientMessage, ErrorCode, ServerMessage,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// The pause between two logins while they are turned away.
const RETRY: Duration = Duration::from_millis(50);

/// A ping this often keeps an idle connection from being closed as silent, as the SDK's
/// heartbeat does (the server's default allows 30 s of silence).
const HEARTBEAT: Duration = Duration::from_secs(5);

/// The WebSocket URLs of the nodes that take devices now; the test changes the list as nodes
/// come and go, and a moving device picks from it.
#[derive(Clone, Default)]
pub struct Nodes(Arc<Mutex<Vec<String>>>);

impl Nodes {
    pub fn add(&self, url: String) {
        self.0.lock().unwrap().push(url);
    }

    pub fn remove(&self, url: &str) {
        self.0.lock().unwrap().retain(|u| u != url);
    }

    /// The `turn`-th node, round the list.
    fn pick(&self, turn: usize) -> String {
        let urls = self.0.lock().unwrap();
        assert!(!urls.is_empty(), "no node takes devices");
        urls[turn % urls.len()].clone()
    }
}

/// What a roaming device heard, in order.
#[derive(Debug)]
pub enum Heard {
    /// Logged in at `url`; the calls of its resync.
    LoggedIn {
        url: String,
        calls: Vec<CallSnapshot>,
    },
    /// Left `url`: told to move (`server.draining`), or the server closed the connection.
    Left { url: String, told_to_move: bool },
    /// A call event.
    Call { call_id: CallId, event: CallEvent },
    /// A `call.ack`.
    Ack {
        call_id: CallId,
        call_token: Option<String>,
    },
    /// An `error` frame.
    Error { code: ErrorCode, message: String },
}

/// The test's side of one roaming device.
pub struct Roaming {
    pub account: String,
    device: String,
    /// The last call action's sequence number (one counter for all calls: each call's numbers
    /// then rise too).
    seq: u64,
    commands: mpsc::UnboundedSender<ClientMessage>,
    heard: mpsc::UnboundedReceiver<Heard>,
    task: JoinHandle<()>,
}

impl Roaming {
    /// Logs `account`'s device `device_id` in at `first`, then roams over `nodes`, starting
    /// from the `turn`-th (so that devices spread).
    pub fn start(
        account: &str,
        token: &str,
        device_id: &str,
        first: String,
        nodes: Nodes,
        turn: usize,
    ) -> Roaming {
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (heard_tx, heard) = mpsc::unbounded_channel();
        let login = Login {
            account: account.to_owned(),
            token: token.to_owned(),
            device: device_id.to_owned(),
        };
        let task = tokio::spawn(roam(login, first, nodes, turn, commands_rx, heard_tx));
        Roaming {
            account: account.to_owned(),
            device: device_id.to_owned(),
            seq: 0,
            commands,
            heard,
            task,
        }
    }

    /// Sends `action` for call `id`, with `token` (its call token, if it has one yet).
    pub fn act(&mut self, id: &str, token: Option<&str>, action: CallAction) {
        self.seq += 1;
        let msg = ClientMessage::Call {
            call_id: call_id(id),
            device: device(&self.device),
            seq: self.seq,
            call_token: token.map(str::to_owned),
            action,
        };
        // A task that ended has panicked; the next `heard` says why.
        let _ = self.commands.send(msg);
    }

    /// The next thing heard; panics when nothing comes (hang guard) or the device's task
    /// panicked.
    pub async fn heard(&mut self) -> Heard {
        match tokio::time::timeout(HANG_GUARD, self.heard.recv()).await {
            Ok(Some(heard)) => heard,
            Ok(None) => {
                let ended = (&mut self.task).await;
                panic!("{}'s device stopped: {ended:?}", self.account);
            }
            Err(_) => panic!("{}'s device heard nothing (hang guard)", self.account),
        }
    }

    /// What was heard and not yet read, without waiting.
    pub fn try_heard(&mut self) -> Option<Heard> {
        self.heard.try_recv().ok()
    }
}

impl Drop for Roaming {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Login {
    account: String,
    token: String,
    device: String,
}

/// The device's life: log in, serve, move; until the test drops it.
async fn roam(
    login: Login,
    first: String,
    nodes: Nodes,
    mut turn: usize,
    mut commands: mpsc::UnboundedReceiver<ClientMessage>,
    heard: mpsc::UnboundedSender<Heard>,
) {
    let mut url = first;
    let mut unsent = None;
    loop {
        let (mut client, calls) = loop {
            match try_log_in(&url, &login.account, &login.token, &login.device).await {
                Ok(logged_in) => break logged_in,
                Err(_) => {
                    tokio::time::sleep(RETRY).await;
                    url = nodes.pick(turn);
                    turn += 1;
                }
            }
        };
        let _ = heard.send(Heard::LoggedIn {
            url: url.clone(),
            calls,
        });
        let Some(told_to_move) = serve(&mut client, &mut commands, &heard, &mut unsent).await
        else {
            return;
        };
        client.close().await;
        let _ = heard.send(Heard::Left {
            url: url.clone(),
            told_to_move,
        });
        url = nodes.pick(turn);
        turn += 1;
    }
}

/// Serves one connection: whether the device was told to move when it ends, `None` when the
/// test let go of the device. A call action that could not be sent is kept in `unsent` for the
/// next connection.
async fn serve(
    client: &mut Client,
    commands: &mut mpsc::UnboundedReceiver<ClientMessage>,
    heard: &mpsc::UnboundedSender<Heard>,
    unsent: &mut Option<ClientMessage>,
) -> Option<bool> {
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        if let Some(msg) = unsent.take() {
            if client.try_send(msg.clone()).await.is_err() {
                *unsent = Some(msg);
                return Some(false);
            }
        }
        tokio::select! {
            frame = client.next_unguarded() => {
                let Some(frame) = frame else {
                    return Some(false);
                };
                let said = match frame.msg {
                    ServerMessage::ServerDraining { .. } => return Some(true),
                    ServerMessage::Call { call_id, event, .. } => Heard::Call { call_id, event },
                    ServerMessage::CallAck { call_id, call_token } => Heard::Ack { call_id, call_token },
                    ServerMessage::Error { code, message, .. } => Heard::Error { code, message },
                    _ => continue,
                };
                let _ = heard.send(said);
            }
            command = commands.recv() => *unsent = Some(command?),
            _ = heartbeat.tick() => {
                if client.try_send(ClientMessage::Ping).await.is_err() {
                    return Some(false);
                }
            }
        }
    }
}
