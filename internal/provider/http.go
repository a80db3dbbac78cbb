package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Bounds on what an upstream may send.
const (
	maxResponseBytes = 32 << 20 // a non-streamed answer
	maxErrorBytes    = 64 << 10 // an error answer (read to find its code)
	maxCauseBytes    = 512      // of an upstream body kept in Error.Cause
	maxStreamBytes   = 64 << 20 // a whole streamed answer

	retryBaseDelay  = 100 * time.Millisecond
	retryMaxDelay   = 2 * time.Second
	maxRetryAfter   = 2 * time.Second // longer Retry-After: no retry
	drainAfterDone  = 4 << 10
	drainTimeout    = time.Second
	maxIdleConns    = 1024
	maxIdlePerHost  = 256
	idleConnTimeout = 90 * time.Second
)

// httpClient sends requests to one upstream: static headers, retries,
// status mapping, bounded bodies, secrets scrubbed from errors.
type httpClient struct {
	name       string
	client     *http.Client
	header     http.Header // static: key, extra headers, content type
	query      url.Values
	secrets    []string
	maxRetries int
	timeout    time.Duration
	idle       time.Duration
	now        func() time.Time
	// delay returns the pause before retry number attempt (0-based);
	// replaced by tests.
	delay func(attempt int) time.Duration
}

func newHTTPClient(cfg Config, header http.Header) *httpClient {
	var c *http.Client
	if cfg.HTTPClient != nil {
		cc := *cfg.HTTPClient
		c = &cc
	} else {
		c = &http.Client{Transport: newTransport(cfg)}
	}
	// A redirect must never carry our key to another host.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	switch cfg.AuthStyle {
	case AuthBearer:
		if cfg.APIKey != "" {
			header.Set("Authorization", "Bearer "+cfg.APIKey)
		}
	case AuthAPIKey:
		if cfg.APIKey != "" {
			header.Set("Api-Key", cfg.APIKey)
		}
	case AuthXAPIKey:
		if cfg.APIKey != "" {
			header.Set("X-Api-Key", cfg.APIKey)
		}
	}
	for k, v := range cfg.Headers {
		header.Set(k, v)
	}
	header.Set("Content-Type", "application/json")
	header.Set("Accept", "application/json")
	q := url.Values{}
	for k, v := range cfg.Query {
		q.Set(k, v)
	}
	return &httpClient{name: cfg.Name, client: c, header: header, query: q, secrets: cfg.secrets(),
		maxRetries: cfg.MaxRetries, timeout: cfg.Timeout, idle: cfg.StreamIdleTimeout, now: cfg.Now, delay: backoff}
}

// newTransport is the connection pool of one provider.
func newTransport(cfg Config) *http.Transport {
	d := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    cfg.ConnectTimeout,
		ResponseHeaderTimeout:  max(cfg.Timeout, cfg.StreamIdleTimeout),
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    maxIdlePerHost,
		IdleConnTimeout:        idleConnTimeout,
		MaxResponseHeaderBytes: 1 << 20,
	}
}

// backoff is jittered exponential: 100 ms, 200 ms, 400 ms… capped at 2 s,
// each drawn in [d/2, d).
func backoff(attempt int) time.Duration {
	d := retryBaseDelay << min(attempt, 10)
	d = min(d, retryMaxDelay)
	return d/2 + rand.N(d/2)
}

// endpoint is the full URL of path under base, with "{model}" replaced
// and the configured query added.
func (c *httpClient) endpoint(base, path, model string) (string, error) {
	if strings.Contains(base, modelPlaceholder) {
		if model == "" || model == "." || model == ".." {
			return "", c.invalid("invalid_model", "The model name cannot be used in this provider's URL.", nil)
		}
		base = strings.ReplaceAll(base, modelPlaceholder, url.PathEscape(model))
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/") + path)
	if err != nil {
		return "", c.invalid("invalid_model", "The model name cannot be used in this provider's URL.", nil)
	}
	if len(c.query) > 0 {
		q := u.Query()
		for k, v := range c.query {
			q[k] = v
		}
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// idleTimer cancels a stream's context when the upstream is silent for
// too long.
type idleTimer struct {
	d time.Duration
	t *time.Timer
}

var errIdle = errors.New("stream idle timeout")

func newIdleTimer(d time.Duration, cancel context.CancelCauseFunc) *idleTimer {
	it := &idleTimer{d: d}
	it.t = time.AfterFunc(d, func() { cancel(errIdle) })
	return it
}

func (it *idleTimer) reset()                  { it.t.Reset(it.d) }
func (it *idleTimer) resetTo(d time.Duration) { it.t.Reset(d) }
func (it *idleTimer) stop()                   { it.t.Stop() }

// post sends body to endpoint and returns the first 2xx response, retrying
// failures where the upstream generated nothing. The caller closes the
// response body. Once a 2xx response arrived nothing is retried.
func (c *httpClient) post(ctx context.Context, endpoint string, body []byte, header http.Header, idle *idleTimer) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		if idle != nil {
			idle.reset()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, c.fail(KindBadResponse, 0, "upstream_bad_request", fmt.Errorf("build request: %w", err))
		}
		req.Header = c.header.Clone()
		for k, v := range header {
			req.Header[k] = v
		}
		var sent atomic.Bool
		req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { sent.Store(true) },
		}))
		resp, err := c.client.Do(req)
		var perr *Error
		var wait time.Duration
		if err != nil {
			var retry bool
			perr, retry = c.transportError(ctx, err, sent.Load())
			if !retry {
				return nil, perr
			}
		} else {
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				return resp, nil
			}
			var retry bool
			perr, retry, wait = c.statusError(resp)
			if !retry {
				return nil, perr
			}
		}
		if attempt >= c.maxRetries {
			return nil, perr
		}
		if err := sleep(ctx, max(wait, c.delay(attempt))); err != nil {
			te, _ := c.transportError(ctx, err, false)
			return nil, te
		}
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errTimeout = errors.New("provider timeout")

// transportError maps a failure to get a response, and says whether it
// may be retried: only when the request surely produced nothing upstream
// (it was not sent, or the connection was lost), never when the caller's
// context is done or a sent request's answer was awaited too long (the
// upstream may be generating, and billing, it).
func (c *httpClient) transportError(ctx context.Context, err error, sent bool) (*Error, bool) {
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		switch {
		case errors.Is(cause, errIdle), errors.Is(cause, errTimeout), errors.Is(cause, context.DeadlineExceeded):
			return c.fail(KindUnavailable, 0, "upstream_timeout", c.scrubErr(cause)), false
		}
		return c.fail(KindUnavailable, 0, "canceled", c.scrubErr(cause)), false
	}
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	code := "upstream_unavailable"
	if timeout {
		code = "upstream_timeout"
	}
	switch {
	case errors.As(err, new(*tls.CertificateVerificationError)), errors.As(err, new(tls.AlertError)),
		errors.As(err, new(x509.UnknownAuthorityError)), errors.As(err, new(x509.HostnameError)):
		// A configuration problem: asking again cannot help.
		return c.fail(KindUnavailable, 0, code, c.scrubErr(err)), false
	case !sent:
		// Not connected, or the connection failed before the request
		// was written.
		return c.fail(KindUnavailable, 0, code, c.scrubErr(err)), true
	case timeout:
		return c.fail(KindUnavailable, 0, code, c.scrubErr(err)), false
	}
	// The connection was lost before any answer.
	return c.fail(KindUnavailable, 0, code, c.scrubErr(err)), true
}

// allowedCodes are the upstream error codes passed on to the app; any
// other becomes "upstream_rejected".
var allowedCodes = map[string]bool{
	"context_length_exceeded": true,
	"invalid_request_error":   true,
	"model_not_found":         true,
	"content_filter":          true,
	"unsupported_parameter":   true,
	"unsupported_value":       true,
}

// upstreamErrorBody is the error shape of OpenAI ({"error":{…}}) and of
// Anthropic ({"type":"error","error":{…}}).
type upstreamErrorBody struct {
	Error *struct {
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	} `json:"error"`
}

// upstreamCode finds the code of an error body in our vocabulary.
func upstreamCode(body []byte) (code, typ string) {
	var eb upstreamErrorBody
	if json.Unmarshal(body, &eb) != nil || eb.Error == nil {
		return "", ""
	}
	var s string
	_ = json.Unmarshal(eb.Error.Code, &s)
	typ = eb.Error.Type
	msg := strings.ToLower(eb.Error.Message)
	switch {
	case allowedCodes[s]:
		return s, typ
	case strings.Contains(msg, "prompt is too long") || strings.Contains(msg, "context length") ||
		strings.Contains(msg, "context window"):
		return "context_length_exceeded", typ
	case typ == "not_found_error" && strings.Contains(msg, "model"):
		return "model_not_found", typ
	case allowedCodes[typ]:
		return typ, typ
	}
	return "", typ
}

// statusError maps a non-2xx answer, reads and closes its body, and says
// whether it may be retried and after how long.
func (c *httpClient) statusError(resp *http.Response) (*Error, bool, time.Duration) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	_ = resp.Body.Close()
	st := resp.StatusCode
	cause := c.bodyCause(st, body)
	ra := retryAfter(resp.Header, c.now())
	switch {
	case st >= 300 && st < 400:
		return c.fail(KindBadResponse, st, "upstream_redirect", cause), false, 0
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return c.fail(KindAuth, st, "upstream_auth", cause), false, 0
	case st == http.StatusTooManyRequests:
		e := c.fail(KindRateLimited, st, "upstream_rate_limited", cause)
		e.RetryAfter = ra
		return e, ra > 0 && ra <= maxRetryAfter, ra
	case st == http.StatusRequestTimeout:
		return c.fail(KindUnavailable, st, "upstream_timeout", cause), false, 0
	case st == http.StatusBadGateway || st == http.StatusServiceUnavailable || st == http.StatusGatewayTimeout || st == 529:
		// 529 is Anthropic's "overloaded".
		code := "upstream_unavailable"
		if st == http.StatusGatewayTimeout {
			code = "upstream_timeout"
		}
		e := c.fail(KindUnavailable, st, code, cause)
		e.RetryAfter = ra
		return e, ra <= maxRetryAfter, ra
	case st >= 500:
		return c.fail(KindUnavailable, st, "upstream_unavailable", cause), false, 0
	case st >= 400:
		code, _ := upstreamCode(body)
		if code == "" {
			code = "upstream_rejected"
		}
		return c.fail(KindInvalidRequest, st, code, cause), false, 0
	}
	return c.fail(KindBadResponse, st, "upstream_bad_response", cause), false, 0
}

// retryAfter reads retry-after-ms (OpenAI) or Retry-After (seconds or an
// HTTP date); 0 when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || s > 1e6 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// messages are our words for each failure, safe to show to an app.
var messages = map[string]string{
	"upstream_timeout":        "The AI provider did not answer in time.",
	"upstream_unavailable":    "The AI provider is unavailable.",
	"canceled":                "The request was cancelled.",
	"upstream_redirect":       "The AI provider answered with a redirect, which the gateway does not follow.",
	"upstream_auth":           "The gateway's credentials for the AI provider were refused.",
	"upstream_rate_limited":   "The AI provider is rate limiting requests; try again later.",
	"context_length_exceeded": "The conversation is too long for this model.",
	"model_not_found":         "The AI provider does not know this model.",
	"content_filter":          "The AI provider's content filter refused the request.",
	"upstream_bad_response":   "The AI provider sent an invalid response.",
	"upstream_too_large":      "The AI provider's response is too large.",
	"upstream_stream_error":   "The AI provider's answer broke off.",
}

var kindMessages = map[Kind]string{
	KindUnavailable:    "The AI provider is unavailable.",
	KindRateLimited:    "The AI provider is rate limiting requests; try again later.",
	KindInvalidRequest: "The AI provider rejected the request.",
	KindAuth:           "The gateway's credentials for the AI provider were refused.",
	KindUnsupported:    "The AI provider does not support this request.",
	KindBadResponse:    "The AI provider sent an invalid response.",
}

// fail builds an *Error with our message for code.
func (c *httpClient) fail(kind Kind, status int, code string, cause error) *Error {
	return newError(c.name, kind, status, code, cause)
}

func newError(name string, kind Kind, status int, code string, cause error) *Error {
	msg, ok := messages[code]
	if !ok {
		msg = kindMessages[kind]
	}
	return &Error{Provider: name, Kind: kind, Status: status, Code: code, Message: msg, Cause: cause}
}

// invalid is a request this provider refuses before sending it.
func (c *httpClient) invalid(code, msg string, cause error) *Error {
	return &Error{Provider: c.name, Kind: KindInvalidRequest, Code: code, Message: msg, Cause: cause}
}

// bodyCause keeps the start of an upstream body for logs, scrubbed.
func (c *httpClient) bodyCause(status int, body []byte) error {
	return &scrubbedError{msg: fmt.Sprintf("HTTP %d: %s", status, c.scrub(truncate(body, maxCauseBytes)))}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		// Do not cut a UTF-8 sequence in two.
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// scrub removes the secrets from s.
func (c *httpClient) scrub(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// scrubErr returns err, or a scrubbed copy of its text when it contains a
// secret. The copy still answers errors.Is for the original chain.
func (c *httpClient) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if t := c.scrub(s); t != s {
		return &scrubbedError{msg: t, orig: err}
	}
	return err
}

// scrubbedError is an error whose text had secrets removed. It matches
// errors.Is against the original but does not expose it.
type scrubbedError struct {
	msg  string
	orig error
}

func (e *scrubbedError) Error() string { return e.msg }

func (e *scrubbedError) Is(target error) bool { return e.orig != nil && errors.Is(e.orig, target) }

// readBody reads a whole non-streamed answer, bounded.
func (c *httpClient) readBody(ctx context.Context, resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		e, _ := c.transportError(ctx, err, true)
		if e.Code == "upstream_unavailable" {
			e.Kind, e.Code, e.Message = KindBadResponse, "upstream_bad_response", messages["upstream_bad_response"]
		}
		e.Status = resp.StatusCode
		return nil, e
	}
	if len(body) > maxResponseBytes {
		return nil, c.fail(KindBadResponse, resp.StatusCode, "upstream_too_large", errors.New("response body over 32 MiB"))
	}
	return body, nil
}

// badJSON is an answer that does not decode.
func (c *httpClient) badJSON(status int, err error) *Error {
	return c.fail(KindBadResponse, status, "upstream_bad_response", c.scrubErr(err))
}

// streamBody is a response body read by a stream: each read re-arms the
// idle timer, and the total is bounded.
type streamBody struct {
	r     io.ReadCloser
	idle  *idleTimer
	total int64
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.idle.reset()
		b.total += int64(n)
		if b.total > maxStreamBytes {
			return n, errStreamTooLarge
		}
	}
	return n, err
}

var errStreamTooLarge = errors.New("stream over 64 MiB")

// ErrStreamClosed is returned by Recv after Close.
var ErrStreamClosed = errors.New("provider: stream closed")

// httpStream is what the streams of the HTTP providers share: the
// response, its cancellation, the idle timer, and the rule that an error
// after the first chunk is KindBadResponse (the answer broke off; it
// cannot be retried elsewhere).
type httpStream struct {
	c         *httpClient
	ctx       context.Context // the stream's own context; Recv has none
	cancel    context.CancelCauseFunc
	resp      *http.Response
	idle      *idleTimer
	sse       *sseReader
	delivered bool
	closed    atomic.Bool
	once      sync.Once
}

var errClosedByCaller = errors.New("stream closed")

// openStream posts body and returns the stream of its answer.
func (c *httpClient) openStream(ctx context.Context, endpoint string, body []byte, header http.Header) (*httpStream, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	idle := newIdleTimer(c.idle, cancel)
	h := http.Header{"Accept": {"text/event-stream"}}
	for k, v := range header {
		h[k] = v
	}
	resp, err := c.post(ctx, endpoint, body, h, idle)
	if err != nil {
		idle.stop()
		cancel(errClosedByCaller)
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		// Not a stream: an error object, or an upstream that ignored
		// "stream".
		defer cancel(errClosedByCaller)
		defer idle.stop()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
		_ = resp.Body.Close()
		var eb upstreamErrorBody
		if json.Unmarshal(b, &eb) == nil && eb.Error != nil {
			raw, _ := json.Marshal(eb.Error)
			return nil, errorPayload(c, resp.StatusCode, raw)
		}
		return nil, c.fail(KindBadResponse, resp.StatusCode, "upstream_bad_response", c.bodyCause(resp.StatusCode, b))
	}
	sb := &streamBody{r: resp.Body, idle: idle}
	return &httpStream{c: c, ctx: ctx, cancel: cancel, resp: resp, idle: idle, sse: newSSEReader(sb)}, nil
}

// next returns the next SSE event.
func (s *httpStream) next() (sseEvent, error) {
	if s.closed.Load() {
		return sseEvent{}, ErrStreamClosed
	}
	ev, err := s.sse.Next()
	if err != nil {
		if s.closed.Load() {
			return sseEvent{}, ErrStreamClosed
		}
		return sseEvent{}, s.readError(err)
	}
	return ev, nil
}

// readError maps a failure to read the stream.
func (s *httpStream) readError(err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.Is(err, errStreamTooLarge):
		return s.fail(s.c.fail(KindBadResponse, s.resp.StatusCode, "upstream_too_large", err))
	case errors.Is(err, errEventTooLarge):
		return s.fail(s.c.fail(KindBadResponse, s.resp.StatusCode, "upstream_bad_response", err))
	}
	e, _ := s.c.transportError(s.ctx, err, true)
	e.Status = s.resp.StatusCode
	return s.fail(e)
}

// fail turns an error after the first chunk into KindBadResponse (but a
// cancellation by the caller stays what it is), stops the stream and
// returns e.
func (s *httpStream) fail(e *Error) error {
	if s.delivered && e.Code != "canceled" && (e.Kind == KindUnavailable || e.Kind == KindRateLimited) {
		e.Kind = KindBadResponse
		if e.Code != "upstream_timeout" {
			e.Code = "upstream_stream_error"
			e.Message = messages[e.Code]
		}
	}
	s.release(false)
	return e
}

// done ends a stream that finished normally: the rest of the body (the
// end of the chunked encoding) is read, briefly, so that the connection
// can be reused.
func (s *httpStream) done() {
	if s.closed.Load() {
		return
	}
	s.idle.resetTo(drainTimeout)
	_, _ = io.CopyN(io.Discard, s.resp.Body, drainAfterDone)
	s.release(false)
}

// release stops the timer, cancels the request and closes the body.
func (s *httpStream) release(byCaller bool) {
	s.once.Do(func() {
		if byCaller {
			s.closed.Store(true)
		}
		s.idle.stop()
		s.cancel(errClosedByCaller)
		_ = s.resp.Body.Close()
	})
	if byCaller {
		s.closed.Store(true)
	}
}

// Close implements ChatStream.
func (s *httpStream) Close() error {
	s.release(true)
	return nil
}
