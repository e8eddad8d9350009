//! Golden tests: the JSON shape of every message is pinned by a file in `tests/golden/`.
//!
//! Each case encodes a Rust value and compares it with its golden file, then decodes the file and
//! compares it with the value. `DUET_BLESS=1 cargo test -p duet-protocol --test golden` rewrites the
//! files after a deliberate change of shape. Every golden example must also appear in
//! docs/protocol.md, so the document cannot drift from the code.

use duet_protocol::*;
use serde_json::json;
use std::path::PathBuf;

fn account(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}
fn device(s: &str) -> DeviceId {
    DeviceId::new(s).unwrap()
}
fn call_id() -> CallId {
    CallId::new("c-7f3a").unwrap()
}
fn alice() -> Party {
    Party {
        account: account("alice"),
        device: device("alice-laptop"),
        nick: "Alice".into(),
    }
}
fn bob() -> Party {
    Party {
        account: account("bob"),
        device: device("bob-desktop"),
        nick: "Bob".into(),
    }
}
/// Calls bob while he talks to alice (call waiting).
fn carol() -> Party {
    Party {
        account: account("carol"),
        device: device("carol-phone"),
        nick: "Carol".into(),
    }
}
fn record() -> CallRecord {
    CallRecord {
        call_id: call_id(),
        from: account("alice"),
        to: account("bob"),
        call_type: CallType::Video,
        status: CallStatus::Completed,
        reason: EndReason::UserHangup,
        started_at_ms: 1_764_115_200_000,
        answered_at_ms: Some(1_764_115_203_000),
        ended_at_ms: 1_764_115_263_000,
        duration_ms: 60_000,
    }
}

fn call(seq: u64, token: Option<&str>, action: CallAction) -> ClientMessage {
    ClientMessage::Call {
        call_id: call_id(),
        device: device("alice-laptop"),
        seq,
        call_token: token.map(str::to_owned),
        action,
    }
}

/// A call action from the callee's device, with the token its `invited` event carried.
fn answer(seq: u64, action: CallAction) -> ClientMessage {
    ClientMessage::Call {
        call_id: call_id(),
        device: device("bob-desktop"),
        seq,
        call_token: Some("ct1.bob-desktop.q2x".to_owned()),
        action,
    }
}

fn client_cases() -> Vec<(&'static str, ClientFrame)> {
    let f = |req, msg| ClientFrame::new(req, msg);
    let token = Some("ct1.1764118800000.q2x");
    vec![
        (
            "login",
            f(
                Some(1),
                ClientMessage::Login {
                    app_key: "demo".into(),
                    account: account("alice"),
                    token: "dt1.alice.1795651200.0.sig".into(),
                    device: device("alice-laptop"),
                    call_waiting: false,
                },
            ),
        ),
        (
            "login.call_waiting",
            f(
                Some(1),
                ClientMessage::Login {
                    app_key: "demo".into(),
                    account: account("bob"),
                    token: "dt1.bob.1795651200.0.sig".into(),
                    device: device("bob-desktop"),
                    call_waiting: true,
                },
            ),
        ),
        (
            "app.info",
            f(Some(1), ClientMessage::AppInfo { app_key: None }),
        ),
        (
            "register",
            f(
                Some(2),
                ClientMessage::Register {
                    app_key: None,
                    account: account("carol"),
                    nick: Some("Carol".into()),
                    password: Password::new("correct horse battery staple"),
                    code: None,
                },
            ),
        ),
        (
            "login.password",
            f(
                Some(3),
                ClientMessage::PasswordLogin {
                    app_key: None,
                    account: account("carol"),
                    password: Password::new("correct horse battery staple"),
                },
            ),
        ),
        ("logout", f(Some(9), ClientMessage::Logout)),
        ("ping", f(None, ClientMessage::Ping)),
        ("contacts.list", f(Some(2), ClientMessage::ContactsList)),
        (
            "contacts.add",
            f(
                Some(3),
                ClientMessage::ContactsAdd {
                    account: account("bob"),
                },
            ),
        ),
        (
            "contacts.remove",
            f(
                Some(4),
                ClientMessage::ContactsRemove {
                    account: account("bob"),
                },
            ),
        ),
        (
            "contacts.accept",
            f(
                Some(21),
                ClientMessage::ContactsAccept {
                    account: account("bob"),
                },
            ),
        ),
        (
            "contacts.ignore",
            f(
                Some(22),
                ClientMessage::ContactsIgnore {
                    account: account("carol"),
                },
            ),
        ),
        (
            "contacts.block",
            f(
                Some(23),
                ClientMessage::ContactsBlock {
                    account: account("mallory"),
                },
            ),
        ),
        (
            "contacts.unblock",
            f(
                Some(24),
                ClientMessage::ContactsUnblock {
                    account: account("mallory"),
                },
            ),
        ),
        (
            "directory.search",
            f(
                Some(5),
                ClientMessage::DirectorySearch {
                    query: "bo".into(),
                    limit: Some(20),
                },
            ),
        ),
        (
            "history.list",
            f(
                Some(6),
                ClientMessage::HistoryList {
                    before: None,
                    limit: Some(50),
                },
            ),
        ),
        (
            "call.invite",
            f(
                Some(10),
                call(
                    1,
                    None,
                    CallAction::Invite {
                        callee: account("bob"),
                        call_type: CallType::Video,
                        attachment: json!({"call": "testValue"}),
                        timeout_ms: 30_000,
                        nick: Some("Alice Liddell".into()),
                    },
                ),
            ),
        ),
        (
            "call.accept",
            f(Some(11), answer(2, CallAction::Accept { call_type: None })),
        ),
        (
            "call.accept_as_audio",
            f(
                Some(11),
                answer(
                    2,
                    CallAction::Accept {
                        call_type: Some(CallType::Audio),
                    },
                ),
            ),
        ),
        (
            "call.reject",
            f(Some(12), answer(2, CallAction::Reject { busy: false })),
        ),
        (
            "call.reject_busy",
            f(Some(12), answer(2, CallAction::Reject { busy: true })),
        ),
        (
            "call.cancel",
            f(Some(13), call(2, token, CallAction::Cancel)),
        ),
        (
            "call.hangup",
            f(
                Some(14),
                call(
                    5,
                    token,
                    CallAction::Hangup {
                        reason: EndReason::UserHangup,
                    },
                ),
            ),
        ),
        (
            "call.signal",
            f(
                None,
                call(
                    2,
                    token,
                    CallAction::Signal {
                        to: Some(device("bob-desktop")),
                        payload: json!({"kind": "offer", "sdp": "v=0\r\n..."}),
                    },
                ),
            ),
        ),
        (
            "call.media",
            f(
                Some(15),
                call(
                    3,
                    token,
                    CallAction::Media {
                        audio: false,
                        video: true,
                        video_reason: None,
                    },
                ),
            ),
        ),
        (
            "call.switch_type",
            f(
                Some(16),
                call(
                    4,
                    token,
                    CallAction::SwitchType {
                        call_type: CallType::Video,
                    },
                ),
            ),
        ),
        (
            "call.switch_answer",
            f(
                Some(17),
                answer(
                    3,
                    CallAction::SwitchAnswer {
                        call_type: CallType::Video,
                        accept: true,
                    },
                ),
            ),
        ),
    ]
}

fn server_cases() -> Vec<(&'static str, ServerFrame)> {
    let f = |req, msg| ServerFrame::new(req, msg);
    let ev = |seq, event| ServerMessage::Call {
        call_id: call_id(),
        seq,
        event,
    };
    vec![
        (
            "app.info",
            f(
                Some(1),
                ServerMessage::AppInfo {
                    app_key: "demo".into(),
                    registration: Registration::Open,
                    min_password_chars: 8,
                },
            ),
        ),
        (
            "token",
            f(
                Some(2),
                ServerMessage::Token {
                    app_key: "demo".into(),
                    account: account("carol"),
                    token: "dt1.carol.1766707200.0.sig".into(),
                    expires_at_ms: 1_766_707_200_000,
                },
            ),
        ),
        (
            "login.ok",
            f(
                Some(1),
                ServerMessage::LoginOk {
                    account: account("alice"),
                    nick: "Alice".into(),
                    device: device("alice-laptop"),
                    heartbeat_ms: 10_000,
                    ice_servers: vec![
                        IceServer {
                            urls: vec!["stun:turn.example.com:3478".into()],
                            username: None,
                            credential: None,
                        },
                        IceServer {
                            urls: vec![
                                "turn:turn.example.com:3478?transport=udp".into(),
                                "turns:turn.example.com:5349".into(),
                            ],
                            username: Some("1764115800:alice".into()),
                            credential: Some("of0M4ErC4VCBOZm1hpdqT9t/ymg=".into()),
                        },
                    ],
                    ice_expires_at_ms: Some(1_764_115_800_000),
                    safe_mode: true,
                    server_time_ms: 1_764_115_200_000,
                },
            ),
        ),
        (
            "ice.servers",
            f(
                None,
                ServerMessage::IceServers {
                    ice_servers: vec![IceServer {
                        urls: vec!["turn:turn.example.com:3478?transport=udp".into()],
                        username: Some("1764116250:alice".into()),
                        credential: Some("0vmM5rSCCTmkbzANYUXxdEzRj5g=".into()),
                    }],
                    ice_expires_at_ms: 1_764_116_250_000,
                },
            ),
        ),
        ("pong", f(None, ServerMessage::Pong)),
        ("ok", f(Some(3), ServerMessage::Ok)),
        (
            "error",
            f(
                Some(12),
                ServerMessage::Error {
                    code: ErrorCode::NotAParty,
                    message: "carol is not a party of call c-7f3a".into(),
                    call_id: Some(call_id()),
                },
            ),
        ),
        (
            "contacts",
            f(
                Some(2),
                ServerMessage::Contacts {
                    contacts: vec![
                        Contact {
                            account: account("bob"),
                            nick: "Bob".into(),
                            presence: Presence::InCall,
                            state: ContactState::Accepted,
                        },
                        Contact {
                            account: account("carol"),
                            nick: "Carol".into(),
                            presence: Presence::Offline,
                            state: ContactState::Incoming,
                        },
                    ],
                },
            ),
        ),
        (
            "contacts.changed",
            f(
                None,
                ServerMessage::ContactsChanged {
                    account: account("bob"),
                    contact: Some(Contact {
                        account: account("bob"),
                        nick: "Bob".into(),
                        presence: Presence::Online,
                        state: ContactState::Accepted,
                    }),
                },
            ),
        ),
        (
            "contacts.changed_removed",
            f(
                None,
                ServerMessage::ContactsChanged {
                    account: account("bob"),
                    contact: None,
                },
            ),
        ),
        (
            "presence",
            f(
                None,
                ServerMessage::Presence {
                    account: account("bob"),
                    presence: Presence::Online,
                },
            ),
        ),
        (
            "directory",
            f(
                Some(5),
                ServerMessage::Directory {
                    users: vec![UserSummary {
                        account: account("bob"),
                        nick: "Bob".into(),
                    }],
                },
            ),
        ),
        (
            "history",
            f(
                Some(6),
                ServerMessage::History {
                    records: vec![record()],
                    next: Some("1764115263000.c-7f3a".into()),
                },
            ),
        ),
        (
            "call.ack",
            f(
                Some(10),
                ServerMessage::CallAck {
                    call_id: call_id(),
                    call_token: Some("ct1.1764118800000.q2x".into()),
                },
            ),
        ),
        (
            "call.invited",
            f(
                None,
                ev(
                    1,
                    CallEvent::Invited {
                        caller: Party {
                            nick: "Alice Liddell".into(),
                            ..alice()
                        },
                        callee: account("bob"),
                        call_type: CallType::Video,
                        attachment: json!({"call": "testValue"}),
                        expires_in_ms: 30_000,
                        call_token: "ct1.bob-desktop.q2x".into(),
                        waiting: false,
                    },
                ),
            ),
        ),
        (
            "call.invited.waiting",
            f(
                None,
                ServerMessage::Call {
                    call_id: CallId::new("c-9b21").unwrap(),
                    seq: 1,
                    event: CallEvent::Invited {
                        caller: carol(),
                        callee: account("bob"),
                        call_type: CallType::Audio,
                        attachment: serde_json::Value::Null,
                        expires_in_ms: 30_000,
                        call_token: "ct1.1764118800000.w7k".into(),
                        waiting: true,
                    },
                },
            ),
        ),
        (
            "call.accepted",
            f(
                None,
                ev(
                    2,
                    CallEvent::Accepted {
                        callee: bob(),
                        call_type: CallType::Video,
                    },
                ),
            ),
        ),
        (
            "call.other_device",
            f(
                None,
                ev(
                    2,
                    CallEvent::OtherDevice {
                        action: OtherDeviceAction::Accepted,
                    },
                ),
            ),
        ),
        ("call.rejected", f(None, ev(2, CallEvent::Rejected))),
        ("call.busy", f(None, ev(2, CallEvent::Busy))),
        ("call.canceled", f(None, ev(2, CallEvent::Canceled))),
        ("call.timeout", f(None, ev(2, CallEvent::Timeout))),
        (
            "call.ended",
            f(
                None,
                ev(
                    7,
                    CallEvent::Ended {
                        reason: EndReason::UserHangup,
                        by: Some(account("bob")),
                    },
                ),
            ),
        ),
        (
            "call.record",
            f(None, ev(8, CallEvent::Record { record: record() })),
        ),
        (
            "call.signal",
            f(
                None,
                ev(
                    3,
                    CallEvent::Signal {
                        from: device("bob-desktop"),
                        payload: json!({"kind": "answer", "sdp": "v=0\r\n..."}),
                    },
                ),
            ),
        ),
        (
            "call.media",
            f(
                None,
                ev(
                    4,
                    CallEvent::Media {
                        audio: true,
                        video: false,
                        video_reason: None,
                    },
                ),
            ),
        ),
        (
            "call.switch_requested",
            f(
                None,
                ev(
                    5,
                    CallEvent::SwitchRequested {
                        call_type: CallType::Video,
                    },
                ),
            ),
        ),
        (
            "call.type_changed",
            f(
                None,
                ev(
                    6,
                    CallEvent::TypeChanged {
                        call_type: CallType::Audio,
                    },
                ),
            ),
        ),
        (
            "call.switch_refused",
            f(
                None,
                ev(
                    6,
                    CallEvent::SwitchRefused {
                        call_type: CallType::Video,
                    },
                ),
            ),
        ),
        (
            "call.merged",
            f(
                None,
                ServerMessage::Call {
                    call_id: CallId::new("c-91bd").unwrap(),
                    seq: 2,
                    event: CallEvent::Merged {
                        into: call_id(),
                        call_token: "ct1.1764118800000.q2x".into(),
                    },
                },
            ),
        ),
        (
            "resync",
            f(
                None,
                ServerMessage::Resync {
                    calls: vec![CallSnapshot {
                        call_id: call_id(),
                        caller: alice(),
                        callee: account("bob"),
                        call_type: CallType::Video,
                        attachment: serde_json::Value::Null,
                        attachment_omitted: false,
                        phase: CallSnapshotPhase::Active {
                            callee_device: device("bob-desktop"),
                            answered_at_ms: 1_764_115_203_000,
                            call_token: "ct1.1764118800000.q2x".into(),
                        },
                        seq: 4,
                    }],
                },
            ),
        ),
        (
            "resync.waiting",
            f(
                None,
                ServerMessage::Resync {
                    calls: vec![
                        CallSnapshot {
                            call_id: call_id(),
                            caller: alice(),
                            callee: account("bob"),
                            call_type: CallType::Video,
                            attachment: serde_json::Value::Null,
                            attachment_omitted: false,
                            phase: CallSnapshotPhase::Active {
                                callee_device: device("bob-desktop"),
                                answered_at_ms: 1_764_115_203_000,
                                call_token: "ct1.1764118800000.q2x".into(),
                            },
                            seq: 4,
                        },
                        CallSnapshot {
                            call_id: CallId::new("c-9b21").unwrap(),
                            caller: carol(),
                            callee: account("bob"),
                            call_type: CallType::Audio,
                            attachment: serde_json::Value::Null,
                            attachment_omitted: false,
                            phase: CallSnapshotPhase::Ringing {
                                expires_in_ms: 21_500,
                                call_token: "ct1.1764118800000.w7k".into(),
                                waiting: true,
                            },
                            seq: 1,
                        },
                    ],
                },
            ),
        ),
        (
            "server.draining",
            f(
                None,
                ServerMessage::ServerDraining {
                    closes_in_ms: 30_000,
                },
            ),
        ),
    ]
}

fn golden_path(dir: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(dir)
        .join(format!("{name}.json"))
}

fn check<T>(dir: &str, name: &str, value: &T, decode: impl Fn(&str) -> T)
where
    T: serde::Serialize + PartialEq + std::fmt::Debug,
{
    let path = golden_path(dir, name);
    let actual = serde_json::to_value(value).unwrap();
    if std::env::var_os("DUET_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string(&actual).unwrap() + "\n").unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with DUET_BLESS=1 to create it)",
            path.display()
        )
    });
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        actual, expected,
        "{dir}/{name}: encoded shape differs from the golden file"
    );
    assert_eq!(
        &decode(text.trim()),
        value,
        "{dir}/{name}: golden file decodes to another value"
    );
    let doc = protocol_doc();
    let blessing = std::env::var_os("DUET_BLESS").is_some();
    assert!(
        blessing || doc.contains(text.trim()),
        "docs/protocol.md lacks the example for {dir}/{name}:\n{}",
        text.trim()
    );
}

fn protocol_doc() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn client_messages_keep_their_shape() {
    for (name, frame) in client_cases() {
        check("client", name, &frame, |t| decode_client(t).unwrap());
    }
}

#[test]
fn server_messages_keep_their_shape() {
    for (name, frame) in server_cases() {
        check("server", name, &frame, |t| decode_server(t).unwrap());
    }
}
