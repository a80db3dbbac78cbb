// Command mockupstream is a minimal OpenAI-compatible upstream for the
// gateway benchmark: it answers POST /v1/chat/completions with a fixed
// small chat.completion (or, for "stream":true, an SSE stream of -chunks
// chunks, a usage chunk and data: [DONE]) and POST /v1/embeddings with a
// fixed embedding. Every body is encoded once at start, so the upstream
// costs as little as it can and the benchmark measures what sits in
// front of it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.SetFlags(0)
		log.Fatalf("mockupstream: %v", err)
	}
}

type options struct {
	addr     string
	addrFile string
	chunks   int
	gap      time.Duration
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("mockupstream", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen address (loopback only)")
	fs.StringVar(&o.addrFile, "addr-file", "", "write the chosen host:port to this file once listening")
	fs.IntVar(&o.chunks, "chunks", 20, "content chunks in a streamed answer")
	fs.DurationVar(&o.gap, "gap", 0, "pause between streamed chunks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.chunks < 1 || o.chunks > 10000 {
		return fmt.Errorf("-chunks %d: want 1 to 10000", o.chunks)
	}
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: only loopback addresses are allowed", o.addr)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if o.addrFile != "" {
		if err := os.WriteFile(o.addrFile, []byte(ln.Addr().String()), 0o600); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           newMock(o.chunks, o.gap),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "mockupstream: listening on %s (chunks %d, gap %s)\n", ln.Addr(), o.chunks, o.gap)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// mock holds the pre-encoded answers.
type mock struct {
	completion []byte
	embedding  []byte
	chunks     [][]byte // SSE events, each "data: …\n\n", the last being [DONE]
	gap        time.Duration
	mux        *http.ServeMux
}

const (
	created       = 1700000000
	upstreamModel = "gpt-4o-mini"
	promptTokens  = 12
)

func newMock(n int, gap time.Duration) *mock {
	m := &mock{gap: gap, mux: http.NewServeMux()}
	m.completion = mustJSON(map[string]any{
		"id": "chatcmpl-bench", "object": "chat.completion", "created": created, "model": upstreamModel,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": "Hello from the benchmark upstream."}}},
		"usage": map[string]int{"prompt_tokens": promptTokens, "completion_tokens": 7, "total_tokens": promptTokens + 7},
	})
	chunk := func(delta map[string]any, finish any) []byte {
		return sse(mustJSON(map[string]any{
			"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": created, "model": upstreamModel,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		}))
	}
	m.chunks = append(m.chunks, chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i := range n {
		m.chunks = append(m.chunks, chunk(map[string]any{"content": "tok" + strconv.Itoa(i) + " "}, nil))
	}
	m.chunks = append(m.chunks, chunk(map[string]any{}, "stop"))
	m.chunks = append(m.chunks, sse(mustJSON(map[string]any{
		"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": created, "model": upstreamModel,
		"choices": []any{}, "usage": map[string]int{"prompt_tokens": promptTokens, "completion_tokens": n, "total_tokens": promptTokens + n},
	})))
	m.chunks = append(m.chunks, []byte("data: [DONE]\n\n"))
	vec := make([]float64, 16)
	for i := range vec {
		vec[i] = float64(i) / 16
	}
	m.embedding = mustJSON(map[string]any{
		"object": "list", "model": "text-embedding-3-small",
		"data":  []any{map[string]any{"object": "embedding", "index": 0, "embedding": vec}},
		"usage": map[string]int{"prompt_tokens": 4, "total_tokens": 4},
	})
	m.mux.HandleFunc("POST /v1/chat/completions", m.chat)
	m.mux.HandleFunc("POST /v1/embeddings", m.embeddings)
	m.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	return m
}

func (m *mock) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

func (m *mock) chat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if !wantsStream(body) {
		writeJSON(w, m.completion)
		return
	}
	h := w.Header()
	h["Content-Type"] = []string{"text/event-stream"}
	h["Cache-Control"] = []string{"no-cache"}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	for i, c := range m.chunks {
		if i > 0 && m.gap > 0 {
			t := time.NewTimer(m.gap)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if _, err := w.Write(c); err != nil {
			return
		}
		// A real provider sends each token as it comes: flush every chunk.
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (m *mock) embeddings(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	writeJSON(w, m.embedding)
}

func writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	_, _ = w.Write(body)
}

// wantsStream reports whether a request body sets "stream" to true. It
// scans instead of decoding: the key, optional spaces, a colon, optional
// spaces, then true.
func wantsStream(body []byte) bool {
	key := []byte(`"stream"`)
	for {
		i := bytes.Index(body, key)
		if i < 0 {
			return false
		}
		rest := bytes.TrimLeft(body[i+len(key):], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			rest = bytes.TrimLeft(rest[1:], " \t\r\n")
			return bytes.HasPrefix(rest, []byte("true"))
		}
		body = body[i+len(key):]
	}
}

func sse(data []byte) []byte { return append(append([]byte("data: "), data...), '\n', '\n') }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
