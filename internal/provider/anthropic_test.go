package provider

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// anthropicRequestTests feed the translation test and the fuzz seeds.
var anthropicRequestTests = []struct {
	name string
	in   string // an OpenAI chat request
	want string // the Anthropic request
}{
	{
		name: "system and developer messages become system, max_tokens defaults",
		in: `{"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Use French."}]},` +
			`{"role":"user","content":"Hello"}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":1000,"system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Use French."}],` +
			`"messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}]}`,
	},
	{
		name: "sampling parameters, stop and user",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"max_completion_tokens":50,"max_tokens":10,"temperature":0.3,` +
			`"top_p":0.9,"stop":"END","user":"user-42","seed":1,"logprobs":false,"presence_penalty":0,"response_format":{"type":"text"},"top_k":5}`,
		want: `{"model":"m","max_tokens":50,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"temperature":0.3,"top_p":0.9,` +
			`"top_k":5,"stop_sequences":["END"],"metadata":{"user_id":"user-42"}}`,
	},
	{
		name: "images: data URL and https URL",
		in: `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Compare"},` +
			`{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},` +
			`{"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}`,
		want: `{"model":"m","max_tokens":1000,"messages":[{"role":"user","content":[{"type":"text","text":"Compare"},` +
			`{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},` +
			`{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}]}`,
	},
	{
		name: "tools, tool calls and tool results, turns merged",
		in: `{"model":"m","messages":[{"role":"user","content":"Weather in Paris and Rome?"},` +
			`{"role":"assistant","content":"Let me check.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}},` +
			`{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},` +
			`{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]},` +
			`{"role":"user","content":"Thanks"}],` +
			`"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},` +
			`{"type":"function","function":{"name":"now"}}],"tool_choice":"required","parallel_tool_calls":false}`,
		want: `{"model":"m","max_tokens":1000,"messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},` +
			`{"role":"assistant","content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},` +
			`{"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Rome"}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":[{"type":"text","text":"18C"}]},` +
			`{"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"21C"}]},{"type":"text","text":"Thanks"}]}],` +
			`"tools":[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},` +
			`{"name":"now","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"any","disable_parallel_tool_use":true}}`,
	},
	{
		name: "tool_choice naming a function, assistant with null content",
		in: `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":""}}]},` +
			`{"role":"tool","tool_call_id":"c","content":""}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],` +
			`"tool_choice":{"type":"function","function":{"name":"f"}}}`,
		want: `{"model":"m","max_tokens":1000,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]},` +
			`{"role":"assistant","content":[{"type":"tool_use","id":"c","name":"f","input":{}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"c"}]}],` +
			`"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"f"}}`,
	},
	{
		name: "tool_choice without tools is dropped",
		in:   `{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"none"}`,
		want: `{"model":"m","max_tokens":1000,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}`,
	},
}

func TestToAnthropic(t *testing.T) {
	t.Parallel()
	for _, tt := range anthropicRequestTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ar, err := toAnthropic(chatRequest(t, tt.in), 1000)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Marshal(ar)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(canonical(t, []byte(tt.want)), canonical(t, got)); diff != "" {
				t.Errorf("translation (-want +got):\n%s", diff)
			}
		})
	}
}

func TestToAnthropicRefuses(t *testing.T) {
	t.Parallel()
	const user = `"messages":[{"role":"user","content":"x"}]`
	tests := []struct {
		name string
		in   string
		msg  string // part of the message
	}{
		{"n > 1", `{"model":"m",` + user + `,"n":2}`, "n other than 1"},
		{"json_schema", `{"model":"m",` + user + `,"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}`, "json_schema"},
		{"json_object", `{"model":"m",` + user + `,"response_format":{"type":"json_object"}}`, "json_object"},
		{"logprobs", `{"model":"m",` + user + `,"logprobs":true}`, "logprobs"},
		{"penalty", `{"model":"m",` + user + `,"frequency_penalty":0.5}`, "frequency_penalty"},
		{"unknown parameter", `{"model":"m",` + user + `,"reasoning_effort":"high"}`, "reasoning_effort"},
		{"temperature above 1", `{"model":"m",` + user + `,"temperature":1.5}`, "temperature"},
		{"max_tokens 0", `{"model":"m",` + user + `,"max_tokens":0}`, "max_tokens"},
		{"audio part", `{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}`, "input_audio"},
		{"svg image", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml;base64,AA=="}}]}]}`, "jpeg, png"},
		{"file image URL", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}`, "data: or http(s)"},
		{"image in a system message", `{"model":"m","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},{"role":"user","content":"x"}]}`, "images"},
		{"bad tool arguments", `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1"}}]}]}`, "arguments"},
		{"tool message without id", `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","content":"r"}]}`, "tool_call_id"},
		{"function role", `{"model":"m","messages":[{"role":"function","name":"f","content":"r"}]}`, "function role"},
		{"legacy functions", `{"model":"m",` + user + `,"functions":[{"name":"f"}]}`, "functions"},
		{"required without tools", `{"model":"m",` + user + `,"tool_choice":"required"}`, "requires tools"},
		{"no messages", `{"model":"m","messages":[{"role":"system","content":"s"}]}`, "user message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { t.Error("a refused request was sent") })
			p, err := NewAnthropic(anthropicConfig(u))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Chat(context.Background(), chatRequest(t, tt.in))
			pe := wantError(t, err, KindInvalidRequest, "unsupported_parameter")
			if !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("message %q does not mention %q", pe.Message, tt.msg)
			}
			_, err = p.ChatStream(context.Background(), chatRequest(t, tt.in))
			wantError(t, err, KindInvalidRequest, "unsupported_parameter")
		})
	}
}

func anthropicConfig(u *upstream) Config {
	return Config{Name: "claude", Type: TypeAnthropic, BaseURL: u.URL, APIKey: testKey, MaxRetries: 1, DefaultMaxTokens: 1000,
		Now: func() time.Time { return time.Unix(1700000000, 0) }}
}

func TestFromAnthropic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "text",
			in: `{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],` +
				`"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":3}}`,
			want: `{"id":"msg_1","object":"chat.completion","created":1700000000,"model":"claude-x","choices":[{"index":0,` +
				`"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13}}`,
		},
		{
			name: "tool use, cached tokens",
			in: `{"id":"msg_2","type":"message","role":"assistant","model":"claude-x","content":[{"type":"thinking","thinking":"hmm"},` +
				`{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city": "Paris"}}],"stop_reason":"tool_use",` +
				`"usage":{"input_tokens":5,"cache_creation_input_tokens":2,"cache_read_input_tokens":100,"output_tokens":20}}`,
			want: `{"id":"msg_2","object":"chat.completion","created":1700000000,"model":"claude-x","choices":[{"index":0,` +
				`"message":{"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},` +
				`"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":107,"completion_tokens":20,"total_tokens":127,"prompt_tokens_details":{"cached_tokens":100}}}`,
		},
		{
			name: "max_tokens is length",
			in:   `{"id":"m","type":"message","model":"c","content":[{"type":"text","text":"Hel"}],"stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":1}}`,
			want: `{"id":"m","object":"chat.completion","created":1700000000,"model":"c","choices":[{"index":0,"message":{"role":"assistant","content":"Hel"},` +
				`"finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, tt.in) })
			p, err := NewAnthropic(anthropicConfig(u))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Chat(context.Background(), simpleRequest())
			if err != nil {
				t.Fatal(err)
			}
			out, _ := Marshal(got)
			if diff := cmp.Diff(canonical(t, []byte(tt.want)), canonical(t, out)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			r := u.request(t, 0)
			if r.RequestURI != "/v1/messages" || r.Header.Get("X-Api-Key") != testKey || r.Header.Get("Anthropic-Version") != DefaultAnthropicVersion ||
				r.Header.Get("Authorization") != "" {
				t.Errorf("request %s, headers %v", r.RequestURI, r.Header)
			}
		})
	}
}

func TestAnthropicErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		kind   Kind
		code   string
	}{
		{"prompt too long", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 250000 tokens > 200000 maximum"}}`,
			KindInvalidRequest, "context_length_exceeded"},
		{"invalid request", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}`,
			KindInvalidRequest, "invalid_request_error"},
		{"model not found", 404, `{"type":"error","error":{"type":"not_found_error","message":"model: claude-9"}}`, KindInvalidRequest, "model_not_found"},
		{"auth", 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, KindAuth, "upstream_auth"},
		{"overloaded", 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, KindUnavailable, "upstream_unavailable"},
		{"error with 200", 200, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, KindUnavailable, "upstream_unavailable"},
		{"not a message", 200, `{"type":"completion"}`, KindBadResponse, "upstream_bad_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, tt.status, tt.body) })
			p, err := NewAnthropic(anthropicConfig(u))
			if err != nil {
				t.Fatal(err)
			}
			p.http.delay = func(int) time.Duration { return time.Millisecond }
			_, err = p.Chat(context.Background(), simpleRequest())
			wantError(t, err, tt.kind, tt.code)
		})
	}
	t.Run("embeddings are unsupported", func(t *testing.T) {
		t.Parallel()
		p, err := NewAnthropic(Config{Name: "claude"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Embeddings(context.Background(), &EmbeddingsRequest{Model: "x"})
		wantError(t, err, KindUnsupported, "unsupported")
	})
}

// anthropicStreamBody is a streamed answer with text then two tool calls.
var anthropicStreamBody = strings.Join([]string{
	"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n",
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
	"event: ping\ndata: {\"type\": \"ping\"}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Checking \"}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"both.\"}}\n\n",
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Par\"}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"is\\\"}\"}}\n\n",
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"get_weather\",\"input\":{}}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}\n\n",
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
	"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\n\n",
	"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
}, "")

func TestAnthropicStreamWithToolCalls(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		startSSE(w)
		sseWrite(w, anthropicStreamBody)
	})
	p, err := NewAnthropic(anthropicConfig(u))
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.ChatStream(context.Background(), simpleRequest())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	chunks, err := recvAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range chunks {
		b, _ := Marshal(c)
		got = append(got, string(b))
	}
	const head = `{"id":"msg_1","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":`
	want := []string{
		head + `[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"content":"Checking "},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"content":"both."},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Par"}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"is\"}"}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"toolu_2","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"city\":\"Rome\"}"}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		head + `[],"usage":{"prompt_tokens":30,"completion_tokens":42,"total_tokens":72,"prompt_tokens_details":{"cached_tokens":5}}}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
	var body map[string]any
	if err := json.Unmarshal(u.request(t, 0).Body, &body); err != nil || body["stream"] != true {
		t.Errorf("stream request = %s", u.request(t, 0).Body)
	}
}

func TestAnthropicStreamFailures(t *testing.T) {
	t.Parallel()
	start := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"c\",\"usage\":{\"input_tokens\":1}}}\n\n"
	delta := "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
	tests := []struct {
		name string
		body string
		kind Kind
		code string
	}{
		{"error event first", "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded " + testKey + "\"}}\n\n",
			KindUnavailable, "upstream_unavailable"},
		{"error event mid-stream", start + delta + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
			KindBadResponse, "upstream_stream_error"},
		{"ends before message_stop", start + delta, KindBadResponse, "upstream_stream_error"},
		{"delta before message_start", delta, KindBadResponse, "upstream_bad_response"},
		{"json delta for a text block", start + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\n",
			KindBadResponse, "upstream_bad_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				startSSE(w)
				sseWrite(w, tt.body)
			})
			p, err := NewAnthropic(anthropicConfig(u))
			if err != nil {
				t.Fatal(err)
			}
			s, err := p.ChatStream(context.Background(), simpleRequest())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_, err = recvAll(t, s)
			wantError(t, err, tt.kind, tt.code)
			if _, err := s.Recv(); err == nil || errors.Is(err, io.EOF) {
				t.Errorf("Recv after a failure = %v", err)
			}
		})
	}
}

func TestAnthropicStreamWithoutMessageStop(t *testing.T) {
	t.Parallel()
	st := newAnthropicStreamState(1)
	events := []string{
		`{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":2}}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}`,
		`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}`,
	}
	var n int
	for _, e := range events {
		chunks, _, err := st.event("", []byte(e))
		if err != nil {
			t.Fatal(err)
		}
		n += len(chunks)
	}
	rest, err := st.end()
	if err != nil || len(rest) != 1 || rest[0].Usage == nil || rest[0].Usage.TotalTokens != 3 || n != 3 {
		t.Errorf("end = %v, %v after %d chunks", rest, err, n)
	}
}
