package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/finding"
)

func writeJSONReport(t *testing.T, r *finding.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, FormatJSON, Options{}); err != nil {
		t.Fatalf("Write(json): %v", err)
	}
	return buf.Bytes()
}

func TestJSONWritesEmptyListsAsArrays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    *finding.Report
	}{
		{"nil lists", &finding.Report{}},
		{"empty lists", &finding.Report{Targets: []finding.Target{}, Findings: []finding.Finding{}, Warnings: []finding.Warning{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got map[string]json.RawMessage
			if err := json.Unmarshal(writeJSONReport(t, tt.r), &got); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"targets", "findings", "warnings"} {
				if string(got[key]) != "[]" {
					t.Errorf("%q = %s, want []", key, got[key])
				}
			}
		})
	}
}

func TestJSONWritesFindingWithoutLocationsAsEmptyArray(t *testing.T) {
	t.Parallel()
	r := &finding.Report{Findings: []finding.Finding{{RuleID: "BW1001", Kind: finding.KindWeakness}}}
	var got struct {
		Findings []map[string]json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(writeJSONReport(t, r), &got); err != nil {
		t.Fatal(err)
	}
	if loc := string(got.Findings[0]["locations"]); loc != "[]" {
		t.Errorf("locations = %s, want []", loc)
	}
}

func TestJSONFillsTheSchemaVersion(t *testing.T) {
	t.Parallel()
	var got finding.Report
	if err := json.Unmarshal(writeJSONReport(t, &finding.Report{}), &got); err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != finding.SchemaVersion {
		t.Errorf("schemaVersion = %q, want %q", got.SchemaVersion, finding.SchemaVersion)
	}
}

func TestJSONRoundTripsTheReportWithSortedFindings(t *testing.T) {
	t.Parallel()
	in := fixtureReport()
	dec := json.NewDecoder(bytes.NewReader(writeJSONReport(t, in)))
	dec.DisallowUnknownFields()
	var got finding.Report
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := *in
	want.Findings = slices.Clone(in.Findings)
	slices.SortStableFunc(want.Findings, finding.Compare)
	want.Rules = nil
	if diff := cmp.Diff(&want, &got); diff != "" {
		t.Errorf("decoded report differs (-want +got):\n%s", diff)
	}
}

func TestJSONKeepsMarkupInEvidenceReadable(t *testing.T) {
	t.Parallel()
	r := &finding.Report{Findings: []finding.Finding{{RuleID: "BW2001", Evidence: `<base-config cleartextTrafficPermitted="true">`}}}
	out := string(writeJSONReport(t, r))
	if want := `"evidence": "<base-config cleartextTrafficPermitted=\"true\">"`; !strings.Contains(out, want) {
		t.Errorf("output does not contain %s:\n%s", want, out)
	}
}

// schemaSections maps each type of the JSON report to the heading of its
// section in docs/report-schema.md.
var schemaSections = []struct {
	heading string
	typ     reflect.Type
}{
	{"Report", reflect.TypeFor[finding.Report]()},
	{"Tool", reflect.TypeFor[finding.Tool]()},
	{"Target", reflect.TypeFor[finding.Target]()},
	{"App", reflect.TypeFor[finding.AppInfo]()},
	{"Finding", reflect.TypeFor[finding.Finding]()},
	{"Location", reflect.TypeFor[finding.Location]()},
	{"Standards", reflect.TypeFor[finding.Standards]()},
	{"Warning", reflect.TypeFor[finding.Warning]()},
	{"Suppressed", reflect.TypeFor[finding.Suppression]()},
}

// jsonFields lists the JSON names encoding/json gives the fields of t.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

var schemaRow = regexp.MustCompile("^\\| `([^`]+)` \\|")

// documentedFields returns the field names in the table of a section of
// docs/report-schema.md ("## heading" up to the next "## ").
func documentedFields(doc, heading string) ([]string, bool) {
	var names []string
	in, found := false, false
	for line := range strings.Lines(doc) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "## ") {
			in = strings.TrimPrefix(line, "## ") == heading
			found = found || in
			continue
		}
		if m := schemaRow.FindStringSubmatch(line); in && m != nil {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names, found
}

func TestSchemaDocumentsEveryField(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range schemaSections {
		t.Run(s.typ.Name(), func(t *testing.T) {
			t.Parallel()
			got, found := documentedFields(string(doc), s.heading)
			if !found {
				t.Fatalf("docs/report-schema.md has no section %q for %s", "## "+s.heading, s.typ)
			}
			if diff := cmp.Diff(jsonFields(s.typ), got); diff != "" {
				t.Errorf("fields of %s and the table in docs/report-schema.md section %q differ (-code +documented):\n%s", s.typ, s.heading, diff)
			}
		})
	}
}

func TestSchemaExampleDecodesIntoTheReport(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/report-schema.md has no ```json example")
	}
	dec := json.NewDecoder(strings.NewReader(example))
	dec.DisallowUnknownFields()
	var r finding.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("the example in docs/report-schema.md does not decode into finding.Report: %v", err)
	}
	if len(r.Findings) == 0 || len(r.Targets) == 0 {
		t.Errorf("the example has %d targets and %d findings, want at least one of each", len(r.Targets), len(r.Findings))
	}
}

// schemaDoc is the documentation of the JSON report.
var schemaDoc = filepath.Join("..", "..", "docs", "report-schema.md")
