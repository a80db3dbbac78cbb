// Package model recognizes machine-learning model files: which format a
// file is in, decided from its content (magic numbers and the structure
// behind them), never from its name alone. The scanner uses it for models
// shipped inside apps, the registry for models it is asked to serve, and
// `bulwark model` for files given on the command line.
//
// Identification looks only at the beginning of a file (Identify), at the
// entry names of a ZIP archive (IdentifyZip) or at the file names of a
// directory (IdentifyDir). Every parser here reads untrusted bytes and is
// bounded by what it is given: counts, offsets and lengths are checked
// against the input before use, and nothing is allocated in proportion to a
// value read from the file.
//
// The package is organized by format family, one file each: flatbuffer.go
// (TensorFlow Lite, LiteRT-LM, ExecuTorch, ONNX Runtime), protobuf.go (ONNX,
// Core ML, TensorFlow), pickle.go (pickles and PyTorch's legacy format),
// gguf.go (GGUF, GGML), safetensors.go, hdf5.go, numpy.go, ncnn.go,
// names.go (archives and directories) and entropy.go (encrypted content).
package model

import (
	"path"
	"strings"
)

// Format names a model file format.
type Format string

// Formats recognized by Identify, IdentifyZip and IdentifyDir.
const (
	// FormatTFLite is a TensorFlow Lite / LiteRT FlatBuffer ("TFL3").
	FormatTFLite Format = "tflite"
	// FormatLiteRTLM is a LiteRT-LM container ("LITERTLM"): an LLM bundle
	// of TFLite models, tokenizer and metadata.
	FormatLiteRTLM Format = "litert-lm"
	// FormatONNX is an ONNX ModelProto (protobuf).
	FormatONNX Format = "onnx"
	// FormatONNXRuntime is ONNX Runtime's FlatBuffer format (.ort, "ORTM").
	FormatONNXRuntime Format = "onnx-runtime"
	// FormatPyTorchZip is a torch.save checkpoint: a ZIP archive with
	// <prefix>/data.pkl. Loading it unpickles data.pkl.
	FormatPyTorchZip Format = "pytorch-zip"
	// FormatPyTorchLegacy is torch.save's format before PyTorch 1.6: a
	// sequence of pickles starting with the legacy magic number.
	FormatPyTorchLegacy Format = "pytorch-legacy"
	// FormatTorchScript is a TorchScript archive: a ZIP archive with
	// <prefix>/constants.pkl or <prefix>/code/.
	FormatTorchScript Format = "torchscript"
	// FormatPyTorchMobile is a TorchScript archive for the PyTorch Mobile
	// lite interpreter (.ptl): it adds <prefix>/bytecode.pkl.
	FormatPyTorchMobile Format = "pytorch-mobile"
	// FormatExecuTorch is an ExecuTorch program (.pte): a FlatBuffer with
	// the identifier "ET" and two digits.
	FormatExecuTorch Format = "executorch"
	// FormatPickle is a Python pickle, any protocol.
	FormatPickle Format = "pickle"
	// FormatZipPickle is a ZIP archive holding pickles (*.pkl) in no layout
	// that a framework recognizes; loaders that unpickle its members are
	// as exposed as with a plain pickle.
	FormatZipPickle Format = "zip-pickle"
	// FormatGGUF is a GGUF file (llama.cpp and the GGML ecosystem).
	FormatGGUF Format = "gguf"
	// FormatGGML is one of GGUF's predecessors (ggml, ggmf, ggjt).
	FormatGGML Format = "ggml"
	// FormatSafetensors is a safetensors file: a JSON header and raw tensors.
	FormatSafetensors Format = "safetensors"
	// FormatKeras is a Keras 3 archive (.keras): a ZIP archive with
	// config.json and model.weights.h5 or metadata.json.
	FormatKeras Format = "keras"
	// FormatHDF5 is an HDF5 file, such as a Keras 2 .h5 model.
	FormatHDF5 Format = "hdf5"
	// FormatCoreML is a Core ML model: a .mlmodel protobuf, a compiled
	// .mlmodelc directory or an .mlpackage directory.
	FormatCoreML Format = "coreml"
	// FormatNumPy is a NumPy array file (.npy).
	FormatNumPy Format = "numpy"
	// FormatNPZ is a ZIP archive of NumPy arrays (.npz).
	FormatNPZ Format = "npz"
	// FormatMediaPipeTask is a MediaPipe task bundle (.task): a ZIP archive
	// of TFLite models and their resources.
	FormatMediaPipeTask Format = "mediapipe-task"
	// FormatTFSavedModel is a TensorFlow SavedModel (saved_model.pb, or a
	// directory holding it).
	FormatTFSavedModel Format = "tf-savedmodel"
	// FormatTFGraphDef is a frozen TensorFlow GraphDef (.pb), the format
	// of TensorFlow Mobile.
	FormatTFGraphDef Format = "tf-graphdef"
	// FormatNCNN is an ncnn network description (.param, text or binary).
	FormatNCNN Format = "ncnn"
)

// Info is what identification learned about a model file.
type Info struct {
	// Format is the format recognized.
	Format Format
	// Details holds facts read on the way when they were cheap to read,
	// under the Detail* keys; which keys appear depends on the format and
	// on how much of the file was examined.
	Details map[string]string
}

// Keys of Info.Details.
const (
	DetailVersion         = "version"          // format or schema version
	DetailDescription     = "description"      // TFLite description ("MLIR Converted.")
	DetailIRVersion       = "ir_version"       // ONNX IR version
	DetailProducer        = "producer_name"    // ONNX producer
	DetailProducerVersion = "producer_version" // ONNX producer version
	DetailDomain          = "domain"           // ONNX model domain
	DetailModelVersion    = "model_version"    // ONNX model version
	DetailOpset           = "opset"            // ONNX default-domain opset
	DetailSpecVersion     = "specification_version"
	DetailModelType       = "model_type"   // Core ML model type ("neuralNetwork", "mlProgram")
	DetailArchitecture    = "architecture" // GGUF general.architecture
	DetailName            = "name"         // GGUF general.name
	DetailTensorCount     = "tensor_count"
	DetailKVCount         = "kv_count"
	DetailByteOrder       = "byte_order" // "big" when not little-endian
	DetailProtocol        = "protocol"   // pickle protocol
	DetailComplete        = "complete"   // "false": the pickle breaks off before STOP
	DetailTrailingBytes   = "trailing_bytes"
	DetailDtype           = "descr" // NumPy dtype descriptor ("<f4", "|O")
	DetailShape           = "shape"
	DetailPrefix          = "prefix"     // the top directory of a PyTorch archive
	DetailKeras           = "keras"      // "true": an HDF5 file written by Keras
	DetailMetadataFormat  = "format"     // safetensors __metadata__ format ("pt")
	DetailWeights         = "weights"    // Keras 3 weights file name
	DetailModels          = "models"     // number of TFLite models in a task bundle
	DetailKind            = "kind"       // "llm" for LLM task bundles; "compiled", "package"
	DetailPickles         = "pickles"    // number of pickles in an archive
	DetailTags            = "tags"       // SavedModel meta graph tags
	DetailTFVersion       = "tensorflow" // TensorFlow version of a SavedModel
	DetailSchema          = "schema"     // FlatBuffer file identifier
	DetailEncoding        = "encoding"   // "text" or "binary" (ncnn)
	DetailLayers          = "layers"     // ncnn layer count
	DetailProgramSize     = "program_size"
	DetailUserBlock       = "user_block" // offset of an HDF5 superblock after a user block
	DetailArrays          = "arrays"     // number of arrays in an npz archive
	DetailVariables       = "variables"  // "true": a SavedModel directory with its variables
)

// MaxHead is how much of the beginning of a file Identify examines. Longer
// heads are cut to it.
const MaxHead = 64 << 10

// Identify recognizes a model file from its head (the first bytes of the
// file, up to MaxHead; the caller passes what it has) and its total size.
// Structures that extend past the head are judged on the part that is
// there, and checked against size. A ZIP archive is judged on the names of
// the local file headers found in the head; callers that can read the
// central directory should prefer IdentifyZip.
func Identify(head []byte, size int64) (Info, bool) {
	if len(head) > MaxHead {
		head = head[:MaxHead]
	}
	size = max(size, int64(len(head)))
	if len(head) == 0 {
		return Info{}, false
	}
	for _, id := range identifiers {
		if info, ok := id(head, size); ok {
			return info, true
		}
	}
	return Info{}, false
}

// identifiers are tried in order: fixed magic numbers first, then the
// formats recognized by structure alone.
var identifiers = []func(head []byte, size int64) (Info, bool){
	identifyGGUF,
	identifyGGML,
	identifyHDF5,
	identifyNumPy,
	identifyLiteRTLM,
	identifyNCNN,
	identifyZipHead,
	identifyFlatBuffer,
	identifySafetensors,
	identifyPickle,
	identifyProtobuf,
}

// modelExtensions are the file extensions commonly used for models.
var modelExtensions = map[string]bool{
	".tflite": true, ".lite": true, ".litertlm": true, ".task": true,
	".onnx": true, ".ort": true,
	".pt": true, ".pth": true, ".ptl": true, ".pte": true, ".ckpt": true, ".bin": true,
	".pkl": true, ".pickle": true, ".joblib": true,
	".gguf": true, ".ggml": true, ".safetensors": true,
	".h5": true, ".hdf5": true, ".keras": true,
	".mlmodel": true, ".mlmodelc": true, ".mlpackage": true,
	".npy": true, ".npz": true,
	".pb": true, ".param": true, ".mnn": true, ".caffemodel": true,
	".dlc": true, ".tnnmodel": true, ".nb": true, ".pdmodel": true, ".pdiparams": true,
	".rknn": true, ".engine": true, ".plan": true,
}

// encryptionSuffixes are extensions that apps append to an encrypted model
// ("model.tflite.enc").
var encryptionSuffixes = map[string]bool{
	".enc": true, ".encrypted": true, ".aes": true, ".crypt": true, ".crypted": true,
}

// IsModelExtension reports whether name ends in an extension commonly used
// for model files, possibly followed by an encryption suffix
// ("model.tflite.enc"). It is for files whose content cannot be recognized
// (LooksEncrypted): a name alone never makes a file a model for Identify.
// Some of these extensions (.bin, .pb) are used for much else as well.
func IsModelExtension(name string) bool {
	name = strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	ext := path.Ext(name)
	if encryptionSuffixes[ext] {
		name = strings.TrimSuffix(name, ext)
		ext = path.Ext(name)
	}
	return ext != name && modelExtensions[ext]
}

func details(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}
