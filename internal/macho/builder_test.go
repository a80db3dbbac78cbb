package macho

import (
	"encoding/binary"
	"slices"
)

// fixture describes a small Mach-O image for tests. build lays it out as
// header, load commands, section data, symbol table, string table and code
// signature, in that order.
type fixture struct {
	bigEndian  bool
	is32       bool
	cputype    uint32 // default arm64 (or armv7 when is32)
	cpusubtype uint32
	filetype   uint32 // default executable
	flags      uint32

	libs     []lib
	rpaths   []string
	cryptID  *uint32
	buildVer *buildVersion
	minCmd   uint32 // an LC_VERSION_MIN_* command, with minVer
	minVer   uint32
	sections []sect
	symbols  []sym
	noSymtab bool
	sig      []byte   // raw LC_CODE_SIGNATURE payload (a SuperBlob)
	extra    [][]byte // raw extra load commands, appended as they are
}

type lib struct {
	cmd  uint32
	name string
}

type buildVersion struct{ platform, minos uint32 }

type sect struct {
	seg, name string
	data      []byte
	flags     uint32
}

type sym struct {
	name  string
	typ   uint8
	sect  uint8
	value uint64
}

// Symbol types for fixtures.
const (
	symUndefExt  = 0x01 // N_UNDF | N_EXT
	symDefExt    = 0x0f // N_SECT | N_EXT
	symLocal     = 0x0e // N_SECT
	symStabOpt   = 0x3c // N_OPT stab
	symStabSO    = 0x64 // N_SO stab
	symPrivateEx = 0x1e // N_PEXT | N_SECT: private external, local after linking
)

func u32(v uint32) *uint32 { return &v }

func ver(x, y, z uint32) uint32 { return x<<16 | y<<8 | z }

func (fx fixture) byteOrder() binary.ByteOrder {
	if fx.bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// build returns the image.
func (fx fixture) build() []byte {
	bo := fx.byteOrder()
	is64 := !fx.is32
	hdrSize, segSize, secSize, nlSize := header64Size, segment64Size, section64Size, nlist64Size
	if !is64 {
		hdrSize, segSize, secSize, nlSize = header32Size, segment32Size, section32Size, nlist32Size
	}
	align := func(n int) int {
		a := 8
		if !is64 {
			a = 4
		}
		return (n + a - 1) / a * a
	}

	// Group the sections by segment, in order of first appearance.
	var segs []string
	for _, s := range fx.sections {
		if !slices.Contains(segs, s.seg) {
			segs = append(segs, s.seg)
		}
	}

	// Size the load commands.
	strCmd := func(fixed int, s string) int { return align(fixed + len(s) + 1) }
	cmdsSize := 0
	for _, seg := range segs {
		n := 0
		for _, s := range fx.sections {
			if s.seg == seg {
				n++
			}
		}
		cmdsSize += segSize + n*secSize
	}
	if !fx.noSymtab {
		cmdsSize += 24
	}
	for _, l := range fx.libs {
		cmdsSize += strCmd(24, l.name)
	}
	for _, r := range fx.rpaths {
		cmdsSize += strCmd(12, r)
	}
	if fx.cryptID != nil {
		cmdsSize += 20
		if is64 {
			cmdsSize += 4
		}
	}
	if fx.buildVer != nil {
		cmdsSize += 24
	}
	if fx.minCmd != 0 {
		cmdsSize += 16
	}
	if fx.sig != nil {
		cmdsSize += 16
	}
	ncmds := len(segs) + len(fx.libs) + len(fx.rpaths)
	for _, c := range fx.extra {
		cmdsSize += len(c)
		ncmds++
	}
	for _, present := range []bool{!fx.noSymtab, fx.cryptID != nil, fx.buildVer != nil, fx.minCmd != 0, fx.sig != nil} {
		if present {
			ncmds++
		}
	}

	// Place the data after the commands.
	off := align(hdrSize + cmdsSize)
	secOff := make([]int, len(fx.sections))
	for i, s := range fx.sections {
		secOff[i] = off
		off = align(off + len(s.data))
	}
	strtab := []byte{' ', 0} // index 0 is the empty name, as ld writes it
	strx := make([]uint32, len(fx.symbols))
	for i, s := range fx.symbols {
		strx[i] = uint32(len(strtab))
		strtab = append(append(strtab, s.name...), 0)
	}
	symOff := off
	off += len(fx.symbols) * nlSize
	strOff := off
	off = align(off + len(strtab))
	sigOff := off
	off += len(fx.sig)

	out := make([]byte, off)
	put32 := func(at int, v uint32) { bo.PutUint32(out[at:], v) }
	put64 := func(at int, v uint64) { bo.PutUint64(out[at:], v) }

	cputype, cpusubtype := fx.cputype, fx.cpusubtype
	if cputype == 0 {
		cputype, cpusubtype = cpuARM|cpuArch64, 0
		if !is64 {
			cputype, cpusubtype = cpuARM, 9
		}
	}
	filetype := fx.filetype
	if filetype == 0 {
		filetype = 2
	}
	magic := uint32(0xfeedfacf)
	if !is64 {
		magic = 0xfeedface
	}
	put32(0, magic)
	put32(4, cputype)
	put32(8, cpusubtype)
	put32(12, filetype)
	put32(16, uint32(ncmds))
	put32(20, uint32(cmdsSize))
	put32(24, fx.flags)

	at := hdrSize
	for _, seg := range segs {
		var idx []int
		for i, s := range fx.sections {
			if s.seg == seg {
				idx = append(idx, i)
			}
		}
		size := segSize + len(idx)*secSize
		if is64 {
			put32(at, lcSegment64)
		} else {
			put32(at, lcSegment)
		}
		put32(at+4, uint32(size))
		copy(out[at+8:at+24], seg)
		put32(at+segSize-8, uint32(len(idx)))
		h := at + segSize
		for _, i := range idx {
			s := fx.sections[i]
			copy(out[h:h+16], s.name)
			copy(out[h+16:h+32], s.seg)
			if is64 {
				put64(h+40, uint64(len(s.data)))
				put32(h+48, uint32(secOff[i]))
				put32(h+64, s.flags)
			} else {
				put32(h+36, uint32(len(s.data)))
				put32(h+40, uint32(secOff[i]))
				put32(h+56, s.flags)
			}
			copy(out[secOff[i]:], s.data)
			h += secSize
		}
		at += size
	}
	if !fx.noSymtab {
		put32(at, lcSymtab)
		put32(at+4, 24)
		put32(at+8, uint32(symOff))
		put32(at+12, uint32(len(fx.symbols)))
		put32(at+16, uint32(strOff))
		put32(at+20, uint32(len(strtab)))
		at += 24
	}
	for _, l := range fx.libs {
		size := strCmd(24, l.name)
		put32(at, l.cmd)
		put32(at+4, uint32(size))
		put32(at+8, 24)
		copy(out[at+24:], l.name)
		at += size
	}
	for _, r := range fx.rpaths {
		size := strCmd(12, r)
		put32(at, lcRPath)
		put32(at+4, uint32(size))
		put32(at+8, 12)
		copy(out[at+12:], r)
		at += size
	}
	if fx.cryptID != nil {
		size := 20
		put32(at, lcEncryptionInfo)
		if is64 {
			size = 24
			put32(at, lcEncryptionInfo64)
		}
		put32(at+4, uint32(size))
		put32(at+8, 0x4000)
		put32(at+12, 0x4000)
		put32(at+16, *fx.cryptID)
		at += size
	}
	if fx.buildVer != nil {
		put32(at, lcBuildVersion)
		put32(at+4, 24)
		put32(at+8, fx.buildVer.platform)
		put32(at+12, fx.buildVer.minos)
		put32(at+16, fx.buildVer.minos)
		at += 24
	}
	if fx.minCmd != 0 {
		put32(at, fx.minCmd)
		put32(at+4, 16)
		put32(at+8, fx.minVer)
		at += 16
	}
	if fx.sig != nil {
		put32(at, lcCodeSignature)
		put32(at+4, 16)
		put32(at+8, uint32(sigOff))
		put32(at+12, uint32(len(fx.sig)))
		copy(out[sigOff:], fx.sig)
		at += 16
	}
	for _, c := range fx.extra {
		copy(out[at:], c)
		at += len(c)
	}

	for i, s := range fx.symbols {
		e := symOff + i*nlSize
		put32(e, strx[i])
		out[e+4] = s.typ
		out[e+5] = s.sect
		if is64 {
			put64(e+8, s.value)
		} else {
			put32(e+8, uint32(s.value))
		}
	}
	copy(out[strOff:], strtab)
	return out
}

// slot is one blob of a code signature SuperBlob.
type slot struct {
	typ  uint32
	blob []byte // with its own magic and length
}

// superBlob lays out an embedded-signature SuperBlob.
func superBlob(slots ...slot) []byte {
	be := binary.BigEndian
	size := 12 + 8*len(slots)
	for _, s := range slots {
		size += len(s.blob)
	}
	out := make([]byte, 12+8*len(slots), size)
	be.PutUint32(out, csMagicEmbeddedSignature)
	be.PutUint32(out[4:], uint32(size))
	be.PutUint32(out[8:], uint32(len(slots)))
	for i, s := range slots {
		be.PutUint32(out[12+8*i:], s.typ)
		be.PutUint32(out[16+8*i:], uint32(len(out)))
		out = append(out, s.blob...)
	}
	return out
}

// blobOf wraps payload in a blob header.
func blobOf(magic uint32, payload []byte) []byte {
	out := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint32(out, magic)
	binary.BigEndian.PutUint32(out[4:], uint32(8+len(payload)))
	return append(out, payload...)
}

// codeDirectory builds a CodeDirectory of the given version with an
// identifier and, from version 0x20200, a team id (none when team is "").
func codeDirectory(version uint32, ident, team string) []byte {
	be := binary.BigEndian
	hdr := 44
	switch {
	case version >= cdSupportsTeamID:
		hdr = 52
	case version >= 0x20100:
		hdr = 48
	}
	cd := make([]byte, hdr)
	be.PutUint32(cd, csMagicCodeDirectory)
	be.PutUint32(cd[8:], version)
	be.PutUint32(cd[20:], uint32(len(cd)))
	cd = append(append(cd, ident...), 0)
	if version >= cdSupportsTeamID && team != "" {
		be.PutUint32(cd[48:], uint32(len(cd)))
		cd = append(append(cd, team...), 0)
	}
	cd[36], cd[37], cd[39] = 32, 2, 12 // SHA-256, 4 KiB pages
	be.PutUint32(cd[4:], uint32(len(cd)))
	return cd
}

// entitlementsXML is a property list of entitlements as Xcode writes them.
const entitlementsXML = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>application-identifier</key>
	<string>ABCDE12345.com.example.app</string>
	<key>get-task-allow</key>
	<true/>
	<key>keychain-access-groups</key>
	<array>
		<string>ABCDE12345.*</string>
	</array>
</dict>
</plist>
`

// signatureWith returns a SuperBlob holding a CodeDirectory and, when xml
// is not empty, an entitlements blob.
func signatureWith(ident, team, xml string) []byte {
	slots := []slot{{csSlotCodeDirectory, codeDirectory(0x20400, ident, team)}}
	if xml != "" {
		slots = append(slots, slot{csSlotEntitlements, blobOf(csMagicEntitlements, []byte(xml))})
	}
	return superBlob(slots...)
}

// fatOf lays out a fat file (32-bit offsets unless fat64) of the given
// slices, each aligned to 16 bytes; the CPU of each fat entry is read from
// the slice header when it has one.
func fatOf(fat64 bool, slices ...[]byte) []byte {
	be := binary.BigEndian
	ent := fatArchSize
	magic := uint32(fatMagic)
	if fat64 {
		ent, magic = fatArch64Size, fatMagic64
	}
	off := (8 + ent*len(slices) + 15) / 16 * 16
	out := make([]byte, off)
	be.PutUint32(out, magic)
	be.PutUint32(out[4:], uint32(len(slices)))
	for i, s := range slices {
		e := out[8+i*ent:]
		if len(s) >= 12 {
			bo := binary.ByteOrder(binary.LittleEndian)
			if binary.BigEndian.Uint32(s) == magic32BE || binary.BigEndian.Uint32(s) == magic64BE {
				bo = binary.BigEndian
			}
			be.PutUint32(e, bo.Uint32(s[4:]))
			be.PutUint32(e[4:], bo.Uint32(s[8:]))
		}
		start := len(out)
		if fat64 {
			be.PutUint64(e[8:], uint64(start))
			be.PutUint64(e[16:], uint64(len(s)))
			be.PutUint32(e[24:], 4)
		} else {
			be.PutUint32(e[8:], uint32(start))
			be.PutUint32(e[12:], uint32(len(s)))
			be.PutUint32(e[16:], 4)
		}
		out = append(out, s...)
		for len(out)%16 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// fullFixture has every property set: the seed of most tests and of the
// fuzz target.
func fullFixture() fixture {
	return fixture{
		flags: mhPIE | 0x85,
		libs: []lib{
			{lcLoadDylib, "/usr/lib/libobjc.A.dylib"},
			{lcLoadDylib, "@rpath/libswiftCore.dylib"},
			{lcLoadWeakDylib, "/System/Library/Frameworks/Metal.framework/Metal"},
			{lcReexportDylib, "@rpath/Inner.framework/Inner"},
		},
		rpaths:   []string{"@executable_path/Frameworks", "/tmp/evil"},
		cryptID:  u32(1),
		buildVer: &buildVersion{platform: 2, minos: ver(15, 0, 1)},
		sections: []sect{
			{seg: "__TEXT", name: "__text", data: []byte{0x1f, 0x20, 0x03, 0xd5}},
			{seg: "__TEXT", name: "__cstring", data: []byte("short\x00https://api.example.com/v1\x00sk-test-0123456789\x00https://api.example.com/v1\x00")},
			{seg: "__TEXT", name: "__ustring", data: utf16le("Grüße aus Köln\x00")},
			{seg: "__TEXT", name: "__swift5_types", data: []byte{0, 0, 0, 0}},
			{seg: "__DATA", name: "__objc_classlist", data: make([]byte, 8)},
		},
		symbols: []sym{
			{name: "radr://5614542", typ: symStabOpt},
			{name: "_main", typ: symDefExt, sect: 1, value: 0x100000000},
			{name: "___stack_chk_fail", typ: symUndefExt},
			{name: "___stack_chk_guard", typ: symUndefExt},
			{name: "_objc_release", typ: symUndefExt},
			{name: "_objc_msgSend", typ: symUndefExt},
			{name: "_strcpy", typ: symUndefExt},
			{name: "_CC_MD5", typ: symUndefExt},
			{name: "_NSLog", typ: symUndefExt},
			{name: "_rand", typ: symUndefExt},
			{name: "_rand", typ: symUndefExt},
		},
		sig: signatureWith("com.example.app", "ABCDE12345", entitlementsXML),
	}
}

// utf16le encodes s (ASCII and Latin-1 only) as UTF-16LE.
func utf16le(s string) []byte {
	var out []byte
	for _, r := range s {
		out = binary.LittleEndian.AppendUint16(out, uint16(r))
	}
	return out
}
