package serve_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/gateway"
)

func TestBadRequestsGetClearOpenAIErrors(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) { c.Server.MaxBodyBytes = 4096 })
	tk := h.login(testUser, testApp, "pixel-8")
	big := `{"model":"chat","messages":[{"role":"user","content":"` + strings.Repeat("a", 5000) + `"}]}`
	cases := []struct {
		name        string
		token       string
		contentType string
		body        string
		status      int
		code        string
	}{
		{"malformed JSON", tk.AccessToken, "application/json", `{"model":"chat",`, 400, "invalid_json"},
		{"JSON that is not an object", tk.AccessToken, "application/json", `[1,2]`, 400, "invalid_json"},
		{"wrong field type", tk.AccessToken, "application/json", `{"model":"chat","messages":"hi"}`, 400, "invalid_json"},
		{"empty body", tk.AccessToken, "application/json", ``, 400, "invalid_json"},
		{"no messages", tk.AccessToken, "application/json", `{"model":"chat","messages":[]}`, 400, "invalid_request"},
		{"unknown role", tk.AccessToken, "application/json", `{"model":"chat","messages":[{"role":"root","content":"x"}]}`, 400, "invalid_request"},
		{"unknown model", tk.AccessToken, "application/json", `{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}`, 404, "model_not_found"},
		{"max_tokens above the cap", tk.AccessToken, "application/json", `{"model":"chat","max_tokens":100000,"messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request"},
		{"oversized body", tk.AccessToken, "application/json", big, 413, "request_too_large"},
		{"form content type", tk.AccessToken, "application/x-www-form-urlencoded", `model=chat`, 415, "unsupported_media_type"},
		{"no token", "", "application/json", `{"model":"chat","messages":[{"role":"user","content":"x"}]}`, 401, "missing_token"},
		{"garbage token", "not.a.jwt", "application/json", `{"model":"chat","messages":[{"role":"user","content":"x"}]}`, 401, "invalid_token"},
		{"alg none token", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c3IifQ.", "application/json", `{}`, 401, "invalid_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", h.url+"/v1/chat/completions", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body strings.Builder
			_, _ = bufio.NewReader(resp.Body).WriteTo(&body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tc.status, body.String())
			}
			e := decodeError(t, []byte(body.String()))
			if e.Error.Code != tc.code {
				t.Errorf("code = %q, want %q (%s)", e.Error.Code, tc.code, e.Error.Message)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
	t.Run("every refusal is an audit event", func(t *testing.T) {
		h.flushAudit()
		recs, err := h.events(audit.DecisionDenied)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < len(cases) {
			t.Errorf("%d denied events for %d refused requests", len(recs), len(cases))
		}
	})
}

func TestUpstreamFailures(t *testing.T) {
	up := newRecordingUpstream(t)
	h := newHarnessEnv(t, map[string]string{"OPENAI_KEY": "sk-test-4f3c2b1a0987654321fedcba"}, func(c *gateway.Config) {
		c.Server.RequestTimeout = 300 * time.Millisecond
		c.Providers = append(c.Providers,
			gateway.ProviderConfig{Name: "openai", Type: "openai", BaseURL: up.url + "/v1", APIKeyEnv: "OPENAI_KEY", MaxRetries: 1},
			gateway.ProviderConfig{Name: "dead", Type: "openai", BaseURL: "http://127.0.0.1:1/v1", MaxRetries: 1, ConnectTimeout: 200 * time.Millisecond})
		c.Models = append(c.Models,
			gateway.ModelConfig{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini"},
			gateway.ModelConfig{Name: "dead", Kind: "chat", Provider: "dead", Upstream: "x"},
			gateway.ModelConfig{Name: "dead-with-fallback", Kind: "chat", Provider: "dead", Upstream: "x",
				Fallback: &gateway.ModelTarget{Provider: "demo", Upstream: "demo-1"}})
	})
	tk := h.login(testUser, testApp, "pixel-8")
	client := h.sdk(tk.AccessToken)
	ask := func(model string) error {
		_, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
			Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		return err
	}
	status := func(err error) (int, string) {
		var apiErr *openai.Error
		if errors.As(err, &apiErr) {
			return apiErr.StatusCode, apiErr.Code + " " + apiErr.Message
		}
		return 0, ""
	}

	t.Run("a dead upstream is a 502", func(t *testing.T) {
		if st, msg := status(ask("dead")); st != http.StatusBadGateway {
			t.Errorf("status = %d %s, want 502", st, msg)
		}
	})
	t.Run("a dead upstream falls back to the second provider", func(t *testing.T) {
		if err := ask("dead-with-fallback"); err != nil {
			t.Errorf("fallback: %v", err)
		}
	})
	t.Run("a slow upstream is a 504", func(t *testing.T) {
		up.set(func(u *recordingUpstream) { u.delay = 2 * time.Second })
		defer up.set(func(u *recordingUpstream) { u.delay = 0 })
		if st, msg := status(ask("gpt")); st != http.StatusGatewayTimeout {
			t.Errorf("status = %d %s, want 504", st, msg)
		}
	})
	t.Run("an upstream 503 is retried, then reported without the provider's words", func(t *testing.T) {
		up.set(func(u *recordingUpstream) { u.status = http.StatusServiceUnavailable })
		defer up.set(func(u *recordingUpstream) { u.status = 0 })
		before := up.count()
		err := ask("gpt")
		st, msg := status(err)
		if st != http.StatusBadGateway {
			t.Errorf("status = %d, want 502", st)
		}
		if strings.Contains(msg, "sk-test") || strings.Contains(msg, "upstream says no") {
			t.Errorf("the provider's error text reached the app: %s", msg)
		}
		if n := up.count() - before; n != 2 {
			t.Errorf("upstream called %d times, want 2 (one retry)", n)
		}
	})
	t.Run("an upstream 400 is not retried", func(t *testing.T) {
		up.set(func(u *recordingUpstream) { u.status = http.StatusBadRequest })
		defer up.set(func(u *recordingUpstream) { u.status = 0 })
		before := up.count()
		if st, _ := status(ask("gpt")); st != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", st)
		}
		if n := up.count() - before; n != 1 {
			t.Errorf("upstream called %d times, want 1", n)
		}
	})
}

func TestClientDisconnectMidStreamCancelsUpstream(t *testing.T) {
	up := newRecordingUpstream(t)
	up.set(func(u *recordingUpstream) { u.chunks, u.chunkWait = 1000, 20*time.Millisecond })
	h := newHarness(t, func(c *gateway.Config) {
		c.Providers = append(c.Providers, gateway.ProviderConfig{Name: "openai", Type: "openai", BaseURL: up.url + "/v1", AuthStyle: "none"})
		c.Models = append(c.Models, gateway.ModelConfig{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini"})
	})
	tk := h.login(testUser, testApp, "pixel-8")
	ctx, cancel := context.WithCancel(context.Background())
	client := h.sdk(tk.AccessToken)
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model: "gpt", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("go on forever")}})
	for i := 0; i < 3 && stream.Next(); i++ {
	}
	cancel()
	_ = stream.Close()
	select {
	case <-up.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream call went on after the client left")
	}
	recs := h.waitEvents(audit.DecisionCancelled, 1)
	if len(recs) != 1 {
		t.Fatalf("cancelled events = %d; want 1", len(recs))
	}
	ev, _ := recs[0].Decode()
	if ev.CompletionTokens == 0 || !ev.Stream {
		t.Errorf("cancelled stream event = %+v: want the tokens streamed so far counted", ev)
	}
}
