package guard

import (
	"iter"
	"strconv"
	"strings"
)

// vault keeps, for one request, the values replaced by placeholders
// ("<EMAIL_1>") and gives them back in the answer. It lives in memory for
// the request only and is never logged or recorded.
type vault struct {
	byValue map[string]string // "ada@example.com" → "<EMAIL_1>"
	byToken map[string]string // "<EMAIL_1>" → "ada@example.com"
	next    map[string]int    // label → last number used
}

func newVault() *vault {
	return &vault{byValue: map[string]string{}, byToken: map[string]string{}, next: map[string]int{}}
}

// labels are the placeholder names of entity kinds.
var labels = map[string]string{
	"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN",
	"US_SSN": "SSN", "IP_ADDRESS": "IP", "DATE_OF_BIRTH": "DOB", "PASSPORT": "PASSPORT",
	"NATIONAL_ID": "NATIONAL_ID", "STREET_ADDRESS": "ADDRESS", "PERSON": "PERSON", "SECRET": "SECRET",
}

// label is the placeholder name of an entity type.
func label(entityType string) string {
	if l, ok := labels[entityType]; ok {
		return l
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(entityType) {
		if r >= 'A' && r <= 'Z' || r == '_' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "PII"
	}
	return b.String()
}

// reserve makes numbering start after placeholders the text already holds,
// so that a literal "<EMAIL_1>" typed by the user is never mistaken for
// one of ours (and never "restored").
func (v *vault) reserve(text string) {
	for _, tok := range placeholders(text) {
		l, n := splitToken(tok)
		if n > v.next[l] {
			v.next[l] = n
		}
	}
}

// token returns the placeholder of a value, making one the first time.
func (v *vault) token(entityType, value string) string {
	if t, ok := v.byValue[value]; ok {
		return t
	}
	l := label(entityType)
	v.next[l]++
	t := "<" + l + "_" + strconv.Itoa(v.next[l]) + ">"
	v.byValue[value], v.byToken[t] = t, value
	return t
}

func (v *vault) empty() bool { return len(v.byToken) == 0 }

// restore replaces every placeholder of this vault in text by its value.
func (v *vault) restore(text string) string {
	if v.empty() || !strings.Contains(text, "<") {
		return text
	}
	var b strings.Builder
	last := 0
	for i, tok := range placeholders(text) {
		if val, ok := v.byToken[tok]; ok {
			b.WriteString(text[last:i])
			b.WriteString(val)
			last = i + len(tok)
		}
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// placeholders yields the placeholder-shaped tokens of text and where
// each starts, in order.
func placeholders(text string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i := 0; i < len(text); {
			j := strings.IndexByte(text[i:], '<')
			if j < 0 {
				return
			}
			i += j
			tok, ok := placeholderAt(text, i)
			if !ok {
				i++
				continue
			}
			if !yield(i, tok) {
				return
			}
			i += len(tok)
		}
	}
}

// maxPlaceholder bounds the length of a placeholder token.
const maxPlaceholder = 32

// placeholderAt returns the placeholder token starting at text[i] ('<'):
// "<" + upper-case letters and underscores + "_" + digits + ">".
func placeholderAt(text string, i int) (string, bool) {
	end := i + 1
	for end < len(text) && end-i < maxPlaceholder {
		c := text[end]
		if c == '>' {
			tok := text[i : end+1]
			if _, n := splitToken(tok); n > 0 {
				return tok, true
			}
			return "", false
		}
		if !(c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9') {
			return "", false
		}
		end++
	}
	return "", false
}

// maybePlaceholderPrefix reports whether s (starting with '<') could be
// the beginning of a placeholder still being streamed.
func maybePlaceholderPrefix(s string) bool {
	if len(s) == 0 || s[0] != '<' || len(s) >= maxPlaceholder {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// splitToken splits "<EMAIL_12>" into "EMAIL" and 12; n is 0 when it is
// not of that shape.
func splitToken(tok string) (string, int) {
	inner := strings.TrimSuffix(strings.TrimPrefix(tok, "<"), ">")
	k := strings.LastIndexByte(inner, '_')
	if k <= 0 || k == len(inner)-1 {
		return "", 0
	}
	n, err := strconv.Atoi(inner[k+1:])
	if err != nil || n <= 0 {
		return "", 0
	}
	for _, c := range inner[:k] {
		if !(c >= 'A' && c <= 'Z' || c == '_') {
			return "", 0
		}
	}
	return inner[:k], n
}
