package xplat

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func frameworkNames(f *Facts) []string {
	var out []string
	for _, fw := range f.Frameworks {
		out = append(out, fw.Name)
	}
	return out
}

func TestDetectFrameworks(t *testing.T) {
	t.Parallel()
	plainBundle := []byte(`__d(function(g,r){var u="https://api.openai.com/v1";},1,[]);`)
	tests := []struct {
		name      string
		files     map[string][]byte
		want      []string
		wantProps map[string]map[string]string
	}{
		{
			name: "android flutter release",
			files: map[string][]byte{
				"lib/arm64-v8a/libflutter.so":                 elfWith(`3.5.4 (stable) (Wed Oct 16 16:18:51 2024 +0000) on "android_arm64"`),
				"lib/arm64-v8a/libapp.so":                     snapshotWith(40, 10),
				"lib/armeabi-v7a/libapp.so":                   snapshotWith(40, 10),
				"assets/flutter_assets/AssetManifest.json":    []byte("{}"),
				"assets/flutter_assets/fonts/MaterialIcons.o": {0},
				"classes.dex": {0},
			},
			want: []string{Flutter},
			wantProps: map[string]map[string]string{Flutter: {
				"build_mode": "release", "dart_obfuscated": "false", "dart_package_uris": "25",
				"dart_version": "3.5.4 (stable)", "snapshot_hash": "0123456789abcdef0123456789abcdef",
			}},
		},
		{
			name: "android flutter debug build from flutter_assets only",
			files: map[string][]byte{
				"assets/flutter_assets/kernel_blob.bin":    {0},
				"assets/flutter_assets/AssetManifest.json": []byte("{}"),
			},
			want:      []string{Flutter},
			wantProps: map[string]map[string]string{Flutter: {"build_mode": "debug", "dart_obfuscated": "unknown"}},
		},
		{
			name: "ios flutter obfuscated",
			files: map[string][]byte{
				"Frameworks/Flutter.framework/Flutter":                       elfWith("no version here"),
				"Frameworks/App.framework/App":                               snapshotWith(1, 2500),
				"Frameworks/App.framework/flutter_assets/AssetManifest.json": []byte("{}"),
				"Info.plist": {0},
			},
			want: []string{Flutter},
			wantProps: map[string]map[string]string{Flutter: {
				"build_mode": "release", "dart_obfuscated": "true", "dart_package_uris": "1",
				"snapshot_hash": "0123456789abcdef0123456789abcdef",
			}},
		},
		{
			name: "android react native plain bundle",
			files: map[string][]byte{
				"assets/index.android.bundle":        plainBundle,
				"lib/arm64-v8a/libreactnativejni.so": {0},
			},
			want:      []string{ReactNative},
			wantProps: map[string]map[string]string{ReactNative: {"bundle": "plain"}},
		},
		{
			name: "android react native hermes bundle",
			files: map[string][]byte{
				"assets/index.android.bundle": hermesHeader(96),
				"lib/x86_64/libhermes.so":     {0},
			},
			want:      []string{ReactNative},
			wantProps: map[string]map[string]string{ReactNative: {"bundle": "hermes", "hermes_version": "96"}},
		},
		{
			name: "android react native new architecture library only",
			files: map[string][]byte{
				"lib/arm64-v8a/libreactnative.so": {0},
			},
			want:      []string{ReactNative},
			wantProps: map[string]map[string]string{ReactNative: {}},
		},
		{
			name: "ios react native from an ipa",
			files: map[string][]byte{
				"Payload/Demo.app/main.jsbundle":                      hermesHeader(94),
				"Payload/Demo.app/Frameworks/hermes.framework/hermes": {0},
			},
			want:      []string{ReactNative},
			wantProps: map[string]map[string]string{ReactNative: {"bundle": "hermes", "hermes_version": "94"}},
		},
		{
			name: "android xamarin",
			files: map[string][]byte{
				"assemblies/MyApp.dll":          dotnetAssembly("https://api.openai.com/v1/chat/completions"),
				"assemblies/Mono.Android.dll":   dotnetAssembly("platform"),
				"lib/arm64-v8a/libmonodroid.so": {0},
			},
			want:      []string{Xamarin},
			wantProps: map[string]map[string]string{Xamarin: {"maui": "false"}},
		},
		{
			name: "android dotnet maui assembly store",
			files: map[string][]byte{
				"lib/arm64-v8a/libassemblies.arm64-v8a.blob.so": dotnetAssembly("store string"),
				"lib/arm64-v8a/libmonosgen-2.0.so":              {0},
				"assemblies/Microsoft.Maui.dll":                 {0},
			},
			want:      []string{Xamarin},
			wantProps: map[string]map[string]string{Xamarin: {"maui": "true"}},
		},
		{
			name: "ios xamarin",
			files: map[string][]byte{
				"Xamarin.iOS.dll":                  {0},
				"MyApp.iOS.dll":                    dotnetAssembly("secret"),
				"Frameworks/libmonosgen-2.0.dylib": {0},
			},
			want:      []string{Xamarin},
			wantProps: map[string]map[string]string{Xamarin: {"maui": "false"}},
		},
		{
			name: "ios dotnet maui",
			files: map[string][]byte{
				"Microsoft.iOS.dll":       {0},
				"Microsoft.Maui.Core.dll": {0},
			},
			want:      []string{Xamarin},
			wantProps: map[string]map[string]string{Xamarin: {"maui": "true"}},
		},
		{
			name: "android capacitor",
			files: map[string][]byte{
				"assets/capacitor.config.json": []byte(`{"appId":"com.example.app","server":{"url":"http://192.168.1.5:8100","cleartext":true},"android":{"allowMixedContent":true}}`),
				"assets/public/index.html":     []byte("<html></html>"),
				"assets/public/cordova.js":     []byte("// capacitor compat"),
			},
			want: []string{Capacitor},
			wantProps: map[string]map[string]string{Capacitor: {
				"app_id": "com.example.app", "server_url": "http://192.168.1.5:8100",
				"server_cleartext": "true", "android_allow_mixed_content": "true",
			}},
		},
		{
			name: "ios capacitor",
			files: map[string][]byte{
				"public/index.html":     []byte("<html></html>"),
				"capacitor.config.json": []byte(`{"appId":"com.example.ios"}`),
			},
			want:      []string{Capacitor},
			wantProps: map[string]map[string]string{Capacitor: {"app_id": "com.example.ios"}},
		},
		{
			name: "android cordova",
			files: map[string][]byte{
				"assets/www/cordova.js": []byte(`var PLATFORM_VERSION_BUILD_LABEL = '12.0.1';`),
				"assets/www/index.html": []byte("<html></html>"),
				"res/xml/config.xml":    {0},
			},
			want:      []string{Cordova},
			wantProps: map[string]map[string]string{Cordova: {"cordova_version": "12.0.1"}},
		},
		{
			name: "ios cordova",
			files: map[string][]byte{
				"www/cordova.js": []byte(`var PLATFORM_VERSION_BUILD_LABEL = "7.1.0";`),
				"www/index.html": []byte("<html></html>"),
			},
			want:      []string{Cordova},
			wantProps: map[string]map[string]string{Cordova: {"cordova_version": "7.1.0"}},
		},
		{
			name: "aab module prefix is ignored",
			files: map[string][]byte{
				"base/lib/arm64-v8a/libflutter.so": elfWith("x"),
			},
			want:      []string{Flutter},
			wantProps: map[string]map[string]string{Flutter: {"dart_obfuscated": "unknown"}},
		},
		{
			name: "native android app has no framework",
			files: map[string][]byte{
				"classes.dex":                 {0},
				"lib/arm64-v8a/libdivajni.so": {0},
				"assets/www/index.html":       []byte("<html></html>"),
				"assets/public/readme.txt":    []byte("not capacitor"),
				"AndroidManifest.xml":         {0},
			},
			want: nil,
		},
		{
			name: "two frameworks in one app",
			files: map[string][]byte{
				"assets/index.android.bundle": plainBundle,
				"lib/arm64-v8a/libflutter.so": elfWith("x"),
			},
			want: []string{Flutter, ReactNative},
			wantProps: map[string]map[string]string{
				Flutter:     {"dart_obfuscated": "unknown"},
				ReactNative: {"bundle": "plain"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			names := slices.Sorted(func(yield func(string) bool) {
				for n := range tt.files {
					if !yield(n) {
						return
					}
				}
			})
			facts, warns := Detect(names, mapReader(tt.files), Limits{})
			if diff := cmp.Diff(tt.want, frameworkNames(facts)); diff != "" {
				t.Fatalf("frameworks mismatch (-want +got):\n%s\nwarnings: %v", diff, warns)
			}
			for _, fw := range facts.Frameworks {
				if diff := cmp.Diff(tt.wantProps[fw.Name], fw.Props); diff != "" {
					t.Errorf("%s props mismatch (-want +got):\n%s", fw.Name, diff)
				}
				if len(fw.Evidence) == 0 {
					t.Errorf("%s has no evidence", fw.Name)
				}
			}
		})
	}
}

func payloadsByPath(f *Facts) map[string]Payload {
	m := map[string]Payload{}
	for _, p := range f.Payloads {
		m[p.Path] = p
	}
	return m
}

func TestDetectPayloads(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		// React Native, Android.
		"assets/index.android.bundle":        []byte(`var a="https://api.openai.com/v1",b=/re"gex/;c='sk-proj-TESTKEY'`),
		"lib/arm64-v8a/libreactnativejni.so": {0},
		// Flutter, one snapshot per ABI: only arm64 is read.
		"lib/arm64-v8a/libapp.so":              elfWith("https://generativelanguage.googleapis.com", "short"),
		"lib/x86/libapp.so":                    elfWith("x86 copy is not read"),
		"assets/flutter_assets/assets/.env":    []byte("OPENAI_API_KEY=sk-test-123\n\n  MODEL=gpt-4o  \n"),
		"assets/flutter_assets/NOTICES.Z":      {0},
		"assets/flutter_assets/config.json":    []byte(`{"endpoint":"https://api.anthropic.com"}`),
		"assets/flutter_assets/fonts/font.ttf": {0},
		// Xamarin, with an XALZ-compressed app assembly.
		"assemblies/MyApp.dll":      xalzLiterals(dotnetAssembly("https://api.mistral.ai/v1", "Bearer ")),
		"assemblies/System.Net.dll": dotnetAssembly("platform, not read"),
		"assemblies/Plain.dll":      append([]byte("MZ"), []byte("u\x00t\x00f\x001\x006\x00 \x00r\x00u\x00n\x00s\x00\x00\x00")...),
		// Cordova web assets.
		"assets/www/cordova.js":         []byte(`var PLATFORM_VERSION_BUILD_LABEL = '12.0.1';`),
		"assets/www/js/app.js":          []byte(`fetch("https://api.openai.com/v1/chat/completions",{headers:{Authorization:` + "`Bearer ${k}`" + `}})`),
		"assets/www/index.html":         []byte("<html>\n<script src=\"js/app.js\"></script>\n</html>"),
		"assets/www/img/logo.png":       {0},
		"assets/www/cordova_plugins.js": []byte(`module.exports=[]`),
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	facts, warns := Detect(names, mapReader(files), Limits{})
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	got := payloadsByPath(facts)
	tests := []struct {
		path string
		kind string
		want []string
	}{
		{"assets/index.android.bundle", KindJSBundle, []string{"https://api.openai.com/v1", "sk-proj-TESTKEY"}},
		{"lib/arm64-v8a/libapp.so", KindDartSnapshot, []string{"https://generativelanguage.googleapis.com"}},
		{"assets/flutter_assets/assets/.env", KindFlutterAsset, []string{"OPENAI_API_KEY=sk-test-123", "MODEL=gpt-4o"}},
		{"assets/flutter_assets/config.json", KindFlutterAsset, []string{`{"endpoint":"https://api.anthropic.com"}`}},
		{"assemblies/MyApp.dll", KindAssembly, []string{"https://api.mistral.ai/v1", "Bearer "}},
		{"assemblies/Plain.dll", KindAssembly, []string{"utf16 runs"}},
		{"assets/www/js/app.js", KindWebAsset, []string{"https://api.openai.com/v1/chat/completions", "Bearer "}},
		{"assets/www/index.html", KindWebAsset, []string{"<html>", `<script src="js/app.js"></script>`, "</html>"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, ok := got[tt.path]
			if !ok {
				t.Fatalf("no payload %s", tt.path)
			}
			if p.Kind != tt.kind {
				t.Errorf("Kind = %q, want %q", p.Kind, tt.kind)
			}
			if diff := cmp.Diff(tt.want, p.Strings); diff != "" {
				t.Errorf("Strings mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, absent := range []string{"lib/x86/libapp.so", "assemblies/System.Net.dll", "assets/www/cordova.js", "assets/www/cordova_plugins.js", "assets/flutter_assets/NOTICES.Z", "assets/www/img/logo.png"} {
		if _, ok := got[absent]; ok {
			t.Errorf("payload %s should not be read", absent)
		}
	}
	if len(got) != len(tests) {
		t.Errorf("%d payloads, want %d: %v", len(got), len(tests), slices.Sorted(func(yield func(string) bool) {
			for k := range got {
				if !yield(k) {
					return
				}
			}
		}))
	}
}

func TestDetectLimits(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	for i := range 1000 {
		sb.WriteString(`"https://example.com/` + itoa(i) + `";`)
	}
	big := []byte(sb.String())
	files := map[string][]byte{
		"assets/index.android.bundle": big,
		"assets/extra.bundle":         []byte(`var a="second bundle"`),
		"lib/arm64-v8a/libhermes.so":  {0},
	}
	names := []string{"assets/index.android.bundle", "assets/extra.bundle", "lib/arm64-v8a/libhermes.so"}
	tests := []struct {
		name         string
		lim          Limits
		wantPayloads int
		wantWarn     string
	}{
		{"entry cut at the per-entry limit", Limits{MaxEntryBytes: 100}, 2, "cut at 100 bytes"},
		{"total budget stops reading", Limits{MaxTotalBytes: 200}, 1, "payloads not read"},
		{"payload count limit", Limits{MaxPayloads: 1}, 1, "payloads not read"},
		{"string limit per payload", Limits{MaxStringsPerPayload: 1}, 2, "string limit reached"},
		{"total string limit", Limits{MaxStrings: 1}, 1, "payloads not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			facts, warns := Detect(names, mapReader(files), tt.lim)
			if len(facts.Payloads) != tt.wantPayloads {
				t.Errorf("%d payloads, want %d", len(facts.Payloads), tt.wantPayloads)
			}
			total := 0
			for _, p := range facts.Payloads {
				total += len(p.Strings)
			}
			if tt.lim.MaxStrings > 0 && total > tt.lim.MaxStrings {
				t.Errorf("%d strings kept, limit %d", total, tt.lim.MaxStrings)
			}
			if !slices.ContainsFunc(warns, func(w Warning) bool { return strings.Contains(w.Message, tt.wantWarn) }) {
				t.Errorf("warnings %v lack %q", warns, tt.wantWarn)
			}
		})
	}
	t.Run("read errors become warnings", func(t *testing.T) {
		t.Parallel()
		failing := func(string, int64) ([]byte, error) { return nil, errors.New("boom") }
		facts, warns := Detect(names, failing, Limits{})
		if len(facts.Payloads) != 0 || len(warns) != 2 {
			t.Errorf("payloads %d, warnings %v; want 0 and 2", len(facts.Payloads), warns)
		}
		if got := frameworkNames(facts); !slices.Equal(got, []string{ReactNative}) {
			t.Errorf("frameworks = %v, want react-native from names alone", got)
		}
	})
	t.Run("nil reader detects from names", func(t *testing.T) {
		t.Parallel()
		facts, _ := Detect(names, nil, Limits{})
		if got := frameworkNames(facts); !slices.Equal(got, []string{ReactNative}) {
			t.Errorf("frameworks = %v", got)
		}
	})
	t.Run("evidence is capped", func(t *testing.T) {
		t.Parallel()
		var many []string
		for _, abi := range []string{"a", "b", "c", "d", "e"} {
			many = append(many, "lib/"+abi+"/libhermes.so", "lib/"+abi+"/libreactnativejni.so")
		}
		facts, _ := Detect(many, nil, Limits{MaxEvidence: 3})
		if n := len(facts.Frameworks[0].Evidence); n != 3 {
			t.Errorf("%d evidence entries, want 3", n)
		}
	})
}

func TestDartObfuscation(t *testing.T) {
	t.Parallel()
	filler := func(n int) []string {
		var s []string
		for i := range n {
			s = append(s, "x"+itoa(i))
		}
		return s
	}
	uris := func(n int) []string {
		var s []string
		for i := range n {
			s = append(s, "package:app/m"+itoa(i)+".dart")
		}
		return s
	}
	tests := []struct {
		name     string
		strs     []string
		complete bool
		want     string
	}{
		{"many package uris is not obfuscated", append(uris(300), filler(10)...), true, "false"},
		{"many uris in a cut snapshot still decide", uris(30), false, "false"},
		{"uris inside a longer run count once each", []string{strings.Join(uris(30), " ")}, true, "false"},
		{"no uris in a full snapshot is obfuscated", filler(5000), true, "true"},
		{"a few literals stay obfuscated", append(uris(3), filler(5000)...), true, "true"},
		{"no uris in a cut snapshot is unknown", filler(5000), false, "unknown"},
		{"tiny snapshot is unknown", filler(50), true, "unknown"},
		{"middle ground is unknown", append(uris(10), filler(5000)...), true, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, _ := dartObfuscation(tt.strs, tt.complete); got != tt.want {
				t.Errorf("dartObfuscation() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"assets/index.android.bundle", "assets/index.android.bundle"},
		{"base/assets/index.android.bundle", "assets/index.android.bundle"},
		{"Payload/My App.app/main.jsbundle", "main.jsbundle"},
		{"Payload/x/y.app/main.jsbundle", "Payload/x/y.app/main.jsbundle"},
		{"./www/cordova.js", "www/cordova.js"},
		{"/Frameworks/App.framework/App", "Frameworks/App.framework/App"},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
