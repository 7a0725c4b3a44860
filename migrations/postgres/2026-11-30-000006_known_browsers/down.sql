DROP TABLE known_browsers;
DELETE FROM one_time_tokens WHERE purpose = 'confirm_sign_in';
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'change_email', 'reset_password'));
