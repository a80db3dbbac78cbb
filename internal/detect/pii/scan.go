package pii

import (
	"bytes"
	"unicode/utf8"
)

// span is a half-open byte range of the scanned text.
type span struct{ start, end int }

// numRun is a run of digits joined by single separators (space, '-', '.',
// '/', parentheses), optionally led by '+' and followed by a phone
// extension. Numeric recognizers (cards, SSNs, phones, IPv4, national ids)
// all start from these runs, so the text is walked once for all of them.
type numRun struct {
	start, end int // the whole run, extension included
	ext        int // start of the extension ("x123", " ext. 123"), or end when none
	digits     int // digits before the extension
	g0, g1     int // its digit groups are doc.groups[g0:g1]
	plus       bool
	paren      bool
	seps       uint8 // bit set of the separators used, see sepSpace…
	// glued says the run touches an identifier ("a456-4266", "123abc",
	// "12:30"): it is part of a token such as a UUID, a hash or a time, not
	// a number on its own.
	glued bool
}

// Separator bits of numRun.seps.
const (
	sepSpace uint8 = 1 << iota
	sepDash
	sepDot
	sepSlash
	sepParen
)

// maxRunGroups bounds the digit groups of one run, maxRunBytes its length.
const (
	maxRunGroups = 16
	maxRunBytes  = 64
)

// doc is the prepared text that the recognizers share. It is reused through
// a pool, so its slices keep their capacity between calls.
type doc struct {
	text   string
	lower  []byte // ASCII-lowercased text: same byte offsets
	digits int    // digits in text
	upper  int    // ASCII upper-case letters in text
	runs   []numRun
	groups []span
	urls   []span // URLs and code spans, where only exact formats are trusted
	cands  []Entity
	occ    []uint64 // bytes taken by accepted entities, see resolve
	over   bool     // the candidate cap was reached
	hits   []hit    // cue phrases found, in text order
	mask   uint64   // bit set of the cue lists with a hit
	// words are the word tokens, made on first use by tokenize.
	words     []word
	wordsDone bool
	scratch   []byte
	// toks are the alphanumeric tokens, made on first use by alnums.
	toks     []token
	toksDone bool
	// locals are the folded local parts of the e-mail addresses found,
	// made on first use by emailLocals.
	locals     [][]byte
	localsDone bool
}

func (d *doc) reset(text string) {
	d.text = text
	d.lower = d.lower[:0]
	d.digits, d.upper = 0, 0
	d.runs = d.runs[:0]
	d.groups = d.groups[:0]
	d.urls = d.urls[:0]
	d.cands = d.cands[:0]
	d.over = false
	d.words = d.words[:0]
	d.wordsDone = false
	d.hits = d.hits[:0]
	d.mask = 0
	d.toks = d.toks[:0]
	d.toksDone = false
	d.locals = d.locals[:0]
	d.localsDone = false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z':
			d.upper++
			c += 'a' - 'A'
		case c >= '0' && c <= '9':
			d.digits++
		}
		d.lower = append(d.lower, c)
	}
	d.findURLs()
	d.findCues()
	if d.digits > 0 {
		d.findRuns()
	}
}

// truncate cuts text to at most n bytes, on a UTF-8 boundary.
func truncate(text string, n int) string {
	if len(text) <= n {
		return text
	}
	i := n
	for i > n-utf8.UTFMax && i > 0 && !utf8.RuneStart(text[i]) {
		i--
	}
	return text[:i]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// isWordByte reports whether c can be part of a word or identifier: ASCII
// letters, digits, '_' and any byte of a multi-byte UTF-8 sequence (letters
// of other scripts).
func isWordByte(c byte) bool { return isAlnum(c) || c == '_' || c >= 0x80 }

// findRuns fills d.runs and d.groups.
func (d *doc) findRuns() {
	t := d.text
	for i := 0; i < len(t); {
		c := t[i]
		startsRun := isDigit(c) ||
			(c == '+' && i+1 < len(t) && (isDigit(t[i+1]) || (t[i+1] == '(' && i+2 < len(t) && isDigit(t[i+2])))) ||
			(c == '(' && i+1 < len(t) && isDigit(t[i+1]))
		if !startsRun || (i > 0 && isDigit(t[i-1])) {
			i++
			continue
		}
		i = d.run(i)
	}
}

// run reads one numeric run starting at i and returns where scanning goes on.
func (d *doc) run(i int) int {
	t := d.text
	r := numRun{start: i, g0: len(d.groups)}
	if t[i] == '+' {
		r.plus = true
		i++
	}
	j := i
	for j < len(t) && len(d.groups)-r.g0 < maxRunGroups && j-r.start < maxRunBytes {
		c := t[j]
		if isDigit(c) {
			k := j
			for k < len(t) && isDigit(t[k]) {
				k++
			}
			d.groups = append(d.groups, span{j, k})
			r.digits += k - j
			j = k
			continue
		}
		// Up to two separators ("-", ") ", " (") between digit groups.
		k, seps := j, uint8(0)
		for k < len(t) && k-j < 2 {
			s := sepBit(t[k])
			if s == 0 {
				break
			}
			seps |= s
			k++
		}
		if k == j || k >= len(t) || !(isDigit(t[k]) || (t[k] == '(' && k+1 < len(t) && isDigit(t[k+1]))) {
			break
		}
		if len(d.groups) == r.g0 && seps&sepParen == 0 {
			break // only "(" may come before the first digit group
		}
		if t[k] == '(' {
			seps |= sepParen
			k++
		}
		r.seps |= seps
		j = k
	}
	if len(d.groups) == r.g0 {
		return j + 1
	}
	r.g1 = len(d.groups)
	r.end = d.groups[r.g1-1].end
	r.paren = r.seps&sepParen != 0 || t[r.start] == '('
	r.ext = r.end
	if e := extension(t, r.end); e > r.end {
		r.end = e
	}
	r.glued = glued(t, r.start, r.end, r.ext)
	d.runs = append(d.runs, r)
	return r.end
}

func sepBit(c byte) uint8 {
	switch c {
	case ' ':
		return sepSpace
	case '-':
		return sepDash
	case '.':
		return sepDot
	case '/':
		return sepSlash
	case '(', ')':
		return sepParen
	}
	return 0
}

// extension returns the end of a phone extension written at i ("x123",
// " x123", " ext. 123", " ext 123"), or i when there is none.
func extension(t string, i int) int {
	j := i
	if j < len(t) && t[j] == ' ' {
		j++
	}
	switch {
	case j+1 < len(t) && (t[j] == 'x' || t[j] == 'X') && isDigit(t[j+1]):
		j++
	case j+3 < len(t) && (t[j]|0x20) == 'e' && (t[j+1]|0x20) == 'x' && (t[j+2]|0x20) == 't':
		j += 3
		if j < len(t) && t[j] == '.' {
			j++
		}
		if j < len(t) && t[j] == ' ' {
			j++
		}
	default:
		return i
	}
	k := j
	for k < len(t) && isDigit(t[k]) && k-j < 6 {
		k++
	}
	if k == j || (k < len(t) && isWordByte(t[k])) {
		return i
	}
	return k
}

// glued reports whether the run [start,end) is part of a larger token: a
// letter or '_' right before or after it, the same behind a '-' or '.', or
// ':' and a digit after it (times, ports, ratios). ext < end says the run
// ends with a phone extension.
func glued(t string, start, end, ext int) bool {
	return gluedLeft(t, start) || gluedRight(t, end, ext < end)
}

func gluedLeft(t string, start int) bool {
	if start == 0 {
		return false
	}
	c := t[start-1]
	switch {
	case isWordByte(c) || c == '#' && start > 1 && isWordByte(t[start-2]):
		return true
	case (c == '-' || c == '.' || c == '/' || c == '_') && start > 1 && isAlnum(t[start-2]):
		return true
	case c == ':' && start > 1 && isDigit(t[start-2]):
		return true
	}
	return false
}

func gluedRight(t string, end int, ext bool) bool {
	if end >= len(t) {
		return false
	}
	c := t[end]
	switch {
	case isWordByte(c) && !ext:
		return true
	case (c == '-' || c == '_' || c == ':' || c == '/') && end+1 < len(t) && isAlnum(t[end+1]):
		return true
	case c == '.' && end+1 < len(t) && isAlpha(t[end+1]):
		return true // "1.2.3.4.tar", "3.5.x"
	}
	return false
}

// findURLs records URLs (scheme://… or www.…) up to the next white space,
// and inline code in backticks, so that weak recognizers skip them.
func (d *doc) findURLs() {
	l := d.lower
	for i := 0; i < len(l); {
		k := bytes.Index(l[i:], []byte("://"))
		w := bytes.Index(l[i:], []byte("www."))
		if k < 0 && w < 0 {
			break
		}
		var s int
		if k >= 0 && (w < 0 || k < w) {
			s = i + k
			for s > 0 && isAlpha(l[s-1]) {
				s--
			}
		} else {
			s = i + w
		}
		e := s
		for e < len(l) && l[e] > ' ' && l[e] != '"' && l[e] != '\'' && l[e] != '<' && l[e] != '>' {
			e++
		}
		if e == s {
			e = s + 1
		}
		d.urls = append(d.urls, span{s, e})
		i = e
	}
	if bytes.IndexByte(l, '`') >= 0 {
		d.findCode()
	}
}

// findCode records `inline` and ```fenced``` code. Spans are kept sorted.
func (d *doc) findCode() {
	l := d.lower
	var code []span
	for i := 0; i < len(l); {
		j := bytes.IndexByte(l[i:], '`')
		if j < 0 {
			break
		}
		s := i + j
		fence := bytes.HasPrefix(l[s:], []byte("```"))
		var e int
		if fence {
			k := bytes.Index(l[s+3:], []byte("```"))
			if k < 0 {
				e = len(l)
			} else {
				e = s + 3 + k + 3
			}
		} else {
			k := bytes.IndexByte(l[s+1:], '`')
			nl := bytes.IndexByte(l[s+1:], '\n')
			if k < 0 || (nl >= 0 && nl < k) {
				i = s + 1
				continue
			}
			e = s + 1 + k + 1
		}
		code = append(code, span{s, e})
		i = e
	}
	if len(code) == 0 {
		return
	}
	d.urls = mergeSpans(d.urls, code)
}

// mergeSpans merges two sorted span lists into one sorted list.
func mergeSpans(a, b []span) []span {
	out := make([]span, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j >= len(b) || (i < len(a) && a[i].start <= b[j].start) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// inCode reports whether [start,end) overlaps a URL or a code span.
func (d *doc) inCode(start, end int) bool {
	u := d.urls
	// The first span ending after start; spans are sorted and disjoint.
	lo, hi := 0, len(u)
	for lo < hi {
		m := (lo + hi) / 2
		if u[m].end <= start {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(u) && u[lo].start < end
}
