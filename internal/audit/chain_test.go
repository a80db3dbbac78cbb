package audit_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
)

// specField is the package doc's field(b), written out again here so that
// the test checks the implementation against the documented format.
func specField(b []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(len(b))), b...)
}

func TestRecordHashFollowsTheDocumentedFormat(t *testing.T) {
	genesis := sha256.Sum256([]byte("bulwark/audit/genesis/v1"))
	if audit.Genesis() != audit.Hash(genesis) {
		t.Fatalf("Genesis = %s, want SHA-256 of the genesis tag", audit.Genesis())
	}
	event := []byte(`{"time":"2026-11-24T12:00:00Z","decision":"allowed"}`)
	var msg []byte
	msg = append(msg, specField([]byte("bulwark/audit/record/v1"))...)
	msg = append(msg, specField(binary.BigEndian.AppendUint64(nil, 1))...)
	msg = append(msg, specField(genesis[:])...)
	msg = append(msg, specField(event)...)
	want := sha256.Sum256(msg)
	if got := audit.RecordHash(1, audit.Genesis(), event); got != audit.Hash(want) {
		t.Errorf("RecordHash = %s, want %x", got, want)
	}
	// Known answers: a change of format must be deliberate (and a new
	// version of the tags).
	for _, tc := range []struct{ name, got, want string }{
		{"genesis", audit.Genesis().String(), "5b197677445aefee170db78dc88a5a78e93251b06a8c88f79f17d0def28b8d8f"},
		{"record 1", audit.RecordHash(1, audit.Genesis(), event).String(), "e3536ae898835af4d47926863fbdb74253c1f356653619d3e953aeed9fc04980"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

func TestCheckpointMessageFollowsTheDocumentedFormat(t *testing.T) {
	h := audit.RecordHash(7, audit.Genesis(), []byte("{}"))
	at := time.UnixMilli(1790000000123)
	var want []byte
	want = append(want, specField([]byte("bulwark/audit/checkpoint/v1"))...)
	want = append(want, specField(binary.BigEndian.AppendUint64(nil, 7))...)
	want = append(want, specField(h[:])...)
	want = append(want, specField(binary.BigEndian.AppendUint64(nil, 1790000000123))...)
	want = append(want, specField([]byte("0123456789abcdef"))...)
	if got := audit.CheckpointMessage(7, h, at, "0123456789abcdef"); hex.EncodeToString(got) != hex.EncodeToString(want) {
		t.Errorf("CheckpointMessage =\n%x\nwant\n%x", got, want)
	}
	c := testSigner.Sign(7, h, at.Add(456*time.Microsecond))
	if !c.Time.Equal(at) {
		t.Errorf("checkpoint time %v, want it kept to the millisecond (%v)", c.Time, at)
	}
	if !c.Valid(testSigner.Key.Public().(ed25519.PublicKey)) {
		t.Error("a fresh checkpoint does not verify")
	}
	c.Seq = 8
	if c.Valid(testSigner.Key.Public().(ed25519.PublicKey)) {
		t.Error("a checkpoint moved to another seq still verifies")
	}
}

func TestNewRecordEncodesCanonically(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	r, err := audit.NewRecord(1, audit.Genesis(), audit.Event{
		Time: time.Date(2026, 11, 24, 13, 0, 0, 123456789, paris), Decision: audit.DecisionAllowed,
		App: "a", User: "u", RequestID: "r", LatencyMS: math.NaN(), UpstreamMS: math.Inf(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-11-24T12:00:00.123456789Z","request_id":"r","decision":"allowed","app":"a","user":"u"}`
	if string(r.Event) != want {
		t.Errorf("event =\n%s\nwant\n%s", r.Event, want)
	}
	if !r.Time.Equal(time.Date(2026, 11, 24, 12, 0, 0, 123000000, time.UTC)) || r.App != "a" || r.User != "u" || r.RequestID != "r" || r.Decision != "allowed" {
		t.Errorf("indexed fields = %+v", r)
	}
	if r.Hash != audit.RecordHash(1, audit.Genesis(), r.Event) {
		t.Error("hash is not RecordHash of the event")
	}
	ev, err := r.Decode()
	if err != nil || ev.RequestID != "r" {
		t.Errorf("Decode = %+v, %v", ev, err)
	}
}

func TestValidateAppend(t *testing.T) {
	r1, _ := audit.NewRecord(1, audit.Genesis(), audit.Event{Time: t0, Decision: "a"})
	r2, _ := audit.NewRecord(2, r1.Hash, audit.Event{Time: t0, Decision: "b"})
	head0 := audit.EmptyHead()
	head1 := audit.Head{Seq: 1, Hash: r1.Hash}
	cp := func(seq int64, h audit.Hash) audit.Checkpoint { return testSigner.Sign(seq, h, t0) }
	for _, tc := range []struct {
		name string
		head audit.Head
		recs []audit.Record
		cps  []audit.Checkpoint
		ok   bool
	}{
		{"records from genesis", head0, []audit.Record{r1, r2}, nil, true},
		{"a record after the head", head1, []audit.Record{r2}, nil, true},
		{"checkpoints at new records", head0, []audit.Record{r1, r2}, []audit.Checkpoint{cp(1, r1.Hash), cp(2, r2.Hash)}, true},
		{"a checkpoint of the head alone", head1, nil, []audit.Checkpoint{cp(1, r1.Hash)}, true},
		{"nothing", head1, nil, nil, true},
		{"a gap", head0, []audit.Record{r2}, nil, false},
		{"a record already in the chain", head1, []audit.Record{r1}, nil, false},
		{"records out of order", head0, []audit.Record{r2, r1}, nil, false},
		{"an edited record", head0, []audit.Record{{Seq: 1, PrevHash: audit.Genesis(), Event: []byte("{}"), Hash: r1.Hash}}, nil, false},
		{"a checkpoint of the empty chain", head0, nil, []audit.Checkpoint{cp(0, audit.Genesis())}, false},
		{"a checkpoint with a wrong hash", head0, []audit.Record{r1}, []audit.Checkpoint{cp(1, audit.Genesis())}, false},
		{"a checkpoint beyond the records", head0, []audit.Record{r1}, []audit.Checkpoint{cp(2, r2.Hash)}, false},
		{"a checkpoint not beyond the last one", audit.Head{Seq: 1, Hash: r1.Hash, CheckpointSeq: 1}, nil, []audit.Checkpoint{cp(1, r1.Hash)}, false},
		{"checkpoints out of order", head0, []audit.Record{r1, r2}, []audit.Checkpoint{cp(2, r2.Hash), cp(1, r1.Hash)}, false},
	} {
		err := audit.ValidateAppend(tc.head, tc.recs, tc.cps)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, audit.ErrNotExtending) {
			t.Errorf("%s: err = %v, want ErrNotExtending", tc.name, err)
		}
	}
}

func TestHashText(t *testing.T) {
	h := audit.Genesis()
	b, _ := h.MarshalText()
	var back audit.Hash
	if err := back.UnmarshalText(b); err != nil || back != h {
		t.Errorf("round trip = %s, %v", back, err)
	}
	if err := back.UnmarshalText([]byte("abcd")); err == nil {
		t.Error("a short hash was accepted")
	}
}
