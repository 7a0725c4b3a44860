-- One-time links (email verification, email change, password reset). Only a SHA-256 of the
-- token is stored; the token itself lives only in the mail and the user's address bar.
CREATE TABLE one_time_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'change_email', 'reset_password')),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The address the link was sent to: the one to verify, the new one, or the one reset from.
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- Set when the link is used or voided (a newer link, a password or email change).
    used_at TIMESTAMP
);
CREATE INDEX one_time_tokens_user_purpose ON one_time_tokens (user_id, purpose);

-- The durable outbox: a mail is a row written in the same transaction as the change that
-- causes it; the worker sends it, retrying with backoff.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- The link in the mail, logged by the file transport; cleared with the bodies once sent.
    link TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);

-- The throttle table now serves several gates (login, mail requests, sign-up).
ALTER TABLE login_failures ADD COLUMN scope TEXT NOT NULL DEFAULT 'login';
CREATE INDEX login_failures_scope_key ON login_failures (scope, login_key, failed_at);
