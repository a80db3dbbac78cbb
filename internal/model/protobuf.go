package model

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Protocol buffer formats (ONNX, Core ML, TensorFlow) have no magic number:
// they are recognized by walking the top-level fields of the head and
// checking each field number and wire type against the schema of the
// message, then the first level of the nested messages that identify the
// format. Random bytes fail such a walk within a few fields.

// Wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// maxFieldNumber is the largest field number protobuf allows.
const maxFieldNumber = 1<<29 - 1

// pbField is one field of a message.
type pbField struct {
	num  int
	wire int
	val  uint64 // value of a varint or fixed field
	data []byte // bytes of a length-delimited field that the buffer holds
	len  int64  // declared length of a length-delimited field
	cut  bool   // the length-delimited field continues past the buffer
}

// pbReader walks the fields of a message whose encoding is limit bytes
// long, of which buf holds the first len(buf) bytes.
type pbReader struct {
	buf   []byte
	off   int
	limit int64
	err   bool // the encoding is invalid
	cut   bool // the walk reached the end of buf before the end of the message
}

func newPBReader(buf []byte, limit int64) *pbReader {
	if int64(len(buf)) > limit {
		buf = buf[:limit]
	}
	return &pbReader{buf: buf, limit: limit}
}

// varint decodes a varint at off. n is 0 when buf ends inside it, -1 when
// it is longer than 10 bytes or overflows.
func varint(buf []byte, off int) (v uint64, n int) {
	for i := 0; i < 10; i++ {
		if off+i >= len(buf) {
			return 0, 0
		}
		b := buf[off+i]
		if i == 9 && b > 1 {
			return 0, -1
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}

// next returns the next field, or false at the end of the buffer, at the
// end of the message, or on an invalid encoding (err).
func (r *pbReader) next() (pbField, bool) {
	if r.err || r.off >= len(r.buf) {
		r.cut = r.cut || int64(len(r.buf)) < r.limit
		return pbField{}, false
	}
	tag, n := varint(r.buf, r.off)
	if n <= 0 {
		r.stop(n)
		return pbField{}, false
	}
	f := pbField{num: int(tag >> 3), wire: int(tag & 7)}
	if tag>>3 == 0 || tag>>3 > maxFieldNumber {
		r.err = true
		return pbField{}, false
	}
	off := r.off + n
	switch f.wire {
	case wireVarint:
		v, n := varint(r.buf, off)
		if n <= 0 {
			r.stop(n)
			return pbField{}, false
		}
		f.val, off = v, off+n
	case wireFixed64, wireFixed32:
		w := 8
		if f.wire == wireFixed32 {
			w = 4
		}
		if off+w > len(r.buf) {
			r.stop(0)
			return pbField{}, false
		}
		for i := w - 1; i >= 0; i-- {
			f.val = f.val<<8 | uint64(r.buf[off+i])
		}
		off += w
	case wireBytes:
		l, n := varint(r.buf, off)
		if n <= 0 {
			r.stop(n)
			return pbField{}, false
		}
		off += n
		if l > uint64(r.limit) || int64(off)+int64(l) > r.limit {
			r.err = true
			return pbField{}, false
		}
		f.len = int64(l)
		if int64(off)+int64(l) > int64(len(r.buf)) {
			f.data, f.cut = r.buf[off:], true
			off = len(r.buf)
			r.cut = true
		} else {
			f.data = r.buf[off : off+int(l)]
			off += int(l)
		}
	default:
		r.err = true // groups are not used by these schemas
		return pbField{}, false
	}
	r.off = off
	return f, true
}

// stop ends the walk at a value cut by the end of the buffer (n == 0),
// which is an error only when the message was supposed to end there, or at
// an invalid varint (n < 0).
func (r *pbReader) stop(n int) {
	if n < 0 || int64(len(r.buf)) >= r.limit {
		r.err = true
		return
	}
	r.cut = true
	r.off = len(r.buf)
}

// walk checks every field of a message against wires (field number to wire
// type; fields absent from the map are invalid unless allow accepts them)
// and calls visit, which may reject the message. It returns the number of
// fields seen, or false when the message is invalid.
func walk(buf []byte, limit int64, wires map[int]int, allow func(num, wire int) bool, visit func(pbField) bool) (int, bool) {
	r := newPBReader(buf, limit)
	n := 0
	for {
		f, ok := r.next()
		if !ok {
			break
		}
		w, known := wires[f.num]
		if known && w != f.wire || !known && (allow == nil || !allow(f.num, f.wire)) {
			return n, false
		}
		if visit != nil && !visit(f) {
			return n, false
		}
		n++
	}
	return n, !r.err
}

// isShortText reports a string field fit for a name or version: valid UTF-8
// without control characters, complete in the buffer.
func isShortText(f pbField) bool {
	if f.cut || len(f.data) > 4096 || !utf8.Valid(f.data) {
		return false
	}
	for _, c := range f.data {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// isTextPrefix reports a string field whose held bytes are text (a rune cut
// by the end of the buffer is allowed).
func isTextPrefix(f pbField) bool {
	b := f.data
	if f.cut {
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return isPrintableText(b)
}

func identifyProtobuf(head []byte, size int64) (Info, bool) {
	switch head[0] {
	case 0x08: // field 1, varint: ONNX ir_version, Core ML specificationVersion, SavedModel schema version
		if info, ok := identifyONNX(head, size); ok {
			return info, true
		}
		if info, ok := identifyCoreML(head, size); ok {
			return info, true
		}
		return identifySavedModel(head, size)
	case 0x0a: // field 1, bytes: GraphDef node
		return identifyGraphDef(head, size)
	}
	return Info{}, false
}

// ONNX ModelProto fields (onnx.proto) and their wire types.
var onnxModelFields = map[int]int{
	1:  wireVarint, // ir_version
	2:  wireBytes,  // producer_name
	3:  wireBytes,  // producer_version
	4:  wireBytes,  // domain
	5:  wireVarint, // model_version
	6:  wireBytes,  // doc_string
	7:  wireBytes,  // graph
	8:  wireBytes,  // opset_import
	14: wireBytes,  // metadata_props
	20: wireBytes,  // training_info
	25: wireBytes,  // functions
	26: wireBytes,  // configuration
}

// ONNX GraphProto fields: node, name, initializer, doc_string, input,
// output, value_info, quantization_annotation, sparse_initializer,
// metadata_props; all length-delimited.
var onnxGraphFields = map[int]int{1: wireBytes, 2: wireBytes, 5: wireBytes, 10: wireBytes, 11: wireBytes,
	12: wireBytes, 13: wireBytes, 14: wireBytes, 15: wireBytes, 16: wireBytes}

// ONNX NodeProto fields: input, output, name, op_type, attribute,
// doc_string, domain, overload, metadata_props, device_configurations.
var onnxNodeFields = map[int]int{1: wireBytes, 2: wireBytes, 3: wireBytes, 4: wireBytes, 5: wireBytes,
	6: wireBytes, 7: wireBytes, 8: wireBytes, 9: wireBytes, 10: wireBytes}

// ONNX OperatorSetIdProto: domain, version.
var onnxOpsetFields = map[int]int{1: wireBytes, 2: wireVarint}

// identifyONNX requires ir_version (1 to 32) as the first field (the ONNX
// checker refuses models without it), every top-level field of the head to
// match ModelProto, the short strings to be text, and a graph: its first
// level must match GraphProto and start with a complete node that names
// its operator.
func identifyONNX(head []byte, size int64) (Info, bool) {
	d := map[string]string{}
	first, graph := true, false
	_, ok := walk(head, size, onnxModelFields, nil, func(f pbField) bool {
		if first && f.num != 1 {
			return false
		}
		first = false
		switch f.num {
		case 1:
			if f.val < 1 || f.val > 32 {
				return false
			}
			d[DetailIRVersion] = strconv.FormatUint(f.val, 10)
		case 2, 3, 4:
			if !isShortText(f) {
				return false
			}
			key := map[int]string{2: DetailProducer, 3: DetailProducerVersion, 4: DetailDomain}[f.num]
			if f.len > 0 {
				d[key] = string(f.data)
			}
		case 5:
			d[DetailModelVersion] = strconv.FormatUint(f.val, 10)
		case 6:
			return isTextPrefix(f)
		case 7:
			graph = onnxGraphPrefix(f)
			return graph
		case 8:
			return onnxOpset(f, d)
		}
		return true
	})
	if !ok || !graph {
		return Info{}, false
	}
	return Info{Format: FormatONNX, Details: d}, true
}

// onnxGraphPrefix checks the first level of a GraphProto, whose first
// field must be a node (serializers write fields in number order, and
// every graph has nodes), complete in the head, matching NodeProto and
// naming its operator.
func onnxGraphPrefix(g pbField) bool {
	first := true
	_, ok := walk(g.data, g.len, onnxGraphFields, nil, func(f pbField) bool {
		if first {
			first = false
			return f.num == 1 && !f.cut && onnxNode(f)
		}
		if f.num == 2 {
			return isShortText(f)
		}
		return true
	})
	return ok && !first
}

// onnxNode checks a NodeProto: its fields, and an op_type that is an
// identifier.
func onnxNode(f pbField) bool {
	op := false
	_, ok := walk(f.data, f.len, onnxNodeFields, nil, func(g pbField) bool {
		switch g.num {
		case 3, 7: // name, domain
			return isShortText(g)
		case 4:
			op = isShortText(g) && isIdentifier(g.data)
			return op
		}
		return true
	})
	return ok && op
}

// onnxOpset records the version of the default operator set.
func onnxOpset(f pbField, d map[string]string) bool {
	var domain string
	var version uint64
	_, ok := walk(f.data, f.len, onnxOpsetFields, nil, func(g pbField) bool {
		if g.num == 1 {
			if !isShortText(g) {
				return false
			}
			domain = string(g.data)
		} else {
			version = g.val
		}
		return true
	})
	if ok && !f.cut && (domain == "" || domain == "ai.onnx") && version > 0 {
		d[DetailOpset] = strconv.FormatUint(version, 10)
	}
	return ok
}

// Core ML Model fields: specificationVersion, description, isUpdatable;
// the model type is a oneof of length-delimited fields numbered from 200.
var coremlModelFields = map[int]int{1: wireVarint, 2: wireBytes, 10: wireVarint}

// Core ML ModelDescription fields: input, output, predictedFeatureName,
// predictedProbabilitiesName, trainingInput, metadata.
var coremlDescriptionFields = map[int]int{1: wireBytes, 10: wireBytes, 11: wireBytes, 12: wireBytes, 50: wireBytes, 100: wireBytes}

// coremlTypes names the common model types (Model.proto oneof Type).
var coremlTypes = map[int]string{
	200: "pipelineClassifier", 201: "pipelineRegressor", 202: "pipeline",
	300: "glmRegressor", 301: "supportVectorRegressor", 302: "treeEnsembleRegressor",
	303: "neuralNetworkRegressor", 304: "bayesianProbitRegressor",
	400: "glmClassifier", 401: "supportVectorClassifier", 402: "treeEnsembleClassifier",
	403: "neuralNetworkClassifier", 404: "kNearestNeighborsClassifier",
	500: "neuralNetwork", 501: "itemSimilarityRecommender", 502: "mlProgram",
	555: "customModel", 556: "linkedModel", 560: "classConfidenceThresholding",
	600: "oneHotEncoder", 601: "imputer", 602: "featureVectorizer", 603: "dictVectorizer",
	604: "scaler", 606: "categoricalMapping", 607: "normalizer", 609: "arrayFeatureExtractor",
	610: "nonMaximumSuppression", 900: "identity",
	2000: "textClassifier", 2001: "wordTagger", 2002: "visionFeaturePrint",
	2003: "soundAnalysisPreprocessing", 2004: "gazetteer", 2005: "wordEmbedding",
	2006: "audioFeaturePrint", 3000: "serializedModel",
}

// identifyCoreML requires specificationVersion (1 to 32) first, a
// description whose first level matches ModelDescription and starts with
// a named input, and a model type field, all in the head.
func identifyCoreML(head []byte, size int64) (Info, bool) {
	d := map[string]string{}
	first, desc, typ := true, false, false
	isType := func(num, wire int) bool { return num >= 200 && num <= 3999 && wire == wireBytes }
	_, ok := walk(head, size, coremlModelFields, isType, func(f pbField) bool {
		if first && f.num != 1 {
			return false
		}
		first = false
		switch {
		case f.num == 1:
			if f.val < 1 || f.val > 32 {
				return false
			}
			d[DetailSpecVersion] = strconv.FormatUint(f.val, 10)
		case f.num == 2:
			desc = coreMLDescription(f)
			return desc
		case f.num >= 200:
			if typ {
				return false // one model type per model
			}
			typ = true
			if name, ok := coremlTypes[f.num]; ok {
				d[DetailModelType] = name
			} else {
				d[DetailModelType] = strconv.Itoa(f.num)
			}
		}
		return true
	})
	if !ok || !desc || !typ {
		return Info{}, false
	}
	return Info{Format: FormatCoreML, Details: d}, true
}

// Core ML FeatureDescription: name, shortDescription, type.
var coremlFeatureFields = map[int]int{1: wireBytes, 2: wireBytes, 3: wireBytes}

// coreMLDescription checks a ModelDescription, whose first field must be
// an input feature, complete in the head, that starts with its name.
func coreMLDescription(f pbField) bool {
	first := true
	_, ok := walk(f.data, f.len, coremlDescriptionFields, nil, func(g pbField) bool {
		if !first {
			return true
		}
		first = false
		if g.num != 1 || g.cut {
			return false
		}
		named := false
		_, ok := walk(g.data, g.len, coremlFeatureFields, nil, func(h pbField) bool {
			if !named {
				named = h.num == 1 && h.len > 0 && isShortText(h)
				return named
			}
			return true
		})
		return ok && named
	})
	return ok && !first
}

// TensorFlow SavedModel: saved_model_schema_version (1), meta_graphs.
var savedModelFields = map[int]int{1: wireVarint, 2: wireBytes}

// MetaGraphDef: meta_info_def, graph_def, saver_def, collection_def,
// signature_def, asset_file_def, object_graph_def.
var metaGraphFields = map[int]int{1: wireBytes, 2: wireBytes, 3: wireBytes, 4: wireBytes, 5: wireBytes, 6: wireBytes, 7: wireBytes}

// MetaInfoDef: meta_graph_version, stripped_op_list, any_info, tags,
// tensorflow_version, tensorflow_git_version, stripped_default_attrs,
// function_aliases.
var metaInfoFields = map[int]int{1: wireBytes, 2: wireBytes, 3: wireBytes, 4: wireBytes, 5: wireBytes, 6: wireBytes, 7: wireVarint, 8: wireBytes}

// identifySavedModel requires schema version 1 first, then meta graphs
// whose first field is a MetaInfoDef that names its tags or TensorFlow
// version, or is followed by other MetaGraphDef fields.
func identifySavedModel(head []byte, size int64) (Info, bool) {
	d := map[string]string{}
	var tags []string
	first, meta := true, false
	_, ok := walk(head, size, savedModelFields, nil, func(f pbField) bool {
		if first {
			first = false
			return f.num == 1 && f.val == 1
		}
		if f.num != 2 || meta {
			return f.num == 2
		}
		firstInner, evidence := true, false
		_, ok := walk(f.data, f.len, metaGraphFields, nil, func(g pbField) bool {
			if firstInner {
				firstInner = false
				if g.num != 1 {
					return false
				}
				_, ok := walk(g.data, g.len, metaInfoFields, nil, func(h pbField) bool {
					switch h.num {
					case 1, 4, 5, 6:
						if !isShortText(h) {
							return false
						}
					}
					switch h.num {
					case 4:
						tags = append(tags, string(h.data))
						evidence = true
					case 5:
						d[DetailTFVersion] = string(h.data)
						evidence = true
					}
					return true
				})
				return ok
			}
			evidence = true
			return true
		})
		meta = ok && evidence
		return meta
	})
	if !ok || !meta {
		return Info{}, false
	}
	if len(tags) > 0 {
		d[DetailTags] = strings.Join(tags[:min(len(tags), 8)], ",")
	}
	return Info{Format: FormatTFSavedModel, Details: d}, true
}

// GraphDef: node, library, version, versions.
var graphDefFields = map[int]int{1: wireBytes, 2: wireBytes, 3: wireVarint, 4: wireBytes}

// NodeDef: name, op, input, device, attr, experimental_debug_info,
// experimental_type.
var nodeDefFields = map[int]int{1: wireBytes, 2: wireBytes, 3: wireBytes, 4: wireBytes, 5: wireBytes, 6: wireBytes, 7: wireBytes}

// identifyGraphDef requires a GraphDef whose first field is a node, the
// first node starting with a name and an operation that look like
// TensorFlow's, and every top-level field of the head to match.
func identifyGraphDef(head []byte, size int64) (Info, bool) {
	first, node := true, false
	_, ok := walk(head, size, graphDefFields, nil, func(f pbField) bool {
		if !first {
			return true
		}
		first = false
		if f.num != 1 {
			return false
		}
		i := 0
		n, ok := walk(f.data, f.len, nodeDefFields, nil, func(g pbField) bool {
			i++
			switch i {
			case 1:
				return g.num == 1 && isShortText(g) && g.len > 0 && isNodeName(g.data)
			case 2:
				return g.num == 2 && isShortText(g) && g.len > 0 && isIdentifier(g.data)
			}
			return true
		})
		node = ok && n >= 2
		return node
	})
	if !ok || !node {
		return Info{}, false
	}
	return Info{Format: FormatTFGraphDef, Details: map[string]string{}}, true
}

// isNodeName reports a TensorFlow node name: letters, digits and ._-/>.
func isNodeName(b []byte) bool {
	for _, c := range b {
		if !isIdentByte(c) && c != '.' && c != '-' && c != '/' && c != '>' {
			return false
		}
	}
	return true
}

// isIdentifier reports letters, digits and underscores.
func isIdentifier(b []byte) bool {
	for _, c := range b {
		if !isIdentByte(c) {
			return false
		}
	}
	return len(b) > 0
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
