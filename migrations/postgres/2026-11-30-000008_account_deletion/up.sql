-- Deleting an account: the owner (or an admin, for a vendedor) marks it; it can be restored
-- until purge_after, and the purge removes it (and, for an admin, the team) after that.
ALTER TABLE users ADD COLUMN deletion_requested_at TIMESTAMP;
ALTER TABLE users ADD COLUMN purge_after TIMESTAMP;
-- The purge looks for accounts whose time has come; almost every row is NULL.
CREATE INDEX users_purge_after ON users (purge_after);

-- A new link purpose: restoring an account pending deletion.
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'change_email', 'reset_password', 'confirm_sign_in', 'restore_account'));
