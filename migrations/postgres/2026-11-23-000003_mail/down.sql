DROP INDEX login_failures_scope_key;
ALTER TABLE login_failures DROP COLUMN scope;
DROP TABLE mail_outbox;
DROP TABLE one_time_tokens;
