package audit

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Reason says why the chain does not verify.
type Reason string

// Reasons Verify reports.
const (
	// ReasonHashMismatch: the record's content does not match its hash;
	// it was edited.
	ReasonHashMismatch Reason = "hash_mismatch"
	// ReasonSeqGap: a sequence number is missing; records were removed.
	ReasonSeqGap Reason = "seq_gap"
	// ReasonPrevMismatch: the record does not follow the one before it;
	// records were reordered, removed and renumbered, or inserted.
	ReasonPrevMismatch Reason = "prev_hash_mismatch"
	// ReasonIndexMismatch: the query columns (time, app, user, decision,
	// request id) disagree with the hashed event; they were edited.
	ReasonIndexMismatch Reason = "index_mismatch"
	// ReasonMalformed: a stored value cannot be read (a hash that is not
	// 32 bytes, an event that is not JSON, a checkpoint before seq 1).
	ReasonMalformed Reason = "malformed"
	// ReasonUnknownKey: a checkpoint names a key that is not among the
	// verification keys.
	ReasonUnknownKey Reason = "unknown_key"
	// ReasonBadSignature: a checkpoint's signature is not valid; it was
	// edited or forged.
	ReasonBadSignature Reason = "bad_signature"
	// ReasonCheckpointMismatch: a validly signed checkpoint does not match
	// the record at its seq; the chain was rewritten up to there.
	ReasonCheckpointMismatch Reason = "checkpoint_mismatch"
	// ReasonTruncated: a validly signed checkpoint is beyond the last
	// record; the tail was removed.
	ReasonTruncated Reason = "truncated"
)

// ErrTampered is matched (errors.Is) by the error Verify returns when the
// chain does not verify.
var ErrTampered = errors.New("audit chain does not verify")

// Problem is the first place where the chain does not verify.
type Problem struct {
	// Seq is the first bad record's seq: the edited, first missing or
	// misplaced record, the checkpoint's seq, or for a truncated tail the
	// first missing record.
	Seq    int64  `json:"seq"`
	Reason Reason `json:"reason"`
	Detail string `json:"detail"`
}

// ChainError is the error of a chain that does not verify.
type ChainError struct{ Problem Problem }

// Error describes the problem.
func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain: seq %d: %s: %s", e.Problem.Seq, e.Problem.Reason, e.Problem.Detail)
}

// Is matches ErrTampered.
func (e *ChainError) Is(target error) bool { return target == ErrTampered }

// Report is what Verify found.
type Report struct {
	// Records is the number of records that verified, 1 to LastSeq.
	Records int64 `json:"records"`
	// LastSeq is the last record that verified.
	LastSeq int64 `json:"last_seq"`
	// Checkpoints is the number of checkpoints that verified.
	Checkpoints int64 `json:"checkpoints"`
	// LastCheckpoint is the last checkpoint that verified, if any.
	LastCheckpoint *Checkpoint `json:"last_checkpoint,omitempty"`
	// Unanchored counts the records after the last verified checkpoint:
	// removing them from the tail would go unnoticed.
	Unanchored int64 `json:"unanchored"`
	// Problem is the first place where the chain does not verify, nil if
	// it verifies.
	Problem *Problem `json:"problem,omitempty"`
}

// OK reports whether the chain verified.
func (r Report) OK() bool { return r.Problem == nil }

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// PageSize is the number of records (and checkpoints) read at once:
	// memory is bounded by it. Default 1000.
	PageSize int
	// Anchors are checkpoints kept outside the database (the writer logs
	// each checkpoint it writes; a log collector keeps them). Each must be
	// validly signed and match the chain, as the database's own: an
	// attacker who deletes checkpoints from the database and rewrites or
	// truncates the records after the last one left is then detected.
	Anchors []Checkpoint
}

// Verify reads the whole chain in seq order and checks every record (seq
// without gap from 1, link to the previous hash, hash of its content,
// query columns against the event) and every checkpoint (known key, valid
// signature, hash of the record at its seq, not beyond the last record).
// It stops at the first problem: the Report then has it, and the error is
// a *ChainError (errors.Is ErrTampered). Other errors are the store's.
// keys are the verification keys by id (PublicKeys, or ParsePublicKeys of
// an exported file).
func Verify(ctx context.Context, r Reader, keys map[string]ed25519.PublicKey, opts VerifyOptions) (Report, error) {
	page := opts.PageSize
	if page <= 0 {
		page = 1000
	}
	v := &verifier{r: r, keys: keys, page: page, next: 1, prev: Genesis(), cpFrom: math.MinInt64,
		anchors: slices.SortedFunc(slices.Values(opts.Anchors), func(a, b Checkpoint) int { return cmp.Compare(a.Seq, b.Seq) })}
	p, err := v.run(ctx)
	rep := v.rep
	rep.LastSeq = v.next - 1
	rep.Records = rep.LastSeq
	if rep.LastCheckpoint != nil {
		rep.Unanchored = rep.LastSeq - rep.LastCheckpoint.Seq
	} else {
		rep.Unanchored = rep.LastSeq
	}
	if err != nil {
		return rep, fmt.Errorf("audit verify: %w", err)
	}
	if p != nil {
		rep.Problem = p
		return rep, &ChainError{Problem: *p}
	}
	return rep, nil
}

// vcp is a checkpoint as read, a corrupt row, or an anchor.
type vcp struct {
	Checkpoint
	corrupt string
	anchor  bool
}

func (c vcp) what() string {
	if c.anchor {
		return "anchor checkpoint"
	}
	return "checkpoint"
}

type verifier struct {
	r    Reader
	keys map[string]ed25519.PublicKey
	page int
	rep  Report

	next int64 // the seq the next record must have
	prev Hash  // the hash of record next-1

	anchors []Checkpoint // VerifyOptions.Anchors not yet reached, by seq
	cps     []vcp        // the current page of checkpoints
	cpFrom  int64        // the seq the next checkpoint page starts from
	cpEnd   bool         // no more checkpoint pages
}

func (v *verifier) run(ctx context.Context) (*Problem, error) {
	for {
		recs, bad, err := v.records(ctx)
		if err != nil {
			return nil, err
		}
		for i := range recs {
			if p, err := v.record(ctx, &recs[i]); p != nil || err != nil {
				return p, err
			}
		}
		if bad != nil {
			return bad, nil
		}
		if len(recs) < v.page {
			break
		}
	}
	// Whatever checkpoint remains is beyond the last record.
	cp, ok, err := v.checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if !ok && len(v.anchors) > 0 {
		cp, ok = vcp{Checkpoint: v.anchors[0], anchor: true}, true
	}
	if !ok {
		return nil, nil
	}
	if p := v.signed(cp); p != nil {
		return p, nil
	}
	return &Problem{Seq: v.next, Reason: ReasonTruncated,
		Detail: fmt.Sprintf("%s %d signed by %s, but the last record is %d", cp.what(), cp.Seq, cp.KeyID, v.next-1)}, nil
}

// records reads the next page. A corrupt row ends the page before it and
// comes back as the problem to report after the page.
func (v *verifier) records(ctx context.Context) ([]Record, *Problem, error) {
	recs, err := v.r.AuditRecords(ctx, v.next, math.MaxInt64, v.page)
	var corrupt *CorruptError
	if !errors.As(err, &corrupt) || corrupt.Checkpoint {
		return recs, nil, err
	}
	bad := &Problem{Seq: corrupt.Seq, Reason: ReasonMalformed, Detail: corrupt.Detail}
	if corrupt.Seq <= v.next {
		return nil, bad, nil
	}
	recs, err = v.r.AuditRecords(ctx, v.next, corrupt.Seq-1, v.page)
	if err != nil {
		return nil, nil, err
	}
	if len(recs) > 0 && recs[len(recs)-1].Seq == corrupt.Seq-1 {
		return recs, bad, nil
	}
	// Records are missing before the corrupt one: that gap comes first.
	return recs, &Problem{Seq: lastSeq(recs, v.next) + 1, Reason: ReasonSeqGap,
		Detail: fmt.Sprintf("records %d to %d are missing", lastSeq(recs, v.next)+1, corrupt.Seq-1)}, nil
}

func lastSeq(recs []Record, next int64) int64 {
	if len(recs) == 0 {
		return next - 1
	}
	return recs[len(recs)-1].Seq
}

// unixMS is t in Unix milliseconds, 0 for the zero time (as stored).
func unixMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// indexed are the event fields copied into query columns.
type indexed struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"`
	Decision  string    `json:"decision"`
	App       string    `json:"app"`
	User      string    `json:"user"`
}

func (v *verifier) record(ctx context.Context, r *Record) (*Problem, error) {
	if r.Seq != v.next {
		detail := fmt.Sprintf("records %d to %d are missing", v.next, r.Seq-1)
		if r.Seq == v.next+1 {
			detail = fmt.Sprintf("record %d is missing", v.next)
		}
		return &Problem{Seq: v.next, Reason: ReasonSeqGap, Detail: detail}, nil
	}
	if r.PrevHash != v.prev {
		return &Problem{Seq: r.Seq, Reason: ReasonPrevMismatch,
			Detail: fmt.Sprintf("prev_hash %s, but record %d has hash %s", r.PrevHash, r.Seq-1, v.prev)}, nil
	}
	if h := RecordHash(r.Seq, r.PrevHash, r.Event); h != r.Hash {
		return &Problem{Seq: r.Seq, Reason: ReasonHashMismatch,
			Detail: fmt.Sprintf("stored hash %s, content hashes to %s", r.Hash, h)}, nil
	}
	var ix indexed
	if err := json.Unmarshal(r.Event, &ix); err != nil {
		return &Problem{Seq: r.Seq, Reason: ReasonMalformed, Detail: "event is not JSON: " + err.Error()}, nil
	}
	if got, want := unixMS(r.Time), unixMS(ix.Time); got != want {
		return &Problem{Seq: r.Seq, Reason: ReasonIndexMismatch,
			Detail: fmt.Sprintf("column time is %d, the event says %d", got, want)}, nil
	}
	for _, c := range [...]struct{ col, got, want string }{
		{"app", r.App, ix.App}, {"user_id", r.User, ix.User},
		{"decision", r.Decision, ix.Decision}, {"request_id", r.RequestID, ix.RequestID},
	} {
		if c.got != c.want {
			return &Problem{Seq: r.Seq, Reason: ReasonIndexMismatch,
				Detail: fmt.Sprintf("column %s is %q, the event says %q", c.col, c.got, c.want)}, nil
		}
	}
	// Checkpoints up to this record.
	for {
		cp, ok, err := v.checkpoint(ctx)
		if err != nil {
			return nil, err
		}
		if !ok || cp.Seq > r.Seq {
			break
		}
		v.cps = v.cps[1:]
		// cp.Seq < r.Seq only before seq 1, which signed refuses: every
		// later seq was a record already passed.
		if p := v.signed(cp); p != nil {
			return p, nil
		}
		if p := v.matches(cp, r); p != nil {
			return p, nil
		}
	}
	for len(v.anchors) > 0 && v.anchors[0].Seq <= r.Seq {
		a := vcp{Checkpoint: v.anchors[0], anchor: true}
		v.anchors = v.anchors[1:]
		if p := v.signed(a); p != nil {
			return p, nil
		}
		if p := v.matches(a, r); p != nil {
			return p, nil
		}
	}
	v.next++
	v.prev = r.Hash
	return nil, nil
}

// matches checks that a signed checkpoint is r's, and counts it.
func (v *verifier) matches(cp vcp, r *Record) *Problem {
	if cp.Hash != r.Hash {
		return &Problem{Seq: cp.Seq, Reason: ReasonCheckpointMismatch,
			Detail: fmt.Sprintf("%s signed by %s at %s has hash %s, the record has %s",
				cp.what(), cp.KeyID, cp.Time.Format(time.RFC3339), cp.Hash, r.Hash)}
	}
	c := cp.Checkpoint
	v.rep.Checkpoints++
	v.rep.LastCheckpoint = &c
	return nil
}

// signed checks a checkpoint's form, key and signature.
func (v *verifier) signed(cp vcp) *Problem {
	if cp.corrupt != "" {
		return &Problem{Seq: cp.Seq, Reason: ReasonMalformed, Detail: "checkpoint: " + cp.corrupt}
	}
	if cp.Seq < 1 {
		return &Problem{Seq: cp.Seq, Reason: ReasonMalformed, Detail: "checkpoint before the first record"}
	}
	pub, ok := v.keys[cp.KeyID]
	if !ok {
		return &Problem{Seq: cp.Seq, Reason: ReasonUnknownKey, Detail: fmt.Sprintf("checkpoint signed by unknown key %q", cp.KeyID)}
	}
	if !cp.Valid(pub) {
		return &Problem{Seq: cp.Seq, Reason: ReasonBadSignature, Detail: fmt.Sprintf("checkpoint signature by %s does not verify", cp.KeyID)}
	}
	return nil
}

// checkpoint returns the next checkpoint without consuming it. A corrupt
// checkpoint row ends the page before it and then comes back as a
// checkpoint whose corrupt field says why.
func (v *verifier) checkpoint(ctx context.Context) (vcp, bool, error) {
	if len(v.cps) == 0 && !v.cpEnd {
		if err := v.checkpointPage(ctx); err != nil {
			return vcp{}, false, err
		}
	}
	if len(v.cps) == 0 {
		return vcp{}, false, nil
	}
	return v.cps[0], true, nil
}

func (v *verifier) checkpointPage(ctx context.Context) error {
	cps, err := v.r.AuditCheckpoints(ctx, v.cpFrom, math.MaxInt64, v.page)
	var corrupt *CorruptError
	if errors.As(err, &corrupt) && corrupt.Checkpoint && corrupt.Seq >= v.cpFrom {
		if cps, err = v.r.AuditCheckpoints(ctx, v.cpFrom, corrupt.Seq-1, v.page); err != nil {
			return err
		}
		v.cps = v.cps[:0]
		for _, c := range cps {
			v.cps = append(v.cps, vcp{Checkpoint: c})
		}
		if len(cps) < v.page {
			// The corrupt row follows this page; what comes after it is
			// not read, since verification stops there.
			v.cps = append(v.cps, vcp{Checkpoint: Checkpoint{Seq: corrupt.Seq}, corrupt: corrupt.Detail})
			v.cpEnd = true
		} else {
			v.cpFrom = cps[len(cps)-1].Seq + 1
		}
		return nil
	}
	if err != nil {
		return err
	}
	v.cps = v.cps[:0]
	for _, c := range cps {
		v.cps = append(v.cps, vcp{Checkpoint: c})
	}
	v.cpEnd = len(cps) < v.page
	if len(cps) > 0 {
		v.cpFrom = cps[len(cps)-1].Seq + 1
	}
	return nil
}
