// Package jsbundle extracts the string literals of React Native JavaScript
// bundles, whether shipped as plain (usually minified) JavaScript or as
// Hermes bytecode, so that detectors can search them for secrets and AI
// endpoints. It reads untrusted bytes: every call is bounded by Limits and
// returns an error, never a panic, on malformed input.
package jsbundle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// BundleKind is the form of a bundle, recognized by content.
type BundleKind int

const (
	// Unknown is content that is neither JavaScript text nor Hermes bytecode.
	Unknown BundleKind = iota
	// PlainJS is JavaScript source text.
	PlainJS
	// Hermes is Hermes bytecode (a .hbc file, often still named *.bundle).
	Hermes
)

// String returns "unknown", "plain" or "hermes".
func (k BundleKind) String() string {
	switch k {
	case PlainJS:
		return "plain"
	case Hermes:
		return "hermes"
	default:
		return "unknown"
	}
}

// HermesMagic is the little-endian u64 at offset 0 of every executable
// Hermes bytecode file.
const HermesMagic uint64 = 0x1F1903C103BC1FC6

// Errors returned by Strings. Callers decide with errors.Is.
var (
	// ErrTooLarge is returned when the input is larger than Limits.MaxSize.
	ErrTooLarge = errors.New("bundle larger than the size limit")
	// ErrNotBundle is returned for content that is neither JavaScript text
	// nor Hermes bytecode.
	ErrNotBundle = errors.New("not a JavaScript bundle")
	// ErrMalformed is returned for Hermes bytecode whose tables do not fit
	// the file or do not agree with each other.
	ErrMalformed = errors.New("malformed Hermes bytecode")
)

// Limits bounds the work Strings does. A zero field takes its default.
type Limits struct {
	// MaxSize is the largest input accepted, in bytes.
	MaxSize int64
	// MaxStrings is the largest number of distinct strings kept; when it
	// is reached, Result.Truncated is set and extraction stops.
	MaxStrings int
	// MaxStringLen is the largest length of one kept string, in bytes of
	// UTF-8; longer strings are cut (at a rune boundary) and
	// Result.Truncated is set.
	MaxStringLen int
	// MaxTemplateDepth bounds the nesting of `${…}` substitutions in
	// template literals the tokenizer follows.
	MaxTemplateDepth int
}

// Default limits: a large production bundle is 5–20 MB with some 100,000
// distinct string literals.
const (
	DefaultMaxSize          = 64 << 20
	DefaultMaxStrings       = 200_000
	DefaultMaxStringLen     = 16 << 10
	DefaultMaxTemplateDepth = 64
)

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxSize:          DefaultMaxSize,
		MaxStrings:       DefaultMaxStrings,
		MaxStringLen:     DefaultMaxStringLen,
		MaxTemplateDepth: DefaultMaxTemplateDepth,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxSize <= 0 {
		l.MaxSize = d.MaxSize
	}
	if l.MaxStrings <= 0 {
		l.MaxStrings = d.MaxStrings
	}
	if l.MaxStringLen <= 0 {
		l.MaxStringLen = d.MaxStringLen
	}
	if l.MaxTemplateDepth <= 0 {
		l.MaxTemplateDepth = d.MaxTemplateDepth
	}
	return l
}

// Result is what Strings extracted.
type Result struct {
	// Kind is the form of the bundle.
	Kind BundleKind
	// Version is the Hermes bytecode version; 0 for plain JavaScript.
	Version int
	// Strings are the distinct non-empty strings, in order of first
	// appearance (plain JavaScript) or string-table order (Hermes).
	Strings []string
	// Truncated reports that a limit cut the extraction short.
	Truncated bool
}

// Kind recognizes a bundle from its first bytes (512 are plenty).
// Hermes bytecode is recognized by its magic number; JavaScript text by
// being text: valid UTF-8 without NUL or other control bytes besides
// whitespace.
func Kind(head []byte) BundleKind {
	if len(head) >= 8 && binary.LittleEndian.Uint64(head) == HermesMagic {
		return Hermes
	}
	if len(head) == 0 {
		return Unknown
	}
	h := head
	if len(h) > 512 {
		h = h[:512]
	}
	// A cut at the end of head may split a rune: ignore a short tail.
	for i := 0; i < len(h); {
		c := h[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
				return Unknown
			}
			if c == 0x7f {
				return Unknown
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(h[i:])
		if r == utf8.RuneError && size <= 1 {
			if len(h)-i < utf8.UTFMax && !utf8.FullRune(h[i:]) {
				break
			}
			return Unknown
		}
		i += size
	}
	return PlainJS
}

// Strings extracts the strings of a bundle: the string literals of
// JavaScript text (escapes decoded, template literal text without its
// substitutions, comments and regular expression literals skipped), or
// the string table of Hermes bytecode (see hermes.go for the versions
// read). Zero fields of lim take their defaults.
//
// When Hermes bytecode has string-table entries outside its string
// storage, Strings returns both the strings it could read and an error
// wrapping ErrMalformed.
func Strings(data []byte, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxSize {
		return nil, fmt.Errorf("jsbundle: %d bytes, limit %d: %w", len(data), lim.MaxSize, ErrTooLarge)
	}
	switch Kind(data) {
	case Hermes:
		return hermesStrings(data, lim)
	case PlainJS:
		return plainStrings(data, lim), nil
	default:
		return nil, fmt.Errorf("jsbundle: %w", ErrNotBundle)
	}
}

// collector keeps distinct strings within the limits.
type collector struct {
	lim       Limits
	seen      map[string]struct{}
	out       []string
	truncated bool
	full      bool
}

func newCollector(lim Limits) *collector {
	return &collector{lim: lim, seen: make(map[string]struct{})}
}

// add keeps s (cut to MaxStringLen) unless it is empty or already kept.
func (c *collector) add(s string) {
	if s == "" || c.full {
		return
	}
	if len(s) > c.lim.MaxStringLen {
		s = cutUTF8(s, c.lim.MaxStringLen)
		c.truncated = true
	}
	if _, ok := c.seen[s]; ok {
		return
	}
	if len(c.out) >= c.lim.MaxStrings {
		c.truncated = true
		c.full = true
		return
	}
	c.seen[s] = struct{}{}
	c.out = append(c.out, s)
}

// addBytes is add for a buffer the caller reuses: it allocates only for
// strings it keeps.
func (c *collector) addBytes(b []byte) {
	if len(b) == 0 || c.full {
		return
	}
	if len(b) <= c.lim.MaxStringLen {
		if _, ok := c.seen[string(b)]; ok {
			return
		}
	}
	c.add(string(b))
}

// cutUTF8 cuts s to at most n bytes without splitting a rune.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
