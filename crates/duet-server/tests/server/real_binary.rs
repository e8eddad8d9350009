//! Bad input against the real `duet-server` binary (issue: hardening, "a bad-input test suite"):
//! garbage bytes, half-sent headers, non-JSON text, unknown types and versions, oversized and
//! deeply nested frames, forged tokens and tokens of another app, actions on other people's
//! calls, accept without an invite, new device ids without end, and floods of text, binary and
//! ping frames; and the hardening findings that can be tried from outside the process: an
//! attachment over its limit (1), half-sent headers (2), floods (3), a token revoked by the admin
//! command (4), the database file's mode (5), new device ids (6), a database locked by another
//! process (7), a directory query too short (8), a foreign web origin (12). After each, two
//! legitimate clients log in and complete a call; after rounds of all of them, the process's
//! resident memory is back at its level after the first round.

use crate::support::{answered_call, hang_up, wait_for_health, Client, WriteLock};
use duet_server::{Admin, SqliteStore};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Bytes, Message};

/// Rounds of every hostile case after the first (which lets allocator pools reach their size).
const ROUNDS: usize = 6;
/// How much the resident memory may exceed its level after the first round: allocator noise
/// (a few arenas' high-water marks), far below what keeping any per-connection or per-device
/// state of these rounds would cost (each round opens about 400 connections and 100 devices).
const RSS_SLACK_KIB: u64 = 6 * 1024;
/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(30);

const CONFIG: &str = r#"
login_timeout_ms = 500

[limits]
store_wait_ms = 300
handshake_timeout_ms = 300
max_connections_per_address = 1000
messages_per_second = 50
message_burst = 200

[calls]
max_devices_per_account = 10
invites_per_callee = 1000
invites_per_minute = 1000
"#;

/// The server binary as a child process, killed when dropped.
struct ServerProcess {
    child: Child,
    url: String,
    addr: SocketAddr,
    database: std::path::PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    fn start(dir: &Path) -> ServerProcess {
        std::fs::write(dir.join("server.toml"), CONFIG).unwrap();
        let log = dir.join("server.log");
        let child = Command::new(env!("CARGO_BIN_EXE_duet-server"))
            .arg("--config")
            .arg(dir.join("server.toml"))
            .arg("--database")
            .arg(dir.join("duet.sqlite"))
            .args(["--bind", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the duet-server binary starts");
        // Owned at once, so that a failed start below still kills and reaps it.
        let mut process = ServerProcess {
            child,
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: dir.join("duet.sqlite"),
        };
        let started = std::time::Instant::now();
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            // "duet-server listening on ws://127.0.0.1:PORT/ws (database …)", once complete.
            let line = text
                .lines()
                .find(|l| l.contains("listening on ") && l.ends_with(')'));
            if let Some(line) = line {
                let url = line.split("listening on ").nth(1).unwrap();
                let url = url.split_whitespace().next().unwrap().to_owned();
                let addr: SocketAddr = url
                    .trim_start_matches("ws://")
                    .trim_end_matches("/ws")
                    .parse()
                    .unwrap();
                process.url = url;
                process.addr = addr;
                return process;
            }
            assert!(
                started.elapsed() < HANG_GUARD,
                "duet-server never listened: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs an admin command of the same binary on the server's database; returns its stdout.
    fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_duet-server"))
            .arg("--database")
            .arg(&self.database)
            .args(args)
            .output()
            .expect("the admin command runs");
        assert!(
            out.status.success(),
            "duet-server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Resident memory, from /proc.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }
}

struct Tokens {
    alice: String,
    bob: String,
    mallory: String,
    /// Alice's token of another app, with that app's secret.
    alice_other_app: String,
}

async fn provision(db: &Path) -> Tokens {
    let store = SqliteStore::open(&db.display().to_string()).await.unwrap();
    let admin = Admin::new(Arc::new(store));
    let ttl = Duration::from_secs(3600);
    admin.ensure_app("demo").await.unwrap();
    admin.ensure_app("other").await.unwrap();
    let tokens = Tokens {
        alice: admin.add_user("demo", "alice", "Alice", ttl).await.unwrap(),
        bob: admin.add_user("demo", "bob", "Bob", ttl).await.unwrap(),
        mallory: admin
            .add_user("demo", "mallory", "Mallory", ttl)
            .await
            .unwrap(),
        alice_other_app: admin
            .add_user("other", "alice", "Alice", ttl)
            .await
            .unwrap(),
    };
    // Trudy's tokens are revoked each round (finding 4).
    admin.add_user("demo", "trudy", "Trudy", ttl).await.unwrap();
    admin.store().close().await;
    tokens
}

/// A WebSocket whose sends may fail (the server closes floods): errors are ignored.
struct Raw(tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>);

impl Raw {
    async fn open(url: &str) -> Raw {
        Raw(tokio_tungstenite::connect_async(url).await.unwrap().0)
    }

    async fn send(&mut self, message: Message) {
        let _ = self.0.send(message).await;
    }

    async fn text(&mut self, text: impl Into<String>) {
        self.send(Message::text(text.into())).await;
    }

    async fn login(&mut self, app: &str, account: &str, token: &str, device: &str) {
        self.text(format!(
            r#"{{"v":1,"req":1,"type":"login","app_key":"{app}","account":"{account}","token":"{token}","device":"{device}"}}"#
        ))
        .await;
    }

    /// Reads until the server closes the connection (or the hang guard).
    async fn until_closed(mut self) {
        let _ = tokio::time::timeout(HANG_GUARD, async {
            while let Some(Ok(message)) = self.0.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }

    /// The `code` of the next `error` frame, skipping other frames; `None` if the connection ends.
    async fn error_code(&mut self) -> Option<String> {
        loop {
            match tokio::time::timeout(HANG_GUARD, self.0.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let frame: serde_json::Value = serde_json::from_str(text.as_str()).ok()?;
                    if frame["type"] == "error" {
                        return frame["code"].as_str().map(str::to_owned);
                    }
                }
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => {
                    return None
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Reads `n` frames (answers), or until the connection ends.
    async fn read(&mut self, n: usize) {
        for _ in 0..n {
            match tokio::time::timeout(HANG_GUARD, self.0.next()).await {
                Ok(Some(Ok(_))) => {}
                _ => return,
            }
        }
    }
}

/// Every hostile case once; `round` keeps device ids fresh across rounds.
async fn hostile_round(server: &ServerProcess, tokens: &Tokens, round: usize) {
    let url = server.url.as_str();

    // Garbage bytes instead of HTTP, and headers that never end (closed by the handshake timeout).
    let mut garbage = TcpStream::connect(server.addr).await.unwrap();
    let bytes: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let _ = garbage.write_all(&bytes).await;
    let mut half_sent = Vec::new();
    for _ in 0..50 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket
            .write_all(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
            .await
            .unwrap();
        half_sent.push(socket);
    }
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(HANG_GUARD, garbage.read_to_end(&mut sink)).await;
    for mut socket in half_sent {
        let _ = tokio::time::timeout(HANG_GUARD, socket.read_to_end(&mut sink)).await;
    }

    legitimate_call(server, tokens, &format!("r{round}-1")).await;
    // Text that is not the protocol, before logging in.
    for text in [
        "{not json",
        "[1, 2]",
        r#"{"v":1,"type":"dance"}"#,
        r#"{"v":99,"type":"ping"}"#,
    ] {
        let mut raw = Raw::open(url).await;
        raw.text(text).await;
        raw.until_closed().await;
    }

    legitimate_call(server, tokens, &format!("r{round}-2")).await;
    // Forged tokens, and a real token of another app.
    let forged = format!("{}x", &tokens.alice[..tokens.alice.len() - 1]);
    for (app, token) in [
        ("demo", "not.a.token"),
        ("demo", forged.as_str()),
        ("demo", tokens.alice_other_app.as_str()),
        ("nope", tokens.alice.as_str()),
    ] {
        let mut raw = Raw::open(url).await;
        raw.login(app, "alice", token, "a9").await;
        raw.until_closed().await;
    }

    legitimate_call(server, tokens, &format!("r{round}-3")).await;
    // Oversized and deeply nested frames, after logging in.
    let mut raw = Raw::open(url).await;
    raw.login("demo", "mallory", &tokens.mallory, "m1").await;
    raw.read(2).await;
    let nested = format!("{}{}", "[".repeat(30_000), "]".repeat(30_000));
    raw.text(nested).await;
    let nested_attachment = format!(
        r#"{{"v":1,"req":2,"type":"call","action":"invite","call_id":"n{round}","device":"m1","seq":1,"callee":"bob","call_type":2,"attachment":{}{}}}"#,
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    raw.text(nested_attachment).await;
    // Unknown types and versions after login, actions on a call mallory is not part of, and an
    // accept without an invite.
    for text in [
        r#"{"v":1,"req":3,"type":"dance"}"#.to_owned(),
        r#"{"v":7,"req":4,"type":"ping"}"#.to_owned(),
        format!(
            r#"{{"v":1,"req":5,"type":"call","action":"hangup","call_id":"ab{round}","device":"m1","seq":1}}"#
        ),
        format!(
            r#"{{"v":1,"req":6,"type":"call","action":"accept","call_id":"never{round}","device":"m1","seq":1}}"#
        ),
        format!(
            r#"{{"v":1,"req":7,"type":"call","action":"cancel","call_id":"ab{round}","device":"b1","seq":9}}"#
        ),
    ] {
        raw.text(text).await;
    }
    raw.read(7).await;
    raw.text("x".repeat(70_000)).await;
    raw.until_closed().await;

    legitimate_call(server, tokens, &format!("r{round}-4")).await;
    // Floods of text, binary and ping frames: each ends in rate_limited and a close.
    let floods: [fn(usize) -> Message; 3] = [
        |_| Message::text(r#"{"v":1,"type":"ping"}"#),
        |i| Message::Binary(Bytes::from(vec![i as u8; 512])),
        |_| Message::Ping(Bytes::from_static(b"flood")),
    ];
    for flood in floods {
        let mut raw = Raw::open(url).await;
        raw.login("demo", "mallory", &tokens.mallory, "m1").await;
        for i in 0..1_000 {
            raw.send(flood(i)).await;
        }
        raw.until_closed().await;
    }

    legitimate_call(server, tokens, &format!("r{round}-5")).await;
    // Finding 1: an attachment over its limit is refused, the call never rings.
    let mut raw = Raw::open(url).await;
    raw.login("demo", "mallory", &tokens.mallory, "m1").await;
    raw.read(2).await;
    raw.text(format!(
        r#"{{"v":1,"req":2,"type":"call","action":"invite","call_id":"big{round}","device":"m1","seq":1,"callee":"bob","call_type":2,"attachment":"{}"}}"#,
        "x".repeat(60_000)
    ))
    .await;
    assert_eq!(raw.error_code().await.as_deref(), Some("invalid_message"));
    // Finding 8: a directory query too short to list everyone.
    raw.text(r#"{"v":1,"req":3,"type":"directory.search","query":"a"}"#)
        .await;
    assert_eq!(raw.error_code().await.as_deref(), Some("query_too_short"));
    drop(raw);
    legitimate_call(server, tokens, &format!("r{round}-findings-1-8")).await;

    // Finding 12: a web page from an origin the server does not know cannot open /ws.
    let mut page = TcpStream::connect(server.addr).await.unwrap();
    page.write_all(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\nConnection: Upgrade\r\n\
          Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(HANG_GUARD, page.read_to_end(&mut answer)).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 403"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // Finding 4: a token revoked by the admin command (another process) ends its live session.
    let token = server.admin(&["user", "token", "trudy"]);
    let mut trudy = Raw::open(url).await;
    trudy.login("demo", "trudy", &token, "t1").await;
    trudy.read(2).await;
    server.admin(&["user", "revoke", "trudy", "--token", &token]);
    assert_eq!(trudy.error_code().await.as_deref(), Some("token_revoked"));
    legitimate_call(server, tokens, &format!("r{round}-finding-4")).await;

    // Finding 7: another process holds the database's write lock: calls still go through, the
    // server says it is unhealthy, and recovers once the lock is gone.
    let lock = WriteLock::take(&server.database).await;
    legitimate_call(server, tokens, &format!("r{round}-finding-7")).await;
    wait_for_health(server.addr, 503).await;
    lock.release().await;
    wait_for_health(server.addr, 200).await;

    // New device ids without end: at most 10 online at once, none kept once offline.
    for i in 0..100 {
        let mut raw = Raw::open(url).await;
        raw.login("demo", "mallory", &tokens.mallory, &format!("d{round}-{i}"))
            .await;
        raw.read(2).await;
    }
    legitimate_call(server, tokens, &format!("r{round}-last")).await;
}

/// Alice calls Bob, Bob answers, Alice hangs up: the server still serves legitimate users.
async fn legitimate_call(server: &ServerProcess, tokens: &Tokens, id: &str) {
    let mut alice = Client::login_url(&server.url, "alice", &tokens.alice, "a1").await;
    let mut bob = Client::login_url(&server.url, "bob", &tokens.bob, "b1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, id).await;
    hang_up(&mut alice, &mut bob, id, &alice_token).await;
}

#[tokio::test]
async fn bad_input_against_the_real_binary_leaves_it_serving_with_its_memory_at_its_level() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = provision(&dir.path().join("duet.sqlite")).await;
    let server = ServerProcess::start(dir.path());
    legitimate_call(&server, &tokens, "warm-up").await;
    // Finding 5: the database holds the apps' token secrets; only its owner may read it.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&server.database)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "the database file's mode");

    hostile_round(&server, &tokens, 0).await;
    let level = server.rss_kib();
    for round in 1..=ROUNDS {
        hostile_round(&server, &tokens, round).await;
        eprintln!("after round {round}: {} KiB", server.rss_kib());
    }
    let after = server.rss_kib();
    println!("duet-server resident memory: {level} KiB after the first round, {after} KiB after {ROUNDS} more");
    assert!(
        after <= level + RSS_SLACK_KIB,
        "resident memory grew from {level} KiB to {after} KiB over {ROUNDS} rounds of bad input"
    );
}
