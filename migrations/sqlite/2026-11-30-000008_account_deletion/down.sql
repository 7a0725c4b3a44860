DELETE FROM one_time_tokens WHERE purpose = 'restore_account';
CREATE TABLE one_time_tokens_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'change_email', 'reset_password', 'confirm_sign_in')),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
INSERT INTO one_time_tokens_old (id, token_hash, purpose, user_id, email, created_at, expires_at, used_at)
    SELECT id, token_hash, purpose, user_id, email, created_at, expires_at, used_at FROM one_time_tokens;
DROP TABLE one_time_tokens;
ALTER TABLE one_time_tokens_old RENAME TO one_time_tokens;
CREATE INDEX one_time_tokens_user_purpose ON one_time_tokens (user_id, purpose);
DROP INDEX users_purge_after;
ALTER TABLE users DROP COLUMN purge_after;
ALTER TABLE users DROP COLUMN deletion_requested_at;
