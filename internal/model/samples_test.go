package model_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// This file builds small valid model files of every format that Identify
// recognizes by content, for the tests, the benchmarks and the fuzz seeds.

// corpusDir returns the shared corpus of real third-party files, found by
// walking up from the test's working directory, or skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	if dir, ok := findCorpus(); ok {
		return dir
	}
	t.Skip("shared/corpus not found above the working directory: corpus tests skipped")
	return ""
}

func findCorpus() (string, bool) { return testcorpus.Find() }

// Protocol buffer encoding.

func pbVarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func pbTag(num, wire int) []byte { return pbVarint(uint64(num)<<3 | uint64(wire)) }

// pbInt encodes a varint field.
func pbInt(num int, v uint64) []byte { return append(pbTag(num, 0), pbVarint(v)...) }

// pbLen encodes a length-delimited field.
func pbLen(num int, data ...[]byte) []byte {
	body := bytes.Join(data, nil)
	out := append(pbTag(num, 2), pbVarint(uint64(len(body)))...)
	return append(out, body...)
}

func pbStr(num int, s string) []byte { return pbLen(num, []byte(s)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// onnxModel is an ONNX ModelProto with one Relu node, written the way
// protobuf serializers write it (fields in number order); initializer adds
// that many bytes of weights to the graph.
func onnxModel(initializer int) []byte {
	node := pbLen(1, pbStr(1, "x"), pbStr(2, "y"), pbStr(3, "relu"), pbStr(4, "Relu"))
	graph := [][]byte{node, pbStr(2, "main_graph")}
	if initializer > 0 {
		graph = append(graph, pbLen(5, pbInt(1, 3), pbInt(2, 1), pbStr(8, "w"), pbLen(9, make([]byte, initializer))))
	}
	graph = append(graph, pbLen(11, pbStr(1, "x")), pbLen(12, pbStr(1, "y")))
	return cat(
		pbInt(1, 8),
		pbStr(2, "pytorch"),
		pbStr(3, "2.1.0"),
		pbLen(7, graph...),
		pbLen(8, pbInt(2, 17)),
	)
}

// coreMLModel is a Core ML Model: specification version 4, a description
// with one input and one output, and a neural network classifier.
func coreMLModel() []byte {
	desc := pbLen(2, pbLen(1, pbStr(1, "image")), pbLen(10, pbStr(1, "label")))
	return cat(pbInt(1, 4), desc, pbLen(403, pbLen(1, pbStr(1, "conv1")), make([]byte, 64)))
}

// savedModel is a SavedModel with one meta graph tagged "serve".
func savedModel() []byte {
	metaInfo := pbLen(1, pbStr(4, "serve"), pbStr(5, "2.15.0"))
	graph := pbLen(2, pbLen(1, pbStr(1, "x"), pbStr(2, "Placeholder")))
	return cat(pbInt(1, 1), pbLen(2, metaInfo, graph))
}

// graphDef is a frozen TensorFlow graph of two nodes.
func graphDef() []byte {
	return cat(
		pbLen(1, pbStr(1, "input"), pbStr(2, "Placeholder")),
		pbLen(1, pbStr(1, "output"), pbStr(2, "Identity"), pbStr(3, "input")),
		pbLen(4, pbInt(1, 27)),
	)
}

// FlatBuffers.

// tfliteModel is a minimal TFLite FlatBuffer: root offset, "TFL3", a
// vtable, the Model table (version 3, empty subgraphs, a description,
// empty buffers) and the vectors it points to.
func tfliteModel() []byte {
	return flatbuffer("TFL3", func(b []byte, table int) []byte {
		// Model fields: version, operator_codes (absent), subgraphs,
		// description, buffers.
		le := binary.LittleEndian
		le.PutUint32(b[table+4:], 3)
		vecs := table + 20
		le.PutUint32(b[table+8:], uint32(vecs-(table+8)))     // subgraphs: empty vector
		le.PutUint32(b[table+12:], uint32(vecs+4-(table+12))) // description
		le.PutUint32(b[table+16:], uint32(vecs-(table+16)))   // buffers: the same empty vector
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(len("MLIR Converted.")))
		return append(b, "MLIR Converted.\x00"...)
	}, []uint16{4, 0, 8, 12, 16}, 20)
}

// flatbuffer lays out root offset, identifier, vtable and table, then lets
// fill write the table fields and append what they point to.
func flatbuffer(id string, fill func(b []byte, table int) []byte, fields []uint16, tableSize int) []byte {
	le := binary.LittleEndian
	vtable := 8
	vtSize := 4 + 2*len(fields)
	table := (vtable + vtSize + 3) &^ 3
	b := make([]byte, table+tableSize)
	le.PutUint32(b, uint32(table))
	copy(b[4:], id)
	le.PutUint16(b[vtable:], uint16(vtSize))
	le.PutUint16(b[vtable+2:], uint16(tableSize))
	for i, f := range fields {
		le.PutUint16(b[vtable+4+2*i:], f)
	}
	le.PutUint32(b[table:], uint32(table-vtable))
	return fill(b, table)
}

// executorchProgram is an ExecuTorch program with the extended header.
func executorchProgram() []byte {
	le := binary.LittleEndian
	b := make([]byte, 48)
	le.PutUint32(b, 40) // root table
	copy(b[4:], "ET12")
	copy(b[8:], "eh00")
	le.PutUint32(b[12:], 24) // header length
	le.PutUint64(b[16:], 48) // program size
	le.PutUint64(b[24:], 0)  // no segments
	le.PutUint16(b[32:], 6)  // vtable: size
	le.PutUint16(b[34:], 8)  // table size
	le.PutUint16(b[36:], 4)  // field 0 (version)
	le.PutUint32(b[40:], 8)  // table: soffset to the vtable at 32
	le.PutUint32(b[44:], 0)  // version 0
	return b
}

// ortModel is an ONNX Runtime FlatBuffer with an empty root table.
func ortModel() []byte {
	return flatbuffer("ORTM", func(b []byte, _ int) []byte { return b }, nil, 4)
}

// liteRTLM is a LiteRT-LM container header.
func liteRTLM() []byte {
	le := binary.LittleEndian
	b := make([]byte, 64)
	copy(b, "LITERTLM")
	le.PutUint32(b[8:], 1)
	le.PutUint32(b[12:], 5)
	le.PutUint32(b[16:], 0)
	le.PutUint64(b[24:], 64)
	return b
}

// Other formats.

// ggufFile is a GGUF v3 file with two metadata strings and one tensor.
func ggufFile() []byte {
	le := binary.LittleEndian
	b := []byte("GGUF")
	b = le.AppendUint32(b, 3)
	b = le.AppendUint64(b, 1) // tensors
	b = le.AppendUint64(b, 3) // key/values
	str := func(b []byte, s string) []byte { return append(le.AppendUint64(b, uint64(len(s))), s...) }
	b = str(b, "general.architecture")
	b = le.AppendUint32(b, 8)
	b = str(b, "llama")
	b = str(b, "llama.context_length")
	b = le.AppendUint32(b, 4)
	b = le.AppendUint32(b, 2048)
	b = str(b, "general.name")
	b = le.AppendUint32(b, 8)
	b = str(b, "tiny-test")
	// tensor info: name, dims, shape, type, offset; then aligned data
	b = str(b, "w")
	b = le.AppendUint32(b, 1)
	b = le.AppendUint64(b, 4)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint64(b, 0)
	for len(b)%32 != 0 {
		b = append(b, 0)
	}
	return append(b, make([]byte, 16)...)
}

// ggjtFile is a llama.cpp "ggjt" v3 file header with its hyperparameters.
func ggjtFile() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0x67676a74)
	b = le.AppendUint32(b, 3)
	for _, h := range []uint32{32000, 4096, 256, 32, 32, 128, 2} {
		b = le.AppendUint32(b, h)
	}
	return append(b, make([]byte, 64)...)
}

// safetensorsFile is a safetensors file with metadata and one tensor.
func safetensorsFile() []byte {
	hdr := `{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(b, hdr...)
	return append(b, make([]byte, 8)...)
}

// hdf5File is an HDF5 superblock (version 0) followed by bytes that carry
// a Keras attribute name when keras is set; userBlock puts it at 512.
func hdf5File(keras bool, userBlock bool) []byte {
	var b []byte
	if userBlock {
		b = make([]byte, 512)
	}
	b = append(b, "\x89HDF\r\n\x1a\n"...)
	b = append(b, 0, 0, 0, 0, 0, 8, 8, 0, 4, 0, 16, 0, 0, 0, 0, 0)
	b = append(b, make([]byte, 200)...)
	if keras {
		b = append(b, "keras_version\x00\x002.15.0"...)
	}
	return b
}

// npyFile is a NumPy v1 file of three float32 values.
func npyFile(descr string) []byte {
	hdr := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (3,), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	b = append(b, hdr...)
	return append(b, make([]byte, 12)...)
}

// ncnnParam is an ncnn text network description.
func ncnnParam() []byte {
	return []byte("7767517\n3 3\nInput data 0 1 data 0=224 1=224 2=3\nConvolution conv1 1 1 data conv1 0=16\nSoftmax prob 1 1 conv1 prob\n")
}

// ncnnBinParam is the binary form of an ncnn network description.
func ncnnBinParam() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 7767517)
	b = le.AppendUint32(b, 3)
	b = le.AppendUint32(b, 3)
	return append(b, make([]byte, 32)...)
}

// Pickles.

var (
	// pickleV0 is pickle.dumps(['a', 'b'], protocol=0).
	pickleV0 = []byte("(lp0\nVa\np1\naVb\np2\na.")
	// pickleV2 is a protocol 2 dict {'a': 1}.
	pickleV2 = []byte("\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.")
	// pickleV4Global is a protocol 4 pickle that calls os.system.
	pickleV4Global = []byte("\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x02ls\x94\x85\x94R\x94.")
	// pickleV5 is a protocol 5 pickle of a bytearray.
	pickleV5 = []byte("\x80\x05\x96\x03\x00\x00\x00\x00\x00\x00\x00abc\x94.")
	// pytorchLegacy starts torch.save's legacy format.
	pytorchLegacy = []byte("\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.")
)

// zipOf builds a ZIP archive with the given entries, stored uncompressed
// when store is set.
func zipOf(t testing.TB, store bool, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		name, content, _ := strings.Cut(e, "=")
		method := zip.Deflate
		if store {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
