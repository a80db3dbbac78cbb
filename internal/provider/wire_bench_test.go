package provider

import (
	"encoding/json"
	"testing"
)

// benchCompletion is a typical non-streamed answer with a tool call.
const benchCompletion = `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"Your flight TP1351 to Lisbon leaves on Tuesday at 07:45 from Terminal 1. ` +
	`Your basic fare includes one bag; a second checked bag costs extra and can be added in the app under \"Manage booking\".",` +
	`"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":412,"completion_tokens":58,"total_tokens":470,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},` +
	`"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},` +
	`"service_tier":"default","system_fingerprint":"fp_06737a9306"}`

// benchChunk is one event of a streamed answer, the gateway's most
// frequent document.
const benchChunk = `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,` +
	`"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306",` +
	`"choices":[{"index":0,"delta":{"content":" leaves on"},"logprobs":null,"finish_reason":null}],"obfuscation":"Xq1"}`

// BenchmarkWireCodec measures the codec against the reference codec it
// replaced, on a request, a completion and a chunk, decoding (through
// json.Unmarshal, as the gateway does) and encoding (through Marshal).
func BenchmarkWireCodec(b *testing.B) {
	docs := []struct {
		name string
		data string
		new  func() any
		ref  func() any
	}{
		{"request", benchRequest, func() any { return new(ChatRequest) }, func() any { return new(refChatRequest) }},
		{"completion", benchCompletion, func() any { return new(ChatCompletion) }, func() any { return new(refChatCompletion) }},
		{"chunk", benchChunk, func() any { return new(ChatChunk) }, func() any { return new(refChatChunk) }},
	}
	for _, doc := range docs {
		data := []byte(doc.data)
		for _, c := range []struct {
			codec   string
			new     func() any
			marshal func(any) ([]byte, error)
		}{{"new", doc.new, Marshal}, {"ref", doc.ref, refMarshal}} {
			b.Run("decode/"+doc.name+"/"+c.codec, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := json.Unmarshal(data, c.new()); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("encode/"+doc.name+"/"+c.codec, func(b *testing.B) {
				v := c.new()
				if err := json.Unmarshal(data, v); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.marshal(v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		// The codec alone, without the validation json.Unmarshal does
		// before it calls UnmarshalJSON.
		b.Run("unmarshaljson/"+doc.name+"/new", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := doc.new().(json.Unmarshaler).UnmarshalJSON(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
