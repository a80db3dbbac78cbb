package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// anthropicStream turns the Messages API's server-sent events into
// chat.completion.chunks.
type anthropicStream struct {
	c       *httpClient
	s       *httpStream
	st      *anthropicStreamState
	pending []*ChatChunk
	ended   bool
	err     error
}

var _ ChatStream = (*anthropicStream)(nil)

// Recv implements ChatStream.
func (as *anthropicStream) Recv() (*ChatChunk, error) {
	for {
		if len(as.pending) > 0 {
			c := as.pending[0]
			as.pending = as.pending[1:]
			as.s.delivered = true
			return c, nil
		}
		if as.err != nil {
			return nil, as.err
		}
		if as.ended {
			as.err = io.EOF
			continue
		}
		ev, err := as.s.next()
		if errors.Is(err, io.EOF) {
			as.s.release(false)
			chunks, err := as.st.end()
			if err != nil {
				as.err = as.s.fail(as.c.fail(KindBadResponse, as.s.resp.StatusCode, "upstream_stream_error", err))
				continue
			}
			as.pending, as.ended = chunks, true
			continue
		}
		if err != nil {
			as.err = err
			continue
		}
		chunks, end, err := as.st.event(ev.Event, ev.Data)
		if err != nil {
			var ue *upstreamStreamError
			if errors.As(err, &ue) {
				as.err = as.s.fail(errorPayload(as.c, as.s.resp.StatusCode, ue.raw))
			} else {
				as.err = as.s.fail(as.c.fail(KindBadResponse, as.s.resp.StatusCode, "upstream_bad_response", as.c.scrubErr(err)))
			}
			continue
		}
		as.pending = chunks
		if end {
			as.ended = true
			as.s.done()
		}
	}
}

// Close implements ChatStream.
func (as *anthropicStream) Close() error { return as.s.Close() }

// anthropicStreamState is the translation of one stream, event by event,
// without I/O (so that it can be fuzzed).
type anthropicStreamState struct {
	created  int64
	id       string
	model    string
	started  bool
	stopped  bool
	finish   string
	sentEnd  bool // the chunk with finish_reason was sent
	usage    anthropicUsage
	tools    map[int]int // content block index → tool call index
	nextTool int
}

func newAnthropicStreamState(created int64) *anthropicStreamState {
	return &anthropicStreamState{created: created, tools: map[int]int{}}
}

// anthropicEvent is any event of the stream.
type anthropicEvent struct {
	Type    string `json:"type"`
	Message *struct {
		ID    string         `json:"id"`
		Model string         `json:"model"`
		Usage anthropicUsage `json:"usage"`
	} `json:"message"`
	Index        int               `json:"index"`
	ContentBlock *anthropicContent `json:"content_block"`
	Delta        *struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *anthropicUsage `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// maxToolCalls bounds the tool calls of one answer.
const maxToolCalls = 1024

func (s *anthropicStreamState) chunk(d Delta, finish *string) *ChatChunk {
	return &ChatChunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model,
		Choices: []ChunkChoice{{Index: 0, Delta: d, FinishReason: finish}}}
}

func (s *anthropicStreamState) usageChunk() *ChatChunk {
	return &ChatChunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model,
		Choices: []ChunkChoice{}, Usage: s.usage.usage()}
}

// upstreamStreamError is an error event of the upstream; raw is its
// error object.
type upstreamStreamError struct{ raw []byte }

func (e *upstreamStreamError) Error() string { return "upstream error event" }

// event translates one event into zero or more chunks; end is true after
// message_stop. An error event of the upstream is an *upstreamStreamError.
func (s *anthropicStreamState) event(name string, data []byte) (chunks []*ChatChunk, end bool, err error) {
	if s.stopped {
		return nil, true, nil
	}
	var ev anthropicEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, false, fmt.Errorf("decode %s event: %w", truncate([]byte(name), 40), err)
	}
	typ := ev.Type
	if typ == "" {
		typ = name
	}
	if typ == "error" {
		raw := ev.Error
		if len(raw) == 0 {
			raw = data
		}
		return nil, false, &upstreamStreamError{raw: raw}
	}
	if !s.started && typ != "message_start" && typ != "ping" {
		switch typ {
		case "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop":
			return nil, false, fmt.Errorf("%s before message_start", typ)
		}
		return nil, false, nil
	}
	switch typ {
	case "message_start":
		if s.started {
			return nil, false, errors.New("second message_start")
		}
		if ev.Message == nil {
			return nil, false, errors.New("message_start without a message")
		}
		s.started = true
		s.id, s.model, s.usage = ev.Message.ID, ev.Message.Model, ev.Message.Usage
		empty := ""
		return []*ChatChunk{s.chunk(Delta{Role: "assistant", Content: &empty}, nil)}, false, nil
	case "content_block_start":
		b := ev.ContentBlock
		if b == nil {
			return nil, false, errors.New("content_block_start without a block")
		}
		switch b.Type {
		case "text":
			if b.Text == "" {
				return nil, false, nil
			}
			t := b.Text
			return []*ChatChunk{s.chunk(Delta{Content: &t}, nil)}, false, nil
		case "tool_use":
			if b.ID == "" || b.Name == "" {
				return nil, false, errors.New("tool_use block without id or name")
			}
			if _, dup := s.tools[ev.Index]; dup {
				return nil, false, fmt.Errorf("content block %d started twice", ev.Index)
			}
			if s.nextTool >= maxToolCalls {
				return nil, false, errors.New("too many tool calls")
			}
			i := s.nextTool
			s.nextTool++
			s.tools[ev.Index] = i
			args := ""
			if in := compactJSON(b.Input); len(in) > 0 && !isNull(in) && string(in) != "{}" {
				args = string(in)
			}
			return []*ChatChunk{s.chunk(Delta{ToolCalls: []ToolCallDelta{{Index: i, ID: b.ID, Type: "function",
				Function: FunctionCallDelta{Name: b.Name, Arguments: args}}}}, nil)}, false, nil
		}
		return nil, false, nil // thinking and server tool blocks are not part of the answer
	case "content_block_delta":
		d := ev.Delta
		if d == nil {
			return nil, false, errors.New("content_block_delta without a delta")
		}
		switch d.Type {
		case "text_delta":
			if d.Text == "" {
				return nil, false, nil
			}
			t := d.Text
			return []*ChatChunk{s.chunk(Delta{Content: &t}, nil)}, false, nil
		case "input_json_delta":
			i, ok := s.tools[ev.Index]
			if !ok {
				return nil, false, fmt.Errorf("input_json_delta for content block %d, not a tool_use", ev.Index)
			}
			if d.PartialJSON == "" {
				return nil, false, nil
			}
			return []*ChatChunk{s.chunk(Delta{ToolCalls: []ToolCallDelta{{Index: i,
				Function: FunctionCallDelta{Arguments: d.PartialJSON}}}}, nil)}, false, nil
		}
		return nil, false, nil // thinking_delta, signature_delta, citations_delta
	case "message_delta":
		if ev.Delta != nil && ev.Delta.StopReason != "" {
			s.finish = finishReason(ev.Delta.StopReason)
		}
		if u := ev.Usage; u != nil {
			s.usage.InputTokens = max(s.usage.InputTokens, u.InputTokens)
			s.usage.OutputTokens = max(s.usage.OutputTokens, u.OutputTokens)
			s.usage.CacheCreationInputTokens = max(s.usage.CacheCreationInputTokens, u.CacheCreationInputTokens)
			s.usage.CacheReadInputTokens = max(s.usage.CacheReadInputTokens, u.CacheReadInputTokens)
		}
		if s.finish == "" || s.sentEnd {
			return nil, false, nil
		}
		s.sentEnd = true
		f := s.finish
		return []*ChatChunk{s.chunk(Delta{}, &f)}, false, nil
	case "message_stop":
		s.stopped = true
		var out []*ChatChunk
		if !s.sentEnd {
			if s.finish == "" {
				s.finish = "stop"
			}
			s.sentEnd = true
			f := s.finish
			out = append(out, s.chunk(Delta{}, &f))
		}
		return append(out, s.usageChunk()), true, nil
	}
	return nil, false, nil // ping, content_block_stop, and events added later
}

// end is the end of the body: complete if the answer was (message_delta
// gave its stop reason), else an error.
func (s *anthropicStreamState) end() ([]*ChatChunk, error) {
	if s.stopped {
		return nil, nil
	}
	if s.finish == "" {
		return nil, errors.New("stream ended before message_stop")
	}
	s.stopped = true
	return []*ChatChunk{s.usageChunk()}, nil
}
