package serve_test

import (
	"context"
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

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/openai/openai-go/v3"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/gateway"
)

// fakeAnthropic answers the Messages API like Anthropic does and records
// the last request.
func fakeAnthropic(t *testing.T) (string, func() (http.Header, map[string]any)) {
	t.Helper()
	var mu sync.Mutex
	var hdr http.Header
	var body map[string]any
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		hdr = r.Header.Clone()
		body = nil
		_ = json.Unmarshal(data, &body)
		stream, _ := body["stream"].(bool)
		mu.Unlock()
		if r.URL.Path != "/v1/messages" {
			http.NotFound(w, r)
			return
		}
		if !stream {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"Bonjour from Claude"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":4}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for _, ev := range []string{
			`event: message_start` + "\n" + `data: {"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"usage":{"input_tokens":12,"output_tokens":1}}}`,
			`event: content_block_start` + "\n" + `data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
			`event: content_block_delta` + "\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bonjour "}}`,
			`event: content_block_delta` + "\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"en direct"}}`,
			`event: content_block_stop` + "\n" + `data: {"type":"content_block_stop","index":0}`,
			`event: message_delta` + "\n" + `data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}`,
			`event: message_stop` + "\n" + `data: {"type":"message_stop"}`,
		} {
			fmt.Fprint(w, ev+"\n\n")
			fl.Flush()
		}
	}))
	t.Cleanup(hs.Close)
	return hs.URL, func() (http.Header, map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		return hdr, body
	}
}

func TestAnthropicThroughTheGatewayWithTheOpenAISDK(t *testing.T) {
	url, last := fakeAnthropic(t)
	const key = "sk-ant-test-0123456789abcdef"
	h := newHarnessEnv(t, map[string]string{"ANTHROPIC_KEY": key}, func(c *gateway.Config) {
		c.Providers = append(c.Providers, gateway.ProviderConfig{Name: "claude", Type: "anthropic", BaseURL: url, APIKeyEnv: "ANTHROPIC_KEY"})
		c.Models = append(c.Models, gateway.ModelConfig{Name: "smart", Kind: "chat", Provider: "claude", Upstream: "claude-haiku-4-5"})
	})
	client := h.sdk(h.login(testUser, testApp, "pixel-8").AccessToken)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{Model: "smart", Messages: []openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage("Answer in French."), openai.UserMessage("Hello")}}
	resp, err := client.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "Bonjour from Claude" || resp.Usage.PromptTokens != 12 || resp.Usage.CompletionTokens != 4 {
		t.Errorf("answer = %q, usage %+v", resp.Choices[0].Message.Content, resp.Usage)
	}
	hdr, body := last()
	if hdr.Get("X-Api-Key") != key || hdr.Get("Anthropic-Version") == "" || hdr.Get("Authorization") != "" {
		t.Errorf("upstream headers: x-api-key %q, anthropic-version %q, authorization %q", hdr.Get("X-Api-Key"), hdr.Get("Anthropic-Version"), hdr.Get("Authorization"))
	}
	if !strings.Contains(fmt.Sprint(body["system"]), "Answer in French.") || body["model"] != "claude-haiku-4-5" || body["max_tokens"] == nil {
		t.Errorf("translated request = %v", body)
	}
	stream := client.Chat.Completions.NewStreaming(ctx, params)
	var text strings.Builder
	for stream.Next() {
		for _, ch := range stream.Current().Choices {
			text.WriteString(ch.Delta.Content)
		}
	}
	if err := stream.Err(); err != nil || text.String() != "Bonjour en direct" {
		t.Errorf("streamed %q, %v", text.String(), err)
	}
	recs := h.waitEvents("allowed", 2)
	ev, _ := recs[len(recs)-1].Decode()
	if ev.Provider != "claude" || ev.PromptTokens != 12 || ev.CompletionTokens != 5 || ev.TokensEstimated {
		t.Errorf("stream event = %+v: want the provider's usage", ev)
	}
}

func TestConcurrentStreamsAreLimited(t *testing.T) {
	up := newRecordingUpstream(t)
	up.set(func(u *recordingUpstream) { u.chunks, u.chunkWait = 50, 20*time.Millisecond })
	h := newHarness(t, func(c *gateway.Config) {
		c.Limits.User = apps.ScopeLimits{ConcurrentStreams: 2}
		c.Providers = append(c.Providers, gateway.ProviderConfig{Name: "openai", Type: "openai", BaseURL: up.url + "/v1", AuthStyle: "none"})
		c.Models = append(c.Models, gateway.ModelConfig{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini"})
	})
	client := h.sdk(h.login(testUser, testApp, "pixel-8").AccessToken)
	params := openai.ChatCompletionNewParams{Model: "gpt", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("stream")}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		s := client.Chat.Completions.NewStreaming(ctx, params)
		if !s.Next() {
			t.Fatalf("stream did not start: %v", s.Err())
		}
		defer s.Close()
	}
	third := client.Chat.Completions.NewStreaming(ctx, params)
	third.Next()
	var apiErr *openai.Error
	if !errors.As(third.Err(), &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Code != "concurrency_limit_exceeded" {
		t.Fatalf("third stream: %v, want 429 concurrency_limit_exceeded", third.Err())
	}
	// A non-streamed call is not a stream: it goes through.
	if _, err := client.Chat.Completions.New(ctx, params); err != nil {
		t.Errorf("non-streamed call refused: %v", err)
	}
}

func TestLoginIsThrottledAndDoesNotRevealUsers(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Auth.LoginPerAccount = gateway.RateConfig{Limit: 3, Per: time.Minute}
	})
	try := func(user, password string) (int, errorBody, http.Header) {
		status, hdr, body := h.call("POST", "/v1/auth/login", "", map[string]string{"username": user, "password": password, "app_id": testApp})
		var e errorBody
		_ = json.Unmarshal(body, &e)
		return status, e, hdr
	}
	s1, e1, _ := try(testUser, "wrong password 1")
	s2, e2, _ := try("nobody@example.com", "wrong password 1")
	if s1 != http.StatusUnauthorized || s2 != s1 || e1.Error.Message != e2.Error.Message || e1.Error.Code != e2.Error.Code {
		t.Errorf("wrong password (%d %+v) and unknown user (%d %+v) must look the same", s1, e1, s2, e2)
	}
	try(testUser, "wrong password 2")
	try(testUser, "wrong password 3")
	status, e, hdr := try(testUser, testPassword)
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Errorf("4th attempt on one account: %d %+v, want 429 with Retry-After even with the right password", status, e)
	}
	recs := h.waitEvents("login_failed", 5)
	if len(recs) != 5 {
		t.Errorf("login_failed events = %d, want 5", len(recs))
	}
}

func TestAccessTokensVerifyWithThePublishedJWKS(t *testing.T) {
	h := newHarness(t)
	tk := h.login(testUser, testApp, "pixel-8")
	status, _, body := h.call("GET", "/.well-known/jwks.json", "", nil)
	if status != http.StatusOK {
		t.Fatalf("jwks: %d", status)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("jwks = %s (%v)", body, err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Fatal("the JWKS publishes a private key")
		}
	}
	tok, err := jwt.ParseSigned(tk.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("no JWKS key for kid %q", tok.Headers[0].KeyID)
	}
	var claims jwt.Claims
	var extra struct {
		App   string `json:"app"`
		Scope string `json:"scope"`
	}
	if err := tok.Claims(keys[0].Key, &claims, &extra); err != nil {
		t.Fatal(err)
	}
	if claims.Expiry.Time().Sub(claims.IssuedAt.Time()) > 15*time.Minute || extra.App != testApp || extra.Scope != "ai" || claims.ID == "" {
		t.Errorf("claims = %+v %+v", claims, extra)
	}
}
