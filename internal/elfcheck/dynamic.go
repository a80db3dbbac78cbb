package elfcheck

import (
	"bytes"
	"debug/elf"
)

// Caps on structures that Limits do not cover, sized far above real files.
const (
	maxNeeded     = 1024 // DT_NEEDED entries
	maxSymbolName = 4096 // bytes of one symbol name
)

// dynamicInfo is what the dynamic section says.
type dynamicInfo struct {
	found   bool
	needed  []uint64 // DT_NEEDED string table offsets
	strtab  uint64   // DT_STRTAB address
	strsz   uint64   // DT_STRSZ
	symtab  uint64   // DT_SYMTAB address
	hash    uint64   // DT_HASH address
	gnuHash uint64   // DT_GNU_HASH address
	flags   uint64   // DT_FLAGS
	flags1  uint64   // DT_FLAGS_1
	bindNow bool     // DT_BIND_NOW
	textRel bool     // DT_TEXTREL
	has     map[elf.DynTag]bool
}

// readDynamic decodes the dynamic section: from the PT_DYNAMIC segment,
// which is what the loader reads, or else from the SHT_DYNAMIC section.
func (f *file) readDynamic(in *Info) dynamicInfo {
	d := dynamicInfo{has: map[elf.DynTag]bool{}}
	var b []byte
	if p := f.progByType(elf.PT_DYNAMIC); p != nil {
		var err error
		if b, err = f.segmentData(p); err != nil {
			in.warnf("dynamic segment: %v", err)
			b = nil
		}
	}
	if b == nil {
		if s := f.sectionByType(elf.SHT_DYNAMIC); s != nil {
			var err error
			if b, err = f.sectionData(s); err != nil {
				in.warnf("dynamic section: %v", err)
				b = nil
			}
		}
	}
	if b == nil {
		return d
	}
	d.found = true
	entSize := 16
	if f.class == 32 {
		entSize = 8
	}
	for off := 0; off+entSize <= len(b); off += entSize {
		var tag elf.DynTag
		var val uint64
		if f.class == 32 {
			tag = elf.DynTag(int32(f.bo.Uint32(b[off:])))
			val = uint64(f.bo.Uint32(b[off+4:]))
		} else {
			tag = elf.DynTag(int64(f.bo.Uint64(b[off:])))
			val = f.bo.Uint64(b[off+8:])
		}
		if tag == elf.DT_NULL {
			break
		}
		d.has[tag] = true
		switch tag {
		case elf.DT_NEEDED:
			if len(d.needed) < maxNeeded {
				d.needed = append(d.needed, val)
			}
		case elf.DT_STRTAB:
			d.strtab = val
		case elf.DT_STRSZ:
			d.strsz = val
		case elf.DT_SYMTAB:
			d.symtab = val
		case elf.DT_HASH:
			d.hash = val
		case elf.DT_GNU_HASH:
			d.gnuHash = val
		case elf.DT_FLAGS:
			d.flags |= val
		case elf.DT_FLAGS_1:
			d.flags1 |= val
		case elf.DT_BIND_NOW:
			d.bindNow = true
		case elf.DT_TEXTREL:
			d.textRel = true
		}
	}
	return d
}

// dynamicStrings returns the dynamic string table: the one DT_STRTAB points
// to, or else the string table linked from the dynamic or dynamic symbol
// section.
func (f *file) dynamicStrings(d dynamicInfo) []byte {
	if d.has[elf.DT_STRTAB] && d.strsz > 0 {
		if b, ok := f.bytesAtAddr(d.strtab, d.strsz); ok {
			return b
		}
	}
	for _, t := range []elf.SectionType{elf.SHT_DYNAMIC, elf.SHT_DYNSYM} {
		if s := f.sectionByType(t); s != nil {
			if b, ok := f.linkedStrings(s); ok {
				return b
			}
		}
	}
	return nil
}

// linkedStrings returns the string table section that s links to.
func (f *file) linkedStrings(s *elf.SectionHeader) ([]byte, bool) {
	if int(s.Link) <= 0 || int(s.Link) >= len(f.sections) {
		return nil, false
	}
	t := &f.sections[s.Link]
	if t.Type != elf.SHT_STRTAB {
		return nil, false
	}
	b, err := f.sectionData(t)
	return b, err == nil
}

// cString returns the NUL-terminated string at off of tab, or false when off
// is outside tab or the string is empty or implausibly long.
func cString(tab []byte, off uint64) ([]byte, bool) {
	if off >= uint64(len(tab)) {
		return nil, false
	}
	b := tab[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 || len(b) > maxSymbolName {
		return nil, false
	}
	return b, true
}

// symbol is one entry of the dynamic symbol table.
type symbol struct {
	name  []byte
	info  byte
	other byte
	shndx elf.SectionIndex
}

// dynamicSymbols calls visit for every named dynamic symbol: from the
// SHT_DYNSYM section, or else from DT_SYMTAB with the count given by the
// hash tables (for files whose section headers were removed).
func (f *file) dynamicSymbols(d dynamicInfo, in *Info, visit func(symbol)) {
	entSize := uint64(24)
	if f.class == 32 {
		entSize = 16
	}
	var table, strtab []byte
	if s := f.sectionByType(elf.SHT_DYNSYM); s != nil {
		b, err := f.sectionData(s)
		if err != nil {
			in.warnf("dynamic symbols: %v", err)
		} else if st, ok := f.linkedStrings(s); !ok {
			in.warnf("dynamic symbols: no string table linked")
		} else {
			table, strtab = b, st
		}
	}
	if table == nil && d.has[elf.DT_SYMTAB] {
		n, ok := f.symbolCount(d)
		if !ok {
			in.warnf("dynamic symbols: no usable hash table to count them")
			return
		}
		b, ok := f.bytesAtAddr(d.symtab, n*entSize)
		if !ok {
			in.warnf("dynamic symbols: table outside the file")
			return
		}
		table, strtab = b, f.dynamicStrings(d)
	}
	// Entry 0 is reserved (STN_UNDEF).
	for off := entSize; off+entSize <= uint64(len(table)); off += entSize {
		e := table[off:]
		var s symbol
		var nameOff uint64
		if f.class == 32 {
			nameOff = uint64(f.bo.Uint32(e))
			s.info, s.other = e[12], e[13]
			s.shndx = elf.SectionIndex(f.bo.Uint16(e[14:]))
		} else {
			nameOff = uint64(f.bo.Uint32(e))
			s.info, s.other = e[4], e[5]
			s.shndx = elf.SectionIndex(f.bo.Uint16(e[6:]))
		}
		name, ok := cString(strtab, nameOff)
		if !ok {
			continue
		}
		s.name = name
		visit(s)
	}
}

// symbolCount derives the number of dynamic symbols from DT_HASH (its
// nchain) or DT_GNU_HASH (the end of the longest chain).
func (f *file) symbolCount(d dynamicInfo) (uint64, bool) {
	limit := uint64(len(f.data)) / 16 // no more symbols than the file holds
	if d.has[elf.DT_HASH] {
		if b, ok := f.bytesAtAddr(d.hash, 8); ok {
			n := uint64(f.bo.Uint32(b[4:]))
			return n, n <= limit
		}
	}
	if !d.has[elf.DT_GNU_HASH] {
		return 0, false
	}
	hdr, ok := f.bytesAtAddr(d.gnuHash, 16)
	if !ok {
		return 0, false
	}
	nbuckets := uint64(f.bo.Uint32(hdr))
	symoffset := uint64(f.bo.Uint32(hdr[4:]))
	bloomSize := uint64(f.bo.Uint32(hdr[8:]))
	word := uint64(f.class / 8)
	if nbuckets > limit || bloomSize > limit {
		return 0, false
	}
	bucketsAddr := d.gnuHash + 16 + bloomSize*word
	buckets, ok := f.bytesAtAddr(bucketsAddr, nbuckets*4)
	if !ok {
		return 0, false
	}
	var last uint64
	for i := uint64(0); i < nbuckets; i++ {
		last = max(last, uint64(f.bo.Uint32(buckets[i*4:])))
	}
	if last < symoffset {
		return symoffset, symoffset <= limit
	}
	chains, ok := f.segmentRest(bucketsAddr + nbuckets*4)
	if !ok {
		return 0, false
	}
	for i := last; i-symoffset < uint64(len(chains))/4; i++ {
		if f.bo.Uint32(chains[(i-symoffset)*4:])&1 != 0 {
			return i + 1, i < limit
		}
	}
	return 0, false
}
