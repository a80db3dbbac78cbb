package jsbundle

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// plainStrings runs a small JavaScript tokenizer over src. It knows just
// enough of the grammar to stay in sync: string and template literals,
// comments, regular expression literals (told from division by the token
// before the slash), identifiers and numbers. It never fails: malformed
// input (an unterminated literal) ends the literal at the end of its line
// or of the input, and scanning goes on.
func plainStrings(src []byte, lim Limits) *Result {
	t := tokenizer{src: src, c: newCollector(lim), maxDepth: lim.MaxTemplateDepth}
	t.run()
	return &Result{Kind: PlainJS, Strings: t.c.out, Truncated: t.c.truncated}
}

type tokenizer struct {
	src []byte
	pos int
	c   *collector
	// regexOK reports whether a '/' here starts a regular expression
	// literal (after an operator, '(' or a keyword) rather than a division
	// (after a value).
	regexOK bool
	// braces counts '{' open in the current code context; templates holds
	// the brace count at each open "${".
	braces    int
	templates []int
	maxDepth  int
	buf       []byte
}

func (t *tokenizer) run() {
	t.regexOK = true
	src := t.src
	for t.pos < len(src) && !t.c.full {
		ch := src[t.pos]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v':
			t.pos++
		case ch == '\'' || ch == '"':
			t.pos++
			t.quoted(ch)
			t.regexOK = false
		case ch == '`':
			t.pos++
			t.template()
		case ch == '/':
			t.slash()
		case ch == '{':
			t.braces++
			t.pos++
			t.regexOK = true
		case ch == '}':
			t.pos++
			if n := len(t.templates); n > 0 && t.braces == t.templates[n-1] {
				// End of a "${…}" substitution: back into the template.
				t.templates = t.templates[:n-1]
				t.braces--
				t.template()
				continue
			}
			if t.braces > 0 {
				t.braces--
			}
			t.regexOK = false
		case ch == ')' || ch == ']':
			t.pos++
			t.regexOK = false
		case isIdentStart(ch):
			t.word()
		case ch >= '0' && ch <= '9' || ch == '.' && t.pos+1 < len(src) && src[t.pos+1] >= '0' && src[t.pos+1] <= '9':
			t.number()
		default:
			// Operators and other punctuators: a regular expression may follow.
			t.pos++
			t.regexOK = true
		}
	}
}

func isIdentStart(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' || ch == '$' || ch == '\\' || ch >= utf8.RuneSelf
}

func isIdentPart(ch byte) bool {
	return isIdentStart(ch) || ch >= '0' && ch <= '9'
}

// regexKeywords are the keywords after which a '/' starts a regular
// expression.
var regexKeywords = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "case": true,
	"do": true, "else": true, "yield": true, "await": true,
}

func (t *tokenizer) word() {
	start := t.pos
	for t.pos < len(t.src) && isIdentPart(t.src[t.pos]) {
		t.pos++
	}
	t.regexOK = regexKeywords[string(t.src[start:t.pos])]
}

func (t *tokenizer) number() {
	for t.pos < len(t.src) {
		ch := t.src[t.pos]
		if isIdentPart(ch) && ch != '\\' || ch == '.' {
			t.pos++
			continue
		}
		break
	}
	t.regexOK = false
}

// slash handles a '/' in code: a comment, a regular expression or an
// operator.
func (t *tokenizer) slash() {
	src := t.src
	next := byte(0)
	if t.pos+1 < len(src) {
		next = src[t.pos+1]
	}
	switch {
	case next == '/':
		t.pos += 2
		for t.pos < len(src) && src[t.pos] != '\n' && src[t.pos] != '\r' {
			t.pos++
		}
	case next == '*':
		end := indexFrom(src, t.pos+2, "*/")
		if end < 0 {
			t.pos = len(src)
		} else {
			t.pos = end + 2
		}
	case t.regexOK:
		t.regex()
		t.regexOK = false
	default:
		t.pos++
		t.regexOK = true
	}
}

func indexFrom(src []byte, from int, sep string) int {
	if from > len(src) {
		return -1
	}
	i := bytes.Index(src[from:], []byte(sep))
	if i < 0 {
		return -1
	}
	return from + i
}

// regex skips a regular expression literal and its flags. A line end
// ends it, as JavaScript does not allow one inside.
func (t *tokenizer) regex() {
	src := t.src
	t.pos++ // opening '/'
	inClass := false
	for t.pos < len(src) {
		ch := src[t.pos]
		switch {
		case ch == '\n' || ch == '\r':
			return
		case ch == '\\':
			t.pos += 2
			continue
		case ch == '[':
			inClass = true
		case ch == ']':
			inClass = false
		case ch == '/' && !inClass:
			t.pos++
			for t.pos < len(src) && isIdentPart(src[t.pos]) && src[t.pos] != '\\' {
				t.pos++
			}
			return
		}
		t.pos++
	}
	if t.pos > len(src) {
		t.pos = len(src)
	}
}

// quoted reads a '…' or "…" literal whose opening quote was consumed.
func (t *tokenizer) quoted(q byte) {
	src := t.src
	t.buf = t.buf[:0]
	var hi rune // pending high surrogate from a \u escape
	for t.pos < len(src) {
		ch := src[t.pos]
		if ch == q {
			t.pos++
			break
		}
		if ch == '\n' || ch == '\r' {
			break // unterminated: resynchronize at the line end
		}
		if ch == '\\' {
			hi = t.escape(hi)
			continue
		}
		hi = t.flush(hi)
		if n := plainRun(src[t.pos:], q); n > 0 {
			t.buf = append(t.buf, src[t.pos:t.pos+n]...)
			t.pos += n
			continue
		}
		t.literalByte()
	}
	t.flush(hi)
	t.c.addBytes(t.buf)
}

// plainRun returns the length of the leading run of ASCII bytes of s that
// need no decoding inside a '…' or "…" literal closed by q.
func plainRun(s []byte, q byte) int {
	for i, c := range s {
		if c >= utf8.RuneSelf || c == q || c == '\\' || c == '\n' || c == '\r' {
			return i
		}
	}
	return len(s)
}

// template reads template text up to the closing '`' or the next "${".
// The opening '`' or the '}' ending a substitution was consumed.
func (t *tokenizer) template() {
	src := t.src
	t.buf = t.buf[:0]
	var hi rune
	for t.pos < len(src) {
		ch := src[t.pos]
		if ch == '`' {
			t.pos++
			t.flush(hi)
			t.c.addBytes(t.buf)
			t.regexOK = false
			return
		}
		if ch == '$' && t.pos+1 < len(src) && src[t.pos+1] == '{' {
			t.pos += 2
			t.flush(hi)
			t.c.addBytes(t.buf)
			if len(t.templates) >= t.maxDepth {
				// Too deep to follow: skip to the end of the outermost
				// template by giving up on this input.
				t.c.truncated = true
				t.pos = len(src)
				return
			}
			t.braces++
			t.templates = append(t.templates, t.braces)
			t.regexOK = true
			return
		}
		if ch == '\\' {
			hi = t.escape(hi)
			continue
		}
		hi = t.flush(hi)
		if n := plainTemplateRun(src[t.pos:]); n > 0 {
			t.buf = append(t.buf, src[t.pos:t.pos+n]...)
			t.pos += n
			continue
		}
		t.literalByte()
	}
	t.flush(hi)
	t.c.addBytes(t.buf)
}

// plainTemplateRun is plainRun for template text, where line ends are
// literal text.
func plainTemplateRun(s []byte) int {
	for i, c := range s {
		if c >= utf8.RuneSelf || c == '`' || c == '\\' || c == '$' {
			return i
		}
	}
	return len(s)
}

// literalByte copies one byte of literal text, replacing bytes that are
// not part of valid UTF-8 so kept strings are valid UTF-8.
func (t *tokenizer) literalByte() {
	ch := t.src[t.pos]
	if ch < utf8.RuneSelf {
		t.buf = append(t.buf, ch)
		t.pos++
		return
	}
	r, size := utf8.DecodeRune(t.src[t.pos:])
	t.buf = utf8.AppendRune(t.buf, r) // RuneError for invalid bytes
	t.pos += size
}

// flush writes a pending lone high surrogate as U+FFFD.
func (t *tokenizer) flush(hi rune) rune {
	if hi != 0 {
		t.buf = utf8.AppendRune(t.buf, utf8.RuneError)
	}
	return 0
}

// escape decodes the escape sequence at t.pos (a backslash) into t.buf
// and returns the pending high surrogate, if the escape was one.
func (t *tokenizer) escape(hi rune) rune {
	src := t.src
	t.pos++ // backslash
	if t.pos >= len(src) {
		return t.flush(hi)
	}
	ch := src[t.pos]
	t.pos++
	var r rune
	switch ch {
	case 'n':
		r = '\n'
	case 'r':
		r = '\r'
	case 't':
		r = '\t'
	case 'b':
		r = '\b'
	case 'f':
		r = '\f'
	case 'v':
		r = '\v'
	case '0':
		r = 0
	case '\r':
		// Line continuation, CRLF or CR.
		if t.pos < len(src) && src[t.pos] == '\n' {
			t.pos++
		}
		return t.flush(hi)
	case '\n':
		return t.flush(hi)
	case 'x':
		v, ok := hexDigits(src, t.pos, 2)
		if !ok {
			r = 'x'
			break
		}
		t.pos += 2
		r = rune(v)
	case 'u':
		if t.pos < len(src) && src[t.pos] == '{' {
			end := t.pos + 1
			for end < len(src) && end-t.pos <= 7 && isHex(src[end]) {
				end++
			}
			if end < len(src) && src[end] == '}' && end > t.pos+1 {
				v, _ := hexDigits(src, t.pos+1, end-t.pos-1)
				t.pos = end + 1
				r = rune(v)
				if r > utf8.MaxRune {
					r = utf8.RuneError
				}
				break
			}
			r = 'u'
			break
		}
		v, ok := hexDigits(src, t.pos, 4)
		if !ok {
			r = 'u'
			break
		}
		t.pos += 4
		r = rune(v)
		if utf16.IsSurrogate(r) {
			if r < 0xDC00 { // high surrogate: wait for its pair
				t.flush(hi)
				return r
			}
			if hi != 0 {
				t.buf = utf8.AppendRune(t.buf, utf16.DecodeRune(hi, r))
				return 0
			}
			t.buf = utf8.AppendRune(t.buf, utf8.RuneError)
			return 0
		}
	default:
		if ch >= utf8.RuneSelf {
			t.pos--
			t.flush(hi)
			t.literalByte()
			return 0
		}
		r = rune(ch)
	}
	t.flush(hi)
	t.buf = utf8.AppendRune(t.buf, r)
	return 0
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexDigits(src []byte, at, n int) (uint32, bool) {
	if at+n > len(src) {
		return 0, false
	}
	var v uint32
	for _, c := range src[at : at+n] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint32(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
