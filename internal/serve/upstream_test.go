package serve_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingUpstream is a fake OpenAI-compatible provider that records
// what the gateway sends it and answers like OpenAI does.
type recordingUpstream struct {
	url string

	mu     sync.Mutex
	reqs   []recorded
	record bool // keep requests (off in benchmarks)
	// behaviour knobs, read under mu
	status    int           // answer this status instead (0: 200)
	delay     time.Duration // wait before answering
	chunks    int           // streamed chunks
	chunkWait time.Duration // between streamed chunks
	echo      bool          // answer with the messages it was sent (all contents joined), in 3-byte chunks when streaming
	cancelled chan struct{} // closed when a streaming request's context ends early
}

type recorded struct {
	method, path string
	header       http.Header
	body         []byte
}

func newRecordingUpstream(t testing.TB) *recordingUpstream {
	t.Helper()
	u := &recordingUpstream{chunks: 5, cancelled: make(chan struct{}), record: true}
	hs := httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(hs.Close)
	u.url = hs.URL
	return u
}

func (u *recordingUpstream) set(f func(u *recordingUpstream)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(u)
}

func (u *recordingUpstream) last(t testing.TB) recorded {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("the upstream received no request")
	}
	return u.reqs[len(u.reqs)-1]
}

func (u *recordingUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *recordingUpstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	if u.record {
		u.reqs = append(u.reqs, recorded{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
	}
	status, delay, chunks, wait, echo := u.status, u.delay, u.chunks, u.chunkWait, u.echo
	u.mu.Unlock()
	if echo && strings.HasSuffix(r.URL.Path, "/chat/completions") {
		u.serveEcho(w, body)
		return
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 && status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"upstream says no (key sk-test-4f3c2b1a0987654321fedcba)","type":"server_error","code":"x"}}`)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/embeddings"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":3,"total_tokens":3}}`)
	case strings.Contains(string(body), `"stream":true`):
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for i := range chunks {
			role := ""
			if i == 0 {
				role = `"role":"assistant",`
			}
			fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{%s\"content\":\"word%d \"},\"finish_reason\":null}]}\n\n", role, i)
			fl.Flush()
			select {
			case <-time.After(wait):
			case <-r.Context().Done():
				u.mu.Lock()
				select {
				case <-u.cancelled:
				default:
					close(u.cancelled)
				}
				u.mu.Unlock()
				return
			}
		}
		fmt.Fprint(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
		fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n", chunks, 9+chunks)
		fmt.Fprint(w, "data: [DONE]\n\n")
	default:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello <there> & welcome"},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}`)
	}
}

// serveEcho answers with the contents of every message sent, joined by
// " | ": what the provider saw comes back to the app.
func (u *recordingUpstream) serveEcho(w http.ResponseWriter, body []byte) {
	var req struct {
		Stream   bool `json:"stream"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	_ = json.Unmarshal(body, &req)
	var parts []string
	for _, m := range req.Messages {
		parts = append(parts, m.Content)
	}
	text := strings.Join(parts, " | ")
	if !req.Stream {
		out, _ := json.Marshal(map[string]any{"id": "chatcmpl-echo", "object": "chat.completion", "created": 1, "model": "echo",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	for i := 0; i < len(text); i += 3 {
		piece := text[i:min(i+3, len(text))]
		data, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "echo",
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": piece}, "finish_reason": nil}}})
		fmt.Fprintf(w, "data: %s\n\n", data)
		fl.Flush()
	}
	fmt.Fprint(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"echo\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
	fmt.Fprint(w, "data: [DONE]\n\n")
}
