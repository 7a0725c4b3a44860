DELETE FROM one_time_tokens WHERE purpose = 'restore_account';
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'change_email', 'reset_password', 'confirm_sign_in'));
DROP INDEX users_purge_after;
ALTER TABLE users DROP COLUMN purge_after;
ALTER TABLE users DROP COLUMN deletion_requested_at;
