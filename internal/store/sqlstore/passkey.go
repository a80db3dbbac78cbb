package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/store"
)

var _ passkey.Store = (*DB)(nil)

// CreateCredential implements passkey.CredentialStore. A taken id is
// store.ErrConflict, whoever holds it; how many passkeys a user may hold
// is the service's to decide, not the store's.
func (s *DB) CreateCredential(ctx context.Context, c passkey.Credential) error {
	transports, err := encodeTransports(c.Transports)
	if err != nil {
		return fmt.Errorf("passkey create credential: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO passkey_credentials (id, user_id, name, public_key, attestation_type, attestation_format, aaguid,
	transports, sign_count, user_verified, backup_eligible, backup_state, clone_warning, created_at, last_used_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.UserID, c.Name, nonNil(c.PublicKey), c.AttestationType, c.AttestationFormat, nonNil(c.AAGUID),
		transports, int64(c.SignCount), boolInt(c.UserVerified), boolInt(c.BackupEligible), boolInt(c.BackupState),
		boolInt(c.CloneWarning), ms(c.CreatedAt), ms(c.LastUsedAt))
	if isConflict(err) {
		return fmt.Errorf("passkey create credential: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("passkey create credential: %w", err)
	}
	return nil
}

const passkeyCredentialCols = `id, user_id, name, public_key, attestation_type, attestation_format, aaguid,
	transports, sign_count, user_verified, backup_eligible, backup_state, clone_warning, created_at, last_used_at`

func scanPasskeyCredential(row interface{ Scan(...any) error }) (passkey.Credential, error) {
	var c passkey.Credential
	var transports string
	var signCount, uv, be, bs, clone, created, lastUsed int64
	if err := row.Scan(&c.ID, &c.UserID, &c.Name, &c.PublicKey, &c.AttestationType, &c.AttestationFormat, &c.AAGUID,
		&transports, &signCount, &uv, &be, &bs, &clone, &created, &lastUsed); err != nil {
		return passkey.Credential{}, notFound(err)
	}
	tr, err := decodeTransports(transports)
	if err != nil {
		return passkey.Credential{}, err
	}
	c.Transports = tr
	c.SignCount = uint32(signCount) // the schema keeps it within uint32
	c.UserVerified, c.BackupEligible, c.BackupState, c.CloneWarning = uv != 0, be != 0, bs != 0, clone != 0
	c.CreatedAt, c.LastUsedAt = fromMS(created), fromMS(lastUsed)
	return c, nil
}

// Credential implements passkey.CredentialStore.
func (s *DB) Credential(ctx context.Context, id []byte) (passkey.Credential, error) {
	c, err := scanPasskeyCredential(s.queryRow(ctx, `SELECT `+passkeyCredentialCols+` FROM passkey_credentials WHERE id = ?`, id))
	if err != nil {
		return passkey.Credential{}, fmt.Errorf("passkey credential: %w", err)
	}
	return c, nil
}

// Credentials implements passkey.CredentialStore: oldest first, ties in id
// order (bytewise in both dialects, as Memory sorts them).
func (s *DB) Credentials(ctx context.Context, userID string) ([]passkey.Credential, error) {
	rows, err := s.query(ctx, `SELECT `+passkeyCredentialCols+` FROM passkey_credentials WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("passkey credentials: %w", err)
	}
	defer rows.Close()
	var out []passkey.Credential
	for rows.Next() {
		c, err := scanPasskeyCredential(rows)
		if err != nil {
			return nil, fmt.Errorf("passkey credentials: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("passkey credentials: %w", err)
	}
	return out, nil
}

// RenameCredential implements passkey.CredentialStore.
func (s *DB) RenameCredential(ctx context.Context, userID string, id []byte, name string) error {
	if err := affected(s.exec(ctx, `UPDATE passkey_credentials SET name = ? WHERE id = ? AND user_id = ?`, name, id, userID)); err != nil {
		return fmt.Errorf("passkey rename credential: %w", err)
	}
	return nil
}

// DeleteCredential implements passkey.CredentialStore.
func (s *DB) DeleteCredential(ctx context.Context, userID string, id []byte) error {
	if err := affected(s.exec(ctx, `DELETE FROM passkey_credentials WHERE id = ? AND user_id = ?`, id, userID)); err != nil {
		return fmt.Errorf("passkey delete credential: %w", err)
	}
	return nil
}

// RecordUse implements passkey.CredentialStore: a compare-and-set on the
// signature counter. When no row was updated, a second query tells a
// missing credential (store.ErrNotFound) from a counter that moved on
// (false); it only classifies the failure, the update alone decides.
func (s *DB) RecordUse(ctx context.Context, id []byte, prevCount, signCount uint32, backupState bool, at time.Time) (bool, error) {
	res, err := s.exec(ctx, `UPDATE passkey_credentials SET sign_count = ?, backup_state = ?, last_used_at = ? WHERE id = ? AND sign_count = ?`,
		int64(signCount), boolInt(backupState), ms(at), id, int64(prevCount))
	if err != nil {
		return false, fmt.Errorf("passkey record use: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("passkey record use: %w", err)
	}
	if n == 1 {
		return true, nil
	}
	var one int
	if err := s.queryRow(ctx, `SELECT 1 FROM passkey_credentials WHERE id = ?`, id).Scan(&one); err != nil {
		return false, fmt.Errorf("passkey record use: %w", notFound(err))
	}
	return false, nil
}

// FlagClone implements passkey.CredentialStore.
func (s *DB) FlagClone(ctx context.Context, id []byte) error {
	if err := affected(s.exec(ctx, `UPDATE passkey_credentials SET clone_warning = 1 WHERE id = ?`, id)); err != nil {
		return fmt.Errorf("passkey flag clone: %w", err)
	}
	return nil
}

// PutCeremony implements passkey.CeremonyStore. Unlike passkey.Memory it
// sets no bound on the ceremonies held: the sweep keeps the table small.
func (s *DB) PutCeremony(ctx context.Context, c passkey.Ceremony) error {
	_, err := s.exec(ctx, `INSERT INTO passkey_ceremonies (id, kind, user_id, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.Kind, c.UserID, nonNil(c.Data), ms(c.CreatedAt), ms(c.ExpiresAt))
	if isConflict(err) {
		return fmt.Errorf("passkey put ceremony: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("passkey put ceremony: %w", err)
	}
	return nil
}

// TakeCeremony implements passkey.CeremonyStore: one DELETE … RETURNING,
// so of concurrent takes only the one that deletes the row gets it.
func (s *DB) TakeCeremony(ctx context.Context, id string) (passkey.Ceremony, error) {
	var c passkey.Ceremony
	var created, expires int64
	err := s.queryRow(ctx, `DELETE FROM passkey_ceremonies WHERE id = ? RETURNING id, kind, user_id, data, created_at, expires_at`, id).
		Scan(&c.ID, &c.Kind, &c.UserID, &c.Data, &created, &expires)
	if err != nil {
		return passkey.Ceremony{}, fmt.Errorf("passkey take ceremony: %w", notFound(err))
	}
	c.CreatedAt, c.ExpiresAt = fromMS(created), fromMS(expires)
	return c, nil
}

// DeleteExpiredCeremonies implements passkey.CeremonyStore.
func (s *DB) DeleteExpiredCeremonies(ctx context.Context, now time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM passkey_ceremonies WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("passkey delete expired ceremonies: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("passkey delete expired ceremonies: %w", err)
	}
	return int(n), nil
}

// encodeTransports stores a credential's transports as a JSON array, so
// that any string the client reported survives the round trip.
func encodeTransports(tr []string) (string, error) {
	if len(tr) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(tr)
	if err != nil {
		return "", fmt.Errorf("transports: %w", err)
	}
	return string(b), nil
}

// decodeTransports reads what encodeTransports wrote; none is nil.
func decodeTransports(s string) ([]string, error) {
	var tr []string
	if err := json.Unmarshal([]byte(s), &tr); err != nil {
		return nil, fmt.Errorf("transports: %w", err)
	}
	if len(tr) == 0 {
		return nil, nil
	}
	return tr, nil
}

// nonNil returns b, or an empty slice for nil: drivers bind a nil []byte
// as NULL, which the NOT NULL byte columns refuse.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
