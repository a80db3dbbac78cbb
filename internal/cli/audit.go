package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/serve"
	"github.com/bulwark-security/bulwark/internal/store/sqlstore"
)

func newAuditCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify the gateway's tamper-evident audit log, offline",
		Long: `Audit reads the gateway's database directly (not through a running gateway,
which an intruder could control) and checks the hash chain and the signed
checkpoints of its audit log. See docs/audit.md.`,
	}
	var o struct {
		config, publicKey, anchors string
		jsonOut                    bool
	}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify every audit record and checkpoint (exit 0 verified, 1 tampered, 2 error)",
		Example: `  bulwark audit verify --config bulwark.yaml
  bulwark audit verify --config bulwark.yaml --public-key audit-key.pem --anchors checkpoints.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.config == "" {
				return usagef("--config is required (it names the database and the master key)")
			}
			cfg, err := gateway.LoadConfig(o.config, os.Getenv)
			if err != nil {
				return usageError{fmt.Errorf("configuration: %w", err)}
			}
			ctx := cmd.Context()
			db, err := sqlstore.Open(ctx, sqlstore.Driver(cfg.Storage.Driver), cfg.Storage.DSN)
			if err != nil {
				return err
			}
			defer db.Close()
			keys, err := verificationKeys(ctx, cfg, db, o.publicKey)
			if err != nil {
				return err
			}
			var vo audit.VerifyOptions
			if o.anchors != "" {
				if vo.Anchors, err = readAnchors(o.anchors); err != nil {
					return err
				}
			}
			rep, err := audit.Verify(ctx, db, keys, vo)
			if err != nil && !errors.Is(err, audit.ErrTampered) {
				return err
			}
			if o.jsonOut {
				if err := printJSON(e.stdout, map[string]any{"ok": rep.OK(), "report": rep}); err != nil {
					return err
				}
			} else {
				printReport(e, rep)
			}
			if !rep.OK() {
				return errAuditBroken
			}
			return nil
		},
	}
	f := verify.Flags()
	f.StringVar(&o.config, "config", "", "the gateway's configuration file")
	f.StringVar(&o.publicKey, "public-key", "", "verify with this PEM public key (from 'bulwark audit export-key') instead of the keys the master key opens")
	f.StringVar(&o.anchors, "anchors", "", "JSON lines of checkpoints kept outside the database (the gateway logs each one)")
	f.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")

	var exportConfig string
	export := &cobra.Command{
		Use:   "export-key",
		Short: "Print the audit log's public verification keys (PEM), for third parties",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if exportConfig == "" {
				return usagef("--config is required")
			}
			cfg, err := gateway.LoadConfig(exportConfig, os.Getenv)
			if err != nil {
				return usageError{fmt.Errorf("configuration: %w", err)}
			}
			db, err := sqlstore.Open(cmd.Context(), sqlstore.Driver(cfg.Storage.Driver), cfg.Storage.DSN)
			if err != nil {
				return err
			}
			defer db.Close()
			keys, err := verificationKeys(cmd.Context(), cfg, db, "")
			if err != nil {
				return err
			}
			for _, pub := range keys {
				pem, err := audit.ExportPublicKey(pub)
				if err != nil {
					return err
				}
				if _, err := e.stdout.Write(pem); err != nil {
					return err
				}
			}
			return nil
		},
	}
	export.Flags().StringVar(&exportConfig, "config", "", "the gateway's configuration file")
	var show struct {
		config, requestID string
		text              bool
	}
	showCmd := &cobra.Command{
		Use:   "show --config FILE --request-id ID",
		Short: "Print the audit events of one request; --text opens the text an app kept (keep_text)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if show.config == "" || show.requestID == "" {
				return usagef("--config and --request-id are required")
			}
			cfg, err := gateway.LoadConfig(show.config, os.Getenv)
			if err != nil {
				return usageError{fmt.Errorf("configuration: %w", err)}
			}
			ctx := cmd.Context()
			db, err := sqlstore.Open(ctx, sqlstore.Driver(cfg.Storage.Driver), cfg.Storage.DSN)
			if err != nil {
				return err
			}
			defer db.Close()
			recs, err := audit.Query(ctx, db, audit.Filter{RequestID: show.requestID})
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				return usagef("no audit event of request %s", show.requestID)
			}
			for _, r := range recs {
				out := map[string]any{"seq": r.Seq, "hash": r.Hash, "event": r.Event}
				ev, err := r.Decode()
				if err != nil {
					return err
				}
				if show.text && ev.TextSealed != nil {
					ring, err := serve.LoadMasterKey(cfg.Secrets, os.Getenv)
					if err != nil {
						return err
					}
					plain, err := ring.Open(ev.TextSealed, "audit-text:"+ev.RequestID)
					if err != nil {
						return fmt.Errorf("open kept text: %w", err)
					}
					out["text"] = json.RawMessage(plain)
				}
				if err := printJSON(e.stdout, out); err != nil {
					return err
				}
			}
			return nil
		},
	}
	showCmd.Flags().StringVar(&show.config, "config", "", "the gateway's configuration file")
	showCmd.Flags().StringVar(&show.requestID, "request-id", "", "the request (its X-Request-Id)")
	showCmd.Flags().BoolVar(&show.text, "text", false, "also print the prompt and answer kept sealed for apps with keep_text (needs the master key)")
	cmd.AddCommand(verify, export, showCmd)
	return cmd
}

// verificationKeys are the keys of a PEM file, or else those derived from
// the sealed private keys the master key opens.
func verificationKeys(ctx context.Context, cfg *gateway.Config, db *sqlstore.DB, pemFile string) (map[string]ed25519.PublicKey, error) {
	if pemFile != "" {
		data, err := os.ReadFile(pemFile)
		if err != nil {
			return nil, err
		}
		return audit.ParsePublicKeys(data)
	}
	ring, err := serve.LoadMasterKey(cfg.Secrets, os.Getenv)
	if err != nil {
		return nil, err
	}
	return audit.PublicKeys(ctx, db, ring)
}

func readAnchors(path string) ([]audit.Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []audit.Checkpoint
	dec := json.NewDecoder(f)
	for dec.More() {
		var c audit.Checkpoint
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func printReport(e *env, rep audit.Report) {
	if rep.OK() {
		fmt.Fprintf(e.stdout, "audit log verified: %d records, %d signed checkpoints", rep.Records, rep.Checkpoints)
		if rep.LastCheckpoint != nil {
			fmt.Fprintf(e.stdout, " (last at seq %d)", rep.LastCheckpoint.Seq)
		}
		fmt.Fprintf(e.stdout, "; %d records after the last checkpoint\n", rep.Unanchored)
		return
	}
	b, _ := json.Marshal(rep.Problem)
	fmt.Fprintf(e.stdout, "AUDIT LOG TAMPERED: %d records verified before the problem: %s\n", rep.Records, b)
}
