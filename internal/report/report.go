// Package report writes a scan's findings for people and for machines: a
// table for terminals and CI logs, the documented JSON schema (docs/report-schema.md),
// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers, and a
// self-contained HTML page.
//
// Writers never change the report they are given. Every writer orders
// findings with finding.Compare, so the same scan always prints the same
// bytes, and every writer treats the text of findings as untrusted: it comes
// from the scanned package.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// Format names an output format.
type Format string

// Output formats.
const (
	// FormatTable is a human summary for terminals and CI logs.
	FormatTable Format = "table"
	// FormatJSON is the documented, stable JSON report (docs/report-schema.md).
	FormatJSON Format = "json"
	// FormatSARIF is SARIF 2.1.0 as GitHub code scanning accepts it.
	FormatSARIF Format = "sarif"
	// FormatHTML is one self-contained HTML page.
	FormatHTML Format = "html"
)

var formats = []Format{FormatTable, FormatJSON, FormatSARIF, FormatHTML}

// Formats returns every format Write supports, in the order to list them
// in help texts.
func Formats() []Format { return slices.Clone(formats) }

// ErrUnknownFormat is returned for a format name Write does not support.
var ErrUnknownFormat = errors.New("unknown report format")

// ParseFormat reads a format name as written on the command line; case and
// surrounding space are ignored.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(formats, f) {
		return f, nil
	}
	return "", fmt.Errorf("%w %q (want one of %s)", ErrUnknownFormat, s, formatList())
}

func formatList() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Options tune the writers. The zero value is ready to use.
type Options struct {
	// Color adds ANSI colours to table output; set it when writing to a
	// terminal.
	Color bool
	// Width is the terminal width the table fits into; 0 means 100.
	Width int
	// BaseDir is the repository root: SARIF artifact paths are written
	// relative to it when they lie below it, so GitHub can link them. Empty
	// means the working directory.
	BaseDir string
}

const defaultWidth = 100

// Write renders r in format f to w. Nothing is written when rendering
// fails, so a caller never receives half a report.
func Write(w io.Writer, r *finding.Report, f Format, opt Options) error {
	if r == nil {
		return errors.New("write report: no report")
	}
	var buf bytes.Buffer
	var err error
	switch f {
	case FormatTable:
		err = writeTable(&buf, r, opt)
	case FormatJSON:
		err = writeJSON(&buf, r)
	case FormatSARIF:
		err = writeSARIF(&buf, r, opt)
	case FormatHTML:
		err = writeHTML(&buf, r)
	default:
		return fmt.Errorf("write report: %w %q (want one of %s)", ErrUnknownFormat, string(f), formatList())
	}
	if err != nil {
		return fmt.Errorf("write %s report: %w", f, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s report: %w", f, err)
	}
	return nil
}

// sortedFindings returns a sorted copy of the report's findings.
func sortedFindings(r *finding.Report) []finding.Finding {
	fs := slices.Clone(r.Findings)
	slices.SortStableFunc(fs, finding.Compare)
	return fs
}

// severitiesDesc lists severities from most to least severe.
var severitiesDesc = []finding.Severity{
	finding.SeverityCritical,
	finding.SeverityHigh,
	finding.SeverityMedium,
	finding.SeverityLow,
	finding.SeverityInfo,
}

// byKind splits findings into weaknesses, protections and inventory,
// keeping their order. Findings of an unknown kind count as weaknesses, so
// that nothing a newer analyzer reports is hidden.
func byKind(fs []finding.Finding) (weak, prot, inv []finding.Finding) {
	for _, f := range fs {
		switch f.Kind {
		case finding.KindProtection:
			prot = append(prot, f)
		case finding.KindInventory:
			inv = append(inv, f)
		default:
			weak = append(weak, f)
		}
	}
	return weak, prot, inv
}

// artifactOf is the artifact a finding was seen in: that of its first
// location.
func artifactOf(f finding.Finding) string {
	if len(f.Locations) == 0 {
		return ""
	}
	return f.Locations[0].Artifact
}

// rulesByID indexes the report's rule catalogue entries.
func rulesByID(r *finding.Report) map[string]finding.Rule {
	m := make(map[string]finding.Rule, len(r.Rules))
	for _, rule := range r.Rules {
		if _, dup := m[rule.ID]; !dup {
			m[rule.ID] = rule
		}
	}
	return m
}

// plural returns "1 finding" or "2 findings".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
