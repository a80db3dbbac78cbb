// Command bulwark secures AI-powered mobile apps from build to runtime.
// See README.md and docs/ for what each subcommand does.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bulwark-security/bulwark/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
