// Package appcontent is the platform-neutral part of an app's analysis:
// the machine-learning models, secrets, cloud-AI endpoints and SDKs that a
// package carries, whether it is an APK, an App Bundle, an iOS app or a
// source tree. The Android and iOS analyzers feed it what they found in
// their own formats and get back hits of the same catalogue rules, so that
// one model, one key or one SDK is reported the same way on every platform.
package appcontent

import (
	"fmt"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// Group gathers the sites of one occurrence into a single hit: the first
// add of a rule and key makes the hit, later ones add locations.
type Group struct {
	order []string
	hits  map[string]*finding.Hit
}

// NewGroup returns an empty group.
func NewGroup() *Group { return &Group{hits: make(map[string]*finding.Hit)} }

// Add records one site of the occurrence key of rule.
func (g *Group) Add(rule, key, msg, evidence string, loc finding.Location) *finding.Hit {
	id := rule + "\x00" + key
	h, ok := g.hits[id]
	if !ok {
		h = &finding.Hit{Rule: rule, Key: key, Message: msg, Evidence: evidence}
		g.hits[id] = h
		g.order = append(g.order, id)
	}
	for _, l := range h.Locations {
		if l == loc {
			return h
		}
	}
	h.Locations = append(h.Locations, loc)
	return h
}

// List returns the hits in the order they were first added; a hit seen in
// several places says how many.
func (g *Group) List() []finding.Hit {
	out := make([]finding.Hit, 0, len(g.order))
	for _, id := range g.order {
		h := g.hits[id]
		if n := len(h.Locations); n > 1 {
			h.Message += fmt.Sprintf(" (%d places)", n)
		}
		out = append(out, *h)
	}
	return out
}

// Truncate shortens s to n runes, marking the cut.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// HumanSize renders a byte count for messages.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// IsText reports whether the first bytes of a file look like text: valid
// UTF-8 (a character cut at the end is fine) without NUL and with few
// control characters.
func IsText(h []byte) bool {
	if len(h) == 0 {
		return false
	}
	// A cut multi-byte character at the end of the sniffed part is fine.
	for i := 0; i < 3 && !utf8.Valid(h) && len(h) > 0; i++ {
		h = h[:len(h)-1]
	}
	if !utf8.Valid(h) {
		return false
	}
	ctrl := 0
	for _, c := range h {
		if c == 0 {
			return false
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctrl++
		}
	}
	return ctrl*100 < len(h)
}
