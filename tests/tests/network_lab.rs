//! Calls between two networks, in a lab built from Linux network namespaces on this machine
//! (`duet_e2e::lab`): a "public" namespace with duet-server and coturn, two NAT routers (nftables)
//! and a duet-cli client behind each. The scenarios:
//!
//! 1. cone NATs, STUN only: the call goes direct between the NATs' reflexive addresses;
//! 2. symmetric NATs: without TURN, ICE fails and both records say `ice_failed`; with TURN the
//!    call goes through coturn;
//! 3. `--ice-policy relay` on one side: nothing goes from that side's NAT to the other's;
//! 4. wss:// with a CA only the clients are given; without it, login fails with `tls_untrusted`;
//! 5. a call longer than the TURN credentials' ttl keeps its relay (refreshed) and ends normally;
//!
//! impaired networks (`lab::impair`): a 5 s blackout of Alice's network keeps the call and media
//! comes back; 20 % random loss of UDP still carries the tone; an upload cap under Alice's video
//! floor pauses her video (the tone still arrives) until the cap is lifted;
//!
//! and coturn refuses an expired TURN REST API credential and accepts a fresh one.
//!
//! Needs root (as CI runs), iproute2, nftables and coturn (`scripts/apt-packages-test.txt`). The
//! lab deletes its namespaces and everything running in them when a test ends, also on failure.
//! Nothing is timed: each test waits for conditions under the harness's guard.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use duet_e2e::lab::coturn::{Coturn, Lifetimes};
use duet_e2e::lab::media::{self, WIDTH};
use duet_e2e::lab::nft::counters::*;
use duet_e2e::lab::server::LabUser;
use duet_e2e::lab::stun::{self, AllocateOutcome};
use duet_e2e::lab::two_sites::{Lab, TURN_SECRET};
use duet_e2e::lab::{cleanup::Namespaces, netns, Nat, PUBLIC_IP};
use duet_e2e::{event_name, Cli, Finished, GUARD};
use serde_json::Value;

/// duet-server's port in the public namespace (each lab has its own namespace).
const SERVER_PORT: u16 = 7443;
/// Tones of the caller and of the callee.
const CALLER_TONE: u32 = 440;
const CALLEE_TONE: u32 = 880;
/// Media each side must have recorded before the caller hangs up (3 s of video at 10 fps).
const MIN_FRAMES: u64 = 30;
const MIN_AUDIO_SECONDS: f64 = 2.5;

/// The lab's video: duet's test pattern, small, 40 s (longer than any call here, so frame
/// numbers never wrap), written once per build into Cargo's temp dir for integration tests.
fn pattern() -> &'static Path {
    static PATTERN: OnceLock<PathBuf> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("duetlab-pattern-{WIDTH}-{}fps-40s.y4m", media::FPS));
        media::write_pattern(&path, 40);
        path
    })
}

/// A call that ended, with what each side recorded of the other.
struct Call {
    caller: Finished,
    callee: Finished,
    /// Bob's recordings of Alice.
    at_callee: tempfile::TempDir,
    /// Alice's recordings of Bob.
    at_caller: tempfile::TempDir,
}

impl Call {
    /// Alice hangs up (Ctrl-C) and both clients run to their end.
    fn hang_up(
        caller: Cli,
        callee: Cli,
        at_caller: tempfile::TempDir,
        at_callee: tempfile::TempDir,
    ) -> Call {
        caller.interrupt();
        Call {
            caller: caller.finish(),
            callee: callee.finish(),
            at_callee,
            at_caller,
        }
    }
}

fn to_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Starts Bob listening (accepts after 300 ms, one call) and Alice calling him, both with media
/// and `extra_*` flags; Alice's call runs with `call_args` after `call bob --type video`.
fn start_call(
    alice: &LabUser,
    bob: &LabUser,
    alice_extra: &[&str],
    bob_extra: &[&str],
    call_args: &[&str],
) -> (Cli, Cli, tempfile::TempDir, tempfile::TempDir) {
    start_call_sending(pattern(), alice, bob, alice_extra, bob_extra, call_args)
}

/// [`start_call`] with Alice sending `alice_video` (a `--video` value) instead of the pattern.
fn start_call_sending(
    alice_video: &Path,
    alice: &LabUser,
    bob: &LabUser,
    alice_extra: &[&str],
    bob_extra: &[&str],
    call_args: &[&str],
) -> (Cli, Cli, tempfile::TempDir, tempfile::TempDir) {
    let (at_caller, at_callee) = (
        tempfile::tempdir().expect("a temp dir"),
        tempfile::tempdir().expect("a temp dir"),
    );
    let mut args = media::cli_flags(pattern(), CALLEE_TONE, at_callee.path());
    args.extend(bob_extra.iter().map(|s| s.to_string()));
    args.extend(
        [
            "listen", "--auto", "accept", "--after", "300ms", "--count", "1",
        ]
        .map(String::from),
    );
    let mut listener = bob.cli("bob-lab", &to_strs(&args));
    listener.wait_for("RESYNCED");

    let mut args = media::cli_flags(alice_video, CALLER_TONE, at_caller.path());
    args.extend(alice_extra.iter().map(|s| s.to_string()));
    args.extend(["call", "bob", "--type", "video"].map(String::from));
    args.extend(call_args.iter().map(|s| s.to_string()));
    let caller = alice.cli("alice-lab", &to_strs(&args));
    (caller, listener, at_caller, at_callee)
}

/// Waits until both sides recorded enough of the other's media (a guard, not a timing); fails
/// early, with both sides' events, the lab's counters and coturn's log, if the call ends first.
fn wait_for_media(
    lab: &Lab,
    caller: &mut Cli,
    callee: &mut Cli,
    at_caller: &Path,
    at_callee: &Path,
) {
    let started = Instant::now();
    loop {
        let (a, b) = (media::recorded(at_caller), media::recorded(at_callee));
        if a.0 >= MIN_FRAMES
            && b.0 >= MIN_FRAMES
            && a.1 >= MIN_AUDIO_SECONDS
            && b.1 >= MIN_AUDIO_SECONDS
        {
            return;
        }
        let ended = |cli: &mut Cli| {
            cli.events_so_far()
                .iter()
                .any(|e| event_name(e) == "CALL_END")
        };
        let (caller_ended, callee_ended) = (ended(caller), ended(callee));
        if started.elapsed() > GUARD || caller_ended || callee_ended {
            panic!(
                "media did not cross (call ended: {}): Alice recorded {a:?} (frames, seconds) \
                 of Bob, Bob {b:?} of Alice\ncounters: {:?}\nAlice's events: {}\nBob's events: \
                 {}\ncoturn's log:\n{}",
                caller_ended || callee_ended,
                lab.counters(),
                brief(caller.events_so_far()),
                brief(callee.events_so_far()),
                lab.coturn.log()
            );
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// Events without the periodic statistics and with SDP bodies cut, for failure messages.
fn brief(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| event_name(e) != "CALL_STATS")
        .map(|e| {
            let mut e = e.clone();
            if let Some(sdp) = e.pointer_mut("/payload/sdp") {
                *sdp = Value::from("…");
            }
            e.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// A video call with media both ways, hung up (Ctrl-C) by Alice once both sides recorded enough.
///
/// Prints how long the caller waited from the answer to its first remote picture over `path`
/// (the callee is not a contact, so its media starts at the answer: this is the whole ICE, DTLS
/// and first-keyframe setup); scripts/bench-lab.sh collects these lines. A report, not a check.
fn media_call(
    lab: &Lab,
    path: &str,
    alice: &LabUser,
    bob: &LabUser,
    alice_extra: &[&str],
    bob_extra: &[&str],
) -> Call {
    let (mut caller, mut listener, at_caller, at_callee) =
        start_call(alice, bob, alice_extra, bob_extra, &[]);
    caller.wait_for("USER_ACCEPT");
    let answered = Instant::now();
    caller.wait_for("FIRST_REMOTE_FRAME");
    eprintln!(
        "lab call setup, {path}: answer -> first remote frame at the caller {:.1} ms",
        answered.elapsed().as_secs_f64() * 1000.0
    );
    wait_for_media(
        lab,
        &mut caller,
        &mut listener,
        at_caller.path(),
        at_callee.path(),
    );
    Call::hang_up(caller, listener, at_caller, at_callee)
}

/// Both ended normally with one record each, completed by Alice's hang-up.
fn check_completed(call: &Call) {
    for (who, done) in [("Alice", &call.caller), ("Bob", &call.callee)] {
        assert_eq!(done.code, 0, "{who}'s duet-cli: {:?}", done.events);
        let record = done.record();
        assert_eq!(record["status"], 1, "{who}: {record}");
        assert_eq!(record["reason"], "user_hangup", "{who}: {record}");
    }
}

/// Each side recorded the other's pictures (stamps readable, advancing) and tone.
fn check_media_both_ways(call: &Call) {
    media::check_video(call.at_callee.path(), MIN_FRAMES as usize);
    media::check_video(call.at_caller.path(), MIN_FRAMES as usize);
    // From 0.5 s (the jitter buffer fills) to the end of the recording.
    let bob_heard = media::audio_samples(call.at_callee.path());
    media::check_tone(&bob_heard, 0.5, f64::MAX, CALLER_TONE, CALLEE_TONE);
    let alice_heard = media::audio_samples(call.at_caller.path());
    media::check_tone(&alice_heard, 0.5, f64::MAX, CALLEE_TONE, CALLER_TONE);
}

fn media_failures(done: &Finished) -> Vec<&Value> {
    done.events
        .iter()
        .filter(|e| event_name(e) == "MEDIA_FAILED")
        .collect()
}

#[test]
fn scenario_1_cone_nats_with_stun_only_connect_directly() {
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.stun_only());
    let (alice, bob) = lab.users(&server);

    let call = media_call(&lab, "cone NATs, STUN", &alice, &bob, &[], &[]);
    check_completed(&call);
    check_media_both_ways(&call);

    // The LANs are unreachable from outside and nothing relays: what arrived went between the
    // two NATs' public (server-reflexive) addresses, at least a packet per picture each way.
    let counters = lab.counters();
    let count = |name| lab.net.counter(name);
    let (frames_at_bob, _) = media::recorded(call.at_callee.path());
    let (frames_at_alice, _) = media::recorded(call.at_caller.path());
    assert!(count(A_TO_B) >= frames_at_bob, "{counters:?}");
    assert!(count(B_TO_A) >= frames_at_alice, "{counters:?}");
    assert_eq!(count(RELAYED), 0, "coturn relayed media: {counters:?}");
}

#[test]
fn scenario_2_symmetric_nats_fail_without_turn_and_connect_through_it() {
    let lab = Lab::new(Nat::Symmetric, Nat::Symmetric, Lifetimes::default());

    // STUN only: the reflexive addresses are useless behind symmetric NATs; ICE fails.
    {
        let server = lab.server(SERVER_PORT, &lab.stun_only());
        let (alice, bob) = lab.users(&server);
        let (caller, listener, _at_caller, _at_callee) = start_call(&alice, &bob, &[], &[], &[]);
        let (caller, callee) = (caller.finish(), listener.finish());
        let failed: Vec<&Value> = media_failures(&caller)
            .into_iter()
            .chain(media_failures(&callee))
            .collect();
        assert!(
            failed
                .iter()
                .any(|e| e["what"] == "connection" && e["reason"] == "ice_failed"),
            "expected MEDIA_FAILED connection/ice_failed; Alice: {:?}; Bob: {:?}",
            caller.events,
            callee.events
        );
        for (who, done) in [("Alice", &caller), ("Bob", &callee)] {
            let record = done.record();
            assert_eq!(record["reason"], "ice_failed", "{who}: {record}");
        }
    }

    // With TURN: both relay through coturn.
    let server = lab.server(SERVER_PORT + 1, &lab.with_turn());
    let (alice, bob) = lab.users(&server);
    let relayed_before = lab.net.counter(RELAYED);
    let call = media_call(&lab, "symmetric NATs, TURN", &alice, &bob, &[], &[]);
    check_completed(&call);
    check_media_both_ways(&call);
    let counters = lab.counters();
    let (frames_at_bob, _) = media::recorded(call.at_callee.path());
    let (frames_at_alice, _) = media::recorded(call.at_caller.path());
    assert!(
        lab.net.counter(RELAYED) - relayed_before >= frames_at_bob + frames_at_alice,
        "coturn must have relayed the media: {counters:?}"
    );
}

#[test]
fn scenario_3_relay_policy_sends_nothing_to_the_peer_directly() {
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.with_turn());
    let (alice, bob) = lab.users(&server);

    let call = media_call(
        &lab,
        "relay policy on one side",
        &alice,
        &bob,
        &["--ice-policy", "relay"],
        &[],
    );
    check_completed(&call);
    check_media_both_ways(&call);

    let counters = lab.counters();
    assert_eq!(
        lab.net.counter(A_TO_B),
        0,
        "Alice (relay only) sent to Bob's NAT directly: {counters:?}"
    );
    let (frames_at_bob, _) = media::recorded(call.at_callee.path());
    assert!(
        lab.net.counter(A_TO_TURN) >= frames_at_bob,
        "Alice's media must go to coturn: {counters:?}"
    );
    assert_eq!(
        lab.net.counter(A_TO_RELAY),
        0,
        "Alice (relay only) sent to Bob's relay directly: {counters:?}"
    );
}

#[test]
fn scenario_4_wss_with_a_private_ca_and_tls_untrusted_without_it() {
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.stun_only());
    assert!(server.url.starts_with("wss://"), "{}", server.url);
    let (alice, bob) = lab.users(&server);

    // A signaling-only call over wss://, through the NATs.
    let listener = bob.cli(
        "bob-lab",
        &[
            "listen", "--auto", "accept", "--after", "300ms", "--count", "1",
        ],
    );
    let caller = alice.cli("alice-lab", &["call", "bob", "--hangup-after", "1s"]);
    let (caller, callee) = (caller.finish(), listener.finish());
    assert_eq!(caller.code, 0, "Alice: {:?}", caller.events);
    assert_eq!(callee.code, 0, "Bob: {:?}", callee.events);
    assert_eq!(caller.record()["status"], 1);
    assert_eq!(caller.record()["call_id"], callee.record()["call_id"]);

    // Without the CA the server's certificate does not verify: login failed (3), and a
    // sentence that names the problem and the host.
    let out = alice.without_ca().output("alice-noca", &["history"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    assert!(stderr.contains("tls_untrusted"), "stderr: {stderr}");
    assert!(stderr.contains(&PUBLIC_IP.to_string()), "stderr: {stderr}");
}

#[test]
fn scenario_5_a_call_outlives_its_turn_credentials() {
    // Credentials last 8 s. The clients refresh their allocations every 3 s (`--turn-refresh`;
    // by default at half the 600 s lifetime coturn grants), so the allocation is refreshed many
    // times after its credential expired: coturn authenticates an allocation's requests with the
    // key it stored at Allocate, bound to that username, and the call keeps its relay. (The
    // server's fresh credentials are for later calls: coturn refuses another username on an
    // existing allocation with 441 Wrong Credentials.)
    const TTL: &str = "8s";
    const CALL_SECONDS: u64 = 25;
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let mut flags = lab.with_turn();
    flags.extend(["--turn-ttl".into(), TTL.into()]);
    let server = lab.server(SERVER_PORT, &flags);
    let (alice, bob) = lab.users(&server);

    let relay = ["--ice-policy", "relay", "--turn-refresh", "3s"];
    let hangup = format!("{CALL_SECONDS}s");
    let (mut caller, mut listener, at_caller, at_callee) =
        start_call(&alice, &bob, &relay, &relay, &["--hangup-after", &hangup]);
    caller.wait_for("USER_ACCEPT");
    let answered = Instant::now();
    wait_for_media(
        &lab,
        &mut caller,
        &mut listener,
        at_caller.path(),
        at_callee.path(),
    );
    // Five seconds before Alice hangs up, well past the first credentials' expiry.
    let late = Duration::from_secs(CALL_SECONDS - 5);
    thread::sleep(late.saturating_sub(answered.elapsed()));
    let (late_at_alice, late_at_bob) = (
        media::recorded(at_caller.path()).0,
        media::recorded(at_callee.path()).0,
    );
    let refreshes_late = successful_refreshes(&lab.coturn.log());
    let call = Call {
        caller: caller.finish(),
        callee: listener.finish(),
        at_callee,
        at_caller,
    };
    check_completed(&call);
    check_media_both_ways(&call);

    // Pictures kept arriving in the last seconds, and so did the tone.
    let (end_at_alice, end_at_bob) = (
        media::recorded(call.at_caller.path()).0,
        media::recorded(call.at_callee.path()).0,
    );
    assert!(
        end_at_alice >= late_at_alice + 10 && end_at_bob >= late_at_bob + 10,
        "video stalled late in the call: Alice {late_at_alice} -> {end_at_alice} frames, \
         Bob {late_at_bob} -> {end_at_bob}; coturn log:\n{}",
        lab.coturn.log()
    );
    for (dir, heard, own) in [
        (call.at_callee.path(), CALLER_TONE, CALLEE_TONE),
        (call.at_caller.path(), CALLEE_TONE, CALLER_TONE),
    ] {
        let samples = media::audio_samples(dir);
        let end = samples.len() as f64 / 48_000.0;
        media::check_tone(&samples, end - 4.0, end - 0.5, heard, own);
    }
    let counters = lab.counters();
    assert_eq!(lab.net.counter(A_TO_B), 0, "{counters:?}");
    assert_eq!(lab.net.counter(B_TO_A), 0, "{counters:?}");

    // Long after the login credentials expired (20 s into a call with an 8 s ttl), coturn still
    // accepted refreshes of each account's allocation, under the one username it was created
    // with, and refused none.
    let log = lab.coturn.log();
    let refreshes_end = successful_refreshes(&log);
    for account in ["alice", "bob"] {
        let late = refreshes_late.get(account).copied().unwrap_or(0);
        let end = refreshes_end.get(account).copied().unwrap_or(0);
        assert!(
            end > late,
            "{account}'s allocation must be refreshed after its credential expired \
             ({late} refreshes 20 s in, {end} at the end); log:\n{log}"
        );
    }
    assert!(
        !log.contains("REFRESH processed, error"),
        "no refresh may be refused; log:\n{log}"
    );
}

/// Successful REFRESH requests in coturn's log, per account.
fn successful_refreshes(log: &str) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for line in log
        .lines()
        .filter(|l| l.contains("REFRESH processed, success"))
    {
        if let Some(account) = line
            .split("user <")
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .and_then(|user| user.split(':').nth(1))
        {
            *counts.entry(account.to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
fn coturn_refuses_an_expired_turn_credential_and_accepts_a_fresh_one() {
    let mut namespaces = Namespaces::new();
    let public = namespaces.create("turn");
    netns::run(
        "ip",
        &[
            "-n",
            &public,
            "addr",
            "add",
            &format!("{PUBLIC_IP}/32"),
            "dev",
            "lo",
        ],
    );
    let coturn = Coturn::start(&public, PUBLIC_IP, TURN_SECRET, Lifetimes::default());
    let addr = coturn.addr;
    let now = stun::unix_now();

    let allocate = |secret: &str, expires: u64| {
        let (user, password) = stun::rest_credential(secret, "alice", expires);
        netns::in_netns(&public, move || stun::allocate(addr, &user, &password))
    };
    let expired = allocate(TURN_SECRET, now - 60);
    assert!(
        matches!(expired, AllocateOutcome::Refused(401)),
        "an expired credential must be refused with 401: {expired:?}"
    );
    let forged = allocate("another-secret", now + 600);
    assert!(
        matches!(forged, AllocateOutcome::Refused(401)),
        "a credential under another secret must be refused: {forged:?}"
    );
    let fresh = allocate(TURN_SECRET, now + 600);
    match fresh {
        AllocateOutcome::Allocated(relayed) => assert_eq!(*relayed.ip(), PUBLIC_IP),
        other => panic!(
            "a fresh credential must get an allocation: {other:?}\n{}",
            coturn.log()
        ),
    }
}

/// Frames and seconds of audio each side recorded of the other: (Alice's of Bob, Bob's of Alice).
fn recorded_both(at_caller: &Path, at_callee: &Path) -> ((u64, f64), (u64, f64)) {
    (media::recorded(at_caller), media::recorded(at_callee))
}

/// Whether either side's duet-cli reported the call's end.
fn call_ended(caller: &mut Cli, callee: &mut Cli) -> bool {
    [caller, callee].into_iter().any(|cli| {
        cli.events_so_far()
            .iter()
            .any(|e| event_name(e) == "CALL_END")
    })
}

/// Polls `progress` every `every` until it returns `None`; it returns `Some(where things stand)`
/// until then. Fails with `what`, that state and both sides' events if the call ends first or
/// the guard runs out.
fn wait_while_the_call_lives(
    caller: &mut Cli,
    callee: &mut Cli,
    what: &str,
    every: Duration,
    mut progress: impl FnMut() -> Option<String>,
) {
    let started = Instant::now();
    while let Some(state) = progress() {
        let ended = call_ended(caller, callee);
        assert!(
            !ended && started.elapsed() < GUARD,
            "{what} (call ended: {ended}): {state}\nAlice's events: {}\nBob's events: {}",
            brief(caller.events_so_far()),
            brief(callee.events_so_far())
        );
        thread::sleep(every);
    }
}

/// Whether `done`'s `CALL_STATS` said `reconnecting` at some point, and whether its last one did.
fn reconnecting_seen(done: &Finished) -> (bool, bool) {
    let flags: Vec<bool> = done
        .events
        .iter()
        .filter(|e| event_name(e) == "CALL_STATS")
        .map(|e| e["reconnecting"].as_bool().unwrap_or(false))
        .collect();
    (
        flags.contains(&true),
        flags.last().copied().unwrap_or(false),
    )
}

/// When media came back on each side (Alice, Bob) after `since`: the first new picture, and
/// `MIN_FRAMES` more than each had (`had`, as [`recorded_both`] read it before). Waits, while the
/// call lives, until both have `MIN_FRAMES` more.
fn wait_for_media_back(
    caller: &mut Cli,
    callee: &mut Cli,
    (at_caller, at_callee): (&Path, &Path),
    (alice_had, bob_had): ((u64, f64), (u64, f64)),
    since: Instant,
    what: &str,
) -> MediaBack {
    let (mut first, mut full) = ([None, None], [None, None]);
    wait_while_the_call_lives(caller, callee, what, Duration::from_millis(50), || {
        let (alice_now, bob_now) = recorded_both(at_caller, at_callee);
        for (side, now, had) in [(0, alice_now, alice_had), (1, bob_now, bob_had)] {
            if first[side].is_none() && now.0 > had.0 {
                first[side] = Some(since.elapsed());
            }
            if full[side].is_none() && now.0 >= had.0 + MIN_FRAMES {
                full[side] = Some(since.elapsed());
            }
        }
        full.contains(&None).then(|| {
            format!(
                "Alice had {alice_had:?} of Bob, now {alice_now:?}; Bob had {bob_had:?}, \
                 now {bob_now:?}"
            )
        })
    });
    let ms = |at: Option<Duration>| at.unwrap_or_default().as_secs_f64() * 1000.0;
    MediaBack {
        first_ms: first.map(ms),
        full_ms: full.map(ms),
    }
}

/// What [`wait_for_media_back`] measured, in ms, Alice's then Bob's.
struct MediaBack {
    first_ms: [f64; 2],
    full_ms: [f64; 2],
}

/// Issue "bad networks", blackout preset: Alice's whole network (signaling and media) is gone for
/// 5 s in the middle of a call. The call goes on, media comes back both ways by itself, and the
/// call ends once, completed, when Alice hangs up. Prints the time from the network's return to
/// the first new picture on each side (the goal, 2 s, is the benchmark's to judge).
#[test]
fn impaired_1_a_5_second_blackout_keeps_the_call_and_media_comes_back() {
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.stun_only());
    let (alice, bob) = lab.users(&server);
    let (mut caller, mut callee, at_caller, at_callee) = start_call(&alice, &bob, &[], &[], &[]);
    caller.wait_for("USER_ACCEPT");
    wait_for_media(
        &lab,
        &mut caller,
        &mut callee,
        at_caller.path(),
        at_callee.path(),
    );

    duet_e2e::lab::impair::blackout(&lab.net.a.router);
    thread::sleep(Duration::from_secs(5));
    let (alice_had, bob_had) = recorded_both(at_caller.path(), at_callee.path());
    duet_e2e::lab::impair::clear(&lab.net.a.router);
    let back = Instant::now();

    // Media is back when each side has recorded 3 s more of the other's pictures.
    let back = wait_for_media_back(
        &mut caller,
        &mut callee,
        (at_caller.path(), at_callee.path()),
        (alice_had, bob_had),
        back,
        "media did not come back after the blackout",
    );
    eprintln!(
        "lab blackout 5 s: network back -> first new picture at Alice {:.0} ms, at Bob {:.0} ms",
        back.first_ms[0], back.first_ms[1]
    );

    let call = Call::hang_up(caller, callee, at_caller, at_callee);
    check_completed(&call);
    for (who, done) in [("Alice", &call.caller), ("Bob", &call.callee)] {
        let (during, at_end) = reconnecting_seen(done);
        assert!(
            during,
            "{who}'s statistics never said reconnecting during the blackout"
        );
        assert!(
            !at_end,
            "{who}'s statistics still said reconnecting once media was back"
        );
    }
    assert!(
        media_failures(&call.caller).is_empty() && media_failures(&call.callee).is_empty(),
        "a blackout is not a media failure: {:?} {:?}",
        media_failures(&call.caller),
        media_failures(&call.callee)
    );
}

/// Issue "bad networks", path change: mid-call, Alice's network gets a new public address (her
/// router's WAN address changes and its NAT mappings die). Nobody does anything; the peer that
/// stops hearing the other restarts ICE (the callee asks the caller to re-offer), new candidates
/// are gathered from the new address, and each side records 30 more of the other's pictures. The
/// call is not ended, and its record is one completed call.
#[test]
fn impaired_4_a_new_address_mid_call_brings_media_back_by_an_ice_restart() {
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.stun_only());
    let (alice, bob) = lab.users(&server);
    let (mut caller, mut callee, at_caller, at_callee) = start_call(&alice, &bob, &[], &[], &[]);
    caller.wait_for("USER_ACCEPT");
    wait_for_media(
        &lab,
        &mut caller,
        &mut callee,
        at_caller.path(),
        at_callee.path(),
    );

    let (alice_had, bob_had) = recorded_both(at_caller.path(), at_callee.path());
    let moved_to = lab.net.move_site_a();
    let moved = Instant::now();
    let back = wait_for_media_back(
        &mut caller,
        &mut callee,
        (at_caller.path(), at_callee.path()),
        (alice_had, bob_had),
        moved,
        "media did not come back after Alice's address changed",
    );
    eprintln!(
        "lab new address {moved_to}: 30 more pictures at Alice after {:.0} ms, at Bob after {:.0} ms",
        back.full_ms[0], back.full_ms[1]
    );

    let call = Call::hang_up(caller, callee, at_caller, at_callee);
    check_completed(&call);
    // Bob lost the path (Alice still heard his answers at her new address, so only his side
    // needed mending): his screen said reconnecting, and no longer once media was back.
    let (during, at_end) = reconnecting_seen(&call.callee);
    assert!(
        during,
        "Bob's statistics never said reconnecting after Alice's address changed"
    );
    assert!(
        !at_end,
        "Bob's statistics still said reconnecting once media was back"
    );
    assert!(
        !reconnecting_seen(&call.caller).1,
        "Alice's last statistics said reconnecting"
    );
}

/// Issue "bad networks", 20 % loss preset: once the call's media flows, a fifth of every UDP
/// packet to and from Alice's network is dropped at random. Each side still hears the other's
/// tone in at least 95 % of the whole 1 s windows recorded under loss (from the first whole
/// second after it began).
///
/// The loss starts after the connection is up: with it from the start, ICE and DTLS setup failed
/// once in CI (`ice_failed` after 25 s; three local runs connected), which is call setup under
/// loss, a separate problem noted on the issue, not what this preset measures.
#[test]
fn impaired_2_twenty_percent_loss_still_carries_the_tone() {
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.stun_only());
    let (alice, bob) = lab.users(&server);
    let (mut caller, mut callee, at_caller, at_callee) = start_call(&alice, &bob, &[], &[], &[]);
    caller.wait_for("USER_ACCEPT");
    caller.wait_for("FIRST_REMOTE_FRAME");
    duet_e2e::lab::impair::udp_loss(&lab.net.a.router, 20);
    let ((_, alice_from), (_, bob_from)) = recorded_both(at_caller.path(), at_callee.path());
    wait_while_the_call_lives(
        &mut caller,
        &mut callee,
        "12 s of audio were not recorded at 20 % loss",
        Duration::from_millis(200),
        || {
            let ((_, alice_s), (_, bob_s)) = recorded_both(at_caller.path(), at_callee.path());
            let done = alice_s >= alice_from + 12.0 && bob_s >= bob_from + 12.0;
            (!done).then(|| format!("Alice {alice_s} s, Bob {bob_s} s"))
        },
    );
    let call = Call::hang_up(caller, callee, at_caller, at_callee);
    check_completed(&call);
    for (who, dir, heard, own, from) in [
        (
            "Bob",
            call.at_callee.path(),
            CALLER_TONE,
            CALLEE_TONE,
            bob_from,
        ),
        (
            "Alice",
            call.at_caller.path(),
            CALLEE_TONE,
            CALLER_TONE,
            alice_from,
        ),
    ] {
        let first = from.ceil() as u32;
        let (with_tone, windows) =
            media::tone_windows(&media::audio_samples(dir), first, heard, own);
        eprintln!("lab loss 20 %: {who} heard the tone in {with_tone} of {windows} 1 s windows");
        assert!(
            with_tone * 100 >= windows * 95 && windows >= 10,
            "{who} heard the {heard} Hz tone in only {with_tone} of {windows} windows at 20 % loss"
        );
    }
}

/// Issue "bad networks", 300 kbit/s preset: Alice's upload is capped at 300 kbit/s (`tc tbf`)
/// while she sends the 640x480 test pattern (900 kbit/s uncapped) with a video floor under the
/// cap (`--min-bitrate 100`). Her sending settles under the cap: from 5 s on, the median of her
/// one-second send rates is under it. Prints the send rates and Bob's decoded frame rates (the
/// benchmark judges freezes; see docs/benchmarks.md).
#[test]
fn impaired_3_a_300_kbit_cap_is_respected_and_video_keeps_moving() {
    const CAP_KBIT: f64 = 300.0;
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.stun_only());
    let (alice, bob) = lab.users(&server);
    duet_e2e::lab::impair::cap_upload(&lab.net.a.router, CAP_KBIT as u32);
    let (mut caller, mut callee, _at_caller, _at_callee) = start_call_sending(
        Path::new("testsrc"),
        &alice,
        &bob,
        &["--min-bitrate", "100"],
        &[],
        &[],
    );
    caller.wait_for("USER_ACCEPT");
    let stats = |cli: &mut Cli, field: &str| -> Vec<f64> {
        cli.events_so_far()
            .iter()
            .filter(|e| event_name(e) == "CALL_STATS")
            .filter_map(|e| e[field].as_f64())
            .collect()
    };
    let started = Instant::now();
    while stats(&mut caller, "send_kbps").len() < 20 || stats(&mut callee, "fps").len() < 20 {
        let ended = call_ended(&mut caller, &mut callee);
        assert!(
            !ended && started.elapsed() < GUARD,
            "20 s of statistics did not come under the cap (call ended: {ended})\nAlice's events: \
             {}\nBob's events: {}",
            brief(caller.events_so_far()),
            brief(callee.events_so_far())
        );
        thread::sleep(Duration::from_millis(200));
    }
    caller.interrupt();
    let (caller, callee) = (caller.finish(), callee.finish());
    let of = |done: &Finished, field: &str| -> Vec<f64> {
        done.events
            .iter()
            .filter(|e| event_name(e) == "CALL_STATS")
            .filter_map(|e| e[field].as_f64())
            .collect()
    };
    let (sent, decoded) = (of(&caller, "send_kbps"), of(&callee, "fps"));
    eprintln!("lab cap 300 kbit/s: Alice sent (kbit/s, per second) {sent:.0?}");
    eprintln!("lab cap 300 kbit/s: Bob decoded (fps, per second) {decoded:.0?}");
    let mut settled = sent[5..].to_vec();
    settled.sort_by(f64::total_cmp);
    let median = settled[settled.len() / 2];
    assert!(
        median <= CAP_KBIT,
        "from 5 s on Alice's sending must settle under the {CAP_KBIT} kbit/s cap: median \
         {median:.0}, rates {sent:.0?}"
    );
    assert!(
        decoded[5..].iter().any(|fps| *fps > 0.0),
        "pictures get through under the cap: {decoded:.0?}"
    );
    for (who, done) in [("Alice", &caller), ("Bob", &callee)] {
        assert_eq!(done.code, 0, "{who}'s duet-cli: {:?}", done.events);
        assert_eq!(done.record()["status"], 1, "{who}: one completed record");
    }
}

/// Like [`wait_while_the_call_lives`], for conditions on the clients' own events: `progress`
/// gets both (Alice, Bob) and returns `None` once done.
fn wait_for_events(
    caller: &mut Cli,
    callee: &mut Cli,
    what: &str,
    mut progress: impl FnMut(&mut Cli, &mut Cli) -> Option<String>,
) {
    let started = Instant::now();
    while let Some(state) = progress(caller, callee) {
        let ended = call_ended(caller, callee);
        assert!(
            !ended && started.elapsed() < GUARD,
            "{what} (call ended: {ended}): {state}\nAlice's events: {}\nBob's events: {}",
            brief(caller.events_so_far()),
            brief(callee.events_so_far())
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// Bob's `VIDEO_AVAILABLE` events so far: (available, reason).
fn video_available(cli: &mut Cli) -> Vec<(bool, Option<String>)> {
    cli.events_so_far()
        .iter()
        .filter(|e| event_name(e) == "VIDEO_AVAILABLE")
        .map(|e| {
            let available = e["available"].as_bool().unwrap_or(true);
            (available, e["reason"].as_str().map(str::to_owned))
        })
        .collect()
}

/// `CALL_STATS` events of `cli` so far that say video is paused by the network: their grades.
fn paused_grades(cli: &mut Cli) -> Vec<String> {
    cli.events_so_far()
        .iter()
        .filter(|e| event_name(e) == "CALL_STATS" && e["video_paused_by_network"] == true)
        .map(|e| e["quality"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Issue 15, video pauses under its floor: Alice calls with a video floor of 300 kbit/s
/// (`--min-bitrate 300`) and, once media flows, her upload is capped at 120 kbit/s (room for
/// Opus, not for video at its floor). Her video pauses: Bob gets VIDEO_AVAILABLE false with
/// reason `network`, Alice's statistics say `video_paused_by_network` with a grade no better
/// than poor, and Bob still hears her tone while it is paused. The cap is lifted and her video
/// comes back by itself: VIDEO_AVAILABLE true, and Bob records 30 more of her pictures. Prints
/// the time from the cap to the pause and from the lift to the first new picture.
#[test]
fn impaired_5_video_pauses_under_its_floor_and_comes_back_when_the_cap_lifts() {
    const CAP_KBIT: u32 = 120;
    let lab = Lab::new(Nat::Cone, Nat::Cone, Lifetimes::default());
    let server = lab.server(SERVER_PORT, &lab.stun_only());
    let (alice, bob) = lab.users(&server);
    let (mut caller, mut callee, at_caller, at_callee) =
        start_call(&alice, &bob, &["--min-bitrate", "300"], &[], &[]);
    caller.wait_for("USER_ACCEPT");
    wait_for_media(
        &lab,
        &mut caller,
        &mut callee,
        at_caller.path(),
        at_callee.path(),
    );
    let router = &lab.net.a.router;
    duet_e2e::lab::impair::cap_upload(router, CAP_KBIT);
    let capped = Instant::now();

    let network_pause = (false, Some("network".to_owned()));
    wait_for_events(
        &mut caller,
        &mut callee,
        "Bob was not told Alice's video paused for the network",
        |_, callee| {
            let seen = video_available(callee);
            (!seen.contains(&network_pause)).then(|| format!("Bob's VIDEO_AVAILABLE: {seen:?}"))
        },
    );
    let paused_after = capped.elapsed();
    let (_, bob_at_pause) = media::recorded(at_callee.path());
    // Alice's own statistics say so, graded poor at best; and 4 s of her audio reach Bob.
    wait_for_events(
        &mut caller,
        &mut callee,
        "Alice's statistics did not say her video is paused, or Bob recorded no more audio",
        |caller, _| {
            let grades = paused_grades(caller);
            let (_, bob_now) = media::recorded(at_callee.path());
            (grades.is_empty() || bob_now < bob_at_pause + 4.0)
                .then(|| format!("paused grades {grades:?}, Bob's audio {bob_now:.1} s"))
        },
    );
    let grades = paused_grades(&mut caller);
    assert!(
        grades.iter().all(|g| g == "poor" || g == "bad"),
        "a paused video is a poor network at best: {grades:?}"
    );

    let (alice_had, bob_had) = recorded_both(at_caller.path(), at_callee.path());
    duet_e2e::lab::impair::lift_cap(router);
    let lifted = Instant::now();
    wait_for_events(
        &mut caller,
        &mut callee,
        "Bob was not told Alice's video is back",
        |_, callee| {
            let seen = video_available(callee);
            let back = seen
                .iter()
                .skip_while(|s| **s != network_pause)
                .any(|(available, _)| *available);
            (!back).then(|| format!("Bob's VIDEO_AVAILABLE: {seen:?}"))
        },
    );
    let back = wait_for_media_back(
        &mut caller,
        &mut callee,
        (at_caller.path(), at_callee.path()),
        (alice_had, bob_had),
        lifted,
        "Alice's video did not come back after the cap was lifted",
    );
    eprintln!(
        "lab video pause (floor 300, cap {CAP_KBIT} kbit/s): cap -> Bob told paused {:.1} s; \
         cap lifted -> first new picture at Bob {:.1} s, 30 more {:.1} s",
        paused_after.as_secs_f64(),
        back.first_ms[1] / 1000.0,
        back.full_ms[1] / 1000.0
    );

    let call = Call::hang_up(caller, callee, at_caller, at_callee);
    check_completed(&call);
    // Bob heard Alice's tone through the pause (from the second after it was announced).
    let bob_heard = media::audio_samples(call.at_callee.path());
    let from = bob_at_pause.ceil();
    media::check_tone(&bob_heard, from, from + 3.0, CALLER_TONE, CALLEE_TONE);
    assert!(
        !paused_flags(&call.caller).last().copied().unwrap_or(false),
        "Alice's last statistics still said her video is paused"
    );
}

/// Each `CALL_STATS` of a finished side: whether it said video is paused by the network.
fn paused_flags(done: &Finished) -> Vec<bool> {
    done.events
        .iter()
        .filter(|e| event_name(e) == "CALL_STATS")
        .map(|e| e["video_paused_by_network"] == true)
        .collect()
}
