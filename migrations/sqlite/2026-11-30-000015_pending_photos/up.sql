-- A photo chosen in a profile form that had another error: already processed (the stored
-- JPEG), kept for the session that chose it until the next valid save stores it, it is
-- discarded or replaced (one per session), or 30 minutes pass.
CREATE TABLE pending_photos (
    session_id TEXT PRIMARY KEY NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    jpeg BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pending_photos_created ON pending_photos (created_at);
