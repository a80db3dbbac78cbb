package serve_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/gateway"
)

func TestAuditKeepsNoTextUnlessTheAppOptsIn(t *testing.T) {
	const secretPrompt = "my card is 4111 1111 1111 1111 and my name is Ada"
	h := newHarness(t, func(c *gateway.Config) {
		c.Apps = append(c.Apps, gateway.AppConfig{ID: "diary-app", Models: []string{"*"}, KeepText: true})
	})
	ask := func(app string) {
		client := h.sdk(h.login(testUser, app, "d1").AccessToken)
		if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
			Model: "chat", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(secretPrompt)}}); err != nil {
			t.Fatal(err)
		}
	}
	ask(testApp)
	ask("diary-app")
	recs, err := h.events(audit.DecisionAllowed)
	if err != nil || len(recs) != 2 {
		t.Fatalf("allowed events = %d, %v", len(recs), err)
	}
	for _, r := range recs {
		if strings.Contains(string(r.Event), "4111") || strings.Contains(string(r.Event), "Ada") {
			t.Fatalf("prompt text in clear in the audit log: %s", r.Event)
		}
	}
	plain, _ := recs[0].Decode()
	if plain.App != testApp || plain.TextSealed != nil || plain.PromptSHA256 == "" || plain.PromptChars == 0 || plain.AnswerSHA256 == "" {
		t.Errorf("default app event = %+v: want digests and lengths, no text", plain)
	}
	kept, _ := recs[1].Decode()
	if kept.App != "diary-app" || kept.TextSealed == nil {
		t.Fatalf("keep_text app event = %+v: want sealed text", kept)
	}
	ring, _ := envelope.New(mustHex(t, h.env["BULWARK_MASTER_KEY"]))
	opened, err := ring.Open(kept.TextSealed, "audit-text:"+kept.RequestID)
	if err != nil {
		t.Fatal(err)
	}
	var text struct{ Prompt, Answer string }
	if err := json.Unmarshal(opened, &text); err != nil || !strings.Contains(text.Prompt, secretPrompt) || text.Answer == "" {
		t.Errorf("sealed text = %s (%v)", opened, err)
	}
}

func TestMetricsCountDecisionsTokensAndUpstreams(t *testing.T) {
	h := newHarness(t)
	client := h.sdk(h.login(testUser, testApp, "d1").AccessToken)
	if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "chat", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}); err != nil {
		t.Fatal(err)
	}
	h.call("GET", "/v1/models", "bad-token", nil)
	status, _, body := h.call("GET", "/metrics", "", nil)
	if status != 200 {
		t.Fatalf("metrics: %d", status)
	}
	for _, want := range []string{
		`bulwark_decisions_total{decision="allowed",reason=""} 1`,
		`bulwark_decisions_total{decision="denied",reason="invalid_token"} 1`,
		`bulwark_upstream_requests_total{outcome="ok",provider="demo"} 1`,
		`bulwark_tokens_total{app="` + testApp + `",kind="completion",model="chat"}`,
		`bulwark_http_request_duration_seconds_bucket{route="POST /v1/chat/completions"`,
		`bulwark_audit_queue_depth`,
		`bulwark_overhead_seconds_count 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
