-- The table counted more than failed logins (mail requests and sign-ups too): it is the
-- throttles' ledger now. It only ever held short-lived counters, so it starts empty.
DROP TABLE login_failures;
CREATE TABLE throttle_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- Which gate counted the attempt: login, mail, signup.
    scope TEXT NOT NULL,
    -- SHA-256 of what the attempt was about (a typed login, an address), never the value.
    subject_key TEXT NOT NULL,
    -- The client as the throttles count it (an IPv4 address or an IPv6 /64).
    client TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_attempts_client ON throttle_attempts (scope, client, attempted_at);
CREATE INDEX throttle_attempts_subject ON throttle_attempts (scope, subject_key, attempted_at);
