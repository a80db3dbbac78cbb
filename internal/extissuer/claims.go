package extissuer

import (
	"encoding/json"
	"strconv"
	"strings"
)

// lookup finds a claim by path: first as one top-level name (so
// "cognito:groups" and "https://example.com/roles" work), else split at
// dots and walked through nested objects ("realm_access.roles"), at most
// maxPathDepth levels.
func lookup(claims map[string]any, path string) (any, bool) {
	if v, ok := claims[path]; ok {
		return v, true
	}
	parts := strings.Split(path, ".")
	if len(parts) < 2 || len(parts) > maxPathDepth {
		return nil, false
	}
	var cur any = claims
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// stringClaim returns a claim that must be a non-empty string.
func stringClaim(claims map[string]any, path string) (string, bool) {
	v, ok := lookup(claims, path)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok && s != ""
}

// stringsOf returns the strings of a claim that is a string or a list of
// strings (other list members are ignored).
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// scalarString writes a JSON scalar as JSON would (true, 42, text).
func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// hasRequired reports whether the claims satisfy rc.
func hasRequired(claims map[string]any, rc RequiredClaim) bool {
	v, ok := lookup(claims, rc.Claim)
	if !ok || v == nil {
		return false
	}
	if rc.Equals == "" {
		return true
	}
	if l, ok := v.([]any); ok {
		for _, e := range l {
			if s, ok := scalarString(e); ok && s == rc.Equals {
				return true
			}
		}
		return false
	}
	s, ok := scalarString(v)
	return ok && s == rc.Equals
}

// mapRole returns our role for the claims: the first rule whose value the
// role claim carries, else the default; "" when neither.
func mapRole(claims map[string]any, m RoleMapping) string {
	if m.Claim != "" && len(m.Rules) > 0 {
		if v, ok := lookup(claims, m.Claim); ok {
			have := stringsOf(v)
			for _, r := range m.Rules {
				if contains(have, r.Value) {
					return r.Role
				}
			}
		}
	}
	return m.Default
}

// mapApp returns our app id for the claims, "" when none applies.
func mapApp(claims map[string]any, m AppMapping) string {
	if m.ID != "" {
		return m.ID
	}
	v, ok := stringClaim(claims, m.Claim)
	if !ok {
		return ""
	}
	if len(m.Map) == 0 {
		return v
	}
	return m.Map[v]
}

// scopesOf reads OAuth scopes from "scope" (space-separated, RFC 8693
// §4.2) or "scp" (a list or a string, as Okta and Azure AD write it).
func scopesOf(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch v := claims["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		return stringsOf(v)
	}
	return nil
}
