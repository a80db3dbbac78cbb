-- Sessions bound to a DPoP key (RFC 9449): the JWK SHA-256 thumbprint of the
-- key the session's tokens are bound to; empty for bearer sessions.
ALTER TABLE sessions ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
