package pii

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func FuzzFind(f *testing.F) {
	for _, tc := range findCases {
		f.Add(tc.text)
	}
	f.Add(prompt())
	f.Add("\xff\xfe\xfd 4111 1111 1111 1111 \xc3\x28 Mr. \xe2\x82")
	f.Add(strings.Repeat("1-2 ", 40))
	r := Default()
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 64<<10 {
			text = text[:64<<10]
		}
		checkInvariants(t, r, text)
	})
}

func FuzzValidators(f *testing.F) {
	for _, tc := range validatorCases {
		for _, s := range append(append([]string(nil), tc.valid...), tc.invalid...) {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tc := range validatorCases {
			tc.validate(s) // must not panic
		}
		if n, ok := parseDOB(s); n < 0 || n > len(s) || (ok && n == 0) {
			t.Fatalf("parseDOB(%q) = %d, %v", s, n, ok)
		}
		var buf [64]byte
		d := digitsOf(buf[:0], s)
		luhn(d)
		verhoeff(d)
		if len(d) <= 20 {
			checkNumber(d, len(s) > 0 && s[0] == '+', "US", strings.Contains(s, "(0)"), true)
			checkNumber(d, false, "DE", false, false)
		}
	})
}

func FuzzReadPresidio(f *testing.F) {
	f.Add([]byte(`[{"full_text": "Mr. Émile Zola", "spans": [{"entity_type": "PERSON", "entity_value": "Émile Zola", "start_position": 4, "end_position": 14}], "template_id": 1}]`))
	f.Add([]byte("{\"full_text\": \"a\", \"spans\": []}\n{\"full_text\": \"b\"}\n"))
	f.Add([]byte(`[{"full_text": "\u00e9", "spans": [{"entity_type": "X", "entity_value": "\u00e9", "start_position": -5, "end_position": 99}]}]`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		samples, err := ReadPresidio(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, s := range samples {
			for _, sp := range s.Spans {
				if sp.Start < 0 || sp.End > len(s.Text) || sp.Start >= sp.End {
					t.Fatalf("span %+v out of a %d-byte text", sp, len(s.Text))
				}
			}
		}
		Evaluate(Default(), samples).Markdown()
	})
}

// TestFindBoundedTime runs Find over 64 KB inputs built to be costly
// (every recognizer's trigger, repeated) and bounds the time it takes.
func TestFindBoundedTime(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	t.Parallel()
	r := Default()
	const size = 64 << 10
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)+1)[:size] }
	inputs := map[string]string{
		"digits and separators":  fill("1-2 3.4/5 (6) "),
		"long digit run":         fill("1234567890"),
		"phone-shaped":           fill("call +44 20 7946 0958 "),
		"cards":                  fill("card 4111 1111 1111 1111 "),
		"at signs":               fill("a@b.c@"),
		"colons":                 fill("a:b::c:1:"),
		"capitalized words":      fill("Mr. John Ann Smith-Jones, "),
		"address shapes":         fill("12 Main Street Apt. 4\n"),
		"cue words":              fill("born dob passport address my name is "),
		"lists":                  fill("Anna, Bob and "),
		"invalid UTF-8":          fill("\xff\xc3 1 \xe2\x82"),
		"newlines and quotes":    fill("\n> \"\n"),
		"IBAN-like":              fill("GB82 WEST 1234 "),
		"dotted quads":           fill("1.2.3.4 "),
		"NINO-like":              fill("AB 12 34 56 C "),
		"upper-case text":        strings.ToUpper(fill("john smith lives at 12 main street ")),
		"lower-case text":        fill("my name is lena andersson and i live at 12 main street "),
		"hex":                    fill("deadbeef:"),
		"one long word":          fill("a"),
		"backticks":              fill("`x` ```"),
		"URLs":                   fill("https://x.y/1 "),
		"dates after born":       fill("born 1/2/1990 "),
		"name before email":      fill("Jane Doe JaneDoe@x.com "),
		"possessives and titles": fill("Dr. X's "),
	}
	for name, text := range inputs {
		start := time.Now()
		checkInvariants(t, r, text)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: Find took %v on 64 KB", name, d)
		} else {
			t.Logf("%s: %v", name, d)
		}
	}
}
