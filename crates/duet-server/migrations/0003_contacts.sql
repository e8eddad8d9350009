-- Contact requests, blocks and the per-app contact policy.

-- `mutual` (a contact needs the other side's yes) or `open` (one-way, as before).
ALTER TABLE apps ADD COLUMN contacts TEXT NOT NULL DEFAULT 'mutual';

-- What `owner` did toward `contact`: `accepted` (has it as a contact), `requested` (asked, no
-- answer yet), `ignored` (asked, and `contact` ignored it) or `blocked`. A mutual contact is a
-- pair of `accepted` rows. Rows from before this migration were one-way contacts and stay
-- `accepted`: under `open` nothing changes, under `mutual` a one-way row shows as a request.
ALTER TABLE contacts ADD COLUMN state TEXT NOT NULL DEFAULT 'accepted';

-- Who has `contact` on their side: incoming requests, and blocks met by directory searches.
CREATE INDEX contacts_by_contact ON contacts (app_key, contact, owner);

-- A call refused because the callee blocked the caller: kept in the caller's history (a busy
-- call like any other) but never in the callee's.
ALTER TABLE records ADD COLUMN hidden_from_callee BOOLEAN NOT NULL DEFAULT FALSE;
