package source

import (
	"path"
	"strings"
)

// depParsers read the dependency files of each package manager, by file
// name.
var depParsers = map[string]func([]byte) []Dependency{
	"build.gradle":     GradleDeps,
	"build.gradle.kts": GradleDeps,
	"Podfile":          PodfileDeps,
	"Podfile.lock":     PodfileLockDeps,
	"Package.swift":    PackageSwiftDeps,
	"Package.resolved": PackageResolvedDeps,
	"pubspec.yaml":     PubspecDeps,
	"package.json":     PackageJSONDeps,
}

// dependencies reports the SDKs that the tree's build files declare.
func (an *analysis) dependencies() {
	inv := newSDKInventory()
	for _, f := range an.t.files {
		base := path.Base(f.rel)
		parse, ok := depParsers[base]
		isCatalog := strings.HasSuffix(base, ".versions.toml")
		if !ok && !isCatalog {
			continue
		}
		data, err := an.read(f.rel)
		if err != nil {
			an.warnf(f.rel, "not read: %v", err)
			continue
		}
		var deps []Dependency
		if isCatalog {
			deps = ParseCatalog(data).Libraries
		} else {
			deps = parse(data)
		}
		for _, d := range deps {
			inv.add(d, f.rel)
		}
	}
	an.res.Hits = append(an.res.Hits, inv.list()...)
}
