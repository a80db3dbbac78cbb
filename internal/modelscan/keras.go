package modelscan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// Keras rules.
const (
	ruleKerasLambda         = "keras-lambda-layer"
	ruleKerasDangerousMod   = "keras-dangerous-module"
	ruleKerasUnsafeFunction = "keras-unsafe-function"
	ruleKerasCustomObject   = "keras-custom-object"
	ruleKerasTFOpLambda     = "keras-tf-op-lambda"
	ruleKerasArchivePath    = "keras-archive-unsafe-path"
	ruleKerasConfigInvalid  = "keras-config-invalid"
)

// kerasFlavor says which loader reads a config, which decides how bad a
// Lambda is: Keras 3 refuses Lambda bytecode under safe_mode (its default),
// Keras 2 runs it when the layer is rebuilt.
type kerasFlavor int

const (
	kerasV3   kerasFlavor = iota // .keras archive
	kerasHDF5                    // legacy .h5, no safe mode
	kerasSavedModel
)

// dangerousModules are Python modules whose objects run commands, load
// code or reach the network when called; a config that names one makes
// the loader import it and call what it names.
var dangerousModules = map[string]bool{
	"builtins": true, "__builtin__": true, "os": true, "posix": true, "nt": true, "subprocess": true,
	"sys": true, "importlib": true, "runpy": true, "shutil": true, "socket": true, "pickle": true,
	"marshal": true, "ctypes": true, "code": true, "codeop": true, "pty": true, "commands": true,
	"webbrowser": true, "requests": true, "urllib": true, "urllib.request": true, "http": true,
	"http.client": true, "ftplib": true, "telnetlib": true, "smtplib": true, "types": true,
	"functools": true, "operator": true, "io": true, "pathlib": true, "tempfile": true, "glob": true,
}

// unsafeKerasFunctions are Keras functions that a config may name (module
// plus class_name, or a "function" whose config is the name) to turn off
// safe mode, download or load other files.
var unsafeKerasFunctions = map[string]bool{
	"enable_unsafe_deserialization": true, "get_file": true, "load_model": true,
	"load_weights": true,
}

// kerasPackages are the module prefixes of Keras itself and of the Keras
// team's libraries.
var kerasPackages = []string{"keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras", "keras_hub", "keras_nlp", "keras_cv", "keras_rs"}

func isKerasModule(mod string) bool {
	for _, p := range kerasPackages {
		if mod == p || strings.HasPrefix(mod, p+".") {
			return true
		}
	}
	return false
}

// topModule returns the module a dotted name starts with, checking the
// two-part names of dangerousModules first ("urllib.request").
func isDangerousModule(mod string) bool {
	if dangerousModules[mod] {
		return true
	}
	first, _, _ := strings.Cut(mod, ".")
	return dangerousModules[first]
}

// kerasWalker walks a Keras config tree.
type kerasWalker struct {
	flavor   kerasFlavor
	maxDepth int
	reasons  []Reason
	nodes    int
	err      error
}

// checkKerasConfig examines a Keras model config (config.json of a .keras
// archive, the model_config attribute of an .h5 file, the metadata of a
// SavedModel's keras_metadata.pb).
func checkKerasConfig(data []byte, flavor kerasFlavor, lim Limits) ([]Reason, error) {
	if int64(len(data)) > lim.MaxJSONBytes {
		return nil, fmt.Errorf("%w: Keras config of %d bytes, limit %d", ErrLimit, len(data), lim.MaxJSONBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []Reason{reason(ruleKerasConfigInvalid, finding.SeverityMedium, Suspicious,
			"The Keras model config is not valid JSON (%v), so loaders and this scan may disagree on it.", err)}, nil
	}
	w := &kerasWalker{flavor: flavor, maxDepth: lim.MaxJSONDepth}
	w.walk(v, "", 0)
	return w.reasons, w.err
}

func (w *kerasWalker) walk(v any, where string, depth int) {
	if w.err != nil {
		return
	}
	if depth > w.maxDepth {
		w.err = fmt.Errorf("%w: Keras config nested deeper than %d", ErrLimit, w.maxDepth)
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			w.walk(e, where, depth+1)
		}
	case map[string]any:
		here := ""
		if cfg, ok := t["config"].(map[string]any); ok {
			if name, ok := cfg["name"].(string); ok && name != "" {
				here = name
			}
		}
		if !w.object(t, here) {
			return
		}
		if here == "" {
			here = where
		}
		for _, k := range sortedKeys(t) {
			w.walk(t[k], here, depth+1)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Small maps: insertion sort keeps this allocation-free beyond keys.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// object checks one serialized object; name is its config's name, if any.
// It returns false when the object's contents need no further walk (a
// Lambda, whose function is reported with it).
func (w *kerasWalker) object(m map[string]any, name string) bool {
	cls, _ := m["class_name"].(string)
	mod, hasMod := m["module"].(string)
	reg, _ := m["registered_name"].(string)
	cfg, _ := m["config"].(map[string]any)
	if name == "" {
		name = cls
	}
	switch cls {
	case "Lambda":
		sev, note := finding.SeverityCritical, "Keras 2 runs it when the model is loaded"
		switch w.flavor {
		case kerasV3:
			sev, note = finding.SeverityHigh, "Keras 3 runs it when safe_mode is turned off"
		case kerasSavedModel:
			note = "the Keras SavedModel loader runs it when the model is rebuilt"
		}
		what := "Python code"
		if fn, ok := cfg["function"]; ok {
			switch f := fn.(type) {
			case []any, map[string]any:
				what = "Python bytecode"
			case string:
				if ft, _ := cfg["function_type"].(string); ft == "function" {
					what = fmt.Sprintf("a call of the Python function %q", f)
					if fm, _ := cfg["module"].(string); fm != "" {
						what = fmt.Sprintf("a call of the Python function %s.%s", fm, f)
					}
				} else {
					what = "Python bytecode"
				}
			}
		}
		w.add(reason(ruleKerasLambda, sev, Dangerous, "Lambda layer %q carries %s; %s.", name, what, note))
		return false
	case "__lambda__":
		sev := finding.SeverityCritical
		if w.flavor == kerasV3 {
			sev = finding.SeverityHigh
		}
		w.add(reason(ruleKerasLambda, sev, Dangerous, "Object %q is a serialized Python lambda (bytecode) that runs when the model is rebuilt.", name))
		return false
	case "TFOpLambda":
		fn, _ := cfg["function"].(string)
		w.add(reason(ruleKerasTFOpLambda, finding.SeverityLow, Suspicious, "Layer %q calls the TensorFlow function %q by name when rebuilt.", name, fn))
	}
	callee := cls
	if cls == "function" {
		if s, ok := m["config"].(string); ok {
			callee = s
		}
	}
	switch {
	case hasMod && isDangerousModule(mod):
		w.add(reason(ruleKerasDangerousMod, finding.SeverityCritical, Dangerous,
			"Object %q names %s.%s: rebuilding the model imports module %q and calls it.", name, mod, callee, mod))
		return true
	case unsafeKerasFunctions[callee] || unsafeKerasFunctions[reg]:
		w.add(reason(ruleKerasUnsafeFunction, finding.SeverityCritical, Dangerous,
			"Object %q names the Keras function %s.%s, which turns off safe mode or loads other files when the model is rebuilt.", name, mod, callee))
		return true
	case hasMod && mod != "" && !isKerasModule(mod):
		w.add(reason(ruleKerasCustomObject, finding.SeverityMedium, Suspicious,
			"Object %q is %s.%s from outside Keras: loading imports that module and runs its code.", name, mod, cls))
		return true
	}
	for _, id := range []string{reg, cls} {
		if pkg, _, ok := strings.Cut(id, ">"); ok && !isKerasModule(strings.ToLower(pkg)) {
			w.add(reason(ruleKerasCustomObject, finding.SeverityMedium, Suspicious,
				"Object %q is the registered custom object %q: loading runs code that the model's author supplies.", name, id))
			return true
		}
	}
	return true
}

func (w *kerasWalker) add(r Reason) {
	w.nodes++
	w.reasons = append(w.reasons, r)
}

// scanKeras examines a Keras 3 archive: config.json, and member names
// that escape the archive.
func scanKeras(ctx context.Context, f File) ([]Reason, error) {
	pkg, ok, err := container(f)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: a Keras archive that is not a ZIP archive", ErrMalformed)
	}
	var reasons []Reason
	for _, n := range pkg.Names() {
		if unsafeMemberName(n) {
			reasons = append(reasons, Reason{Rule: ruleKerasArchivePath, Severity: finding.SeverityMedium, Verdict: Suspicious,
				Message: fmt.Sprintf("Archive member %q escapes the archive; a loader that extracts it writes outside its directory.", n), Member: n})
		}
	}
	data, err := readMember(pkg, "config.json", f.Limits)
	if err != nil {
		return reasons, err
	}
	if err := ctx.Err(); err != nil {
		return reasons, err
	}
	rs, err := checkKerasConfig(data, kerasV3, f.Limits)
	return append(reasons, withMember(rs, "config.json")...), err
}

// unsafeMemberName reports names that escape an extraction directory.
func unsafeMemberName(n string) bool {
	n = strings.ReplaceAll(n, `\`, "/")
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' {
		return true
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

// scanKerasMetadata examines keras_metadata.pb of a Keras SavedModel:
// SavedMetadata{nodes=1} whose SavedObjects carry the layer configs as
// JSON strings.
func scanKerasMetadata(ctx context.Context, f File) ([]Reason, error) {
	s := newSource(ctx, f.R, f.Size, f.Limits)
	var reasons []Reason
	var errs []error
	err := s.message(0, f.Size).eachSub(1, func(obj pbMsg) error {
		return obj.each(func(g pbField) error {
			if g.wire != wireBytes || g.n < 2 {
				return nil
			}
			b, err := s.upTo(g.off, 1)
			if err != nil || len(b) == 0 || b[0] != '{' {
				return err
			}
			if g.n > f.Limits.MaxJSONBytes {
				return fmt.Errorf("%w: layer metadata of %d bytes", ErrLimit, g.n)
			}
			js, err := s.at(g.off, g.n)
			if err != nil {
				return err
			}
			rs, err := checkKerasConfig(bytes.Clone(js), kerasSavedModel, f.Limits)
			reasons = append(reasons, rs...)
			if err != nil {
				errs = append(errs, err)
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, io.EOF) {
		errs = append(errs, err)
	}
	return reasons, errors.Join(errs...)
}
