package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Demo is a local, deterministic model for trying the gateway without a
// provider key: no network, the same request always gets the same answer,
// a few sentences that quote the start of the last user message. It
// honours max_tokens, streams word by word with Config.ChunkDelay between
// words, reports usage as EstimateTokens counts, and computes embeddings
// as unit vectors derived from SHA-256 of each input. Any model name is
// accepted.
type Demo struct {
	cfg Config
}

var _ Provider = (*Demo)(nil)

// Bounds of the demo.
const (
	demoQuoteWords     = 12
	demoQuoteBytes     = 80
	demoDimensions     = 256
	demoMaxDimensions  = 3072
	demoMaxInputs      = 2048
	demoMaxInputTokens = 1 << 20
)

// NewDemo returns the demo provider.
func NewDemo(cfg Config) (*Demo, error) {
	cfg.Type = TypeDemo
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Demo{cfg: cfg}, nil
}

func (d *Demo) invalid(msg string) *Error {
	return &Error{Provider: d.cfg.Name, Kind: KindInvalidRequest, Code: "invalid_request_error", Message: msg}
}

// demoAnswer is what the demo says to a request.
type demoAnswer struct {
	id     string
	words  []string // the answer, in pieces whose concatenation is the text
	text   string
	finish string
	usage  Usage
}

var demoMiddles = []string{
	"I am Bulwark's demo model: I run inside the gateway, call no AI provider, and give the same answer to the same request.",
	"This answer comes from the gateway itself, so the whole path (login, limits and audit) can be tried without a provider key.",
	"No AI provider was called: the gateway's built-in demo model wrote this, and it will write the same words for the same request.",
}

var demoEnds = []string{
	"Configure an OpenAI or Anthropic provider in bulwark.yaml to get real answers.",
	"Every call here is checked and recorded like a real one, in the audit log.",
	"Point a model at a real provider in the configuration when you are ready.",
}

func (d *Demo) answer(req *ChatRequest) (*demoAnswer, error) {
	if len(req.Messages) == 0 {
		return nil, d.invalid("messages must not be empty.")
	}
	if req.N != nil && *req.N != 1 {
		return nil, d.invalid("The demo model answers with one choice (n = 1).")
	}
	limit := -1
	switch {
	case req.MaxCompletionTokens != nil:
		limit = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		limit = *req.MaxTokens
	}
	if limit == 0 || limit < -1 {
		return nil, d.invalid("max_tokens must be at least 1.")
	}
	canon := *req
	canon.Stream, canon.StreamOptions = false, nil
	enc, err := Marshal(&canon)
	if err != nil {
		return nil, d.invalid("The request could not be encoded.")
	}
	h := sha256.Sum256(enc)

	last := ""
	prompt := 0
	for _, m := range req.Messages {
		s := m.Content.String()
		prompt += EstimateTokens(s)
		for _, tc := range m.ToolCalls {
			prompt += EstimateTokens(tc.Function.Name) + EstimateTokens(tc.Function.Arguments)
		}
		if m.Role == "user" {
			last = s
		}
	}
	var first string
	if q := demoQuote(last); q != "" {
		first = "You said: \u201c" + q + "\u201d"
	} else {
		first = "You have not said anything yet."
	}
	text := first + " " + demoMiddles[int(h[0])%len(demoMiddles)] + " " + demoEnds[int(h[1])%len(demoEnds)]

	words := strings.SplitAfter(text, " ")
	finish := "stop"
	if limit > 0 && EstimateTokens(text) > limit {
		finish = "length"
		n, size := 0, 0
		for n < len(words) && EstimateTokens(text[:size+len(words[n])]) <= limit {
			size += len(words[n])
			n++
		}
		if n == 0 {
			// Not even one word fits: cut the first one.
			words = []string{truncate([]byte(words[0]), limit*4)}
		} else {
			words = words[:n]
			words[n-1] = strings.TrimRight(words[n-1], " ")
		}
		text = strings.Join(words, "")
	}
	completion := EstimateTokens(text)
	return &demoAnswer{id: "chatcmpl-demo-" + hex.EncodeToString(h[:12]), words: words, text: text, finish: finish,
		usage: Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}}, nil
}

// demoQuote is the start of s, one line, printable, bounded.
func demoQuote(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	cut := len(fields) > demoQuoteWords
	if cut {
		fields = fields[:demoQuoteWords]
	}
	q := strings.Join(fields, " ")
	if len(q) > demoQuoteBytes {
		q = q[:demoQuoteBytes]
		for !utf8.ValidString(q) {
			q = q[:len(q)-1]
		}
		cut = true
	}
	q = strings.ToValidUTF8(q, "")
	if cut {
		q += "\u2026"
	}
	return q
}

// Chat implements Provider.
func (d *Demo) Chat(ctx context.Context, req *ChatRequest) (*ChatCompletion, error) {
	a, err := d.answer(req)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, newError(d.cfg.Name, KindUnavailable, 0, "canceled", err)
	}
	u := a.usage
	return &ChatCompletion{ID: a.id, Object: "chat.completion", Created: d.cfg.Now().Unix(), Model: req.Model,
		Choices: []Choice{{Index: 0, Message: Message{Role: "assistant", Content: TextContent(a.text)}, FinishReason: a.finish}},
		Usage:   &u}, nil
}

// ChatStream implements Provider: a chunk with the role, then one chunk
// per word, ChunkDelay apart, then the finish reason, then usage.
func (d *Demo) ChatStream(ctx context.Context, req *ChatRequest) (ChatStream, error) {
	a, err := d.answer(req)
	if err != nil {
		return nil, err
	}
	return &demoStream{ctx: ctx, name: d.cfg.Name, delay: d.cfg.ChunkDelay, a: a, model: req.Model,
		created: d.cfg.Now().Unix(), closed: make(chan struct{})}, nil
}

// demoStream plays an answer out.
type demoStream struct {
	ctx     context.Context // Recv has none
	name    string
	delay   time.Duration
	a       *demoAnswer
	model   string
	created int64
	step    int // 0: role; 1..len(words): words; then finish, usage
	err     error

	once   sync.Once
	closed chan struct{}
}

var _ ChatStream = (*demoStream)(nil)

func (s *demoStream) chunk(d Delta, finish *string) *ChatChunk {
	return &ChatChunk{ID: s.a.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model,
		Choices: []ChunkChoice{{Index: 0, Delta: d, FinishReason: finish}}}
}

// Recv implements ChatStream.
func (s *demoStream) Recv() (*ChatChunk, error) {
	select {
	case <-s.closed:
		return nil, ErrStreamClosed
	default:
	}
	if s.err != nil {
		return nil, s.err
	}
	if err := s.ctx.Err(); err != nil {
		return nil, s.fail(err)
	}
	n := len(s.a.words)
	step := s.step
	s.step++
	switch {
	case step == 0:
		empty := ""
		return s.chunk(Delta{Role: "assistant", Content: &empty}, nil), nil
	case step <= n:
		if s.delay > 0 {
			t := time.NewTimer(s.delay)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				return nil, s.fail(s.ctx.Err())
			case <-s.closed:
				t.Stop()
				return nil, ErrStreamClosed
			}
		}
		w := s.a.words[step-1]
		return s.chunk(Delta{Content: &w}, nil), nil
	case step == n+1:
		f := s.a.finish
		return s.chunk(Delta{}, &f), nil
	case step == n+2:
		u := s.a.usage
		return &ChatChunk{ID: s.a.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model,
			Choices: []ChunkChoice{}, Usage: &u}, nil
	}
	s.err = io.EOF
	return nil, io.EOF
}

func (s *demoStream) fail(cause error) error {
	s.err = newError(s.name, KindUnavailable, 0, "canceled", cause)
	return s.err
}

// Close implements ChatStream.
func (s *demoStream) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// Embeddings implements Provider: each input gets a unit vector derived
// from its SHA-256 (256 dimensions unless "dimensions" says otherwise),
// as floats or, with "encoding_format":"base64", as base64 of
// little-endian float32s.
func (d *Demo) Embeddings(ctx context.Context, req *EmbeddingsRequest) (*EmbeddingsResponse, error) {
	inputs, tokens, err := demoInputs(req.Input)
	if err != nil {
		return nil, d.invalid("input must be a string, a list of strings or token ids.")
	}
	if len(inputs) == 0 {
		return nil, d.invalid("input must not be empty.")
	}
	if len(inputs) > demoMaxInputs {
		return nil, d.invalid("input has more than 2048 items.")
	}
	dims := demoDimensions
	if raw, ok := req.Extra["dimensions"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &dims) != nil || dims < 1 || dims > demoMaxDimensions {
			return nil, d.invalid("dimensions must be an integer between 1 and 3072.")
		}
	}
	b64 := false
	if raw, ok := req.Extra["encoding_format"]; ok && !isNull(raw) {
		var f string
		_ = json.Unmarshal(raw, &f)
		switch f {
		case "float":
		case "base64":
			b64 = true
		default:
			return nil, d.invalid("encoding_format must be float or base64.")
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, newError(d.cfg.Name, KindUnavailable, 0, "canceled", err)
	}
	buf := []byte{'['}
	vec := make([]float32, dims)
	raw := make([]byte, 4*dims)
	for i, in := range inputs {
		demoVector(in, vec)
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"object":"embedding","index":`...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, `,"embedding":`...)
		if b64 {
			for j, f := range vec {
				binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(f))
			}
			buf = append(buf, '"')
			buf = base64.StdEncoding.AppendEncode(buf, raw)
			buf = append(buf, '"')
		} else {
			buf = append(buf, '[')
			for j, f := range vec {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = strconv.AppendFloat(buf, float64(f), 'g', -1, 32)
			}
			buf = append(buf, ']')
		}
		buf = append(buf, '}')
	}
	buf = append(buf, ']')
	return &EmbeddingsResponse{Object: "list", Data: buf, Model: req.Model,
		Usage: &Usage{PromptTokens: tokens, TotalTokens: tokens}}, nil
}

// demoInputs returns what each input is hashed from, and the tokens of
// the request.
func demoInputs(raw json.RawMessage) (inputs []string, tokens int, err error) {
	r := EmbeddingsRequest{Input: raw}
	texts, ids, err := r.Texts()
	if err != nil {
		return nil, 0, err
	}
	if ids == 0 {
		for _, t := range texts {
			tokens += EstimateTokens(t)
		}
		return texts, tokens, nil
	}
	if ids > demoMaxInputTokens {
		return nil, 0, errors.New("too many token ids")
	}
	var one []int64
	if json.Unmarshal(raw, &one) == nil {
		return []string{tokenKey(one)}, ids, nil
	}
	var many [][]int64
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, 0, err
	}
	for _, l := range many {
		inputs = append(inputs, tokenKey(l))
	}
	return inputs, ids, nil
}

func tokenKey(ids []int64) string {
	b := []byte("\x00tokens:")
	for _, id := range ids {
		b = strconv.AppendInt(b, id, 10)
		b = append(b, ',')
	}
	return string(b)
}

// demoVector fills v with the unit vector of s: SHA-256 of s, stretched
// by hashing it with a counter, mapped to [-1, 1) and normalized.
func demoVector(s string, v []float32) {
	seed := sha256.Sum256([]byte(s))
	var block [sha256.Size + 4]byte
	copy(block[:], seed[:])
	var norm float64
	for i := 0; i < len(v); i += 8 {
		binary.BigEndian.PutUint32(block[sha256.Size:], uint32(i/8))
		h := sha256.Sum256(block[:])
		for j := 0; j < 8 && i+j < len(v); j++ {
			u := binary.BigEndian.Uint32(h[4*j:])
			x := float64(u)/(1<<31) - 1
			v[i+j] = float32(x)
			norm += x * x
		}
	}
	if norm == 0 {
		v[0], norm = 1, 1
	}
	inv := 1 / math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
}
