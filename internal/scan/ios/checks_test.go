package ios

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"howett.net/plist"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/macho"
)

func ats(kv ...any) map[string]any { return with(nil, kv...) }

// TestInfoPlistRules runs every Info.plist rule both ways, on an .ipa and
// an .app directory, with XML and binary Info.plists.
func TestInfoPlistRules(t *testing.T) {
	t.Parallel()
	exception := func(kv ...any) map[string]any {
		return with(baseInfo(), "NSAppTransportSecurity", ats("NSExceptionDomains", map[string]any{"example.com": ats(kv...)}))
	}
	tests := []struct {
		name string
		info map[string]any
		rule string
		// fires is the number of hits of rule wanted; message, when set,
		// is a part of the first hit's message.
		fires   int
		message string
	}{
		{"minimum OS 5.0 is outdated", with(baseInfo(), "MinimumOSVersion", "5.0"), "ios-min-os-outdated", 1, "MinimumOSVersion 5.0"},
		{"minimum OS 15.8 is outdated", with(baseInfo(), "MinimumOSVersion", "15.8"), "ios-min-os-outdated", 1, ""},
		{"minimum OS 17.0 is supported", baseInfo(), "ios-min-os-outdated", 0, ""},
		{"minimum OS 16 is supported", with(baseInfo(), "MinimumOSVersion", "16"), "ios-min-os-outdated", 0, ""},
		{"unparsable minimum OS is not judged", with(baseInfo(), "MinimumOSVersion", "latest"), "ios-min-os-outdated", 0, ""},

		{"URL schemes are listed once each", with(baseInfo(), "CFBundleURLTypes", []any{
			map[string]any{"CFBundleURLSchemes": []any{"myapp", "fb123"}},
			map[string]any{"CFBundleURLSchemes": []any{"myapp"}},
		}), "ios-url-scheme", 2, "myapp://"},
		{"no URL types", baseInfo(), "ios-url-scheme", 0, ""},

		{"UIFileSharingEnabled true", with(baseInfo(), "UIFileSharingEnabled", true), "ios-file-sharing-enabled", 1, "UIFileSharingEnabled"},
		{"file sharing as a YES string", with(baseInfo(), "LSSupportsOpeningDocumentsInPlace", "YES"), "ios-file-sharing-enabled", 1, "LSSupportsOpeningDocumentsInPlace"},
		{"UIFileSharingEnabled false", with(baseInfo(), "UIFileSharingEnabled", false), "ios-file-sharing-enabled", 0, ""},

		{"usage descriptions are counted", with(baseInfo(), "NSCameraUsageDescription", "scan receipts", "NSLocationWhenInUseUsageDescription", "find stores"),
			"ios-usage-descriptions", 1, "2 protected resources: Camera, LocationWhenInUse"},
		{"no usage descriptions", baseInfo(), "ios-usage-descriptions", 0, ""},

		{"arbitrary loads", with(baseInfo(), "NSAppTransportSecurity", ats("NSAllowsArbitraryLoads", true)), "ios-ats-arbitrary-loads", 1, "every domain"},
		{"arbitrary loads off", with(baseInfo(), "NSAppTransportSecurity", ats("NSAllowsArbitraryLoads", false)), "ios-ats-arbitrary-loads", 0, ""},
		{"arbitrary loads in web content", with(baseInfo(), "NSAppTransportSecurity", ats("NSAllowsArbitraryLoadsInWebContent", true)), "ios-ats-arbitrary-loads-web-media", 1, "web views"},
		{"arbitrary loads for media", with(baseInfo(), "NSAppTransportSecurity", ats("NSAllowsArbitraryLoadsForMedia", true)), "ios-ats-arbitrary-loads-web-media", 1, "media"},
		{"web content and media both", with(baseInfo(), "NSAppTransportSecurity", ats("NSAllowsArbitraryLoadsInWebContent", true, "NSAllowsArbitraryLoadsForMedia", true)), "ios-ats-arbitrary-loads-web-media", 2, ""},
		{"no ATS dictionary", baseInfo(), "ios-ats-arbitrary-loads-web-media", 0, ""},

		{"exception with insecure HTTP", exception("NSExceptionAllowsInsecureHTTPLoads", true), "ios-ats-insecure-http-exception", 1, "plain HTTP allowed to example.com"},
		{"temporary exception with insecure HTTP", exception("NSTemporaryExceptionAllowsInsecureHTTPLoads", true), "ios-ats-insecure-http-exception", 1, ""},
		{"insecure HTTP exception names subdomains", exception("NSExceptionAllowsInsecureHTTPLoads", true, "NSIncludesSubdomains", true),
			"ios-ats-insecure-http-exception", 1, "example.com and its subdomains"},
		{"exception without insecure HTTP", exception("NSIncludesSubdomains", true), "ios-ats-insecure-http-exception", 0, ""},
		{"minimum TLS 1.0", exception("NSExceptionMinimumTLSVersion", "TLSv1.0"), "ios-ats-weak-tls", 1, "TLSv1.0 accepted for example.com"},
		{"minimum TLS 1.2", exception("NSExceptionMinimumTLSVersion", "TLSv1.2"), "ios-ats-weak-tls", 0, ""},
		{"forward secrecy not required", exception("NSExceptionRequiresForwardSecrecy", false), "ios-ats-weak-tls", 1, "forward secrecy not required for example.com"},
		{"forward secrecy required", exception("NSExceptionRequiresForwardSecrecy", true), "ios-ats-weak-tls", 0, ""},
		{"TLS 1.0 and no forward secrecy are two hits", exception("NSExceptionMinimumTLSVersion", "TLSv1.0", "NSExceptionRequiresForwardSecrecy", false, "NSIncludesSubdomains", true),
			"ios-ats-weak-tls", 2, "for example.com and its subdomains"},

		{"NSPinnedDomains pins", with(baseInfo(), "NSAppTransportSecurity", ats("NSPinnedDomains", map[string]any{"api.example.com": map[string]any{}})),
			"ios-pinning-configured", 1, "api.example.com"},
		{"no binaries, no pinning verdict", baseInfo(), "ios-pinning-absent", 0, ""},
	}
	for _, tc := range tests {
		for _, kind := range bundleKinds {
			for _, format := range []struct {
				name string
				f    int
			}{{"xml", plist.XMLFormat}, {"binary", plist.BinaryFormat}} {
				t.Run(tc.name+"/"+kind.name+"/"+format.name, func(t *testing.T) {
					t.Parallel()
					res := analyze(t, kind.open(t, files{"Info.plist": plistOf(t, tc.info, format.f)}))
					got := hitsOf(res.Hits, tc.rule)
					if len(got) != tc.fires {
						t.Fatalf("%s: got %d hits %+v, want %d", tc.rule, len(got), got, tc.fires)
					}
					if tc.message != "" && !strings.Contains(got[0].Message, tc.message) {
						t.Errorf("%s message: got %q, want it to contain %q", tc.rule, got[0].Message, tc.message)
					}
					for _, h := range got {
						if len(h.Locations) == 0 || !strings.HasSuffix(h.Locations[0].Path, "Info.plist") {
							t.Errorf("%s located at %+v, want the Info.plist", tc.rule, h.Locations)
						}
					}
					if len(res.Warnings) != 0 {
						t.Errorf("warnings: %+v, want none", res.Warnings)
					}
				})
			}
		}
	}
}

func TestAppInfoFromInfoPlist(t *testing.T) {
	t.Parallel()
	for _, kind := range bundleKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			res := analyze(t, kind.open(t, files{"Info.plist": plistOf(t, baseInfo(), plist.BinaryFormat)}))
			want := &finding.AppInfo{Platform: "ios", ID: "com.example.app", VersionName: "1.2.3", VersionCode: "42", MinOS: "17.0"}
			if diff := cmp.Diff(want, res.App); diff != "" {
				t.Errorf("AppInfo (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrivacyManifest(t *testing.T) {
	t.Parallel()
	manifest := func(kv ...any) []byte { return plistOf(t, with(nil, kv...), plist.XMLFormat) }
	tests := []struct {
		name  string
		fs    files
		rules map[string]int // hits wanted per rule
	}{
		{"missing", files{}, map[string]int{"ios-privacy-manifest-missing": 1, "ios-tracking-declared": 0}},
		{"present without tracking", files{"PrivacyInfo.xcprivacy": manifest("NSPrivacyTracking", false)},
			map[string]int{"ios-privacy-manifest-missing": 0, "ios-tracking-declared": 0}},
		{"only a framework's manifest is still missing", files{"Frameworks/Ads.framework/PrivacyInfo.xcprivacy": manifest("NSPrivacyTracking", false)},
			map[string]int{"ios-privacy-manifest-missing": 1}},
		{"tracking declared", files{"PrivacyInfo.xcprivacy": manifest("NSPrivacyTracking", true, "NSPrivacyTrackingDomains", []any{"ads.example.com"})},
			map[string]int{"ios-privacy-manifest-missing": 0, "ios-tracking-declared": 1}},
		{"tracking declared by a framework", files{"PrivacyInfo.xcprivacy": manifest(), "Frameworks/Ads.framework/PrivacyInfo.xcprivacy": manifest("NSPrivacyTrackingDomains", []any{"t.example.net"})},
			map[string]int{"ios-privacy-manifest-missing": 0, "ios-tracking-declared": 1}},
	}
	for _, tc := range tests {
		for _, kind := range bundleKinds {
			t.Run(tc.name+"/"+kind.name, func(t *testing.T) {
				t.Parallel()
				fs := files{"Info.plist": plistOf(t, baseInfo(), plist.XMLFormat)}
				for k, v := range tc.fs {
					fs[k] = v
				}
				res := analyze(t, kind.open(t, fs))
				for rule, want := range tc.rules {
					if got := len(hitsOf(res.Hits, rule)); got != want {
						t.Errorf("%s: got %d hits, want %d (all rules: %v)", rule, got, want, ruleNames(res.Hits))
					}
				}
			})
		}
	}
}

func TestRequiredReasonAPI(t *testing.T) {
	t.Parallel()
	root := "Payload/App.app/"
	declared := func(cats ...string) *Privacy {
		p := &Privacy{Path: root + "PrivacyInfo.xcprivacy", Reasons: map[string][]string{}}
		for _, c := range cats {
			p.Reasons[c] = []string{"CA92.1"}
		}
		return p
	}
	tests := []struct {
		name    string
		arch    macho.Arch
		privacy []*Privacy
		want    []string // categories reported undeclared
	}{
		{"NSUserDefaults undeclared", macho.Arch{Imports: []string{"_OBJC_CLASS_$_NSUserDefaults", "_objc_msgSend"}}, nil,
			[]string{"NSPrivacyAccessedAPICategoryUserDefaults"}},
		{"NSUserDefaults declared", macho.Arch{Imports: []string{"_OBJC_CLASS_$_NSUserDefaults"}},
			[]*Privacy{declared("NSPrivacyAccessedAPICategoryUserDefaults")}, nil},
		{"stat and disk space undeclared", macho.Arch{Imports: []string{"_stat", "_statfs"}}, []*Privacy{declared()},
			[]string{"NSPrivacyAccessedAPICategoryFileTimestamp", "NSPrivacyAccessedAPICategoryDiskSpace"}},
		{"declared by a framework's manifest counts", macho.Arch{Imports: []string{"_mach_absolute_time"}},
			[]*Privacy{{Path: root + "Frameworks/X.framework/PrivacyInfo.xcprivacy", Reasons: map[string][]string{"NSPrivacyAccessedAPICategorySystemBootTime": {"35F9.1"}}}}, nil},
		{"selector among strings", macho.Arch{Strings: []string{"activeInputModes"}}, nil, []string{"NSPrivacyAccessedAPICategoryActiveKeyboards"}},
		{"key among strings", macho.Arch{Strings: []string{"NSFileSystemFreeSize"}}, nil, []string{"NSPrivacyAccessedAPICategoryDiskSpace"}},
		{"no required-reason API", macho.Arch{Imports: []string{"_objc_msgSend"}, Strings: []string{"hello world"}}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := appWith(baseInfo(), arm64(root+"App", "main", tc.arch))
			a.Privacy = tc.privacy
			var got []string
			for _, h := range hitsOf(checkPrivacyManifest(a), "ios-required-reason-api-undeclared") {
				got = append(got, h.Key)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("undeclared categories (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetTaskAllow(t *testing.T) {
	t.Parallel()
	root := "Payload/App.app/"
	ent := func(v any) macho.Arch { return macho.Arch{Entitlements: map[string]any{"get-task-allow": v}} }
	tests := []struct {
		name string
		bin  Binary
		want int
	}{
		{"main executable with get-task-allow", arm64(root+"App", "main", ent(true)), 1},
		{"extension with get-task-allow", arm64(root+"PlugIns/W.appex/W", "extension", ent(true)), 1},
		{"get-task-allow false", arm64(root+"App", "main", ent(false)), 0},
		{"framework signatures are not judged", arm64(root+"Frameworks/F.framework/F", "framework", ent(true)), 0},
		{"no entitlements", arm64(root+"App", "main", macho.Arch{}), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := hitsOf(checkEntitlements(appWith(baseInfo(), tc.bin)), "ios-get-task-allow")
			if len(got) != tc.want {
				t.Errorf("got %d hits %+v, want %d", len(got), got, tc.want)
			}
		})
	}
}

func TestBinaryHardening(t *testing.T) {
	t.Parallel()
	root := "Payload/App.app/"
	// good is a hardened Objective-C executable: every test breaks one
	// property.
	good := func() macho.Arch {
		return macho.Arch{PIE: true, StackCanary: true, ObjC: true, ARC: true, HasEncryptionInfo: true, CryptID: 1, Stripped: true,
			Imports: []string{"___stack_chk_fail", "_objc_msgSend", "_objc_release"}, RPaths: []string{"@executable_path/Frameworks"}}
	}
	edit := func(f func(*macho.Arch)) macho.Arch { a := good(); f(&a); return a }
	tests := []struct {
		name string
		role string
		arch macho.Arch
		want []string // rules wanted, sorted
	}{
		{"hardened executable", "main", good(), nil},
		{"not PIE", "main", edit(func(a *macho.Arch) { a.PIE = false }), []string{"ios-binary-not-pie"}},
		{"a dylib needs no PIE flag", "framework", edit(func(a *macho.Arch) { a.PIE, a.Type = false, "dylib" }), nil},
		{"no stack canary", "main", edit(func(a *macho.Arch) { a.StackCanary = false }), []string{"ios-binary-no-stack-canary"}},
		{"pure Swift needs no canary import", "main", edit(func(a *macho.Arch) { a.StackCanary, a.ObjC, a.Swift = false, false, true }), nil},
		{"no imports, no canary verdict", "main", edit(func(a *macho.Arch) { a.StackCanary, a.Imports = false, nil }), nil},
		{"Objective-C without ARC", "main", edit(func(a *macho.Arch) { a.ARC = false }), []string{"ios-binary-no-arc"}},
		{"Swift with Objective-C needs no ARC import", "main", edit(func(a *macho.Arch) { a.ARC, a.Swift = false, true }), nil},
		{"no encryption info", "main", edit(func(a *macho.Arch) { a.HasEncryptionInfo, a.CryptID = false, 0 }), []string{"ios-binary-not-encrypted"}},
		{"cryptid 0", "main", edit(func(a *macho.Arch) { a.CryptID = 0 }), []string{"ios-binary-not-encrypted"}},
		{"frameworks are not judged for encryption", "framework", edit(func(a *macho.Arch) { a.HasEncryptionInfo, a.CryptID = false, 0 }), nil},
		{"not stripped", "main", edit(func(a *macho.Arch) { a.Stripped = false }), []string{"ios-symbols-not-stripped"}},
		{"frameworks are not judged for stripping", "framework", edit(func(a *macho.Arch) { a.Stripped = false }), nil},
		{"rpath outside the bundle", "main", edit(func(a *macho.Arch) { a.RPaths = append(a.RPaths, "/usr/local/lib", "/tmp/x") }), []string{"ios-rpath-outside-bundle"}},
		{"rpaths inside the bundle and system", "main", edit(func(a *macho.Arch) { a.RPaths = []string{"@loader_path/../Frameworks", "/usr/lib/swift"} }), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ruleNames(checkBinaries(appWith(baseInfo(), arm64(root+"App", tc.role, tc.arch))))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("two rpaths outside are two hits", func(t *testing.T) {
		t.Parallel()
		a := edit(func(a *macho.Arch) { a.RPaths = []string{"/usr/local/lib", "/tmp/x"} })
		if got := len(checkBinaries(appWith(baseInfo(), arm64(root+"App", "main", a)))); got != 2 {
			t.Errorf("got %d hits, want 2", got)
		}
	})
	t.Run("one hit per property across binaries", func(t *testing.T) {
		t.Parallel()
		weak := edit(func(a *macho.Arch) { a.StackCanary = false })
		hits := checkBinaries(appWith(baseInfo(), arm64(root+"App", "main", weak), arm64(root+"Frameworks/F.framework/F", "framework", edit(func(a *macho.Arch) { a.StackCanary, a.Type = false, "dylib" }))))
		got := hitsOf(hits, "ios-binary-no-stack-canary")
		if len(got) != 2 || got[0].Locations[0].Path == got[1].Locations[0].Path {
			t.Errorf("got %+v, want one hit for each binary", got)
		}
	})
	t.Run("the arm64 slice is judged in a fat file", func(t *testing.T) {
		t.Parallel()
		b := Binary{Path: root + "App", Role: "main", File: &macho.File{Fat: true, Arches: []macho.Arch{
			{CPU: "armv7", Type: "executable", Imports: []string{"_x"}}, // no PIE, no canary: not judged
			func() macho.Arch { a := good(); a.CPU, a.Type = "arm64", "executable"; return a }(),
		}}}
		if got := checkBinaries(appWith(baseInfo(), b)); len(got) != 0 {
			t.Errorf("got %v, want the hardened arm64 slice judged", ruleNames(got))
		}
	})
	t.Run("an unreadable slice is skipped", func(t *testing.T) {
		t.Parallel()
		b := Binary{Path: root + "App", Role: "main", File: &macho.File{Fat: true, Arches: []macho.Arch{{CPU: "arm64", Err: "truncated"}}}}
		if got := checkBinaries(appWith(baseInfo(), b)); len(got) != 0 {
			t.Errorf("got %v, want nothing for a slice that could not be read", ruleNames(got))
		}
	})
}

func TestImportChecks(t *testing.T) {
	t.Parallel()
	root := "Payload/App.app/"
	tests := []struct {
		name    string
		imports []string
		want    []string
	}{
		{"MD5 is weak crypto", []string{"_CC_MD5"}, []string{"ios-weak-crypto"}},
		{"DES is weak crypto", []string{"_DES_ecb_encrypt"}, []string{"ios-weak-crypto"}},
		{"CCCrypt alone says nothing", []string{"_CCCrypt"}, nil},
		{"rand is insecure random", []string{"_rand", "_srand"}, []string{"ios-insecure-random"}},
		{"arc4random is fine", []string{"_arc4random", "_SecRandomCopyBytes"}, nil},
		{"NSLog", []string{"_NSLog"}, []string{"ios-logging"}},
		{"os_log is not reported", []string{"__os_log_impl"}, nil},
		{"banned functions", []string{"_strcpy", "_gets"}, []string{"ios-banned-functions"}},
		{"all four", []string{"_CC_SHA1", "_random", "_NSLogv", "_sprintf"}, []string{"ios-banned-functions", "ios-insecure-random", "ios-logging", "ios-weak-crypto"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hits := checkImports(appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{Imports: tc.imports})))
			if diff := cmp.Diff(tc.want, ruleNames(hits)); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			for _, h := range hits {
				if len(h.Locations) != 1 || h.Locations[0].Path != root+"App" || h.Locations[0].Symbol != "arm64" {
					t.Errorf("%s located at %+v, want App, arm64", h.Rule, h.Locations)
				}
			}
		})
	}
	t.Run("message names the calls without underscore", func(t *testing.T) {
		t.Parallel()
		h := checkImports(appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{Imports: []string{"_strcpy"}})))
		if len(h) != 1 || h[0].Message != "App imports strcpy" || h[0].Evidence != "_strcpy" {
			t.Errorf("got %+v, want message %q and evidence %q", h, "App imports strcpy", "_strcpy")
		}
	})
}

func TestPinning(t *testing.T) {
	t.Parallel()
	root := "Payload/App.app/"
	pinnedInfo := with(baseInfo(), "NSAppTransportSecurity", ats("NSPinnedDomains", map[string]any{"api.example.com": map[string]any{}}))
	tests := []struct {
		name string
		app  *App
		want []string
	}{
		{"NSPinnedDomains", appWith(pinnedInfo, arm64(root+"App", "main", macho.Arch{})), []string{"ios-pinning-configured"}},
		{"TrustKit among the strings", appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{Strings: []string{"kTSKPublicKeyHashes"}})), []string{"ios-pinning-configured"}},
		{"Alamofire evaluator in a framework", appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{}),
			arm64(root+"Frameworks/Alamofire.framework/Alamofire", "framework", macho.Arch{Strings: []string{"Alamofire.PinnedCertificatesTrustEvaluator"}})), []string{"ios-pinning-configured"}},
		{"SecTrust API imported", appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{Imports: []string{"_SecTrustCopyPublicKey"}})), []string{"ios-pinning-configured"}},
		{"nothing pinned in the binaries", appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{Strings: []string{"https://api.example.com"}})), []string{"ios-pinning-absent"}},
		{"no binaries: no verdict", appWith(baseInfo()), nil},
		{"no Info.plist: no verdict", appWith(nil, arm64(root+"App", "main", macho.Arch{})), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, ruleNames(checkPinning(tc.app))); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBuiltBinaryThroughAnalyze runs Mach-O files built in the test
// through Analyze: the executable named by CFBundleExecutable is the main
// binary, its imports, libraries and strings reach the checks.
func TestBuiltBinaryThroughAnalyze(t *testing.T) {
	t.Parallel()
	zero := uint32(0)
	exe := machoSpec{flags: flagPIE, imports: []string{"_NSLog", "_objc_msgSend", "_strcpy"}, locals: []string{"_helper"},
		libs: []string{"/usr/lib/libobjc.A.dylib", "/System/Library/Frameworks/CoreML.framework/CoreML"}, rpaths: []string{"/usr/local/lib"},
		strs: []string{"https://api.openai.com/v1/chat/completions", "hello world"}, cryptID: &zero}.build()
	fw := machoSpec{fileType: mhDylib, imports: []string{"___stack_chk_fail"}, strs: []string{"kTSKPublicKeyHashes"}}.build()
	for _, kind := range bundleKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			res := analyze(t, kind.open(t, files{
				"Info.plist":                       plistOf(t, exeInfo(), plist.BinaryFormat),
				"App":                              exe,
				"Frameworks/TrustKit.framework/TK": fw,
			}))
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: %+v, want none", res.Warnings)
			}
			got := ruleNames(res.Hits)
			for _, want := range []string{"ios-logging", "ios-banned-functions", "ios-binary-no-stack-canary", "ios-binary-no-arc", "ios-binary-not-encrypted",
				"ios-symbols-not-stripped", "ios-rpath-outside-bundle", "ios-pinning-configured", "ai-direct-provider-call", "ai-sdk-inventory"} {
				if !slices.Contains(got, want) {
					t.Errorf("%s not raised; got %v", want, got)
				}
			}
			for _, not := range []string{"ios-binary-not-pie", "ios-pinning-absent"} {
				if slices.Contains(got, not) {
					t.Errorf("%s raised; want it not to be", not)
				}
			}
			for _, h := range hitsOf(res.Hits, "ios-binary-not-encrypted") {
				if !strings.HasSuffix(h.Locations[0].Path, "App.app/App") && h.Locations[0].Path != "App" {
					t.Errorf("not-encrypted located at %s, want the main executable", h.Locations[0].Path)
				}
			}
		})
	}
	t.Run("no pinning anywhere", func(t *testing.T) {
		t.Parallel()
		res := analyze(t, openIPA(t, ipaOf(t, files{"Info.plist": plistOf(t, exeInfo(), plist.XMLFormat), "App": machoSpec{flags: flagPIE}.build()}, nil)))
		if len(hitsOf(res.Hits, "ios-pinning-absent")) != 1 {
			t.Errorf("ios-pinning-absent not raised; got %v", ruleNames(res.Hits))
		}
	})
	t.Run("missing executable is a warning", func(t *testing.T) {
		t.Parallel()
		res := analyze(t, openIPA(t, ipaOf(t, files{"Info.plist": plistOf(t, exeInfo(), plist.XMLFormat)}, nil)))
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, "CFBundleExecutable") {
			t.Errorf("warnings: %+v, want one about CFBundleExecutable", res.Warnings)
		}
	})
}
