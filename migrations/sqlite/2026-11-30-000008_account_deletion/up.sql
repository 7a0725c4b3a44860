-- Deleting an account: the owner (or an admin, for a vendedor) marks it; it can be restored
-- until purge_after, and the purge removes it (and, for an admin, the team) after that.
ALTER TABLE users ADD COLUMN deletion_requested_at TIMESTAMP;
ALTER TABLE users ADD COLUMN purge_after TIMESTAMP;
-- The purge looks for accounts whose time has come; almost every row is NULL.
CREATE INDEX users_purge_after ON users (purge_after);

-- A new link purpose: restoring an account pending deletion. SQLite cannot change a CHECK, so
-- the table is rebuilt with the same columns.
CREATE TABLE one_time_tokens_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'change_email', 'reset_password', 'confirm_sign_in', 'restore_account')),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The address the link was sent to: the one to verify, the new one, or the one reset from.
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- Set when the link is used or voided (a newer link, a password or email change).
    used_at TIMESTAMP
);
INSERT INTO one_time_tokens_new (id, token_hash, purpose, user_id, email, created_at, expires_at, used_at)
    SELECT id, token_hash, purpose, user_id, email, created_at, expires_at, used_at FROM one_time_tokens;
DROP TABLE one_time_tokens;
ALTER TABLE one_time_tokens_new RENAME TO one_time_tokens;
CREATE INDEX one_time_tokens_user_purpose ON one_time_tokens (user_id, purpose);
