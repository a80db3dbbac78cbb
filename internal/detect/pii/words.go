package pii

import (
	"unicode"
	"unicode/utf8"
)

// Word tokens, shared by the address and name recognizers.

// Kinds of word.
const (
	wLetters uint8 = iota // letters, with inner ' - . (O'Brien, Saint-Priest, St.)
	wNumber               // digits, with an optional letter or "-digits" ("12B", "12-14")
	wPunct                // one punctuation byte
	wBreak                // a line break (with any '>' quote marks after it)
)

// word is one token of the text. Spaces and tabs are not tokens.
type word struct {
	start, end int
	kind       uint8
	cap        bool   // first letter upper case (or the whole text is lower case)
	upper      bool   // all letters upper case, at least two
	dot        bool   // ends with '.' ("St.", "Mr.")
	ordinal    bool   // a number with "st", "nd", "rd" or "th" ("5th")
	letters    int    // letters (runes), for words
	class      uint32 // class bits (see classes.go), once classed
	classed    bool
	name       int // end without a possessive "'s", for words
}

// maxWords bounds the tokens read for the word-based recognizers.
const maxWords = 1 << 16

// lowerText reports whether the text has no upper-case ASCII letter: texts
// typed all in lower case, where capitals cannot mark names.
func (d *doc) lowerText() bool { return d.upper == 0 }

// words tokenizes the text once, lazily.
func (d *doc) tokenize() []word {
	if d.wordsDone {
		return d.words
	}
	d.wordsDone = true
	t := d.text
	lowerDoc := d.lowerText()
	for i := 0; i < len(t) && len(d.words) < maxWords; {
		c := t[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\n':
			j := i + 1
			for j < len(t) && (t[j] == ' ' || t[j] == '\t' || t[j] == '>' || t[j] == '\r') {
				j++
			}
			d.words = append(d.words, word{start: i, end: i + 1, kind: wBreak})
			i = j
		case isDigit(c):
			j := i
			for j < len(t) && isDigit(t[j]) {
				j++
			}
			if j+1 < len(t) && t[j] == '-' && isDigit(t[j+1]) {
				j++
				for j < len(t) && isDigit(t[j]) {
					j++
				}
			} else if j < len(t) && isAlpha(t[j]) && (j+1 == len(t) || !isWordByte(t[j+1])) {
				j++ // "12B"
			}
			w := word{start: i, end: j, kind: wNumber}
			if j == i+1 || j == i+2 || j == i+3 {
				if k := ordinal(t, j); k > j && (k == len(t) || !isWordByte(t[k])) {
					w.end, w.ordinal = k, true // "5th Ave"
				}
			}
			d.words = append(d.words, w)
			i = w.end
		case isAlpha(c) && (i+1 == len(t) || t[i+1] < utf8.RuneSelf):
			// ASCII fast path; falls back to the general loop at the first
			// non-ASCII byte.
			j := i
			upper := c >= 'A' && c <= 'Z'
			allUpper := true
			for j < len(t) && isAlpha(t[j]) {
				if t[j] >= 'a' {
					allUpper = false
				}
				j++
			}
			if j < len(t) && (t[j] >= utf8.RuneSelf || (t[j] == '\'' || t[j] == '-') && j+1 < len(t) && (isAlpha(t[j+1]) || t[j+1] >= utf8.RuneSelf)) {
				i = d.wordAt(i, lowerDoc)
				continue
			}
			w := word{start: i, end: j, kind: wLetters, cap: upper || lowerDoc, upper: upper && allUpper && j-i >= 2, letters: j - i}
			w.dot = j < len(t) && t[j] == '.'
			w.name = j
			d.words = append(d.words, w)
			i = j
		default:
			i = d.wordAt(i, lowerDoc)
		}
	}
	return d.words
}

// wordAt reads the word, or punctuation byte, at i (the general path of
// tokenize) and returns where the next token starts.
func (d *doc) wordAt(i int, lowerDoc bool) int {
	t := d.text
	{
		{
			r, n := utf8.DecodeRuneInString(t[i:])
			if !unicode.IsLetter(r) {
				d.words = append(d.words, word{start: i, end: i + n, kind: wPunct})
				return i + n
			}
			w := word{start: i, kind: wLetters, cap: unicode.IsUpper(r) || lowerDoc, upper: unicode.IsUpper(r)}
			j := i
			for j < len(t) {
				r, n := utf8.DecodeRuneInString(t[j:])
				if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
					if unicode.IsLower(r) {
						w.upper = false
					}
					w.letters++
					j += n
					continue
				}
				// Inner apostrophe or hyphen followed by a letter.
				if (r == '\'' || r == '-' || r == '’') && j+n < len(t) {
					r2, _ := utf8.DecodeRuneInString(t[j+n:])
					if unicode.IsLetter(r2) {
						j += n
						continue
					}
				}
				break
			}
			if j < len(t) && t[j] == '.' {
				w.dot = true
			}
			w.end = j
			w.upper = w.upper && w.letters >= 2
			w.name = possessiveEnd(t, w.start, w.end)
			d.words = append(d.words, w)
			return j
		}
	}
}

// lw returns the ASCII-lowercased bytes of a word (a slice of d.lower).
func (d *doc) lw(w word) []byte { return d.lower[w.start:w.end] }

// possessiveEnd returns the end of the word [start,end) without a
// possessive "'s".
func possessiveEnd(t string, start, end int) int {
	w := t[start:end]
	switch {
	case len(w) > 2 && (w[len(w)-2:] == "'s" || w[len(w)-2:] == "'S"):
		return end - 2
	case len(w) > len("’s") && w[len(w)-len("’s"):] == "’s":
		return end - len("’s")
	}
	return end
}

// cls returns the class bits of word i, looking them up on first use.
func (d *doc) cls(i int) uint32 {
	w := &d.words[i]
	if !w.classed && w.kind == wLetters {
		w.class = d.classify(*w, w.name)
		w.classed = true
	}
	return w.class
}
