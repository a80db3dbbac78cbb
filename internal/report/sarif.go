package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// SARIF output follows SARIF 2.1.0 and the subset GitHub code scanning
// reads ("SARIF support for code scanning" in GitHub's documentation).
// Decisions, each for a reason a maintainer needs to know:
//
//   - Only weaknesses become results. GitHub turns every result into an
//     alert to triage, and protections (a defence found) and inventory (an
//     SDK, a model, a permission list) are not problems to fix. Their rules
//     are left out of tool.driver.rules too; the count of findings left out
//     is in invocations[0].properties. The table, JSON and HTML reports
//     carry them.
//   - A rule's security-severity is a representative score inside the band
//     GitHub maps to the same label (see securitySeverity). Info has no
//     score: such rules are not given a security severity at all.
//   - The rule descriptor's severity is that of its findings in this
//     report, not the catalogue's default, so severities overridden in the
//     project's configuration reach GitHub.
//   - Results point at the scanned artifact (the APK), since that is the
//     file in the repository or build tree. The entry inside the package
//     and the class, component or section are logical locations, and the
//     location's message says "entry:line (symbol)". The region is line 1,
//     the convention for a whole file: GitHub's documentation lists
//     region.startLine as required.
//   - partialFingerprints carries Bulwark's own fingerprint
//     ("bulwarkFingerprint/v1"), which does not depend on where the APK
//     lies or how it was built, and primaryLocationLineHash derived from
//     it, because GitHub only matches alerts across runs on that key and
//     would otherwise hash "line 1" of a binary file, which changes with
//     every build. (The upload-sarif action may log that its own hash of
//     the APK differs; it keeps ours.)
//   - At most finding.MaxLocations locations per result; the full count is
//     in the result's properties when some were left out.
//   - Tags are capped at maxTags, the number GitHub displays.

const (
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	// sarifToolName is the driver's name. GitHub groups and filters alerts
	// by tool name, so it never changes with the binary's name.
	sarifToolName = "Bulwark"
	// srcRoot is the uriBaseId of relative artifact URIs.
	srcRoot = "%SRCROOT%"
	// fingerprintKey is the partialFingerprints key of Bulwark's own
	// fingerprint; the version changes if its derivation ever does.
	fingerprintKey = "bulwarkFingerprint/v1"
	// lineHashKey is the only partialFingerprints key GitHub matches on.
	lineHashKey = "primaryLocationLineHash"

	// Limits from GitHub's documentation.
	maxTags        = 10   // tags per rule GitHub displays (20 accepted)
	maxNameLen     = 255  // reportingDescriptor.name
	maxDescription = 1024 // shortDescription.text, fullDescription.text
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Artifacts          []sarifArtifact                  `json:"artifacts,omitempty"`
	Results            []sarifResult                    `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri,omitempty"`
	Rules           []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	FullDescription      sarifMessage       `json:"fullDescription"`
	Help                 sarifHelp          `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags"`
	Precision        string   `json:"precision"`
	ProblemSeverity  string   `json:"problem.severity"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Kind       string `json:"kind"`
	Severity   string `json:"severity"`
	Confidence string `json:"confidence"`
	// Evidence is already masked by the detector that produced it.
	Evidence string `json:"evidence,omitempty"`
	// TotalLocations is set when locations were left out.
	TotalLocations int `json:"totalLocations,omitempty"`
	// Facts are the finding's rule-specific properties.
	Facts map[string]string `json:"facts,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifMessage          `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI         string        `json:"uri,omitempty"`
	URIBaseID   string        `json:"uriBaseId,omitempty"`
	Index       *int          `json:"index,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Length   int64                 `json:"length,omitempty"`
	MimeType string                `json:"mimeType,omitempty"`
	Roles    []string              `json:"roles"`
	Hashes   map[string]string     `json:"hashes,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                 `json:"executionSuccessful"`
	StartTimeUTC               string               `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string               `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification  `json:"toolExecutionNotifications,omitempty"`
	Properties                 sarifInvocationProps `json:"properties"`
}

type sarifInvocationProps struct {
	SuppressedByBaseline int `json:"suppressedByBaseline"`
	SuppressedByConfig   int `json:"suppressedByConfig"`
	// OmittedProtections and OmittedInventory count findings that are
	// not results (see the package's SARIF notes).
	OmittedProtections int `json:"omittedProtections"`
	OmittedInventory   int `json:"omittedInventory"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

func writeSARIF(w io.Writer, r *finding.Report, opt Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(buildSARIF(r, opt))
}

// buildSARIF converts a report into one SARIF run.
func buildSARIF(r *finding.Report, opt Options) sarifLog {
	uris := uriMapper{base: opt.BaseDir}
	weak, prot, inv := byKind(sortedFindings(r))

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            sarifToolName,
			Version:         r.Tool.Version,
			SemanticVersion: semanticVersion(r.Tool.Version),
			InformationURI:  r.Tool.URI,
			Rules:           []sarifRule{},
		}},
		Results: []sarifResult{},
	}

	// Artifacts: the scanned targets, referenced by index from results.
	artifactIndex := make(map[string]int, len(r.Targets))
	for _, t := range r.Targets {
		if _, dup := artifactIndex[t.Path]; dup {
			continue
		}
		artifactIndex[t.Path] = len(run.Artifacts)
		a := sarifArtifact{
			Location: uris.location(t.Path, nil),
			Length:   t.Size,
			MimeType: mimeTypes[t.Type],
			Roles:    []string{"analysisTarget"},
		}
		if t.SHA256 != "" {
			a.Hashes = map[string]string{"sha-256": t.SHA256}
		}
		run.Artifacts = append(run.Artifacts, a)
	}
	locate := func(artifact string) sarifArtifactLocation {
		if i, ok := artifactIndex[artifact]; ok {
			return uris.location(artifact, &i)
		}
		return uris.location(artifact, nil)
	}

	// Rules: those of the weaknesses, ordered by id.
	catalogue := rulesByID(r)
	severity := make(map[string]finding.Severity)
	var ids []string
	for _, f := range weak {
		s, seen := severity[f.RuleID]
		if !seen {
			ids = append(ids, f.RuleID)
		}
		if !seen || f.Severity > s {
			severity[f.RuleID] = f.Severity
		}
	}
	slices.Sort(ids)
	ruleIndex := make(map[string]int, len(ids))
	for i, id := range ids {
		ruleIndex[id] = i
		rule, ok := catalogue[id]
		if !ok {
			rule = ruleFromFinding(weak, id)
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(rule, severity[id]))
	}

	for _, f := range weak {
		run.Results = append(run.Results, sarifResultOf(f, ruleIndex[f.RuleID], locate))
	}

	inv0 := sarifInvocation{
		ExecutionSuccessful: true,
		Properties: sarifInvocationProps{
			SuppressedByBaseline: r.Suppressed.Baseline,
			SuppressedByConfig:   r.Suppressed.Config,
			OmittedProtections:   len(prot),
			OmittedInventory:     len(inv),
		},
	}
	if !r.StartedAt.IsZero() {
		inv0.StartTimeUTC = sarifTime(r.StartedAt)
		inv0.EndTimeUTC = sarifTime(r.StartedAt.Add(r.Duration))
	}
	for _, wn := range r.Warnings {
		n := sarifNotification{Level: "warning", Message: sarifMessage{Text: nonEmpty(wn.Message, "incomplete read")}}
		if wn.Artifact != "" {
			loc := sarifLocation{PhysicalLocation: &sarifPhysicalLocation{ArtifactLocation: locate(wn.Artifact)}}
			if wn.Path != "" {
				loc.LogicalLocations = []sarifLogicalLocation{{Name: path.Base(wn.Path), FullyQualifiedName: wn.Path, Kind: "module"}}
			}
			n.Locations = []sarifLocation{loc}
		}
		inv0.ToolExecutionNotifications = append(inv0.ToolExecutionNotifications, n)
	}
	run.Invocations = []sarifInvocation{inv0}

	if uris.usedBase {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{
			srcRoot: {Description: &sarifMessage{Text: "The repository root: the base directory given to bulwark scan, or else its working directory."}},
		}
	}

	return sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}}
}

// mimeTypes gives the media type of target types that have one.
var mimeTypes = map[string]string{
	"apk": "application/vnd.android.package-archive",
}

// ruleFromFinding stands in for a catalogue entry the report lacks, so that
// every result still refers to a complete rule.
func ruleFromFinding(fs []finding.Finding, id string) finding.Rule {
	i := slices.IndexFunc(fs, func(f finding.Finding) bool { return f.RuleID == id })
	f := fs[i]
	return finding.Rule{
		ID: f.RuleID, Name: f.RuleName, Title: f.Title, Category: f.Category,
		Kind: f.Kind, Severity: f.Severity, Confidence: f.Confidence,
		Standards: f.Standards,
	}
}

func sarifRuleOf(rule finding.Rule, sev finding.Severity) sarifRule {
	title := nonEmpty(rule.Title, rule.ID)
	desc := nonEmpty(strings.TrimSpace(rule.Description), title)
	sr := sarifRule{
		ID:               rule.ID,
		Name:             truncate(rule.Name, maxNameLen),
		ShortDescription: sarifMessage{Text: truncate(title, maxDescription)},
		FullDescription:  sarifMessage{Text: truncate(desc, maxDescription)},
		Help:             sarifHelp{Text: helpText(rule, desc), Markdown: helpMarkdown(rule, desc)},
		DefaultConfiguration: sarifConfiguration{
			Level: sarifLevel(sev),
		},
		Properties: sarifRuleProps{
			Tags:             sarifTags(rule),
			Precision:        rule.Confidence.String(),
			ProblemSeverity:  problemSeverity(sev),
			SecuritySeverity: securitySeverity(sev),
		},
	}
	if len(rule.References) > 0 {
		sr.HelpURI = rule.References[0]
	}
	return sr
}

func sarifResultOf(f finding.Finding, ruleIndex int, locate func(string) sarifArtifactLocation) sarifResult {
	res := sarifResult{
		RuleID:    f.RuleID,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifMessage{Text: nonEmpty(f.Message, nonEmpty(f.Title, f.RuleID))},
		Locations: []sarifLocation{},
		Properties: sarifResultProps{
			Kind:       string(f.Kind),
			Severity:   f.Severity.String(),
			Confidence: f.Confidence.String(),
			Evidence:   f.Evidence,
			Facts:      f.Properties,
		},
	}
	locs := f.Locations
	if len(locs) > finding.MaxLocations {
		res.Properties.TotalLocations = len(locs)
		locs = locs[:finding.MaxLocations]
	}
	for _, l := range locs {
		res.Locations = append(res.Locations, sarifLocationOf(l, locate))
	}
	fp := f.Fingerprint
	if fp == "" {
		// Writers must not invent identity, but GitHub needs some: derive
		// it the way the scanner would, from the rule and where it was seen.
		key := ""
		if len(f.Locations) > 0 {
			l := f.Locations[0]
			key = l.Path + "\x00" + l.Symbol
		}
		fp = finding.Fingerprint(f.RuleID, key)
	}
	res.PartialFingerprints = map[string]string{
		fingerprintKey: fp,
		lineHashKey:    lineHash(fp),
	}
	return res
}

// lineHash shapes a fingerprint like the value GitHub expects in
// primaryLocationLineHash: 16 hex digits and an occurrence number.
func lineHash(fp string) string {
	if len(fp) > 16 {
		fp = fp[:16]
	}
	return fp + ":1"
}

func sarifLocationOf(l finding.Location, locate func(string) sarifArtifactLocation) sarifLocation {
	var loc sarifLocation
	if l.Artifact != "" {
		loc.PhysicalLocation = &sarifPhysicalLocation{
			ArtifactLocation: locate(l.Artifact),
			Region:           &sarifRegion{StartLine: 1},
		}
	}
	if l.Path != "" {
		loc.LogicalLocations = append(loc.LogicalLocations, sarifLogicalLocation{
			Name: path.Base(l.Path), FullyQualifiedName: l.Path, Kind: "module",
		})
	}
	if l.Symbol != "" {
		fqn := l.Symbol
		if l.Path != "" {
			fqn = l.Path + "!" + l.Symbol
		}
		loc.LogicalLocations = append(loc.LogicalLocations, sarifLogicalLocation{
			Name: l.Symbol, FullyQualifiedName: fqn, Kind: symbolKind(l.Path, l.Symbol),
		})
	}
	if text := entryText(l); text != "" {
		loc.Message = &sarifMessage{Text: text}
	}
	return loc
}

// entryText describes a location inside the artifact: "entry:line (symbol)".
func entryText(l finding.Location) string {
	return strings.TrimSpace(entryOf(l) + symbolSuffix(l.Symbol))
}

// entryOf is "entry" or "entry:line".
func entryOf(l finding.Location) string {
	if l.Path != "" && l.Line > 0 {
		return l.Path + ":" + strconv.Itoa(l.Line)
	}
	return l.Path
}

// symbolSuffix is " (symbol)", or "" without a symbol.
func symbolSuffix(symbol string) string {
	if symbol == "" {
		return ""
	}
	return " (" + symbol + ")"
}

// symbolKind classifies a symbol with the SARIF logical location kinds,
// and only when the kind is plain from where it was found: an element of
// an XML entry (manifest, network security configuration), or a class or
// member of code (a DEX entry, or no entry named). Java class names start
// with a capital and member names do not, so "com.foo.Bar.send" is taken
// for a member; obfuscated names ("a.b.c") are taken for types.
func symbolKind(entry, symbol string) string {
	switch ext := strings.ToLower(path.Ext(entry)); {
	case ext == ".xml":
		return "element"
	case ext == ".dex" || entry == "":
		i := strings.LastIndexByte(symbol, '.')
		if i <= 0 {
			return "type"
		}
		j := strings.LastIndexByte(symbol[:i], '.')
		last, owner := symbol[i+1:], symbol[j+1:i]
		if startsLower(last) && startsUpper(owner) {
			return "member"
		}
		return "type"
	default:
		return ""
	}
}

func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// sarifLevel maps a severity to a SARIF level: critical and high are
// errors, medium a warning, low and info notes.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s == finding.SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// problemSeverity is GitHub's severity for results it does not treat as
// security results: error, warning or recommendation.
func problemSeverity(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s == finding.SeverityMedium:
		return "warning"
	default:
		return "recommendation"
	}
}

// securitySeverity returns the score GitHub reads from
// properties.security-severity. GitHub maps scores above 9.0 to critical,
// 7.0–8.9 to high, 4.0–6.9 to medium and 0.1–3.9 to low; each Bulwark
// severity gets a value inside its band, away from the edges, so that
// rounding by any consumer keeps the label:
//
//	critical 9.5, high 8.0, medium 5.5, low 2.0, info (none).
//
// Info has no score: any score would display as "low", which overstates
// what info rules report.
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical:
		return "9.5"
	case finding.SeverityHigh:
		return "8.0"
	case finding.SeverityMedium:
		return "5.5"
	case finding.SeverityLow:
		return "2.0"
	default:
		return ""
	}
}

// sarifTags lists the tags GitHub filters on, most useful first: the
// security tag that marks security results, the platform, the category,
// CWE in the form GitHub links ("external/cwe/cwe-079"), OWASP Mobile Top
// 10 2024 risks, MASVS controls, then MASWE ids.
func sarifTags(rule finding.Rule) []string {
	tags := []string{"security", "mobile"}
	if rule.Category != "" {
		tags = append(tags, rule.Category)
	}
	for _, c := range rule.CWE {
		tags = append(tags, fmt.Sprintf("external/cwe/cwe-%03d", c))
	}
	for _, m := range rule.MobileTop10 {
		tags = append(tags, "owasp-mobile-top10-2024/"+m)
	}
	tags = append(tags, rule.MASVS...)
	tags = append(tags, rule.MASWE...)
	var out []string
	for _, t := range tags {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		out = out[:maxTags]
	}
	return out
}

// helpText is the rule's documentation as plain text.
func helpText(rule finding.Rule, desc string) string {
	var b strings.Builder
	b.WriteString(desc)
	if rem := strings.TrimSpace(rule.Remediation); rem != "" {
		b.WriteString("\n\nHow to fix: ")
		b.WriteString(rem)
	}
	if std := standardsLines(rule.Standards, false); len(std) > 0 {
		b.WriteString("\n\nStandards:\n")
		for _, s := range std {
			b.WriteString("- " + s + "\n")
		}
	}
	if len(rule.References) > 0 {
		b.WriteString("\nReferences:\n")
		for _, ref := range rule.References {
			b.WriteString("- " + ref + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// helpMarkdown is the rule's documentation in GitHub-flavoured Markdown,
// which GitHub shows instead of the text when present.
func helpMarkdown(rule finding.Rule, desc string) string {
	var b strings.Builder
	b.WriteString(desc)
	if rem := strings.TrimSpace(rule.Remediation); rem != "" {
		b.WriteString("\n\n## How to fix\n\n")
		b.WriteString(rem)
	}
	if std := standardsLines(rule.Standards, true); len(std) > 0 {
		b.WriteString("\n\n## Standards\n\n")
		for _, s := range std {
			b.WriteString("- " + s + "\n")
		}
	}
	if len(rule.References) > 0 {
		b.WriteString("\n## References\n\n")
		for _, ref := range rule.References {
			b.WriteString("- <" + ref + ">\n")
		}
	}
	out := strings.TrimRight(b.String(), "\n")
	if rule.Name != "" {
		out += fmt.Sprintf("\n\n_Bulwark rule %s (`%s`)._", rule.ID, rule.Name)
	}
	return out
}

// standardsLines lists a rule's standard mappings, one catalogue a line,
// with links in Markdown.
func standardsLines(s finding.Standards, markdown bool) []string {
	var lines []string
	add := func(label string, items []string) {
		if len(items) > 0 {
			lines = append(lines, label+": "+strings.Join(items, ", "))
		}
	}
	masvs := slices.Clone(s.MASVS)
	cwe := make([]string, len(s.CWE))
	for i, c := range s.CWE {
		cwe[i] = "CWE-" + strconv.Itoa(c)
		if markdown {
			cwe[i] = fmt.Sprintf("[%s](%s)", cwe[i], cweURL(c))
		}
	}
	if markdown {
		for i, m := range masvs {
			masvs[i] = fmt.Sprintf("[%s](%s)", m, masvsURL(m))
		}
	}
	add("OWASP MASVS v2", masvs)
	add("OWASP MASWE", s.MASWE)
	add("CWE", cwe)
	add("OWASP Mobile Top 10 2024", s.MobileTop10)
	return lines
}

func cweURL(n int) string { return fmt.Sprintf("https://cwe.mitre.org/data/definitions/%d.html", n) }

func masvsURL(control string) string {
	return "https://mas.owasp.org/MASVS/controls/" + url.PathEscape(control) + "/"
}

// semverPattern is Semantic Versioning 2.0.0, without a leading "v".
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// semanticVersion returns the tool's version when it is a semantic version
// (a leading "v" is dropped), and "" for builds such as "dev".
func semanticVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if semverPattern.MatchString(v) {
		return v
	}
	return ""
}

func sarifTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// uriMapper turns artifact paths into SARIF artifact locations.
type uriMapper struct {
	base string
	// usedBase records whether any location is relative to srcRoot.
	usedBase bool
}

// location returns the artifact location of a path: relative to the base
// directory (or, without one, to the working directory) with forward
// slashes when the path lies below it, else an absolute file URI.
func (m *uriMapper) location(p string, index *int) sarifArtifactLocation {
	uri, rel := artifactURI(p, m.base)
	loc := sarifArtifactLocation{URI: uri, Index: index}
	if rel {
		loc.URIBaseID = srcRoot
		m.usedBase = true
	}
	return loc
}

// artifactURI converts a file path to a URI reference, and reports whether
// it is relative to the base directory.
func artifactURI(p, base string) (uri string, relative bool) {
	if p == "" {
		return "", false
	}
	if base != "" {
		absBase, err1 := filepath.Abs(base)
		absPath, err2 := filepath.Abs(p)
		if err1 == nil && err2 == nil {
			rel, err := filepath.Rel(absBase, absPath)
			if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return relativeURI(rel), true
			}
			return fileURI(absPath), false
		}
	}
	if filepath.IsAbs(p) {
		return fileURI(p), false
	}
	return relativeURI(filepath.Clean(p)), true
}

func relativeURI(p string) string {
	return (&url.URL{Path: filepath.ToSlash(p)}).String()
}

func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: file:///C:/…
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// truncate shortens s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return string([]rune(s)[:n])
	}
	return string([]rune(s)[:n-1]) + "…"
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}
