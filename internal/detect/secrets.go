package detect

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Detector describes one kind of secret. Detectors are data: the table in
// Defaults is the built-in set; callers may add their own.
type Detector struct {
	// ID is stable; reports and suppressions refer to it.
	ID       string
	Provider string
	Category Category
	Tier     Tier
	// Keywords are lower-case substrings of which one must occur in the
	// text before the pattern runs (a fast prefilter). Empty: always run.
	Keywords []string
	// Pattern is an RE2 expression. When it has a capturing group, the
	// first group is the secret; otherwise the whole match is.
	Pattern string
	// MinEntropy rejects secrets with fewer bits per character
	// (placeholders such as "sk-proj-xxxxxxxx…").
	MinEntropy float64
	// Context lists lower-case words of which one must occur near the
	// match, or in the context strings the caller passes, for the match to
	// count. Empty: no requirement.
	Context []string
	// Fallback names the detector that reports the match instead when the
	// context is missing (a Google API key that is not a Gemini key).
	Fallback string
	// Generic marks a detector of unstructured tokens: it only runs when
	// context words are present, and its provider comes from the word found.
	Generic bool
	// Labeled marks a label: value detector, whose value is filtered for
	// words and placeholders.
	Labeled bool
}

// Window is how many bytes around a match are searched for context words.
const Window = 160

// Secrets runs a set of detectors.
type Secrets struct {
	detectors []compiled
	byID      map[string]int
	// keywords finds every detector keyword and context word of a text in
	// one pass; compiled.keywords and .context index into it.
	keywords *keywordSet
}

type compiled struct {
	Detector
	re                *regexp.Regexp
	keywords, context []int
}

// NewSecrets compiles detectors. IDs must be unique and fallbacks must name
// a detector of the set.
func NewSecrets(ds []Detector) (*Secrets, error) {
	s := &Secrets{byID: make(map[string]int, len(ds))}
	for i, d := range ds {
		if d.ID == "" {
			return nil, fmt.Errorf("detector %d: empty id", i)
		}
		if _, dup := s.byID[d.ID]; dup {
			return nil, fmt.Errorf("detector %s: duplicate id", d.ID)
		}
		re, err := regexp.Compile(d.Pattern)
		if err != nil {
			return nil, fmt.Errorf("detector %s: %w", d.ID, err)
		}
		if re.NumSubexp() > 1 {
			return nil, fmt.Errorf("detector %s: at most one capturing group", d.ID)
		}
		for _, k := range d.Keywords {
			if k != strings.ToLower(k) {
				return nil, fmt.Errorf("detector %s: keyword %q must be lower case", d.ID, k)
			}
		}
		s.byID[d.ID] = i
		s.detectors = append(s.detectors, compiled{Detector: d, re: re})
	}
	for _, d := range ds {
		if d.Fallback != "" {
			if _, ok := s.byID[d.Fallback]; !ok {
				return nil, fmt.Errorf("detector %s: fallback %q is not a detector", d.ID, d.Fallback)
			}
		}
	}
	var words []string
	index := map[string]int{}
	id := func(w string) int {
		if i, ok := index[w]; ok {
			return i
		}
		index[w] = len(words)
		words = append(words, w)
		return len(words) - 1
	}
	for i := range s.detectors {
		d := &s.detectors[i]
		for _, w := range d.Keywords {
			if w != "" {
				d.keywords = append(d.keywords, id(w))
			}
		}
		for _, w := range d.Context {
			if w != "" {
				d.context = append(d.context, id(strings.ToLower(w)))
			}
		}
	}
	s.keywords = newKeywordSet(words)
	return s, nil
}

// Default returns the built-in detector set.
func Default() *Secrets {
	s, err := NewSecrets(Defaults())
	if err != nil {
		panic("detect: built-in detectors do not compile: " + err.Error()) // a test covers it
	}
	return s
}

// Detectors returns the detector definitions, in priority order.
func (s *Secrets) Detectors() []Detector {
	out := make([]Detector, len(s.detectors))
	for i, d := range s.detectors {
		out[i] = d.Detector
	}
	return out
}

// MaxText is the longest text Find examines; longer input is examined in
// its first MaxText bytes only (callers split large files).
const MaxText = 4 << 20

// Context holds strings seen near a text (the other strings of the same
// class, a resource's name) that count as context for detectors that
// require it. Build it once and reuse it for every text it applies to; it
// remembers which words it contains, so it must not be shared between
// goroutines.
type Context struct{ c *contextData }

type contextData struct {
	lower string
	memo  map[string]bool
}

// NewContext builds a Context from strings.
func NewContext(parts ...string) Context {
	return Context{c: &contextData{lower: strings.ToLower(strings.Join(parts, "\n")), memo: map[string]bool{}}}
}

// has reports whether the context contains a word, remembering the answer.
func (c Context) has(word string) bool {
	if c.c == nil || c.c.lower == "" {
		return false
	}
	v, ok := c.c.memo[word]
	if !ok {
		v = strings.Contains(c.c.lower, word)
		c.c.memo[word] = v
	}
	return v
}

// hasAny reports whether the context contains one of the words, and which.
func (c Context) hasAny(words []string) (string, bool) {
	for _, w := range words {
		if c.has(w) {
			return w, true
		}
	}
	return "", false
}

// Find returns the secrets in text, at most one per span: where matches
// overlap, the more specific detector (earlier in the set) wins.
func (s *Secrets) Find(text string, ctx Context) []Match {
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	lower := strings.ToLower(text)
	found := make([]bool, s.keywords.words)
	s.keywords.scan(lower, found)
	var out []Match
	for _, d := range s.detectors {
		if len(d.Keywords) > 0 && !anyFound(found, d.keywords) {
			continue
		}
		if d.Generic && len(text) < 32 {
			continue // no token long enough
		}
		if d.Generic && !anyFound(found, d.context) {
			if _, ok := ctx.hasAny(d.Context); !ok {
				continue
			}
		}
		for _, loc := range d.re.FindAllStringSubmatchIndex(text, 64) {
			start, end := loc[0], loc[1]
			if len(loc) >= 4 && loc[2] >= 0 {
				start, end = loc[2], loc[3]
			}
			if !tokenBoundary(text, loc[0], loc[1]) {
				continue
			}
			secret := text[start:end]
			if d.MinEntropy > 0 && Entropy(secret) < d.MinEntropy {
				continue
			}
			if d.Labeled && !plausibleValue(secret, strings.Contains(lower[loc[0]:start], " is ")) {
				continue
			}
			if d.Generic && !plausibleToken(secret) {
				continue
			}
			m := Match{Detector: d.ID, Provider: d.Provider, Category: d.Category, Tier: d.Tier, Start: start, End: end, Secret: secret}
			if len(d.Context) > 0 {
				word, ok := nearWord(lower, ctx, start, end, d.Context)
				switch {
				case !ok && d.Fallback != "":
					fb := s.detectors[s.byID[d.Fallback]]
					m.Detector, m.Provider, m.Category, m.Tier = fb.ID, fb.Provider, fb.Category, fb.Tier
				case !ok:
					continue
				case d.Generic:
					m.Provider = providerOf(word)
				}
			}
			if d.ID == "jwt" {
				m = classifyJWT(m)
			}
			out = append(out, m)
		}
	}
	return resolveOverlaps(out, s.byID)
}

func anyFound(found []bool, ids []int) bool {
	for _, id := range ids {
		if found[id] {
			return true
		}
	}
	return false
}

// nearWord finds a context word within Window bytes of the match, or in
// the caller's context.
func nearWord(lower string, ctx Context, start, end int, words []string) (string, bool) {
	lo, hi := max(0, start-Window), min(len(lower), end+Window)
	near := lower[lo:start] + " " + lower[end:hi]
	for _, w := range words {
		if strings.Contains(near, w) {
			return w, true
		}
	}
	return ctx.hasAny(words)
}

func providerOf(word string) string {
	for _, c := range aiContext {
		if c.word == word {
			return c.provider
		}
	}
	return "AI provider"
}

// tokenBoundary rejects matches that are the middle of a longer token.
func tokenBoundary(text string, start, end int) bool {
	isTok := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	if start > 0 && isTok(text[start-1]) && isTok(text[start]) {
		return false
	}
	if end < len(text) && isTok(text[end]) && isTok(text[end-1]) {
		return false
	}
	return true
}

// resolveOverlaps keeps, for overlapping matches, the one from the detector
// that comes first in the set, then the longer one.
func resolveOverlaps(ms []Match, prio map[string]int) []Match {
	if len(ms) < 2 {
		return ms
	}
	slices.SortStableFunc(ms, func(a, b Match) int {
		if pa, pb := prio[a.Detector], prio[b.Detector]; pa != pb {
			return pa - pb
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	var kept []Match
	for _, m := range ms {
		overlaps := false
		for _, k := range kept {
			if m.Start < k.End && k.Start < m.End {
				overlaps = true
				break
			}
		}
		if !overlaps {
			kept = append(kept, m)
		}
	}
	slices.SortFunc(kept, func(a, b Match) int { return a.Start - b.Start })
	return kept
}

// notValues are words that follow a credential label in prose and UI
// strings without being a credential.
var notValues = map[string]bool{
	"required": true, "invalid": true, "incorrect": true, "empty": true, "missing": true,
	"optional": true, "mismatch": true, "hidden": true, "here": true, "field": true,
	"length": true, "must": true, "should": true, "null": true, "none": true, "nil": true,
	"true": true, "false": true, "undefined": true, "string": true, "text": true,
	"value": true, "enter": true, "not": true, "set": true, "reset": true, "changed": true,
	"wrong": true, "expired": true, "valid": true, "too": true, "the": true, "your": true,
	"this": true, "that": true, "and": true, "for": true, "with": true, "from": true,
	"please": true, "updated": true, "saved": true, "sent": true, "stored": true, "used": true,
	"needed": true, "unknown": true, "default": true, "strength": true, "weak": true, "strong": true,
	"match": true, "matches": true, "type": true, "name": true, "user": true, "username": true,
	"login": true, "error": true, "failed": true, "success": true, "successful": true,
}

// plausibleValue filters the value of a label: value pair. After "is"
// (prose: "the password is …") the value must look unlike a word: it needs
// a digit, a symbol, or a capital letter after the first.
func plausibleValue(v string, prose bool) bool {
	lv := strings.ToLower(strings.TrimRight(v, ".!:)"))
	if len(lv) < 4 || notValues[lv] {
		return false
	}
	switch v[0] {
	case '$', '%', '{', '<', '(', '[', '@', '#', '?', '*', '&':
		return false // variables, format verbs, templates, masks
	}
	if strings.Contains(v, "%s") || strings.Contains(v, "%d") || strings.HasSuffix(v, "(") {
		return false
	}
	if strings.Trim(v, "*xX•.-_") == "" {
		return false // masks and placeholders
	}
	for _, p := range []string{"your", "example", "placeholder", "changeme_here", "xxxx", "<", "redacted"} {
		if strings.Contains(lv, p) {
			return false
		}
	}
	if prose {
		wordLike := true
		for i, r := range v {
			switch {
			case r >= '0' && r <= '9', r >= 'A' && r <= 'Z' && i > 0:
				wordLike = false
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '\'':
			default:
				wordLike = false
			}
		}
		if wordLike {
			return false
		}
	}
	return true
}

// plausibleToken filters generic tokens: they need letters and digits,
// and must not be an identifier, a UUID or a run of one character class.
func plausibleToken(t string) bool {
	var lower, upper, digit, other int
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= 'a' && c <= 'z':
			lower++
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= '0' && c <= '9':
			digit++
		default:
			other++
		}
	}
	if digit < 2 || lower+upper < 2 {
		return false
	}
	if isUUID(t) {
		return false
	}
	// snake_case and kebab-case identifiers: several separators, few digits.
	if other >= 2 && digit*4 < len(t) {
		return false
	}
	return true
}

func isUUID(t string) bool {
	if len(t) != 36 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
