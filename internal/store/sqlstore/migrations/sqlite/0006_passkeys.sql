-- Bulwark schema, version 6 (SQLite): passkeys (internal/passkey,
-- docs/identity-passkeys.md). Times are Unix milliseconds (UTC); 0 is "not
-- yet" where a column allows it. Flags are 0 or 1, as users.disabled.
-- Registered passkeys. transports is a JSON array of strings (the
-- authenticator's hints, as the client reported them). The keys are NOT
-- NULL because SQLite would otherwise accept NULL in a primary key.
CREATE TABLE passkey_credentials (
    id                 BLOB NOT NULL PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    public_key         BLOB NOT NULL,
    attestation_type   TEXT NOT NULL,
    attestation_format TEXT NOT NULL,
    aaguid             BLOB NOT NULL,
    transports         TEXT NOT NULL,
    sign_count         INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    user_verified      INTEGER NOT NULL CHECK (user_verified IN (0, 1)),
    backup_eligible    INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
    backup_state       INTEGER NOT NULL CHECK (backup_state IN (0, 1)),
    clone_warning      INTEGER NOT NULL DEFAULT 0 CHECK (clone_warning IN (0, 1)),
    created_at         INTEGER NOT NULL,
    last_used_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX passkey_credentials_user ON passkey_credentials(user_id, created_at);
-- Ceremonies between begin and finish, each taken once. user_id is '' for
-- a discoverable login; data is the WebAuthn library's session data (JSON).
CREATE TABLE passkey_ceremonies (
    id         TEXT NOT NULL PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies(expires_at);
