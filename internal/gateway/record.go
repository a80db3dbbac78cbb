package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
)

// fail answers an error and records the decision: the one way a stage
// stops a request.
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, err error, ev audit.Event) {
	ae := writeError(w, r, g.log, err)
	ev.Status = ae.Status
	if ev.Reason == "" {
		ev.Reason = ae.Code
	}
	g.record(r, ev)
}

// record completes an event with what every event carries and writes it
// to the audit log. A refused event is counted and logged: the response
// it belongs to was already decided (requests that must not proceed
// without their event reserve a slot first, see reserveAudit).
func (g *Gateway) record(r *http.Request, ev audit.Event) {
	g.complete(r, &ev)
	g.metrics.decision(ev.Decision, ev.Reason)
	if err := g.audit.Record(context.WithoutCancel(r.Context()), ev); err != nil {
		g.metrics.auditRefused.Inc()
		g.log.Error("audit event not recorded", "request_id", ev.RequestID, "decision", ev.Decision, "err", err)
	}
}

// recordIn writes an event into a slot reserved earlier; it cannot fail.
func (g *Gateway) recordIn(r *http.Request, slot *audit.Slot, ev audit.Event) {
	g.complete(r, &ev)
	g.metrics.decision(ev.Decision, ev.Reason)
	slot.Record(ev)
}

// reserveAudit takes room in the audit log for the event of a request
// about to be served. When the log cannot take it (full, or its database
// is failing), the request is refused: nothing is served unrecorded.
func (g *Gateway) reserveAudit(w http.ResponseWriter, r *http.Request, ev audit.Event) (*audit.Slot, bool) {
	slot, err := g.audit.Reserve(r.Context())
	if err != nil {
		g.metrics.auditRefused.Inc()
		ae := errUnavailable(err)
		ae.Code, ae.Message = "audit_unavailable", "the gateway cannot record this request right now; try again shortly"
		ae.RetryAfter = time.Second
		writeError(w, r, g.log, ae)
		g.metrics.decision(audit.DecisionDenied, "audit_unavailable")
		return nil, false
	}
	return slot, true
}

func (g *Gateway) complete(r *http.Request, ev *audit.Event) {
	now := g.now()
	if ev.Time.IsZero() {
		ev.Time = now.UTC()
	}
	ev.RequestID = requestID(r.Context())
	if ev.Route == "" {
		ev.Route = r.Pattern
	}
	if ev.LatencyMS == 0 {
		if start := requestStart(r.Context()); !start.IsZero() {
			ev.LatencyMS = millis(now.Sub(start))
		}
	}
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
