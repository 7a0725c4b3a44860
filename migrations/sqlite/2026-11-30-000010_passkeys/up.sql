-- Passkeys (WebAuthn credentials). `credential_id` is the base64url id the authenticator
-- chose, unique across every account; `passkey` is webauthn-rs's serialized credential (the
-- public key and its counter: no secret); `user_handle` is the random id the authenticator
-- keeps for the account (the same for all of an account's passkeys), which a passwordless
-- sign-in sends back.
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    user_handle TEXT NOT NULL,
    passkey TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A WebAuthn ceremony in progress (adding a passkey, signing in with one): the server's half,
-- never the client's. Only a SHA-256 of its id is stored; the id itself is in the encrypted
-- session cookie of the browser that started it. Single use (deleted when finished) and
-- short-lived (`expires_at`).
CREATE TABLE passkey_ceremonies (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
