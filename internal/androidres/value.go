package androidres

import (
	"fmt"
	"math"
	"strconv"
)

// Value types of Res_value (frameworks/base ResourceTypes.h).
const (
	TypeNull       = 0x00
	TypeReference  = 0x01
	TypeAttribute  = 0x02
	TypeString     = 0x03
	TypeFloat      = 0x04
	TypeDimension  = 0x05
	TypeFraction   = 0x06
	TypeDynRef     = 0x07
	TypeIntDec     = 0x10
	TypeIntHex     = 0x11
	TypeIntBoolean = 0x12
)

// Value is a typed resource value as stored in AXML attributes and in the
// resource table.
type Value struct {
	Type uint8
	Data uint32
	// Str is the string for TypeString values.
	Str string
}

// IsReference reports whether the value points at another resource.
func (v Value) IsReference() bool {
	return v.Type == TypeReference || v.Type == TypeDynRef
}

// String renders the value as aapt does in dumps: strings as is, booleans
// as true/false, integers in decimal, references as @0xXXXXXXXX.
func (v Value) String() string {
	switch v.Type {
	case TypeString:
		return v.Str
	case TypeNull:
		return ""
	case TypeReference, TypeDynRef:
		return fmt.Sprintf("@0x%08x", v.Data)
	case TypeAttribute:
		return fmt.Sprintf("?0x%08x", v.Data)
	case TypeIntBoolean:
		return strconv.FormatBool(v.Data != 0)
	case TypeIntHex:
		return fmt.Sprintf("0x%x", v.Data)
	case TypeFloat:
		return strconv.FormatFloat(float64(math.Float32frombits(v.Data)), 'g', -1, 32)
	default:
		if v.Type >= TypeIntDec && v.Type <= 0x1f {
			return strconv.FormatInt(int64(int32(v.Data)), 10)
		}
		return fmt.Sprintf("(type 0x%02x)0x%08x", v.Type, v.Data)
	}
}

// Bool interprets the value as a boolean: typed booleans and integers, or
// the strings "true"/"false". ok is false for references and other types.
func (v Value) Bool() (b, ok bool) {
	switch v.Type {
	case TypeIntBoolean, TypeIntDec, TypeIntHex:
		return v.Data != 0, true
	case TypeString:
		b, err := strconv.ParseBool(v.Str)
		return b, err == nil
	}
	return false, false
}

// Int interprets the value as an integer: typed integers, or a decimal
// string. ok is false otherwise (e.g. an SDK codename such as "Q").
func (v Value) Int() (int64, bool) {
	switch v.Type {
	case TypeIntDec, TypeIntBoolean:
		return int64(int32(v.Data)), true
	case TypeIntHex:
		return int64(v.Data), true
	case TypeString:
		n, err := strconv.ParseInt(v.Str, 0, 64)
		return n, err == nil
	}
	return 0, false
}

// parseResValue reads an 8-byte Res_value at off of b.
func parseResValue(b []byte, off int, strs *StringPool) (Value, error) {
	if off < 0 || off+8 > len(b) {
		return Value{}, formatErr("value at %d: truncated", off)
	}
	v := Value{Type: b[off+3], Data: uint32(b[off+4]) | uint32(b[off+5])<<8 | uint32(b[off+6])<<16 | uint32(b[off+7])<<24}
	if v.Type == TypeString {
		s, ok := strs.Get(v.Data)
		if !ok {
			return Value{}, formatErr("value at %d: string %d out of range", off, v.Data)
		}
		v.Str = s
	}
	return v, nil
}
