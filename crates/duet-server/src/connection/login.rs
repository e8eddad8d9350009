//! Checking a `login`: app, token signature, account, expiry and revocation, in that order.

use crate::hub::HubError;
use crate::hub::HubHandle;
use crate::login_token;
use crate::server::Shared;
use crate::store::App;
use duet_call::DeviceKey;
use duet_protocol::{AccountId, DeviceId, ErrorCode, ProtocolError};

/// A device that proved who it is.
#[derive(Debug)]
pub(crate) struct LoggedIn {
    pub app: App,
    pub hub: HubHandle,
    pub key: DeviceKey,
    pub nick: String,
    /// The login asked for call waiting (set by the caller of [`authenticate`]).
    pub call_waiting: bool,
    /// When the login token expires (ms since the epoch); the session ends then.
    pub expires_at_ms: u64,
    /// The login token's id and issue time, to tell whether a revocation covers it.
    pub token_id: String,
    pub issued_at_ms: u64,
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> ProtocolError {
    ProtocolError::new(code, message)
}

fn internal(error: impl std::fmt::Display) -> ProtocolError {
    tracing::error!(%error, "login failed on a server fault");
    refuse(
        ErrorCode::Internal,
        "the server could not check this login; try again",
    )
}

/// The app's hub cannot be reached: in a cluster, the bus is down or the app is moving between
/// nodes. The client retries as after any refused login with `internal`.
fn hub_unavailable(error: HubError) -> ProtocolError {
    tracing::warn!(%error, "login refused: the app's hub is unavailable");
    let message = match error {
        HubError::Store(_) => "the server could not check this login; try again",
        HubError::Bus(_) => {
            "the server cannot reach its other nodes right now; try again in a moment"
        }
        HubError::Moving => "this app is moving to another server node; try again in a moment",
    };
    refuse(ErrorCode::Internal, message)
}

/// Checks the login of `account` on `device` with `token` for app `app_key`.
pub(crate) async fn authenticate(
    shared: &Shared,
    app_key: &str,
    account: AccountId,
    token: &str,
    device: DeviceId,
) -> Result<LoggedIn, ProtocolError> {
    let store = &shared.store;
    let app = store.app(app_key).await.map_err(internal)?.ok_or_else(|| {
        refuse(
            ErrorCode::UnknownApp,
            format!("no app `{app_key}` on this server"),
        )
    })?;
    let claims = login_token::verify(&app.secret, token)
        .map_err(|e| refuse(ErrorCode::BadToken, format!("{e}; ask for a new token")))?;
    if claims.app != app.app_key || claims.account != account.as_str() {
        return Err(refuse(
            ErrorCode::BadToken,
            format!("this token was issued for another account than `{account}`"),
        ));
    }
    if shared.clock.now_ms() >= claims.exp {
        return Err(refuse(
            ErrorCode::TokenExpired,
            "the login token has expired; ask for a new one",
        ));
    }
    let found = store
        .account(app_key, &account)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            refuse(
                ErrorCode::UnknownAccount,
                format!("no account `{account}` in app `{app_key}`"),
            )
        })?;
    let revoked = claims.iat < found.tokens_valid_after_ms
        || store
            .is_token_revoked(app_key, &claims.jti)
            .await
            .map_err(internal)?;
    if revoked {
        return Err(refuse(
            ErrorCode::TokenRevoked,
            "the login token was revoked; ask for a new one",
        ));
    }
    let hub = shared
        .hubs
        .get(&app)
        .await
        .map_err(hub_unavailable)?
        .ok_or_else(|| refuse(ErrorCode::Internal, "the server is shutting down"))?;
    Ok(LoggedIn {
        app,
        hub,
        key: DeviceKey::new(account, device),
        nick: found.nick,
        call_waiting: false,
        expires_at_ms: claims.exp,
        token_id: claims.jti,
        issued_at_ms: claims.iat,
    })
}
