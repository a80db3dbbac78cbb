package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bulwark-security/bulwark/internal/provider"
)

// Metrics are the gateway's Prometheus metrics, in a registry of their
// own (no global state). Labels are bounded: routes are patterns, not
// paths; apps and models come from the configuration and registrations.
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	decisions    *prometheus.CounterVec
	overhead     prometheus.Histogram
	upstream     *prometheus.CounterVec
	upstreamDur  *prometheus.HistogramVec
	tokensTotal  *prometheus.CounterVec
	auditRefused prometheus.Counter
	guards       *prometheus.CounterVec
}

// NewMetrics creates the metrics and their registry, with Go runtime and
// process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_http_requests_total",
			Help: "HTTP requests by route pattern and status."}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bulwark_http_request_duration_seconds",
			Help: "Time to serve a request, upstream included.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18)}, []string{"route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_decisions_total",
			Help: "Gateway decisions (audit events) by decision and reason."}, []string{"decision", "reason"}),
		overhead: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "bulwark_overhead_seconds",
			Help: "Time an AI call spent in the gateway itself, upstream excluded.", Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16)}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_upstream_requests_total",
			Help: "Calls to AI providers by provider and outcome."}, []string{"provider", "outcome"}),
		upstreamDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bulwark_upstream_duration_seconds",
			Help: "Time waiting for AI providers (to the first byte for streams).", Buckets: prometheus.ExponentialBuckets(0.001, 2, 18)}, []string{"provider"}),
		tokensTotal: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_tokens_total",
			Help: "Tokens used by app, model and kind (prompt or completion)."}, []string{"app", "model", "kind"}),
		auditRefused: prometheus.NewCounter(prometheus.CounterOpts{Name: "bulwark_audit_refused_total",
			Help: "Audit events or reservations the log could not take (requests refused, or denial events not kept)."}),
		guards: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_guard_findings_total",
			Help: "Guard findings by guard and action taken (flag, redact, block)."}, []string{"guard", "action"}),
	}
	reg.MustRegister(m.requests, m.duration, m.decisions, m.overhead, m.upstream, m.upstreamDur, m.tokensTotal, m.auditRefused, m.guards,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for other parts (the audit log) to add
// their metrics to.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *Metrics) observeHTTP(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *Metrics) decision(decision, reason string) {
	m.decisions.WithLabelValues(decision, reason).Inc()
}

func (m *Metrics) observeUpstream(name string, err error, d time.Duration) {
	outcome := "ok"
	var pe *provider.Error
	if errors.As(err, &pe) {
		outcome = pe.Kind.String()
	} else if err != nil {
		outcome = "error"
	}
	m.upstream.WithLabelValues(name, outcome).Inc()
	m.upstreamDur.WithLabelValues(name).Observe(d.Seconds())
}

func (m *Metrics) tokens(app, model string, prompt, completion int64) {
	m.tokensTotal.WithLabelValues(app, model, "prompt").Add(float64(max(prompt, 0)))
	m.tokensTotal.WithLabelValues(app, model, "completion").Add(float64(max(completion, 0)))
}

func (m *Metrics) guardFinding(guard, action string, n int) {
	m.guards.WithLabelValues(guard, action).Add(float64(max(n, 1)))
}
