-- The reader's region (ISO 3166, such as MX), chosen on the profile: with the language it makes
-- the locale dates and amounts are written in. NULL: taken from the time zone.
ALTER TABLE users ADD COLUMN region TEXT;
