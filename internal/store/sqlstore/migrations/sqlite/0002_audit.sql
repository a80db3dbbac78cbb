-- Bulwark schema, version 2 (SQLite): the audit log (internal/audit,
-- docs/audit.md). Times are Unix milliseconds (UTC).
-- Development databases created before this version may hold placeholder
-- audit tables that nothing ever wrote; they are replaced.
DROP TABLE IF EXISTS audit_records;
DROP TABLE IF EXISTS audit_checkpoints;
-- One row per record of the hash chain. event is the JSON exactly as
-- hashed; hash = SHA-256 over (seq, prev_hash, event). time, app, user_id,
-- decision and request_id copy the event's fields for queries.
CREATE TABLE audit_records (
    seq        INTEGER PRIMARY KEY,
    time       INTEGER NOT NULL,
    app        TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    decision   TEXT NOT NULL,
    request_id TEXT NOT NULL,
    event      TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
CREATE INDEX audit_records_time ON audit_records(time);
CREATE INDEX audit_records_app ON audit_records(app, time);
CREATE INDEX audit_records_user ON audit_records(user_id, time);
CREATE INDEX audit_records_decision ON audit_records(decision, time);
CREATE INDEX audit_records_request ON audit_records(request_id);
-- Signed statements that the record at seq has hash.
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      BLOB NOT NULL,
    time      INTEGER NOT NULL,
    key_id    TEXT NOT NULL,
    signature BLOB NOT NULL
);
-- Checkpoint signing keys: the Ed25519 public key and the private key
-- sealed under the master key (aad "audit-key:<id>").
CREATE TABLE audit_keys (
    id         TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    sealed     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
