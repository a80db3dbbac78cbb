package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/gateway"
)

func TestOpenAISDKChatStreamEmbeddingsModels(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Models = append(c.Models, gateway.ModelConfig{Name: "hidden", Kind: "chat", Provider: "demo", Upstream: "demo-2"})
		c.Apps[0].Models = []string{"chat", "embed"}
	})
	tk := h.login(testUser, testApp, "pixel-8")
	client := h.sdk(tk.AccessToken)
	ctx := context.Background()

	t.Run("chat completion", func(t *testing.T) {
		resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:    "chat",
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is a gateway?")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Choices) != 1 || resp.Choices[0].Message.Content == "" {
			t.Fatalf("choices = %+v", resp.Choices)
		}
		if resp.Model != "chat" {
			t.Errorf("model = %q, want the app-visible alias %q", resp.Model, "chat")
		}
		if resp.Usage.PromptTokens == 0 || resp.Usage.CompletionTokens == 0 {
			t.Errorf("usage = %+v, want token counts", resp.Usage)
		}
	})
	t.Run("streamed chat arrives in chunks and ends with usage when asked", func(t *testing.T) {
		stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
			Model:         "chat",
			Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Tell me about streams")},
			StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
		})
		var text strings.Builder
		chunks, usage := 0, int64(0)
		for stream.Next() {
			c := stream.Current()
			chunks++
			if c.Model != "chat" {
				t.Errorf("chunk model = %q", c.Model)
			}
			for _, ch := range c.Choices {
				text.WriteString(ch.Delta.Content)
			}
			if c.Usage.TotalTokens > 0 {
				usage = c.Usage.TotalTokens
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		if chunks < 3 || text.Len() == 0 {
			t.Errorf("got %d chunks, text %q; want a streamed answer", chunks, text.String())
		}
		if usage == 0 {
			t.Error("no usage chunk although include_usage was asked")
		}
	})
	t.Run("embeddings", func(t *testing.T) {
		resp, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
			Model: "embed",
			Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"one", "two"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Data) != 2 || len(resp.Data[0].Embedding) == 0 {
			t.Fatalf("data = %d embeddings", len(resp.Data))
		}
		if resp.Model != "embed" {
			t.Errorf("model = %q", resp.Model)
		}
	})
	t.Run("models lists only what the app may use", func(t *testing.T) {
		page, err := client.Models.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range page.Data {
			ids = append(ids, m.ID)
		}
		if strings.Join(ids, ",") != "chat,embed" {
			t.Errorf("models = %v, want [chat embed]", ids)
		}
	})
	t.Run("a model the app may not use is not found", func(t *testing.T) {
		_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model: "hidden", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		})
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || apiErr.Code != "model_not_found" {
			t.Fatalf("err = %v, want 404 model_not_found", err)
		}
	})
}

func TestRefreshRotationAndReuseRevokesTheFamily(t *testing.T) {
	h := newHarness(t)
	first := h.login(testUser, testApp, "pixel-8")
	status, _, body := h.call("POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %s", status, body)
	}
	var second tokens
	_ = json.Unmarshal(body, &second)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatal("refresh did not rotate the refresh token")
	}
	// The new access token works.
	client := h.sdk(second.AccessToken)
	if _, err := client.Models.List(context.Background()); err != nil {
		t.Fatalf("rotated access token refused: %v", err)
	}
	// Presenting the spent token again is theft or replay: the family dies.
	status, _, body = h.call("POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
	if status != http.StatusUnauthorized {
		t.Fatalf("reused refresh token: %d %s, want 401", status, body)
	}
	status, _, _ = h.call("POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken})
	if status != http.StatusUnauthorized {
		t.Errorf("the newest refresh token of a revoked family still works: %d", status)
	}
	if _, err := client.Models.List(context.Background()); err == nil {
		t.Error("the access token of a revoked family still works")
	}
	h.flushAudit()
	recs, err := h.events(audit.DecisionRefreshReuse)
	if err != nil || len(recs) != 1 {
		t.Fatalf("refresh_reuse events = %d, %v; want 1", len(recs), err)
	}
	if ev, _ := recs[0].Decode(); ev.User == "" || ev.Session == "" || ev.App != testApp || ev.Device != "pixel-8" {
		t.Errorf("the reuse event must say whose session was revoked: %+v", ev)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) { c.Limits.User = apps.ScopeLimits{RequestsPerMinute: 3} })
	tk := h.login(testUser, testApp, "pixel-8")
	client := h.sdk(tk.AccessToken)
	params := openai.ChatCompletionNewParams{Model: "chat", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	for i := range 3 {
		if _, err := client.Chat.Completions.New(context.Background(), params); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, err := client.Chat.Completions.New(context.Background(), params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th request: err = %v, want 429", err)
	}
	retry, convErr := strconv.Atoi(apiErr.Response.Header.Get("Retry-After"))
	if convErr != nil || retry < 1 || retry > 20 {
		t.Errorf("Retry-After = %q, want about 20 s (one token at 3/min)", apiErr.Response.Header.Get("Retry-After"))
	}
	if apiErr.Type != "rate_limit_error" {
		t.Errorf("error type = %q", apiErr.Type)
	}
}

func TestBudgetIsNeverOverspentUnderConcurrency(t *testing.T) {
	const budget = 3000
	h := newHarness(t, func(c *gateway.Config) {
		c.Limits.User = apps.ScopeLimits{TokensPerDay: budget}
		c.Limits.MaxTokens = 200
	})
	tk := h.login(testUser, testApp, "pixel-8")
	client := h.sdk(tk.AccessToken)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var served, limited int64
	var used int64
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
				Model:     "chat",
				Messages:  []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Write about request number " + strconv.Itoa(i) + " at length please")},
				MaxTokens: openai.Int(200),
			})
			mu.Lock()
			defer mu.Unlock()
			var apiErr *openai.Error
			switch {
			case err == nil:
				served++
				used += resp.Usage.TotalTokens
			case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests:
				limited++
			default:
				t.Errorf("request %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if served == 0 || limited == 0 {
		t.Fatalf("served %d, limited %d: the budget should serve some and refuse the rest", served, limited)
	}
	// The demo reports exact usage and never exceeds max_tokens, so the
	// budget holds exactly.
	if used > budget {
		t.Errorf("used %d tokens of a %d budget", used, budget)
	}
}

func TestProviderKeyIsInjectedAndNeverShown(t *testing.T) {
	up := newRecordingUpstream(t)
	const key = "sk-test-4f3c2b1a0987654321fedcba"
	h := newHarnessEnv(t, map[string]string{"OPENAI_KEY": key}, func(c *gateway.Config) {
		c.Providers = append(c.Providers, gateway.ProviderConfig{Name: "openai", Type: "openai", BaseURL: up.url + "/v1", APIKeyEnv: "OPENAI_KEY"})
		c.Models = append(c.Models, gateway.ModelConfig{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini-2024-07-18"})
	})

	tk := h.login(testUser, testApp, "pixel-8")
	status, hdr, body := h.call("POST", "/v1/chat/completions", tk.AccessToken,
		`{"model":"gpt","messages":[{"role":"user","content":"hello"}],"temperature":0.2,"seed":7,"response_format":{"type":"text"}}`)
	if status != http.StatusOK {
		t.Fatalf("chat: %d %s", status, body)
	}
	got := up.last(t)
	if got.header.Get("Authorization") != "Bearer "+key {
		t.Errorf("upstream Authorization = %q, want the provider key", got.header.Get("Authorization"))
	}
	if strings.Contains(got.header.Get("Authorization"), tk.AccessToken) {
		t.Error("the app's access token reached the provider")
	}
	var sent map[string]any
	_ = json.Unmarshal(got.body, &sent)
	if sent["model"] != "gpt-4o-mini-2024-07-18" || sent["seed"] != float64(7) || sent["temperature"] != 0.2 {
		t.Errorf("upstream body = %s", got.body)
	}
	if rf, _ := sent["response_format"].(map[string]any); rf["type"] != "text" {
		t.Errorf("unknown parameters must pass through: %s", got.body)
	}
	if sent["max_tokens"] == nil {
		t.Errorf("the gateway must cap max_tokens upstream: %s", got.body)
	}
	for _, b := range [][]byte{body, []byte(hdr.Get(gateway.OverheadHeader))} {
		if strings.Contains(string(b), key) {
			t.Fatal("the provider key reached the client")
		}
	}
	admin := h.login(testAdmin, gateway.AdminApp, "")
	_, _, list := h.call("GET", "/admin/v1/providers", admin.AccessToken, nil)
	if strings.Contains(string(list), key) || !strings.Contains(string(list), `"key_set":true`) {
		t.Errorf("providers listing = %s", list)
	}
}
