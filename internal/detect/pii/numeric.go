package pii

import (
	"net/netip"
	"strings"
)

// Numeric recognizers: they walk doc.runs, the digit runs found once per
// text, and try the sub-ranges of each run's digit groups that a format
// allows.

// gap returns the separator text between digit groups g and g+1.
func (d *doc) gap(g int) string { return d.text[d.groups[g].end:d.groups[g+1].start] }

// edgesOK reports whether groups [i, j] of run r can stand alone: each end
// is the end of the run or a plain space.
func (d *doc) edgesOK(r *numRun, i, j int) bool {
	return (i == r.g0 || d.gap(i-1) == " ") && (j == r.g1-1 || d.gap(j) == " ")
}

// sameGaps reports whether all separators between groups i..j are sep (no
// separator at all when sep is "").
func (d *doc) sameGaps(i, j int, sep string) bool {
	for g := i; g < j; g++ {
		if d.gap(g) != sep {
			return false
		}
	}
	return true
}

// groupDigits counts the digits of groups i..j.
func (d *doc) groupDigits(i, j int) int {
	n := 0
	for g := i; g <= j; g++ {
		n += d.groups[g].end - d.groups[g].start
	}
	return n
}

// findCards tries every run and sub-range of 12–19 digits, grouped by single
// spaces or dashes (or not grouped), against the card validator.
func findCards(d *doc, rc *recognizer) {
	for ri := range d.runs {
		r := &d.runs[ri]
		if r.digits < 12 || r.glued || r.plus {
			continue
		}
	next:
		for i := r.g0; i < r.g1; i++ {
			for j := r.g1 - 1; j >= i; j-- {
				n := d.groupDigits(i, j)
				if n < 12 || n > 19 || !d.edgesOK(r, i, j) {
					continue
				}
				if j > i && !d.sameGaps(i, j, " ") && !d.sameGaps(i, j, "-") {
					continue
				}
				if j > i && !minGroup(d, i, j, 3) {
					continue
				}
				s, e := d.groups[i].start, d.groups[j].end
				if validCard(d.text[s:e]) {
					d.emit(rc, s, e, rc.scoreAt(d, s, e))
					i = j
					continue next
				}
				// Issuers get new ranges: near card words, a Luhn-valid
				// number of a card's length is enough.
				var buf [24]byte
				if luhnCard(digitsOf(buf[:0], d.text[s:e])) && d.near(s, e, rc.before, rc.after, rc.context) {
					d.emit(rc, s, e, rc.ctxScore-0.15)
					i = j
					continue next
				}
			}
		}
	}
}

// minGroup reports whether groups i..j all have at least n digits.
func minGroup(d *doc, i, j, n int) bool {
	for g := i; g <= j; g++ {
		if d.groups[g].end-d.groups[g].start < n {
			return false
		}
	}
	return true
}

// findSSNs finds "123-45-6789" (or spaced) anywhere and "123456789" near
// its context words only.
func findSSNs(d *doc, rc *recognizer) {
	for ri := range d.runs {
		r := &d.runs[ri]
		if r.digits < 9 || r.glued || r.plus || r.paren {
			continue
		}
		for i := r.g0; i < r.g1; i++ {
			g := d.groups[i]
			if g.end-g.start == 9 && d.edgesOK(r, i, i) {
				if validSSN(d.text[g.start:g.end]) && !allSame([]byte(d.text[g.start:g.end])) && d.near(g.start, g.end, rc.before, rc.after, rc.context) {
					d.emit(rc, g.start, g.end, rc.ctxScore-0.05)
				}
				continue
			}
			if i+2 >= r.g1 || g.end-g.start != 3 || d.groups[i+1].end-d.groups[i+1].start != 2 || d.groups[i+2].end-d.groups[i+2].start != 4 {
				continue
			}
			sep := d.gap(i)
			if (sep != "-" && sep != " ") || d.gap(i+1) != sep || !d.edgesOK(r, i, i+2) {
				continue
			}
			s, e := g.start, d.groups[i+2].end
			if validSSN(d.text[s:e]) {
				d.emit(rc, s, e, rc.scoreAt(d, s, e))
			}
		}
	}
}

// versionWords are words that make a dotted quad a version number.
var versionWords = newCues("version", "ver", "v", "release", "build", "firmware", "rev", "revision", "update", "patch", "sdk", "api level", "os", "ios", "android", "chrome", "firefox", "windows", "macos", "node", "python", "java", "go", "kernel", "section", "chapter", "step", "figure", "table", "rule", "clause", "article")

// findIPv4 finds dotted quads that parse as IPv4 addresses and are not
// version strings, section numbers or loopback/unspecified addresses.
func findIPv4(d *doc, rc *recognizer) {
	for ri := range d.runs {
		r := &d.runs[ri]
		if r.g1-r.g0 != 4 || r.seps != sepDot || r.plus {
			continue
		}
		s, e := d.groups[r.g0].start, d.groups[r.g1-1].end
		if r.glued && !portOrPrefix(d.text, s, e) {
			continue
		}
		a, err := netip.ParseAddr(d.text[s:e])
		if err != nil || !a.Is4() || a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			continue
		}
		ctx := d.near(s, e, rc.before, rc.after, rc.context)
		if !ctx && d.near(s, e, 16, 0, versionWords) {
			continue
		}
		score := rc.score
		if ctx {
			score = rc.ctxScore
		}
		if !ctx && (a.IsPrivate() || a.IsLinkLocalUnicast() || e-s == 7) {
			score = 0.6 // 10.0.0.1, 1.2.3.4: networks, examples, outlines
		}
		d.emit(rc, s, e, score)
	}
}

// portOrPrefix reports whether the glued run [s,e) is an address followed
// by ":port" or "/prefix" and not led by a word.
func portOrPrefix(t string, s, e int) bool {
	if s > 0 && (isWordByte(t[s-1]) || t[s-1] == '.' || t[s-1] == '-') {
		return false
	}
	if e >= len(t) || (t[e] != ':' && t[e] != '/') {
		return false
	}
	k := e + 1
	for k < len(t) && isDigit(t[k]) {
		k++
	}
	return k > e+1 && (k == len(t) || !isWordByte(t[k]))
}

func isHex(c byte) bool { return isDigit(c) || ((c|0x20) >= 'a' && (c|0x20) <= 'f') }

// findIPv6 finds runs of hex digits and colons that parse as IPv6
// addresses, have at least three groups or a long group around "::", and
// are not loopback or unspecified.
func findIPv6(d *doc, rc *recognizer) {
	t := d.text
	next := 0
	for off := 0; off < len(t); {
		k := strings.IndexByte(t[off:], ':')
		if k < 0 {
			return
		}
		c := off + k
		off = c + 1
		if c < next {
			continue
		}
		// Walk back to the start of the hex-and-colon run holding c.
		i := c
		for i > 0 && c-i < 40 && (isHex(t[i-1]) || t[i-1] == ':' || t[i-1] == '.') {
			i--
		}
		for i < c && t[i] == '.' {
			i++
		}
		if i > 0 && isWordByte(t[i-1]) {
			continue
		}
		j, colons := i, 0
		for j < len(t) && j-i < 46 && (isHex(t[j]) || t[j] == ':' || t[j] == '.') {
			if t[j] == ':' {
				colons++
			}
			j++
		}
		next = j
		e := j
		for e > i && (t[e-1] == '.' || (t[e-1] == ':' && (e-2 < i || t[e-2] != ':'))) {
			e-- // a sentence's full stop, "addr:"
		}
		if colons < 2 || (j < len(t) && (isWordByte(t[j]) || t[j] == ':')) {
			continue
		}
		cand := t[i:e]
		if a, err := netip.ParseAddr(cand); err == nil && a.Is6() && !a.IsLoopback() && !a.IsUnspecified() && ipv6Shape(cand) {
			d.emit(rc, i, e, rc.scoreAt(d, i, e))
		}
	}
}

// ipv6Shape rejects short colon strings that parse as IPv6 but are mostly
// something else ("a::b", "12::30", "dead::beef" in code).
func ipv6Shape(s string) bool {
	groups := strings.Count(s, ":") + 1
	if groups >= 6 {
		return true
	}
	long := 0
	for _, g := range strings.Split(s, ":") {
		if len(g) >= 3 {
			long++
		}
	}
	return strings.Contains(s, "::") && long >= 2
}

// findAadhaar finds 12-digit numbers grouped 4-4-4 (or, near context words,
// ungrouped) that pass the Verhoeff check.
func findAadhaar(d *doc, rc *recognizer) {
	for ri := range d.runs {
		r := &d.runs[ri]
		if r.digits < 12 || r.glued || r.plus || r.paren {
			continue
		}
		for i := r.g0; i < r.g1; i++ {
			var s, e int
			grouped := false
			switch {
			case d.groups[i].end-d.groups[i].start == 12 && d.edgesOK(r, i, i):
				s, e = d.groups[i].start, d.groups[i].end
			case i+2 < r.g1 && d.groupDigits(i, i) == 4 && d.groupDigits(i+1, i+1) == 4 && d.groupDigits(i+2, i+2) == 4 &&
				(d.sameGaps(i, i+2, " ") || d.sameGaps(i, i+2, "-")) && d.edgesOK(r, i, i+2):
				s, e = d.groups[i].start, d.groups[i+2].end
				grouped = true
			default:
				continue
			}
			if !validAadhaar(d.text[s:e]) {
				continue
			}
			switch {
			case d.near(s, e, rc.before, rc.after, rc.context):
				d.emit(rc, s, e, rc.ctxScore)
			case grouped:
				d.emit(rc, s, e, rc.score)
			}
		}
	}
}

// findNIR finds French social security numbers, grouped "1 85 05 78 006 084
// 36" or written in one piece.
func findNIR(d *doc, rc *recognizer) {
	for ri := range d.runs {
		r := &d.runs[ri]
		if r.digits < 15 || r.glued || r.plus || r.paren {
			continue
		}
	next:
		for i := r.g0; i < r.g1; i++ {
			for j := i; j < r.g1; j++ {
				n := d.groupDigits(i, j)
				if n > 15 {
					continue next
				}
				if n < 15 || !d.edgesOK(r, i, j) || (j > i && !d.sameGaps(i, j, " ")) {
					continue
				}
				s, e := d.groups[i].start, d.groups[j].end
				if validNIR(d.text[s:e]) {
					d.emit(rc, s, e, rc.scoreAt(d, s, e))
				}
				continue next
			}
		}
	}
}
