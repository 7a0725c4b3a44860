-- A temporary password (set by an admin for a vendedor) stops working at this time; NULL when
-- the password is the user's own.
ALTER TABLE users ADD COLUMN temp_password_expires_at TIMESTAMP;

-- One row per admin, created the first time their profile page is shown.
CREATE TABLE invoice_settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    admin_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    company_name TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    custom_message TEXT NOT NULL DEFAULT '',
    show_address BOOLEAN NOT NULL DEFAULT 1,
    show_phone BOOLEAN NOT NULL DEFAULT 1,
    show_email BOOLEAN NOT NULL DEFAULT 1,
    show_message BOOLEAN NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
