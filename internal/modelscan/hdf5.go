package modelscan

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// HDF5 (the HDF5 File Format Specification, version 3.0, facts): a
// superblock (versions 0 to 3) locates the root group's object header; its
// messages (object header versions 1 and 2, with continuation blocks)
// include the attributes stored compactly in the header. Keras 2 writes the
// model's config as the JSON string attribute "model_config" of the root
// group, as a fixed-length string (from bytes) or a variable-length string
// kept in a global heap collection.

const (
	h5MsgAttribute     = 0x0c
	h5MsgContinuation  = 0x10
	h5MsgAttributeInfo = 0x15
	h5MaxBlocks        = 64
	h5MaxMessages      = 10_000
)

var h5Signature = []byte("\x89HDF\r\n\x1a\n")

type h5File struct {
	s      *source
	base   int64
	so, sl int // sizes of offsets and lengths
}

// h5Attr is an attribute's name and, for string attributes, its value.
type h5Attr struct {
	name  string
	value []byte
	isStr bool
}

// h5Lambda finds Lambda layers in config JSON by bytes, for root groups
// whose attributes are stored where this reader does not go (dense
// attribute storage).
var h5Lambda = regexp.MustCompile(`"class_name"\s*:\s*"(Lambda|__lambda__)"`)

const ruleHDF5Unreadable = "hdf5-model-config-unreadable"

func scanHDF5(ctx context.Context, f File) ([]Reason, error) {
	s := newSource(ctx, f.R, f.Size, f.Limits)
	attrs, dense, err := readH5RootAttrs(s, f.Limits)
	var reasons []Reason
	found := false
	for _, a := range attrs {
		// training_config holds the loss, metrics and optimizer, which
		// Keras 2 deserializes too when it compiles the loaded model.
		if (a.name == "model_config" || a.name == "training_config") && a.isStr {
			found = found || a.name == "model_config"
			rs, cerr := checkKerasConfig(bytes.TrimRight(a.value, "\x00"), kerasHDF5, f.Limits)
			reasons = append(reasons, rs...)
			err = errors.Join(err, cerr)
		}
	}
	if found || err == nil && !dense {
		return reasons, err // without a model config, an HDF5 file holds data only
	}
	// The root group could not be read to the end, or keeps its
	// attributes in dense storage: look for Lambda layers by bytes.
	if err != nil && !errors.Is(err, ErrLimit) && ctx.Err() == nil {
		err = fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	scan := newSource(ctx, f.R, f.Size, f.Limits)
	hits := 0
	for off := int64(0); off < f.Size && hits == 0; off += windowSize - 64 {
		b, rerr := scan.upTo(off, windowSize)
		if rerr != nil {
			err = errors.Join(err, rerr)
			break
		}
		if m := h5Lambda.Find(b); m != nil {
			hits++
			reasons = append(reasons, reason(ruleKerasLambda, finding.SeverityCritical, Dangerous,
				"A Keras config in the file declares a Lambda layer (%s), found by a byte scan; Keras 2 runs its code when the model is loaded.", m))
		}
	}
	if dense && hits == 0 {
		reasons = append(reasons, reason(ruleHDF5Unreadable, finding.SeverityLow, Suspicious,
			"The root group keeps its attributes in dense storage, which this scan does not read, so a Keras model config there was checked by bytes only."))
	}
	return reasons, err
}

// readH5RootAttrs reads the compact attributes of the root group. dense
// reports an attribute info message (attributes kept in a fractal heap).
func readH5RootAttrs(s *source, lim Limits) ([]h5Attr, bool, error) {
	h, root, err := readH5Superblock(s)
	if err != nil {
		return nil, false, err
	}
	var attrs []h5Attr
	dense := false
	err = h.eachMessage(root, func(typ int, data []byte) error {
		switch typ {
		case h5MsgAttributeInfo:
			dense = true
		case h5MsgAttribute:
			a, err := h.attribute(data, lim)
			if err != nil {
				return err
			}
			attrs = append(attrs, a)
		}
		return nil
	})
	return attrs, dense, err
}

func readH5Superblock(s *source) (*h5File, int64, error) {
	for off := int64(0); off+48 <= s.size; off = max(512, off*2) {
		b, err := s.at(off, 9)
		if err != nil {
			return nil, 0, err
		}
		if !bytes.Equal(b[:8], h5Signature) {
			continue
		}
		switch v := b[8]; v {
		case 0, 1:
			hdr, err := s.upTo(off, 24+4+4*8+2*8)
			if err != nil {
				return nil, 0, err
			}
			h := &h5File{s: s, so: int(hdr[13]), sl: int(hdr[14])}
			if err := h.checkSizes(); err != nil {
				return nil, 0, err
			}
			p := 24
			if v == 1 {
				p = 28
			}
			// base, free space, end of file, driver info, then the root
			// group's symbol table entry: link name offset, object header.
			need := p + 6*h.so
			hdr, err = s.at(off, int64(need))
			if err != nil {
				return nil, 0, err
			}
			h.base = int64(h.addr(hdr[p:]))
			root := int64(h.addr(hdr[p+5*h.so:]))
			return h, root, nil
		case 2, 3:
			hdr, err := s.at(off, 12)
			if err != nil {
				return nil, 0, err
			}
			h := &h5File{s: s, so: int(hdr[9]), sl: int(hdr[10])}
			if err := h.checkSizes(); err != nil {
				return nil, 0, err
			}
			hdr, err = s.at(off, int64(12+4*h.so))
			if err != nil {
				return nil, 0, err
			}
			h.base = int64(h.addr(hdr[12:]))
			root := int64(h.addr(hdr[12+3*h.so:]))
			return h, root, nil
		default:
			return nil, 0, fmt.Errorf("%w: superblock version %d", ErrMalformed, v)
		}
	}
	return nil, 0, fmt.Errorf("%w: no HDF5 superblock", ErrMalformed)
}

func (h *h5File) checkSizes() error {
	for _, n := range []int{h.so, h.sl} {
		if n != 2 && n != 4 && n != 8 {
			return fmt.Errorf("%w: HDF5 offset or length size %d", ErrMalformed, n)
		}
	}
	return nil
}

// addr reads an offset- or length-sized little-endian number.
func (h *h5File) addr(b []byte) uint64 { return h5uint(b, h.so) }

func h5uint(b []byte, n int) uint64 {
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// abs turns a file address into an offset of the source.
func (h *h5File) abs(a uint64) (int64, error) {
	if a == 1<<(8*h.so)-1 || a >= uint64(h.s.size) || int64(a)+h.base >= h.s.size {
		return 0, fmt.Errorf("%w: address %#x outside the file", ErrMalformed, a)
	}
	return int64(a) + h.base, nil
}

// eachMessage calls fn for every message of the object header at addr,
// following continuation blocks.
func (h *h5File) eachMessage(addr int64, fn func(typ int, data []byte) error) error {
	start, err := h.abs(uint64(addr))
	if err != nil {
		return err
	}
	sig, err := h.s.at(start, 4)
	if err != nil {
		return err
	}
	v2 := string(sig) == "OHDR"
	type block struct{ off, n int64 }
	var blocks []block
	creationOrder := false
	if v2 {
		b, err := h.s.at(start, 6+16+4+8)
		if err != nil {
			b, err = h.s.upTo(start, 6+16+4+8)
			if err != nil {
				return err
			}
		}
		if len(b) < 7 || b[4] != 2 {
			return fmt.Errorf("%w: object header version", ErrMalformed)
		}
		flags := b[5]
		creationOrder = flags&0x04 != 0
		p := 6
		if flags&0x20 != 0 {
			p += 16
		}
		if flags&0x10 != 0 {
			p += 4
		}
		w := 1 << (flags & 3)
		if p+w > len(b) {
			return fmt.Errorf("%w: object header cut", ErrMalformed)
		}
		n := int64(h5uint(b[p:], w))
		blocks = append(blocks, block{start + int64(p+w), n})
	} else {
		b, err := h.s.at(start, 16)
		if err != nil {
			return err
		}
		if b[0] != 1 {
			return fmt.Errorf("%w: object header version %d", ErrMalformed, b[0])
		}
		blocks = append(blocks, block{start + 16, int64(binary.LittleEndian.Uint32(b[8:]))})
	}
	msgs := 0
	for i := 0; i < len(blocks); i++ {
		if i >= h5MaxBlocks {
			return fmt.Errorf("%w: more than %d object header blocks", ErrLimit, h5MaxBlocks)
		}
		bl := blocks[i]
		if bl.n < 0 || bl.n > h.s.size {
			return fmt.Errorf("%w: object header block of %d bytes", ErrMalformed, bl.n)
		}
		raw, err := h.s.at(bl.off, bl.n)
		if err != nil {
			return err
		}
		data := bytes.Clone(raw)
		p := 0
		if v2 && i > 0 {
			if len(data) < 4 || string(data[:4]) != "OCHK" {
				return fmt.Errorf("%w: continuation block without OCHK", ErrMalformed)
			}
			p = 4
		}
		end := len(data)
		if v2 && i > 0 {
			end -= 4 // a continuation block ends in its checksum
		}
		hdrLen := 8
		if v2 {
			hdrLen = 4
			if creationOrder {
				hdrLen = 6
			}
		}
		for p+hdrLen <= end {
			if msgs++; msgs > h5MaxMessages {
				return fmt.Errorf("%w: more than %d header messages", ErrLimit, h5MaxMessages)
			}
			if err := h.s.step(); err != nil {
				return err
			}
			var typ, size int
			if v2 {
				typ, size = int(data[p]), int(binary.LittleEndian.Uint16(data[p+1:]))
			} else {
				typ, size = int(binary.LittleEndian.Uint16(data[p:])), int(binary.LittleEndian.Uint16(data[p+2:]))
			}
			p += hdrLen
			if p+size > end {
				return fmt.Errorf("%w: header message of %d bytes runs past its block", ErrMalformed, size)
			}
			body := data[p : p+size]
			p += size
			if typ == h5MsgContinuation {
				if len(body) < h.so+h.sl {
					return fmt.Errorf("%w: short continuation message", ErrMalformed)
				}
				off, err := h.abs(h.addr(body))
				if err != nil {
					return err
				}
				blocks = append(blocks, block{off, int64(h5uint(body[h.so:], h.sl))})
				continue
			}
			if err := fn(typ, body); err != nil {
				return err
			}
		}
	}
	return nil
}

// attribute decodes an attribute message (versions 1 to 3) and, for a
// string datatype, the first element of its value.
func (h *h5File) attribute(d []byte, lim Limits) (h5Attr, error) {
	if len(d) < 8 {
		return h5Attr{}, fmt.Errorf("%w: short attribute message", ErrMalformed)
	}
	ver, flags := d[0], d[1]
	nameLen := int(binary.LittleEndian.Uint16(d[2:]))
	dtLen := int(binary.LittleEndian.Uint16(d[4:]))
	dsLen := int(binary.LittleEndian.Uint16(d[6:]))
	p := 8
	pad := func(n int) int { return n }
	switch ver {
	case 1:
		flags = 0
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2:
	case 3:
		p = 9
	default:
		return h5Attr{}, fmt.Errorf("%w: attribute message version %d", ErrMalformed, ver)
	}
	if p+pad(nameLen)+pad(dtLen)+pad(dsLen) > len(d) {
		return h5Attr{}, fmt.Errorf("%w: attribute message fields run past it", ErrMalformed)
	}
	name := string(bytes.TrimRight(d[p:p+nameLen], "\x00"))
	p += pad(nameLen)
	dt := d[p : p+dtLen]
	p += pad(dtLen)
	ds := d[p : p+dsLen]
	p += pad(dsLen)
	value := d[p:]
	a := h5Attr{name: name}
	if flags&0x03 != 0 || len(dt) < 8 {
		return a, nil // shared datatype or dataspace: not a value read here
	}
	if n, ok := h.dataspaceCount(ds); !ok || n == 0 {
		return a, nil
	}
	class := dt[0] & 0x0f
	size := int(binary.LittleEndian.Uint32(dt[4:]))
	switch {
	case class == 3: // fixed-length string
		if size > len(value) {
			return a, fmt.Errorf("%w: attribute %q value shorter than its string", ErrMalformed, name)
		}
		a.value, a.isStr = value[:size], true
	case class == 9 && dt[1]&0x0f == 1: // variable-length string
		if len(value) < 4+h.so+4 {
			return a, fmt.Errorf("%w: attribute %q variable-length value cut", ErrMalformed, name)
		}
		n := int64(binary.LittleEndian.Uint32(value))
		heap := h.addr(value[4:])
		idx := binary.LittleEndian.Uint32(value[4+h.so:])
		if n > lim.MaxJSONBytes {
			return a, fmt.Errorf("%w: attribute %q of %d bytes", ErrLimit, name, n)
		}
		v, err := h.globalHeapObject(heap, idx, n)
		if err != nil {
			return a, fmt.Errorf("attribute %q: %w", name, err)
		}
		a.value, a.isStr = v, true
	}
	return a, nil
}

// dataspaceCount returns the number of elements of a dataspace message.
func (h *h5File) dataspaceCount(ds []byte) (uint64, bool) {
	if len(ds) < 4 {
		return 0, false
	}
	rank := int(ds[1])
	p := 8
	if ds[0] == 2 {
		p = 4
		if ds[3] == 2 { // null dataspace
			return 0, true
		}
	}
	if rank == 0 {
		return 1, true
	}
	if p+rank*h.sl > len(ds) {
		return 0, false
	}
	n := uint64(1)
	for i := 0; i < rank; i++ {
		d := h5uint(ds[p+i*h.sl:], h.sl)
		if d != 0 && n > (1<<40)/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// globalHeapObject reads object idx of the global heap collection at addr.
func (h *h5File) globalHeapObject(addr uint64, idx uint32, want int64) ([]byte, error) {
	off, err := h.abs(addr)
	if err != nil {
		return nil, err
	}
	hdr, err := h.s.at(off, int64(8+h.sl))
	if err != nil {
		return nil, err
	}
	if string(hdr[:4]) != "GCOL" {
		return nil, fmt.Errorf("%w: no global heap collection at %#x", ErrMalformed, addr)
	}
	collSize := int64(h5uint(hdr[8:], h.sl))
	if collSize < int64(8+h.sl) || collSize > h.s.size-off {
		return nil, fmt.Errorf("%w: global heap collection of %d bytes", ErrMalformed, collSize)
	}
	p := off + int64(8+h.sl)
	end := off + collSize
	objHdr := int64(8 + h.sl)
	for p+objHdr <= end {
		if err := h.s.step(); err != nil {
			return nil, err
		}
		oh, err := h.s.at(p, objHdr)
		if err != nil {
			return nil, err
		}
		i := binary.LittleEndian.Uint16(oh)
		size := int64(h5uint(oh[8:], h.sl))
		if size < 0 || size > end-p-objHdr {
			return nil, fmt.Errorf("%w: global heap object of %d bytes runs past its collection", ErrMalformed, size)
		}
		if i == 0 {
			break // free space
		}
		if uint32(i) == idx {
			if want > size {
				return nil, fmt.Errorf("%w: string of %d bytes in a heap object of %d", ErrMalformed, want, size)
			}
			b, err := h.s.at(p+objHdr, want)
			if err != nil {
				return nil, err
			}
			return bytes.Clone(b), nil
		}
		p += objHdr + (size+7)&^7
	}
	return nil, fmt.Errorf("%w: global heap object %d not found", ErrMalformed, idx)
}
