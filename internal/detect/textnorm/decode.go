package textnorm

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Kinds of encodings that Decode recognizes.
const (
	KindBase64 = "base64"
	KindHex    = "hex" // contiguous, or bytes separated by spaces, commas or colons, or \xNN and 0xNN escapes
	KindURL    = "url"
	KindROT13  = "rot13"
	// KindBinary is groups of eight binary digits, separated or not.
	KindBinary = "binary"
	// KindCharCodes is decimal character codes ("73 103 110 …"), HTML
	// numeric entities ("&#105;", "&#x69;") and \uXXXX escapes.
	KindCharCodes = "charcodes"
)

// Limits that bound Decode, so that no input makes it work hard or return
// much (decoding bombs): at most MaxSegments segments of at most
// MaxDecodedBytes bytes in all, decoded at most MaxDepth times in a row
// (a base64 segment whose text is hex is decoded twice, no more).
const (
	MaxSegments     = 8
	MaxDecodedBytes = 16 << 10
	MaxDepth        = 2
	// minEncoded is the shortest run considered as base64 or hex.
	minEncoded = 16
	// minTokens is the fewest separated codes (hex bytes, binary groups,
	// decimal codes, escapes) read as an encoded text.
	minTokens = 6
)

// Decoded is one segment of a text that decodes to readable text.
type Decoded struct {
	Kind string // KindBase64, KindHex, KindURL or KindROT13
	Text string // the decoded text, valid UTF-8
}

// Decode finds the base64 (standard or URL alphabet, padded or not), hex,
// binary, character-code, URL-encoded and rot13 segments of s and returns
// what they decode to,
// in order of appearance, keeping only segments that decode to mostly
// printable text. What a segment decodes to is itself decoded once more
// (depth 2). Decode never panics and is bounded: see MaxSegments,
// MaxDecodedBytes and MaxDepth.
func Decode(s string) []Decoded {
	d := decoder{budget: MaxDecodedBytes}
	d.decode(s, 1)
	return d.out
}

type decoder struct {
	out    []Decoded
	budget int
	buf    []byte // scratch for separated codes
}

func (d *decoder) full() bool { return len(d.out) >= MaxSegments || d.budget <= 0 }

func (d *decoder) add(kind, text string, depth int) {
	if d.full() {
		return
	}
	if len(text) > d.budget {
		text = text[:d.budget]
	}
	text = strings.ToValidUTF8(text, "")
	d.budget -= len(text)
	d.out = append(d.out, Decoded{Kind: kind, Text: text})
	if depth < MaxDepth {
		d.decode(text, depth+1)
	}
}

func (d *decoder) decode(s string, depth int) {
	// Runs of base64/hex alphabet characters.
	for i := 0; i < len(s) && !d.full(); {
		if !isB64(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isB64(s[j]) {
			j++
		}
		if j-i >= minEncoded {
			d.run(s[i:j], depth)
		}
		i = j
	}
	// Separated codes: "49 67 6e", "\x49\x67", "01101001 01100111", "73 103", "&#105;".
	if !d.full() {
		d.codes(s, depth)
	}
	// Percent-encoded text.
	if !d.full() && countEscapes(s) >= 3 {
		if t, ok := urlDecode(s); ok && printable(t) && t != s {
			d.add(KindURL, t, depth)
		}
	}
	// rot13: whole text, when it reads better rotated.
	if !d.full() && depth == 1 {
		if t, ok := rot13Better(s); ok {
			d.add(KindROT13, t, depth)
		}
	}
}

// run decodes one run of base64/hex alphabet characters.
func (d *decoder) run(r string, depth int) {
	if isBinaryRun(r) && len(r)%8 == 0 {
		if b, ok := decodeBinary(r); ok && printable(b) {
			d.add(KindBinary, b, depth)
			return
		}
	}
	if isHexRun(r) {
		if len(r)%2 == 1 {
			r = r[:len(r)-1]
		}
		b := make([]byte, len(r)/2)
		if _, err := hex.Decode(b, []byte(r)); err == nil && printable(string(b)) {
			d.add(KindHex, string(b), depth)
			return
		}
	}
	if b, ok := decodeBase64(r); ok && printable(b) {
		d.add(KindBase64, b, depth)
	}
}

func isBinaryRun(r string) bool {
	for i := 0; i < len(r); i++ {
		if r[i] != '0' && r[i] != '1' {
			return false
		}
	}
	return true
}

func decodeBinary(r string) (string, bool) {
	b := make([]byte, 0, len(r)/8)
	for i := 0; i+8 <= len(r); i += 8 {
		var v byte
		for k := 0; k < 8; k++ {
			v = v<<1 | (r[i+k] - '0')
		}
		b = append(b, v)
	}
	return string(b), len(b) > 0
}

// Character classes, looked up in one table.
const (
	classB64   = 1 << iota // base64 alphabets (standard and URL) and padding
	classHex               // hex digits
	classAlnum             // ASCII letters and digits
	classDigit             // decimal digits
	classCode              // where a separated code may start: hex digits, '\\', '&'
)

var classes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		letter := 'a' <= b|0x20 && b|0x20 <= 'z'
		digit := '0' <= b && b <= '9'
		if letter || digit || b == '+' || b == '/' || b == '-' || b == '_' || b == '=' {
			t[c] |= classB64
		}
		if digit || 'a' <= b|0x20 && b|0x20 <= 'f' {
			t[c] |= classHex | classCode
		}
		if letter || digit {
			t[c] |= classAlnum
		}
		if digit {
			t[c] |= classDigit
		}
		if b == '\\' || b == '&' {
			t[c] |= classCode
		}
	}
	return t
}()

func isB64(c byte) bool { return classes[c]&classB64 != 0 }

func isHexRun(r string) bool {
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !(('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')) {
			return false
		}
	}
	return true
}

// decodeBase64 tries the standard and URL alphabets, with and without
// padding; a run with characters of both alphabets is not base64.
func decodeBase64(r string) (string, bool) {
	r = strings.TrimRight(r, "=")
	if strings.Contains(r, "=") || len(r)%4 == 1 {
		return "", false
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(r, "-_") {
		if strings.ContainsAny(r, "+/") {
			return "", false
		}
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(r)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// printable reports whether t is valid UTF-8 made mostly of letters, digits,
// punctuation and spaces (at least 90 %), with some letters (at least 40 %):
// what an instruction looks like, and what random bytes do not.
func printable(t string) bool {
	if len(t) < 4 || !utf8.ValidString(t) {
		return false
	}
	var total, good, letters int
	for _, r := range t {
		total++
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			good++
		case r < 0x20 || r == 0x7f || r == utf8.RuneError || (r >= 0x80 && r < 0xA0):
		default:
			good++
			if ('a' <= r|0x20 && r|0x20 <= 'z') || r >= 0xC0 {
				letters++
			}
		}
	}
	if good*10 < total*9 {
		return false
	}
	return letters*10 >= total*4 || encodedLayer(t)
}

// encodedLayer reports whether t is itself a hex or base64 run, a layer of
// a nested encoding that Decode decodes once more.
func encodedLayer(t string) bool {
	t = strings.TrimSpace(t)
	if len(t) < minEncoded {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isB64(t[i]) {
			return false
		}
	}
	return true
}

// countEscapes counts the valid %XX escapes of s, up to 3.
func countEscapes(s string) int {
	n := 0
	for i := 0; i+2 < len(s) && n < 3; i++ {
		if s[i] == '%' && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
			n++
		}
	}
	return n
}

// urlDecode replaces %XX escapes and '+' signs; it reports false when the
// text has no valid escape.
func urlDecode(s string) (string, bool) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHexRun(s[i+1:i+3]) {
			v, _ := hex.DecodeString(s[i+1 : i+3])
			b.WriteByte(v[0])
			i += 2
			n++
			continue
		}
		if c == '+' {
			c = ' '
		}
		b.WriteByte(c)
	}
	return b.String(), n >= 3
}

// common holds frequent English words and words of instructions to a
// model, packed (see packWord); rot13 text is recognized by holding more
// of them once rotated.
var common = func() map[uint64]bool {
	m := map[uint64]bool{}
	for _, w := range strings.Fields(`the a an and or of to in is are be you your i me my it this that
		for with on not do what how all now from as at by tell say write give show print reveal
		ignore previous instructions instruction prompt system password secret above forget
		rules new act pretend answer question please must will can should no any`) {
		k, _ := packWord(w)
		m[k] = true
	}
	return m
}()

// packWord packs a word of at most 12 ASCII letters, lower-cased, five
// bits a letter; ok is false for longer words.
func packWord(w string) (uint64, bool) {
	if len(w) > 12 {
		return 0, false
	}
	var k uint64
	for i := 0; i < len(w); i++ {
		k = k<<5 | uint64(w[i]|0x20-'a'+1)
	}
	return k, true
}

// rot13Words is how many words rot13Better reads to decide.
const rot13Words = 256

// rot13Better returns the rot13 of s when s has at least three words and,
// over its first rot13Words words, the rotated text has at least twice as
// many common words (and at least two more) than s itself.
func rot13Better(s string) (string, bool) {
	if len(s) > MaxDecodedBytes {
		s = s[:MaxDecodedBytes]
	}
	before, after, words := 0, 0, 0
	for i := 0; i < len(s) && words < rot13Words; {
		if !isASCIILetter(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isASCIILetter(s[j]) {
			j++
		}
		words++
		if j-i <= 12 {
			var k, r uint64
			for _, c := range []byte(s[i:j]) {
				k = k<<5 | uint64(c|0x20-'a'+1)
				r = r<<5 | uint64(rot13(c|0x20)-'a'+1)
			}
			if common[k] {
				before++
			}
			if common[r] {
				after++
			}
		}
		i = j
		if words >= 24 && before*4 >= words {
			return "", false // plainly English already
		}
	}
	if words < 3 || after < 2*before || after < before+2 || after*5 < words {
		return "", false
	}
	b := []byte(s)
	for i := range b {
		b[i] = rot13(b[i])
	}
	return string(b), true
}

func isASCIILetter(c byte) bool { return ('a' <= c|0x20 && c|0x20 <= 'z') }

func rot13(c byte) byte {
	switch {
	case 'a' <= c && c <= 'z':
		return 'a' + (c-'a'+13)%26
	case 'A' <= c && c <= 'Z':
		return 'A' + (c-'A'+13)%26
	}
	return c
}

// codeKind is one way of writing a text as a sequence of codes.
type codeKind uint8

const (
	codeEscapedHex codeKind = iota // "\x49\x67", "0x49, 0x67"
	codeUnicode                    // "\u0069\u0067"
	codeEntity                     // "&#105;&#103;", "&#x69;"
	codeBinary                     // "01101001 01100111"
	codeHex                        // "49 67 6e", "49:67:6e"
	codeDecimal                    // "73 103 110"
	codeKindCount
)

var codeKinds = [codeKindCount]string{KindHex, KindCharCodes, KindCharCodes, KindBinary, KindHex, KindCharCodes}

// codes finds runs of at least minTokens codes of one kind and decodes
// those whose text is printable. A run that decodes to nothing readable is
// skipped whole, and a run too short to count after its first code, so
// every byte of s is read a bounded number of times.
func (d *decoder) codes(s string, depth int) {
	for i := 0; i < len(s) && !d.full(); {
		c := s[i]
		if classes[c]&classCode == 0 || i > 0 && isAlnum(s[i-1]) && c != '\\' && c != '&' {
			i++ // no code starts here
			continue
		}
		skip := 1
		for k := codeKind(0); k < codeKindCount; k++ {
			n, _ := readCode(s, i, k)
			if n == 0 {
				continue
			}
			var end, count int
			d.buf, end, count = readCodes(d.buf[:0], s, i, k)
			if count < minTokens {
				skip = max(skip, n)
				continue
			}
			if text := string(d.buf); printable(text) && (k != codeDecimal || lowerShare(text)) {
				d.add(codeKinds[k], text, depth)
				skip = end - i
				break
			}
			skip = max(skip, end-i)
		}
		i += skip
	}
}

// readCodes reads the run of codes of kind k that starts at i, each
// separated from the next by the separator that follows the first (or by
// nothing), and returns b with the decoded bytes appended, where the run
// ends and how many codes it holds.
func readCodes(b []byte, s string, i int, k codeKind) ([]byte, int, int) {
	count, end := 0, i
	sep := ""
	for count < MaxDecodedBytes {
		n, v := readCode(s, i, k)
		if n == 0 {
			break
		}
		if k == codeUnicode {
			b = utf8.AppendRune(b, rune(v))
		} else {
			b = append(b, byte(v))
		}
		count++
		i += n
		end = i
		if count == 1 {
			sep = separatorAt(s, i)
		}
		if !strings.HasPrefix(s[i:], sep) {
			break
		}
		i += len(sep)
	}
	return b, end, count
}

// separatorAt returns the separator between codes at s[i:]: a space, or a
// comma, colon, semicolon or dash optionally followed by a space, or nothing.
func separatorAt(s string, i int) string {
	if i >= len(s) {
		return ""
	}
	switch s[i] {
	case ' ':
		return " "
	case ',', ':', ';', '-':
		if i+1 < len(s) && s[i+1] == ' ' {
			return s[i : i+2]
		}
		return s[i : i+1]
	}
	return ""
}

// readCode reads one code of kind k at s[i:]: its length in bytes (0 when
// there is none) and its value. Codes that are not escapes must end at a
// word boundary.
func readCode(s string, i int, k codeKind) (int, int) {
	rest := s[i:]
	bounded := func(n int) bool { return n == len(rest) || !isAlnum(rest[n]) }
	switch k {
	case codeEscapedHex:
		if len(rest) >= 4 && (rest[0] == '\\' || rest[0] == '0') && rest[1] == 'x' && isHexDigit(rest[2]) && isHexDigit(rest[3]) {
			return 4, hexValue(rest[2])<<4 | hexValue(rest[3])
		}
	case codeUnicode:
		if len(rest) >= 6 && rest[0] == '\\' && rest[1] == 'u' && isHexDigit(rest[2]) && isHexDigit(rest[3]) && isHexDigit(rest[4]) && isHexDigit(rest[5]) {
			v := hexValue(rest[2])<<12 | hexValue(rest[3])<<8 | hexValue(rest[4])<<4 | hexValue(rest[5])
			if v < 0xD800 || v > 0xDFFF {
				return 6, v
			}
		}
	case codeEntity:
		if len(rest) < 4 || rest[0] != '&' || rest[1] != '#' {
			return 0, 0
		}
		j, v, hexa := 2, 0, rest[2] == 'x' || rest[2] == 'X'
		if hexa {
			j++
		}
		start := j
		for j < len(rest) && j-start < 4 && (hexa && isHexDigit(rest[j]) || isDigit(rest[j])) {
			if hexa {
				v = v<<4 | hexValue(rest[j])
			} else {
				v = v*10 + int(rest[j]-'0')
			}
			j++
		}
		if j > start && j < len(rest) && rest[j] == ';' && v <= 0xFF {
			return j + 1, v
		}
	case codeBinary:
		if len(rest) >= 8 && isBinaryRun(rest[:8]) && bounded(8) {
			v := 0
			for k := 0; k < 8; k++ {
				v = v<<1 | int(rest[k]-'0')
			}
			return 8, v
		}
	case codeHex:
		if len(rest) >= 2 && isHexDigit(rest[0]) && isHexDigit(rest[1]) && bounded(2) {
			return 2, hexValue(rest[0])<<4 | hexValue(rest[1])
		}
	case codeDecimal:
		j, v := 0, 0
		for j < len(rest) && j < 3 && isDigit(rest[j]) {
			v = v*10 + int(rest[j]-'0')
			j++
		}
		if j >= 2 && bounded(j) && (v >= 32 && v <= 126 || v == 10) {
			return j, v
		}
	}
	return 0, 0
}

func isDigit(c byte) bool { return classes[c]&classDigit != 0 }

func isAlnum(c byte) bool { return classes[c]&classAlnum != 0 }

func isHexDigit(c byte) bool { return classes[c]&classHex != 0 }

func hexValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int(c|0x20-'a') + 10
}

// lowerShare reports whether t holds a space and at least 40 % of it are
// lower-case ASCII letters: what codes of prose decode to, and lists of
// numbers or hex bytes (scores, measurements, MAC addresses) seldom do.
func lowerShare(t string) bool {
	lower, space := 0, false
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case 'a' <= c && c <= 'z':
			lower++
		case c == ' ':
			space = true
		}
	}
	return space && lower*10 >= len(t)*4
}
