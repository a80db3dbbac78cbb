package mfa_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/mfa"
)

// FuzzVerify feeds arbitrary code strings to Verify and Recover: they never
// panic, refuse everything that is not a right code with ErrInvalidCode,
// and accept only codes whose digits are the authenticator's.
func FuzzVerify(f *testing.F) {
	fx, secret, recovery := enrolled(f)
	now := fx.clock.Now()
	valid := map[string]bool{}
	for _, off := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[code6(f, secret, now.Add(off))] = true
	}
	for c := range valid {
		f.Add(c)
		f.Add(c[:3] + " " + c[3:])
		f.Add(c + "0")
	}
	for _, s := range []string{"", "000000", "123456", "12345", "1234567", "abcdef", " 1 2 3 4 5 6 ", "١٢٣٤٥٦", "\x00\x00\x00\x00\x00\x00",
		"99999999", "-12345", "+123456", "0x1234", strings.Repeat("9", 100), recovery[0], strings.ToUpper(recovery[1]), "0000-0000-0000-0000", "oooo-iiii-llll-uuuu"} {
		f.Add(s)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, in string) {
		_, err := fx.svc.Verify(ctx, "usr_1", in)
		if err == nil {
			if digits := strings.ReplaceAll(in, " ", ""); !valid[digits] {
				t.Fatalf("Verify(%q) accepted a code that is none of the window's", in)
			}
		} else if !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("Verify(%q): err = %v, want ErrInvalidCode", in, err)
		}
		_, err = fx.svc.Recover(ctx, "usr_1", in)
		if err != nil && !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("Recover(%q): err = %v, want ErrInvalidCode", in, err)
		}
	})
}
