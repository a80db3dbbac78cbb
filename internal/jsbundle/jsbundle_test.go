package jsbundle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// hermesString is one entry of a synthetic Hermes string table.
type hermesString struct {
	s       string
	utf16   bool
	overflo bool // store through the overflow table
}

// buildHermes writes a Hermes bytecode file in the layout hermes.go reads:
// a 128-byte header, functionCount function headers of fhSize bytes,
// string kinds, identifier hashes, the small string table, the overflow
// table and the string storage.
func buildHermes(version uint32, functions int, fhSize int, strs []hermesString) []byte {
	var storage []byte
	var small []uint32
	var overflow [][2]uint32
	for _, hs := range strs {
		off := uint32(len(storage))
		var length uint32
		if hs.utf16 {
			units := utf16.Encode([]rune(hs.s))
			for _, u := range units {
				storage = binary.LittleEndian.AppendUint16(storage, u)
			}
			length = uint32(len(units))
		} else {
			storage = append(storage, hs.s...)
			length = uint32(len(hs.s))
		}
		var flag uint32
		if hs.utf16 {
			flag = 1
		}
		if hs.overflo || length >= 255 || off >= 1<<23 {
			small = append(small, flag|uint32(len(overflow))<<1|255<<24)
			overflow = append(overflow, [2]uint32{off, length})
			continue
		}
		small = append(small, flag|off<<1|length<<24)
	}
	pad := func(b []byte) []byte {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	out := make([]byte, 128)
	binary.LittleEndian.PutUint64(out, HermesMagic)
	binary.LittleEndian.PutUint32(out[8:], version)
	binary.LittleEndian.PutUint32(out[40:], uint32(functions))
	kinds := 0
	if len(strs) > 0 {
		kinds = 1
	}
	binary.LittleEndian.PutUint32(out[44:], uint32(kinds))
	binary.LittleEndian.PutUint32(out[48:], 0)
	binary.LittleEndian.PutUint32(out[52:], uint32(len(strs)))
	binary.LittleEndian.PutUint32(out[56:], uint32(len(overflow)))
	binary.LittleEndian.PutUint32(out[60:], uint32(len(storage)))
	out = append(out, make([]byte, functions*fhSize)...)
	out = pad(out)
	if kinds == 1 {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(strs))) // all String kind
	}
	for _, w := range small {
		out = binary.LittleEndian.AppendUint32(out, w)
	}
	for _, o := range overflow {
		out = binary.LittleEndian.AppendUint32(out, o[0])
		out = binary.LittleEndian.AppendUint32(out, o[1])
	}
	out = append(out, storage...)
	out = pad(out)
	out = append(out, make([]byte, 20)...) // footer hash
	binary.LittleEndian.PutUint32(out[32:], uint32(len(out)))
	return out
}

func TestKind(t *testing.T) {
	t.Parallel()
	hermes := buildHermes(96, 0, 16, nil)
	tests := []struct {
		name string
		head []byte
		want BundleKind
	}{
		{"hermes magic is hermes", hermes, Hermes},
		{"minified javascript is plain", []byte(`var __BUNDLE_START_TIME__=this.nativePerformanceNow?1:2;`), PlainJS},
		{"javascript with utf-8 text is plain", []byte("var s=\"héllo wörld ✓\";"), PlainJS},
		{"rune cut at the end of head is still plain", []byte("var s=\"✓")[:9], PlainJS},
		{"elf binary is unknown", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), Unknown},
		{"bytes with NUL are unknown", []byte("abc\x00def"), Unknown},
		{"invalid utf-8 is unknown", []byte("var s=\"\xff\xfe\";"), Unknown},
		{"empty is unknown", nil, Unknown},
		{"delta-form hermes is unknown", binary.LittleEndian.AppendUint64(nil, ^HermesMagic), Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Kind(tt.head); got != tt.want {
				t.Errorf("Kind() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlainStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"single and double quotes", `a='one';b="two"`, []string{"one", "two"}},
		{"escapes are decoded", `x="a\nb\t\x41\u0042\u{43}\'\"\\"`, []string{"a\nb\tABC'\"\\"}},
		{"surrogate pair escape becomes one rune", `x="\uD83D\uDE80"`, []string{"🚀"}},
		{"lone surrogate becomes replacement", `x="\uD83Dz"`, []string{"\uFFFDz"}},
		{"line continuation is removed", "x='a\\\nb'", []string{"ab"}},
		{"template text without substitutions", "x=`https://${host}/v1/chat`", []string{"https://", "/v1/chat"}},
		{"nested templates", "x=`a ${b+`c ${d} e`} f`;y='g'", []string{"a ", "c ", " e", " f", "g"}},
		{"object literal inside substitution", "x=`a${{k:'v'}.k}b`", []string{"a", "v", "b"}},
		{"line comment is skipped", "x=1// it's a comment\ny='kept'", []string{"kept"}},
		{"block comment is skipped", "x=1/* don't */;y=\"kept\"", []string{"kept"}},
		{"regex with quote is skipped", `x=/it's [/"]/g.test(s);y='kept'`, []string{"kept"}},
		{"regex after return", `function f(){return /'/.test(s)}y="kept"`, []string{"kept"}},
		{"division is not regex", `x=a/2/b;y='kept';z=c/d+'/'`, []string{"kept", "/"}},
		{"division after paren", `x=(a+b)/2;y='q/'`, []string{"q/"}},
		{"duplicates are kept once", `a='x';b='x';c="x"`, []string{"x"}},
		{"empty strings are dropped", `a='';b=""`, nil},
		{"unterminated string ends at the line", "a='open\nb='next'", []string{"open", "next"}},
		{"unterminated template runs to the end", "a=`open", []string{"open"}},
		{"invalid utf-8 past the head is replaced", strings.Repeat(";", 600) + "a='\xffz'", []string{"\uFFFDz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Strings([]byte(tt.src), Limits{})
			if err != nil {
				t.Fatalf("Strings() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, res.Strings); diff != "" {
				t.Errorf("Strings() mismatch (-want +got):\n%s", diff)
			}
			if res.Kind != PlainJS || res.Truncated {
				t.Errorf("Kind, Truncated = %v, %v; want plain, false", res.Kind, res.Truncated)
			}
		})
	}
}

func TestPlainFixture(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/index.android.bundle")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Strings(data, Limits{})
	if err != nil {
		t.Fatalf("Strings() error = %v", err)
	}
	want := []string{
		"https://api.openai.com/v1",
		"sk-proj-Xq7AbC9dEfGhIjKlMnOpQrStUvWxYz0123456789",
		"gpt-4o-mini",
		`invalid url: "quoted"`,
		"Bearer ", " for ", "user ", " done",
		"🚀 launch", "😀", "ABC", "line one line two",
		"division, not regex",
		"https://generativelanguage.googleapis.com/v1beta/models/gemini-pro:generateContent",
		"AIzaSyD-EXAMPLEkeyEXAMPLEkeyEXAMPLEkey12",
	}
	for _, w := range want {
		if !slices.Contains(res.Strings, w) {
			t.Errorf("Strings() lacks %q", w)
		}
	}
	// What a lost tokenizer would produce: text from inside the regular
	// expressions or comments.
	for _, s := range res.Strings {
		if strings.Contains(s, "metro require polyfill") || strings.Contains(s, "API configuration") || strings.Contains(s, `+$`) {
			t.Errorf("Strings() kept %q from a comment or regular expression", s)
		}
	}
}

func TestHermesStrings(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("L", 300)
	strs := []hermesString{
		{s: "https://api.openai.com/v1/chat/completions"},
		{s: "sk-ant-api03-EXAMPLE"},
		{s: "Grüße ✓", utf16: true},
		{s: "🚀", utf16: true},
		{s: long},
		{s: "via overflow", overflo: true},
		{s: "Café"}, // Latin-1 bytes in storage? No: UTF-8 bytes read as Latin-1 below.
	}
	tests := []struct {
		name     string
		version  uint32
		fhSize   int
		funcs    int
		want     []string
		wantKind BundleKind
	}{
		{"version 96 with 16-byte function headers", 96, 16, 3, nil, Hermes},
		{"version 74 with 16-byte function headers", 74, 16, 1, nil, Hermes},
		{"version 99 with 12-byte function headers", 99, 12, 5, nil, Hermes},
		{"version 96 file written with 12-byte headers still found", 96, 12, 5, nil, Hermes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := buildHermes(tt.version, tt.funcs, tt.fhSize, strs)
			res, err := Strings(data, Limits{})
			if err != nil {
				t.Fatalf("Strings() error = %v", err)
			}
			want := []string{
				"https://api.openai.com/v1/chat/completions",
				"sk-ant-api03-EXAMPLE",
				"Grüße ✓",
				"🚀",
				long,
				"via overflow",
				"CafÃ©", // one-byte strings are Latin-1
			}
			if diff := cmp.Diff(want, res.Strings); diff != "" {
				t.Errorf("Strings() mismatch (-want +got):\n%s", diff)
			}
			if res.Kind != tt.wantKind || res.Version != int(tt.version) {
				t.Errorf("Kind, Version = %v, %d; want %v, %d", res.Kind, res.Version, tt.wantKind, tt.version)
			}
		})
	}
}

func TestHermesMalformed(t *testing.T) {
	t.Parallel()
	good := buildHermes(96, 2, 16, []hermesString{{s: "alpha"}, {s: "beta"}})
	corrupt := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"header cut short", good[:100]},
		{"version too old", corrupt(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 40) })},
		{"string count larger than the file", corrupt(func(b []byte) { binary.LittleEndian.PutUint32(b[52:], 1<<30) })},
		{"string kinds disagree with the count", corrupt(func(b []byte) { binary.LittleEndian.PutUint32(b[52:], 3) })},
		{"storage past the end", corrupt(func(b []byte) { binary.LittleEndian.PutUint32(b[60:], uint32(len(b))) })},
		{"function count past the end", corrupt(func(b []byte) { binary.LittleEndian.PutUint32(b[40:], uint32(len(b)/12)) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Strings(tt.data, Limits{})
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Strings() error = %v, want ErrMalformed", err)
			}
		})
	}
	t.Run("entry outside storage keeps the others", func(t *testing.T) {
		t.Parallel()
		b := bytes.Clone(good)
		kindsOff := 128 + 2*16
		first := kindsOff + 4
		binary.LittleEndian.PutUint32(b[first:], 0x7fffff<<1|5<<24)
		res, err := Strings(b, Limits{})
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("Strings() error = %v, want ErrMalformed", err)
		}
		if diff := cmp.Diff([]string{"beta"}, res.Strings); diff != "" {
			t.Errorf("Strings() mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestLimits(t *testing.T) {
	t.Parallel()
	many := strings.Repeat(`'a1';'a2';'a3';'a4';`, 3)
	tests := []struct {
		name          string
		data          []byte
		lim           Limits
		want          []string
		wantTruncated bool
		wantErr       error
	}{
		{"too large", []byte(`'x'`), Limits{MaxSize: 2}, nil, false, ErrTooLarge},
		{"not a bundle", []byte("\x00\x01"), Limits{}, nil, false, ErrNotBundle},
		{"max strings stops extraction", []byte(many), Limits{MaxStrings: 2}, []string{"a1", "a2"}, true, nil},
		{"max string length cuts at a rune boundary", []byte(`'aé✓'`), Limits{MaxStringLen: 4}, []string{"aé"}, true, nil},
		{"template depth limit", []byte("`${`${`${'x'}`}`}`"), Limits{MaxTemplateDepth: 2}, nil, true, nil},
		{"hermes max strings", buildHermes(96, 0, 16, []hermesString{{s: "a"}, {s: "b"}, {s: "c"}}), Limits{MaxStrings: 1}, []string{"a"}, true, nil},
		{"hermes long utf-16 string cut", buildHermes(96, 0, 16, []hermesString{{s: strings.Repeat("✓", 100), utf16: true}}), Limits{MaxStringLen: 7}, []string{"✓✓"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Strings(tt.data, tt.lim)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Strings() error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, res.Strings); diff != "" {
				t.Errorf("Strings() mismatch (-want +got):\n%s", diff)
			}
			if res.Truncated != tt.wantTruncated {
				t.Errorf("Truncated = %v, want %v", res.Truncated, tt.wantTruncated)
			}
		})
	}
}

// generatedBundle builds an RN-style minified bundle of about size bytes.
func generatedBundle(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`var __BUNDLE_START_TIME__=Date.now(),__DEV__=false;`)
	for i := 0; b.Len() < size; i++ {
		b.WriteString(`__d(function(g,r,i,a,m,e,d){var t=/^[a-z]+\/[^'"]*$/i,n=a/2;`)
		b.WriteString(`m.exports={url:"https://api.example.com/v1/items/`)
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(`",label:'Item \u00e9 label',tpl:` + "`id ${e.id} of ${n}`" + `/*c*/}},`)
		b.WriteString("1,[]);\n")
	}
	return b.Bytes()
}

func BenchmarkStringsPlain5MB(b *testing.B) {
	data := generatedBundle(5 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Strings(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStringsHermes(b *testing.B) {
	var strs []hermesString
	for i := range 50_000 {
		strs = append(strs, hermesString{s: "string number " + strings.Repeat("z", i%50) + string(rune('a'+i%26))})
	}
	data := buildHermes(96, 1000, 16, strs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Strings(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
