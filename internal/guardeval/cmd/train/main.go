// Command train trains the prompt-injection model on the guard corpus and
// writes it where the injection package embeds it. Run from the repository
// root:
//
//	go run ./internal/guardeval/cmd/train
//
// With -cv it first runs the held-out evaluation (leave one source out)
// and prints its Markdown report and the recommended thresholds.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulwark-security/bulwark/internal/guardeval"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpus := fs.String("corpus", "../shared/corpus/guard", "guard corpus directory")
	extra := fs.String("extra", "internal/guardeval/testdata", "further data (our hard negatives), comma-separated; empty for none")
	out := fs.String("out", "internal/detect/injection/model.bin", "where to write the model; empty to skip training")
	cv := fs.Bool("cv", false, "run the held-out evaluation first and print its report")
	only := fs.String("only", "", "with -cv: evaluate only these fold groups (comma-separated)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	paths := []string{*corpus}
	if *extra != "" {
		paths = append(paths, strings.Split(*extra, ",")...)
	}
	samples, err := guardeval.Load(paths...)
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	fmt.Fprintf(stderr, "loaded %d samples\n", len(samples))
	if *cv {
		opts := guardeval.CVOptions{Log: func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) }}
		if *only != "" {
			opts.Only = strings.Split(*only, ",")
		}
		res, err := guardeval.CrossValidate(samples, opts)
		if err != nil {
			fmt.Fprintln(stderr, "train:", err)
			return 1
		}
		fmt.Fprintln(stdout, res.Report.Markdown())
		fmt.Fprintln(stdout, res.Obfuscation.Markdown())
		fmt.Fprintf(stdout, "recommended thresholds: direct %.4f, content %.4f\n", res.Threshold, res.ContentThreshold)
	}
	if *out == "" {
		return 0
	}
	model, err := guardeval.Train(samples, guardeval.TrainOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	if err := os.WriteFile(*out, model, 0o644); err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %s (%d bytes)\n", *out, len(model))
	return 0
}
