-- Duet signaling server schema. Plain SQL kept close to what PostgreSQL also accepts.

-- Tenants: every account, call and record belongs to one app (appKey).
CREATE TABLE apps (
    app_key       TEXT PRIMARY KEY NOT NULL,
    -- HMAC-SHA256 key that signs the app's login tokens; also seeds its per-call tokens.
    secret        TEXT NOT NULL,
    safe_mode     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE accounts (
    app_key               TEXT NOT NULL REFERENCES apps (app_key),
    account               TEXT NOT NULL,
    nick                  TEXT NOT NULL,
    -- Login tokens issued before this moment are revoked (`user revoke`).
    tokens_valid_after_ms BIGINT NOT NULL DEFAULT 0,
    created_at_ms         BIGINT NOT NULL,
    PRIMARY KEY (app_key, account)
);

-- Single revoked tokens, kept until they would have expired anyway.
CREATE TABLE revoked_tokens (
    app_key       TEXT NOT NULL,
    token_id      TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, token_id)
);

-- One-directional: `owner` sees `contact` in its list and watches its presence.
CREATE TABLE contacts (
    app_key       TEXT NOT NULL,
    owner         TEXT NOT NULL,
    contact       TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, owner, contact)
);

-- Exactly one row per placed call; `id` orders history pages (newest first).
CREATE TABLE records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    app_key        TEXT NOT NULL,
    call_id        TEXT NOT NULL,
    from_account   TEXT NOT NULL,
    to_account     TEXT NOT NULL,
    call_type      SMALLINT NOT NULL,
    status         SMALLINT NOT NULL,
    reason         TEXT NOT NULL,
    started_at_ms  BIGINT NOT NULL,
    answered_at_ms BIGINT,
    ended_at_ms    BIGINT NOT NULL,
    duration_ms    BIGINT NOT NULL,
    UNIQUE (app_key, call_id)
);
CREATE INDEX records_by_caller ON records (app_key, from_account, id);
CREATE INDEX records_by_callee ON records (app_key, to_account, id);

-- Live calls (ringing or answered) as the switchboard's JSON, restored after a restart.
CREATE TABLE active_calls (
    app_key       TEXT NOT NULL,
    call_id       TEXT NOT NULL,
    state         TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, call_id)
);
