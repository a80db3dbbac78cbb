// Package android analyzes Android packages (APKs and unpacked APK
// directories, and lone DEX files and native libraries) into facts, and
// runs the checks that turn those facts into hits of catalogue rules.
package android

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

	"github.com/bulwark-security/bulwark/internal/androidres"
	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/modelscan"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// Options configure an analysis.
type Options struct {
	Secrets *detect.Secrets
	// Now is the time pins are checked against.
	Now      time.Time
	Logger   *slog.Logger
	Progress func(stage string)
	// InspectSignatures reads APK signatures; nil skips signature checks.
	InspectSignatures SignatureInspector
	// Models examines the content of the models found in the package
	// (code-execution payloads, custom operators…); nil records them
	// without examining them.
	Models ModelExaminer
}

// ModelExaminer examines a model file's content.
type ModelExaminer interface {
	ScanBytes(ctx context.Context, name string, data []byte) modelscan.Result
}

// Input is the package to analyze.
type Input struct {
	Pkg archive.Package
	// File and Size give the raw APK, for the APK Signing Block; nil for
	// directories and lone files.
	File io.ReaderAt
	Size int64
	// Bundle is true when Pkg is an Android App Bundle seen under APK
	// names (archive.Bundle): its manifest and resources are protocol
	// buffers, and it carries a JAR signature only, by design.
	Bundle bool
}

// Warning is a part of the package that could not be analyzed.
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

// App holds the facts of one package that checks read. Fields are nil or
// empty when the package lacks the part (a lone DEX has no manifest).
type App struct {
	Now      time.Time
	Names    []string
	Manifest *Manifest
	Table    *androidres.Table
	Network  *NetworkConfig
	Signing  *SigningFacts
	Code     *codeFacts
	Natives  []nativeLib
	Models   []appcontent.Model
	Secrets  []appcontent.Sighting
	// VersionFiles maps META-INF/*.version entries to their content.
	VersionFiles map[string]string
	// CrossPlatform are the hits of cross-platform frameworks (Flutter,
	// React Native…) and of the AI endpoints their payloads name.
	CrossPlatform []finding.Hit
}

// check is one function of facts to hits.
type check func(*App) []finding.Hit

// checks is the registry of every Android check, in report order.
var checks = []check{
	checkDebuggable, checkBackup, checkCleartextAllowed, checkTestOnly, checkSDKLevels,
	checkExportedComponents, checkProviderGrants, checkTaskHijacking, checkCustomPermissions,
	checkDangerousPermissions, checkDeepLinks,
	checkNetworkConfig, checkPinning,
	checkSigning,
	checkCrypto, checkNetworkCode, checkWebView, checkStorage, checkBackdoors,
	checkObfuscation, checkResilience,
	checkNative, checkModels, checkSDKs, checkCrossPlatform, checkDirectAICalls, checkSecrets,
}

func checkCrossPlatform(a *App) []finding.Hit { return a.CrossPlatform }

// analysis carries the state of one Analyze call.
type analysis struct {
	ctx  context.Context
	in   Input
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

// Analyze reads a package and runs every check.
func Analyze(ctx context.Context, in Input, opt Options) (*Result, error) {
	if opt.Secrets == nil {
		return nil, errors.New("android: secret detectors are required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	an := &analysis{ctx: ctx, in: in, opt: opt, app: &App{Now: opt.Now, Names: in.Pkg.Names()}}
	an.stage("manifest and resources")
	if err := an.readResources(); err != nil {
		return nil, err
	}
	// Signatures need only the raw file and the entries: verify them on
	// another core while the code is read. Their warnings join the others
	// once both are done.
	sigDone := make(chan struct{})
	sign := &analysis{ctx: ctx, in: in, opt: opt, app: &App{Manifest: an.app.Manifest}}
	go func() {
		defer close(sigDone)
		sign.readSigning()
	}()
	steps := []struct {
		name string
		run  func() error
	}{
		{"code", an.readCode},
		{"native libraries, models and assets", an.readFiles},
		{"cross-platform frameworks", an.readCrossPlatform},
	}
	var stepErr error
	for _, s := range steps {
		if stepErr = ctx.Err(); stepErr != nil {
			break
		}
		an.stage(s.name)
		if stepErr = s.run(); stepErr != nil {
			break
		}
	}
	<-sigDone
	if stepErr != nil {
		return nil, stepErr
	}
	an.app.Signing = sign.app.Signing
	an.warn = append(an.warn, sign.warn...)
	res := &Result{Warnings: an.warn}
	if m := an.app.Manifest; m != nil {
		res.App = &finding.AppInfo{Platform: "android", ID: m.Package, VersionName: m.VersionName,
			VersionCode: m.VersionCode, MinSDK: m.MinSDK, TargetSDK: m.TargetSDK}
	}
	for _, c := range checks {
		res.Hits = append(res.Hits, c(an.app)...)
	}
	return res, nil
}

// readCrossPlatform recognizes cross-platform frameworks and searches
// their payloads (JS bundles, Dart snapshots, assemblies, web assets).
func (an *analysis) readCrossPlatform() error {
	endpoints := appcontent.NewGroup()
	xp := appcontent.AnalyzeCrossPlatform(an.in.Pkg, an.opt.Secrets, endpoints)
	for _, w := range xp.Warnings {
		an.warnf(w.Path, "%s", w.Message)
	}
	an.app.Secrets = append(an.app.Secrets, xp.Secrets...)
	an.app.CrossPlatform = append(xp.Hits, endpoints.List()...)
	return nil
}

// readResources decodes the manifest, the resource table and the network
// security configuration. A package without a manifest (a lone DEX) is
// fine; a manifest that cannot be decoded is a warning. The XML files of
// an App Bundle are protocol buffers, and its table is resources.pb: each
// is decoded in the form it is found in.
func (an *analysis) readResources() error {
	pkg := an.in.Pkg
	parseXML := func(data []byte) (*androidres.Document, error) {
		if !androidres.IsBinaryXML(data) && androidres.IsProtoXML(data) {
			return androidres.ParseProtoXML(data, androidres.XMLLimits{})
		}
		return androidres.ParseXML(data, androidres.XMLLimits{})
	}
	if _, ok := pkg.Entry("resources.arsc"); ok {
		data, err := pkg.ReadFile("resources.arsc")
		if err == nil {
			an.app.Table, err = androidres.ParseTable(data, androidres.TableLimits{})
		}
		if err != nil {
			an.warnf("resources.arsc", "resource table not decoded: %v", err)
		}
	} else if _, ok := pkg.Entry("resources.pb"); ok {
		data, err := pkg.ReadFile("resources.pb")
		if err == nil {
			an.app.Table, err = androidres.ParseProtoTable(data, androidres.TableLimits{})
		}
		if err != nil {
			an.warnf("resources.pb", "resource table not decoded: %v", err)
		}
	}
	if _, ok := pkg.Entry(manifestPath); ok {
		data, err := pkg.ReadFile(manifestPath)
		var doc *androidres.Document
		if err == nil {
			doc, err = parseXML(data)
		}
		if err != nil {
			an.warnf(manifestPath, "manifest not decoded: %v", err)
		} else {
			an.app.Manifest = parseManifest(doc, an.app.Table)
		}
	}
	m := an.app.Manifest
	if m == nil {
		return nil
	}
	nscPath := m.App.NetworkSecurityConfig
	if nscPath == "" && m.App.NSCRef != "" {
		an.warnf(manifestPath, "networkSecurityConfig %s could not be resolved in the resource table", m.App.NSCRef)
		return nil
	}
	if nscPath == "" {
		return nil
	}
	data, err := pkg.ReadFile(nscPath)
	var doc *androidres.Document
	if err == nil {
		doc, err = parseXML(data)
	}
	if err != nil {
		an.warnf(nscPath, "network security configuration not decoded: %v", err)
		return nil
	}
	an.app.Network = parseNetworkConfig(nscPath, doc, an.app.Table)
	return nil
}

// head reads up to n bytes of an entry.
func head(pkg archive.Package, name string, n int64) ([]byte, error) {
	rc, err := pkg.Open(name)
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

// skipContent reports entries that are certainly not code, models or
// text worth reading: compiled resources and images.
func skipContent(name string) bool {
	if strings.HasPrefix(name, "META-INF/") {
		return false
	}
	ext := strings.ToLower(path.Ext(name))
	if strings.HasPrefix(name, "res/") {
		switch ext {
		case ".png", ".jpg", ".jpeg", ".webp", ".gif", ".9.png", ".xml", ".ttf", ".otf":
			return true
		}
	}
	return slices.Contains([]string{".png", ".jpg", ".jpeg", ".webp", ".gif", ".ttf", ".otf", ".woff", ".woff2", ".mp3", ".ogg", ".wav", ".mp4"}, ext)
}
