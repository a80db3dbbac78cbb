-- How a session's user authenticated, kept so that refreshed tokens carry
-- it unchanged: the amr values (RFC 8176, space-separated) and auth_time
-- (Unix milliseconds) of the login.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN auth_time BIGINT NOT NULL DEFAULT 0;
