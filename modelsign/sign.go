package modelsign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// SignOptions say how to hash the model and what to put in the bundle.
type SignOptions struct {
	HashOptions
	// Certificates are the signing certificate (its key must be the
	// signing key) followed by the intermediates to ship in the bundle.
	// Without them the bundle carries only a hint of the public key.
	Certificates []*x509.Certificate
	// Rand is the randomness for ECDSA (default crypto/rand).
	Rand io.Reader
}

// Sign hashes the model at modelPath and returns the bundle (JSON) that
// signs it with key, an ECDSA P-256, P-384 or P-521 private key.
func Sign(ctx context.Context, modelPath string, key crypto.Signer, opts SignOptions) ([]byte, error) {
	if _, err := signingKey(key); err != nil {
		return nil, err
	}
	m, err := Hash(ctx, modelPath, opts.HashOptions)
	if err != nil {
		return nil, err
	}
	return SignManifest(m, key, opts)
}

// SignManifest returns the bundle (JSON) that signs an already computed
// manifest. Only opts.Certificates and opts.Rand are used.
func SignManifest(m *Manifest, key crypto.Signer, opts SignOptions) ([]byte, error) {
	pub, err := signingKey(key)
	if err != nil {
		return nil, err
	}
	payload, err := newStatement(m)
	if err != nil {
		return nil, err
	}
	newH, _ := curveHash(pub)
	h := newH()
	h.Write(PAE(PayloadType, payload))
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	sig, err := key.Sign(r, h.Sum(nil), hashOf(pub))
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	b := Bundle{
		MediaType:            BundleMediaType,
		VerificationMaterial: VerificationMaterial{TlogEntries: []json.RawMessage{}},
		DSSEEnvelope:         &Envelope{Payload: payload, PayloadType: PayloadType, Signatures: []Signature{{Sig: sig}}},
	}
	if len(opts.Certificates) > 0 {
		if len(opts.Certificates) > maxCertificates {
			return nil, fmt.Errorf("more than %d certificates", maxCertificates)
		}
		leafKey, ok := opts.Certificates[0].PublicKey.(*ecdsa.PublicKey)
		if !ok || !leafKey.Equal(pub) {
			return nil, errors.New("the signing certificate's public key is not the signing key's")
		}
		chain := &CertificateChain{}
		for _, c := range opts.Certificates {
			chain.Certificates = append(chain.Certificates, Certificate{RawBytes: c.Raw})
		}
		b.VerificationMaterial.X509CertificateChain = chain
	} else {
		hint, err := KeyHint(pub)
		if err != nil {
			return nil, err
		}
		b.VerificationMaterial.PublicKey = &PublicKeyIdentifier{Hint: hint}
	}
	return b.Marshal()
}

func signingKey(key crypto.Signer) (*ecdsa.PublicKey, error) {
	if key == nil {
		return nil, errors.New("no signing key")
	}
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, unsupported("%T signing keys (OMS signs with ECDSA P-256, P-384 or P-521)", key.Public())
	}
	if _, err := curveHash(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

func hashOf(k *ecdsa.PublicKey) crypto.Hash {
	switch k.Curve.Params().BitSize {
	case 256:
		return crypto.SHA256
	case 384:
		return crypto.SHA384
	default:
		return crypto.SHA512
	}
}
