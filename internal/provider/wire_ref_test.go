package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// The reference codec: the wire types as they were decoded and encoded
// before the single-pass codec (wirecodec.go), kept so that the fuzz
// targets in wire_diff_test.go can check that the new codec behaves the
// same. Each type decodes into a field map, takes the keys it knows and
// keeps the rest; encoding writes each field through encoding/json. Do
// not change it: it is the definition of the behaviour to keep.

// refChatRequest is POST /v1/chat/completions.
type refChatRequest struct {
	Model         string
	Messages      []refMessage
	Stream        bool
	StreamOptions *refStreamOptions
	// MaxTokens is max_tokens; MaxCompletionTokens is its newer name.
	MaxTokens           *int
	MaxCompletionTokens *int
	Temperature         *float64
	TopP                *float64
	// Stop is "stop" as a list (a single string decodes to one element).
	Stop       []string
	N          *int
	Tools      []refTool
	ToolChoice json.RawMessage
	User       string
	Extra      refExtra
}

// refStreamOptions is stream_options.
type refStreamOptions struct {
	IncludeUsage bool
	Extra        refExtra
}

// refMessage is one chat message.
type refMessage struct {
	Role       string
	Content    refContent
	Name       string
	ToolCalls  []refToolCall
	ToolCallID string
	Extra      refExtra
}

// refContent is a message's content: null, a string, or a list of parts.
type refContent struct {
	// Parts is nil for string (or null) content.
	Parts []refContentPart
	// Text is the string content when Parts is nil.
	Text string
	// Null is true for JSON null (assistant messages with tool calls).
	Null bool
}

// refContentPart is one part of list content ("text", "image_url", …).
type refContentPart struct {
	Type  string
	Text  string   // for type "text"
	Extra refExtra // image_url, input_audio, file, …
}

// refTool is a tool the model may call.
type refTool struct {
	Type     string
	Function refFunctionDef
	Extra    refExtra
}

// refFunctionDef describes a callable function.
type refFunctionDef struct {
	Name        string
	Description string
	Parameters  json.RawMessage // a JSON Schema object
	Extra       refExtra
}

// refToolCall is a call the model made, in an assistant message.
type refToolCall struct {
	ID       string
	Type     string
	Function refFunctionCall
	Extra    refExtra
}

// refFunctionCall is a function name and its JSON-encoded arguments.
type refFunctionCall struct {
	Name      string
	Arguments string
	Extra     refExtra
}

// refChatCompletion is the answer to a non-streamed chat request.
type refChatCompletion struct {
	ID      string
	Object  string // "chat.completion"
	Created int64
	Model   string
	Choices []refChoice
	Usage   *refUsage
	Extra   refExtra
}

// refChoice is one answer of a completion.
type refChoice struct {
	Index        int
	Message      refMessage
	FinishReason string   // "stop", "length", "tool_calls", "content_filter"
	Extra        refExtra // logprobs, …
}

// refChatChunk is one event of a streamed answer ("chat.completion.chunk").
type refChatChunk struct {
	ID      string
	Object  string
	Created int64
	Model   string
	Choices []refChunkChoice
	Usage   *refUsage
	Extra   refExtra
}

// refChunkChoice is one choice's delta in a chunk.
type refChunkChoice struct {
	Index        int
	Delta        refDelta
	FinishReason *string
	Extra        refExtra
}

// refDelta is the increment of a streamed message.
type refDelta struct {
	Role      string
	Content   *string
	ToolCalls []refToolCallDelta
	Extra     refExtra // refusal, reasoning_content, …
}

// refToolCallDelta is the increment of a streamed tool call.
type refToolCallDelta struct {
	Index    int
	ID       string
	Type     string
	Function refFunctionCallDelta
	Extra    refExtra
}

// refFunctionCallDelta is the increment of a streamed function call.
type refFunctionCallDelta struct {
	Name      string
	Arguments string
}

// refUsage is token accounting.
type refUsage struct {
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
	Extra            refExtra // prompt_tokens_details, …
}

// refEmbeddingsRequest is POST /v1/embeddings.
type refEmbeddingsRequest struct {
	Model string
	// Input is a string, a list of strings, a list of token ids or a list
	// of lists of token ids; Texts returns the strings.
	Input json.RawMessage
	User  string
	Extra refExtra // encoding_format, dimensions, …
}

// refEmbeddingsResponse is the answer to an embeddings request.
type refEmbeddingsResponse struct {
	Object string // "list"
	Data   json.RawMessage
	Model  string
	Usage  *refUsage
	Extra  refExtra
}

// refExtra holds the JSON fields a type does not name, by key.
type refExtra map[string]json.RawMessage

// The codec: each type decodes into a field map, takes the keys it knows,
// and keeps the rest; encoding writes the known fields, then the extra
// keys in sorted order.

type refFields map[string]json.RawMessage

func refDecodeFields(data []byte, what string) (refFields, error) {
	var f refFields
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if f == nil {
		return nil, fmt.Errorf("%s: want a JSON object", what)
	}
	return f, nil
}

// take decodes key into v, if present and not null, and removes it.
func (f refFields) take(key string, v any) error {
	raw, ok := f[key]
	if !ok {
		return nil
	}
	delete(f, key)
	if refIsNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// takeRaw removes key and returns its value.
func (f refFields) takeRaw(key string) json.RawMessage {
	raw, ok := f[key]
	if !ok {
		return nil
	}
	delete(f, key)
	return raw
}

func (f refFields) extra() refExtra {
	if len(f) == 0 {
		return nil
	}
	return refExtra(f)
}

func refIsNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// refObject writes a JSON object field by field.
type refObject struct {
	buf bytes.Buffer
	err error
}

func (o *refObject) field(key string, v any) {
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
		b, o.err = refMarshal(v)
		if o.err != nil {
			return
		}
	}
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	k, _ := refMarshal(key)
	o.buf.Write(k)
	o.buf.WriteByte(':')
	o.buf.Write(b)
}

// refMarshal is json.Marshal without HTML escaping.
func refMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (o *refObject) extra(e refExtra) {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		o.field(k, e[k])
	}
}

func (o *refObject) bytes() ([]byte, error) {
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
func (r *refChatRequest) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "chat request")
	if err != nil {
		return err
	}
	*r = refChatRequest{}
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
func (r refChatRequest) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("model", r.Model)
	o.field("messages", refNonNil(r.Messages))
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

func refNonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *refStreamOptions) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "stream_options")
	if err != nil {
		return err
	}
	*s = refStreamOptions{}
	if err := f.take("include_usage", &s.IncludeUsage); err != nil {
		return err
	}
	s.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (s refStreamOptions) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("include_usage", s.IncludeUsage)
	o.extra(s.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *refMessage) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "message")
	if err != nil {
		return err
	}
	*m = refMessage{}
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
func (m refMessage) MarshalJSON() ([]byte, error) {
	var o refObject
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
func (c *refContent) UnmarshalJSON(data []byte) error {
	*c = refContent{}
	data = bytes.TrimSpace(data)
	switch {
	case refIsNull(data):
		c.Null = true
		return nil
	case len(data) > 0 && data[0] == '"':
		return json.Unmarshal(data, &c.Text)
	case len(data) > 0 && data[0] == '[':
		var parts []refContentPart
		if err := json.Unmarshal(data, &parts); err != nil {
			return fmt.Errorf("content: %w", err)
		}
		c.Parts = refNonNil(parts)
		return nil
	}
	return errors.New("content: want a string, a list of parts or null")
}

// MarshalJSON implements json.Marshaler.
func (c refContent) MarshalJSON() ([]byte, error) {
	switch {
	case c.Parts != nil:
		return refMarshal(c.Parts)
	case c.Null && c.Text == "":
		return []byte("null"), nil
	}
	return refMarshal(c.Text)
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *refContentPart) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "content part")
	if err != nil {
		return err
	}
	*p = refContentPart{}
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
func (p refContentPart) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("type", p.Type)
	if p.Type == "text" {
		o.field("text", p.Text)
	}
	o.extra(p.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *refTool) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "tool")
	if err != nil {
		return err
	}
	*t = refTool{}
	if err := errors.Join(f.take("type", &t.Type), f.take("function", &t.Function)); err != nil {
		return err
	}
	t.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t refTool) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("type", t.Type)
	if fn := t.Function; fn.Name != "" || fn.Description != "" || len(fn.Parameters) > 0 || len(fn.Extra) > 0 {
		o.field("function", fn)
	}
	o.extra(t.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *refFunctionDef) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "function")
	if err != nil {
		return err
	}
	*d = refFunctionDef{}
	if err := errors.Join(f.take("name", &d.Name), f.take("description", &d.Description)); err != nil {
		return err
	}
	d.Parameters = f.takeRaw("parameters")
	d.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d refFunctionDef) MarshalJSON() ([]byte, error) {
	var o refObject
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
func (c *refToolCall) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "tool call")
	if err != nil {
		return err
	}
	*c = refToolCall{}
	if err := errors.Join(f.take("id", &c.ID), f.take("type", &c.Type), f.take("function", &c.Function)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c refToolCall) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("id", c.ID)
	o.field("type", c.Type)
	o.field("function", c.Function)
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *refFunctionCall) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "function call")
	if err != nil {
		return err
	}
	*c = refFunctionCall{}
	if err := errors.Join(f.take("name", &c.Name), f.take("arguments", &c.Arguments)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c refFunctionCall) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("name", c.Name)
	o.field("arguments", c.Arguments)
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *refChatCompletion) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "chat completion")
	if err != nil {
		return err
	}
	*c = refChatCompletion{}
	if err := errors.Join(f.take("id", &c.ID), f.take("object", &c.Object), f.take("created", &c.Created),
		f.take("model", &c.Model), f.take("choices", &c.Choices), f.take("usage", &c.Usage)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c refChatCompletion) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("id", c.ID)
	o.field("object", c.Object)
	o.field("created", c.Created)
	o.field("model", c.Model)
	o.field("choices", refNonNil(c.Choices))
	if c.Usage != nil {
		o.field("usage", c.Usage)
	}
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *refChoice) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "choice")
	if err != nil {
		return err
	}
	*c = refChoice{}
	if err := errors.Join(f.take("index", &c.Index), f.take("message", &c.Message), f.take("finish_reason", &c.FinishReason)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c refChoice) MarshalJSON() ([]byte, error) {
	var o refObject
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
func (c *refChatChunk) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "chat chunk")
	if err != nil {
		return err
	}
	*c = refChatChunk{}
	if err := errors.Join(f.take("id", &c.ID), f.take("object", &c.Object), f.take("created", &c.Created),
		f.take("model", &c.Model), f.take("choices", &c.Choices), f.take("usage", &c.Usage)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c refChatChunk) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("id", c.ID)
	o.field("object", c.Object)
	o.field("created", c.Created)
	o.field("model", c.Model)
	o.field("choices", refNonNil(c.Choices))
	if c.Usage != nil {
		o.field("usage", c.Usage)
	}
	o.extra(c.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *refChunkChoice) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "chunk choice")
	if err != nil {
		return err
	}
	*c = refChunkChoice{}
	if err := errors.Join(f.take("index", &c.Index), f.take("delta", &c.Delta), f.take("finish_reason", &c.FinishReason)); err != nil {
		return err
	}
	c.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c refChunkChoice) MarshalJSON() ([]byte, error) {
	var o refObject
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
func (d *refDelta) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "delta")
	if err != nil {
		return err
	}
	*d = refDelta{}
	if err := errors.Join(f.take("role", &d.Role), f.take("content", &d.Content), f.take("tool_calls", &d.ToolCalls)); err != nil {
		return err
	}
	d.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d refDelta) MarshalJSON() ([]byte, error) {
	var o refObject
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
func (t *refToolCallDelta) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "tool call delta")
	if err != nil {
		return err
	}
	*t = refToolCallDelta{}
	var fn struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	if err := errors.Join(f.take("index", &t.Index), f.take("id", &t.ID), f.take("type", &t.Type), f.take("function", &fn)); err != nil {
		return err
	}
	t.Function = refFunctionCallDelta(fn)
	t.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t refToolCallDelta) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("index", t.Index)
	if t.ID != "" {
		o.field("id", t.ID)
	}
	if t.Type != "" {
		o.field("type", t.Type)
	}
	var fn refObject
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
func (u *refUsage) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "usage")
	if err != nil {
		return err
	}
	*u = refUsage{}
	if err := errors.Join(f.take("prompt_tokens", &u.PromptTokens), f.take("completion_tokens", &u.CompletionTokens),
		f.take("total_tokens", &u.TotalTokens)); err != nil {
		return err
	}
	u.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (u refUsage) MarshalJSON() ([]byte, error) {
	var o refObject
	o.field("prompt_tokens", u.PromptTokens)
	o.field("completion_tokens", u.CompletionTokens)
	o.field("total_tokens", u.TotalTokens)
	o.extra(u.Extra)
	return o.bytes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *refEmbeddingsRequest) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "embeddings request")
	if err != nil {
		return err
	}
	*r = refEmbeddingsRequest{}
	if err := errors.Join(f.take("model", &r.Model), f.take("user", &r.User)); err != nil {
		return err
	}
	r.Input = f.takeRaw("input")
	r.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (r refEmbeddingsRequest) MarshalJSON() ([]byte, error) {
	var o refObject
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
func (r *refEmbeddingsResponse) UnmarshalJSON(data []byte) error {
	f, err := refDecodeFields(data, "embeddings response")
	if err != nil {
		return err
	}
	*r = refEmbeddingsResponse{}
	if err := errors.Join(f.take("object", &r.Object), f.take("model", &r.Model), f.take("usage", &r.Usage)); err != nil {
		return err
	}
	r.Data = f.takeRaw("data")
	r.Extra = f.extra()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (r refEmbeddingsResponse) MarshalJSON() ([]byte, error) {
	var o refObject
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
