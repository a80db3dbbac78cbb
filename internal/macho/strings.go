package macho

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// minStringLen is the shortest string reported: shorter literals are
// mostly format fragments and keys, and no secret is that short.
const minStringLen = 6

// readStrings collects the literal strings of __TEXT,__cstring and
// __TEXT,__ustring, in file order.
func (s *slice) readStrings(a *Arch, lim Limits) {
	sink := stringSink{max: lim.MaxStrings, maxLen: lim.MaxStringLen, seen: map[string]bool{}}
	// Only the first section of each name is read: real files have one,
	// and hostile ones could otherwise list the same bytes many times.
	done := map[string]bool{}
	for i := range s.sections {
		sec := &s.sections[i]
		if sec.seg != "__TEXT" || sec.name != "__cstring" && sec.name != "__ustring" || done[sec.name] {
			continue
		}
		done[sec.name] = true
		b, ok := s.sectionData(sec)
		if !ok {
			if sec.flags&sectionTypeMask != sZerofill {
				a.warnf("section %s,%s (%d bytes at %#x) outside the file", sec.seg, sec.name, sec.size, sec.offset)
			}
			continue
		}
		var more bool
		if sec.name == "__cstring" {
			more = sink.cStrings(b)
		} else {
			more = sink.uStrings(b, s.bo)
		}
		if !more {
			break
		}
	}
	if sink.capped {
		a.warnf("strings capped at %d", sink.max)
	}
	if sink.truncated {
		a.warnf("strings longer than %d bytes truncated", sink.maxLen)
	}
	a.Strings = sink.list
}

// stringSink collects distinct strings up to its caps.
type stringSink struct {
	list      []string
	seen      map[string]bool
	max       int
	maxLen    int
	capped    bool
	truncated bool
}

// add appends str unless it is a duplicate, and reports whether there is
// room for more.
func (s *stringSink) add(str string) bool {
	if len(str) > s.maxLen {
		cut := s.maxLen
		for cut > 0 && !utf8.RuneStart(str[cut]) {
			cut--
		}
		str = str[:cut]
		s.truncated = true
	}
	if s.seen[str] {
		return true
	}
	if len(s.list) >= s.max {
		s.capped = true
		return false
	}
	s.seen[str] = true
	s.list = append(s.list, str)
	return true
}

// cStrings adds the NUL-separated strings of b that are long enough and
// printable text.
func (s *stringSink) cStrings(b []byte) bool {
	for len(b) > 0 {
		var str []byte
		if i := bytes.IndexByte(b, 0); i >= 0 {
			str, b = b[:i], b[i+1:]
		} else {
			str, b = b, nil
		}
		if len(str) >= minStringLen && utf8.Valid(str) && printable(string(str)) && !s.add(string(str)) {
			return false
		}
	}
	return true
}

// uStrings adds the strings of b, UTF-16 in byte order bo separated by
// zero code units, that are at least minStringLen characters long, well
// formed (no unpaired surrogate) and printable text.
func (s *stringSink) uStrings(b []byte, bo binary.ByteOrder) bool {
	units := make([]uint16, 0, 64)
	flush := func() bool {
		defer func() { units = units[:0] }()
		if len(units) < minStringLen || !wellFormed(units) {
			return true
		}
		str := string(utf16.Decode(units))
		return !printable(str) || s.add(str)
	}
	for i := 0; i+1 < len(b); i += 2 {
		u := bo.Uint16(b[i:])
		if u == 0 {
			if !flush() {
				return false
			}
			continue
		}
		units = append(units, u)
	}
	return flush()
}

// wellFormed reports UTF-16 without unpaired surrogates.
func wellFormed(units []uint16) bool {
	for i := 0; i < len(units); i++ {
		u := units[i]
		switch {
		case u >= 0xd800 && u < 0xdc00:
			if i+1 >= len(units) || units[i+1] < 0xdc00 || units[i+1] >= 0xe000 {
				return false
			}
			i++
		case u >= 0xdc00 && u < 0xe000:
			return false
		}
	}
	return true
}

// printable reports text without control characters other than tab and
// line breaks.
func printable(str string) bool {
	for _, r := range str {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError {
			return false
		}
	}
	return true
}
