package source

import (
	"path"
	"regexp"
	"strings"

	"howett.net/plist"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/ios"
)

// bundleDirs are directories of built or vendored bundles: their
// Info.plist is not a target of the project.
var bundleDirs = []string{".app/", ".framework/", ".xcframework/", ".bundle/", ".appex/", ".xctest/"}

var (
	pbxBundleID = regexp.MustCompile(`PRODUCT_BUNDLE_IDENTIFIER = "?([A-Za-z0-9.\-]+)"?;`)
	pbxMinOS    = regexp.MustCompile(`IPHONEOS_DEPLOYMENT_TARGET = "?([0-9.]+)"?;`)
)

// ios runs the Info.plist checks on the Info.plist of every target of the
// tree. A PrivacyInfo.xcprivacy is searched for secrets like any property
// list; its absence is left to the built app's check, which knows what
// the app links.
func (an *analysis) ios() {
	var pbx []byte
	for _, f := range an.t.files {
		if strings.HasSuffix(f.rel, ".xcodeproj/project.pbxproj") && !isTestPath(f.rel) {
			if data, err := an.read(f.rel); err == nil && pbx == nil {
				pbx = data
			}
		}
	}
	for _, f := range an.t.files {
		if path.Base(f.rel) != "Info.plist" || isTestPath(f.rel) || inBundle(f.rel) {
			continue
		}
		data, err := an.read(f.rel)
		if err != nil {
			an.warnf(f.rel, "property list not read: %v", err)
			continue
		}
		var info struct {
			ID          string `plist:"CFBundleIdentifier"`
			PackageType string `plist:"CFBundlePackageType"`
			Version     string `plist:"CFBundleShortVersionString"`
			Build       string `plist:"CFBundleVersion"`
			MinOS       string `plist:"MinimumOSVersion"`
		}
		if _, err := plist.Unmarshal(data, &info); err != nil {
			an.warnf(f.rel, "property list not decoded: %v", err)
			continue
		}
		if info.PackageType == "FMWK" || info.PackageType == "BNDL" {
			continue // a framework's or a test bundle's
		}
		hits, err := ios.AnalyzeInfoPlist(f.rel, data)
		if err != nil {
			an.warnf(f.rel, "property list not analyzed: %v", err)
			continue
		}
		an.res.Hits = append(an.res.Hits, hits...)
		app := finding.AppInfo{Platform: "ios", ID: resolved(info.ID), VersionName: resolved(info.Version), VersionCode: resolved(info.Build), MinOS: resolved(info.MinOS)}
		if app.ID == "" && pbx != nil {
			if m := pbxBundleID.FindSubmatch(pbx); m != nil {
				app.ID = string(m[1])
			}
		}
		if app.MinOS == "" && pbx != nil {
			if m := pbxMinOS.FindSubmatch(pbx); m != nil {
				app.MinOS = string(m[1])
			}
		}
		an.res.Apps = append(an.res.Apps, app)
	}
}

// resolved drops values that are build-setting references ("$(…)").
func resolved(s string) string {
	if strings.Contains(s, "$(") || strings.Contains(s, "${") {
		return ""
	}
	return s
}

func inBundle(rel string) bool {
	for _, b := range bundleDirs {
		if strings.Contains(rel, b) {
			return true
		}
	}
	return false
}
