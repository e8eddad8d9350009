//! `kill -9` of the node running an app's hub, mid-call, with the real binary: the other node
//! takes the app, restores the call from the shared database, both devices reconnect to it and
//! resync into the call, and the call ends in exactly one record.

use crate::backends::{fresh_postgres_database, Backend};
use crate::support::{answered_call, log_in_until_it_works, try_log_in, Client};
use duet_protocol::{AccountId, CallAction, CallSnapshotPhase, EndReason};
use duet_server::{Admin, Store};
use duet_testkit::TempRedis;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// One node: the binary, killed (SIGKILL) when dropped.
struct Node {
    child: Child,
    url: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    fn start(database: &str, dir: &Path, redis: &TempRedis, name: &str) -> Node {
        let config = dir.join(format!("{name}.toml"));
        let toml = format!(
            "[cluster]\nbus = \"{}\"\nnode_id = \"{name}\"\nlease = \"1s\"\n",
            redis.url()
        );
        std::fs::write(&config, toml).unwrap();
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_duet-server"))
            .arg("--config")
            .arg(&config)
            .arg("--database")
            .arg(database)
            .args(["--bind", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the duet-server binary starts");
        let mut node = Node {
            child,
            url: String::new(),
        };
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let line = text
                .lines()
                .find(|l| l.contains("listening on ") && l.ends_with(')'));
            if let Some(line) = line {
                let url = line.split("listening on ").nth(1).unwrap();
                node.url = url.split_whitespace().next().unwrap().to_owned();
                return node;
            }
            assert!(
                started.elapsed() < HANG_GUARD,
                "{name} never listened: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then waits for the process to exit (its last call changes committed).
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        self.child.wait().unwrap();
    }
}

async fn open(database: &str) -> Arc<dyn Store> {
    duet_server::store::open(database, Duration::from_secs(10))
        .await
        .unwrap()
}

async fn killing_the_hubs_node_mid_call_loses_neither_the_call_nor_its_record(backend: Backend) {
    let redis = TempRedis::start();
    let dir = tempfile::tempdir().unwrap();
    let db = match backend {
        Backend::Sqlite => dir.path().join("duet.sqlite").display().to_string(),
        Backend::Postgres => fresh_postgres_database().await,
    };
    let admin = Admin::new(open(&db).await);
    admin.ensure_app("demo").await.unwrap();
    let ttl = Duration::from_secs(3600);
    let alice_token = admin.add_user("demo", "alice", "Alice", ttl).await.unwrap();
    let bob_token = admin.add_user("demo", "bob", "Bob", ttl).await.unwrap();
    admin.store().close().await;

    // The first node takes the app's lease at start.
    let hub_node = Node::start(&db, dir.path(), &redis, "a");
    let other = Node::start(&db, dir.path(), &redis, "b");
    let mut alice = Client::login_url(&hub_node.url, "alice", &alice_token, "a1").await;
    let mut bob = Client::login_url(&other.url, "bob", &bob_token, "b1").await;
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c1").await;

    // The kill comes once the answer is committed: the hub hands each change to the writer and
    // goes on (it never waits for the database), so a change made within the last commit's
    // milliseconds dies with the process; that window is documented in docs/operations.md.
    let store = open(&db).await;
    let started = Instant::now();
    loop {
        let rows = store.active_calls("demo").await.unwrap();
        if rows
            .iter()
            .any(|r| r.call_id == "c1" && r.state.contains("\"Active\""))
        {
            break;
        }
        assert!(
            started.elapsed() < HANG_GUARD,
            "the answered call was never stored: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    store.close().await;
    drop(hub_node); // SIGKILL: no lease released, nothing flushed beyond what was committed.
    alice.expect_closed().await;

    // Alice's first login at the other node comes while the dead node still holds the lease:
    // it waits until the lease moves, then gets in, without being turned away.
    let (mut alice, calls) = try_log_in(&other.url, "alice", &alice_token, "a1")
        .await
        .unwrap_or_else(|code| panic!("Alice's one login was refused ({code:?})"));
    assert_eq!(
        calls.len(),
        1,
        "the call is restored on the other node: {calls:?}"
    );
    let log = std::fs::read_to_string(dir.path().join("b.log")).unwrap();
    assert!(
        log.contains("the app's hub moved before admitting the login; retried"),
        "the login did not wait for the lease to move:\n{log}"
    );
    // Bob's connection was routed to the dead node's hub; it closes once the lease has moved.
    bob.expect_closed().await;
    assert!(
        matches!(calls[0].phase, CallSnapshotPhase::Active { .. }),
        "{calls:?}"
    );
    let (mut bob, calls) = log_in_until_it_works(&other.url, "bob", &bob_token, "b1").await;
    assert_eq!(calls.len(), 1, "{calls:?}");

    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    alice
        .call("c1", "a1", 10, Some(&alice_call_token), hangup)
        .await;
    for client in [&mut alice, &mut bob] {
        let (id, _) = client.call_event().await;
        assert_eq!(id.as_str(), "c1");
    }
    other.stop();

    let store = open(&db).await;
    for account in ["alice", "bob"] {
        let account = AccountId::new(account).unwrap();
        let history = store.history("demo", &account, None, 100).await.unwrap();
        let records: Vec<_> = history
            .iter()
            .filter(|(_, r)| r.call_id.as_str() == "c1")
            .collect();
        assert_eq!(
            records.len(),
            1,
            "exactly one record for {account}: {history:?}"
        );
    }
    store.close().await;
}

crate::on_both_backends!(killing_the_hubs_node_mid_call_loses_neither_the_call_nor_its_record);
