package dex

import (
	"unicode/utf8"
)

// appendMUTF8 appends the UTF-8 form of the Modified UTF-8 bytes src to dst.
//
// Modified UTF-8 differs from UTF-8 in two ways: NUL is written as the
// overlong pair C0 80, and characters outside the Basic Multilingual Plane
// are written as a surrogate pair, each half as a three-byte sequence. A
// lone surrogate and every other invalid sequence become one U+FFFD. Valid
// four-byte UTF-8 sequences, which strict MUTF-8 does not allow, are kept
// as they are.
func appendMUTF8(dst, src []byte) []byte {
	if utf8.Valid(src) {
		// Covers ASCII and every string without NUL or supplementary
		// characters: the two encodings agree on them.
		return append(dst, src...)
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		case c == 0xc0 && i+1 < len(src) && src[i+1] == 0x80:
			dst = append(dst, 0)
			i += 2
		case c == 0xed && i+2 < len(src) && src[i+1]&0xe0 == 0xa0 && src[i+2]&0xc0 == 0x80:
			// A surrogate: a high one (ED A0..AF) followed by a low one
			// (ED B0..BF) makes one supplementary character.
			if src[i+1] < 0xb0 && i+5 < len(src) && src[i+3] == 0xed && src[i+4]&0xf0 == 0xb0 && src[i+5]&0xc0 == 0x80 {
				hi := rune(src[i+1]&0x0f)<<6 | rune(src[i+2]&0x3f)
				lo := rune(src[i+4]&0x0f)<<6 | rune(src[i+5]&0x3f)
				dst = utf8.AppendRune(dst, 0x10000+(hi<<10|lo))
				i += 6
				continue
			}
			dst = utf8.AppendRune(dst, utf8.RuneError)
			i += 3
		default:
			r, n := utf8.DecodeRune(src[i:])
			dst = utf8.AppendRune(dst, r)
			i += n
		}
	}
	return dst
}
