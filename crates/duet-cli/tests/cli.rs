//! `duet-cli` as a script uses it: two processes against the real server (in-process, port 0),
//! JSON lines on stdout, and exit codes that tell the outcome.

use duet_server::RunningServer;
use duet_testkit::{add_user, start_server, RawPeer};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(30);

async fn cli(server: &RunningServer, account: &str, args: &[&str]) -> Child {
    let token = add_user(server, account).await;
    Command::new(env!("CARGO_BIN_EXE_duet-cli"))
        .env("DUET_SERVER", server.ws_url())
        .env("DUET_APP_KEY", "demo")
        .env("DUET_ACCOUNT", account)
        .env("DUET_TOKEN", token)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Reads stdout lines until the process prints `event` (the listener is then ready).
async fn wait_line(child: &mut Child, lines: &mut Vec<Value>, event: &str) {
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(stdout);
    loop {
        let mut line = String::new();
        let read = tokio::time::timeout(HANG_GUARD, reader.read_line(&mut line))
            .await
            .unwrap()
            .unwrap();
        assert!(read > 0, "stdout ended before {event}");
        let value: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON line: {line:?}: {e}"));
        let done = value["event"] == event;
        lines.push(value);
        if done {
            return;
        }
    }
}

/// Waits for exit; returns the code and every remaining stdout line as JSON.
async fn finish(child: Child, mut lines: Vec<Value>) -> (i32, Vec<Value>) {
    let output = tokio::time::timeout(HANG_GUARD, child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        lines.push(
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON line: {line:?}: {e}")),
        );
    }
    (output.status.code().unwrap(), lines)
}

fn events(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["event"].as_str()).collect()
}

#[tokio::test]
async fn a_completed_call_exits_0_on_both_sides_with_seed_event_lines() {
    let (server, _dir) = start_server().await;
    let mut bob = cli(
        &server,
        "bob",
        &["listen", "--auto", "accept", "--count", "1"],
    )
    .await;
    let mut bob_lines = Vec::new();
    let alice = cli(
        &server,
        "alice",
        &["call", "bob", "--type", "audio", "--hangup-after", "100ms"],
    )
    .await;
    wait_line(&mut bob, &mut bob_lines, "INVITED").await;
    assert_eq!(bob_lines.last().unwrap()["from"], "alice");
    let (alice_code, alice_lines) = finish(alice, Vec::new()).await;
    let (bob_code, bob_lines) = finish(bob, bob_lines).await;
    assert_eq!((alice_code, bob_code), (0, 0));
    assert_eq!(
        events(&alice_lines),
        ["USER_ACCEPT", "CALL_END", "MESSAGE_SENT"]
    );
    assert_eq!(alice_lines[2]["record"]["status"], 1);
    assert_eq!(alice_lines[2]["record"]["call_type"], 1);
    assert!(events(&bob_lines).contains(&"CALL_END"));
    assert_eq!(bob_lines.last().unwrap()["event"], "MESSAGE_SENT");
}

#[tokio::test]
async fn a_rejected_call_exits_10_and_a_busy_one_11() {
    let (server, _dir) = start_server().await;
    for (auto, code) in [("reject", 10), ("busy", 11)] {
        let mut bob = cli(&server, "bob", &["listen", "--auto", auto, "--count", "1"]).await;
        let mut bob_lines = Vec::new();
        let alice = cli(&server, "alice", &["call", "bob"]).await;
        wait_line(&mut bob, &mut bob_lines, "INVITED").await;
        let (alice_code, alice_lines) = finish(alice, Vec::new()).await;
        let (bob_code, _) = finish(bob, bob_lines).await;
        assert_eq!((alice_code, bob_code), (code, code), "--auto {auto}");
        assert_eq!(alice_lines.last().unwrap()["event"], "MESSAGE_SENT");
    }
}

#[tokio::test]
async fn an_unanswered_call_exits_12() {
    let (server, _dir) = start_server().await;
    let mut bob = cli(&server, "bob", &["listen", "--count", "1"]).await;
    let mut bob_lines = Vec::new();
    let alice = cli(&server, "alice", &["call", "bob", "--timeout", "300ms"]).await;
    wait_line(&mut bob, &mut bob_lines, "INVITED").await;
    let (alice_code, alice_lines) = finish(alice, Vec::new()).await;
    let (bob_code, bob_lines) = finish(bob, bob_lines).await;
    assert_eq!((alice_code, bob_code), (12, 12));
    assert_eq!(events(&alice_lines), ["CALLING_TIMEOUT", "MESSAGE_SENT"]);
    assert!(events(&bob_lines).contains(&"CALLING_TIMEOUT"));
}

#[tokio::test]
async fn ctrl_c_after_the_server_went_away_ends_the_call_and_exits_4_without_its_record() {
    let (server, _dir) = start_server().await;
    let mut bob = cli(&server, "bob", &["listen", "--auto", "accept"]).await;
    let mut bob_lines = Vec::new();
    let mut alice = cli(&server, "alice", &["call", "bob", "--type", "audio"]).await;
    let mut alice_lines = Vec::new();
    wait_line(&mut bob, &mut bob_lines, "INVITED").await;
    wait_line(&mut alice, &mut alice_lines, "USER_ACCEPT").await;
    // The server goes while the call is on: the hang-up Ctrl-C sends cannot be answered.
    server.shutdown().await.unwrap();
    let pid = alice.id().unwrap().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    assert!(sent.success());
    let (code, lines) = finish(alice, alice_lines).await;
    assert_eq!(code, 4, "{lines:?}");
    assert!(!events(&lines).contains(&"MESSAGE_SENT"), "{lines:?}");
    // The hang-up is taken while the SDK reconnects: the call ends here, by alice.
    let end = lines
        .iter()
        .find(|line| line["event"] == "CALL_END")
        .unwrap_or_else(|| panic!("CALL_END printed: {lines:?}"));
    assert_eq!(
        (&end["reason"], &end["by"]),
        (&Value::from("user_hangup"), &Value::from("alice"))
    );
}

/// Runs `duet-cli` as `account` with `args` to its end; returns its exit code and lines.
async fn run(server: &RunningServer, account: &str, args: &[&str]) -> (i32, Vec<Value>) {
    finish(cli(server, account, args).await, Vec::new()).await
}

#[tokio::test]
async fn contacts_are_requested_accepted_and_blocked_with_their_state_printed() {
    let (server, _dir) = start_server().await;
    add_user(&server, "bob").await;
    let (code, lines) = run(&server, "alice", &["contacts", "add", "bob"]).await;
    assert_eq!(code, 0);
    assert_eq!(
        lines,
        [serde_json::json!({"ok": true, "added": "bob", "state": "outgoing"})]
    );
    let (_, lines) = run(&server, "bob", &["contacts"]).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (
            &lines[0]["contact"]["account"],
            &lines[0]["contact"]["state"]
        ),
        (&Value::from("alice"), &Value::from("incoming"))
    );
    let (_, lines) = run(&server, "bob", &["contacts", "accept", "alice"]).await;
    assert_eq!(
        lines,
        [serde_json::json!({"ok": true, "accepted": "alice", "state": "accepted"})]
    );
    let (_, lines) = run(&server, "alice", &["contacts", "block", "bob"]).await;
    assert_eq!(
        lines,
        [serde_json::json!({"ok": true, "blocked": "bob", "state": "blocked"})]
    );
    let (_, lines) = run(&server, "bob", &["contacts"]).await;
    assert!(lines.is_empty(), "a block ends the contact: {lines:?}");
    let (_, lines) = run(&server, "alice", &["contacts", "unblock", "bob"]).await;
    assert_eq!(
        lines,
        [serde_json::json!({"ok": true, "unblocked": "bob", "state": null})]
    );
    let (code, _) = run(&server, "alice", &["contacts", "accept", "bob"]).await;
    assert_eq!(code, 1, "nothing to accept");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_prints_one_record_per_line() {
    let (server, _dir) = start_server().await;
    let mut bob = cli(
        &server,
        "bob",
        &["listen", "--auto", "reject", "--count", "1"],
    )
    .await;
    let mut bob_lines = Vec::new();
    let alice = cli(&server, "alice", &["call", "bob"]).await;
    wait_line(&mut bob, &mut bob_lines, "INVITED").await;
    finish(alice, Vec::new()).await;
    finish(bob, bob_lines).await;
    let history = cli(&server, "alice", &["history", "--limit", "10"]).await;
    let (code, lines) = finish(history, Vec::new()).await;
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["record"]["status"], 3);
}

#[tokio::test]
async fn a_device_that_saw_another_device_answer_exits_14() {
    let (server, _dir) = start_server().await;
    let mut desk = cli(
        &server,
        "bob",
        &[
            "--device", "bob-desk", "listen", "--auto", "accept", "--after", "200ms", "--count",
            "1",
        ],
    )
    .await;
    let mut phone = cli(
        &server,
        "bob",
        &["--device", "bob-phone", "listen", "--count", "1"],
    )
    .await;
    let (mut desk_lines, mut phone_lines) = (Vec::new(), Vec::new());
    // Both devices are logged in (their resync printed) before the call, so both ring.
    wait_line(&mut desk, &mut desk_lines, "RESYNCED").await;
    wait_line(&mut phone, &mut phone_lines, "RESYNCED").await;
    let alice = cli(
        &server,
        "alice",
        &["call", "bob", "--hangup-after", "100ms"],
    )
    .await;
    wait_line(&mut desk, &mut desk_lines, "INVITED").await;
    wait_line(&mut phone, &mut phone_lines, "INVITED").await;
    let (phone_code, phone_lines) = finish(phone, phone_lines).await;
    assert_eq!(phone_code, 14);
    assert_eq!(phone_lines.last().unwrap()["event"], "OTHER_CLIENT_ACCEPT");
    let (alice_code, _) = finish(alice, Vec::new()).await;
    let (desk_code, _) = finish(desk, desk_lines).await;
    assert_eq!((alice_code, desk_code), (0, 0));
}

#[tokio::test]
async fn a_bad_token_exits_3_and_usage_errors_exit_2() {
    let (server, _dir) = start_server().await;
    let url = server.ws_url();
    let cases: [(&str, Vec<&str>, i32); 3] = [
        (
            "a forged token",
            vec![
                "--server",
                &url,
                "--app-key",
                "demo",
                "--account",
                "alice",
                "--token",
                "forged",
                "history",
            ],
            3,
        ),
        (
            "an unknown call type",
            vec!["call", "bob", "--type", "hologram"],
            2,
        ),
        (
            "a call timeout above 120 s",
            vec!["call", "bob", "--timeout", "121s"],
            2,
        ),
    ];
    for (case, args, code) in cases {
        let status = Command::new(env!("CARGO_BIN_EXE_duet-cli"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(code), "{case}");
    }
}

#[tokio::test]
async fn a_non_duet_peers_call_media_prints_audio_and_video_available() {
    let (server, _dir) = start_server().await;
    let mut bob = cli(
        &server,
        "bob",
        &["listen", "--auto", "accept", "--count", "1"],
    )
    .await;
    let mut bob_lines = Vec::new();
    wait_line(&mut bob, &mut bob_lines, "RESYNCED").await;
    // alice is a client written from docs/protocol.md: raw frames, no SDK.
    let mut alice = RawPeer::login(&server, "alice", "alice-raw").await;
    let call = |seq: u64, action: &str, token: &Value| {
        serde_json::json!({"v": 1, "type": "call", "req": 10 + seq, "call_id": "c-raw-1",
            "device": "alice-raw", "seq": seq, "action": action, "call_token": token})
    };
    let mut invite = call(1, "invite", &Value::Null);
    invite["callee"] = "bob".into();
    invite["call_type"] = 2.into();
    invite["timeout_ms"] = 30_000.into();
    alice.send(invite).await;
    let ack = alice.until(|f| f["type"] == "call.ack").await;
    let call_token = ack["call_token"].clone();
    alice.until(|f| f["event"] == "accepted").await;
    let mut media = call(2, "media", &call_token);
    media["audio"] = false.into();
    media["video"] = false.into();
    alice.send(media).await;
    alice.until(|f| f["type"] == "call.ack").await;
    alice.send(call(3, "hangup", &call_token)).await;

    let (code, lines) = finish(bob, bob_lines).await;
    assert_eq!(code, 0);
    for event in ["AUDIO_AVAILABLE", "VIDEO_AVAILABLE"] {
        let line = lines
            .iter()
            .find(|l| l["event"] == event)
            .unwrap_or_else(|| panic!("no {event} line in {lines:?}"));
        assert_eq!(
            (&line["call_id"], &line["available"]),
            (&Value::from("c-raw-1"), &Value::from(false))
        );
    }
}

/// Runs duet-cli with `args`, `stdin` on standard input, no credentials in the environment;
/// returns the exit code and stdout.
async fn cli_with_stdin(server: &RunningServer, args: &[&str], stdin: &str) -> (i32, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_duet-cli"))
        .args(["--server", &server.ws_url()])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = tokio::time::timeout(HANG_GUARD, child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (output.status.code().unwrap(), stdout)
}

#[tokio::test]
async fn register_prints_a_token_and_password_stdin_logs_in_with_it() {
    let (server, _dir) = start_server().await;
    server
        .admin()
        .set_registration("demo", duet_callkit::Registration::Invite)
        .await
        .unwrap();
    let code = server
        .admin()
        .create_invite("demo", 1, Duration::from_secs(600))
        .await
        .unwrap();
    let password = "correct horse battery\n";
    let register = [
        "--account",
        "carol",
        "register",
        "--nick",
        "Carol",
        "--password-stdin",
    ];
    // Without the code the server refuses (exit 3); a missing --password-stdin is usage (2).
    assert_eq!(cli_with_stdin(&server, &register, password).await.0, 3);
    let no_stdin = ["--account", "carol", "register", "--code", &code];
    assert_eq!(cli_with_stdin(&server, &no_stdin, password).await.0, 2);
    let with_code = [&register[..], &["--code", &code]].concat();
    let (status, stdout) = cli_with_stdin(&server, &with_code, password).await;
    assert_eq!(status, 0);
    let token = stdout.trim();
    assert!(
        token.starts_with("dt1."),
        "stdout is the token alone: {stdout:?}"
    );

    // The printed token logs in, and so does the password; a wrong password exits 3.
    let history = ["--account", "carol", "history"];
    let by_token = [&["--app-key", "demo", "--token", token][..], &history].concat();
    assert_eq!(cli_with_stdin(&server, &by_token, "").await.0, 0);
    let by_password = [&["--password-stdin"][..], &history].concat();
    assert_eq!(cli_with_stdin(&server, &by_password, password).await.0, 0);
    let wrong = cli_with_stdin(&server, &by_password, "not the password\n").await;
    assert_eq!(wrong.0, 3);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn debug_prints_every_frame_on_stderr_with_the_token_blanked() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    let run = Command::new(env!("CARGO_BIN_EXE_duet-cli"))
        .env("DUET_SERVER", server.ws_url())
        .env("DUET_APP_KEY", "demo")
        .env("DUET_ACCOUNT", "alice")
        .env("DUET_TOKEN", &token)
        .env_remove("DUET_LOG")
        .args(["--debug", "history"])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(HANG_GUARD, run)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for frame in [
        r#""type":"login""#,
        r#""token":"<redacted>""#,
        r#""type":"login.ok""#,
        r#""type":"history.list""#,
        r#""type":"history""#,
        r#""type":"logout""#,
    ] {
        assert!(stderr.contains(frame), "no {frame} in: {stderr}");
    }
    assert!(!stderr.contains(&token), "the token leaked: {stderr}");
}

#[tokio::test]
async fn a_repeated_server_flag_lists_servers_tried_in_turn() {
    let (server, _dir) = start_server().await;
    // A loopback port nothing listens on: the first server is down.
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("ws://{}/ws", listener.local_addr().unwrap())
    };
    let up = server.ws_url();
    let history = cli(
        &server,
        "alice",
        &[
            "--server", &down, "--server", &up, "history", "--limit", "10",
        ],
    )
    .await;
    let (code, lines) = finish(history, Vec::new()).await;
    assert_eq!(code, 0, "{lines:?}");
    assert!(lines.is_empty(), "{lines:?}");
}
