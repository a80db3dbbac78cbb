package elfcheck

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// errELFPanic marks a panic recovered inside debug/elf. The explicit checks
// of checkHeaders are meant to make it unreachable; the fuzz target fails
// when it is not.
var errELFPanic = errors.New("debug/elf panicked")

// Sizes of the ELF headers per class.
const (
	ehdr32Size = 52
	ehdr64Size = 64
	phdr32Size = 32
	phdr64Size = 56
	shdr32Size = 40
	shdr64Size = 64
)

// file is the validated view of an ELF file that the checks work on: the
// program and section headers, with every offset still to be checked
// against data by bytesAt before it is read.
type file struct {
	data     []byte
	bo       binary.ByteOrder
	class    int
	typ      elf.Type
	machine  elf.Machine
	progs    []elf.ProgHeader
	sections []elf.SectionHeader
}

// rawHeader is the part of the ELF header that bounds what debug/elf reads.
type rawHeader struct {
	class     int
	bo        binary.ByteOrder
	phoff     uint64
	phentsize uint64
	phnum     uint64
	shoff     uint64
	shentsize uint64
	shnum     uint64
	shstrndx  uint64
}

// checkHeaders validates, against the size of data, every header that
// elf.NewFile reads: the program header table, the section header table
// (with the extended numbering of section 0) and the section name string
// table, which NewFile loads (and would decompress) itself.
func checkHeaders(data []byte) (rawHeader, error) {
	var h rawHeader
	if !bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		return h, ErrNotELF
	}
	if len(data) < elf.EI_NIDENT {
		return h, formatErr("identification truncated")
	}
	switch elf.Class(data[elf.EI_CLASS]) {
	case elf.ELFCLASS32:
		h.class = 32
	case elf.ELFCLASS64:
		h.class = 64
	default:
		return h, formatErr("unknown class %d", data[elf.EI_CLASS])
	}
	switch elf.Data(data[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		h.bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		h.bo = binary.BigEndian
	default:
		return h, formatErr("unknown data encoding %d", data[elf.EI_DATA])
	}
	if elf.Version(data[elf.EI_VERSION]) != elf.EV_CURRENT {
		return h, formatErr("unknown version %d", data[elf.EI_VERSION])
	}
	bo := h.bo
	var wantPh, wantSh uint64
	if h.class == 32 {
		if len(data) < ehdr32Size {
			return h, formatErr("header truncated")
		}
		h.phoff = uint64(bo.Uint32(data[28:]))
		h.shoff = uint64(bo.Uint32(data[32:]))
		h.phentsize = uint64(bo.Uint16(data[42:]))
		h.phnum = uint64(bo.Uint16(data[44:]))
		h.shentsize = uint64(bo.Uint16(data[46:]))
		h.shnum = uint64(bo.Uint16(data[48:]))
		h.shstrndx = uint64(bo.Uint16(data[50:]))
		wantPh, wantSh = phdr32Size, shdr32Size
	} else {
		if len(data) < ehdr64Size {
			return h, formatErr("header truncated")
		}
		h.phoff = bo.Uint64(data[32:])
		h.shoff = bo.Uint64(data[40:])
		h.phentsize = uint64(bo.Uint16(data[54:]))
		h.phnum = uint64(bo.Uint16(data[56:]))
		h.shentsize = uint64(bo.Uint16(data[58:]))
		h.shnum = uint64(bo.Uint16(data[60:]))
		h.shstrndx = uint64(bo.Uint16(data[62:]))
		wantPh, wantSh = phdr64Size, shdr64Size
	}
	size := uint64(len(data))

	if h.phnum > 0 {
		if h.phentsize < wantPh {
			return h, formatErr("program header entry size %d", h.phentsize)
		}
		if !fits(h.phoff, h.phnum*h.phentsize, size) {
			return h, formatErr("program header table (%d entries at %#x) outside the file", h.phnum, h.phoff)
		}
	}

	if h.shoff == 0 {
		if h.shnum != 0 {
			return h, formatErr("%d section headers at offset 0", h.shnum)
		}
		return h, nil
	}
	if h.shentsize < wantSh {
		return h, formatErr("section header entry size %d", h.shentsize)
	}
	if !fits(h.shoff, wantSh, size) {
		return h, formatErr("section header table at %#x outside the file", h.shoff)
	}
	if h.shnum == 0 || h.shstrndx == uint64(elf.SHN_XINDEX) {
		// Extended numbering: section 0 holds the real count in sh_size
		// and the real name table index in sh_link.
		s0 := readSectionHeader(data[h.shoff:], h.class, bo)
		if s0.Type != elf.SHT_NULL {
			return h, formatErr("section 0 has type %v", s0.Type)
		}
		if h.shnum == 0 {
			if s0.Size < uint64(elf.SHN_LORESERVE) {
				return h, formatErr("extended section count %d", s0.Size)
			}
			h.shnum = s0.Size
		}
		if h.shstrndx == uint64(elf.SHN_XINDEX) {
			h.shstrndx = uint64(s0.Link)
			if h.shstrndx < uint64(elf.SHN_LORESERVE) {
				return h, formatErr("extended section name table index %d", h.shstrndx)
			}
		}
	}
	if h.shnum > size/h.shentsize || !fits(h.shoff, h.shnum*h.shentsize, size) {
		return h, formatErr("section header table (%d entries at %#x) outside the file", h.shnum, h.shoff)
	}
	if h.shstrndx >= h.shnum {
		return h, formatErr("section name table index %d of %d sections", h.shstrndx, h.shnum)
	}
	if h.shstrndx != 0 {
		s := readSectionHeader(data[h.shoff+h.shstrndx*h.shentsize:], h.class, bo)
		if s.Type != elf.SHT_STRTAB {
			return h, formatErr("section name table has type %v", s.Type)
		}
		if s.Flags&elf.SHF_COMPRESSED != 0 {
			return h, formatErr("compressed section name table")
		}
		if !fits(s.Offset, s.Size, size) {
			return h, formatErr("section name table outside the file")
		}
	}
	return h, nil
}

// readSectionHeader decodes the fields of one section header that
// checkHeaders needs. b holds at least one header of the class.
func readSectionHeader(b []byte, class int, bo binary.ByteOrder) elf.SectionHeader {
	if class == 32 {
		return elf.SectionHeader{
			Type:   elf.SectionType(bo.Uint32(b[4:])),
			Flags:  elf.SectionFlag(bo.Uint32(b[8:])),
			Offset: uint64(bo.Uint32(b[16:])),
			Size:   uint64(bo.Uint32(b[20:])),
			Link:   bo.Uint32(b[24:]),
		}
	}
	return elf.SectionHeader{
		Type:   elf.SectionType(bo.Uint32(b[4:])),
		Flags:  elf.SectionFlag(bo.Uint64(b[8:])),
		Offset: bo.Uint64(b[24:]),
		Size:   bo.Uint64(b[32:]),
		Link:   bo.Uint32(b[40:]),
	}
}

// fits reports whether [off, off+n) lies within a file of size bytes,
// without overflow.
func fits(off, n, size uint64) bool {
	return off <= size && n <= size-off
}

// parse validates the headers of data and decodes them with debug/elf.
func parse(data []byte) (*file, error) {
	h, err := checkHeaders(data)
	if err != nil {
		return nil, err
	}
	ef, err := newELFFile(data)
	if err != nil {
		return nil, err
	}
	f := &file{
		data:    data,
		bo:      h.bo,
		class:   h.class,
		typ:     ef.Type,
		machine: ef.Machine,
	}
	f.progs = make([]elf.ProgHeader, 0, len(ef.Progs))
	for _, p := range ef.Progs {
		f.progs = append(f.progs, p.ProgHeader)
	}
	f.sections = make([]elf.SectionHeader, 0, len(ef.Sections))
	for _, s := range ef.Sections {
		f.sections = append(f.sections, s.SectionHeader)
	}
	return f, nil
}

// newELFFile is the one call into debug/elf. checkHeaders has bounded what
// it reads; a panic that still escapes it becomes an error wrapping
// errELFPanic rather than a crash of the scanner.
func newELFFile(data []byte) (ef *elf.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			ef, err = nil, fmt.Errorf("%w: %w: %v", ErrFormat, errELFPanic, r)
		}
	}()
	ef, err = elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return ef, nil
}

// bytesAt returns data[off:off+n] when that range lies within the file.
func (f *file) bytesAt(off, n uint64) ([]byte, bool) {
	if !fits(off, n, uint64(len(f.data))) {
		return nil, false
	}
	return f.data[off : off+n], true
}

// sectionData returns the bytes of a section that occupies space in the
// file and is not compressed.
func (f *file) sectionData(s *elf.SectionHeader) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	if s.Flags&elf.SHF_COMPRESSED != 0 {
		return nil, fmt.Errorf("section %s: compressed sections are not read", s.Name)
	}
	b, ok := f.bytesAt(s.Offset, s.FileSize)
	if !ok {
		return nil, fmt.Errorf("section %s: %d bytes at %#x outside the file", s.Name, s.FileSize, s.Offset)
	}
	return b, nil
}

// segmentData returns the file bytes of a program header.
func (f *file) segmentData(p *elf.ProgHeader) ([]byte, error) {
	b, ok := f.bytesAt(p.Off, p.Filesz)
	if !ok {
		return nil, fmt.Errorf("segment %v: %d bytes at %#x outside the file", p.Type, p.Filesz, p.Off)
	}
	return b, nil
}

// sectionByType returns the first section of type t.
func (f *file) sectionByType(t elf.SectionType) *elf.SectionHeader {
	for i := range f.sections {
		if f.sections[i].Type == t {
			return &f.sections[i]
		}
	}
	return nil
}

// progByType returns the first program header of type t.
func (f *file) progByType(t elf.ProgType) *elf.ProgHeader {
	for i := range f.progs {
		if f.progs[i].Type == t {
			return &f.progs[i]
		}
	}
	return nil
}

// addrToOffset maps a virtual address to its file offset through the
// PT_LOAD segments, as the loader would.
func (f *file) addrToOffset(addr uint64) (uint64, bool) {
	for i := range f.progs {
		p := &f.progs[i]
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr-p.Vaddr >= p.Filesz {
			continue
		}
		return p.Off + (addr - p.Vaddr), true
	}
	return 0, false
}

// bytesAtAddr returns the n bytes of the file mapped at virtual address
// addr, when they lie within the file.
func (f *file) bytesAtAddr(addr, n uint64) ([]byte, bool) {
	off, ok := f.addrToOffset(addr)
	if !ok {
		return nil, false
	}
	return f.bytesAt(off, n)
}

// segmentRest returns the file bytes of the PT_LOAD segment that maps addr,
// from addr to the end of the segment's file part.
func (f *file) segmentRest(addr uint64) ([]byte, bool) {
	for i := range f.progs {
		p := &f.progs[i]
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr-p.Vaddr >= p.Filesz {
			continue
		}
		return f.bytesAt(p.Off+(addr-p.Vaddr), p.Filesz-(addr-p.Vaddr))
	}
	return nil, false
}
