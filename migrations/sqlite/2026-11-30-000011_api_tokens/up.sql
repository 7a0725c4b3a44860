-- API tokens. Every token belongs to a `user_sessions` row (its family): a sign-in through
-- `POST /api/v1/auth/token` or a personal access token starts one, so each shows in the
-- security centre, ends there, and dies with the session epoch like any session. Only a
-- SHA-256 of each token is stored (tokens are 256 random bits; a slow hash adds nothing).
-- kind: 'access' (short-lived), 'refresh' (retired_at set once exchanged: presenting it again
-- revokes the family) or 'personal' (name, scopes, optional expiry, last use).
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    retired_at TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_session ON api_tokens (session_id);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
