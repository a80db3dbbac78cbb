package cli

import (
	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/internal/scan"
)

func newModelCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Scan model files for code-execution payloads; sign and verify them (OpenSSF Model Signing)",
		Long: `Model examines machine-learning model files (scan) and signs and verifies
them in the OpenSSF Model Signing format (sign, verify), the format of
sigstore's model_signing tool. See docs/models.md.`,
	}
	cmd.AddCommand(newModelScan(e), newModelSign(e), newModelVerify(e))
	return cmd
}

func newModelScan(e *env) *cobra.Command {
	o := scanOptions{failOn: "high"}
	cmd := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Examine model files for code-execution payloads and report a verdict per file",
		Long: `Scan examines each PATH, a model file or a directory of them (a SavedModel
directory, an .mlpackage or .mlmodelc counts as one model), without
loading or running anything: pickles and everything built on them
(PyTorch, NumPy, joblib), Keras (.keras, .h5), TensorFlow SavedModel and
GraphDef, ONNX, TFLite, GGUF, safetensors and Core ML. Formats are
recognized by content.

For each file it reports the format, size, SHA-256 and a verdict (safe,
suspicious, dangerous), with each reason as a finding of the rule table
(bulwark rules). An import a pickle makes that Bulwark does not know is
suspicious, not safe.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above
--fail-on (default high: every dangerous verdict); 2 usage error,
unreadable input, or a path that holds no model file.`,
		Example: `  bulwark model scan pytorch_model.bin
  bulwark model scan ./models --format sarif -o models.sarif
  bulwark model scan model.keras --fail-on medium`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("model scan needs at least one PATH")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScanWith(cmd, e, o, args, func(opt *scan.Options) { opt.ModelsOnly = true })
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: table, json, sarif or html")
	f.StringVarP(&o.output, "output", "o", "", "write the report to FILE instead of standard output")
	f.StringVar(&o.failOn, "fail-on", o.failOn, "exit 1 when a finding at or above this severity is found: critical, high, medium, low, or never")
	f.StringVar(&o.baseline, "baseline", "", "suppress findings recorded in this baseline FILE")
	f.StringVar(&o.config, "config", "", "scan configuration FILE (default: "+scan.DefaultConfigFile+" in the working directory, if present)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on standard error")
	return cmd
}
