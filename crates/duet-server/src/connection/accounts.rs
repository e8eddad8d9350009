//! The account requests a connection may make before it logs in: `app.info`, `register` and
//! `login.password`. The last two answer with a login token; the client then sends `login`.

use crate::cluster::Bus;
use crate::config::AccountSettings;
use crate::error::AdminError;
use crate::passwords::{self, MIN_PASSWORD_CHARS};
use crate::rate_limit::AttemptLimiter;
use crate::server::Shared;
use crate::store::{App, NewAccount, Registered};
use duet_protocol::{AccountId, ErrorCode, Password, ProtocolError, Registration, ServerMessage};
use std::net::IpAddr;
use tokio::time::Instant;

/// The attempt limits of password logins and registrations, shared by every connection. Each
/// limit is kept by this node and, in a cluster, also in Redis, so that attempts spread over the
/// nodes count once; if Redis cannot be reached, this node's own limits still hold.
pub(crate) struct Attempts {
    by_account: AttemptLimiter<(String, AccountId)>,
    by_address: AttemptLimiter<IpAddr>,
    registrations: AttemptLimiter<IpAddr>,
    settings: AccountSettings,
    cluster: Option<Bus>,
}

/// Which shared bucket, with its key.
enum Bucket<'a> {
    Account(&'a (String, AccountId)),
    Address(IpAddr),
    Registrations(IpAddr),
}

impl Attempts {
    pub(crate) fn new(settings: &AccountSettings, cluster: Option<Bus>) -> Self {
        let every = settings.attempt_refill;
        Self {
            by_account: AttemptLimiter::new(settings.failures_per_account, every),
            by_address: AttemptLimiter::new(settings.failures_per_address, every),
            registrations: AttemptLimiter::new(settings.registrations_per_address, every),
            settings: settings.clone(),
            cluster,
        }
    }

    /// Whether a password may be tried now for `account` from `peer`.
    pub(crate) async fn password_allowed(
        &self,
        peer: IpAddr,
        account: &(String, AccountId),
    ) -> bool {
        let now = Instant::now();
        self.by_address.allows(&peer, now)
            && self.by_account.allows(account, now)
            && self.shared(Bucket::Address(peer), false).await
            && self.shared(Bucket::Account(account), false).await
    }

    /// Counts a wrong password for `account` from `peer`.
    pub(crate) async fn password_failed(&self, peer: IpAddr, account: (String, AccountId)) {
        self.shared(Bucket::Address(peer), true).await;
        self.shared(Bucket::Account(&account), true).await;
        let now = Instant::now();
        self.by_address.spend(peer, now);
        self.by_account.spend(account, now);
    }

    /// Counts a registration attempt from `peer`; false (and not counted) if it is one too many.
    pub(crate) async fn registration_counted(&self, peer: IpAddr) -> bool {
        let now = Instant::now();
        if !self.registrations.allows(&peer, now) {
            return false;
        }
        self.registrations.spend(peer, now);
        self.shared(Bucket::Registrations(peer), true).await
    }

    /// In a cluster, whether the shared bucket has a token (taking it when `take`); always true
    /// on a single node, or when Redis cannot answer.
    async fn shared(&self, bucket: Bucket<'_>, take: bool) -> bool {
        let Some(bus) = &self.cluster else {
            return true;
        };
        let settings = &self.settings;
        let (key, burst) = match bucket {
            Bucket::Account((app, account)) => (
                format!("account:{app}:{account}"),
                settings.failures_per_account,
            ),
            Bucket::Address(peer) => (format!("address:{peer}"), settings.failures_per_address),
            Bucket::Registrations(peer) => (
                format!("registrations:{peer}"),
                settings.registrations_per_address,
            ),
        };
        let refill = settings.attempt_refill;
        match bus.attempt_bucket(&key, burst, refill, take).await {
            Ok(had) => had,
            Err(error) => {
                tracing::warn!(%error, "the cluster's attempt limits are unreachable; this node's own apply");
                true
            }
        }
    }
}

/// The most characters of a nickname.
const MAX_NICK_CHARS: usize = 64;

fn refuse(code: ErrorCode, message: impl Into<String>) -> ProtocolError {
    ProtocolError::new(code, message)
}

fn internal(error: impl std::fmt::Display) -> ProtocolError {
    tracing::error!(%error, "an account request failed on a server fault");
    refuse(
        ErrorCode::Internal,
        "the server could not do this; try again",
    )
}

fn too_many() -> ProtocolError {
    refuse(
        ErrorCode::RateLimited,
        "too many attempts; wait a minute and try again",
    )
}

/// The app named, or the server's default app when none is.
async fn resolve_app(shared: &Shared, app_key: Option<String>) -> Result<App, ProtocolError> {
    let Some(app_key) = app_key.or_else(|| shared.config.default_app.clone()) else {
        return Err(refuse(
            ErrorCode::UnknownApp,
            "this server has no default app: name one with `app_key`",
        ));
    };
    shared
        .store
        .app(&app_key)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            refuse(
                ErrorCode::UnknownApp,
                format!("no app `{app_key}` on this server"),
            )
        })
}

/// `app.info`: what the app allows.
pub(crate) async fn app_info(
    shared: &Shared,
    app_key: Option<String>,
) -> Result<ServerMessage, ProtocolError> {
    let app = resolve_app(shared, app_key).await?;
    Ok(ServerMessage::AppInfo {
        app_key: app.app_key,
        registration: app.registration,
        min_password_chars: MIN_PASSWORD_CHARS as u32,
    })
}

/// What `register` asks for.
pub(crate) struct Registering {
    pub app_key: Option<String>,
    pub account: AccountId,
    pub nick: Option<String>,
    pub password: Password,
    pub code: Option<String>,
}

fn nick_of(nick: Option<String>, account: &AccountId) -> Result<String, ProtocolError> {
    let nick = nick.map(|n| n.trim().to_owned()).unwrap_or_default();
    if nick.is_empty() {
        return Ok(account.to_string());
    }
    if nick.chars().count() > MAX_NICK_CHARS || nick.chars().any(char::is_control) {
        return Err(refuse(
            ErrorCode::InvalidMessage,
            format!("a nickname has at most {MAX_NICK_CHARS} characters and no control characters"),
        ));
    }
    Ok(nick)
}

/// `register`: checks the app's policy, the invite and the password, then creates the account.
pub(crate) async fn register(
    shared: &Shared,
    peer: IpAddr,
    request: Registering,
) -> Result<ServerMessage, ProtocolError> {
    // Every attempt counts, so that one address cannot mint accounts or probe codes at speed.
    if !shared.attempts.registration_counted(peer).await {
        return Err(too_many());
    }
    let app = resolve_app(shared, request.app_key).await?;
    let invite_hash = match (app.registration, request.code.as_deref()) {
        (Registration::Closed, _) => {
            return Err(refuse(
                ErrorCode::RegistrationClosed,
                "accounts on this server are created by its operator; ask them for one",
            ))
        }
        (Registration::Invite, None) => {
            return Err(refuse(
                ErrorCode::InviteRequired,
                "this server needs an invite code to create an account",
            ))
        }
        (Registration::Invite, Some(code)) => Some(crate::admin::invite_hash(code)),
        (Registration::Open, _) => None,
    };
    let account = request.account;
    let nick = nick_of(request.nick, &account)?;
    passwords::check_strength(request.password.expose(), account.as_str())
        .map_err(|weak| refuse(ErrorCode::WeakPassword, weak.to_string()))?;
    let password_hash = shared
        .passwords
        .hash(request.password.expose())
        .await
        .map_err(internal)?;
    let new = NewAccount {
        app_key: &app.app_key,
        account: &account,
        nick: &nick,
        password_hash: &password_hash,
        invite_hash: invite_hash.as_deref(),
    };
    match shared
        .store
        .register_account(&new, shared.clock.now_ms())
        .await
        .map_err(internal)?
    {
        Registered::Created => {}
        Registered::AccountExists => {
            return Err(refuse(
                ErrorCode::AccountExists,
                format!("the account name `{account}` is taken; choose another"),
            ))
        }
        Registered::BadInvite => {
            return Err(refuse(
                ErrorCode::BadInvite,
                "this invite code is unknown, used up or expired; ask for a new one",
            ))
        }
    }
    shared.known_accounts.insert(&app.app_key, &account);
    tracing::info!(app = %app.app_key, %account, "account registered");
    token_for(shared, &app, account).await
}

/// `login.password`: trades a correct password for a login token.
pub(crate) async fn password_login(
    shared: &Shared,
    peer: IpAddr,
    app_key: Option<String>,
    account: AccountId,
    password: Password,
) -> Result<ServerMessage, ProtocolError> {
    let app = resolve_app(shared, app_key).await?;
    let account_key = (app.app_key.clone(), account.clone());
    let limits = &shared.attempts;
    if !limits.password_allowed(peer, &account_key).await {
        return Err(too_many());
    }
    let stored = shared
        .store
        .password_hash(&app.app_key, &account)
        .await
        .map_err(internal)?;
    let matches = shared
        .passwords
        .verify(password.expose(), stored)
        .await
        .map_err(internal)?;
    if !matches {
        limits.password_failed(peer, account_key).await;
        tracing::info!(app = %app.app_key, %account, %peer, "password login refused");
        return Err(refuse(ErrorCode::BadPassword, "wrong account or password"));
    }
    token_for(shared, &app, account).await
}

async fn token_for(
    shared: &Shared,
    app: &App,
    account: AccountId,
) -> Result<ServerMessage, ProtocolError> {
    let issued = shared
        .admin
        .login_token(app, &account, shared.config.accounts.token_ttl)
        .await
        .map_err(|e| match e {
            AdminError::UnknownAccount { .. } => {
                refuse(ErrorCode::BadPassword, "wrong account or password")
            }
            other => internal(other),
        })?;
    Ok(ServerMessage::Token {
        app_key: app.app_key.clone(),
        account,
        token: issued.token,
        expires_at_ms: issued.expires_at_ms,
    })
}
