-- Accounts people create themselves: a per-app policy, password hashes and invite codes.

-- `closed` (only the operator adds accounts), `invite` (with a code) or `open`.
ALTER TABLE apps ADD COLUMN registration TEXT NOT NULL DEFAULT 'closed';

-- An argon2id PHC string; NULL: the account logs in with tokens only.
ALTER TABLE accounts ADD COLUMN password_hash TEXT;

-- Invite codes, stored as SHA-256 hashes (the code itself is shown once, to the operator).
CREATE TABLE invites (
    app_key       TEXT NOT NULL REFERENCES apps (app_key),
    code_hash     TEXT NOT NULL,
    uses_left     BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (app_key, code_hash)
);
