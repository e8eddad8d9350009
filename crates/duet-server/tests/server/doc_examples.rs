//! Every frame docs/protocol.md shows a client sending, read from the document itself and sent as
//! written to a real server in safe mode (the default), with the documented answer asserted.
//!
//! The examples are the fenced blocks whose info string is `json client:NAME`. Only the
//! placeholders for secrets are replaced, by the values this server handed out: the login token
//! `dt1.alice…`, the caller's call token `ct1.1764118800000.q2x` and the callee's
//! `ct1.bob-desktop.q2x`. A client example the flows below do not send, or a name they send that
//! the document lacks, fails the test, so the document and the test cannot drift apart.

use crate::support::Client;
use duet_protocol::{CallEvent, CallType, ClientMessage, ErrorCode, ServerFrame, ServerMessage};
use duet_server::RunningServer;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;
use tempfile::TempDir;

const LOGIN_TOKEN: &str = "dt1.alice.1795651200.0.sig";
/// Bob's login token in the `login.call_waiting` example.
const BOB_LOGIN_TOKEN: &str = "dt1.bob.1795651200.0.sig";
const CALLER_TOKEN: &str = "ct1.1764118800000.q2x";
const CALLEE_TOKEN: &str = "ct1.bob-desktop.q2x";
const MARKER: &str = "json client:";
/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// The client examples of docs/protocol.md by name, as written.
fn doc_examples() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut examples = BTreeMap::new();
    let mut lines = doc.lines();
    let mut client_section = false;
    while let Some(line) = lines.next() {
        if line.starts_with("## ") {
            client_section = line == "## Client to server";
        }
        assert!(
            !(client_section && line == "```json"),
            "a client example in docs/protocol.md lacks its `{MARKER}NAME` tag, so no test sends it"
        );
        let Some(name) = line
            .strip_prefix("```")
            .and_then(|l| l.strip_prefix(MARKER))
        else {
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let body = body.join("\n");
        let previous = examples.insert(name.trim().to_owned(), body);
        assert!(previous.is_none(), "two client examples named {name}");
    }
    examples
}

/// One run of flows: the examples, the secrets handed out so far, and the names sent.
struct Run {
    examples: BTreeMap<String, String>,
    sent: BTreeSet<String>,
    server: RunningServer,
    _dir: TempDir,
    alice_login: String,
    bob_login: String,
    caller_token: Option<String>,
    callee_token: Option<String>,
}

impl Run {
    /// A fresh server with alice and bob, keeping the examples and what was sent so far.
    async fn start(examples: BTreeMap<String, String>, sent: BTreeSet<String>) -> Run {
        let (server, dir) = duet_testkit::start_server().await;
        let alice_login = duet_testkit::add_user_named(&server, "alice", "Alice").await;
        let bob_login = duet_testkit::add_user_named(&server, "bob", "Bob").await;
        Run {
            examples,
            sent,
            server,
            _dir: dir,
            alice_login,
            bob_login,
            caller_token: None,
            callee_token: None,
        }
    }

    /// Ends this server and hands on what the next flow needs.
    async fn finish(self) -> (BTreeMap<String, String>, BTreeSet<String>) {
        self.server.shutdown().await.unwrap();
        (self.examples, self.sent)
    }

    /// Example `name` as written, with this server's secrets for the placeholders.
    fn frame(&mut self, name: &str) -> String {
        let text = self
            .examples
            .get(name)
            .unwrap_or_else(|| panic!("docs/protocol.md has no client example `{name}`"))
            .clone();
        self.sent.insert(name.to_owned());
        let mut text = text
            .replace(LOGIN_TOKEN, &self.alice_login)
            .replace(BOB_LOGIN_TOKEN, &self.bob_login);
        if let Some(token) = &self.caller_token {
            text = text.replace(CALLER_TOKEN, token);
        }
        if let Some(token) = &self.callee_token {
            text = text.replace(CALLEE_TOKEN, token);
        }
        text
    }

    /// Sends example `name` on `client` and returns its answer, checking that it echoes `req`.
    /// Call events, presence and contact changes pushed meanwhile are skipped.
    async fn send(&mut self, client: &mut Client, name: &str) -> ServerFrame {
        let text = self.frame(name);
        let sent: Value = serde_json::from_str(&text).unwrap();
        client.send_raw(text).await;
        let answer = client
            .recv_until(|m| {
                !matches!(
                    m,
                    ServerMessage::Call { .. }
                        | ServerMessage::Presence { .. }
                        | ServerMessage::ContactsChanged { .. }
                )
            })
            .await;
        assert_eq!(
            answer.req,
            sent["req"].as_u64(),
            "{name}: the answer echoes `req`"
        );
        answer
    }

    /// Sends example `name` and asserts a `call.ack`; returns its call token, if any.
    async fn send_acked(&mut self, client: &mut Client, name: &str) -> Option<String> {
        match self.send(client, name).await.msg {
            ServerMessage::CallAck { call_token, .. } => call_token,
            other => panic!("{name}: expected call.ack, got {other:?}"),
        }
    }

    /// alice logs in on `alice-laptop` with the `login` example; bob logs in on `bob-desktop`.
    async fn log_in(&mut self) -> (Client, Client) {
        let bob = Client::login(&self.server, "bob", &self.bob_login, "bob-desktop").await;
        let mut alice = Client::connect(&self.server).await;
        let answer = self.send(&mut alice, "login").await;
        assert!(
            matches!(
                answer.msg,
                ServerMessage::LoginOk {
                    safe_mode: true,
                    ..
                }
            ),
            "{answer:?}"
        );
        let resync = alice.recv().await;
        assert!(
            matches!(resync.msg, ServerMessage::Resync { .. }),
            "{resync:?}"
        );
        (alice, bob)
    }

    /// alice places the `call.invite` example; bob's device rings with its own token.
    async fn invite(&mut self, alice: &mut Client, bob: &mut Client) {
        self.caller_token = self.send_acked(alice, "call.invite").await;
        assert!(
            self.caller_token.is_some(),
            "the invite's ack carries a token"
        );
        let (_, event) = bob.call_event().await;
        let CallEvent::Invited {
            call_token, caller, ..
        } = event
        else {
            panic!("expected invited, got {event:?}");
        };
        let invite: Value = serde_json::from_str(&self.frame("call.invite")).unwrap();
        assert_eq!(caller.nick, invite["nick"], "the invite's nick is shown");
        self.callee_token = Some(call_token);
    }
}

/// The next call event on `client` with its `seq`.
async fn event(client: &mut Client) -> (u64, CallEvent) {
    let frame = client
        .recv_until(|m| matches!(m, ServerMessage::Call { .. }))
        .await;
    match frame.msg {
        ServerMessage::Call { seq, event, .. } => (seq, event),
        _ => unreachable!("filtered above"),
    }
}

/// Nothing arrives on `client` before the answer to a ping: what was sent before got no answer.
async fn nothing_pending(client: &mut Client) {
    client.send_raw(r#"{"type":"ping","v":1}"#).await;
    let frame = client.recv().await;
    assert!(
        matches!(frame.msg, ServerMessage::Pong),
        "expected nothing before the pong, got {frame:?}"
    );
}

/// The main flow: requests, a call rung, negotiated, answered as audio, switched to video and
/// hung up, then logout.
async fn requests_and_an_answered_call(run: &mut Run) {
    let (mut alice, mut bob) = run.log_in().await;
    let asks_alice = |who: &str| ClientMessage::ContactsAdd {
        account: duet_protocol::AccountId::new(who).unwrap(),
    };
    let carol_token = duet_testkit::add_user(&run.server, "carol").await;
    duet_testkit::add_user(&run.server, "mallory").await;
    let mut carol = Client::login(&run.server, "carol", &carol_token, "carol-laptop").await;
    let expect = |name: &str, answer: &ServerFrame, want: &str| {
        let got = serde_json::to_value(answer).unwrap();
        assert_eq!(got["type"], want, "{name}: {answer:?}");
    };
    // alice asks bob, lists, and withdraws the request.
    for (name, want) in [
        ("contacts.add", "ok"),
        ("contacts.list", "contacts"),
        ("contacts.remove", "ok"),
    ] {
        let answer = run.send(&mut alice, name).await;
        expect(name, &answer, want);
    }
    // bob and carol ask alice: she accepts bob and ignores carol; she blocks and unblocks mallory.
    bob.send(asks_alice("alice")).await;
    carol.send(asks_alice("alice")).await;
    for client in [&mut bob, &mut carol] {
        let answer = client
            .recv_until(|m| !matches!(m, ServerMessage::ContactsChanged { .. }))
            .await;
        assert!(matches!(answer.msg, ServerMessage::Ok), "{answer:?}");
    }
    for (name, want) in [
        ("contacts.accept", "ok"),
        ("contacts.ignore", "ok"),
        ("contacts.block", "ok"),
        ("contacts.unblock", "ok"),
        ("directory.search", "directory"),
        ("history.list", "history"),
    ] {
        let answer = run.send(&mut alice, name).await;
        expect(name, &answer, want);
    }
    let listed = run.send(&mut alice, "contacts.list").await;
    let ServerMessage::Contacts { contacts } = listed.msg else {
        panic!("expected contacts, got {listed:?}");
    };
    let entries: Vec<(&str, duet_protocol::ContactState)> = contacts
        .iter()
        .map(|c| (c.account.as_str(), c.state))
        .collect();
    assert_eq!(
        entries,
        [("bob", duet_protocol::ContactState::Accepted)],
        "bob accepted, carol ignored, mallory unblocked"
    );
    let pong = run.send(&mut alice, "ping").await;
    assert!(matches!(pong.msg, ServerMessage::Pong), "{pong:?}");

    run.invite(&mut alice, &mut bob).await;
    // A signal without `req` gets no answer; the rung device gets it as sent.
    let offer = run.frame("call.signal");
    alice.send_raw(offer.clone()).await;
    nothing_pending(&mut alice).await;
    let (seq, signal) = event(&mut bob).await;
    assert_eq!(seq, 2, "the invite was the call's event 1, to bob");
    let offer: Value = serde_json::from_str(&offer).unwrap();
    let CallEvent::Signal { from, payload } = signal else {
        panic!("expected signal, got {signal:?}");
    };
    assert_eq!(
        (from.as_str(), &payload),
        ("alice-laptop", &offer["payload"])
    );

    // The callee may signal while it rings; with `req` it gets a call.ack.
    assert_eq!(
        run.send_acked(&mut bob, "call.signal.candidate").await,
        None
    );
    let (_, signal) = event(&mut alice).await;
    assert!(matches!(signal, CallEvent::Signal { .. }), "{signal:?}");

    let token = run.send_acked(&mut bob, "call.accept_as_audio").await;
    assert_eq!(
        token, run.callee_token,
        "the accept's ack carries the token"
    );
    let (seq, accepted) = event(&mut alice).await;
    assert_eq!(
        seq, 4,
        "alice saw event 3 (the candidate) but not 1 and 2, which went to bob"
    );
    assert!(
        matches!(
            accepted,
            CallEvent::Accepted {
                call_type: CallType::Audio,
                ..
            }
        ),
        "{accepted:?}"
    );

    run.send_acked(&mut alice, "call.media").await;
    let (_, media) = event(&mut bob).await;
    assert_eq!(
        media,
        CallEvent::Media {
            audio: false,
            video: true,
            video_reason: None,
        }
    );

    run.send_acked(&mut alice, "call.switch_type").await;
    let (_, asked) = event(&mut bob).await;
    assert!(
        matches!(asked, CallEvent::SwitchRequested { .. }),
        "{asked:?}"
    );
    run.send_acked(&mut bob, "call.switch_answer").await;
    for client in [&mut alice, &mut bob] {
        let (_, changed) = event(client).await;
        assert_eq!(
            changed,
            CallEvent::TypeChanged {
                call_type: CallType::Video
            }
        );
    }

    run.send_acked(&mut alice, "call.hangup").await;
    let (_, ended) = event(&mut bob).await;
    assert!(matches!(ended, CallEvent::Ended { .. }), "{ended:?}");

    let ok = run.send(&mut alice, "logout").await;
    assert!(matches!(ok.msg, ServerMessage::Ok), "{ok:?}");
    alice.expect_closed().await;
}

/// A ringing call answered or ended by example `name` (accept, reject, reject_busy, cancel);
/// returns what the other party hears, and for a call that ended, the actor's next event.
async fn ringing_call_then(
    run: &mut Run,
    name: &str,
    by_caller: bool,
) -> (CallEvent, Option<CallEvent>) {
    let (mut alice, mut bob) = run.log_in().await;
    run.invite(&mut alice, &mut bob).await;
    let token = if by_caller {
        run.send_acked(&mut alice, name).await
    } else {
        run.send_acked(&mut bob, name).await
    };
    if name == "call.accept" {
        assert_eq!(
            token, run.callee_token,
            "the accept's ack carries the token"
        );
    }
    let heard = if by_caller {
        event(&mut bob).await.1
    } else {
        event(&mut alice).await.1
    };
    if name == "call.accept" {
        return (heard, None);
    }
    // A call that ended sends its record to both parties, the one that acted included.
    let own = if by_caller {
        alice.call_event().await.1
    } else {
        bob.call_event().await.1
    };
    (heard, Some(own))
}

/// The account flow: app.info, then (after the operator opens registration) register and a
/// password login, each answered with a token that logs in.
async fn an_account_made_without_the_operator(run: &mut Run) {
    let mut carol = Client::connect(&run.server).await;
    let info = run.send(&mut carol, "app.info").await;
    assert!(
        matches!(
            info.msg,
            ServerMessage::AppInfo {
                registration: duet_protocol::Registration::Closed,
                ..
            }
        ),
        "a default server's registration is closed: {info:?}"
    );
    let closed = run.send(&mut carol, "register").await;
    assert!(
        matches!(
            closed.msg,
            ServerMessage::Error {
                code: ErrorCode::RegistrationClosed,
                ..
            }
        ),
        "{closed:?}"
    );
    run.server
        .admin()
        .set_registration("demo", duet_protocol::Registration::Open)
        .await
        .unwrap();
    for name in ["register", "login.password"] {
        let answer = run.send(&mut carol, name).await;
        let ServerMessage::Token { token, account, .. } = answer.msg else {
            panic!("{name}: expected a token, got {answer:?}");
        };
        let mut session = Client::connect(&run.server).await;
        let login = login_as_carol(account.as_str(), &token);
        session.send(login).await;
        assert!(
            matches!(session.recv().await.msg, ServerMessage::LoginOk { .. }),
            "{name}: the token logs in"
        );
    }
}

/// `login` for `account` with `token` on carol's device.
fn login_as_carol(account: &str, token: &str) -> duet_protocol::ClientMessage {
    crate::support::login_msg("demo", account, token, "carol-laptop")
}

#[tokio::test]
async fn every_client_example_in_protocol_md_works_as_written() {
    let examples = doc_examples();
    assert!(examples.len() > 10, "found {} examples", examples.len());
    let mut run = Run::start(examples, BTreeSet::new()).await;
    tokio::time::timeout(HANG_GUARD, requests_and_an_answered_call(&mut run))
        .await
        .expect("hang guard");
    let (examples, sent) = run.finish().await;

    let mut run = Run::start(examples, sent).await;
    tokio::time::timeout(HANG_GUARD, an_account_made_without_the_operator(&mut run))
        .await
        .expect("hang guard");
    let (examples, sent) = run.finish().await;

    let mut run = Run::start(examples, sent).await;
    tokio::time::timeout(HANG_GUARD, call_waiting_as_documented(&mut run))
        .await
        .expect("hang guard");
    let (mut examples, mut sent) = run.finish().await;

    let cases = [
        ("call.accept", false),
        ("call.reject", false),
        ("call.reject_busy", false),
        ("call.cancel", true),
    ];
    for (name, by_caller) in cases {
        let mut run = Run::start(examples, sent).await;
        let (heard, own) = ringing_call_then(&mut run, name, by_caller).await;
        match name {
            "call.accept" => {
                assert!(
                    matches!(
                        heard,
                        CallEvent::Accepted {
                            call_type: CallType::Video,
                            ..
                        }
                    ),
                    "{heard:?}"
                );
            }
            "call.reject" => assert_eq!(heard, CallEvent::Rejected),
            "call.reject_busy" => assert_eq!(heard, CallEvent::Busy),
            "call.cancel" => assert_eq!(heard, CallEvent::Canceled),
            _ => unreachable!(),
        }
        if let Some(own) = own {
            assert!(matches!(own, CallEvent::Record { .. }), "{own:?}");
        }
        (examples, sent) = run.finish().await;
    }

    let documented: BTreeSet<String> = examples.keys().cloned().collect();
    assert_eq!(
        documented, sent,
        "every client example of docs/protocol.md is sent, and only those"
    );
}

/// bob logs in with the `login.call_waiting` example and answers alice; carol's call during that
/// call rings him too, with `waiting`, and carol hears it ring rather than busy.
async fn call_waiting_as_documented(run: &mut Run) {
    use crate::support::invite;
    use duet_protocol::CallAction;
    let mut bob = Client::connect(&run.server).await;
    let answer = run.send(&mut bob, "login.call_waiting").await;
    assert!(
        matches!(answer.msg, ServerMessage::LoginOk { .. }),
        "{answer:?}"
    );
    let resync = bob.recv().await;
    assert!(
        matches!(resync.msg, ServerMessage::Resync { .. }),
        "{resync:?}"
    );
    let mut alice = Client::login(&run.server, "alice", &run.alice_login, "a1").await;
    let carol_login = duet_testkit::add_user_named(&run.server, "carol", "Carol").await;
    let mut carol = Client::login(&run.server, "carol", &carol_login, "c1").await;

    alice.call("w1", "a1", 1, None, invite("bob")).await;
    alice.ack_token().await;
    let (_, event) = bob.call_event().await;
    let CallEvent::Invited {
        call_token,
        waiting: false,
        ..
    } = event
    else {
        panic!("a free device rings without `waiting`: {event:?}");
    };
    let accept = CallAction::Accept { call_type: None };
    bob.call("w1", "bob-desktop", 1, Some(&call_token), accept)
        .await;
    bob.ack_token().await;

    carol.call("w2", "c1", 1, None, invite("bob")).await;
    carol.ack_token().await;
    let (rung, event) = bob.call_event().await;
    assert_eq!(rung.as_str(), "w2");
    assert!(
        matches!(event, CallEvent::Invited { waiting: true, .. }),
        "{event:?}"
    );
}

/// The refusals protocol.md documents, from its examples with one field changed.
#[tokio::test]
async fn documented_refusals_hold() {
    let mut run = Run::start(doc_examples(), BTreeSet::new()).await;
    let (mut alice, mut bob) = run.log_in().await;
    run.invite(&mut alice, &mut bob).await;
    let callee_token = run.callee_token.clone().unwrap_or_default();

    // A signal addressed to a device that was not rung is refused.
    let stray = run
        .frame("call.signal")
        .replace(r#""to":"bob-desktop""#, r#""req":30,"to":"bob-phone""#);
    alice.send_raw(stray).await;
    assert_eq!(
        alice.expect_error().await,
        (ErrorCode::InvalidState, Some(30))
    );

    // The token is checked before the sequence number: a forged token is `bad_call_token` even
    // on a number already used, and a refusal changes nothing, so the right token then works.
    let accept = run.frame("call.accept");
    bob.send_raw(accept.replace(&callee_token, "ct1.forged"))
        .await;
    assert_eq!(bob.expect_error().await.0, ErrorCode::BadCallToken);
    run.send_acked(&mut bob, "call.accept").await;
    bob.send_raw(accept.replace(&callee_token, "ct1.forged"))
        .await;
    assert_eq!(bob.expect_error().await.0, ErrorCode::BadCallToken);
    bob.send_raw(accept).await;
    assert_eq!(bob.expect_error().await.0, ErrorCode::StaleSeq);

    // Once answered, a `to` naming anyone but the other party is refused too.
    let stray = run
        .frame("call.signal")
        .replace(r#""seq":2"#, r#""seq":3"#)
        .replace(r#""to":"bob-desktop""#, r#""req":31,"to":"bob-phone""#);
    alice.send_raw(stray).await;
    let refused = alice
        .recv_until(|m| matches!(m, ServerMessage::Error { .. }))
        .await;
    assert_eq!(refused.req, Some(31));
    assert!(
        matches!(
            refused.msg,
            ServerMessage::Error {
                code: ErrorCode::InvalidState,
                ..
            }
        ),
        "{refused:?}"
    );

    // Once the call ended, its id is not reused: a new invite with it gets `call_ended`.
    run.send_acked(&mut alice, "call.hangup").await;
    let invite = run.frame("call.invite");
    alice
        .recv_until(|m| {
            matches!(
                m,
                ServerMessage::Call {
                    event: CallEvent::Record { .. },
                    ..
                }
            )
        })
        .await;
    alice.send_raw(invite).await;
    assert_eq!(alice.expect_error().await.0, ErrorCode::CallEnded);

    // A nick with a control character is refused as the frame is read.
    let invite = run
        .frame("call.invite")
        .replace(r#""nick":"Alice Liddell""#, r#""nick":"Alice\nBank""#)
        .replace(r#""req":10"#, r#""req":32"#);
    alice.send_raw(invite).await;
    assert_eq!(
        alice.expect_error().await,
        (ErrorCode::InvalidMessage, Some(32))
    );
    run.finish().await;
}
