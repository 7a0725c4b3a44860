DROP TABLE team_settings;
DROP TABLE recovery_codes;
DROP TABLE totp_secrets;
