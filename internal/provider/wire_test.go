package provider

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// canonical re-encodes JSON with sorted keys, so that documents compare
// whatever their key order.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	out, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestChatRequestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		want  string // after decode and encode; "" means same as in
		check func(t *testing.T, r *ChatRequest)
	}{
		{
			name: "unknown fields are kept at every level",
			in: `{"model":"gpt-4o","messages":[{"role":"user","content":"hi","x_msg":1}],"seed":7,"response_format":{"type":"json_object"},` +
				`"stream_options":{"include_usage":true,"x_so":"a"},"tools":[{"type":"function","function":{"name":"f","strict":true},"x_tool":[1]}]}`,
			check: func(t *testing.T, r *ChatRequest) {
				if string(r.Extra["seed"]) != "7" || r.Messages[0].Extra["x_msg"] == nil || r.Tools[0].Function.Extra["strict"] == nil {
					t.Errorf("extra fields lost: %+v", r)
				}
			},
		},
		{
			name: "string content",
			in:   `{"model":"m","messages":[{"role":"user","content":"a <b> & c"}]}`,
			check: func(t *testing.T, r *ChatRequest) {
				if got := r.Messages[0].Content.String(); got != "a <b> & c" {
					t.Errorf("content = %q", got)
				}
			},
		},
		{
			name: "list content with text and image parts",
			in: `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},` +
				`{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]}]}`,
			check: func(t *testing.T, r *ChatRequest) {
				c := r.Messages[0].Content
				if len(c.Parts) != 2 || c.Parts[1].Extra["image_url"] == nil || c.String() != "what is this?" {
					t.Errorf("parts = %+v", c.Parts)
				}
			},
		},
		{
			name: "null content with tool calls",
			in: `{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",` +
				`"function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"20C"}]}`,
			check: func(t *testing.T, r *ChatRequest) {
				m := r.Messages[0]
				if !m.Content.Null || len(m.ToolCalls) != 1 || m.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` {
					t.Errorf("assistant message = %+v", m)
				}
				if r.Messages[1].ToolCallID != "c1" {
					t.Errorf("tool message = %+v", r.Messages[1])
				}
			},
		},
		{
			name: "missing content encodes as null",
			in:   `{"model":"m","messages":[{"role":"assistant"}]}`,
			want: `{"model":"m","messages":[{"role":"assistant","content":null}]}`,
		},
		{
			name: "stop as a string becomes a list",
			in:   `{"model":"m","messages":[],"stop":"END"}`,
			want: `{"model":"m","messages":[],"stop":["END"]}`,
			check: func(t *testing.T, r *ChatRequest) {
				if diff := cmp.Diff([]string{"END"}, r.Stop); diff != "" {
					t.Errorf("stop (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "numbers and tool_choice are kept",
			in: `{"model":"m","messages":[],"max_tokens":10,"max_completion_tokens":20,"temperature":0.5,"top_p":1,"n":1,` +
				`"tool_choice":{"type":"function","function":{"name":"f"}},"user":"u1","stream":true}`,
			check: func(t *testing.T, r *ChatRequest) {
				if *r.MaxTokens != 10 || *r.MaxCompletionTokens != 20 || *r.Temperature != 0.5 || !r.Stream || r.User != "u1" {
					t.Errorf("request = %+v", r)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r ChatRequest
			if err := json.Unmarshal([]byte(tt.in), &r); err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, &r)
			}
			out, err := Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if diff := cmp.Diff(canonical(t, []byte(want)), canonical(t, out)); diff != "" {
				t.Errorf("re-encoded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChatRequestDecodeErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`[]`, `null`, `{"model":1}`, `{"messages":[{"role":"user","content":5}]}`, `{"stop":5}`, `{"messages":{}}`,
	} {
		var r ChatRequest
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("decode %s: no error", in)
		}
	}
}

func TestCompletionAndChunkRoundTrip(t *testing.T) {
	t.Parallel()
	completion := `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","system_fingerprint":"fp",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1","type":"function",` +
		`"function":{"name":"f","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],` +
		`"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}}`
	var c ChatCompletion
	if err := json.Unmarshal([]byte(completion), &c); err != nil {
		t.Fatal(err)
	}
	if c.Choices[0].FinishReason != "tool_calls" || c.Usage.TotalTokens != 12 || c.Choices[0].Message.ToolCalls[0].ID != "call_1" {
		t.Errorf("completion = %+v", c)
	}
	out, _ := Marshal(&c)
	if diff := cmp.Diff(canonical(t, []byte(completion)), canonical(t, out)); diff != "" {
		t.Errorf("completion re-encoded (-want +got):\n%s", diff)
	}

	chunk := `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":` +
		`[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}],"obfuscation":"x"}`
	var ch ChatChunk
	if err := json.Unmarshal([]byte(chunk), &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Choices[0].Delta.ToolCalls[0].Function.Name != "f" || ch.Extra["obfuscation"] == nil {
		t.Errorf("chunk = %+v", ch)
	}
	out, _ = Marshal(&ch)
	if diff := cmp.Diff(canonical(t, []byte(chunk)), canonical(t, out)); diff != "" {
		t.Errorf("chunk re-encoded (-want +got):\n%s", diff)
	}
}

func TestMarshalDoesNotEscapeHTML(t *testing.T) {
	t.Parallel()
	out, err := Marshal(&ChatCompletion{Choices: []Choice{{Message: Message{Role: "assistant", Content: TextContent("<b>&</b>")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `"content":"<b>&</b>"`; !json.Valid(out) || !strings.Contains(string(out), want) {
		t.Errorf("Marshal = %s, want it to contain %s", out, want)
	}
}

func TestToolWithoutNameKeepsFunction(t *testing.T) {
	t.Parallel()
	in := `{"type":"function","function":{"description":"d"}}`
	var tool Tool
	if err := json.Unmarshal([]byte(in), &tool); err != nil {
		t.Fatal(err)
	}
	out, _ := Marshal(tool)
	if diff := cmp.Diff(canonical(t, []byte(`{"type":"function","function":{"name":"","description":"d"}}`)), canonical(t, out)); diff != "" {
		t.Errorf("tool (-want +got):\n%s", diff)
	}
}

func TestEmptyRawExtraIsNull(t *testing.T) {
	t.Parallel()
	out, err := Marshal(ChatRequest{Model: "m", Extra: Extra{"x": nil}})
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(out) {
		t.Errorf("Marshal = %s: invalid JSON", out)
	}
}

func TestEmbeddingsTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		texts  []string
		tokens int
	}{
		{`"a"`, []string{"a"}, 0},
		{`["a","b"]`, []string{"a", "b"}, 0},
		{`[1,2,3]`, nil, 3},
		{`[[1,2],[3]]`, nil, 3},
	}
	for _, tt := range tests {
		r := EmbeddingsRequest{Input: json.RawMessage(tt.in)}
		texts, tokens, err := r.Texts()
		if err != nil {
			t.Fatalf("Texts(%s): %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.texts, texts); diff != "" || tokens != tt.tokens {
			t.Errorf("Texts(%s) = %q, %d; want %q, %d", tt.in, texts, tokens, tt.texts, tt.tokens)
		}
	}
}
