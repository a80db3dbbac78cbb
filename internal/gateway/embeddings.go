package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/provider"
	"github.com/bulwark-security/bulwark/internal/rbac"
)

// maxEmbeddingInputs bounds the inputs of one embeddings request.
const maxEmbeddingInputs = 2048

// embeddings is POST /v1/embeddings, through the same stages as chat.
func (g *Gateway) embeddings(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	ev := p.event(audit.DecisionDenied, "")
	var req provider.EmbeddingsRequest
	if !g.readRequest(w, r, p, ev, &req) {
		return
	}
	ev.Model = truncate(req.Model, 128)
	if req.Model == "" {
		g.fail(w, r, paramError("model", "model is required"), ev)
		return
	}
	texts, tokenIDs, err := req.Texts()
	if err != nil {
		g.fail(w, r, paramError("input", err.Error()), ev)
		return
	}
	if len(texts) > maxEmbeddingInputs {
		g.fail(w, r, paramError("input", "too many inputs in one request"), ev)
		return
	}
	m, ae := g.resolveModel(p, req.Model, apps.RouteEmbeddings)
	if ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	text := strings.Join(texts, "\n")
	ev.PromptChars, ev.PromptSHA256 = len(text), digest(text)
	promptTokens := int64(provider.EstimateTokens(text) + tokenIDs)
	adm, reason, ae := g.admit(r.Context(), p, demand{promptTokens: promptTokens})
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
	c := &aiCall{p: p, m: m, adm: adm, slot: slot, ev: ev, prompt: text, promptTokens: promptTokens}
	if g.guards != nil && len(texts) > 0 {
		gs, redacted := g.guards.Texts(texts, g.guardPolicy(p, apps.RouteEmbeddings))
		c.guard = gs
		if f, blocked := gs.Blocked(); blocked {
			g.guardEvent(c)
			g.inputBlocked(w, r, c, f)
			return
		}
		if input, err := encodeTexts(req.Input, redacted); err == nil {
			req.Input = input
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.Server.RequestTimeout)
	defer cancel()
	resp, tgt, err := upstreamCall(ctx, g, c, func(prov provider.Provider, upstream string) (*provider.EmbeddingsResponse, error) {
		up := req
		up.Model = upstream
		return prov.Embeddings(ctx, &up)
	})
	c.ev.Provider, c.ev.UpstreamModel, c.ev.Fallback = tgt.provider, tgt.upstream, tgt.fallback
	if err != nil {
		_ = adm.settle(ctx, 0)
		g.upstreamFailed(w, r, c, err)
		return
	}
	resp.Model = req.Model
	used, estimated := promptTokens, true
	if resp.Usage != nil {
		used, estimated = int64(resp.Usage.PromptTokens), false
	}
	g.answer(w, r, c, tgt, resp, "", used, 0, estimated)
}

// modelObject is an entry of GET /v1/models.
type modelObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// listModels is GET /v1/models: only the models the caller's app may use.
func (g *Gateway) listModels(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if ae := g.authorize(p, rbac.Route(rbac.RouteModels), errForbidden("route_not_allowed", "your role may not list models")); ae != nil {
		g.fail(w, r, ae, p.event(audit.DecisionDenied, rbacReason(ae)))
		return
	}
	data := []modelObject{}
	sub := p.subject()
	for _, name := range g.order {
		if p.App.Allows(name) && g.rbac.Authorize(sub, rbac.Model(name)).Allowed {
			data = append(data, modelObject{ID: name, Object: "model", OwnedBy: "bulwark"})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

// getModel is GET /v1/models/{model}.
func (g *Gateway) getModel(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	name := r.PathValue("model")
	if _, ok := g.models[name]; !ok || !p.App.Allows(name) || !g.rbac.Authorize(p.subject(), rbac.Model(name)).Allowed {
		writeError(w, r, g.log, errNotFound("model_not_found", "the model does not exist or this app may not use it"))
		return
	}
	writeJSON(w, http.StatusOK, modelObject{ID: name, Object: "model", OwnedBy: "bulwark"})
}

// encodeTexts writes redacted embedding inputs back in the shape they came
// in: one string, or a list of strings.
func encodeTexts(orig json.RawMessage, texts []string) (json.RawMessage, error) {
	if t := bytes.TrimSpace(orig); len(t) > 0 && t[0] == '"' && len(texts) == 1 {
		return provider.Marshal(texts[0])
	}
	return provider.Marshal(texts)
}
