package xplat

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-security/bulwark/internal/jsbundle"
)

// plan is what the names alone tell: evidence per framework and the
// entries to read.
type plan struct {
	evidence map[string][]string
	props    map[string]map[string]string

	bundles          []entry // React Native bundles, the main one first
	extraBundles     []entry // other *.bundle / *.jsbundle, read if React Native is found
	libapp           []entry // Android Dart snapshots, one per ABI
	iosSnapshot      []entry
	engine           []entry // libflutter.so per ABI, or Flutter.framework/Flutter
	assemblies       []entry
	capacitorConf    []entry
	cordovaJS        []entry
	web              map[string][]entry // framework → web assets
	flutterAssets    []entry
	flutterAssetSeen bool
	flutterDebug     bool
	maui             bool
}

func newPlan() *plan {
	return &plan{
		evidence: make(map[string][]string),
		props:    make(map[string]map[string]string),
		web:      make(map[string][]entry),
	}
}

func (p *plan) note(framework, name string) {
	p.evidence[framework] = append(p.evidence[framework], name)
}

func (p *plan) prop(framework, key, value string) {
	m := p.props[framework]
	if m == nil {
		m = make(map[string]string)
		p.props[framework] = m
	}
	m[key] = value
}

// classify sorts one entry into the plan.
func (p *plan) classify(e entry) {
	rel := e.rel
	base := path.Base(rel)
	dir := path.Dir(rel)

	// Flutter.
	if _, ok := nativeLib(rel, "libflutter.so"); ok {
		p.note(Flutter, e.name)
		p.engine = append(p.engine, e)
	}
	if _, ok := nativeLib(rel, "libapp.so"); ok {
		p.note(Flutter, e.name)
		p.libapp = append(p.libapp, e)
	}
	switch {
	case rel == "Frameworks/Flutter.framework/Flutter":
		p.note(Flutter, e.name)
		p.engine = append(p.engine, e)
	case rel == "Frameworks/App.framework/App":
		p.note(Flutter, e.name)
		p.iosSnapshot = append(p.iosSnapshot, e)
	}
	if strings.HasPrefix(rel, "assets/flutter_assets/") || strings.HasPrefix(rel, "Frameworks/App.framework/flutter_assets/") {
		if !p.flutterAssetSeen { // one asset is evidence enough
			p.flutterAssetSeen = true
			p.note(Flutter, e.name)
		}
		switch base {
		case "kernel_blob.bin", "isolate_snapshot_data", "vm_snapshot_data":
			p.flutterDebug = true
		}
		if flutterAssetText(rel) {
			p.flutterAssets = append(p.flutterAssets, e)
		}
	}

	// React Native.
	switch {
	case rel == "assets/index.android.bundle" || rel == "main.jsbundle":
		p.note(ReactNative, e.name)
		p.bundles = append(p.bundles, e)
	case dir == "assets" && strings.HasSuffix(base, ".bundle") || dir == "." && strings.HasSuffix(base, ".jsbundle"):
		p.extraBundles = append(p.extraBundles, e)
	}
	for _, lib := range []string{"libreactnativejni.so", "libhermes.so", "libreactnative.so"} {
		if _, ok := nativeLib(rel, lib); ok {
			p.note(ReactNative, e.name)
		}
	}
	if rel == "Frameworks/hermes.framework/hermes" || rel == "Frameworks/React.framework/React" {
		p.note(ReactNative, e.name)
	}

	// Xamarin and .NET MAUI.
	isDLL := strings.EqualFold(path.Ext(base), ".dll")
	inWeb := false
	for _, w := range webRoots {
		if strings.HasPrefix(rel, w.prefix) {
			inWeb = true
		}
	}
	switch {
	case strings.HasPrefix(rel, "assemblies/") && (isDLL || strings.HasSuffix(base, ".blob")):
		p.note(Xamarin, e.name)
		if strings.HasSuffix(base, ".blob") || !dotnetPlatformAssembly(base) {
			p.assemblies = append(p.assemblies, e)
		}
	case isDLL && !inWeb && !strings.HasPrefix(rel, "lib/") && !strings.HasPrefix(rel, "assets/"):
		// iOS: assemblies sit at the .app root (or in a subdirectory).
		p.note(Xamarin, e.name)
		if !dotnetPlatformAssembly(base) {
			p.assemblies = append(p.assemblies, e)
		}
	}
	if isDLL && strings.HasPrefix(base, "Microsoft.Maui") {
		p.maui = true
	}
	if _, ok := nativeLib(rel, "libassemblies.*"); ok && strings.HasSuffix(base, ".blob.so") {
		p.note(Xamarin, e.name)
		p.assemblies = append(p.assemblies, e)
	}
	if strings.HasPrefix(base, "libmono") || base == "libxamarin-app.so" {
		if _, ok := nativeLib(rel, base); ok || strings.HasPrefix(rel, "Frameworks/") || dir == "." {
			p.note(Xamarin, e.name)
		}
	}

	// Capacitor and Cordova.
	switch rel {
	case "assets/capacitor.config.json", "capacitor.config.json":
		p.note(Capacitor, e.name)
		p.capacitorConf = append(p.capacitorConf, e)
	case "assets/capacitor.plugins.json":
		p.note(Capacitor, e.name)
	case "assets/www/cordova.js", "www/cordova.js":
		p.note(Cordova, e.name)
		p.cordovaJS = append(p.cordovaJS, e)
	case "assets/www/cordova_plugins.js", "www/cordova_plugins.js":
		p.note(Cordova, e.name)
	}
	for _, w := range webRoots {
		rest, ok := strings.CutPrefix(rel, w.prefix)
		if !ok {
			continue
		}
		// Capacitor's web root is its own (Cordova's www/ is told by
		// cordova.js, as plain WebView apps use www/ too).
		if rest == "index.html" && w.framework == Capacitor {
			p.note(Capacitor, e.name)
		}
		if webAssetExt(rel) && !frameworkWebFile(base) {
			p.web[w.framework] = append(p.web[w.framework], e)
		}
	}
}

// Detect recognizes the cross-platform frameworks of a package from its
// entry names, reads the payloads they ship through read, and extracts
// their strings. names are entry paths of an APK, of an unpacked .app
// (relative to the .app root; an IPA's "Payload/<App>.app/" prefix is
// also understood), or of an AAB ("base/" prefixes are ignored). Zero
// fields of lim take their defaults. Detect never fails: what it could
// not read becomes a Warning.
func Detect(names []string, read ReadFunc, lim Limits) (*Facts, []Warning) {
	lim = lim.withDefaults()
	p := newPlan()
	for _, n := range names {
		p.classify(entry{name: n, rel: normalize(n)})
	}
	d := &detector{lim: lim, read: read, facts: &Facts{}, plan: p}
	d.run()
	return d.facts, d.warnings
}

type detector struct {
	lim      Limits
	read     ReadFunc
	plan     *plan
	facts    *Facts
	warnings []Warning

	used    int64 // bytes read
	strings int   // strings kept
	skipped int   // payloads not read for the limits
}

func (d *detector) warn(name, format string, args ...any) {
	d.warnings = append(d.warnings, Warning{Path: name, Message: fmt.Sprintf(format, args...)})
}

// get reads up to max bytes of an entry within the total budget.
func (d *detector) get(e entry, max int64) ([]byte, bool) {
	data, _, ok := d.getCut(e, max)
	return data, ok
}

// getCut is get that also reports whether the entry was cut.
func (d *detector) getCut(e entry, max int64) (data []byte, cut, ok bool) {
	if d.read == nil {
		return nil, false, false
	}
	remaining := d.lim.MaxTotalBytes - d.used
	if remaining <= 0 {
		d.skipped++
		return nil, false, false
	}
	want := min(max, remaining)
	data, err := d.read(e.name, want+1)
	if err != nil {
		d.warn(e.name, "read: %v", err)
		return nil, false, false
	}
	if int64(len(data)) > want {
		cut = true
		data = data[:want]
		if want < max {
			d.warn(e.name, "total read limit of %d bytes reached: entry cut at %d bytes", d.lim.MaxTotalBytes, want)
		} else {
			d.warn(e.name, "entry larger than the read limit: cut at %d bytes", want)
		}
	}
	d.used += int64(len(data))
	return data, cut, true
}

// newSet returns the string set for the next payload, or nil when the
// payload or string limits are reached.
func (d *detector) newSet() *strSet {
	left := d.lim.MaxStrings - d.strings
	if len(d.facts.Payloads) >= d.lim.MaxPayloads || left <= 0 {
		d.skipped++
		return nil
	}
	return newStrSet(min(d.lim.MaxStringsPerPayload, left), d.lim.MaxStringLen)
}

func (d *detector) keep(e entry, kind string, set *strSet) {
	if set.truncated {
		d.warn(e.name, "string limit reached: %d strings kept", len(set.out))
	}
	d.strings += len(set.out)
	d.facts.Payloads = append(d.facts.Payloads, Payload{Path: e.name, Kind: kind, Strings: set.out})
}

func (d *detector) run() {
	p := d.plan
	found := map[string]bool{}
	for _, fw := range []string{Flutter, ReactNative, Xamarin, Capacitor, Cordova} {
		found[fw] = len(p.evidence[fw]) > 0
	}
	if found[ReactNative] {
		d.reactNative()
	}
	if found[Flutter] {
		d.flutter()
	}
	if found[Xamarin] {
		d.prop(Xamarin, "maui", strconv.FormatBool(p.maui))
		for _, e := range sortedEntries(p.assemblies) {
			d.assembly(e)
		}
	}
	if found[Capacitor] {
		for _, e := range p.capacitorConf {
			d.capacitorConfig(e)
		}
		for _, e := range sortedEntries(p.web[Capacitor]) {
			d.webAsset(e)
		}
	}
	if found[Cordova] {
		for _, e := range p.cordovaJS {
			d.cordovaVersion(e)
		}
		for _, e := range sortedEntries(p.web[Cordova]) {
			d.webAsset(e)
		}
	}
	if found[Flutter] {
		for _, e := range sortedEntries(p.flutterAssets) {
			d.text(e, KindFlutterAsset)
		}
	}
	if d.skipped > 0 {
		d.warn("", "%d payloads not read: limits reached (%d bytes read, %d payloads, %d strings)", d.skipped, d.used, len(d.facts.Payloads), d.strings)
	}
	for _, fw := range []string{Flutter, ReactNative, Xamarin, Capacitor, Cordova} {
		if !found[fw] {
			continue
		}
		ev := slices.Compact(slices.Sorted(slices.Values(p.evidence[fw])))
		if len(ev) > d.lim.MaxEvidence {
			ev = ev[:d.lim.MaxEvidence]
		}
		props := p.props[fw]
		if props == nil {
			props = map[string]string{}
		}
		d.facts.Frameworks = append(d.facts.Frameworks, Framework{Name: fw, Evidence: ev, Props: props})
	}
}

func (d *detector) prop(fw, key, value string) { d.plan.prop(fw, key, value) }

func sortedEntries(es []entry) []entry {
	return slices.SortedFunc(slices.Values(es), func(a, b entry) int { return strings.Compare(a.name, b.name) })
}

func (d *detector) reactNative() {
	p := d.plan
	bundles := append(sortedEntries(p.bundles), sortedEntries(p.extraBundles)...)
	for i, e := range bundles {
		kind, version := d.bundle(e)
		if i == 0 {
			d.prop(ReactNative, "bundle", kind)
			if version > 0 {
				d.prop(ReactNative, "hermes_version", strconv.Itoa(version))
			}
		}
	}
}

// bundle reads a React Native bundle and returns its kind (plain, hermes
// or unknown) and Hermes version.
func (d *detector) bundle(e entry) (string, int) {
	set := d.newSet()
	if set == nil {
		return "unknown", 0
	}
	data, ok := d.get(e, d.lim.MaxEntryBytes)
	if !ok {
		return "unknown", 0
	}
	res, err := jsbundle.Strings(data, jsbundle.Limits{
		MaxSize:      d.lim.MaxEntryBytes,
		MaxStrings:   set.max,
		MaxStringLen: d.lim.MaxStringLen,
	})
	switch {
	case res != nil && len(res.Strings) > 0 || err == nil:
		if err != nil {
			d.warn(e.name, "bundle strings: %v", err)
		}
		for _, s := range res.Strings {
			set.add(s)
		}
		set.truncated = set.truncated || res.Truncated
		kind := KindJSBundle
		if res.Kind == jsbundle.Hermes {
			kind = KindHermesBundle
		}
		d.keep(e, kind, set)
		return res.Kind.String(), res.Version
	default:
		// Unreadable as a bundle (malformed Hermes, binary): printable runs
		// still hold what a secret would look like.
		d.warn(e.name, "bundle strings: %v; printable runs used instead", err)
		printableRuns(data, d.lim.MinRunLen, set)
		kind, version := KindJSBundle, 0
		if res != nil && res.Kind == jsbundle.Hermes {
			kind, version = KindHermesBundle, res.Version
		}
		d.keep(e, kind, set)
		if kind == KindHermesBundle {
			return "hermes", version
		}
		return "unknown", 0
	}
}

func (d *detector) flutter() {
	p := d.plan
	switch {
	case len(p.libapp) > 0 || len(p.iosSnapshot) > 0:
		d.prop(Flutter, "build_mode", "release")
	case p.flutterDebug:
		d.prop(Flutter, "build_mode", "debug")
	}
	snapshot, ok := preferredABI(p.libapp)
	if !ok && len(p.iosSnapshot) > 0 {
		snapshot, ok = p.iosSnapshot[0], true
	}
	verdict := "unknown"
	if ok {
		if set := d.newSet(); set != nil {
			if data, cut, read := d.getCut(snapshot, d.lim.MaxEntryBytes); read {
				printableRuns(data, d.lim.MinRunLen, set)
				v, uris := dartObfuscation(set.out, !cut && !set.truncated)
				verdict = v
				d.prop(Flutter, "dart_package_uris", itoa(uris))
				if h := snapshotHashOf(set.out); h != "" {
					d.prop(Flutter, "snapshot_hash", h)
				}
				d.keep(snapshot, KindDartSnapshot, set)
			}
		}
	}
	d.prop(Flutter, "dart_obfuscated", verdict)
	engine, ok := preferredABI(p.engine)
	if !ok {
		return
	}
	data, read := d.get(engine, d.lim.MaxEngineBytes)
	if !read {
		return
	}
	set := newStrSet(1<<20, 256)
	printableRuns(data, d.lim.MinRunLen, set)
	if v := engineVersion(set.out); v != "" {
		d.prop(Flutter, "dart_version", v)
	}
}

func (d *detector) assembly(e entry) {
	set := d.newSet()
	if set == nil {
		return
	}
	data, ok := d.get(e, d.lim.MaxEntryBytes)
	if !ok {
		return
	}
	if err := assemblyStrings(data, d.lim.MinRunLen, d.lim.MaxEntryBytes, set); err != nil && !errors.Is(err, errNoMetadata) {
		d.warn(e.name, "assembly strings: %v", err)
	}
	d.keep(e, KindAssembly, set)
}

func (d *detector) webAsset(e entry) {
	if !strings.EqualFold(path.Ext(e.rel), ".js") && !strings.EqualFold(path.Ext(e.rel), ".mjs") && !strings.EqualFold(path.Ext(e.rel), ".cjs") {
		d.text(e, KindWebAsset)
		return
	}
	set := d.newSet()
	if set == nil {
		return
	}
	data, ok := d.get(e, d.lim.MaxEntryBytes)
	if !ok {
		return
	}
	res, err := jsbundle.Strings(data, jsbundle.Limits{MaxSize: d.lim.MaxEntryBytes, MaxStrings: set.max, MaxStringLen: d.lim.MaxStringLen})
	if err != nil || res.Kind != jsbundle.PlainJS {
		textLines(data, d.lim.MinRunLen, set)
	} else {
		for _, s := range res.Strings {
			set.add(s)
		}
		set.truncated = set.truncated || res.Truncated
	}
	d.keep(e, KindWebAsset, set)
}

func (d *detector) text(e entry, kind string) {
	set := d.newSet()
	if set == nil {
		return
	}
	data, ok := d.get(e, d.lim.MaxEntryBytes)
	if !ok {
		return
	}
	textLines(data, d.lim.MinRunLen, set)
	d.keep(e, kind, set)
}

// maxConfigBytes bounds the small configuration files read for props.
const maxConfigBytes = 1 << 20

// capacitorConfig reads capacitor.config.json for the props that matter
// to security (a development server URL or cleartext left in a release),
// and keeps its lines as a web asset.
func (d *detector) capacitorConfig(e entry) {
	data, ok := d.get(e, maxConfigBytes)
	if !ok {
		return
	}
	var cfg struct {
		AppID  string `json:"appId"`
		Server struct {
			URL       string `json:"url"`
			Cleartext *bool  `json:"cleartext"`
		} `json:"server"`
		Android struct {
			AllowMixedContent    *bool `json:"allowMixedContent"`
			WebContentsDebugging *bool `json:"webContentsDebuggingEnabled"`
		} `json:"android"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		d.warn(e.name, "capacitor config: %v", err)
	} else {
		set := func(key string, v *bool) {
			if v != nil {
				d.prop(Capacitor, key, strconv.FormatBool(*v))
			}
		}
		if cfg.AppID != "" {
			d.prop(Capacitor, "app_id", cut(cfg.AppID, 256))
		}
		if cfg.Server.URL != "" {
			d.prop(Capacitor, "server_url", cut(cfg.Server.URL, 1024))
		}
		set("server_cleartext", cfg.Server.Cleartext)
		set("android_allow_mixed_content", cfg.Android.AllowMixedContent)
		set("web_contents_debugging", cfg.Android.WebContentsDebugging)
	}
	if s := d.newSet(); s != nil {
		textLines(data, d.lim.MinRunLen, s)
		d.keep(e, KindWebAsset, s)
	}
}

var cordovaVersionRE = regexp.MustCompile(`PLATFORM_VERSION_BUILD_LABEL\s*=\s*['"]([0-9A-Za-z.\-]{1,32})['"]`)

// cordovaVersion reads the platform version from cordova.js.
func (d *detector) cordovaVersion(e entry) {
	data, ok := d.get(e, maxConfigBytes)
	if !ok {
		return
	}
	if m := cordovaVersionRE.FindSubmatch(data); m != nil {
		d.prop(Cordova, "cordova_version", string(m[1]))
	}
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
