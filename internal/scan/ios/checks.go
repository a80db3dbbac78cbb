package ios

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/macho"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// minSupportedMajor is the oldest major iOS release that still receives
// security updates from Apple (see docs/rules.md, ios-min-os-outdated).
const minSupportedMajor = 16

func infoLoc(a *App, key string) []finding.Location {
	return []finding.Location{{Path: a.Info.Path, Symbol: key}}
}

func checkMinOS(a *App) []finding.Hit {
	if a.Info == nil || a.Info.MinimumOSVersion == "" {
		return nil
	}
	v := a.Info.MinimumOSVersion
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil || major >= minSupportedMajor {
		return nil
	}
	return []finding.Hit{{Rule: "ios-min-os-outdated", Key: "min-os",
		Message:  fmt.Sprintf("MinimumOSVersion %s: installs on iOS releases older than %d, which no longer get security updates", v, minSupportedMajor),
		Evidence: "MinimumOSVersion=" + v, Locations: infoLoc(a, "MinimumOSVersion"), Props: map[string]string{"minimum_os": v}}}
}

func checkURLSchemes(a *App) []finding.Hit {
	if a.Info == nil {
		return nil
	}
	var hits []finding.Hit
	for _, s := range a.Info.URLSchemes {
		hits = append(hits, finding.Hit{Rule: "ios-url-scheme", Key: s, Message: "handles " + s + ":// links",
			Evidence: "CFBundleURLSchemes: " + s, Locations: infoLoc(a, "CFBundleURLTypes")})
	}
	return hits
}

func checkFileSharing(a *App) []finding.Hit {
	if a.Info == nil || len(a.Info.FileSharing) == 0 {
		return nil
	}
	keys := strings.Join(a.Info.FileSharing, ", ")
	return []finding.Hit{{Rule: "ios-file-sharing-enabled", Key: "file-sharing", Message: keys + " set: the Documents folder is visible outside the app",
		Evidence: keys + " = true", Locations: infoLoc(a, a.Info.FileSharing[0])}}
}

func checkUsage(a *App) []finding.Hit {
	if a.Info == nil || len(a.Info.Usage) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(a.Info.Usage))
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = strings.TrimSuffix(strings.TrimPrefix(k, "NS"), "UsageDescription")
	}
	return []finding.Hit{{Rule: "ios-usage-descriptions", Key: "usage", Message: fmt.Sprintf("%d protected resources: %s", len(keys), strings.Join(names, ", ")),
		Evidence: strings.Join(keys, ", "), Locations: infoLoc(a, keys[0]), Props: map[string]string{"count": strconv.Itoa(len(keys))}}}
}

// checkEntitlements reports development entitlements in the signatures of
// the app's own executables.
func checkEntitlements(a *App) []finding.Hit {
	g := appcontent.NewGroup()
	for _, b := range a.Binaries {
		arch := b.Arch()
		if arch == nil || b.Role == "framework" {
			continue
		}
		if v, ok := arch.Entitlements["get-task-allow"].(bool); ok && v {
			g.Add("ios-get-task-allow", "get-task-allow", "the signature allows debuggers to attach (get-task-allow = true)",
				"get-task-allow = true", finding.Location{Path: b.Path, Symbol: "entitlements"})
		}
	}
	return g.List()
}

func checkATS(a *App) []finding.Hit {
	if a.Info == nil || !a.Info.ATS.Present {
		return nil
	}
	ats := a.Info.ATS
	loc := infoLoc(a, "NSAppTransportSecurity")
	var hits []finding.Hit
	if ats.ArbitraryLoads {
		hits = append(hits, finding.Hit{Rule: "ios-ats-arbitrary-loads", Key: "arbitrary-loads",
			Message: "NSAllowsArbitraryLoads = true: plain HTTP is allowed to every domain", Evidence: "NSAllowsArbitraryLoads = true", Locations: loc})
	}
	for _, k := range []struct {
		on   bool
		key  string
		what string
	}{{ats.ArbitraryWebContent, "NSAllowsArbitraryLoadsInWebContent", "web views"}, {ats.ArbitraryMedia, "NSAllowsArbitraryLoadsForMedia", "media"}} {
		if k.on {
			hits = append(hits, finding.Hit{Rule: "ios-ats-arbitrary-loads-web-media", Key: k.key,
				Message: k.key + " = true: " + k.what + " may load plain HTTP", Evidence: k.key + " = true", Locations: loc})
		}
	}
	for _, e := range ats.Exceptions {
		scope := e.Domain
		if e.IncludesSubdomains {
			scope += " and its subdomains"
		}
		eloc := infoLoc(a, "NSAppTransportSecurity.NSExceptionDomains."+e.Domain)
		if e.InsecureHTTP {
			hits = append(hits, finding.Hit{Rule: "ios-ats-insecure-http-exception", Key: e.Domain,
				Message: "plain HTTP allowed to " + scope, Evidence: e.Domain + ": AllowsInsecureHTTPLoads = true", Locations: eloc})
		}
		if weakTLS(e.MinimumTLS) {
			hits = append(hits, finding.Hit{Rule: "ios-ats-weak-tls", Key: e.Domain + ":tls",
				Message: fmt.Sprintf("%s accepted for %s", e.MinimumTLS, scope), Evidence: e.Domain + ": MinimumTLSVersion = " + e.MinimumTLS, Locations: eloc})
		}
		if e.NoForwardSecrecy {
			hits = append(hits, finding.Hit{Rule: "ios-ats-weak-tls", Key: e.Domain + ":pfs",
				Message: "forward secrecy not required for " + scope, Evidence: e.Domain + ": RequiresForwardSecrecy = false", Locations: eloc})
		}
	}
	return hits
}

// pinningMarkers are strings and library names of pinning libraries and
// APIs in iOS binaries.
var pinningMarkers = []string{
	"TrustKit", "TSKPinningValidator", "kTSKPublicKeyHashes",
	"PinnedCertificatesTrustEvaluator", "PublicKeysTrustEvaluator", "ServerTrustManager",
	"AFSSLPinningMode", "SSLPinningMode", "pinnedCertificates", "pinnedPublicKeys",
	"SecTrustCopyPublicKey", "SecCertificateCopyData",
}

func checkPinning(a *App) []finding.Hit {
	if a.Info == nil {
		return nil
	}
	if d := a.Info.ATS.PinnedDomains; len(d) > 0 {
		return []finding.Hit{{Rule: "ios-pinning-configured", Key: "pinned-domains", Message: "NSPinnedDomains pins " + strings.Join(d, ", "),
			Evidence: "NSPinnedDomains", Locations: infoLoc(a, "NSAppTransportSecurity.NSPinnedDomains")}}
	}
	if len(a.Binaries) == 0 {
		return nil
	}
	for _, b := range a.Binaries {
		arch := b.Arch()
		if arch == nil {
			continue
		}
		if m, ok := findMarker(arch, pinningMarkers); ok {
			return []finding.Hit{{Rule: "ios-pinning-configured", Key: "pinning-code", Message: path.Base(b.Path) + " uses a pinning library or API (" + m + ")",
				Evidence: m, Locations: []finding.Location{{Path: b.Path}}}}
		}
	}
	return []finding.Hit{{Rule: "ios-pinning-absent", Key: "pinning", Message: "no NSPinnedDomains and no pinning library or API in the binaries",
		Evidence: fmt.Sprintf("%d binaries searched", len(a.Binaries)), Locations: infoLoc(a, "NSAppTransportSecurity")}}
}

// findMarker returns the first marker among a slice's imports, linked
// libraries and strings.
func findMarker(arch *macho.Arch, markers []string) (string, bool) {
	for _, m := range markers {
		for _, set := range [][]string{arch.Imports, arch.Libraries, arch.Strings} {
			for _, s := range set {
				if strings.Contains(s, m) {
					return m, true
				}
			}
		}
	}
	return "", false
}

// checkBinaries reports hardening gaps, one hit per property listing the
// binaries that lack it.
func checkBinaries(a *App) []finding.Hit {
	g := appcontent.NewGroup()
	for _, b := range a.Binaries {
		arch := b.Arch()
		if arch == nil {
			continue
		}
		name := path.Base(b.Path)
		loc := finding.Location{Path: b.Path, Symbol: arch.CPU}
		if arch.Type == "executable" && !arch.PIE {
			g.Add("ios-binary-not-pie", name, name+": executable is not position independent (no MH_PIE)", "MH_PIE not set", loc)
		}
		if !arch.StackCanary && len(arch.Imports) > 0 && !(arch.Swift && !arch.ObjC) {
			g.Add("ios-binary-no-stack-canary", name, name+": no stack protector", "no ___stack_chk_fail / ___stack_chk_guard import", loc)
		}
		if arch.ObjC && !arch.ARC && !arch.Swift {
			g.Add("ios-binary-no-arc", name, name+": Objective-C without ARC", "no objc_release / objc_retain imports", loc)
		}
		if b.Role == "main" {
			switch {
			case !arch.HasEncryptionInfo:
				g.Add("ios-binary-not-encrypted", name, name+": no encryption information (LC_ENCRYPTION_INFO)", "no LC_ENCRYPTION_INFO", loc)
			case arch.CryptID == 0:
				g.Add("ios-binary-not-encrypted", name, name+": not encrypted (cryptid 0)", "cryptid=0", loc)
			}
			if !arch.Stripped {
				g.Add("ios-symbols-not-stripped", name, name+": local symbols are not stripped", "local symbols in LC_SYMTAB", loc)
			}
		}
		for _, rp := range arch.RPaths {
			if !strings.HasPrefix(rp, "@executable_path") && !strings.HasPrefix(rp, "@loader_path") && !strings.HasPrefix(rp, "/usr/lib/") && !strings.HasPrefix(rp, "/System/") {
				g.Add("ios-rpath-outside-bundle", name+":"+rp, fmt.Sprintf("%s: searches %s for libraries", name, rp), "LC_RPATH "+rp, loc)
			}
		}
	}
	return g.List()
}

// importChecks are the rules raised by the imports of a binary.
var importChecks = []struct {
	Rule, what string
	set        map[string]string
}{
	{Rule: "ios-weak-crypto", what: "calls", set: macho.WeakCrypto},
	{Rule: "ios-insecure-random", what: "calls", set: macho.InsecureRandom},
	{Rule: "ios-logging", what: "calls", set: macho.Logging},
	{Rule: "ios-banned-functions", what: "imports", set: macho.BannedFunctions},
}

func checkImports(a *App) []finding.Hit {
	g := appcontent.NewGroup()
	for _, c := range importChecks {
		for _, b := range a.Binaries {
			arch := b.Arch()
			if arch == nil {
				continue
			}
			found := arch.ImportsAny(c.set)
			if len(found) == 0 {
				continue
			}
			shown := make([]string, 0, 4)
			for _, s := range found[:min(4, len(found))] {
				shown = append(shown, strings.TrimPrefix(s, "_"))
			}
			g.Add(c.Rule, path.Base(b.Path), fmt.Sprintf("%s %s %s", path.Base(b.Path), c.what, strings.Join(shown, ", ")),
				strings.Join(found, ", "), finding.Location{Path: b.Path, Symbol: arch.CPU})
		}
	}
	return g.List()
}

// reasonCategory is a required-reason API category and what shows its use
// in a binary: imported C functions and Objective-C classes, or selector
// and key names among its strings.
type reasonCategory struct {
	Category string
	Imports  []string
	Strings  []string
}

// reasonCategories are Apple's required-reason API categories.
var reasonCategories = []reasonCategory{
	{"NSPrivacyAccessedAPICategoryUserDefaults", []string{"_OBJC_CLASS_$_NSUserDefaults"}, nil},
	{"NSPrivacyAccessedAPICategoryFileTimestamp",
		[]string{"_stat", "_stat$INODE64", "_fstat", "_fstat$INODE64", "_lstat", "_lstat$INODE64", "_fstatat", "_getattrlist", "_fgetattrlist", "_getattrlistbulk", "_getattrlistat"},
		[]string{"NSFileCreationDate", "NSFileModificationDate", "NSURLContentModificationDateKey", "NSURLCreationDateKey"}},
	{"NSPrivacyAccessedAPICategorySystemBootTime", []string{"_mach_absolute_time"}, []string{"systemUptime"}},
	{"NSPrivacyAccessedAPICategoryDiskSpace", []string{"_statfs", "_statfs$INODE64", "_fstatfs", "_statvfs", "_fstatvfs"},
		[]string{"NSFileSystemFreeSize", "NSFileSystemSize", "NSURLVolumeAvailableCapacityKey", "NSURLVolumeAvailableCapacityForImportantUsageKey", "NSURLVolumeAvailableCapacityForOpportunisticUsageKey", "NSURLVolumeTotalCapacityKey"}},
	{"NSPrivacyAccessedAPICategoryActiveKeyboards", nil, []string{"activeInputModes"}},
}

func checkPrivacyManifest(a *App) []finding.Hit {
	if a.Info == nil {
		return nil
	}
	var hits []finding.Hit
	own := a.Root + "PrivacyInfo.xcprivacy"
	hasOwn := false
	declared := map[string]bool{}
	for _, p := range a.Privacy {
		if p.Path == own {
			hasOwn = true
		}
		for c := range p.Reasons {
			declared[c] = true
		}
		if p.Tracking || len(p.TrackingDomains) > 0 {
			what := p.Path
			if len(p.TrackingDomains) > 0 {
				what += " (" + strings.Join(p.TrackingDomains, ", ") + ")"
			}
			hits = append(hits, finding.Hit{Rule: "ios-tracking-declared", Key: p.Path, Message: "tracking declared by " + what,
				Evidence: strings.Join(p.TrackingDomains, ", "), Locations: []finding.Location{{Path: p.Path, Symbol: "NSPrivacyTracking"}}})
		}
	}
	if !hasOwn {
		hits = append(hits, finding.Hit{Rule: "ios-privacy-manifest-missing", Key: "privacy-manifest",
			Message: "no PrivacyInfo.xcprivacy at the top of the app bundle", Evidence: fmt.Sprintf("%d privacy manifests in the bundle", len(a.Privacy)),
			Locations: []finding.Location{{Path: own}}})
	}
	g := appcontent.NewGroup()
	for _, c := range reasonCategories {
		if declared[c.Category] {
			continue
		}
		for _, b := range a.Binaries {
			arch := b.Arch()
			if arch == nil {
				continue
			}
			if use, ok := usesCategory(arch, c); ok {
				short := strings.TrimPrefix(c.Category, "NSPrivacyAccessedAPICategory")
				g.Add("ios-required-reason-api-undeclared", c.Category, fmt.Sprintf("%s API used (%s) without a declared reason", short, use),
					c.Category+" not in NSPrivacyAccessedAPITypes", finding.Location{Path: b.Path, Symbol: use})
			}
		}
	}
	return append(hits, g.List()...)
}

func usesCategory(arch *macho.Arch, c reasonCategory) (string, bool) {
	for _, imp := range c.Imports {
		if _, ok := slices.BinarySearch(arch.Imports, imp); ok {
			return strings.TrimPrefix(strings.TrimPrefix(imp, "_OBJC_CLASS_$_"), "_"), true
		}
	}
	for _, want := range c.Strings {
		if slices.Contains(arch.Strings, want) {
			return want, true
		}
	}
	return "", false
}

func checkModels(a *App) []finding.Hit { return appcontent.ModelHits(a.Models) }

// checkSDKs lists the SDKs of the app, from its embedded frameworks and
// the libraries its binaries link.
func checkSDKs(a *App) []finding.Hit {
	type seen struct {
		sdk  appcontent.SDK
		locs []finding.Location
		ev   []string
	}
	found := map[string]*seen{}
	var order []string
	note := func(name, evidence string, loc finding.Location) {
		s, ok := appcontent.SDKForFramework(name)
		if !ok {
			return
		}
		x := found[s.Name]
		if x == nil {
			x = &seen{sdk: s}
			found[s.Name] = x
			order = append(order, s.Name)
		}
		if !slices.Contains(x.ev, evidence) && len(x.ev) < 4 {
			x.ev = append(x.ev, evidence)
			x.locs = append(x.locs, loc)
		}
	}
	for _, n := range a.Names {
		rel := strings.TrimPrefix(n, a.Root)
		if !strings.HasPrefix(rel, "Frameworks/") {
			continue
		}
		part := strings.SplitN(strings.TrimPrefix(rel, "Frameworks/"), "/", 2)[0]
		if name, ok := strings.CutSuffix(part, ".framework"); ok {
			note(name, "Frameworks/"+part, finding.Location{Path: a.Root + "Frameworks/" + part})
		} else if name, ok := strings.CutSuffix(part, ".dylib"); ok {
			note(strings.TrimPrefix(name, "lib"), "Frameworks/"+part, finding.Location{Path: n})
		}
	}
	for _, b := range a.Binaries {
		arch := b.Arch()
		if arch == nil {
			continue
		}
		for _, lib := range arch.Libraries {
			note(libraryName(lib), lib, finding.Location{Path: b.Path, Symbol: lib})
		}
	}
	var hits []finding.Hit
	for _, name := range order {
		x := found[name]
		rule := "privacy-tracker-sdk"
		if x.sdk.AI {
			rule = "ai-sdk-inventory"
		}
		hits = append(hits, finding.Hit{Rule: rule, Key: name, Message: name, Evidence: strings.Join(x.ev, ", "),
			Locations: x.locs, Props: map[string]string{"sdk": name}})
	}
	return hits
}

// libraryName is the framework or library name of a linked library path:
// "/System/Library/Frameworks/CoreML.framework/CoreML" → "CoreML",
// "@rpath/libswiftVision.dylib" → "Vision", "@rpath/libllama.dylib" → "llama".
func libraryName(lib string) string {
	base := path.Base(lib)
	if i := strings.Index(lib, ".framework/"); i >= 0 {
		return path.Base(lib[:i])
	}
	base = strings.TrimSuffix(base, ".dylib")
	if s, ok := strings.CutPrefix(base, "libswift"); ok {
		return s
	}
	return strings.TrimPrefix(base, "lib")
}

func checkAIEndpoints(a *App) []finding.Hit {
	if a.endpoints == nil {
		return nil
	}
	hits := a.endpoints.List()
	slices.SortFunc(hits, func(x, y finding.Hit) int { return strings.Compare(x.Key, y.Key) })
	return hits
}

func checkSecrets(a *App) []finding.Hit { return appcontent.SecretHits(a.Secrets) }
