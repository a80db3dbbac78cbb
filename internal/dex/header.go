package dex

import (
	"bytes"
	"fmt"
	"hash/adler32"
)

const (
	headerSize     = 0x70
	headerSizeV41  = 0x78 // version 041 adds container_size and header_offset
	endianConstant = 0x12345678
	reverseEndian  = 0x78563412
	noIndex        = 0xffffffff
)

// header holds the fields of header_item that Parse uses.
type header struct {
	version                  string
	checksum                 uint32
	fileSize                 uint32
	mapOff                   uint32
	stringIDsSize, stringIDs uint32
	typeIDsSize, typeIDs     uint32
	protoIDsSize, protoIDs   uint32
	fieldIDsSize, fieldIDs   uint32
	methodIDsSize, methodIDs uint32
	classDefsSize, classDefs uint32
	containerSize            uint32 // version 041 only
}

// parseHeader checks the magic, version, byte order and sizes of b's
// header, and returns it with the part of b the file's offsets refer to.
func parseHeader(b []byte) (header, []byte, []string, error) {
	var h header
	var warn []string
	if len(b) >= 4 && string(b[:4]) == "cdex" {
		return h, nil, nil, fmt.Errorf("%w: compact DEX (cdex) is not supported", ErrUnsupported)
	}
	if len(b) < 8 || string(b[:4]) != "dex\n" || b[7] != 0 {
		return h, nil, nil, ErrNotDex
	}
	v := b[4:7]
	if !isDigits(v) {
		return h, nil, nil, ErrNotDex
	}
	h.version = string(v)
	if h.version < "035" || h.version > "041" {
		return h, nil, nil, fmt.Errorf("%w: version %q (want 035 to 041)", ErrUnsupported, h.version)
	}
	if len(b) < headerSize {
		return h, nil, nil, formatErr("header: %v", errTruncated)
	}
	switch tag := u32(b, 0x28); tag {
	case endianConstant:
	case reverseEndian:
		return h, nil, nil, fmt.Errorf("%w: big-endian byte order", ErrUnsupported)
	default:
		return h, nil, nil, formatErr("header: endian tag 0x%08x", tag)
	}
	hsize := u32(b, 0x24)
	switch {
	case hsize == headerSize:
	case hsize == headerSizeV41 && h.version >= "041":
		if len(b) < headerSizeV41 {
			return h, nil, nil, formatErr("header: %v", errTruncated)
		}
		h.containerSize = u32(b, 0x70)
		if off := u32(b, 0x74); off != 0 {
			return h, nil, nil, formatErr("header: header_offset %d of the first header is not 0", off)
		}
	default:
		return h, nil, nil, formatErr("header: header_size %d", hsize)
	}
	h.checksum = u32(b, 0x08)
	h.fileSize = u32(b, 0x20)
	h.mapOff = u32(b, 0x34)
	h.stringIDsSize, h.stringIDs = u32(b, 0x38), u32(b, 0x3c)
	h.typeIDsSize, h.typeIDs = u32(b, 0x40), u32(b, 0x44)
	h.protoIDsSize, h.protoIDs = u32(b, 0x48), u32(b, 0x4c)
	h.fieldIDsSize, h.fieldIDs = u32(b, 0x50), u32(b, 0x54)
	h.methodIDsSize, h.methodIDs = u32(b, 0x58), u32(b, 0x5c)
	h.classDefsSize, h.classDefs = u32(b, 0x60), u32(b, 0x64)

	if uint64(h.fileSize) > uint64(len(b)) {
		return h, nil, nil, formatErr("header: file_size %d but %d bytes: %v", h.fileSize, len(b), errTruncated)
	}
	if h.fileSize < hsize {
		return h, nil, nil, formatErr("header: file_size %d smaller than the header", h.fileSize)
	}
	// Offsets of a version 041 container are relative to the container,
	// which may hold more DEX files after this one; only the first is read.
	view := b[:h.fileSize]
	if h.containerSize != 0 {
		if uint64(h.containerSize) > uint64(len(b)) || h.containerSize < h.fileSize {
			return h, nil, nil, formatErr("header: container_size %d with %d bytes", h.containerSize, len(b))
		}
		view = b[:h.containerSize]
		if h.containerSize > h.fileSize {
			warn = append(warn, "container holds more than one DEX file; only the first is read")
		}
	}
	if len(view) < len(b) {
		warn = append(warn, fmt.Sprintf("%d bytes after the end of the file ignored", len(b)-len(view)))
	}
	if sum := adler32.Checksum(b[12:h.fileSize]); sum != h.checksum {
		warn = append(warn, fmt.Sprintf("checksum mismatch: header 0x%08x, computed 0x%08x", h.checksum, sum))
	}
	return h, view, warn, nil
}

func isDigits(b []byte) bool {
	return len(b) > 0 && len(bytes.TrimLeft(b, "0123456789")) == 0
}
