package detect

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// classifyJWT demotes a JSON Web Token whose claims mark it as a public,
// anonymous key (a Supabase "anon" key is meant to ship in the app) and
// names the issuer when the claims say it. It only decodes the payload to
// read claims; it never trusts or verifies the token.
func classifyJWT(m Match) Match {
	parts := strings.Split(m.Secret, ".")
	if len(parts) != 3 || len(parts[1]) > 8192 {
		return m
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return m
	}
	var claims struct {
		Role string `json:"role"`
		Iss  string `json:"iss"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return m
	}
	if claims.Iss == "supabase" || strings.Contains(claims.Iss, "supabase") {
		m.Provider = "Supabase"
	}
	switch claims.Role {
	case "anon", "anonymous", "public":
		m.Category = CategoryPublicKey
	case "service_role":
		m.Provider = "Supabase service role"
	}
	return m
}
