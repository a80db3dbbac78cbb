package ios

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"howett.net/plist"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// plistSeeds are property lists of every format: Info.plists that raise
// most Info.plist rules, and privacy manifests.
func plistSeeds(tb testing.TB) [][]byte {
	info := with(baseInfo(), "MinimumOSVersion", "5.0", "UIFileSharingEnabled", true,
		"NSCameraUsageDescription", "scan",
		"CFBundleURLTypes", []any{map[string]any{"CFBundleURLSchemes": []any{"myapp"}}},
		"NSAppTransportSecurity", map[string]any{
			"NSAllowsArbitraryLoads": true,
			"NSExceptionDomains": map[string]any{"example.com": map[string]any{
				"NSExceptionAllowsInsecureHTTPLoads": true, "NSExceptionMinimumTLSVersion": "TLSv1.0", "NSIncludesSubdomains": "YES",
			}},
			"NSPinnedDomains": map[string]any{"api.example.com": map[string]any{}},
		})
	privacy := map[string]any{"NSPrivacyTracking": true, "NSPrivacyTrackingDomains": []any{"t.example.com"},
		"NSPrivacyAccessedAPITypes": []any{map[string]any{"NSPrivacyAccessedAPIType": "NSPrivacyAccessedAPICategoryUserDefaults", "NSPrivacyAccessedAPITypeReasons": []any{"CA92.1"}}}}
	var out [][]byte
	for _, v := range []any{info, privacy, map[string]any{"deep": nested(70)}} {
		for _, f := range []int{plist.XMLFormat, plist.BinaryFormat, plist.OpenStepFormat} {
			out = append(out, plistOf(tb, v, f))
		}
	}
	return append(out, sharedArrays(2, 4))
}

func FuzzDecodePlist(f *testing.F) {
	for _, s := range plistSeeds(f) {
		f.Add(s)
	}
	if dir, ok := testcorpus.Find(); ok {
		if _, err := os.Stat(filepath.Join(dir, corpusIPA)); err == nil {
			f.Add(testcorpus.ZipEntry(f, filepath.Join(dir, corpusIPA), "Payload/helloworld.app/Info.plist"))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodePlist(data)
		if err != nil {
			if m != nil {
				t.Errorf("decodePlist returned a value with error %v", err)
			}
			return
		}
		if m == nil {
			t.Fatal("decodePlist: nil dictionary without error")
		}
		in := parseInfo("Info.plist", m)
		a := &App{Info: in, Privacy: []*Privacy{parsePrivacy("PrivacyInfo.xcprivacy", m)}}
		for _, c := range checks {
			c(a)
		}
		plistStrings(m, "", func(string, string) {})
	})
}

// ipaSeeds are small .ipa archives built by the tests.
func ipaSeeds(tb testing.TB) [][]byte {
	plain := files{"Info.plist": plistOf(tb, exeInfo(), plist.BinaryFormat), "App": machoSpec{flags: flagPIE, imports: []string{"_NSLog"}, strs: []string{"https://api.openai.com/v1"}}.build()}
	rich := files{
		"Info.plist":                plistOf(tb, with(exeInfo(), "MinimumOSVersion", "9.0"), plist.XMLFormat),
		"PrivacyInfo.xcprivacy":     plistOf(tb, map[string]any{"NSPrivacyTracking": true}, plist.XMLFormat),
		"model.tflite":              minimalTFLite(),
		"M.mlmodelc/coremldata.bin": randomBytes(5, 600),
		"config.json":               []byte(`{"url": "https://api.anthropic.com/v1/messages"}`),
		"Frameworks/FirebaseAnalytics.framework/FirebaseAnalytics": machoSpec{fileType: mhDylib}.build(),
	}
	return [][]byte{ipaOf(tb, plain, nil), ipaOf(tb, rich, nil), ipaOf(tb, nil, files{"README": []byte("x")})}
}

func FuzzAnalyzeBundle(f *testing.F) {
	for _, s := range ipaSeeds(f) {
		f.Add(s)
	}
	if dir, ok := testcorpus.Find(); ok {
		if data, err := os.ReadFile(filepath.Join(dir, corpusIPA)); err == nil {
			f.Add(data)
		}
	}
	lim := archive.Limits{MaxEntries: 1000, MaxEntrySize: 16 << 20, MaxTotalSize: 64 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := archive.OpenZip(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			return
		}
		res, err := Analyze(context.Background(), Input{Pkg: z}, Options{Secrets: secrets})
		if err != nil {
			return
		}
		for _, h := range res.Hits {
			if h.Rule == "" {
				t.Errorf("hit without a rule: %+v", h)
			}
		}
	})
}
