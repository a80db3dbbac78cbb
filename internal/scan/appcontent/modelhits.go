package appcontent

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/modelscan"
)

// ExaminationHits turns the reasons of a model's examination into hits of the
// rule catalogue: one per reason, at the reason's severity. entry is the
// model's path inside the scanned artifact ("" when the model is the
// artifact); a reason's member (inside the model's own archive or
// directory) becomes the location's symbol.
func ExaminationHits(res modelscan.Result, entry string) []finding.Hit {
	hits := make([]finding.Hit, 0, len(res.Reasons))
	for _, r := range res.Reasons {
		sev := r.Severity
		loc := finding.Location{Path: entry, Symbol: r.Member}
		key := sha256.Sum256([]byte(entry + "\x00" + r.Member + "\x00" + r.Message))
		hits = append(hits, finding.Hit{
			Rule:      ModelRule(r),
			Key:       hex.EncodeToString(key[:8]),
			Message:   r.Message,
			Evidence:  "verdict: " + string(r.Verdict),
			Locations: []finding.Location{loc},
			Props:     map[string]string{"check": r.Rule, "verdict": string(r.Verdict), "format": string(res.Format)},
			Severity:  &sev,
		})
	}
	return hits
}

// Catalogue rules of model examinations, by the harm a reason allows.
const (
	ruleModelCode        = "model-code-execution"
	ruleModelFiles       = "model-file-access"
	ruleModelNetwork     = "model-network-access"
	ruleModelCustom      = "model-custom-code"
	ruleModelMalformed   = "model-malformed"
	ruleModelNotExamined = "model-not-examined"
)

// modelRules maps the checks of internal/modelscan (a reason's Rule) to
// the catalogue rule a finding is reported under; the check stays in the
// finding's "check" property. Checks not listed go by their verdict.
var modelRules = map[string]string{
	"pickle-dangerous-import":      ruleModelCode,
	"keras-lambda-layer":           ruleModelCode,
	"keras-unsafe-function":        ruleModelCode,
	"keras-dangerous-module":       ruleModelCode,
	"tf-python-op":                 ruleModelCode,
	"gguf-chat-template-injection": ruleModelCode,

	"tf-file-read-op":              ruleModelFiles,
	"tf-file-write-op":             ruleModelFiles,
	"tf-checkpoint-fixed-path":     ruleModelFiles,
	"tf-print-to-file":             ruleModelFiles,
	"tf-summary-writer":            ruleModelFiles,
	"tf-table-from-file":           ruleModelFiles,
	"onnx-external-data-traversal": ruleModelFiles,
	"keras-archive-unsafe-path":    ruleModelFiles,
	"tf-asset-path-traversal":      ruleModelFiles,

	"tf-network-op":          ruleModelNetwork,
	"tf-debug-op-url":        ruleModelNetwork,
	"onnx-external-data-url": ruleModelNetwork,

	"pickle-suspicious-import":      ruleModelCustom,
	"keras-custom-object":           ruleModelCustom,
	"keras-tf-op-lambda":            ruleModelCustom,
	"onnx-custom-domain":            ruleModelCustom,
	"tflite-custom-op":              ruleModelCustom,
	"tflite-flex-op":                ruleModelCustom,
	"coreml-custom-layer":           ruleModelCustom,
	"coreml-custom-model":           ruleModelCustom,
	"coreml-linked-model":           ruleModelCustom,
	"gguf-chat-template-suspicious": ruleModelCustom,

	"model-malformed":                  ruleModelMalformed,
	"tflite-index-out-of-range":        ruleModelMalformed,
	"keras-config-invalid":             ruleModelMalformed,
	"gguf-malformed":                   ruleModelMalformed,
	"gguf-duplicate-key":               ruleModelMalformed,
	"gguf-tensor-layout":               ruleModelMalformed,
	"safetensors-duplicate-key":        ruleModelMalformed,
	"safetensors-header-too-large":     ruleModelMalformed,
	"safetensors-invalid-header":       ruleModelMalformed,
	"safetensors-metadata-not-strings": ruleModelMalformed,
	"safetensors-offset-out-of-range":  ruleModelMalformed,
	"safetensors-overlapping-tensors":  ruleModelMalformed,
	"safetensors-size-mismatch":        ruleModelMalformed,
	"safetensors-uncovered-data":       ruleModelMalformed,
	"safetensors-unknown-dtype":        ruleModelMalformed,

	"model-format-not-examined":    ruleModelNotExamined,
	"model-format-unknown":         ruleModelNotExamined,
	"model-scan-incomplete":        ruleModelNotExamined,
	"pickle-scan-incomplete":       ruleModelNotExamined,
	"coreml-compiled-not-examined": ruleModelNotExamined,
	"coreml-spec-version-unknown":  ruleModelNotExamined,
	"hdf5-model-config-unreadable": ruleModelNotExamined,
}

// ModelRule is the catalogue rule a model examination's reason is
// reported under.
func ModelRule(r modelscan.Reason) string {
	if rule, ok := modelRules[r.Rule]; ok {
		return rule
	}
	switch r.Verdict {
	case modelscan.Dangerous:
		return ruleModelCode
	case modelscan.Suspicious:
		return ruleModelCustom
	}
	return ruleModelNotExamined
}
