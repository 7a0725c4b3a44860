DROP TABLE login_failures;
DROP TABLE user_sessions;
DROP TABLE users;
