package ios

import (
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"howett.net/plist"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/macho"
)

// hitText is every string of a hit, to search for a secret printed in
// full.
func hitText(h finding.Hit) string {
	parts := []string{h.Rule, h.Key, h.Message, h.Evidence}
	for _, l := range h.Locations {
		parts = append(parts, l.Path, l.Symbol)
	}
	for k, v := range h.Props {
		parts = append(parts, k, v)
	}
	return strings.Join(parts, "\x00")
}

func TestSecretsAndEndpointsInResources(t *testing.T) {
	t.Parallel()
	google := "AIza" + fakeKey(11, keyAlphabet+"_-", 35)
	openai := "sk-proj-" + fakeKey(12, keyAlphabet+"_-", 120)
	fs := files{
		"Info.plist": plistOf(t, baseInfo(), plist.XMLFormat),
		"GoogleService-Info.plist": plistOf(t, map[string]any{
			"API_KEY": google, "BUNDLE_ID": "com.example.app", "PROJECT_ID": "example-1234", "IS_ANALYTICS_ENABLED": false,
		}, plist.XMLFormat),
		"config.json":      []byte("{\n  \"model\": \"gpt-4o\",\n  \"openaiKey\": \"" + openai + "\"\n}\n"),
		"www/chat.js":      []byte("// chat\nconst url = \"https://api.openai.com/v1/chat/completions\";\nfetch(url);\n"),
		"www/readme.txt":   []byte("nothing to see here"),
		"images/logo.png":  []byte("https://api.anthropic.com/ inside an image is not searched"),
		"Settings.strings": []byte("\"title\" = \"Settings\";\n"),
	}
	for _, kind := range bundleKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			res := analyze(t, kind.open(t, fs))
			for _, h := range res.Hits {
				for _, s := range []string{google, openai} {
					if strings.Contains(hitText(h), s) {
						t.Errorf("%s hit prints the secret in full: %+v", h.Rule, h)
					}
				}
			}

			g := hitsOf(res.Hits, "secret-google-api-key")
			if len(g) != 1 {
				t.Fatalf("secret-google-api-key: got %d hits, want 1 (rules %v)", len(g), ruleNames(res.Hits))
			}
			if loc := g[0].Locations[0]; !strings.HasSuffix(loc.Path, "GoogleService-Info.plist") || loc.Symbol != "API_KEY" {
				t.Errorf("google key located at %+v, want GoogleService-Info.plist, API_KEY", loc)
			}
			if !strings.HasPrefix(g[0].Evidence, google[:4]) || !strings.Contains(g[0].Evidence, "sha256:") {
				t.Errorf("google key evidence %q, want a masked key and its digest", g[0].Evidence)
			}

			k := hitsOf(res.Hits, "ai-provider-key")
			if len(k) != 1 || k[0].Props["provider"] != "OpenAI" {
				t.Fatalf("ai-provider-key: got %+v, want one OpenAI key", k)
			}
			if loc := k[0].Locations[0]; !strings.HasSuffix(loc.Path, "config.json") || loc.Line != 3 {
				t.Errorf("OpenAI key located at %+v, want config.json line 3", loc)
			}

			e := hitsOf(res.Hits, "ai-direct-provider-call")
			if len(e) != 1 {
				t.Fatalf("ai-direct-provider-call: got %+v, want one", e)
			}
			if loc := e[0].Locations[0]; !strings.HasSuffix(loc.Path, "www/chat.js") || loc.Line != 2 {
				t.Errorf("endpoint located at %+v, want www/chat.js line 2", loc)
			}
		})
	}
}

func TestSecretInInfoPlist(t *testing.T) {
	t.Parallel()
	key := "sk-proj-" + fakeKey(13, keyAlphabet, 80)
	info := with(baseInfo(), "Config", map[string]any{"OpenAIKey": key})
	res := analyze(t, openIPA(t, ipaOf(t, files{"Info.plist": plistOf(t, info, plist.BinaryFormat)}, nil)))
	k := hitsOf(res.Hits, "ai-provider-key")
	if len(k) != 1 || k[0].Locations[0].Symbol != "Config.OpenAIKey" {
		t.Fatalf("ai-provider-key: got %+v, want one at Config.OpenAIKey", k)
	}
	if strings.Contains(hitText(k[0]), key) {
		t.Errorf("key printed in full: %+v", k[0])
	}
}

func TestSecretInBinaryStrings(t *testing.T) {
	t.Parallel()
	key := "sk-proj-" + fakeKey(14, keyAlphabet, 80)
	exe := machoSpec{flags: flagPIE, strs: []string{"Bearer", key}}.build()
	res := analyze(t, openIPA(t, ipaOf(t, files{"Info.plist": plistOf(t, exeInfo(), plist.XMLFormat), "App": exe}, nil)))
	k := hitsOf(res.Hits, "ai-provider-key")
	if len(k) != 1 || k[0].Locations[0].Path != "Payload/App.app/App" || k[0].Locations[0].Symbol != "strings" {
		t.Fatalf("ai-provider-key: got %+v, want one in the strings of Payload/App.app/App", k)
	}
	if strings.Contains(hitText(k[0]), key) {
		t.Errorf("key printed in full: %+v", k[0])
	}
}

func cryptoRandom(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestModels(t *testing.T) {
	t.Parallel()
	espresso, _ := json.Marshal(map[string]any{"format_version": 200, "layers": []any{map[string]any{"type": "convolution", "name": "conv1"}}})
	fs := files{
		"Info.plist":                             plistOf(t, baseInfo(), plist.XMLFormat),
		"plain.tflite":                           minimalTFLite(),
		"signed.tflite":                          minimalTFLite(),
		"signed.tflite.sig":                      []byte("signature"),
		"Secret.mlmodelc/coremldata.bin":         cryptoRandom(t, 8<<10),
		"Secret.mlmodelc/model.espresso.weights": cryptoRandom(t, 16<<10),
		"Secret.mlmodelc/model.espresso.net":     cryptoRandom(t, 4<<10),
		"Open.mlmodelc/coremldata.bin":           cryptoRandom(t, 8<<10),
		"Open.mlmodelc/model.espresso.weights":   cryptoRandom(t, 16<<10),
		"Open.mlmodelc/model.espresso.net":       append(espresso, []byte(strings.Repeat(" ", 4<<10))...),
		"notes.txt":                              []byte("a text file is no model"),
	}
	for _, kind := range bundleKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			res := analyze(t, kind.open(t, fs))
			rel := func(rule string) []string {
				var out []string
				for _, h := range hitsOf(res.Hits, rule) {
					out = append(out, strings.TrimPrefix(h.Locations[0].Path, "Payload/App.app/"))
				}
				slices.Sort(out)
				return out
			}
			for _, tc := range []struct {
				rule string
				want []string
			}{
				{"ai-model-inventory", []string{"Open.mlmodelc", "Secret.mlmodelc", "plain.tflite", "signed.tflite"}},
				{"ai-model-unprotected", []string{"Open.mlmodelc", "plain.tflite"}},
				{"ai-model-protected", []string{"Secret.mlmodelc", "signed.tflite"}},
			} {
				if diff := cmp.Diff(tc.want, rel(tc.rule)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.rule, diff)
				}
			}
			for _, h := range hitsOf(res.Hits, "ai-model-inventory") {
				if strings.HasSuffix(h.Locations[0].Path, ".tflite") && h.Props["format"] != "tflite" {
					t.Errorf("%s recorded as format %q, want tflite", h.Locations[0].Path, h.Props["format"])
				}
				if strings.HasSuffix(h.Locations[0].Path, ".mlmodelc") && h.Props["compiled"] != "true" {
					t.Errorf("%s props %v, want compiled=true", h.Locations[0].Path, h.Props)
				}
			}
		})
	}
}

// TestEncryptedCompiledModelWithSmallFiles: Xcode's model encryption
// leaves small files (coremldata.bin, metadata.json of a few hundred
// bytes to a few KiB) as ciphertext too. A file too small for the
// entropy test must not make the whole model look readable.
func TestEncryptedCompiledModelWithSmallFiles(t *testing.T) {
	t.Parallel()
	fs := files{
		"Info.plist":                             plistOf(t, baseInfo(), plist.XMLFormat),
		"Secret.mlmodelc/coremldata.bin":         cryptoRandom(t, 2<<10),
		"Secret.mlmodelc/model.espresso.weights": cryptoRandom(t, 64<<10),
		"Secret.mlmodelc/model.espresso.net":     cryptoRandom(t, 8<<10),
	}
	res := analyze(t, openIPA(t, ipaOf(t, fs, nil)))
	if got := hitsOf(res.Hits, "ai-model-protected"); len(got) != 1 {
		t.Errorf("ai-model-protected: got %d hits (rules %v), want the encrypted model recorded as protected", len(got), ruleNames(res.Hits))
	}
}

func TestBinaryInfoPlistIsNoModel(t *testing.T) {
	t.Parallel()
	fs := files{
		"Info.plist":            plistOf(t, with(baseInfo(), "UIRequiredDeviceCapabilities", []any{"arm64"}, "UIDeviceFamily", []any{1, 2}), plist.BinaryFormat),
		"PrivacyInfo.xcprivacy": plistOf(t, map[string]any{"NSPrivacyTracking": false, "NSPrivacyCollectedDataTypes": []any{}}, plist.BinaryFormat),
		"Settings.plist":        plistOf(t, map[string]any{"a": int64(1), "b": []byte{1, 2, 3}}, plist.BinaryFormat),
	}
	res := analyze(t, openIPA(t, ipaOf(t, fs, nil)))
	if got := hitsOf(res.Hits, "ai-model-inventory"); len(got) != 0 {
		t.Errorf("property lists taken for models: %+v", got)
	}
}

func TestSDKs(t *testing.T) {
	t.Parallel()
	root := "Payload/App.app/"
	t.Run("embedded frameworks", func(t *testing.T) {
		t.Parallel()
		fs := files{
			"Info.plist": plistOf(t, baseInfo(), plist.XMLFormat),
			"Frameworks/TensorFlowLiteC.framework/Info.plist":          plistOf(t, map[string]any{"CFBundleIdentifier": "org.tensorflow.lite"}, plist.XMLFormat),
			"Frameworks/TensorFlowLiteC.framework/TensorFlowLiteC":     []byte("not a binary"),
			"Frameworks/FirebaseAnalytics.framework/FirebaseAnalytics": []byte("not a binary"),
			"Frameworks/Other.framework/Other":                         []byte("not a binary"),
		}
		for _, kind := range bundleKinds {
			t.Run(kind.name, func(t *testing.T) {
				t.Parallel()
				res := analyze(t, kind.open(t, fs))
				sdks := func(rule string) []string {
					var out []string
					for _, h := range hitsOf(res.Hits, rule) {
						out = append(out, h.Props["sdk"])
					}
					return out
				}
				if diff := cmp.Diff([]string{"TensorFlow Lite / LiteRT"}, sdks("ai-sdk-inventory")); diff != "" {
					t.Errorf("ai-sdk-inventory (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]string{"Firebase Analytics"}, sdks("privacy-tracker-sdk")); diff != "" {
					t.Errorf("privacy-tracker-sdk (-want +got):\n%s", diff)
				}
				for _, h := range hitsOf(res.Hits, "ai-sdk-inventory") {
					if len(h.Locations) != 1 || !strings.HasSuffix(h.Locations[0].Path, "Frameworks/TensorFlowLiteC.framework") {
						t.Errorf("TFLite located at %+v, want the framework directory once", h.Locations)
					}
				}
			})
		}
	})
	t.Run("linked system framework", func(t *testing.T) {
		t.Parallel()
		a := appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{Libraries: []string{
			"/usr/lib/libobjc.A.dylib", "/System/Library/Frameworks/CoreML.framework/CoreML", "/System/Library/Frameworks/UIKit.framework/UIKit", "@rpath/libswiftVision.dylib",
		}}))
		a.Names = []string{root + "Info.plist", root + "App"}
		got := map[string]string{}
		for _, h := range checkSDKs(a) {
			got[h.Props["sdk"]] = h.Rule + " " + h.Evidence
		}
		want := map[string]string{
			"Core ML": "ai-sdk-inventory /System/Library/Frameworks/CoreML.framework/CoreML",
			"Vision":  "ai-sdk-inventory @rpath/libswiftVision.dylib",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SDKs (-want +got):\n%s", diff)
		}
	})
	t.Run("a framework embedded and linked is one hit", func(t *testing.T) {
		t.Parallel()
		a := appWith(baseInfo(), arm64(root+"App", "main", macho.Arch{Libraries: []string{"@rpath/FirebaseAnalytics.framework/FirebaseAnalytics"}}))
		a.Names = []string{root + "Frameworks/FirebaseAnalytics.framework/FirebaseAnalytics", root + "Frameworks/FirebaseAnalytics.framework/Info.plist"}
		hits := checkSDKs(a)
		if len(hits) != 1 || hits[0].Rule != "privacy-tracker-sdk" || len(hits[0].Locations) != 2 {
			t.Errorf("got %+v, want one privacy-tracker-sdk hit with two locations", hits)
		}
	})
}

func TestLibraryName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/System/Library/Frameworks/CoreML.framework/CoreML", "CoreML"},
		{"@rpath/TensorFlowLiteC.framework/TensorFlowLiteC", "TensorFlowLiteC"},
		{"@rpath/libswiftVision.dylib", "Vision"},
		{"@rpath/libllama.dylib", "llama"},
		{"/usr/lib/libobjc.A.dylib", "objc.A"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := libraryName(tc.in); got != tc.want {
				t.Errorf("libraryName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
