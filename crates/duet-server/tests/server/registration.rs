//! Accounts people create themselves: the app's registration policy, invite codes, password
//! logins, bad input and brute force. Every answer is a normal login token for `login`.

use crate::cluster::node_config;
use crate::support::{login_msg, Client};
use duet_protocol::{AccountId, ClientMessage, ErrorCode, Password, Registration, ServerMessage};
use duet_server::RunningServer;
use duet_testkit::{add_user, start_server, start_server_with, TempRedis, APP_KEY};
use std::time::Duration;

const GOOD_PASSWORD: &str = "correct horse battery";

fn register(account: &str, password: &str, code: Option<&str>) -> ClientMessage {
    ClientMessage::Register {
        app_key: None,
        account: AccountId::new(account).unwrap(),
        nick: Some(format!("{account} nick")),
        password: Password::new(password),
        code: code.map(str::to_owned),
    }
}

fn password_login(account: &str, password: &str) -> ClientMessage {
    ClientMessage::PasswordLogin {
        app_key: None,
        account: AccountId::new(account).unwrap(),
        password: Password::new(password),
    }
}

async fn set_registration(server: &RunningServer, registration: Registration) {
    server
        .admin()
        .set_registration(APP_KEY, registration)
        .await
        .unwrap();
}

/// Sends `msg` on a fresh connection; the token it got, or the error code.
async fn token_or_error(server: &RunningServer, msg: ClientMessage) -> Result<String, ErrorCode> {
    let mut client = Client::connect(server).await;
    let req = client.send(msg).await;
    let answer = client.recv().await;
    assert_eq!(answer.req, Some(req));
    match answer.msg {
        ServerMessage::Token {
            app_key,
            token,
            expires_at_ms,
            ..
        } => {
            assert_eq!(app_key, APP_KEY);
            assert!(expires_at_ms > duet_server::wall_now_ms());
            Ok(token)
        }
        ServerMessage::Error { code, .. } => Err(code),
        other => panic!("expected a token or an error, got {other:?}"),
    }
}

#[tokio::test]
async fn open_registration_gives_a_token_that_logs_in_on_the_same_connection() {
    let (server, _dir) = start_server().await;
    set_registration(&server, Registration::Open).await;
    let mut client = Client::connect(&server).await;
    let info = client.send(ClientMessage::AppInfo { app_key: None }).await;
    let answer = client.recv().await;
    assert_eq!(answer.req, Some(info));
    assert_eq!(
        answer.msg,
        ServerMessage::AppInfo {
            app_key: APP_KEY.into(),
            registration: Registration::Open,
            min_password_chars: 8,
        }
    );
    client.send(register("carol", GOOD_PASSWORD, None)).await;
    let ServerMessage::Token { account, token, .. } = client.recv().await.msg else {
        panic!("expected a token");
    };
    assert_eq!(account.as_str(), "carol");
    let login = client.send(login_msg(APP_KEY, "carol", &token, "c1")).await;
    let ok = client.recv().await;
    assert_eq!(ok.req, Some(login));
    let ServerMessage::LoginOk { nick, .. } = ok.msg else {
        panic!("expected login.ok, got {ok:?}");
    };
    assert_eq!(nick, "carol nick");
    // A password login gets a token too; a wrong one does not, and does not say which was wrong.
    assert!(
        token_or_error(&server, password_login("carol", GOOD_PASSWORD))
            .await
            .is_ok()
    );
    for (account, password) in [
        ("carol", "correct horse batterY"),
        ("nobody", GOOD_PASSWORD),
    ] {
        let answer = token_or_error(&server, password_login(account, password)).await;
        assert_eq!(answer, Err(ErrorCode::BadPassword), "{account}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn registration_refuses_bad_input_with_a_code_each() {
    let (server, _dir) = start_server_with(|c| c.accounts.registrations_per_address = 100).await;
    set_registration(&server, Registration::Open).await;
    add_user(&server, "alice").await;
    let cases = [
        (
            "empty password",
            register("dave", "", None),
            ErrorCode::WeakPassword,
        ),
        (
            "short password",
            register("dave", "k9#xQ", None),
            ErrorCode::WeakPassword,
        ),
        (
            "common password",
            register("dave", "Password123", None),
            ErrorCode::WeakPassword,
        ),
        (
            "password is the name",
            register("dave", "dave-dave-dave", None),
            ErrorCode::WeakPassword,
        ),
        (
            "existing account",
            register("alice", GOOD_PASSWORD, None),
            ErrorCode::AccountExists,
        ),
    ];
    for (case, msg, code) in cases {
        assert_eq!(token_or_error(&server, msg).await, Err(code), "{case}");
    }
    // A bad account name is refused by the decoder, before any work.
    let mut client = Client::connect(&server).await;
    client
        .send_raw(
            r#"{"v":1,"req":1,"type":"register","account":"","password":"correct horse battery"}"#,
        )
        .await;
    assert_eq!(
        client.expect_error().await,
        (ErrorCode::InvalidMessage, Some(1))
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_policy_decides_who_may_register() {
    let (server, _dir) = start_server_with(|c| c.accounts.registrations_per_address = 100).await;
    // Closed is the default: only the operator creates accounts.
    assert_eq!(
        token_or_error(&server, register("erin", GOOD_PASSWORD, None)).await,
        Err(ErrorCode::RegistrationClosed)
    );
    set_registration(&server, Registration::Invite).await;
    let admin = server.admin();
    let once = admin
        .create_invite(APP_KEY, 1, Duration::from_secs(3600))
        .await
        .unwrap();
    let expired = admin
        .create_invite(APP_KEY, 5, Duration::ZERO)
        .await
        .unwrap();
    add_user(&server, "alice").await;
    let cases = [
        (
            "no code",
            register("erin", GOOD_PASSWORD, None),
            Err(ErrorCode::InviteRequired),
        ),
        (
            "wrong code",
            register("erin", GOOD_PASSWORD, Some("nope")),
            Err(ErrorCode::BadInvite),
        ),
        (
            "expired code",
            register("erin", GOOD_PASSWORD, Some(&expired)),
            Err(ErrorCode::BadInvite),
        ),
        // A refused registration does not spend the code's one use...
        (
            "taken name",
            register("alice", GOOD_PASSWORD, Some(&once)),
            Err(ErrorCode::AccountExists),
        ),
        (
            "weak password",
            register("erin", "short", Some(&once)),
            Err(ErrorCode::WeakPassword),
        ),
        (
            "valid code",
            register("erin", GOOD_PASSWORD, Some(&once)),
            Ok(()),
        ),
        // ...and a successful one does.
        (
            "reused code",
            register("frank", GOOD_PASSWORD, Some(&once)),
            Err(ErrorCode::BadInvite),
        ),
    ];
    for (case, msg, expected) in cases {
        let answer = token_or_error(&server, msg).await.map(drop);
        assert_eq!(answer, expected, "{case}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn guessing_passwords_is_slowed_per_account_and_per_address() {
    let (server, _dir) = start_server_with(|c| {
        c.accounts.failures_per_account = 3;
        c.accounts.failures_per_address = 5;
        c.accounts.attempt_refill = Duration::from_secs(3600);
    })
    .await;
    set_registration(&server, Registration::Open).await;
    for account in ["gina", "hank"] {
        let token = token_or_error(&server, register(account, GOOD_PASSWORD, None)).await;
        assert!(token.is_ok(), "{account}");
    }
    // Right passwords never count against the limit.
    for _ in 0..5 {
        assert!(
            token_or_error(&server, password_login("gina", GOOD_PASSWORD))
                .await
                .is_ok()
        );
    }
    for _ in 0..3 {
        let answer = token_or_error(&server, password_login("gina", "wrong guess 1")).await;
        assert_eq!(answer, Err(ErrorCode::BadPassword));
    }
    // Three failures lock guesses at gina, even the right one, but not hank...
    let gina = token_or_error(&server, password_login("gina", GOOD_PASSWORD)).await;
    assert_eq!(gina, Err(ErrorCode::RateLimited));
    assert!(
        token_or_error(&server, password_login("hank", GOOD_PASSWORD))
            .await
            .is_ok()
    );
    // ...until this address has failed five times in all.
    for _ in 0..2 {
        let answer = token_or_error(&server, password_login("hank", "wrong guess 2")).await;
        assert_eq!(answer, Err(ErrorCode::BadPassword));
    }
    let hank = token_or_error(&server, password_login("hank", GOOD_PASSWORD)).await;
    assert_eq!(hank, Err(ErrorCode::RateLimited));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn one_address_cannot_mint_accounts_at_speed() {
    let (server, _dir) = start_server_with(|c| {
        c.accounts.registrations_per_address = 2;
        c.accounts.attempt_refill = Duration::from_secs(3600);
    })
    .await;
    set_registration(&server, Registration::Open).await;
    assert!(
        token_or_error(&server, register("ivan", GOOD_PASSWORD, None))
            .await
            .is_ok()
    );
    let weak = token_or_error(&server, register("judy", "short", None)).await;
    assert_eq!(
        weak,
        Err(ErrorCode::WeakPassword),
        "refused attempts count too"
    );
    let third = token_or_error(&server, register("kate", GOOD_PASSWORD, None)).await;
    assert_eq!(third, Err(ErrorCode::RateLimited));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn passwords_and_invite_codes_are_not_stored_in_clear() {
    let (server, dir) = start_server().await;
    set_registration(&server, Registration::Invite).await;
    let code = server
        .admin()
        .create_invite(APP_KEY, 2, Duration::from_secs(3600))
        .await
        .unwrap();
    let registered = token_or_error(&server, register("lena", GOOD_PASSWORD, Some(&code))).await;
    assert!(registered.is_ok());
    server.flush().await;
    server.shutdown().await.unwrap();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("$argon2id$"), "the hash is stored");
    assert!(!text.contains(GOOD_PASSWORD));
    assert!(!text.contains(&code));
}

#[tokio::test]
async fn account_requests_after_login_are_refused_but_app_info_answers() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    let req = client.send(register("mallory", GOOD_PASSWORD, None)).await;
    assert_eq!(
        client.expect_error().await,
        (ErrorCode::AlreadyLoggedIn, Some(req))
    );
    let req = client.send(ClientMessage::AppInfo { app_key: None }).await;
    let answer = client.recv().await;
    assert_eq!(answer.req, Some(req));
    assert!(matches!(
        answer.msg,
        ServerMessage::AppInfo {
            registration: Registration::Closed,
            ..
        }
    ));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_5_a_new_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let database = data.join("duet.sqlite");
    let path = database.to_string_lossy().into_owned();
    let (server, _dir) = start_server_with(|c| c.database = path).await;
    add_user(&server, "alice").await;
    server.flush().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the directory");
    assert_eq!(
        mode(&database),
        0o600,
        "the database, which holds the apps' secrets"
    );
    let wal = data.join("duet.sqlite-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600, "the write-ahead log");
    }
    server.shutdown().await.unwrap();
}

/// A node of a two-node cluster on `database` and `redis`, with the guessing limits of
/// [`password_guesses_spread_over_two_nodes_count_once`].
async fn guarded_node(
    database: &str,
    dir: &std::path::Path,
    redis: &TempRedis,
    name: &str,
) -> RunningServer {
    let mut config = node_config(database, dir, redis, name, Duration::from_secs(1));
    config.accounts.failures_per_account = 3;
    config.accounts.failures_per_address = 100;
    config.accounts.attempt_refill = Duration::from_secs(3600);
    duet_server::start(config).await.unwrap()
}

#[tokio::test]
async fn password_guesses_spread_over_two_nodes_count_once() {
    let mut redis = TempRedis::start();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("duet.sqlite").display().to_string();
    let n1 = guarded_node(&database, dir.path(), &redis, "n1").await;
    let n2 = guarded_node(&database, dir.path(), &redis, "n2").await;
    set_registration(&n1, Registration::Open).await;
    for account in ["gina", "hank"] {
        let token = token_or_error(&n1, register(account, GOOD_PASSWORD, None)).await;
        assert!(token.is_ok(), "{account}");
    }
    // Three guesses in all, over both nodes, use up gina's three...
    for node in [&n1, &n2, &n1] {
        let answer = token_or_error(node, password_login("gina", "wrong guess")).await;
        assert_eq!(answer, Err(ErrorCode::BadPassword));
    }
    // ...on every node, though n2 saw only one of them.
    for node in [&n2, &n1] {
        let answer = token_or_error(node, password_login("gina", GOOD_PASSWORD)).await;
        assert_eq!(answer, Err(ErrorCode::RateLimited));
    }
    assert!(token_or_error(&n2, password_login("hank", GOOD_PASSWORD))
        .await
        .is_ok());

    // Without Redis each node still keeps its own count.
    redis.stop();
    for _ in 0..3 {
        let answer = token_or_error(&n1, password_login("hank", "wrong guess")).await;
        assert_eq!(answer, Err(ErrorCode::BadPassword));
    }
    let answer = token_or_error(&n1, password_login("hank", GOOD_PASSWORD)).await;
    assert_eq!(answer, Err(ErrorCode::RateLimited));
    n2.shutdown().await.unwrap();
    n1.shutdown().await.unwrap();
}
