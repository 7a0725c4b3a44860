DROP TABLE invoice_settings;
ALTER TABLE users DROP COLUMN temp_password_expires_at;
