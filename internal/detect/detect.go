// Package detect finds sensitive text: secrets (AI provider keys first,
// then cloud and service credentials and private keys) and hard-coded
// credentials written as label/value pairs. Detectors are pure functions
// over strings, with no I/O, so that the scanner runs them over the strings
// of an app package and the gateway over prompts and answers.
//
// Callers never print a secret: Match.Masked and Digest give what a report
// may show.
package detect

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"unicode/utf8"
)

// Category groups detectors by what the secret unlocks.
type Category string

// Categories of secrets.
const (
	// CategoryAIKey is an API key of an AI model provider: whoever holds it
	// spends the owner's quota and reads what the account can read.
	CategoryAIKey Category = "ai-key"
	// CategoryCloudKey is a cloud or SaaS credential.
	CategoryCloudKey Category = "cloud-key"
	// CategoryPrivateKey is a private key in PEM or JSON form.
	CategoryPrivateKey Category = "private-key"
	// CategoryPublicKey is a key meant to be embedded but that deserves a
	// look (for example a Google API key, restricted by app signature).
	CategoryPublicKey Category = "public-key"
	// CategoryCredential is a password or token written as label: value.
	CategoryCredential Category = "credential"
)

// Tier says how a match was established.
type Tier int

// Tiers of certainty.
const (
	// TierContext: a generic token made credible by words around it.
	TierContext Tier = iota
	// TierExact: the token has a provider's documented, distinctive format.
	TierExact
)

func (t Tier) String() string {
	if t == TierExact {
		return "exact"
	}
	return "context"
}

// Match is one secret found in a text.
type Match struct {
	// Detector is the id of the detector that matched.
	Detector string
	// Provider names who issued the secret ("OpenAI", "AWS").
	Provider string
	Category Category
	Tier     Tier
	// Start and End are byte offsets of the secret in the scanned text.
	Start, End int
	// Secret is the matched value. Never log or print it: use Masked.
	Secret string
}

// Masked returns the secret with all but a few characters hidden.
func (m Match) Masked() string { return Mask(m.Secret) }

// Digest returns a short digest of the secret, for correlating occurrences.
func (m Match) Digest() string { return Digest(m.Secret) }

// Mask hides a secret for display: the first four and last two characters
// of long values; for shorter ones at most a quarter of the characters, so
// that a short password is never mostly revealed.
func Mask(s string) string {
	n := utf8.RuneCountInString(s)
	r := []rune(s)
	var head, tail int
	switch {
	case n >= 16:
		head, tail = 4, 2
	case n >= 8:
		head, tail = 2, 0
	case n >= 4:
		head, tail = 1, 0
	}
	return string(r[:head]) + "…" + string(r[n-tail:]) + " (" + itoa(n) + " chars)"
}

// Digest returns the first 12 hex characters of the SHA-256 of s.
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Entropy returns the Shannon entropy of s in bits per character.
func Entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	var h float64
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}
