package rbac

import (
	"strconv"
	"strings"
)

// ACRMFA is the authentication context class a step-up challenge asks for
// when a grant requires multi-factor authentication.
const ACRMFA = "urn:bulwark:acr:mfa"

// Challenge returns the WWW-Authenticate value of a step-up challenge for
// the requirement (RFC 9470 §3): the insufficient_user_authentication
// error, acr_values when it requires MFA, and max_age in seconds when it
// requires a recent authentication. The gateway sends it with 401.
func (r Requirement) Challenge() string {
	var b strings.Builder
	b.WriteString(`Bearer error="insufficient_user_authentication"`)
	switch {
	case r.MFA && r.MaxAuthAge > 0:
		b.WriteString(`, error_description="a recent multi-factor authentication is required"`)
	case r.MFA:
		b.WriteString(`, error_description="multi-factor authentication is required"`)
	default:
		b.WriteString(`, error_description="a more recent authentication is required"`)
	}
	if r.MFA {
		b.WriteString(`, acr_values="` + ACRMFA + `"`)
	}
	if r.MaxAuthAge > 0 {
		// Whole seconds, rounded down, so that the client re-authenticates
		// no later than the policy demands.
		b.WriteString(", max_age=" + strconv.FormatInt(int64(r.MaxAuthAge.Seconds()), 10))
	}
	return b.String()
}
