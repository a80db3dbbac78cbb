package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/finding"
)

func writeHTMLReport(t *testing.T, r *finding.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, FormatHTML, Options{}); err != nil {
		t.Fatalf("Write(html): %v", err)
	}
	return buf.String()
}

// hostileReport carries markup in every field that reaches the page.
func hostileReport() *finding.Report {
	const xss = `<script>alert(1)</script>`
	r := fixtureReport()
	r.Targets[0].Path = `app/"><img src=x onerror=alert(2)>.apk`
	r.Targets[0].App.ID = xss
	r.Findings[0].Message = xss
	r.Findings[0].Evidence = `"><svg onload=alert(3)>`
	r.Findings[0].Locations[0].Symbol = `</code><script>alert(4)</script>`
	r.Warnings[0].Message = xss
	r.Rules[0].Description = xss
	r.Rules[0].References = []string{"javascript:alert(5)"}
	return r
}

func TestHTMLEscapesEveryValue(t *testing.T) {
	t.Parallel()
	out := writeHTMLReport(t, hostileReport())
	for _, raw := range []string{"<script", "<img", "<svg", `href="javascript:`} {
		if strings.Contains(out, raw) {
			t.Errorf("output contains unescaped %q", raw)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"&lt;img src=x onerror=alert(2)&gt;",
		"&#34;&gt;&lt;svg onload=alert(3)&gt;",
		"&lt;/code&gt;&lt;script&gt;alert(4)&lt;/script&gt;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the escaped text %q", want)
		}
	}
	if !strings.Contains(out, `href="#ZgotmplZ"`) {
		t.Error("a javascript: reference was not neutralized in its href")
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	t.Parallel()
	out := writeHTMLReport(t, fixtureReport())
	csp := `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`
	if !strings.Contains(out, csp) {
		t.Errorf("output lacks the Content-Security-Policy %s", csp)
	}
	for _, external := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", " src=", "@font-face"} {
		if strings.Contains(out, external) {
			t.Errorf("output contains %q, which loads or runs something", external)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(out, -1) {
		if !strings.HasPrefix(m[1], "#") && !strings.HasPrefix(m[1], "https://") {
			t.Errorf("link %q is neither an anchor in the page nor https", m[1])
		}
	}
}

func TestHTMLAnchorsOfRuleLinksExist(t *testing.T) {
	t.Parallel()
	out := writeHTMLReport(t, fixtureReport())
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(out, -1) {
		if !strings.Contains(out, `id="`+m[1]+`"`) {
			t.Errorf("link to #%s has no element with that id", m[1])
		}
	}
}

func TestHTMLShowsTheReport(t *testing.T) {
	t.Parallel()
	out := writeHTMLReport(t, fixtureReport())
	tests := []struct{ name, want string }{
		{"scan time", "Scanned 2026-03-14 09:26:53 UTC in 2.718s"},
		{"target hash", "<code>9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</code>"},
		{"target application", "com.example.aichat 2.3.1 (231)"},
		{"severity badge", `<span class="badge sev-critical">1 critical</span>`},
		{"high badge", `<span class="badge sev-high">3 high</span>`},
		{"severity group", `<h3 id="severity-critical">critical (1)</h3>`},
		{"evidence in code", "<code>sk-p…9Q (fingerprint 3f2a…)</code>"},
		{"CWE link", `<a href="https://cwe.mitre.org/data/definitions/798.html" rel="noreferrer">CWE-798</a>`},
		{"MASVS link", `<a href="https://mas.owasp.org/MASVS/controls/MASVS-STORAGE-1/" rel="noreferrer">MASVS-STORAGE-1</a>`},
		{"MASWE id", "<dt>MASWE</dt><dd>MASWE-0005</dd>"},
		{"Mobile Top 10", "<dt>Mobile Top 10</dt><dd>M1 (2024)</dd>"},
		{"remediation with the finding", "<strong>How to fix:</strong> Revoke the key now"},
		{"rule description", "An AI provider key shipped in the app can be extracted"},
		{"locations beyond ten are counted", `<li class="muted">and 2 more</li>`},
		{"protections", `<h2 id="protections">Protections found (2)</h2>`},
		{"inventory", `<h2 id="inventory">Inventory (2)</h2>`},
		{"warnings", "map list truncated at offset 0x1f400"},
		{"suppressed", "suppressed: 4 by baseline, 1 by configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %s: %q", tt.name, tt.want)
			}
		})
	}
}

func TestHTMLOfAnEmptyReport(t *testing.T) {
	t.Parallel()
	out := writeHTMLReport(t, &finding.Report{})
	for _, want := range []string{"No targets were scanned.", "No weaknesses found.", "Protections found (0)", `<span class="badge zero">0 critical</span>`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, `id="warnings"`) || strings.Contains(out, `id="rules"`) {
		t.Error("output has warning or rule sections with nothing in them")
	}
}

func TestHumanBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{18_734_112, "17.9 MiB"},
		{3 << 30, "3.0 GiB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := humanBytes(tt.in); got != tt.want {
				t.Errorf("humanBytes(%d) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
