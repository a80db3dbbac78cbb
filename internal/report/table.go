package report

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// The table is for people reading a terminal or a CI log. For each target
// it prints a header line, the weaknesses (one row each, the message and
// evidence indented below), then short "Protections found" and "Inventory"
// sections; a summary line and the warnings close the report.
//
// Text that comes from the scanned package (messages, evidence, symbols,
// paths) is printed through clean, which escapes control characters and
// bidirectional overrides: an APK must not be able to move the cursor,
// recolour the log or reorder what a reviewer reads.

const (
	minWidth  = 60
	gap       = "  "
	sevWidth  = len("CRITICAL")
	indentLen = sevWidth + len(gap)
)

// ANSI styles.
const (
	styleBold     = "1"
	styleDim      = "2"
	styleCritical = "1;97;41" // bold white on red
	styleHigh     = "1;31"    // bold red
	styleMedium   = "33"      // yellow
	styleLow      = "36"      // cyan
	styleGood     = "32"      // green
)

var severityStyles = map[finding.Severity]string{
	finding.SeverityCritical: styleCritical,
	finding.SeverityHigh:     styleHigh,
	finding.SeverityMedium:   styleMedium,
	finding.SeverityLow:      styleLow,
	finding.SeverityInfo:     styleDim,
}

type tablePrinter struct {
	w     io.Writer
	width int
	color bool
	err   error
}

func (p *tablePrinter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// style wraps s in an ANSI style when colours are on.
func (p *tablePrinter) style(code, s string) string {
	if !p.color || code == "" || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func writeTable(w io.Writer, r *finding.Report, opt Options) error {
	p := &tablePrinter{w: w, width: opt.Width, color: opt.Color}
	if p.width <= 0 {
		p.width = defaultWidth
	}
	p.width = max(p.width, minWidth)

	all := sortedFindings(r)
	p.printHeading(r)

	// Findings go with the target of their first location, in the order
	// targets were scanned; any others are listed last.
	groups := make(map[string][]finding.Finding)
	for _, f := range all {
		groups[artifactOf(f)] = append(groups[artifactOf(f)], f)
	}
	shown := make(map[string]bool)
	for _, t := range r.Targets {
		if shown[t.Path] {
			continue
		}
		shown[t.Path] = true
		p.printf("\n%s\n", p.style(styleBold, targetLine(t)))
		p.printFindings(groups[t.Path])
	}
	var others []finding.Finding
	for _, f := range all {
		if !shown[artifactOf(f)] {
			others = append(others, f)
		}
	}
	if len(others) > 0 {
		p.printf("\n%s\n", p.style(styleBold, "== findings outside the scanned targets"))
		p.printFindings(others)
	}

	p.printSummary(r, all)
	p.printWarnings(r.Warnings)
	return p.err
}

func (p *tablePrinter) printHeading(r *finding.Report) {
	name := nonEmpty(r.Tool.Name, "bulwark")
	head := clean(strings.TrimSpace(name + " " + r.Tool.Version))
	parts := []string{head, "scanned " + plural(len(r.Targets), "target", "targets")}
	if r.Duration > 0 {
		parts[1] += " in " + r.Duration.Round(time.Millisecond).String()
	}
	if !r.StartedAt.IsZero() {
		parts = append(parts, r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	p.printf("%s\n", strings.Join(parts, " | "))
}

// targetLine describes a target: path, type, application and SDK levels.
func targetLine(t finding.Target) string {
	parts := []string{"== " + clean(t.Path) + " (" + clean(nonEmpty(t.Type, "unknown type")) + ")"}
	if a := t.App; a != nil {
		if app := strings.TrimSpace(a.ID + " " + appVersion(a)); app != "" {
			parts = append(parts, clean(app))
		}
		if a.MinSDK > 0 {
			parts = append(parts, "minSdk "+strconv.Itoa(a.MinSDK))
		}
		if a.TargetSDK > 0 {
			parts = append(parts, "targetSdk "+strconv.Itoa(a.TargetSDK))
		}
	}
	if m := t.Model; m != nil {
		parts = append(parts, clean(nonEmpty(m.Format, "unknown format")), strings.ToUpper(clean(m.Verdict)))
	}
	return strings.Join(parts, " | ")
}

// appVersion is "2.3.1 (231)", or whichever half is known.
func appVersion(a *finding.AppInfo) string {
	switch {
	case a.VersionName != "" && a.VersionCode != "":
		return a.VersionName + " (" + a.VersionCode + ")"
	case a.VersionCode != "":
		return "(" + a.VersionCode + ")"
	default:
		return a.VersionName
	}
}

// printFindings prints one target's findings: weaknesses as a table, then
// protections and inventory.
func (p *tablePrinter) printFindings(fs []finding.Finding) {
	weak, prot, inv := byKind(fs)
	if len(weak) == 0 {
		p.printf("%s\n", p.style(styleGood, "No weaknesses found."))
	} else {
		p.printWeaknesses(weak)
	}
	p.printShortSection("Protections found", prot)
	p.printShortSection("Inventory", inv)
}

type row struct {
	sev, rule, title string
	loc              location
	details          []string
	severity         finding.Severity
}

func (p *tablePrinter) printWeaknesses(fs []finding.Finding) {
	rows := make([]row, len(fs))
	ruleW, titleWant, locWant := len("RULE"), len("TITLE"), len("LOCATION")
	for i, f := range fs {
		rw := row{
			sev:      strings.ToUpper(f.Severity.String()),
			rule:     clean(f.RuleID),
			title:    clean(nonEmpty(f.Title, f.RuleName)),
			loc:      locationOf(f),
			severity: f.Severity,
		}
		msg := clean(f.Message)
		if msg != "" && msg != rw.title {
			rw.details = append(rw.details, msg)
		}
		if ev := clean(f.Evidence); ev != "" && ev != msg {
			rw.details = append(rw.details, "evidence: "+ev)
		}
		rows[i] = rw
		ruleW = max(ruleW, width(rw.rule))
		titleWant = max(titleWant, width(rw.title))
		locWant = max(locWant, width(rw.loc.String()))
	}

	avail := p.width - sevWidth - ruleW - 3*len(gap)
	titleW := min(titleWant, max(avail/2, avail-locWant))
	locW := max(avail-titleW, len("LOCATION"))

	header := pad("SEVERITY", sevWidth) + gap + pad("RULE", ruleW) + gap + pad("TITLE", titleW) + gap + "LOCATION"
	p.printf("%s\n", p.style(styleBold, header))
	indent := strings.Repeat(" ", indentLen)
	for _, rw := range rows {
		sev := p.style(severityStyles[rw.severity], rw.sev) + strings.Repeat(" ", sevWidth-width(rw.sev))
		p.printf("%s%s%s%s%s%s%s\n", sev, gap, pad(rw.rule, ruleW), gap,
			pad(truncate(rw.title, titleW), titleW), gap, rw.loc.fit(locW))
		for _, d := range rw.details {
			for _, line := range wrap(d, p.width-indentLen) {
				p.printf("%s%s\n", indent, p.style(styleDim, line))
			}
		}
	}
}

// printShortSection lists protections or inventory, one line each: rule
// id, title and what was found.
func (p *tablePrinter) printShortSection(title string, fs []finding.Finding) {
	if len(fs) == 0 {
		return
	}
	p.printf("%s\n", p.style(styleBold, title))
	ruleW := 0
	for _, f := range fs {
		ruleW = max(ruleW, width(clean(f.RuleID)))
	}
	for _, f := range fs {
		t := clean(nonEmpty(f.Title, f.RuleName))
		what := clean(f.Message)
		if what == "" || what == t {
			what = clean(f.Evidence)
		}
		line := pad(clean(f.RuleID), ruleW) + gap + t
		if what != "" && what != t {
			line += ": " + what
		}
		p.printf("  %s\n", truncate(line, p.width-2))
	}
}

func (p *tablePrinter) printSummary(r *finding.Report, all []finding.Finding) {
	weak, prot, inv := byKind(all)
	counts := make(map[finding.Severity]int)
	for _, f := range weak {
		counts[f.Severity]++
	}
	const lead = "Summary: "
	indent := strings.Repeat(" ", len(lead))
	// The counts by severity, coloured, wrapped between items.
	line := p.style(styleBold, lead) + plural(len(weak), "weakness", "weaknesses") + ":"
	lineW := len(lead) + width(plural(len(weak), "weakness", "weaknesses")) + 1
	p.printf("\n")
	for i, s := range severitiesDesc {
		text := fmt.Sprintf("%d %s", counts[s], s)
		sep := " "
		if i > 0 {
			sep = ", "
		}
		if lineW+len(sep)+width(text)+1 > p.width {
			p.printf("%s\n", line+strings.TrimRight(sep, " "))
			line, lineW, sep = indent, len(indent), ""
		}
		if counts[s] > 0 {
			line += sep + p.style(severityStyles[s], text)
		} else {
			line += sep + text
		}
		lineW += len(sep) + width(text)
	}
	p.printf("%s\n", line)

	rest := plural(len(prot), "protection", "protections") + " found, " +
		plural(len(inv), "inventory item", "inventory items")
	if s := r.Suppressed; s.Baseline > 0 || s.Config > 0 {
		rest += fmt.Sprintf(", %d suppressed (%d by baseline, %d by configuration)", s.Baseline+s.Config, s.Baseline, s.Config)
	}
	for _, line := range wrap(rest, p.width-len(lead)) {
		p.printf("%s%s\n", strings.Repeat(" ", len(lead)), line)
	}
}

func (p *tablePrinter) printWarnings(ws []finding.Warning) {
	if len(ws) == 0 {
		return
	}
	p.printf("\n%s\n", p.style(styleBold, fmt.Sprintf("Warnings (%d): parts of the input could not be read", len(ws))))
	for _, w := range ws {
		where := w.Artifact
		if w.Path != "" {
			where += "!" + w.Path
		}
		text := clean(where) + ": " + clean(w.Message)
		for i, line := range wrap(text, p.width-4) {
			lead := "  ! "
			if i > 0 {
				lead = "    "
			}
			p.printf("%s%s\n", lead, line)
		}
	}
}

// location is a table cell saying where a finding was seen, without the
// artifact (the target header names it): "entry:line (symbol) +N more".
type location struct {
	entry, symbol string
	more          int
}

func locationOf(f finding.Finding) location {
	if len(f.Locations) == 0 {
		return location{entry: "-"}
	}
	l := f.Locations[0]
	loc := location{entry: clean(entryOf(l)), symbol: clean(l.Symbol), more: len(f.Locations) - 1}
	if loc.entry == "" && loc.symbol == "" {
		loc.entry = clean(filepath.Base(l.Artifact))
	}
	return loc
}

func (l location) String() string { return l.format(l.symbol) }

func (l location) format(symbol string) string {
	s := l.entry
	if symbol != "" {
		if s == "" {
			s = symbol
		} else {
			s += " (" + symbol + ")"
		}
	}
	if l.more > 0 {
		s += fmt.Sprintf(" +%d more", l.more)
	}
	return s
}

// fit shortens the cell to n columns. The symbol gives way first, the way
// Java names are abbreviated: leading package names shrink to their
// initial ("c.e.a.net.OpenAIClient"), then leading names are dropped down
// to the last two ("…net.OpenAIClient", "…OpenAIClient.send"); a symbol
// whose last two names do not fit is left out.
// A long entry is cut in the middle last. The count of other places
// always stays.
func (l location) fit(n int) string {
	if s := l.String(); width(s) <= n {
		return s
	}
	if l.symbol != "" {
		parts := strings.Split(l.symbol, ".")
		// The last two names (class and member, or package and class)
		// are never abbreviated.
		for i := 0; i < len(parts)-2; i++ {
			parts[i] = string([]rune(parts[i])[:min(1, width(parts[i]))])
			if s := l.format(strings.Join(parts, ".")); width(s) <= n {
				return s
			}
		}
		whole := strings.Split(l.symbol, ".")
		for i := 1; i < len(whole)-1; i++ {
			if s := l.format("…" + strings.Join(whole[i:], ".")); width(s) <= n {
				return s
			}
		}
	}
	core := l.entry
	if core == "" {
		core = l.symbol
	}
	more := ""
	if l.more > 0 {
		more = fmt.Sprintf(" +%d more", l.more)
	}
	return middleCut(core, n-width(more)) + more
}

// middleCut fits s into n columns by replacing its middle with an
// ellipsis, keeping more of the end (a file or class name) than the start.
func middleCut(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	if n < 3 {
		return string(rs[:max(n, 0)])
	}
	head := (n - 1) / 3
	tail := n - 1 - head
	return string(rs[:head]) + "…" + string(rs[len(rs)-tail:])
}

// wrap breaks text into lines of at most n columns at spaces; a word
// longer than a line is cut.
func wrap(text string, n int) []string {
	n = max(n, 10)
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(text) {
		wr := []rune(word)
		for len(wr) > n {
			if len(cur) > 0 {
				lines = append(lines, string(cur))
				cur = nil
			}
			lines = append(lines, string(wr[:n]))
			wr = wr[n:]
		}
		switch {
		case len(cur) == 0:
			cur = wr
		case len(cur)+1+len(wr) <= n:
			cur = append(append(cur, ' '), wr...)
		default:
			lines = append(lines, string(cur))
			cur = wr
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// pad left-aligns s in n columns.
func pad(s string, n int) string {
	if w := width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// width is the number of columns s takes, counting one per rune.
func width(s string) int { return utf8.RuneCountInString(s) }

// clean makes untrusted text safe and single-line for a terminal: control
// characters (escape sequences, newlines), bidirectional controls, line
// and paragraph separators and invalid UTF-8 are shown as Go escapes.
func clean(s string) string {
	if !slices.ContainsFunc([]rune(s), unsafeRune) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		unicode.In(r, unicode.Zl, unicode.Zp)
}
