// Package scan is the build-time scanner: it recognizes each input by its
// content, hands it to the analyzer for its platform, completes the hits
// into findings from the rule catalogue, applies the project's
// configuration and baseline, and returns one report.
//
// Analyzers never print and rules never read files: the path is
// open (bounded) → identify → analyze into facts → checks → findings.
package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/baseline"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/modelscan"
	"github.com/bulwark-security/bulwark/internal/rules"
	"github.com/bulwark-security/bulwark/internal/scan/android"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// Options configure a Scanner. Catalog and Secrets are required.
type Options struct {
	Catalog  *rules.Catalog
	Secrets  *detect.Secrets
	Config   *Config
	Baseline *baseline.Baseline
	Tool     finding.Tool
	// Now is the clock (pin expiry, report time); defaults to time.Now.
	Now func() time.Time
	// Progress, when set, receives a line per stage of long scans.
	Progress func(msg string)
	Logger   *slog.Logger
	Limits   archive.Limits
	// MaxFiles bounds how many files a directory walk scans.
	MaxFiles int
	// Models examines model files, standalone and inside apps; nil means
	// modelscan's own scanner with every format and default limits.
	Models ModelScanner
	// ModelsOnly scans model files and model directories only (bulwark
	// model scan): other files in a directory are skipped, and another
	// kind of file named on the command line is an input error.
	ModelsOnly bool
}

// ModelScanner examines a model file or directory for what loading it
// could do.
type ModelScanner interface {
	ScanPath(ctx context.Context, path string) (modelscan.Result, error)
	ScanBytes(ctx context.Context, name string, data []byte) modelscan.Result
}

var _ ModelScanner = (*modelscan.Scanner)(nil)

// Scanner scans artifacts.
type Scanner struct {
	opt    Options
	policy policy
}

// New validates options and returns a Scanner.
func New(opt Options) (*Scanner, error) {
	if opt.Catalog == nil || opt.Secrets == nil {
		return nil, errors.New("scan: catalog and secret detectors are required")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MaxFiles <= 0 {
		opt.MaxFiles = 10_000
	}
	if opt.Models == nil {
		opt.Models = modelscan.New(modelscan.Options{}, modelscan.PickleFormats())
	}
	if opt.Config != nil {
		if err := opt.Config.Validate(opt.Catalog); err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
	}
	return &Scanner{opt: opt, policy: newPolicy(opt.Config, opt.Catalog)}, nil
}

// InputError reports an input that cannot be scanned; Err is
// ErrUnsupported for inputs of a kind the scanner does not handle.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Scan scans every path and returns one report. An input that cannot be
// read or is not supported is an *InputError; partial problems inside a
// readable input become warnings of the report.
func (s *Scanner) Scan(ctx context.Context, paths []string) (*finding.Report, error) {
	start := s.opt.Now()
	rep := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          s.opt.Tool,
		StartedAt:     start.UTC(),
		Targets:       []finding.Target{},
		Findings:      []finding.Finding{},
		Warnings:      []finding.Warning{},
	}
	// Resolve every input before scanning any, so that a typo in the last
	// path does not come after minutes of work.
	type job struct {
		path string
		kind Kind
	}
	var jobs []job
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, &InputError{Path: p, Err: err}
		}
		var k Kind
		if st.IsDir() {
			k, err = identifyDir(p)
		} else {
			k, err = identifyFile(p)
		}
		if err != nil {
			return nil, &InputError{Path: p, Err: err}
		}
		if s.opt.ModelsOnly && st.IsDir() && k != KindModelDir {
			k = KindDirectory // bulwark model scan looks for models in any directory
		}
		switch {
		case s.opt.ModelsOnly && k != KindModelDir && k != KindDirectory:
			// A file named on the command line is examined whatever it
			// looks like: content the model scanner cannot place is
			// suspicious, not skipped.
			jobs = append(jobs, job{p, KindModel})
		case k == KindAPK || k == KindAPKDir || k == KindDEX || k == KindELF || k == KindModel || k == KindModelDir ||
			k == KindIPA || k == KindAppDir || k == KindMachO || k == KindAAB || k == KindSource:
			jobs = append(jobs, job{p, k})
		case k == KindDirectory:
			found, err := s.walk(p)
			if err != nil {
				return nil, &InputError{Path: p, Err: err}
			}
			if s.opt.ModelsOnly && len(found) == 0 {
				return nil, &InputError{Path: p, Err: fmt.Errorf("%w: no model file found", ErrUnsupported)}
			}
			for _, f := range found {
				jobs = append(jobs, job(f))
			}
		default:
			return nil, &InputError{Path: p, Err: fmt.Errorf("%w: %s", ErrUnsupported, unsupportedMessage(k))}
		}
	}
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.scanOne(ctx, rep, j.path, j.kind); err != nil {
			return nil, err
		}
	}
	s.finish(rep)
	rep.Duration = s.opt.Now().Sub(start)
	return rep, nil
}

type found struct {
	path string
	kind Kind
}

// walk lists the scannable artifacts below a directory, skipping files of
// other types. Unpacked APK directories inside it are scanned as one app.
func (s *Scanner) walk(root string) ([]found, error) {
	var out []found
	count := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root {
				k, _ := identifyDir(p)
				if k == KindModelDir || ((k == KindAPKDir || k == KindAppDir) && !s.opt.ModelsOnly) {
					out = append(out, found{p, k})
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		count++
		if count > s.opt.MaxFiles {
			return fmt.Errorf("more than %d files; name the artifacts to scan", s.opt.MaxFiles)
		}
		k, err := identifyFile(p)
		if err != nil {
			s.opt.Logger.Debug("skip unreadable file", "path", p, "err", err)
			return nil
		}
		switch {
		case k == KindModel:
			out = append(out, found{p, k})
		case s.opt.ModelsOnly && (k == KindZip || model.IsModelExtension(p)):
			// A ZIP that is no app, or a file named like a model, may
			// still be loaded as one (torch.load opens any ZIP with
			// pickles): the model scanner decides.
			out = append(out, found{p, KindModel})
		case !s.opt.ModelsOnly && (k == KindAPK || k == KindAAB || k == KindDEX || k == KindELF || k == KindIPA || k == KindMachO):
			out = append(out, found{p, k})
		}
		return nil
	})
	return out, err
}

func (s *Scanner) progress(format string, args ...any) {
	if s.opt.Progress != nil {
		s.opt.Progress(fmt.Sprintf(format, args...))
	}
}

func (s *Scanner) scanOne(ctx context.Context, rep *finding.Report, p string, k Kind) error {
	s.progress("scanning %s (%s)", p, k)
	switch k {
	case KindModelDir:
		return s.scanModel(ctx, rep, finding.Target{Path: p, Type: string(k)}, p, nil)
	case KindIPA, KindAppDir, KindMachO:
		return s.scanIOS(ctx, rep, p, k)
	case KindSource:
		return s.scanSource(ctx, rep, p)
	}
	target := finding.Target{Path: p, Type: string(k)}
	in := android.Input{}
	var view *archive.Remapped // an App Bundle's APK-named view
	var closer io.Closer
	switch k {
	case KindAPKDir:
		d, err := archive.OpenDir(p, s.opt.Limits)
		if err != nil {
			return &InputError{Path: p, Err: err}
		}
		in.Pkg = d
	default:
		f, err := os.Open(p)
		if err != nil {
			return &InputError{Path: p, Err: err}
		}
		closer = f
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return &InputError{Path: p, Err: err}
		}
		target.Size = st.Size()
		if target.SHA256, err = fileDigest(f); err != nil {
			f.Close()
			return &InputError{Path: p, Err: err}
		}
		if k == KindAPK {
			z, err := archive.OpenZip(f, st.Size(), s.opt.Limits)
			if err != nil {
				f.Close()
				return &InputError{Path: p, Err: err}
			}
			in.Pkg, in.File, in.Size = z, f, st.Size()
		} else if k == KindAAB {
			b, v, err := s.openBundle(f, st.Size())
			if err != nil {
				f.Close()
				return &InputError{Path: p, Err: err}
			}
			in, view = b, v
		} else {
			in.Pkg = archive.Single(filepath.Base(p), f, st.Size(), s.opt.Limits)
		}
	}
	if closer != nil {
		defer closer.Close()
	}
	var models android.ModelExaminer
	if k != KindModel { // a lone model file is examined by scanModel, as the target itself
		models = s.opt.Models
	}
	res, err := android.Analyze(ctx, in, android.Options{
		Models:            models,
		Secrets:           s.opt.Secrets,
		Now:               s.opt.Now(),
		Logger:            s.opt.Logger,
		Progress:          func(stage string) { s.progress("  %s", stage) },
		InspectSignatures: inspectBundleSignatures,
	})
	if err != nil {
		return &InputError{Path: p, Err: err}
	}
	if view != nil {
		bundleLocations(view, res)
	}
	target.App = res.App
	if k == KindModel {
		hits := res.Hits
		if s.opt.ModelsOnly {
			hits = inventoryOnly(hits)
		}
		if err := s.scanModel(ctx, rep, target, p, hits); err != nil {
			return err
		}
		for _, w := range res.Warnings {
			rep.Warnings = append(rep.Warnings, finding.Warning{Artifact: p, Path: w.Path, Message: w.Message})
		}
		return nil
	}
	warnings := make([]finding.Warning, 0, len(res.Warnings))
	for _, w := range res.Warnings {
		warnings = append(warnings, finding.Warning{Artifact: p, Path: w.Path, Message: w.Message})
	}
	return s.record(rep, target, res.Hits, warnings)
}

// scanModel examines a model file or directory with the model scanner and
// records it as a target with its verdict, with the reasons found and the
// analyzer's hits (inventory) as findings.
func (s *Scanner) scanModel(ctx context.Context, rep *finding.Report, target finding.Target, p string, hits []finding.Hit) error {
	res, err := s.opt.Models.ScanPath(ctx, p)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &InputError{Path: p, Err: err}
	}
	if target.Size == 0 {
		target.Size = res.Size
	}
	target.Model = &finding.ModelInfo{Format: string(res.Format), Verdict: string(res.Verdict)}
	rep.Targets = append(rep.Targets, target)
	if res.Err != "" {
		rep.Warnings = append(rep.Warnings, finding.Warning{Artifact: p, Message: "model not fully examined: " + res.Err})
	}
	for _, h := range append(hits, appcontent.ExaminationHits(res, "")...) {
		f, err := s.opt.Catalog.Complete(p, h)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rep.Findings = append(rep.Findings, f)
	}
	return nil
}

// inventoryOnly keeps the model inventory of a lone model file's hits:
// bulwark model scan judges the file by its content, not by what shipping
// it in an app would mean (its format can run code, it is not encrypted).
func inventoryOnly(hits []finding.Hit) []finding.Hit {
	var out []finding.Hit
	for _, h := range hits {
		if h.Rule == "ai-model-inventory" {
			out = append(out, h)
		}
	}
	return out
}

// finish applies configuration and baseline, deduplicates and sorts, and
// attaches the rules that have findings.
func (s *Scanner) finish(rep *finding.Report) {
	kept := rep.Findings[:0]
	seen := make(map[string]bool)
	for _, f := range rep.Findings {
		if sev, ok := s.policy.severity[f.RuleID]; ok {
			f.Severity = sev
		}
		switch {
		case s.policy.suppresses(f):
			rep.Suppressed.Config++
		case s.opt.Baseline.Contains(f):
			rep.Suppressed.Baseline++
		default:
			key := f.Fingerprint + "\x00" + firstArtifact(f)
			if seen[key] {
				continue
			}
			seen[key] = true
			kept = append(kept, f)
		}
	}
	rep.Findings = kept
	slices.SortStableFunc(rep.Findings, finding.Compare)
	ids := map[string]bool{}
	for _, f := range rep.Findings {
		if !ids[f.RuleID] {
			ids[f.RuleID] = true
			if r, ok := s.opt.Catalog.ByID(f.RuleID); ok {
				rep.Rules = append(rep.Rules, r)
			}
		}
	}
	slices.SortFunc(rep.Rules, func(a, b finding.Rule) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
}

func firstArtifact(f finding.Finding) string {
	if len(f.Locations) == 0 {
		return ""
	}
	return f.Locations[0].Artifact
}

func fileDigest(f *os.File) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
