package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is the API key of the tests; no error may contain it.
const testKey = "sk-test-SECRET-0123456789"

// recorded is a request as the fake upstream received it.
type recorded struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       []byte
}

// upstream is a fake provider: a real HTTP server that records every
// request and answers with handle (call counts from 1).
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newUpstream(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, call int)) *upstream {
	t.Helper()
	u := newUnstartedUpstream(t, handle)
	u.Start()
	return u
}

// newUnstartedUpstream is newUpstream before Start, to set up its server.
func newUnstartedUpstream(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, call int)) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, recorded{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body})
		n := len(u.reqs)
		u.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) calls() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *upstream) request(t testing.TB, i int) recorded {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if i >= len(u.reqs) {
		t.Fatalf("upstream got %d requests, want at least %d", len(u.reqs), i+1)
	}
	return u.reqs[i]
}

// openAIConfig is a provider of the tests pointed at u.
func openAIConfig(u *upstream) Config {
	return Config{Name: "test", Type: TypeOpenAI, BaseURL: u.URL + "/v1", APIKey: testKey, MaxRetries: 2,
		Now: func() time.Time { return time.Unix(1700000000, 0) }}
}

// newTestOpenAI builds an OpenAI provider whose retries wait 1 ms.
func newTestOpenAI(t testing.TB, cfg Config) *OpenAI {
	t.Helper()
	p, err := NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.http.delay = func(int) time.Duration { return time.Millisecond }
	return p
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// sseWriter writes server-sent events and flushes each one.
func sseWrite(w http.ResponseWriter, events ...string) {
	for _, e := range events {
		_, _ = io.WriteString(w, e)
		w.(http.Flusher).Flush()
	}
}

func startSSE(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

func dataEvent(v string) string { return "data: " + v + "\n\n" }

const completionBody = `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`

func chunkJSON(content string) string {
	return fmt.Sprintf(`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`, content)
}

const finishChunk = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
const usageChunk = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`

func chatRequest(t testing.TB, s string) *ChatRequest {
	t.Helper()
	var r ChatRequest
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func simpleRequest() *ChatRequest {
	return &ChatRequest{Model: "gpt-4o-mini", Messages: []Message{{Role: "user", Content: TextContent("Say hello")}}}
}

// wantError checks that err is an *Error of kind and code that shows no
// secret, and returns it.
func wantError(t testing.TB, err error, kind Kind, code string) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if pe.Kind != kind || pe.Code != code {
		t.Errorf("error kind/code = %v/%q, want %v/%q (%v)", pe.Kind, pe.Code, kind, code, err)
	}
	if pe.Message == "" {
		t.Errorf("error has no message: %v", err)
	}
	for _, s := range []string{pe.Error(), pe.Message, fmt.Sprintf("%+v", pe), fmt.Sprintf("%#v", pe.Cause)} {
		if strings.Contains(s, testKey) {
			t.Errorf("error shows the API key: %s", s)
		}
	}
	return pe
}

// recvAll reads a stream to its end.
func recvAll(t testing.TB, s ChatStream) ([]*ChatChunk, error) {
	t.Helper()
	var out []*ChatChunk
	for {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
}

func streamText(chunks []*ChatChunk) string {
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString(c.Text())
	}
	return b.String()
}
