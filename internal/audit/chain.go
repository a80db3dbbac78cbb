package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"math"
	"time"
)

// Domain-separation tags of the chain format (version 1).
const (
	recordDomain     = "bulwark/audit/record/v1"
	checkpointDomain = "bulwark/audit/checkpoint/v1"
	genesisDomain    = "bulwark/audit/genesis/v1"
)

// Hash is a SHA-256 digest of the chain. Its text form is lowercase hex.
type Hash [sha256.Size]byte

// String returns the hash in lowercase hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes the hash as lowercase hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes a hash written in hex.
func (h *Hash) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(h) {
		return fmt.Errorf("hash: %d hex digits, want %d", len(b), 2*len(h))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// Genesis is the prev_hash of the first record: SHA-256 of the ASCII string
// "bulwark/audit/genesis/v1".
func Genesis() Hash { return sha256.Sum256([]byte(genesisDomain)) }

// writeField writes one length-prefixed field.
func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func appendField(dst, b []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(len(b)))
	return append(dst, b...)
}

// RecordHash computes the hash of the record at seq whose predecessor has
// hash prev and whose event encoding is event (see the package doc).
func RecordHash(seq int64, prev Hash, event []byte) Hash {
	h := sha256.New()
	writeField(h, []byte(recordDomain))
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(seq))
	writeField(h, s[:])
	writeField(h, prev[:])
	writeField(h, event)
	var out Hash
	h.Sum(out[:0])
	return out
}

// CheckpointMessage is the byte string a checkpoint's signature covers
// (see the package doc). t counts in whole milliseconds.
func CheckpointMessage(seq int64, h Hash, t time.Time, keyID string) []byte {
	msg := make([]byte, 0, 5*8+len(checkpointDomain)+8+len(h)+8+len(keyID))
	msg = appendField(msg, []byte(checkpointDomain))
	msg = appendField(msg, binary.BigEndian.AppendUint64(nil, uint64(seq)))
	msg = appendField(msg, h[:])
	msg = appendField(msg, binary.BigEndian.AppendUint64(nil, uint64(t.UnixMilli())))
	return appendField(msg, []byte(keyID))
}

// Record is one link of the chain, as stored.
type Record struct {
	Seq int64 `json:"seq"`
	// Time, App, User, Decision and RequestID copy the event's fields for
	// queries (Time in whole milliseconds); they are not hashed, and
	// Verify checks that they agree with Event.
	Time      time.Time `json:"time"`
	App       string    `json:"app,omitempty"`
	User      string    `json:"user,omitempty"`
	Decision  string    `json:"decision"`
	RequestID string    `json:"request_id,omitempty"`
	// Event is the JSON encoding of the Event, exactly as hashed.
	Event    json.RawMessage `json:"event"`
	PrevHash Hash            `json:"prev_hash"`
	Hash     Hash            `json:"hash"`
}

// Decode parses the record's event.
func (r Record) Decode() (Event, error) {
	var ev Event
	if err := json.Unmarshal(r.Event, &ev); err != nil {
		return Event{}, fmt.Errorf("audit record %d: %w", r.Seq, err)
	}
	return ev, nil
}

// Checkpoint is a signed statement that the record at Seq has hash Hash,
// and therefore, through the chain, of every record before it.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Hash      Hash      `json:"hash"`
	Time      time.Time `json:"time"` // whole milliseconds
	KeyID     string    `json:"key_id"`
	Signature []byte    `json:"signature"`
}

// LogValue renders the checkpoint in logs with its JSON field names, so
// that a checkpoint logged by the writer decodes back (encoding/json) into
// a Checkpoint, an anchor for Verify.
func (c Checkpoint) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("seq", c.Seq), slog.String("hash", c.Hash.String()), slog.Time("time", c.Time),
		slog.String("key_id", c.KeyID), slog.String("signature", base64.StdEncoding.EncodeToString(c.Signature)))
}

// Message returns the bytes the checkpoint's signature covers.
func (c Checkpoint) Message() []byte { return CheckpointMessage(c.Seq, c.Hash, c.Time, c.KeyID) }

// Valid reports whether the signature is pub's over the checkpoint.
func (c Checkpoint) Valid(pub ed25519.PublicKey) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, c.Message(), c.Signature)
}

// Head is the end of the chain as a store sees it inside an append
// transaction.
type Head struct {
	// Seq is the last record's sequence number, 0 for an empty chain.
	Seq int64
	// Hash is the last record's hash, Genesis() for an empty chain.
	Hash Hash
	// CheckpointSeq is the highest checkpointed seq, 0 if none.
	// It can exceed Seq only if records were removed.
	CheckpointSeq int64
	// CheckpointTime is that checkpoint's time.
	CheckpointTime time.Time
}

// EmptyHead is the head of an empty chain.
func EmptyHead() Head { return Head{Hash: Genesis()} }

// encoded is an event ready to be chained: its JSON and indexed fields.
type encoded struct {
	ms                             int64
	app, user, decision, requestID string
	data                           []byte
}

// encodeEvent produces the canonical encoding of ev. A zero time becomes
// now; the time is kept in UTC; non-finite floats, which JSON cannot carry,
// become 0; a time JSON cannot carry (outside years 0–9999) becomes now.
func encodeEvent(ev Event, now func() time.Time) (encoded, error) {
	if ev.Time.IsZero() || ev.Time.Year() < 0 || ev.Time.Year() > 9999 {
		ev.Time = now()
	}
	ev.Time = ev.Time.UTC()
	for _, f := range []*float64{&ev.LatencyMS, &ev.UpstreamMS, &ev.OverheadMS} {
		if math.IsNaN(*f) || math.IsInf(*f, 0) {
			*f = 0
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return encoded{}, fmt.Errorf("encode audit event: %w", err)
	}
	return encoded{ms: ev.Time.UnixMilli(), app: ev.App, user: ev.User, decision: ev.Decision, requestID: ev.RequestID, data: b}, nil
}

func (e encoded) record(seq int64, prev Hash) Record {
	return Record{
		Seq: seq, Time: time.UnixMilli(e.ms).UTC(),
		App: e.app, User: e.user, Decision: e.decision, RequestID: e.requestID,
		Event: e.data, PrevHash: prev, Hash: RecordHash(seq, prev, e.data),
	}
}

// NewRecord builds the record at seq that follows a record of hash prev.
// The Log builds its records this way; stores' tests and tools use it too.
func NewRecord(seq int64, prev Hash, ev Event) (Record, error) {
	e, err := encodeEvent(ev, time.Now)
	if err != nil {
		return Record{}, err
	}
	return e.record(seq, prev), nil
}

// ErrNotExtending is returned by AppendAudit when the sealed records or
// checkpoints do not extend the head the store read.
var ErrNotExtending = errors.New("audit append does not extend the chain head")

// ValidateAppend checks that records and checkpoints extend head: records
// numbered head.Seq+1, +2, … each linked to the previous hash and hashed
// correctly, checkpoints in increasing seq beyond head.CheckpointSeq, at
// the head or at a new record, with that record's hash. Stores call it
// inside AppendAudit before writing anything.
func ValidateAppend(head Head, records []Record, checkpoints []Checkpoint) error {
	prev := head.Hash
	for i, r := range records {
		if want := head.Seq + 1 + int64(i); r.Seq != want {
			return fmt.Errorf("record seq %d, want %d: %w", r.Seq, want, ErrNotExtending)
		}
		if r.PrevHash != prev {
			return fmt.Errorf("record %d: prev_hash does not link to the previous record: %w", r.Seq, ErrNotExtending)
		}
		if r.Hash != RecordHash(r.Seq, r.PrevHash, r.Event) {
			return fmt.Errorf("record %d: wrong hash: %w", r.Seq, ErrNotExtending)
		}
		prev = r.Hash
	}
	last := head.CheckpointSeq
	for _, c := range checkpoints {
		if c.Seq <= last {
			return fmt.Errorf("checkpoint %d not beyond %d: %w", c.Seq, last, ErrNotExtending)
		}
		var want Hash
		switch {
		case c.Seq == head.Seq:
			want = head.Hash
		case c.Seq > head.Seq && c.Seq <= head.Seq+int64(len(records)):
			want = records[c.Seq-head.Seq-1].Hash
		default:
			return fmt.Errorf("checkpoint %d outside the appended records: %w", c.Seq, ErrNotExtending)
		}
		if c.Hash != want {
			return fmt.Errorf("checkpoint %d: hash differs from its record: %w", c.Seq, ErrNotExtending)
		}
		last = c.Seq
	}
	return nil
}
