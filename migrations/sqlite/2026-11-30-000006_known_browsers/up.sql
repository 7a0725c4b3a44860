-- Browsers that signed in to an account: the long-lived "known browser" cookie holds a random
-- id, and only its SHA-256 is stored here. While an account is under distributed password
-- guessing, a correct password is enough only from a browser listed for that account.
CREATE TABLE known_browsers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    browser_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, browser_hash)
);

-- A new link purpose: confirming a sign-in by mail. SQLite cannot change a CHECK, so the table
-- is rebuilt with the same columns.
CREATE TABLE one_time_tokens_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'change_email', 'reset_password', 'confirm_sign_in')),
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
