package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/audit"
)

// writeChain writes n events through a Log (checkpoints every 100, and
// at Close) and returns the checkpoints it logged.
func writeChain(t *testing.T, db *testDB, n int) []audit.Checkpoint {
	t.Helper()
	ctx := context.Background()
	var logs bytes.Buffer
	l := openLog(t, db, audit.Options{CheckpointEvery: 100, BatchSize: 33, Now: fixedNow,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	for i := range n {
		if err := l.Record(ctx, event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var logged []audit.Checkpoint
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry struct {
			Msg        string           `json:"msg"`
			Checkpoint audit.Checkpoint `json:"checkpoint"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry.Msg == "audit checkpoint" {
			logged = append(logged, entry.Checkpoint)
		}
	}
	return logged
}

// rechain recomputes the hashes of records from..last after tamper
// edits the first one, as an attacker without the signing key would to
// hide an edit.
func rechain(t *testing.T, db *testDB, from int64, tamper func(ev []byte) []byte) {
	t.Helper()
	recs, err := db.AuditRecords(context.Background(), from-1, 1<<40, 100000)
	if err != nil {
		t.Fatal(err)
	}
	prev := recs[0].Hash
	for i, r := range recs[1:] {
		if i == 0 {
			r.Event = tamper(r.Event)
		}
		h := audit.RecordHash(r.Seq, prev, r.Event)
		db.exec(t, `UPDATE audit_records SET event = ?, prev_hash = ?, hash = ? WHERE seq = ?`, string(r.Event), prev[:], h[:], r.Seq)
		prev = h
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tamper     func(t *testing.T, db *testDB)
		keys       map[string]ed25519.PublicKey // default testKeys()
		wantSeq    int64
		wantReason audit.Reason
	}{
		{
			name: "an edited event is a hash mismatch at its seq",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `UPDATE audit_records SET event = replace(event, '"req-36"', '"req-999"') WHERE seq = 37`)
			},
			wantSeq: 37, wantReason: audit.ReasonHashMismatch,
		},
		{
			name: "an edited query column is an index mismatch",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `UPDATE audit_records SET user_id = 'usr_someone_else' WHERE seq = 40`)
			},
			wantSeq: 40, wantReason: audit.ReasonIndexMismatch,
		},
		{
			name: "an edited time column is an index mismatch",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `UPDATE audit_records SET time = time + 86400000 WHERE seq = 41`)
			},
			wantSeq: 41, wantReason: audit.ReasonIndexMismatch,
		},
		{
			name:    "a deleted record is a gap at its seq",
			tamper:  func(t *testing.T, db *testDB) { db.exec(t, `DELETE FROM audit_records WHERE seq = 50`) },
			wantSeq: 50, wantReason: audit.ReasonSeqGap,
		},
		{
			name: "the first record deleted is a gap at 1",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `DELETE FROM audit_records WHERE seq = 1`)
			},
			wantSeq: 1, wantReason: audit.ReasonSeqGap,
		},
		{
			name: "two records swapped are a prev_hash mismatch at the first",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `UPDATE audit_records SET seq = -60 WHERE seq = 60`)
				db.exec(t, `UPDATE audit_records SET seq = 60 WHERE seq = 61`)
				db.exec(t, `UPDATE audit_records SET seq = 61 WHERE seq = -60`)
			},
			wantSeq: 60, wantReason: audit.ReasonPrevMismatch,
		},
		{
			name: "a record deleted and the rest renumbered is a prev_hash mismatch",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `DELETE FROM audit_records WHERE seq = 70`)
				db.exec(t, `UPDATE audit_records SET seq = 1 - seq WHERE seq > 70`)
				db.exec(t, `UPDATE audit_records SET seq = -seq WHERE seq < 0`)
			},
			wantSeq: 70, wantReason: audit.ReasonPrevMismatch,
		},
		{
			name: "a hash of the wrong length is malformed",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `UPDATE audit_records SET hash = ? WHERE seq = 80`, []byte{1, 2, 3})
			},
			wantSeq: 80, wantReason: audit.ReasonMalformed,
		},
		{
			name: "an event that is not JSON, rehashed, is malformed",
			tamper: func(t *testing.T, db *testDB) {
				rechain(t, db, 90, func([]byte) []byte { return []byte("not json") })
			},
			wantSeq: 90, wantReason: audit.ReasonMalformed,
		},
		{
			name: "an edit hidden by recomputing every later hash fails at the next checkpoint",
			tamper: func(t *testing.T, db *testDB) {
				rechain(t, db, 150, func(ev []byte) []byte { return bytes.Replace(ev, []byte(`"status":200`), []byte(`"status":201`), 1) })
			},
			wantSeq: 200, wantReason: audit.ReasonCheckpointMismatch,
		},
		{
			name: "an edited checkpoint signature is a bad signature",
			tamper: func(t *testing.T, db *testDB) {
				cps, err := db.AuditCheckpoints(context.Background(), 200, 200, 1)
				if err != nil || len(cps) != 1 {
					t.Fatalf("checkpoint 200: %v, %v", cps, err)
				}
				sig := bytes.Clone(cps[0].Signature)
				sig[10] ^= 1
				db.exec(t, `UPDATE audit_checkpoints SET signature = ? WHERE seq = 200`, sig)
			},
			wantSeq: 200, wantReason: audit.ReasonBadSignature,
		},
		{
			name: "a checkpoint moved to another record is a bad signature",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `DELETE FROM audit_checkpoints WHERE seq = 300`)
				db.exec(t, `UPDATE audit_checkpoints SET seq = 300 WHERE seq = 200`)
			},
			wantSeq: 300, wantReason: audit.ReasonBadSignature,
		},
		{
			name: "a checkpoint naming another key is an unknown key",
			tamper: func(t *testing.T, db *testDB) {
				db.exec(t, `UPDATE audit_checkpoints SET key_id = 'ffffffffffffffff' WHERE seq = 100`)
			},
			wantSeq: 100, wantReason: audit.ReasonUnknownKey,
		},
		{
			name:    "verifying without the signer's key is an unknown key",
			tamper:  func(t *testing.T, db *testDB) {},
			keys:    map[string]ed25519.PublicKey{},
			wantSeq: 100, wantReason: audit.ReasonUnknownKey,
		},
		{
			name:    "records removed after a checkpoint are a truncated tail",
			tamper:  func(t *testing.T, db *testDB) { db.exec(t, `DELETE FROM audit_records WHERE seq > 250`) },
			wantSeq: 251, wantReason: audit.ReasonTruncated,
		},
		{
			name:    "every record removed, checkpoints kept, is a truncated tail",
			tamper:  func(t *testing.T, db *testDB) { db.exec(t, `DELETE FROM audit_records`) },
			wantSeq: 1, wantReason: audit.ReasonTruncated,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
				db := open(t)
				writeChain(t, db, 350)
				tc.tamper(t, db)
				keys := tc.keys
				if keys == nil {
					keys = testKeys()
				}
				for _, page := range []int{0, 64} {
					rep, err := audit.Verify(context.Background(), db, keys, audit.VerifyOptions{PageSize: page})
					var ce *audit.ChainError
					if !errors.As(err, &ce) || !errors.Is(err, audit.ErrTampered) {
						t.Fatalf("page %d: Verify err = %v, want a ChainError", page, err)
					}
					if rep.Problem == nil || rep.Problem.Seq != tc.wantSeq || rep.Problem.Reason != tc.wantReason {
						t.Errorf("page %d: problem = %+v, want seq %d %s", page, rep.Problem, tc.wantSeq, tc.wantReason)
					}
					if rep.Records != tc.wantSeq-1 {
						t.Errorf("page %d: %d records verified before the problem, want %d", page, rep.Records, tc.wantSeq-1)
					}
				}
			})
		})
	}
}

// These are the limits docs/audit.md states: what the database alone
// cannot prove, and how anchors kept elsewhere close the gap.
func TestVerifyLimitsAndAnchors(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
		t.Run("records after the last checkpoint can be truncated undetected", func(t *testing.T) {
			db := open(t)
			writeChain(t, db, 350)
			// A writer that crashed: 20 records committed, not signed.
			if err := db.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
				var recs []audit.Record
				prev := h.Hash
				for i := range 20 {
					r, err := audit.NewRecord(h.Seq+1+int64(i), prev, event(1000+i))
					if err != nil {
						return nil, nil, err
					}
					recs, prev = append(recs, r), r.Hash
				}
				return recs, nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			rep := verifyOK(t, db, 370)
			if rep.Unanchored != 20 {
				t.Errorf("Unanchored = %d, want 20", rep.Unanchored)
			}
			db.exec(t, `DELETE FROM audit_records WHERE seq > 350`)
			verifyOK(t, db, 350)
		})
		t.Run("deleting checkpoints then rewriting after the last one left needs an anchor to detect", func(t *testing.T) {
			db := open(t)
			logged := writeChain(t, db, 350)
			if len(logged) != 4 {
				t.Fatalf("%d checkpoints logged, want 4 (100, 200, 300, 350)", len(logged))
			}
			db.exec(t, `DELETE FROM audit_checkpoints WHERE seq > 100`)
			rechain(t, db, 150, func(ev []byte) []byte { return bytes.Replace(ev, []byte(`"status":200`), []byte(`"status":201`), 1) })
			verifyOK(t, db, 350) // the database alone is consistent
			rep, err := audit.Verify(ctx, db, testKeys(), audit.VerifyOptions{Anchors: logged[2:3]})
			if !errors.Is(err, audit.ErrTampered) || rep.Problem.Seq != 300 || rep.Problem.Reason != audit.ReasonCheckpointMismatch {
				t.Errorf("with the logged checkpoint 300 as anchor: %+v, %v; want checkpoint_mismatch at 300", rep.Problem, err)
			}
		})
		t.Run("an anchor beyond the end is a truncated tail", func(t *testing.T) {
			db := open(t)
			logged := writeChain(t, db, 350)
			db.exec(t, `DELETE FROM audit_checkpoints WHERE seq > 200`)
			db.exec(t, `DELETE FROM audit_records WHERE seq > 220`)
			verifyOK(t, db, 220)
			rep, err := audit.Verify(ctx, db, testKeys(), audit.VerifyOptions{Anchors: logged})
			if !errors.Is(err, audit.ErrTampered) || rep.Problem.Seq != 221 || rep.Problem.Reason != audit.ReasonTruncated {
				t.Errorf("with the logged checkpoints as anchors: %+v, %v; want truncated at 221", rep.Problem, err)
			}
		})
		t.Run("anchors that match verify", func(t *testing.T) {
			db := open(t)
			logged := writeChain(t, db, 350)
			rep, err := audit.Verify(ctx, db, testKeys(), audit.VerifyOptions{Anchors: logged})
			if err != nil || rep.Checkpoints != 8 {
				t.Errorf("Verify with matching anchors: %d checkpoints, %v; want 8 (4 stored, 4 anchors)", rep.Checkpoints, err)
			}
		})
	})
}

func TestVerifyEmptyChain(t *testing.T) {
	db := openSQLite(t)
	rep := verifyOK(t, db, 0)
	if rep.LastCheckpoint != nil || !rep.OK() {
		t.Errorf("report of an empty chain = %+v", rep)
	}
}
