package mfa

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RoleAdmin is the administrator role, the same string as
// identity.RoleAdmin.
const RoleAdmin = "admin"

// Required reports whether a login of an account with role needs a second
// factor: always for administrators, and for everyone when the app asks
// for it.
func Required(role string, appRequiresMFA bool) bool {
	return role == RoleAdmin || appRequiresMFA
}

// Authentication method reference values for the amr claim, from the IANA
// registry of RFC 8176 §2.
const (
	AMRPassword = "pwd" // password
	AMROTP      = "otp" // one-time password (RFC 4226, RFC 6238)
	AMRMFA      = "mfa" // multiple-factor authentication
	AMRHardware = "hwk" // proof of possession of a hardware-secured key (a passkey)
)

// ACRMFA is the authentication context class a token carries in acr, and
// a step-up challenge asks for in acr_values, when a second factor was
// proven. It is this deployment's value (RFC 9470 leaves acr values to the
// authorization server).
const ACRMFA = "mfa"

// AMR returns the amr claim of a login whose first factor was first (for
// example AMRPassword) and whose second was this proof: a TOTP code adds
// "otp", and either adds "mfa". RFC 8176 registers no value for recovery
// codes, and "otp" is tied to RFC 4226/6238 codes, so a recovery code adds
// only "mfa": a requirement for "otp" is not met by one.
func (p Proof) AMR(first ...string) []string {
	out := slices.Clone(first)
	if p.Method == MethodTOTP {
		out = append(out, AMROTP)
	}
	if p.Method == MethodTOTP || p.Method == MethodRecovery {
		out = append(out, AMRMFA)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ACR returns the acr claim for a token with amr: ACRMFA when it holds
// "mfa", empty otherwise.
func ACR(amr []string) string {
	if slices.Contains(amr, AMRMFA) {
		return ACRMFA
	}
	return ""
}

// Requirement is what an operation asks of the token's authentication.
type Requirement struct {
	// Methods are amr values that must all be present; empty means
	// {"mfa"}.
	Methods []string
	// MaxAge is how long ago the authentication may have been (auth_time);
	// zero means no limit.
	MaxAge time.Duration
}

// authTimeSkew tolerates an auth_time slightly in the future, from a
// gateway node whose clock runs ahead.
const authTimeSkew = time.Minute

// CheckStepUp reports whether a token's amr and auth_time satisfy req at
// now. It returns nil or a *StepUpError saying what is missing.
func CheckStepUp(amr []string, authTime time.Time, req Requirement, now time.Time) error {
	methods := req.Methods
	if len(methods) == 0 {
		methods = []string{AMRMFA}
	}
	for _, m := range methods {
		if !slices.Contains(amr, m) {
			return &StepUpError{Methods: methods, MaxAge: req.MaxAge, Reason: "missing authentication method " + strconv.Quote(m)}
		}
	}
	if req.MaxAge > 0 {
		switch {
		case authTime.IsZero():
			return &StepUpError{Methods: methods, MaxAge: req.MaxAge, Reason: "no auth_time"}
		case authTime.After(now.Add(authTimeSkew)):
			return &StepUpError{Methods: methods, MaxAge: req.MaxAge, Reason: "auth_time in the future"}
		case now.Sub(authTime) > req.MaxAge:
			return &StepUpError{Methods: methods, MaxAge: req.MaxAge, Reason: "authentication too old"}
		}
	}
	return nil
}

// StepUpError is a token whose authentication is not enough for the
// operation: the client must authenticate again (with a second factor,
// recently enough) and retry. The gateway answers it with 401 and the
// header from WWWAuthenticate (RFC 9470 §3).
type StepUpError struct {
	Methods []string      // amr values required
	MaxAge  time.Duration // zero: any age
	Reason  string        // for logs; not sent
}

func (e *StepUpError) Error() string {
	return "step-up authentication required: " + e.Reason
}

// StepUpErrorCode is the RFC 9470 error code of the challenge.
const StepUpErrorCode = "insufficient_user_authentication"

// ACRValues is the acr_values of the challenge: ACRMFA when the
// requirement includes "mfa" (all second factors do).
func (e *StepUpError) ACRValues() []string {
	if slices.Contains(e.Methods, AMRMFA) || slices.Contains(e.Methods, AMROTP) || slices.Contains(e.Methods, AMRHardware) {
		return []string{ACRMFA}
	}
	return nil
}

// MaxAgeSeconds is the max_age of the challenge, rounded down to whole
// seconds (at least 1 when MaxAge is set); 0 when there is none.
func (e *StepUpError) MaxAgeSeconds() int64 {
	if e.MaxAge <= 0 {
		return 0
	}
	return max(int64(e.MaxAge/time.Second), 1)
}

// WWWAuthenticate is the value of the WWW-Authenticate header of the
// challenge, for the Bearer scheme (DPoP-bound tokens use "DPoP" instead:
// see WWWAuthenticateScheme).
func (e *StepUpError) WWWAuthenticate() string { return e.WWWAuthenticateScheme("Bearer") }

// WWWAuthenticateScheme is WWWAuthenticate for another auth scheme.
func (e *StepUpError) WWWAuthenticateScheme(scheme string) string {
	var b strings.Builder
	b.WriteString(scheme)
	fmt.Fprintf(&b, ` error=%q`, StepUpErrorCode)
	if e.MaxAge > 0 {
		b.WriteString(`, error_description="More recent authentication is required"`)
	} else {
		b.WriteString(`, error_description="A different authentication level is required"`)
	}
	if v := e.ACRValues(); len(v) > 0 {
		fmt.Fprintf(&b, `, acr_values=%q`, strings.Join(v, " "))
	}
	if s := e.MaxAgeSeconds(); s > 0 {
		fmt.Fprintf(&b, `, max_age="%d"`, s)
	}
	return b.String()
}
