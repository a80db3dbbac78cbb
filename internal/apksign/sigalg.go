package apksign

import (
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 DSA is only verified, never used to sign: old APKs are signed with it
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/fips140"
	_ "crypto/md5" // MD5 digests of old JAR signatures
	"crypto/rsa"
	_ "crypto/sha1" // SHA-1 digests of JAR signatures
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Bounds on public keys, checked before any public-key operation so that
// a hostile key cannot make verification slow.
const (
	maxRSABits = 16384
	maxDSABits = 4096
)

// hashName names a digest the way reports do.
func hashName(h crypto.Hash) string {
	switch h {
	case crypto.MD5:
		return "MD5"
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA224:
		return "SHA-224"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

// sortedHashNames names a set of digests, weakest first.
func sortedHashNames(hs []crypto.Hash) []string {
	if len(hs) == 0 {
		return nil
	}
	hs = slices.Clone(hs)
	slices.Sort(hs)
	hs = slices.Compact(hs)
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hashName(h)
	}
	return out
}

// keyInfo names a public key's algorithm and size.
func keyInfo(pub crypto.PublicKey) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case *dsa.PublicKey:
		return "DSA", k.P.BitLen()
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return fmt.Sprintf("%T", pub), 0
}

// verifySignature checks sig over the digest of data made with h. pss
// selects RSASSA-PSS (salt as long as the digest, as schemes v2/v3 use).
// The error wraps ErrBadSignature or ErrUnsupported.
func verifySignature(pub crypto.PublicKey, h crypto.Hash, pss bool, data, sig []byte) error {
	if !h.Available() {
		return fmt.Errorf("%w: digest %s", ErrUnsupported, hashName(h))
	}
	hh := h.New()
	hh.Write(data)
	sum := hh.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() > maxRSABits {
			return fmt.Errorf("%w: RSA key of %d bits", ErrUnsupported, k.N.BitLen())
		}
		var err error
		if pss {
			err = rsa.VerifyPSS(k, h, sum, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
		} else {
			err = rsa.VerifyPKCS1v15(k, h, sum, sig)
		}
		if err != nil {
			return fmt.Errorf("%w: RSA: %v", ErrBadSignature, err)
		}
		return nil
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum, sig) {
			return fmt.Errorf("%w: ECDSA", ErrBadSignature)
		}
		return nil
	case *dsa.PublicKey:
		return verifyDSA(k, sum, sig)
	}
	kind, _ := keyInfo(pub)
	return fmt.Errorf("%w: %s key", ErrUnsupported, kind)
}

func verifyDSA(k *dsa.PublicKey, sum, sig []byte) error {
	if k.P == nil || k.Q == nil || k.G == nil || k.Y == nil || k.P.BitLen() > maxDSABits || k.Q.BitLen() > k.P.BitLen() {
		return fmt.Errorf("%w: DSA key of %d bits", ErrUnsupported, k.P.BitLen())
	}
	if fips140.Enforced() {
		return fmt.Errorf("%w: DSA in FIPS 140-only mode", ErrUnsupported)
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 {
		return fmt.Errorf("%w: DSA signature encoding", ErrBadSignature)
	}
	// The digest is truncated to the length of the subgroup order (FIPS
	// 186-3, 4.6); crypto/dsa leaves that to its caller.
	if n := k.Q.BitLen() / 8; len(sum) > n {
		sum = sum[:n]
	}
	if !dsa.Verify(k, sum, rs.R, rs.S) {
		return fmt.Errorf("%w: DSA", ErrBadSignature)
	}
	return nil
}

// keyFamily is the key algorithm a signature algorithm name needs.
func keyFamily(sigAlg string) string {
	family, _, _ := strings.Cut(sigAlg, "-")
	return family
}
