// Package gateway is `bulwark serve`: the HTTP service a mobile app calls
// instead of an AI provider. Every request goes through one straight line
// of stages — identify (access token) → authorize (app, model, scope) →
// limit (rate, concurrency, budget) → provider → record (audit event,
// metrics) — and each stage either passes the request on or stops it with
// a typed decision that becomes one audit event.
package gateway
