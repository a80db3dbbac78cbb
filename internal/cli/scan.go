package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/internal/baseline"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/report"
	"github.com/bulwark-security/bulwark/internal/rules"
	"github.com/bulwark-security/bulwark/internal/scan"
)

// scanOptions are the flags of bulwark scan.
type scanOptions struct {
	format        string
	output        string
	failOn        string
	baseline      string
	writeBaseline string
	config        string
	quiet         bool
}

func newScanCommand(e *env) *cobra.Command {
	var o scanOptions
	cmd := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Audit Android apps (APK), DEX files, native libraries and model files",
		Long: `Scan audits each PATH for mobile and AI-specific weaknesses.

A PATH is an APK, an unpacked APK directory, a DEX file, a native library,
a model file, or a directory of those. Types are recognized by content.
App bundles (.aab), iOS apps and source trees are not supported yet.

Exit codes: 0 no finding at or above --fail-on (or no --fail-on);
1 findings at or above --fail-on; 2 usage error, unreadable or
unsupported input, invalid configuration.`,
		Example: `  bulwark scan app-release.apk
  bulwark scan app-release.apk --format sarif -o bulwark.sarif --fail-on high
  bulwark scan app-release.apk --write-baseline .bulwark-baseline.json
  bulwark scan app-release.apk --baseline .bulwark-baseline.json --fail-on medium`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("scan needs at least one PATH")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runScan(cmd, e, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: table, json, sarif or html")
	f.StringVarP(&o.output, "output", "o", "", "write the report to FILE instead of standard output")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when a weakness at or above this severity is found: critical, high, medium, low (default from .bulwark.yaml, else never)")
	f.StringVar(&o.baseline, "baseline", "", "suppress findings recorded in this baseline FILE")
	f.StringVar(&o.writeBaseline, "write-baseline", "", "write all current findings to this baseline FILE and exit 0")
	f.StringVar(&o.config, "config", "", "scan configuration FILE (default: "+scan.DefaultConfigFile+" in the working directory, if present)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on standard error")
	return cmd
}

func runScan(cmd *cobra.Command, e *env, o scanOptions, paths []string) error {
	return runScanWith(cmd, e, o, paths, nil)
}

// runScanWith is runScan with the scanner's options adjusted by mutate
// (bulwark model scan scans model files only).
func runScanWith(cmd *cobra.Command, e *env, o scanOptions, paths []string, mutate func(*scan.Options)) error {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError{err}
	}
	cat, err := rules.Builtin()
	if err != nil {
		return fmt.Errorf("rule catalogue: %w", err)
	}
	cfgName, named := o.config, o.config != ""
	if !named {
		cfgName = scan.DefaultConfigFile
	}
	cfg, err := scan.LoadConfig(cfgName, named)
	if err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	if err := cfg.Validate(cat); err != nil {
		return usageError{fmt.Errorf("configuration %s: %w", cfgName, err)}
	}
	failOn := o.failOn
	if failOn == "" {
		failOn = cfg.Scan.FailOn
	}
	var threshold *finding.Severity
	if failOn != "" && failOn != "never" {
		s, err := finding.ParseSeverity(failOn)
		if err != nil {
			return usagef("--fail-on: %v", err)
		}
		threshold = &s
	}
	var base *baseline.Baseline
	if o.baseline != "" {
		f, err := os.Open(o.baseline)
		if err != nil {
			return usagef("--baseline: %v", err)
		}
		base, err = baseline.Read(f)
		f.Close()
		if err != nil {
			return usagef("--baseline %s: %v", o.baseline, err)
		}
	}
	opt := scan.Options{
		Catalog:  cat,
		Secrets:  detect.Default(),
		Config:   cfg,
		Baseline: base,
		Tool:     finding.Tool{Name: "Bulwark", Version: Version, URI: "https://github.com/bulwark-security/bulwark"},
		Logger:   e.logger,
	}
	if !o.quiet && isTerminal(e.stderr) {
		opt.Progress = func(msg string) { fmt.Fprintf(e.stderr, "bulwark: %s\n", msg) }
	}
	if mutate != nil {
		mutate(&opt)
	}
	s, err := scan.New(opt)
	if err != nil {
		return usageError{err}
	}
	rep, err := s.Scan(cmd.Context(), paths)
	if err != nil {
		var ie *scan.InputError
		if errors.As(err, &ie) {
			return usageError{err}
		}
		return err
	}
	if o.writeBaseline != "" {
		return writeBaselineFile(o.writeBaseline, rep)
	}
	if err := writeReport(e, o, format, rep); err != nil {
		return err
	}
	if threshold != nil && rep.AtOrAbove(*threshold) {
		return errFindings
	}
	return nil
}

func writeBaselineFile(name string, rep *finding.Report) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := baseline.Write(f, rep.Findings, rep.StartedAt); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeReport(e *env, o scanOptions, format report.Format, rep *finding.Report) error {
	w := e.stdout
	ropt := report.Options{}
	if wd, err := os.Getwd(); err == nil {
		ropt.BaseDir = wd
	}
	if o.output == "" {
		ropt.Color = format == report.FormatTable && isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
		return report.Write(w, rep, format, ropt)
	}
	dir := filepath.Dir(o.output)
	tmp, err := os.CreateTemp(dir, ".bulwark-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := report.Write(tmp, rep, format, ropt); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), o.output); err != nil {
		return err
	}
	if isTerminal(e.stderr) && !o.quiet {
		fmt.Fprintf(e.stderr, "bulwark: wrote %s report to %s (%s)\n", format, o.output, summary(rep))
	}
	return nil
}

func summary(rep *finding.Report) string {
	counts := rep.CountBySeverity()
	var parts []string
	for s := finding.SeverityCritical; ; s-- {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
		if s == finding.SeverityInfo {
			break
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}
