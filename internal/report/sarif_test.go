package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// decodeSARIF writes r as SARIF and decodes it into the package's own
// types, refusing fields they do not know.
func decodeSARIF(t *testing.T, r *finding.Report, opt Options) sarifLog {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, FormatSARIF, opt); err != nil {
		t.Fatalf("Write(sarif): %v", err)
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	var log sarifLog
	if err := dec.Decode(&log); err != nil {
		t.Fatalf("decode SARIF: %v", err)
	}
	return log
}

// githubLabel is how GitHub code scanning reads security-severity
// (docs: "SARIF support for code scanning", reportingDescriptor object).
func githubLabel(score float64) string {
	switch {
	case score > 9.0:
		return "critical"
	case score >= 7.0:
		return "high"
	case score >= 4.0:
		return "medium"
	case score >= 0.1:
		return "low"
	default:
		return "none"
	}
}

// TestSARIFMeetsGitHubRequirements checks the properties GitHub's
// documentation marks as required or limits, on the fixture report.
func TestSARIFMeetsGitHubRequirements(t *testing.T) {
	t.Parallel()
	log := decodeSARIF(t, fixtureReport(), Options{})

	if log.Schema != "https://json.schemastore.org/sarif-2.1.0.json" || log.Version != "2.1.0" {
		t.Errorf("$schema, version = %q, %q; want the SARIF 2.1.0 schema and 2.1.0", log.Schema, log.Version)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "Bulwark" || d.Version != "1.4.0" || d.SemanticVersion != "1.4.0" || d.InformationURI == "" {
		t.Errorf("driver = %q %q %q %q; want Bulwark, version, semantic version and information URI", d.Name, d.Version, d.SemanticVersion, d.InformationURI)
	}

	ids := make(map[string]int)
	for i, rule := range d.Rules {
		t.Run("rule "+rule.ID, func(t *testing.T) {
			if _, dup := ids[rule.ID]; dup {
				t.Errorf("rule id %s appears twice", rule.ID)
			}
			ids[rule.ID] = i
			for field, text := range map[string]string{
				"shortDescription.text": rule.ShortDescription.Text,
				"fullDescription.text":  rule.FullDescription.Text,
				"help.text":             rule.Help.Text,
			} {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s is empty; GitHub requires it", field)
				}
				if field != "help.text" && utf8.RuneCountInString(text) > 1024 {
					t.Errorf("%s has %d characters, GitHub's limit is 1024", field, utf8.RuneCountInString(text))
				}
			}
			if utf8.RuneCountInString(rule.Name) > 255 {
				t.Errorf("name has more than 255 characters")
			}
			if !slices.Contains([]string{"note", "warning", "error"}, rule.DefaultConfiguration.Level) {
				t.Errorf("defaultConfiguration.level = %q, want note, warning or error", rule.DefaultConfiguration.Level)
			}
			p := rule.Properties
			if !slices.Contains([]string{"very-high", "high", "medium", "low"}, p.Precision) {
				t.Errorf("precision = %q, want very-high, high, medium or low", p.Precision)
			}
			if !slices.Contains([]string{"error", "warning", "recommendation"}, p.ProblemSeverity) {
				t.Errorf("problem.severity = %q, want error, warning or recommendation", p.ProblemSeverity)
			}
			if len(p.Tags) == 0 || len(p.Tags) > 10 || p.Tags[0] != "security" {
				t.Errorf("tags = %q, want 1 to 10 tags starting with security", p.Tags)
			}
			if p.SecuritySeverity != "" {
				score, err := strconv.ParseFloat(p.SecuritySeverity, 64)
				if err != nil || score <= 0 || score > 10 {
					t.Errorf("security-severity = %q, want a number in (0, 10]", p.SecuritySeverity)
				}
			}
		})
	}

	if len(run.Results) == 0 {
		t.Fatal("no results")
	}
	for i, res := range run.Results {
		t.Run(fmt.Sprintf("result %d %s", i, res.RuleID), func(t *testing.T) {
			if res.RuleIndex < 0 || res.RuleIndex >= len(d.Rules) || d.Rules[res.RuleIndex].ID != res.RuleID {
				t.Errorf("ruleIndex %d does not point at rule %s", res.RuleIndex, res.RuleID)
			}
			if strings.TrimSpace(res.Message.Text) == "" {
				t.Error("message.text is empty; GitHub requires it")
			}
			if n := len(res.Locations); n < 1 || n > 10 {
				t.Errorf("%d locations, want 1 to 10", n)
			}
			for _, loc := range res.Locations {
				pl := loc.PhysicalLocation
				if pl == nil || pl.ArtifactLocation.URI == "" || pl.Region == nil || pl.Region.StartLine < 1 {
					t.Errorf("location %+v lacks artifactLocation.uri or region.startLine", loc)
				}
			}
			if res.PartialFingerprints[lineHashKey] == "" || res.PartialFingerprints[fingerprintKey] == "" {
				t.Errorf("partialFingerprints = %v, want %s and %s", res.PartialFingerprints, lineHashKey, fingerprintKey)
			}
		})
	}

	if len(run.Invocations) != 1 || !run.Invocations[0].ExecutionSuccessful {
		t.Errorf("invocations = %+v, want one successful invocation", run.Invocations)
	}
}

func TestSARIFSecuritySeverityFallsInGitHubsBand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		severity finding.Severity
		want     string // GitHub's label; "" means no security-severity
	}{
		{finding.SeverityCritical, "critical"},
		{finding.SeverityHigh, "high"},
		{finding.SeverityMedium, "medium"},
		{finding.SeverityLow, "low"},
		{finding.SeverityInfo, ""},
	}
	for _, tt := range tests {
		t.Run(tt.severity.String(), func(t *testing.T) {
			t.Parallel()
			got := securitySeverity(tt.severity)
			if tt.want == "" {
				if got != "" {
					t.Errorf("securitySeverity(%s) = %q, want none", tt.severity, got)
				}
				return
			}
			score, err := strconv.ParseFloat(got, 64)
			if err != nil {
				t.Fatalf("securitySeverity(%s) = %q, not a number", tt.severity, got)
			}
			if label := githubLabel(score); label != tt.want {
				t.Errorf("securitySeverity(%s) = %s, which GitHub shows as %s, want %s", tt.severity, got, label, tt.want)
			}
		})
	}
}

func TestSARIFLevelFollowsSeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		severity finding.Severity
		want     string
	}{
		{finding.SeverityCritical, "error"},
		{finding.SeverityHigh, "error"},
		{finding.SeverityMedium, "warning"},
		{finding.SeverityLow, "note"},
		{finding.SeverityInfo, "note"},
	}
	for _, tt := range tests {
		t.Run(tt.severity.String()+" is "+tt.want, func(t *testing.T) {
			t.Parallel()
			r := &finding.Report{Findings: []finding.Finding{{
				RuleID: "BW1001", Kind: finding.KindWeakness, Severity: tt.severity, Message: "m",
				Locations: []finding.Location{{Artifact: "app.apk"}},
			}}}
			run := decodeSARIF(t, r, Options{}).Runs[0]
			if got := run.Results[0].Level; got != tt.want {
				t.Errorf("result level = %q, want %q", got, tt.want)
			}
			if got := run.Tool.Driver.Rules[0].DefaultConfiguration.Level; got != tt.want {
				t.Errorf("rule defaultConfiguration.level = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSARIFTruncatesLocationsToTen(t *testing.T) {
	t.Parallel()
	run := decodeSARIF(t, fixtureReport(), Options{}).Runs[0]
	i := slices.IndexFunc(run.Results, func(r sarifResult) bool { return r.RuleID == "BW4011" })
	if i < 0 {
		t.Fatal("no result for BW4011, the finding with 12 locations")
	}
	res := run.Results[i]
	if got := len(res.Locations); got != 10 {
		t.Errorf("got %d locations, want 10", got)
	}
	if got := res.Properties.TotalLocations; got != 12 {
		t.Errorf("properties.totalLocations = %d, want 12", got)
	}
	// The ten kept are the first ten, in order.
	if got := res.Locations[9].LogicalLocations[1].Name; !strings.Contains(got, "TrustEveryone10") {
		t.Errorf("tenth location = %q, want the tenth of the finding (TrustEveryone10)", got)
	}
}

func TestSARIFLeavesOutProtectionsAndInventory(t *testing.T) {
	t.Parallel()
	run := decodeSARIF(t, fixtureReport(), Options{}).Runs[0]
	informational := map[string]bool{"BW4041": true, "BW4050": true, "BW1011": true, "BW6012": true}
	for _, rule := range run.Tool.Driver.Rules {
		if informational[rule.ID] {
			t.Errorf("rule %s of a protection or inventory finding is in tool.driver.rules", rule.ID)
		}
	}
	for _, res := range run.Results {
		if informational[res.RuleID] || res.Properties.Kind != string(finding.KindWeakness) {
			t.Errorf("result %s of kind %q, want weaknesses only", res.RuleID, res.Properties.Kind)
		}
	}
	if got, want := len(run.Results), 11; got != want {
		t.Errorf("got %d results, want %d (one per weakness)", got, want)
	}
	p := run.Invocations[0].Properties
	if p.OmittedProtections != 2 || p.OmittedInventory != 2 {
		t.Errorf("omitted protections, inventory = %d, %d; want 2, 2", p.OmittedProtections, p.OmittedInventory)
	}
	if p.SuppressedByBaseline != 4 || p.SuppressedByConfig != 1 {
		t.Errorf("suppressed by baseline, config = %d, %d; want 4, 1", p.SuppressedByBaseline, p.SuppressedByConfig)
	}
}

func TestSARIFRuleSeverityFollowsTheFindings(t *testing.T) {
	t.Parallel()
	// Configuration raised BW1005 from low to critical.
	r := fixtureReport()
	for i := range r.Findings {
		if r.Findings[i].RuleID == "BW1005" {
			r.Findings[i].Severity = finding.SeverityCritical
		}
	}
	run := decodeSARIF(t, r, Options{}).Runs[0]
	i := slices.IndexFunc(run.Tool.Driver.Rules, func(r sarifRule) bool { return r.ID == "BW1005" })
	rule := run.Tool.Driver.Rules[i]
	if rule.Properties.SecuritySeverity != "9.5" || rule.DefaultConfiguration.Level != "error" {
		t.Errorf("BW1005 security-severity, level = %q, %q; want 9.5, error (the findings' severity)",
			rule.Properties.SecuritySeverity, rule.DefaultConfiguration.Level)
	}
}

func TestSARIFDescribesRulesMissingFromTheCatalogue(t *testing.T) {
	t.Parallel()
	r := &finding.Report{Findings: []finding.Finding{{
		RuleID: "BW9999", RuleName: "future-rule", Title: "A rule this build does not describe",
		Kind: finding.KindWeakness, Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium,
		Locations:   []finding.Location{{Artifact: "app.apk"}},
		Fingerprint: "0123456789abcdef0123456789abcdef",
		Standards:   finding.Standards{CWE: []int{79}},
	}}}
	run := decodeSARIF(t, r, Options{}).Runs[0]
	if len(run.Tool.Driver.Rules) != 1 {
		t.Fatalf("got %d rules, want 1", len(run.Tool.Driver.Rules))
	}
	rule := run.Tool.Driver.Rules[0]
	want := sarifRule{
		ID:               "BW9999",
		Name:             "future-rule",
		ShortDescription: sarifMessage{Text: "A rule this build does not describe"},
		FullDescription:  sarifMessage{Text: "A rule this build does not describe"},
		Help: sarifHelp{
			Text:     "A rule this build does not describe\n\nStandards:\n- CWE: CWE-79",
			Markdown: "A rule this build does not describe\n\n## Standards\n\n- CWE: [CWE-79](https://cwe.mitre.org/data/definitions/79.html)\n\n_Bulwark rule BW9999 (`future-rule`)._",
		},
		DefaultConfiguration: sarifConfiguration{Level: "error"},
		Properties: sarifRuleProps{
			Tags:             []string{"security", "mobile", "external/cwe/cwe-079"},
			Precision:        "medium",
			ProblemSeverity:  "error",
			SecuritySeverity: "8.0",
		},
	}
	if diff := cmp.Diff(want, rule); diff != "" {
		t.Errorf("rule (-want +got):\n%s", diff)
	}
	if got := run.Results[0].Message.Text; got != "A rule this build does not describe" {
		t.Errorf("message.text = %q, want the title when the finding has no message", got)
	}
}

func TestSARIFFingerprints(t *testing.T) {
	t.Parallel()
	r := &finding.Report{Findings: []finding.Finding{{
		RuleID: "BW1001", Kind: finding.KindWeakness, Message: "m",
		Locations:   []finding.Location{{Artifact: "/builds/7/app.apk", Path: "AndroidManifest.xml"}},
		Fingerprint: "98150a9ed372dbf033366517d8f6c6d2",
	}}}
	got := decodeSARIF(t, r, Options{}).Runs[0].Results[0].PartialFingerprints
	want := map[string]string{
		"bulwarkFingerprint/v1":   "98150a9ed372dbf033366517d8f6c6d2",
		"primaryLocationLineHash": "98150a9ed372dbf0:1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("partialFingerprints (-want +got):\n%s", diff)
	}
}

func TestSARIFTagsAreCappedAndOrdered(t *testing.T) {
	t.Parallel()
	rule := finding.Rule{
		Category: "ai",
		Standards: finding.Standards{
			CWE:         []int{798, 321, 259},
			MobileTop10: []string{"M1", "M2", "M3"},
			MASVS:       []string{"MASVS-STORAGE-1", "MASVS-CRYPTO-2"},
			MASWE:       []string{"MASWE-0005"},
		},
	}
	want := []string{
		"security", "mobile", "ai",
		"external/cwe/cwe-798", "external/cwe/cwe-321", "external/cwe/cwe-259",
		"owasp-mobile-top10-2024/M1", "owasp-mobile-top10-2024/M2", "owasp-mobile-top10-2024/M3",
		"MASVS-STORAGE-1",
	}
	if diff := cmp.Diff(want, sarifTags(rule)); diff != "" {
		t.Errorf("sarifTags (-want +got):\n%s", diff)
	}
}

func TestSARIFCarriesTargetsAndWarnings(t *testing.T) {
	t.Parallel()
	run := decodeSARIF(t, fixtureReport(), Options{}).Runs[0]
	if len(run.Artifacts) != 2 {
		t.Fatalf("got %d artifacts, want 2", len(run.Artifacts))
	}
	a := run.Artifacts[0]
	if a.Location.URI != apkPath || a.Hashes["sha-256"] == "" || a.Length != 18_734_112 {
		t.Errorf("artifact 0 = %+v, want the APK with its length and sha-256", a)
	}
	for _, res := range run.Results {
		al := res.Locations[0].PhysicalLocation.ArtifactLocation
		if al.Index == nil || run.Artifacts[*al.Index].Location.URI != al.URI {
			t.Errorf("result %s: artifactLocation %+v does not index its artifact", res.RuleID, al)
		}
	}
	notes := run.Invocations[0].ToolExecutionNotifications
	if len(notes) != 2 || notes[0].Level != "warning" || !strings.Contains(notes[0].Message.Text, "map list truncated") {
		t.Errorf("toolExecutionNotifications = %+v, want the two warnings", notes)
	}
	if got := run.Invocations[0].StartTimeUTC; got != "2026-03-14T09:26:53.589793238Z" {
		t.Errorf("startTimeUtc = %q", got)
	}
	if got := run.Invocations[0].EndTimeUTC; got != "2026-03-14T09:26:56.307793238Z" {
		t.Errorf("endTimeUtc = %q, want start plus duration", got)
	}
}

func TestSARIFEmptyReportIsValid(t *testing.T) {
	t.Parallel()
	log := decodeSARIF(t, &finding.Report{}, Options{})
	run := log.Runs[0]
	if run.Results == nil || run.Tool.Driver.Rules == nil {
		t.Errorf("results, rules = %v, %v; want empty lists, which GitHub requires", run.Results, run.Tool.Driver.Rules)
	}
}

func TestArtifactURI(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	outside := t.TempDir()
	tests := []struct {
		name, path, base string
		wantURI          string
		wantRelative     bool
	}{
		{"relative path without a base stays relative", "app/build/app.apk", "", "app/build/app.apk", true},
		{"relative path is cleaned", "./app/../app/app.apk", "", "app/app.apk", true},
		{"spaces are escaped", "my app/app release.apk", "", "my%20app/app%20release.apk", true},
		{"colon in the first segment is not a scheme", "a:b.apk", "", "./a:b.apk", true},
		{"path below the base is made relative with slashes", filepath.Join(base, "app", "build", "app.apk"), base, "app/build/app.apk", true},
		{"path outside the base is an absolute file URI", filepath.Join(outside, "app.apk"), base, "file://" + slashPath(filepath.Join(outside, "app.apk")), false},
		{"absolute path without a base is a file URI", filepath.Join(outside, "x y.apk"), "", "file://" + strings.ReplaceAll(slashPath(filepath.Join(outside, "x y.apk")), " ", "%20"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			uri, rel := artifactURI(tt.path, tt.base)
			if uri != tt.wantURI || rel != tt.wantRelative {
				t.Errorf("artifactURI(%q, %q) = %q, %v; want %q, %v", tt.path, tt.base, uri, rel, tt.wantURI, tt.wantRelative)
			}
		})
	}
}

func slashPath(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

func TestSARIFBaseDirMakesArtifactsRelative(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	apk := filepath.Join(repo, "app", "build", "outputs", "apk", "release", "app-release.apk")
	r := &finding.Report{
		Targets: []finding.Target{{Path: apk, Type: "apk"}},
		Findings: []finding.Finding{{
			RuleID: "BW1001", Kind: finding.KindWeakness, Message: "m",
			Locations: []finding.Location{{Artifact: apk, Path: "AndroidManifest.xml"}},
		}},
	}
	run := decodeSARIF(t, r, Options{BaseDir: repo}).Runs[0]
	got := run.Results[0].Locations[0].PhysicalLocation.ArtifactLocation
	if got.URI != "app/build/outputs/apk/release/app-release.apk" || got.URIBaseID != "%SRCROOT%" {
		t.Errorf("artifactLocation = %+v, want the path relative to the base directory", got)
	}
	if _, ok := run.OriginalURIBaseIDs["%SRCROOT%"]; !ok {
		t.Error("originalUriBaseIds does not describe %SRCROOT%")
	}
}

func TestSymbolKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		entry, symbol, want string
	}{
		{"AndroidManifest.xml", "com.example.MainActivity", "element"},
		{"res/xml/network_security_config.xml", "base-config", "element"},
		{"classes.dex", "com.example.net.Client", "type"},
		{"classes2.dex", "com.example.net.Client.send", "member"},
		{"classes2.dex", "a.b.c", "type"},
		{"classes.dex", "Client", "type"},
		{"", "com.google.android.play.core.integrity.IntegrityManager", "type"},
		{"lib/arm64-v8a/libfoo.so", ".text", ""},
		{"resources.arsc", "string/openai_key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.entry+" "+tt.symbol, func(t *testing.T) {
			t.Parallel()
			if got := symbolKind(tt.entry, tt.symbol); got != tt.want {
				t.Errorf("symbolKind(%q, %q) = %q, want %q", tt.entry, tt.symbol, got, tt.want)
			}
		})
	}
}

func TestSemanticVersion(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"1.4.0", "1.4.0"},
		{"v1.4.0", "1.4.0"},
		{"1.4.0-rc.1+abc123", "1.4.0-rc.1+abc123"},
		{"dev", ""},
		{"1.4", ""},
		{"01.4.0", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := semanticVersion(tt.in); got != tt.want {
				t.Errorf("semanticVersion(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSARIFTruncatesLongDescriptions(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 1500)
	r := &finding.Report{
		Findings: []finding.Finding{{RuleID: "BW1001", Kind: finding.KindWeakness, Message: "m", Locations: []finding.Location{{Artifact: "a.apk"}}}},
		Rules:    []finding.Rule{{ID: "BW1001", Name: strings.Repeat("n", 300), Title: long, Description: long}},
	}
	rule := decodeSARIF(t, r, Options{}).Runs[0].Tool.Driver.Rules[0]
	for field, got := range map[string]string{"shortDescription": rule.ShortDescription.Text, "fullDescription": rule.FullDescription.Text} {
		if n := utf8.RuneCountInString(got); n != 1024 || !strings.HasSuffix(got, "…") {
			t.Errorf("%s has %d characters, want 1024 ending in an ellipsis", field, n)
		}
	}
	if n := utf8.RuneCountInString(rule.Name); n != 255 {
		t.Errorf("name has %d characters, want 255", n)
	}
}
