package android

import (
	"time"

	"github.com/bulwark-security/bulwark/internal/androidres"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// manifestChecks are the checks that read only the manifest and the
// network security configuration: those that apply to a source tree.
var manifestChecks = []check{
	checkDebuggable, checkBackup, checkCleartextAllowed, checkTestOnly, checkSDKLevels,
	checkExportedComponents, checkProviderGrants, checkTaskHijacking, checkCustomPermissions,
	checkDangerousPermissions, checkDeepLinks, checkNetworkConfig,
}

// AnalyzeManifest runs the manifest and network security configuration
// checks on documents decoded from a source tree (text XML converted to
// Documents). nsc may be nil; nscPath names it in locations.
func AnalyzeManifest(doc, nsc *androidres.Document, nscPath string, now time.Time) []finding.Hit {
	if doc == nil || doc.Root == nil {
		return nil
	}
	a := &App{Now: now, Manifest: parseManifest(doc, nil)}
	if nsc != nil && nsc.Root != nil {
		a.Network = parseNetworkConfig(nscPath, nsc, nil)
	}
	var hits []finding.Hit
	for _, c := range manifestChecks {
		hits = append(hits, c(a)...)
	}
	return hits
}
