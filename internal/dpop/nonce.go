package dpop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultNonceRotate is how often the nonce key changes when
// NoncesOptions.Rotate is zero. A nonce is accepted in the period it was
// issued and the next one: between 5 and 10 minutes.
const DefaultNonceRotate = 5 * time.Minute

// Nonce layout: version, period, salt, tag.
const (
	nonceVersion = 1
	nonceSalt    = 12
	nonceTag     = 16
	nonceBytes   = 1 + 8 + nonceSalt + nonceTag
)

var nonceLen = base64.RawURLEncoding.EncodedLen(nonceBytes)

// Errors of Nonces.Check; Verify reports them as a *UseNonceError.
var (
	errNoNonce        = errors.New("no nonce")
	errMalformedNonce = errors.New("malformed nonce")
	errStaleNonce     = errors.New("stale nonce")
	errForgedNonce    = errors.New("nonce not issued by this server")
)

// NoncesOptions configure Nonces.
type NoncesOptions struct {
	// Secret derives the nonce keys, at least 32 bytes. Gateway
	// instances behind one name must share it, so that a nonce issued by
	// one is accepted by the others. When nil a random secret is made,
	// which suits one process.
	Secret []byte
	// Rotate is how long one key issues nonces; DefaultNonceRotate when
	// zero, 1 minute to 1 hour.
	Rotate time.Duration
	// Now reads the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the source of salts and of a missing Secret; crypto/rand
	// when nil.
	Rand io.Reader
}

// Nonces issues and checks stateless server nonces (RFC 9449 §8): a
// nonce is a period number, a random salt and an HMAC-SHA-256 tag under
// a key derived from the secret for that period. It is accepted in its
// period and the next, so nothing needs storing and instances sharing
// the secret agree. A nonce limits how long a proof made in advance (by
// malware holding the key for a moment) stays usable; replay of a proof
// is stopped by the ReplayCache, not by the nonce. Nonces is safe for
// concurrent use.
type Nonces struct {
	secret []byte
	rotate time.Duration
	now    func() time.Time
	rand   io.Reader
}

// NewNonces validates the options and returns the nonce issuer.
func NewNonces(opt NoncesOptions) (*Nonces, error) {
	if opt.Rotate == 0 {
		opt.Rotate = DefaultNonceRotate
	}
	if opt.Rotate < time.Minute || opt.Rotate > time.Hour {
		return nil, fmt.Errorf("dpop: NoncesOptions.Rotate %s: want 1m to 1h", opt.Rotate)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	switch {
	case opt.Secret == nil:
		opt.Secret = make([]byte, 32)
		if _, err := io.ReadFull(opt.Rand, opt.Secret); err != nil {
			return nil, fmt.Errorf("dpop: nonce secret: %w", err)
		}
	case len(opt.Secret) < 32:
		return nil, fmt.Errorf("dpop: NoncesOptions.Secret: %d bytes, want at least 32", len(opt.Secret))
	default:
		opt.Secret = append([]byte(nil), opt.Secret...)
	}
	return &Nonces{secret: opt.Secret, rotate: opt.Rotate, now: opt.Now, rand: opt.Rand}, nil
}

// Issue returns a fresh nonce, for the DPoP-Nonce response header.
func (n *Nonces) Issue() (string, error) {
	var b [nonceBytes]byte
	b[0] = nonceVersion
	binary.BigEndian.PutUint64(b[1:9], n.period())
	if _, err := io.ReadFull(n.rand, b[9:9+nonceSalt]); err != nil {
		return "", fmt.Errorf("dpop: nonce salt: %w", err)
	}
	copy(b[9+nonceSalt:], n.tag(b[:9+nonceSalt]))
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Check reports whether nonce was issued by Issue (with the same secret)
// in the current or the previous period.
func (n *Nonces) Check(nonce string) error {
	if nonce == "" {
		return errNoNonce
	}
	if len(nonce) != nonceLen {
		return errMalformedNonce
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(nonce)
	if err != nil || len(b) != nonceBytes || b[0] != nonceVersion {
		return errMalformedNonce
	}
	p, now := binary.BigEndian.Uint64(b[1:9]), n.period()
	if p != now && p+1 != now {
		return errStaleNonce
	}
	if !hmac.Equal(b[9+nonceSalt:], n.tag(b[:9+nonceSalt])) {
		return errForgedNonce
	}
	return nil
}

func (n *Nonces) period() uint64 {
	return uint64(n.now().UnixNano() / int64(n.rotate))
}

// tag is the truncated HMAC of msg (whose bytes 1..9 are the period)
// under the key of that period.
func (n *Nonces) tag(msg []byte) []byte {
	kdf := hmac.New(sha256.New, n.secret)
	kdf.Write([]byte("bulwark dpop nonce key\x00"))
	kdf.Write(msg[1:9])
	mac := hmac.New(sha256.New, kdf.Sum(nil))
	mac.Write(msg)
	return mac.Sum(nil)[:nonceTag]
}
