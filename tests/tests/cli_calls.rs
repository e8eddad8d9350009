//! Two (or three) duet-cli processes against the real server: every outcome a call can have ends in
//! exactly one record, which `duet-cli history` shows for both parties.

use duet_e2e::*;
use serde_json::Value;

/// Checks that both parties' histories hold exactly `record` once, and returns it.
fn in_both_histories(caller: &User, callee: &User, record: &Value) -> Value {
    let id = &record["call_id"];
    for user in [caller, callee] {
        let history = user.history();
        let found = records_of(&history, id);
        assert_eq!(
            found.len(),
            1,
            "{}'s history must hold call {id} once: {history:?}",
            user.account
        );
        assert_eq!(found[0], record, "history and MESSAGE_SENT disagree");
    }
    record.clone()
}

#[test]
fn a_completed_call_has_its_duration_in_both_histories() {
    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let listener = bob.cli(
        "bob-1",
        &[
            "listen", "--auto", "accept", "--after", "300ms", "--count", "1",
        ],
    );
    let caller = alice.run(
        "alice-1",
        &["call", "bob", "--type", "video", "--hangup-after", "2s"],
    );
    let callee = listener.finish();
    assert_eq!(caller.code, 0, "caller: {:?}", caller.events);
    assert_eq!(callee.code, 0, "callee: {:?}", callee.events);
    assert!(caller.names().contains(&"USER_ACCEPT"));
    assert!(callee.names().contains(&"INVITED"));
    assert!(callee.names().contains(&"CALL_END"));
    let record = in_both_histories(&alice, &bob, &caller.record());
    assert_eq!(record["status"], 1);
    assert_eq!(record["call_type"], 2);
    // The caller hung up two seconds after it saw the answer, so the talk lasted at least that long.
    assert!(record["duration_ms"].as_u64().unwrap() >= 2_000, "{record}");
}

/// One way a call ends without being answered, as the caller's duet-cli reports it.
struct Unanswered {
    case: &'static str,
    /// The listener's `--auto` answer.
    auto: &'static str,
    /// The caller's `call` arguments.
    call: &'static [&'static str],
    /// The caller's exit code and the event it printed.
    code: i32,
    event: &'static str,
    /// The listener's exit code, where the row checks it.
    callee_code: Option<i32>,
    /// An event the listener printed, where the row checks one.
    callee_event: Option<&'static str>,
    /// The record's status in both histories, and its duration where the row checks it.
    status: u64,
    duration_ms: Option<u64>,
}

#[test]
fn declined_unanswered_and_busy_calls_end_the_same_for_both() {
    let rows = [
        Unanswered {
            case: "declined: USER_REJECT exits 10",
            auto: "reject",
            call: &["call", "bob", "--type", "audio"],
            code: 10,
            event: "USER_REJECT",
            callee_code: Some(10),
            callee_event: None,
            status: 3,
            duration_ms: Some(0),
        },
        Unanswered {
            case: "unanswered: a timeout exits 12",
            auto: "ignore",
            call: &["call", "bob", "--timeout", "2s"],
            code: 12,
            event: "CALLING_TIMEOUT",
            callee_code: None,
            callee_event: Some("CALLING_TIMEOUT"),
            status: 4,
            duration_ms: None,
        },
        Unanswered {
            case: "busy: USER_BUSY exits 11",
            auto: "busy",
            call: &["call", "bob"],
            code: 11,
            event: "USER_BUSY",
            callee_code: Some(11),
            callee_event: None,
            status: 5,
            duration_ms: None,
        },
    ];
    for row in rows {
        let case = row.case;
        let server = Server::start(&[]);
        let (alice, bob) = (server.user("alice"), server.user("bob"));
        let listener = bob.cli("bob-1", &["listen", "--auto", row.auto, "--count", "1"]);
        let caller = alice.run("alice-1", row.call);
        let callee = listener.finish();
        assert_eq!(caller.code, row.code, "{case}: {:?}", caller.events);
        assert!(caller.names().contains(&row.event), "{case}");
        if let Some(code) = row.callee_code {
            assert_eq!(callee.code, code, "{case}");
        }
        if let Some(event) = row.callee_event {
            assert!(callee.names().contains(&event), "{case}");
        }
        let record = in_both_histories(&alice, &bob, &caller.record());
        assert_eq!(
            record["status"].as_u64(),
            Some(row.status),
            "{case}: {record}"
        );
        if let Some(duration) = row.duration_ms {
            assert_eq!(
                record["duration_ms"].as_u64(),
                Some(duration),
                "{case}: {record}"
            );
        }
    }
}

#[test]
fn a_cancelled_call_is_cancelled_for_both() {
    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let mut listener = bob.cli("bob-1", &["listen", "--auto", "ignore", "--count", "1"]);
    let caller = alice.cli("alice-1", &["call", "bob", "--cancel-after", "1s"]);
    listener.wait_for("INVITED");
    let caller = caller.finish();
    let callee = listener.finish();
    assert_eq!(caller.code, 13, "a cancel exits 13: {:?}", caller.events);
    assert!(
        callee.names().contains(&"USER_CANCEL"),
        "{:?}",
        callee.events
    );
    let record = in_both_histories(&alice, &bob, &caller.record());
    assert_eq!(record["status"], 2);
}

#[test]
fn a_callee_in_a_call_on_its_only_device_is_busy() {
    let server = Server::start(&[]);
    let (alice, bob, carol) = (
        server.user("alice"),
        server.user("bob"),
        server.user("carol"),
    );
    let mut listener = bob.cli("bob-1", &["listen", "--auto", "accept", "--count", "1"]);
    let mut first = carol.cli("carol-1", &["call", "bob", "--hangup-after", "30s"]);
    first.wait_for("USER_ACCEPT");
    listener.wait_for("INVITED");
    let second = alice.run("alice-1", &["call", "bob"]);
    assert_eq!(second.code, 11, "{:?}", second.events);
    assert_eq!(second.record()["status"], 5);
    first.kill();
    listener.kill();
}

#[test]
fn one_of_two_devices_answers_and_the_other_hears_other_client_accept() {
    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let mut answering = bob.cli(
        "bob-desk",
        &[
            "listen", "--auto", "accept", "--after", "500ms", "--count", "1",
        ],
    );
    let mut other = bob.cli(
        "bob-laptop",
        &["listen", "--auto", "ignore", "--count", "1"],
    );
    let caller = alice.cli("alice-1", &["call", "bob", "--hangup-after", "1s"]);
    answering.wait_for("INVITED");
    other.wait_for("INVITED");
    let caller = caller.finish();
    let answering = answering.finish();
    let other = other.finish();
    assert_eq!(caller.code, 0, "{:?}", caller.events);
    assert_eq!(answering.code, 0, "{:?}", answering.events);
    assert!(
        other.names().contains(&"OTHER_CLIENT_ACCEPT"),
        "{:?}",
        other.events
    );
    assert_eq!(other.code, 14, "OTHER_CLIENT_ACCEPT exits 14");
    let record = in_both_histories(&alice, &bob, &caller.record());
    assert_eq!(record["status"], 1);
}

#[test]
fn glare_connects_both_callers() {
    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    // Both call each other at once; whichever invite comes second joins the first call.
    let a = alice.cli("alice-1", &["call", "bob", "--hangup-after", "2s"]);
    let b = bob.cli("bob-1", &["call", "alice", "--hangup-after", "2s"]);
    let (a, b) = (a.finish(), b.finish());
    assert_eq!(a.code, 0, "alice: {:?}", a.events);
    assert_eq!(b.code, 0, "bob: {:?}", b.events);
    assert!(!a.names().contains(&"USER_BUSY") && !b.names().contains(&"USER_BUSY"));
    let record = a.record();
    assert_eq!(b.record(), record, "one call, one record");
    assert_eq!(record["status"], 1);
    in_both_histories(&alice, &bob, &record);
    assert_eq!(alice.history().len(), 1);
}

#[test]
fn a_bot_left_running_by_a_failed_test_is_killed_with_it() {
    let server = Server::start(&[]);
    let bob = server.user("bob");
    let mut listener = bob.cli("bob-1", &["listen"]);
    listener.wait_for("RESYNCED");
    let proc_dir = std::path::PathBuf::from(format!("/proc/{}", listener.pid()));
    assert!(
        proc_dir.exists(),
        "the listener runs until it is told to stop"
    );
    // What a panicking test does to its bots: drops them mid-wait.
    drop(listener);
    assert!(
        !proc_dir.exists(),
        "a dropped Cli kills and reaps its duet-cli"
    );
}
