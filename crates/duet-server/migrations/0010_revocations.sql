-- Every revocation in order, so that a running server can end the sessions a revocation
-- covers: `duet-server user revoke` runs in another process, and the server polls this table
-- for ids above the last one it saw. An id, not a time, orders them, so clocks cannot skip one.
CREATE TABLE revocations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    app_key          TEXT NOT NULL,
    account          TEXT NOT NULL,
    -- One token (its id), or every token issued before `issued_before_ms`.
    token_id         TEXT,
    issued_before_ms BIGINT,
    created_at_ms    BIGINT NOT NULL
);
