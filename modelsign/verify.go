package modelsign

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// VerifyOptions say what to trust and how to treat the model on disk.
// Exactly one of PublicKey and Roots must be set.
type VerifyOptions struct {
	// PublicKey verifies bundles signed with a bare key.
	PublicKey *ecdsa.PublicKey
	// Roots verifies bundles signed with a certificate: the bundle's chain
	// must lead to one of these certificates. As in the reference
	// verifier, every certificate given here is trusted (a root or an
	// intermediate), and the chain is checked at the time the signing
	// certificate became valid, since the bundle carries no trusted time.
	Roots []*x509.Certificate
	// IgnorePaths are ignored on disk in addition to those the statement
	// records (slash-separated, relative to the model root). Statements
	// written before OMS v1.1 record none, so the caller must name them.
	IgnorePaths []string
	// IncludeGitPaths stops DefaultIgnorePaths from being ignored.
	IncludeGitPaths bool
	// Workers and MaxFiles bound hashing (see HashOptions).
	Workers, MaxFiles int
}

// Signer describes who signed a verified bundle.
type Signer struct {
	// KeyHint is the public key's hint (hex SHA-256 of its PEM).
	KeyHint string
	// Certificate is the signing certificate, for certificate bundles.
	Certificate *x509.Certificate
	// LegacyEncoding is true when the signature uses model_signing v0.2's
	// encoding instead of the DSSE PAE.
	LegacyEncoding bool
}

// Result is a verified model.
type Result struct {
	// Manifest is the signed manifest (which matches the model on disk).
	Manifest *Manifest
	Signer   Signer
}

// Verify checks that bundle signs the model at modelPath: the signature
// verifies with the trusted key or root, the statement is consistent, and
// the model on disk hashes to exactly the signed resources. Errors that
// mean "not verified" match ErrNotVerified.
func Verify(ctx context.Context, modelPath string, bundle []byte, opts VerifyOptions) (*Result, error) {
	b, err := ParseBundle(bundle)
	if err != nil {
		return nil, err
	}
	signed, signer, err := VerifyBundle(b, opts)
	if err != nil {
		return nil, err
	}
	ho := HashOptions{
		Method:          signed.Serialization.Method,
		Algorithm:       signed.Serialization.HashType,
		ShardSize:       signed.Serialization.ShardSize,
		AllowSymlinks:   signed.Serialization.AllowSymlinks,
		IncludeGitPaths: opts.IncludeGitPaths,
		Workers:         opts.Workers,
		MaxFiles:        opts.MaxFiles,
	}
	for _, p := range slices.Concat(signed.Serialization.IgnorePaths, opts.IgnorePaths) {
		// Like the reference, ignore paths outside the model are dropped.
		if c, ok := cleanRel(p); ok {
			ho.IgnorePaths = append(ho.IgnorePaths, c)
		}
	}
	actual, err := Hash(ctx, modelPath, ho)
	if err != nil {
		return nil, err
	}
	if err := CompareManifests(signed, actual); err != nil {
		return nil, err
	}
	return &Result{Manifest: signed, Signer: *signer}, nil
}

// VerifyBundle checks the bundle's signature against opts.PublicKey or
// opts.Roots and returns the signed manifest. It does not look at the
// model on disk.
func VerifyBundle(b *Bundle, opts VerifyOptions) (*Manifest, *Signer, error) {
	if (opts.PublicKey == nil) == (len(opts.Roots) == 0) {
		return nil, nil, errors.New("verify: give exactly one of a public key and root certificates")
	}
	vm := b.VerificationMaterial
	var pub *ecdsa.PublicKey
	var signer Signer
	switch {
	case vm.Certificate != nil:
		return nil, nil, unsupported("keyless Sigstore bundles (they need Sigstore's trust root and transparency log proofs)")
	case opts.PublicKey != nil:
		if vm.PublicKey == nil {
			return nil, nil, bundleErr("verificationMaterial", "signed with a certificate, verify it with root certificates")
		}
		hint, err := KeyHint(opts.PublicKey)
		if err != nil {
			return nil, nil, err
		}
		if h := strings.ToLower(vm.PublicKey.Hint); h != "" && subtle.ConstantTimeCompare([]byte(h), []byte(hint)) != 1 {
			return nil, nil, fmt.Errorf("%w: the bundle names key %s, the given key is %s", ErrBadSignature, h, hint)
		}
		pub, signer.KeyHint = opts.PublicKey, hint
	default:
		if vm.X509CertificateChain == nil {
			return nil, nil, bundleErr("verificationMaterial", "signed with a bare key, verify it with its public key")
		}
		leaf, err := verifyChain(vm.X509CertificateChain, opts.Roots)
		if err != nil {
			return nil, nil, err
		}
		k, ok := leaf.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return nil, nil, unsupported("%T certificate keys (OMS verifies ECDSA)", leaf.PublicKey)
		}
		if _, err := curveHash(k); err != nil {
			return nil, nil, err
		}
		pub, signer.Certificate = k, leaf
		signer.KeyHint, _ = KeyHint(k)
	}
	legacy, err := verifyEnvelope(pub, b.DSSEEnvelope)
	if err != nil {
		return nil, nil, err
	}
	signer.LegacyEncoding = legacy
	m, err := parseStatement(b.DSSEEnvelope.Payload)
	if err != nil {
		return nil, nil, err
	}
	return m, &signer, nil
}

// verifyEnvelope checks that one of the envelope's signatures verifies
// with pub over the DSSE PAE, or else over model_signing v0.2's encoding
// (which always used SHA-256). legacy reports the latter.
func verifyEnvelope(pub *ecdsa.PublicKey, env *Envelope) (legacy bool, err error) {
	newH, err := curveHash(pub)
	if err != nil {
		return false, err
	}
	h := newH()
	h.Write(PAE(env.PayloadType, env.Payload))
	digest := h.Sum(nil)
	for _, s := range env.Signatures {
		if ecdsa.VerifyASN1(pub, digest, s.Sig) {
			return false, nil
		}
	}
	old := sha256.Sum256(paeV02(env.PayloadType, env.Payload))
	for _, s := range env.Signatures {
		if ecdsa.VerifyASN1(pub, old[:], s.Sig) {
			return true, nil
		}
	}
	return false, ErrBadSignature
}

// verifyChain checks the bundle's chain against roots and returns the
// leaf, which must be allowed to sign (digital signature key usage or the
// code-signing extended key usage).
func verifyChain(chain *CertificateChain, roots []*x509.Certificate) (*x509.Certificate, error) {
	var certs []*x509.Certificate
	for i, c := range chain.Certificates {
		cert, err := x509.ParseCertificate(c.RawBytes)
		if err != nil {
			return nil, bundleErr("verificationMaterial.x509CertificateChain", "certificate %d: %v", i, err)
		}
		certs = append(certs, cert)
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	leaf := certs[0]
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots:         pool,
		Intermediates: inter,
		CurrentTime:   leaf.NotBefore,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) {
		return nil, fmt.Errorf("%w: the certificate %q may not sign (no digital signature key usage, no code signing extended key usage)", ErrUntrusted, leaf.Subject)
	}
	return leaf, nil
}

// CompareManifests compares the signed manifest with the one computed
// from disk and returns a *MismatchError naming the files that differ.
// Shards are compared per file: a file whose shards differ is modified.
func CompareManifests(signed, actual *Manifest) error {
	if a, b := serializationKey(signed.Serialization), serializationKey(actual.Serialization); a != b {
		return &MismatchError{Serialization: fmt.Sprintf("signed %s, computed %s", a, b)}
	}
	shards := signed.Serialization.Method == MethodShards
	group := func(m *Manifest) map[string][]string {
		g := make(map[string][]string, len(m.Resources))
		for _, r := range m.Resources {
			p := r.Name
			if shards {
				if q, _, _, ok := splitShard(r.Name); ok {
					p = q
				}
			}
			g[p] = append(g[p], r.Name+"\x00"+strings.ToLower(r.Digest))
		}
		for _, v := range g {
			slices.Sort(v)
		}
		return g
	}
	want, got := group(signed), group(actual)
	var e MismatchError
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			e.Removed = append(e.Removed, p)
		case !slices.Equal(w, g):
			e.Modified = append(e.Modified, p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			e.Added = append(e.Added, p)
		}
	}
	if len(e.Added)+len(e.Removed)+len(e.Modified) == 0 {
		return nil
	}
	for _, s := range [][]string{e.Added, e.Removed, e.Modified} {
		slices.SortFunc(s, comparePaths)
	}
	return &e
}

func serializationKey(s Serialization) string {
	k := s.Method + "/" + s.HashType
	if s.Method == MethodShards {
		k += fmt.Sprintf("/%d", s.ShardSize)
	}
	return k
}
