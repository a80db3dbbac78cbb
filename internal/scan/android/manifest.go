package android

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-security/bulwark/internal/androidres"
)

// Manifest holds the facts of AndroidManifest.xml the checks read.
type Manifest struct {
	Package     string
	VersionCode string
	VersionName string
	// MinSDK and TargetSDK are the declared levels; MinSDK defaults to 1
	// and TargetSDK to MinSDK when absent, as on the platform.
	MinSDK, TargetSDK int
	SharedUserID      string

	App         Application
	Components  []Component
	Permissions []Permission // <permission> definitions
	Uses        []string     // <uses-permission> names
	// MetaData are <meta-data> name/value pairs of the application and its
	// components (SDKs read API keys from them).
	MetaData []MetaData
}

// MetaData is one <meta-data> element.
type MetaData struct {
	Name, Value string
	Line        int
}

// Application holds the <application> attributes. Tri-state values are
// nil when the attribute is absent.
type Application struct {
	Debuggable            *bool
	AllowBackup           *bool
	UsesCleartextTraffic  *bool
	TestOnly              *bool
	NetworkSecurityConfig string // resource path, e.g. res/xml/network_security_config.xml
	NSCRef                string // the raw reference when it could not be resolved
	TaskAffinity          *string
	FullBackupContent     bool
	DataExtractionRules   bool
}

// Component is an activity, activity-alias, service, receiver or provider.
type Component struct {
	Kind       string // activity, activity-alias, service, receiver, provider
	Name       string // fully qualified class name
	Exported   *bool
	Enabled    *bool
	Permission string
	// Provider-only.
	ReadPermission, WritePermission string
	GrantURIPermissions             bool
	Authorities                     string
	// Activity-only.
	LaunchMode           string
	TaskAffinity         *string
	AllowTaskReparenting bool

	Filters []IntentFilter
	Line    int
}

// IntentFilter is one <intent-filter>.
type IntentFilter struct {
	Actions    []string
	Categories []string
	Data       []DataSpec
	AutoVerify bool
}

// DataSpec is one <data> element.
type DataSpec struct {
	Scheme, Host, Port, Path string
}

// Permission is a <permission> the app defines.
type Permission struct {
	Name            string
	ProtectionLevel string // normal, dangerous, signature, signatureOrSystem, with flags
	Line            int
}

// IsLauncher reports whether the component is a launcher entry point.
func (c Component) IsLauncher() bool {
	for _, f := range c.Filters {
		if slices.Contains(f.Actions, "android.intent.action.MAIN") && slices.Contains(f.Categories, "android.intent.category.LAUNCHER") {
			return true
		}
	}
	return false
}

// parseManifest reads the facts from a decoded manifest. table may be nil.
func parseManifest(doc *androidres.Document, table *androidres.Table) *Manifest {
	m := &Manifest{MinSDK: 1}
	root := doc.Root
	if a, ok := root.Attr("", "package"); ok {
		m.Package = a.Value.String()
	}
	m.VersionCode = root.AndroidString("versionCode")
	m.VersionName = str(root, "versionName", table)
	m.SharedUserID = root.AndroidString("sharedUserId")
	targetSet := false
	for _, sdk := range root.ChildrenNamed("uses-sdk") {
		if n, ok := intAttr(sdk, "minSdkVersion", table); ok {
			m.MinSDK = n
		}
		if n, ok := intAttr(sdk, "targetSdkVersion", table); ok {
			m.TargetSDK, targetSet = n, true
		}
	}
	if !targetSet {
		m.TargetSDK = m.MinSDK
	}
	for _, up := range root.Children {
		switch up.Name {
		case "uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m":
			if n := up.AndroidString("name"); n != "" {
				m.Uses = append(m.Uses, n)
			}
		case "permission":
			m.Permissions = append(m.Permissions, Permission{
				Name:            up.AndroidString("name"),
				ProtectionLevel: protectionLevel(up),
				Line:            up.Line,
			})
		}
	}
	for _, app := range root.ChildrenNamed("application") {
		m.App.Debuggable = boolAttr(app, "debuggable", table)
		m.App.AllowBackup = boolAttr(app, "allowBackup", table)
		m.App.UsesCleartextTraffic = boolAttr(app, "usesCleartextTraffic", table)
		m.App.TestOnly = boolAttr(app, "testOnly", table)
		m.App.TaskAffinity = strAttr(app, "taskAffinity", table)
		_, m.App.FullBackupContent = app.Android("fullBackupContent")
		_, m.App.DataExtractionRules = app.Android("dataExtractionRules")
		if a, ok := app.Android("networkSecurityConfig"); ok {
			if v, ok := resolve(a.Value, table); ok && v.Type == androidres.TypeString {
				m.App.NetworkSecurityConfig = v.Str
			} else {
				m.App.NSCRef = a.Value.String()
			}
		}
		app.Walk(func(e *androidres.Element) {
			if e.Name == "meta-data" {
				if v := str(e, "value", table); v != "" {
					m.MetaData = append(m.MetaData, MetaData{Name: e.AndroidString("name"), Value: v, Line: e.Line})
				}
			}
		})
		for _, c := range app.Children {
			switch c.Name {
			case "activity", "activity-alias", "service", "receiver", "provider":
				m.Components = append(m.Components, parseComponent(c, m.Package, table))
			}
		}
	}
	return m
}

func parseComponent(e *androidres.Element, pkg string, table *androidres.Table) Component {
	c := Component{
		Kind:            e.Name,
		Name:            qualify(pkg, e.AndroidString("name")),
		Exported:        boolAttr(e, "exported", table),
		Enabled:         boolAttr(e, "enabled", table),
		Permission:      e.AndroidString("permission"),
		ReadPermission:  e.AndroidString("readPermission"),
		WritePermission: e.AndroidString("writePermission"),
		Authorities:     e.AndroidString("authorities"),
		TaskAffinity:    strAttr(e, "taskAffinity", table),
		Line:            e.Line,
	}
	if b := boolAttr(e, "grantUriPermissions", table); b != nil && *b {
		c.GrantURIPermissions = true
	}
	if b := boolAttr(e, "allowTaskReparenting", table); b != nil && *b {
		c.AllowTaskReparenting = true
	}
	if a, ok := e.Android("launchMode"); ok {
		c.LaunchMode = launchMode(a.Value)
	}
	if e.Name == "activity-alias" {
		// An alias runs its target activity; name it after the target.
		if t := e.AndroidString("targetActivity"); t != "" {
			c.Name = qualify(pkg, e.AndroidString("name")) + " → " + qualify(pkg, t)
		}
	}
	for _, f := range e.ChildrenNamed("intent-filter") {
		var filter IntentFilter
		if b := boolAttr(f, "autoVerify", table); b != nil && *b {
			filter.AutoVerify = true
		}
		for _, x := range f.Children {
			switch x.Name {
			case "action":
				filter.Actions = append(filter.Actions, x.AndroidString("name"))
			case "category":
				filter.Categories = append(filter.Categories, x.AndroidString("name"))
			case "data":
				filter.Data = append(filter.Data, DataSpec{
					Scheme: str(x, "scheme", table),
					Host:   str(x, "host", table),
					Port:   x.AndroidString("port"),
					Path:   firstNonEmpty(x.AndroidString("path"), x.AndroidString("pathPrefix"), x.AndroidString("pathPattern")),
				})
			}
		}
		c.Filters = append(c.Filters, filter)
	}
	return c
}

// IsBrowsable reports whether web pages and other apps can open the
// component with a URL.
func (c Component) IsBrowsable() bool {
	for _, f := range c.Filters {
		if slices.Contains(f.Categories, "android.intent.category.BROWSABLE") {
			return true
		}
	}
	return false
}

// qualify expands ".Foo" and "Foo" class names against the package.
func qualify(pkg, name string) string {
	switch {
	case name == "":
		return ""
	case strings.HasPrefix(name, "."):
		return pkg + name
	case !strings.Contains(name, "."):
		return pkg + "." + name
	}
	return name
}

func resolve(v androidres.Value, table *androidres.Table) (androidres.Value, bool) {
	if !v.IsReference() {
		return v, true
	}
	if table == nil {
		return v, false
	}
	return table.Resolve(v)
}

func boolAttr(e *androidres.Element, name string, table *androidres.Table) *bool {
	a, ok := e.Android(name)
	if !ok {
		return nil
	}
	v, _ := resolve(a.Value, table)
	b, ok := v.Bool()
	if !ok {
		return nil
	}
	return &b
}

func intAttr(e *androidres.Element, name string, table *androidres.Table) (int, bool) {
	a, ok := e.Android(name)
	if !ok {
		return 0, false
	}
	v, _ := resolve(a.Value, table)
	n, ok := v.Int()
	if !ok {
		// A preview codename ("S", "Tiramisu") means a pre-release level:
		// treat it as current, not as an old level.
		if v.Type == androidres.TypeString && v.Str != "" {
			return 10_000, true
		}
		return 0, false
	}
	return int(n), true
}

func strAttr(e *androidres.Element, name string, table *androidres.Table) *string {
	a, ok := e.Android(name)
	if !ok {
		return nil
	}
	v, _ := resolve(a.Value, table)
	s := v.String()
	return &s
}

func str(e *androidres.Element, name string, table *androidres.Table) string {
	if p := strAttr(e, name, table); p != nil {
		return *p
	}
	return ""
}

// protectionLevel renders android:protectionLevel as its names.
func protectionLevel(e *androidres.Element) string {
	a, ok := e.Android("protectionLevel")
	if !ok {
		return "normal"
	}
	if a.Value.Type == androidres.TypeString {
		return a.Value.Str
	}
	n, ok := a.Value.Int()
	if !ok {
		return a.Value.String()
	}
	base := []string{"normal", "dangerous", "signature", "signatureOrSystem"}[n&0x3]
	var flags []string
	for bit, name := range map[int64]string{0x10: "privileged", 0x20: "development", 0x40: "appop", 0x80: "pre23", 0x100: "installer", 0x200: "verifier", 0x400: "preinstalled", 0x800: "setup", 0x4000: "knownSigner"} {
		if n&bit != 0 {
			flags = append(flags, name)
		}
	}
	if len(flags) == 0 {
		return base
	}
	slices.Sort(flags)
	return base + "|" + strings.Join(flags, "|")
}

func launchMode(v androidres.Value) string {
	if v.Type == androidres.TypeString {
		return v.Str
	}
	n, ok := v.Int()
	if !ok {
		return v.String()
	}
	switch n {
	case 0:
		return "standard"
	case 1:
		return "singleTop"
	case 2:
		return "singleTask"
	case 3:
		return "singleInstance"
	case 4:
		return "singleInstancePerTask"
	}
	return strconv.FormatInt(n, 10)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
