package ios

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// errSharedContainer means a binary property list refers to one array,
// set or dictionary from several places (or from itself). Decoding it
// into a tree would copy the container at every reference: a few hundred
// bytes can expand to gigabytes. Apple's writers share only leaf values.
var errSharedContainer = errors.New("binary property list shares a container between references")

// checkBinaryPlist walks the object graph of a binary property list
// (bplist00) from its top object before it is decoded, and refuses graphs
// whose containers are shared or cyclic, or whose expansion passes
// maxPlistValues. Other encodings pass unchanged: XML and OpenStep have no
// references.
func checkBinaryPlist(b []byte) error {
	if !bytes.HasPrefix(b, []byte("bplist00")) {
		return nil
	}
	if len(b) < 8+32 {
		return fmt.Errorf("binary property list: %d bytes, too short for a trailer", len(b))
	}
	t := b[len(b)-32:]
	offSize, refSize := int(t[6]), int(t[7])
	num := binary.BigEndian.Uint64(t[8:16])
	top := binary.BigEndian.Uint64(t[16:24])
	tableOff := binary.BigEndian.Uint64(t[24:32])
	body := uint64(len(b) - 32)
	if offSize < 1 || offSize > 8 || refSize < 1 || refSize > 8 || num == 0 || top >= num ||
		tableOff >= body || num > (body-tableOff)/uint64(offSize) {
		return errors.New("binary property list: invalid trailer")
	}
	offset := func(i uint64) (uint64, bool) {
		o := readUint(b[tableOff+i*uint64(offSize):], offSize)
		return o, o >= 8 && o < tableOff
	}
	seen := make(map[uint64]bool)
	stack := []uint64{top}
	values := 0
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		values++
		if values > maxPlistValues {
			return fmt.Errorf("binary property list: more than %d values", maxPlistValues)
		}
		o, ok := offset(i)
		if !ok {
			return fmt.Errorf("binary property list: object %d: offset out of range", i)
		}
		marker := b[o]
		kind, n := marker>>4, uint64(marker&0x0f)
		if kind != 0xA && kind != 0xC && kind != 0xD {
			continue // a leaf: sharing it is harmless
		}
		if seen[i] {
			return errSharedContainer
		}
		seen[i] = true
		p := o + 1
		if n == 0x0f { // the count follows as an integer object
			if p >= tableOff || b[p]>>4 != 0x1 {
				return fmt.Errorf("binary property list: object %d: invalid count", i)
			}
			w := uint64(1) << (b[p] & 0x0f)
			if w > 8 || p+1+w > tableOff {
				return fmt.Errorf("binary property list: object %d: invalid count", i)
			}
			n = readUint(b[p+1:], int(w))
			p += 1 + w
		}
		refs := n
		if kind == 0xD {
			refs = 2 * n
		}
		if refs > uint64(maxPlistValues) || refs > (tableOff-p)/uint64(refSize) {
			return fmt.Errorf("binary property list: object %d: %d references out of range", i, refs)
		}
		for k := uint64(0); k < refs; k++ {
			r := readUint(b[p+k*uint64(refSize):], refSize)
			if r >= num {
				return fmt.Errorf("binary property list: object %d: reference %d out of range", i, r)
			}
			stack = append(stack, r)
		}
		if len(stack) > maxPlistValues {
			return fmt.Errorf("binary property list: more than %d values", maxPlistValues)
		}
	}
	return nil
}

func readUint(b []byte, n int) uint64 {
	var v uint64
	for i := 0; i < n && i < len(b); i++ {
		v = v<<8 | uint64(b[i])
	}
	return v
}
