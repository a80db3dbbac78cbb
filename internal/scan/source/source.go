// Package source analyzes a project checkout (an Android, iOS, Flutter or
// React Native source tree) with the checks that apply to source: the
// Android manifest and network security configuration checks on text
// manifests, the iOS Info.plist checks, the SDK inventory from build
// files (Gradle, version catalogs, CocoaPods, Swift packages, pub, npm),
// and secrets, cloud-AI endpoints and model files in the tree's files.
//
// The walk honours .gitignore files at every level and never leaves the
// root: files the repository does not track are not the app.
package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// Defaults of Options.
const (
	DefaultMaxFiles    = 50_000
	DefaultMaxFileSize = 8 << 20
)

// Options configure an analysis. Secrets is required.
type Options struct {
	Secrets *detect.Secrets
	// Models examines the model files found; nil records them without
	// examining them.
	Models   appcontent.Examiner
	Logger   *slog.Logger
	Progress func(string)
	// MaxFiles bounds how many files the walk lists (default 50,000);
	// past it the rest of the tree is skipped with a warning.
	MaxFiles int
	// MaxFileSize bounds each text or build file read into memory
	// (default 8 MiB); larger ones are skipped with a warning. Model
	// files are streamed and bounded by appcontent's own limits.
	MaxFileSize int64
	// Now is the time pins are checked against; defaults to time.Now.
	Now time.Time
}

// Warning is a part of the tree that could not be analyzed.
type Warning struct {
	Path    string
	Message string
}

// Result is what an analysis found.
type Result struct {
	Hits     []finding.Hit
	Warnings []Warning
	// Apps has one entry per Android application module and iOS target
	// found.
	Apps []finding.AppInfo
}

// analysis is the state of one Analyze call.
type analysis struct {
	ctx  context.Context
	opt  Options
	t    *tree
	res  *Result
	text *appcontent.Group // AI endpoints
	secr []appcontent.Sighting
}

func (an *analysis) warnf(p, format string, args ...any) {
	an.res.Warnings = append(an.res.Warnings, Warning{Path: p, Message: fmt.Sprintf(format, args...)})
}

func (an *analysis) stage(s string) {
	if an.opt.Progress != nil {
		an.opt.Progress(s)
	}
}

// read reads a walked file, bounded by MaxFileSize.
func (an *analysis) read(rel string) ([]byte, error) {
	return readBounded(an.t.root, rel, an.opt.MaxFileSize)
}

// Analyze walks a project checkout and runs the checks that apply to source.
func Analyze(ctx context.Context, root string, opt Options) (*Result, error) {
	if opt.Secrets == nil {
		return nil, errors.New("source: secret detectors are required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MaxFiles <= 0 {
		opt.MaxFiles = DefaultMaxFiles
	}
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("open source tree: %w", err)
	}
	defer r.Close()
	an := &analysis{ctx: ctx, opt: opt, res: &Result{}, text: appcontent.NewGroup()}
	an.stage("walk")
	an.t, err = walkTree(ctx, r, opt.MaxFiles, opt.MaxFileSize, func(p, msg string) { an.warnf(p, "%s", msg) })
	if err != nil {
		return nil, err
	}
	opt.Logger.Debug("source tree walked", "files", len(an.t.files))
	steps := []struct {
		name string
		run  func()
	}{
		{"android manifests", an.android},
		{"ios property lists", an.ios},
		{"dependencies", an.dependencies},
		{"code and configuration", an.texts},
		{"models", an.models},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		an.stage(s.name)
		s.run()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	secrets := appcontent.SecretHits(an.secr)
	markTests(secrets)
	endpoints := an.text.List()
	slices.SortFunc(endpoints, func(x, y finding.Hit) int { return strings.Compare(x.Key, y.Key) })
	markTests(endpoints)
	an.res.Hits = append(an.res.Hits, endpoints...)
	an.res.Hits = append(an.res.Hits, secrets...)
	return an.res, nil
}

// textExtensions are the code and configuration files searched for
// secrets and AI endpoints.
var textExtensions = map[string]bool{
	".swift": true, ".kt": true, ".kts": true, ".java": true, ".dart": true,
	".js": true, ".jsx": true, ".mjs": true, ".cjs": true, ".ts": true, ".tsx": true,
	".m": true, ".mm": true, ".h": true, ".hpp": true, ".c": true, ".cc": true, ".cpp": true, ".cxx": true,
	".json": true, ".xml": true, ".plist": true, ".properties": true, ".yaml": true, ".yml": true,
	".env": true, ".gradle": true, ".xcconfig": true, ".toml": true, ".xcprivacy": true, ".entitlements": true,
}

// isTextFile reports the files searched for secrets and AI endpoints.
func isTextFile(rel string) bool {
	base := path.Base(rel)
	if base == ".env" || strings.HasPrefix(base, ".env.") || base == "Podfile" {
		return true
	}
	return textExtensions[strings.ToLower(path.Ext(base))]
}

// isTestPath reports files of tests: their secrets are still reported,
// marked test_file, since a key in a test is still a leaked key.
func isTestPath(rel string) bool {
	p := "/" + rel
	for _, dir := range []string{"/test/", "/tests/", "/androidTest/", "/testFixtures/", "/__tests__/"} {
		if strings.Contains(p, dir) {
			return true
		}
	}
	if strings.Contains(rel, "Tests/") {
		return true
	}
	base := path.Base(rel)
	return strings.Contains(base, "_test.") || strings.Contains(base, ".spec.") || strings.Contains(base, ".test.")
}

// markTests sets test_file on hits seen only in test files.
func markTests(hits []finding.Hit) {
	for i := range hits {
		h := &hits[i]
		if len(h.Locations) == 0 {
			continue
		}
		all := true
		for _, l := range h.Locations {
			if !isTestPath(l.Path) {
				all = false
				break
			}
		}
		if all {
			if h.Props == nil {
				h.Props = map[string]string{}
			}
			h.Props["test_file"] = "true"
		}
	}
}

// texts searches the code and configuration files for secrets and cloud
// AI endpoints, located by line.
func (an *analysis) texts() {
	for _, f := range an.t.files {
		if an.ctx.Err() != nil {
			return
		}
		if !isTextFile(f.rel) {
			continue
		}
		data, err := an.read(f.rel)
		if err != nil {
			an.warnf(f.rel, "not searched: %v", err)
			continue
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // a binary property list or other binary content
		}
		an.secr = append(an.secr, appcontent.ScanText(an.opt.Secrets, f.rel, data)...)
		line := 0
		for l := range bytes.SplitSeq(data, []byte("\n")) {
			line++
			if bytes.IndexByte(l, '.') >= 0 {
				appcontent.AddAIEndpoints(an.text, string(l), finding.Location{Path: f.rel, Line: line})
			}
		}
	}
}

// sniffSize is how much of a file model identification reads.
const sniffSize = 4 << 10

// archiveExtensions are ZIP files of a source tree that are libraries or
// built apps, never models: not listed for model content.
var archiveExtensions = map[string]bool{".jar": true, ".aar": true, ".apk": true, ".aab": true, ".ipa": true, ".war": true}

// models records the model files of the tree, recognized by content (or
// by a model name holding encrypted content), and reports them.
func (an *analysis) models() {
	pkg := treePackage{an.t}
	var ex appcontent.Examiner
	if an.opt.Models != nil {
		ex = an.opt.Models
	}
	ms := appcontent.NewModels(pkg, ex, func(p, msg string) { an.warnf(p, "%s", msg) })
	for _, f := range an.t.files {
		if an.ctx.Err() != nil {
			return
		}
		ext := strings.ToLower(path.Ext(f.rel))
		if f.size == 0 || (isTextFile(f.rel) && ext != ".json") {
			continue
		}
		h, err := readHead(an.t.root, f.rel, sniffSize)
		if err != nil {
			an.warnf(f.rel, "not read: %v", err)
			continue
		}
		switch {
		case archive.IsZip(h):
			if !archiveExtensions[ext] {
				ms.ReadZip(an.ctx, f.rel)
			}
		case model.IsModelExtension(f.rel):
			ms.Read(an.ctx, f.rel, h)
		default:
			if _, ok := model.Identify(h, f.size); ok {
				ms.Read(an.ctx, f.rel, h)
			}
		}
	}
	an.res.Hits = append(an.res.Hits, appcontent.ModelHits(ms.List())...)
}

// readHead reads up to n bytes of a file of the root.
func readHead(root *os.Root, rel string, n int) ([]byte, error) {
	f, err := root.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:k], nil
}
