package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/internal/rules"
)

func newRulesCommand(e *env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the scanner's rules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := rules.Builtin()
			if err != nil {
				return err
			}
			switch format {
			case "table":
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSEVERITY\tKIND\tNAME\tTITLE")
				for _, r := range cat.All() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Kind, r.Name, r.Title)
				}
				return tw.Flush()
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(cat.All())
			case "markdown":
				return rules.WriteMarkdown(e.stdout, cat)
			}
			return usagef("--format: unknown format %q (want table, json or markdown)", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or markdown (docs/rules.md)")
	return cmd
}
