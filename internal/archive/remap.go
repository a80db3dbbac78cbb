package archive

import (
	"fmt"
	"io"
	"strings"
)

var _ Package = (*Remapped)(nil)

// Remapped is a view of a package whose entries carry other names: an
// Android App Bundle read under the names its files take in an APK, so
// that analyzers written for APKs read a bundle unchanged. Original gives
// back the name in the underlying package, for findings to point at the
// real entry.
type Remapped struct {
	pkg      Package
	names    []string
	original map[string]string // view name → underlying name
	// Shadowed lists underlying entries that kept their own name because
	// another entry already took the name they map to.
	Shadowed []string
}

// Remap returns a view of p in which each entry named by a key of names is
// seen under the value. Entries not in names keep their name; an entry
// mapped to "" is left out. Entries that keep their name are placed first,
// so a renamed entry never hides one that keeps its name; a renamed entry
// whose new name is taken keeps its own name when that is free, and is
// listed in Shadowed.
func Remap(p Package, names map[string]string) *Remapped {
	r := &Remapped{pkg: p, original: make(map[string]string, len(p.Names()))}
	all := p.Names()
	for _, n := range all {
		if to, ok := names[n]; !ok || to == n {
			r.original[n] = n
		}
	}
	view := make(map[string]string, len(all)) // underlying → view name
	for _, n := range all {
		to, ok := names[n]
		switch {
		case !ok || to == n:
			view[n] = n
			continue
		case to == "":
			continue
		}
		if _, taken := r.original[to]; !taken {
			r.original[to] = n
			view[n] = to
			continue
		}
		r.Shadowed = append(r.Shadowed, n)
		if _, taken := r.original[n]; !taken {
			r.original[n] = n
			view[n] = n
		}
	}
	for _, n := range all {
		if v, ok := view[n]; ok {
			r.names = append(r.names, v)
		}
	}
	return r
}

// Bundle returns the view of an Android App Bundle under APK names (see
// BundleNames).
func Bundle(p Package) *Remapped { return Remap(p, BundleNames(p.Names())) }

// BundleNames maps the entries of an Android App Bundle to the names they
// take in an APK. In the base module: manifest/AndroidManifest.xml →
// AndroidManifest.xml, dex/X → X, resources.pb stays resources.pb without
// the module, root/X → X, and assets/, lib/, res/ lose the module
// directory. Other modules keep a "<module>/" prefix under the same rules
// (feature/dex/classes.dex → feature/classes.dex). BundleConfig.pb,
// BUNDLE-METADATA/, META-INF/ (the bundle's signature) and other files of
// a module keep their names.
func BundleNames(names []string) map[string]string {
	out := make(map[string]string)
	for _, n := range names {
		module, rest, ok := strings.Cut(n, "/")
		if !ok || module == "META-INF" || module == "BUNDLE-METADATA" || rest == "" {
			continue
		}
		prefix := module + "/"
		if module == "base" {
			prefix = ""
		}
		dir, sub, _ := strings.Cut(rest, "/")
		switch {
		case rest == "manifest/AndroidManifest.xml":
			out[n] = prefix + "AndroidManifest.xml"
		case rest == "resources.pb":
			out[n] = prefix + "resources.pb"
		case (dir == "dex" || dir == "root") && sub != "":
			out[n] = prefix + sub
		case (dir == "assets" || dir == "lib" || dir == "res") && sub != "":
			out[n] = prefix + rest
		}
	}
	return out
}

// Original returns the name in the underlying package of the entry seen as
// name, or name itself when the view has no such entry (a directory such
// as "META-INF/", or a label such as "APK Signing Block").
func (r *Remapped) Original(name string) string {
	if o, ok := r.original[name]; ok {
		return o
	}
	return name
}

// Underlying returns the package the view reads.
func (r *Remapped) Underlying() Package { return r.pkg }

// Names lists the entries under their view names, in the underlying order.
func (r *Remapped) Names() []string { return r.names }

// Entry returns an entry's metadata, named as in the view.
func (r *Remapped) Entry(name string) (Entry, bool) {
	o, ok := r.original[name]
	if !ok {
		return Entry{}, false
	}
	e, ok := r.pkg.Entry(o)
	e.Name = name
	return e, ok
}

// Open opens an entry of the view, bounded as the underlying package is.
func (r *Remapped) Open(name string) (io.ReadCloser, error) {
	o, ok := r.original[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return r.pkg.Open(o)
}

// ReadFile reads an entry of the view completely.
func (r *Remapped) ReadFile(name string) ([]byte, error) {
	o, ok := r.original[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return r.pkg.ReadFile(o)
}
