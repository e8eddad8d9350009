//! Issue "several nodes": `kill -9` of the node holding the call's authority (the app's hub) in the
//! middle of a video call between two duet-cli processes on different nodes. Media goes peer to
//! peer, never through a node, so the pictures and the tone go on through the kill while the
//! devices move to the surviving node; the call then ends normally, with one record on each side.

use duet_e2e::lab::media;
use duet_e2e::{
    admin, bin, display_name, event_name, records_of, wait_until_listening, Cli, Finished, GUARD,
};
use duet_testkit::TempRedis;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const ALICE_TONE: u32 = 440;
const BOB_TONE: u32 = 880;
/// Pictures each side must have of the other before the kill, and again after the move.
const FRAMES: u64 = 20;
/// The most frame numbers two pictures in a row may skip after the kill: a frame or two may go
/// on a loaded machine, but a torn-down connection (a new ICE and DTLS handshake, then a
/// keyframe) costs at least a second, ten frame numbers at the lab's 10 fps.
const MOST_FRAMES_SKIPPED: u32 = 3;

/// One duet-server node of a two-node cluster (a shared SQLite file and a Redis bus); killed
/// (SIGKILL) when dropped.
struct Node {
    child: Child,
    url: String,
}

impl Node {
    fn start(database: &Path, redis: &TempRedis, dir: &Path, name: &str) -> Node {
        let config = dir.join(format!("{name}.toml"));
        // A short lease, so the surviving node takes the killed node's app within a second.
        let toml = format!(
            "[cluster]\nbus = \"{}\"\nnode_id = \"{name}\"\nlease = \"1s\"\n",
            redis.url()
        );
        std::fs::write(&config, toml).expect("the node's config is written");
        let log_path = dir.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).expect("a log file");
        let mut child = Command::new(bin("duet-server"))
            .arg("--config")
            .arg(&config)
            .arg("--database")
            .arg(database)
            .args(["--bind", "127.0.0.1:0", "serve"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("duet-server starts");
        let port = wait_until_listening(&mut child, &log_path, 0);
        Node {
            child,
            url: format!("ws://127.0.0.1:{port}/ws"),
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An account on the cluster's database and its login token.
struct Person {
    account: &'static str,
    token: String,
}

impl Person {
    fn add(database: &Path, account: &'static str) -> Person {
        let token = admin(
            &database.display().to_string(),
            &["user", "add", account, "--nick", &display_name(account)],
        );
        Person { account, token }
    }

    /// duet-cli as this person with `servers` in the order it tries them, then `args`.
    fn cli(&self, servers: &[&str], args: &[String]) -> Cli {
        let mut command = Command::new(bin("duet-cli"));
        for server in servers {
            command.args(["--server", server]);
        }
        let device = format!("{}-1", self.account);
        command
            .args(["--app-key", "demo", "--account", self.account])
            .args(["--token", &self.token, "--device", &device])
            .args(["--media-bind", "127.0.0.1"])
            .args(args);
        Cli::spawn(command)
    }

    /// The records `duet-cli history` prints from `server`.
    fn history(&self, server: &str) -> Vec<Value> {
        let done = self.cli(&[server], &["history".to_owned()]).finish();
        assert_eq!(done.code, 0, "history failed: {:?}", done.events);
        done.events
            .into_iter()
            .filter_map(|e| e.get("record").cloned())
            .collect()
    }
}

/// The lab's small test pattern (10 fps, frame numbers stamped), written once per build.
fn pattern() -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("duet-cluster-pattern-{}fps-60s.y4m", media::FPS));
    media::write_pattern(&path, 60);
    path
}

fn media_flags(tone: u32, records_into: &Path) -> Vec<String> {
    media::cli_flags(&pattern(), tone, records_into)
}

/// Waits until `ready` holds, failing with `what` and both sides' events if either's call ends
/// first or the guard runs out.
fn wait_until(
    alice: &mut Cli,
    bob: &mut Cli,
    what: &str,
    mut ready: impl FnMut(&mut Cli, &mut Cli) -> bool,
) {
    let started = Instant::now();
    while !ready(alice, bob) {
        let ended = [&mut *alice, &mut *bob].into_iter().any(|cli| {
            cli.events_so_far()
                .iter()
                .any(|e| event_name(e) == "CALL_END")
        });
        assert!(
            !ended && started.elapsed() < GUARD,
            "{what} (call ended: {ended})\nAlice's events: {:?}\nBob's events: {:?}",
            alice.events_so_far(),
            bob.events_so_far()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// The recorded pictures from index `from` on: each stamp readable, and no two in a row more
/// than [`MOST_FRAMES_SKIPPED`] frame numbers apart. Returns the largest step.
fn check_pictures_went_on(who: &str, dir: &Path, from: usize) -> u32 {
    let stamps = media::recorded_stamps(dir);
    let numbers: Vec<u32> = stamps[from.saturating_sub(1)..]
        .iter()
        .map(|stamp| {
            stamp
                .unwrap_or_else(|| panic!("{who}: a damaged picture after the kill: {stamps:?}"))
                .frame_number
        })
        .collect();
    assert!(
        numbers.len() > FRAMES as usize,
        "{who}: too few pictures after the kill: {numbers:?}"
    );
    let worst = numbers
        .windows(2)
        .map(|w| w[1].wrapping_sub(w[0]))
        .max()
        .unwrap_or(0);
    assert!(
        (1..=MOST_FRAMES_SKIPPED).contains(&worst),
        "{who}: the pictures after the kill stopped or went back (a step of {worst} frame \
         numbers): {numbers:?}"
    );
    worst
}

/// Every whole second of the peer's tone from `from_s` (the kill) to the end was heard.
fn check_tone_went_on(who: &str, dir: &Path, from_s: f64, heard: u32, own: u32) {
    let samples = media::audio_samples(dir);
    let (with_tone, windows) = media::tone_windows(&samples, from_s.floor() as u32, heard, own);
    assert!(
        windows >= 2 && with_tone == windows,
        "{who} heard the {heard} Hz tone in {with_tone} of {windows} seconds after the kill"
    );
}

/// Whether the signaling connection was lost (`onDisconnect`) and the device has logged in again
/// since (`RESYNCED`).
fn back_after_a_loss(events: &[Value]) -> bool {
    let names: Vec<&str> = events.iter().map(event_name).collect();
    let lost = names.iter().rposition(|name| *name == "onDisconnect");
    let back = names.iter().rposition(|name| *name == "RESYNCED");
    matches!((lost, back), (Some(lost), Some(back)) if back > lost)
}

fn stats_said_reconnecting(done: &Finished) -> bool {
    done.events
        .iter()
        .filter(|e| event_name(e) == "CALL_STATS")
        .any(|e| e["reconnecting"] == Value::Bool(true))
}

#[test]
fn killing_the_hubs_node_mid_call_interrupts_neither_pictures_nor_sound() {
    let redis = TempRedis::start();
    let dir = tempfile::tempdir().expect("a temp dir");
    let database = dir.path().join("duet.sqlite");
    // The first node takes the app's lease: it holds the call's authority.
    let hub_node = Node::start(&database, &redis, dir.path(), "n1");
    let other = Node::start(&database, &redis, dir.path(), "n2");
    let (alice_person, bob_person) = (
        Person::add(&database, "alice"),
        Person::add(&database, "bob"),
    );
    let (at_alice, at_bob) = (
        tempfile::tempdir().expect("a temp dir"),
        tempfile::tempdir().expect("a temp dir"),
    );

    let mut args = media_flags(BOB_TONE, at_bob.path());
    args.extend(["listen", "--auto", "accept", "--count", "1"].map(String::from));
    let mut bob = bob_person.cli(&[&other.url, &hub_node.url], &args);
    bob.wait_for("RESYNCED");
    let mut args = media_flags(ALICE_TONE, at_alice.path());
    args.extend(["call", "bob", "--type", "video"].map(String::from));
    let mut alice = alice_person.cli(&[&hub_node.url, &other.url], &args);
    alice.wait_for("USER_ACCEPT");

    let enough = |had: (u64, f64), dir: &Path| {
        let now = media::recorded(dir);
        now.0 >= had.0 + FRAMES && now.1 >= had.1 + 2.0
    };
    wait_until(&mut alice, &mut bob, "media never crossed", |_, _| {
        enough((0, 0.0), at_alice.path()) && enough((0, 0.0), at_bob.path())
    });

    let (alice_had, bob_had) = (
        media::recorded(at_alice.path()),
        media::recorded(at_bob.path()),
    );
    drop(hub_node); // SIGKILL: the hub's node dies with Alice's connection and the lease.
    let killed = Instant::now();
    // Alice moves to the surviving node, which takes the app and restores the call from the
    // database; Bob's connection there, which went to the dead node's hub, closes and comes
    // back to the new one. Both duet-clis stay in the call throughout.
    wait_until(
        &mut alice,
        &mut bob,
        "a device never came back",
        |alice, bob| {
            back_after_a_loss(alice.events_so_far()) && back_after_a_loss(bob.events_so_far())
        },
    );
    let both_back = killed.elapsed();
    wait_until(
        &mut alice,
        &mut bob,
        "media stopped after the kill",
        |_, _| enough(alice_had, at_alice.path()) && enough(bob_had, at_bob.path()),
    );

    alice.interrupt();
    let (alice_done, bob_done) = (alice.finish(), bob.finish());
    for (who, done) in [("Alice", &alice_done), ("Bob", &bob_done)] {
        assert_eq!(done.code, 0, "{who}'s duet-cli: {:?}", done.events);
        let record = done.record();
        assert_eq!(record["status"], 1, "{who}: {record}");
        assert_eq!(record["reason"], "user_hangup", "{who}: {record}");
        assert!(
            !stats_said_reconnecting(done),
            "{who}'s media never needed to reconnect: {:?}",
            done.events
        );
        let failures: Vec<&Value> = done
            .events
            .iter()
            .filter(|e| event_name(e) == "MEDIA_FAILED")
            .collect();
        assert!(failures.is_empty(), "{who}: {failures:?}");
    }
    let alice_step = check_pictures_went_on("Alice", at_alice.path(), alice_had.0 as usize);
    let bob_step = check_pictures_went_on("Bob", at_bob.path(), bob_had.0 as usize);
    // A report, not a check: how the move went on this run.
    eprintln!(
        "node kill: both devices resynced {:.0} ms after it; largest step in frame numbers \
         after it: {alice_step} at Alice, {bob_step} at Bob (1 = no picture missed)",
        both_back.as_secs_f64() * 1000.0
    );
    check_tone_went_on("Alice", at_alice.path(), alice_had.1, BOB_TONE, ALICE_TONE);
    check_tone_went_on("Bob", at_bob.path(), bob_had.1, ALICE_TONE, BOB_TONE);

    // One record per side, as the surviving node's history tells it.
    let record = alice_done.record();
    for person in [&alice_person, &bob_person] {
        let history = person.history(&other.url);
        assert_eq!(
            records_of(&history, &record["call_id"]),
            [&record],
            "{}'s history: {history:?}",
            person.account
        );
    }
}
