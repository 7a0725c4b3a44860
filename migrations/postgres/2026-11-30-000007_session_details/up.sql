-- What the security centre shows and re-authentication needs of a session:
-- a public id (the row id is the secret the cookie carries and never appears in a page),
-- when the password was last typed in it, for "recordarme" when it ends, and an unspent
-- re-authentication (one sensitive action may use it, see accounts::sessions).
ALTER TABLE user_sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE user_sessions SET public_id = md5(random()::text || id);
CREATE UNIQUE INDEX user_sessions_public_id ON user_sessions (public_id);
ALTER TABLE user_sessions ADD COLUMN authenticated_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE user_sessions SET authenticated_at = created_at;
ALTER TABLE user_sessions ADD COLUMN remember_until TIMESTAMP;
ALTER TABLE user_sessions ADD COLUMN reauth_pass_at TIMESTAMP;
