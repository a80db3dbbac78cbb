package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWantsStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{`{"model":"m","stream":true}`, true},
		{`{"model":"m", "stream" : true}`, true},
		{`{"model":"m","stream":false}`, false},
		{`{"model":"m"}`, false},
		{`{"messages":[{"content":"\"stream\""}],"stream":true}`, true},
		{`{"stream_options":{"include_usage":true},"stream":false}`, false},
	}
	for _, tt := range tests {
		if got := wantsStream([]byte(tt.body)); got != tt.want {
			t.Errorf("wantsStream(%s) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestMockAnswers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newMock(3, 0))
	defer srv.Close()
	post := func(path, body string) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: status %d", path, resp.StatusCode)
		}
		return resp, b
	}

	_, b := post("/v1/chat/completions", `{"model":"x","messages":[]}`)
	var c struct {
		Object string `json:"object"`
		Usage  struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Object != "chat.completion" || c.Usage.TotalTokens == 0 {
		t.Errorf("completion = %s (err %v), want a chat.completion with usage", b, err)
	}

	resp, b := post("/v1/chat/completions", `{"model":"x","stream":true}`)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("stream Content-Type = %q", ct)
	}
	events := bytes.Split(bytes.TrimSpace(b), []byte("\n\n"))
	// role chunk + 3 content chunks + finish chunk + usage chunk + [DONE]
	if got, want := len(events), 3+4; got != want {
		t.Errorf("stream has %d events, want %d:\n%s", got, want, b)
	}
	if last := string(events[len(events)-1]); last != "data: [DONE]" {
		t.Errorf("last event = %q, want data: [DONE]", last)
	}
	if !bytes.Contains(events[len(events)-2], []byte(`"usage"`)) {
		t.Errorf("event before [DONE] = %s, want usage", events[len(events)-2])
	}

	_, b = post("/v1/embeddings", `{"model":"e","input":"hi"}`)
	if !bytes.Contains(b, []byte(`"embedding"`)) {
		t.Errorf("embeddings = %s", b)
	}
}
