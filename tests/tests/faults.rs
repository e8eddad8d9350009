//! Faults a call must survive, with real processes: a killed client and a server restart.

use duet_e2e::*;

#[test]
fn a_killed_client_ends_the_call_for_its_peer_with_one_record() {
    let server = Server::start(&["--reconnect-grace", "1s", "--heartbeat", "1s"]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let mut listener = bob.cli("bob-1", &["listen", "--auto", "accept", "--count", "1"]);
    let mut caller = alice.cli("alice-1", &["call", "bob"]);
    caller.wait_for("USER_ACCEPT");
    listener.wait_for("INVITED");
    listener.kill();
    let end = caller.wait_for("CALL_END");
    assert_eq!(end["reason"], "connection_lost", "{end}");
    assert_eq!(end["by"], "bob");
    let caller = caller.finish();
    let record = caller.record();
    assert_eq!(record["status"], 1);
    let history = bob.history();
    assert_eq!(records_of(&history, &record["call_id"]).len(), 1);
}

#[test]
fn a_call_survives_a_server_restart_and_is_recorded_once() {
    let mut server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let mut listener = bob.cli("bob-1", &["listen", "--auto", "accept", "--count", "1"]);
    let mut caller = alice.cli("alice-1", &["call", "bob", "--hangup-after", "5s"]);
    caller.wait_for("USER_ACCEPT");
    listener.wait_for("INVITED");
    server.restart();
    // Both clients reconnect, resync into the call, and the caller's hang-up ends it normally.
    let caller = caller.finish();
    let callee = listener.finish();
    assert_eq!(caller.code, 0, "caller: {:?}", caller.events);
    assert_eq!(callee.code, 0, "callee: {:?}", callee.events);
    let names = caller.names();
    let lost = names.iter().position(|name| *name == "onDisconnect");
    let back = names.iter().position(|name| *name == "RESYNCED");
    assert!(
        matches!((lost, back), (Some(lost), Some(back)) if back > lost),
        "the caller prints the loss and, once logged in again, RESYNCED: {names:?}"
    );
    let record = caller.record();
    assert_eq!(record["status"], 1);
    assert_eq!(record["reason"], "user_hangup");
    server.restart();
    for user in [&alice, &bob] {
        let history = user.history();
        assert_eq!(
            history.len(),
            1,
            "{}: no record lost or doubled: {history:?}",
            user.account
        );
        assert_eq!(history[0], record);
    }
}
