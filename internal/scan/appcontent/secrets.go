package appcontent

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// Sighting is one secret seen somewhere in a package.
type Sighting struct {
	Match detect.Match
	Loc   finding.Location
}

// RuleForSecret maps a detector's category and tier to a rule.
func RuleForSecret(m detect.Match) (string, bool) {
	switch m.Category {
	case detect.CategoryAIKey:
		if m.Tier == detect.TierExact {
			return "ai-provider-key", true
		}
		return "ai-provider-key-contextual", true
	case detect.CategoryCloudKey, detect.CategoryPrivateKey:
		return "secret-service-credential", true
	case detect.CategoryPublicKey:
		return "secret-google-api-key", m.Detector == "google-api-key"
	case detect.CategoryCredential:
		return "secret-hardcoded-credential", true
	}
	return "", false
}

// AddSecrets adds a hit per distinct secret to g, each with every place
// it was seen. The evidence is masked and carries the secret's digest.
func AddSecrets(g *Group, sightings []Sighting) {
	for _, s := range sightings {
		rule, ok := RuleForSecret(s.Match)
		if !ok {
			continue
		}
		m := s.Match
		what := m.Provider
		if what == "" {
			what = "credential"
		}
		var msg string
		switch rule {
		case "ai-provider-key":
			msg = fmt.Sprintf("%s API key (%s)", what, m.Detector)
		case "ai-provider-key-contextual":
			msg = fmt.Sprintf("token next to %s code, probably its API key", what)
		case "secret-hardcoded-credential":
			msg = "credential written as a label and value"
		default:
			msg = fmt.Sprintf("%s credential (%s)", what, m.Detector)
		}
		h := g.Add(rule, m.Detector+":"+m.Digest(), msg, m.Masked()+" sha256:"+m.Digest(), s.Loc)
		if h.Props == nil {
			h.Props = map[string]string{"detector": m.Detector, "provider": m.Provider, "tier": m.Tier.String()}
		}
	}
}

// SecretHits is AddSecrets on a group of its own.
func SecretHits(sightings []Sighting) []finding.Hit {
	g := NewGroup()
	AddSecrets(g, sightings)
	return g.List()
}

// ScanText searches a text file's content for secrets in overlapping
// chunks, each sighting located by line.
func ScanText(s *detect.Secrets, name string, data []byte) []Sighting {
	var out []Sighting
	const chunk, overlap = detect.MaxText, 4 << 10
	for start := 0; start < len(data); start += chunk - overlap {
		end := min(start+chunk, len(data))
		for _, m := range s.Find(string(data[start:end]), detect.Context{}) {
			if start > 0 && m.Start < overlap {
				continue // seen in the previous chunk
			}
			line := 1 + bytes.Count(data[:start+m.Start], []byte("\n"))
			out = append(out, Sighting{Match: m, Loc: finding.Location{Path: name, Line: line}})
		}
		if end == len(data) {
			break
		}
	}
	return out
}

// ScanStrings searches the strings extracted from a binary (a native
// library, a JS bundle, an assembly) for secrets; every sighting is at
// loc. Strings are searched in batches joined by newlines, so that a
// detector's context words on a neighbouring string count.
func ScanStrings(s *detect.Secrets, strs []string, loc finding.Location) []Sighting {
	var out []Sighting
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		for _, m := range s.Find(b.String(), detect.Context{}) {
			out = append(out, Sighting{Match: m, Loc: loc})
		}
		b.Reset()
	}
	for _, str := range strs {
		if b.Len()+len(str)+1 > detect.MaxText {
			flush()
		}
		if len(str) >= detect.MaxText {
			str = str[:detect.MaxText-1]
		}
		b.WriteString(str)
		b.WriteByte('\n')
	}
	flush()
	return out
}
