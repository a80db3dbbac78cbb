package rbac_test

import (
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/rbac"
)

func TestChallenge(t *testing.T) {
	tests := []struct {
		name string
		req  rbac.Requirement
		want string
	}{
		{"MFA asks for the MFA class", rbac.Requirement{MFA: true},
			`Bearer error="insufficient_user_authentication", error_description="multi-factor authentication is required", acr_values="urn:bulwark:acr:mfa"`},
		{"an age asks for max_age in seconds", rbac.Requirement{MaxAuthAge: 15 * time.Minute},
			`Bearer error="insufficient_user_authentication", error_description="a more recent authentication is required", max_age=900`},
		{"both ask for both", rbac.Requirement{MFA: true, MaxAuthAge: 90 * time.Second},
			`Bearer error="insufficient_user_authentication", error_description="a recent multi-factor authentication is required", acr_values="urn:bulwark:acr:mfa", max_age=90`},
		{"a fractional age rounds down", rbac.Requirement{MaxAuthAge: 1500 * time.Millisecond},
			`Bearer error="insufficient_user_authentication", error_description="a more recent authentication is required", max_age=1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.req.Challenge(); got != tt.want {
				t.Errorf("Challenge() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
