package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Anthropic is a provider speaking Anthropic's Messages API. Chat
// requests are translated from OpenAI's format and answers back; a
// request using a feature that has no translation is refused with
// KindInvalidRequest, never sent with that feature silently dropped.
//
// What is translated:
//   - system and developer messages become "system" (wherever they are in
//     the conversation: Anthropic has a single system prompt);
//   - user and assistant messages become turns, consecutive messages of
//     the same role merged (Anthropic requires alternation), tool
//     results first in a user turn (Anthropic requires that too);
//   - text parts, and image_url parts (data: URLs as base64 images,
//     http(s) URLs as URL images; jpeg, png, gif and webp);
//   - assistant tool_calls become tool_use blocks, tool messages
//     tool_result blocks; tools and tool_choice ("required" is "any"),
//     parallel_tool_calls false;
//   - max_completion_tokens or max_tokens (else DefaultMaxTokens),
//     temperature (0 to 1 only), top_p, top_k, stop, user (as
//     metadata.user_id).
//
// What is dropped, having no effect on the answer's content: a message's
// name, seed, store, metadata, service_tier, stream_options (usage is
// always reported), logprobs false, penalties of 0, logit_bias {},
// response_format text, modalities ["text"].
//
// What is refused: n > 1, response_format json_object and json_schema
// (no equivalent that guarantees the format), logprobs, penalties,
// logit_bias, audio, non-text modalities, reasoning_effort, prediction,
// web_search_options, the legacy functions and function_call, content
// parts other than text and images, and any parameter this translation
// does not know (a new OpenAI parameter may change the answer's
// meaning).
type Anthropic struct {
	cfg  Config
	http *httpClient
	url  string
}

var _ Provider = (*Anthropic)(nil)

// NewAnthropic returns an Anthropic provider.
func NewAnthropic(cfg Config) (*Anthropic, error) {
	cfg.Type = TypeAnthropic
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Anthropic-Version", cfg.AnthropicVersion)
	p := &Anthropic{cfg: cfg, http: newHTTPClient(cfg, h)}
	u, err := p.http.endpoint(cfg.BaseURL, "/v1/messages", "")
	if err != nil {
		return nil, fmt.Errorf("provider %q: base_url: %w", cfg.Name, err)
	}
	p.url = u
	return p, nil
}

// Chat implements Provider.
func (p *Anthropic) Chat(ctx context.Context, req *ChatRequest) (*ChatCompletion, error) {
	ar, err := p.translate(req, false)
	if err != nil {
		return nil, err
	}
	body, err := Marshal(ar)
	if err != nil {
		return nil, p.http.invalid("invalid_request", "The request could not be encoded.", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()
	resp, err := p.http.post(ctx, p.url, body, nil, nil)
	if err != nil {
		return nil, err
	}
	data, err := p.http.readBody(ctx, resp)
	if err != nil {
		return nil, err
	}
	var out anthropicResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, p.http.badJSON(resp.StatusCode, fmt.Errorf("decode message: %w", err))
	}
	if out.Type == "error" || len(out.Error) > 0 && !isNull(out.Error) {
		return nil, errorPayload(p.http, resp.StatusCode, out.Error)
	}
	if out.Type != "message" {
		return nil, p.http.badJSON(resp.StatusCode, fmt.Errorf("answer of type %q, want message", truncate([]byte(out.Type), 40)))
	}
	return fromAnthropic(&out, p.cfg.Now().Unix()), nil
}

// ChatStream implements Provider. Errors from Recv after the first chunk
// are KindBadResponse: the answer broke off and cannot be retried or sent
// to another provider.
func (p *Anthropic) ChatStream(ctx context.Context, req *ChatRequest) (ChatStream, error) {
	ar, err := p.translate(req, true)
	if err != nil {
		return nil, err
	}
	body, err := Marshal(ar)
	if err != nil {
		return nil, p.http.invalid("invalid_request", "The request could not be encoded.", err)
	}
	hs, err := p.http.openStream(ctx, p.url, body, nil)
	if err != nil {
		return nil, err
	}
	return &anthropicStream{c: p.http, s: hs, st: newAnthropicStreamState(p.cfg.Now().Unix())}, nil
}

// Embeddings implements Provider: Anthropic has no embeddings API.
func (p *Anthropic) Embeddings(context.Context, *EmbeddingsRequest) (*EmbeddingsResponse, error) {
	return nil, &Error{Provider: p.cfg.Name, Kind: KindUnsupported, Code: "unsupported",
		Message: "This model's provider (Anthropic) has no embeddings."}
}

func (p *Anthropic) translate(req *ChatRequest, stream bool) (*anthropicRequest, error) {
	ar, err := toAnthropic(req, p.cfg.DefaultMaxTokens)
	if err != nil {
		var re *refusal
		if errors.As(err, &re) {
			return nil, &Error{Provider: p.cfg.Name, Kind: KindInvalidRequest, Code: "unsupported_parameter", Message: re.msg}
		}
		return nil, p.http.invalid("invalid_request", "The request could not be translated for this model's provider.", err)
	}
	ar.Stream = stream
	return ar, nil
}

// The Messages API, as much of it as is translated.

type anthropicRequest struct {
	Model         string               `json:"model"`
	MaxTokens     int                  `json:"max_tokens"`
	System        []anthropicBlock     `json:"system,omitempty"`
	Messages      []anthropicMessage   `json:"messages"`
	Temperature   *float64             `json:"temperature,omitempty"`
	TopP          *float64             `json:"top_p,omitempty"`
	TopK          *int                 `json:"top_k,omitempty"`
	StopSequences []string             `json:"stop_sequences,omitempty"`
	Stream        bool                 `json:"stream,omitempty"`
	Metadata      *anthropicMetadata   `json:"metadata,omitempty"`
	Tools         []anthropicTool      `json:"tools,omitempty"`
	ToolChoice    *anthropicToolChoice `json:"tool_choice,omitempty"`
}

type anthropicMessage struct {
	Role    string           `json:"role"`
	Content []anthropicBlock `json:"content"`
}

// anthropicBlock is a content block of a request.
type anthropicBlock struct {
	Type      string           `json:"type"`
	Text      string           `json:"text,omitempty"`
	Source    *anthropicSource `json:"source,omitempty"`
	ID        string           `json:"id,omitempty"`
	Name      string           `json:"name,omitempty"`
	Input     json.RawMessage  `json:"input,omitempty"`
	ToolUseID string           `json:"tool_use_id,omitempty"`
	Content   []anthropicBlock `json:"content,omitempty"`
}

type anthropicSource struct {
	Type      string `json:"type"` // base64 or url
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

type anthropicMetadata struct {
	UserID string `json:"user_id"`
}

type anthropicTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type anthropicToolChoice struct {
	Type                   string `json:"type"` // auto, any, tool, none
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

type anthropicResponse struct {
	ID         string             `json:"id"`
	Type       string             `json:"type"`
	Model      string             `json:"model"`
	Content    []anthropicContent `json:"content"`
	StopReason string             `json:"stop_reason"`
	Usage      anthropicUsage     `json:"usage"`
	Error      json.RawMessage    `json:"error"`
}

// anthropicContent is a content block of an answer.
type anthropicContent struct {
	Type  string          `json:"type"`
	Text  string          `json:"text"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

type anthropicUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// refusal is a request that has no faithful translation; msg is shown to
// the app.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

func refuse(format string, args ...any) error { return &refusal{msg: fmt.Sprintf(format, args...)} }

// droppable are request parameters that do not change what the answer
// says, dropped when their value is one of those listed (nil: any value).
var droppable = map[string][]string{
	"seed":              nil,
	"store":             nil,
	"metadata":          nil,
	"service_tier":      nil,
	"prompt_cache_key":  nil,
	"safety_identifier": nil,
	"logprobs":          {"false", "null"},
	"top_logprobs":      {"null", "0"},
	"presence_penalty":  {"0", "0.0", "null"},
	"frequency_penalty": {"0", "0.0", "null"},
	"logit_bias":        {"{}", "null"},
	"modalities":        {`["text"]`, "null"},
}

var imageMediaTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// toAnthropic translates an OpenAI chat request.
func toAnthropic(req *ChatRequest, defMaxTokens int) (*anthropicRequest, error) {
	ar := &anthropicRequest{Model: req.Model, Temperature: req.Temperature, TopP: req.TopP, StopSequences: req.Stop}
	if req.Model == "" {
		return nil, refuse("model is required.")
	}
	switch {
	case req.MaxCompletionTokens != nil:
		ar.MaxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		ar.MaxTokens = *req.MaxTokens
	default:
		ar.MaxTokens = defMaxTokens
	}
	if ar.MaxTokens < 1 {
		return nil, refuse("max_tokens must be at least 1.")
	}
	if req.N != nil && *req.N != 1 {
		return nil, refuse("n other than 1 is not supported by this model's provider.")
	}
	if t := req.Temperature; t != nil && (*t < 0 || *t > 1) {
		return nil, refuse("temperature must be between 0 and 1 for this model's provider.")
	}
	if req.User != "" {
		ar.Metadata = &anthropicMetadata{UserID: req.User}
	}
	parallel := true
	for _, k := range sortedKeys(req.Extra) {
		raw := compactJSON(req.Extra[k])
		switch k {
		case "parallel_tool_calls":
			if err := json.Unmarshal(raw, &parallel); err != nil && !isNull(raw) {
				return nil, refuse("parallel_tool_calls must be true or false.")
			}
			continue
		case "top_k":
			if isNull(raw) {
				continue
			}
			var n int
			if err := json.Unmarshal(raw, &n); err != nil {
				return nil, refuse("top_k must be an integer.")
			}
			ar.TopK = &n
			continue
		case "response_format":
			var rf struct {
				Type string `json:"type"`
			}
			if isNull(raw) || json.Unmarshal(raw, &rf) == nil && rf.Type == "text" {
				continue
			}
			return nil, refuse("response_format %s is not supported by this model's provider.", quoteShort(rf.Type))
		}
		vals, ok := droppable[k]
		if !ok {
			return nil, refuse("The parameter %s is not supported by this model's provider.", quoteShort(k))
		}
		if vals != nil && !slices.Contains(vals, string(raw)) {
			return nil, refuse("The parameter %s is not supported by this model's provider.", quoteShort(k))
		}
	}
	for i, m := range req.Messages {
		if err := addMessage(ar, i, &m); err != nil {
			return nil, err
		}
	}
	if len(ar.Messages) == 0 {
		return nil, refuse("messages must include a user message.")
	}
	for i := range ar.Messages {
		if ar.Messages[i].Role == "user" {
			// Tool results first, as Anthropic requires.
			slices.SortStableFunc(ar.Messages[i].Content, func(a, b anthropicBlock) int {
				return boolRank(b.Type == "tool_result") - boolRank(a.Type == "tool_result")
			})
		}
	}
	if err := addTools(ar, req, parallel); err != nil {
		return nil, err
	}
	return ar, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// quoteShort quotes a name from a request for a message, bounded.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = truncate([]byte(s), 40) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// addMessage translates message i.
func addMessage(ar *anthropicRequest, i int, m *Message) error {
	for _, k := range []string{"function_call", "audio"} {
		if raw, ok := m.Extra[k]; ok && !isNull(raw) {
			return refuse("messages[%d]: %s is not supported by this model's provider.", i, k)
		}
	}
	switch m.Role {
	case "system", "developer":
		blocks, err := contentBlocks(i, m.Content, false)
		if err != nil {
			return err
		}
		ar.System = append(ar.System, blocks...)
	case "user":
		blocks, err := contentBlocks(i, m.Content, true)
		if err != nil {
			return err
		}
		appendTurn(ar, "user", blocks)
	case "assistant":
		blocks, err := contentBlocks(i, m.Content, false)
		if err != nil {
			return err
		}
		for j, tc := range m.ToolCalls {
			if tc.Type != "" && tc.Type != "function" {
				return refuse("messages[%d].tool_calls[%d]: type %s is not supported by this model's provider.", i, j, quoteShort(tc.Type))
			}
			if tc.ID == "" || tc.Function.Name == "" {
				return refuse("messages[%d].tool_calls[%d]: id and function.name are required.", i, j)
			}
			input, err := toolInput(tc.Function.Arguments)
			if err != nil {
				return refuse("messages[%d].tool_calls[%d]: function.arguments must be a JSON object.", i, j)
			}
			blocks = append(blocks, anthropicBlock{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: input})
		}
		appendTurn(ar, "assistant", blocks)
	case "tool":
		if m.ToolCallID == "" {
			return refuse("messages[%d]: tool_call_id is required.", i)
		}
		blocks, err := contentBlocks(i, m.Content, true)
		if err != nil {
			return err
		}
		appendTurn(ar, "user", []anthropicBlock{{Type: "tool_result", ToolUseID: m.ToolCallID, Content: blocks}})
	case "function":
		return refuse("messages[%d]: the legacy function role is not supported by this model's provider; use tool.", i)
	default:
		return refuse("messages[%d]: role %s is not supported.", i, quoteShort(m.Role))
	}
	return nil
}

// toolInput parses a tool call's arguments, which must be a JSON object
// (or empty).
func toolInput(args string) (json.RawMessage, error) {
	args = strings.TrimSpace(args)
	if args == "" {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(args), &obj); err != nil || obj == nil {
		return nil, errors.New("not a JSON object")
	}
	return compactJSON(json.RawMessage(args)), nil
}

// appendTurn adds blocks to the conversation, merging with the previous
// turn of the same role. Empty turns are left out.
func appendTurn(ar *anthropicRequest, role string, blocks []anthropicBlock) {
	if len(blocks) == 0 {
		return
	}
	if n := len(ar.Messages); n > 0 && ar.Messages[n-1].Role == role {
		ar.Messages[n-1].Content = append(ar.Messages[n-1].Content, blocks...)
		return
	}
	ar.Messages = append(ar.Messages, anthropicMessage{Role: role, Content: blocks})
}

// contentBlocks translates the content of message i; images only where
// Anthropic takes them. Empty text is left out (Anthropic refuses empty
// text blocks).
func contentBlocks(i int, c Content, images bool) ([]anthropicBlock, error) {
	if c.Parts == nil {
		if c.Text == "" {
			return nil, nil
		}
		return []anthropicBlock{{Type: "text", Text: c.Text}}, nil
	}
	var blocks []anthropicBlock
	for j, p := range c.Parts {
		switch p.Type {
		case "text":
			if p.Text != "" {
				blocks = append(blocks, anthropicBlock{Type: "text", Text: p.Text})
			}
		case "refusal":
			var s string
			if err := json.Unmarshal(p.Extra["refusal"], &s); err == nil && s != "" {
				blocks = append(blocks, anthropicBlock{Type: "text", Text: s})
			}
		case "image_url":
			if !images {
				return nil, refuse("messages[%d].content[%d]: images are not supported in this message.", i, j)
			}
			b, err := imageBlock(p.Extra["image_url"])
			if err != nil {
				return nil, refuse("messages[%d].content[%d]: %v.", i, j, err)
			}
			blocks = append(blocks, b)
		default:
			return nil, refuse("messages[%d].content[%d]: content of type %s is not supported by this model's provider.", i, j, quoteShort(p.Type))
		}
	}
	return blocks, nil
}

// imageBlock translates an image_url object.
func imageBlock(raw json.RawMessage) (anthropicBlock, error) {
	var iu struct {
		URL string `json:"url"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &iu) != nil {
		// OpenAI once accepted image_url as a string.
		if json.Unmarshal(raw, &iu.URL) != nil {
			return anthropicBlock{}, errors.New("image_url.url is required")
		}
	}
	u := iu.URL
	switch {
	case strings.HasPrefix(u, "data:"):
		meta, data, ok := strings.Cut(u[len("data:"):], ",")
		mt, enc, _ := strings.Cut(meta, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if !ok || !strings.EqualFold(enc, "base64") || data == "" {
			return anthropicBlock{}, errors.New("a data: image URL must be base64 (data:image/png;base64,…)")
		}
		if !slices.Contains(imageMediaTypes, mt) {
			return anthropicBlock{}, errors.New("images must be jpeg, png, gif or webp")
		}
		return anthropicBlock{Type: "image", Source: &anthropicSource{Type: "base64", MediaType: mt, Data: data}}, nil
	case strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://"):
		return anthropicBlock{Type: "image", Source: &anthropicSource{Type: "url", URL: u}}, nil
	}
	return anthropicBlock{}, errors.New("image_url.url must be a data: or http(s) URL")
}

// addTools translates tools, tool_choice and parallel_tool_calls.
func addTools(ar *anthropicRequest, req *ChatRequest, parallel bool) error {
	for i, t := range req.Tools {
		if t.Type != "" && t.Type != "function" {
			return refuse("tools[%d]: type %s is not supported by this model's provider.", i, quoteShort(t.Type))
		}
		if t.Function.Name == "" {
			return refuse("tools[%d]: function.name is required.", i)
		}
		schema := compactJSON(t.Function.Parameters)
		if len(schema) == 0 || isNull(schema) {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		} else if schema[0] != '{' {
			return refuse("tools[%d]: function.parameters must be a JSON Schema object.", i)
		}
		ar.Tools = append(ar.Tools, anthropicTool{Name: t.Function.Name, Description: t.Function.Description, InputSchema: schema})
	}
	raw := bytes.TrimSpace(req.ToolChoice)
	var tc *anthropicToolChoice
	if len(raw) > 0 && !isNull(raw) {
		var s string
		var obj struct {
			Type     string `json:"type"`
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		switch {
		case json.Unmarshal(raw, &s) == nil:
			switch s {
			case "auto":
				tc = &anthropicToolChoice{Type: "auto"}
			case "none":
				tc = &anthropicToolChoice{Type: "none"}
			case "required":
				tc = &anthropicToolChoice{Type: "any"}
			default:
				return refuse("tool_choice %s is not supported.", quoteShort(s))
			}
		case json.Unmarshal(raw, &obj) == nil && obj.Type == "function" && obj.Function.Name != "":
			tc = &anthropicToolChoice{Type: "tool", Name: obj.Function.Name}
		default:
			return refuse("tool_choice must be auto, none, required or a function.")
		}
	}
	if len(ar.Tools) == 0 {
		if tc != nil && (tc.Type == "any" || tc.Type == "tool") {
			return refuse("tool_choice requires tools.")
		}
		return nil // a choice among no tools means nothing
	}
	if !parallel {
		if tc == nil {
			tc = &anthropicToolChoice{Type: "auto"}
		}
		if tc.Type != "none" {
			tc.DisableParallelToolUse = true
		}
	}
	ar.ToolChoice = tc
	return nil
}

// finishReason maps Anthropic's stop_reason.
func finishReason(stop string) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop" // end_turn, stop_sequence, pause_turn
}

// usage converts Anthropic's accounting: cached input counts as prompt.
func (u anthropicUsage) usage() *Usage {
	prompt := u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
	out := &Usage{PromptTokens: prompt, CompletionTokens: u.OutputTokens, TotalTokens: prompt + u.OutputTokens}
	if u.CacheReadInputTokens > 0 {
		out.Extra = Extra{"prompt_tokens_details": json.RawMessage(fmt.Sprintf(`{"cached_tokens":%d}`, u.CacheReadInputTokens))}
	}
	return out
}

// fromAnthropic translates an answer.
func fromAnthropic(ar *anthropicResponse, created int64) *ChatCompletion {
	msg := Message{Role: "assistant"}
	var text strings.Builder
	for _, b := range ar.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			args := compactJSON(b.Input)
			if len(args) == 0 || isNull(args) {
				args = json.RawMessage("{}")
			}
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: b.ID, Type: "function",
				Function: FunctionCall{Name: b.Name, Arguments: string(args)}})
		}
		// thinking and server tool blocks are not part of the answer.
	}
	msg.Content = TextContent(text.String())
	if text.Len() == 0 && len(msg.ToolCalls) > 0 {
		msg.Content = Content{Null: true}
	}
	return &ChatCompletion{ID: ar.ID, Object: "chat.completion", Created: created, Model: ar.Model,
		Choices: []Choice{{Index: 0, Message: msg, FinishReason: finishReason(ar.StopReason)}},
		Usage:   ar.Usage.usage()}
}
