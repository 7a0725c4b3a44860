-- What happened to an account's security (sign-ins, failures, lockouts, password and address
-- changes, team actions), written in the same transaction as the change it records, shown to
-- the account's owner and purged after CUENTAS_SECURITY_EVENTS_DAYS. Never a secret.
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Someone else who acted on the account (the admin of a vendedor); NULL for the owner.
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    client_address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- A small JSON object (at most a few hundred characters).
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_user ON security_events (user_id, created_at);
CREATE INDEX security_events_created ON security_events (created_at);
