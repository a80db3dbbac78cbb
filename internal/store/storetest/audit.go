package storetest

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/store"
)

// Audit runs the audit.Store contract. newStore returns an empty store.
func Audit(t *testing.T, newStore func(t *testing.T) audit.Store) {
	ctx := context.Background()
	signer := audit.NewSigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))

	t.Run("an empty chain's head is the genesis", func(t *testing.T) {
		s := newStore(t)
		head := appendEvents(t, s, nil, false)
		if diff := cmp.Diff(audit.EmptyHead(), head); diff != "" {
			t.Errorf("head (-want +got):\n%s", diff)
		}
	})

	t.Run("append extends the head; records and checkpoints read back exactly", func(t *testing.T) {
		s := newStore(t)
		evs := []audit.Event{
			{Time: t0, RequestID: "req_1", Decision: audit.DecisionAllowed, App: "demo", User: "usr_1", Status: 200, LatencyMS: 1.5},
			{Time: t0.Add(time.Second), RequestID: "req_2", Decision: audit.DecisionDenied, Reason: "invalid_token", Status: 401},
			{Time: t0.Add(2 * time.Second), Decision: audit.DecisionLogin, User: "usr_2", TextSealed: []byte{0, 1, 2}},
		}
		var want []audit.Record
		var wantCP []audit.Checkpoint
		err := s.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
			want = chain(t, h, evs)
			wantCP = []audit.Checkpoint{signer.Sign(3, want[2].Hash, t0.Add(3*time.Second))}
			return want, wantCP, nil
		})
		must(t, err)
		var head audit.Head
		must(t, s.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
			head = h
			more := chain(t, h, []audit.Event{{Time: t0.Add(4 * time.Second), Decision: audit.DecisionLogout, User: "usr_2"}})
			want = append(want, more...)
			return more, nil, nil
		}))
		wantHead := audit.Head{Seq: 3, Hash: want[2].Hash, CheckpointSeq: 3, CheckpointTime: t0.Add(3 * time.Second)}
		if diff := cmp.Diff(wantHead, head); diff != "" {
			t.Errorf("head after the first append (-want +got):\n%s", diff)
		}
		got, err := s.AuditRecords(ctx, 1, 100, 100)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
		gotCP, err := s.AuditCheckpoints(ctx, 0, 100, 100)
		must(t, err)
		if diff := cmp.Diff(wantCP, gotCP); diff != "" {
			t.Errorf("checkpoints (-want +got):\n%s", diff)
		}
		if !gotCP[0].Valid(signer.Key.Public().(ed25519.PublicKey)) {
			t.Error("checkpoint read back does not verify")
		}
	})

	t.Run("a checkpoint alone signs the head", func(t *testing.T) {
		s := newStore(t)
		appendEvents(t, s, []audit.Event{{Time: t0, Decision: audit.DecisionAllowed}}, false)
		must(t, s.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
			return nil, []audit.Checkpoint{signer.Sign(h.Seq, h.Hash, t0)}, nil
		}))
		if got := appendEvents(t, s, nil, false); got.CheckpointSeq != 1 || got.Seq != 1 {
			t.Errorf("head = %+v, want checkpoint at 1", got)
		}
	})

	t.Run("a failing seal writes nothing", func(t *testing.T) {
		s := newStore(t)
		errSeal := errors.New("seal failed")
		err := s.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
			return chain(t, h, []audit.Event{{Time: t0, Decision: audit.DecisionAllowed}}), nil, errSeal
		})
		if !errors.Is(err, errSeal) {
			t.Errorf("err = %v, want the seal's error", err)
		}
		if got := appendEvents(t, s, nil, false); got.Seq != 0 {
			t.Errorf("head seq = %d after a failed seal, want 0", got.Seq)
		}
	})

	t.Run("records that do not extend the head are refused", func(t *testing.T) {
		s := newStore(t)
		appendEvents(t, s, []audit.Event{{Time: t0, Decision: audit.DecisionAllowed}}, false)
		for name, tamper := range map[string]func(h audit.Head, r []audit.Record, c []audit.Checkpoint) ([]audit.Record, []audit.Checkpoint){
			"seq not after the head": func(h audit.Head, r []audit.Record, c []audit.Checkpoint) ([]audit.Record, []audit.Checkpoint) {
				rec, err := audit.NewRecord(h.Seq+2, h.Hash, audit.Event{Time: t0, Decision: "x"})
				must(t, err)
				return []audit.Record{rec}, nil
			},
			"prev_hash not the head's": func(h audit.Head, r []audit.Record, c []audit.Checkpoint) ([]audit.Record, []audit.Checkpoint) {
				rec, err := audit.NewRecord(h.Seq+1, audit.Genesis(), audit.Event{Time: t0, Decision: "x"})
				must(t, err)
				return []audit.Record{rec}, nil
			},
			"wrong hash": func(h audit.Head, r []audit.Record, c []audit.Checkpoint) ([]audit.Record, []audit.Checkpoint) {
				r[0].Event = []byte(`{"decision":"edited"}`)
				return r, nil
			},
			"checkpoint of another hash": func(h audit.Head, r []audit.Record, c []audit.Checkpoint) ([]audit.Record, []audit.Checkpoint) {
				return r, []audit.Checkpoint{signer.Sign(r[0].Seq, audit.Genesis(), t0)}
			},
		} {
			err := s.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
				recs, cps := tamper(h, chain(t, h, []audit.Event{{Time: t0, Decision: "x"}}), nil)
				return recs, cps, nil
			})
			if !errors.Is(err, audit.ErrNotExtending) {
				t.Errorf("%s: err = %v, want ErrNotExtending", name, err)
			}
		}
		if got := appendEvents(t, s, nil, false); got.Seq != 1 {
			t.Errorf("head seq = %d after refused appends, want 1", got.Seq)
		}
	})

	t.Run("concurrent appenders extend one gap-free chain", func(t *testing.T) {
		s := newStore(t)
		const workers, appends = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*appends)
		for w := range workers {
			wg.Go(func() {
				for i := range appends {
					n := 1 + (w+i)%3
					evs := make([]audit.Event, n)
					for j := range evs {
						evs[j] = audit.Event{Time: t0, Decision: audit.DecisionAllowed, RequestID: fmt.Sprintf("w%d-%d-%d", w, i, j)}
					}
					errs <- s.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
						recs, err := chainErr(h, evs)
						return recs, nil, err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent append: %v", err)
			}
		}
		recs, err := s.AuditRecords(ctx, 1, 1<<40, 10000)
		must(t, err)
		prev, seen := audit.Genesis(), map[string]bool{}
		for i, r := range recs {
			if r.Seq != int64(i+1) || r.PrevHash != prev || r.Hash != audit.RecordHash(r.Seq, r.PrevHash, r.Event) {
				t.Fatalf("record %d (seq %d) does not extend the chain", i, r.Seq)
			}
			prev = r.Hash
			seen[r.RequestID] = true
		}
		want := 0
		for w := range workers {
			for i := range appends {
				want += 1 + (w+i)%3
			}
		}
		if len(recs) != want || len(seen) != want {
			t.Errorf("%d records, %d distinct, want %d", len(recs), len(seen), want)
		}
	})

	t.Run("records and checkpoints by seq range, with limit", func(t *testing.T) {
		s := newStore(t)
		evs := make([]audit.Event, 10)
		for i := range evs {
			evs[i] = audit.Event{Time: t0.Add(time.Duration(i) * time.Second), Decision: audit.DecisionAllowed}
		}
		appendEvents(t, s, evs, true)
		for _, tc := range []struct {
			from, to int64
			limit    int
			want     []int64
		}{
			{1, 10, 100, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
			{3, 5, 100, []int64{3, 4, 5}},
			{3, 100, 2, []int64{3, 4}},
			{11, 20, 100, nil},
		} {
			recs, err := s.AuditRecords(ctx, tc.from, tc.to, tc.limit)
			must(t, err)
			cps, err := s.AuditCheckpoints(ctx, tc.from, tc.to, tc.limit)
			must(t, err)
			var got, gotCP []int64
			for _, r := range recs {
				got = append(got, r.Seq)
			}
			for _, c := range cps {
				gotCP = append(gotCP, c.Seq)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("AuditRecords(%d, %d, %d) (-want +got):\n%s", tc.from, tc.to, tc.limit, diff)
			}
			if diff := cmp.Diff(tc.want, gotCP); diff != "" {
				t.Errorf("AuditCheckpoints(%d, %d, %d) (-want +got):\n%s", tc.from, tc.to, tc.limit, diff)
			}
		}
	})

	t.Run("query filters", func(t *testing.T) {
		s := newStore(t)
		appendEvents(t, s, []audit.Event{
			{Time: t0, RequestID: "r1", Decision: audit.DecisionAllowed, App: "a", User: "u1"},
			{Time: t0.Add(time.Minute), RequestID: "r2", Decision: audit.DecisionDenied, App: "a", User: "u2"},
			{Time: t0.Add(2 * time.Minute), RequestID: "r3", Decision: audit.DecisionAllowed, App: "b", User: "u1"},
			{Time: t0.Add(3 * time.Minute), RequestID: "r4", Decision: audit.DecisionLimited, App: "b", User: "u2"},
			{Time: t0.Add(4 * time.Minute), RequestID: "r5", Decision: audit.DecisionAllowed, App: "a", User: "u1"},
		}, false)
		for _, tc := range []struct {
			name string
			f    audit.Filter
			want []string
		}{
			{"everything", audit.Filter{Limit: 100}, []string{"r1", "r2", "r3", "r4", "r5"}},
			{"time range: since inclusive, until exclusive", audit.Filter{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute), Limit: 100}, []string{"r2", "r3"}},
			{"app", audit.Filter{App: "b", Limit: 100}, []string{"r3", "r4"}},
			{"user", audit.Filter{User: "u1", Limit: 100}, []string{"r1", "r3", "r5"}},
			{"decision", audit.Filter{Decision: audit.DecisionAllowed, Limit: 100}, []string{"r1", "r3", "r5"}},
			{"request id", audit.Filter{RequestID: "r4", Limit: 100}, []string{"r4"}},
			{"combined", audit.Filter{App: "a", User: "u1", Decision: audit.DecisionAllowed, Since: t0.Add(time.Second), Limit: 100}, []string{"r5"}},
			{"limit", audit.Filter{Limit: 2}, []string{"r1", "r2"}},
			{"newest first", audit.Filter{Newest: true, Limit: 2}, []string{"r5", "r4"}},
			{"seq bounds for paging", audit.Filter{AfterSeq: 1, BeforeSeq: 4, Limit: 100}, []string{"r2", "r3"}},
			{"nothing matches", audit.Filter{App: "missing", Limit: 100}, nil},
		} {
			recs, err := s.QueryAudit(ctx, tc.f)
			must(t, err)
			var got []string
			for _, r := range recs {
				got = append(got, r.RequestID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
	})

	t.Run("keys: insert, list oldest first, conflict", func(t *testing.T) {
		s := newStore(t)
		k2 := audit.Key{ID: "k2", Public: make([]byte, 32), Sealed: []byte{2}, CreatedAt: t0.Add(time.Hour)}
		k1 := audit.Key{ID: "k1", Public: signer.Key.Public().(ed25519.PublicKey), Sealed: []byte{1}, CreatedAt: t0}
		must(t, s.InsertAuditKey(ctx, k2))
		must(t, s.InsertAuditKey(ctx, k1))
		keys, err := s.AuditKeys(ctx)
		must(t, err)
		if diff := cmp.Diff([]audit.Key{k1, k2}, keys); diff != "" {
			t.Errorf("AuditKeys (-want +got):\n%s", diff)
		}
		if err := s.InsertAuditKey(ctx, k1); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate key id: err = %v, want ErrConflict", err)
		}
	})
}

// chain builds the records that extend h with evs.
func chain(t *testing.T, h audit.Head, evs []audit.Event) []audit.Record {
	t.Helper()
	recs, err := chainErr(h, evs)
	must(t, err)
	return recs
}

func chainErr(h audit.Head, evs []audit.Event) ([]audit.Record, error) {
	var recs []audit.Record
	prev := h.Hash
	for i, ev := range evs {
		r, err := audit.NewRecord(h.Seq+1+int64(i), prev, ev)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
		prev = r.Hash
	}
	return recs, nil
}

// appendEvents appends evs (with a checkpoint at each record if
// checkpoints) and returns the head the transaction saw.
func appendEvents(t *testing.T, s audit.Store, evs []audit.Event, checkpoints bool) audit.Head {
	t.Helper()
	signer := audit.NewSigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	var head audit.Head
	must(t, s.AppendAudit(context.Background(), func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
		head = h
		recs, err := chainErr(h, evs)
		var cps []audit.Checkpoint
		if checkpoints {
			for _, r := range recs {
				cps = append(cps, signer.Sign(r.Seq, r.Hash, t0))
			}
		}
		return recs, cps, err
	}))
	return head
}
