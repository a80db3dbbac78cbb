package modelsign

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mtDir is the folder of reference bundles, or the test is skipped.
func mtDir(t testing.TB) string {
	t.Helper()
	dir, ok := mtCorpus()
	if !ok {
		t.Skip("reference OMS bundles: ../shared/corpus/models absent")
	}
	return dir
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func corpusPublicKey(t testing.TB, dir string) *ecdsa.PublicKey {
	t.Helper()
	k, err := ParsePublicKeyPEM(readFile(t, filepath.Join(dir, "keys", "certificate", "signing-key-pub.pem")))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func corpusRoots(t testing.TB, dir string, names ...string) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for _, n := range names {
		c, err := ParseCertificatesPEM(readFile(t, filepath.Join(dir, "keys", "certificate", n)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c...)
	}
	return out
}

// TestReferenceBundles verifies every key and certificate bundle the
// reference model_signing wrote, for each released format version.
func TestReferenceBundles(t *testing.T) {
	dir := mtDir(t)
	pub := corpusPublicKey(t, dir)
	root := corpusRoots(t, dir, "ca-cert.pem")
	// Bundles before v1.1.0 do not record ignore paths: the verifier is told,
	// as the reference's own scripts do (ignore-me, and the signature file).
	ignore := []string{"ignore-me", "model.sig"}
	tests := []struct {
		bundle     string
		model      string // relative to the bundle's folder; "" = the folder
		roots      bool
		wantLegacy bool
		wantFiles  []string
	}{
		{bundle: "v0.2.0-certificate", roots: true, wantLegacy: true, wantFiles: []string{"signme-1", "signme-2"}},
		{bundle: "v0.3.1-certificate", roots: true, wantFiles: []string{"signme-1", "signme-2"}},
		{bundle: "v1.0.0-certificate", roots: true, wantFiles: []string{"signme-1", "signme-2"}},
		{bundle: "v1.0.1-certificate", roots: true, wantFiles: []string{"signme-1", "signme-2"}},
		{bundle: "v1.1.0-certificate", roots: true, wantFiles: []string{"signme-1", "signme-2"}},
		{bundle: "v0.3.1-elliptic-key", model: "signme-1", wantFiles: []string{"."}},
		{bundle: "v1.0.0-elliptic-key", model: "signme-1", wantFiles: []string{"."}},
		{bundle: "v1.0.1-elliptic-key", wantFiles: []string{"signme-1", "signme-2"}},
		{bundle: "v1.1.0-elliptic-key", wantFiles: []string{"signme-1", "signme-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.bundle+" verifies", func(t *testing.T) {
			folder := filepath.Join(dir, tt.bundle)
			model := filepath.Join(folder, tt.model)
			opts := VerifyOptions{IgnorePaths: ignore}
			if tt.roots {
				opts.Roots = root
			} else {
				opts.PublicKey = pub
			}
			res, err := Verify(context.Background(), model, readFile(t, filepath.Join(folder, "model.sig")), opts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			var names []string
			for _, r := range res.Manifest.Resources {
				names = append(names, r.Name)
			}
			if diff := cmp.Diff(tt.wantFiles, names); diff != "" {
				t.Errorf("signed resources (-want +got):\n%s", diff)
			}
			if res.Signer.LegacyEncoding != tt.wantLegacy {
				t.Errorf("legacy encoding = %v, want %v", res.Signer.LegacyEncoding, tt.wantLegacy)
			}
			if tt.roots && res.Signer.Certificate == nil {
				t.Error("certificate bundle verified without reporting its certificate")
			}
		})
	}
}

// TestReferenceBundlesWithoutIgnorePaths shows that the ignore paths
// matter: before v1.1.0 the statement does not record them, so an
// unannounced ignore-me is an added file; from v1.1.0 it is recorded.
func TestReferenceBundlesWithoutIgnorePaths(t *testing.T) {
	dir := mtDir(t)
	pub := corpusPublicKey(t, dir)
	tests := []struct {
		bundle    string
		wantAdded []string
	}{
		{"v1.0.1-elliptic-key", []string{"ignore-me", "model.sig"}},
		{"v1.1.0-elliptic-key", nil},
	}
	for _, tt := range tests {
		t.Run(tt.bundle, func(t *testing.T) {
			folder := filepath.Join(dir, tt.bundle)
			_, err := Verify(context.Background(), folder, readFile(t, filepath.Join(folder, "model.sig")), VerifyOptions{PublicKey: pub})
			var me *MismatchError
			switch {
			case tt.wantAdded == nil && err != nil:
				t.Fatalf("Verify: %v, want success (the statement records its ignore paths)", err)
			case tt.wantAdded != nil && !errors.As(err, &me):
				t.Fatalf("Verify: %v, want a *MismatchError", err)
			case tt.wantAdded != nil:
				if diff := cmp.Diff(tt.wantAdded, me.Added); diff != "" {
					t.Errorf("added (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestReferenceBundlesWrongTrust refuses the reference bundles with the
// wrong kind or instance of trust.
func TestReferenceBundlesWrongTrust(t *testing.T) {
	dir := mtDir(t)
	other := mustKey(t, p384)
	tests := []struct {
		name   string
		bundle string
		opts   VerifyOptions
		want   error
	}{
		{"another key is a bad signature", "v1.1.0-elliptic-key", VerifyOptions{PublicKey: &other.PublicKey}, ErrBadSignature},
		{"another key against a bundle without hint is a bad signature", "v1.0.1-elliptic-key", VerifyOptions{PublicKey: &other.PublicKey, IgnorePaths: []string{"ignore-me", "model.sig"}}, ErrBadSignature},
		{"the intermediate alone is a trusted anchor", "v1.1.0-certificate", VerifyOptions{Roots: corpusRoots(t, dir, "int-ca-cert.pem")}, nil},
		{"the signing certificate as root of another chain is untrusted", "v1.1.0-certificate", VerifyOptions{Roots: []*x509.Certificate{selfSigned(t, other)}}, ErrUntrusted},
		{"a certificate bundle checked with a key is a bad bundle", "v1.1.0-certificate", VerifyOptions{PublicKey: corpusPublicKey(t, dir)}, ErrNotVerified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			folder := filepath.Join(dir, tt.bundle)
			_, err := Verify(context.Background(), folder, readFile(t, filepath.Join(folder, "model.sig")), tt.opts)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrNotVerified) {
				t.Fatalf("Verify: %v, want %v (and ErrNotVerified)", err, tt.want)
			}
		})
	}
}

// TestSigstoreBundles: keyless bundles are parsed and refused as
// unsupported; their DSSE signature does verify with the certificate they
// carry, which shows the envelope is read the way it was signed.
func TestSigstoreBundles(t *testing.T) {
	dir := mtDir(t)
	for _, v := range []string{"v0.3.1-sigstore", "v1.0.0-sigstore", "v1.0.1-sigstore", "v1.1.0-sigstore"} {
		t.Run(v+" is refused as unsupported", func(t *testing.T) {
			folder := filepath.Join(dir, v)
			data := readFile(t, filepath.Join(folder, "model.sig"))
			_, err := Verify(context.Background(), folder, data, VerifyOptions{Roots: corpusRoots(t, dir, "ca-cert.pem")})
			if !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrNotVerified) {
				t.Fatalf("Verify: %v, want ErrUnsupported", err)
			}
			b, err := ParseBundle(data)
			if err != nil {
				t.Fatal(err)
			}
			leaf, err := x509.ParseCertificate(b.VerificationMaterial.Certificate.RawBytes)
			if err != nil {
				t.Fatal(err)
			}
			legacy, err := verifyEnvelope(leaf.PublicKey.(*ecdsa.PublicKey), b.DSSEEnvelope)
			if err != nil || legacy {
				t.Fatalf("DSSE signature with the bundle's own certificate: legacy %v, %v", legacy, err)
			}
			m, err := parseStatement(b.DSSEEnvelope.Payload)
			if err != nil {
				t.Fatal(err)
			}
			actual, err := Hash(context.Background(), folder, HashOptions{IgnorePaths: []string{"ignore-me", "model.sig"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := CompareManifests(m, actual); err != nil {
				t.Errorf("the folder does not match its statement: %v", err)
			}
		})
	}
}

// TestSameStatementAsReference signs the reference's model with the
// reference's private key and certificate and checks that our statement
// says what the reference's says: same subject digest, same resources in
// the same order, same serialization.
func TestSameStatementAsReference(t *testing.T) {
	dir := mtDir(t)
	key, err := ParsePrivateKeyPEM(readFile(t, filepath.Join(dir, "keys", "certificate", "signing-key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	chain := corpusRoots(t, dir, "signing-key-cert.pem", "int-ca-cert.pem")
	tests := []struct {
		bundle string
		certs  []*x509.Certificate
	}{
		{"v1.1.0-elliptic-key", nil},
		{"v1.1.0-certificate", chain},
	}
	for _, tt := range tests {
		t.Run(tt.bundle, func(t *testing.T) {
			folder := filepath.Join(dir, tt.bundle)
			ours, err := Sign(context.Background(), folder, key, SignOptions{
				HashOptions:  HashOptions{IgnorePaths: []string{"ignore-me", "model.sig"}},
				Certificates: tt.certs,
			})
			if err != nil {
				t.Fatal(err)
			}
			got, want := statementOf(t, ours), statementOf(t, readFile(t, filepath.Join(folder, "model.sig")))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("statement content (-reference +ours):\n%s", diff)
			}
			refB, _ := ParseBundle(readFile(t, filepath.Join(folder, "model.sig")))
			ourB, _ := ParseBundle(ours)
			if diff := cmp.Diff(refB.VerificationMaterial, ourB.VerificationMaterial); diff != "" {
				t.Errorf("verification material (-reference +ours):\n%s", diff)
			}
		})
	}
}

// statementOf decodes a bundle's statement into generic JSON, with the
// ignore paths sorted (the reference writes them from an unordered set).
func statementOf(t *testing.T, bundle []byte) map[string]any {
	t.Helper()
	b, err := ParseBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b.DSSEEnvelope.Payload, &st); err != nil {
		t.Fatal(err)
	}
	ser := st["predicate"].(map[string]any)["serialization"].(map[string]any)
	if ip, ok := ser["ignore_paths"].([]any); ok {
		slices.SortFunc(ip, func(a, b any) int { return cmpStr(a.(string), b.(string)) })
	}
	return st
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
