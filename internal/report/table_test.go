package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/finding"
)

func writeTableReport(t *testing.T, r *finding.Report, opt Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, FormatTable, opt); err != nil {
		t.Fatalf("Write(table): %v", err)
	}
	return buf.String()
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTableUsesColoursOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		color bool
	}{
		{"no colour for files and pipes", false},
		{"colour for terminals", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := writeTableReport(t, fixtureReport(), Options{Color: tt.color})
			if got := strings.Contains(out, "\x1b["); got != tt.color {
				t.Errorf("output has ANSI sequences = %v, want %v", got, tt.color)
			}
			// Colour changes nothing but the escape sequences.
			plain := writeTableReport(t, fixtureReport(), Options{})
			if diff := cmp.Diff(plain, ansi.ReplaceAllString(out, "")); diff != "" {
				t.Errorf("output without its colours differs from plain output (-plain +got):\n%s", diff)
			}
		})
	}
}

func TestTableFitsTheWidth(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 100, 160} {
		t.Run(strings.Repeat("#", 1)+string(rune('0'+w/100))+string(rune('0'+w/10%10))+"0 columns", func(t *testing.T) {
			t.Parallel()
			out := writeTableReport(t, fixtureReport(), Options{Width: w, Color: true})
			for line := range strings.Lines(out) {
				line = ansi.ReplaceAllString(strings.TrimRight(line, "\n"), "")
				// The heading and target lines name paths in full.
				if strings.HasPrefix(line, "== ") || strings.HasPrefix(line, "bulwark ") {
					continue
				}
				if n := utf8.RuneCountInString(line); n > w {
					t.Errorf("line of %d columns is wider than %d:\n%s", n, w, line)
				}
			}
		})
	}
}

func TestTableDefaultsToOneHundredColumns(t *testing.T) {
	t.Parallel()
	got := writeTableReport(t, fixtureReport(), Options{})
	want := writeTableReport(t, fixtureReport(), Options{Width: 100})
	if got != want {
		t.Errorf("output with Width 0 differs from Width 100:\n%s", cmp.Diff(want, got))
	}
}

func TestTableGroupsFindingsUnderTheirTarget(t *testing.T) {
	t.Parallel()
	out := writeTableReport(t, fixtureReport(), Options{Width: 160})
	apk := strings.Index(out, "== "+apkPath)
	model := strings.Index(out, "== "+modelPath)
	if apk < 0 || model < 0 || apk > model {
		t.Fatalf("target headers missing or out of scan order (apk at %d, model at %d)", apk, model)
	}
	checks := []struct {
		text       string
		underModel bool
	}{
		{"BW6001", false},
		{"BW1001", false},
		{"BW6010", true},
		{"BW6012", true},
	}
	for _, c := range checks {
		i := strings.Index(out, c.text)
		if i < 0 {
			t.Errorf("%s is missing", c.text)
			continue
		}
		if got := i > model; got != c.underModel {
			t.Errorf("%s listed under the model = %v, want %v", c.text, got, c.underModel)
		}
	}
}

func TestTableListsWeaknessesBeforeProtectionsAndInventory(t *testing.T) {
	t.Parallel()
	out := writeTableReport(t, fixtureReport(), Options{Width: 160})
	order := []string{"CRITICAL  BW6001", "INFO      BW7002", "Protections found", "BW4041  Code obfuscation present", "Inventory", "BW1011  Dangerous permissions requested"}
	last := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < 0 {
			t.Fatalf("output lacks %q:\n%s", s, out)
		}
		if i < last {
			t.Errorf("%q comes before what precedes it in %q", s, order)
		}
		last = i
	}
}

func TestTableSummaryCountsWeaknessesBySeverity(t *testing.T) {
	t.Parallel()
	out := writeTableReport(t, fixtureReport(), Options{Width: 160})
	for _, want := range []string{
		"Summary: 11 weaknesses: 1 critical, 3 high, 4 medium, 2 low, 1 info",
		"2 protections found, 2 inventory items, 5 suppressed (4 by baseline, 1 by configuration)",
		"Warnings (2)",
		"classes4.dex: map list truncated",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTableSaysWhenThereIsNothingToReport(t *testing.T) {
	t.Parallel()
	r := &finding.Report{Targets: []finding.Target{{Path: "app.apk", Type: "apk"}}}
	out := writeTableReport(t, r, Options{})
	for _, want := range []string{"== app.apk (apk)", "No weaknesses found.", "Summary: 0 weaknesses"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Warnings") || strings.Contains(out, "suppressed") {
		t.Errorf("output mentions warnings or suppressions there are none of:\n%s", out)
	}
}

func TestTableListsFindingsOfUnknownArtifactsLast(t *testing.T) {
	t.Parallel()
	r := &finding.Report{
		Targets: []finding.Target{{Path: "app.apk", Type: "apk"}},
		Findings: []finding.Finding{{
			RuleID: "BW1001", Title: "Application is debuggable", Kind: finding.KindWeakness, Severity: finding.SeverityHigh,
			Locations: []finding.Location{{Artifact: "other.apk"}},
		}},
	}
	out := writeTableReport(t, r, Options{})
	if i, j := strings.Index(out, "findings outside the scanned targets"), strings.Index(out, "BW1001"); i < 0 || j < i {
		t.Errorf("finding of an unscanned artifact is not listed in its own section:\n%s", out)
	}
}

func TestTableEscapesTerminalControlsFromThePackage(t *testing.T) {
	t.Parallel()
	r := &finding.Report{
		Targets: []finding.Target{{Path: "evil\x1b]0;pwned\x07.apk", Type: "apk", App: &finding.AppInfo{ID: "com.evil\u202egnp.exe"}}},
		Findings: []finding.Finding{{
			RuleID: "BW7003", Title: "Hard-coded password or secret", Kind: finding.KindWeakness, Severity: finding.SeverityMedium,
			Message:   "secret in \x1b[2J\x1b[Hstring\nFAKE LINE",
			Evidence:  "pass\u2028word\xff",
			Locations: []finding.Location{{Artifact: "evil\x1b]0;pwned\x07.apk", Path: "classes.dex", Symbol: "a.\x1b[31mB"}},
		}},
		Warnings: []finding.Warning{{Artifact: "evil\x1b]0;pwned\x07.apk", Message: "bad\rentry"}},
	}
	out := writeTableReport(t, r, Options{Width: 200})
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u2028", "\r", "\xff"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains the raw control %q:\n%q", bad, out)
		}
	}
	for _, want := range []string{`\x1b[2J`, `\u202e`, `\u2028`, `\xff`, `string\x0aFAKE LINE`, `\x0dentry`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the escaped form %q:\n%s", want, out)
		}
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain text is unchanged", "OpenAI key in com.example.Foo", "OpenAI key in com.example.Foo"},
		{"non-ASCII letters are unchanged", "clé … 鍵", "clé … 鍵"},
		{"escape sequence", "\x1b[31mred", `\x1b[31mred`},
		{"newline and tab", "a\nb\tc", `a\x0ab\x09c`},
		{"C1 control", "a\u009bb", `a\u009bb`},
		{"right-to-left override", "abc\u202edef", `abc\u202edef`},
		{"invalid UTF-8", "a\xc3(", `a\xc3(`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLocationFit(t *testing.T) {
	t.Parallel()
	method := location{entry: "classes3.dex", symbol: "com.example.aichat.net.OpenAIClient.complete"}
	tests := []struct {
		name string
		loc  location
		n    int
		want string
	}{
		{"fits unchanged", method, 60, "classes3.dex (com.example.aichat.net.OpenAIClient.complete)"},
		{"packages shrink to initials", method, 48, "classes3.dex (c.e.a.net.OpenAIClient.complete)"},
		{"leading names are dropped", method, 38, "classes3.dex (…OpenAIClient.complete)"},
		{"symbol is left out when its last two names do not fit", method, 30, "classes3.dex"},
		{"count of other places is kept", location{entry: "classes.dex", symbol: "com.vendor.net.TrustEveryone01.checkServerTrusted", more: 11}, 24, "classes.dex +11 more"},
		{"long entry is cut in the middle", location{entry: "lib/arm64-v8a/libsuperlongvendorname.so", more: 2}, 25, "lib/a…ndorname.so +2 more"},
		{"symbol without entry keeps its end", location{symbol: "com.google.android.play.core.integrity.IntegrityManager"}, 30, "…integrity.IntegrityManager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.loc.fit(tt.n)
			if got != tt.want {
				t.Errorf("fit(%d) = %q, want %q", tt.n, got, tt.want)
			}
			if w := utf8.RuneCountInString(got); w > tt.n {
				t.Errorf("fit(%d) = %q is %d columns wide", tt.n, got, w)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		n    int
		want []string
	}{
		{"short text is one line", "a short message", 20, []string{"a short message"}},
		{"breaks at spaces", "one two three four five", 10, []string{"one two", "three four", "five"}},
		{"cuts a word longer than a line", "abcdefghijklmnopqrstuvwxyz end", 10, []string{"abcdefghij", "klmnopqrst", "uvwxyz end"}},
		{"empty text has no lines", "", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, wrap(tt.in, tt.n)); diff != "" {
				t.Errorf("wrap(%q, %d) (-want +got):\n%s", tt.in, tt.n, diff)
			}
		})
	}
}
