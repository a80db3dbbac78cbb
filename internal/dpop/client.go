package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ProofOption adjusts a proof made by NewProof.
type ProofOption func(*proofConfig)

type proofConfig struct {
	accessToken, nonce, jti, alg string
	iat                          time.Time
	rand                         io.Reader
}

// WithAccessToken adds the ath claim for a proof sent with this access
// token.
func WithAccessToken(token string) ProofOption {
	return func(c *proofConfig) { c.accessToken = token }
}

// WithNonce adds the nonce claim: the last DPoP-Nonce the server sent.
func WithNonce(nonce string) ProofOption { return func(c *proofConfig) { c.nonce = nonce } }

// WithIssuedAt sets iat; the current time when not given.
func WithIssuedAt(t time.Time) ProofOption { return func(c *proofConfig) { c.iat = t } }

// WithID sets jti; 128 random bits when not given.
func WithID(jti string) ProofOption { return func(c *proofConfig) { c.jti = jti } }

// WithRand sets the source of the random jti; crypto/rand when not given.
func WithRand(r io.Reader) ProofOption { return func(c *proofConfig) { c.rand = r } }

// WithAlgorithm sets alg, for an RSA key that should sign RS256 rather
// than the default PS256.
func WithAlgorithm(alg string) ProofOption { return func(c *proofConfig) { c.alg = alg } }

// NewProof makes a DPoP proof for a request with method to url, signed
// by key (a software key or a hardware-backed crypto.Signer). The
// algorithm follows the key: ES256 for P-256, ES384 for P-384, EdDSA for
// Ed25519, PS256 for RSA. Query and fragment are left out of htu.
func NewProof(key crypto.Signer, method, rawURL string, opts ...ProofOption) (string, error) {
	cfg := proofConfig{rand: rand.Reader}
	for _, o := range opts {
		o(&cfg)
	}
	if key == nil {
		return "", errors.New("dpop: new proof: no key")
	}
	if cfg.alg == "" {
		alg, err := algorithmFor(key.Public())
		if err != nil {
			return "", err
		}
		cfg.alg = alg
	}
	if method == "" {
		return "", errors.New("dpop: new proof: no method")
	}
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() {
		return "", fmt.Errorf("dpop: new proof: %q is not an absolute URL", rawURL)
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	if cfg.iat.IsZero() {
		cfg.iat = time.Now()
	}
	if cfg.jti == "" {
		b := make([]byte, 16)
		if _, err := io.ReadFull(cfg.rand, b); err != nil {
			return "", fmt.Errorf("dpop: new proof: jti: %w", err)
		}
		cfg.jti = base64.RawURLEncoding.EncodeToString(b)
	}
	c := claims{JTI: cfg.jti, HTM: method, HTU: u.String(), IAT: jwt.NewNumericDate(cfg.iat), Nonce: cfg.nonce}
	if cfg.accessToken != "" {
		c.ATH = AccessTokenHash(cfg.accessToken)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	var sk any = key
	switch key.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey, *rsa.PrivateKey:
	default:
		sk = cryptosigner.Opaque(key)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(cfg.alg), Key: sk},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		return "", fmt.Errorf("dpop: new proof: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("dpop: new proof: sign: %w", err)
	}
	return jws.CompactSerialize()
}

func algorithmFor(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ES256, nil
		case elliptic.P384():
			return ES384, nil
		}
	case ed25519.PublicKey:
		return EdDSA, nil
	case *rsa.PublicKey:
		return PS256, nil
	}
	return "", fmt.Errorf("dpop: new proof: no algorithm for a %T key", pub)
}
