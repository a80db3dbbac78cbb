package source

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/bulwark-security/bulwark/internal/androidres"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/android"
)

// gradleModule is what a module's build.gradle(.kts) says about the app.
type gradleModule struct {
	application, library bool
	minSDK, targetSDK    int // 0 when not found or not a number
	applicationID        string
	namespace            string
	versionCode          string
	versionName          string
}

var (
	gradleSDK     = regexp.MustCompile(`(?m)^[ \t]*(minSdk|minSdkVersion|targetSdk|targetSdkVersion)[ \t]*(?:=|\(|[ \t])[ \t]*(?:(\d+)|libs\.versions\.([A-Za-z0-9_.]+?)\.get\(\))`)
	gradleAppID   = regexp.MustCompile(`(?m)^[ \t]*(applicationId|namespace)[ \t]*=?[ \t]*\(?["']([A-Za-z0-9_.]+)["']`)
	gradleVerCode = regexp.MustCompile(`(?m)^[ \t]*versionCode[ \t]*=?[ \t]*(\d+)`)
	gradleVerName = regexp.MustCompile(`(?m)^[ \t]*versionName[ \t]*=?[ \t]*["']([^"'\n]{1,64})["']`)
)

// parseGradleModule reads the module facts of a build file; cat resolves
// libs.versions.* references.
func parseGradleModule(data []byte, cat Catalog) gradleModule {
	s := string(data)
	g := gradleModule{
		application: strings.Contains(s, "com.android.application") || strings.Contains(s, "plugins.android.application"),
		library:     strings.Contains(s, "com.android.library") || strings.Contains(s, "plugins.android.library"),
	}
	for _, m := range gradleSDK.FindAllStringSubmatch(s, -1) {
		v := m[2]
		if v == "" {
			v, _ = cat.version(m[3])
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 10_000 {
			continue
		}
		if strings.HasPrefix(m[1], "min") {
			g.minSDK = n
		} else {
			g.targetSDK = n
		}
	}
	ids := map[string]string{}
	for _, m := range gradleAppID.FindAllStringSubmatch(s, -1) {
		if ids[m[1]] == "" {
			ids[m[1]] = m[2]
		}
	}
	g.applicationID = firstNonEmpty(ids["applicationId"], ids["namespace"])
	g.namespace = ids["namespace"]
	if m := gradleVerCode.FindStringSubmatch(s); m != nil {
		g.versionCode = m[1]
	}
	if m := gradleVerName.FindStringSubmatch(s); m != nil {
		g.versionName = m[1]
	}
	return g
}

// manifestPlace splits a manifest path into its module directory and
// source set: "app/src/main/AndroidManifest.xml" is module "app", set
// "main"; a manifest outside src/ (the old Eclipse layout) is its
// directory's main set.
func manifestPlace(rel string) (module, set string) {
	dir := path.Dir(rel)
	parent, last := path.Split(dir)
	parent = strings.TrimSuffix(parent, "/")
	if path.Base(parent) == "src" {
		m := path.Dir(parent)
		if m == "." {
			m = ""
		}
		return m, last
	}
	if dir == "." {
		dir = ""
	}
	return dir, "main"
}

// testSourceSet reports source sets of tests, whose manifests never
// reach the app.
func testSourceSet(set string) bool {
	return strings.HasPrefix(set, "test") || strings.HasPrefix(set, "androidTest") || strings.Contains(set, "Test")
}

// explicitRules are the manifest rules that fire on what a manifest
// declares, not on defaults: the only ones that hold for a library
// module's or a build variant's manifest, which the build merges into the
// application's.
var explicitRules = map[string]bool{
	"android-debuggable": true, "android-test-only": true, "android-exported-component": true,
	"android-provider-grant-uri": true, "android-weak-custom-permission": true,
	"android-dangerous-permissions": true, "android-deep-link": true, "android-app-link-unverified": true,
}

// declared reports whether a hit rests on an explicit attribute.
func declared(h finding.Hit) bool {
	return explicitRules[h.Rule] || strings.HasPrefix(h.Rule, "android-nsc-") || strings.Contains(h.Evidence, `="true"`)
}

// android runs the manifest checks on every AndroidManifest.xml of the tree.
func (an *analysis) android() {
	var cat Catalog
	for _, f := range an.t.files {
		if path.Base(f.rel) == "libs.versions.toml" {
			if data, err := an.read(f.rel); err == nil {
				c := ParseCatalog(data)
				if cat.Versions == nil {
					cat = c
				}
			}
		}
	}
	for _, f := range an.t.files {
		if path.Base(f.rel) != "AndroidManifest.xml" {
			continue
		}
		module, set := manifestPlace(f.rel)
		if testSourceSet(set) {
			continue
		}
		an.manifest(f.rel, module, set, cat)
	}
}

// manifest analyzes one manifest of a module's source set.
func (an *analysis) manifest(rel, module, set string, cat Catalog) {
	data, err := an.read(rel)
	if err != nil {
		an.warnf(rel, "manifest not read: %v", err)
		return
	}
	doc, err := parseManifestBytes(data)
	if err != nil {
		an.warnf(rel, "manifest not decoded: %v", err)
		return
	}
	if doc.Root.Name != "manifest" {
		return
	}
	var g gradleModule
	haveBuild := false
	for _, name := range []string{"build.gradle", "build.gradle.kts"} {
		if b, err := an.read(path.Join(module, name)); err == nil {
			g = parseGradleModule(b, cat)
			haveBuild = true
			break
		}
	}
	if _, ok := doc.Root.Attr("", "package"); !ok && firstNonEmpty(g.namespace, g.applicationID) != "" {
		// AGP takes the package of class names from the namespace.
		pkg := firstNonEmpty(g.namespace, g.applicationID)
		doc.Root.Attrs = append(doc.Root.Attrs, androidres.Attr{Name: "package", Value: androidres.Value{Type: androidres.TypeString, Str: pkg}, Raw: pkg})
	}
	declMin, declTarget := addUsesSDK(doc, g.minSDK, g.targetSDK)
	nscDoc, nscRel := an.networkConfig(doc, rel, module, set)
	hits := android.AnalyzeManifest(doc, nscDoc, nscRel, an.opt.Now)
	app := set == "main" && (!haveBuild || g.application || !g.library)
	kept := hits[:0]
	for _, h := range hits {
		switch {
		case !app && !declared(h):
			continue
		case set == "debug" && h.Rule == "android-debuggable":
			continue // debug builds are debuggable by design
		case !declMin && (h.Rule == "android-min-sdk-outdated" || h.Rule == "android-task-hijacking"):
			continue // the level is unknown, not 1
		case !declTarget && (h.Rule == "android-target-sdk-outdated" || !declared(h) && (h.Rule == "android-backup-allowed" || h.Rule == "android-cleartext-traffic-allowed")):
			continue
		}
		for i := range h.Locations {
			if h.Locations[i].Path == "AndroidManifest.xml" {
				h.Locations[i].Path = rel
			}
		}
		kept = append(kept, h)
	}
	an.res.Hits = append(an.res.Hits, kept...)
	if !app {
		return
	}
	info := finding.AppInfo{Platform: "android", VersionCode: g.versionCode, VersionName: g.versionName, ID: g.applicationID}
	if a, ok := doc.Root.Attr("", "package"); ok && info.ID == "" {
		info.ID = a.Value.Str
	}
	for _, sdk := range doc.Root.ChildrenNamed("uses-sdk") {
		if n, err := strconv.Atoi(sdk.AndroidString("minSdkVersion")); err == nil {
			info.MinSDK = n
		}
		if n, err := strconv.Atoi(sdk.AndroidString("targetSdkVersion")); err == nil {
			info.TargetSDK = n
		}
	}
	if info.VersionCode == "" {
		info.VersionCode = doc.Root.AndroidString("versionCode")
	}
	if info.VersionName == "" {
		info.VersionName = doc.Root.AndroidString("versionName")
	}
	an.res.Apps = append(an.res.Apps, info)
}

// parseManifestBytes decodes a text manifest, or a binary one (an
// unpacked APK kept in the tree).
func parseManifestBytes(data []byte) (*androidres.Document, error) {
	if androidres.IsBinaryXML(data) {
		return androidres.ParseXML(data, androidres.XMLLimits{})
	}
	return ParseTextXML(data, XMLLimits{})
}

// addUsesSDK puts the Gradle levels into the manifest as the build does:
// into <uses-sdk>, created when absent, for the attributes the manifest
// does not set. It reports which levels are known at all.
func addUsesSDK(doc *androidres.Document, minSDK, targetSDK int) (haveMin, haveTarget bool) {
	var sdk *androidres.Element
	if s := doc.Root.ChildrenNamed("uses-sdk"); len(s) > 0 {
		sdk = s[0]
	}
	if sdk == nil {
		if minSDK == 0 && targetSDK == 0 {
			return false, false
		}
		sdk = &androidres.Element{Name: "uses-sdk"}
		doc.Root.Children = append([]*androidres.Element{sdk}, doc.Root.Children...)
	}
	set := func(name string, n int) bool {
		if _, ok := sdk.Android(name); ok {
			return true
		}
		if n == 0 {
			return false
		}
		v := strconv.Itoa(n)
		sdk.Attrs = append(sdk.Attrs, androidres.Attr{NS: androidres.AndroidNS, Name: name, Value: androidres.Value{Type: androidres.TypeString, Str: v}, Raw: v})
		return true
	}
	return set("minSdkVersion", minSDK), set("targetSdkVersion", targetSDK)
}

// networkConfig resolves android:networkSecurityConfig="@xml/x" to the
// res/xml/x.xml of the manifest's source set, or of the module's main set,
// and decodes it.
func (an *analysis) networkConfig(doc *androidres.Document, rel, module, set string) (*androidres.Document, string) {
	var ref string
	for _, app := range doc.Root.ChildrenNamed("application") {
		ref = app.AndroidString("networkSecurityConfig")
	}
	name, ok := strings.CutPrefix(ref, "@xml/")
	if !ok || name == "" || strings.ContainsAny(name, "/\\") {
		return nil, ""
	}
	candidates := []string{
		path.Join(path.Dir(rel), "res", "xml", name+".xml"),
		path.Join(module, "src", "main", "res", "xml", name+".xml"),
	}
	if set != "main" {
		candidates = append(candidates, path.Join(module, "src", set, "res", "xml", name+".xml"))
	}
	for _, c := range candidates {
		if _, ok := an.t.sizes[c]; !ok {
			continue
		}
		data, err := an.read(c)
		if err == nil {
			var d *androidres.Document
			if d, err = parseManifestBytes(data); err == nil {
				return d, c
			}
		}
		an.warnf(c, "network security configuration not decoded: %v", err)
		return nil, ""
	}
	an.warnf(rel, "networkSecurityConfig %s not found in the module's res/xml", ref)
	return nil, ""
}
