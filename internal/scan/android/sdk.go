package android

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

var versionText = regexp.MustCompile(`^[0-9][0-9A-Za-z.\-+]{0,31}$`)

func checkSDKs(a *App) []finding.Hit {
	var hits []finding.Hit
	natives := make(map[string]string) // file name → entry path
	for _, n := range a.Names {
		if strings.HasSuffix(n, ".so") {
			if _, ok := natives[path.Base(n)]; !ok {
				natives[path.Base(n)] = n
			}
		}
	}
	var classes []string
	if a.Code != nil {
		classes = a.Code.classes
	}
	for _, s := range appcontent.SDKs {
		var evidence []string
		var locs []finding.Location
		for _, prefix := range s.Classes {
			if c, ok := firstWithPrefix(classes, prefix); ok {
				evidence = append(evidence, javaName(c))
				locs = append(locs, finding.Location{Symbol: javaName(c)})
				break
			}
		}
		for _, lib := range s.Natives {
			if p, ok := natives[lib]; ok {
				evidence = append(evidence, p)
				locs = append(locs, finding.Location{Path: p})
			}
		}
		if len(evidence) == 0 {
			continue
		}
		rule := "privacy-tracker-sdk"
		if s.AI {
			rule = "ai-sdk-inventory"
		}
		props := map[string]string{"sdk": s.Name}
		msg := s.Name
		if v := a.sdkVersion(s); v != "" {
			props["version"] = v
			msg += " " + v
		}
		hits = append(hits, finding.Hit{Rule: rule, Key: s.Name, Message: msg, Evidence: strings.Join(evidence, ", "), Locations: locs, Props: props})
	}
	return hits
}

func firstWithPrefix(classes []string, prefix string) (string, bool) {
	for _, c := range classes {
		if strings.HasPrefix(c, prefix) {
			return c, true
		}
	}
	return "", false
}

// sdkVersion reads the version of an SDK from META-INF/*.version files.
func (a *App) sdkVersion(s appcontent.SDK) string {
	for _, want := range s.VersionFiles {
		for _, name := range sortedKeys(a.VersionFiles) {
			if v := a.VersionFiles[name]; strings.Contains(name, want) && versionText.MatchString(v) {
				return v
			}
		}
	}
	return ""
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkPinning reports an app with neither NSC pins nor a pinning API.
func checkPinning(a *App) []finding.Hit {
	if a.Manifest == nil || a.Code == nil {
		return nil
	}
	if a.Network.HasPins() {
		return nil
	}
	for _, c := range a.Code.calls {
		if c.API == "CertificatePinner.add" {
			return nil
		}
	}
	for _, c := range a.Code.classes {
		if strings.HasPrefix(c, "Lcom/datatheorem/android/trustkit/") {
			return nil
		}
	}
	msg := "no pin-set in the network security configuration and no pinning API in the code"
	if a.Network == nil {
		msg = "no network security configuration and no pinning API in the code"
	}
	return []finding.Hit{{Rule: "android-pinning-absent", Key: "pinning", Message: msg, Evidence: fmt.Sprintf("%d DEX files searched", len(a.Code.dexFiles)), Locations: manifestLoc("application", 0)}}
}
