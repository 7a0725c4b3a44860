ALTER TABLE user_sessions DROP COLUMN reauth_pass_at;
DROP INDEX user_sessions_public_id;
ALTER TABLE user_sessions DROP COLUMN remember_until;
ALTER TABLE user_sessions DROP COLUMN authenticated_at;
ALTER TABLE user_sessions DROP COLUMN public_id;
