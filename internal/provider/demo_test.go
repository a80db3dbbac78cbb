package provider

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newTestDemo(t testing.TB, delay time.Duration) *Demo {
	t.Helper()
	d, err := NewDemo(Config{Name: "demo", ChunkDelay: delay, Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDemoChat(t *testing.T) {
	t.Parallel()
	d := newTestDemo(t, 0)
	req := chatRequest(t, `{"model":"demo-1","messages":[{"role":"system","content":"Be nice."},`+
		`{"role":"user","content":"What is the weather like in Paris today, and should I take an umbrella with me?"}]}`)
	a, err := d.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("the same request got different answers (-first +second):\n%s", diff)
	}
	text := a.Text()
	if !strings.Contains(text, "\u201cWhat is the weather like in Paris today, and should I take\u2026\u201d") {
		t.Errorf("the answer does not quote the question's first words: %q", text)
	}
	if a.Model != "demo-1" || a.Choices[0].FinishReason != "stop" || a.Object != "chat.completion" {
		t.Errorf("completion = %+v", a)
	}
	if u := a.Usage; u.CompletionTokens != EstimateTokens(text) || u.PromptTokens != EstimateTokens("Be nice.")+EstimateTokens(req.Messages[1].Content.String()) ||
		u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v", u)
	}
	other := chatRequest(t, `{"model":"demo-1","messages":[{"role":"user","content":"Hello"}]}`)
	c, _ := d.Chat(context.Background(), other)
	if c.ID == a.ID || !strings.Contains(c.Text(), "\u201cHello\u201d") {
		t.Errorf("another request got %q (%s)", c.Text(), c.ID)
	}
}

func TestDemoQuoteIsBounded(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"hello   world\n\x00\x1b[31m", "hello world [31m"},
		{strings.Repeat("é", 100), strings.Repeat("é", 40) + "\u2026"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := demoQuote(tt.in); got != tt.want {
			t.Errorf("demoQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDemoMaxTokens(t *testing.T) {
	t.Parallel()
	d := newTestDemo(t, 0)
	for _, limit := range []int{1, 3, 10} {
		req := simpleRequest()
		req.MaxTokens = ptr(limit)
		got, err := d.Chat(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Choices[0].FinishReason != "length" || got.Usage.CompletionTokens > limit || got.Text() == "" {
			t.Errorf("max_tokens %d: finish %q, %d tokens, %q", limit, got.Choices[0].FinishReason, got.Usage.CompletionTokens, got.Text())
		}
	}
	req := simpleRequest()
	req.MaxCompletionTokens = ptr(0)
	_, err := d.Chat(context.Background(), req)
	wantError(t, err, KindInvalidRequest, "invalid_request_error")
}

func TestDemoStream(t *testing.T) {
	t.Parallel()
	d := newTestDemo(t, time.Millisecond)
	req := simpleRequest()
	whole, err := d.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.ChatStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	chunks, err := recvAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if got := streamText(chunks); got != whole.Text() {
		t.Errorf("streamed %q, want %q", got, whole.Text())
	}
	if len(chunks) < 5 || chunks[0].Choices[0].Delta.Role != "assistant" {
		t.Errorf("%d chunks, first %+v", len(chunks), chunks[0])
	}
	last, fin := chunks[len(chunks)-1], chunks[len(chunks)-2]
	if last.Usage == nil || !cmp.Equal(last.Usage, whole.Usage) || len(last.Choices) != 0 || *fin.Choices[0].FinishReason != "stop" {
		t.Errorf("last chunks %+v %+v", fin, last)
	}
}

func TestDemoStreamStops(t *testing.T) {
	t.Parallel()
	d := newTestDemo(t, time.Hour)
	t.Run("context cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		s, err := d.ChatStream(ctx, simpleRequest())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err = s.Recv()
		wantError(t, err, KindUnavailable, "canceled")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("Close", func(t *testing.T) {
		t.Parallel()
		s, err := d.ChatStream(context.Background(), simpleRequest())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(20*time.Millisecond, func() { _ = s.Close() })
		if _, err := s.Recv(); !errors.Is(err, ErrStreamClosed) {
			t.Errorf("err = %v, want ErrStreamClosed", err)
		}
	})
}

func TestDemoEmbeddings(t *testing.T) {
	t.Parallel()
	d := newTestDemo(t, 0)
	embed := func(t *testing.T, in string) (*EmbeddingsResponse, []struct {
		Object    string          `json:"object"`
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	}) {
		t.Helper()
		var req EmbeddingsRequest
		if err := json.Unmarshal([]byte(in), &req); err != nil {
			t.Fatal(err)
		}
		resp, err := d.Embeddings(context.Background(), &req)
		if err != nil {
			t.Fatal(err)
		}
		var data []struct {
			Object    string          `json:"object"`
			Index     int             `json:"index"`
			Embedding json.RawMessage `json:"embedding"`
		}
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			t.Fatalf("data %s: %v", resp.Data, err)
		}
		return resp, data
	}
	resp, data := embed(t, `{"model":"demo-embed","input":["hello","world","hello"]}`)
	if resp.Object != "list" || resp.Model != "demo-embed" || resp.Usage.PromptTokens != 6 || len(data) != 3 {
		t.Fatalf("response %s %s, usage %+v, %d items", resp.Object, resp.Model, resp.Usage, len(data))
	}
	vecs := make([][]float64, 3)
	for i, e := range data {
		if e.Object != "embedding" || e.Index != i {
			t.Errorf("item %d = %+v", i, e)
		}
		if err := json.Unmarshal(e.Embedding, &vecs[i]); err != nil {
			t.Fatal(err)
		}
		var norm float64
		for _, x := range vecs[i] {
			norm += x * x
		}
		if len(vecs[i]) != 256 || math.Abs(norm-1) > 1e-4 {
			t.Errorf("vector %d: %d dims, norm %v", i, len(vecs[i]), norm)
		}
	}
	if cmp.Equal(vecs[0], vecs[1]) || !cmp.Equal(vecs[0], vecs[2]) {
		t.Errorf("vectors are not a function of their input")
	}

	_, b64 := embed(t, `{"model":"e","input":"hello","encoding_format":"base64","dimensions":256}`)
	var s string
	if err := json.Unmarshal(b64[0].Embedding, &s); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != 4*256 {
		t.Fatalf("base64 embedding: %d bytes, %v", len(raw), err)
	}
	for i := range 256 {
		f := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		if math.Abs(float64(f)-vecs[0][i]) > 1e-6 {
			t.Fatalf("base64 value %d = %v, float %v", i, f, vecs[0][i])
		}
	}

	_, small := embed(t, `{"model":"e","input":[[1,2,3],[4]],"dimensions":3}`)
	if len(small) != 2 {
		t.Errorf("token inputs: %d items", len(small))
	}

	for _, bad := range []string{`{"model":"e","input":5}`, `{"model":"e","input":[]}`, `{"model":"e","input":"x","dimensions":0}`,
		`{"model":"e","input":"x","encoding_format":"int8"}`} {
		var req EmbeddingsRequest
		_ = json.Unmarshal([]byte(bad), &req)
		_, err := d.Embeddings(context.Background(), &req)
		wantError(t, err, KindInvalidRequest, "invalid_request_error")
	}
}

func TestNewChoosesByType(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		typ  string
		want string
	}{{TypeOpenAI, "*provider.OpenAI"}, {TypeAnthropic, "*provider.Anthropic"}, {TypeDemo, "*provider.Demo"}} {
		p, err := New(Config{Name: "p", Type: tt.typ})
		if err != nil {
			t.Fatalf("%s: %v", tt.typ, err)
		}
		if got := typeName(p); got != tt.want {
			t.Errorf("New(%s) = %s", tt.typ, got)
		}
	}
	if _, err := New(Config{Name: "p", Type: "gemini"}); err == nil || !strings.Contains(err.Error(), "type") {
		t.Errorf("New(gemini) = %v", err)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *OpenAI:
		return "*provider.OpenAI"
	case *Anthropic:
		return "*provider.Anthropic"
	case *Demo:
		return "*provider.Demo"
	}
	return "?"
}
