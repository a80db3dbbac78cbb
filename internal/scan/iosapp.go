package scan

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/ios"
)

// scanIOS scans an .ipa archive, an unpacked .app directory or a lone
// Mach-O file with the iOS analyzer.
func (s *Scanner) scanIOS(ctx context.Context, rep *finding.Report, p string, k Kind) error {
	target := finding.Target{Path: p, Type: string(k)}
	var pkg archive.Package
	if k == KindAppDir {
		d, err := archive.OpenDir(p, s.opt.Limits)
		if err != nil {
			return &InputError{Path: p, Err: err}
		}
		pkg = d
	} else {
		f, err := os.Open(p)
		if err != nil {
			return &InputError{Path: p, Err: err}
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return &InputError{Path: p, Err: err}
		}
		target.Size = st.Size()
		if target.SHA256, err = fileDigest(f); err != nil {
			return &InputError{Path: p, Err: err}
		}
		if k == KindIPA {
			z, err := archive.OpenZip(f, st.Size(), s.opt.Limits)
			if err != nil {
				return &InputError{Path: p, Err: err}
			}
			pkg = z
		} else {
			pkg = archive.Single(filepath.Base(p), f, st.Size(), s.opt.Limits)
		}
	}
	res, err := ios.Analyze(ctx, ios.Input{Pkg: pkg}, ios.Options{
		Secrets:  s.opt.Secrets,
		Models:   s.opt.Models,
		Now:      s.opt.Now(),
		Logger:   s.opt.Logger,
		Progress: func(stage string) { s.progress("  %s", stage) },
	})
	if err != nil {
		if errors.Is(err, ios.ErrNoApp) {
			return &InputError{Path: p, Err: errors.Join(ErrUnsupported, err)}
		}
		return &InputError{Path: p, Err: err}
	}
	target.App = res.App
	warnings := make([]finding.Warning, 0, len(res.Warnings))
	for _, w := range res.Warnings {
		warnings = append(warnings, finding.Warning{Artifact: p, Path: w.Path, Message: w.Message})
	}
	return s.record(rep, target, res.Hits, warnings)
}

// record adds a scanned target, its warnings and its hits, completed
// into findings, to the report.
func (s *Scanner) record(rep *finding.Report, target finding.Target, hits []finding.Hit, warnings []finding.Warning) error {
	rep.Targets = append(rep.Targets, target)
	rep.Warnings = append(rep.Warnings, warnings...)
	for _, h := range hits {
		f, err := s.opt.Catalog.Complete(target.Path, h)
		if err != nil {
			return &InputError{Path: target.Path, Err: err}
		}
		rep.Findings = append(rep.Findings, f)
	}
	return nil
}
