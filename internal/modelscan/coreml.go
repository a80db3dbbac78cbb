package modelscan

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// Core ML (apple/coremltools mlmodel/format/*.proto, facts):
// Model{specificationVersion=1, description=2, isUpdatable=10, and the
// model type as a oneof from 200}; pipelineClassifier=200 and
// pipelineRegressor=201 hold Pipeline at field 1, pipeline=202 is a
// Pipeline{models=1}; neuralNetworkRegressor=303,
// neuralNetworkClassifier=403 and neuralNetwork=500 hold
// layers=1 (NeuralNetworkLayer{name=1, custom=500
// (CustomLayerParams{className=10})}); customModel=555
// (CustomModel{className=10}); linkedModel=556
// (LinkedModel{linkedModelFile=1 (LinkedModelFile{linkedModelFileName=1,
// linkedModelSearchPath=2}, each a StringParameter{defaultValue=1})}).

// Core ML rules.
const (
	ruleCoreMLCustomLayer = "coreml-custom-layer"
	ruleCoreMLCustomModel = "coreml-custom-model"
	ruleCoreMLLinkedModel = "coreml-linked-model"
	ruleCoreMLSpecVersion = "coreml-spec-version-unknown"
	ruleCoreMLCompiled    = "coreml-compiled-not-examined"
)

// coremlMaxSpec is the newest specification version this scan knows
// (Core ML 8, iOS 18 / macOS 15: 9); one ahead is allowed.
const coremlMaxSpec = 10

func scanCoreML(ctx context.Context, f File) ([]Reason, error) {
	pkg, ok, err := container(f)
	if err != nil {
		return nil, err
	}
	if !ok {
		s := newSource(ctx, f.R, f.Size, f.Limits)
		return coremlModel(s.message(0, f.Size), "")
	}
	var reasons []Reason
	var errs []error
	specs := 0
	for _, n := range archive.SortedNames(pkg) {
		if path.Ext(n) != ".mlmodel" {
			continue
		}
		specs++
		data, err := readMember(pkg, n, f.Limits)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mf := memberFile(f, n, data)
		s := newSource(ctx, mf.R, mf.Size, f.Limits)
		rs, err := coremlModel(s.message(0, mf.Size), "")
		reasons = append(reasons, withMember(rs, n)...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	if specs == 0 {
		reasons = append(reasons, reason(ruleCoreMLCompiled, finding.SeverityLow, Suspicious,
			"The compiled Core ML model holds no model specification (.mlmodel), and its compiled form is not examined, so custom layers cannot be ruled out."))
	}
	return reasons, errors.Join(errs...)
}

// coremlModel examines a Model message; where names the pipeline stage.
func coremlModel(m pbMsg, where string) ([]Reason, error) {
	var reasons []Reason
	label := func(s string) string {
		if where == "" {
			return s
		}
		return where + ": " + s
	}
	err := m.each(func(f pbField) error {
		switch {
		case f.num == 1 && f.wire == wireVarint:
			if f.val == 0 || f.val > coremlMaxSpec {
				reasons = append(reasons, reason(ruleCoreMLSpecVersion, finding.SeverityLow, Suspicious,
					"%s specification version %d is outside the versions this scan knows (1 to %d), so fields it adds are not examined.", label("The model's"), f.val, coremlMaxSpec))
			}
		case f.wire != wireBytes:
		case f.num == 200 || f.num == 201 || f.num == 202:
			sub, err := m.sub(f)
			if err != nil {
				return err
			}
			pipe := sub
			if f.num != 202 {
				found := false
				err := sub.each(func(g pbField) error {
					if g.num == 1 && g.wire == wireBytes && !found {
						found = true
						p, err := sub.sub(g)
						pipe = p
						return err
					}
					return nil
				})
				if err != nil || !found {
					return err
				}
			}
			i := 0
			return pipe.eachSub(1, func(inner pbMsg) error {
				i++
				rs, err := coremlModel(inner, label(fmt.Sprintf("pipeline model %d", i)))
				reasons = append(reasons, rs...)
				return err
			})
		case f.num == 303 || f.num == 403 || f.num == 500:
			sub, err := m.sub(f)
			if err != nil {
				return err
			}
			var custom []string
			err = sub.eachSub(1, func(layer pbMsg) error {
				var name, class string
				isCustom := false
				err := layer.each(func(g pbField) error {
					switch {
					case g.num == 1 && g.wire == wireBytes:
						var err error
						name, err = layer.text(g)
						return err
					case g.num == 500 && g.wire == wireBytes:
						isCustom = true
						p, err := layer.sub(g)
						if err != nil {
							return err
						}
						cs, err := p.strings(10)
						if len(cs) > 0 {
							class = cs[0]
						}
						return err
					}
					return nil
				})
				if isCustom {
					custom = append(custom, fmt.Sprintf("%q (class %q)", name, class))
				}
				return err
			})
			if len(custom) > 0 {
				reasons = append(reasons, reason(ruleCoreMLCustomLayer, finding.SeverityMedium, Suspicious,
					"%s has %d custom %s (%s): they run code that the app supplies, not Core ML's layers.",
					label("The neural network"), len(custom), plural(len(custom), "layer", "layers"), listCut(custom, 8)))
			}
			return err
		case f.num == 555:
			sub, err := m.sub(f)
			if err != nil {
				return err
			}
			cs, err := sub.strings(10)
			class := ""
			if len(cs) > 0 {
				class = cs[0]
			}
			reasons = append(reasons, reason(ruleCoreMLCustomModel, finding.SeverityMedium, Suspicious,
				"%s is a custom model implemented by the class %q: all of its computation is code that the app supplies.", label("The model"), class))
			return err
		case f.num == 556:
			sub, err := m.sub(f)
			if err != nil {
				return err
			}
			var parts []string
			err = sub.eachSub(1, func(file pbMsg) error {
				return file.each(func(g pbField) error {
					if (g.num == 1 || g.num == 2) && g.wire == wireBytes {
						p, err := file.sub(g)
						if err != nil {
							return err
						}
						ss, err := p.strings(1)
						parts = append(parts, ss...)
						return err
					}
					return nil
				})
			})
			sev, v := finding.SeverityInfo, Safe
			for _, p := range parts {
				if pathEscapes(p) {
					sev, v = finding.SeverityMedium, Suspicious
				}
			}
			reasons = append(reasons, reason(ruleCoreMLLinkedModel, sev, v,
				"%s links to another compiled model by file name (%s); that model is loaded from outside this file.", label("The model"), strings.Join(quoteCut(parts), ", ")))
			return err
		}
		return nil
	})
	return reasons, err
}

func quoteCut(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss[:min(len(ss), 4)] {
		out = append(out, fmt.Sprintf("%q", s))
	}
	return out
}
