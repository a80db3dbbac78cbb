package modelscan

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// This file builds small model files of each examined format, benign and
// hostile, for the tests, the benchmarks and the fuzz seeds.

// Protocol buffers.

func pbVarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func pbTag(num, wire int) []byte { return pbVarint(uint64(num)<<3 | uint64(wire)) }

func pbInt(num int, v uint64) []byte { return append(pbTag(num, 0), pbVarint(v)...) }

func pbLen(num int, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	out := append(pbTag(num, 2), pbVarint(uint64(len(body)))...)
	return append(out, body...)
}

func pbStr(num int, s string) []byte { return pbLen(num, []byte(s)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TensorFlow.

// tfNodeDef is the body of a NodeDef; attrs are (key, AttrValue bytes)
// pairs.
func tfNodeDef(name, op string, inputs []string, attrs ...[]byte) []byte {
	parts := [][]byte{pbStr(1, name), pbStr(2, op)}
	for _, in := range inputs {
		parts = append(parts, pbStr(3, in))
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		parts = append(parts, pbLen(5, pbLen(1, attrs[i]), pbLen(2, attrs[i+1])))
	}
	return cat(parts...)
}

// tfConstString is a Const node holding one string.
func tfConstString(name, value string) []byte {
	tensor := cat(pbInt(1, 7), pbStr(8, value)) // dtype DT_STRING, string_val
	return tfNodeDef(name, "Const", nil, []byte("value"), pbLen(8, tensor))
}

func tfAttrString(s string) []byte { return pbStr(2, s) }

func tfAttrList(ss ...string) []byte {
	var l []byte
	for _, s := range ss {
		l = append(l, pbStr(2, s)...)
	}
	return pbLen(1, l)
}

// graphDef is a GraphDef of the given nodes and, when fnNodes is not
// nil, a function library with one function of those body nodes.
func graphDef(nodes [][]byte, fnName string, fnNodes [][]byte) []byte {
	var g []byte
	for _, n := range nodes {
		g = append(g, pbLen(1, n)...)
	}
	if fnNodes != nil {
		var body []byte
		for _, n := range fnNodes {
			body = append(body, pbLen(3, n)...)
		}
		g = append(g, pbLen(2, pbLen(1, pbLen(1, pbStr(1, fnName)), body))...)
	}
	return g
}

// savedModel wraps a GraphDef in SavedModel and MetaGraphDef.
func savedModel(graph []byte) []byte {
	meta := cat(pbLen(1, pbStr(4, "serve"), pbStr(5, "2.15.0")), pbLen(2, graph))
	return cat(pbInt(1, 1), pbLen(2, meta))
}

// savedModelWithSaver adds a SaverDef naming the filename tensor.
func savedModelWithSaver(graph []byte, filenameTensor string) []byte {
	meta := cat(pbLen(1, pbStr(4, "serve"), pbStr(5, "1.15.0")), pbLen(2, graph), pbLen(3, pbStr(1, filenameTensor), pbStr(2, "save/control_dependency:0")))
	return cat(pbInt(1, 1), pbLen(2, meta))
}

func benignGraph() [][]byte {
	return [][]byte{
		tfNodeDef("x", "Placeholder", nil),
		tfNodeDef("w", "Const", nil),
		tfNodeDef("mm", "MatMul", []string{"x", "w"}),
		tfNodeDef("saver_filename", "Placeholder", nil),
		tfNodeDef("save/SaveV2", "SaveV2", []string{"saver_filename", "save/names", "save/slices", "w"}),
		tfNodeDef("save/RestoreV2", "RestoreV2", []string{"saver_filename", "save/names", "save/slices"}),
	}
}

// ONNX.

func onnxModel(graph []byte, extra ...[]byte) []byte {
	return cat(append([][]byte{pbInt(1, 8), pbStr(2, "bulwark-test"), pbLen(7, graph), pbLen(8, pbStr(1, ""), pbInt(2, 17))}, extra...)...)
}

func onnxNode(op, domain, name string, attrs ...[]byte) []byte {
	parts := [][]byte{pbStr(1, "x"), pbStr(2, "y"), pbStr(3, name), pbStr(4, op)}
	parts = append(parts, attrs...)
	if domain != "" {
		parts = append(parts, pbStr(7, domain))
	}
	return pbLen(1, parts...)
}

// onnxExternal is a TensorProto initializer (graph field 5) whose data is
// at an external location.
func onnxExternal(field int, name, location string) []byte {
	return pbLen(field, pbInt(1, 2), pbInt(2, 1), pbStr(8, name),
		pbLen(13, pbStr(1, "location"), pbStr(2, location)), pbInt(14, 1))
}

// TFLite FlatBuffers, laid out forward: a table's offsets point to
// objects written after it.

type fbBuilder struct{ b []byte }

func (f *fbBuilder) align() {
	for len(f.b)%4 != 0 {
		f.b = append(f.b, 0)
	}
}

// table writes a vtable and a table whose fields are 4 bytes each (nil:
// absent). It returns the table's position and each field's position.
func (f *fbBuilder) table(fields [][]byte) (int, []int) {
	f.align()
	vt := len(f.b)
	vtSize := 4 + 2*len(fields)
	f.b = binary.LittleEndian.AppendUint16(f.b, uint16(vtSize))
	f.b = binary.LittleEndian.AppendUint16(f.b, uint16(4+4*len(fields)))
	off := 4
	for _, fl := range fields {
		if fl == nil {
			f.b = binary.LittleEndian.AppendUint16(f.b, 0)
			continue
		}
		f.b = binary.LittleEndian.AppendUint16(f.b, uint16(off))
		off += 4
	}
	f.align()
	pos := len(f.b)
	f.b = binary.LittleEndian.AppendUint32(f.b, uint32(int32(pos-vt)))
	fieldPos := make([]int, len(fields))
	for i, fl := range fields {
		if fl == nil {
			fieldPos[i] = -1
			continue
		}
		fieldPos[i] = len(f.b)
		f.b = append(f.b, fl...)
	}
	return pos, fieldPos
}

func (f *fbBuilder) patch(at, target int) {
	binary.LittleEndian.PutUint32(f.b[at:], uint32(target-at))
}

func (f *fbBuilder) vector(n int) (int, []int) {
	f.align()
	pos := len(f.b)
	f.b = binary.LittleEndian.AppendUint32(f.b, uint32(n))
	elems := make([]int, n)
	for i := range elems {
		elems[i] = len(f.b)
		f.b = append(f.b, 0, 0, 0, 0)
	}
	return pos, elems
}

func (f *fbBuilder) str(s string) int {
	f.align()
	pos := len(f.b)
	f.b = binary.LittleEndian.AppendUint32(f.b, uint32(len(s)))
	f.b = append(f.b, s...)
	f.b = append(f.b, 0)
	return pos
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// tfliteOp is an operator code: a builtin code and a custom code.
type tfliteOp struct {
	code   int32
	custom string
}

// tfliteModel builds a TFLite model with the given operator codes and one
// empty subgraph vector.
func tfliteModel(ops ...tfliteOp) []byte {
	f := &fbBuilder{b: make([]byte, 8)}
	copy(f.b[4:], "TFL3")
	root, fields := f.table([][]byte{u32(3), u32(0), u32(0)})
	binary.LittleEndian.PutUint32(f.b, uint32(root))
	vec, elems := f.vector(len(ops))
	f.patch(fields[1], vec)
	sub, _ := f.vector(0)
	f.patch(fields[2], sub)
	for i, op := range ops {
		dep := min(op.code, 127)
		var customField []byte
		if op.custom != "" {
			customField = u32(0)
		}
		t, tf := f.table([][]byte{{byte(dep), 0, 0, 0}, customField, u32(1), u32(uint32(op.code))})
		f.patch(elems[i], t)
		if op.custom != "" {
			f.patch(tf[1], f.str(op.custom))
		}
	}
	return f.b
}

// tfliteOperator is an operator of the one subgraph of tfliteGraph.
type tfliteOperator struct {
	opcode uint32
	inputs []int32
}

// tfliteGraph builds a TFLite model with operator codes, one subgraph of
// tensors (tensor i uses buffer tensorBuffers[i]) and operators, and
// buffers empty buffers.
func tfliteGraph(codes []tfliteOp, tensorBuffers []uint32, operators []tfliteOperator, buffers int) []byte {
	f := &fbBuilder{b: make([]byte, 8)}
	copy(f.b[4:], "TFL3")
	root, fields := f.table([][]byte{u32(3), u32(0), u32(0), nil, u32(0)})
	binary.LittleEndian.PutUint32(f.b, uint32(root))
	vec, elems := f.vector(len(codes))
	f.patch(fields[1], vec)
	for i, op := range codes {
		t, _ := f.table([][]byte{{byte(min(op.code, 127)), 0, 0, 0}, nil, u32(1), u32(uint32(op.code))})
		f.patch(elems[i], t)
	}
	bufVec, bufElems := f.vector(buffers)
	f.patch(fields[4], bufVec)
	for _, e := range bufElems {
		t, _ := f.table([][]byte{nil})
		f.patch(e, t)
	}
	subs, subElems := f.vector(1)
	f.patch(fields[2], subs)
	sg, sgFields := f.table([][]byte{u32(0), nil, nil, u32(0)})
	f.patch(subElems[0], sg)
	tv, tElems := f.vector(len(tensorBuffers))
	f.patch(sgFields[0], tv)
	for i, b := range tensorBuffers {
		t, _ := f.table([][]byte{nil, u32(0), u32(b)})
		f.patch(tElems[i], t)
	}
	ov, oElems := f.vector(len(operators))
	f.patch(sgFields[3], ov)
	for i, op := range operators {
		t, of := f.table([][]byte{u32(op.opcode), u32(0)})
		f.patch(oElems[i], t)
		iv, ins := f.vector(len(op.inputs))
		f.patch(of[1], iv)
		for k, in := range op.inputs {
			binary.LittleEndian.PutUint32(f.b[ins[k]:], uint32(in))
		}
	}
	return f.b
}

// GGUF.

type ggufKV struct {
	key string
	typ uint32
	val []byte
}

func ggufString(s string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, uint64(len(s))), s...)
}

func ggufStrKV(k, v string) ggufKV { return ggufKV{k, 8, ggufString(v)} }

type ggufTensorInfo struct {
	name string
	dims []uint64
	typ  uint32
	off  uint64
}

// ggufFile builds a GGUF v3 file; data is the tensor data section.
func ggufFile(kvs []ggufKV, tensors []ggufTensorInfo, data []byte) []byte {
	le := binary.LittleEndian
	b := []byte("GGUF")
	b = le.AppendUint32(b, 3)
	b = le.AppendUint64(b, uint64(len(tensors)))
	b = le.AppendUint64(b, uint64(len(kvs)))
	for _, kv := range kvs {
		b = append(b, ggufString(kv.key)...)
		b = le.AppendUint32(b, kv.typ)
		b = append(b, kv.val...)
	}
	for _, t := range tensors {
		b = append(b, ggufString(t.name)...)
		b = le.AppendUint32(b, uint32(len(t.dims)))
		for _, d := range t.dims {
			b = le.AppendUint64(b, d)
		}
		b = le.AppendUint32(b, t.typ)
		b = le.AppendUint64(b, t.off)
	}
	for len(b)%32 != 0 {
		b = append(b, 0)
	}
	return append(b, data...)
}

// chatMLTemplate is the ChatML chat template, as Qwen and others ship it.
const chatMLTemplate = `{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`

// llama3Template is shaped like Llama 3.1's: namespace, raise_exception,
// loop variables and tojson, none of which reach Python.
const llama3Template = `{{- bos_token }}{%- set ns = namespace(system="") %}{%- if messages[0]['role'] == 'system' %}{%- set ns.system = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- endif %}{%- for message in messages %}{%- if not (message.role in ["user", "assistant", "tool"]) %}{{- raise_exception("bad role") }}{%- endif %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}{%- if message.tool_calls is defined %}{{- message.tool_calls | tojson }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}`

// sstiTemplate is the classic Jinja sandbox escape through cycler.
const sstiTemplate = `{{ cycler.__init__.__globals__.os.popen('id').read() }}{% for message in messages %}{{ message['content'] }}{% endfor %}`

func ggufModel(template string) []byte {
	data := make([]byte, 64)
	kvs := []ggufKV{ggufStrKV("general.architecture", "llama"), ggufStrKV("general.name", "tiny")}
	if template != "" {
		kvs = append(kvs, ggufStrKV("tokenizer.chat_template", template))
	}
	return ggufFile(kvs, []ggufTensorInfo{{"tok_embd.weight", []uint64{4, 4}, 0, 0}}, data)
}

// safetensors.

func safetensorsFile(header map[string]any, data []byte) []byte {
	h, err := json.Marshal(header)
	if err != nil {
		panic(err)
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(b, h...), data...)
}

func stEntry(dtype string, shape []int, begin, end int) map[string]any {
	return map[string]any{"dtype": dtype, "shape": shape, "data_offsets": []int{begin, end}}
}

// Keras.

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range sortedStrings(files) {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedStrings(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

const kerasDense = `{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 4, "activation": "relu", "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}}, "registered_name": null}`

func kerasConfig(layers ...string) string {
	return fmt.Sprintf(`{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "layers": [%s]}, "registered_name": null, "build_config": {"input_shape": [null, 4]}, "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam"}, "registered_name": null}, "loss": "mse"}}`,
		join(layers))
}

func join(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s)
	}
	return b.String()
}

const kerasLambda = `{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "evil", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAADAAAA", "defaults": null, "closure": null}}, "arguments": {}}, "registered_name": null}`

func kerasArchive(t testing.TB, config string) []byte {
	return zipOf(t, map[string]string{
		"metadata.json":    `{"keras_version": "3.6.0", "date_saved": "2025-01-01@00:00:00"}`,
		"config.json":      config,
		"model.weights.h5": "\x89HDF\r\n\x1a\n",
	})
}

// Core ML.

func coremlSpec(types ...[]byte) []byte {
	desc := pbLen(2, pbLen(1, pbStr(1, "input"), pbLen(3, pbLen(5, pbInt(1, 4)))))
	return cat(append([][]byte{pbInt(1, 4), desc}, types...)...)
}

func coremlLayer(name string, custom string) []byte {
	if custom == "" {
		return pbLen(1, pbStr(1, name), pbStr(2, "input"), pbStr(3, "out"), pbLen(130, pbInt(1, 1)))
	}
	return pbLen(1, pbStr(1, name), pbStr(2, "input"), pbStr(3, "out"), pbLen(500, pbStr(10, custom), pbStr(40, "a custom layer")))
}

// testdata reads a file that we generated into testdata/.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
