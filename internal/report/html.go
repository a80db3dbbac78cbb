package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// The HTML report is one self-contained page: inline CSS, no scripts,
// fonts, images or requests, and a Content-Security-Policy that forbids
// them, so that it can be mailed, attached to a ticket or archived by CI
// and opened anywhere. html/template escapes every value; the text of
// findings comes from the scanned package. The rule descriptions are in an
// appendix rather than in collapsed elements, so that a printed report
// holds them.

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

type htmlView struct {
	Tool         finding.Tool
	StartedAt    string
	Duration     string
	Targets      []htmlTarget
	Counts       []htmlCount
	Weaknesses   int
	Protections  []htmlFinding
	Inventory    []htmlFinding
	Suppressed   finding.Suppression
	Groups       []htmlGroup
	Rules        []htmlRule
	Warnings     []htmlWarning
	HasFindings  bool
	TargetsCount int
}

type htmlTarget struct {
	Path, Type, App, SDK, Size, SizeBytes, SHA256 string
}

type htmlCount struct {
	Severity string
	Count    int
}

type htmlGroup struct {
	Severity string
	Findings []htmlFinding
}

type htmlFinding struct {
	RuleID, RuleName, Title, Severity, Confidence string
	Message, Evidence, Remediation                string
	Locations                                     []string
	MoreLocations                                 int
	Standards                                     []htmlStandard
	// HasRule says the appendix describes the rule, so the id links there.
	HasRule bool
}

type htmlStandard struct {
	Label string
	Items []htmlLink
}

type htmlLink struct {
	Text string
	// URL is empty when the item has no page to link to. html/template
	// checks it like any URL it puts in an href.
	URL string
}

type htmlRule struct {
	ID, Name, Title, Kind, Category, Severity, Confidence string
	Description, Remediation                              string
	References                                            []string
	Standards                                             []htmlStandard
}

type htmlWarning struct {
	Where, Message string
}

func writeHTML(w io.Writer, r *finding.Report) error {
	return htmlTemplate.Execute(w, htmlViewOf(r))
}

func htmlViewOf(r *finding.Report) htmlView {
	v := htmlView{
		Tool:         r.Tool,
		Suppressed:   r.Suppressed,
		TargetsCount: len(r.Targets),
	}
	if v.Tool.Name == "" {
		v.Tool.Name = "Bulwark"
	}
	if !r.StartedAt.IsZero() {
		v.StartedAt = r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	v.Duration = r.Duration.Round(time.Millisecond).String()

	for _, t := range r.Targets {
		ht := htmlTarget{
			Path:      t.Path,
			Type:      t.Type,
			Size:      humanBytes(t.Size),
			SizeBytes: strconv.FormatInt(t.Size, 10) + " bytes",
			SHA256:    t.SHA256,
		}
		if m := t.Model; m != nil {
			ht.App = m.Format + " model, " + m.Verdict
		}
		if a := t.App; a != nil {
			ht.App = strings.TrimSpace(a.ID + " " + appVersion(a))
			var sdk []string
			if a.MinSDK > 0 {
				sdk = append(sdk, "min "+strconv.Itoa(a.MinSDK))
			}
			if a.TargetSDK > 0 {
				sdk = append(sdk, "target "+strconv.Itoa(a.TargetSDK))
			}
			ht.SDK = strings.Join(sdk, ", ")
		}
		v.Targets = append(v.Targets, ht)
	}

	rules := rulesByID(r)
	all := sortedFindings(r)
	v.HasFindings = len(all) > 0
	weak, prot, inv := byKind(all)
	v.Weaknesses = len(weak)
	counts := make(map[finding.Severity]int)
	for _, f := range weak {
		counts[f.Severity]++
	}
	for _, s := range severitiesDesc {
		v.Counts = append(v.Counts, htmlCount{Severity: s.String(), Count: counts[s]})
		var g htmlGroup
		for _, f := range weak {
			if f.Severity == s {
				g.Findings = append(g.Findings, htmlFindingOf(f, rules))
			}
		}
		if len(g.Findings) > 0 {
			g.Severity = s.String()
			v.Groups = append(v.Groups, g)
		}
	}
	for _, f := range prot {
		v.Protections = append(v.Protections, htmlFindingOf(f, rules))
	}
	for _, f := range inv {
		v.Inventory = append(v.Inventory, htmlFindingOf(f, rules))
	}

	// The appendix describes the rules of the findings shown, in id order.
	seen := make(map[string]bool)
	for _, rule := range r.Rules {
		if seen[rule.ID] {
			continue
		}
		seen[rule.ID] = true
		v.Rules = append(v.Rules, htmlRule{
			ID:          rule.ID,
			Name:        rule.Name,
			Title:       rule.Title,
			Kind:        string(rule.Kind),
			Category:    rule.Category,
			Severity:    rule.Severity.String(),
			Confidence:  rule.Confidence.String(),
			Description: strings.TrimSpace(rule.Description),
			Remediation: strings.TrimSpace(rule.Remediation),
			References:  rule.References,
			Standards:   htmlStandards(rule.Standards),
		})
	}

	for _, w := range r.Warnings {
		where := w.Artifact
		if w.Path != "" {
			where += "!" + w.Path
		}
		v.Warnings = append(v.Warnings, htmlWarning{Where: where, Message: w.Message})
	}
	return v
}

func htmlFindingOf(f finding.Finding, rules map[string]finding.Rule) htmlFinding {
	hf := htmlFinding{
		RuleID:     f.RuleID,
		RuleName:   f.RuleName,
		Title:      nonEmpty(f.Title, f.RuleName),
		Severity:   f.Severity.String(),
		Confidence: f.Confidence.String(),
		Message:    f.Message,
		Evidence:   f.Evidence,
		Standards:  htmlStandards(f.Standards),
	}
	if hf.Message == hf.Title {
		hf.Message = ""
	}
	if hf.Evidence == f.Message && hf.Message != "" {
		hf.Evidence = ""
	}
	if rule, ok := rules[f.RuleID]; ok {
		hf.HasRule = true
		hf.Remediation = strings.TrimSpace(rule.Remediation)
	}
	locs := f.Locations
	if len(locs) > finding.MaxLocations {
		hf.MoreLocations = len(locs) - finding.MaxLocations
		locs = locs[:finding.MaxLocations]
	}
	for _, l := range locs {
		hf.Locations = append(hf.Locations, l.String())
	}
	return hf
}

// htmlStandards lists a rule's mappings, linking CWE entries to MITRE and
// MASVS controls to the OWASP MAS site.
func htmlStandards(s finding.Standards) []htmlStandard {
	var out []htmlStandard
	add := func(label string, items []htmlLink) {
		if len(items) > 0 {
			out = append(out, htmlStandard{Label: label, Items: items})
		}
	}
	var masvs, maswe, cwe, top10 []htmlLink
	for _, m := range s.MASVS {
		masvs = append(masvs, htmlLink{Text: m, URL: masvsURL(m)})
	}
	for _, m := range s.MASWE {
		maswe = append(maswe, htmlLink{Text: m})
	}
	for _, c := range s.CWE {
		cwe = append(cwe, htmlLink{Text: "CWE-" + strconv.Itoa(c), URL: cweURL(c)})
	}
	for _, m := range s.MobileTop10 {
		top10 = append(top10, htmlLink{Text: m + " (2024)"})
	}
	add("MASVS", masvs)
	add("MASWE", maswe)
	add("CWE", cwe)
	add("Mobile Top 10", top10)
	return out
}

// humanBytes prints a size in binary units: "3.4 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
