package dpop

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// Thumbprint returns the RFC 7638 JWK SHA-256 thumbprint of a key's
// public part, base64url without padding: the value of cnf.jkt (RFC 9449
// §6) and of the dpop_jkt authorization parameter (§10).
func Thumbprint(k jose.JSONWebKey) (string, error) {
	pub := k.Public()
	if !pub.Valid() {
		return "", errors.New("dpop: thumbprint: not a valid key")
	}
	sum, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("dpop: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// PublicKeyThumbprint is Thumbprint of a crypto public key (an
// *ecdsa.PublicKey, ed25519.PublicKey or *rsa.PublicKey).
func PublicKeyThumbprint(pub crypto.PublicKey) (string, error) {
	return Thumbprint(jose.JSONWebKey{Key: pub})
}

// AccessTokenHash is the ath of a proof sent with accessToken:
// base64url(SHA-256(accessToken)) (RFC 9449 §4.2).
func AccessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Confirmation is the cnf claim of a DPoP-bound access token (RFC 9449
// §6.1, RFC 7800).
type Confirmation struct {
	JKT string `json:"jkt"`
}

// Confirmation returns the cnf claim that binds a token to the proof's
// key; the authorization server puts it in the access token it issues in
// answer to this proof, and stores JKT with the refresh token.
func (p Proof) Confirmation() Confirmation { return Confirmation{JKT: p.JKT} }

// CheckBinding reports whether a verified proof was made with the key a
// token is bound to: cnfJKT is the token's cnf.jkt (or the jkt stored
// with a refresh token). The comparison is in constant time. An empty
// cnfJKT is a token bound to nothing, and a mismatch: a bound token is
// never accepted without its key, and an unbound one is not upgraded.
func CheckBinding(p Proof, cnfJKT string) error {
	if cnfJKT == "" || p.JKT == "" {
		return refuse(ErrBindingMismatch, "no binding")
	}
	if subtle.ConstantTimeCompare([]byte(p.JKT), []byte(cnfJKT)) != 1 {
		return refuse(ErrBindingMismatch, "")
	}
	return nil
}
