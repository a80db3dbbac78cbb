-- Bulwark schema, version 6 (PostgreSQL): passkeys (internal/passkey,
-- docs/identity-passkeys.md). Times are Unix milliseconds (UTC); 0 is "not
-- yet" where a column allows it. Flags are 0 or 1, as users.disabled.
-- Registered passkeys. transports is a JSON array of strings (the
-- authenticator's hints, as the client reported them).
CREATE TABLE passkey_credentials (
    id                 BYTEA PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    public_key         BYTEA NOT NULL,
    attestation_type   TEXT NOT NULL,
    attestation_format TEXT NOT NULL,
    aaguid             BYTEA NOT NULL,
    transports         TEXT NOT NULL,
    sign_count         BIGINT NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    user_verified      SMALLINT NOT NULL CHECK (user_verified IN (0, 1)),
    backup_eligible    SMALLINT NOT NULL CHECK (backup_eligible IN (0, 1)),
    backup_state       SMALLINT NOT NULL CHECK (backup_state IN (0, 1)),
    clone_warning      SMALLINT NOT NULL DEFAULT 0 CHECK (clone_warning IN (0, 1)),
    created_at         BIGINT NOT NULL,
    last_used_at       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX passkey_credentials_user ON passkey_credentials(user_id, created_at);
-- Ceremonies between begin and finish, each taken once. user_id is '' for
-- a discoverable login; data is the WebAuthn library's session data (JSON).
CREATE TABLE passkey_ceremonies (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    data       BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies(expires_at);
