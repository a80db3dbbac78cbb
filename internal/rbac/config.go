package rbac

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config declares the roles of a gateway beyond the built-in ones (the
// rbac section of bulwark.yaml). It is decoded strictly by ParseConfig
// and checked by Validate, whose errors name their field.
type Config struct {
	Roles []Role `yaml:"roles" json:"roles"`
}

// Role is a named set of grants. A role may include other roles: it then
// has their grants too (never less), and their token budget unless it sets
// its own.
type Role struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Includes    []string `yaml:"includes,omitempty" json:"includes,omitempty"`
	Grants      []Grant  `yaml:"grants,omitempty" json:"grants,omitempty"`
	// TokensPerDay caps the tokens a user of this role may use in a UTC
	// day, across apps; 0 is no cap, unset inherits the largest cap of
	// the included roles. Where an app also caps its users, the stricter
	// of the two applies.
	TokensPerDay *int64 `yaml:"tokens_per_day,omitempty" json:"tokens_per_day,omitempty"`
}

// Grant gives permissions, optionally only to subjects that passed a
// step-up: multi-factor authentication, or an authentication recent
// enough.
type Grant struct {
	// Routes: RouteChat, RouteEmbeddings, RouteModels, RouteAdmin.
	Routes []string `yaml:"routes,omitempty" json:"routes,omitempty"`
	// Models: a model name, "*" for every model, or a prefix ending in
	// "*" ("gpt-4o*").
	Models []string `yaml:"models,omitempty" json:"models,omitempty"`
	// Admin: admin actions (ActionAppsRead…), "area.*" for every action
	// of an area ("apps.*"), or "*" for every admin action.
	Admin []string `yaml:"admin,omitempty" json:"admin,omitempty"`
	// RequireMFA grants only to subjects authenticated with a second
	// factor.
	RequireMFA bool `yaml:"require_mfa,omitempty" json:"require_mfa,omitempty"`
	// MaxAuthAge grants only to subjects whose last authentication is at
	// most this old (0: any age).
	MaxAuthAge time.Duration `yaml:"max_auth_age,omitempty" json:"max_auth_age,omitempty"`
}

// Bounds of a configuration: decoding and compiling it take time and
// memory in proportion to them.
const (
	MaxConfigBytes  = 1 << 20
	MaxRoles        = 256
	MaxIncludes     = 16
	MaxIncludeDepth = 16
	MaxGrants       = 64
	MaxGrantItems   = 256
	MaxNameLen      = 64
	MaxModelLen     = 128
	MaxDescLen      = 256
	MaxAuthAgeLimit = 7 * 24 * time.Hour
	MaxTokensPerDay = int64(1) << 50
)

// ErrInvalidConfig marks a configuration (or a role) that cannot be used;
// the error also holds a FieldError per problem.
var ErrInvalidConfig = errors.New("invalid rbac configuration")

// FieldError is one problem of a configuration, at a field path relative
// to the rbac section ("roles[2].grants[0].models[1]").
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// FieldErrors returns the FieldErrors held by err (as Validate returns
// them), in order.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		var fe *FieldError
		if errors.As(err, &fe) && fe == err {
			out = append(out, fe)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// ParseConfig decodes a YAML configuration strictly: unknown keys and
// documents of more than MaxConfigBytes are errors. It does not validate.
func ParseConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return Config{}, fmt.Errorf("read rbac config: %w", err)
	}
	if len(data) > MaxConfigBytes {
		return Config{}, fmt.Errorf("rbac config: larger than %d bytes", MaxConfigBytes)
	}
	var c Config
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("decode rbac config: %w", err)
	}
	return c, nil
}

// Validate checks the configuration together with the built-in roles:
// names, references, cycles of includes, and every permission name. It
// has no side effects. The error wraps ErrInvalidConfig and a FieldError
// per problem.
func (c Config) Validate() error {
	_, err := compile(c.Roles, nil)
	return err
}

// validName reports whether s is a role name: 1 to MaxNameLen lower-case
// letters, digits, '-', '_' and '.', starting with a letter.
func validName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

// modelPattern checks a model pattern and returns it without its '*' and
// whether it is a prefix ("" and true for "*").
func modelPattern(s string) (prefix string, isPrefix bool, problem string) {
	if s == "" {
		return "", false, "empty model name"
	}
	if len(s) > MaxModelLen {
		return "", false, fmt.Sprintf("longer than %d characters", MaxModelLen)
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b == '*' {
			if i != len(s)-1 {
				return "", false, fmt.Sprintf("%q: '*' may only end a model pattern", s)
			}
			return s[:i], true, ""
		}
		if b <= ' ' || b >= 0x7f {
			return "", false, fmt.Sprintf("%q: spaces, control and non-ASCII characters are not allowed", s)
		}
	}
	return s, false, ""
}
