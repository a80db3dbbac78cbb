package jsbundle

import (
	"os"
	"testing"
	"unicode/utf8"
)

func FuzzStrings(f *testing.F) {
	if fixture, err := os.ReadFile("testdata/index.android.bundle"); err == nil {
		f.Add(fixture)
	}
	f.Add([]byte("x=`a ${b+`c ${d} e`} f`;y='g'/2/h;z=/re'[/]/g"))
	f.Add([]byte(`a="\uD83D\uDE80\u{1F600}\x41\` + "\n" + `"`))
	f.Add(generatedBundle(4 << 10))
	f.Add(buildHermes(96, 2, 16, []hermesString{{s: "alpha"}, {s: "β", utf16: true}, {s: "overflowed", overflo: true}}))
	f.Add(buildHermes(99, 3, 12, []hermesString{{s: "https://api.openai.com"}}))
	f.Add(buildHermes(74, 0, 16, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxSize: 1 << 20, MaxStrings: 500, MaxStringLen: 200, MaxTemplateDepth: 8}
		res, err := Strings(data, lim)
		if res == nil {
			if err == nil {
				t.Fatal("nil result without error")
			}
			return
		}
		if len(res.Strings) > lim.MaxStrings {
			t.Fatalf("%d strings, limit %d", len(res.Strings), lim.MaxStrings)
		}
		for _, s := range res.Strings {
			if s == "" || len(s) > lim.MaxStringLen {
				t.Fatalf("string of %d bytes kept (limit %d)", len(s), lim.MaxStringLen)
			}
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 kept: %q", s)
			}
		}
	})
}
