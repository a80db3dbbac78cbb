package modelscan

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
)

// benchFiles are realistic small models of each format: hundreds to
// thousands of nodes or tensors, and tensor data that the scan skips.
func benchFiles(b *testing.B) []struct {
	name string
	data []byte
} {
	var layers []string
	for i := 0; i < 200; i++ {
		layers = append(layers, fmt.Sprintf(`{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_%d", "units": 64, "activation": "relu", "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}}, "registered_name": null}`, i))
	}
	var tfNodes [][]byte
	for i := 0; i < 5000; i++ {
		tfNodes = append(tfNodes, tfNodeDef(fmt.Sprintf("layer_%d/MatMul", i), "MatMul", []string{fmt.Sprintf("layer_%d/x", i), "w"}))
	}
	var onnxGraph [][]byte
	for i := 0; i < 5000; i++ {
		onnxGraph = append(onnxGraph, onnxNode("Conv", "", fmt.Sprintf("conv_%d", i)))
	}
	onnxGraph = append(onnxGraph, pbLen(5, pbInt(1, 3), pbInt(2, 1), pbStr(8, "w"), pbLen(9, make([]byte, 4<<20))))
	var ops []tfliteOp
	for i := 0; i < 100; i++ {
		ops = append(ops, tfliteOp{code: int32(i % 30)})
	}
	tflite := append(tfliteModel(ops...), make([]byte, 4<<20)...)
	var tokens []byte
	tokens = binary.LittleEndian.AppendUint32(tokens, 8)
	tokens = binary.LittleEndian.AppendUint64(tokens, 32000)
	for i := 0; i < 32000; i++ {
		tokens = append(tokens, ggufString(fmt.Sprintf("tok%d", i))...)
	}
	var tensors []ggufTensorInfo
	for i := 0; i < 200; i++ {
		tensors = append(tensors, ggufTensorInfo{fmt.Sprintf("blk.%d.weight", i), []uint64{64, 64}, 0, uint64(i) * 64 * 64 * 4})
	}
	gguf := ggufFile([]ggufKV{ggufStrKV("general.architecture", "llama"), {"tokenizer.ggml.tokens", 9, tokens},
		ggufStrKV("tokenizer.chat_template", llama3Template)}, tensors, make([]byte, 200*64*64*4))
	st := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	for i := 0; i < 200; i++ {
		st[fmt.Sprintf("layers.%d.weight", i)] = stEntry("F16", []int{64, 64}, i*8192, (i+1)*8192)
	}
	var cmLayers [][]byte
	for i := 0; i < 500; i++ {
		cmLayers = append(cmLayers, coremlLayer(fmt.Sprintf("conv_%d", i), ""))
	}
	return []struct {
		name string
		data []byte
	}{
		{"keras", kerasArchive(b, kerasConfig(layers...))},
		{"hdf5", testdata(b, "clean_latest_fixed.h5")},
		{"savedmodel", savedModel(graphDef(append(benignGraph(), tfNodes...), "", nil))},
		{"onnx", onnxModel(cat(onnxGraph...))},
		{"tflite", tflite},
		{"gguf", gguf},
		{"safetensors", safetensorsFile(st, make([]byte, 200*8192))},
		{"coreml", coremlSpec(pbLen(500, cat(cmLayers...)))},
	}
}

func BenchmarkScanBytes(b *testing.B) {
	s := New(Options{}, nil)
	for _, bf := range benchFiles(b) {
		b.Run(bf.name, func(b *testing.B) {
			r := s.ScanBytes(context.Background(), bf.name, bf.data)
			if r.Verdict != Safe {
				b.Fatalf("benchmark file %s: %s %+v %s", bf.name, r.Verdict, r.Reasons, r.Err)
			}
			b.SetBytes(int64(len(bf.data)))
			b.ReportAllocs()
			for b.Loop() {
				s.ScanBytes(context.Background(), bf.name, bf.data)
			}
		})
	}
}
