package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Stream applies the output guards to an answer that arrives in pieces,
// and restores placeholders, also when a placeholder or a secret is split
// across pieces. It holds back only what it must: the unfinished last word
// (and, with output guards on, a few bytes before it, so that a phone
// number or an address split across pieces is seen whole), and releases
// everything else at once.
type Stream struct {
	s       *Session
	pending string   // raw model text not released yet
	tail    string   // the last raw bytes released, context for detection across the cut
	words   []string // the last words released, for the verbatim watch
	hits    int      // system-prompt shingles repeated so far
	leaked  bool
	blocked bool
	// restoreOnly: no output guard runs; placeholders are restored.
	restoreOnly bool
}

// Output guards look this far behind the cut, and this far before it.
const (
	streamLookback = 48
	streamHoldMax  = 512 // a word longer than this is released anyway
)

// Stream starts the output filter of one answer (one per choice).
func (s *Session) Stream() *Stream { return &Stream{s: s} }

// RestoreStream starts a filter that only restores placeholders, split
// across pieces or not (streamed tool-call arguments).
func (s *Session) RestoreStream() *Stream { return &Stream{s: s, restoreOnly: true} }

// Blocked reports whether the answer was blocked; nothing more is
// released after that.
func (st *Stream) Blocked() bool { return st.blocked }

// Push takes the next piece of the answer and returns the text that may be
// released now, guarded and restored.
func (st *Stream) Push(delta string) string {
	if st.blocked || delta == "" {
		return ""
	}
	st.pending += delta
	cut := st.safeCut()
	if cut == 0 {
		return ""
	}
	return st.release(cut)
}

// Finish releases what is held back, at the end of the answer.
func (st *Stream) Finish() string {
	if st.blocked || st.pending == "" {
		return ""
	}
	return st.release(len(st.pending))
}

// outputGuards reports whether any output guard runs.
func (st *Stream) outputGuards() bool {
	if st.restoreOnly {
		return false
	}
	p := st.s.p
	return p.On(OutputSecrets) || p.On(OutputPII) || (p.On(SystemPromptLeak) && (st.s.canary != "" || len(st.s.system.set) > 0))
}

// safeCut is how much of pending can be released now.
func (st *Stream) safeCut() int {
	p := st.pending
	cut := len(p)
	if st.outputGuards() {
		ws := strings.LastIndexFunc(p, unicode.IsSpace)
		switch {
		case ws >= 0:
			cut = max(ws+1-streamLookback, 0)
			// Do not cut inside a word.
			for cut > 0 && cut < len(p) && !isSpaceBefore(p, cut) {
				cut--
			}
		case len(p) > streamHoldMax:
			cut = len(p) - streamLookback
		default:
			cut = 0
		}
	}
	// Never release the beginning of a placeholder still being streamed.
	if i := strings.LastIndexByte(p[:cut], '<'); i >= 0 && maybePlaceholderPrefix(p[i:cut]) {
		cut = i
	}
	for cut > 0 && cut < len(p) && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return cut
}

func isSpaceBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}

// release guards and restores pending[:cut] and returns it.
func (st *Stream) release(cut int) string {
	s := st.s
	raw := st.pending[:cut]
	if st.outputGuards() {
		// Detection sees the released tail and everything pending, so that
		// a match crossing the cut is found whole; a match that would be
		// cut is held back entirely.
		window := st.tail + st.pending
		base := len(st.tail)
		spans := st.outputSpans(window)
		for _, sp := range spans {
			if sp.Start < base+cut && sp.End > base+cut && cut < len(st.pending) {
				cut = max(sp.Start-base, 0)
				for cut > 0 && !utf8.RuneStart(st.pending[cut]) {
					cut--
				}
			}
		}
		raw = st.pending[:cut]
		var b strings.Builder
		last := 0
		for _, sp := range spans {
			start, end := sp.Start-base, sp.End-base
			if end <= 0 || start >= cut {
				continue // already released, or not yet
			}
			start, end = max(start, 0), min(end, cut)
			guard := OutputPII
			switch sp.Type {
			case "SECRET":
				guard = OutputSecrets
			case leakType:
				guard = SystemPromptLeak
			}
			act := s.p.Rule(guard).Action
			s.record(guard, sp.Rule, sp.Score, act)
			switch act {
			case Block:
				st.blocked = true
				st.pending = ""
				return ""
			case Redact:
				if start < last {
					continue
				}
				b.WriteString(raw[last:start])
				b.WriteString("[REDACTED_" + label(sp.Type) + "]")
				last = end
			}
		}
		if last > 0 {
			b.WriteString(raw[last:])
			raw = b.String()
		}
		st.tail = lastBytes(st.tail+st.pending[:cut], streamLookback*2)
	}
	st.pending = st.pending[cut:]
	if raw == "" {
		return ""
	}
	if !st.restoreOnly && s.p.On(SystemPromptLeak) && st.verbatim(raw) {
		act := s.p.Rule(SystemPromptLeak).Action
		s.record(SystemPromptLeak, "verbatim", 1, act)
		if act == Block {
			st.blocked, st.pending = true, ""
			return ""
		}
	}
	return s.vault.restore(raw)
}

// leakType is the span type of a canary in an answer.
const leakType = "SYSTEM_PROMPT"

// outputSpans finds, in the model's own text, the canary and the secrets
// and PII the output guards look for.
func (st *Stream) outputSpans(text string) []Span {
	s := st.s
	var spans []Span
	if s.canary != "" && s.p.On(SystemPromptLeak) {
		spans = append(spans, findCanary(text, s.canary)...)
	}
	if s.p.On(OutputSecrets) && s.e.d.FindSecrets != nil {
		spans = append(spans, s.e.d.FindSecrets(text)...)
	}
	if s.p.On(OutputPII) && s.e.d.FindPII != nil {
		for _, sp := range s.e.d.FindPII(text) {
			// A placeholder is not PII; what the model wrote around one is.
			if !strings.HasPrefix(text[sp.Start:], "<") {
				spans = append(spans, sp)
			}
		}
	}
	return nonOverlapping(spans, len(text))
}

// findCanary finds the canary, in any case.
func findCanary(text, canary string) []Span {
	var out []Span
	lower, want := strings.ToLower(text), strings.ToLower(canary)
	for i := 0; ; {
		j := strings.Index(lower[i:], want)
		if j < 0 {
			return out
		}
		out = append(out, Span{Type: leakType, Start: i + j, End: i + j + len(want), Rule: "canary", Score: 1})
		i += j + len(want)
	}
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}
