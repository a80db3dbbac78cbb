package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/store"
)

var _ identity.Store = (*DB)(nil)

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// CreateUser implements identity.Store.
func (s *DB) CreateUser(ctx context.Context, u identity.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (id, username, password_hash, role, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.PasswordHash, u.Role, boolInt(u.Disabled), ms(u.CreatedAt))
	if isConflict(err) {
		return fmt.Errorf("user %q: %w", u.Username, store.ErrConflict)
	}
	return err
}

const userCols = `id, username, password_hash, role, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (identity.User, error) {
	var u identity.User
	var disabled, created int64
	if err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.Role, &disabled, &created); err != nil {
		return identity.User{}, notFound(err)
	}
	u.Disabled, u.CreatedAt = disabled != 0, fromMS(created)
	return u, nil
}

// UserByName implements identity.Store.
func (s *DB) UserByName(ctx context.Context, username string) (identity.User, error) {
	return scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, username))
}

// UserByID implements identity.Store.
func (s *DB) UserByID(ctx context.Context, id string) (identity.User, error) {
	return scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// ListUsers implements identity.Store.
func (s *DB) ListUsers(ctx context.Context) ([]identity.User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetUserPassword implements identity.Store.
func (s *DB) SetUserPassword(ctx context.Context, id, hash string) error {
	return affected(s.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id))
}

// SetUserDisabled disables or enables a user.
func (s *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	return affected(s.exec(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, boolInt(disabled), id))
}

func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateSession implements identity.Store.
func (s *DB) CreateSession(ctx context.Context, se identity.Session) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (id, user_id, app_id, device_id, created_at, revoked_at, revoked_reason, dpop_jkt, amr, auth_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		se.ID, se.UserID, se.AppID, se.DeviceID, ms(se.CreatedAt), ms(se.RevokedAt), se.RevokedReason, se.DPoPJKT, strings.Join(se.AMR, " "), ms(se.AuthTime))
	if isConflict(err) {
		return store.ErrConflict
	}
	return err
}

const sessionCols = `id, user_id, app_id, device_id, created_at, revoked_at, revoked_reason, dpop_jkt, amr, auth_time`

func scanSession(row interface{ Scan(...any) error }) (identity.Session, error) {
	var se identity.Session
	var created, revoked, authTime int64
	var amr string
	if err := row.Scan(&se.ID, &se.UserID, &se.AppID, &se.DeviceID, &created, &revoked, &se.RevokedReason, &se.DPoPJKT, &amr, &authTime); err != nil {
		return identity.Session{}, notFound(err)
	}
	se.CreatedAt, se.RevokedAt, se.AuthTime, se.AMR = fromMS(created), fromMS(revoked), fromMS(authTime), strings.Fields(amr)
	return se, nil
}

// Session implements identity.Store.
func (s *DB) Session(ctx context.Context, id string) (identity.Session, error) {
	return scanSession(s.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
}

// ListSessions implements identity.Store.
func (s *DB) ListSessions(ctx context.Context, userID string) ([]identity.Session, error) {
	rows, err := s.query(ctx, `SELECT `+sessionCols+` FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Session
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, rows.Err()
}

// RevokeSession implements identity.Store. Revoking twice keeps the first
// time and reason.
func (s *DB) RevokeSession(ctx context.Context, id, reason string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at = 0`, ms(at), reason, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Session(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// RevokeUserSessions implements identity.Store.
func (s *DB) RevokeUserSessions(ctx context.Context, userID, reason string, at time.Time) ([]string, error) {
	rows, err := s.query(ctx, `SELECT id FROM sessions WHERE user_id = ? AND revoked_at = 0`, userID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_, err = s.exec(ctx, `UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at = 0`, ms(at), reason, userID)
	return ids, err
}

// SessionsRevokedSince implements identity.Store.
func (s *DB) SessionsRevokedSince(ctx context.Context, since time.Time) ([]string, error) {
	rows, err := s.query(ctx, `SELECT id FROM sessions WHERE revoked_at >= ?`, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// InsertRefreshToken implements identity.Store.
func (s *DB) InsertRefreshToken(ctx context.Context, t identity.RefreshToken) error {
	_, err := s.exec(ctx, `INSERT INTO refresh_tokens (id, session_id, hash, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, t.SessionID, t.Hash, ms(t.CreatedAt), ms(t.ExpiresAt), ms(t.UsedAt))
	if isConflict(err) {
		return store.ErrConflict
	}
	return err
}

// RefreshTokenByHash implements identity.Store.
func (s *DB) RefreshTokenByHash(ctx context.Context, hash []byte) (identity.RefreshToken, error) {
	var t identity.RefreshToken
	var created, expires, used int64
	err := s.queryRow(ctx, `SELECT id, session_id, hash, created_at, expires_at, used_at FROM refresh_tokens WHERE hash = ?`, hash).
		Scan(&t.ID, &t.SessionID, &t.Hash, &created, &expires, &used)
	if err != nil {
		return identity.RefreshToken{}, notFound(err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return t, nil
}

// UseRefreshToken implements identity.Store: a compare-and-set on used_at.
func (s *DB) UseRefreshToken(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.exec(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at = 0`, ms(at), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SigningKeys implements identity.KeyStore.
func (s *DB) SigningKeys(ctx context.Context) ([]identity.SigningKey, error) {
	rows, err := s.query(ctx, `SELECT id, alg, sealed, created_at FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.SigningKey
	for rows.Next() {
		var k identity.SigningKey
		var created int64
		if err := rows.Scan(&k.ID, &k.Alg, &k.Sealed, &created); err != nil {
			return nil, err
		}
		k.CreatedAt = fromMS(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// InsertSigningKey implements identity.KeyStore.
func (s *DB) InsertSigningKey(ctx context.Context, k identity.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (id, alg, sealed, created_at) VALUES (?, ?, ?, ?)`, k.ID, k.Alg, k.Sealed, ms(k.CreatedAt))
	if isConflict(err) {
		return store.ErrConflict
	}
	return err
}
