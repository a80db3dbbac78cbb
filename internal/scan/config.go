package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/rules"
)

// DefaultConfigFile is the name of the scan configuration read from the
// working directory when no file is named.
const DefaultConfigFile = ".bulwark.yaml"

// Config is the scan configuration of a project (.bulwark.yaml). Every
// exception must say why it exists.
type Config struct {
	Version int `yaml:"version"`
	Scan    struct {
		// FailOn sets the default of --fail-on.
		FailOn string `yaml:"fail_on"`
		// Disable turns rules off.
		Disable []RuleException `yaml:"disable"`
		// IgnorePaths drops findings located in matching package entries.
		IgnorePaths []PathException `yaml:"ignore_paths"`
		// Severity overrides the catalogue severity of rules.
		Severity map[string]string `yaml:"severity"`
	} `yaml:"scan"`
}

// RuleException disables one rule.
type RuleException struct {
	Rule   string `yaml:"rule"`
	Reason string `yaml:"reason"`
}

// PathException ignores findings in entries matching a glob ("**" matches
// any number of path elements).
type PathException struct {
	Path   string `yaml:"path"`
	Reason string `yaml:"reason"`
}

// ParseConfig decodes a configuration strictly: unknown keys are errors.
func ParseConfig(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	var c Config
	if len(bytes.TrimSpace(data)) == 0 {
		return &c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &c, nil
}

// LoadConfig reads a configuration file. A missing default file is not an
// error; a missing named file is.
func LoadConfig(name string, named bool) (*Config, error) {
	f, err := os.Open(name)
	if err != nil {
		if !named && errors.Is(err, os.ErrNotExist) {
			return &Config{}, nil
		}
		return nil, err
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Validate checks every field against the catalogue, without side effects.
// Errors name the field.
func (c *Config) Validate(cat *rules.Catalog) error {
	var errs []error
	if c.Version != 0 && c.Version != 1 {
		errs = append(errs, fmt.Errorf("version: %d is not supported (want 1)", c.Version))
	}
	if c.Scan.FailOn != "" {
		if _, err := finding.ParseSeverity(c.Scan.FailOn); err != nil {
			errs = append(errs, fmt.Errorf("scan.fail_on: %w", err))
		}
	}
	for i, d := range c.Scan.Disable {
		if _, ok := cat.Resolve(d.Rule); !ok {
			errs = append(errs, fmt.Errorf("scan.disable[%d].rule: unknown rule %q", i, d.Rule))
		}
		if strings.TrimSpace(d.Reason) == "" {
			errs = append(errs, fmt.Errorf("scan.disable[%d].reason: say why %s is disabled", i, d.Rule))
		}
	}
	for i, p := range c.Scan.IgnorePaths {
		if _, err := path.Match(strings.ReplaceAll(p.Path, "**", "*"), ""); err != nil || p.Path == "" {
			errs = append(errs, fmt.Errorf("scan.ignore_paths[%d].path: invalid pattern %q", i, p.Path))
		}
		if strings.TrimSpace(p.Reason) == "" {
			errs = append(errs, fmt.Errorf("scan.ignore_paths[%d].reason: say why %s is ignored", i, p.Path))
		}
	}
	for ref, sev := range c.Scan.Severity {
		if _, ok := cat.Resolve(ref); !ok {
			errs = append(errs, fmt.Errorf("scan.severity.%s: unknown rule", ref))
		}
		if _, err := finding.ParseSeverity(sev); err != nil {
			errs = append(errs, fmt.Errorf("scan.severity.%s: %w", ref, err))
		}
	}
	return errors.Join(errs...)
}

// policy is a validated configuration ready to apply to findings.
type policy struct {
	disabled map[string]bool // rule ids
	ignore   []string
	severity map[string]finding.Severity // rule id → severity
}

func newPolicy(c *Config, cat *rules.Catalog) policy {
	p := policy{disabled: map[string]bool{}, severity: map[string]finding.Severity{}}
	if c == nil {
		return p
	}
	for _, d := range c.Scan.Disable {
		if r, ok := cat.Resolve(d.Rule); ok {
			p.disabled[r.ID] = true
		}
	}
	for _, i := range c.Scan.IgnorePaths {
		p.ignore = append(p.ignore, i.Path)
	}
	for ref, s := range c.Scan.Severity {
		r, ok1 := cat.Resolve(ref)
		sev, err := finding.ParseSeverity(s)
		if ok1 && err == nil {
			p.severity[r.ID] = sev
		}
	}
	return p
}

// suppresses reports whether configuration removes a finding.
func (p policy) suppresses(f finding.Finding) bool {
	if p.disabled[f.RuleID] {
		return true
	}
	if len(p.ignore) == 0 || len(f.Locations) == 0 {
		return false
	}
	for _, l := range f.Locations {
		matched := false
		for _, g := range p.ignore {
			if l.Path != "" && globMatch(g, l.Path) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

// globMatch matches slash-separated paths; "**" spans any number of
// elements, other wildcards follow path.Match within one element.
func globMatch(pattern, name string) bool {
	return matchParts(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			if len(pat) == 1 {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if matchParts(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
