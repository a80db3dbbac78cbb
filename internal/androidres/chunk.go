// Package androidres decodes Android's compiled resource formats: binary XML
// documents (AndroidManifest.xml, res/xml/*.xml; "AXML") and the resource
// table (resources.arsc). Both readers are bounded by the input: every
// count, offset and length is checked against the bytes that hold it before
// anything is allocated, so hostile input ends in an error, never a panic
// or a large allocation.
//
// Attribute values are read the way the Android runtime reads them: the
// typed value wins over the raw string, and attribute names are resolved
// through the resource map, so that renamed attributes (a common
// obfuscation) are still recognized.
package androidres

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrFormat wraps every structural error of the binary formats.
var ErrFormat = errors.New("malformed android resource")

// Chunk types of the resource formats (frameworks/base ResourceTypes.h).
const (
	chunkNull           = 0x0000
	chunkStringPool     = 0x0001
	chunkTable          = 0x0002
	chunkXML            = 0x0003
	chunkXMLStartNS     = 0x0100
	chunkXMLEndNS       = 0x0101
	chunkXMLStartElem   = 0x0102
	chunkXMLEndElem     = 0x0103
	chunkXMLCData       = 0x0104
	chunkXMLResourceMap = 0x0180
	chunkTablePackage   = 0x0200
	chunkTableType      = 0x0201
	chunkTableTypeSpec  = 0x0202
	chunkTableLibrary   = 0x0203
)

// chunk is one header-delimited region of a resource file.
type chunk struct {
	typ        uint16
	headerSize int
	size       int
	data       []byte // the whole chunk, header included
	offset     int    // offset of the chunk in its parent, for messages
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// readChunk reads the chunk at off of b, checking sizes against b.
func readChunk(b []byte, off int) (chunk, error) {
	if off < 0 || len(b)-off < 8 {
		return chunk{}, formatErr("chunk header at %d: truncated", off)
	}
	typ := binary.LittleEndian.Uint16(b[off:])
	hs := int(binary.LittleEndian.Uint16(b[off+2:]))
	size := int64(binary.LittleEndian.Uint32(b[off+4:]))
	if hs < 8 {
		return chunk{}, formatErr("chunk 0x%04x at %d: header size %d below 8", typ, off, hs)
	}
	if size < int64(hs) {
		return chunk{}, formatErr("chunk 0x%04x at %d: size %d below header size %d", typ, off, size, hs)
	}
	if size > int64(len(b)-off) {
		return chunk{}, formatErr("chunk 0x%04x at %d: size %d past end of data (%d bytes left)", typ, off, size, len(b)-off)
	}
	return chunk{typ: typ, headerSize: hs, size: int(size), data: b[off : off+int(size)], offset: off}, nil
}

// children returns the chunks that follow the header of c, up to max.
func (c chunk) children(max int) ([]chunk, error) {
	var out []chunk
	for off := c.headerSize; off < c.size; {
		if len(out) >= max {
			return nil, formatErr("more than %d chunks", max)
		}
		ch, err := readChunk(c.data, off)
		if err != nil {
			return nil, err
		}
		ch.offset += c.offset
		out = append(out, ch)
		off += ch.size
	}
	return out, nil
}

func u16(b []byte, off int) (uint16, bool) {
	if off < 0 || off+2 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b[off:]), true
}

func u32(b []byte, off int) (uint32, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[off:]), true
}
