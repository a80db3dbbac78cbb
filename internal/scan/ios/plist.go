package ios

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"howett.net/plist"
)

// maxPlist bounds a property list read into memory; Info.plist and
// privacy manifests are a few kilobytes.
const maxPlist = 8 << 20

// maxPlistDepth and maxPlistValues bound the walk of a decoded property
// list (a binary plist can make a deep or wide tree from few bytes).
const (
	maxPlistDepth  = 64
	maxPlistValues = 100_000
)

// errPlistTooLarge means a property list exceeds maxPlist.
var errPlistTooLarge = errors.New("property list too large")

// decodePlist decodes an XML, binary or OpenStep property list whose root
// is a dictionary.
func decodePlist(b []byte) (map[string]any, error) {
	if len(b) > maxPlist {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", errPlistTooLarge, len(b), maxPlist)
	}
	if err := checkBinaryPlist(b); err != nil {
		return nil, fmt.Errorf("decode property list: %w", err)
	}
	var v any
	if _, err := plist.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decode property list: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("decode property list: root is %T, want a dictionary", v)
	}
	if n := countValues(m, 0); n < 0 {
		return nil, fmt.Errorf("decode property list: deeper than %d levels or more than %d values", maxPlistDepth, maxPlistValues)
	}
	return m, nil
}

// countValues counts the values below v, or returns -1 past the bounds.
func countValues(v any, depth int) int {
	if depth > maxPlistDepth {
		return -1
	}
	n := 1
	add := func(c any) bool {
		k := countValues(c, depth+1)
		if k < 0 || n+k > maxPlistValues {
			return false
		}
		n += k
		return true
	}
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			if !add(c) {
				return -1
			}
		}
	case []any:
		for _, c := range x {
			if !add(c) {
				return -1
			}
		}
	}
	return n
}

// plistStrings calls fn for every string value of a property list with
// the path of keys that leads to it ("NSAppTransportSecurity.NSExceptionDomains.example.com").
func plistStrings(v any, path string, fn func(path, value string)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			plistStrings(x[k], p, fn)
		}
	case []any:
		for _, c := range x {
			plistStrings(c, path, fn)
		}
	case string:
		fn(path, x)
	}
}

// Typed reads of decoded plist values: a missing key or a value of another
// type reads as absent.

func dict(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

func str(m map[string]any, key string) string {
	v, _ := m[key].(string)
	return v
}

// boolean reads a boolean; plists written by hand sometimes hold "YES" or
// "true" strings, which iOS also accepts.
func boolean(m map[string]any, key string) (value, ok bool) {
	switch v := m[key].(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "yes", "true", "1":
			return true, true
		case "no", "false", "0":
			return false, true
		}
	case uint64:
		return v != 0, true
	case int64:
		return v != 0, true
	}
	return false, false
}

func list(m map[string]any, key string) []any {
	v, _ := m[key].([]any)
	return v
}

// Info holds the facts of an Info.plist that checks read.
type Info struct {
	Path             string
	BundleID         string
	Name             string
	Version          string // CFBundleShortVersionString
	Build            string // CFBundleVersion
	Executable       string
	MinimumOSVersion string
	ATS              ATS
	URLSchemes       []string
	// Usage maps each NS…UsageDescription key to its text.
	Usage       map[string]string
	FileSharing []string // the keys that share the Documents folder
	Raw         map[string]any
}

// ATS is the App Transport Security configuration.
type ATS struct {
	Present             bool
	ArbitraryLoads      bool
	ArbitraryWebContent bool
	ArbitraryMedia      bool
	Exceptions          []ATSException
	// PinnedDomains are the domains of NSPinnedDomains.
	PinnedDomains []string
}

// ATSException is one entry of NSExceptionDomains.
type ATSException struct {
	Domain             string
	IncludesSubdomains bool
	InsecureHTTP       bool
	MinimumTLS         string
	NoForwardSecrecy   bool
}

// parseInfo reads the facts of a decoded Info.plist.
func parseInfo(path string, m map[string]any) *Info {
	in := &Info{
		Path: path, Raw: m,
		BundleID:         str(m, "CFBundleIdentifier"),
		Name:             firstNonEmpty(str(m, "CFBundleDisplayName"), str(m, "CFBundleName")),
		Version:          str(m, "CFBundleShortVersionString"),
		Build:            str(m, "CFBundleVersion"),
		Executable:       str(m, "CFBundleExecutable"),
		MinimumOSVersion: firstNonEmpty(str(m, "MinimumOSVersion"), str(m, "LSMinimumSystemVersion")),
		Usage:            map[string]string{},
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, "NS") && strings.HasSuffix(k, "UsageDescription") {
			in.Usage[k] = fmt.Sprint(m[k])
		}
	}
	for _, k := range []string{"UIFileSharingEnabled", "LSSupportsOpeningDocumentsInPlace"} {
		if v, ok := boolean(m, k); ok && v {
			in.FileSharing = append(in.FileSharing, k)
		}
	}
	for _, t := range list(m, "CFBundleURLTypes") {
		td, _ := t.(map[string]any)
		for _, s := range list(td, "CFBundleURLSchemes") {
			if s, ok := s.(string); ok && s != "" && !slices.Contains(in.URLSchemes, s) {
				in.URLSchemes = append(in.URLSchemes, s)
			}
		}
	}
	if ats := dict(m, "NSAppTransportSecurity"); ats != nil {
		in.ATS.Present = true
		in.ATS.ArbitraryLoads, _ = boolean(ats, "NSAllowsArbitraryLoads")
		in.ATS.ArbitraryWebContent, _ = boolean(ats, "NSAllowsArbitraryLoadsInWebContent")
		in.ATS.ArbitraryMedia, _ = boolean(ats, "NSAllowsArbitraryLoadsForMedia")
		domains := dict(ats, "NSExceptionDomains")
		for _, d := range slices.Sorted(maps.Keys(domains)) {
			e, _ := domains[d].(map[string]any)
			ex := ATSException{Domain: d}
			ex.IncludesSubdomains, _ = boolean(e, "NSIncludesSubdomains")
			for _, k := range []string{"NSExceptionAllowsInsecureHTTPLoads", "NSTemporaryExceptionAllowsInsecureHTTPLoads", "NSThirdPartyExceptionAllowsInsecureHTTPLoads"} {
				if v, _ := boolean(e, k); v {
					ex.InsecureHTTP = true
				}
			}
			ex.MinimumTLS = firstNonEmpty(str(e, "NSExceptionMinimumTLSVersion"), str(e, "NSTemporaryExceptionMinimumTLSVersion"), str(e, "NSThirdPartyExceptionMinimumTLSVersion"))
			for _, k := range []string{"NSExceptionRequiresForwardSecrecy", "NSTemporaryExceptionRequiresForwardSecrecy", "NSThirdPartyExceptionRequiresForwardSecrecy"} {
				if v, ok := boolean(e, k); ok && !v {
					ex.NoForwardSecrecy = true
				}
			}
			in.ATS.Exceptions = append(in.ATS.Exceptions, ex)
		}
		in.ATS.PinnedDomains = slices.Sorted(maps.Keys(dict(ats, "NSPinnedDomains")))
	}
	return in
}

// weakTLS reports TLS versions below 1.2 as ATS spells them ("TLSv1.0").
func weakTLS(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "TLSV1.0", "TLSV1.1", "TLSV1", "SSLV3":
		return true
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Privacy is what a privacy manifest (PrivacyInfo.xcprivacy) declares.
type Privacy struct {
	Path            string
	Tracking        bool
	TrackingDomains []string
	// Reasons maps each declared required-reason API category to its
	// reason codes.
	Reasons map[string][]string
}

// parsePrivacy reads a decoded privacy manifest.
func parsePrivacy(path string, m map[string]any) *Privacy {
	p := &Privacy{Path: path, Reasons: map[string][]string{}}
	p.Tracking, _ = boolean(m, "NSPrivacyTracking")
	for _, d := range list(m, "NSPrivacyTrackingDomains") {
		if d, ok := d.(string); ok && d != "" {
			p.TrackingDomains = append(p.TrackingDomains, d)
		}
	}
	for _, t := range list(m, "NSPrivacyAccessedAPITypes") {
		td, _ := t.(map[string]any)
		cat := str(td, "NSPrivacyAccessedAPIType")
		if cat == "" {
			continue
		}
		var reasons []string
		for _, r := range list(td, "NSPrivacyAccessedAPITypeReasons") {
			if r, ok := r.(string); ok {
				reasons = append(reasons, r)
			}
		}
		p.Reasons[cat] = append(p.Reasons[cat], reasons...)
	}
	return p
}
