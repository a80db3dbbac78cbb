package provider

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The codec of the wire types (wire.go): a strict, single-pass JSON
// decoder that walks an object's members, and an encoder that appends to
// one buffer. Both follow what encoding/json documents and does, because
// these types used to go through it and apps and upstreams must see no
// difference: the same inputs are accepted (invalid UTF-8 inside strings
// included, nesting up to 10000 levels), strings unquote and escape the
// same way (no HTML escaping), numbers format the same way, and decoding
// errors read the same. wire_diff_test.go checks this against the codec
// we had before (wire_ref_test.go).

// maxDepth is encoding/json's limit on nesting.
const maxDepth = 10000

// fields is the Go type that decoding errors name for a value that should
// have been an object: the codec used to decode every object into it, and
// the name stays so that error messages do.
type fields map[string]json.RawMessage

// The Go types that decoding errors name, as encoding/json named them.
var (
	fieldsType         = reflect.TypeFor[fields]()
	stringType         = reflect.TypeFor[string]()
	boolType           = reflect.TypeFor[bool]()
	intType            = reflect.TypeFor[int]()
	int64Type          = reflect.TypeFor[int64]()
	float64Type        = reflect.TypeFor[float64]()
	messagesType       = reflect.TypeFor[[]Message]()
	contentPartsType   = reflect.TypeFor[[]ContentPart]()
	toolsType          = reflect.TypeFor[[]Tool]()
	toolCallsType      = reflect.TypeFor[[]ToolCall]()
	choicesType        = reflect.TypeFor[[]Choice]()
	chunkChoicesType   = reflect.TypeFor[[]ChunkChoice]()
	toolCallDeltasType = reflect.TypeFor[[]ToolCallDelta]()
	functionDeltaType  = reflect.TypeFor[struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}]()
)

// decoder reads one JSON document. It validates as it goes: the first
// syntax error stops everything (err is set and every later read fails at
// once), and finish reports it. Type errors (a number where a string
// belongs) are returned by the readers, and the value is still consumed,
// so that the rest of the document is checked and the decoding goes on.
type decoder struct {
	data  []byte
	pos   int
	depth int   // containers open at pos, counted from the start of data
	err   error // the first syntax error
	// key is the key of the member being read, unquoted; it aliases data
	// or keyBuf, and is valid until the next member.
	key    []byte
	keyBuf []byte
	strBuf []byte // scratch for unquoting string values
	arena  []byte // backing store of copied raw values
}

// fail records a syntax error and makes every later read fail.
func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = fmt.Errorf("json: %s at offset %d", msg, d.pos)
	}
	d.pos = len(d.data)
}

// finish checks that nothing but space follows the value, and returns the
// syntax error if there was one, else err. what names the document as
// the error should ("chat request").
func (d *decoder) finish(what string, err error) error {
	if d.err == nil {
		d.ws()
		if d.pos < len(d.data) {
			d.fail("invalid character after top-level value")
		}
	}
	if d.err != nil {
		return fmt.Errorf("%s: %w", what, d.syntaxError())
	}
	return err
}

// syntaxError returns encoding/json's description of what is wrong with
// the document (a *json.SyntaxError with its offset), which its scanner
// finds wherever ours does; ours only serves if they ever disagree.
func (d *decoder) syntaxError() error {
	var raw json.RawMessage
	if err := json.Unmarshal(d.data, &raw); err != nil {
		return err
	}
	return d.err
}

// ws skips JSON white space.
func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the byte at pos, or 0 at the end.
func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// enter counts a container opened.
func (d *decoder) enter() {
	d.depth++
	if d.depth > maxDepth {
		d.fail("exceeded max depth")
	}
}

// openObject consumes the { of the object at pos. For any other value it
// consumes the value and returns the error decoding an object type from it
// always gave: what names the type ("message").
func (d *decoder) openObject(what string) error {
	switch d.peek() {
	case '{':
		d.pos++
		d.enter()
		return nil
	case 'n':
		d.literal("null")
		return fmt.Errorf("%s: want a JSON object", what)
	}
	return fmt.Errorf("%s: %w", what, d.mismatch(fieldsType))
}

// firstMember follows openObject (or a consumed {): it reads the first
// key and the colon, leaving pos at the value, or consumes the } of an
// empty object and returns false.
func (d *decoder) firstMember() bool {
	d.ws()
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return false
	}
	return d.readKey()
}

// nextMember follows a member's value: it reads the next key, or
// consumes the } and returns false.
func (d *decoder) nextMember() bool {
	d.ws()
	switch d.peek() {
	case ',':
		d.pos++
		d.ws()
		return d.readKey()
	case '}':
		d.pos++
		d.depth--
		return false
	}
	d.fail("invalid character after object key:value pair")
	return false
}

// readKey reads a member's key and colon into d.key.
func (d *decoder) readKey() bool {
	if d.peek() != '"' {
		d.fail("invalid character looking for beginning of object key string")
		return false
	}
	s, plain := d.scanString()
	if d.err != nil {
		return false
	}
	if plain {
		d.key = s
	} else {
		d.keyBuf = appendUnquoted(d.keyBuf[:0], s)
		d.key = d.keyBuf
	}
	d.ws()
	if d.peek() != ':' {
		d.fail("invalid character after object key")
		return false
	}
	d.pos++
	d.ws()
	return true
}

// firstElem follows a consumed [: it leaves pos at the first element, or
// consumes the ] of an empty array and returns false.
func (d *decoder) firstElem() bool {
	d.ws()
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return false
	}
	return d.err == nil
}

// nextElem follows an element: it leaves pos at the next one, or consumes
// the ] and returns false.
func (d *decoder) nextElem() bool {
	d.ws()
	switch d.peek() {
	case ',':
		d.pos++
		d.ws()
		return true
	case ']':
		d.pos++
		d.depth--
		return false
	}
	d.fail("invalid character after array element")
	return false
}

// literal consumes word (true, false or null).
func (d *decoder) literal(word string) {
	if end := d.pos + len(word); end <= len(d.data) && string(d.data[d.pos:end]) == word {
		d.pos = end
		return
	}
	d.fail("invalid literal")
}

// number consumes a number and returns its text.
func (d *decoder) number() []byte {
	data, start := d.data, d.pos
	i := start
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		i = digits(data, i+1)
	default:
		d.pos = i
		d.fail("invalid number")
		return nil
	}
	if i < len(data) && data[i] == '.' {
		if i+1 >= len(data) || data[i+1] < '0' || data[i+1] > '9' {
			d.pos = i + 1
			d.fail("invalid number: want a digit after the decimal point")
			return nil
		}
		i = digits(data, i+1)
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			d.fail("invalid number: want a digit in the exponent")
			return nil
		}
		i = digits(data, i)
	}
	d.pos = i
	return data[start:i]
}

// digits returns the index of the first non-digit from i.
func digits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}

// The SWAR constants of scanString: a byte repeated in each of a word's
// eight bytes.
const (
	ones        = 0x0101010101010101
	highs       = 0x8080808080808080
	quotes      = ones * '"'
	backslashes = ones * '\\'
	spaces      = ones * ' '
)

// hasSpecial reports whether one of the eight bytes of w is a quote, a
// backslash or a control character (the classic "has a zero byte" and
// "has a byte less than n" tests, exact for whether any byte matches).
func hasSpecial(w uint64) bool {
	q, b := w^quotes, w^backslashes
	return ((q-ones)&^q|(b-ones)&^b|(w-spaces)&^w)&highs != 0
}

// scanString consumes the string at pos (which is its opening quote) and
// returns its contents without the quotes, and whether they are plain: no
// escapes and valid UTF-8, so that the bytes are the value.
func (d *decoder) scanString() (s []byte, plain bool) {
	data := d.data
	start := d.pos + 1
	i := start
	plain = true
	var seen uint64 // the bytes seen OR-ed together: their high bits tell if any is not ASCII
	for {
		for i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i:])
			if hasSpecial(w) {
				break
			}
			seen |= w
			i += 8
		}
		for i < len(data) {
			c := data[i]
			if c < ' ' || c == '"' || c == '\\' {
				break
			}
			seen |= uint64(c)
			i++
		}
		if i >= len(data) {
			d.pos = i
			d.fail("unexpected end of JSON input in string")
			return nil, false
		}
		switch data[i] {
		case '"':
			d.pos = i + 1
			s = data[start:i]
			return s, plain && (seen&highs == 0 || utf8.Valid(s))
		case '\\':
			plain = false
			if i+1 >= len(data) {
				d.pos = i + 1
				d.fail("unexpected end of JSON input in string escape")
				return nil, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) || hex4(data[i+2:i+6]) < 0 {
					d.pos = i + 2
					d.fail("invalid character in \\u hexadecimal character escape")
					return nil, false
				}
				i += 6
			default:
				d.pos = i + 1
				d.fail("invalid character in string escape code")
				return nil, false
			}
		default:
			d.pos = i
			d.fail("invalid character in string literal")
			return nil, false
		}
	}
}

// hex4 decodes four hexadecimal digits, or returns -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendUnquoted appends the value of the contents s of a valid JSON
// string, as encoding/json unquotes it: escapes decoded, a \u escape of
// half a surrogate pair and every byte of invalid UTF-8 replaced by
// U+FFFD.
func appendUnquoted(dst, s []byte) []byte {
	dst = slices.Grow(dst, len(s))
	for len(s) > 0 {
		n := bytes.IndexByte(s, '\\')
		if n < 0 {
			n = len(s)
		}
		dst = appendValidUTF8(dst, s[:n])
		s = s[n:]
		if len(s) == 0 {
			break
		}
		// An escape, validated by scanString.
		switch c := s[1]; c {
		case 'u':
			r := hex4(s[2:6])
			s = s[6:]
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					r2 = hex4(s[2:6])
				}
				if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
					r = pair
					s = s[6:]
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		case 'b':
			dst, s = append(dst, '\b'), s[2:]
		case 'f':
			dst, s = append(dst, '\f'), s[2:]
		case 'n':
			dst, s = append(dst, '\n'), s[2:]
		case 'r':
			dst, s = append(dst, '\r'), s[2:]
		case 't':
			dst, s = append(dst, '\t'), s[2:]
		default: // " \ /
			dst, s = append(dst, c), s[2:]
		}
	}
	return dst
}

// appendValidUTF8 appends s with each byte of invalid UTF-8 replaced by
// U+FFFD.
func appendValidUTF8(dst, s []byte) []byte {
	if utf8.Valid(s) {
		return append(dst, s...)
	}
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		dst = utf8.AppendRune(dst, r)
		s = s[n:]
	}
	return dst
}

// readString consumes the string at pos and returns its value.
func (d *decoder) readString() string {
	s, plain := d.scanString()
	if plain {
		return string(s)
	}
	return d.unquote(s)
}

// unquote returns the value of the contents s of a string that is not
// plain.
func (d *decoder) unquote(s []byte) string {
	if d.err != nil {
		return ""
	}
	d.strBuf = appendUnquoted(d.strBuf[:0], s)
	return string(d.strBuf)
}

// common returns the string s without allocating if it is one of the
// values that known members take again and again.
func common(s []byte) (string, bool) {
	if len(s) > 21 {
		return "", false
	}
	switch string(s) {
	case "":
		return "", true
	case "user":
		return "user", true
	case "assistant":
		return "assistant", true
	case "system":
		return "system", true
	case "developer":
		return "developer", true
	case "tool":
		return "tool", true
	case "function":
		return "function", true
	case "text":
		return "text", true
	case "image_url":
		return "image_url", true
	case "stop":
		return "stop", true
	case "length":
		return "length", true
	case "tool_calls":
		return "tool_calls", true
	case "chat.completion":
		return "chat.completion", true
	case "chat.completion.chunk":
		return "chat.completion.chunk", true
	case "list":
		return "list", true
	}
	return "", false
}

// skip consumes the value at pos, whatever it is, checking that it is
// valid JSON. It does not recurse: open tracks, one bit a level, whether
// each container it is inside is an object.
func (d *decoder) skip() {
	var open bitStack
	for {
		// At a value.
		switch c := d.peek(); c {
		case '{':
			d.pos++
			d.enter()
			d.ws()
			if d.peek() == '}' {
				d.pos++
				d.depth--
				break
			}
			open.push(true)
			d.skipKey()
			continue
		case '[':
			d.pos++
			d.enter()
			d.ws()
			if d.peek() == ']' {
				d.pos++
				d.depth--
				break
			}
			open.push(false)
			continue
		case '"':
			d.scanString()
		case 't':
			d.literal("true")
		case 'f':
			d.literal("false")
		case 'n':
			d.literal("null")
		default:
			if c == '-' || '0' <= c && c <= '9' {
				d.number()
			} else {
				d.fail("invalid character looking for beginning of value")
			}
		}
		// After a value: close what ends here, then go on to the next
		// value of the innermost open container.
		for {
			if d.err != nil || open.n == 0 {
				return
			}
			d.ws()
			inObject := open.top()
			c := d.peek()
			if c == ',' {
				d.pos++
				d.ws()
				if inObject {
					d.skipKey()
				}
				break
			}
			if inObject && c == '}' || !inObject && c == ']' {
				d.pos++
				d.depth--
				open.pop()
				continue
			}
			d.fail("invalid character after value in container")
			return
		}
		if d.err != nil {
			return
		}
	}
}

// skipKey consumes a key and its colon, leaving pos at the value.
func (d *decoder) skipKey() {
	if d.peek() != '"' {
		d.fail("invalid character looking for beginning of object key string")
		return
	}
	d.scanString()
	d.ws()
	if d.peek() != ':' {
		d.fail("invalid character after object key")
		return
	}
	d.pos++
	d.ws()
}

// bitStack is a stack of booleans, the first 256 kept inline.
type bitStack struct {
	n      int
	inline [4]uint64
	spill  []uint64
}

func (s *bitStack) push(v bool) {
	w, bit := s.n/64, uint(s.n%64)
	words := s.inline[:]
	if w >= len(words) {
		if w-len(words) >= len(s.spill) {
			s.spill = append(s.spill, 0)
		}
		words, w = s.spill, w-len(words)
	}
	if v {
		words[w] |= 1 << bit
	} else {
		words[w] &^= 1 << bit
	}
	s.n++
}

func (s *bitStack) top() bool {
	i := s.n - 1
	w, bit := i/64, uint(i%64)
	if w < len(s.inline) {
		return s.inline[w]&(1<<bit) != 0
	}
	return s.spill[w-len(s.inline)]&(1<<bit) != 0
}

func (s *bitStack) pop() { s.n-- }

// span consumes the value at pos and returns its bytes.
func (d *decoder) span() []byte {
	start := d.pos
	d.skip()
	return d.data[start:d.pos]
}

// raw consumes the value at pos and returns a copy of its bytes.
func (d *decoder) raw() json.RawMessage {
	b := d.span()
	if d.err != nil {
		return nil
	}
	return d.keep(b)
}

// keep returns a copy of b, a span of data (the caller may reuse data).
// Copies share an arena, each capped so that appending to one cannot
// write into another.
func (d *decoder) keep(b []byte) json.RawMessage {
	if len(b) > 1024 {
		return bytes.Clone(b)
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		// Never more than what is left of the document.
		d.arena = make([]byte, 0, max(len(b), min(4096, len(d.data)-d.pos)))
	}
	n := len(d.arena)
	d.arena = append(d.arena, b...)
	return d.arena[n:len(d.arena):len(d.arena)]
}

// extra keeps the member being read in *dst.
func (d *decoder) extra(dst *Extra) {
	key := string(d.key)
	v := d.raw()
	if d.err != nil {
		return
	}
	if *dst == nil {
		*dst = make(Extra)
	}
	(*dst)[key] = v
}

// mismatch consumes a value that cannot decode into a Go value of type t
// and returns the error encoding/json gives for it.
func (d *decoder) mismatch(t reflect.Type) error {
	var what string
	switch c := d.peek(); {
	case c == '"':
		what = "string"
	case c == '{':
		what = "object"
	case c == '[':
		what = "array"
	case c == 't' || c == 'f':
		what = "bool"
	case c == 'n':
		what = "null"
	default:
		what = "number"
	}
	start := d.pos
	d.skip()
	// encoding/json gives the offset after a literal, and after the
	// opening bracket of a container.
	off := d.pos
	if what == "object" || what == "array" {
		off = start + 1
	}
	return &json.UnmarshalTypeError{Value: what, Type: t, Offset: int64(off)}
}

// field prefixes err with the key of the member it is about.
func field(key string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", key, err)
}

// The readers of the values of known members. Like encoding/json behind
// the codec's old "take", null leaves the zero value, and a value of
// another type is consumed and returns a *json.UnmarshalTypeError.

func (d *decoder) str(dst *string) error {
	switch d.peek() {
	case '"':
		s, plain := d.scanString()
		if plain {
			if v, ok := common(s); ok {
				*dst = v
				return nil
			}
			*dst = string(s)
			return nil
		}
		*dst = d.unquote(s)
		return nil
	case 'n':
		d.literal("null")
		*dst = ""
		return nil
	}
	return d.mismatch(stringType)
}

func (d *decoder) strPtr(dst **string) error {
	switch d.peek() {
	case '"':
		s := d.readString()
		*dst = &s
		return nil
	case 'n':
		d.literal("null")
		*dst = nil
		return nil
	}
	return d.mismatch(stringType)
}

func (d *decoder) boolean(dst *bool) error {
	switch d.peek() {
	case 't':
		d.literal("true")
		*dst = true
		return nil
	case 'f':
		d.literal("false")
		*dst = false
		return nil
	case 'n':
		d.literal("null")
		*dst = false
		return nil
	}
	return d.mismatch(boolType)
}

// integer reads an integer into *dst; ok is false for null. An integer has
// no fraction and no exponent and fits in 64 bits, as encoding/json
// requires for int fields; t names the field's type in errors.
func (d *decoder) integer(dst *int64, t reflect.Type) (ok bool, err error) {
	switch c := d.peek(); {
	case c == 'n':
		d.literal("null")
		*dst = 0
		return false, nil
	case c != '-' && (c < '0' || c > '9'):
		return false, d.mismatch(t)
	}
	lit := d.number()
	if d.err != nil {
		return false, nil
	}
	n, good := parseInt(lit)
	if !good {
		return false, &json.UnmarshalTypeError{Value: "number " + string(lit), Type: t, Offset: int64(d.pos)}
	}
	*dst = n
	return true, nil
}

func (d *decoder) num(dst *int) error {
	var n int64
	_, err := d.integer(&n, intType)
	*dst = int(n)
	return err
}

func (d *decoder) num64(dst *int64) error {
	_, err := d.integer(dst, int64Type)
	return err
}

func (d *decoder) numPtr(dst **int) error {
	var n int64
	ok, err := d.integer(&n, intType)
	*dst = nil
	if ok {
		v := int(n)
		*dst = &v
	}
	return err
}

func (d *decoder) floatPtr(dst **float64) error {
	*dst = nil
	switch c := d.peek(); {
	case c == 'n':
		d.literal("null")
		return nil
	case c != '-' && (c < '0' || c > '9'):
		return d.mismatch(float64Type)
	}
	lit := d.number()
	if d.err != nil {
		return nil
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "number " + string(lit), Type: float64Type, Offset: int64(d.pos)}
	}
	*dst = &f
	return nil
}

// parseInt parses a JSON number as strconv.ParseInt does, quickly for the
// common short integers.
func parseInt(lit []byte) (int64, bool) {
	digits := lit
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) > 0 && len(digits) <= 18 {
		var n int64
		for _, c := range digits {
			if c < '0' || c > '9' {
				return 0, false // a fraction or an exponent
			}
			n = n*10 + int64(c-'0')
		}
		if len(digits) < len(lit) {
			n = -n
		}
		return n, true
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	return n, err == nil
}

// decodable is a wire type, decoded from the value at the decoder's pos.
type decodable[T any] interface {
	*T
	decode(d *decoder) error
}

// list decodes an array of a wire type as encoding/json decodes into a
// slice of an Unmarshaler: null is a nil slice, [] an empty one, the
// first element's error is the error (the rest is only checked), and t
// names the slice type in errors.
func list[T any, P decodable[T]](d *decoder, dst *[]T, t reflect.Type) error {
	*dst = nil
	switch d.peek() {
	case 'n':
		d.literal("null")
		return nil
	case '[':
	default:
		return d.mismatch(t)
	}
	d.pos++
	d.enter()
	out := []T{}
	var err error
	for ok := d.firstElem(); ok; ok = d.nextElem() {
		if err != nil {
			d.skip()
			continue
		}
		var zero T
		out = append(out, zero)
		err = P(&out[len(out)-1]).decode(d)
	}
	*dst = out
	return err
}

// encoder writes a JSON document into buf. The first error (a float that
// JSON cannot hold, an invalid raw value) is kept in err, and the output
// is then of no use.
type encoder struct {
	buf   []byte
	depth int // containers open, as decoder.depth
	err   error
}

// An object is written by open, then members each starting with a
// comma, then close, which turns the first comma into the brace.
func (e *encoder) open() int {
	e.depth++
	return len(e.buf)
}

func (e *encoder) close(start int) {
	e.depth--
	if len(e.buf) == start {
		e.buf = append(e.buf, "{}"...)
		return
	}
	e.buf[start] = '{'
	e.buf = append(e.buf, '}')
}

// fail keeps the first error, naming the member it is about.
func (e *encoder) fail(key string, err error) {
	if e.err == nil {
		e.err = fmt.Errorf("%s: %w", key, err)
	}
}

// name writes JSON text as it is: a member's key and colon, punctuation.
func (e *encoder) name(s string) { e.buf = append(e.buf, s...) }

func (e *encoder) str(s string) { e.buf = appendString(e.buf, s) }

func (e *encoder) integer(n int64) { e.buf = strconv.AppendInt(e.buf, n, 10) }

// float writes f as encoding/json does: like ES6 (the shortest decimal
// that reads back as f, with an exponent only below 1e-6 or from 1e21 on,
// e-7 and not e-07). NaN and infinities have no JSON.
func (e *encoder) float(key string, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.fail(key, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)})
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.buf = strconv.AppendFloat(e.buf, f, format, -1, 64)
	if format == 'e' {
		if n := len(e.buf); n >= 4 && e.buf[n-4] == 'e' && e.buf[n-3] == '-' && e.buf[n-2] == '0' {
			e.buf[n-2] = e.buf[n-1]
			e.buf = e.buf[:n-1]
		}
	}
}

// raw writes a raw value compacted, as encoding/json does with what a
// MarshalJSON method returns; an empty one is null.
func (e *encoder) raw(key string, v json.RawMessage) {
	if len(v) == 0 {
		e.buf = append(e.buf, "null"...)
		return
	}
	var err error
	e.buf, err = appendCompact(e.buf, v, e.depth)
	if err != nil {
		e.fail(key, err)
	}
}

// extra writes the members of x, by key in sorted order.
func (e *encoder) extra(x Extra) {
	if len(x) == 0 {
		return
	}
	var inline [8]string
	keys := inline[:0]
	for k := range x {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.buf = append(e.buf, ',')
		e.buf = appendString(e.buf, k)
		e.buf = append(e.buf, ':')
		e.raw(k, x[k])
	}
}

// encodable is a wire type, appended to an encoder.
type encodable[T any] interface {
	*T
	appendJSON(e *encoder)
}

// appendList writes a list of a wire type ([] for none).
func appendList[T any, P encodable[T]](e *encoder, list []T) {
	e.buf = append(e.buf, '[')
	e.depth++
	for i := range list {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		P(&list[i]).appendJSON(e)
	}
	e.depth--
	e.buf = append(e.buf, ']')
}

// appendString appends s as a JSON string, escaped as encoding/json does
// without HTML escaping: ", \ and control characters escaped (\b, \f, \n,
// \r, \t, else \u00XX), U+2028 and U+2029 as \u2028 and \u2029, each byte
// of invalid UTF-8 as \ufffd; everything else as it is.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendCompact appends the JSON value src without the white space
// between its tokens, as json.Compact does, after checking that it is
// one valid value; depth counts the containers around it, for the
// nesting limit.
func appendCompact(dst, src []byte, depth int) ([]byte, error) {
	d := decoder{data: src, depth: depth}
	d.ws()
	d.skip()
	d.ws()
	if d.err == nil && d.pos < len(src) {
		d.fail("invalid character after top-level value")
	}
	if d.err != nil {
		var b bytes.Buffer
		if err := json.Compact(&b, src); err != nil {
			return dst, err
		}
		return dst, errors.New("json: exceeded max depth")
	}
	if !bytes.ContainsAny(src, " \t\n\r") {
		return append(dst, src...), nil
	}
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString:
			switch c {
			case '\\':
				dst = append(dst, c)
				i++
				c = src[i]
			case '"':
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '"':
			inString = true
		}
		dst = append(dst, c)
	}
	return dst, nil
}
