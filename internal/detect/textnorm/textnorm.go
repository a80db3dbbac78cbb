// Package textnorm turns text into a canonical form in which look-alike
// spellings of the same words compare equal, and finds encoded segments
// (base64, hex, URL escapes, rot13) whose decoding is readable text.
//
// Detectors match signatures and compute features over the normalized text,
// so that "ＩＧＮＯＲＥ", "ign\u200bore", "іgnоrе" (Cyrillic і, о, е) and
// "1gn0r3" are all seen as "ignore". The normalized text is for matching
// only: it is lossy and never shown to anyone.
package textnorm

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the canonical form of s, for matching:
//
//   - invalid UTF-8 is replaced by U+FFFD (one for a run of invalid bytes);
//   - letters are lower-cased, then each character is read on its own:
//     compatibility decompositions (Unicode NFKC: fullwidth, mathematical,
//     circled letters, ligatures, superscripts) are applied;
//   - zero-width, bidi-control and other invisible format characters are
//     removed, and so are combining marks on Latin, Greek and Cyrillic letters;
//   - Cyrillic, Greek and other look-alikes of Latin letters, and typographic
//     punctuation, are mapped to ASCII (our own table, see homoglyph.go);
//   - leetspeak is folded inside words (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a,
//     $→s) when a digit or symbol sits between two letters of the word;
//   - letters spelled out one by one ("i-g-n-o-r-e", "i g n o r e") are joined;
//   - runs of white space become one space, and the ends are trimmed.
//
// Normalize is idempotent, never panics, and its output is at most a small
// constant factor longer than its input. Plain ASCII takes a fast path;
// a text that is already in canonical form is returned without copying.
func Normalize(s string) string {
	bp := buffers.Get().(*[]byte)
	b := (*bp)[:0]
	if isPlainASCII(s) {
		b = append(b, s...)
	} else {
		b = appendRunes(b, s)
	}
	b = finish(b)
	var out string
	if string(b) == s {
		out = s // no allocation: the compiler compares without converting
	} else {
		out = string(b)
	}
	if cap(b) <= maxPooled {
		*bp = b
		buffers.Put(bp)
	}
	return out
}

// buffers pools the scratch buffers of Normalize; buffers that grew past
// maxPooled are left to the garbage collector.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooled = 64 << 10

// appendRunes appends the per-character canonical form of s (anything but
// ASCII plain text) to b: ASCII is copied (finish lower-cases it), other
// characters go through foldRune.
func appendRunes(b []byte, s string) []byte {
	var prev rune // the previous base character, for combining marks
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				i++ // a control character: dropped
				continue
			}
			b = append(b, c)
			prev = rune(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			if prev != utf8.RuneError || len(b) < 3 || string(b[len(b)-3:]) != "\uFFFD" {
				b = append(b, "\uFFFD"...) // one for a run of invalid bytes
			}
			prev = utf8.RuneError
			i++
			continue
		}
		b, prev = foldRune(b, r, s[i:i+n], prev, 0)
		i += n
	}
	return b
}

// maxDecomposition bounds the compatibility decompositions applied (in
// bytes): the few longer ones (U+FDFA expands to 33 bytes) are kept as
// they are, so that the output stays within a small factor of the input.
const maxDecomposition = 12

// foldRune appends the canonical form of the non-ASCII character r (whose
// UTF-8 encoding is enc) and returns the new previous base character.
func foldRune(b []byte, r rune, enc string, prev rune, depth int) ([]byte, rune) {
	if IsInvisible(r) {
		return b, prev
	}
	if unicode.Is(unicode.Mn, r) {
		if isLatinLike(prev) {
			return b, prev // a diacritic on a Latin-like letter: dropped
		}
		return utf8.AppendRune(b, r), prev
	}
	// The look-alike table goes by appearance, so it comes before lower-casing
	// (capital Greek Ν looks like N, small ν like v); what it does not list
	// is lower-cased and looked up again, so that the result is stable.
	if m := lookalike(r); m != "" {
		return append(b, m...), 'a'
	}
	if l := unicode.ToLower(r); l != r {
		r, enc = l, ""
		if m := lookalike(r); m != "" {
			return append(b, m...), 'a'
		}
	}
	if r >= 0xFF01 && r <= 0xFF5E { // fullwidth ASCII
		c := byte(r - 0xFEE0)
		return append(b, c), rune(c)
	}
	if depth == 0 && !(r >= 0xAC00 && r <= 0xD7A3) { // Hangul syllables are kept composed
		var p norm.Properties
		if enc != "" {
			p = norm.NFKC.PropertiesString(enc)
		} else {
			var tmp [utf8.UTFMax]byte
			p = norm.NFKC.Properties(tmp[:utf8.EncodeRune(tmp[:], r)])
		}
		if d := p.Decomposition(); len(d) > 0 && len(d) <= maxDecomposition {
			for len(d) > 0 {
				dr, n := utf8.DecodeRune(d)
				if dr < utf8.RuneSelf {
					if dr >= 0x20 && dr != 0x7f {
						b = append(b, byte(dr))
						prev = dr
					}
				} else {
					b, prev = foldRune(b, dr, "", prev, depth+1)
				}
				d = d[n:]
			}
			return b, prev
		}
	}
	return utf8.AppendRune(b, r), r
}

// isPlainASCII reports whether s is ASCII without control characters other
// than tab, newline and carriage return: the common case, normalized in
// one pass without Unicode tables.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return false
		}
	}
	return true
}

func isLatinLike(r rune) bool {
	return r != 0 && (r < 0x250 || (r >= 0x370 && r < 0x530))
}

// IsInvisible reports format characters that render as nothing and are
// used to split words without changing how they look (zero-width, bidi
// controls, variation selectors, tags), and control characters other
// than tab, newline and carriage return.
func IsInvisible(r rune) bool {
	switch {
	case r == 0xAD, r == 0x34F, r == 0x61C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5,
		r == 0x180E, r == 0x3164, r == 0xFEFF, r == 0xFFA0:
		return true
	case r >= 0x180B && r <= 0x180F, r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x206F, r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0000 && r <= 0xE007F,
		r >= 0xFFF0 && r <= 0xFFF8:
		return true
	case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r >= 0x7F && r < 0xA0:
		return true
	}
	return false
}

// finish lower-cases ASCII, folds leetspeak inside words, joins spelled-out
// letters and collapses white space, in place. b holds UTF-8.
func finish(b []byte) []byte {
	w := 0
	space := true // at start: drop leading space
	leetSeen := false
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				if !space {
					b[w] = ' '
					w++
					space = true
				}
				i++
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case leet[c] != 0:
				leetSeen = true
			}
			b[w] = c
			w++
			i++
			space = false
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if unicode.IsSpace(r) {
			if !space {
				b[w] = ' '
				w++
				space = true
			}
			i += n
			continue
		}
		copy(b[w:], b[i:i+n])
		w += n
		i += n
		space = false
	}
	if w > 0 && b[w-1] == ' ' {
		w--
	}
	b = b[:w]
	if leetSeen {
		foldLeet(b)
	}
	return joinSpelled(b)
}

// leet maps the leetspeak symbols to the letters they stand for.
var leet = [256]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// foldLeet rewrites, in place, the leet symbols of every word in which at
// least one leet symbol sits between two letters or other leet symbols
// that are themselves next to a letter ("h4ck", "1gn0r3", "pa$$word"),
// and leaves numbers, versions and names such as "gpt4", "mp3" or "2024".
func foldLeet(b []byte) {
	for i := 0; i < len(b); {
		if !isWordByte(b[i]) {
			i++
			continue
		}
		j := i
		for j < len(b) && isWordByte(b[j]) {
			j++
		}
		if leetWord(b[i:j]) {
			for k := i; k < j; k++ {
				if m := leet[b[k]]; m != 0 {
					b[k] = m
				}
			}
		}
		i = j
	}
}

func isWordByte(c byte) bool {
	return isLower(c) || ('0' <= c && c <= '9') || c == '@' || c == '$'
}

// leetWord reports whether a word of two letters or more is leetspeak: it
// starts with leet symbols, or holds a run of them with a letter on both
// sides. Trailing digits alone ("gpt4", "mp3") are not leetspeak.
func leetWord(w []byte) bool {
	letters := 0
	for _, c := range w {
		if isLower(c) {
			letters++
		} else if leet[c] == 0 {
			return false // other digits: a number or a code, not leetspeak
		}
	}
	if letters < 2 {
		return false
	}
	if leet[w[0]] != 0 {
		return true // leading symbols before two letters or more: "4ll", "1gnore"
	}
	for k := 1; k < len(w)-1; k++ {
		if leet[w[k]] == 0 {
			continue
		}
		l := k
		for l > 0 && leet[w[l]] != 0 {
			l--
		}
		r := k
		for r < len(w)-1 && leet[w[r]] != 0 {
			r++
		}
		if isLower(w[l]) && isLower(w[r]) {
			return true
		}
	}
	return false
}

// joinSpelled joins runs of at least five single letters separated by the
// same one-character separator ("i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e")
// into one word. It works in place and returns the shortened slice.
func joinSpelled(b []byte) []byte {
	w := 0
	for i := 0; i < len(b); {
		if isLower(b[i]) && (i == 0 || !isLower(b[i-1])) && i+2 < len(b) && isSeparator(b[i+1]) && isLower(b[i+2]) && (i+3 >= len(b) || !isLower(b[i+3])) {
			sep := b[i+1]
			j := i // j: index of the last letter of the run
			count := 1
			for j+2 < len(b) && b[j+1] == sep && isLower(b[j+2]) && (j+3 >= len(b) || !isLower(b[j+3])) {
				j += 2
				count++
			}
			if count >= 5 {
				for k := i; k <= j; k += 2 {
					b[w] = b[k]
					w++
				}
				i = j + 1
				continue
			}
			for k := i; k <= j; k++ {
				b[w] = b[k]
				w++
			}
			i = j + 1
			continue
		}
		b[w] = b[i]
		w++
		i++
	}
	return b[:w]
}

func isSeparator(c byte) bool {
	switch c {
	case ' ', '.', '-', '_', '*', '|', '/', '+', ',':
		return true
	}
	return false
}
