package audit

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of Record and Reserve.
var (
	// ErrQueueFull means the queue had no room (at once with Reject,
	// after Options.BlockTimeout with Block). The event was not accepted:
	// the caller should refuse the request it describes (503).
	ErrQueueFull = errors.New("audit queue is full")
	// ErrClosed means the log is closing or closed.
	ErrClosed = errors.New("audit log is closed")
)

// OnFull says what Record and Reserve do when the queue is full.
type OnFull int

// What to do when the queue is full.
const (
	// Block waits up to Options.BlockTimeout for room, then fails with
	// ErrQueueFull.
	Block OnFull = iota
	// Reject fails with ErrQueueFull at once.
	Reject
)

// String returns "block" or "reject".
func (f OnFull) String() string {
	switch f {
	case Block:
		return "block"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("OnFull(%d)", int(f))
}

// ParseOnFull reads "block" or "reject" (the configuration's words).
func ParseOnFull(s string) (OnFull, error) {
	switch s {
	case "block":
		return Block, nil
	case "reject":
		return Reject, nil
	}
	return 0, fmt.Errorf("audit on_full %q: want block or reject", s)
}

// Observer receives the writer's measurements (the gateway adapts them to
// Prometheus; QueueDepth is read directly). Its methods are called from
// the writer goroutine and from callers of Record, so they must be safe
// for concurrent use and quick.
type Observer interface {
	// Written is called after each committed transaction.
	Written(events, checkpoints int, took time.Duration)
	// WriteFailed is called when a transaction fails; it is retried.
	WriteFailed(err error)
	// Rejected is called when Record or Reserve refuses an event.
	Rejected(err error)
	// Lost is called when accepted events could not be written: only when
	// Close gives up (its context ended), or a Slot is used after Close.
	Lost(events int64, err error)
}

type nopObserver struct{}

func (nopObserver) Written(int, int, time.Duration) {}
func (nopObserver) WriteFailed(error)               {}
func (nopObserver) Rejected(error)                  {}
func (nopObserver) Lost(int64, error)               {}

// Defaults of Options.
const (
	DefaultQueueSize          = 8192
	DefaultBlockTimeout       = 2 * time.Second
	DefaultBatchSize          = 512
	DefaultCheckpointEvery    = 1000
	DefaultCheckpointInterval = time.Minute
	DefaultRetryMin           = 50 * time.Millisecond
	DefaultRetryMax           = 5 * time.Second
)

// Options configure a Log. Zero values take the defaults; Signer is
// required.
type Options struct {
	// QueueSize bounds the events held in memory: accepted and not yet
	// committed, plus reserved slots. Default 8192.
	QueueSize int
	// OnFull is what happens when the queue is full. Default Block.
	OnFull OnFull
	// BlockTimeout is how long Block waits for room. Default 2s.
	BlockTimeout time.Duration
	// BatchSize is the most events written in one transaction. Default 512.
	BatchSize int
	// FlushInterval is how long the writer waits for a batch to fill
	// before writing it. Default 0: write as soon as an event is waiting
	// (batches still form while the previous transaction commits).
	FlushInterval time.Duration
	// CheckpointEvery is the number of records between checkpoints.
	// Default 1000.
	CheckpointEvery int
	// CheckpointInterval is the longest time records stay without a
	// checkpoint while records are being added. Default 1 minute.
	CheckpointInterval time.Duration
	// RetryMin and RetryMax bound the backoff between failed writes.
	// Defaults 50ms and 5s.
	RetryMin, RetryMax time.Duration
	// Signer signs checkpoints (see LoadOrCreateSigner). Required.
	Signer Signer
	// Logger receives write failures. Default: discard.
	Logger *slog.Logger
	// Now is the clock of event and checkpoint times. Default time.Now.
	Now func() time.Time
	// Observer receives measurements. Default: none.
	Observer Observer
}

func (o Options) withDefaults() Options {
	if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.BlockTimeout == 0 {
		o.BlockTimeout = DefaultBlockTimeout
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = DefaultCheckpointEvery
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = DefaultCheckpointInterval
	}
	if o.RetryMin == 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax == 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	return o
}

func (o Options) validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("audit options: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	if o.QueueSize < 1 {
		bad("QueueSize", "%d: want at least 1", o.QueueSize)
	}
	if o.OnFull != Block && o.OnFull != Reject {
		bad("OnFull", "%v: want Block or Reject", o.OnFull)
	}
	if o.BatchSize < 1 {
		bad("BatchSize", "%d: want at least 1", o.BatchSize)
	}
	if o.CheckpointEvery < 1 {
		bad("CheckpointEvery", "%d: want at least 1", o.CheckpointEvery)
	}
	for name, d := range map[string]time.Duration{"BlockTimeout": o.BlockTimeout, "FlushInterval": o.FlushInterval,
		"CheckpointInterval": o.CheckpointInterval, "RetryMin": o.RetryMin, "RetryMax": o.RetryMax} {
		if d < 0 {
			bad(name, "%v: negative", d)
		}
	}
	if o.RetryMax < o.RetryMin {
		bad("RetryMax", "%v: less than RetryMin %v", o.RetryMax, o.RetryMin)
	}
	switch {
	case len(o.Signer.Key) != ed25519.PrivateKeySize:
		bad("Signer", "no Ed25519 private key")
	case o.Signer.ID != KeyID(o.Signer.Key.Public().(ed25519.PublicKey)):
		bad("Signer", "id %q is not the key's id %s", o.Signer.ID, KeyID(o.Signer.Key.Public().(ed25519.PublicKey)))
	}
	return errors.Join(errs...)
}

// Log is the audit log writer. Its methods are safe for concurrent use.
type Log struct {
	store ChainStore
	opts  Options
	log   *slog.Logger
	obs   Observer
	now   func() time.Time

	// slots holds one token per unit of capacity in use: an event accepted
	// and not yet committed, or a reservation.
	slots chan struct{}
	// events holds the accepted events the writer has not taken yet; it
	// never blocks a sender, since each event in it holds a token.
	events chan encoded

	mu        sync.Mutex
	closing   bool // Record and Reserve refuse; reserved slots still record
	done      bool // nothing is accepted any more
	accepted  int64
	committed int64
	reserved  int
	progress  chan struct{} // closed and replaced when committed or reserved change

	closingCh chan struct{} // closed when closing starts
	flushNow  chan struct{} // a Flush asks the writer not to linger
	stop      chan struct{} // closed when the writer must drain and exit
	exited    chan struct{} // closed by the writer when it returns
	closed    chan struct{} // closed when Close has finished
	cancel    context.CancelFunc
	closeErr  error

	// Writer goroutine state.
	started   time.Time
	lastCP    time.Time // the latest checkpoint time seen, or started
	uncovered bool      // records this writer wrote are not checkpointed yet
	inDoubt   *doubt
	lastErr   error // of the last failed write
	cpErr     error // of the final checkpoint
}

// doubt is a transaction whose commit failed in a way that may still have
// committed it: its first record's seq and hash tell.
type doubt struct {
	seq  int64
	hash Hash
}

// errInDoubt aborts a transaction whose head shows that a previous attempt
// may have committed.
var errInDoubt = errors.New("previous audit write may have committed")

// Open starts a writer that extends the chain in st. It reads the head
// (which checks that the store works) and, if a previous run left records
// without a checkpoint, signs one at once.
func Open(ctx context.Context, st ChainStore, opts Options) (*Log, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	l := &Log{
		store: st, opts: o, log: o.Logger, obs: o.Observer, now: o.Now,
		slots:     make(chan struct{}, o.QueueSize),
		events:    make(chan encoded, o.QueueSize),
		progress:  make(chan struct{}),
		closingCh: make(chan struct{}),
		flushNow:  make(chan struct{}, 1),
		stop:      make(chan struct{}),
		exited:    make(chan struct{}),
		closed:    make(chan struct{}),
	}
	l.started = l.now()
	l.lastCP = l.started
	head, err := l.checkpoint(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("audit: open: %w", err)
	}
	if head.CheckpointSeq > head.Seq {
		l.log.Error("audit: the chain ends before its last checkpoint: records were removed; run audit verify",
			"last_seq", head.Seq, "checkpoint_seq", head.CheckpointSeq)
	}
	wctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(wctx)
	return l, nil
}

// Record enqueues ev. A zero ev.Time becomes now. It returns once the
// event is accepted (not yet committed: see Flush), or ErrQueueFull,
// ErrClosed, or ctx's error while Block waits for room; an accepted event
// is never dropped. ctx bounds only that wait: an event of a cancelled
// request is still accepted when there is room.
func (l *Log) Record(ctx context.Context, ev Event) error {
	if err := l.acquire(ctx); err != nil {
		l.obs.Rejected(err)
		return err
	}
	e, err := encodeEvent(ev, l.now)
	if err == nil {
		err = l.enqueue(e, false)
	}
	if err != nil {
		<-l.slots
		l.obs.Rejected(err)
		return err
	}
	return nil
}

// acquire takes one unit of capacity, following OnFull.
func (l *Log) acquire(ctx context.Context) error {
	select {
	case <-l.closingCh:
		return ErrClosed
	default:
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	if l.opts.OnFull == Reject {
		return ErrQueueFull
	}
	t := time.NewTimer(l.opts.BlockTimeout)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-t.C:
		return fmt.Errorf("no room after %v: %w", l.opts.BlockTimeout, ErrQueueFull)
	case <-ctx.Done():
		return fmt.Errorf("wait for audit queue room: %w", ctx.Err())
	case <-l.closingCh:
		return ErrClosed
	}
}

// enqueue hands an event that holds a token to the writer.
func (l *Log) enqueue(e encoded, reserved bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if reserved {
		l.reserved--
		if l.closing {
			l.notifyLocked()
		}
	}
	if l.done || (l.closing && !reserved) {
		return ErrClosed
	}
	l.events <- e
	l.accepted++
	return nil
}

func (l *Log) notifyLocked() {
	close(l.progress)
	l.progress = make(chan struct{})
}

// Slot is room in the queue taken in advance by Reserve. It holds one
// event: the first Record or Release uses it up.
type Slot struct {
	l    *Log
	used atomic.Bool
}

// Reserve takes room for one event, following OnFull, so that a caller
// can refuse a request before doing its work (fail closed) and record its
// event later without failure. The slot must be used by Record or
// Release; Close waits for outstanding slots.
func (l *Log) Reserve(ctx context.Context) (*Slot, error) {
	if err := l.acquire(ctx); err != nil {
		l.obs.Rejected(err)
		return nil, err
	}
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		<-l.slots
		l.obs.Rejected(ErrClosed)
		return nil, ErrClosed
	}
	l.reserved++
	l.mu.Unlock()
	return &Slot{l: l}, nil
}

// Record enqueues ev in the reserved room; it cannot fail. A slot already
// used behaves like Log.Record (logged if that fails). Used after Close
// gave up waiting for it, the event is lost and reported as such (logged
// and Observer.Lost).
func (s *Slot) Record(ev Event) {
	l := s.l
	if !s.used.CompareAndSwap(false, true) {
		if err := l.Record(context.Background(), ev); err != nil {
			l.log.Error("audit: event of a slot used twice not recorded", "request_id", ev.RequestID, "err", err)
		}
		return
	}
	e, err := encodeEvent(ev, l.now)
	if err == nil {
		err = l.enqueue(e, true)
	} else {
		l.mu.Lock()
		l.reserved--
		l.notifyLocked()
		l.mu.Unlock()
	}
	if err != nil {
		<-l.slots
		l.lose(1, err)
	}
}

// Release gives the room back unused; it does nothing on a used slot.
func (s *Slot) Release() {
	if !s.used.CompareAndSwap(false, true) {
		return
	}
	l := s.l
	<-l.slots
	l.mu.Lock()
	l.reserved--
	if l.closing {
		l.notifyLocked()
	}
	l.mu.Unlock()
}

func (l *Log) lose(n int64, err error) {
	l.log.Error("audit: events lost", "events", n, "err", err)
	l.obs.Lost(n, err)
}

// QueueDepth is the capacity in use: events accepted and not yet
// committed, plus reserved slots (at most Options.QueueSize).
func (l *Log) QueueDepth() int { return len(l.slots) }

// Flush waits until every event accepted before the call is committed, or
// ctx ends.
func (l *Log) Flush(ctx context.Context) error {
	l.mu.Lock()
	target := l.accepted
	l.mu.Unlock()
	select {
	case l.flushNow <- struct{}{}:
	default:
	}
	for {
		l.mu.Lock()
		committed, ch := l.committed, l.progress
		l.mu.Unlock()
		if committed >= target {
			return nil
		}
		select {
		case <-ch:
		case <-l.exited:
			l.mu.Lock()
			committed = l.committed
			l.mu.Unlock()
			if committed >= target {
				return nil
			}
			return fmt.Errorf("audit: flush: %d events not written: %w", target-committed, ErrClosed)
		case <-ctx.Done():
			return fmt.Errorf("audit: flush: %w", ctx.Err())
		}
	}
}

// Close stops accepting events, waits for reserved slots to be used,
// writes everything accepted and a final checkpoint, and stops the
// writer. If ctx ends first, it gives up and returns an error that counts
// the events not written. Later calls return the same result.
func (l *Log) Close(ctx context.Context) error {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		select {
		case <-l.closed:
			return l.closeErr
		case <-ctx.Done():
			return fmt.Errorf("audit: close: %w", ctx.Err())
		}
	}
	l.closing = true
	close(l.closingCh)
	l.mu.Unlock()
	defer close(l.closed)

	var errs []error
	if n, err := l.waitReservations(ctx); err != nil {
		errs = append(errs, fmt.Errorf("audit: close: %d reserved slots unused: %w", n, err))
	}
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
	close(l.stop)
	select {
	case <-l.exited:
	case <-ctx.Done():
		l.cancel()
		<-l.exited
	}
	l.cancel()

	l.mu.Lock()
	lost := l.accepted - l.committed
	l.mu.Unlock()
	if lost > 0 {
		cause := l.lastErr
		if cause == nil {
			cause = ctx.Err()
		}
		err := fmt.Errorf("audit: close: %d events not written: %w", lost, cause)
		l.lose(lost, err)
		errs = append(errs, err)
	}
	if l.cpErr != nil {
		errs = append(errs, fmt.Errorf("audit: close: final checkpoint: %w", l.cpErr))
	}
	l.closeErr = errors.Join(errs...)
	return l.closeErr
}

// waitReservations waits until no slot is reserved.
func (l *Log) waitReservations(ctx context.Context) (int, error) {
	for {
		l.mu.Lock()
		n, ch := l.reserved, l.progress
		l.mu.Unlock()
		if n == 0 {
			return 0, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
}
