package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-security/bulwark/internal/androidres"
	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/model"
)

// ErrUnsupported marks input that is recognized but not scanned yet, or
// not recognized at all. The CLI exits with status 2.
var ErrUnsupported = errors.New("not supported")

// Kind is what an input was recognized as, by content.
type Kind string

// Kinds of input.
const (
	KindAPK       Kind = "apk"
	KindAPKDir    Kind = "apk-directory"
	KindDEX       Kind = "dex"
	KindELF       Kind = "elf"
	KindModel     Kind = "model"
	KindModelDir  Kind = "model-directory" // a SavedModel directory, an .mlpackage or .mlmodelc
	KindDirectory Kind = "directory"
	KindAAB       Kind = "aab"
	KindIPA       Kind = "ipa"
	KindAppDir    Kind = "app-directory" // an unpacked iOS .app bundle
	KindMachO     Kind = "mach-o"
	KindSource    Kind = "source-tree"
	KindZip       Kind = "zip"
	KindUnknown   Kind = "unknown"
)

// headSize is how much of a file identification reads.
const headSize = 64 << 10

// identifyFile recognizes a file by its content.
func identifyFile(p string) (Kind, error) {
	f, err := os.Open(p)
	if err != nil {
		return KindUnknown, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return KindUnknown, err
	}
	head := make([]byte, min(st.Size(), headSize))
	if _, err := io.ReadFull(f, head); err != nil {
		return KindUnknown, fmt.Errorf("read %s: %w", p, err)
	}
	switch {
	case archive.IsZip(head) || (st.Size() > 22 && hasEOCD(f, st.Size())):
		return identifyZip(f, st.Size())
	case bytes.HasPrefix(head, []byte("dex\n")):
		return KindDEX, nil
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return KindELF, nil
	case isMachO(head):
		return KindMachO, nil
	}
	if _, ok := model.Identify(head, st.Size()); ok {
		return KindModel, nil
	}
	return KindUnknown, nil
}

// hasEOCD reports whether a ZIP end record exists near the end (an APK may
// carry data before its first local header).
func hasEOCD(f io.ReaderAt, size int64) bool {
	n := min(size, 22+65535)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return false
	}
	return bytes.LastIndex(buf, []byte("PK\x05\x06")) >= 0
}

func identifyZip(f io.ReaderAt, size int64) (Kind, error) {
	z, err := archive.OpenZip(f, size, archive.Limits{})
	if err != nil {
		return KindUnknown, err
	}
	names := z.Names()
	var hasManifest, hasBundleConfig, hasBaseManifest, hasPayload bool
	for _, n := range names {
		switch {
		case n == "AndroidManifest.xml":
			hasManifest = true
		case n == "BundleConfig.pb":
			hasBundleConfig = true
		case n == "base/manifest/AndroidManifest.xml":
			hasBaseManifest = true
		case strings.HasPrefix(n, "Payload/") && strings.Contains(n, ".app/"):
			hasPayload = true
		}
	}
	switch {
	case hasManifest:
		return KindAPK, nil
	case hasBundleConfig || hasBaseManifest:
		return KindAAB, nil
	case hasPayload:
		return KindIPA, nil
	}
	if _, ok := model.IdentifyZip(names); ok {
		return KindModel, nil
	}
	return KindZip, nil
}

func isMachO(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	for _, m := range [][]byte{{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe}, {0xca, 0xfe, 0xba, 0xbe}} {
		if bytes.Equal(head[:4], m) {
			// 0xcafebabe is also a Java class file; a fat Mach-O has a
			// small architecture count where a class has its version.
			if m[0] == 0xca && len(head) >= 8 && head[7] > 30 {
				return false
			}
			return true
		}
	}
	return false
}

// sourceMarkers are files whose presence makes a directory a source tree.
var sourceMarkers = []string{
	"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "pom.xml",
	"Podfile", "Package.swift", "pubspec.yaml", "package.json", "Cargo.toml", "go.mod",
}

// identifyDir recognizes an unpacked APK, a source tree, or a plain
// directory of artifacts.
func identifyDir(p string) (Kind, error) {
	if b, err := readHead(filepath.Join(p, "AndroidManifest.xml"), 8); err == nil && androidres.IsBinaryXML(b) {
		return KindAPKDir, nil
	}
	if strings.HasSuffix(filepath.Clean(p), ".app") {
		if st, err := os.Stat(filepath.Join(p, "Info.plist")); err == nil && st.Mode().IsRegular() {
			return KindAppDir, nil
		}
	}
	for _, m := range sourceMarkers {
		if _, err := os.Stat(filepath.Join(p, m)); err == nil {
			return KindSource, nil
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(p, "*.xcodeproj")); len(matches) > 0 {
		return KindSource, nil
	}
	if hasModelMarker(p) {
		if _, ok := model.IdentifyDir(dirNames(p)); ok {
			return KindModelDir, nil
		}
	}
	return KindDirectory, nil
}

// modelDirMarkers are the files whose presence at the top of a directory
// makes it worth listing as a possible model directory.
var modelDirMarkers = []string{"saved_model.pb", "saved_model.pbtxt", "coremldata.bin", "Manifest.json"}

func hasModelMarker(p string) bool {
	for _, m := range modelDirMarkers {
		if st, err := os.Stat(filepath.Join(p, m)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// Bounds of the listing that recognizes a model directory.
const (
	modelDirDepth   = 4
	modelDirEntries = 2000
)

// dirNames lists the files below p (slash-separated, relative), a few
// levels deep and at most modelDirEntries of them: enough for
// model.IdentifyDir to recognize a model directory by its layout.
func dirNames(p string) []string {
	var names []string
	_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil || len(names) >= modelDirEntries {
			return filepath.SkipAll
		}
		rel, _ := filepath.Rel(p, q)
		if d.IsDir() {
			if rel != "." && strings.Count(rel, string(filepath.Separator)) >= modelDirDepth-1 {
				return filepath.SkipDir
			}
			return nil
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	return names
}

func readHead(p string, n int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return b[:k], nil
}

// unsupportedMessage explains, for a recognized but unsupported kind, what
// to do instead.
func unsupportedMessage(k Kind) string {
	switch k {
	case KindZip:
		return "this ZIP archive is not an app package (no AndroidManifest.xml)"
	}
	return "unrecognized file type (scan accepts APKs, Android App Bundles, unpacked APK directories, iOS .ipa archives and .app bundles, DEX files, native libraries, Mach-O binaries, model files and directories of them)"
}
