// Package finding defines what the scanner reports: rules and their
// standard mappings, severities, findings with masked evidence and stable
// fingerprints, and the report that carries them to the writers.
package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Severity orders findings by how much harm the weakness allows.
type Severity uint8

// Severities, from least to most severe. The zero value is SeverityInfo.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// ParseSeverity reads a severity name as written in rules, flags and config.
func ParseSeverity(name string) (Severity, error) {
	i := slices.Index(severityNames[:], strings.ToLower(strings.TrimSpace(name)))
	if i < 0 {
		return 0, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
	}
	return Severity(i), nil
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Confidence says how likely a finding of a rule is a true positive.
type Confidence uint8

// Confidence levels. The zero value is ConfidenceLow.
const (
	ConfidenceLow Confidence = iota
	ConfidenceMedium
	ConfidenceHigh
)

var confidenceNames = [...]string{"low", "medium", "high"}

func (c Confidence) String() string {
	if int(c) < len(confidenceNames) {
		return confidenceNames[c]
	}
	return fmt.Sprintf("confidence(%d)", uint8(c))
}

// ParseConfidence reads a confidence name.
func ParseConfidence(name string) (Confidence, error) {
	i := slices.Index(confidenceNames[:], strings.ToLower(strings.TrimSpace(name)))
	if i < 0 {
		return 0, fmt.Errorf("unknown confidence %q (want one of %s)", name, strings.Join(confidenceNames[:], ", "))
	}
	return Confidence(i), nil
}

// MarshalText implements encoding.TextMarshaler.
func (c Confidence) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Confidence) UnmarshalText(b []byte) error {
	v, err := ParseConfidence(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Kind separates weaknesses from what a scan reports for information.
type Kind string

// Kinds of rules.
const (
	// KindWeakness is a problem to fix.
	KindWeakness Kind = "weakness"
	// KindProtection reports a defence that is present (a positive finding).
	KindProtection Kind = "protection"
	// KindInventory lists what the artifact contains (SDKs, models, permissions).
	KindInventory Kind = "inventory"
)

// Standards maps a rule to the public catalogues a security team reports against.
type Standards struct {
	// MASVS lists OWASP MASVS v2 controls, e.g. "MASVS-STORAGE-2".
	MASVS []string `yaml:"masvs" json:"masvs,omitempty"`
	// MASWE lists OWASP Mobile Application Security Weakness Enumeration ids, e.g. "MASWE-0005".
	MASWE []string `yaml:"maswe" json:"maswe,omitempty"`
	// CWE lists CWE numbers.
	CWE []int `yaml:"cwe" json:"cwe,omitempty"`
	// MobileTop10 lists OWASP Mobile Top 10 2024 risks, e.g. "M8".
	MobileTop10 []string `yaml:"mobile_top10" json:"mobileTop10,omitempty"`
}

// Rule is one entry of the rule catalogue: what is detected, why it matters
// and how to fix it. Rules are data; the checks that raise them live with the
// analyzers.
type Rule struct {
	ID          string     `yaml:"id" json:"id"`
	Name        string     `yaml:"name" json:"name"`
	Title       string     `yaml:"title" json:"title"`
	Platform    string     `yaml:"platform" json:"platform"`
	Category    string     `yaml:"category" json:"category"`
	Kind        Kind       `yaml:"kind" json:"kind"`
	Severity    Severity   `yaml:"severity" json:"severity"`
	Confidence  Confidence `yaml:"confidence" json:"confidence"`
	Description string     `yaml:"description" json:"description"`
	Remediation string     `yaml:"remediation" json:"remediation"`
	References  []string   `yaml:"references" json:"references,omitempty"`
	Standards   `yaml:",inline" json:"standards"`
}

// Location points at where a finding was seen.
type Location struct {
	// Artifact is the scanned file as the user named it.
	Artifact string `json:"artifact"`
	// Path is the entry inside the artifact (e.g. "AndroidManifest.xml",
	// "classes2.dex", "lib/arm64-v8a/libfoo.so"); empty for the artifact itself.
	Path string `json:"path,omitempty"`
	// Line is a 1-based line in Path when the format has lines.
	Line int `json:"line,omitempty"`
	// Symbol names the component, class, method or section involved.
	Symbol string `json:"symbol,omitempty"`
}

func (l Location) String() string {
	var b strings.Builder
	b.WriteString(l.Artifact)
	if l.Path != "" {
		b.WriteString("!")
		b.WriteString(l.Path)
	}
	if l.Line > 0 {
		fmt.Fprintf(&b, ":%d", l.Line)
	}
	if l.Symbol != "" {
		b.WriteString(" (")
		b.WriteString(l.Symbol)
		b.WriteString(")")
	}
	return b.String()
}

// MaxLocations bounds how many locations one finding carries; SARIF
// consumers such as GitHub code scanning reject more than ten.
const MaxLocations = 10

// Finding is one occurrence of a rule in a scanned artifact.
type Finding struct {
	RuleID     string     `json:"ruleId"`
	RuleName   string     `json:"ruleName"`
	Title      string     `json:"title"`
	Category   string     `json:"category"`
	Kind       Kind       `json:"kind"`
	Severity   Severity   `json:"severity"`
	Confidence Confidence `json:"confidence"`
	// Message says what was found in this occurrence.
	Message string `json:"message"`
	// Evidence is a short excerpt; secrets in it are always masked.
	Evidence  string     `json:"evidence,omitempty"`
	Locations []Location `json:"locations"`
	// Fingerprint identifies this occurrence across builds: it depends on
	// the rule and on what was found, never on where the artifact lies.
	Fingerprint string `json:"fingerprint"`
	// Properties carries facts specific to the rule (a model's format and
	// digest, an SDK's version), as stable keys.
	Properties map[string]string `json:"properties,omitempty"`
	Standards  Standards         `json:"standards"`
}

// Fingerprint derives a stable identifier from a rule id and the identity of
// what was found (a component name, a key's digest, a file path inside the
// package). It is a hex string of 32 characters.
func Fingerprint(ruleID, key string) string {
	sum := sha256.Sum256([]byte(ruleID + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// Compare orders findings for stable output: most severe first, then rule id,
// then first location, then fingerprint.
func Compare(a, b Finding) int {
	if a.Severity != b.Severity {
		if a.Severity > b.Severity {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
		return c
	}
	if c := strings.Compare(firstLocation(a), firstLocation(b)); c != 0 {
		return c
	}
	return strings.Compare(a.Fingerprint, b.Fingerprint)
}

func firstLocation(f Finding) string {
	if len(f.Locations) == 0 {
		return ""
	}
	return f.Locations[0].String()
}

// Hit is what a check reports before the rule catalogue completes it into a
// Finding: the rule it raises, and the facts of this occurrence.
type Hit struct {
	// Rule is the rule's name (e.g. "android-debuggable").
	Rule string
	// Key identifies the occurrence for its fingerprint: a component name,
	// a secret's digest, an entry path; never the artifact's own path.
	Key string
	// Message says what was found; empty means the rule's title.
	Message string
	// Evidence is a short excerpt, with secrets already masked.
	Evidence string
	// Locations are filled in with the artifact by the scanner.
	Locations []Location
	Props     map[string]string
	// Severity, when set, replaces the rule's default for this occurrence
	// (a launcher activity is exported by design: it is reported, but
	// below the level that fails a build).
	Severity *Severity
}
