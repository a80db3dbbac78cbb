package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
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

// isNull reports whether raw is JSON null.
func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// Marshal is json.Marshal without HTML escaping (answers contain < and &);
// use it, not json.Marshal, to write these types. It writes the wire
// types (and pointers to them) directly, anything else through
// encoding/json.
func Marshal(v any) ([]byte, error) {
	b, ok, err := wireJSON(v)
	switch {
	case !ok:
		return marshal(v)
	case err != nil:
		return nil, &json.MarshalerError{Type: reflect.TypeOf(v), Err: err}
	}
	return b, nil
}

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

// appender is a pointer to one of the wire types.
type appender interface{ appendJSON(e *encoder) }

// wireJSON encodes v if it is one of the wire types or a pointer to one
// (a nil pointer is null); ok is false for any other value.
func wireJSON(v any) (b []byte, ok bool, err error) {
	var w appender
	switch x := v.(type) {
	case appender:
		if reflect.ValueOf(x).IsNil() {
			return []byte("null"), true, nil
		}
		w = x
	case ChatRequest:
		w = &x
	case StreamOptions:
		w = &x
	case Message:
		w = &x
	case Content:
		w = &x
	case ContentPart:
		w = &x
	case Tool:
		w = &x
	case FunctionDef:
		w = &x
	case ToolCall:
		w = &x
	case FunctionCall:
		w = &x
	case ChatCompletion:
		w = &x
	case Choice:
		w = &x
	case ChatChunk:
		w = &x
	case ChunkChoice:
		w = &x
	case Delta:
		w = &x
	case ToolCallDelta:
		w = &x
	case Usage:
		w = &x
	case EmbeddingsRequest:
		w = &x
	case EmbeddingsResponse:
		w = &x
	default:
		return nil, false, nil
	}
	b, err = marshalJSON(w)
	return b, true, err
}

// marshalJSON encodes a wire type.
func marshalJSON(w appender) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 512)}
	w.appendJSON(&e)
	if e.err != nil {
		return nil, e.err
	}
	return e.buf, nil
}

// decodeValue decodes a member holding one of the wire types: null is the
// zero value.
func decodeValue[T any, P decodable[T]](d *decoder, dst *T) error {
	if d.peek() == 'n' {
		d.literal("null")
		var zero T
		*dst = zero
		return nil
	}
	return P(dst).decode(d)
}

// decodePtr decodes a member holding a pointer to one of the wire types:
// null is nil.
func decodePtr[T any, P decodable[T]](d *decoder, dst **T) error {
	if d.peek() == 'n' {
		d.literal("null")
		*dst = nil
		return nil
	}
	v := new(T)
	*dst = v
	return P(v).decode(d)
}

// Each type decodes in one pass over its object (wirecodec.go), as it did
// when it took its members from a map of them: a key that appears twice
// counts once, with its last value; null is the zero value; the errors of
// the members are joined in the order of errs, the order the members used
// to be taken in. Each type encodes its known members in a fixed order,
// leaving out the optional ones that are empty, then Extra by key.

// UnmarshalJSON implements json.Unmarshaler.
func (r *ChatRequest) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("chat request", r.decode(&d))
}

func (r *ChatRequest) decode(d *decoder) error {
	if err := d.openObject("chat request"); err != nil {
		return err
	}
	*r = ChatRequest{}
	var errs [11]error
	var stopErr error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "model":
			errs[0] = field("model", d.str(&r.Model))
		case "messages":
			errs[1] = field("messages", list(d, &r.Messages, messagesType))
		case "stream":
			errs[2] = field("stream", d.boolean(&r.Stream))
		case "stream_options":
			errs[3] = field("stream_options", decodePtr(d, &r.StreamOptions))
		case "max_tokens":
			errs[4] = field("max_tokens", d.numPtr(&r.MaxTokens))
		case "max_completion_tokens":
			errs[5] = field("max_completion_tokens", d.numPtr(&r.MaxCompletionTokens))
		case "temperature":
			errs[6] = field("temperature", d.floatPtr(&r.Temperature))
		case "top_p":
			errs[7] = field("top_p", d.floatPtr(&r.TopP))
		case "stop":
			stopErr = decodeStop(d, &r.Stop)
		case "n":
			errs[8] = field("n", d.numPtr(&r.N))
		case "tools":
			errs[9] = field("tools", list(d, &r.Tools, toolsType))
		case "tool_choice":
			r.ToolChoice = d.raw()
		case "user":
			errs[10] = field("user", d.str(&r.User))
		default:
			d.extra(&r.Extra)
		}
	}
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	return stopErr
}

// decodeStop reads "stop": a string, or a list of strings (null in the
// list is "").
func decodeStop(d *decoder, dst *[]string) error {
	*dst = nil
	switch d.peek() {
	case 'n':
		d.literal("null")
		return nil
	case '"':
		*dst = []string{d.readString()}
		return nil
	case '[':
		d.pos++
		d.enter()
		list, good := []string{}, true
		for ok := d.firstElem(); ok; ok = d.nextElem() {
			switch d.peek() {
			case '"':
				list = append(list, d.readString())
			case 'n':
				d.literal("null")
				list = append(list, "")
			default:
				good = false
				d.skip()
			}
		}
		if good {
			*dst = list
			return nil
		}
	default:
		d.skip()
	}
	return errors.New("stop: want a string or a list of strings")
}

// MarshalJSON implements json.Marshaler.
func (r ChatRequest) MarshalJSON() ([]byte, error) { return marshalJSON(&r) }

func (r *ChatRequest) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"model":`)
	e.str(r.Model)
	e.name(`,"messages":`)
	appendList(e, r.Messages)
	if r.Stream {
		e.name(`,"stream":true`)
	}
	if r.StreamOptions != nil {
		e.name(`,"stream_options":`)
		r.StreamOptions.appendJSON(e)
	}
	if r.MaxTokens != nil {
		e.name(`,"max_tokens":`)
		e.integer(int64(*r.MaxTokens))
	}
	if r.MaxCompletionTokens != nil {
		e.name(`,"max_completion_tokens":`)
		e.integer(int64(*r.MaxCompletionTokens))
	}
	if r.Temperature != nil {
		e.name(`,"temperature":`)
		e.float("temperature", *r.Temperature)
	}
	if r.TopP != nil {
		e.name(`,"top_p":`)
		e.float("top_p", *r.TopP)
	}
	if len(r.Stop) > 0 {
		e.name(`,"stop":[`)
		for i, s := range r.Stop {
			if i > 0 {
				e.name(",")
			}
			e.str(s)
		}
		e.name("]")
	}
	if r.N != nil {
		e.name(`,"n":`)
		e.integer(int64(*r.N))
	}
	if len(r.Tools) > 0 {
		e.name(`,"tools":`)
		appendList(e, r.Tools)
	}
	if len(r.ToolChoice) > 0 {
		e.name(`,"tool_choice":`)
		e.raw("tool_choice", r.ToolChoice)
	}
	if r.User != "" {
		e.name(`,"user":`)
		e.str(r.User)
	}
	e.extra(r.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *StreamOptions) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("stream_options", s.decode(&d))
}

func (s *StreamOptions) decode(d *decoder) error {
	if err := d.openObject("stream_options"); err != nil {
		return err
	}
	*s = StreamOptions{}
	var err error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "include_usage":
			err = field("include_usage", d.boolean(&s.IncludeUsage))
		default:
			d.extra(&s.Extra)
		}
	}
	return err
}

// MarshalJSON implements json.Marshaler.
func (s StreamOptions) MarshalJSON() ([]byte, error) { return marshalJSON(&s) }

func (s *StreamOptions) appendJSON(e *encoder) {
	start := e.open()
	if s.IncludeUsage {
		e.name(`,"include_usage":true`)
	} else {
		e.name(`,"include_usage":false`)
	}
	e.extra(s.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *Message) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("message", m.decode(&d))
}

func (m *Message) decode(d *decoder) error {
	if err := d.openObject("message"); err != nil {
		return err
	}
	*m = Message{}
	var errs [4]error
	var contentErr error
	content := false
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "role":
			errs[0] = field("role", d.str(&m.Role))
		case "content":
			content = true
			contentErr = m.Content.decode(d)
		case "name":
			errs[1] = field("name", d.str(&m.Name))
		case "tool_calls":
			errs[2] = field("tool_calls", list(d, &m.ToolCalls, toolCallsType))
		case "tool_call_id":
			errs[3] = field("tool_call_id", d.str(&m.ToolCallID))
		default:
			d.extra(&m.Extra)
		}
	}
	if !content {
		m.Content.Null = true
	}
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	return contentErr
}

// MarshalJSON implements json.Marshaler.
func (m Message) MarshalJSON() ([]byte, error) { return marshalJSON(&m) }

func (m *Message) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"role":`)
	e.str(m.Role)
	e.name(`,"content":`)
	m.Content.appendJSON(e)
	if m.Name != "" {
		e.name(`,"name":`)
		e.str(m.Name)
	}
	if len(m.ToolCalls) > 0 {
		e.name(`,"tool_calls":`)
		appendList(e, m.ToolCalls)
	}
	if m.ToolCallID != "" {
		e.name(`,"tool_call_id":`)
		e.str(m.ToolCallID)
	}
	e.extra(m.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *Content) UnmarshalJSON(data []byte) error {
	*c = Content{}
	data = bytes.TrimSpace(data)
	switch {
	case isNull(data):
		c.Null = true
		return nil
	case len(data) == 0 || data[0] != '"' && data[0] != '[':
		return errors.New("content: want a string, a list of parts or null")
	}
	d := decoder{data: data}
	err := c.decode(&d)
	if d.err == nil && d.pos < len(data) {
		d.fail("invalid character after top-level value")
	}
	if d.err != nil {
		if data[0] == '[' {
			return fmt.Errorf("content: %w", d.syntaxError())
		}
		return d.syntaxError()
	}
	return err
}

func (c *Content) decode(d *decoder) error {
	*c = Content{}
	switch d.peek() {
	case '"':
		c.Text = d.readString()
		return nil
	case 'n':
		d.literal("null")
		c.Null = true
		return nil
	case '[':
		if err := list(d, &c.Parts, contentPartsType); err != nil {
			return fmt.Errorf("content: %w", err)
		}
		return nil
	}
	d.skip()
	return errors.New("content: want a string, a list of parts or null")
}

// MarshalJSON implements json.Marshaler.
func (c Content) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

func (c *Content) appendJSON(e *encoder) {
	switch {
	case c.Parts != nil:
		appendList(e, c.Parts)
	case c.Null && c.Text == "":
		e.name("null")
	default:
		e.str(c.Text)
	}
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *ContentPart) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("content part", p.decode(&d))
}

func (p *ContentPart) decode(d *decoder) error {
	if err := d.openObject("content part"); err != nil {
		return err
	}
	*p = ContentPart{}
	var typeErr error
	var text []byte // the value of "text", which is Text only for a text part
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "type":
			typeErr = field("type", d.str(&p.Type))
		case "text":
			text = d.span()
		default:
			d.extra(&p.Extra)
		}
	}
	switch {
	case typeErr != nil:
		return typeErr
	case text == nil || d.err != nil:
		return nil
	case p.Type == "text":
		td := decoder{data: text}
		return field("text", td.str(&p.Text))
	}
	if p.Extra == nil {
		p.Extra = make(Extra)
	}
	p.Extra["text"] = d.keep(text)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (p ContentPart) MarshalJSON() ([]byte, error) { return marshalJSON(&p) }

func (p *ContentPart) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"type":`)
	e.str(p.Type)
	if p.Type == "text" {
		e.name(`,"text":`)
		e.str(p.Text)
	}
	e.extra(p.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Tool) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("tool", t.decode(&d))
}

func (t *Tool) decode(d *decoder) error {
	if err := d.openObject("tool"); err != nil {
		return err
	}
	*t = Tool{}
	var errs [2]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "type":
			errs[0] = field("type", d.str(&t.Type))
		case "function":
			errs[1] = field("function", decodeValue(d, &t.Function))
		default:
			d.extra(&t.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (t Tool) MarshalJSON() ([]byte, error) { return marshalJSON(&t) }

func (t *Tool) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"type":`)
	e.str(t.Type)
	if fn := &t.Function; fn.Name != "" || fn.Description != "" || len(fn.Parameters) > 0 || len(fn.Extra) > 0 {
		e.name(`,"function":`)
		fn.appendJSON(e)
	}
	e.extra(t.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (fd *FunctionDef) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("function", fd.decode(&d))
}

func (fd *FunctionDef) decode(d *decoder) error {
	if err := d.openObject("function"); err != nil {
		return err
	}
	*fd = FunctionDef{}
	var errs [2]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "name":
			errs[0] = field("name", d.str(&fd.Name))
		case "description":
			errs[1] = field("description", d.str(&fd.Description))
		case "parameters":
			fd.Parameters = d.raw()
		default:
			d.extra(&fd.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (fd FunctionDef) MarshalJSON() ([]byte, error) { return marshalJSON(&fd) }

func (fd *FunctionDef) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"name":`)
	e.str(fd.Name)
	if fd.Description != "" {
		e.name(`,"description":`)
		e.str(fd.Description)
	}
	if len(fd.Parameters) > 0 {
		e.name(`,"parameters":`)
		e.raw("parameters", fd.Parameters)
	}
	e.extra(fd.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ToolCall) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("tool call", c.decode(&d))
}

func (c *ToolCall) decode(d *decoder) error {
	if err := d.openObject("tool call"); err != nil {
		return err
	}
	*c = ToolCall{}
	var errs [3]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "id":
			errs[0] = field("id", d.str(&c.ID))
		case "type":
			errs[1] = field("type", d.str(&c.Type))
		case "function":
			errs[2] = field("function", decodeValue(d, &c.Function))
		default:
			d.extra(&c.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (c ToolCall) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

func (c *ToolCall) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"id":`)
	e.str(c.ID)
	e.name(`,"type":`)
	e.str(c.Type)
	e.name(`,"function":`)
	c.Function.appendJSON(e)
	e.extra(c.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *FunctionCall) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("function call", c.decode(&d))
}

func (c *FunctionCall) decode(d *decoder) error {
	if err := d.openObject("function call"); err != nil {
		return err
	}
	*c = FunctionCall{}
	var errs [2]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "name":
			errs[0] = field("name", d.str(&c.Name))
		case "arguments":
			errs[1] = field("arguments", d.str(&c.Arguments))
		default:
			d.extra(&c.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (c FunctionCall) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

func (c *FunctionCall) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"name":`)
	e.str(c.Name)
	e.name(`,"arguments":`)
	e.str(c.Arguments)
	e.extra(c.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ChatCompletion) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("chat completion", c.decode(&d))
}

func (c *ChatCompletion) decode(d *decoder) error {
	if err := d.openObject("chat completion"); err != nil {
		return err
	}
	*c = ChatCompletion{}
	var errs [6]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "id":
			errs[0] = field("id", d.str(&c.ID))
		case "object":
			errs[1] = field("object", d.str(&c.Object))
		case "created":
			errs[2] = field("created", d.num64(&c.Created))
		case "model":
			errs[3] = field("model", d.str(&c.Model))
		case "choices":
			errs[4] = field("choices", list(d, &c.Choices, choicesType))
		case "usage":
			errs[5] = field("usage", decodePtr(d, &c.Usage))
		default:
			d.extra(&c.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (c ChatCompletion) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

func (c *ChatCompletion) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"id":`)
	e.str(c.ID)
	e.name(`,"object":`)
	e.str(c.Object)
	e.name(`,"created":`)
	e.integer(c.Created)
	e.name(`,"model":`)
	e.str(c.Model)
	e.name(`,"choices":`)
	appendList(e, c.Choices)
	if c.Usage != nil {
		e.name(`,"usage":`)
		c.Usage.appendJSON(e)
	}
	e.extra(c.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *Choice) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("choice", c.decode(&d))
}

func (c *Choice) decode(d *decoder) error {
	if err := d.openObject("choice"); err != nil {
		return err
	}
	*c = Choice{}
	var errs [3]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "index":
			errs[0] = field("index", d.num(&c.Index))
		case "message":
			errs[1] = field("message", decodeValue(d, &c.Message))
		case "finish_reason":
			errs[2] = field("finish_reason", d.str(&c.FinishReason))
		default:
			d.extra(&c.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (c Choice) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

func (c *Choice) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"index":`)
	e.integer(int64(c.Index))
	e.name(`,"message":`)
	c.Message.appendJSON(e)
	if c.FinishReason == "" {
		e.name(`,"finish_reason":null`)
	} else {
		e.name(`,"finish_reason":`)
		e.str(c.FinishReason)
	}
	e.extra(c.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ChatChunk) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("chat chunk", c.decode(&d))
}

func (c *ChatChunk) decode(d *decoder) error {
	if err := d.openObject("chat chunk"); err != nil {
		return err
	}
	*c = ChatChunk{}
	var errs [6]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "id":
			errs[0] = field("id", d.str(&c.ID))
		case "object":
			errs[1] = field("object", d.str(&c.Object))
		case "created":
			errs[2] = field("created", d.num64(&c.Created))
		case "model":
			errs[3] = field("model", d.str(&c.Model))
		case "choices":
			errs[4] = field("choices", list(d, &c.Choices, chunkChoicesType))
		case "usage":
			errs[5] = field("usage", decodePtr(d, &c.Usage))
		default:
			d.extra(&c.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (c ChatChunk) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

func (c *ChatChunk) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"id":`)
	e.str(c.ID)
	e.name(`,"object":`)
	e.str(c.Object)
	e.name(`,"created":`)
	e.integer(c.Created)
	e.name(`,"model":`)
	e.str(c.Model)
	e.name(`,"choices":`)
	appendList(e, c.Choices)
	if c.Usage != nil {
		e.name(`,"usage":`)
		c.Usage.appendJSON(e)
	}
	e.extra(c.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ChunkChoice) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("chunk choice", c.decode(&d))
}

func (c *ChunkChoice) decode(d *decoder) error {
	if err := d.openObject("chunk choice"); err != nil {
		return err
	}
	*c = ChunkChoice{}
	var errs [3]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "index":
			errs[0] = field("index", d.num(&c.Index))
		case "delta":
			errs[1] = field("delta", decodeValue(d, &c.Delta))
		case "finish_reason":
			errs[2] = field("finish_reason", d.strPtr(&c.FinishReason))
		default:
			d.extra(&c.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (c ChunkChoice) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

func (c *ChunkChoice) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"index":`)
	e.integer(int64(c.Index))
	e.name(`,"delta":`)
	c.Delta.appendJSON(e)
	if c.FinishReason == nil {
		e.name(`,"finish_reason":null`)
	} else {
		e.name(`,"finish_reason":`)
		e.str(*c.FinishReason)
	}
	e.extra(c.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (dl *Delta) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("delta", dl.decode(&d))
}

func (dl *Delta) decode(d *decoder) error {
	if err := d.openObject("delta"); err != nil {
		return err
	}
	*dl = Delta{}
	var errs [3]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "role":
			errs[0] = field("role", d.str(&dl.Role))
		case "content":
			errs[1] = field("content", d.strPtr(&dl.Content))
		case "tool_calls":
			errs[2] = field("tool_calls", list(d, &dl.ToolCalls, toolCallDeltasType))
		default:
			d.extra(&dl.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (dl Delta) MarshalJSON() ([]byte, error) { return marshalJSON(&dl) }

func (dl *Delta) appendJSON(e *encoder) {
	start := e.open()
	if dl.Role != "" {
		e.name(`,"role":`)
		e.str(dl.Role)
	}
	if dl.Content != nil {
		e.name(`,"content":`)
		e.str(*dl.Content)
	}
	if len(dl.ToolCalls) > 0 {
		e.name(`,"tool_calls":`)
		appendList(e, dl.ToolCalls)
	}
	e.extra(dl.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *ToolCallDelta) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("tool call delta", t.decode(&d))
}

func (t *ToolCallDelta) decode(d *decoder) error {
	if err := d.openObject("tool call delta"); err != nil {
		return err
	}
	*t = ToolCallDelta{}
	var errs [4]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "index":
			errs[0] = field("index", d.num(&t.Index))
		case "id":
			errs[1] = field("id", d.str(&t.ID))
		case "type":
			errs[2] = field("type", d.str(&t.Type))
		case "function":
			errs[3] = field("function", decodeFunctionDelta(d, &t.Function))
		default:
			d.extra(&t.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// decodeFunctionDelta reads the function of a tool call delta, which has
// no Extra, as encoding/json decodes into a struct: keys match
// case-insensitively, null leaves a field as it is, other keys are
// ignored, and the first type error is the error.
func decodeFunctionDelta(d *decoder, dst *FunctionCallDelta) error {
	*dst = FunctionCallDelta{}
	switch d.peek() {
	case 'n':
		d.literal("null")
		return nil
	case '{':
		d.pos++
		d.enter()
	default:
		return d.mismatch(functionDeltaType)
	}
	var first error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		var f *string
		var name string
		switch {
		case bytes.EqualFold(d.key, []byte("name")):
			f, name = &dst.Name, "name"
		case bytes.EqualFold(d.key, []byte("arguments")):
			f, name = &dst.Arguments, "arguments"
		default:
			d.skip()
			continue
		}
		switch d.peek() {
		case '"':
			*f = d.readString()
		case 'n':
			d.literal("null")
		default:
			err := d.mismatch(stringType)
			if first == nil {
				if te, ok := err.(*json.UnmarshalTypeError); ok {
					te.Field = name
				}
				first = err
			}
		}
	}
	return first
}

// MarshalJSON implements json.Marshaler.
func (t ToolCallDelta) MarshalJSON() ([]byte, error) { return marshalJSON(&t) }

func (t *ToolCallDelta) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"index":`)
	e.integer(int64(t.Index))
	if t.ID != "" {
		e.name(`,"id":`)
		e.str(t.ID)
	}
	if t.Type != "" {
		e.name(`,"type":`)
		e.str(t.Type)
	}
	e.name(`,"function":{`)
	if t.Function.Name != "" {
		e.name(`"name":`)
		e.str(t.Function.Name)
		e.name(",")
	}
	e.name(`"arguments":`)
	e.str(t.Function.Arguments)
	e.name("}")
	e.extra(t.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (u *Usage) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("usage", u.decode(&d))
}

func (u *Usage) decode(d *decoder) error {
	if err := d.openObject("usage"); err != nil {
		return err
	}
	*u = Usage{}
	var errs [3]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "prompt_tokens":
			errs[0] = field("prompt_tokens", d.num(&u.PromptTokens))
		case "completion_tokens":
			errs[1] = field("completion_tokens", d.num(&u.CompletionTokens))
		case "total_tokens":
			errs[2] = field("total_tokens", d.num(&u.TotalTokens))
		default:
			d.extra(&u.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (u Usage) MarshalJSON() ([]byte, error) { return marshalJSON(&u) }

func (u *Usage) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"prompt_tokens":`)
	e.integer(int64(u.PromptTokens))
	e.name(`,"completion_tokens":`)
	e.integer(int64(u.CompletionTokens))
	e.name(`,"total_tokens":`)
	e.integer(int64(u.TotalTokens))
	e.extra(u.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *EmbeddingsRequest) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("embeddings request", r.decode(&d))
}

func (r *EmbeddingsRequest) decode(d *decoder) error {
	if err := d.openObject("embeddings request"); err != nil {
		return err
	}
	*r = EmbeddingsRequest{}
	var errs [2]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "model":
			errs[0] = field("model", d.str(&r.Model))
		case "user":
			errs[1] = field("user", d.str(&r.User))
		case "input":
			r.Input = d.raw()
		default:
			d.extra(&r.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (r EmbeddingsRequest) MarshalJSON() ([]byte, error) { return marshalJSON(&r) }

func (r *EmbeddingsRequest) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"model":`)
	e.str(r.Model)
	if len(r.Input) > 0 {
		e.name(`,"input":`)
		e.raw("input", r.Input)
	}
	if r.User != "" {
		e.name(`,"user":`)
		e.str(r.User)
	}
	e.extra(r.Extra)
	e.close(start)
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *EmbeddingsResponse) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.ws()
	return d.finish("embeddings response", r.decode(&d))
}

func (r *EmbeddingsResponse) decode(d *decoder) error {
	if err := d.openObject("embeddings response"); err != nil {
		return err
	}
	*r = EmbeddingsResponse{}
	var errs [3]error
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		switch string(d.key) {
		case "object":
			errs[0] = field("object", d.str(&r.Object))
		case "model":
			errs[1] = field("model", d.str(&r.Model))
		case "usage":
			errs[2] = field("usage", decodePtr(d, &r.Usage))
		case "data":
			r.Data = d.raw()
		default:
			d.extra(&r.Extra)
		}
	}
	return errors.Join(errs[:]...)
}

// MarshalJSON implements json.Marshaler.
func (r EmbeddingsResponse) MarshalJSON() ([]byte, error) { return marshalJSON(&r) }

func (r *EmbeddingsResponse) appendJSON(e *encoder) {
	start := e.open()
	e.name(`,"object":`)
	e.str(r.Object)
	if len(r.Data) > 0 {
		e.name(`,"data":`)
		e.raw("data", r.Data)
	} else {
		e.name(`,"data":[]`)
	}
	e.name(`,"model":`)
	e.str(r.Model)
	if r.Usage != nil {
		e.name(`,"usage":`)
		r.Usage.appendJSON(e)
	}
	e.extra(r.Extra)
	e.close(start)
}
