package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
)

// adminQueryAudit is GET /admin/v1/audit: events newest first, filtered by
// since/until (RFC 3339 or a duration ago, like 1h), app, user, decision,
// request_id, paged with before (a seq) and limit.
func (g *Gateway) adminQueryAudit(w http.ResponseWriter, r *http.Request) {
	if g.auditRd == nil {
		writeError(w, r, g.log, &apiError{Status: http.StatusNotImplemented, Type: "server_error", Code: "not_implemented", Message: "audit queries are not available"})
		return
	}
	q := r.URL.Query()
	f := audit.Filter{App: q.Get("app"), User: q.Get("user"), Decision: q.Get("decision"), RequestID: q.Get("request_id"), Newest: true}
	var err error
	if f.Since, err = parseWhen(q.Get("since"), g.now()); err != nil {
		writeError(w, r, g.log, paramError("since", err.Error()))
		return
	}
	if f.Until, err = parseWhen(q.Get("until"), g.now()); err != nil {
		writeError(w, r, g.log, paramError("until", err.Error()))
		return
	}
	for _, p := range []struct {
		name string
		dst  any
	}{{"limit", &f.Limit}, {"before", &f.BeforeSeq}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, r, g.log, paramError(p.name, p.name+" must be a non-negative integer"))
			return
		}
		switch d := p.dst.(type) {
		case *int:
			*d = int(min(n, audit.MaxQueryLimit))
		case *int64:
			*d = n
		}
	}
	recs, err := g.auditRd.Query(r.Context(), f)
	if err != nil {
		writeError(w, r, g.log, errUnavailable(err))
		return
	}
	if recs == nil {
		recs = []audit.Record{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": recs})
}

// parseWhen reads a time as RFC 3339 or as a duration before now.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-12-01T10:00:00Z) or a duration ago (90m)", strings.TrimSpace(s))
	}
	return t, nil
}

// adminVerifyAudit is GET /admin/v1/audit/verify: the whole chain checked
// against the signing keys the master key can open.
func (g *Gateway) adminVerifyAudit(w http.ResponseWriter, r *http.Request) {
	if g.auditRd == nil {
		writeError(w, r, g.log, &apiError{Status: http.StatusNotImplemented, Type: "server_error", Code: "not_implemented", Message: "audit verification is not available"})
		return
	}
	rep, err := g.auditRd.Verify(r.Context())
	if err != nil {
		writeError(w, r, g.log, errUnavailable(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": rep.OK(), "report": rep})
}
