package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/mfa"
)

var _ mfa.Store = (*DB)(nil)

// mfaRecoveryLockKey is the class of the PostgreSQL advisory locks (two-key
// form, the second key a hash of the user id) that serialize the writers of
// a user's recovery code set. The single-key locks 7410221 (migrations) and
// 7410222 (audit) are in another key space.
const mfaRecoveryLockKey = "7410223"

// recoveryInsertRows is the most recovery codes inserted by one statement
// (3 parameters each).
const recoveryInsertRows = 200

// SavePending implements mfa.EnrollmentStore: one upsert whose update only
// applies over a pending enrollment.
func (s *DB) SavePending(ctx context.Context, e mfa.Enrollment) error {
	res, err := s.exec(ctx, `INSERT INTO mfa_totp (user_id, id, sealed_secret, algorithm, digits, period_ms, state, created_at, activated_at)
VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, 0)
ON CONFLICT (user_id) DO UPDATE SET id = excluded.id, sealed_secret = excluded.sealed_secret, algorithm = excluded.algorithm,
	digits = excluded.digits, period_ms = excluded.period_ms, state = excluded.state, created_at = excluded.created_at, activated_at = 0
WHERE mfa_totp.state = 'pending'`,
		e.UserID, e.ID, e.Sealed, string(e.Algorithm), e.Digits, e.Period.Milliseconds(), ms(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("mfa save pending: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("mfa save pending: %w", err)
	}
	if n == 0 {
		return mfa.ErrAlreadyEnrolled
	}
	return nil
}

// Enrollment implements mfa.EnrollmentStore.
func (s *DB) Enrollment(ctx context.Context, userID string) (mfa.Enrollment, error) {
	var e mfa.Enrollment
	var alg, state string
	var periodMS, created, activated int64
	err := s.queryRow(ctx, `SELECT user_id, id, sealed_secret, algorithm, digits, period_ms, state, created_at, activated_at FROM mfa_totp WHERE user_id = ?`, userID).
		Scan(&e.UserID, &e.ID, &e.Sealed, &alg, &e.Digits, &periodMS, &state, &created, &activated)
	if errors.Is(err, sql.ErrNoRows) {
		return mfa.Enrollment{}, mfa.ErrNotFound
	}
	if err != nil {
		return mfa.Enrollment{}, fmt.Errorf("mfa enrollment: %w", err)
	}
	e.Algorithm, e.State = mfa.Algorithm(alg), mfa.State(state)
	e.Period = time.Duration(periodMS) * time.Millisecond
	e.CreatedAt, e.ActivatedAt = fromMS(created), fromMS(activated)
	return e, nil
}

// Activate implements mfa.EnrollmentStore: in one transaction, a
// compare-and-set of the enrollment from pending to active, then the
// replacement of the recovery codes.
func (s *DB) Activate(ctx context.Context, userID, id string, recovery [][]byte, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mfa activate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := s.lockRecovery(ctx, tx, userID); err != nil {
		return fmt.Errorf("mfa activate: lock: %w", err)
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE mfa_totp SET state = 'active', activated_at = ? WHERE user_id = ? AND id = ? AND state = 'pending'`),
		ms(at), userID, id)
	if err != nil {
		return fmt.Errorf("mfa activate: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("mfa activate: %w", err)
	}
	if n == 0 {
		return mfa.ErrNotFound
	}
	if err := s.replaceRecovery(ctx, tx, userID, recovery, at); err != nil {
		return fmt.Errorf("mfa activate: recovery codes: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mfa activate: commit: %w", err)
	}
	return nil
}

// DeleteEnrollment implements mfa.EnrollmentStore. It keeps the last
// accepted step and the recovery codes: those are the caller's to replace.
func (s *DB) DeleteEnrollment(ctx context.Context, userID string) error {
	if _, err := s.exec(ctx, `DELETE FROM mfa_totp WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("mfa delete enrollment: %w", err)
	}
	return nil
}

// AcceptStep implements mfa.StepStore: one upsert whose update only applies
// when step is later than the one stored, so a row is written (and true
// returned) exactly when the step is accepted.
func (s *DB) AcceptStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO mfa_last_step (user_id, step) VALUES (?, ?)
ON CONFLICT (user_id) DO UPDATE SET step = excluded.step WHERE mfa_last_step.step < excluded.step`, userID, step)
	if err != nil {
		return false, fmt.Errorf("mfa accept step: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mfa accept step: %w", err)
	}
	return n == 1, nil
}

// ReplaceRecoveryCodes implements mfa.RecoveryStore: the old set deleted and
// the new one inserted in one transaction.
func (s *DB) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mfa replace recovery codes: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := s.lockRecovery(ctx, tx, userID); err != nil {
		return fmt.Errorf("mfa replace recovery codes: lock: %w", err)
	}
	if err := s.replaceRecovery(ctx, tx, userID, hashes, at); err != nil {
		return fmt.Errorf("mfa replace recovery codes: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mfa replace recovery codes: commit: %w", err)
	}
	return nil
}

// lockRecovery makes tx the only writer of the user's recovery codes until
// it ends. On SQLite the transaction already excludes every other writer
// (BEGIN IMMEDIATE, the DSN's _txlock); on PostgreSQL two transactions
// deleting then inserting a set would otherwise both commit, leaving the
// union of their sets.
func (s *DB) lockRecovery(ctx context.Context, tx *sql.Tx, userID string) error {
	if s.driver != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.q(`SELECT pg_advisory_xact_lock(`+mfaRecoveryLockKey+`, hashtext(?))`), userID)
	return err
}

// replaceRecovery deletes the user's recovery codes and inserts hashes, in
// tx. A hash given twice is a conflict error.
func (s *DB) replaceRecovery(ctx context.Context, tx *sql.Tx, userID string, hashes [][]byte, at time.Time) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM mfa_recovery_codes WHERE user_id = ?`), userID); err != nil {
		return err
	}
	created := ms(at)
	for len(hashes) > 0 {
		n := min(len(hashes), recoveryInsertRows)
		var b strings.Builder
		b.WriteString(`INSERT INTO mfa_recovery_codes (user_id, hash, created_at, used_at) VALUES `)
		args := make([]any, 0, 3*n)
		for i, h := range hashes[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, NULL)`)
			args = append(args, userID, h, created)
		}
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			if isConflict(err) {
				return fmt.Errorf("a hash is given twice: %w", err)
			}
			return err
		}
		hashes = hashes[n:]
	}
	return nil
}

// ConsumeRecoveryCode implements mfa.RecoveryStore: a compare-and-set of
// used_at from NULL. The lookup by primary key is not constant-time, unlike
// MemoryStore's comparison, and need not be: what its timing could reveal
// is a SHA-256 prefix of a random code, which gets no one closer to a code.
func (s *DB) ConsumeRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error) {
	res, err := s.exec(ctx, `UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL`, ms(at), userID, hash)
	if err != nil {
		return false, fmt.Errorf("mfa consume recovery code: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mfa consume recovery code: %w", err)
	}
	return n == 1, nil
}

// RecoveryCodesLeft implements mfa.RecoveryStore.
func (s *DB) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("mfa recovery codes left: %w", err)
	}
	return n, nil
}
