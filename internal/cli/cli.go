// Package cli is the bulwark command line: it parses flags, wires the
// packages together and maps outcomes to exit codes. It holds no logic
// of its own beyond that.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes of the bulwark command (docs/cli.md).
const (
	// ExitOK: the command succeeded; for scan, no finding at or above --fail-on.
	ExitOK = 0
	// ExitFindings: scan found weaknesses at or above --fail-on.
	ExitFindings = 1
	// ExitUsage: bad flags or arguments, unreadable or unsupported input,
	// invalid configuration, or any other error.
	ExitUsage = 2
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=…".
var Version = "0.1.0-dev"

// errFindings signals exit code 1 without printing an error.
var errFindings = errors.New("findings at or above the failure threshold")

// errAuditBroken signals exit code 1: the audit chain does not verify.
var errAuditBroken = errors.New("the audit log does not verify")

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// env is what commands need from the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	logger         *slog.Logger
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr,
		logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	root := &cobra.Command{
		Use:   "bulwark",
		Short: "Security for AI-powered mobile apps, from build to runtime",
		Long: "Bulwark audits Android apps for mobile and AI-specific weaknesses (leaked AI provider keys,\n" +
			"unprotected on-device models, cleartext traffic, exported components, weak crypto, …),\n" +
			"and runs the gateway between mobile apps and AI providers (bulwark serve).",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newScanCommand(e), newRulesCommand(e), newServeCommand(e), newAdminCommand(e), newAuditCommand(e), newGuardCommand(e), newModelCommand(e), newVersionCommand(e))

	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.Is(err, errAuditBroken):
		fmt.Fprintf(stderr, "bulwark: %v\n", err)
		return ExitFindings
	case errors.As(err, new(notVerifiedError)):
		fmt.Fprintf(stderr, "bulwark: %v\n", err)
		return ExitFindings
	default:
		fmt.Fprintf(stderr, "bulwark: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "Run 'bulwark --help' for usage.")
		}
		return ExitUsage
	}
}

func newVersionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(e.stdout, "bulwark %s\n", Version)
			return err
		},
	}
}
