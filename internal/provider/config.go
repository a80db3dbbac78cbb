package provider

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Provider types, the values of Config.Type.
const (
	TypeOpenAI    = "openai"
	TypeAnthropic = "anthropic"
	TypeDemo      = "demo"
)

// Authentication styles, the values of Config.AuthStyle.
const (
	// AuthBearer sends "Authorization: Bearer KEY" (OpenAI and most
	// OpenAI-compatible servers).
	AuthBearer = "bearer"
	// AuthAPIKey sends "api-key: KEY" (Azure OpenAI).
	AuthAPIKey = "api-key"
	// AuthXAPIKey sends "x-api-key: KEY" (Anthropic).
	AuthXAPIKey = "x-api-key"
	// AuthNone sends no key (a local Ollama or vLLM).
	AuthNone = "none"
)

// Defaults applied by Config.WithDefaults.
const (
	DefaultTimeout           = 60 * time.Second
	DefaultConnectTimeout    = 10 * time.Second
	DefaultStreamIdleTimeout = 60 * time.Second
	DefaultAnthropicVersion  = "2023-06-01"
	// DefaultMaxTokens is the max_tokens sent to Anthropic when neither the
	// request nor the configuration gives one.
	DefaultMaxTokens = 4096
	// MaxRetriesLimit is the largest Config.MaxRetries accepted.
	MaxRetriesLimit = 5

	defaultOpenAIURL    = "https://api.openai.com/v1"
	defaultAnthropicURL = "https://api.anthropic.com"
	modelPlaceholder    = "{model}"
)

// Config describes one upstream provider. Its URL, key and headers come
// only from the gateway's configuration, never from a request.
//
// APIKey is a secret: String, GoString and LogValue redact it, and no
// error of this package contains it.
type Config struct {
	// Name identifies the provider in errors and events.
	Name string
	// Type is TypeOpenAI, TypeAnthropic or TypeDemo.
	Type string
	// BaseURL is the API root: "https://api.openai.com/v1" (requests go
	// to BaseURL+"/chat/completions"), or "https://api.anthropic.com"
	// (requests go to BaseURL+"/v1/messages"). For OpenAI-compatible
	// providers, a "{model}" placeholder in its path is replaced by the
	// request's model, path-escaped (Azure deployments:
	// "https://res.openai.azure.com/openai/deployments/{model}").
	BaseURL string
	// AuthStyle is how APIKey is sent: AuthBearer, AuthAPIKey,
	// AuthXAPIKey or AuthNone. The default is AuthXAPIKey for Anthropic,
	// AuthBearer for OpenAI and AuthNone for the demo.
	AuthStyle string
	// APIKey is the provider's key. When empty, no key header is sent.
	APIKey string
	// Headers are extra static headers sent with every request; they
	// win over the key header of AuthStyle.
	Headers map[string]string
	// Query are extra query parameters (Azure's "api-version").
	Query map[string]string
	// Timeout bounds a whole non-streaming call, retries included.
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connection and the TLS handshake.
	ConnectTimeout time.Duration
	// StreamIdleTimeout bounds the wait for the response headers of a
	// stream and every gap between bytes of the stream.
	StreamIdleTimeout time.Duration
	// MaxRetries is how many times a call that got no answer is retried
	// (0 to MaxRetriesLimit).
	MaxRetries int
	// DefaultMaxTokens is the max_tokens sent to Anthropic, which requires
	// one, when the request has none.
	DefaultMaxTokens int
	// AnthropicVersion is the anthropic-version header.
	AnthropicVersion string
	// ChunkDelay is the demo's pause between streamed words.
	ChunkDelay time.Duration

	// HTTPClient replaces the provider's own client (tests). Redirects
	// are never followed, whatever its CheckRedirect says.
	HTTPClient *http.Client
	// Now is the clock for "created" timestamps; time.Now when nil.
	Now func() time.Time
}

// WithDefaults returns a copy of c with every unset field defaulted.
func (c Config) WithDefaults() Config {
	if c.BaseURL == "" {
		switch c.Type {
		case TypeOpenAI:
			c.BaseURL = defaultOpenAIURL
		case TypeAnthropic:
			c.BaseURL = defaultAnthropicURL
		}
	}
	if c.AuthStyle == "" {
		switch c.Type {
		case TypeAnthropic:
			c.AuthStyle = AuthXAPIKey
		case TypeOpenAI:
			c.AuthStyle = AuthBearer
		default:
			c.AuthStyle = AuthNone
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.StreamIdleTimeout == 0 {
		c.StreamIdleTimeout = DefaultStreamIdleTimeout
	}
	if c.DefaultMaxTokens == 0 {
		c.DefaultMaxTokens = DefaultMaxTokens
	}
	if c.AnthropicVersion == "" {
		c.AnthropicVersion = DefaultAnthropicVersion
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every problem of c, each naming its field. It has no
// side effects and fills no default: call WithDefaults first.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.Name == "" {
		bad("name", "is required")
	}
	switch c.Type {
	case TypeOpenAI, TypeAnthropic:
		if err := checkBaseURL(c.BaseURL, c.Type == TypeOpenAI); err != nil {
			bad("base_url", "%v", err)
		}
	case TypeDemo:
	case "":
		bad("type", "is required (openai, anthropic or demo)")
	default:
		bad("type", "%q is not openai, anthropic or demo", c.Type)
	}
	if !slices.Contains([]string{AuthBearer, AuthAPIKey, AuthXAPIKey, AuthNone}, c.AuthStyle) {
		bad("auth_style", "%q is not bearer, api-key, x-api-key or none", c.AuthStyle)
	}
	if !validHeaderValue(c.APIKey) {
		// Never show the key itself.
		bad("api_key", "contains control characters")
	}
	for _, k := range sortedKeys(c.Headers) {
		if !validHeaderName(k) {
			bad("headers", "%q is not a valid header name", k)
		} else if !validHeaderValue(c.Headers[k]) {
			bad("headers."+k, "contains control characters")
		}
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Content-Type":
			bad("headers", "%q is set by the gateway", k)
		}
	}
	for _, k := range sortedKeys(c.Query) {
		if k == "" {
			bad("query", "empty parameter name")
		}
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"timeout", c.Timeout}, {"connect_timeout", c.ConnectTimeout}, {"stream_idle_timeout", c.StreamIdleTimeout}} {
		if d.v <= 0 {
			bad(d.field, "must be positive")
		}
	}
	if c.ChunkDelay < 0 {
		bad("chunk_delay", "must not be negative")
	}
	if c.MaxRetries < 0 || c.MaxRetries > MaxRetriesLimit {
		bad("max_retries", "must be between 0 and %d", MaxRetriesLimit)
	}
	if c.DefaultMaxTokens < 1 {
		bad("default_max_tokens", "must be at least 1")
	}
	if c.Type == TypeAnthropic && !validHeaderValue(c.AnthropicVersion) {
		bad("anthropic_version", "contains control characters")
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("provider %q: %w", c.Name, err)
	}
	return nil
}

// placeholderSentinel stands for "{model}" while a base URL is checked.
const placeholderSentinel = "bulwarkmodelplaceholder"

func checkBaseURL(raw string, placeholderOK bool) error {
	if raw == "" {
		return errors.New("is required")
	}
	if strings.Contains(raw, modelPlaceholder) && !placeholderOK {
		return errors.New("{model} is only supported by openai providers")
	}
	u, err := url.Parse(strings.ReplaceAll(raw, modelPlaceholder, placeholderSentinel))
	if err != nil {
		return errors.New("is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an http or https URL")
	case u.Host == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("must not carry credentials (use api_key)")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("must not have a fragment")
	case strings.Contains(u.Host, placeholderSentinel) || strings.Contains(u.RawQuery, placeholderSentinel):
		return errors.New("{model} may only appear in the path")
	}
	return nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

const redacted = "[REDACTED]"

// String describes c without its secrets: the key is redacted and only
// the names of headers and query parameters are shown.
func (c Config) String() string {
	key := ""
	if c.APIKey != "" {
		key = redacted
	}
	return fmt.Sprintf("provider.Config{Name:%q Type:%q BaseURL:%q AuthStyle:%q APIKey:%q Headers:%v Query:%v "+
		"Timeout:%v ConnectTimeout:%v StreamIdleTimeout:%v MaxRetries:%d DefaultMaxTokens:%d AnthropicVersion:%q ChunkDelay:%v}",
		c.Name, c.Type, c.BaseURL, c.AuthStyle, key, sortedKeys(c.Headers), sortedKeys(c.Query),
		c.Timeout, c.ConnectTimeout, c.StreamIdleTimeout, c.MaxRetries, c.DefaultMaxTokens, c.AnthropicVersion, c.ChunkDelay)
}

// GoString is String, so that %#v redacts too.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer, without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", c.Name),
		slog.String("type", c.Type),
		slog.String("base_url", c.BaseURL),
		slog.String("auth_style", c.AuthStyle),
		slog.Bool("api_key_set", c.APIKey != ""),
		slog.Any("headers", sortedKeys(c.Headers)),
		slog.Any("query", sortedKeys(c.Query)),
		slog.Duration("timeout", c.Timeout),
		slog.Int("max_retries", c.MaxRetries),
	)
}

// New builds the provider cfg describes, after defaulting and validating
// cfg.
func New(cfg Config) (Provider, error) {
	switch cfg.Type {
	case TypeOpenAI:
		return NewOpenAI(cfg)
	case TypeAnthropic:
		return NewAnthropic(cfg)
	case TypeDemo:
		return NewDemo(cfg)
	}
	return nil, cfg.WithDefaults().Validate()
}

// secrets returns the strings that must never reach an error or a log:
// the key and the values of headers that look like credentials.
func (c Config) secrets() []string {
	var s []string
	if len(c.APIKey) >= 4 {
		s = append(s, c.APIKey)
	}
	for k, v := range c.Headers {
		lk := strings.ToLower(k)
		if len(v) >= 4 && (strings.Contains(lk, "key") || strings.Contains(lk, "auth") ||
			strings.Contains(lk, "token") || strings.Contains(lk, "secret")) {
			s = append(s, v)
		}
	}
	return s
}
