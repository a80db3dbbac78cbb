package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/guard"
	"github.com/bulwark-security/bulwark/internal/provider"
	"github.com/bulwark-security/bulwark/internal/rbac"
)

// Bounds of a chat request that the gateway enforces itself.
const (
	maxMessages = 2048
	maxChoices  = 8
)

// OverheadHeader carries the time a response spent in the gateway itself,
// upstream excluded, in milliseconds.
const OverheadHeader = "X-Bulwark-Overhead-Ms"

// readBody reads a JSON request body within the principal's limit.
func (g *Gateway) readBody(r *http.Request, max int64) ([]byte, *apiError) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, &apiError{Status: http.StatusUnsupportedMediaType, Type: "invalid_request_error", Code: "unsupported_media_type",
				Message: "Content-Type must be application/json"}
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || int64(len(body)) > max:
		return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Code: "request_too_large",
			Message: fmt.Sprintf("request body exceeds %d bytes", max)}
	case err != nil:
		return nil, errBadRequest("unreadable_body", "the request body could not be read")
	case len(body) == 0:
		return nil, errBadRequest("invalid_json", "the request body is empty; send a JSON object")
	}
	return body, nil
}

// readRequest reads and decodes the body of an AI call into req; when it
// cannot, it answers and records the refusal and returns false.
func (g *Gateway) readRequest(w http.ResponseWriter, r *http.Request, p *principal, ev audit.Event, req json.Unmarshaler) bool {
	body, ae := g.readBody(r, g.maxBody(p))
	if ae == nil {
		ae = decodeBody(body, req)
	}
	if ae != nil {
		g.fail(w, r, ae, ev)
		return false
	}
	return true
}

// decodeBody decodes a request body into one of the wire types, whose
// decoders validate as they go (one pass over the body).
func decodeBody(body []byte, v json.Unmarshaler) *apiError {
	if err := v.UnmarshalJSON(body); err != nil {
		return errBadRequest("invalid_json", "request body is not valid for this endpoint: "+wireProblem(err))
	}
	return nil
}

// wireProblem describes a decoding error without echoing input values.
func wireProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "JSON syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "a value"
		}
		return field + " has the wrong type (want " + te.Type.String() + ")"
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if len(msg) > 160 {
		msg = msg[:160]
	}
	return msg
}

// validateChat checks what the gateway relies on; everything else is the
// provider's to judge.
func validateChat(req *provider.ChatRequest) *apiError {
	if req.Model == "" {
		return paramError("model", "model is required")
	}
	if len(req.Messages) == 0 {
		return paramError("messages", "messages must hold at least one message")
	}
	if len(req.Messages) > maxMessages {
		return paramError("messages", fmt.Sprintf("at most %d messages", maxMessages))
	}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function":
		default:
			return paramError(fmt.Sprintf("messages[%d].role", i), "role must be system, developer, user, assistant or tool")
		}
	}
	if req.N != nil && (*req.N < 1 || *req.N > maxChoices) {
		return paramError("n", fmt.Sprintf("n must be between 1 and %d", maxChoices))
	}
	for _, p := range []struct {
		name string
		v    *int
	}{{"max_tokens", req.MaxTokens}, {"max_completion_tokens", req.MaxCompletionTokens}} {
		if p.v != nil && *p.v < 1 {
			return paramError(p.name, p.name+" must be at least 1")
		}
	}
	return nil
}

func paramError(param, msg string) *apiError {
	ae := errBadRequest("invalid_request", msg)
	ae.Param = param
	return ae
}

// resolveModel is the authorize stage for a model: configured, of the
// right kind, and allowed to the app. Unknown and forbidden models get
// the same answer, so an app cannot probe what others may use.
func (g *Gateway) resolveModel(p *principal, name, kind string) (ModelConfig, *apiError) {
	if !p.App.AllowsRoute(kind) {
		return ModelConfig{}, errForbidden("route_not_allowed", "this app may not call this endpoint")
	}
	if ae := g.authorize(p, rbac.Route(kind), errForbidden("route_not_allowed", "your role may not call this endpoint")); ae != nil {
		return ModelConfig{}, ae
	}
	m, ok := g.models[name]
	notFound := errNotFound("model_not_found", fmt.Sprintf("the model %q does not exist or this app may not use it", truncate(name, 64)))
	notFound.Param = "model"
	if !ok || m.Kind != kind || !p.App.Allows(name) {
		return ModelConfig{}, notFound
	}
	if ae := g.authorize(p, rbac.Model(name), notFound); ae != nil {
		return ModelConfig{}, ae
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// promptText is what a chat request says, for digests, token estimates
// and kept text: every message's content and tool-call arguments, and
// the tool definitions.
func promptText(req *provider.ChatRequest) string {
	var b strings.Builder
	for _, m := range req.Messages {
		b.WriteString(m.Role)
		b.WriteString(": ")
		b.WriteString(m.Content.String())
		for _, tc := range m.ToolCalls {
			b.WriteString(tc.Function.Name)
			b.WriteString(tc.Function.Arguments)
		}
		b.WriteByte('\n')
	}
	for _, t := range req.Tools {
		b.WriteString(t.Function.Name)
		b.WriteString(t.Function.Description)
		b.Write(t.Function.Parameters)
	}
	return b.String()
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// chatCompletions is POST /v1/chat/completions: decode, authorize the
// model, admit under the limits, reserve the audit event, then call the
// provider (streamed or not) and settle the budget with what was used.
func (g *Gateway) chatCompletions(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	ev := p.event(audit.DecisionDenied, "")
	var req provider.ChatRequest
	if !g.readRequest(w, r, p, ev, &req) {
		return
	}
	ev.Model, ev.Stream = truncate(req.Model, 128), req.Stream
	if ae := validateChat(&req); ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	m, ae := g.resolveModel(p, req.Model, apps.RouteChat)
	if ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	limitTokens := g.maxTokens(p)
	if m.MaxTokens > 0 {
		limitTokens = min(limitTokens, m.MaxTokens)
	}
	requested := limitTokens
	for _, v := range []*int{req.MaxCompletionTokens, req.MaxTokens} {
		if v != nil {
			requested = *v
			break
		}
	}
	if requested > limitTokens {
		g.fail(w, r, paramError("max_tokens", fmt.Sprintf("max_tokens %d exceeds the limit of %d for this app and model", requested, limitTokens)), ev)
		return
	}
	n := 1
	if req.N != nil {
		n = *req.N
	}
	prompt := promptText(&req)
	ev.PromptChars, ev.PromptSHA256 = len(prompt), digest(prompt)
	promptTokens := int64(provider.EstimateTokens(prompt))
	adm, reason, ae := g.admit(r.Context(), p, demand{stream: req.Stream, promptTokens: promptTokens,
		completionWant: int64(requested * n), completionMin: int64(n)})
	if ae != nil {
		ev.Decision, ev.Reason = decisionOfLimit(ae), reason
		g.fail(w, r, ae, ev)
		return
	}
	defer adm.release()
	slot, ok := g.reserveAudit(w, r, ev)
	if !ok {
		_ = adm.settle(r.Context(), 0)
		return
	}
	call := &aiCall{p: p, m: m, req: &req, adm: adm, slot: slot, ev: ev, prompt: prompt, promptTokens: promptTokens}
	if g.guards != nil {
		call.guard = g.guards.Chat(&req, g.guardPolicy(p, apps.RouteChat))
		if f, blocked := call.guard.Blocked(); blocked {
			g.guardEvent(call)
			g.inputBlocked(w, r, call, f)
			return
		}
	}
	// The upstream may produce what the budgets granted, and no more.
	perChoice := int(adm.completion) / n
	setMaxTokens(&req, m, min(perChoice, requested))
	if req.Stream {
		g.streamChat(w, r, call)
		return
	}
	g.completeChat(w, r, call)
}

// decisionOfLimit tells a limit refusal (429) from a failing limiter.
func decisionOfLimit(ae *apiError) string {
	if ae.Status == http.StatusTooManyRequests {
		return audit.DecisionLimited
	}
	return audit.DecisionDenied
}

// setMaxTokens writes the completion cap into the request, in the field
// the client used, else the one the model is configured for.
func setMaxTokens(req *provider.ChatRequest, m ModelConfig, n int) {
	switch {
	case req.MaxCompletionTokens != nil:
		req.MaxCompletionTokens = &n
		req.MaxTokens = nil
	case m.MaxTokensParam == "max_completion_tokens":
		req.MaxCompletionTokens = &n
		req.MaxTokens = nil
	default:
		req.MaxTokens = &n
	}
}

// aiCall is one admitted AI call (chat or embeddings) on its way upstream.
type aiCall struct {
	p            *principal
	m            ModelConfig
	req          *provider.ChatRequest
	adm          *admission
	slot         *audit.Slot
	ev           audit.Event
	prompt       string
	promptTokens int64
	upstream     time.Duration
	guard        *guard.Session // nil when no guard runs
}

// target is one provider model a configured model can be served by.
type target struct {
	provider, upstream string
	fallback           bool
}

func targets(m ModelConfig) []target {
	t := []target{{provider: m.Provider, upstream: m.Upstream}}
	if m.Fallback != nil {
		t = append(t, target{provider: m.Fallback.Provider, upstream: m.Fallback.Upstream, fallback: true})
	}
	return t
}

// upstreamCall runs fn against each target in turn, moving to the
// fallback only when the first did not answer or was rate limited.
func upstreamCall[T any](ctx context.Context, g *Gateway, c *aiCall, fn func(provider.Provider, string) (T, error)) (T, target, error) {
	var zero T
	var err error
	var tgt target
	for _, tgt = range targets(c.m) {
		prov, ok := g.provider(tgt.provider)
		if !ok {
			err = fmt.Errorf("provider %s is not configured", tgt.provider)
			continue
		}
		start := g.now()
		var out T
		out, err = fn(prov, tgt.upstream)
		d := g.now().Sub(start)
		c.upstream += d
		g.metrics.observeUpstream(tgt.provider, err, d)
		if err == nil {
			return out, tgt, nil
		}
		if !provider.CanFallBack(err) {
			break
		}
	}
	return zero, tgt, err
}

// completeChat serves a non-streamed chat completion.
func (g *Gateway) completeChat(w http.ResponseWriter, r *http.Request, c *aiCall) {
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.Server.RequestTimeout)
	defer cancel()
	alias := c.req.Model
	resp, tgt, err := upstreamCall(ctx, g, c, func(prov provider.Provider, upstream string) (*provider.ChatCompletion, error) {
		req := *c.req
		req.Model = upstream
		return prov.Chat(ctx, &req)
	})
	c.ev.Provider, c.ev.UpstreamModel, c.ev.Fallback = tgt.provider, tgt.upstream, tgt.fallback
	if err != nil {
		_ = c.adm.settle(ctx, 0)
		g.upstreamFailed(w, r, c, err)
		return
	}
	resp.Model = alias
	if c.guard != nil {
		guardAnswer(c.guard, resp)
	}
	answer := resp.Text()
	prompt, completion, estimated := c.promptTokens, int64(provider.EstimateTokens(answer)), true
	if resp.Usage != nil {
		prompt, completion, estimated = int64(resp.Usage.PromptTokens), int64(resp.Usage.CompletionTokens), false
	}
	g.answer(w, r, c, tgt, resp, answer, prompt, completion, estimated)
}

// answer settles the budget with what a non-streamed call used, writes the
// provider's answer and records the call.
func (g *Gateway) answer(w http.ResponseWriter, r *http.Request, c *aiCall, tgt target, resp any, answer string, prompt, completion int64, estimated bool) {
	if err := c.adm.settle(r.Context(), prompt+completion); err != nil {
		g.log.Error("budget commit", "request_id", requestID(r.Context()), "err", err)
	}
	body, err := provider.Marshal(resp)
	if err != nil {
		g.upstreamFailed(w, r, c, &provider.Error{Provider: tgt.provider, Kind: provider.KindBadResponse, Cause: err})
		return
	}
	g.setOverhead(w, r, c.upstream)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	c.ev.Decision, c.ev.Status, c.ev.UpstreamStatus = audit.DecisionAllowed, http.StatusOK, http.StatusOK
	g.finishCall(r, c, answer, prompt, completion, estimated)
}

// finishCall completes and records the event of a served AI call.
func (g *Gateway) finishCall(r *http.Request, c *aiCall, answer string, prompt, completion int64, estimated bool) {
	g.guardEvent(c)
	ev := &c.ev
	ev.PromptTokens, ev.CompletionTokens, ev.TokensEstimated = int(prompt), int(completion), estimated
	ev.AnswerChars, ev.AnswerSHA256 = len(answer), digest(answer)
	ev.UpstreamMS = millis(c.upstream)
	total := g.now().Sub(requestStart(r.Context()))
	ev.LatencyMS, ev.OverheadMS = millis(total), millis(max(total-c.upstream, 0))
	if c.p.App.KeepText {
		g.sealText(r, ev, c.prompt, answer)
	}
	g.metrics.tokens(c.p.Claims.App, c.m.Name, prompt, completion)
	g.metrics.overhead.Observe(ev.OverheadMS / 1000)
	g.recordIn(r, c.slot, *ev)
}

// sealText keeps prompt and answer in the event, sealed under the master
// key, for apps that opted in.
func (g *Gateway) sealText(r *http.Request, ev *audit.Event, prompt, answer string) {
	text, _ := json.Marshal(map[string]string{"prompt": prompt, "answer": answer})
	sealed, err := g.keyring.Seal(text, "audit-text:"+requestID(r.Context()))
	if err != nil {
		g.log.Error("seal audit text", "request_id", requestID(r.Context()), "err", err)
		return
	}
	ev.TextSealed = sealed
}

// setOverhead sets the overhead header: the time since the request
// arrived, minus the time spent waiting for the provider.
func (g *Gateway) setOverhead(w http.ResponseWriter, r *http.Request, upstream time.Duration) {
	d := max(g.now().Sub(requestStart(r.Context()))-upstream, 0)
	w.Header().Set(OverheadHeader, strconv.FormatFloat(millis(d), 'f', 3, 64))
}

// upstreamFailed answers a provider failure and records it.
func (g *Gateway) upstreamFailed(w http.ResponseWriter, r *http.Request, c *aiCall, err error) {
	ae := upstreamError(r.Context(), err)
	writeError(w, r, g.log, ae)
	c.ev.Decision, c.ev.Reason, c.ev.Status = audit.DecisionUpstreamError, ae.Code, ae.Status
	var pe *provider.Error
	if errors.As(err, &pe) {
		c.ev.UpstreamStatus = pe.Status
	}
	if r.Context().Err() != nil {
		c.ev.Decision, c.ev.Reason = audit.DecisionCancelled, "client_disconnected"
	}
	c.ev.UpstreamMS = millis(c.upstream)
	g.guardEvent(c)
	g.recordIn(r, c.slot, c.ev)
}

// upstreamError maps a provider failure to what the app is told: our
// words, never the provider's (which can echo keys or internals).
func upstreamError(ctx context.Context, err error) *apiError {
	var pe *provider.Error
	if !errors.As(err, &pe) {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded {
			return &apiError{Status: http.StatusGatewayTimeout, Type: "server_error", Code: "upstream_timeout", Message: "the AI provider did not answer in time", Cause: err}
		}
		return &apiError{Status: http.StatusBadGateway, Type: "server_error", Code: "upstream_unavailable", Message: "the AI provider is unavailable", Cause: err}
	}
	code := pe.Code
	switch pe.Kind {
	case provider.KindInvalidRequest:
		msg := pe.Message
		if msg == "" {
			msg = "the AI provider rejected the request"
		}
		return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: nonEmpty(code, "upstream_rejected"), Message: msg, Cause: err}
	case provider.KindUnsupported:
		msg := pe.Message
		if msg == "" {
			msg = "the provider of this model does not support this request"
		}
		return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: nonEmpty(code, "unsupported"), Message: msg, Cause: err}
	case provider.KindRateLimited:
		return &apiError{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "upstream_rate_limited",
			Message: "the AI provider is rate limiting the gateway; try again shortly", RetryAfter: max(pe.RetryAfter, time.Second), Cause: err}
	case provider.KindAuth:
		return &apiError{Status: http.StatusBadGateway, Type: "server_error", Code: "upstream_auth",
			Message: "the gateway's credentials for the AI provider were refused; an administrator must fix them", Cause: err}
	case provider.KindBadResponse:
		return &apiError{Status: http.StatusBadGateway, Type: "server_error", Code: "upstream_bad_response", Message: "the AI provider sent an invalid answer", Cause: err}
	}
	if code == "upstream_timeout" || errors.Is(err, context.DeadlineExceeded) {
		return &apiError{Status: http.StatusGatewayTimeout, Type: "server_error", Code: "upstream_timeout", Message: "the AI provider did not answer in time", Cause: err}
	}
	return &apiError{Status: http.StatusBadGateway, Type: "server_error", Code: "upstream_unavailable", Message: "the AI provider is unavailable", Cause: err}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
