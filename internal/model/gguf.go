package model

import (
	"encoding/binary"
	"strconv"
)

// GGUF: "GGUF", version (uint32), tensor count and metadata key/value
// count (uint64; uint32 in version 1), then the key/value pairs: key
// (length-prefixed string), value type (uint32), value.

// GGUF metadata value types and the size of the fixed-size ones.
const (
	ggufString = 8
	ggufArray  = 9
)

var ggufFixedSize = map[uint32]int{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

// Plausibility bounds of GGUF counts, far above real models.
const (
	maxGGUFTensors = 1 << 24
	maxGGUFKVs     = 1 << 20
	maxGGUFKVsRead = 256 // key/value pairs read for details
)

// ggufReader reads GGUF values from the head.
type ggufReader struct {
	b   []byte
	off int
	bo  binary.ByteOrder
	v1  bool // lengths and counts are uint32
	ok  bool
}

func (r *ggufReader) u32() uint32 {
	if !r.ok || r.off+4 > len(r.b) {
		r.ok = false
		return 0
	}
	v := r.bo.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *ggufReader) u64() uint64 {
	if !r.ok || r.off+8 > len(r.b) {
		r.ok = false
		return 0
	}
	v := r.bo.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

// count reads a length or count: uint32 in version 1, uint64 after.
func (r *ggufReader) count() uint64 {
	if r.v1 {
		return uint64(r.u32())
	}
	return r.u64()
}

func (r *ggufReader) str() []byte {
	n := r.count()
	if !r.ok || n > uint64(len(r.b)-r.off) {
		r.ok = false
		return nil
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// skip passes over a value of type t.
func (r *ggufReader) skip(t uint32, depth int) {
	if sz, ok := ggufFixedSize[t]; ok {
		if r.off+sz > len(r.b) {
			r.ok = false
			return
		}
		r.off += sz
		return
	}
	switch t {
	case ggufString:
		r.str()
	case ggufArray:
		et := r.u32()
		n := r.count()
		if depth > 2 || !r.ok {
			r.ok = false
			return
		}
		if sz, ok := ggufFixedSize[et]; ok {
			if n > uint64(len(r.b)-r.off)/uint64(sz) {
				r.ok = false
				return
			}
			r.off += int(n) * sz
			return
		}
		if n > uint64(len(r.b)-r.off) { // each element takes at least a byte
			r.ok = false
			return
		}
		for i := uint64(0); i < n && r.ok; i++ {
			r.skip(et, depth+1)
		}
	default:
		r.ok = false
	}
}

// identifyGGUF checks the magic, a version from 1 to 3 (either byte order)
// and counts that the file can hold, then reads the first key/value pairs
// that the head holds for the architecture and name.
func identifyGGUF(head []byte, size int64) (Info, bool) {
	if len(head) < 16 || string(head[:4]) != "GGUF" {
		return Info{}, false
	}
	r := &ggufReader{b: head, off: 4, bo: binary.LittleEndian, ok: true}
	version := r.bo.Uint32(head[4:])
	d := map[string]string{}
	if version < 1 || version > 3 {
		r.bo = binary.BigEndian
		version = r.bo.Uint32(head[4:])
		if version < 1 || version > 3 {
			return Info{}, false
		}
		d[DetailByteOrder] = "big"
	}
	r.off = 8
	r.v1 = version == 1
	tensors, kvs := r.count(), r.count()
	if !r.ok || tensors > maxGGUFTensors || kvs > maxGGUFKVs || tensors+kvs > uint64(size)/8 {
		return Info{}, false
	}
	d[DetailVersion] = strconv.FormatUint(uint64(version), 10)
	d[DetailTensorCount] = strconv.FormatUint(tensors, 10)
	d[DetailKVCount] = strconv.FormatUint(kvs, 10)
	for i := uint64(0); i < min(kvs, maxGGUFKVsRead) && r.ok; i++ {
		key := r.str()
		t := r.u32()
		if !r.ok {
			break
		}
		if t == ggufString && (string(key) == "general.architecture" || string(key) == "general.name") {
			v := r.str()
			if r.ok && len(v) <= 256 && isPrintableText(v) {
				if string(key) == "general.architecture" {
					d[DetailArchitecture] = string(v)
				} else {
					d[DetailName] = string(v)
				}
			}
			continue
		}
		r.skip(t, 0)
	}
	return Info{Format: FormatGGUF, Details: d}, true
}

// GGML's formats before GGUF, by the magic number read as a little-endian
// uint32: unversioned "ggml", then "ggmf" and "ggjt" with a version.
var ggmlMagics = map[uint32]string{
	0x67676d6c: "ggml",
	0x67676d66: "ggmf",
	0x67676a74: "ggjt",
}

// identifyGGML checks the magic, the version of the versioned variants,
// and that the first four hyperparameters (vocabulary size, embedding
// width and the like) are positive and plausible.
func identifyGGML(head []byte, size int64) (Info, bool) {
	if len(head) < 24 {
		return Info{}, false
	}
	variant, ok := ggmlMagics[binary.LittleEndian.Uint32(head)]
	if !ok {
		return Info{}, false
	}
	off := 4
	d := details(DetailKind, variant)
	if variant != "ggml" {
		v := binary.LittleEndian.Uint32(head[4:])
		if v < 1 || v > 3 {
			return Info{}, false
		}
		d[DetailVersion] = strconv.FormatUint(uint64(v), 10)
		off = 8
	}
	for i := 0; i < 4; i++ {
		h := int32(binary.LittleEndian.Uint32(head[off+4*i:]))
		if h < 1 || h > 1<<24 {
			return Info{}, false
		}
	}
	return Info{Format: FormatGGML, Details: d}, true
}
