package audit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/audit"
)

func event(i int) audit.Event {
	decisions := []string{audit.DecisionAllowed, audit.DecisionDenied, audit.DecisionLimited}
	return audit.Event{
		Time: t0.Add(time.Duration(i) * time.Millisecond), RequestID: fmt.Sprintf("req-%d", i),
		Decision: decisions[i%len(decisions)], Status: 200, App: "demo-app", User: fmt.Sprintf("usr_%d", i%7),
		Route: "/v1/chat/completions", Model: "demo-chat", PromptTokens: i % 100, LatencyMS: float64(i) / 10,
	}
}

func verifyOK(t *testing.T, r audit.Reader, wantRecords int64) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), r, testKeys(), audit.VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify: %v (report %+v)", err, rep)
	}
	if rep.Records != wantRecords || rep.LastSeq != wantRecords {
		t.Errorf("Verify checked %d records (last seq %d), want %d", rep.Records, rep.LastSeq, wantRecords)
	}
	return rep
}

func TestConcurrentProducersWriteOneVerifiableChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
		ctx := context.Background()
		db := open(t)
		obs := &counter{}
		l := openLog(t, db, audit.Options{QueueSize: 256, BatchSize: 64, CheckpointEvery: 100, Observer: obs})
		const producers, each = 8, 500
		var wg sync.WaitGroup
		for p := range producers {
			wg.Go(func() {
				for i := range each {
					ev := event(p*each + i)
					ev.Session = fmt.Sprintf("p%d", p)
					if i%2 == 0 {
						if err := l.Record(ctx, ev); err != nil {
							t.Errorf("Record: %v", err)
						}
						continue
					}
					slot, err := l.Reserve(ctx)
					if err != nil {
						t.Errorf("Reserve: %v", err)
						continue
					}
					slot.Record(ev)
				}
			})
		}
		wg.Wait()
		if err := l.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		const total = producers * each
		if n := db.count(t, `SELECT COUNT(*) FROM audit_records`); n != total {
			t.Errorf("%d records, want %d", n, total)
		}
		if n := db.count(t, `SELECT COUNT(DISTINCT request_id) FROM audit_records`); n != total {
			t.Errorf("%d distinct events, want %d", n, total)
		}
		rep := verifyOK(t, db, total)
		if rep.LastCheckpoint == nil || rep.LastCheckpoint.Seq != total || rep.Unanchored != 0 {
			t.Errorf("last checkpoint %+v, unanchored %d: want the whole chain signed", rep.LastCheckpoint, rep.Unanchored)
		}
		if rep.Checkpoints < total/100 {
			t.Errorf("%d checkpoints, want at least %d", rep.Checkpoints, total/100)
		}
		if got := obs.written.Load(); got != total {
			t.Errorf("Observer saw %d events written, want %d", got, total)
		}
		// Each producer's events are in the order it recorded them.
		last := map[string]int{}
		recs, err := db.AuditRecords(ctx, 1, total, total)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			ev, err := r.Decode()
			if err != nil {
				t.Fatal(err)
			}
			var n int
			fmt.Sscanf(ev.RequestID, "req-%d", &n)
			if prev, ok := last[ev.Session]; ok && n <= prev {
				t.Fatalf("producer %s: event %d after %d", ev.Session, n, prev)
			}
			last[ev.Session] = n
		}
	})
}

func TestRestartContinuesTheChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
		ctx := context.Background()
		db := open(t)
		l := openLog(t, db, audit.Options{CheckpointEvery: 1000})
		for i := range 100 {
			if err := l.Record(ctx, event(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		// A new process: a new connection and a new writer.
		db2 := db.reopen(t)
		l2 := openLog(t, db2, audit.Options{CheckpointEvery: 1000})
		for i := 100; i < 250; i++ {
			if err := l2.Record(ctx, event(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l2.Close(ctx); err != nil {
			t.Fatal(err)
		}
		verifyOK(t, db, 250)
		cps, err := db.AuditCheckpoints(ctx, 0, 1000, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, c := range cps {
			seqs = append(seqs, c.Seq)
		}
		if diff := cmp.Diff([]int64{100, 250}, seqs); diff != "" {
			t.Errorf("checkpoints (-want +got):\n%s", diff)
		}
	})
}

func TestOpenSignsRecordsACrashLeftUnsigned(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
		ctx := context.Background()
		db := open(t)
		// A writer that crashed after committing 5 records and before any
		// checkpoint.
		if err := db.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
			var recs []audit.Record
			prev := h.Hash
			for i := range 5 {
				r, err := audit.NewRecord(int64(i+1), prev, event(i))
				if err != nil {
					return nil, nil, err
				}
				recs, prev = append(recs, r), r.Hash
			}
			return recs, nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		openLog(t, db, audit.Options{})
		rep := verifyOK(t, db, 5)
		if rep.LastCheckpoint == nil || rep.LastCheckpoint.Seq != 5 {
			t.Errorf("last checkpoint = %+v, want one at seq 5 right after Open", rep.LastCheckpoint)
		}
	})
}

func TestCheckpointEveryNRecords(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	l := openLog(t, db, audit.Options{CheckpointEvery: 10, BatchSize: 7, Now: fixedNow})
	for i := range 95 {
		if err := l.Record(ctx, event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	cps, err := db.AuditCheckpoints(ctx, 0, 1000, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range cps {
		got = append(got, c.Seq)
	}
	want := []int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 95}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("checkpoints (-want +got):\n%s", diff)
	}
}

func TestCheckpointIntervalWhileRecordsAreAdded(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	clk := &clock{t: t0}
	l := openLog(t, db, audit.Options{CheckpointEvery: 1 << 30, CheckpointInterval: 20 * time.Millisecond, Now: clk.Now})
	checkpoints := func() int64 { return db.count(t, `SELECT COUNT(*) FROM audit_checkpoints`) }
	for i := range 5 {
		if err := l.Record(ctx, event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := checkpoints(); n != 0 {
		t.Fatalf("%d checkpoints before the interval passed, want 0", n)
	}
	clk.Advance(time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for checkpoints() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint after the interval passed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// No records added since: no further checkpoint, however long.
	clk.Advance(time.Hour)
	time.Sleep(50 * time.Millisecond)
	if n := checkpoints(); n != 1 {
		t.Errorf("%d checkpoints with no new records, want 1", n)
	}
	verifyOK(t, db, 5)
}

// gatedStore holds appends, once held is set, until the gate opens.
type gatedStore struct {
	audit.Store
	held atomic.Bool
	gate chan struct{}
}

func (g *gatedStore) AppendAudit(ctx context.Context, seal audit.SealFunc) error {
	if g.held.Load() {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.Store.AppendAudit(ctx, seal)
}

// fillQueue opens a log whose writes hang and fills its queue of 16.
func fillQueue(t *testing.T, o audit.Options) (*audit.Log, *gatedStore, *testDB) {
	t.Helper()
	db := openSQLite(t)
	g := &gatedStore{Store: db, gate: make(chan struct{})}
	o.QueueSize = 16
	l := openLog(t, g, o)
	g.held.Store(true)
	for i := range 16 {
		if err := l.Record(context.Background(), event(i)); err != nil {
			t.Fatalf("Record %d of 16: %v", i, err)
		}
	}
	if d := l.QueueDepth(); d != 16 {
		t.Fatalf("QueueDepth = %d, want 16", d)
	}
	return l, g, db
}

func TestQueueFullReject(t *testing.T) {
	ctx := context.Background()
	obs := &counter{}
	l, g, db := fillQueue(t, audit.Options{OnFull: audit.Reject, Observer: obs})
	start := time.Now()
	if err := l.Record(ctx, event(99)); !errors.Is(err, audit.ErrQueueFull) {
		t.Errorf("Record on a full queue: err = %v, want ErrQueueFull", err)
	}
	if _, err := l.Reserve(ctx); !errors.Is(err, audit.ErrQueueFull) {
		t.Errorf("Reserve on a full queue: err = %v, want ErrQueueFull", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Reject took %v, want at once", d)
	}
	if n := obs.rejected.Load(); n != 2 {
		t.Errorf("Observer saw %d rejections, want 2", n)
	}
	close(g.gate)
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if d := l.QueueDepth(); d != 0 {
		t.Errorf("QueueDepth after Flush = %d, want 0", d)
	}
	if err := l.Record(ctx, event(16)); err != nil {
		t.Errorf("Record after room was made: %v", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := db.count(t, `SELECT COUNT(*) FROM audit_records`); n != 17 {
		t.Errorf("%d records, want 17 (every accepted event, none rejected)", n)
	}
}

func TestQueueFullBlock(t *testing.T) {
	ctx := context.Background()
	t.Run("waits BlockTimeout, then fails", func(t *testing.T) {
		l, g, _ := fillQueue(t, audit.Options{OnFull: audit.Block, BlockTimeout: 100 * time.Millisecond})
		defer close(g.gate)
		start := time.Now()
		err := l.Record(ctx, event(99))
		if !errors.Is(err, audit.ErrQueueFull) {
			t.Errorf("err = %v, want ErrQueueFull", err)
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("returned after %v, want after BlockTimeout (100ms)", d)
		}
	})
	t.Run("the caller's context ends the wait", func(t *testing.T) {
		l, g, _ := fillQueue(t, audit.Options{OnFull: audit.Block, BlockTimeout: time.Hour})
		defer close(g.gate)
		cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		if _, err := l.Reserve(cctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
	})
	t.Run("succeeds when room is made in time", func(t *testing.T) {
		l, g, db := fillQueue(t, audit.Options{OnFull: audit.Block, BlockTimeout: 10 * time.Second})
		time.AfterFunc(30*time.Millisecond, func() { close(g.gate) })
		if err := l.Record(ctx, event(16)); err != nil {
			t.Fatalf("Record: %v", err)
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if n := db.count(t, `SELECT COUNT(*) FROM audit_records`); n != 17 {
			t.Errorf("%d records, want 17", n)
		}
	})
	t.Run("a cancelled request's event is still accepted when there is room", func(t *testing.T) {
		db := openSQLite(t)
		l := openLog(t, db, audit.Options{})
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		ev := event(1)
		ev.Decision = audit.DecisionCancelled
		if err := l.Record(cctx, ev); err != nil {
			t.Errorf("Record with a cancelled context: %v", err)
		}
	})
}

func TestReservedSlotsNeverFail(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	l := openLog(t, db, audit.Options{QueueSize: 16, OnFull: audit.Reject})
	var slots []*audit.Slot
	for range 16 {
		s, err := l.Reserve(ctx)
		if err != nil {
			t.Fatalf("Reserve: %v", err)
		}
		slots = append(slots, s)
	}
	if _, err := l.Reserve(ctx); !errors.Is(err, audit.ErrQueueFull) {
		t.Errorf("17th Reserve: err = %v, want ErrQueueFull", err)
	}
	if err := l.Record(ctx, event(0)); !errors.Is(err, audit.ErrQueueFull) {
		t.Errorf("Record with every slot reserved: err = %v, want ErrQueueFull", err)
	}
	slots[0].Release()
	slots[0].Release() // twice is harmless
	if err := l.Record(ctx, event(0)); err != nil {
		t.Errorf("Record after a Release: %v", err)
	}
	for i, s := range slots[1:] {
		s.Record(event(i + 1))
	}
	// Close waits for an outstanding slot.
	last, err := waitForRoom(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- l.Close(ctx) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with a slot outstanding", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := l.Record(ctx, event(98)); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Record while closing: err = %v, want ErrClosed", err)
	}
	if _, err := l.Reserve(ctx); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Reserve while closing: err = %v, want ErrClosed", err)
	}
	last.Record(event(17))
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := db.count(t, `SELECT COUNT(*) FROM audit_records`); n != 17 {
		t.Errorf("%d records, want 17", n)
	}
	verifyOK(t, db, 17)
}

// waitForRoom reserves a slot once the queue has room.
func waitForRoom(ctx context.Context, l *audit.Log) (*audit.Slot, error) {
	if err := l.Flush(ctx); err != nil {
		return nil, err
	}
	return l.Reserve(ctx)
}

func TestCloseWritesEverythingAccepted(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	// A long linger: nothing is written before Close unless Close drains.
	l := openLog(t, db, audit.Options{QueueSize: 10000, BatchSize: 10000, FlushInterval: time.Hour})
	for i := range 5000 {
		if err := l.Record(ctx, event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := db.count(t, `SELECT COUNT(*) FROM audit_records`); n != 5000 {
		t.Errorf("%d records after Close, want 5000", n)
	}
	if err := l.Record(ctx, event(1)); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Record after Close: err = %v, want ErrClosed", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	verifyOK(t, db, 5000)
}

func TestFlushDoesNotWaitForTheLinger(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	l := openLog(t, db, audit.Options{FlushInterval: time.Hour})
	for i := range 10 {
		if err := l.Record(ctx, event(i)); err != nil {
			t.Fatal(err)
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := l.Flush(fctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if n := db.count(t, `SELECT COUNT(*) FROM audit_records`); n != 10 {
		t.Errorf("%d records after Flush, want 10", n)
	}
}

// flakyStore fails appends as its script says, in three ways: before the
// transaction, after sealing (rolled back), and after committing (the
// caller cannot tell that it committed).
type flakyStore struct {
	audit.Store
	mu     sync.Mutex
	calls  int
	script map[int]string // call number → "before", "sealed" or "committed"
	always bool           // fail every call, before the transaction
}

var errInjected = errors.New("injected failure")

func (f *flakyStore) AppendAudit(ctx context.Context, seal audit.SealFunc) error {
	f.mu.Lock()
	f.calls++
	mode := f.script[f.calls]
	if f.always {
		mode = "before"
	}
	f.mu.Unlock()
	switch mode {
	case "before":
		return fmt.Errorf("connect: %w", errInjected)
	case "sealed":
		err := f.Store.AppendAudit(ctx, func(h audit.Head) ([]audit.Record, []audit.Checkpoint, error) {
			if _, _, err := seal(h); err != nil {
				return nil, nil, err
			}
			return nil, nil, fmt.Errorf("insert: %w", errInjected)
		})
		return err
	case "committed":
		if err := f.Store.AppendAudit(ctx, seal); err != nil {
			return err
		}
		return fmt.Errorf("commit: connection reset: %w", errInjected)
	}
	return f.Store.AppendAudit(ctx, seal)
}

func TestFailingStoreLosesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
		ctx := context.Background()
		db := open(t)
		script := map[int]string{}
		for call := 2; call < 200; call += 3 {
			script[call] = []string{"before", "sealed", "committed"}[call%3]
		}
		script[50], script[51], script[52] = "committed", "committed", "sealed" // in a row
		f := &flakyStore{Store: db, script: script}
		obs := &counter{}
		l := openLog(t, f, audit.Options{QueueSize: 64, BatchSize: 16, CheckpointEvery: 50, BlockTimeout: time.Minute,
			RetryMin: time.Millisecond, RetryMax: 2 * time.Millisecond, Observer: obs})
		const producers, each = 4, 500
		var wg sync.WaitGroup
		var accepted atomic.Int64
		for p := range producers {
			wg.Go(func() {
				for i := range each {
					if err := l.Record(ctx, event(p*each+i)); err != nil {
						t.Errorf("Record: %v", err)
						continue
					}
					accepted.Add(1)
				}
			})
		}
		wg.Wait()
		if err := l.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if obs.failed.Load() == 0 {
			t.Error("no write failed: the script did not run")
		}
		want := accepted.Load()
		if n := db.count(t, `SELECT COUNT(*) FROM audit_records`); n != want {
			t.Errorf("%d records, want %d (every accepted event exactly once)", n, want)
		}
		if n := db.count(t, `SELECT COUNT(DISTINCT request_id) FROM audit_records`); n != want {
			t.Errorf("%d distinct events, want %d", n, want)
		}
		verifyOK(t, db, want)
	})
}

func TestStoreDownFillsTheQueueAndCloseReportsWhatIsUnwritten(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	f := &flakyStore{Store: db}
	obs := &counter{}
	l := openLog(t, f, audit.Options{QueueSize: 16, OnFull: audit.Reject, RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond, Observer: obs})
	f.mu.Lock()
	f.always = true
	f.mu.Unlock()
	for i := range 16 {
		if err := l.Record(ctx, event(i)); err != nil {
			t.Fatalf("Record %d: %v", i, err)
		}
	}
	if err := l.Record(ctx, event(16)); !errors.Is(err, audit.ErrQueueFull) {
		t.Errorf("Record with the store down and the queue full: err = %v, want ErrQueueFull", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err := l.Close(cctx)
	if !errors.Is(err, errInjected) {
		t.Errorf("Close: err = %v, want the store's error", err)
	}
	if n := obs.lost.Load(); n != 16 {
		t.Errorf("Observer saw %d events lost, want 16", n)
	}
}

func TestOptionsAreValidated(t *testing.T) {
	db := openSQLite(t)
	other := audit.NewSigner(testSigner.Key)
	other.ID = "not-the-key-id"
	for name, o := range map[string]audit.Options{
		"no signer":           {},
		"signer id mismatch":  {Signer: other},
		"negative queue":      {Signer: testSigner, QueueSize: -1},
		"unknown OnFull":      {Signer: testSigner, OnFull: 7},
		"negative interval":   {Signer: testSigner, CheckpointInterval: -time.Second},
		"retry max below min": {Signer: testSigner, RetryMin: time.Second, RetryMax: time.Millisecond},
	} {
		if _, err := audit.Open(context.Background(), db, o); err == nil {
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

func TestParseOnFull(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    audit.OnFull
		wantErr bool
	}{{"block", audit.Block, false}, {"reject", audit.Reject, false}, {"drop", 0, true}} {
		got, err := audit.ParseOnFull(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ParseOnFull(%q) = %v, %v", tc.in, got, err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}

func TestTwoGatewaysShareOneChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
		ctx := context.Background()
		db := open(t)
		// Two gateways: two connections to one database, two writers.
		nodes := []*audit.Log{
			openLog(t, db, audit.Options{BatchSize: 16, CheckpointEvery: 64}),
			openLog(t, db.reopen(t), audit.Options{BatchSize: 16, CheckpointEvery: 64}),
		}
		const each = 600
		var wg sync.WaitGroup
		for n, l := range nodes {
			for p := range 2 {
				wg.Go(func() {
					for i := range each / 2 {
						if err := l.Record(ctx, event(n*each+p*each/2+i)); err != nil {
							t.Errorf("node %d: %v", n, err)
						}
					}
				})
			}
		}
		wg.Wait()
		for _, l := range nodes {
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
		rep := verifyOK(t, db, 2*each)
		if rep.Unanchored != 0 {
			t.Errorf("%d records unanchored after both closed", rep.Unanchored)
		}
	})
}
