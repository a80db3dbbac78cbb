package model_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/model"
)

// sample is a small valid file of a format and what Identify must say.
type sample struct {
	name string
	data []byte
	want model.Info
}

func samples(t testing.TB) []sample {
	return []sample{
		{"TFLite model with version and description", tfliteModel(),
			model.Info{Format: model.FormatTFLite, Details: map[string]string{"schema": "TFL3", "version": "3", "description": "MLIR Converted."}}},
		{"ONNX model with producer and opset", onnxModel(0),
			model.Info{Format: model.FormatONNX, Details: map[string]string{"ir_version": "8", "producer_name": "pytorch", "producer_version": "2.1.0", "opset": "17"}}},
		{"Core ML neural network classifier", coreMLModel(),
			model.Info{Format: model.FormatCoreML, Details: map[string]string{"specification_version": "4", "model_type": "neuralNetworkClassifier"}}},
		{"TensorFlow SavedModel", savedModel(),
			model.Info{Format: model.FormatTFSavedModel, Details: map[string]string{"tags": "serve", "tensorflow": "2.15.0"}}},
		{"frozen TensorFlow GraphDef", graphDef(),
			model.Info{Format: model.FormatTFGraphDef, Details: map[string]string{}}},
		{"ExecuTorch program with extended header", executorchProgram(),
			model.Info{Format: model.FormatExecuTorch, Details: map[string]string{"schema": "ET12", "program_size": "48"}}},
		{"ONNX Runtime model", ortModel(),
			model.Info{Format: model.FormatONNXRuntime, Details: map[string]string{"schema": "ORTM"}}},
		{"LiteRT-LM container", liteRTLM(),
			model.Info{Format: model.FormatLiteRTLM, Details: map[string]string{"version": "1.5.0"}}},
		{"GGUF v3 with architecture and name", ggufFile(),
			model.Info{Format: model.FormatGGUF, Details: map[string]string{"version": "3", "tensor_count": "1", "kv_count": "3", "architecture": "llama", "name": "tiny-test"}}},
		{"GGML ggjt v3", ggjtFile(),
			model.Info{Format: model.FormatGGML, Details: map[string]string{"kind": "ggjt", "version": "3"}}},
		{"safetensors with metadata", safetensorsFile(),
			model.Info{Format: model.FormatSafetensors, Details: map[string]string{"format": "pt", "tensor_count": "1"}}},
		{"HDF5 written by Keras", hdf5File(true, false),
			model.Info{Format: model.FormatHDF5, Details: map[string]string{"version": "0", "keras": "true"}}},
		{"HDF5 after a user block", hdf5File(false, true),
			model.Info{Format: model.FormatHDF5, Details: map[string]string{"version": "0", "user_block": "512"}}},
		{"NumPy float32 array", npyFile("<f4"),
			model.Info{Format: model.FormatNumPy, Details: map[string]string{"version": "1.0", "descr": "<f4", "shape": "(3,)"}}},
		{"NumPy object array", npyFile("|O"),
			model.Info{Format: model.FormatNumPy, Details: map[string]string{"version": "1.0", "descr": "|O", "shape": "(3,)"}}},
		{"ncnn text param", ncnnParam(),
			model.Info{Format: model.FormatNCNN, Details: map[string]string{"encoding": "text", "layers": "3"}}},
		{"ncnn binary param", ncnnBinParam(),
			model.Info{Format: model.FormatNCNN, Details: map[string]string{"encoding": "binary", "layers": "3"}}},
		{"pickle protocol 0", pickleV0,
			model.Info{Format: model.FormatPickle, Details: map[string]string{"protocol": "0"}}},
		{"pickle protocol 2", pickleV2,
			model.Info{Format: model.FormatPickle, Details: map[string]string{"protocol": "2"}}},
		{"pickle protocol 4 with a global", pickleV4Global,
			model.Info{Format: model.FormatPickle, Details: map[string]string{"protocol": "4"}}},
		{"pickle protocol 5", pickleV5,
			model.Info{Format: model.FormatPickle, Details: map[string]string{"protocol": "5"}}},
		{"PyTorch legacy checkpoint", pytorchLegacy,
			model.Info{Format: model.FormatPyTorchLegacy, Details: map[string]string{"protocol": "2"}}},
		{"PyTorch zip checkpoint", zipOf(t, true, "archive/data.pkl="+string(pickleV2), "archive/version=3\n", "archive/data/0=xxxx"),
			model.Info{Format: model.FormatPyTorchZip, Details: map[string]string{"prefix": "archive"}}},
		{"Keras 3 archive", zipOf(t, false, "metadata.json={}", "config.json={}", "model.weights.h5=x"),
			model.Info{Format: model.FormatKeras, Details: map[string]string{"weights": "model.weights.h5"}}},
		{"zip with a pickle behind a text name", zipOf(t, true, "notes.txt="+string(pickleV4Global)),
			model.Info{Format: model.FormatZipPickle, Details: map[string]string{"pickles": "1"}}},
	}
}

// TestIdentifySamples checks every format on a small valid file.
func TestIdentifySamples(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			got, ok := model.Identify(s.data, int64(len(s.data)))
			if !ok {
				t.Fatalf("Identify(%d bytes) not identified, want %s", len(s.data), s.want.Format)
			}
			if diff := cmp.Diff(s.want, got); diff != "" {
				t.Errorf("Identify mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIdentifyDecidesOnPrefix checks files larger than the head: the
// format is recognized from the first bytes, with the total size.
func TestIdentifyDecidesOnPrefix(t *testing.T) {
	bigONNX := onnxModel(200 << 10)
	bigSafetensors := func() []byte {
		var hdr strings.Builder
		hdr.WriteString(`{"__metadata__":{"format":"pt"}`)
		for i := 0; hdr.Len() < 80<<10; i++ {
			hdr.WriteString(`,"layer.` + strings.Repeat("x", 40) + string(rune('a'+i%26)) + `":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}`)
		}
		hdr.WriteString("}")
		b := binary.LittleEndian.AppendUint64(nil, uint64(hdr.Len()))
		return append(append(b, hdr.String()...), 0, 0)
	}()
	// PROTO 4, FRAME, EMPTY_LIST, MEMOIZE, MARK, BINBYTES8 of 64 KiB.
	bigPickle := append([]byte("\x80\x04\x95\x00\x00\x01\x00\x00\x00\x00\x00]\x94(\x8e\x00\x00\x01\x00\x00\x00\x00\x00"), make([]byte, 70<<10)...)
	tests := []struct {
		name string
		data []byte
		want model.Format
	}{
		{"ONNX whose graph runs past the head", bigONNX, model.FormatONNX},
		{"safetensors whose header runs past the head", bigSafetensors, model.FormatSafetensors},
		{"pickle whose bytes argument runs past the head", bigPickle, model.FormatPickle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) <= model.MaxHead {
				t.Fatalf("sample of %d bytes fits the head", len(tt.data))
			}
			got, ok := model.Identify(tt.data[:model.MaxHead], int64(len(tt.data)))
			if !ok || got.Format != tt.want {
				t.Errorf("Identify(head, %d) = %v, %v; want %s", len(tt.data), got, ok, tt.want)
			}
			// Without the rest of the file, the same head is truncated.
			if got, ok := model.Identify(tt.data[:model.MaxHead], model.MaxHead); ok {
				t.Errorf("Identify(head, len(head)) = %v, want the truncated structure refused", got)
			}
		})
	}
}

// TestIdentifyPicklescanCorpus checks the pickles, PyTorch files and NumPy
// files of picklescan's test data. Every .pkl/.pickle is a pickle; the
// others are listed.
func TestIdentifyPicklescanCorpus(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "models", "picklescan")
	special := map[string]model.Format{
		"data/bad_pytorch.pt":                   "", // a PNG signature, not a model
		"data/not_a_pickle.bin":                 "", // "cmod\n\xf8\n": GLOBAL with an invalid name, no STOP
		"data/malicious1.7z":                    "",
		"data/benign_password_protected.zip":    "", // test.txt, encrypted
		"data/pytorch_model.bin":                model.FormatPyTorchLegacy,
		"data/new_pytorch_model.bin":            model.FormatPyTorchZip,
		"data/pytorch_magic_bypass.pt":          model.FormatPickle,
		"data/malicious1.zip":                   model.FormatZipPickle, // data.pkl at the root: not a PyTorch layout
		"data/malicious1_0x1.zip":               model.FormatZipPickle,
		"data/malicious1_0x20.zip":              model.FormatZipPickle,
		"data/malicious1_0x40.zip":              model.FormatZipPickle,
		"data/malicious1_central_directory.zip": model.FormatZipPickle, // local name "datap.kl": found by content
		"data/malicious1_wrong_ext.zip":         model.FormatZipPickle, // data.txt: found by content
		"data2/malicious1_crc.zip":              model.FormatZipPickle,
		"data2/GHSA-jgw4-cr84-mqxg.bin":         model.FormatPickle,
		"data2/int_arrays.npz":                  model.FormatNPZ,
		"data2/int_arrays_compressed.npz":       model.FormatNPZ,
		"data2/object_arrays.npz":               model.FormatNPZ,
		"data2/object_arrays_compressed.npz":    model.FormatNPZ,
		"data2/int_array.npy":                   model.FormatNumPy,
		"data2/object_array.npy":                model.FormatNumPy,
		"data2/dns_exfiltration.npy":            model.FormatNumPy,
	}
	seen := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		want, listed := special[rel]
		switch {
		case listed:
		case strings.HasSuffix(rel, ".pkl") || strings.HasSuffix(rel, ".pickle"):
			want = model.FormatPickle
		default:
			return nil // LICENSE, expected.json
		}
		seen++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		t.Run(rel, func(t *testing.T) {
			got, ok := model.Identify(data[:min(len(data), model.MaxHead)], int64(len(data)))
			if got.Format != want || ok != (want != "") {
				t.Errorf("Identify = %v, %v; want %q", got, ok, want)
			}
			if model.LooksEncrypted(data) {
				t.Errorf("LooksEncrypted = true, want false")
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 90 {
		t.Errorf("checked %d picklescan files, want the whole set (over 90)", seen)
	}
}

// TestIdentifyZipPicklescanCorpus checks IdentifyZip on the central
// directory names of picklescan's archives.
func TestIdentifyZipPicklescanCorpus(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "models", "picklescan")
	tests := []struct {
		file string
		want model.Format
	}{
		{"data/new_pytorch_model.bin", model.FormatPyTorchZip},
		{"data/malicious1.zip", model.FormatZipPickle},
		{"data/malicious1_0x1.zip", model.FormatZipPickle},
		{"data/malicious1_central_directory.zip", model.FormatZipPickle},
		{"data/malicious1_wrong_ext.zip", ""}, // data.txt: names alone cannot tell
		{"data/benign_password_protected.zip", ""},
		{"data2/object_arrays.npz", model.FormatNPZ},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			z, err := zip.OpenReader(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			var names []string
			for _, f := range z.File {
				names = append(names, f.Name)
			}
			got, ok := model.IdentifyZip(names)
			if got.Format != tt.want || ok != (tt.want != "") {
				t.Errorf("IdentifyZip(%q) = %v, %v; want %q", names, got, ok, tt.want)
			}
		})
	}
}

// TestIdentifyRejectsNonModels checks real non-model files: the
// model-transparency corpus (small "models" that are plain text, empty
// files, signature bundles, PEM keys) and the apps of the corpus.
func TestIdentifyRejectsNonModels(t *testing.T) {
	root := corpusDir(t)
	var files []string
	for _, d := range []string{filepath.Join(root, "models", "model-transparency"), filepath.Join(root, "android")} {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 50 {
		t.Fatalf("found %d files, want the model-transparency and android sets", len(files))
	}
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := model.Identify(data[:min(len(data), model.MaxHead)], int64(len(data))); ok {
				t.Errorf("Identify = %v, want not a model", got)
			}
			if strings.HasSuffix(p, ".apk") {
				z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, f := range z.File {
					names = append(names, f.Name)
				}
				if got, ok := model.IdentifyZip(names); ok {
					t.Errorf("IdentifyZip(app) = %v, want not a model", got)
				}
			}
		})
	}
}

// TestIdentifyRejectsCommonFiles checks files that apps ship beside models.
func TestIdentifyRejectsCommonFiles(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0x80}},
		{"JSON", []byte(`{"model": "gpt-4o", "temperature": 0.2, "labels": ["cat", "dog"]}`)},
		{"text labels", []byte("background\nperson\nbicycle\ncar\nmotorcycle\n")},
		{"XML", []byte(`<?xml version="1.0" encoding="utf-8"?><resources><string name="app">x</string></resources>`)},
		{"PNG", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)},
		{"ELF", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 64)...)},
		{"DEX", append([]byte("dex\n035\x00"), make([]byte, 64)...)},
		{"zeros", make([]byte, 4096)},
		{"protobuf that is not a model", cat(pbInt(1, 5), pbStr(2, "hello"), pbInt(3, 7))},
		{"pickle-like text without STOP", []byte("(lp0\nVa\np1\na")},
		{"two-opcode pickle", []byte("N.")},
		{"APK-like zip with a model inside", zipOf(t, false, "AndroidManifest.xml=x", "classes.dex=x", "assets/model.tflite=x")},
		{"zip of text files", zipOf(t, false, "readme.txt=hello", "LICENSE=MIT")},
		{"TFL3 with a root offset outside the file", []byte("\xff\xff\x00\x00TFL3\x00\x00\x00\x00")},
		{"GGUF with impossible counts", append([]byte("GGUF\x03\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f"), make([]byte, 16)...)},
		{"safetensors header longer than the file", append(binary.LittleEndian.AppendUint64(nil, 1000), `{"a":1}`...)},
		{"safetensors header that is not JSON", append(binary.LittleEndian.AppendUint64(nil, 8), "{not js}"...)},
		{"NumPy with version 9", append([]byte("\x93NUMPY\x09\x00\x10\x00{'descr': '<f4'}"), make([]byte, 16)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := model.Identify(tt.data, int64(len(tt.data))); ok {
				t.Errorf("Identify = %v, want not a model", got)
			}
		})
	}
}

// TestIdentifyRandomBytes checks that random bytes are never a model, at
// their own size and as the head of a larger file, and that random bytes
// behind the first field of ONNX, Core ML and SavedModel files (0x08 and a
// small version) or of a GraphDef (0x0a) are not taken for one.
func TestIdentifyRandomBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(0x6275, 0x6c77))
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	buf := make([]byte, model.MaxHead)
	check := func(b []byte, size int64, what string) {
		if got, ok := model.Identify(b, size); ok {
			t.Fatalf("%s: Identify(%x…, %d bytes of %d) = %v, want not a model", what, b[:min(len(b), 32)], len(b), size, got)
		}
	}
	for i := 0; i < n; i++ {
		size := r.IntN(2048)
		if i%100 == 0 {
			size = model.MaxHead
		}
		b := buf[:size]
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		check(b, int64(size), "random")
		check(b, int64(size)+r.Int64N(1<<30), "random head")
		if size < 16 {
			continue
		}
		for _, prefix := range [][]byte{{0x08, 0x07}, {0x08, 0x04}, {0x08, 0x01, 0x12}, {0x0a}} {
			copy(b, prefix)
			check(b, int64(size), "random protobuf")
		}
	}
}

// TestIdentifyTruncatedSamples cuts every sample at every length: no
// panic, and a prefix is never mistaken for another format, whether it is
// presented as the whole file or as the head of the full-size file.
func TestIdentifyTruncatedSamples(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			for k := 0; k < len(s.data); k++ {
				got, ok := model.Identify(s.data[:k], int64(k))
				if ok && got.Format != s.want.Format {
					t.Errorf("Identify(first %d bytes) = %v, want %s or nothing", k, got, s.want.Format)
				}
				got, ok = model.Identify(s.data[:k], int64(len(s.data)))
				if ok && got.Format != s.want.Format {
					t.Errorf("Identify(first %d bytes, %d) = %v, want %s or nothing", k, len(s.data), got, s.want.Format)
				}
			}
		})
	}
}

// TestIdentifyZip checks the classification of archive entry names.
func TestIdentifyZip(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  model.Info
		ok    bool
	}{
		{"torch.save archive under any top directory", []string{"resnet/data.pkl", "resnet/data/0", "resnet/version", "resnet/.data/serialization_id"},
			model.Info{Format: model.FormatPyTorchZip, Details: map[string]string{"prefix": "resnet"}}, true},
		{"TorchScript archive with code", []string{"m/data.pkl", "m/constants.pkl", "m/code/__torch__/m.py", "m/version"},
			model.Info{Format: model.FormatTorchScript, Details: map[string]string{"prefix": "m"}}, true},
		{"PyTorch Mobile archive with bytecode", []string{"m/bytecode.pkl", "m/data.pkl", "m/constants.pkl", "m/extra/mobile_info.json"},
			model.Info{Format: model.FormatPyTorchMobile, Details: map[string]string{"prefix": "m"}}, true},
		{"Keras 3 archive with HDF5 weights", []string{"metadata.json", "config.json", "model.weights.h5"},
			model.Info{Format: model.FormatKeras, Details: map[string]string{"weights": "model.weights.h5"}}, true},
		{"Keras 3 archive without weights", []string{"metadata.json", "config.json"},
			model.Info{Format: model.FormatKeras, Details: map[string]string{}}, true},
		{"npz archive", []string{"a.npy", "b.npy"},
			model.Info{Format: model.FormatNPZ, Details: map[string]string{"arrays": "2"}}, true},
		{"MediaPipe vision task", []string{"hand_detector.tflite", "hand_landmarks_detector.tflite"},
			model.Info{Format: model.FormatMediaPipeTask, Details: map[string]string{"models": "2"}}, true},
		{"MediaPipe task nesting tasks", []string{"hand_landmarker.task", "hand_gesture_recognizer.task"},
			model.Info{Format: model.FormatMediaPipeTask, Details: map[string]string{"models": "2"}}, true},
		{"MediaPipe LLM bundle", []string{"TF_LITE_PREFILL_DECODE", "TOKENIZER_MODEL", "METADATA"},
			model.Info{Format: model.FormatMediaPipeTask, Details: map[string]string{"kind": "llm"}}, true},
		{"zipped SavedModel", []string{"saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001"},
			model.Info{Format: model.FormatTFSavedModel, Details: map[string]string{"variables": "true"}}, true},
		{"archive of pickles", []string{"model/config.pkl", "README"},
			model.Info{Format: model.FormatZipPickle, Details: map[string]string{"pickles": "1"}}, true},
		{"Windows separators and ./ are normalized", []string{`.\m\data.pkl`, `m\version`},
			model.Info{Format: model.FormatPyTorchZip, Details: map[string]string{"prefix": "m"}}, true},
		{"data.pkl nested two levels is not PyTorch", []string{"a/b/data.pkl"},
			model.Info{Format: model.FormatZipPickle, Details: map[string]string{"pickles": "1"}}, true},
		{"APK with models is an app, not a model", []string{"AndroidManifest.xml", "classes.dex", "assets/m.tflite"}, model.Info{}, false},
		{"IPA is an app", []string{"Payload/App.app/Info.plist", "Payload/App.app/m.mlmodelc/coremldata.bin"}, model.Info{}, false},
		{"JAR is an app", []string{"META-INF/MANIFEST.MF", "a/data.pkl"}, model.Info{}, false},
		{"documents", []string{"word/document.xml", "[Content_Types].xml"}, model.Info{}, false},
		{"empty archive", nil, model.Info{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := model.IdentifyZip(tt.names)
			if ok != tt.ok {
				t.Fatalf("IdentifyZip(%q) ok = %v, want %v (%v)", tt.names, ok, tt.ok, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("IdentifyZip(%q) mismatch (-want +got):\n%s", tt.names, diff)
			}
		})
	}
}

// TestIdentifyDir checks directory-shaped models.
func TestIdentifyDir(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  model.Info
		ok    bool
	}{
		{"compiled Core ML neural network", []string{"coremldata.bin", "model.espresso.net", "model.espresso.shape", "model.espresso.weights", "model/coremldata.bin"},
			model.Info{Format: model.FormatCoreML, Details: map[string]string{"kind": "compiled", "model_type": "neuralNetwork"}}, true},
		{"compiled Core ML program", []string{"coremldata.bin", "model.mil", "weights/weight.bin"},
			model.Info{Format: model.FormatCoreML, Details: map[string]string{"kind": "compiled", "model_type": "mlProgram"}}, true},
		{"Core ML package", []string{"Manifest.json", "Data/com.apple.CoreML/model.mlmodel", "Data/com.apple.CoreML/weights/weight.bin"},
			model.Info{Format: model.FormatCoreML, Details: map[string]string{"kind": "package"}}, true},
		{"SavedModel directory", []string{"saved_model.pb", "fingerprint.pb"},
			model.Info{Format: model.FormatTFSavedModel, Details: map[string]string{}}, true},
		{"Manifest.json alone is not a package", []string{"Manifest.json", "Data/other.txt"}, model.Info{}, false},
		{"plain directory", []string{"index.html", "style.css"}, model.Info{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := model.IdentifyDir(tt.names)
			if ok != tt.ok {
				t.Fatalf("IdentifyDir(%q) ok = %v, want %v (%v)", tt.names, ok, tt.ok, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("IdentifyDir(%q) mismatch (-want +got):\n%s", tt.names, diff)
			}
		})
	}
}

func TestIsModelExtension(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"assets/model.tflite", true},
		{"assets/MODEL.TFLITE", true},
		{"res/raw/detector.lite", true},
		{"model.onnx", true},
		{"model.ort", true},
		{"weights.safetensors", true},
		{"llama-7b.Q4_K_M.gguf", true},
		{"assets/model.tflite.enc", true},
		{"assets/face.onnx.encrypted", true},
		{"classifier.mlmodelc", true},
		{`C:\models\net.param`, true},
		{"pytorch_model.bin", true},
		{"config.json", false},
		{"classes.dex", false},
		{"image.png", false},
		{"secret.enc", false},
		{".pt", false},
		{"tflite", false},
	}
	for _, tt := range tests {
		if got := model.IsModelExtension(tt.name); got != tt.want {
			t.Errorf("IsModelExtension(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEntropy(t *testing.T) {
	all := make([]byte, 256*16)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name string
		data []byte
		want float64
	}{
		{"empty sample has no entropy", nil, 0},
		{"one repeated byte has no entropy", bytes.Repeat([]byte{'a'}, 100), 0},
		{"two equally frequent bytes carry one bit", bytes.Repeat([]byte("ab"), 100), 1},
		{"all byte values equally frequent carry eight bits", all, 8},
	}
	for _, tt := range tests {
		if got := model.Entropy(tt.data); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("%s: Entropy = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLooksEncrypted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	withPrefix := func(prefix string, b []byte) []byte { return append([]byte(prefix), b...) }
	weights := make([]byte, 16<<10) // float32 values in [-1, 1): the exponent byte repeats
	for i := 0; i+4 <= len(weights); i += 4 {
		binary.LittleEndian.PutUint32(weights[i:], 0x3c000000|r.Uint32()&0x807fffff)
	}
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"64 KiB of random bytes look encrypted", random(64 << 10), true},
		{"4 KiB of random bytes look encrypted", random(4096), true},
		{"below the minimum sample nothing is judged", random(4095), false},
		{"zip archive is compressed, not encrypted", withPrefix("PK\x03\x04", random(8192)), false},
		{"JPEG is compressed, not encrypted", withPrefix("\xff\xd8\xff\xe0", random(8192)), false},
		{"gzip is compressed, not encrypted", withPrefix("\x1f\x8b\x08", random(8192)), false},
		{"float weights are not random enough", weights, false},
		{"text is not encrypted", bytes.Repeat([]byte("the quick brown fox "), 500), false},
		{"a recognized model is not encrypted", withPrefix(string(safetensorsHeader(8192)), random(8192)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := model.LooksEncrypted(tt.data); got != tt.want {
				t.Errorf("LooksEncrypted (entropy %.3f) = %v, want %v", model.Entropy(tt.data), got, tt.want)
			}
		})
	}
}

// safetensorsHeader is the header of a safetensors file with one tensor of
// n bytes.
func safetensorsHeader(n int) []byte {
	hdr := `{"w":{"dtype":"U8","shape":[` + strconv.Itoa(n) + `],"data_offsets":[0,` + strconv.Itoa(n) + `]}}`
	return append(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))), hdr...)
}
