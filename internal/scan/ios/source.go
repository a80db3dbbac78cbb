package ios

import "github.com/bulwark-security/bulwark/internal/finding"

// plistChecks are the checks that read only Info.plist.
var plistChecks = []check{checkMinOS, checkURLSchemes, checkFileSharing, checkUsage, checkATS}

// AnalyzeInfoPlist runs the Info.plist checks on a property list of a
// source tree; path names it in locations. Searching its values for
// secrets is left to the caller's text scan.
func AnalyzeInfoPlist(path string, data []byte) ([]finding.Hit, error) {
	m, err := decodePlist(data)
	if err != nil {
		return nil, err
	}
	a := &App{Info: parseInfo(path, m)}
	var hits []finding.Hit
	for _, c := range plistChecks {
		hits = append(hits, c(a)...)
	}
	return hits, nil
}
