package macho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"howett.net/plist"
)

// Code signing blob magic numbers and slots.
const (
	csMagicEmbeddedSignature = 0xfade0cc0
	csMagicCodeDirectory     = 0xfade0c02
	csMagicEntitlements      = 0xfade7171
	csMagicDEREntitlements   = 0xfade7172

	csSlotCodeDirectory = 0
	csSlotEntitlements  = 5

	cdSupportsTeamID = 0x20200

	maxBlobs         = 256  // index entries of one SuperBlob
	maxIdentifierLen = 1024 // bytes of a signing identifier or team id
	maxPlistDepth    = 64   // nesting of <dict> and <array> in entitlements
)

// signature is what the code signature holds.
type signature struct {
	identifier   string
	teamID       string
	entitlements []byte // the XML after the blob header
	der          bool   // DER entitlements blob present
}

// readSignature reads the LC_CODE_SIGNATURE blob.
func (s *slice) readSignature(a *Arch, lim Limits) {
	cs := s.codeSig
	if cs == nil {
		return
	}
	if !fits(cs.off, cs.size, uint64(len(s.data))) {
		a.warnf("code signature (%d bytes at %#x) outside the file", cs.size, cs.off)
		return
	}
	sig, err := parseSuperBlob(s.data[cs.off : cs.off+cs.size])
	if err != nil {
		a.warnf("code signature: %v", err)
		return
	}
	a.Signed = true
	a.CodeSignatureID, a.TeamID = sig.identifier, sig.teamID
	switch {
	case sig.entitlements != nil:
		ent, err := decodeEntitlements(sig.entitlements, lim)
		if err != nil {
			a.warnf("entitlements: %v", err)
		}
		a.Entitlements = ent
	case sig.der:
		a.warnf("entitlements: only the DER form is present and it is not decoded")
	}
}

// parseSuperBlob reads an embedded-signature SuperBlob: a big-endian
// header (magic, length, count) and count {type, offset} index entries,
// each offset naming a blob (magic, length, payload) within length.
func parseSuperBlob(b []byte) (*signature, error) {
	be := binary.BigEndian
	if len(b) < 12 {
		return nil, errors.New("superblob header truncated")
	}
	if m := be.Uint32(b); m != csMagicEmbeddedSignature {
		return nil, fmt.Errorf("superblob magic %#x", m)
	}
	length, count := uint64(be.Uint32(b[4:])), uint64(be.Uint32(b[8:]))
	if length < 12 || length > uint64(len(b)) {
		return nil, fmt.Errorf("superblob length %d of %d bytes", length, len(b))
	}
	b = b[:length]
	if count > maxBlobs || 12+count*8 > length {
		return nil, fmt.Errorf("%d blobs in a superblob of %d bytes", count, length)
	}
	sig := &signature{}
	var cd, altCD []byte
	for i := range count {
		e := b[12+i*8:]
		slot, off := be.Uint32(e), uint64(be.Uint32(e[4:]))
		if !fits(off, 8, length) {
			return nil, fmt.Errorf("blob %d at %#x outside the superblob", i, off)
		}
		magic, blen := be.Uint32(b[off:]), uint64(be.Uint32(b[off+4:]))
		if blen < 8 || !fits(off, blen, length) {
			return nil, fmt.Errorf("blob %d (%#x): length %d at %#x outside the superblob", i, magic, blen, off)
		}
		blob := b[off : off+blen]
		switch {
		case magic == csMagicCodeDirectory && slot == csSlotCodeDirectory && cd == nil:
			cd = blob
		case magic == csMagicCodeDirectory && altCD == nil:
			altCD = blob
		case magic == csMagicEntitlements && slot == csSlotEntitlements && sig.entitlements == nil:
			sig.entitlements = blob[8:]
		case magic == csMagicDEREntitlements:
			sig.der = true
		}
	}
	if cd == nil {
		cd = altCD
	}
	if cd == nil {
		return nil, errors.New("no code directory")
	}
	if err := sig.readCodeDirectory(cd); err != nil {
		return nil, fmt.Errorf("code directory: %w", err)
	}
	return sig, nil
}

// readCodeDirectory reads the identifier and team id of a CodeDirectory:
// version at 8, identOffset at 20, teamOffset at 48 from version 0x20200.
func (sig *signature) readCodeDirectory(cd []byte) error {
	be := binary.BigEndian
	if len(cd) < 44 {
		return fmt.Errorf("%d bytes", len(cd))
	}
	version := be.Uint32(cd[8:])
	id, err := blobString(cd, be.Uint32(cd[20:]))
	if err != nil {
		return fmt.Errorf("identifier: %w", err)
	}
	sig.identifier = id
	if version >= cdSupportsTeamID && len(cd) >= 52 {
		if off := be.Uint32(cd[48:]); off != 0 {
			team, err := blobString(cd, off)
			if err != nil {
				return fmt.Errorf("team id: %w", err)
			}
			sig.teamID = team
		}
	}
	return nil
}

// blobString returns the NUL-terminated string at off of blob.
func blobString(blob []byte, off uint32) (string, error) {
	if uint64(off) < 8 || uint64(off) >= uint64(len(blob)) {
		return "", fmt.Errorf("offset %#x outside the blob", off)
	}
	b := blob[off:]
	i := bytes.IndexByte(b[:min(len(b), maxIdentifierLen+1)], 0)
	if i < 0 {
		return "", fmt.Errorf("string at %#x not terminated within %d bytes", off, maxIdentifierLen)
	}
	return string(b[:i]), nil
}

// decodeEntitlements decodes the XML property list of an entitlements
// blob into a dictionary. The property list decoder is recursive and not
// hardened, so it sees only documents within the size limit, whose
// nesting has been bounded here, that start as XML.
func decodeEntitlements(b []byte, lim Limits) (ent map[string]any, err error) {
	if len(b) > lim.MaxEntitlementsSize {
		return nil, fmt.Errorf("%d bytes, limit %d", len(b), lim.MaxEntitlementsSize)
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '<' {
		return nil, errors.New("not an XML property list")
	}
	if d := plistDepth(b); d > maxPlistDepth {
		return nil, fmt.Errorf("nesting deeper than %d", maxPlistDepth)
	}
	defer func() {
		if r := recover(); r != nil {
			ent, err = nil, fmt.Errorf("property list decoder panicked: %v", r)
		}
	}()
	if _, err := plist.Unmarshal(b, &ent); err != nil {
		return nil, fmt.Errorf("decode property list: %w", err)
	}
	return ent, nil
}

// plistDepth returns the deepest nesting of <plist>, <dict> and <array>
// elements in b (the elements that the property list decoder recurses
// into), counting every opening tag that is not self-closing and every
// closing tag: an upper bound of the decoder's recursion.
func plistDepth(b []byte) int {
	depth, deepest := 0, 0
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return deepest
		}
		b = b[i+1:]
		closing := len(b) > 0 && b[0] == '/'
		name := b
		if closing {
			name = b[1:]
		}
		n := 0
		for _, el := range []string{"plist", "dict", "array"} {
			if bytes.HasPrefix(name, []byte(el)) {
				n = len(el)
			}
		}
		if n == 0 {
			continue
		}
		rest := name[n:]
		if len(rest) > 0 && isNameByte(rest[0]) {
			continue // a longer element name
		}
		// Only the byte before '>' matters (<dict/> is empty); a tag whose
		// end is not near counts as opening, which keeps this linear.
		end := bytes.IndexByte(rest[:min(len(rest), 256)], '>')
		switch {
		case closing:
			depth = max(depth-1, 0)
		case end > 0 && rest[end-1] == '/':
		default:
			depth++
			deepest = max(deepest, depth)
		}
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
}
