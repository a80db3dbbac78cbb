package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/provider"
)

// streamWriteTimeout bounds each write to a streaming client, so that a
// client that stops reading cannot hold a stream (and its upstream) open.
const streamWriteTimeout = 30 * time.Second

// streamChat serves a streamed chat completion as server-sent events,
// passing each chunk on as it arrives. The upstream call lives in the
// request's context: a client that goes away cancels it.
func (g *Gateway) streamChat(w http.ResponseWriter, r *http.Request, c *aiCall) {
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.Server.StreamTimeout)
	defer cancel()
	alias := c.req.Model
	wantUsage := c.req.StreamOptions != nil && c.req.StreamOptions.IncludeUsage
	stream, tgt, err := upstreamCall(ctx, g, c, func(prov provider.Provider, upstream string) (provider.ChatStream, error) {
		req := *c.req
		req.Model = upstream
		return prov.ChatStream(ctx, &req)
	})
	c.ev.Provider, c.ev.UpstreamModel, c.ev.Fallback = tgt.provider, tgt.upstream, tgt.fallback
	if err != nil {
		_ = c.adm.settle(ctx, 0)
		g.upstreamFailed(w, r, c, err)
		return
	}
	defer stream.Close()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // tell reverse proxies not to buffer
	g.setOverhead(w, r, c.upstream)
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()

	var (
		answer   strings.Builder
		usage    *provider.Usage
		sent     bool
		failure  error
		clientOK = true
	)
	recvStart := g.now()
	// Chunks are received on their own goroutine, so that chunks that
	// arrived together leave together: each is written as it comes, and
	// the connection is flushed whenever no further chunk is waiting.
	chunks := receive(ctx, stream)
	pendingFlush := false
	var sg *streamGuard
	if c.guard != nil {
		sg = newStreamGuard(c.guard)
	}
	var last *provider.ChatChunk
	guardStop := false
	for res := range chunks {
		if res.err != nil {
			if !errors.Is(res.err, io.EOF) {
				failure = res.err
			}
			break
		}
		chunk := res.chunk
		last = chunk
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
		if sg != nil {
			guardStop = sg.chunk(chunk)
			if !guardStop && emptyChunk(chunk) {
				continue // its text is held back by a guard for now
			}
		}
		answer.WriteString(chunk.Text())
		if !wantUsage {
			// The gateway always asks for usage (to count tokens); the app
			// gets it only when it asked.
			chunk.Usage = nil
			if len(chunk.Choices) == 0 {
				continue
			}
		}
		chunk.Model = alias
		data, err := provider.Marshal(chunk)
		if err != nil {
			failure = &provider.Error{Provider: tgt.provider, Kind: provider.KindBadResponse, Cause: err}
			break
		}
		if !writeEvent(rc, w, data, false) {
			clientOK = false
			break
		}
		sent, pendingFlush = true, true
		if guardStop {
			break
		}
		if len(chunks) == 0 {
			if rc.Flush() != nil {
				clientOK = false
				break
			}
			pendingFlush = false
		}
	}
	if sg != nil && last != nil && failure == nil && clientOK && !guardStop {
		// Choices that ended without a finish reason: what the guards
		// still hold back.
		if rest := sg.rest(last); rest != nil {
			rest.Model = alias
			answer.WriteString(rest.Text())
			if data, err := provider.Marshal(rest); err == nil {
				clientOK = writeEvent(rc, w, data, false)
				pendingFlush = true
			}
		}
	}
	if pendingFlush && clientOK && rc.Flush() != nil {
		clientOK = false
	}
	c.upstream += g.now().Sub(recvStart)

	prompt, completion, estimated := c.promptTokens, int64(provider.EstimateTokens(answer.String())), true
	if usage != nil {
		prompt, completion, estimated = int64(usage.PromptTokens), int64(usage.CompletionTokens), false
	}
	if err := c.adm.settle(ctx, prompt+completion); err != nil {
		g.log.Error("budget commit", "request_id", requestID(r.Context()), "err", err)
	}
	c.ev.Status, c.ev.UpstreamStatus = http.StatusOK, http.StatusOK
	switch {
	case !clientOK || r.Context().Err() != nil:
		c.ev.Decision, c.ev.Reason = audit.DecisionCancelled, "client_disconnected"
	case failure != nil:
		ae := upstreamError(ctx, failure)
		g.log.Warn("stream failed", "request_id", requestID(r.Context()), "provider", tgt.provider, "err", failure)
		writeStreamError(rc, w, ae)
		c.ev.Decision, c.ev.Reason = audit.DecisionUpstreamError, ae.Code
		var pe *provider.Error
		if errors.As(failure, &pe) && pe.Status != 0 {
			c.ev.UpstreamStatus = pe.Status
		}
		if !sent {
			c.ev.Reason += "_before_first_chunk"
		}
	default:
		writeEvent(rc, w, []byte("[DONE]"), true)
		c.ev.Decision = audit.DecisionAllowed
	}
	g.finishCall(r, c, answer.String(), prompt, completion, estimated)
}

// writeEvent writes one SSE data event, and flushes it when asked.
func writeEvent(rc *http.ResponseController, w io.Writer, data []byte, flush bool) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	buf := make([]byte, 0, len(data)+8)
	buf = append(buf, "data: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	if _, err := w.Write(buf); err != nil {
		return false
	}
	return !flush || rc.Flush() == nil
}

// received is one result of a stream's Recv.
type received struct {
	chunk *provider.ChatChunk
	err   error
}

// receive runs stream.Recv on its own goroutine until the stream ends (the
// last result carries its error, io.EOF when it ended well) or ctx is done.
// The caller's deferred stream.Close unblocks a pending Recv.
func receive(ctx context.Context, stream provider.ChatStream) <-chan received {
	out := make(chan received, 64)
	go func() {
		defer close(out)
		for {
			c, err := stream.Recv()
			select {
			case out <- received{c, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// writeStreamError ends a stream whose upstream failed with an error
// event in the OpenAI shape (the SDKs raise it as an API error).
func writeStreamError(rc *http.ResponseController, w io.Writer, ae *apiError) {
	body := errorBody{Error: errorDetail{Message: ae.Message, Type: ae.Type, Code: ae.Code}}
	data, err := provider.Marshal(body)
	if err == nil {
		writeEvent(rc, w, data, true)
	}
}
