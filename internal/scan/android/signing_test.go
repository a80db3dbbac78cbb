package android

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"slices"
	"testing"
)

func TestSigningChecks(t *testing.T) {
	t.Parallel()
	debug := &x509.Certificate{Subject: pkix.Name{CommonName: "Android Debug"}}
	release := &x509.Certificate{Subject: pkix.Name{CommonName: "Release"}}
	good := func(scheme int) Signer {
		return Signer{Scheme: scheme, Leaf: release, DigestAlgorithms: []string{"SHA-256"}, SignatureAlgorithm: "RSA-PKCS1v15-SHA256", KeyAlgorithm: "RSA", KeyBits: 2048, Verified: true}
	}
	tests := []struct {
		name   string
		facts  SigningFacts
		minSDK int
		want   []string
	}{
		{"unsigned", SigningFacts{}, 24, []string{"android-unsigned"}},
		{"v1 only on Janus-affected versions", SigningFacts{Schemes: []int{1}, Signers: []Signer{good(1)}}, 21, []string{"android-janus"}},
		{"v1 only from API 27", SigningFacts{Schemes: []int{1}, Signers: []Signer{good(1)}}, 27, []string{"android-v1-only-signature"}},
		{"v1 and v2, all strong", SigningFacts{Schemes: []int{1, 2}, Signers: []Signer{good(1), good(2)}}, 21, nil},
		{"debug certificate", SigningFacts{Schemes: []int{2}, Signers: []Signer{{Scheme: 2, Leaf: debug, Debug: true, Verified: true}}}, 24, []string{"android-debug-certificate"}},
		{"SHA-1 digests and a short RSA key", SigningFacts{Schemes: []int{2}, Signers: []Signer{{Scheme: 2, Leaf: release, DigestAlgorithms: []string{"SHA-1"}, KeyAlgorithm: "RSA", KeyBits: 1024, Verified: true}}}, 24, []string{"android-weak-signature-algorithm"}},
		{"signature that does not verify", SigningFacts{Schemes: []int{2}, Signers: []Signer{{Scheme: 2, Leaf: release, Err: errors.New("bad signature")}}}, 24, []string{"android-signature-invalid"}},
		{"entries added after signing", SigningFacts{Schemes: []int{1, 2}, Signers: []Signer{good(1), good(2)}, NotCovered: []string{"assets/payload.dex"}}, 24, []string{"android-unsigned-entries"}},
		{"bundle signed by the JAR scheme only", SigningFacts{Bundle: true, Schemes: []int{1}, Signers: []Signer{good(1)}}, 21, nil},
		{"unsigned bundle", SigningFacts{Bundle: true}, 21, nil},
		{"bundle signed with the debug certificate", SigningFacts{Bundle: true, Schemes: []int{1}, Signers: []Signer{{Scheme: 1, Leaf: debug, Debug: true, Verified: true}}}, 21, []string{"android-debug-certificate"}},
		{"bundle with a SHA-1 upload signature", SigningFacts{Bundle: true, Schemes: []int{1}, Signers: []Signer{{Scheme: 1, Leaf: release, DigestAlgorithms: []string{"SHA-1"}, Verified: true}}}, 21, []string{"android-weak-signature-algorithm"}},
		{"whole-file digest mismatch", SigningFacts{Schemes: []int{2}, Signers: []Signer{good(2)}, DigestMismatch: []int{2}}, 24, []string{"android-unsigned-entries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &App{Manifest: &Manifest{MinSDK: tt.minSDK, TargetSDK: 34}, Signing: &tt.facts}
			var got []string
			for _, h := range checkSigning(a) {
				got = append(got, h.Rule)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("rules = %v, want %v", got, tt.want)
			}
		})
	}
}
