-- TOTP MFA and recovery codes (package mfa). Times are Unix milliseconds
-- (UTC); 0 is "not yet" where a column allows it.
-- One TOTP enrollment per user, pending until proven by a code.
CREATE TABLE mfa_totp (
    user_id       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    algorithm     TEXT NOT NULL,
    digits        INTEGER NOT NULL,
    period_ms     INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'active')),
    created_at    INTEGER NOT NULL,
    activated_at  INTEGER NOT NULL DEFAULT 0
);
-- The last accepted TOTP time step of each user, so no code is accepted
-- twice. Kept when an enrollment is removed: steps only move forward.
CREATE TABLE mfa_last_step (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    step    INTEGER NOT NULL
);
-- SHA-256 hashes of the user's recovery codes; used_at is NULL while the
-- code is unused.
CREATE TABLE mfa_recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, hash)
);
