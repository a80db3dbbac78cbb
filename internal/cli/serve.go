package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/serve"
)

type serveOptions struct {
	config  string
	demo    bool
	addr    string
	dataDir string
}

func newServeCommand(e *env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway between mobile apps and AI providers",
		Long: `Serve runs the Bulwark gateway: the HTTP service a mobile app calls instead
of an AI provider. Users log in (short-lived access tokens, rotated refresh
tokens), every AI call is authorized, limited and recorded in a
tamper-evident audit log, and provider keys never leave the server.

--config FILE reads a YAML configuration (docs/configuration.md); every
scalar key can be overridden by a BULWARK_* environment variable
(BULWARK_SERVER_ADDR, BULWARK_STORAGE_DSN, …). The configuration is
validated completely before the gateway starts.

--demo needs no configuration: SQLite and a master key under --data-dir,
a built-in deterministic demo model, a demo app, user and admin created on
first start, and copy-paste examples printed at start.`,
		Example: `  bulwark serve --demo
  bulwark serve --demo --addr 127.0.0.1:9090 --data-dir /tmp/bulwark
  BULWARK_MASTER_KEY=$(cat master.key) bulwark serve --config bulwark.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, e, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "configuration file (YAML)")
	f.BoolVar(&o.demo, "demo", false, "run the self-contained demo (no configuration needed)")
	f.StringVar(&o.addr, "addr", "", "listen address HOST:PORT (default 127.0.0.1:8080, or server.addr)")
	f.StringVar(&o.dataDir, "data-dir", "./bulwark-data", "demo data directory (SQLite database, master key, demo credentials)")
	return cmd
}

func runServe(cmd *cobra.Command, e *env, o serveOptions) error {
	ctx := cmd.Context()
	if o.demo == (o.config != "") {
		return usagef("serve needs exactly one of --config FILE or --demo")
	}
	var cfg *gateway.Config
	var err error
	if o.demo {
		if err := serve.PrepareDemo(o.dataDir); err != nil {
			return err
		}
		addr := o.addr
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		cfg, err = serve.DemoConfig(addr, o.dataDir)
	} else {
		cfg, err = gateway.LoadConfig(o.config, os.Getenv, func(c *gateway.Config) {
			if o.addr != "" {
				c.Server.Addr = o.addr
			}
		})
	}
	if err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	log := newLogger(e.stderr, cfg.Log)
	srv, err := serve.Build(ctx, cfg, serve.Options{Logger: log})
	if err != nil {
		return err
	}
	var creds serve.DemoCredentials
	if o.demo {
		if creds, err = serve.SeedDemo(ctx, srv.Identity, o.dataDir); err != nil {
			_ = srv.Close(ctx)
			return err
		}
	}
	return srv.Serve(ctx, func(addr string) {
		if o.demo {
			_ = serve.PrintDemo(e.stdout, "http://"+addr, o.dataDir, creds)
		} else {
			fmt.Fprintf(e.stderr, "bulwark: gateway listening on %s\n", addr)
		}
	})
}

// newLogger builds the service's structured logger on stderr.
func newLogger(w io.Writer, c gateway.LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
