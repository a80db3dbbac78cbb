package source

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// Dependency is one package-manager dependency declared in a build file,
// named as appcontent.SDKForPackage reads it: "maven:group:artifact",
// "pod:Name", "spm:owner/repo", "pub:name" or "npm:name".
type Dependency struct {
	Package string
	Version string // "" when the file does not pin one
	Line    int
}

// lineAt returns the 1-based line of offset off in data.
func lineAt(data []byte, off int) int {
	return 1 + bytes.Count(data[:min(off, len(data))], []byte("\n"))
}

var (
	// gradleDep is a string-notation dependency: a configuration, an
	// optional platform()/enforcedPlatform() wrapper (BOMs), and
	// "group:artifact[:version][@type]".
	gradleDep = regexp.MustCompile(`(?m)^[ \t]*([A-Za-z]*(?:[Ii]mplementation|[Aa]pi|[Kk]apt|[Kk]sp|[Cc]ompileOnly|[Rr]untimeOnly|[Aa]nnotationProcessor|[Cc]ompile))[ \t]*\(?[ \t]*(?:(?:platform|enforcedPlatform)[ \t]*\([ \t]*)?["']([^"'\s:]+):([^"'\s:]+)(?::([^"'\s@]+))?(?:@\w+)?["']`)
	// gradleMapDep is the map notation: group: 'g', name: 'a', version: 'v'.
	gradleMapDep = regexp.MustCompile(`(?m)^[ \t]*([A-Za-z]*(?:[Ii]mplementation|[Aa]pi|[Kk]apt|[Kk]sp|[Cc]ompileOnly|[Rr]untimeOnly|[Aa]nnotationProcessor|[Cc]ompile))[ \t]*\(?[ \t]*group[ \t]*[:=][ \t]*["']([^"']+)["'][ \t]*,[ \t]*name[ \t]*[:=][ \t]*["']([^"']+)["'](?:[ \t]*,[ \t]*version[ \t]*[:=][ \t]*["']([^"']+)["'])?`)
)

// testConfiguration reports Gradle configurations whose dependencies do
// not reach the app (testImplementation, androidTestImplementation…).
func testConfiguration(conf string) bool {
	return strings.HasPrefix(conf, "test") || strings.HasPrefix(conf, "androidTest")
}

// GradleDeps reads the dependencies of a build.gradle or build.gradle.kts
// file. Test configurations are left out: they are not shipped.
func GradleDeps(data []byte) []Dependency {
	var out []Dependency
	for _, re := range []*regexp.Regexp{gradleDep, gradleMapDep} {
		for _, m := range re.FindAllSubmatchIndex(data, -1) {
			conf := string(data[m[2]:m[3]])
			if testConfiguration(conf) {
				continue
			}
			d := Dependency{Package: "maven:" + string(data[m[4]:m[5]]) + ":" + string(data[m[6]:m[7]]), Line: lineAt(data, m[0])}
			if m[8] >= 0 {
				d.Version = string(data[m[8]:m[9]])
			}
			out = append(out, d)
		}
	}
	return out
}

// tomlPair is one key = value of a TOML line or inline table.
var tomlPair = regexp.MustCompile(`([A-Za-z0-9_.\-]+)[ \t]*=[ \t]*("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|\{[^{}\n]*(?:\{[^{}\n]*\}[^{}\n]*)*\})`)

// tomlString unquotes a basic or literal TOML string (escapes other than
// \" and \\ are kept as written: coordinates have none).
func tomlString(v string) (string, bool) {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		s := v[1 : len(v)-1]
		if v[0] == '"' {
			s = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(s)
		}
		return s, true
	}
	return "", false
}

// tomlTable reads the pairs of an inline table "{ a = "x", b.c = "y" }";
// a nested table's pairs are flattened under its key ("version.ref").
func tomlTable(v string) map[string]string {
	out := make(map[string]string)
	if !strings.HasPrefix(v, "{") {
		return out
	}
	inner := v[1 : len(v)-1]
	for _, m := range tomlPair.FindAllStringSubmatch(inner, -1) {
		if s, ok := tomlString(m[2]); ok {
			out[m[1]] = s
			continue
		}
		for k, s := range tomlTable(m[2]) {
			out[m[1]+"."+k] = s
		}
	}
	return out
}

// Catalog is a Gradle version catalog (gradle/libs.versions.toml).
type Catalog struct {
	// Versions are the [versions] entries.
	Versions map[string]string
	// Libraries are the [libraries] entries as dependencies.
	Libraries []Dependency
}

// ParseCatalog reads the [versions] and [libraries] tables of a version
// catalog: libraries given as "g:a:v", { module = "g:a" } or
// { group = "g", name = "a" }, with version, version.ref or
// version = { ref = … }.
func ParseCatalog(data []byte) Catalog {
	c := Catalog{Versions: make(map[string]string)}
	type lib struct {
		fields map[string]string
		line   int
	}
	var libs []lib
	section := ""
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[] \t")
			continue
		}
		m := tomlPair.FindStringSubmatch(line)
		if m == nil || !strings.HasPrefix(line, m[0][:1]) {
			continue
		}
		switch section {
		case "versions":
			if s, ok := tomlString(m[2]); ok {
				c.Versions[m[1]] = s
			} else if t := tomlTable(m[2]); t["strictly"] != "" || t["require"] != "" || t["prefer"] != "" {
				c.Versions[m[1]] = firstNonEmpty(t["strictly"], t["require"], t["prefer"])
			}
		case "libraries":
			f := make(map[string]string)
			if s, ok := tomlString(m[2]); ok {
				f["coordinates"] = s
			} else {
				f = tomlTable(m[2])
			}
			libs = append(libs, lib{f, i + 1})
		}
	}
	for _, l := range libs {
		f := l.fields
		var group, name, version string
		switch {
		case f["coordinates"] != "":
			parts := strings.Split(f["coordinates"], ":")
			if len(parts) < 2 {
				continue
			}
			group, name = parts[0], parts[1]
			if len(parts) > 2 {
				version = parts[2]
			}
		case f["module"] != "":
			g, a, ok := strings.Cut(f["module"], ":")
			if !ok {
				continue
			}
			group, name = g, a
		default:
			group, name = f["group"], f["name"]
		}
		if group == "" || name == "" {
			continue
		}
		if version == "" {
			version = firstNonEmpty(f["version"], f["version.strictly"], f["version.require"], f["version.prefer"])
		}
		if ref := f["version.ref"]; version == "" && ref != "" {
			version = c.Versions[ref]
		}
		c.Libraries = append(c.Libraries, Dependency{Package: "maven:" + group + ":" + name, Version: version, Line: l.line})
	}
	return c
}

// version looks up a catalog version by its Gradle accessor
// (libs.versions.min.sdk names "min-sdk", "min_sdk" or "min.sdk").
func (c Catalog) version(accessor string) (string, bool) {
	norm := func(s string) string { return strings.NewReplacer("-", ".", "_", ".").Replace(strings.ToLower(s)) }
	want := norm(accessor)
	for k, v := range c.Versions {
		if norm(k) == want {
			return v, true
		}
	}
	return "", false
}

var (
	podLine = regexp.MustCompile(`(?m)^[ \t]*pod[ \t(]+['"]([^'"\s]+)['"](?:[ \t]*,[ \t]*['"]([^'"]+)['"])?`)
	// podLockLine is a top-level entry of the PODS section: "  - Name (1.2.3)".
	podLockLine = regexp.MustCompile(`^  - "?([^\s("]+)"? \(([^)]+)\)`)
	spmPackage  = regexp.MustCompile(`\.package\s*\(\s*(?:name:\s*"[^"]*"\s*,\s*)?url:\s*"([^"]+)"(?:\s*,\s*(?:from:|exact:|\.upToNextMajor\s*\(\s*from:|\.upToNextMinor\s*\(\s*from:|\.exact\s*\()\s*"([^"]+)")?`)
	plainVer    = regexp.MustCompile(`^[0-9][0-9A-Za-z.\-+]{0,31}$`)
)

// cleanVersion keeps a version that names one release ("~> 2.1" → "2.1").
func cleanVersion(v string) string {
	v = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(v), "~>=<^ v"))
	if plainVer.MatchString(v) {
		return v
	}
	return ""
}

// PodfileDeps reads the pods of a Podfile.
func PodfileDeps(data []byte) []Dependency {
	var out []Dependency
	for _, m := range podLine.FindAllSubmatchIndex(data, -1) {
		d := Dependency{Package: "pod:" + string(data[m[2]:m[3]]), Line: lineAt(data, m[0])}
		if m[4] >= 0 {
			d.Version = cleanVersion(string(data[m[4]:m[5]]))
		}
		out = append(out, d)
	}
	return out
}

// PodfileLockDeps reads the resolved pods of a Podfile.lock.
func PodfileLockDeps(data []byte) []Dependency {
	var out []Dependency
	inPods := false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if line != "" && line[0] != ' ' {
			inPods = line == "PODS:"
			continue
		}
		if !inPods {
			continue
		}
		if m := podLockLine.FindStringSubmatch(line); m != nil {
			out = append(out, Dependency{Package: "pod:" + m[1], Version: cleanVersion(m[2]), Line: i + 1})
		}
	}
	return out
}

// spmName turns a Swift package's repository URL into "spm:owner/repo".
func spmName(loc string) (string, bool) {
	loc = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(loc), "/"), ".git")
	var p string
	if u, err := url.Parse(loc); err == nil && u.Host != "" {
		p = u.Path
	} else if _, rest, ok := strings.Cut(loc, ":"); ok { // git@github.com:owner/repo
		p = rest
	} else {
		return "", false
	}
	p = strings.Trim(p, "/")
	dir, repo := path.Split(p)
	owner := path.Base(strings.TrimSuffix(dir, "/"))
	if repo == "" || owner == "" || owner == "." {
		return "", false
	}
	return "spm:" + owner + "/" + repo, true
}

// PackageSwiftDeps reads the .package(url:) dependencies of a
// Package.swift manifest.
func PackageSwiftDeps(data []byte) []Dependency {
	var out []Dependency
	for _, m := range spmPackage.FindAllSubmatchIndex(data, -1) {
		name, ok := spmName(string(data[m[2]:m[3]]))
		if !ok {
			continue
		}
		d := Dependency{Package: name, Line: lineAt(data, m[0])}
		if m[4] >= 0 {
			d.Version = cleanVersion(string(data[m[4]:m[5]]))
		}
		out = append(out, d)
	}
	return out
}

// PackageResolvedDeps reads a Package.resolved file (format 1, with
// object.pins and repositoryURL, and formats 2 and 3, with pins and
// location).
func PackageResolvedDeps(data []byte) []Dependency {
	type pin struct {
		RepositoryURL string `json:"repositoryURL"`
		Location      string `json:"location"`
		State         struct {
			Version string `json:"version"`
		} `json:"state"`
	}
	var doc struct {
		Pins   []pin `json:"pins"`
		Object struct {
			Pins []pin `json:"pins"`
		} `json:"object"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil
	}
	var out []Dependency
	for _, p := range append(doc.Pins, doc.Object.Pins...) {
		loc := firstNonEmpty(p.Location, p.RepositoryURL)
		name, ok := spmName(loc)
		if !ok {
			continue
		}
		line := 0
		if i := bytes.Index(data, []byte(`"`+loc+`"`)); i >= 0 {
			line = lineAt(data, i)
		}
		out = append(out, Dependency{Package: name, Version: cleanVersion(p.State.Version), Line: line})
	}
	return out
}

// PubspecDeps reads the dependencies of a pubspec.yaml (not its
// dev_dependencies, which are not shipped).
func PubspecDeps(data []byte) []Dependency {
	var out []Dependency
	in := false
	indent := -1
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimRight(raw, "\r \t")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		ind := len(line) - len(trimmed)
		if ind == 0 {
			in = strings.HasPrefix(trimmed, "dependencies:")
			indent = -1
			continue
		}
		if !in {
			continue
		}
		if indent < 0 {
			indent = ind
		}
		if ind != indent {
			continue // a nested key (sdk: flutter, git: …)
		}
		name, val, ok := strings.Cut(trimmed, ":")
		name = strings.Trim(strings.TrimSpace(name), `"'`)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		out = append(out, Dependency{Package: "pub:" + name, Version: cleanVersion(strings.Trim(strings.TrimSpace(val), `"'`)), Line: i + 1})
	}
	return out
}

// PackageJSONDeps reads the dependencies and devDependencies of a
// package.json.
func PackageJSONDeps(data []byte) []Dependency {
	var doc struct {
		Dependencies    map[string]any `json:"dependencies"`
		DevDependencies map[string]any `json:"devDependencies"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil
	}
	var out []Dependency
	for _, deps := range []map[string]any{doc.Dependencies, doc.DevDependencies} {
		for _, name := range slices.Sorted(maps.Keys(deps)) {
			v, _ := deps[name].(string)
			line := 0
			if i := bytes.Index(data, []byte(`"`+name+`"`)); i >= 0 {
				line = lineAt(data, i)
			}
			out = append(out, Dependency{Package: "npm:" + name, Version: cleanVersion(v), Line: line})
		}
	}
	return out
}

// sdkInventory gathers the SDKs that dependencies belong to, one hit per
// SDK with every place it is declared.
type sdkInventory struct {
	order []string
	hits  map[string]*finding.Hit
	deps  map[string][]string
}

func newSDKInventory() *sdkInventory {
	return &sdkInventory{hits: make(map[string]*finding.Hit), deps: make(map[string][]string)}
}

// add records a dependency declared in file (relative path).
func (inv *sdkInventory) add(d Dependency, file string) {
	sdk, ok := appcontent.SDKForPackage(d.Package)
	if !ok {
		return
	}
	h, seen := inv.hits[sdk.Name]
	if !seen {
		rule := "privacy-tracker-sdk"
		if sdk.AI {
			rule = "ai-sdk-inventory"
		}
		h = &finding.Hit{Rule: rule, Key: sdk.Name, Message: sdk.Name, Props: map[string]string{"sdk": sdk.Name}}
		inv.hits[sdk.Name] = h
		inv.order = append(inv.order, sdk.Name)
	}
	if d.Version != "" && h.Props["version"] == "" {
		h.Props["version"] = d.Version
		h.Message = sdk.Name + " " + d.Version
	}
	coord := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(d.Package, "maven:"), "pod:"), "spm:"), "pub:"), "npm:")
	if d.Version != "" {
		coord += "@" + d.Version
	}
	if !slices.Contains(inv.deps[sdk.Name], coord) {
		inv.deps[sdk.Name] = append(inv.deps[sdk.Name], coord)
	}
	loc := finding.Location{Path: file, Line: d.Line, Symbol: d.Package}
	for _, l := range h.Locations {
		if l == loc {
			return
		}
	}
	h.Locations = append(h.Locations, loc)
}

func (inv *sdkInventory) list() []finding.Hit {
	out := make([]finding.Hit, 0, len(inv.order))
	for _, name := range inv.order {
		h := *inv.hits[name]
		h.Evidence = appcontent.Truncate(strings.Join(inv.deps[name], ", "), 200)
		out = append(out, h)
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
