ALTER TABLE users DROP COLUMN google_photo_path;
DROP TABLE linked_identities;
