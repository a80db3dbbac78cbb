package serve_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/gateway"
)

// FuzzChatCompletionsBody sends arbitrary bodies to the chat endpoint of a
// whole gateway (demo provider): every answer is a 200 chat completion or
// a 4xx in OpenAI's error shape; never a 5xx, never a panic.
func FuzzChatCompletionsBody(f *testing.F) {
	h := newHarness(f, func(c *gateway.Config) { c.Server.MaxBodyBytes = 64 << 10 })
	token := h.login(testUser, testApp, "fuzz").AccessToken
	handler := h.srv.Handler()
	for _, seed := range []string{
		`{"model":"chat","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"chat","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}`,
		`{"model":"chat","max_tokens":0,"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"chat","n":3,"stop":"x","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"1","content":"ok"}]}`,
		`{"model":"embed","messages":[]}`, `{"model":1}`, `[]`, `null`, `{`, ``,
		`{"model":"chat","messages":[{"role":"user","content":"` + strings.Repeat("\\u00e9", 100) + `"}],"tools":[{"type":"function","function":{"name":"x","parameters":{"type":"object"}}}]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK:
			return
		case rec.Code == http.StatusTooManyRequests:
			return // the fuzzer outran the demo user's rate limit
		case rec.Code >= 500:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		var e struct {
			Error struct{ Message, Type, Code string } `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Message == "" || e.Error.Code == "" {
			t.Fatalf("status %d without an OpenAI error body for %q: %s", rec.Code, body, rec.Body.String())
		}
	})
}
