package injection

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
)

// The model file is a raw DEFLATE stream of:
//
//	magic     "BWINJ2\n\x00" (8 bytes)
//	bits      uint8: log2 of the number of hashed buckets per head
//	dense     uint16: number of dense features per head
//	signature uint64: FNV-1a of the signature table it was trained with
//	lm        p99, p999 uint32, then the character model: lmCells × uint8
//	2 heads, direct then content, each:
//	  scale  float32: a bucket's weight is int8 × scale
//	  bias   float32
//	  dense  dense × float32
//	  table  2^bits × int8
//
// Little-endian. Most weights quantize to zero, so the stream compresses
// well; it is inflated once, when the detector is built.

const modelMagic = "BWINJ2\n\x00"

// Bounds on the hashed table size accepted from a model file.
const (
	minBits     = 10
	maxBits     = 22
	defaultBits = 17
)

// ErrBadModel is returned by New for bytes that are not a model file, or
// a model trained with other signatures.
var ErrBadModel = errors.New("injection: bad model file")

type head struct {
	scale float64
	bias  float64
	dense []float64
	w     []int8
}

type model struct {
	bits    uint
	lm      charLM
	direct  head
	content head
}

// signatureHash identifies a signature table: a model's dense weights
// belong to the signatures it was trained with.
func signatureHash(table []signature) uint64 {
	h := fnv.New64a()
	for _, s := range table {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%g\x00", s.ID, s.Family, s.Pattern, s.Weight)
	}
	return h.Sum64()
}

func decodeModel(b []byte, ndense int, sigHash uint64) (*model, error) {
	r := flate.NewReader(bytes.NewReader(b))
	defer r.Close()
	var hdr [8 + 1 + 2 + 8 + 8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrBadModel, err)
	}
	if string(hdr[:8]) != modelMagic {
		return nil, fmt.Errorf("%w: magic", ErrBadModel)
	}
	bits := uint(hdr[8])
	if bits < minBits || bits > maxBits {
		return nil, fmt.Errorf("%w: %d bits out of range", ErrBadModel, bits)
	}
	if n := int(binary.LittleEndian.Uint16(hdr[9:])); n != ndense {
		return nil, fmt.Errorf("%w: %d dense features, want %d", ErrBadModel, n, ndense)
	}
	if h := binary.LittleEndian.Uint64(hdr[11:]); h != sigHash {
		return nil, fmt.Errorf("%w: trained with other signatures", ErrBadModel)
	}
	m := &model{bits: bits}
	m.lm.p99 = binary.LittleEndian.Uint32(hdr[19:])
	m.lm.p999 = binary.LittleEndian.Uint32(hdr[23:])
	if m.lm.p999 <= m.lm.p99 {
		return nil, fmt.Errorf("%w: character model thresholds", ErrBadModel)
	}
	if _, err := io.ReadFull(r, m.lm.bits[:]); err != nil {
		return nil, fmt.Errorf("%w: character model: %w", ErrBadModel, err)
	}
	hs := 8 + 4*ndense + 1<<bits
	body := make([]byte, 2*hs)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("%w: body: %w", ErrBadModel, err)
	}
	if n, _ := r.Read(make([]byte, 1)); n != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", ErrBadModel)
	}
	for i, h := range []*head{&m.direct, &m.content} {
		p := body[i*hs:]
		f := func() float64 {
			v := math.Float32frombits(binary.LittleEndian.Uint32(p))
			p = p[4:]
			return float64(v)
		}
		h.scale = f()
		h.bias = f()
		h.dense = make([]float64, ndense)
		for k := range h.dense {
			h.dense[k] = f()
			if math.IsNaN(h.dense[k]) || math.IsInf(h.dense[k], 0) {
				return nil, fmt.Errorf("%w: dense weight", ErrBadModel)
			}
		}
		if math.IsNaN(h.scale) || math.IsInf(h.scale, 0) || h.scale < 0 || math.IsNaN(h.bias) || math.IsInf(h.bias, 0) {
			return nil, fmt.Errorf("%w: scale or bias", ErrBadModel)
		}
		h.w = make([]int8, 1<<bits)
		for k := range h.w {
			h.w[k] = int8(p[k])
		}
	}
	return m, nil
}

// floatHead is a head being trained.
type floatHead struct {
	bias  float64
	dense []float64
	w     []float64
}

func encodeModel(bits uint, sigHash uint64, lm *charLM, heads [2]*floatHead) ([]byte, error) {
	var raw bytes.Buffer
	raw.WriteString(modelMagic)
	raw.WriteByte(byte(bits))
	var b8 [8]byte
	binary.LittleEndian.PutUint16(b8[:], uint16(len(heads[0].dense)))
	raw.Write(b8[:2])
	binary.LittleEndian.PutUint64(b8[:], sigHash)
	raw.Write(b8[:])
	binary.LittleEndian.PutUint32(b8[:], lm.p99)
	binary.LittleEndian.PutUint32(b8[4:], lm.p999)
	raw.Write(b8[:])
	raw.Write(lm.bits[:])
	put := func(v float32) {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		raw.Write(b[:])
	}
	for _, h := range heads {
		maxAbs := 0.0
		for _, v := range h.w {
			maxAbs = math.Max(maxAbs, math.Abs(v))
		}
		scale := float32(maxAbs / 127)
		if scale == 0 {
			scale = 1
		}
		put(scale)
		put(float32(h.bias))
		for _, v := range h.dense {
			put(float32(v))
		}
		for _, v := range h.w {
			q := math.Round(v / float64(scale))
			q = math.Max(-127, math.Min(127, q))
			raw.WriteByte(byte(int8(q)))
		}
	}
	var out bytes.Buffer
	w, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("compress model: %w", err)
	}
	if _, err := w.Write(raw.Bytes()); err != nil {
		return nil, fmt.Errorf("compress model: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compress model: %w", err)
	}
	return out.Bytes(), nil
}
