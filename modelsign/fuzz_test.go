package modelsign

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// seedBundles are the reference bundles (when the corpus is present), a
// bundle of ours and a few hand-written shapes.
func seedBundles(f *testing.F) {
	if c, ok := mtCorpus(); ok {
		matches, _ := filepath.Glob(filepath.Join(c, "*", "model.sig"))
		for _, m := range matches {
			if b, err := os.ReadFile(m); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		`{}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"00"}},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MAA="}]}}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"MAA="}]}},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MAA="}]}}`,
		`[1,2,3]`, `null`, `{"mediaType":1}`,
	} {
		f.Add([]byte(s))
	}
}

func mtCorpus() (string, bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "shared", "corpus", "models", "model-transparency")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c, true
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

func FuzzParseBundle(f *testing.F) {
	seedBundles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("ParseBundle error %v is not a *BundleError", err)
			}
			return
		}
		if b.DSSEEnvelope == nil || b.DSSEEnvelope.PayloadType != PayloadType || len(b.DSSEEnvelope.Signatures) == 0 {
			t.Fatalf("ParseBundle accepted a bundle without a usable envelope: %+v", b)
		}
		if _, err := b.Marshal(); err != nil {
			t.Fatalf("Marshal of a parsed bundle: %v", err)
		}
		_, _ = parseStatement(b.DSSEEnvelope.Payload)
	})
}

// FuzzVerify feeds arbitrary bundles to Verify against a fixed small
// model: it must never panic and never verify a bundle not signed by the
// key.
func FuzzVerify(f *testing.F) {
	seedBundles(f)
	dir := writeModel(f, map[string]string{"a.bin": "weights", "sub/b.json": "{}"})
	key := mustKey(f, p256)
	good, err := Sign(context.Background(), dir, key, SignOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	other := mustKey(f, p256)
	root := issue(f, other, nil, nil, certOpts{ca: true, ku: x509.KeyUsageCertSign, name: "fuzz root"})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []VerifyOptions{
			{PublicKey: &other.PublicKey, MaxFiles: 10},
			{Roots: []*x509.Certificate{root}, MaxFiles: 10},
		} {
			if _, err := Verify(context.Background(), dir, data, opts); err == nil {
				t.Fatalf("Verify accepted a bundle no trusted key signed:\n%s", data)
			}
		}
		_, _ = Verify(context.Background(), dir, data, VerifyOptions{PublicKey: &key.PublicKey, MaxFiles: 10})
	})
}

// FuzzParseStatement feeds arbitrary payloads to the statement parser.
func FuzzParseStatement(f *testing.F) {
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"serialization":{"method":"files","hash_type":"sha256","allow_symlinks":false},"resources":[]}}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"https://model_signing/Digests/v0.1","predicate":{}}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"00"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"serialization":{"method":"shards","hash_type":"sha256","shard_size":1e9,"allow_symlinks":false},"resources":[{"name":"w:0:9","algorithm":"sha256-sharded-1000000000","digest":"00"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseStatement(data)
		if err != nil {
			return
		}
		if len(m.Resources) > MaxResources {
			t.Fatalf("accepted %d resources", len(m.Resources))
		}
		if err := CompareManifests(m, m); err != nil {
			t.Fatalf("a manifest differs from itself: %v", err)
		}
	})
}
