package modelsign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	p256 = elliptic.P256()
	p384 = elliptic.P384()
	p521 = elliptic.P521()
)

func mustKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// certOpts describe a test certificate.
type certOpts struct {
	ca       bool
	ku       x509.KeyUsage
	eku      []x509.ExtKeyUsage
	name     string
	notAfter time.Time
}

func issue(t testing.TB, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, o certOpts) *x509.Certificate {
	t.Helper()
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: o.name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              o.notAfter,
		IsCA:                  o.ca,
		BasicConstraintsValid: true,
		KeyUsage:              o.ku,
		ExtKeyUsage:           o.eku,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func selfSigned(t testing.TB, key *ecdsa.PrivateKey) *x509.Certificate {
	return issue(t, key, nil, nil, certOpts{ca: true, ku: x509.KeyUsageCertSign, name: "other root"})
}

// writeModel writes files (path → content) under a new directory.
func writeModel(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "my-model")
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sampleModel(t testing.TB) string {
	return writeModel(t, map[string]string{
		"config.json":           `{"layers": 2}`,
		"weights/part-1.bin":    strings.Repeat("w1", 5000),
		"weights/part-2.bin":    strings.Repeat("w2", 7000),
		"tokenizer/vocab.txt":   "a\nb\nc\n",
		".git/HEAD":             "ref: refs/heads/main\n",
		".gitattributes":        "*.bin filter=lfs\n",
		"weights-extra/note.md": "notes",
	})
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []elliptic.Curve{p256, p384, p521} {
		for _, ho := range []HashOptions{
			{},
			{Method: MethodShards, ShardSize: 4096},
			{Algorithm: HashBLAKE2b},
			{Method: MethodShards, Algorithm: HashBLAKE2b, ShardSize: 5000},
		} {
			name := c.Params().Name + " " + ho.Method + " " + ho.Algorithm + " signs and verifies"
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				dir := sampleModel(t)
				key := mustKey(t, c)
				bundle, err := Sign(context.Background(), dir, key, SignOptions{HashOptions: ho})
				if err != nil {
					t.Fatal(err)
				}
				res, err := Verify(context.Background(), dir, bundle, VerifyOptions{PublicKey: &key.PublicKey})
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if res.Manifest.Name != "my-model" {
					t.Errorf("model name %q, want my-model", res.Manifest.Name)
				}
			})
		}
	}
}

// TestTamperingIsNamed changes a signed model in one way at a time and
// checks that verification fails with the error that names the change.
func TestTamperingIsNamed(t *testing.T) {
	t.Parallel()
	key := mustKey(t, p256)
	other := mustKey(t, p256)
	tests := []struct {
		name         string
		ho           HashOptions
		change       func(t *testing.T, dir string)
		opts         func(o *VerifyOptions)
		wantMismatch *MismatchError
		wantErr      error
	}{
		{
			name:         "a modified file is named",
			change:       func(t *testing.T, dir string) { write(t, dir, "weights/part-1.bin", "evil") },
			wantMismatch: &MismatchError{Modified: []string{"weights/part-1.bin"}},
		},
		{
			name:         "an added file is named",
			change:       func(t *testing.T, dir string) { write(t, dir, "weights/backdoor.pkl", "cos\nsystem\n") },
			wantMismatch: &MismatchError{Added: []string{"weights/backdoor.pkl"}},
		},
		{
			name:         "a removed file is named",
			change:       func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "tokenizer", "vocab.txt")) },
			wantMismatch: &MismatchError{Removed: []string{"tokenizer/vocab.txt"}},
		},
		{
			name: "added, removed and modified together are all named",
			change: func(t *testing.T, dir string) {
				write(t, dir, "config.json", "{}")
				write(t, dir, "z.bin", "x")
				os.Remove(filepath.Join(dir, "weights-extra", "note.md"))
			},
			wantMismatch: &MismatchError{Added: []string{"z.bin"}, Removed: []string{"weights-extra/note.md"}, Modified: []string{"config.json"}},
		},
		{
			name:         "a grown file in shard mode is modified, not added and removed",
			ho:           HashOptions{Method: MethodShards, ShardSize: 4096},
			change:       func(t *testing.T, dir string) { appendTo(t, dir, "weights/part-2.bin", "more") },
			wantMismatch: &MismatchError{Modified: []string{"weights/part-2.bin"}},
		},
		{
			name:         "a modified shard in shard mode names its file",
			ho:           HashOptions{Method: MethodShards, ShardSize: 4096},
			change:       func(t *testing.T, dir string) { write(t, dir, "weights/part-2.bin", strings.Repeat("w3", 7000)) },
			wantMismatch: &MismatchError{Modified: []string{"weights/part-2.bin"}},
		},
		{
			name:         "a file under an ignored git directory is not a change",
			change:       func(t *testing.T, dir string) { write(t, dir, ".git/config", "x") },
			wantMismatch: nil,
		},
		{
			name:         "a file the verifier is told to ignore is not a change",
			change:       func(t *testing.T, dir string) { write(t, dir, "README.md", "x") },
			opts:         func(o *VerifyOptions) { o.IgnorePaths = []string{"README.md"} },
			wantMismatch: nil,
		},
		{
			name:         "a model signed with its git paths lacks them when they are ignored",
			ho:           HashOptions{IncludeGitPaths: true},
			change:       func(t *testing.T, dir string) {},
			wantMismatch: &MismatchError{Removed: []string{".git/HEAD", ".gitattributes"}},
		},
		{
			name:         "a model signed with its git paths verifies when they are included",
			ho:           HashOptions{IncludeGitPaths: true},
			change:       func(t *testing.T, dir string) {},
			opts:         func(o *VerifyOptions) { o.IncludeGitPaths = true },
			wantMismatch: nil,
		},
		{
			name:    "another key is a bad signature",
			change:  func(t *testing.T, dir string) {},
			opts:    func(o *VerifyOptions) { o.PublicKey = &other.PublicKey },
			wantErr: ErrBadSignature,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := sampleModel(t)
			bundle, err := Sign(context.Background(), dir, key, SignOptions{HashOptions: tt.ho})
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, dir)
			opts := VerifyOptions{PublicKey: &key.PublicKey}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			_, err = Verify(context.Background(), dir, bundle, opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrNotVerified) {
					t.Fatalf("Verify: %v, want %v", err, tt.wantErr)
				}
				return
			}
			if tt.wantMismatch == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want success", err)
				}
				return
			}
			var me *MismatchError
			if !errors.As(err, &me) || !errors.Is(err, ErrNotVerified) {
				t.Fatalf("Verify: %v, want a *MismatchError", err)
			}
			if diff := cmp.Diff(tt.wantMismatch, me); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			for _, p := range append(append(me.Added, me.Removed...), me.Modified...) {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not name %s", err, p)
				}
			}
		})
	}
}

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, dir, rel, content string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(rel)), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptBundles alters a valid bundle one field at a time.
func TestCorruptBundles(t *testing.T) {
	t.Parallel()
	key := mustKey(t, p384)
	dir := sampleModel(t)
	good, err := Sign(context.Background(), dir, key, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b map[string]any)) []byte {
		var b map[string]any
		if err := json.Unmarshal(good, &b); err != nil {
			t.Fatal(err)
		}
		f(b)
		out, _ := json.Marshal(b)
		return out
	}
	env := func(b map[string]any) map[string]any { return b["dsseEnvelope"].(map[string]any) }
	payload := func(b map[string]any) map[string]any {
		raw, _ := base64.StdEncoding.DecodeString(env(b)["payload"].(string))
		var st map[string]any
		json.Unmarshal(raw, &st)
		return st
	}
	setPayload := func(b map[string]any, st map[string]any) {
		raw, _ := json.Marshal(st)
		env(b)["payload"] = base64.StdEncoding.EncodeToString(raw)
	}
	tests := []struct {
		name      string
		bundle    []byte
		wantField string // BundleError.Field, or "" for ErrBadSignature
		wantErr   error
	}{
		{"truncated JSON is a bad bundle", good[:len(good)/2], "bundle", nil},
		{"an empty file is a bad bundle", nil, "bundle", nil},
		{"a wrong media type is a bad bundle", edit(func(b map[string]any) { b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1" }), "mediaType", nil},
		{"a wrong payload type is a bad bundle", edit(func(b map[string]any) { env(b)["payloadType"] = "text/plain" }), "dsseEnvelope.payloadType", nil},
		{"a missing envelope is a bad bundle", edit(func(b map[string]any) { delete(b, "dsseEnvelope") }), "dsseEnvelope", nil},
		{"no signatures is a bad bundle", edit(func(b map[string]any) { env(b)["signatures"] = []any{} }), "dsseEnvelope.signatures", nil},
		{"no verification material is a bad bundle", edit(func(b map[string]any) { b["verificationMaterial"] = map[string]any{} }), "verificationMaterial", nil},
		{"a changed payload is a bad signature", edit(func(b map[string]any) {
			st := payload(b)
			st["subject"].([]any)[0].(map[string]any)["name"] = "other-model"
			setPayload(b, st)
		}), "", ErrBadSignature},
		{"a flipped signature byte is a bad signature", edit(func(b map[string]any) {
			s := env(b)["signatures"].([]any)[0].(map[string]any)
			raw, _ := base64.StdEncoding.DecodeString(s["sig"].(string))
			raw[len(raw)-1] ^= 1
			s["sig"] = base64.StdEncoding.EncodeToString(raw)
		}), "", ErrBadSignature},
		{"a changed key hint is a bad signature", edit(func(b map[string]any) {
			b["verificationMaterial"].(map[string]any)["publicKey"].(map[string]any)["hint"] = strings.Repeat("0", 64)
		}), "", ErrBadSignature},
		{"a bundle over the size bound is a bad bundle", append([]byte(`{"mediaType":"`), make([]byte, MaxBundleSize)...), "bundle", nil},
		{"trailing data is a bad bundle", append(append([]byte{}, good...), []byte(" {}")...), "bundle", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Verify(context.Background(), dir, tt.bundle, VerifyOptions{PublicKey: &key.PublicKey})
			if !errors.Is(err, ErrNotVerified) {
				t.Fatalf("Verify: %v, want an ErrNotVerified error", err)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify: %v, want %v", err, tt.wantErr)
				}
				return
			}
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("Verify: %v, want a *BundleError", err)
			}
			if be.Field != tt.wantField {
				t.Errorf("field %q, want %q (%v)", be.Field, tt.wantField, err)
			}
		})
	}
}

// TestSignedInconsistentStatement: a statement whose subject digest is not
// the digest of its resources is refused even when properly signed.
func TestSignedInconsistentStatement(t *testing.T) {
	t.Parallel()
	key := mustKey(t, p256)
	dir := sampleModel(t)
	m, err := Hash(context.Background(), dir, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := SignManifest(m, key, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ParseBundle(bundle)
	var st Statement
	json.Unmarshal(b.DSSEEnvelope.Payload, &st)
	st.Subject[0].Digest["sha256"] = strings.Repeat("ab", 32)
	payload, _ := json.Marshal(st)
	b.DSSEEnvelope.Payload = payload
	resigned := resign(t, key, b)
	_, err = Verify(context.Background(), dir, resigned, VerifyOptions{PublicKey: &key.PublicKey})
	var be *BundleError
	if !errors.As(err, &be) || be.Field != "statement.subject.digest" {
		t.Fatalf("Verify: %v, want a bad subject digest", err)
	}
}

// TestCertificateBundles signs with a leaf certificate under a fresh CA.
func TestCertificateBundles(t *testing.T) {
	t.Parallel()
	rootKey, interKey := mustKey(t, p384), mustKey(t, p256)
	root := issue(t, rootKey, nil, nil, certOpts{ca: true, ku: x509.KeyUsageCertSign, name: "root"})
	inter := issue(t, interKey, root, rootKey, certOpts{ca: true, ku: x509.KeyUsageCertSign, name: "intermediate"})
	tests := []struct {
		name    string
		leaf    certOpts
		roots   []*x509.Certificate
		chain   func(leaf *x509.Certificate) []*x509.Certificate
		wantErr error
	}{
		{"a leaf with digital signature under the root verifies", certOpts{ku: x509.KeyUsageDigitalSignature, name: "signer"}, []*x509.Certificate{root}, nil, nil},
		{"a leaf with only the code-signing usage verifies", certOpts{eku: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, name: "signer"}, []*x509.Certificate{root}, nil, nil},
		{"a leaf that may not sign is untrusted", certOpts{ku: x509.KeyUsageKeyEncipherment, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, name: "tls"}, []*x509.Certificate{root}, nil, ErrUntrusted},
		{"a chain to another root is untrusted", certOpts{ku: x509.KeyUsageDigitalSignature, name: "signer"}, []*x509.Certificate{selfSigned(t, mustKey(t, p256))}, nil, ErrUntrusted},
		{"a chain without its intermediate is untrusted", certOpts{ku: x509.KeyUsageDigitalSignature, name: "signer"}, []*x509.Certificate{root},
			func(leaf *x509.Certificate) []*x509.Certificate { return []*x509.Certificate{leaf} }, ErrUntrusted},
		{"an expired leaf still verifies at its signing time", certOpts{ku: x509.KeyUsageDigitalSignature, name: "signer", notAfter: time.Now().Add(-time.Minute)}, []*x509.Certificate{root}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key := mustKey(t, p256)
			leaf := issue(t, key, inter, interKey, tt.leaf)
			chain := []*x509.Certificate{leaf, inter}
			if tt.chain != nil {
				chain = tt.chain(leaf)
			}
			dir := sampleModel(t)
			bundle, err := Sign(context.Background(), dir, key, SignOptions{Certificates: chain})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Verify(context.Background(), dir, bundle, VerifyOptions{Roots: tt.roots})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if res.Signer.Certificate.Subject.CommonName != tt.leaf.name {
					t.Errorf("signer %q, want %q", res.Signer.Certificate.Subject.CommonName, tt.leaf.name)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify: %v, want %v", err, tt.wantErr)
			}
		})
	}
	t.Run("a certificate for another key is refused at signing", func(t *testing.T) {
		t.Parallel()
		key := mustKey(t, p256)
		leaf := issue(t, mustKey(t, p256), inter, interKey, certOpts{ku: x509.KeyUsageDigitalSignature})
		_, err := Sign(context.Background(), sampleModel(t), key, SignOptions{Certificates: []*x509.Certificate{leaf}})
		if err == nil || !strings.Contains(err.Error(), "not the signing key") {
			t.Fatalf("Sign: %v, want a key mismatch error", err)
		}
	})
}

// resign signs the bundle's (edited) payload again with key.
func resign(t *testing.T, key *ecdsa.PrivateKey, b *Bundle) []byte {
	t.Helper()
	newH, err := curveHash(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	h := newH()
	h.Write(PAE(b.DSSEEnvelope.PayloadType, b.DSSEEnvelope.Payload))
	sig, err := ecdsa.SignASN1(rand.Reader, key, h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	b.DSSEEnvelope.Signatures = []Signature{{Sig: sig}}
	out, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
