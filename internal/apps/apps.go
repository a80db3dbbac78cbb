// Package apps describes the mobile apps registered with the gateway: which
// models their users may call and with which limits. It is a domain package:
// storage implements its contract elsewhere, the gateway consumes it.
package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// App is a registered mobile app.
type App struct {
	ID   string
	Name string
	// Models are the model names the app's users may call; "*" allows
	// every configured model.
	Models []string
	// Routes are the AI routes the app's users may call: RouteChat,
	// RouteEmbeddings. Empty allows both.
	Routes []string
	// Limits override the gateway's default limits for this app; nil
	// keeps the defaults.
	Limits *Limits
	// Guards override the gateway's guard policy for this app, by guard
	// name (see internal/guard): "injection", "pii", "output_secrets", …
	Guards map[string]GuardRule
	// RouteGuards override Guards on one AI route (RouteChat,
	// RouteEmbeddings): route → guard name → setting.
	RouteGuards map[string]map[string]GuardRule
	// KeepText keeps prompt and answer text in audit events, encrypted
	// under the master key. Off by default: events carry lengths and
	// digests only.
	KeepText bool
	// RequireDPoP refuses the app's bearer tokens: its logins must prove a
	// DPoP key (RFC 9449), and its tokens are bound to it.
	RequireDPoP bool
	// RequireMFA makes the app's AI routes need a login with a second
	// factor (TOTP, a recovery code or a passkey); the routes where a user
	// sets one up stay open.
	RequireMFA bool
	// RedirectURIs are the exact redirect URIs of the app's OAuth 2.0
	// authorization-code flow (RFC 8252: claimed https links or
	// private-use schemes); none disables the flow for the app.
	RedirectURIs []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// The AI routes an app can be allowed.
const (
	RouteChat       = "chat"       // POST /v1/chat/completions
	RouteEmbeddings = "embeddings" // POST /v1/embeddings
)

// AllowsRoute reports whether the app may call an AI route.
func (a App) AllowsRoute(route string) bool {
	return len(a.Routes) == 0 || slices.Contains(a.Routes, route)
}

// ValidateRoutes reports a route that does not exist.
func ValidateRoutes(routes []string) error {
	for _, r := range routes {
		if r != RouteChat && r != RouteEmbeddings {
			return fmt.Errorf("route %q: want %s or %s", r, RouteChat, RouteEmbeddings)
		}
	}
	return nil
}

// Allows reports whether the app may use a model.
func (a App) Allows(model string) bool {
	return slices.Contains(a.Models, "*") || slices.Contains(a.Models, model)
}

// GuardRule sets one guard: an action (off, flag, redact, block) and, for
// the injection guards, a score threshold (0 keeps the default).
type GuardRule struct {
	Action    string  `yaml:"action" json:"action,omitempty"`
	Threshold float64 `yaml:"threshold,omitempty" json:"threshold,omitempty"`
}

// Limits are per-app overrides of the default limits, by subject. A nil
// subject keeps the default of that subject.
type Limits struct {
	User   *ScopeLimits `yaml:"user" json:"user,omitempty"`
	Device *ScopeLimits `yaml:"device" json:"device,omitempty"`
	App    *ScopeLimits `yaml:"app" json:"app,omitempty"`
	// MaxTokens caps a request's max_tokens (0 keeps the default).
	MaxTokens int `yaml:"max_tokens" json:"max_tokens,omitempty"`
	// MaxBodyBytes caps the size of a request body (0 keeps the
	// gateway's limit, which it can only lower).
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes,omitempty"`
}

// Validate reports limits that cannot be used.
func (l Limits) Validate() error {
	for _, s := range []*ScopeLimits{l.User, l.Device, l.App} {
		if s != nil {
			if err := s.Validate(); err != nil {
				return err
			}
		}
	}
	if l.MaxTokens < 0 || l.MaxBodyBytes < 0 {
		return errors.New("limits cannot be negative")
	}
	return nil
}

// ScopeLimits are the limits of one subject (a user, a device, an app).
// Zero means unlimited.
type ScopeLimits struct {
	RequestsPerMinute int   `yaml:"requests_per_minute" json:"requests_per_minute,omitempty"`
	ConcurrentStreams int   `yaml:"concurrent_streams" json:"concurrent_streams,omitempty"`
	TokensPerDay      int64 `yaml:"tokens_per_day" json:"tokens_per_day,omitempty"`
}

// Validate reports negative limits.
func (l ScopeLimits) Validate() error {
	if l.RequestsPerMinute < 0 || l.ConcurrentStreams < 0 || l.TokensPerDay < 0 {
		return errors.New("limits cannot be negative")
	}
	return nil
}

// ValidateID checks an app id: 2 to 64 lower-case letters, digits, '.',
// '-' and '_'.
func ValidateID(id string) error {
	if len(id) < 2 || len(id) > 64 {
		return errors.New("app id: 2 to 64 characters")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return errors.New("app id: lower-case letters, digits, '.', '-' and '_' only")
		}
	}
	return nil
}

// Store keeps apps. Implementations return store.ErrNotFound for an
// unknown id.
type Store interface {
	App(ctx context.Context, id string) (App, error)
	Apps(ctx context.Context) ([]App, error)
	// PutApp creates the app or replaces it, keeping its creation time.
	PutApp(ctx context.Context, a App) error
	DeleteApp(ctx context.Context, id string) error
}
