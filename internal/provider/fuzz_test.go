package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzSSEReader checks the SSE reader against the reference parser, fed
// whole and byte by byte, with a small bound so that bounds are reached.
func FuzzSSEReader(f *testing.F) {
	for _, tt := range sseTests {
		f.Add([]byte(tt.in))
	}
	f.Add([]byte(anthropicStreamBody))
	f.Add([]byte("data: a\r\ndata: b\r\r\n:c\rid: \x00\nevent: e\n\ndata"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 64
		whole, err := readAllSSE(newSSEReaderSize(bytes.NewReader(in), max))
		if err != nil {
			if !errors.Is(err, errEventTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, ev := range whole {
			if len(ev.Data) > max {
				t.Fatalf("event of %d bytes, bound %d", len(ev.Data), max)
			}
		}
		bytewise, err := readAllSSE(newSSEReaderSize(iotest.OneByteReader(bytes.NewReader(in)), max))
		if err != nil {
			t.Fatalf("byte by byte: %v", err)
		}
		if diff := cmp.Diff(whole, bytewise, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("whole and byte by byte differ (-whole +bytewise):\n%s", diff)
		}
		if diff := cmp.Diff(referenceSSE(in), whole, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("differs from the reference (-ref +got):\n%s", diff)
		}
	})
}

// roundTrip checks that what decodes re-encodes to valid JSON that
// decodes again to the same encoding.
func roundTrip[T any](t *testing.T, in []byte) {
	var a T
	if json.Unmarshal(in, &a) != nil {
		return
	}
	first, err := Marshal(&a)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !json.Valid(first) {
		t.Fatalf("encoded invalid JSON: %s", first)
	}
	var b T
	if err := json.Unmarshal(first, &b); err != nil {
		t.Fatalf("decode of our own encoding %s: %v", first, err)
	}
	second, err := Marshal(&b)
	if err != nil {
		t.Fatalf("encode again: %v", err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("unstable encoding:\n%s\n%s", first, second)
	}
}

func FuzzDecodeChatRequest(f *testing.F) {
	for _, tt := range anthropicRequestTests {
		f.Add([]byte(tt.in))
	}
	f.Add([]byte(benchRequest))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"https://x"}}]}],"stop":"x","n":1}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}],"tool_choice":"auto"}`))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip[ChatRequest](t, in) })
}

func FuzzDecodeChatCompletion(f *testing.F) {
	f.Add([]byte(completionBody))
	f.Add([]byte(`{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,` +
		`"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],` +
		`"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"completion_tokens_details":{"reasoning_tokens":0}},"service_tier":"default"}`))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip[ChatCompletion](t, in) })
}

func FuzzDecodeChatChunk(f *testing.F) {
	f.Add([]byte(chunkJSON("Hello")))
	f.Add([]byte(finishChunk))
	f.Add([]byte(usageChunk))
	f.Add([]byte(`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"",` +
		`"refusal":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}`))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip[ChatChunk](t, in) })
}

func FuzzDecodeEmbeddingsRequest(f *testing.F) {
	f.Add([]byte(`{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64","dimensions":256}`))
	f.Add([]byte(`{"model":"e","input":[[1,2],[3]]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		roundTrip[EmbeddingsRequest](t, in)
		var r EmbeddingsRequest
		if json.Unmarshal(in, &r) == nil {
			_, _, _ = r.Texts()
		}
	})
}

// FuzzAnthropicStream feeds a byte stream, as the upstream would send
// it, to the SSE reader and the event translation.
func FuzzAnthropicStream(f *testing.F) {
	f.Add([]byte(anthropicStreamBody))
	f.Add([]byte(strings.ReplaceAll(anthropicStreamBody, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", "")))
	f.Add([]byte("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"))
	f.Add([]byte("data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}\n\ndata: {\"type\":\"content_block_start\",\"index\":3," +
		"\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{\"a\":1}}}\n\ndata: {\"type\":\"message_stop\"}\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := newSSEReaderSize(bytes.NewReader(in), 4096)
		st := newAnthropicStreamState(1)
		roles, tools := 0, map[int]bool{}
		check := func(chunks []*ChatChunk) {
			for _, c := range chunks {
				b, err := Marshal(c)
				if err != nil || !json.Valid(b) {
					t.Fatalf("chunk %+v encodes to %s, %v", c, b, err)
				}
				for _, ch := range c.Choices {
					if ch.Delta.Role != "" {
						roles++
					}
					for _, tc := range ch.Delta.ToolCalls {
						if tc.ID != "" {
							if tools[tc.Index] {
								t.Fatalf("tool call %d started twice", tc.Index)
							}
							tools[tc.Index] = true
						} else if !tools[tc.Index] {
							t.Fatalf("arguments for tool call %d, never started", tc.Index)
						}
					}
				}
			}
			if roles > 1 {
				t.Fatalf("%d chunks with a role", roles)
			}
		}
		for {
			ev, err := r.Next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					if chunks, err := st.end(); err == nil {
						check(chunks)
					}
				}
				return
			}
			chunks, end, err := st.event(ev.Event, ev.Data)
			if err != nil {
				return
			}
			check(chunks)
			if end {
				if more, _, _ := st.event("message_start", []byte(`{"type":"message_start","message":{}}`)); len(more) > 0 {
					t.Fatalf("chunks after message_stop")
				}
				return
			}
		}
	})
}

// FuzzAnthropicRequest checks that what translates is a valid Messages
// API request, and that what does not is refused with a message.
func FuzzAnthropicRequest(f *testing.F) {
	for _, tt := range anthropicRequestTests {
		f.Add([]byte(tt.in))
	}
	f.Add([]byte(benchRequest))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"c","content":"r"},{"role":"user","content":"y"}],"n":2}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var req ChatRequest
		if json.Unmarshal(in, &req) != nil {
			return
		}
		ar, err := toAnthropic(&req, 100)
		if err != nil {
			var r *refusal
			if !errors.As(err, &r) || r.msg == "" {
				t.Fatalf("error without a message for the app: %v", err)
			}
			return
		}
		b, err := Marshal(ar)
		if err != nil || !json.Valid(b) {
			t.Fatalf("translation encodes to %s, %v", b, err)
		}
		if ar.MaxTokens < 1 || len(ar.Messages) == 0 {
			t.Fatalf("max_tokens %d, %d messages", ar.MaxTokens, len(ar.Messages))
		}
		for i, m := range ar.Messages {
			if i > 0 && ar.Messages[i-1].Role == m.Role {
				t.Fatalf("turns %d and %d are both %s", i-1, i, m.Role)
			}
			if len(m.Content) == 0 {
				t.Fatalf("turn %d is empty", i)
			}
			seenOther := false
			for _, blk := range m.Content {
				switch blk.Type {
				case "tool_result":
					if seenOther {
						t.Fatalf("turn %d: a tool result after other content", i)
					}
				case "tool_use":
					var obj map[string]json.RawMessage
					if json.Unmarshal(blk.Input, &obj) != nil || obj == nil {
						t.Fatalf("tool_use input %s is not an object", blk.Input)
					}
					seenOther = true
				case "text":
					if blk.Text == "" {
						t.Fatalf("empty text block")
					}
					seenOther = true
				default:
					seenOther = true
				}
			}
		}
	})
}

// FuzzFromAnthropic checks that any answer that decodes translates to a
// valid completion.
func FuzzFromAnthropic(f *testing.F) {
	f.Add([]byte(`{"id":"msg_1","type":"message","model":"c","content":[{"type":"text","text":"Hi"},{"type":"tool_use","id":"t","name":"f","input":{"a":[1]}}],` +
		`"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2,"cache_read_input_tokens":3}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var ar anthropicResponse
		if json.Unmarshal(in, &ar) != nil {
			return
		}
		b, err := Marshal(fromAnthropic(&ar, 1))
		if err != nil || !json.Valid(b) {
			t.Fatalf("completion encodes to %s, %v", b, err)
		}
		var c ChatCompletion
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("completion %s does not decode: %v", b, err)
		}
	})
}
