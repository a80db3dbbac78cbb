package report

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// writeJSON writes the report in the schema documented in SCHEMA.md: the
// report as encoding/json marshals it, indented by two spaces, findings in
// finding.Compare order, and every list present ([] rather than null), so
// that consumers never need to tell a missing list from an empty one.
func writeJSON(w io.Writer, r *finding.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Evidence quotes markup (`<base-config …>`); keep it readable. The
	// file is data, never served as HTML.
	enc.SetEscapeHTML(false)
	return enc.Encode(jsonReport(r))
}

// jsonReport returns a copy of r normalized for the JSON schema.
func jsonReport(r *finding.Report) *finding.Report {
	out := *r
	if out.SchemaVersion == "" {
		out.SchemaVersion = finding.SchemaVersion
	}
	out.Targets = nonNil(slices.Clone(r.Targets))
	out.Warnings = nonNil(slices.Clone(r.Warnings))
	out.Findings = sortedFindings(r)
	if out.Findings == nil {
		out.Findings = []finding.Finding{}
	}
	for i := range out.Findings {
		out.Findings[i].Locations = nonNil(out.Findings[i].Locations)
	}
	out.Rules = nil
	return &out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
