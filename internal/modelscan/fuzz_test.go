package modelscan

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/model"
)

// fuzzLimits keep fuzzed inputs fast: the point is that no input panics,
// hangs or allocates without bound.
var fuzzLimits = Limits{MaxReadBytes: 16 << 20, MaxProtoFields: 200_000, MaxMemberBytes: 8 << 20, MaxJSONBytes: 4 << 20}

// checkResult fails on results that break the package's promises.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	worst := Safe
	for _, x := range r.Reasons {
		worst = Worse(worst, x.Verdict)
		if x.Rule == "" || x.Message == "" {
			t.Fatalf("reason without rule or message: %+v", x)
		}
	}
	if r.Verdict != worst {
		t.Fatalf("verdict %s, worst reason %s", r.Verdict, worst)
	}
	if r.Format == "" && r.Verdict == Safe {
		t.Fatalf("unrecognized input called safe")
	}
}

func scanWithin(t *testing.T, s *Scanner, data []byte) Result {
	t.Helper()
	start := time.Now()
	r := s.ScanBytes(context.Background(), "fuzz", data)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("scan of %d bytes took %v", len(data), d)
	}
	return r
}

// FuzzScanBytes runs the whole dispatch: identification, then the format's
// scanner.
func FuzzScanBytes(f *testing.F) {
	for _, tc := range scanCases(f) {
		f.Add(tc.data)
	}
	s := New(Options{Limits: fuzzLimits}, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResult(t, scanWithin(t, s, data))
	})
}

// fuzzFormat fuzzes one format's scanner directly, past identification.
func fuzzFormat(f *testing.F, format model.Format, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	fsc := DefaultFormats()[format]
	lim := fuzzLimits.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		rs, _ := fsc(context.Background(), File{Path: "fuzz", R: bytes.NewReader(data), Size: int64(len(data)),
			Info: model.Info{Format: format}, Limits: lim})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("scan of %d bytes took %v", len(data), d)
		}
		for _, r := range rs {
			if r.Rule == "" || r.Verdict == "" {
				t.Fatalf("incomplete reason %+v", r)
			}
		}
	})
}

func FuzzHDF5(f *testing.F) {
	fuzzFormat(f, model.FormatHDF5, testdata(f, "lambda_earliest_fixed.h5"), testdata(f, "lambda_latest_vlen.h5"),
		testdata(f, "clean_latest_fixed.h5"), testdata(f, "clean_earliest_vlen.h5"))
}

func FuzzSavedModel(f *testing.F) {
	fuzzFormat(f, model.FormatTFSavedModel,
		savedModel(graphDef(benignGraph(), "", nil)),
		savedModel(graphDef(benignGraph(), "f", [][]byte{tfConstString("c", "/x"), tfNodeDef("w", "WriteFile", []string{"c"})})),
		savedModel(graphDef([][]byte{tfNodeDef("d", "DebugIdentity", nil, []byte("debug_urls"), tfAttrList("grpc://h:1"))}, "", nil)))
}

func FuzzGraphDef(f *testing.F) {
	fuzzFormat(f, model.FormatTFGraphDef, graphDef(append(benignGraph(), tfNodeDef("p", "PyFunc", nil)), "", nil))
}

func FuzzONNX(f *testing.F) {
	fuzzFormat(f, model.FormatONNX, testdata(f, "clean.onnx"), testdata(f, "custom_domain.onnx"), testdata(f, "external_traversal.onnx"),
		onnxModel(cat(onnxNode("If", "", "if", pbLen(5, pbStr(1, "b"), pbLen(6, onnxNode("Relu", "x.y", "r"), onnxExternal(5, "w", "/etc/passwd")))))))
}

func FuzzTFLite(f *testing.F) {
	fuzzFormat(f, model.FormatTFLite, tfliteModel(tfliteOp{code: 3}), tfliteModel(tfliteOp{code: 32, custom: "FlexReadFile"}, tfliteOp{code: 32, custom: "Custom"}),
		tfliteGraph([]tfliteOp{{code: 3}}, []uint32{0, 1, 0}, []tfliteOperator{{0, []int32{0, 1, -1}}}, 2))
}

func FuzzGGUF(f *testing.F) {
	fuzzFormat(f, model.FormatGGUF, ggufModel(chatMLTemplate), ggufModel(sstiTemplate), lyingGGUFCount(), lyingGGUFString())
}

func FuzzGGUFTemplate(f *testing.F) {
	for _, s := range []string{chatMLTemplate, llama3Template, sstiTemplate, `{{ ''|attr('\x5f\x5fclass\x5f\x5f') }}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		for _, r := range CheckChatTemplate("k", tmpl) {
			if r.Verdict != Dangerous && r.Verdict != Suspicious {
				t.Fatalf("template reason with verdict %s", r.Verdict)
			}
		}
	})
}

func FuzzSafetensors(f *testing.F) {
	fuzzFormat(f, model.FormatSafetensors,
		safetensorsFile(map[string]any{"__metadata__": map[string]string{"format": "pt"}, "a": stEntry("F32", []int{2}, 0, 8)}, make([]byte, 8)),
		safetensorsFile(map[string]any{"a": stEntry("F32", []int{4}, 0, 16), "b": stEntry("F32", []int{4}, 8, 24)}, make([]byte, 24)))
}

func FuzzKerasConfig(f *testing.F) {
	for _, s := range []string{kerasConfig(kerasDense), kerasConfig(kerasLambda), `{"module": "os", "class_name": "system"}`} {
		f.Add([]byte(s))
	}
	lim := fuzzLimits.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, _ := checkKerasConfig(data, kerasV3, lim)
		for _, r := range rs {
			if r.Rule == "" {
				t.Fatalf("reason without rule: %+v", r)
			}
		}
	})
}

func FuzzCoreML(f *testing.F) {
	fuzzFormat(f, model.FormatCoreML, coremlSpec(pbLen(500, coremlLayer("c", "X"))),
		coremlSpec(pbLen(202, pbLen(1, coremlSpec(pbLen(555, pbStr(10, "C")))))))
}

func FuzzKeras(f *testing.F) {
	fuzzFormat(f, model.FormatKeras, kerasArchive(f, kerasConfig(kerasDense, kerasLambda)))
}
