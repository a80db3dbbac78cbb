package android

import (
	"archive/zip"
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/androidres/axmltest"
	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// Framework attribute ids used by the tests.
const (
	idName         = 0x01010003
	idPermission   = 0x01010006
	idReadPerm     = 0x01010007
	idProtection   = 0x01010009
	idDebuggable   = 0x0101000f
	idExported     = 0x01010010
	idTaskAffinity = 0x01010012
	idAuthorities  = 0x01010018
	idGrantURI     = 0x0101001b
	idLaunchMode   = 0x0101001d
	idScheme       = 0x01010027
	idHost         = 0x01010028
	idMinSDK       = 0x0101020c
	idTargetSDK    = 0x01010270
	idTestOnly     = 0x01010272
	idAllowBackup  = 0x01010280
	idCleartext    = 0x010104ec
	idAutoVerify   = 0x010104ee
	idNSC          = 0x01010527
	idValue        = 0x01010024
)

type testApp struct {
	minSDK, targetSDK int
	appAttrs          []axmltest.Attr
	components        []*axmltest.Node
	extra             []*axmltest.Node // children of <manifest>
	resources         []axmltest.Resource
	files             map[string][]byte
}

func (ta testApp) apk(t *testing.T) []byte {
	t.Helper()
	sdk := &axmltest.Node{Name: "uses-sdk", Attrs: []axmltest.Attr{axmltest.AInt("minSdkVersion", idMinSDK, ta.minSDK)}}
	if ta.targetSDK > 0 {
		sdk.Attrs = append(sdk.Attrs, axmltest.AInt("targetSdkVersion", idTargetSDK, ta.targetSDK))
	}
	root := &axmltest.Node{Name: "manifest", Attrs: []axmltest.Attr{axmltest.Str("package", "com.example.app")},
		Children: append([]*axmltest.Node{sdk}, ta.extra...)}
	root.Children = append(root.Children, &axmltest.Node{Name: "application", Attrs: ta.appAttrs, Children: ta.components})
	files := map[string][]byte{"AndroidManifest.xml": axmltest.Encode(root)}
	if ta.resources != nil {
		files["resources.arsc"] = axmltest.EncodeTable("com.example.app", ta.resources)
	}
	for k, v := range ta.files {
		files[k] = v
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fw, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(files[n])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func analyzeAPK(t *testing.T, data []byte) *Result {
	t.Helper()
	z, err := archive.OpenZip(bytes.NewReader(data), int64(len(data)), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), Input{Pkg: z, File: bytes.NewReader(data), Size: int64(len(data))},
		Options{Secrets: detect.Default(), Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func hitsOf(res *Result, rule string) []finding.Hit {
	var out []finding.Hit
	for _, h := range res.Hits {
		if h.Rule == rule {
			out = append(out, h)
		}
	}
	return out
}

func component(kind, name string, attrs ...axmltest.Attr) *axmltest.Node {
	return &axmltest.Node{Name: kind, Attrs: append([]axmltest.Attr{axmltest.AStr("name", idName, name)}, attrs...)}
}

func withFilter(n *axmltest.Node, actions, categories []string, data ...*axmltest.Node) *axmltest.Node {
	f := &axmltest.Node{Name: "intent-filter"}
	for _, a := range actions {
		f.Children = append(f.Children, &axmltest.Node{Name: "action", Attrs: []axmltest.Attr{axmltest.AStr("name", idName, a)}})
	}
	for _, c := range categories {
		f.Children = append(f.Children, &axmltest.Node{Name: "category", Attrs: []axmltest.Attr{axmltest.AStr("name", idName, c)}})
	}
	f.Children = append(f.Children, data...)
	n.Children = append(n.Children, f)
	return n
}

func TestManifestChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		app   testApp
		rule  string
		count int
	}{
		{"debuggable release is reported", testApp{minSDK: 24, targetSDK: 34, appAttrs: []axmltest.Attr{axmltest.ABool("debuggable", idDebuggable, true)}}, "android-debuggable", 1},
		{"debuggable=false is not reported", testApp{minSDK: 24, targetSDK: 34, appAttrs: []axmltest.Attr{axmltest.ABool("debuggable", idDebuggable, false)}}, "android-debuggable", 0},
		{"allowBackup=true is reported", testApp{minSDK: 24, targetSDK: 34, appAttrs: []axmltest.Attr{axmltest.ABool("allowBackup", idAllowBackup, true)}}, "android-backup-allowed", 1},
		{"allowBackup absent with targetSdk 30 defaults to on", testApp{minSDK: 24, targetSDK: 30}, "android-backup-allowed", 1},
		{"allowBackup absent with targetSdk 31 is not reported", testApp{minSDK: 24, targetSDK: 31}, "android-backup-allowed", 0},
		{"allowBackup=false is not reported", testApp{minSDK: 24, targetSDK: 30, appAttrs: []axmltest.Attr{axmltest.ABool("allowBackup", idAllowBackup, false)}}, "android-backup-allowed", 0},
		{"usesCleartextTraffic=true is reported", testApp{minSDK: 24, targetSDK: 34, appAttrs: []axmltest.Attr{axmltest.ABool("usesCleartextTraffic", idCleartext, true)}}, "android-cleartext-traffic-allowed", 1},
		{"cleartext is the default below API 28", testApp{minSDK: 21, targetSDK: 27}, "android-cleartext-traffic-allowed", 1},
		{"cleartext is off by default from API 28", testApp{minSDK: 21, targetSDK: 28}, "android-cleartext-traffic-allowed", 0},
		{"testOnly is reported", testApp{minSDK: 24, targetSDK: 34, appAttrs: []axmltest.Attr{axmltest.ABool("testOnly", idTestOnly, true)}}, "android-test-only", 1},
		{"minSdk 23 is outdated", testApp{minSDK: 23, targetSDK: 34}, "android-min-sdk-outdated", 1},
		{"minSdk 24 is not", testApp{minSDK: 24, targetSDK: 34}, "android-min-sdk-outdated", 0},
		{"targetSdk 33 is outdated", testApp{minSDK: 24, targetSDK: 33}, "android-target-sdk-outdated", 1},
		{"targetSdk defaults to minSdk", testApp{minSDK: 24}, "android-target-sdk-outdated", 1},
		{"exported=true activity without permission", testApp{minSDK: 24, targetSDK: 34, components: []*axmltest.Node{
			component("activity", ".Admin", axmltest.ABool("exported", idExported, true))}}, "android-exported-component", 1},
		{"exported activity guarded by a permission", testApp{minSDK: 24, targetSDK: 34, components: []*axmltest.Node{
			component("activity", ".Admin", axmltest.ABool("exported", idExported, true), axmltest.AStr("permission", idPermission, "com.example.ADMIN"))}}, "android-exported-component", 0},
		{"intent filter exports implicitly below API 31", testApp{minSDK: 24, targetSDK: 30, components: []*axmltest.Node{
			withFilter(component("receiver", ".Rx"), []string{"com.example.PING"}, nil)}}, "android-exported-component", 1},
		{"intent filter with exported=false stays private", testApp{minSDK: 24, targetSDK: 30, components: []*axmltest.Node{
			withFilter(component("service", ".Svc", axmltest.ABool("exported", idExported, false)), []string{"x"}, nil)}}, "android-exported-component", 0},
		{"provider of an API 16 app is exported by default", testApp{minSDK: 9, targetSDK: 16, components: []*axmltest.Node{
			component("provider", ".Data", axmltest.AStr("authorities", idAuthorities, "com.example.data"))}}, "android-exported-component", 1},
		{"provider of an API 17 app is private by default", testApp{minSDK: 9, targetSDK: 17, components: []*axmltest.Node{
			component("provider", ".Data")}}, "android-exported-component", 0},
		{"provider with only a read permission is still writable", testApp{minSDK: 24, targetSDK: 34, components: []*axmltest.Node{
			component("provider", ".Data", axmltest.ABool("exported", idExported, true), axmltest.AStr("readPermission", idReadPerm, "p"))}}, "android-exported-component", 1},
		{"grantUriPermissions on a provider", testApp{minSDK: 24, targetSDK: 34, components: []*axmltest.Node{
			component("provider", ".Files", axmltest.ABool("grantUriPermissions", idGrantURI, true))}}, "android-provider-grant-uri", 1},
		{"singleTask activity with default affinity on old Android", testApp{minSDK: 24, targetSDK: 34, components: []*axmltest.Node{
			component("activity", ".Main", axmltest.AInt("launchMode", idLaunchMode, 2))}}, "android-task-hijacking", 1},
		{"singleTask activity with empty affinity", testApp{minSDK: 24, targetSDK: 34, appAttrs: []axmltest.Attr{axmltest.AStr("taskAffinity", idTaskAffinity, "")},
			components: []*axmltest.Node{component("activity", ".Main", axmltest.AInt("launchMode", idLaunchMode, 2))}}, "android-task-hijacking", 0},
		{"singleTask activity when minSdk is 30", testApp{minSDK: 30, targetSDK: 34, components: []*axmltest.Node{
			component("activity", ".Main", axmltest.AInt("launchMode", idLaunchMode, 2))}}, "android-task-hijacking", 0},
		{"custom permission with normal protection", testApp{minSDK: 24, targetSDK: 34, extra: []*axmltest.Node{
			{Name: "permission", Attrs: []axmltest.Attr{axmltest.AStr("name", idName, "com.example.ADMIN")}}}}, "android-weak-custom-permission", 1},
		{"custom permission with signature protection", testApp{minSDK: 24, targetSDK: 34, extra: []*axmltest.Node{
			{Name: "permission", Attrs: []axmltest.Attr{axmltest.AStr("name", idName, "com.example.ADMIN"), {NS: axmltest.AndroidNS, Name: "protectionLevel", ResID: idProtection, Type: axmltest.TypeIntHex, Data: 2}}}}}, "android-weak-custom-permission", 0},
		{"dangerous permissions are one inventory finding", testApp{minSDK: 24, targetSDK: 34, extra: []*axmltest.Node{
			{Name: "uses-permission", Attrs: []axmltest.Attr{axmltest.AStr("name", idName, "android.permission.READ_SMS")}},
			{Name: "uses-permission", Attrs: []axmltest.Attr{axmltest.AStr("name", idName, "android.permission.CAMERA")}},
			{Name: "uses-permission", Attrs: []axmltest.Attr{axmltest.AStr("name", idName, "android.permission.INTERNET")}}}}, "android-dangerous-permissions", 1},
		{"custom-scheme deep link is inventoried", testApp{minSDK: 24, targetSDK: 34, components: []*axmltest.Node{
			withFilter(component("activity", ".Link", axmltest.ABool("exported", idExported, true)), []string{"android.intent.action.VIEW"}, []string{"android.intent.category.BROWSABLE"},
				&axmltest.Node{Name: "data", Attrs: []axmltest.Attr{axmltest.AStr("scheme", idScheme, "myapp"), axmltest.AStr("host", idHost, "open")}})}}, "android-deep-link", 1},
		{"https link without autoVerify", testApp{minSDK: 24, targetSDK: 34, components: []*axmltest.Node{
			withFilter(component("activity", ".Link", axmltest.ABool("exported", idExported, true)), []string{"android.intent.action.VIEW"}, []string{"android.intent.category.BROWSABLE"},
				&axmltest.Node{Name: "data", Attrs: []axmltest.Attr{axmltest.AStr("scheme", idScheme, "https"), axmltest.AStr("host", idHost, "example.com")}})}}, "android-app-link-unverified", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := analyzeAPK(t, tt.app.apk(t))
			if got := len(hitsOf(res, tt.rule)); got != tt.count {
				t.Errorf("%s: got %d hits, want %d; all hits: %v", tt.rule, got, tt.count, ruleNames(res))
			}
		})
	}
}

func ruleNames(res *Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Rule)
	}
	slices.Sort(out)
	return out
}

func nscApp(nsc *axmltest.Node, appAttrs ...axmltest.Attr) testApp {
	res := []axmltest.Resource{{Type: "xml", Key: "network_security_config", Str: "res/xml/network_security_config.xml"}}
	return testApp{minSDK: 24, targetSDK: 34, resources: res,
		appAttrs: append([]axmltest.Attr{axmltest.ARef("networkSecurityConfig", idNSC, axmltest.ID(res, 0))}, appAttrs...),
		files:    map[string][]byte{"res/xml/network_security_config.xml": axmltest.Encode(nsc)}}
}

func TestNetworkSecurityConfigChecks(t *testing.T) {
	t.Parallel()
	anchors := func(srcs ...string) *axmltest.Node {
		n := &axmltest.Node{Name: "trust-anchors"}
		for _, s := range srcs {
			n.Children = append(n.Children, &axmltest.Node{Name: "certificates", Attrs: []axmltest.Attr{axmltest.Str("src", s)}})
		}
		return n
	}
	domain := func(d string) *axmltest.Node { return &axmltest.Node{Name: "domain", Text: d} }
	pins := func(exp string) *axmltest.Node {
		return &axmltest.Node{Name: "pin-set", Attrs: []axmltest.Attr{axmltest.Str("expiration", exp)},
			Children: []*axmltest.Node{{Name: "pin", Attrs: []axmltest.Attr{axmltest.Str("digest", "SHA-256")}, Text: "AAAA"}}}
	}
	root := func(children ...*axmltest.Node) *axmltest.Node {
		return &axmltest.Node{Name: "network-security-config", Children: children}
	}
	tests := []struct {
		name      string
		app       testApp
		wantRules []string // rules of interest expected, sorted
	}{
		{"cleartext base-config and user CAs",
			nscApp(root(&axmltest.Node{Name: "base-config", Attrs: []axmltest.Attr{axmltest.Bool("cleartextTrafficPermitted", true)}, Children: []*axmltest.Node{anchors("system", "user")}})),
			[]string{"android-nsc-cleartext-base", "android-nsc-user-certificates"}},
		{"cleartext for one domain, pinned elsewhere",
			nscApp(root(&axmltest.Node{Name: "domain-config", Attrs: []axmltest.Attr{axmltest.Bool("cleartextTrafficPermitted", true)}, Children: []*axmltest.Node{domain("legacy.example.com")}},
				&axmltest.Node{Name: "domain-config", Children: []*axmltest.Node{domain("api.example.com"), pins("2099-01-01")}})),
			[]string{"android-nsc-cleartext-domain"}},
		{"expired pins",
			nscApp(root(&axmltest.Node{Name: "domain-config", Children: []*axmltest.Node{domain("api.example.com"), pins("2020-01-01")}})),
			[]string{"android-nsc-pins-expired"}},
		{"user CAs in debug-overrides of a release build are fine",
			nscApp(root(&axmltest.Node{Name: "debug-overrides", Children: []*axmltest.Node{anchors("user")}},
				&axmltest.Node{Name: "domain-config", Children: []*axmltest.Node{domain("api.example.com"), pins("2099-01-01")}})),
			nil},
		{"debug-overrides of a debuggable build apply",
			nscApp(root(&axmltest.Node{Name: "debug-overrides", Children: []*axmltest.Node{anchors("user")}},
				&axmltest.Node{Name: "domain-config", Children: []*axmltest.Node{domain("api.example.com"), pins("2099-01-01")}}),
				axmltest.ABool("debuggable", idDebuggable, true)),
			[]string{"android-debuggable", "android-nsc-debug-overrides-active"}},
		{"overridePins on user anchors",
			nscApp(root(&axmltest.Node{Name: "domain-config", Children: []*axmltest.Node{domain("api.example.com"), pins("2099-01-01"),
				{Name: "trust-anchors", Children: []*axmltest.Node{{Name: "certificates", Attrs: []axmltest.Attr{axmltest.Str("src", "user"), axmltest.Bool("overridePins", true)}}}}}})),
			[]string{"android-nsc-override-pins", "android-nsc-user-certificates"}},
	}
	interesting := func(r string) bool {
		return strings.HasPrefix(r, "android-nsc") || r == "android-pinning-absent" || r == "android-debuggable" || r == "android-cleartext-traffic-allowed"
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := analyzeAPK(t, tt.app.apk(t))
			var got []string
			for _, r := range ruleNames(res) {
				if interesting(r) && !slices.Contains(got, r) {
					got = append(got, r)
				}
			}
			if diff := cmp.Diff(tt.wantRules, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s\nwarnings: %v", diff, res.Warnings)
			}
		})
	}
}

func TestExportedEntryPointsAreReportedBelowFailingLevels(t *testing.T) {
	t.Parallel()
	app := testApp{minSDK: 24, targetSDK: 30, components: []*axmltest.Node{
		withFilter(component("activity", ".Main"), []string{"android.intent.action.MAIN"}, []string{"android.intent.category.LAUNCHER"}),
		withFilter(component("activity", ".Link"), []string{"android.intent.action.VIEW"}, []string{"android.intent.category.BROWSABLE"}),
		component("activity", ".Admin", axmltest.ABool("exported", idExported, true)),
	}}
	want := map[string]string{"com.example.app.Main": "info", "com.example.app.Link": "low", "com.example.app.Admin": "default"}
	for _, h := range hitsOf(analyzeAPK(t, app.apk(t)), "android-exported-component") {
		got := "default"
		if h.Severity != nil {
			got = h.Severity.String()
		}
		name := h.Locations[0].Symbol
		if want[name] != got {
			t.Errorf("%s: severity %s, want %s", name, got, want[name])
		}
		delete(want, name)
	}
	if len(want) > 0 {
		t.Errorf("not reported: %v", want)
	}
}
