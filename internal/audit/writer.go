package audit

import (
	"context"
	"errors"
	"time"
)

// run is the writer goroutine: it takes events in order, writes them in
// batches, retries failed writes, and checkpoints on time.
func (l *Log) run(ctx context.Context) {
	defer close(l.exited)
	tick := time.NewTicker(tickEvery(l.opts.CheckpointInterval))
	defer tick.Stop()
	batch := make([]encoded, 0, l.opts.BatchSize)
	for {
		select {
		case e := <-l.events:
			batch = l.fill(append(batch[:0], e))
			if !l.writeRetrying(ctx, batch) {
				return
			}
		case <-tick.C:
			l.checkpointOnTime(ctx)
		case <-l.stop:
			l.drain(ctx, batch[:0])
			return
		}
	}
}

// tickEvery is how often the writer checks the checkpoint interval.
func tickEvery(interval time.Duration) time.Duration {
	return min(max(interval/10, time.Millisecond), time.Second)
}

// fill adds waiting events to batch, lingering up to FlushInterval for it
// to fill unless a Flush or Close is waiting.
func (l *Log) fill(batch []encoded) []encoded {
	var linger <-chan time.Time
	if l.opts.FlushInterval > 0 {
		t := time.NewTimer(l.opts.FlushInterval)
		defer t.Stop()
		linger = t.C
	}
	for len(batch) < l.opts.BatchSize {
		select {
		case e := <-l.events:
			batch = append(batch, e)
			continue
		default:
		}
		if linger == nil {
			return batch
		}
		select {
		case e := <-l.events:
			batch = append(batch, e)
		case <-linger:
			return batch
		case <-l.flushNow:
			linger = nil
		case <-l.stop:
			linger = nil
		}
	}
	return batch
}

// drain writes every event still queued, then the final checkpoint. Close
// has set done, so no event arrives any more.
func (l *Log) drain(ctx context.Context, batch []encoded) {
	for {
		batch = batch[:0]
	take:
		for len(batch) < l.opts.BatchSize {
			select {
			case e := <-l.events:
				batch = append(batch, e)
			default:
				break take
			}
		}
		if len(batch) == 0 {
			break
		}
		if !l.writeRetrying(ctx, batch) {
			return
		}
	}
	for attempt := 0; ; attempt++ {
		_, err := l.checkpoint(ctx, true)
		if err == nil {
			l.cpErr = nil
			return
		}
		l.cpErr = err
		l.failed(err, 0, attempt)
		if !l.sleep(ctx, attempt) {
			return
		}
	}
}

// writeRetrying writes batch, retrying with backoff until it is committed
// (true) or ctx ends (false, with lastErr set).
func (l *Log) writeRetrying(ctx context.Context, batch []encoded) bool {
	for attempt := 0; ; attempt++ {
		err := l.write(ctx, batch)
		if err == nil {
			l.release(len(batch))
			return true
		}
		if ctx.Err() != nil {
			if l.lastErr == nil {
				l.lastErr = err
			}
			return false
		}
		l.lastErr = err
		l.failed(err, len(batch), attempt)
		if !l.sleep(ctx, attempt) {
			return false
		}
	}
}

func (l *Log) failed(err error, events, attempt int) {
	l.obs.WriteFailed(err)
	l.log.Warn("audit: write failed; retrying", "events", events, "attempt", attempt+1, "queue", len(l.slots), "err", err)
}

// sleep waits the backoff of attempt; false if ctx ended.
func (l *Log) sleep(ctx context.Context, attempt int) bool {
	d := l.opts.RetryMin
	for range min(attempt, 30) {
		d *= 2
		if d >= l.opts.RetryMax {
			break
		}
	}
	t := time.NewTimer(min(d, l.opts.RetryMax))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// release frees the capacity of n committed events.
func (l *Log) release(n int) {
	for range n {
		<-l.slots
	}
	l.mu.Lock()
	l.committed += int64(n)
	l.notifyLocked()
	l.mu.Unlock()
}

// write appends batch in one transaction. A transaction that failed after
// sealing may have committed (a connection lost during COMMIT): the next
// attempt then looks whether the chain holds its first record before
// writing the events again, so that a retry never duplicates them.
func (l *Log) write(ctx context.Context, batch []encoded) error {
	start := time.Now()
	var (
		sealed bool
		first  Record
		cps    []Checkpoint
		plan   cpPlan
	)
	err := l.store.AppendAudit(ctx, func(h Head) ([]Record, []Checkpoint, error) {
		if d := l.inDoubt; d != nil {
			if h.Seq >= d.seq {
				return nil, nil, errInDoubt
			}
			l.inDoubt = nil // the chain never reached it: it did not commit
		}
		recs := make([]Record, len(batch))
		prev := h.Hash
		for i, e := range batch {
			recs[i] = e.record(h.Seq+1+int64(i), prev)
			prev = recs[i].Hash
		}
		cps, plan = l.plan(h, recs, false)
		sealed, first = true, recs[0]
		return recs, cps, nil
	})
	switch {
	case err == nil:
		l.inDoubt = nil
		l.apply(plan)
		l.obs.Written(len(batch), len(cps), time.Since(start))
		l.logCheckpoints(cps)
		return nil
	case errors.Is(err, errInDoubt):
		committed, err := l.resolveDoubt(ctx)
		if err != nil {
			return err
		}
		l.inDoubt = nil
		if committed {
			l.uncovered = true
			l.obs.Written(len(batch), 0, time.Since(start))
			return nil
		}
		return l.write(ctx, batch)
	default:
		if sealed {
			l.inDoubt = &doubt{seq: first.Seq, hash: first.Hash}
		}
		return err
	}
}

// resolveDoubt reports whether the in-doubt transaction committed: the
// record at its first seq is the one it sealed.
func (l *Log) resolveDoubt(ctx context.Context) (bool, error) {
	d := l.inDoubt
	recs, err := l.store.AuditRecords(ctx, d.seq, d.seq, 1)
	var corrupt *CorruptError
	if errors.As(err, &corrupt) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(recs) == 1 && recs[0].Hash == d.hash, nil
}

// checkpointOnTime signs the head if records this writer added have gone
// without a checkpoint for CheckpointInterval.
func (l *Log) checkpointOnTime(ctx context.Context) {
	if !l.uncovered || l.now().Sub(l.lastCP) < l.opts.CheckpointInterval {
		return
	}
	if _, err := l.checkpoint(ctx, false); err != nil {
		l.failed(err, 0, 0)
	}
}

// checkpoint runs a transaction without records that signs the head if
// it is due (or, with force, not yet signed). It returns the head.
func (l *Log) checkpoint(ctx context.Context, force bool) (Head, error) {
	start := time.Now()
	var (
		head Head
		cps  []Checkpoint
		plan cpPlan
	)
	err := l.store.AppendAudit(ctx, func(h Head) ([]Record, []Checkpoint, error) {
		head = h
		cps, plan = l.plan(h, nil, force)
		return nil, cps, nil
	})
	if err != nil {
		return Head{}, err
	}
	l.apply(plan)
	if len(cps) > 0 {
		l.obs.Written(0, len(cps), time.Since(start))
		l.logCheckpoints(cps)
	}
	return head, nil
}

// logCheckpoints logs committed checkpoints: kept by a log collector,
// they are anchors for Verify outside the database.
func (l *Log) logCheckpoints(cps []Checkpoint) {
	for _, c := range cps {
		l.log.Info("audit checkpoint", "checkpoint", c)
	}
}

// cpPlan is the writer's checkpoint state after a transaction commits.
type cpPlan struct {
	uncovered bool
	lastCP    time.Time
}

func (l *Log) apply(p cpPlan) { l.uncovered, l.lastCP = p.uncovered, p.lastCP }

// plan decides the checkpoints of a transaction that appends recs to h:
// one each CheckpointEvery records since the last checkpoint, and one at
// the new head if CheckpointInterval has passed since the last checkpoint
// (or since this writer started) or if force is set.
func (l *Log) plan(h Head, recs []Record, force bool) ([]Checkpoint, cpPlan) {
	now := l.now()
	last, ref := h.CheckpointSeq, h.CheckpointTime
	if ref.Before(l.started) {
		ref = l.started
	}
	var cps []Checkpoint
	every := int64(l.opts.CheckpointEvery)
	for _, r := range recs {
		if r.Seq-last >= every {
			cps = append(cps, l.opts.Signer.Sign(r.Seq, r.Hash, now))
			last, ref = r.Seq, now
		}
	}
	seq, hash := h.Seq, h.Hash
	if len(recs) > 0 {
		seq, hash = recs[len(recs)-1].Seq, recs[len(recs)-1].Hash
	}
	if seq > last && (force || now.Sub(ref) >= l.opts.CheckpointInterval) {
		cps = append(cps, l.opts.Signer.Sign(seq, hash, now))
		last, ref = seq, now
	}
	return cps, cpPlan{uncovered: seq > last, lastCP: ref}
}
