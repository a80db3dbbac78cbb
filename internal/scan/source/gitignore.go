package source

import (
	"bytes"
	"strings"
)

// Bounds of one ignore file: longer lines and patterns beyond the count
// are dropped (real .gitignore files have a few hundred short lines).
const (
	maxPatternLen      = 4096
	maxPatternsPerFile = 10_000
)

// Ignore holds the .gitignore patterns of a tree, in the order git
// applies them: the files nearer the root first, so that a deeper file's
// patterns (added later) take precedence, and within a file the last
// matching pattern decides.
type Ignore struct {
	patterns []pattern
}

// pattern is one compiled line of an ignore file.
type pattern struct {
	base    string    // directory of the ignore file, slash-separated, "" for the root
	segs    []segment // split at "/"; a nil glob is "**"
	negate  bool
	dirOnly bool
	// never is set for a pattern git cannot match (an unclosed bracket).
	never bool
}

// segment is one path component of a pattern: "**" or a glob.
type segment struct {
	any  bool // "**"
	toks []token
}

// token is one element of a glob: a literal byte, "?", "*" or a class.
type token struct {
	kind  byte // 'l' literal, '?' any byte but '/', '*' star, '[' class
	c     byte
	class *charClass
}

// charClass is a bracket expression.
type charClass struct {
	negate bool
	ranges [][2]byte
	named  []func(byte) bool
}

func (cc *charClass) matches(c byte) bool {
	in := false
	for _, r := range cc.ranges {
		if r[0] <= c && c <= r[1] {
			in = true
			break
		}
	}
	if !in {
		for _, f := range cc.named {
			if f(c) {
				in = true
				break
			}
		}
	}
	return in != cc.negate
}

// AddFile compiles the content of the ignore file found in dir (slash-separated,
// relative to the root, "" for the root itself). Lines follow gitignore(5):
// blank lines and "#" comments are skipped, "!" negates, a trailing "/"
// matches directories only, a "/" at the start or in the middle anchors
// the pattern to dir, and "\" escapes the next character.
func (ig *Ignore) AddFile(dir string, data []byte) {
	dir = strings.Trim(dir, "/")
	n := 0
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		if n >= maxPatternsPerFile {
			return
		}
		if p, ok := compileLine(dir, string(bytes.TrimSuffix(line, []byte("\r")))); ok {
			ig.patterns = append(ig.patterns, p)
			n++
		}
	}
}

// compileLine compiles one line; ok is false for lines that hold no
// pattern.
func compileLine(dir, line string) (pattern, bool) {
	if len(line) > maxPatternLen || line == "" || line[0] == '#' {
		return pattern{}, false
	}
	line = trimTrailingSpaces(line)
	p := pattern{base: dir}
	if strings.HasPrefix(line, "!") {
		p.negate = true
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") && !strings.HasSuffix(line, `\/`) {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if line == "" {
		return pattern{}, false
	}
	anchored := strings.Contains(line, "/")
	line = strings.TrimPrefix(line, "/")
	parts := strings.Split(line, "/")
	if !anchored {
		p.segs = append(p.segs, segment{any: true})
	}
	for _, part := range parts {
		if part == "" {
			continue // "a//b" is "a/b"
		}
		if part == "**" {
			if n := len(p.segs); n > 0 && p.segs[n-1].any {
				continue // "**/**" is "**"
			}
			p.segs = append(p.segs, segment{any: true})
			continue
		}
		toks, ok := compileGlob(part)
		if !ok {
			p.never = true
		}
		p.segs = append(p.segs, segment{toks: toks})
	}
	if len(p.segs) == 0 {
		return pattern{}, false
	}
	return p, true
}

// trimTrailingSpaces drops trailing spaces unless escaped with "\".
func trimTrailingSpaces(s string) string {
	for strings.HasSuffix(s, " ") {
		t := strings.TrimSuffix(s, " ")
		// Count the backslashes before the space: an odd number escapes it.
		k := 0
		for i := len(t) - 1; i >= 0 && t[i] == '\\'; i-- {
			k++
		}
		if k%2 == 1 {
			return s
		}
		s = t
	}
	return s
}

// compileGlob compiles one path component. ok is false when a bracket is
// not closed: git's wildmatch then matches nothing.
func compileGlob(s string) ([]token, bool) {
	var toks []token
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) {
				i++
				toks = append(toks, token{kind: 'l', c: s[i]})
			}
			// A trailing lone backslash matches nothing in git; dropping
			// it is the closest harmless reading.
		case '?':
			toks = append(toks, token{kind: '?'})
		case '*':
			if n := len(toks); n > 0 && toks[n-1].kind == '*' {
				continue // consecutive stars are one star
			}
			toks = append(toks, token{kind: '*'})
		case '[':
			cc, next, ok := compileClass(s, i+1)
			if !ok {
				return toks, false
			}
			toks = append(toks, token{kind: '[', class: cc})
			i = next
		default:
			toks = append(toks, token{kind: 'l', c: c})
		}
	}
	return toks, true
}

// namedClasses are the POSIX classes wildmatch knows, in "[[:alpha:]]".
var namedClasses = map[string]func(byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 0x20 || c == 0x7f },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 0x20 && c < 0x7f },
	"lower":  func(c byte) bool { return 'a' <= c && c <= 'z' },
	"print":  func(c byte) bool { return c >= 0x20 && c < 0x7f },
	"punct":  func(c byte) bool { return c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"space":  func(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') },
	"upper":  func(c byte) bool { return 'A' <= c && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') },
}

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// compileClass reads a bracket expression starting after "[" at i; next is
// the index of its closing "]".
func compileClass(s string, i int) (cc *charClass, next int, ok bool) {
	cc = &charClass{}
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		cc.negate = true
		i++
	}
	first := true
	for ; i < len(s); i++ {
		c := s[i]
		if c == ']' && !first {
			return cc, i, true
		}
		first = false
		if c == '[' && i+1 < len(s) && s[i+1] == ':' {
			if end := strings.Index(s[i+2:], ":]"); end >= 0 {
				name := s[i+2 : i+2+end]
				f, known := namedClasses[name]
				if !known {
					return nil, 0, false
				}
				cc.named = append(cc.named, f)
				i += 2 + end + 1
				continue
			}
		}
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		}
		lo, hi := c, c
		if i+2 < len(s) && s[i+1] == '-' && s[i+2] != ']' {
			hi = s[i+2]
			i += 2
			if hi == '\\' && i+1 < len(s) {
				i++
				hi = s[i]
			}
		}
		if lo <= hi {
			cc.ranges = append(cc.ranges, [2]byte{lo, hi})
		}
	}
	return nil, 0, false
}

// matchGlob matches one path component against a glob with the classic
// single-backtrack algorithm: every token but "*" consumes one byte, so
// remembering the last star is enough, and the time is O(len(toks)·len(s)).
func matchGlob(toks []token, s string) bool {
	ti, si := 0, 0
	star, starS := -1, 0
	for si < len(s) {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case '*':
				star, starS = ti, si
				ti++
				continue
			case '?':
				ti++
				si++
				continue
			case 'l':
				if s[si] == t.c {
					ti++
					si++
					continue
				}
			case '[':
				if t.class.matches(s[si]) {
					ti++
					si++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		starS++
		ti, si = star+1, starS
	}
	for ti < len(toks) && toks[ti].kind == '*' {
		ti++
	}
	return ti == len(toks)
}

// match reports whether the pattern matches path (relative to the root,
// slash-separated, already known to lie below p.base). It runs a dynamic
// programme over pattern and path components, so "**/**/**" patterns
// cost O(len(segs)·depth) glob matches, never exponential time.
func (p *pattern) match(comps []string) bool {
	if p.never {
		return false
	}
	n, m := len(p.segs), len(comps)
	// reach[j] is true when the first i pattern components can match the
	// first j path components; rows are rolled.
	reach := make([]bool, m+1)
	next := make([]bool, m+1)
	reach[0] = true
	for i, sg := range p.segs {
		clear(next)
		trailing := sg.any && i == n-1 && i > 0
		for j := 0; j <= m; j++ {
			if sg.any {
				// "**" consumes zero or more components; a trailing
				// "/**" at least one ("abc/**" matches inside abc only).
				if reach[j] && !trailing {
					next[j] = true
				}
				if j > 0 && (next[j-1] || (trailing && reach[j-1])) {
					next[j] = true
				}
				continue
			}
			if j > 0 && reach[j-1] && matchGlob(sg.toks, comps[j-1]) {
				next[j] = true
			}
		}
		reach, next = next, reach
	}
	return reach[m]
}

// Match reports whether the ignore rules exclude rel (slash-separated,
// relative to the root), looking at rel only: the caller has checked that
// no parent directory of rel is excluded (a walk that does not descend
// into excluded directories). isDir tells whether rel is a directory.
func (ig *Ignore) Match(rel string, isDir bool) bool {
	rel = strings.Trim(rel, "/")
	if rel == "" {
		return false
	}
	ignored := false
	var comps []string
	lastBase := "\x00"
	for i := range ig.patterns {
		p := &ig.patterns[i]
		if p.dirOnly && !isDir {
			continue
		}
		if p.base != lastBase {
			lastBase = p.base
			comps = nil
			sub, ok := below(p.base, rel)
			if !ok {
				continue
			}
			comps = strings.Split(sub, "/")
		}
		if comps == nil {
			continue
		}
		if p.match(comps) {
			ignored = !p.negate
		}
	}
	return ignored
}

// Excluded is git's full answer for rel: excluded when a parent directory
// is excluded (a file cannot be re-included below an excluded
// directory), or else when Match says so.
func (ig *Ignore) Excluded(rel string, isDir bool) bool {
	rel = strings.Trim(rel, "/")
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' && ig.Match(rel[:i], true) {
			return true
		}
	}
	return ig.Match(rel, isDir)
}

// below returns rel relative to base when rel lies strictly below it.
func below(base, rel string) (string, bool) {
	if base == "" {
		return rel, true
	}
	if strings.HasPrefix(rel, base) && len(rel) > len(base) && rel[len(base)] == '/' {
		return rel[len(base)+1:], true
	}
	return "", false
}
