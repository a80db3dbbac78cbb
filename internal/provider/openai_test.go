package provider

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestOpenAIChatSendsTheRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		authStyle string
		header    string // where the key must be
		value     string
	}{
		{"bearer", AuthBearer, "Authorization", "Bearer " + testKey},
		{"azure api-key", AuthAPIKey, "Api-Key", testKey},
		{"x-api-key", AuthXAPIKey, "X-Api-Key", testKey},
		{"none", AuthNone, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, completionBody) })
			cfg := openAIConfig(u)
			cfg.AuthStyle = tt.authStyle
			cfg.Headers = map[string]string{"OpenAI-Organization": "org-1"}
			cfg.Query = map[string]string{"api-version": "2024-10-21"}
			p := newTestOpenAI(t, cfg)
			req := chatRequest(t, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say <hello> & bye"}],`+
				`"temperature":0.2,"seed":42,"stream":true,"stream_options":{"include_usage":true}}`)
			got, err := p.Chat(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text() != "Hello!" || got.Usage.TotalTokens != 5 {
				t.Errorf("completion = %+v", got)
			}
			r := u.request(t, 0)
			if r.Method != http.MethodPost || r.RequestURI != "/v1/chat/completions?api-version=2024-10-21" {
				t.Errorf("request = %s %s", r.Method, r.RequestURI)
			}
			for _, h := range []string{"Authorization", "Api-Key", "X-Api-Key"} {
				want := ""
				if h == tt.header {
					want = tt.value
				}
				if got := r.Header.Get(h); got != want {
					t.Errorf("header %s = %q, want %q", h, got, want)
				}
			}
			if r.Header.Get("OpenAI-Organization") != "org-1" || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("headers = %v", r.Header)
			}
			// Forwarded as it is, unknown fields included, not streamed,
			// HTML not escaped.
			want := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say <hello> & bye"}],"temperature":0.2,"seed":42}`
			if diff := cmp.Diff(canonical(t, []byte(want)), canonical(t, r.Body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if !strings.Contains(string(r.Body), "<hello> &") {
				t.Errorf("body escapes HTML: %s", r.Body)
			}
		})
	}
}

func TestOpenAIAzureDeploymentURL(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if strings.Contains(r.URL.Path, "/embeddings") {
			writeJSON(w, 200, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1]}],"model":"e"}`)
			return
		}
		writeJSON(w, 200, completionBody)
	})
	cfg := openAIConfig(u)
	cfg.BaseURL = u.URL + "/openai/deployments/{model}"
	cfg.AuthStyle = AuthAPIKey
	cfg.Query = map[string]string{"api-version": "2024-10-21"}
	p := newTestOpenAI(t, cfg)
	req := simpleRequest()
	req.Model = "my gpt/4o"
	if _, err := p.Chat(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got, want := u.request(t, 0).RequestURI, "/openai/deployments/my%20gpt%2F4o/chat/completions?api-version=2024-10-21"; got != want {
		t.Errorf("chat URI = %s, want %s", got, want)
	}
	if _, err := p.Embeddings(context.Background(), &EmbeddingsRequest{Model: "text-embedding-3-small", Input: json.RawMessage(`"hi"`)}); err != nil {
		t.Fatal(err)
	}
	if got, want := u.request(t, 1).RequestURI, "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21"; got != want {
		t.Errorf("embeddings URI = %s, want %s", got, want)
	}
	req.Model = ".."
	_, err := p.Chat(context.Background(), req)
	wantError(t, err, KindInvalidRequest, "invalid_model")
	if u.calls() != 2 {
		t.Errorf("a model that escapes the path was sent")
	}
}

func TestOpenAIEmbeddings(t *testing.T) {
	t.Parallel()
	const answer = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AAAA"}],"model":"e",` +
		`"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}}`
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, answer) })
	p := newTestOpenAI(t, openAIConfig(u))
	in := `{"model":"e","input":["a","b"],"encoding_format":"base64","dimensions":8}`
	var req EmbeddingsRequest
	if err := json.Unmarshal([]byte(in), &req); err != nil {
		t.Fatal(err)
	}
	got, err := p.Embeddings(context.Background(), &req)
	if err != nil {
		t.Fatal(err)
	}
	r := u.request(t, 0)
	if r.RequestURI != "/v1/embeddings" || canonical(t, r.Body) != canonical(t, []byte(in)) {
		t.Errorf("request = %s %s", r.RequestURI, r.Body)
	}
	out, _ := Marshal(got)
	if canonical(t, out) != canonical(t, []byte(answer)) {
		t.Errorf("answer = %s", out)
	}
}

func TestOpenAIStreamDeliversChunksAsTheyArrive(t *testing.T) {
	t.Parallel()
	next := make(chan struct{})
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		startSSE(w)
		sseWrite(w, ": keep-alive\n\n", dataEvent(chunkJSON("Hel")))
		select {
		case <-next: // the client has the first chunk
		case <-time.After(5 * time.Second):
			return
		}
		sseWrite(w, dataEvent(chunkJSON("lo")), dataEvent(finishChunk), dataEvent(usageChunk), dataEvent("[DONE]"))
	})
	p := newTestOpenAI(t, openAIConfig(u))
	s, err := p.ChatStream(context.Background(), simpleRequest())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first, err := s.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if first.Text() != "Hel" {
		t.Errorf("first chunk = %q", first.Text())
	}
	close(next)
	rest, err := recvAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if got := streamText(rest); got != "lo" {
		t.Errorf("rest = %q", got)
	}
	if len(rest) != 3 || rest[2].Usage == nil || rest[2].Usage.TotalTokens != 5 || *rest[1].Choices[0].FinishReason != "stop" {
		t.Errorf("chunks = %+v", rest)
	}
	var body map[string]json.RawMessage
	_ = json.Unmarshal(u.request(t, 0).Body, &body)
	if string(body["stream"]) != "true" || canonical(t, body["stream_options"]) != `{"include_usage":true}` {
		t.Errorf("stream request = %s", u.request(t, 0).Body)
	}
	if h := u.request(t, 0).Header.Get("Accept"); h != "text/event-stream" {
		t.Errorf("Accept = %q", h)
	}
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after the end = %v, want io.EOF", err)
	}
}

func TestOpenAIStreamEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events []string
		code   string // "" for a clean end
		kind   Kind
	}{
		{"without [DONE] after a finish reason", []string{dataEvent(chunkJSON("a")), dataEvent(finishChunk)}, "", 0},
		{"without [DONE] nor finish reason", []string{dataEvent(chunkJSON("a"))}, "upstream_stream_error", KindBadResponse},
		{"error payload before any chunk", []string{dataEvent(`{"error":{"message":"overloaded ` + testKey + `","type":"server_error"}}`)},
			"upstream_unavailable", KindUnavailable},
		{"error payload mid-stream", []string{dataEvent(chunkJSON("a")), dataEvent(`{"error":{"message":"boom ` + testKey + `","type":"server_error","code":null}}`)},
			"upstream_stream_error", KindBadResponse},
		{"invalid JSON", []string{dataEvent(chunkJSON("a")), dataEvent(`{"choices":`)}, "upstream_bad_response", KindBadResponse},
		{"event too large", []string{dataEvent(`"` + strings.Repeat("x", maxEventBytes+10) + `"`)}, "upstream_bad_response", KindBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				startSSE(w)
				sseWrite(w, tt.events...)
			})
			p := newTestOpenAI(t, openAIConfig(u))
			s, err := p.ChatStream(context.Background(), simpleRequest())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_, err = recvAll(t, s)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("err = %v, want a clean end", err)
				}
				return
			}
			pe := wantError(t, err, tt.kind, tt.code)
			if pe.Cause != nil && strings.Contains(pe.Cause.Error(), testKey) {
				t.Errorf("cause shows the key: %v", pe.Cause)
			}
			if _, again := s.Recv(); again == nil {
				t.Errorf("Recv after an error succeeded")
			}
		})
	}
}

func TestOpenAIStreamIdleTimeout(t *testing.T) {
	t.Parallel()
	t.Run("stall after a chunk", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			startSSE(w)
			sseWrite(w, dataEvent(chunkJSON("a")))
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		})
		cfg := openAIConfig(u)
		// Generous enough that a loaded machine delivers the headers and the
		// first chunk in time; the stall after them is what must time out.
		cfg.StreamIdleTimeout = 2 * time.Second
		p := newTestOpenAI(t, cfg)
		s, err := p.ChatStream(context.Background(), simpleRequest())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = s.Recv()
		wantError(t, err, KindBadResponse, "upstream_timeout")
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("idle timeout fired after %v", d)
		}
	})
	t.Run("no headers", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		cfg := openAIConfig(u)
		cfg.StreamIdleTimeout = 150 * time.Millisecond
		p := newTestOpenAI(t, cfg)
		_, err := p.ChatStream(context.Background(), simpleRequest())
		wantError(t, err, KindUnavailable, "upstream_timeout")
		if u.calls() != 1 {
			t.Errorf("upstream calls = %d, want 1 (a late answer is not retried)", u.calls())
		}
	})
}

func TestOpenAIStreamEndsWithItsContext(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"context cancelled", "Close"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			gone := make(chan struct{})
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				startSSE(w)
				sseWrite(w, dataEvent(chunkJSON("a")))
				select {
				case <-r.Context().Done():
					close(gone)
				case <-time.After(10 * time.Second):
				}
			})
			p := newTestOpenAI(t, openAIConfig(u))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := p.ChatStream(ctx, simpleRequest())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Recv(); err != nil {
				t.Fatal(err)
			}
			if how == "Close" {
				_ = s.Close()
				_ = s.Close() // twice is fine
				if _, err := s.Recv(); !errors.Is(err, ErrStreamClosed) {
					t.Errorf("Recv after Close = %v, want ErrStreamClosed", err)
				}
			} else {
				cancel()
				_, err := s.Recv()
				wantError(t, err, KindUnavailable, "canceled")
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want it to match context.Canceled", err)
				}
				_ = s.Close()
			}
			select {
			case <-gone:
			case <-time.After(5 * time.Second):
				t.Fatal("the upstream connection was not closed")
			}
		})
	}
}

func TestOpenAIRetries(t *testing.T) {
	t.Parallel()
	abortAfterHeaders := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"id":"chatcmpl-1","choi`)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	dropConnection := func(w http.ResponseWriter) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = c.Close()
		}
	}
	tests := []struct {
		name   string
		handle func(w http.ResponseWriter, call int)
		calls  int
		kind   Kind // 0: success
		code   string
	}{
		{"503 then 200 succeeds", func(w http.ResponseWriter, call int) {
			if call == 1 {
				writeJSON(w, 503, `{"error":{"message":"busy"}}`)
				return
			}
			writeJSON(w, 200, completionBody)
		}, 2, 0, ""},
		{"connection dropped then 200 succeeds", func(w http.ResponseWriter, call int) {
			if call == 1 {
				dropConnection(w)
				return
			}
			writeJSON(w, 200, completionBody)
		}, 2, 0, ""},
		{"502 and 504 until retries run out", func(w http.ResponseWriter, call int) {
			writeJSON(w, []int{502, 504}[(call-1)%2], `{}`) // the third is a 502
		}, 3, KindUnavailable, "upstream_unavailable"},
		{"400 is not retried", func(w http.ResponseWriter, call int) {
			writeJSON(w, 400, `{"error":{"message":"bad `+testKey+`","type":"invalid_request_error","code":"context_length_exceeded"}}`)
		}, 1, KindInvalidRequest, "context_length_exceeded"},
		{"500 is not retried", func(w http.ResponseWriter, call int) { writeJSON(w, 500, `{}`) }, 1, KindUnavailable, "upstream_unavailable"},
		{"429 with a short Retry-After is retried", func(w http.ResponseWriter, call int) {
			if call == 1 {
				w.Header().Set("Retry-After-Ms", "20")
				writeJSON(w, 429, `{}`)
				return
			}
			writeJSON(w, 200, completionBody)
		}, 2, 0, ""},
		{"429 with a long Retry-After is not retried", func(w http.ResponseWriter, call int) {
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, `{}`)
		}, 1, KindRateLimited, "upstream_rate_limited"},
		{"429 without Retry-After is not retried", func(w http.ResponseWriter, call int) { writeJSON(w, 429, `{}`) },
			1, KindRateLimited, "upstream_rate_limited"},
		{"503 with a long Retry-After is not retried", func(w http.ResponseWriter, call int) {
			w.Header().Set("Retry-After", "60")
			writeJSON(w, 503, `{}`)
		}, 1, KindUnavailable, "upstream_unavailable"},
		{"never after the headers of a 200", func(w http.ResponseWriter, call int) { abortAfterHeaders(w) },
			1, KindBadResponse, "upstream_bad_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, call int) { tt.handle(w, call) })
			p := newTestOpenAI(t, openAIConfig(u))
			got, err := p.Chat(context.Background(), simpleRequest())
			if tt.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got.Text() != "Hello!" {
					t.Errorf("text = %q", got.Text())
				}
			} else {
				pe := wantError(t, err, tt.kind, tt.code)
				if tt.kind == KindRateLimited && tt.name == "429 with a long Retry-After is not retried" && pe.RetryAfter != 30*time.Second {
					t.Errorf("RetryAfter = %v, want 30s", pe.RetryAfter)
				}
			}
			if u.calls() != tt.calls {
				t.Errorf("upstream calls = %d, want %d", u.calls(), tt.calls)
			}
		})
	}
}

func TestOpenAIStreamRetries(t *testing.T) {
	t.Parallel()
	t.Run("503 before the stream is retried", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, call int) {
			if call == 1 {
				writeJSON(w, 503, `{}`)
				return
			}
			startSSE(w)
			sseWrite(w, dataEvent(chunkJSON("ok")), dataEvent(finishChunk), dataEvent("[DONE]"))
		})
		p := newTestOpenAI(t, openAIConfig(u))
		s, err := p.ChatStream(context.Background(), simpleRequest())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		chunks, err := recvAll(t, s)
		if err != nil || streamText(chunks) != "ok" || u.calls() != 2 {
			t.Errorf("chunks %q, err %v, calls %d", streamText(chunks), err, u.calls())
		}
	})
	t.Run("never once the stream started", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, call int) {
			startSSE(w)
			sseWrite(w, dataEvent(chunkJSON("par")))
			panic(http.ErrAbortHandler)
		})
		p := newTestOpenAI(t, openAIConfig(u))
		s, err := p.ChatStream(context.Background(), simpleRequest())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		chunks, err := recvAll(t, s)
		wantError(t, err, KindBadResponse, "upstream_stream_error")
		if streamText(chunks) != "par" || u.calls() != 1 {
			t.Errorf("chunks %q, calls %d", streamText(chunks), u.calls())
		}
	})
}

func TestOpenAIDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	elsewhere := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, completionBody) })
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, elsewhere.URL+"/v1/chat/completions", http.StatusTemporaryRedirect)
	})
	p := newTestOpenAI(t, openAIConfig(u))
	_, err := p.Chat(context.Background(), simpleRequest())
	wantError(t, err, KindBadResponse, "upstream_redirect")
	_, err = p.ChatStream(context.Background(), simpleRequest())
	wantError(t, err, KindBadResponse, "upstream_redirect")
	if elsewhere.calls() != 0 {
		t.Errorf("the redirect was followed, with the key")
	}
}

func TestOpenAIStatusMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		kind   Kind
		code   string
	}{
		{"400 with an allowed code", 400, `{"error":{"message":"x","type":"invalid_request_error","code":"context_length_exceeded"}}`, KindInvalidRequest, "context_length_exceeded"},
		{"400 with the type only", 400, `{"error":{"message":"x","type":"invalid_request_error","code":null}}`, KindInvalidRequest, "invalid_request_error"},
		{"400 with another code", 400, `{"error":{"message":"x","type":"weird","code":"internal_detail"}}`, KindInvalidRequest, "upstream_rejected"},
		{"400 not JSON", 400, `<html>bad</html>`, KindInvalidRequest, "upstream_rejected"},
		{"404 model", 404, `{"error":{"message":"The model does not exist","type":"invalid_request_error","code":"model_not_found"}}`, KindInvalidRequest, "model_not_found"},
		{"409", 409, `{}`, KindInvalidRequest, "upstream_rejected"},
		{"413", 413, `{}`, KindInvalidRequest, "upstream_rejected"},
		{"422", 422, `{}`, KindInvalidRequest, "upstream_rejected"},
		{"401", 401, `{"error":{"message":"Incorrect API key provided: ` + testKey + `"}}`, KindAuth, "upstream_auth"},
		{"403", 403, `{}`, KindAuth, "upstream_auth"},
		{"500", 500, `{}`, KindUnavailable, "upstream_unavailable"},
		{"504", 504, `{}`, KindUnavailable, "upstream_timeout"},
		{"200 not JSON", 200, `garbage`, KindBadResponse, "upstream_bad_response"},
		{"200 without choices", 200, `{"id":"x"}`, KindBadResponse, "upstream_bad_response"},
		{"200 with an error", 200, `{"error":{"message":"x","type":"server_error"}}`, KindUnavailable, "upstream_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, tt.status, tt.body) })
			cfg := openAIConfig(u)
			cfg.MaxRetries = 0
			p := newTestOpenAI(t, cfg)
			_, err := p.Chat(context.Background(), simpleRequest())
			pe := wantError(t, err, tt.kind, tt.code)
			if tt.status != 200 && pe.Status != tt.status {
				t.Errorf("status = %d, want %d", pe.Status, tt.status)
			}
			if strings.Contains(pe.Message, "x") && strings.Contains(tt.body, pe.Message) {
				t.Errorf("message copied from the upstream: %q", pe.Message)
			}
			if tt.status == 401 && !strings.Contains(pe.Cause.Error(), redacted) {
				t.Errorf("cause = %v, want the key redacted", pe.Cause)
			}
			if got := CanFallBack(err); got != (tt.kind == KindUnavailable) {
				t.Errorf("CanFallBack = %v", got)
			}
		})
	}
}

func TestOpenAITimeouts(t *testing.T) {
	t.Parallel()
	t.Run("whole call", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		cfg := openAIConfig(u)
		cfg.Timeout = 150 * time.Millisecond
		p := newTestOpenAI(t, cfg)
		_, err := p.Chat(context.Background(), simpleRequest())
		wantError(t, err, KindUnavailable, "upstream_timeout")
		if u.calls() != 1 {
			t.Errorf("calls = %d, want 1", u.calls())
		}
	})
	t.Run("connection refused is retried then unavailable", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {})
		cfg := openAIConfig(u)
		u.Close()
		p := newTestOpenAI(t, cfg)
		_, err := p.Chat(context.Background(), simpleRequest())
		wantError(t, err, KindUnavailable, "upstream_unavailable")
		if !CanFallBack(err) {
			t.Errorf("CanFallBack(%v) = false", err)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		p := newTestOpenAI(t, openAIConfig(u))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := p.Chat(ctx, simpleRequest())
		wantError(t, err, KindUnavailable, "upstream_timeout")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want it to match context.DeadlineExceeded", err)
		}
	})
}

func TestOpenAIResponseTooLarge(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"id":"`)
		chunk := strings.Repeat("x", 1<<20)
		for range 33 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	p := newTestOpenAI(t, openAIConfig(u))
	_, err := p.Chat(context.Background(), simpleRequest())
	wantError(t, err, KindBadResponse, "upstream_too_large")
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		header http.Header
		want   time.Duration
	}{
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second},
		{http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(10 * time.Second).Format(http.TimeFormat)}}, 10 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{"Retry-After": {"-1"}}, 0},
		{http.Header{"Retry-After-Ms": {"150"}, "Retry-After": {"9"}}, 150 * time.Millisecond},
		{http.Header{}, 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for attempt, want := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 2 * time.Second, 2 * time.Second} {
		for range 20 {
			if d := backoff(attempt); d < want/2 || d >= want {
				t.Errorf("backoff(%d) = %v, want in [%v, %v)", attempt, d, want/2, want)
			}
		}
	}
}

func TestOpenAIStreamAnsweredWithJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		kind Kind
		code string
	}{
		{"an error object", `{"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}}`,
			KindInvalidRequest, "context_length_exceeded"},
		{"a whole completion", completionBody, KindBadResponse, "upstream_bad_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, tt.body) })
			p := newTestOpenAI(t, openAIConfig(u))
			_, err := p.ChatStream(context.Background(), simpleRequest())
			wantError(t, err, tt.kind, tt.code)
		})
	}
}

func TestTransportSettings(t *testing.T) {
	t.Parallel()
	cfg := Config{Name: "p", Type: TypeOpenAI, ConnectTimeout: 3 * time.Second}.WithDefaults()
	tr := newTransport(cfg)
	if tr.TLSClientConfig.MinVersion != tls.VersionTLS12 || tr.MaxIdleConnsPerHost != 256 || !tr.ForceAttemptHTTP2 ||
		tr.TLSHandshakeTimeout != 3*time.Second || tr.ResponseHeaderTimeout != DefaultTimeout {
		t.Errorf("transport = %+v", tr)
	}
	c := newHTTPClient(Config{Name: "p", HTTPClient: &http.Client{}}, http.Header{})
	if err := c.client.CheckRedirect(nil, nil); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("an injected client follows redirects")
	}
}

func TestOpenAIStreamReusesItsConnection(t *testing.T) {
	t.Parallel()
	u := newUnstartedUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		startSSE(w)
		sseWrite(w, dataEvent(chunkJSON("a")), dataEvent(finishChunk), dataEvent("[DONE]"))
	})
	var conns atomic.Int32
	u.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	u.Start()
	p := newTestOpenAI(t, openAIConfig(u))
	for range 3 {
		s, err := p.ChatStream(context.Background(), simpleRequest())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := recvAll(t, s); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("3 streams used %d connections, want 1", n)
	}
}
