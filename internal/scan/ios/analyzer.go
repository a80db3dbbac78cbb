// Package ios analyzes iOS apps (.ipa archives and unpacked .app bundles)
// into facts: the Info.plist and its App Transport Security settings, the
// privacy manifests, the Mach-O binaries of the app and its embedded
// frameworks and extensions (hardening, entitlements, imported APIs,
// strings), and the models, SDKs and secrets the bundle carries. Checks
// turn the facts into hits of catalogue rules; models, secrets, AI
// endpoints and SDKs go through internal/scan/appcontent, as on Android.
package ios

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/macho"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// Options configure an analysis.
type Options struct {
	Secrets *detect.Secrets
	// Models examines the content of the models found in the bundle; nil
	// records them without examining them.
	Models   appcontent.Examiner
	Now      time.Time
	Logger   *slog.Logger
	Progress func(stage string)
}

// Input is the app to analyze: an .ipa archive or an .app directory.
type Input struct {
	Pkg archive.Package
}

// Warning is a part of the app that could not be analyzed.
type Warning struct {
	Path    string
	Message string
}

// Result is what an analysis found.
type Result struct {
	App      *finding.AppInfo
	Hits     []finding.Hit
	Warnings []Warning
}

// ErrNoApp means the package holds no app bundle (no Info.plist).
var ErrNoApp = errors.New("no iOS app bundle (Payload/*.app/Info.plist) found")

// App holds the facts of one app that checks read.
type App struct {
	// Root is the bundle's prefix in the package ("Payload/Name.app/" in
	// an .ipa, "" for a directory).
	Root     string
	Names    []string
	Info     *Info
	Privacy  []*Privacy
	Binaries []Binary
	Models   []appcontent.Model
	Secrets  []appcontent.Sighting
	// CrossPlatform are the hits of cross-platform frameworks.
	CrossPlatform []finding.Hit
	// endpoints gathers the cloud AI hosts named in strings.
	endpoints *appcontent.Group
}

// Binary is one Mach-O file of the bundle.
type Binary struct {
	Path string
	// Role is "main" (the app's executable), "framework" or "extension".
	Role string
	File *macho.File
}

// Arch returns the slice that checks judge: arm64 (or arm64e) when
// present, else the first slice that could be read.
func (b Binary) Arch() *macho.Arch {
	var first *macho.Arch
	for i := range b.File.Arches {
		a := &b.File.Arches[i]
		if a.Err != "" {
			continue
		}
		if a.CPU == "arm64" || a.CPU == "arm64e" {
			return a
		}
		if first == nil {
			first = a
		}
	}
	return first
}

type check func(*App) []finding.Hit

// checks is the registry of every iOS check, in report order.
var checks = []check{
	checkMinOS, checkURLSchemes, checkFileSharing, checkUsage, checkEntitlements,
	checkATS, checkPinning,
	checkBinaries, checkImports,
	checkPrivacyManifest,
	checkModels, checkSDKs, checkCrossPlatform, checkAIEndpoints, checkSecrets,
}

func checkCrossPlatform(a *App) []finding.Hit { return a.CrossPlatform }

type analysis struct {
	ctx  context.Context
	pkg  archive.Package
	opt  Options
	app  *App
	warn []Warning
}

func (an *analysis) warnf(p, format string, args ...any) {
	an.warn = append(an.warn, Warning{Path: p, Message: fmt.Sprintf(format, args...)})
}

func (an *analysis) stage(s string) {
	if an.opt.Progress != nil {
		an.opt.Progress(s)
	}
}

// Analyze reads an app bundle and runs every check.
func Analyze(ctx context.Context, in Input, opt Options) (*Result, error) {
	if opt.Secrets == nil {
		return nil, errors.New("ios: secret detectors are required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	names := in.Pkg.Names()
	root, ok := bundleRoot(names)
	an := &analysis{ctx: ctx, pkg: in.Pkg, opt: opt, app: &App{Root: root, Names: names, endpoints: appcontent.NewGroup()}}
	lone := false // a Mach-O file scanned on its own
	if !ok && len(names) == 1 {
		h, err := an.head(names[0], 8)
		lone = err == nil && macho.IsMachO(h)
	}
	if !ok && !lone {
		return nil, ErrNoApp
	}
	if !lone {
		an.stage("Info.plist and privacy manifests")
		if err := an.readInfo(); err != nil {
			return nil, err
		}
		an.readPrivacy()
	}
	an.stage("binaries")
	if err := an.readBinaries(); err != nil {
		return nil, err
	}
	an.stage("models and resources")
	if err := an.readFiles(); err != nil {
		return nil, err
	}
	res := &Result{Warnings: an.warn}
	if i := an.app.Info; i != nil {
		res.App = &finding.AppInfo{Platform: "ios", ID: i.BundleID, VersionName: i.Version, VersionCode: i.Build, MinOS: i.MinimumOSVersion}
	}
	for _, c := range checks {
		res.Hits = append(res.Hits, c(an.app)...)
	}
	return res, nil
}

// bundleRoot finds the app bundle: the shallowest Payload/*.app/ holding
// an Info.plist in an .ipa, or the package itself when it holds one at
// its top (an unpacked .app).
func bundleRoot(names []string) (string, bool) {
	best, found := "", false
	for _, n := range names {
		if n == "Info.plist" {
			return "", true
		}
		if !strings.HasPrefix(n, "Payload/") || !strings.HasSuffix(n, ".app/Info.plist") {
			continue
		}
		dir := strings.TrimSuffix(n, "Info.plist")
		if strings.Count(dir, "/") != 2 {
			continue // Info.plist of a nested bundle
		}
		if !found || dir < best {
			best, found = dir, true
		}
	}
	return best, found
}

// readAll reads an entry of at most limit bytes.
func (an *analysis) readAll(name string, limit int64) ([]byte, error) {
	e, ok := an.pkg.Entry(name)
	if !ok {
		return nil, fmt.Errorf("%s: not in the package", name)
	}
	if e.UncompressedSize > limit {
		return nil, fmt.Errorf("%s: %d bytes (limit %d)", name, e.UncompressedSize, limit)
	}
	rc, err := an.pkg.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, limit+1))
}

func (an *analysis) readInfo() error {
	p := an.app.Root + "Info.plist"
	data, err := an.readAll(p, maxPlist)
	if err != nil {
		return fmt.Errorf("read Info.plist: %w", err)
	}
	m, err := decodePlist(data)
	if err != nil {
		an.warnf(p, "Info.plist not decoded: %v", err)
		return nil
	}
	an.app.Info = parseInfo(p, m)
	an.plistSecrets(p, m)
	return nil
}

// plistSecrets searches the string values of a property list for secrets,
// each with its key as context.
func (an *analysis) plistSecrets(p string, m map[string]any) {
	plistStrings(m, "", func(key, value string) {
		if len(value) < 8 {
			return
		}
		for _, x := range an.opt.Secrets.Find(value, detect.NewContext(key)) {
			an.app.Secrets = append(an.app.Secrets, appcontent.Sighting{Match: x, Loc: finding.Location{Path: p, Symbol: key}})
		}
		appcontent.AddAIEndpoints(an.app.endpoints, value, finding.Location{Path: p, Symbol: key})
	})
}

func (an *analysis) readPrivacy() {
	for _, n := range an.app.Names {
		if !strings.HasPrefix(n, an.app.Root) || path.Base(n) != "PrivacyInfo.xcprivacy" {
			continue
		}
		data, err := an.readAll(n, maxPlist)
		var m map[string]any
		if err == nil {
			m, err = decodePlist(data)
		}
		if err != nil {
			an.warnf(n, "privacy manifest not decoded: %v", err)
			continue
		}
		an.app.Privacy = append(an.app.Privacy, parsePrivacy(n, m))
	}
}

// maxBinary bounds a Mach-O file read into memory.
const maxBinary = 512 << 20

// readBinaries inspects the app's executable and those of its embedded
// frameworks and extensions (any Mach-O file of the bundle, recognized by
// content).
func (an *analysis) readBinaries() error {
	mainExe := ""
	if an.app.Info != nil && an.app.Info.Executable != "" {
		mainExe = an.app.Root + an.app.Info.Executable
	}
	for _, n := range an.app.Names {
		if err := an.ctx.Err(); err != nil {
			return err
		}
		if !strings.HasPrefix(n, an.app.Root) || strings.HasSuffix(n, "/") || skipContent(n) {
			continue
		}
		h, err := an.head(n, 8)
		if err != nil || !macho.IsMachO(h) {
			continue
		}
		data, err := an.readAll(n, maxBinary)
		if err != nil {
			an.warnf(n, "binary not read: %v", err)
			continue
		}
		f, err := macho.Inspect(data, macho.Limits{})
		if err != nil {
			an.warnf(n, "binary not decoded: %v", err)
			continue
		}
		role := "framework"
		switch {
		case n == mainExe, an.app.Info == nil && len(an.app.Names) == 1 && isExecutable(f):
			role = "main"
		case strings.Contains(strings.TrimPrefix(n, an.app.Root), ".appex/"):
			role = "extension"
		}
		b := Binary{Path: n, Role: role, File: f}
		an.app.Binaries = append(an.app.Binaries, b)
		if a := b.Arch(); a != nil {
			for _, w := range a.Warnings {
				an.warnf(n, "%s", w)
			}
			loc := finding.Location{Path: n, Symbol: "strings"}
			an.app.Secrets = append(an.app.Secrets, appcontent.ScanStrings(an.opt.Secrets, a.Strings, loc)...)
			for _, s := range a.Strings {
				appcontent.AddAIEndpoints(an.app.endpoints, s, loc)
			}
		}
	}
	slices.SortStableFunc(an.app.Binaries, func(x, y Binary) int {
		if (x.Role == "main") != (y.Role == "main") {
			if x.Role == "main" {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Path, y.Path)
	})
	if mainExe != "" && (len(an.app.Binaries) == 0 || an.app.Binaries[0].Role != "main") {
		an.warnf(mainExe, "the app's executable (CFBundleExecutable) was not found or not decoded")
	}
	return nil
}

func (an *analysis) head(name string, n int64) ([]byte, error) {
	rc, err := an.pkg.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, n))
	if err != nil && !errors.Is(err, archive.ErrEntryTooLarge) {
		return b, err
	}
	return b, nil
}

// skipContent reports entries that are certainly neither code, models nor
// text worth reading: images, sounds, fonts, compiled interface files.
func skipContent(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic", ".pdf", ".car", ".nib", ".storyboardc",
		".ttf", ".otf", ".woff", ".woff2", ".mp3", ".m4a", ".caf", ".wav", ".aiff", ".mp4", ".mov":
		return true
	}
	return strings.Contains(name, ".nib/") || strings.Contains(name, ".storyboardc/")
}

func isExecutable(f *macho.File) bool {
	for _, a := range f.Arches {
		if a.Type == "executable" {
			return true
		}
	}
	return false
}
