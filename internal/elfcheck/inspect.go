package elfcheck

import (
	"bytes"
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
	"strings"
)

// Inspect reports the hardening properties, symbols and strings of the ELF
// file in data. It fails with ErrNotELF, ErrTooLarge, or an error wrapping
// ErrFormat when the file headers cannot be trusted; problems further in
// (a section pointing outside the file, a missing table) become Warnings
// and the properties that depend on them stay false.
func Inspect(data []byte, lim Limits) (*Info, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), lim.MaxSize)
	}
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("inspect elf: %w", err)
	}
	in := &Info{Class: f.class, Machine: machineName(f.machine, f.class)}

	f.checkSegments(in)
	dyn := f.readDynamic(in)
	dynstr := f.dynamicStrings(dyn)
	for _, off := range dyn.needed {
		if s, ok := cString(dynstr, off); ok {
			in.Needed = append(in.Needed, string(s))
		}
	}

	pieFlag := dyn.flags1&uint64(elf.DF_1_PIE) != 0
	in.Type = typeName(f.typ, pieFlag)
	in.PIE = f.typ == elf.ET_DYN
	in.TextRel = dyn.textRel || dyn.flags&uint64(elf.DF_TEXTREL) != 0
	bindNow := dyn.bindNow || dyn.flags&uint64(elf.DF_BIND_NOW) != 0 || dyn.flags1&uint64(elf.DF_1_NOW) != 0
	switch {
	case f.progByType(elf.PT_GNU_RELRO) == nil:
		in.RELRO = RELRONone
	case bindNow:
		in.RELRO = RELROFull
	default:
		in.RELRO = RELROPartial
	}
	if len(f.sections) == 0 {
		in.warnf("no section headers: symbols and read-only data located through the program headers")
	}
	in.Stripped = f.sectionByType(elf.SHT_SYMTAB) == nil

	f.collectSymbols(dyn, in, lim)
	f.collectRodata(in, lim)
	in.AllStrings = printableRuns(data, lim, in)
	return in, nil
}

// checkSegments reads the program headers: the interpreter, the stack
// permissions, and loadable segments that the file does not hold.
func (f *file) checkSegments(in *Info) {
	stack := f.progByType(elf.PT_GNU_STACK)
	switch {
	case stack == nil && (f.typ == elf.ET_DYN || f.typ == elf.ET_EXEC):
		in.warnf("no PT_GNU_STACK program header: the loader decides whether the stack is executable")
	case stack != nil:
		in.NX = stack.Flags&elf.PF_X == 0
	}
	if p := f.progByType(elf.PT_INTERP); p != nil {
		if b, err := f.segmentData(p); err != nil {
			in.warnf("interpreter: %v", err)
		} else {
			b, _, _ = bytes.Cut(b, []byte{0})
			in.Interpreter = string(b[:min(len(b), maxSymbolName)])
		}
	}
	for i := range f.progs {
		p := &f.progs[i]
		if p.Type == elf.PT_LOAD && !fits(p.Off, p.Filesz, uint64(len(f.data))) {
			in.warnf("loadable segment at %#x (%d bytes) extends past the end of the file: truncated?", p.Off, p.Filesz)
		}
	}
}

// collectSymbols fills the symbol lists and the properties that depend on
// imports.
func (f *file) collectSymbols(dyn dynamicInfo, in *Info, lim Limits) {
	imports := map[string]bool{}
	exports := map[string]bool{}
	f.dynamicSymbols(dyn, in, func(s symbol) {
		if s.shndx == elf.SHN_UNDEF {
			imports[string(s.name)] = true
			return
		}
		bind := elf.ST_BIND(s.info)
		typ := elf.ST_TYPE(s.info)
		vis := elf.ST_VISIBILITY(s.other)
		if (bind == elf.STB_GLOBAL || bind == elf.STB_WEAK || bind == stbGNUUnique) &&
			(typ == elf.STT_FUNC || typ == elf.STT_GNU_IFUNC) &&
			(vis == elf.STV_DEFAULT || vis == elf.STV_PROTECTED) {
			exports[string(s.name)] = true
		}
	})

	for name := range imports {
		switch {
		case canarySymbols[name]:
			in.StackCanary = true
		case isCheckingFunction(name):
			in.Fortify = true
			in.Fortified = append(in.Fortified, name)
		case fortifiable[name]:
			in.FortifiableUnchecked = append(in.FortifiableUnchecked, name)
		}
	}
	slices.Sort(in.Fortified)
	slices.Sort(in.FortifiableUnchecked)

	var jni []string
	for name := range exports {
		if strings.HasPrefix(name, "Java_") || name == "JNI_OnLoad" || name == "JNI_OnUnload" {
			jni = append(jni, name)
		}
	}
	in.Imports = sortedCapped(imports, lim.MaxSymbols, "imports", in)
	in.Exports = sortedCapped(exports, lim.MaxSymbols, "exports", in)
	slices.Sort(jni)
	if len(jni) > lim.MaxSymbols {
		in.warnf("JNI exports capped at %d of %d", lim.MaxSymbols, len(jni))
		jni = jni[:lim.MaxSymbols]
	}
	in.JNIExports = jni
}

func sortedCapped(set map[string]bool, n int, what string, in *Info) []string {
	if len(set) == 0 {
		return nil
	}
	list := make([]string, 0, len(set))
	for s := range set {
		list = append(list, s)
	}
	slices.Sort(list)
	if len(list) > n {
		in.warnf("%s capped at %d of %d", what, n, len(list))
		list = list[:n]
	}
	return list
}

// collectRodata reads the strings of the read-only data: the allocated,
// non-writable, non-executable PROGBITS sections, or without section
// headers the read-only, non-executable loadable segments.
func (f *file) collectRodata(in *Info, lim Limits) {
	type region struct {
		name string
		b    []byte
		off  uint64
	}
	var regions []region
	if len(f.sections) > 0 {
		for i := range f.sections {
			s := &f.sections[i]
			if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_ALLOC == 0 ||
				s.Flags&(elf.SHF_WRITE|elf.SHF_EXECINSTR) != 0 || unwindSections[s.Name] {
				continue
			}
			b, err := f.sectionData(s)
			if err != nil {
				in.warnf("read-only data: %v", err)
				continue
			}
			regions = append(regions, region{s.Name, b, s.Offset})
		}
	} else {
		for i := range f.progs {
			p := &f.progs[i]
			if p.Type != elf.PT_LOAD || p.Flags&(elf.PF_W|elf.PF_X) != 0 {
				continue
			}
			if b, err := f.segmentData(p); err == nil {
				regions = append(regions, region{"segment", b, p.Off})
			}
		}
	}
	slices.SortStableFunc(regions, func(a, b region) int { return cmp.Compare(a.off, b.off) })
	sink := stringSink{max: lim.MaxStrings, maxLen: lim.MaxStringLen}
	for _, r := range regions {
		if !sink.terminated(r.b, 4) {
			break
		}
	}
	sink.report(in, "read-only data strings")
	in.RodataStrings = sink.list
}

// printableRuns returns the runs of printable ASCII of data, as strings(1).
func printableRuns(data []byte, lim Limits, in *Info) []string {
	sink := stringSink{max: lim.MaxStrings, maxLen: lim.MaxStringLen}
	sink.runs(data, 6)
	sink.report(in, "file strings")
	return sink.list
}

// stringSink collects strings up to its caps.
type stringSink struct {
	list      []string
	max       int
	maxLen    int
	capped    bool
	truncated bool
}

// add appends b and reports whether there is room for more.
func (s *stringSink) add(b []byte) bool {
	if len(s.list) >= s.max {
		s.capped = true
		return false
	}
	if len(b) > s.maxLen {
		b = b[:s.maxLen]
		s.truncated = true
	}
	s.list = append(s.list, string(b))
	return true
}

func (s *stringSink) report(in *Info, what string) {
	if s.capped {
		in.warnf("%s capped at %d", what, s.max)
	}
	if s.truncated {
		in.warnf("%s longer than %d bytes truncated", what, s.maxLen)
	}
}

// terminated adds the NUL-terminated runs of at least minLen printable
// bytes (tab and line breaks included) of b. A run cut by the end of b or
// by another byte is not a C string and is skipped.
func (s *stringSink) terminated(b []byte, minLen int) bool {
	start := -1
	for i, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\t' || c == '\n' || c == '\r' {
			if start < 0 {
				start = i
			}
			continue
		}
		if c == 0 && start >= 0 && i-start >= minLen {
			if !s.add(b[start:i]) {
				return false
			}
		}
		start = -1
	}
	return true
}

// runs adds the runs of at least minLen printable ASCII bytes (tab
// included) of b, however they end.
func (s *stringSink) runs(b []byte, minLen int) {
	start := -1
	for i, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\t' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minLen && !s.add(b[start:i]) {
			return
		}
		start = -1
	}
	if start >= 0 && len(b)-start >= minLen {
		s.add(b[start:])
	}
}
