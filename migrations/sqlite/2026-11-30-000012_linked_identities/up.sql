-- Accounts at an OpenID Connect provider (Google by default) linked to a local account. The
-- identity is the pair (issuer, subject); the email the provider gave is kept only to show it.
CREATE TABLE linked_identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX linked_identities_user ON linked_identities (user_id);

-- The provider's picture, fetched and run through the photo pipeline into its own file.
ALTER TABLE users ADD COLUMN google_photo_path TEXT;
