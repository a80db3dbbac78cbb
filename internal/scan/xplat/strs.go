package xplat

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// strSet keeps distinct strings up to a count, cutting long ones.
type strSet struct {
	max, maxLen int
	seen        map[string]struct{}
	out         []string
	truncated   bool
}

func newStrSet(max, maxLen int) *strSet {
	return &strSet{max: max, maxLen: maxLen, seen: make(map[string]struct{})}
}

// full reports that no more strings are accepted.
func (s *strSet) full() bool { return len(s.out) >= s.max }

func (s *strSet) addBytes(b []byte) {
	if len(b) == 0 {
		return
	}
	if len(b) > s.maxLen {
		b = b[:s.maxLen]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
		s.truncated = true
	}
	if _, ok := s.seen[string(b)]; ok {
		return
	}
	if s.full() {
		s.truncated = true
		return
	}
	str := string(b)
	s.seen[str] = struct{}{}
	s.out = append(s.out, str)
}

func (s *strSet) add(str string) {
	if str == "" {
		return
	}
	if len(str) > s.maxLen {
		s.addBytes([]byte(str))
		return
	}
	if _, ok := s.seen[str]; ok {
		return
	}
	if s.full() {
		s.truncated = true
		return
	}
	s.seen[str] = struct{}{}
	s.out = append(s.out, str)
}

func isPrintable(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\t' }

// printableRuns returns the distinct runs of at least minLen printable
// ASCII bytes (space to tilde, and tab) of data, the classic strings(1)
// view of a binary. It reads data once and keeps at most set.max strings.
func printableRuns(data []byte, minLen int, set *strSet) {
	start := -1
	for i := 0; i <= len(data); i++ {
		if i < len(data) && isPrintable(data[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minLen {
			set.addBytes(data[start:i])
			if set.full() && set.truncated {
				return
			}
		}
		start = -1
	}
}

// utf16Runs returns the distinct runs of at least minLen printable ASCII
// characters encoded as UTF-16LE (each char followed by a zero byte), at
// either byte alignment.
func utf16Runs(data []byte, minLen int, set *strSet) {
	var buf []byte
	for align := 0; align < 2; align++ {
		buf = buf[:0]
		for i := align; i+1 < len(data); i += 2 {
			if isPrintable(data[i]) && data[i+1] == 0 {
				buf = append(buf, data[i])
				continue
			}
			if len(buf) >= minLen {
				set.addBytes(buf)
				if set.full() && set.truncated {
					return
				}
			}
			buf = buf[:0]
		}
		if len(buf) >= minLen {
			set.addBytes(buf)
		}
	}
}

// textLines returns the distinct trimmed non-empty lines of a text file.
// Binary content (a NUL in it) is read as printable runs instead.
func textLines(data []byte, minRun int, set *strSet) {
	if bytes.IndexByte(data, 0) >= 0 {
		printableRuns(data, minRun, set)
		return
	}
	for len(data) > 0 && !(set.full() && set.truncated) {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		set.add(strings.ToValidUTF8(string(line), "\uFFFD"))
	}
}

// decodeUTF16LE converts UTF-16LE bytes (an even count) to UTF-8.
func decodeUTF16LE(b []byte, maxOut int) []byte {
	out := make([]byte, 0, min(len(b), maxOut+4))
	for i := 0; i+1 < len(b) && len(out) < maxOut; i += 2 {
		r := rune(binary.LittleEndian.Uint16(b[i:]))
		if utf16.IsSurrogate(r) && r < 0xDC00 && i+3 < len(b) {
			if d := utf16.DecodeRune(r, rune(binary.LittleEndian.Uint16(b[i+2:]))); d != utf8.RuneError {
				out = utf8.AppendRune(out, d)
				i += 2
				continue
			}
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}
