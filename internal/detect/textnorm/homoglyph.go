package textnorm

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Our own table of characters that look like Latin letters or ASCII
// punctuation. NFKC, applied before it, already maps fullwidth forms,
// mathematical alphanumerics, circled and parenthesized letters; the table
// covers what NFKC leaves: Cyrillic, Greek and Armenian look-alikes, small
// capitals and IPA letters, regional indicators, squared letters, and
// typographic quotes and dashes. Both cases are listed because the table
// is applied before case folding.
var lookalikes = map[rune]string{
	// Cyrillic
	'а': "a", 'А': "a", 'в': "b", 'В': "b", 'с': "c", 'С': "c", 'ԁ': "d", 'е': "e", 'Е': "e",
	'ё': "e", 'Ё': "e", 'һ': "h", 'Һ': "h", 'Н': "h", 'н': "h", 'і': "i", 'І': "i", 'ї': "i",
	'Ї': "i", 'ӏ': "l", 'Ӏ': "l", 'ј': "j", 'Ј': "j", 'к': "k", 'К': "k", 'м': "m", 'М': "m",
	'о': "o", 'О': "o", 'р': "p", 'Р': "p", 'ԛ': "q", 'Ԛ': "q", 'ѕ': "s", 'Ѕ': "s", 'т': "t",
	'Т': "t", 'у': "y", 'У': "y", 'ү': "y", 'Ү': "y", 'х': "x", 'Х': "x", 'ԝ': "w", 'Ԝ': "w",
	'ь': "b", 'п': "n", 'г': "r", 'ɡ': "g",
	// Greek
	'α': "a", 'Α': "a", 'β': "b", 'Β': "b", 'ε': "e", 'Ε': "e", 'ζ': "z", 'Ζ': "z", 'η': "n",
	'Η': "h", 'ι': "i", 'Ι': "i", 'κ': "k", 'Κ': "k", 'Μ': "m", 'μ': "u", 'ν': "v", 'Ν': "n",
	'ο': "o", 'Ο': "o", 'ρ': "p", 'Ρ': "p", 'τ': "t", 'Τ': "t", 'υ': "u", 'Υ': "y", 'χ': "x",
	'Χ': "x", 'γ': "y", 'ω': "w", 'ϲ': "c", 'Ϲ': "c", 'ϳ': "j", 'ς': "s",
	// Armenian
	'օ': "o", 'ս': "u", 'հ': "h", 'ո': "n", 'ց': "g", 'զ': "q",
	// small capitals and IPA
	'ᴀ': "a", 'ʙ': "b", 'ᴄ': "c", 'ᴅ': "d", 'ᴇ': "e", 'ꜰ': "f", 'ɢ': "g", 'ʜ': "h", 'ɪ': "i",
	'ᴊ': "j", 'ᴋ': "k", 'ʟ': "l", 'ᴍ': "m", 'ɴ': "n", 'ᴏ': "o", 'ᴘ': "p", 'ʀ': "r", 'ꜱ': "s",
	'ᴛ': "t", 'ᴜ': "u", 'ᴠ': "v", 'ᴡ': "w", 'ʏ': "y", 'ᴢ': "z", 'ı': "i", 'ȷ': "j", 'ɑ': "a",
	'ɩ': "i", 'ɵ': "o", 'ʋ': "v", 'ɾ': "r",
	// Latin letters without a decomposition
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'đ': "d", 'Đ': "d", 'ł': "l", 'Ł': "l", 'ħ': "h", 'Ħ': "h", 'ŧ': "t", 'Ŧ': "t", 'ð': "d",
	'Ð': "d", 'þ': "th", 'Þ': "th",
	// punctuation
	'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '‹': "'", '›': "'", '`': "'",
	'“': "\"", '”': "\"", '„': "\"", '‟': "\"", '″': "\"", '«': "\"", '»': "\"",
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-", '⁃': "-",
	'•': "*", '·': ".", '։': ":", '∶': ":", '⁄': "/", '∕': "/",
}

// lookalike returns the ASCII that r stands for, or "" when r is kept.
func lookalike(r rune) string {
	if r < utf8.RuneSelf {
		if r == '`' {
			return "'"
		}
		return ""
	}
	if m, ok := lookalikes[r]; ok {
		return m
	}
	switch {
	case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicator symbols A–Z
		return asciiLetters[r-0x1F1E6 : r-0x1F1E6+1]
	case r >= 0x1F130 && r <= 0x1F149: // squared Latin capital letters
		return asciiLetters[r-0x1F130 : r-0x1F130+1]
	case r >= 0x1F150 && r <= 0x1F169: // negative circled
		return asciiLetters[r-0x1F150 : r-0x1F150+1]
	case r >= 0x1F170 && r <= 0x1F189: // negative squared
		return asciiLetters[r-0x1F170 : r-0x1F170+1]
	case r >= 0xC0 && r < 0x250:
		return latinBase[r-0xC0]
	}
	return ""
}

const asciiLetters = "abcdefghijklmnopqrstuvwxyz"

// latinBase maps Latin-1 Supplement and Latin Extended-A/B letters that
// carry a diacritic to their ASCII base letter ("é" → "e"), from the
// Unicode canonical decomposition.
var latinBase = func() [0x250 - 0xC0]string {
	var t [0x250 - 0xC0]string
	for r := rune(0xC0); r < 0x250; r++ {
		d := norm.NFD.String(string(r))
		if len(d) > 1 && d[0] < utf8.RuneSelf && ('a' <= d[0]|0x20 && d[0]|0x20 <= 'z') {
			t[r-0xC0] = d[:1]
		}
	}
	return t
}()
