DROP TABLE throttle_attempts;
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    login_key TEXT NOT NULL,
    ip TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL,
    scope TEXT NOT NULL DEFAULT 'login'
);
CREATE INDEX login_failures_ip ON login_failures (ip, failed_at);
CREATE INDEX login_failures_login_ip ON login_failures (login_key, ip, failed_at);
CREATE INDEX login_failures_scope_key ON login_failures (scope, login_key, failed_at);
