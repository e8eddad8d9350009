-- Duet signaling server schema on PostgreSQL: the tables of migrations/ (SQLite) 0001 to 0010,
-- with the same names and meaning, in PostgreSQL's types. A change to one schema needs the same
-- change here, as the next migration of this directory.
--
-- Text that is ordered or searched is `COLLATE "C"`: byte order and ASCII-only lower(), as
-- SQLite's BINARY collation and lower() give, whatever locale the database was created with.

-- Tenants: every account, call and record belongs to one app (appKey).
CREATE TABLE apps (
    app_key       TEXT COLLATE "C" PRIMARY KEY,
    -- HMAC-SHA256 key that signs the app's login tokens; also seeds its per-call tokens.
    secret        TEXT NOT NULL,
    safe_mode     BOOLEAN NOT NULL DEFAULT TRUE,
    -- `closed` (only the operator adds accounts), `invite` (with a code) or `open`.
    registration  TEXT NOT NULL DEFAULT 'closed',
    -- `mutual` (a contact needs the other side's yes) or `open` (one-way).
    contacts      TEXT NOT NULL DEFAULT 'mutual',
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE accounts (
    app_key               TEXT COLLATE "C" NOT NULL REFERENCES apps (app_key),
    account               TEXT COLLATE "C" NOT NULL,
    nick                  TEXT COLLATE "C" NOT NULL,
    -- Login tokens issued before this moment are revoked (`user revoke`).
    tokens_valid_after_ms BIGINT NOT NULL DEFAULT 0,
    -- An argon2id PHC string; NULL: the account logs in with tokens only.
    password_hash         TEXT,
    created_at_ms         BIGINT NOT NULL,
    PRIMARY KEY (app_key, account)
);

-- Single revoked tokens, kept until they would have expired anyway.
CREATE TABLE revoked_tokens (
    app_key       TEXT COLLATE "C" NOT NULL,
    token_id      TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, token_id)
);

-- What `owner` did toward `contact`: `accepted` (has it as a contact), `requested` (asked, no
-- answer yet), `ignored` (asked, and `contact` ignored it) or `blocked`. A mutual contact is a
-- pair of `accepted` rows.
CREATE TABLE contacts (
    app_key       TEXT COLLATE "C" NOT NULL,
    owner         TEXT COLLATE "C" NOT NULL,
    contact       TEXT COLLATE "C" NOT NULL,
    state         TEXT NOT NULL DEFAULT 'accepted',
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, owner, contact)
);
-- Who has `contact` on their side: incoming requests, and blocks met by directory searches.
CREATE INDEX contacts_by_contact ON contacts (app_key, contact, owner);

-- Exactly one row per placed call (the unique key, with `ON CONFLICT DO NOTHING`); `id` orders
-- history pages (newest first).
CREATE TABLE records (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_key            TEXT COLLATE "C" NOT NULL,
    call_id            TEXT COLLATE "C" NOT NULL,
    from_account       TEXT COLLATE "C" NOT NULL,
    to_account         TEXT COLLATE "C" NOT NULL,
    call_type          SMALLINT NOT NULL,
    status             SMALLINT NOT NULL,
    reason             TEXT NOT NULL,
    started_at_ms      BIGINT NOT NULL,
    answered_at_ms     BIGINT,
    ended_at_ms        BIGINT NOT NULL,
    duration_ms        BIGINT NOT NULL,
    -- A call refused because the callee blocked the caller: in the caller's history only.
    hidden_from_callee BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (app_key, call_id)
);
CREATE INDEX records_by_caller ON records (app_key, from_account, id);
CREATE INDEX records_by_callee ON records (app_key, to_account, id);

-- Live calls (ringing or answered) as the switchboard's JSON, restored after a restart.
CREATE TABLE active_calls (
    app_key       TEXT COLLATE "C" NOT NULL,
    call_id       TEXT COLLATE "C" NOT NULL,
    state         TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, call_id)
);

-- Invite codes, stored as SHA-256 hashes (the code itself is shown once, to the operator).
CREATE TABLE invites (
    app_key       TEXT COLLATE "C" NOT NULL REFERENCES apps (app_key),
    code_hash     TEXT NOT NULL,
    uses_left     BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, code_hash)
);

-- Every revocation in order, so that a running server can end the sessions a revocation
-- covers: `duet-server user revoke` runs in another process, and the server polls this table
-- for ids above the last one it saw (the store locks the table while it inserts, so ids commit
-- in order).
CREATE TABLE revocations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_key          TEXT COLLATE "C" NOT NULL,
    account          TEXT COLLATE "C" NOT NULL,
    -- One token (its id), or every token issued before `issued_before_ms`.
    token_id         TEXT,
    issued_before_ms BIGINT,
    created_at_ms    BIGINT NOT NULL
);
