package dpop_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/dpop"
)

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		bad            bool
	}{
		{name: "a plain URL is unchanged", in: "https://gateway.example.com/v1/chat", want: "https://gateway.example.com/v1/chat"},
		{name: "scheme and host are lower-cased", in: "HTTPS://GateWay.Example.COM/v1", want: "https://gateway.example.com/v1"},
		{name: "the path keeps its case", in: "https://h.example/V1/Chat", want: "https://h.example/V1/Chat"},
		{name: "the https default port is dropped", in: "https://h.example:443/x", want: "https://h.example/x"},
		{name: "the http default port is dropped", in: "http://h.example:80/x", want: "http://h.example/x"},
		{name: "port 80 on https is kept", in: "https://h.example:80/x", want: "https://h.example:80/x"},
		{name: "a port with a leading zero is read as a number", in: "https://h.example:0443/x", want: "https://h.example/x"},
		{name: "an empty port is dropped", in: "https://h.example:/x", want: "https://h.example/x"},
		{name: "an empty path is /", in: "https://h.example", want: "https://h.example/"},
		{name: "query and fragment are dropped", in: "https://h.example/x?a=1&b=2#frag", want: "https://h.example/x"},
		{name: "dot segments are removed", in: "https://h.example/a/./b/../c", want: "https://h.example/a/c"},
		{name: "a trailing dot-dot leaves a slash", in: "https://h.example/a/b/..", want: "https://h.example/a/"},
		{name: "dot-dot above the root stays at the root", in: "https://h.example/../../x", want: "https://h.example/x"},
		{name: "percent-encoded unreserved characters are decoded", in: "https://h.example/%7Euser/%61%2D", want: "https://h.example/~user/a-"},
		{name: "percent-encoding hex is upper-cased", in: "https://h.example/a%2fb%c3%a9", want: "https://h.example/a%2Fb%C3%A9"},
		{name: "an encoded dot segment is removed", in: "https://h.example/a/%2E%2E/b", want: "https://h.example/b"},
		{name: "an IPv6 host keeps its brackets", in: "https://[2001:DB8::1]:443/x", want: "https://[2001:db8::1]/x"},
		{name: "a trailing slash is kept", in: "https://h.example/x/", want: "https://h.example/x/"},
		{name: "a relative URL is refused", in: "/v1/chat", bad: true},
		{name: "another scheme is refused", in: "ftp://h.example/x", bad: true},
		{name: "user information is refused", in: "https://u:p@h.example/x", bad: true},
		{name: "an opaque URL is refused", in: "https:h.example/x", bad: true},
		{name: "an empty host is refused", in: "https:///x", bad: true},
		{name: "a port out of range is refused", in: "https://h.example:70000/x", bad: true},
		{name: "a port of zero is refused", in: "https://h.example:0/x", bad: true},
		{name: "a very long URL is refused", in: "https://h.example/" + strings.Repeat("a", 5000), bad: true},
		{name: "a broken escape is refused", in: "https://h.example/%zz", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := dpop.NormalizeURL(tc.in)
			if tc.bad {
				if err == nil {
					t.Errorf("NormalizeURL(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestProofFromHeader(t *testing.T) {
	t.Parallel()
	const p = "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln"
	cases := []struct {
		name   string
		values []string
		want   string
		err    error
	}{
		{name: "one header is the proof", values: []string{p}, want: p},
		{name: "surrounding spaces are trimmed", values: []string{" " + p + " "}, want: p},
		{name: "no header is a missing proof", err: dpop.ErrMissingProof},
		{name: "an empty header is a missing proof", values: []string{""}, err: dpop.ErrMissingProof},
		{name: "two headers are refused", values: []string{p, p}, err: dpop.ErrMultipleProofs},
		{name: "a list in one header is refused", values: []string{p + ", " + p}, err: dpop.ErrMultipleProofs},
		{name: "an oversized header is refused", values: []string{strings.Repeat("a", dpop.MaxProofSize+1)}, err: dpop.ErrOversized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("DPoP", v)
			}
			got, err := dpop.ProofFromHeader(h)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !errors.Is(err, dpop.ErrInvalidProof) {
					t.Errorf("ProofFromHeader = %q, %v; want %v", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ProofFromHeader = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestAuthorizationToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		header, want string
		ok           bool
	}{
		{"DPoP eyJ.a.b", "eyJ.a.b", true},
		{"dpop eyJ.a.b", "eyJ.a.b", true},
		{"Bearer eyJ.a.b", "", false},
		{"DPoP", "", false},
		{"DPoP ", "", false},
		{"", "", false},
		{"DPoP " + strings.Repeat("a", dpop.MaxAccessTokenSize+1), "", false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%.20q", tc.header), func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.header != "" {
				h.Set("Authorization", tc.header)
			}
			got, ok := dpop.AuthorizationToken(h)
			if got != tc.want || ok != tc.ok {
				t.Errorf("AuthorizationToken(%.30q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTargetURL(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "http://10.0.0.7:8080/v1/chat/completions?x=1", nil)
	r.Host = "attacker.example"
	if got, want := dpop.TargetURL("https://gateway.example.com/", r), "https://gateway.example.com/v1/chat/completions"; got != want {
		t.Errorf("TargetURL = %q, want %q", got, want)
	}
}

func TestErrorCodeAndChallenge(t *testing.T) {
	t.Parallel()
	algs := []string{"ES256", "EdDSA"}
	leaky := fmt.Errorf("wrapped: %w", &dpop.UseNonceError{Nonce: "n1"})
	cases := []struct {
		name      string
		err       error
		code      string
		challenge string
	}{
		{"no error is a bare challenge", nil, "", `DPoP algs="ES256 EdDSA"`},
		{"a replay is an invalid proof", fmt.Errorf("x: %w", dpop.ErrInvalidProof), dpop.CodeInvalidProof,
			`DPoP error="invalid_dpop_proof", error_description="invalid DPoP proof", algs="ES256 EdDSA"`},
		{"a nonce error asks for a nonce", leaky, dpop.CodeUseNonce,
			`DPoP error="use_dpop_nonce", error_description="authorization server requires nonce in DPoP proof", algs="ES256 EdDSA"`},
		{"a server fault has no client code", dpop.ErrUnavailable, "", `DPoP algs="ES256 EdDSA"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := dpop.ErrorCode(tc.err); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
			if got := dpop.Challenge(tc.err, algs); got != tc.challenge {
				t.Errorf("Challenge = %s\nwant        %s", got, tc.challenge)
			}
		})
	}
	// Errors of Verify and CheckBinding, and what the client is told.
	f := newFixture(t, dpop.Options{})
	_, err := f.v.Verify(t.Context(), proof(t, keyP256, "GET", chatURL), dpop.Request{Method: "POST", URL: chatURL})
	if got := dpop.ErrorCode(err); got != dpop.CodeInvalidProof {
		t.Errorf("ErrorCode(wrong method) = %q, want %q", got, dpop.CodeInvalidProof)
	}
	if c := dpop.Challenge(err, algs); strings.Contains(c, "htm") || strings.Contains(c, "GET") {
		t.Errorf("Challenge leaks the detail: %s", c)
	}
	p, err := f.v.Verify(t.Context(), proof(t, keyP256, "POST", chatURL), dpop.Request{Method: "POST", URL: chatURL})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := dpop.PublicKeyThumbprint(keyP256b.Public())
	if got := dpop.ErrorCode(dpop.CheckBinding(p, other)); got != dpop.CodeInvalidToken {
		t.Errorf("ErrorCode(binding mismatch) = %q, want %q", got, dpop.CodeInvalidToken)
	}
	if n, ok := dpop.NonceOf(leaky); !ok || n != "n1" {
		t.Errorf("NonceOf = %q, %v; want n1, true", n, ok)
	}
	if _, ok := dpop.NonceOf(dpop.ErrInvalidProof); ok {
		t.Error("NonceOf(ErrInvalidProof) has a nonce")
	}
}
