package provider

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchRequest is a typical ~1 KB chat request of a mobile app.
const benchRequest = `{"model":"gpt-4o-mini","messages":[` +
	`{"role":"system","content":"You are the assistant of a travel app. Answer briefly, in the user's language, and never invent prices. ` +
	`When the user asks about a booking, call the get_booking tool."},` +
	`{"role":"user","content":"Hi! I booked a flight to Lisbon next Tuesday. Can you tell me the departure time and whether I can take a second bag?"},` +
	`{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"get_booking","arguments":"{\"booking_ref\":\"X7K2Q9\"}"}}]},` +
	`{"role":"tool","tool_call_id":"call_abc123","content":"{\"flight\":\"TP1351\",\"departure\":\"2025-06-10T07:45:00+02:00\",\"bags\":1,\"fare\":\"basic\"}"},` +
	`{"role":"user","content":[{"type":"text","text":"Also, is this the right terminal? I attached a photo of my ticket."}]}],` +
	`"tools":[{"type":"function","function":{"name":"get_booking","description":"Look up a booking by reference",` +
	`"parameters":{"type":"object","properties":{"booking_ref":{"type":"string","description":"Six-character booking reference"}},"required":["booking_ref"]}}}],` +
	`"tool_choice":"auto","temperature":0.4,"max_tokens":400,"user":"user-8f14e45f","stream":false}`

func BenchmarkDecodeChatRequest(b *testing.B) {
	data := []byte(benchRequest)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var r ChatRequest
		if err := json.Unmarshal(data, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeChatRequest(b *testing.B) {
	var r ChatRequest
	if err := json.Unmarshal([]byte(benchRequest), &r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(&r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToAnthropic(b *testing.B) {
	var r ChatRequest
	if err := json.Unmarshal([]byte(benchRequest), &r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ar, err := toAnthropic(&r, 1024)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Marshal(ar); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenAIChat is a whole call through the provider to a local
// upstream, in parallel as the gateway makes them.
func BenchmarkOpenAIChat(b *testing.B) {
	u := newUpstream(b, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, completionBody) })
	p := newTestOpenAI(b, openAIConfig(u))
	var req ChatRequest
	if err := json.Unmarshal([]byte(benchRequest), &req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Chat(context.Background(), &req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkOpenAIChatStream is a streamed call of 50 chunks.
func BenchmarkOpenAIChatStream(b *testing.B) {
	var body strings.Builder
	for range 50 {
		body.WriteString(dataEvent(chunkJSON("word ")))
	}
	body.WriteString(dataEvent(finishChunk) + dataEvent(usageChunk) + dataEvent("[DONE]"))
	stream := body.String()
	u := newUpstream(b, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, stream)
	})
	p := newTestOpenAI(b, openAIConfig(u))
	req := simpleRequest()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s, err := p.ChatStream(context.Background(), req)
			if err != nil {
				b.Error(err)
				return
			}
			n := 0
			for {
				_, err := s.Recv()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Error(err)
					return
				}
				n++
			}
			_ = s.Close()
			if n != 52 {
				b.Errorf("%d chunks", n)
				return
			}
		}
	})
}

func BenchmarkSSEReader(b *testing.B) {
	var body strings.Builder
	for range 100 {
		body.WriteString(dataEvent(chunkJSON("Hello there, ")))
	}
	body.WriteString(dataEvent("[DONE]"))
	data := body.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := newSSEReader(strings.NewReader(data))
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}
