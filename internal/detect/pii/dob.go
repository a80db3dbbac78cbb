package pii

import (
	"strings"
	"unicode/utf8"
)

// Dates of birth: a date written shortly after a birth context word ("born
// on", "DOB:", "date of birth", "birthday", and the same in a few European
// languages). A date alone is not personal; next to such a word it is.

// months maps month names and abbreviations (English, French, German,
// Spanish, lower case) to their number.
var months = func() map[string]int {
	m := map[string]int{}
	for i, names := range []string{
		"jan january janvier januar enero",
		"feb february février fevrier februar febrero",
		"mar march mars märz maerz marzo",
		"apr april avril abril",
		"may mai mayo",
		"jun june juin juni junio",
		"jul july juillet juli julio",
		"aug august août aout agosto",
		"sep sept september septembre septiembre",
		"oct october octobre oktober octubre",
		"nov november novembre noviembre",
		"dec december décembre decembre dezember diciembre",
	} {
		for _, n := range strings.Fields(names) {
			m[n] = i + 1
		}
	}
	return m
}()

// validDate reports whether day/month/year is a calendar date of a
// plausible birth year (1900–2099; two-digit years accepted).
func validDate(day, month, year int) bool {
	if year < 100 {
		year += 1900
	}
	if year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && !(year%4 == 0 && (year%100 != 0 || year%400 == 0)) {
		days = 28
	}
	return day <= days
}

// parseDOB reports whether s starts with a valid date and returns its
// length. It reads 9/20/1968 and 20.09.1968 (day or month first, two- or
// four-digit year), 1968-09-20, "20 September 1968", "20th of Sept. 1968",
// "September 20, 1968" and "Sept 20th 1968".
func parseDOB(s string) (int, bool) {
	if len(s) == 0 {
		return 0, false
	}
	end := func(i int) bool { return i == len(s) || !isAlnum(s[i]) }
	if isDigit(s[0]) {
		a, la, i := number(s, 0, 4)
		if la == 0 {
			return 0, false
		}
		if i < len(s) && (s[i] == '/' || s[i] == '.' || s[i] == '-') && i+1 < len(s) && isDigit(s[i+1]) {
			sep := s[i]
			b, lb, j := number(s, i+1, 2)
			if lb == 0 || j >= len(s) || s[j] != sep {
				return 0, false
			}
			c, lc, k := number(s, j+1, 4)
			if lc == 0 || !end(k) {
				return 0, false
			}
			switch {
			case la <= 2 && (lc == 2 || lc == 4):
				return k, validDate(a, b, c) || validDate(b, a, c)
			case la == 4 && lc <= 2:
				return k, validDate(c, b, a)
			}
			return 0, false
		}
		if la > 2 {
			return 0, false
		}
		j := ordinal(s, i)
		if strings.HasPrefix(s[j:], " of") {
			j += 3
		}
		j = skipSeps(s, j)
		m, k := monthAt(s, j)
		if m == 0 {
			return 0, false
		}
		k = skipSeps(s, skipByte(s, skipByte(s, k, '.'), ','))
		y, ly, e := number(s, k, 4)
		if ly != 4 || !end(e) {
			return 0, false
		}
		return e, validDate(a, m, y)
	}
	m, j := monthAt(s, 0)
	if m == 0 {
		return 0, false
	}
	j = skipSeps(s, skipByte(s, j, '.'))
	day, ld, k := number(s, j, 2)
	if ld == 0 {
		return 0, false
	}
	k = skipSeps(s, skipByte(s, ordinal(s, k), ','))
	y, ly, e := number(s, k, 4)
	if ly != 4 || !end(e) {
		return 0, false
	}
	return e, validDate(day, m, y)
}

// number reads at most max digits at i and returns their value, their
// count and where they end; a longer run of digits counts as none.
func number(s string, i, max int) (int, int, int) {
	n, j := 0, i
	for j < len(s) && j-i < max && isDigit(s[j]) {
		n = n*10 + int(s[j]-'0')
		j++
	}
	if j < len(s) && isDigit(s[j]) {
		return 0, 0, i
	}
	return n, j - i, j
}

// ordinal skips "st", "nd", "rd" or "th" at i.
func ordinal(s string, i int) int {
	if i+2 <= len(s) && (i+2 == len(s) || !isAlpha(s[i+2])) {
		switch string([]byte{s[i] | 0x20, s[i+1] | 0x20}) {
		case "st", "nd", "rd", "th":
			return i + 2
		}
	}
	return i
}

// skipSeps skips spaces, dots and dashes.
func skipSeps(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '.' || s[i] == '-') {
		i++
	}
	return i
}

func skipByte(s string, i int, c byte) int {
	if i < len(s) && s[i] == c {
		return i + 1
	}
	return i
}

// monthAt reads a month name at i and returns its number (0 if none) and
// where it ends.
func monthAt(s string, i int) (int, int) {
	j := i
	for j < len(s) && j-i < 12 && (isAlpha(s[j]) || s[j] >= utf8.RuneSelf) {
		j++
	}
	if j == i || j-i >= 12 {
		return 0, i
	}
	var buf [24]byte
	return months[string(appendLower(buf[:0], s[i:j]))], j
}

// validDOB reports whether s is exactly one date as parseDOB reads it.
func validDOB(s string) bool {
	n, ok := parseDOB(s)
	return ok && n == len(s)
}

// findDOB looks for a date within rc.after bytes behind each context word.
func findDOB(d *doc, rc *recognizer) {
	next := 0
	d.hitsOf(rc.context, func(h hit) bool {
		off := max(int(h.end), next)
		end := min(len(d.text), off+rc.after)
		for i := off; i < end; i++ {
			c := d.text[i]
			if !isAlnum(c) || (i > 0 && isWordByte(d.text[i-1])) || !(isDigit(c) || monthInitial(c)) {
				continue
			}
			if n, ok := parseDOB(d.text[i:min(len(d.text), i+40)]); ok {
				d.emit(rc, i, i+n, rc.ctxScore)
				next = i + n
				break
			}
		}
		return true
	})
}

// monthInitial reports whether c can begin a month name.
func monthInitial(c byte) bool { return contains("jfmasondeJFMASONDE", c) }
