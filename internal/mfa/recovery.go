package mfa

import (
	"crypto/sha256"
	"fmt"
	"io"
)

// RecoveryCodeLen is the length of a recovery code: characters of
// recoveryAlphabet, 5 random bits each (120 bits a code, above the 112
// bits NIST SP 800-63B asks of look-up secrets stored with a plain hash),
// shown in groups of four: "7k2m-q9xd-4hzt-e0wb-3n5p-r8vy".
const RecoveryCodeLen = 24

// recoveryAlphabet is Crockford's base 32: digits and lower-case letters
// without i, l, o and u. Typed input is read leniently: upper case is
// folded, o reads as 0, i and l as 1, hyphens and spaces are ignored.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// maxRecoveryInput bounds the recovery code strings looked at.
const maxRecoveryInput = 64

// newRecoveryCodes returns a set of codes, formatted for showing, and the
// hashes to store.
func (s *Service) newRecoveryCodes(userID string) (codes []string, hashes [][]byte, err error) {
	n := s.opt.RecoveryCodes
	raw := make([]byte, n*RecoveryCodeLen)
	if _, err := io.ReadFull(s.opt.Rand, raw); err != nil {
		return nil, nil, fmt.Errorf("recovery codes: %w", err)
	}
	seen := make(map[string]bool, n)
	for i := range n {
		norm := make([]byte, RecoveryCodeLen)
		for j := range norm {
			// 256 is a multiple of 32: the low five bits are uniform.
			norm[j] = recoveryAlphabet[raw[i*RecoveryCodeLen+j]&31]
		}
		if seen[string(norm)] {
			// 2^-120 by chance; a broken Rand otherwise.
			return nil, nil, fmt.Errorf("recovery codes: random source repeats")
		}
		seen[string(norm)] = true
		codes = append(codes, formatRecoveryCode(norm))
		hashes = append(hashes, recoveryHash(userID, string(norm)))
	}
	clear(raw)
	return codes, hashes, nil
}

func formatRecoveryCode(norm []byte) string {
	out := make([]byte, 0, RecoveryCodeLen+RecoveryCodeLen/4)
	for i, c := range norm {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, c)
	}
	return string(out)
}

// parseRecoveryCode normalizes a typed recovery code; ok is false when it
// cannot be one.
func parseRecoveryCode(code string) (string, bool) {
	if len(code) > maxRecoveryInput {
		return "", false
	}
	out := make([]byte, 0, RecoveryCodeLen)
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch c {
		case '-', ' ':
			continue
		case 'o':
			c = '0'
		case 'i', 'l':
			c = '1'
		}
		if !isRecoveryChar(c) || len(out) == RecoveryCodeLen {
			return "", false
		}
		out = append(out, c)
	}
	if len(out) != RecoveryCodeLen {
		return "", false
	}
	return string(out), true
}

func isRecoveryChar(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u')
}

// recoveryHash is what is stored of a recovery code: SHA-256 over a
// purpose label, the user and the normalized code. Binding the user means
// one user's hash is no use against another's, and a table of hashes
// cannot be searched for all users at once.
func recoveryHash(userID, norm string) []byte {
	h := sha256.New()
	h.Write([]byte("bulwark mfa recovery code v1\x00"))
	h.Write([]byte(userID))
	h.Write([]byte{0})
	h.Write([]byte(norm))
	return h.Sum(nil)
}
