// Package rules is the catalogue of scanner rules: the data that turns what
// a check saw into a finding with a severity, a remediation and its place
// in OWASP MASVS v2, MASWE, CWE and the OWASP Mobile Top 10 2024.
package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-security/bulwark/internal/finding"
)

//go:embed rules.yaml
var builtin []byte

// Catalog is a validated set of rules, addressable by id and by name.
type Catalog struct {
	rules  []finding.Rule
	byName map[string]int
	byID   map[string]int
}

// Builtin returns the catalogue shipped with the binary.
func Builtin() (*Catalog, error) {
	return Parse(builtin)
}

// Parse decodes and validates a YAML rule list. Unknown keys are errors.
func Parse(data []byte) (*Catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var list []finding.Rule
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("decode rules: %w", err)
	}
	c := &Catalog{rules: list, byName: make(map[string]int), byID: make(map[string]int)}
	var errs []error
	for i, r := range list {
		if err := validate(r); err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%s): %w", i, r.ID, err))
			continue
		}
		if _, dup := c.byID[r.ID]; dup {
			errs = append(errs, fmt.Errorf("rule %s: duplicate id", r.ID))
		}
		if _, dup := c.byName[r.Name]; dup {
			errs = append(errs, fmt.Errorf("rule %s: duplicate name %q", r.ID, r.Name))
		}
		c.byID[r.ID], c.byName[r.Name] = i, i
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

var (
	idPattern    = regexp.MustCompile(`^BW[0-9]{4}$`)
	namePattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	masvsPattern = regexp.MustCompile(`^MASVS-(STORAGE-[12]|CRYPTO-[12]|AUTH-[123]|NETWORK-[12]|PLATFORM-[123]|CODE-[1-4]|RESILIENCE-[1-4]|PRIVACY-[1-4])$`)
	maswePattern = regexp.MustCompile(`^MASWE-00(0[1-9]|[1-6][0-9]|7[0-8])$`)
	top10Pattern = regexp.MustCompile(`^M([1-9]|10)$`)
	platforms    = []string{"android", "ios", "any"}
	categories   = []string{"manifest", "network", "ipc", "signing", "crypto", "webview", "storage", "code", "resilience", "native", "ai", "secrets", "privacy"}
)

func validate(r finding.Rule) error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(idPattern.MatchString(r.ID), "id %q: want BW followed by four digits", r.ID)
	check(namePattern.MatchString(r.Name), "name %q: want lower-case words joined by hyphens", r.Name)
	check(r.Title != "", "title: empty")
	check(strings.TrimSpace(r.Description) != "", "description: empty")
	check(strings.TrimSpace(r.Remediation) != "", "remediation: empty")
	check(slices.Contains(platforms, r.Platform), "platform %q: want one of %v", r.Platform, platforms)
	check(slices.Contains(categories, r.Category), "category %q: want one of %v", r.Category, categories)
	check(r.Kind == finding.KindWeakness || r.Kind == finding.KindProtection || r.Kind == finding.KindInventory, "kind %q: want weakness, protection or inventory", r.Kind)
	check(r.Kind == finding.KindWeakness || r.Severity == finding.SeverityInfo, "severity: %s rules must be info", r.Kind)
	for _, m := range r.MASVS {
		check(masvsPattern.MatchString(m), "masvs %q: not a MASVS v2 control", m)
	}
	for _, m := range r.MASWE {
		check(maswePattern.MatchString(m), "maswe %q: not a MASWE v1 id", m)
	}
	for _, m := range r.MobileTop10 {
		check(top10Pattern.MatchString(m), "mobile_top10 %q: want M1 to M10", m)
	}
	for _, c := range r.CWE {
		check(c > 0, "cwe %d: not a CWE number", c)
	}
	for _, u := range r.References {
		check(strings.HasPrefix(u, "https://"), "reference %q: want an https URL", u)
	}
	if r.Kind == finding.KindWeakness {
		check(len(r.MASVS) > 0, "masvs: a weakness needs at least one control")
		check(len(r.CWE) > 0, "cwe: a weakness needs at least one CWE")
		check(len(r.MobileTop10) > 0, "mobile_top10: a weakness needs at least one risk")
	}
	return errors.Join(errs...)
}

// All returns every rule in catalogue order.
func (c *Catalog) All() []finding.Rule { return slices.Clone(c.rules) }

// ByName returns the rule with that name.
func (c *Catalog) ByName(name string) (finding.Rule, bool) {
	i, ok := c.byName[name]
	if !ok {
		return finding.Rule{}, false
	}
	return c.rules[i], true
}

// ByID returns the rule with that id.
func (c *Catalog) ByID(id string) (finding.Rule, bool) {
	i, ok := c.byID[id]
	if !ok {
		return finding.Rule{}, false
	}
	return c.rules[i], true
}

// Resolve accepts a rule id or name (as written in configuration files and
// flags) and returns the rule.
func (c *Catalog) Resolve(ref string) (finding.Rule, bool) {
	if r, ok := c.ByID(strings.ToUpper(ref)); ok {
		return r, true
	}
	return c.ByName(strings.ToLower(ref))
}

// ErrUnknownRule is returned when a hit names a rule the catalogue lacks:
// a programming error caught by tests, reported rather than dropped.
var ErrUnknownRule = errors.New("unknown rule")

// Complete turns a check's hit into a finding of the rule it names.
func (c *Catalog) Complete(artifact string, h finding.Hit) (finding.Finding, error) {
	r, ok := c.ByName(h.Rule)
	if !ok {
		return finding.Finding{}, fmt.Errorf("%w %q", ErrUnknownRule, h.Rule)
	}
	locs := make([]finding.Location, 0, min(len(h.Locations), finding.MaxLocations))
	for _, l := range h.Locations {
		if len(locs) == finding.MaxLocations {
			break
		}
		l.Artifact = artifact
		locs = append(locs, l)
	}
	if len(locs) == 0 {
		locs = append(locs, finding.Location{Artifact: artifact})
	}
	msg := h.Message
	if msg == "" {
		msg = r.Title
	}
	sev := r.Severity
	if h.Severity != nil {
		sev = *h.Severity
	}
	return finding.Finding{
		RuleID:      r.ID,
		RuleName:    r.Name,
		Title:       r.Title,
		Category:    r.Category,
		Kind:        r.Kind,
		Severity:    sev,
		Confidence:  r.Confidence,
		Message:     msg,
		Evidence:    h.Evidence,
		Locations:   locs,
		Fingerprint: finding.Fingerprint(r.ID, h.Key),
		Properties:  h.Props,
		Standards:   r.Standards,
	}, nil
}
