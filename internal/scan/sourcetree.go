package scan

import (
	"context"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/source"
)

// scanSource scans a project checkout with the source analyzer: the
// manifest, property list and build-file checks, and secrets, AI
// endpoints and models in the files .gitignore keeps.
func (s *Scanner) scanSource(ctx context.Context, rep *finding.Report, p string) error {
	target := finding.Target{Path: p, Type: string(KindSource)}
	res, err := source.Analyze(ctx, p, source.Options{
		Secrets:  s.opt.Secrets,
		Models:   s.opt.Models,
		Logger:   s.opt.Logger,
		Progress: func(stage string) { s.progress("  %s", stage) },
		// A checkout has many more files than a directory of artifacts.
		MaxFiles: max(s.opt.MaxFiles, source.DefaultMaxFiles),
		Now:      s.opt.Now(),
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &InputError{Path: p, Err: err}
	}
	if len(res.Apps) > 0 {
		app := res.Apps[0]
		target.App = &app
	}
	warnings := make([]finding.Warning, 0, len(res.Warnings))
	for _, w := range res.Warnings {
		warnings = append(warnings, finding.Warning{Artifact: p, Path: w.Path, Message: w.Message})
	}
	return s.record(rep, target, res.Hits, warnings)
}
