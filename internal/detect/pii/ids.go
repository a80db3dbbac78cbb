package pii

import "regexp"

// Alphanumeric identifiers: IBANs and national id, passport and driver's
// licence numbers. One pass over the alphanumeric tokens of the text finds
// the candidates; each format's validator decides.

// token is a maximal run of ASCII letters and digits.
type token struct {
	start, end      int
	letters, digits int
	// free says the token is not glued to other word characters or to a
	// dash and an alphanumeric ("a456-42", "ID-12").
	free bool
}

// alnums tokenizes the text into alphanumeric tokens once, lazily.
func (d *doc) alnums() []token {
	if d.toksDone {
		return d.toks
	}
	d.toksDone = true
	t := d.text
	for i := 0; i < len(t) && len(d.toks) < maxWords; {
		if !isAlnum(t[i]) {
			i++
			continue
		}
		j, tok := i, token{start: i}
		for j < len(t) && isAlnum(t[j]) {
			if isDigit(t[j]) {
				tok.digits++
			} else {
				tok.letters++
			}
			j++
		}
		tok.end = j
		tok.free = !(i > 0 && (isWordByte(t[i-1]) || t[i-1] == '-')) && !(j < len(t) && (isWordByte(t[j]) || t[j] == '-' && j+1 < len(t) && isAlnum(t[j+1])))
		d.toks = append(d.toks, tok)
		i = j
	}
	return d.toks
}

// tokens calls f for each free alphanumeric token of at most 40 bytes
// holding at least one digit. f returns where scanning goes on.
func (d *doc) tokens(f func(tok token) int) {
	next := 0
	for _, tok := range d.alnums() {
		if tok.start < next || tok.digits == 0 || !tok.free || tok.end-tok.start > 40 {
			continue
		}
		next = f(tok)
	}
}

// findIBANs finds IBANs written in one piece or in groups of four.
func findIBANs(d *doc, rc *recognizer) {
	t := d.text
	next := 0
	for _, tok := range d.alnums() {
		i := tok.start
		if i < next || tok.end-i < 4 || i+15 > len(t) || !isAlpha(t[i]) || !isAlpha(t[i+1]) || !isDigit(t[i+2]) || !isDigit(t[i+3]) || (i > 0 && isWordByte(t[i-1])) {
			continue
		}
		cc := [2]byte{t[i] &^ 0x20, t[i+1] &^ 0x20}
		n, ok := ibanLengths[string(cc[:])]
		if !ok {
			continue
		}
		// Take n alphanumerics, allowing one space between groups.
		j, got := i, 0
		for j < len(t) && got < n {
			if isAlnum(t[j]) {
				got++
				j++
				continue
			}
			if t[j] == ' ' && j+1 < len(t) && isAlnum(t[j+1]) && got%4 == 0 {
				j++
				continue
			}
			break
		}
		if got != n || (j < len(t) && isWordByte(t[j])) {
			continue
		}
		if validIBAN(t[i:j]) {
			d.emit(rc, i, j, rc.scoreAt(d, i, j))
			next = j
		}
	}
}

// An id recognizer finds tokens of one shape and validates them.
type idFormat struct {
	shape    *regexp.Regexp // anchored, matched against the token (or a spaced form)
	validate func(string) bool
	min, max int // token lengths, checked before the shape
}

var (
	dniShape    = regexp.MustCompile(`^(?:\d{8}|[XYZxyz]\d{7})-?[A-Za-z]$`)
	cfShape     = regexp.MustCompile(`^[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]$`)
	deIDShape   = regexp.MustCompile(`^[CFGHJKLMNPRTVWXYZcfghjklmnprtvwxyz][0-9CFGHJKLMNPRTVWXYZcfghjklmnprtvwxyz]{8}\d?$`)
	passShape   = regexp.MustCompile(`^(?:[A-Za-z]{1,2}\d{6,9}|\d{8,10}|\d{2}[A-Za-z]{2}\d{5}|[A-Za-z][0-9A-Za-z]{7,8})$`)
	licenceShpe = regexp.MustCompile(`^[A-Za-z]{0,3}-?\d{1,9}(?:-?\d{1,9}){0,4}[A-Za-z]?$`)
)

// findNINO finds UK National Insurance numbers, "AB123456C" or "AB 12 34 56 C".
func findNINO(d *doc, rc *recognizer) {
	t := d.text
	next := 0
	for _, tok := range d.alnums() {
		i := tok.start
		if i < next || i+9 > len(t) || !isAlpha(t[i]) || !isAlpha(t[i+1]) || (i > 0 && isWordByte(t[i-1])) {
			continue
		}
		e, ok := ninoAt(t, i)
		if ok && validNINO(t[i:e]) {
			d.emit(rc, i, e, rc.scoreAt(d, i, e))
			next = e
		}
	}
}

// ninoAt matches two letters, three pairs of digits and a letter A–D at
// i, each part optionally led by one space, and returns the end.
func ninoAt(t string, i int) (int, bool) {
	j := i + 2
	for pair := 0; pair < 3; pair++ {
		if j < len(t) && t[j] == ' ' {
			j++
		}
		if j+2 > len(t) || !isDigit(t[j]) || !isDigit(t[j+1]) {
			return 0, false
		}
		j += 2
	}
	if j < len(t) && t[j] == ' ' {
		j++
	}
	if j >= len(t) || (t[j]|0x20) < 'a' || (t[j]|0x20) > 'd' || (j+1 < len(t) && isWordByte(t[j+1])) {
		return 0, false
	}
	return j + 1, true
}

// findTokenIDs is the finder of the token-shaped national ids.
func findTokenIDs(f idFormat) func(*doc, *recognizer) {
	return func(d *doc, rc *recognizer) {
		d.tokens(func(tok token) int {
			s := d.text[tok.start:tok.end]
			e := tok.end
			if f.shape == dniShape && tok.digits >= 7 && tok.letters == 0 && e+2 <= len(d.text) && d.text[e] == '-' && isAlpha(d.text[e+1]) && (e+2 == len(d.text) || !isWordByte(d.text[e+2])) {
				e += 2 // "12345678-Z"
				s = d.text[tok.start:e]
			}
			if len(s) < f.min || len(s) > f.max || !f.shape.MatchString(s) || !f.validate(s) {
				return tok.end
			}
			ctx := d.near(tok.start, e, rc.before, rc.after, rc.context)
			switch {
			case ctx:
				d.emit(rc, tok.start, e, rc.ctxScore)
			case rc.score > 0:
				d.emit(rc, tok.start, e, rc.score)
			}
			return e
		})
	}
}

// findAfterContext finds, within rc.after bytes behind one of the context
// words, the first token of the given shape (digits required).
func findAfterContext(shape *regexp.Regexp, validate func(string) bool) func(*doc, *recognizer) {
	return func(d *doc, rc *recognizer) {
		next := 0
		d.hitsOf(rc.context, func(h hit) bool {
			off := max(int(h.end), next)
			end := min(len(d.text), off+rc.after)
			for i := off; i < end; i++ {
				if !isAlnum(d.text[i]) || (i > 0 && isWordByte(d.text[i-1])) {
					continue
				}
				j, digits := i, 0
				for j < len(d.text) && (isAlnum(d.text[j]) || (d.text[j] == '-' && j+1 < len(d.text) && isAlnum(d.text[j+1]))) && j-i <= 24 {
					if isDigit(d.text[j]) {
						digits++
					}
					j++
				}
				if digits >= 4 && shape.MatchString(d.text[i:j]) && (validate == nil || validate(d.text[i:j])) && !(j < len(d.text) && isWordByte(d.text[j])) {
					d.emit(rc, i, j, rc.ctxScore)
					next = j
					break
				}
				i = j
			}
			return true
		})
	}
}
