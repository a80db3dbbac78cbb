package mfa_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/mfa"
)

func TestRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		role   string
		appMFA bool
		want   bool
	}{
		{"an administrator always needs MFA", "admin", false, true},
		{"an administrator of an MFA app needs MFA", "admin", true, true},
		{"a user of an app without MFA does not", "user", false, false},
		{"a user of an app that requires MFA does", "user", true, true},
		{"an unknown role follows the app", "", false, false},
		{"roles are case-sensitive, as identity stores them", "Admin", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mfa.Required(tc.role, tc.appMFA); got != tc.want {
				t.Errorf("Required(%q, %v) = %v, want %v", tc.role, tc.appMFA, got, tc.want)
			}
		})
	}
}

func TestProofAMR(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		proof mfa.Proof
		first []string
		want  []string
	}{
		{"password and TOTP", mfa.Proof{Method: mfa.MethodTOTP}, []string{mfa.AMRPassword}, []string{"mfa", "otp", "pwd"}},
		{"password and a recovery code", mfa.Proof{Method: mfa.MethodRecovery}, []string{mfa.AMRPassword}, []string{"mfa", "pwd"}},
		{"a first factor given twice is listed once", mfa.Proof{Method: mfa.MethodTOTP}, []string{"pwd", "pwd"}, []string{"mfa", "otp", "pwd"}},
		{"no second factor adds nothing", mfa.Proof{}, []string{"pwd"}, []string{"pwd"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.proof.AMR(tc.first...)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("AMR (-want +got):\n%s", diff)
			}
			wantACR := ""
			if len(tc.want) > 1 {
				wantACR = mfa.ACRMFA
			}
			if acr := mfa.ACR(got); acr != wantACR {
				t.Errorf("ACR(%v) = %q, want %q", got, acr, wantACR)
			}
		})
	}
}

func TestCheckStepUp(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	totp := []string{"mfa", "otp", "pwd"}
	tests := []struct {
		name     string
		amr      []string
		authTime time.Time
		req      mfa.Requirement
		want     *mfa.StepUpError // nil: satisfied
	}{
		{"a recent TOTP login satisfies mfa within max age", totp, now.Add(-4 * time.Minute),
			mfa.Requirement{MaxAge: 5 * time.Minute}, nil},
		{"no methods given means mfa", []string{"pwd", "mfa"}, now, mfa.Requirement{}, nil},
		{"a password-only login does not satisfy mfa", []string{"pwd"}, now, mfa.Requirement{},
			&mfa.StepUpError{Methods: []string{"mfa"}}},
		{"no amr at all does not satisfy mfa", nil, now, mfa.Requirement{},
			&mfa.StepUpError{Methods: []string{"mfa"}}},
		{"an MFA login older than max age needs a fresh one", totp, now.Add(-5*time.Minute - time.Second),
			mfa.Requirement{MaxAge: 5 * time.Minute}, &mfa.StepUpError{Methods: []string{"mfa"}, MaxAge: 5 * time.Minute}},
		{"an MFA login exactly max age old is accepted", totp, now.Add(-5 * time.Minute),
			mfa.Requirement{MaxAge: 5 * time.Minute}, nil},
		{"no auth_time fails a max age", totp, time.Time{},
			mfa.Requirement{MaxAge: time.Hour}, &mfa.StepUpError{Methods: []string{"mfa"}, MaxAge: time.Hour}},
		{"no auth_time is fine without a max age", totp, time.Time{}, mfa.Requirement{}, nil},
		{"an auth_time far in the future fails", totp, now.Add(2 * time.Minute),
			mfa.Requirement{MaxAge: time.Hour}, &mfa.StepUpError{Methods: []string{"mfa"}, MaxAge: time.Hour}},
		{"an auth_time a little in the future is clock skew", totp, now.Add(20 * time.Second),
			mfa.Requirement{MaxAge: time.Hour}, nil},
		{"a recovery code does not satisfy a requirement for otp", []string{"mfa", "pwd"}, now,
			mfa.Requirement{Methods: []string{"otp"}}, &mfa.StepUpError{Methods: []string{"otp"}}},
		{"every method required must be present", []string{"otp", "pwd"}, now,
			mfa.Requirement{Methods: []string{"otp", "hwk"}}, &mfa.StepUpError{Methods: []string{"otp", "hwk"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mfa.CheckStepUp(tc.amr, tc.authTime, tc.req, now)
			if tc.want == nil {
				if err != nil {
					t.Errorf("CheckStepUp: %v, want nil", err)
				}
				return
			}
			var se *mfa.StepUpError
			if !errors.As(err, &se) {
				t.Fatalf("CheckStepUp: err = %v, want a *StepUpError", err)
			}
			if diff := cmp.Diff(tc.want, se, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Reason" }, cmp.Ignore())); diff != "" {
				t.Errorf("StepUpError (-want +got):\n%s", diff)
			}
			if se.Reason == "" || se.Error() == "" {
				t.Errorf("StepUpError has no reason: %+v", se)
			}
		})
	}
}

func TestStepUpErrorChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *mfa.StepUpError
		want string
	}{
		{"a missing second factor asks for the mfa acr",
			&mfa.StepUpError{Methods: []string{"mfa"}},
			`Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa"`},
		{"a stale one asks for max_age in seconds",
			&mfa.StepUpError{Methods: []string{"mfa"}, MaxAge: 5 * time.Minute},
			`Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", acr_values="mfa", max_age="300"`},
		{"a max age under a second is sent as 1",
			&mfa.StepUpError{Methods: []string{"pwd"}, MaxAge: time.Millisecond},
			`Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.WWWAuthenticate(); got != tc.want {
				t.Errorf("WWWAuthenticate() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	dpop := (&mfa.StepUpError{Methods: []string{"otp"}}).WWWAuthenticateScheme("DPoP")
	if want := `DPoP error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa"`; dpop != want {
		t.Errorf("WWWAuthenticateScheme(DPoP) = %s, want %s", dpop, want)
	}
}
