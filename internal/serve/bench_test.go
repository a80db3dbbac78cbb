package serve_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/gateway"
)

// benchChat is a typical mobile chat request: a system prompt, a short
// exchange and a question (about 1 KB).
var benchChat = `{"model":"gpt","temperature":0.7,"messages":[` +
	`{"role":"system","content":"You are the helpful assistant of a note-taking app. Answer briefly and never invent facts about the user's notes. ` + strings.Repeat("Keep answers short. ", 20) + `"},` +
	`{"role":"user","content":"Summarize my meeting notes from Tuesday about the launch plan."},` +
	`{"role":"assistant","content":"Your Tuesday notes cover the launch date, the beta group and the open risks."},` +
	`{"role":"user","content":"What were the open risks again, in two bullet points?"}]}`

// BenchmarkGatewayChat measures the whole pipeline of a non-streamed
// chat call (token check, app lookup, limits, budget, audit, provider
// call to a local upstream, response rewrite) through the handler.
func BenchmarkGatewayChat(b *testing.B) {
	up := newRecordingUpstream(b)
	up.record = false
	h := newHarness(b, func(c *gateway.Config) {
		c.Limits.User = apps.ScopeLimits{RequestsPerMinute: 1 << 30, TokensPerDay: 1 << 50}
		c.Limits.App = apps.ScopeLimits{RequestsPerMinute: 1 << 30, TokensPerDay: 1 << 50}
		c.Providers = append(c.Providers, gateway.ProviderConfig{Name: "openai", Type: "openai", BaseURL: up.url + "/v1", AuthStyle: "none"})
		c.Models = append(c.Models, gateway.ModelConfig{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini"})
	})
	tk := h.login(testUser, testApp, "bench")
	handler := h.srv.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(benchChat))
			req.Header.Set("Authorization", "Bearer "+tk.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		}
	})
}

// BenchmarkGatewayChatStream is BenchmarkGatewayChat with a streamed
// answer of 20 chunks, through a real HTTP server (streams need one).
func BenchmarkGatewayChatStream(b *testing.B) {
	up := newRecordingUpstream(b)
	up.record, up.chunks = false, 20
	h := newHarness(b, func(c *gateway.Config) {
		c.Limits.User = apps.ScopeLimits{RequestsPerMinute: 1 << 30, TokensPerDay: 1 << 50}
		c.Limits.App = apps.ScopeLimits{RequestsPerMinute: 1 << 30, TokensPerDay: 1 << 50}
		c.Providers = append(c.Providers, gateway.ProviderConfig{Name: "openai", Type: "openai", BaseURL: up.url + "/v1", AuthStyle: "none"})
		c.Models = append(c.Models, gateway.ModelConfig{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini"})
	})
	tk := h.login(testUser, testApp, "bench")
	body := strings.Replace(benchChat, `"model":"gpt",`, `"model":"gpt","stream":true,`, 1)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", h.url+"/v1/chat/completions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tk.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !bytes.HasSuffix(data, []byte("data: [DONE]\n\n")) {
				b.Fatalf("status %d: %s", resp.StatusCode, data)
			}
		}
	})
}
