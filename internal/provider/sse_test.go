package provider

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sseTests feed the unit tests, the differential fuzz target's seeds and
// the benchmark.
var sseTests = []struct {
	name string
	in   string
	want []sseEvent
}{
	{"one event", "data: hello\n\n", []sseEvent{{Data: []byte("hello")}}},
	{"openai stream", "data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata: [DONE]\n\n",
		[]sseEvent{{Data: []byte(`{"a":1}`)}, {Data: []byte(`{"a":2}`)}, {Data: []byte("[DONE]")}}},
	{"anthropic stream with event types",
		"event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n",
		[]sseEvent{{Event: "message_start", Data: []byte(`{"type":"message_start"}`)}, {Event: "ping", Data: []byte(`{"type": "ping"}`)}}},
	{"data lines are joined by newlines", "data: a\ndata: b\ndata:\n\n", []sseEvent{{Data: []byte("a\nb\n")}}},
	{"CRLF and CR line ends", "data: a\r\n\r\ndata: b\r\rdata: c\r\n\n", []sseEvent{{Data: []byte("a")}, {Data: []byte("b")}, {Data: []byte("c")}}},
	{"comments and unknown fields are ignored", ": keep-alive\nretry: 100\nfoo: bar\ndata: x\n\n", []sseEvent{{Data: []byte("x")}}},
	{"only one leading space is removed", "data:  two\ndata:none\n\n", []sseEvent{{Data: []byte(" two\nnone")}}},
	{"event without data is not dispatched and its type is reset", "event: a\n\ndata: x\n\n", []sseEvent{{Data: []byte("x")}}},
	{"id persists", "id: 1\ndata: a\n\ndata: b\n\n", []sseEvent{{ID: "1", Data: []byte("a")}, {ID: "1", Data: []byte("b")}}},
	{"field without colon", "data\n\n", []sseEvent{{Data: []byte("")}}},
	{"byte order mark", "\xEF\xBB\xBFdata: x\n\n", []sseEvent{{Data: []byte("x")}}},
	{"pending event at end of stream is dispatched", "data: last", []sseEvent{{Data: []byte("last")}}},
	{"empty stream", "", nil},
}

func readAllSSE(r *sseReader) ([]sseEvent, error) {
	var out []sseEvent
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		ev.Data = bytes.Clone(ev.Data)
		out = append(out, ev)
	}
}

func TestSSEReader(t *testing.T) {
	t.Parallel()
	for _, tt := range sseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range []struct {
				name string
				r    io.Reader
			}{
				{"whole", strings.NewReader(tt.in)},
				{"byte by byte", iotest.OneByteReader(strings.NewReader(tt.in))},
			} {
				got, err := readAllSSE(newSSEReader(r.r))
				if err != nil {
					t.Fatalf("%s: %v", r.name, err)
				}
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: events (-want +got):\n%s", r.name, diff)
				}
				if diff := cmp.Diff(referenceSSE([]byte(tt.in)), got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: differs from the reference (-ref +got):\n%s", r.name, diff)
				}
			}
		})
	}
}

func TestSSEReaderBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
	}{
		{"line too long", "data: " + strings.Repeat("x", 200) + "\n\n"},
		{"event too large", strings.Repeat("data: "+strings.Repeat("x", 50)+"\n", 5) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readAllSSE(newSSEReaderSize(strings.NewReader(tt.in), 100))
			if !errors.Is(err, errEventTooLarge) {
				t.Errorf("err = %v, want errEventTooLarge", err)
			}
		})
	}
}

func TestSSEReaderDeliversEventsAsTheyArrive(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	r := newSSEReader(pr)
	go func() {
		_, _ = pw.Write([]byte("data: first\n\n"))
		// The second event is written only after the first was read:
		// a reader that waited for more would deadlock here.
	}()
	got := make(chan string, 1)
	go func() {
		ev, err := r.Next()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(ev.Data)
	}()
	select {
	case s := <-got:
		if s != "first" {
			t.Errorf("first event = %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event was not delivered before the stream went on")
	}
	_ = pw.Close()
}

// referenceSSE parses a whole stream the simplest way, as the
// specification reads, to check sseReader against.
func referenceSSE(in []byte) []sseEvent {
	in = bytes.TrimPrefix(in, []byte("\xEF\xBB\xBF"))
	var lines []string
	for len(in) > 0 {
		i := bytes.IndexAny(in, "\r\n")
		if i < 0 {
			lines = append(lines, string(in))
			break
		}
		lines = append(lines, string(in[:i]))
		if in[i] == '\r' && i+1 < len(in) && in[i+1] == '\n' {
			in = in[i+2:]
		} else {
			in = in[i+1:]
		}
	}
	var out []sseEvent
	var data []string
	event, id := "", ""
	dispatch := func() {
		if data != nil {
			out = append(out, sseEvent{Event: event, ID: id, Data: []byte(strings.Join(data, "\n"))})
		}
		data, event = nil, ""
	}
	for _, l := range lines {
		if l == "" {
			dispatch()
			continue
		}
		if l[0] == ':' {
			continue
		}
		field, value, _ := strings.Cut(l, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "data":
			data = append(data, value)
		case "event":
			event = value
		case "id":
			if !strings.Contains(value, "\x00") {
				id = value
			}
		}
	}
	dispatch()
	return out
}
