-- Two-step sign-in. An account's authenticator app: its TOTP secret, encrypted (AES-256-GCM,
-- key derived from CUENTAS_SECRET_KEY), and the last time step a code was accepted for, so a
-- code is never accepted twice. A row exists only for a confirmed secret.
CREATE TABLE totp_secrets (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    last_step BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Single-use recovery codes: only a SHA-256 of each (they are 80 random bits) is stored.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- An admin's rules for their team: whether every vendedor must set up two-step sign-in.
CREATE TABLE team_settings (
    admin_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    require_two_step BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
