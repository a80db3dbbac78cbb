package audit

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"
)

// SealFunc is called by AppendAudit, inside its transaction, with the head
// of the chain; it returns the records and checkpoints that extend it.
type SealFunc func(head Head) ([]Record, []Checkpoint, error)

// Appender extends the chain.
type Appender interface {
	// AppendAudit opens a transaction that excludes every other appender
	// (of this process or of another sharing the database), reads the
	// head, calls seal once with it, checks the result with
	// ValidateAppend, writes it and commits. If seal fails, nothing is
	// written and its error is returned (wrapped with %w or as is).
	AppendAudit(ctx context.Context, seal SealFunc) error
}

// Reader reads the chain in seq order.
type Reader interface {
	// AuditRecords returns the records with from <= seq <= to, in
	// increasing seq, at most limit (> 0). A row that cannot be
	// represented (a hash of the wrong length) is a *CorruptError.
	AuditRecords(ctx context.Context, from, to int64, limit int) ([]Record, error)
	// AuditCheckpoints returns the checkpoints with from <= seq <= to, in
	// increasing seq, at most limit (> 0).
	AuditCheckpoints(ctx context.Context, from, to int64, limit int) ([]Checkpoint, error)
}

// Querier finds records by their indexed fields.
type Querier interface {
	// QueryAudit returns the records that match every set field of f, in
	// increasing seq (decreasing with f.Newest), at most f.Limit (> 0).
	QueryAudit(ctx context.Context, f Filter) ([]Record, error)
}

// KeyStore keeps the checkpoint signing keys.
type KeyStore interface {
	// AuditKeys returns every key, oldest first (by creation time, then id).
	AuditKeys(ctx context.Context) ([]Key, error)
	// InsertAuditKey stores a new key; an existing id is store.ErrConflict.
	InsertAuditKey(ctx context.Context, k Key) error
}

// ChainStore is what the writer needs.
type ChainStore interface {
	Appender
	Reader
}

// Store is the whole storage contract of the audit log; sqlstore.DB
// implements it on SQLite and PostgreSQL.
type Store interface {
	Appender
	Reader
	Querier
	KeyStore
}

// Filter selects records. Zero fields do not filter.
type Filter struct {
	// Since (inclusive) and Until (exclusive) bound the event time.
	Since, Until time.Time
	App          string
	User         string
	Decision     string
	RequestID    string
	// AfterSeq and BeforeSeq (both exclusive) bound seq, for paging.
	AfterSeq, BeforeSeq int64
	// Limit is the most records returned: DefaultQueryLimit if 0, at most
	// MaxQueryLimit.
	Limit int
	// Newest returns the newest records first (decreasing seq).
	Newest bool
}

// Query limits.
const (
	DefaultQueryLimit = 100
	MaxQueryLimit     = 10000
)

// Query returns the records that match f (see Filter), applying its
// default limit.
func Query(ctx context.Context, q Querier, f Filter) ([]Record, error) {
	switch {
	case f.Limit == 0:
		f.Limit = DefaultQueryLimit
	case f.Limit < 0 || f.Limit > MaxQueryLimit:
		return nil, fmt.Errorf("audit query: limit %d: want 1 to %d", f.Limit, MaxQueryLimit)
	}
	if f.AfterSeq < 0 || f.BeforeSeq < 0 {
		return nil, fmt.Errorf("audit query: negative seq bound")
	}
	recs, err := q.QueryAudit(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("audit query: %w", err)
	}
	return recs, nil
}

// Key is a stored checkpoint signing key: its public half and its private
// half sealed under the master key (aad "audit-key:<id>").
type Key struct {
	ID        string
	Public    ed25519.PublicKey
	Sealed    []byte
	CreatedAt time.Time
}

// CorruptError reports a stored row that cannot be read as a record or
// checkpoint (for example a hash that is not 32 bytes): Verify reports it
// as ReasonMalformed.
type CorruptError struct {
	Checkpoint bool // a checkpoint row, else a record row
	Seq        int64
	Detail     string
}

// Error describes the corrupt row.
func (e *CorruptError) Error() string {
	what := "record"
	if e.Checkpoint {
		what = "checkpoint"
	}
	return fmt.Sprintf("audit %s %d is corrupt: %s", what, e.Seq, e.Detail)
}
