package scan

// Android App Bundles (.aab) are scanned by the Android analyzer through a
// view of the bundle under APK names (archive.Bundle), and the locations
// of what it reports are mapped back to bundle paths.
//
// How scanOne calls it (in the branch that opens a file, beside KindAPK):
//
//	var view *archive.Remapped
//	...
//	case k == KindAAB:
//		b, v, err := s.openBundle(f, st.Size())
//		if err != nil {
//			f.Close()
//			return &InputError{Path: p, Err: err}
//		}
//		in, view = b, v
//	...
//	res, err := android.Analyze(ctx, in, android.Options{
//		...
//		InspectSignatures: inspectBundleSignatures, // safe for every kind
//	})
//	...
//	if view != nil {
//		bundleLocations(view, res)
//	}
//
// and KindAAB joins KindAPK in Scan's list of kinds to scan (and in walk),
// in place of unsupportedMessage's "not supported yet".

import (
	"io"
	"os"
	"slices"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/scan/android"
)

// openBundle opens the App Bundle in f for the Android analyzer: its ZIP,
// seen under APK names, with the raw file for its JAR signature. The
// returned view maps the names of findings back to bundle paths.
func (s *Scanner) openBundle(f *os.File, size int64) (android.Input, *archive.Remapped, error) {
	z, err := archive.OpenZip(f, size, s.opt.Limits)
	if err != nil {
		return android.Input{}, nil, err
	}
	view := archive.Bundle(z)
	if len(view.Shadowed) > 0 {
		s.opt.Logger.Debug("bundle entries kept under their own name", "count", len(view.Shadowed), "first", view.Shadowed[0])
	}
	return android.Input{Pkg: view, File: f, Size: size, Bundle: true}, view, nil
}

// inspectBundleSignatures inspects signatures as inspectSignatures does;
// for a bundle view it reads the bundle itself, whose JAR signature names
// bundle paths. Any other package is inspected as it is.
func inspectBundleSignatures(ra io.ReaderAt, size int64, pkg archive.Package) (*android.SigningFacts, error) {
	if v, ok := pkg.(*archive.Remapped); ok {
		pkg = v.Underlying()
	}
	return inspectSignatures(ra, size, pkg)
}

// bundleLocations rewrites the paths of an analysis of a bundle view
// (hits' locations and warnings) to the bundle's own paths: the manifest
// is reported at base/manifest/AndroidManifest.xml, classes.dex at
// base/dex/classes.dex. Paths that name no entry of the view ("META-INF/",
// "APK Signing Block", bundle paths from the signature check) are kept.
func bundleLocations(view *archive.Remapped, res *android.Result) {
	for i := range res.Hits {
		locs := slices.Clone(res.Hits[i].Locations)
		for j := range locs {
			locs[j].Path = view.Original(locs[j].Path)
		}
		res.Hits[i].Locations = locs
	}
	for i := range res.Warnings {
		res.Warnings[i].Path = view.Original(res.Warnings[i].Path)
	}
}
