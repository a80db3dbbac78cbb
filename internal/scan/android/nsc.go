package android

import (
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/androidres"
)

// NetworkConfig is a parsed network security configuration
// (res/xml/…, referenced by android:networkSecurityConfig).
type NetworkConfig struct {
	Path    string
	Base    *DomainConfig // nil when absent
	Domains []DomainConfig
	// Debug holds the debug-overrides trust anchors, when present.
	Debug *DomainConfig
}

// DomainConfig is a base-config, domain-config or debug-overrides element.
type DomainConfig struct {
	Domains []string
	// Cleartext is the cleartextTrafficPermitted attribute, nil if absent.
	Cleartext *bool
	Anchors   []TrustAnchor
	Pins      *PinSet
	Line      int
}

// TrustAnchor is one <certificates> element.
type TrustAnchor struct {
	Src          string // system, user, or a raw resource
	OverridePins bool
}

// PinSet is a <pin-set>.
type PinSet struct {
	Pins       int
	Expiration time.Time // zero when absent
	RawExpiry  string
}

// parseNetworkConfig reads a decoded network security configuration.
func parseNetworkConfig(path string, doc *androidres.Document, table *androidres.Table) *NetworkConfig {
	nc := &NetworkConfig{Path: path}
	for _, e := range doc.Root.Children {
		switch e.Name {
		case "base-config":
			d := parseDomainConfig(e, table)
			nc.Base = &d
		case "domain-config":
			nc.Domains = append(nc.Domains, flattenDomainConfigs(e, table, nil)...)
		case "debug-overrides":
			d := parseDomainConfig(e, table)
			nc.Debug = &d
		}
	}
	return nc
}

// flattenDomainConfigs returns a domain-config and its nested ones; nested
// configs inherit unset attributes from their parent, as on the platform.
func flattenDomainConfigs(e *androidres.Element, table *androidres.Table, parent *DomainConfig) []DomainConfig {
	d := parseDomainConfig(e, table)
	if parent != nil {
		if d.Cleartext == nil {
			d.Cleartext = parent.Cleartext
		}
		if d.Anchors == nil {
			d.Anchors = parent.Anchors
		}
		if d.Pins == nil {
			d.Pins = parent.Pins
		}
	}
	out := []DomainConfig{d}
	for _, c := range e.ChildrenNamed("domain-config") {
		out = append(out, flattenDomainConfigs(c, table, &d)...)
	}
	return out
}

func parseDomainConfig(e *androidres.Element, table *androidres.Table) DomainConfig {
	d := DomainConfig{Line: e.Line}
	if a, ok := e.Attr("", "cleartextTrafficPermitted"); ok {
		v, _ := resolve(a.Value, table)
		if b, ok := v.Bool(); ok {
			d.Cleartext = &b
		}
	}
	for _, c := range e.Children {
		switch c.Name {
		case "domain":
			if name := strings.TrimSpace(c.Text); name != "" {
				d.Domains = append(d.Domains, name)
			}
		case "trust-anchors":
			d.Anchors = []TrustAnchor{}
			for _, cert := range c.ChildrenNamed("certificates") {
				var ta TrustAnchor
				if a, ok := cert.Attr("", "src"); ok {
					v, _ := resolve(a.Value, table)
					ta.Src = v.String()
				}
				if a, ok := cert.Attr("", "overridePins"); ok {
					v, _ := resolve(a.Value, table)
					ta.OverridePins, _ = v.Bool()
				}
				d.Anchors = append(d.Anchors, ta)
			}
		case "pin-set":
			ps := &PinSet{Pins: len(c.ChildrenNamed("pin"))}
			if a, ok := c.Attr("", "expiration"); ok {
				ps.RawExpiry = a.Value.String()
				if t, err := time.Parse("2006-01-02", ps.RawExpiry); err == nil {
					ps.Expiration = t
				}
			}
			d.Pins = ps
		}
	}
	return d
}

// trustsUser reports whether the anchors include user-installed CAs.
func (d DomainConfig) trustsUser() bool {
	for _, a := range d.Anchors {
		if a.Src == "user" {
			return true
		}
	}
	return false
}

// HasPins reports whether any domain is pinned.
func (nc *NetworkConfig) HasPins() bool {
	if nc == nil {
		return false
	}
	if nc.Base != nil && nc.Base.Pins != nil && nc.Base.Pins.Pins > 0 {
		return true
	}
	for _, d := range nc.Domains {
		if d.Pins != nil && d.Pins.Pins > 0 {
			return true
		}
	}
	return false
}
