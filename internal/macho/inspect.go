package macho

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Magic numbers, as the first four bytes read big-endian.
const (
	magic32BE  = 0xfeedface // 32-bit, big-endian file
	magic64BE  = 0xfeedfacf // 64-bit, big-endian file
	magic32LE  = 0xcefaedfe // 32-bit, little-endian file
	magic64LE  = 0xcffaedfe // 64-bit, little-endian file
	fatMagic   = 0xcafebabe // fat header with 32-bit offsets
	fatMagic64 = 0xcafebabf // fat header with 64-bit offsets
)

// Sizes of fixed structures.
const (
	header32Size  = 28
	header64Size  = 32
	fatArchSize   = 20
	fatArch64Size = 32
	segment32Size = 56
	segment64Size = 72
	section32Size = 68
	section64Size = 80
	nlist32Size   = 12
	nlist64Size   = 16
)

// Caps on structures that Limits do not cover, sized far above real files.
const (
	// maxFatArches is the largest nfat_arch taken for a fat file; above
	// it, 0xcafebabe starts a Java class file (whose major version, 45 or
	// more, sits where nfat_arch would).
	maxFatArches  = 16
	maxCommands   = 1 << 16 // load commands of one slice
	maxLibraries  = 4096    // entries of Libraries
	maxRPaths     = 1024    // entries of RPaths
	maxSymbolName = 4096    // bytes of one symbol name
	maxPathLen    = 4096    // bytes of one library or rpath
	// maxSections is what a symbol's one-byte n_sect can number; ld64
	// writes no more.
	maxSections = 255
)

// Load command numbers.
const (
	lcReqDyld           = 0x80000000
	lcSegment           = 0x1
	lcSymtab            = 0x2
	lcLoadDylib         = 0xc
	lcLoadWeakDylib     = 0x18 | lcReqDyld
	lcSegment64         = 0x19
	lcRPath             = 0x1c | lcReqDyld
	lcCodeSignature     = 0x1d
	lcReexportDylib     = 0x1f | lcReqDyld
	lcLazyLoadDylib     = 0x20
	lcEncryptionInfo    = 0x21
	lcLoadUpwardDylib   = 0x23 | lcReqDyld
	lcVersionMinMacOSX  = 0x24
	lcVersionMinIPhone  = 0x25
	lcEncryptionInfo64  = 0x2c
	lcVersionMinTVOS    = 0x2f
	lcVersionMinWatchOS = 0x30
	lcBuildVersion      = 0x32
)

// Header flags and symbol table bits.
const (
	mhPIE = 0x200000

	nStab = 0xe0
	nType = 0x0e
	nExt  = 0x01
	nUndf = 0x0
	nPbud = 0xc

	sectionTypeMask = 0xff
	sZerofill       = 0x1
	sGBZerofill     = 0xc
	sTLVZerofill    = 0x12
)

// IsMachO reports whether head, the first bytes of a file (8 suffice),
// starts a Mach-O file: a thin file of either width and byte order, or a
// fat file (0xcafebabe or 0xcafebabf) with 1 to 16 architectures.
func IsMachO(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch binary.BigEndian.Uint32(head) {
	case magic32BE, magic64BE, magic32LE, magic64LE:
		return true
	case fatMagic, fatMagic64:
		if len(head) < 8 {
			return false
		}
		n := binary.BigEndian.Uint32(head[4:])
		return n >= 1 && n <= maxFatArches
	}
	return false
}

// Inspect reports the properties of every architecture slice of the
// Mach-O file in data. It fails with ErrNotMachO, ErrTooLarge, or an error
// wrapping ErrFormat when the headers or load commands cannot be trusted
// (in a fat file: when no slice can be read; a slice that cannot be read
// while others can has its Arch.Err set). Problems further in (a symbol
// table or code signature outside the file) become Arch.Warnings and the
// properties that depend on them stay empty.
func Inspect(data []byte, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), lim.MaxSize)
	}
	if !IsMachO(data) {
		return nil, ErrNotMachO
	}
	switch binary.BigEndian.Uint32(data) {
	case fatMagic, fatMagic64:
		f, err := inspectFat(data, lim)
		if err != nil {
			return nil, fmt.Errorf("inspect mach-o: %w", err)
		}
		return f, nil
	}
	a, err := inspectSlice(data, lim)
	if err != nil {
		return nil, fmt.Errorf("inspect mach-o: %w", err)
	}
	return &File{Arches: []Arch{*a}}, nil
}

// fatEntry is one architecture of a fat header.
type fatEntry struct {
	cputype, cpusubtype uint32
	offset, size        uint64
}

// inspectFat reads the fat header and then every slice it names.
func inspectFat(data []byte, lim Limits) (*File, error) {
	entSize := uint64(fatArchSize)
	is64 := binary.BigEndian.Uint32(data) == fatMagic64
	if is64 {
		entSize = fatArch64Size
	}
	n := uint64(binary.BigEndian.Uint32(data[4:]))
	if !fits(8, n*entSize, uint64(len(data))) {
		return nil, formatErr("fat header with %d architectures truncated", n)
	}
	entries := make([]fatEntry, 0, n)
	for i := range n {
		e := data[8+i*entSize:]
		fe := fatEntry{cputype: binary.BigEndian.Uint32(e), cpusubtype: binary.BigEndian.Uint32(e[4:])}
		if is64 {
			fe.offset, fe.size = binary.BigEndian.Uint64(e[8:]), binary.BigEndian.Uint64(e[16:])
		} else {
			fe.offset, fe.size = uint64(binary.BigEndian.Uint32(e[8:])), uint64(binary.BigEndian.Uint32(e[12:]))
		}
		entries = append(entries, fe)
	}
	f := &File{Fat: true, Arches: make([]Arch, 0, n)}
	var firstErr error
	for i, fe := range entries {
		a, err := inspectFatSlice(data, fe, lim)
		if err != nil {
			err = fmt.Errorf("architecture %d (%s): %w", i, cpuName(fe.cputype, fe.cpusubtype), err)
			if firstErr == nil {
				firstErr = err
			}
			a = &Arch{CPU: cpuName(fe.cputype, fe.cpusubtype), Err: err.Error()}
		}
		f.Arches = append(f.Arches, *a)
	}
	for _, a := range f.Arches {
		if a.Err == "" {
			return f, nil
		}
	}
	return nil, firstErr
}

func inspectFatSlice(data []byte, fe fatEntry, lim Limits) (*Arch, error) {
	if fe.offset < 8 || !fits(fe.offset, fe.size, uint64(len(data))) {
		return nil, formatErr("%d bytes at %#x outside the file", fe.size, fe.offset)
	}
	b := data[fe.offset : fe.offset+fe.size]
	if len(b) >= 4 {
		if m := binary.BigEndian.Uint32(b); m == fatMagic || m == fatMagic64 {
			return nil, formatErr("fat file nested in a fat file")
		}
	}
	a, err := inspectSlice(b, lim)
	if err != nil {
		return nil, err
	}
	if cpuName(fe.cputype, fe.cpusubtype) != a.CPU {
		a.warnf("fat header names %s, slice header %s", cpuName(fe.cputype, fe.cpusubtype), a.CPU)
	}
	return a, nil
}

// slice is one validated thin Mach-O image.
type slice struct {
	data     []byte
	bo       binary.ByteOrder
	is64     bool
	sections []section
	symtab   *symtabCommand
	codeSig  *linkeditData
}

// section is one section header; offset and size are still to be checked
// against the data.
type section struct {
	seg, name    string
	offset, size uint64
	flags        uint32
}

type symtabCommand struct{ symoff, nsyms, stroff, strsize uint64 }

type linkeditData struct{ off, size uint64 }

// inspectSlice reads one thin Mach-O image.
func inspectSlice(data []byte, lim Limits) (*Arch, error) {
	s := &slice{data: data}
	if len(data) < 4 {
		return nil, formatErr("header truncated")
	}
	switch binary.BigEndian.Uint32(data) {
	case magic32BE:
		s.bo = binary.BigEndian
	case magic64BE:
		s.bo, s.is64 = binary.BigEndian, true
	case magic32LE:
		s.bo = binary.LittleEndian
	case magic64LE:
		s.bo, s.is64 = binary.LittleEndian, true
	default:
		return nil, formatErr("bad magic %#x", binary.BigEndian.Uint32(data))
	}
	hdrSize := uint64(header32Size)
	a := &Arch{Bits: 32}
	if s.is64 {
		hdrSize, a.Bits = header64Size, 64
	}
	if uint64(len(data)) < hdrSize {
		return nil, formatErr("header truncated")
	}
	bo := s.bo
	cputype, cpusubtype := bo.Uint32(data[4:]), bo.Uint32(data[8:])
	filetype := bo.Uint32(data[12:])
	ncmds, sizeofcmds := uint64(bo.Uint32(data[16:])), uint64(bo.Uint32(data[20:]))
	a.Flags = bo.Uint32(data[24:])
	a.CPU = cpuName(cputype, cpusubtype)
	a.Type = typeName(filetype)
	a.PIE = a.Flags&mhPIE != 0

	if !fits(hdrSize, sizeofcmds, uint64(len(data))) {
		return nil, formatErr("load commands (%d bytes) outside the file", sizeofcmds)
	}
	if ncmds > maxCommands || ncmds*8 > sizeofcmds {
		return nil, formatErr("%d load commands in %d bytes", ncmds, sizeofcmds)
	}
	if err := s.readCommands(a, data[hdrSize:hdrSize+sizeofcmds], int(ncmds)); err != nil {
		return nil, err
	}
	s.readSymbols(a, lim)
	s.readSignature(a, lim)
	s.readStrings(a, lim)
	for _, sec := range s.sections {
		if sec.seg == "__TEXT" && strings.HasPrefix(sec.name, "__swift5_") {
			a.Swift = true
		}
		if strings.HasPrefix(sec.seg, "__DATA") && (sec.name == "__objc_classlist" || sec.name == "__objc_catlist" || sec.name == "__objc_protolist") {
			a.ObjC = true
		}
	}
	for _, lib := range a.Libraries {
		base := path.Base(lib)
		if strings.HasPrefix(base, "libswiftCore.") {
			a.Swift = true
		}
		if strings.HasPrefix(base, "libobjc.") {
			a.ObjC = true
		}
	}
	return a, nil
}

// readCommands walks the load commands in cmds.
func (s *slice) readCommands(a *Arch, cmds []byte, ncmds int) error {
	bo := s.bo
	var minOS, platform string
	var haveBuild bool
	off := 0
	for i := range ncmds {
		if len(cmds)-off < 8 {
			return formatErr("load command %d truncated", i)
		}
		cmd, size := bo.Uint32(cmds[off:]), int(bo.Uint32(cmds[off+4:]))
		if size < 8 || size > len(cmds)-off {
			return formatErr("load command %d (%#x): size %d", i, cmd, size)
		}
		c := cmds[off : off+size]
		off += size
		need := func(n int) error {
			if size < n {
				return formatErr("load command %d (%#x): size %d, want %d", i, cmd, size, n)
			}
			return nil
		}
		switch cmd {
		case lcSegment, lcSegment64:
			if err := s.readSegment(a, c, cmd == lcSegment64, i); err != nil {
				return err
			}
		case lcSymtab:
			if err := need(24); err != nil {
				return err
			}
			if s.symtab == nil {
				s.symtab = &symtabCommand{
					symoff: uint64(bo.Uint32(c[8:])), nsyms: uint64(bo.Uint32(c[12:])),
					stroff: uint64(bo.Uint32(c[16:])), strsize: uint64(bo.Uint32(c[20:])),
				}
			} else {
				a.warnf("more than one LC_SYMTAB: the first is read")
			}
		case lcLoadDylib, lcLoadWeakDylib, lcReexportDylib, lcLazyLoadDylib, lcLoadUpwardDylib:
			if err := need(24); err != nil {
				return err
			}
			name, ok := lcString(c, bo.Uint32(c[8:]), 24)
			switch {
			case !ok:
				a.warnf("load command %d: library name outside the command", i)
			case len(a.Libraries) >= maxLibraries:
				a.warnf("libraries capped at %d", maxLibraries)
			default:
				a.Libraries = append(a.Libraries, name)
			}
		case lcRPath:
			if err := need(12); err != nil {
				return err
			}
			p, ok := lcString(c, bo.Uint32(c[8:]), 12)
			switch {
			case !ok:
				a.warnf("load command %d: rpath outside the command", i)
			case len(a.RPaths) >= maxRPaths:
				a.warnf("rpaths capped at %d", maxRPaths)
			default:
				a.RPaths = append(a.RPaths, p)
			}
		case lcCodeSignature:
			if err := need(16); err != nil {
				return err
			}
			if s.codeSig == nil {
				s.codeSig = &linkeditData{off: uint64(bo.Uint32(c[8:])), size: uint64(bo.Uint32(c[12:]))}
			}
		case lcEncryptionInfo, lcEncryptionInfo64:
			want := 20
			if cmd == lcEncryptionInfo64 {
				want = 24
			}
			if err := need(want); err != nil {
				return err
			}
			if !a.HasEncryptionInfo {
				a.HasEncryptionInfo = true
				a.CryptID = bo.Uint32(c[16:])
			}
		case lcVersionMinMacOSX, lcVersionMinIPhone, lcVersionMinTVOS, lcVersionMinWatchOS:
			if err := need(16); err != nil {
				return err
			}
			if !haveBuild && minOS == "" {
				minOS, platform = versionString(bo.Uint32(c[8:])), versionMinPlatform(cmd)
			}
		case lcBuildVersion:
			if err := need(24); err != nil {
				return err
			}
			if !haveBuild {
				haveBuild = true
				platform, minOS = platformName(bo.Uint32(c[8:])), versionString(bo.Uint32(c[12:]))
			}
		}
	}
	a.MinOS, a.Platform = minOS, platform
	return nil
}

// readSegment records the section headers of an LC_SEGMENT(_64) command.
func (s *slice) readSegment(a *Arch, c []byte, is64 bool, i int) error {
	bo := s.bo
	hdr, secSize := segment32Size, section32Size
	if is64 {
		hdr, secSize = segment64Size, section64Size
	}
	if len(c) < hdr {
		return formatErr("load command %d: segment command of %d bytes", i, len(c))
	}
	nsects := int(bo.Uint32(c[hdr-8:]))
	if nsects > (len(c)-hdr)/secSize {
		return formatErr("load command %d: %d sections in %d bytes", i, nsects, len(c)-hdr)
	}
	for j := range nsects {
		if len(s.sections) >= maxSections {
			a.warnf("more than %d sections: the rest are not read", maxSections)
			break
		}
		h := c[hdr+j*secSize:]
		sec := section{name: fixedString(h[:16]), seg: fixedString(h[16:32])}
		if is64 {
			sec.size = bo.Uint64(h[40:])
			sec.offset = uint64(bo.Uint32(h[48:]))
			sec.flags = bo.Uint32(h[64:])
		} else {
			sec.size = uint64(bo.Uint32(h[36:]))
			sec.offset = uint64(bo.Uint32(h[40:]))
			sec.flags = bo.Uint32(h[56:])
		}
		s.sections = append(s.sections, sec)
	}
	return nil
}

// sectionData returns the file bytes of a section, or false for zero-fill
// sections and sections outside the file.
func (s *slice) sectionData(sec *section) ([]byte, bool) {
	switch sec.flags & sectionTypeMask {
	case sZerofill, sGBZerofill, sTLVZerofill:
		return nil, false
	}
	if !fits(sec.offset, sec.size, uint64(len(s.data))) {
		return nil, false
	}
	return s.data[sec.offset : sec.offset+sec.size], true
}

// readSymbols walks the symbol table: the undefined external symbols are
// the imports, the local ones decide Stripped.
func (s *slice) readSymbols(a *Arch, lim Limits) {
	a.Stripped = true
	st := s.symtab
	if st == nil {
		return
	}
	size := uint64(len(s.data))
	entSize := uint64(nlist32Size)
	if s.is64 {
		entSize = nlist64Size
	}
	if !fits(st.symoff, st.nsyms*entSize, size) {
		a.warnf("symbol table (%d symbols at %#x) outside the file", st.nsyms, st.symoff)
		return
	}
	if !fits(st.stroff, st.strsize, size) {
		a.warnf("string table (%d bytes at %#x) outside the file", st.strsize, st.stroff)
		return
	}
	strtab := s.data[st.stroff : st.stroff+st.strsize]
	syms := s.data[st.symoff : st.symoff+st.nsyms*entSize]
	imports := map[string]bool{}
	capped := false
	// Names are looked up in strtab by offset, and hostile offsets could
	// make every lookup scan maxSymbolName bytes: the scanning is budgeted
	// at what real tables need (each name read about once), and stops when
	// the budget is spent.
	budget := 2*uint64(len(strtab)) + 1<<20
	for off := uint64(0); off < uint64(len(syms)); off += entSize {
		e := syms[off:]
		typ := e[4]
		var value uint64
		if s.is64 {
			value = s.bo.Uint64(e[8:])
		} else {
			value = uint64(s.bo.Uint32(e[8:]))
		}
		name, ok, cost := symbolName(strtab, uint64(s.bo.Uint32(e)))
		if cost > budget {
			a.warnf("symbol names: scanning budget spent, the rest of the symbol table is not read")
			break
		}
		budget -= cost
		switch {
		case typ&nStab != 0:
			if !ok || !bytes.Equal(name, stripMarker) {
				a.Stripped = false
			}
			continue
		case typ&nExt == 0:
			a.Stripped = false
			continue
		case typ&nType != nUndf && typ&nType != nPbud, typ&nType == nUndf && value != 0, !ok:
			// A definition, a common symbol, or a nameless entry.
			continue
		}
		if imports[string(name)] {
			continue
		}
		switch {
		case canarySymbols[string(name)]:
			a.StackCanary = true
		case arcSymbols[string(name)]:
			a.ARC = true
		case string(name) == "_objc_msgSend":
			a.ObjC = true
		}
		if len(imports) >= lim.MaxSymbols {
			capped = true
			continue
		}
		imports[string(name)] = true
	}
	if capped {
		a.warnf("imports capped at %d", lim.MaxSymbols)
	}
	a.Imports = slices.Sorted(maps.Keys(imports))
}

// stripMarker is the one debugger-options stab that strip(1) leaves in the
// symbol tables it strips.
var stripMarker = []byte("radr://5614542")

// lcString returns the NUL-terminated string at offset off of load command
// c, which must lie after the fixed part of the command and within c.
func lcString(c []byte, off uint32, fixed int) (string, bool) {
	if uint64(off) < uint64(fixed) || uint64(off) >= uint64(len(c)) {
		return "", false
	}
	b := c[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 || len(b) > maxPathLen {
		return "", false
	}
	return string(b), true
}

// fixedString returns a NUL-padded fixed-size name (segment and section
// names).
func fixedString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// symbolName returns the NUL-terminated name at off of strtab, or false
// when off is outside strtab, the name is not terminated within it, or it
// is empty or implausibly long; and how many bytes it scanned.
func symbolName(strtab []byte, off uint64) ([]byte, bool, uint64) {
	if off >= uint64(len(strtab)) {
		return nil, false, 0
	}
	b := strtab[off:]
	b = b[:min(len(b), maxSymbolName+1)]
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return nil, false, uint64(len(b))
	}
	return b[:i], i > 0, uint64(i + 1)
}

// fits reports whether [off, off+n) lies within a file of size bytes,
// without overflow.
func fits(off, n, size uint64) bool {
	return off <= size && n <= size-off
}
