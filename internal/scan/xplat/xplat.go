// Package xplat recognizes apps built with cross-platform frameworks
// (Flutter, React Native, Xamarin and .NET MAUI, Capacitor, Cordova) from
// the entry names of a package (an APK, an unpacked iOS .app, or an AAB
// remapped to APK paths), and extracts the strings of the payloads where
// such apps keep their code: JavaScript bundles, the Dart AOT snapshot,
// .NET assemblies and web assets. It produces facts, not findings: the
// Android and iOS analyzers turn facts into hits.
//
// Everything read comes from the package and is untrusted: reads, strings
// and payloads are bounded by Limits, and problems become Warnings.
package xplat

import (
	"path"
	"slices"
	"strings"
)

// Framework names reported in Framework.Name.
const (
	Flutter     = "flutter"
	ReactNative = "react-native"
	Xamarin     = "xamarin" // Xamarin and .NET MAUI; Props["maui"] tells them apart
	Capacitor   = "capacitor"
	Cordova     = "cordova"
)

// Payload kinds reported in Payload.Kind.
const (
	// KindJSBundle is a plain JavaScript React Native bundle; its strings
	// are the string literals.
	KindJSBundle = "js-bundle"
	// KindHermesBundle is a Hermes bytecode bundle; its strings are the
	// bytecode string table.
	KindHermesBundle = "hermes-bundle"
	// KindDartSnapshot is the Flutter app's compiled Dart code (libapp.so,
	// App.framework/App); its strings are printable ASCII runs.
	KindDartSnapshot = "dart-snapshot"
	// KindFlutterAsset is a text file under flutter_assets (configuration,
	// .env files); its strings are its lines.
	KindFlutterAsset = "flutter-asset"
	// KindAssembly is a .NET assembly or an assembly store; its strings are
	// the user-string (#US) heaps, or printable UTF-16LE runs.
	KindAssembly = "dotnet-assembly"
	// KindWebAsset is a Capacitor or Cordova web file (*.js, *.json,
	// *.html); its strings are the literals of scripts and the lines of
	// other files.
	KindWebAsset = "web-asset"
)

// ReadFunc reads the named entry, returning at most max bytes of it. When
// the entry is longer it returns its first max bytes (or an error).
type ReadFunc func(name string, max int64) ([]byte, error)

// Framework is one framework the package was built with.
type Framework struct {
	// Name is one of Flutter, ReactNative, Xamarin, Capacitor, Cordova.
	Name string
	// Evidence lists entry names that revealed the framework (at most
	// Limits.MaxEvidence, sorted).
	Evidence []string
	// Props are facts about the build, by framework:
	//   flutter:      build_mode (release|debug), dart_obfuscated
	//                 (true|false|unknown, see flutter.go),
	//                 dart_package_uris (the count behind it),
	//                 dart_version (of the engine), snapshot_hash
	//   react-native: bundle (plain|hermes|unknown), hermes_version
	//   xamarin:      maui (true|false)
	//   capacitor:    app_id, server_url, server_cleartext,
	//                 android_allow_mixed_content, web_contents_debugging
	//   cordova:      cordova_version
	// A prop is absent when the package does not show it.
	Props map[string]string
}

// Facts are what Detect found.
type Facts struct {
	// Frameworks in a fixed order: flutter, react-native, xamarin,
	// capacitor, cordova.
	Frameworks []Framework
	// Payloads whose strings should be searched for secrets and AI
	// endpoints, in the order read.
	Payloads []Payload
}

// Framework returns the named framework, or nil.
func (f *Facts) Framework(name string) *Framework {
	for i := range f.Frameworks {
		if f.Frameworks[i].Name == name {
			return &f.Frameworks[i]
		}
	}
	return nil
}

// Payload is a file whose strings should be searched for secrets and AI
// endpoints.
type Payload struct {
	// Path is the entry name, as given to Detect.
	Path string
	// Kind is one of the Kind constants.
	Kind string
	// Strings are the distinct strings extracted, in order of appearance.
	Strings []string
}

// Warning is a part of the package that could not be read completely.
type Warning struct {
	Path    string
	Message string
}

// Limits bounds the work of Detect. A zero field takes its default.
type Limits struct {
	// MaxEntryBytes is the most read of one payload; longer entries are
	// cut, with a warning.
	MaxEntryBytes int64
	// MaxEngineBytes is the most read of the Flutter engine library
	// (libflutter.so, Flutter.framework/Flutter) to find the Dart version.
	MaxEngineBytes int64
	// MaxTotalBytes is the most read over all entries.
	MaxTotalBytes int64
	// MaxPayloads is the most payloads read.
	MaxPayloads int
	// MaxStringsPerPayload is the most distinct strings kept of one payload.
	MaxStringsPerPayload int
	// MaxStrings is the most strings kept over all payloads.
	MaxStrings int
	// MaxStringLen is the longest string kept, in bytes; longer ones are cut.
	MaxStringLen int
	// MinRunLen is the shortest printable run kept from binaries.
	MinRunLen int
	// MaxEvidence is the most entry names listed as evidence per framework.
	MaxEvidence int
}

// Defaults: a large Flutter libapp.so is 20–40 MB, a React Native bundle
// 5–20 MB; 512 MB in total covers a 100 MB package whose payloads are
// stored compressed.
const (
	DefaultMaxEntryBytes        = 96 << 20
	DefaultMaxEngineBytes       = 32 << 20
	DefaultMaxTotalBytes        = 512 << 20
	DefaultMaxPayloads          = 256
	DefaultMaxStringsPerPayload = 200_000
	DefaultMaxStrings           = 1_000_000
	DefaultMaxStringLen         = 4 << 10
	DefaultMinRunLen            = 8
	DefaultMaxEvidence          = 8
)

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxEntryBytes:        DefaultMaxEntryBytes,
		MaxEngineBytes:       DefaultMaxEngineBytes,
		MaxTotalBytes:        DefaultMaxTotalBytes,
		MaxPayloads:          DefaultMaxPayloads,
		MaxStringsPerPayload: DefaultMaxStringsPerPayload,
		MaxStrings:           DefaultMaxStrings,
		MaxStringLen:         DefaultMaxStringLen,
		MinRunLen:            DefaultMinRunLen,
		MaxEvidence:          DefaultMaxEvidence,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set64 := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set64(&l.MaxEntryBytes, d.MaxEntryBytes)
	set64(&l.MaxEngineBytes, d.MaxEngineBytes)
	set64(&l.MaxTotalBytes, d.MaxTotalBytes)
	set(&l.MaxPayloads, d.MaxPayloads)
	set(&l.MaxStringsPerPayload, d.MaxStringsPerPayload)
	set(&l.MaxStrings, d.MaxStrings)
	set(&l.MaxStringLen, d.MaxStringLen)
	set(&l.MinRunLen, d.MinRunLen)
	set(&l.MaxEvidence, d.MaxEvidence)
	return l
}

// entry is a package entry: its name as given and its name relative to
// the package root (see normalize).
type entry struct {
	name string
	rel  string
}

// normalize returns name relative to the package root: without a leading
// "./" or "/", without an AAB module prefix ("base/"), and without an IPA's
// "Payload/<App>.app/" prefix, so one set of patterns serves all inputs.
func normalize(name string) string {
	n := strings.TrimPrefix(strings.TrimPrefix(name, "./"), "/")
	if rest, ok := strings.CutPrefix(n, "base/"); ok {
		n = rest
	}
	if rest, ok := strings.CutPrefix(n, "Payload/"); ok {
		if i := strings.Index(rest, ".app/"); i >= 0 && !strings.Contains(rest[:i], "/") {
			n = rest[i+len(".app/"):]
		}
	}
	return n
}

// abiPreference orders native library directories: one ABI's copy of a
// library is enough, and arm64 is what most devices run.
var abiPreference = []string{"arm64-v8a", "armeabi-v7a", "x86_64", "x86", "armeabi"}

// nativeLib reports whether rel is lib/<abi>/<base> and returns the ABI.
func nativeLib(rel, base string) (string, bool) {
	rest, ok := strings.CutPrefix(rel, "lib/")
	if !ok {
		return "", false
	}
	abi, file, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(file, "/") || abi == "" {
		return "", false
	}
	if strings.HasSuffix(base, "*") {
		return abi, strings.HasPrefix(file, strings.TrimSuffix(base, "*"))
	}
	return abi, file == base
}

// preferredABI picks the entry of the most preferred ABI.
func preferredABI(es []entry) (entry, bool) {
	if len(es) == 0 {
		return entry{}, false
	}
	best, bestRank := es[0], len(abiPreference)
	for _, e := range es {
		abi, _, _ := strings.Cut(strings.TrimPrefix(e.rel, "lib/"), "/")
		rank := slices.Index(abiPreference, abi)
		if rank < 0 {
			rank = len(abiPreference)
		}
		if rank < bestRank {
			best, bestRank = e, rank
		}
	}
	return best, true
}

// webRoots are the directories where Capacitor and Cordova keep the web
// app, Android first.
var webRoots = []struct{ prefix, framework string }{
	{"assets/public/", Capacitor},
	{"public/", Capacitor},
	{"assets/www/", Cordova},
	{"www/", Cordova},
}

func webAssetExt(rel string) bool {
	switch strings.ToLower(path.Ext(rel)) {
	case ".js", ".mjs", ".cjs", ".json", ".html", ".htm":
		return true
	}
	return false
}

// frameworkWebFile reports files of the frameworks' own runtimes, which
// hold no app secrets.
func frameworkWebFile(base string) bool {
	switch base {
	case "cordova.js", "cordova_plugins.js", "native-bridge.js":
		return true
	}
	return false
}

// flutterAssetText reports text files under flutter_assets worth searching
// (configuration and environment files bundled as assets), leaving out the
// manifests and licence notices every Flutter app has.
func flutterAssetText(rel string) bool {
	base := path.Base(rel)
	switch base {
	case "AssetManifest.json", "FontManifest.json", "NOTICES", "NOTICES.Z", "AssetManifest.bin.json":
		return false
	}
	if strings.HasPrefix(base, ".env") || base == "env" {
		return true
	}
	switch strings.ToLower(path.Ext(base)) {
	case ".json", ".env", ".txt", ".yaml", ".yml", ".xml", ".properties", ".cfg", ".conf", ".ini", ".js", ".toml":
		return true
	}
	return false
}

// dotnetPlatformAssembly reports the runtime's and platform's own
// assemblies, which are the same in every app and hold no app secrets.
func dotnetPlatformAssembly(base string) bool {
	for _, p := range []string{"System.", "Microsoft.", "Mono.", "Xamarin.", "Java.Interop", "_Microsoft."} {
		if strings.HasPrefix(base, p) {
			return true
		}
	}
	switch base {
	case "mscorlib.dll", "netstandard.dll", "WindowsBase.dll":
		return true
	}
	return false
}
