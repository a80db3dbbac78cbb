package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The OpenAI chat completions and embeddings wire format. Each type has
// the fields the gateway reads or translates, and keeps every other field
// in Extra so that an OpenAI-compatible upstream receives, and an app gets
// back, exactly what was sent (new parameters keep working without a
// release of ours). Key order is not preserved; values are.

// ChatRequest is POST /v1/chat/completions.
type ChatRequest struct {
	Model         string
	Messages      []Message
	Stream        bool
	StreamOptions *StreamOptions
	// MaxTokens is max_tokens; MaxCompletionTokens is its newer name.
	MaxTokens           *int
	MaxCompletionTokens *int
	Temperature         *float64
	TopP                *float64
	// Stop is "stop" as a list (a single string decodes to one element).
	Stop       []string
	N          *int
	Tools      []Tool
	ToolChoice json.RawMessage
	User       string
	Extra      Extra
}

// StreamOptions is stream_options.
type StreamOptions struct {
	IncludeUsage bool
	Extra        Extra
}

// Message is one chat message.
type Message struct {
	Role       string
	Content    Content
	Name       string
	ToolCalls  []ToolCall
	ToolCallID string
	Extra      Extra
}

// Content is a message's content: null, a string, or a list of parts.
type Content struct {
	// Parts is nil for string (or null) content.
	Parts []ContentPart
	// Text is the string content when Parts is nil.
	Text string
	// Null is true for JSON null (assistant messages with tool calls).
	Null bool
}

// TextContent returns string content.
func TextContent(s string) Content { return Content{Text: s} }

// String returns the text of the content: the string, or the text parts
// joined by newlines.
func (c Content) String() string {
	if c.Parts == nil {
		return c.Text
	}
	var b strings.Builder
	for _, p := range c.Parts {
		if p.Type != "text" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// ContentPart is one part of list content ("text", "image_url", …).
type ContentPart struct {
	Type  string
	Text  string // for type "text"
	Extra Extra  // image_url, input_audio, file, …
}

// Tool is a tool the model may call.
type Tool struct {
	Type     string
	Function FunctionDef
	Extra    Extra
}

// FunctionDef describes a callable function.
type FunctionDef struct {
	Name        string
	Description string
	Parameters  json.RawMessage // a JSON Schema object
	Extra       Extra
}

// ToolCall is a call the model made, in an assistant message.
type ToolCall struct {
	ID       string
	Type     string
	Function FunctionCall
	Extra    Extra
}

// FunctionCall is a function name and its JSON-encoded arguments.
type FunctionCall struct {
	Name      string
	Arguments string
	Extra     Extra
}

// ChatCompletion is the answer to a non-streamed chat request.
type ChatCompletion struct {
	ID      string
	Object  string // "chat.completion"
	Created int64
	Model   string
	Choices []Choice
	Usage   *Usage
	Extra   Extra
}

// Text returns the content of every choice, joined by newlines.
func (c *ChatCompletion) Text() string {
	var parts []string
	for _, ch := range c.Choices {
		parts = append(parts, ch.Message.Content.String())
	}
	return strings.Join(parts, "\n")
}

// Choice is one answer of a completion.
type Choice struct {
	Index        int
	Message      Message
	FinishReason string // "stop", "length", "tool_calls", "content_filter"
	Extra        Extra  // logprobs, …
}

// ChatChunk is one event of a streamed answer ("chat.completion.chunk").
type ChatChunk struct {
	ID      string
	Object  string
	Created int64
	Model   string
	Choices []ChunkChoice
	Usage   *Usage
	Extra   Extra
}

// Text returns the content deltas of the chunk.
func (c *ChatChunk) Text() string {
	var b strings.Builder
	for _, ch := range c.Choices {
		if ch.Delta.Content != nil {
			b.WriteString(*ch.Delta.Content)
		}
	}
	return b.String()
}

// ChunkChoice is one choice's delta in a chunk.
type ChunkChoice struct {
	Index        int
	Delta        Delta
	FinishReason *string
	Extra        Extra
}

// Delta is the increment of a streamed message.
type Delta struct {
	Role      string
	Content   *string
	ToolCalls []ToolCallDelta
	Extra     Extra // refusal, reasoning_content, …
}

// ToolCallDelta is the increment of a streamed tool call.
type ToolCallDelta struct {
	Index    int
	ID       string
	Type     string
	Function FunctionCallDelta
	Extra    Extra
}

// FunctionCallDelta is the increment of a streamed function call.
type FunctionCallDelta struct {
	Name      string
	Arguments string
}

// Usage is token accounting.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
	Extra            Extra // prompt_tokens_details, …
}

// EmbeddingsRequest is POST /v1/embeddings.
type EmbeddingsRequest struct {
	Model string
	// Input is a string, a list of strings, a list of token ids or a list
	// of lists of token ids; Texts returns the strings.
	Input json.RawMessage
	User  string
	Extra Extra // encoding_format, dimensions, …
}

// Texts returns the string inputs of the request, and the number of token
// ids it carries instead of strings.
func (r *EmbeddingsRequest) Texts() (texts []string, tokenIDs int, err error) {
	in := bytes.TrimSpace(r.Input)
	if len(in) == 0 {
		return nil, 0, errors.New("input is required")
	}
	var s string
	if json.Unmarshal(in, &s) == nil {
		return []string{s}, 0, nil
	}
	var list []string
	if json.Unmarshal(in, &list) == nil {
		return list, 0, nil
	}
	var ids []int64
	if json.Unmarshal(in, &ids) == nil {
		return nil, len(ids), nil
	}
	var idLists [][]int64
	if json.Unmarshal(in, &idLists) == nil {
		n := 0
		for _, l := range idLists {
			n += len(l)
		}
		return nil, n, nil
	}
	return nil, 0, errors.New("input must be a string, a list of strings or token ids")
}

// EmbeddingsResponse is the answer to an embeddings request.
type EmbeddingsResponse struct {
	Object string // "list"
	Data   json.RawMessage
	Model  string
	Usage  *Usage
	Extra  Extra
}

// Extra holds the JSON fields a type does not name, by key.
type Extra map[string]json.RawMessage

// The codec: each type decodes into a field map, takes the keys it knows,
// and keeps the rest; encoding writes the known fields, then the extra
// keys in sorted order.

type fields map[string]json.RawMessage

func decodeFields(data []byte, what string) (fields, error) {
	var f fields
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if f == nil {
		return nil, fmt.Errorf("%s: want a JSON object", what)
	}
	return f, nil
}

// take decodes key into v, if present and not null, and removes it.
func (f fields) take(key string, v any) error {
	raw, ok := f[key]
	if !ok {
		return nil
	}
	delete(f, key)
	if isNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// takeRaw removes key and returns its value.
func (f fields) takeRaw(key string) json.RawMessage {
	raw, ok := f[key]
	if !ok {
		return nil
	}
	delete(f, key)
	return raw
}

func (f fields) extra() Extra {
	if len(f) == 0 {
		return nil
	}
	return Extra(f)
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// object writes a JSON object field by field.
type object struct {
	buf bytes.Buffer
	err error
}

func (o *object) field(key string, v any) {
	if o.err != nil {
		return
	}
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		b = x
		if len(b) == 0 {
			// An empty raw value is not JSON; write it as null.
			b = []byte("null")
		}
	default:
		b, o.err = marshal(v)
		if o.err != nil {
			return
		}
	}
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	k, _ := marshal(key)
	o.buf.Write(k)
	o.buf.WriteByte(':')
	o.buf.Write(b)
}

// Marshal is json.Marshal without HTML escaping (answers contain < and &);
// use it, not json.Marshal, to write these types.
func Marshal(v any) ([]byte, error) { return marshal(v) }

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (o *object) extra(e Extra) {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		o.field(k, e[k])
	}
}

func (o *object) bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if o.buf.Len() == 0 {
		return []byte("{}"), nil
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *ChatRequest) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "chat request")
	if err != nil {
		return err
	}
	*r = ChatRequest{}
	var stop json.RawMessage
	errs := []error{
		f.take("model", &r.Model), f.take("messages", &r.Messages), f.take("stream", &r.Stream),
		f.take("stream_options", &r.StreamOptions), f.take("max_tokens", &r.MaxTokens),
		f.take("max_completion_tokens", &r.MaxCompletionTokens), f.take("temperature", &r.Temperature),
		f.take("top_p", &r.TopP), f.take("stop", &stop), f.take("n", &r.N), f.take("tools", &r.Tools),
		f.take("user", &r.User),
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.ToolChoice = f.takeRaw("tool_choice")
	if len(stop) > 0 {
		var one string
		if json.Unmarshal(stop, &one) == nil {
			r.Stop = []string{one}
		} else if err := json.Unmarshal(stop, &r.Stop); err != nil {
			return errors.New("stop: want a string or a list of strings")
		}
	}
	r.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (r ChatRequest) MarshalJSON() ([]byte, error) {
	var o object
	o.field("model", r.Model)
	o.field("messages", nonNil(r.Messages))
	if r.Stream {
		o.field("stream", true)
	}
	if r.StreamOptions != nil {
		o.field("stream_options", r.StreamOptions)
	}
	if r.MaxTokens != nil {
		o.field("max_tokens", *r.MaxTokens)
	}
	if r.MaxCompletionTokens != nil {
		o.field("max_completion_tokens", *r.MaxCompletionTokens)
	}
	if r.Temperature != nil {
		o.field("temperature", *r.Temperature)
	}
	if r.TopP != nil {
		o.field("top_p", *r.TopP)
	}
	if len(r.Stop) > 0 {
		o.field("stop", r.Stop)
	}
	if r.N != nil {
		o.field("n", *r.N)
	}
	if len(r.Tools) > 0 {
		o.field("tools", r.Tools)
	}
	if len(r.ToolChoice) > 0 {
		o.field("tool_choice", r.ToolChoice)
	}
	if r.User != "" {
		o.field("user", r.User)
	}
	o.extra(r.Extra)
	return o.bytes()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *StreamOptions) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "stream_options")
	if err != nil {
		return err
	}
	*s = StreamOptions{}
	if err := f.take("include_usage", &s.IncludeUsage); err != nil {
		return err
	}
	s.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (s StreamOptions) MarshalJSON() ([]byte, error) {
	var o object
	o.field("include_usage", s.IncludeUsage)
	o.extra(s.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *Message) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "message")
	if err != nil {
		return err
	}
	*m = Message{}
	if err := errors.Join(f.take("role", &m.Role), f.take("name", &m.Name), f.take("tool_calls", &m.ToolCalls),
		f.take("tool_call_id", &m.ToolCallID)); err != nil {
		return err
	}
	if raw, ok := f["content"]; ok {
		delete(f, "content")
		if err := m.Content.UnmarshalJSON(raw); err != nil {
			return err
		}
	} else {
		m.Content.Null = true
	}
	m.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (m Message) MarshalJSON() ([]byte, error) {
	var o object
	o.field("role", m.Role)
	o.field("content", m.Content)
	if m.Name != "" {
		o.field("name", m.Name)
	}
	if len(m.ToolCalls) > 0 {
		o.field("tool_calls", m.ToolCalls)
	}
	if m.ToolCallID != "" {
		o.field("tool_call_id", m.ToolCallID)
	}
	o.extra(m.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *Content) UnmarshalJSON(data []byte) error {
	*c = Content{}
	data = bytes.TrimSpace(data)
	switch {
	case isNull(data):
		c.Null = true
		return nil
	case len(data) > 0 && data[0] == '"':
		return json.Unmarshal(data, &c.Text)
	case len(data) > 0 && data[0] == '[':
		var parts []ContentPart
		if err := json.Unmarshal(data, &parts); err != nil {
			return fmt.Errorf("content: %w", err)
		}
		c.Parts = nonNil(parts)
		return nil
	}
	return errors.New("content: want a string, a list of parts or null")
}

// MarshalJSON implements json.Marshaler.
func (c Content) MarshalJSON() ([]byte, error) {
	switch {
	case c.Parts != nil:
		return marshal(c.Parts)
	case c.Null && c.Text == "":
		return []byte("null"), nil
	}
	return marshal(c.Text)
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *ContentPart) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "content part")
	if err != nil {
		return err
	}
	*p = ContentPart{}
	if err := f.take("type", &p.Type); err != nil {
		return err
	}
	if p.Type == "text" {
		if err := f.take("text", &p.Text); err != nil {
			return err
		}
	}
	p.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (p ContentPart) MarshalJSON() ([]byte, error) {
	var o object
	o.field("type", p.Type)
	if p.Type == "text" {
		o.field("text", p.Text)
	}
	o.extra(p.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Tool) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "tool")
	if err != nil {
		return err
	}
	*t = Tool{}
	if err := errors.Join(f.take("type", &t.Type), f.take("function", &t.Function)); err != nil {
		return err
	}
	t.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t Tool) MarshalJSON() ([]byte, error) {
	var o object
	o.field("type", t.Type)
	if fn := t.Function; fn.Name != "" || fn.Description != "" || len(fn.Parameters) > 0 || len(fn.Extra) > 0 {
		o.field("function", fn)
	}
	o.extra(t.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *FunctionDef) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "function")
	if err != nil {
		return err
	}
	*d = FunctionDef{}
	if err := errors.Join(f.take("name", &d.Name), f.take("description", &d.Description)); err != nil {
		return err
	}
	d.Parameters = f.takeRaw("parameters")
	d.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d FunctionDef) MarshalJSON() ([]byte, error) {
	var o object
	o.field("name", d.Name)
	if d.Description != "" {
		o.field("description", d.Description)
	}
	if len(d.Parameters) > 0 {
		o.field("parameters", d.Parameters)
	}
	o.extra(d.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ToolCall) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "tool call")
	if err != nil {
		return err
	}
	*c = ToolCall{}
	if err := errors.Join(f.take("id", &c.ID), f.take("type", &c.Type), f.take("function", &c.Function)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c ToolCall) MarshalJSON() ([]byte, error) {
	var o object
	o.field("id", c.ID)
	o.field("type", c.Type)
	o.field("function", c.Function)
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *FunctionCall) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "function call")
	if err != nil {
		return err
	}
	*c = FunctionCall{}
	if err := errors.Join(f.take("name", &c.Name), f.take("arguments", &c.Arguments)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c FunctionCall) MarshalJSON() ([]byte, error) {
	var o object
	o.field("name", c.Name)
	o.field("arguments", c.Arguments)
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ChatCompletion) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "chat completion")
	if err != nil {
		return err
	}
	*c = ChatCompletion{}
	if err := errors.Join(f.take("id", &c.ID), f.take("object", &c.Object), f.take("created", &c.Created),
		f.take("model", &c.Model), f.take("choices", &c.Choices), f.take("usage", &c.Usage)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c ChatCompletion) MarshalJSON() ([]byte, error) {
	var o object
	o.field("id", c.ID)
	o.field("object", c.Object)
	o.field("created", c.Created)
	o.field("model", c.Model)
	o.field("choices", nonNil(c.Choices))
	if c.Usage != nil {
		o.field("usage", c.Usage)
	}
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *Choice) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "choice")
	if err != nil {
		return err
	}
	*c = Choice{}
	if err := errors.Join(f.take("index", &c.Index), f.take("message", &c.Message), f.take("finish_reason", &c.FinishReason)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c Choice) MarshalJSON() ([]byte, error) {
	var o object
	o.field("index", c.Index)
	o.field("message", c.Message)
	if c.FinishReason == "" {
		o.field("finish_reason", json.RawMessage("null"))
	} else {
		o.field("finish_reason", c.FinishReason)
	}
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ChatChunk) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "chat chunk")
	if err != nil {
		return err
	}
	*c = ChatChunk{}
	if err := errors.Join(f.take("id", &c.ID), f.take("object", &c.Object), f.take("created", &c.Created),
		f.take("model", &c.Model), f.take("choices", &c.Choices), f.take("usage", &c.Usage)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c ChatChunk) MarshalJSON() ([]byte, error) {
	var o object
	o.field("id", c.ID)
	o.field("object", c.Object)
	o.field("created", c.Created)
	o.field("model", c.Model)
	o.field("choices", nonNil(c.Choices))
	if c.Usage != nil {
		o.field("usage", c.Usage)
	}
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ChunkChoice) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "chunk choice")
	if err != nil {
		return err
	}
	*c = ChunkChoice{}
	if err := errors.Join(f.take("index", &c.Index), f.take("delta", &c.Delta), f.take("finish_reason", &c.FinishReason)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c ChunkChoice) MarshalJSON() ([]byte, error) {
	var o object
	o.field("index", c.Index)
	o.field("delta", c.Delta)
	if c.FinishReason == nil {
		o.field("finish_reason", json.RawMessage("null"))
	} else {
		o.field("finish_reason", *c.FinishReason)
	}
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Delta) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "delta")
	if err != nil {
		return err
	}
	*d = Delta{}
	if err := errors.Join(f.take("role", &d.Role), f.take("content", &d.Content), f.take("tool_calls", &d.ToolCalls)); err != nil {
		return err
	}
	d.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d Delta) MarshalJSON() ([]byte, error) {
	var o object
	if d.Role != "" {
		o.field("role", d.Role)
	}
	if d.Content != nil {
		o.field("content", *d.Content)
	}
	if len(d.ToolCalls) > 0 {
		o.field("tool_calls", d.ToolCalls)
	}
	o.extra(d.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *ToolCallDelta) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "tool call delta")
	if err != nil {
		return err
	}
	*t = ToolCallDelta{}
	var fn struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	if err := errors.Join(f.take("index", &t.Index), f.take("id", &t.ID), f.take("type", &t.Type), f.take("function", &fn)); err != nil {
		return err
	}
	t.Function = FunctionCallDelta(fn)
	t.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t ToolCallDelta) MarshalJSON() ([]byte, error) {
	var o object
	o.field("index", t.Index)
	if t.ID != "" {
		o.field("id", t.ID)
	}
	if t.Type != "" {
		o.field("type", t.Type)
	}
	var fn object
	if t.Function.Name != "" {
		fn.field("name", t.Function.Name)
	}
	fn.field("arguments", t.Function.Arguments)
	b, err := fn.bytes()
	if err != nil {
		return nil, err
	}
	o.field("function", json.RawMessage(b))
	o.extra(t.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (u *Usage) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "usage")
	if err != nil {
		return err
	}
	*u = Usage{}
	if err := errors.Join(f.take("prompt_tokens", &u.PromptTokens), f.take("completion_tokens", &u.CompletionTokens),
		f.take("total_tokens", &u.TotalTokens)); err != nil {
		return err
	}
	u.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (u Usage) MarshalJSON() ([]byte, error) {
	var o object
	o.field("prompt_tokens", u.PromptTokens)
	o.field("completion_tokens", u.CompletionTokens)
	o.field("total_tokens", u.TotalTokens)
	o.extra(u.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *EmbeddingsRequest) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "embeddings request")
	if err != nil {
		return err
	}
	*r = EmbeddingsRequest{}
	if err := errors.Join(f.take("model", &r.Model), f.take("user", &r.User)); err != nil {
		return err
	}
	r.Input = f.takeRaw("input")
	r.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (r EmbeddingsRequest) MarshalJSON() ([]byte, error) {
	var o object
	o.field("model", r.Model)
	if len(r.Input) > 0 {
		o.field("input", r.Input)
	}
	if r.User != "" {
		o.field("user", r.User)
	}
	o.extra(r.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *EmbeddingsResponse) UnmarshalJSON(data []byte) error {
	f, err := decodeFields(data, "embeddings response")
	if err != nil {
		return err
	}
	*r = EmbeddingsResponse{}
	if err := errors.Join(f.take("object", &r.Object), f.take("model", &r.Model), f.take("usage", &r.Usage)); err != nil {
		return err
	}
	r.Data = f.takeRaw("data")
	r.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (r EmbeddingsResponse) MarshalJSON() ([]byte, error) {
	var o object
	o.field("object", r.Object)
	if len(r.Data) > 0 {
		o.field("data", r.Data)
	} else {
		o.field("data", json.RawMessage("[]"))
	}
	o.field("model", r.Model)
	if r.Usage != nil {
		o.field("usage", r.Usage)
	}
	o.extra(r.Extra)
	return o.bytes()
}
