package audit

import "time"

// Decisions. An Event's Decision is one of these.
const (
	DecisionAllowed       = "allowed"        // an AI call went upstream and was answered
	DecisionDenied        = "denied"         // refused before upstream: authentication, authorization, bad request
	DecisionLimited       = "limited"        // refused by a rate, concurrency or budget limit
	DecisionBlocked       = "blocked"        // refused by a guard: the prompt, or the answer, was not passed on
	DecisionUpstreamError = "upstream_error" // the provider failed
	DecisionCancelled     = "cancelled"      // the client went away before the answer ended
	DecisionLogin         = "login"
	DecisionLoginFailed   = "login_failed"
	DecisionRefresh       = "refresh"
	DecisionRefreshFailed = "refresh_failed"
	DecisionRefreshReuse  = "refresh_reuse" // a spent refresh token was presented: its session is revoked
	DecisionLogout        = "logout"
	DecisionRevoke        = "revoke"
	DecisionAdmin         = "admin" // an administrative change
)

// Event is one decision. It never carries prompt or answer text in clear:
// lengths and SHA-256 digests only, and, for apps that opted in, the text
// sealed under the master key (TextSealed).
type Event struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id,omitempty"`
	Decision  string    `json:"decision"`
	// Reason is a short machine-readable cause ("invalid_token",
	// "rate_limited_user", "budget_exhausted_app", "upstream_timeout").
	Reason string `json:"reason,omitempty"`
	// Status is the HTTP status the gateway answered.
	Status int `json:"status,omitempty"`

	App     string `json:"app,omitempty"`
	User    string `json:"user,omitempty"`
	Device  string `json:"device,omitempty"`
	Session string `json:"session,omitempty"`
	IP      string `json:"ip,omitempty"`
	Route   string `json:"route,omitempty"`

	Model          string `json:"model,omitempty"`
	Provider       string `json:"provider,omitempty"`
	UpstreamModel  string `json:"upstream_model,omitempty"`
	UpstreamStatus int    `json:"upstream_status,omitempty"`
	Fallback       bool   `json:"fallback,omitempty"`
	Stream         bool   `json:"stream,omitempty"`

	PromptTokens     int  `json:"prompt_tokens,omitempty"`
	CompletionTokens int  `json:"completion_tokens,omitempty"`
	TokensEstimated  bool `json:"tokens_estimated,omitempty"`

	LatencyMS  float64 `json:"latency_ms,omitempty"`
	UpstreamMS float64 `json:"upstream_ms,omitempty"`
	OverheadMS float64 `json:"overhead_ms,omitempty"`

	PromptChars  int    `json:"prompt_chars,omitempty"`
	PromptSHA256 string `json:"prompt_sha256,omitempty"`
	AnswerChars  int    `json:"answer_chars,omitempty"`
	AnswerSHA256 string `json:"answer_sha256,omitempty"`
	// TextSealed is {"prompt": …, "answer": …} sealed with the master key
	// (aad "audit-text:<request id>"), only for apps with keep_text.
	TextSealed []byte `json:"text_sealed,omitempty"`

	// Guards are the guard decisions of the call: which guard, which rule,
	// how sure, what was done; never the text that matched.
	Guards []GuardFinding `json:"guards,omitempty"`

	// Actor and Target describe administrative changes: who (a user id)
	// did what (Reason) to what ("app:demo-app", "session:ses_…").
	Actor  string `json:"actor,omitempty"`
	Target string `json:"target,omitempty"`
}

// GuardFinding is one guard decision in an event.
type GuardFinding struct {
	Guard  string  `json:"guard"`           // injection, indirect_injection, pii, secrets, output_pii, output_secrets, system_prompt_leak
	Rule   string  `json:"rule"`            // signature, recognizer or detector id; "classifier", "canary", "verbatim"
	Score  float64 `json:"score,omitempty"` // 0..1
	Action string  `json:"action"`          // flag, redact, block
	Count  int     `json:"count,omitempty"` // occurrences in the call
}
