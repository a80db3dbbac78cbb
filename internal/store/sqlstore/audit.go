package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/store"
)

var _ audit.Store = (*DB)(nil)

// auditLockKey is the PostgreSQL advisory lock that serializes audit
// appenders across gateways (migrations use 7410221).
const auditLockKey = "7410222"

// auditInsertRows is the most records inserted by one statement (9
// parameters each: well under SQLite's and PostgreSQL's limits).
const auditInsertRows = 200

const auditRecordCols = `seq, time, app, user_id, decision, request_id, event, prev_hash, hash`

// AppendAudit implements audit.Appender. The transaction excludes other
// appenders: on SQLite by BEGIN IMMEDIATE (the DSN's _txlock), on
// PostgreSQL by a transaction-scoped advisory lock taken before the head
// is read.
func (s *DB) AppendAudit(ctx context.Context, seal audit.SealFunc) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit append: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if s.driver == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+auditLockKey+`)`); err != nil {
			return fmt.Errorf("audit append: lock: %w", err)
		}
	}
	head, err := s.auditHead(ctx, tx)
	if err != nil {
		return fmt.Errorf("audit append: head: %w", err)
	}
	recs, cps, err := seal(head)
	if err != nil {
		return err
	}
	if len(recs) == 0 && len(cps) == 0 {
		return tx.Commit()
	}
	if err := audit.ValidateAppend(head, recs, cps); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	for len(recs) > 0 {
		n := min(len(recs), auditInsertRows)
		if err := s.insertRecords(ctx, tx, recs[:n]); err != nil {
			return fmt.Errorf("audit append: records: %w", err)
		}
		recs = recs[n:]
	}
	for _, c := range cps {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?)`),
			c.Seq, c.Hash[:], ms(c.Time), c.KeyID, c.Signature); err != nil {
			return fmt.Errorf("audit append: checkpoint %d: %w", c.Seq, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit append: commit: %w", err)
	}
	return nil
}

// auditHead reads the end of the chain inside the append transaction.
func (s *DB) auditHead(ctx context.Context, tx *sql.Tx) (audit.Head, error) {
	head := audit.EmptyHead()
	var hash []byte
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1`).Scan(&head.Seq, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return audit.Head{}, err
	case len(hash) != len(head.Hash):
		return audit.Head{}, &audit.CorruptError{Seq: head.Seq, Detail: fmt.Sprintf("hash is %d bytes", len(hash))}
	default:
		copy(head.Hash[:], hash)
	}
	var cpTime int64
	err = tx.QueryRowContext(ctx, `SELECT seq, time FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`).Scan(&head.CheckpointSeq, &cpTime)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return audit.Head{}, err
	default:
		head.CheckpointTime = fromMS(cpTime)
	}
	return head, nil
}

func (s *DB) insertRecords(ctx context.Context, tx *sql.Tx, recs []audit.Record) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_records (` + auditRecordCols + `) VALUES `)
	args := make([]any, 0, 9*len(recs))
	for i, r := range recs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, r.Seq, ms(r.Time), r.App, r.User, r.Decision, r.RequestID, string(r.Event), r.PrevHash[:], r.Hash[:])
	}
	_, err := tx.ExecContext(ctx, s.q(b.String()), args...)
	return err
}

func scanAuditRecord(row interface{ Scan(...any) error }) (audit.Record, error) {
	var (
		r                 audit.Record
		t                 int64
		event, prev, hash []byte
	)
	if err := row.Scan(&r.Seq, &t, &r.App, &r.User, &r.Decision, &r.RequestID, &event, &prev, &hash); err != nil {
		return audit.Record{}, err
	}
	r.Time, r.Event = fromMS(t), event
	if len(prev) != len(r.PrevHash) {
		return audit.Record{}, &audit.CorruptError{Seq: r.Seq, Detail: fmt.Sprintf("prev_hash is %d bytes", len(prev))}
	}
	if len(hash) != len(r.Hash) {
		return audit.Record{}, &audit.CorruptError{Seq: r.Seq, Detail: fmt.Sprintf("hash is %d bytes", len(hash))}
	}
	copy(r.PrevHash[:], prev)
	copy(r.Hash[:], hash)
	return r, nil
}

func (s *DB) auditRecords(ctx context.Context, query string, args ...any) ([]audit.Record, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Record
	for rows.Next() {
		r, err := scanAuditRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AuditRecords implements audit.Reader.
func (s *DB) AuditRecords(ctx context.Context, from, to int64, limit int) ([]audit.Record, error) {
	return s.auditRecords(ctx, `SELECT `+auditRecordCols+` FROM audit_records WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`, from, to, limit)
}

// AuditCheckpoints implements audit.Reader.
func (s *DB) AuditCheckpoints(ctx context.Context, from, to int64, limit int) ([]audit.Checkpoint, error) {
	rows, err := s.query(ctx, `SELECT seq, hash, time, key_id, signature FROM audit_checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`, from, to, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var (
			c    audit.Checkpoint
			hash []byte
			t    int64
		)
		if err := rows.Scan(&c.Seq, &hash, &t, &c.KeyID, &c.Signature); err != nil {
			return nil, err
		}
		if len(hash) != len(c.Hash) {
			return nil, &audit.CorruptError{Checkpoint: true, Seq: c.Seq, Detail: fmt.Sprintf("hash is %d bytes", len(hash))}
		}
		copy(c.Hash[:], hash)
		c.Time = fromMS(t)
		out = append(out, c)
	}
	return out, rows.Err()
}

// QueryAudit implements audit.Querier.
func (s *DB) QueryAudit(ctx context.Context, f audit.Filter) ([]audit.Record, error) {
	var (
		where []string
		args  []any
	)
	cond := func(c string, v any) {
		where = append(where, c)
		args = append(args, v)
	}
	if !f.Since.IsZero() {
		cond("time >= ?", f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		cond("time < ?", f.Until.UnixMilli())
	}
	for _, c := range []struct{ col, v string }{{"app", f.App}, {"user_id", f.User}, {"decision", f.Decision}, {"request_id", f.RequestID}} {
		if c.v != "" {
			cond(c.col+" = ?", c.v)
		}
	}
	if f.AfterSeq > 0 {
		cond("seq > ?", f.AfterSeq)
	}
	if f.BeforeSeq > 0 {
		cond("seq < ?", f.BeforeSeq)
	}
	q := `SELECT ` + auditRecordCols + ` FROM audit_records`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.Newest {
		q += ` ORDER BY seq DESC`
	} else {
		q += ` ORDER BY seq`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = audit.DefaultQueryLimit
	}
	args = append(args, limit)
	return s.auditRecords(ctx, q+` LIMIT ?`, args...)
}

// AuditKeys implements audit.KeyStore.
func (s *DB) AuditKeys(ctx context.Context) ([]audit.Key, error) {
	rows, err := s.query(ctx, `SELECT id, public_key, sealed, created_at FROM audit_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Key
	for rows.Next() {
		var (
			k       audit.Key
			pub     []byte
			created int64
		)
		if err := rows.Scan(&k.ID, &pub, &k.Sealed, &created); err != nil {
			return nil, err
		}
		k.Public, k.CreatedAt = pub, fromMS(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// InsertAuditKey implements audit.KeyStore.
func (s *DB) InsertAuditKey(ctx context.Context, k audit.Key) error {
	_, err := s.exec(ctx, `INSERT INTO audit_keys (id, public_key, sealed, created_at) VALUES (?, ?, ?, ?)`,
		k.ID, []byte(k.Public), k.Sealed, ms(k.CreatedAt))
	if isConflict(err) {
		return fmt.Errorf("audit key %q: %w", k.ID, store.ErrConflict)
	}
	return err
}
