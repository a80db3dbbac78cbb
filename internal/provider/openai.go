package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// OpenAI is a provider speaking OpenAI's chat completions and embeddings
// API: OpenAI itself, Azure OpenAI, and the many compatible servers
// (Ollama, vLLM, Groq, …). Requests are forwarded as they are, with every
// field the gateway does not know.
type OpenAI struct {
	cfg  Config
	http *httpClient
	// chatURL and embeddingsURL are precomputed when BaseURL has no
	// "{model}".
	chatURL, embeddingsURL string
}

var _ Provider = (*OpenAI)(nil)

// NewOpenAI returns an OpenAI-compatible provider.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	cfg.Type = TypeOpenAI
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &OpenAI{cfg: cfg, http: newHTTPClient(cfg, http.Header{})}
	if !strings.Contains(cfg.BaseURL, modelPlaceholder) {
		var err error
		if p.chatURL, err = p.http.endpoint(cfg.BaseURL, "/chat/completions", ""); err != nil {
			return nil, fmt.Errorf("provider %q: base_url: %w", cfg.Name, err)
		}
		if p.embeddingsURL, err = p.http.endpoint(cfg.BaseURL, "/embeddings", ""); err != nil {
			return nil, fmt.Errorf("provider %q: base_url: %w", cfg.Name, err)
		}
	}
	return p, nil
}

func (p *OpenAI) url(fixed, path, model string) (string, error) {
	if fixed != "" {
		return fixed, nil
	}
	return p.http.endpoint(p.cfg.BaseURL, path, model)
}

// Chat implements Provider.
func (p *OpenAI) Chat(ctx context.Context, req *ChatRequest) (*ChatCompletion, error) {
	u, err := p.url(p.chatURL, "/chat/completions", req.Model)
	if err != nil {
		return nil, err
	}
	r := *req
	r.Stream, r.StreamOptions = false, nil
	body, err := Marshal(&r)
	if err != nil {
		return nil, p.http.invalid("invalid_request", "The request could not be encoded.", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()
	resp, err := p.http.post(ctx, u, body, nil, nil)
	if err != nil {
		return nil, err
	}
	data, err := p.http.readBody(ctx, resp)
	if err != nil {
		return nil, err
	}
	var out ChatCompletion
	if err := out.UnmarshalJSON(data); err != nil { // validates as it decodes: one pass
		return nil, p.http.badJSON(resp.StatusCode, fmt.Errorf("decode chat completion: %w", err))
	}
	if e := p.embeddedError(resp.StatusCode, out.Extra, out.Choices == nil); e != nil {
		return nil, e
	}
	if len(out.Choices) == 0 {
		return nil, p.http.badJSON(resp.StatusCode, errors.New("chat completion without choices"))
	}
	return &out, nil
}

// embeddedError maps an {"error":…} object sent with a 2xx status or
// inside a stream.
func (p *OpenAI) embeddedError(status int, extra Extra, empty bool) *Error {
	raw, ok := extra["error"]
	if !ok || !empty || isNull(raw) {
		return nil
	}
	return errorPayload(p.http, status, raw)
}

// errorPayload maps an error object (OpenAI's or Anthropic's) found in a
// 2xx answer or a stream, by its type.
func errorPayload(c *httpClient, status int, raw []byte) *Error {
	body := append(append([]byte(`{"error":`), raw...), '}')
	code, typ := upstreamCode(body)
	cause := c.bodyCause(status, raw)
	switch typ {
	case "invalid_request_error", "not_found_error", "request_too_large":
		if code == "" {
			code = "upstream_rejected"
		}
		return c.fail(KindInvalidRequest, status, code, cause)
	case "rate_limit_error", "rate_limit_exceeded", "tokens", "requests":
		return c.fail(KindRateLimited, status, "upstream_rate_limited", cause)
	case "authentication_error", "permission_error":
		return c.fail(KindAuth, status, "upstream_auth", cause)
	case "server_error", "api_error", "overloaded_error", "service_unavailable", "timeout_error":
		return c.fail(KindUnavailable, status, "upstream_unavailable", cause)
	}
	if code != "" {
		return c.fail(KindInvalidRequest, status, code, cause)
	}
	return c.fail(KindBadResponse, status, "upstream_bad_response", cause)
}

// ChatStream implements Provider. The request is sent with stream true
// and stream_options.include_usage true, so the last chunk carries usage
// (drop it when the app did not ask for it). Errors from Recv after the
// first chunk are KindBadResponse: the answer broke off and cannot be
// retried or sent to another provider.
func (p *OpenAI) ChatStream(ctx context.Context, req *ChatRequest) (ChatStream, error) {
	u, err := p.url(p.chatURL, "/chat/completions", req.Model)
	if err != nil {
		return nil, err
	}
	r := *req
	r.Stream = true
	so := StreamOptions{IncludeUsage: true}
	if req.StreamOptions != nil {
		so.Extra = req.StreamOptions.Extra
	}
	r.StreamOptions = &so
	body, err := Marshal(&r)
	if err != nil {
		return nil, p.http.invalid("invalid_request", "The request could not be encoded.", err)
	}
	hs, err := p.http.openStream(ctx, u, body, nil)
	if err != nil {
		return nil, err
	}
	return &openAIStream{p: p, s: hs}, nil
}

// openAIStream reads chat.completion.chunk events.
type openAIStream struct {
	p        *OpenAI
	s        *httpStream
	finished bool // a finish_reason was seen
	err      error
}

var _ ChatStream = (*openAIStream)(nil)

var doneData = []byte("[DONE]")

// Recv implements ChatStream.
func (st *openAIStream) Recv() (*ChatChunk, error) {
	if st.err != nil {
		return nil, st.err
	}
	c, err := st.recv()
	if err != nil {
		st.err = err
		return nil, err
	}
	st.s.delivered = true
	return c, nil
}

func (st *openAIStream) recv() (*ChatChunk, error) {
	for {
		ev, err := st.s.next()
		if errors.Is(err, io.EOF) {
			// The body ended without [DONE]: complete if the answer was.
			st.s.release(false)
			if st.finished {
				return nil, io.EOF
			}
			return nil, st.s.fail(st.p.http.fail(KindBadResponse, st.s.resp.StatusCode, "upstream_stream_error",
				errors.New("stream ended before [DONE]")))
		}
		if err != nil {
			return nil, err
		}
		data := bytes.TrimSpace(ev.Data)
		if bytes.Equal(data, doneData) {
			st.s.done()
			return nil, io.EOF
		}
		if len(data) == 0 {
			continue
		}
		var c ChatChunk
		if err := c.UnmarshalJSON(data); err != nil {
			return nil, st.s.fail(st.p.http.badJSON(st.s.resp.StatusCode, fmt.Errorf("decode chunk: %w", err)))
		}
		if ev.Event == "error" || c.Choices == nil {
			if raw, ok := c.Extra["error"]; ok && !isNull(raw) {
				return nil, st.s.fail(errorPayload(st.p.http, st.s.resp.StatusCode, raw))
			}
			if ev.Event == "error" {
				return nil, st.s.fail(st.p.http.fail(KindBadResponse, st.s.resp.StatusCode, "upstream_stream_error",
					st.p.http.bodyCause(st.s.resp.StatusCode, data)))
			}
		}
		for _, ch := range c.Choices {
			if ch.FinishReason != nil {
				st.finished = true
			}
		}
		return &c, nil
	}
}

// Close implements ChatStream.
func (st *openAIStream) Close() error { return st.s.Close() }

// Embeddings implements Provider.
func (p *OpenAI) Embeddings(ctx context.Context, req *EmbeddingsRequest) (*EmbeddingsResponse, error) {
	u, err := p.url(p.embeddingsURL, "/embeddings", req.Model)
	if err != nil {
		return nil, err
	}
	body, err := Marshal(req)
	if err != nil {
		return nil, p.http.invalid("invalid_request", "The request could not be encoded.", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()
	resp, err := p.http.post(ctx, u, body, nil, nil)
	if err != nil {
		return nil, err
	}
	data, err := p.http.readBody(ctx, resp)
	if err != nil {
		return nil, err
	}
	var out EmbeddingsResponse
	if err := out.UnmarshalJSON(data); err != nil {
		return nil, p.http.badJSON(resp.StatusCode, fmt.Errorf("decode embeddings: %w", err))
	}
	if e := p.embeddedError(resp.StatusCode, out.Extra, len(out.Data) == 0); e != nil {
		return nil, e
	}
	if len(out.Data) == 0 || out.Data[0] != '[' {
		return nil, p.http.badJSON(resp.StatusCode, errors.New("embeddings without a data list"))
	}
	return &out, nil
}
