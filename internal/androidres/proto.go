package androidres

// Android App Bundles carry their manifest, their XML resources and their
// resource table as protocol buffers of aapt2's Resources.proto instead of
// the binary chunk formats of an APK. The decoders here read them with
// protowire alone (no generated code, no descriptor) into the same
// Document and Table types, so that everything downstream reads a bundle
// as it reads an APK.

import (
	"math"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of aapt2's Resources.proto (package aapt.pb).
const (
	// XmlNode
	pbNodeElement = 1
	pbNodeText    = 2
	pbNodeSource  = 3
	// SourcePosition
	pbPosLine = 1
	// XmlElement
	pbElemNSURI     = 2
	pbElemName      = 3
	pbElemAttribute = 4
	pbElemChild     = 5
	// XmlAttribute
	pbAttrNSURI        = 1
	pbAttrName         = 2
	pbAttrValue        = 3
	pbAttrResourceID   = 5
	pbAttrCompiledItem = 6
	// Item
	pbItemRef       = 1
	pbItemStr       = 2
	pbItemRawStr    = 3
	pbItemStyledStr = 4
	pbItemFile      = 5
	pbItemID        = 6
	pbItemPrim      = 7
	// Reference
	pbRefType      = 1
	pbRefID        = 2
	pbRefIsDynamic = 5
	// String, RawString, StyledString, FileReference: value/path = 1
	pbStrValue = 1
	// Primitive
	pbPrimNull          = 1
	pbPrimEmpty         = 2
	pbPrimFloat         = 3
	pbPrimDimensionOld  = 4
	pbPrimFractionOld   = 5
	pbPrimIntDecimal    = 6
	pbPrimIntHex        = 7
	pbPrimBoolean       = 8
	pbPrimColorARGB8    = 9
	pbPrimColorRGB8     = 10
	pbPrimColorARGB4    = 11
	pbPrimColorRGB4     = 12
	pbPrimDimension     = 13
	pbPrimFraction      = 14
	pbReferenceAttrType = 1 // Reference.Type ATTRIBUTE
)

// Res_value types of colours and of a dynamic attribute, which the binary
// path renders through the generic integer cases.
const (
	typeDynAttr    = 0x08
	typeColorARGB8 = 0x1c
	typeColorRGB8  = 0x1d
	typeColorARGB4 = 0x1e
	typeColorRGB4  = 0x1f
)

// IsProtoXML reports whether b starts like an XmlNode holding an element:
// field 1 with wire type bytes, a length that fits, and an element whose
// first field is one XmlElement has. Binary XML never passes (it starts
// with 0x03).
func IsProtoXML(b []byte) bool {
	if len(b) < 2 || b[0] != 0x0a {
		return false
	}
	n, l := protowire.ConsumeVarint(b[1:])
	if l < 0 || n > uint64(len(b)-1-l) || n == 0 {
		return false
	}
	switch b[1+l] {
	case 0x0a, 0x12, 0x1a, 0x22, 0x2a: // XmlElement fields 1–5, wire type bytes
		return true
	}
	return false
}

// field is one decoded protobuf field: v holds varints and fixed values,
// b the content of length-delimited fields.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// fields calls fn for every field of the message in b. Groups and
// malformed fields end the walk with an error.
func fields(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return formatErr("protobuf: bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			return formatErr("protobuf: field %d: unsupported wire type %d", num, typ)
		}
		if n < 0 {
			return formatErr("protobuf: field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// wantBytes and wantVarint check a known field's wire type.
func (f field) wantBytes(msg string) error {
	if f.typ != protowire.BytesType {
		return formatErr("protobuf: %s field %d: wire type %d, want bytes", msg, f.num, f.typ)
	}
	return nil
}

func (f field) wantVarint(msg string) error {
	if f.typ != protowire.VarintType {
		return formatErr("protobuf: %s field %d: wire type %d, want varint", msg, f.num, f.typ)
	}
	return nil
}

// str returns the field as text, invalid UTF-8 replaced.
func (f field) str() string {
	if utf8.Valid(f.b) {
		return string(f.b)
	}
	return strings.ToValidUTF8(string(f.b), "\uFFFD")
}

// stringField reads field 1 (value/path) of a String-like message.
func stringField(b []byte, msg string) (string, error) {
	var s string
	err := fields(b, func(f field) error {
		if f.num != pbStrValue {
			return nil
		}
		if err := f.wantBytes(msg); err != nil {
			return err
		}
		s = f.str()
		return nil
	})
	return s, err
}

// uint32Field reads field 1 of a message such as PackageId or EntryId.
func uint32Field(b []byte, msg string) (uint32, error) {
	var id uint64
	err := fields(b, func(f field) error {
		if f.num != 1 {
			return nil
		}
		if err := f.wantVarint(msg); err != nil {
			return err
		}
		id = f.v
		return nil
	})
	if id > math.MaxUint32 {
		return 0, formatErr("protobuf: %s: id %d out of range", msg, id)
	}
	return uint32(id), err
}

// parseItem decodes an Item into a Res_value. A string, raw string,
// styled string or file reference becomes TypeString (a file reference
// carries its path, as resources.arsc stores it).
func parseItem(b []byte) (Value, error) {
	var v Value
	err := fields(b, func(f field) error {
		switch f.num {
		case pbItemRef:
			if err := f.wantBytes("item"); err != nil {
				return err
			}
			r, err := parseReference(f.b)
			if err != nil {
				return err
			}
			v = r
		case pbItemStr, pbItemRawStr, pbItemStyledStr, pbItemFile:
			if err := f.wantBytes("item"); err != nil {
				return err
			}
			s, err := stringField(f.b, "item string")
			if err != nil {
				return err
			}
			v = Value{Type: TypeString, Str: s}
		case pbItemID:
			// An id resource has no value of its own; arsc stores a
			// boolean false.
			v = Value{Type: TypeIntBoolean}
		case pbItemPrim:
			if err := f.wantBytes("item"); err != nil {
				return err
			}
			p, err := parsePrimitive(f.b)
			if err != nil {
				return err
			}
			v = p
		}
		return nil
	})
	return v, err
}

func parseReference(b []byte) (Value, error) {
	var (
		id      uint64
		attr    bool
		dynamic bool
	)
	err := fields(b, func(f field) error {
		switch f.num {
		case pbRefType:
			if err := f.wantVarint("reference"); err != nil {
				return err
			}
			attr = f.v == pbReferenceAttrType
		case pbRefID:
			if err := f.wantVarint("reference"); err != nil {
				return err
			}
			id = f.v
		case pbRefIsDynamic:
			// A Boolean message {value = 1}; older writers used a bare bool.
			switch f.typ {
			case protowire.VarintType:
				dynamic = f.v != 0
			case protowire.BytesType:
				n, err := uint32Field(f.b, "reference is_dynamic")
				if err != nil {
					return err
				}
				dynamic = n != 0
			}
		}
		return nil
	})
	if err != nil {
		return Value{}, err
	}
	if id > math.MaxUint32 {
		return Value{}, formatErr("protobuf: reference id %d out of range", id)
	}
	v := Value{Type: TypeReference, Data: uint32(id)}
	switch {
	case attr && dynamic:
		v.Type = typeDynAttr
	case attr:
		v.Type = TypeAttribute
	case dynamic:
		v.Type = TypeDynRef
	}
	return v, nil
}

// primitiveTypes maps Primitive's oneof fields to Res_value types.
var primitiveTypes = map[protowire.Number]uint8{
	pbPrimFloat:        TypeFloat,
	pbPrimDimensionOld: TypeDimension,
	pbPrimFractionOld:  TypeFraction,
	pbPrimIntDecimal:   TypeIntDec,
	pbPrimIntHex:       TypeIntHex,
	pbPrimBoolean:      TypeIntBoolean,
	pbPrimColorARGB8:   typeColorARGB8,
	pbPrimColorRGB8:    typeColorRGB8,
	pbPrimColorARGB4:   typeColorARGB4,
	pbPrimColorRGB4:    typeColorRGB4,
	pbPrimDimension:    TypeDimension,
	pbPrimFraction:     TypeFraction,
}

func parsePrimitive(b []byte) (Value, error) {
	var v Value
	err := fields(b, func(f field) error {
		switch f.num {
		case pbPrimNull:
			v = Value{Type: TypeNull}
		case pbPrimEmpty:
			v = Value{Type: TypeNull, Data: 1} // Res_value DATA_NULL_EMPTY
		default:
			typ, ok := primitiveTypes[f.num]
			if !ok {
				return nil
			}
			switch f.typ {
			case protowire.VarintType, protowire.Fixed32Type:
			default:
				return formatErr("protobuf: primitive field %d: wire type %d", f.num, f.typ)
			}
			v = Value{Type: typ, Data: uint32(f.v)}
			if typ == TypeIntBoolean && v.Data != 0 {
				v.Data = 0xffffffff // as aapt2 flattens true
			}
		}
		return nil
	})
	return v, err
}

// ParseProtoXML decodes an XmlNode of aapt2's Resources.proto (the
// AndroidManifest.xml and res/**/*.xml of an App Bundle) into the same
// Document that ParseXML gives for binary XML.
func ParseProtoXML(b []byte, lim XMLLimits) (*Document, error) {
	lim = lim.withDefaults()
	if len(b) > lim.MaxSize {
		return nil, formatErr("proto xml: %d bytes, limit %d", len(b), lim.MaxSize)
	}
	p := &protoXML{lim: lim, seen: make(map[string]bool)}
	root, text, err := p.node(b, 0)
	if err != nil {
		return nil, err
	}
	if root == nil {
		if text != "" {
			return nil, formatErr("proto xml: root node is text, not an element")
		}
		return nil, formatErr("proto xml: no root element")
	}
	return &Document{Root: root, Strings: p.strings}, nil
}

// protoXML carries the state of one ParseProtoXML call.
type protoXML struct {
	lim     XMLLimits
	nodes   int
	strings []string
	seen    map[string]bool
}

// note records a string for Document.Strings, once.
func (p *protoXML) note(s string) {
	if s != "" && !p.seen[s] {
		p.seen[s] = true
		p.strings = append(p.strings, s)
	}
}

// node decodes an XmlNode: an element, or a text (returned as text).
func (p *protoXML) node(b []byte, depth int) (*Element, string, error) {
	if depth >= p.lim.MaxDepth {
		return nil, "", formatErr("proto xml: nesting deeper than %d", p.lim.MaxDepth)
	}
	p.nodes++
	if p.nodes > p.lim.MaxElements {
		return nil, "", formatErr("proto xml: more than %d nodes", p.lim.MaxElements)
	}
	var (
		el   *Element
		text string
		line uint64
	)
	err := fields(b, func(f field) error {
		switch f.num {
		case pbNodeElement:
			if err := f.wantBytes("node"); err != nil {
				return err
			}
			e, err := p.element(f.b, depth)
			if err != nil {
				return err
			}
			el, text = e, ""
		case pbNodeText:
			if err := f.wantBytes("node"); err != nil {
				return err
			}
			el, text = nil, f.str()
		case pbNodeSource:
			if err := f.wantBytes("node"); err != nil {
				return err
			}
			return fields(f.b, func(f field) error {
				if f.num == pbPosLine && f.typ == protowire.VarintType {
					line = f.v
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if el != nil {
		el.Line = int(min(line, math.MaxInt32))
	}
	return el, text, nil
}

func (p *protoXML) element(b []byte, depth int) (*Element, error) {
	el := &Element{}
	var text strings.Builder
	err := fields(b, func(f field) error {
		switch f.num {
		case pbElemNSURI, pbElemName:
			if err := f.wantBytes("element"); err != nil {
				return err
			}
			s := f.str()
			p.note(s)
			if f.num == pbElemName {
				el.Name = s
			} else {
				el.NS = s
			}
		case pbElemAttribute:
			if err := f.wantBytes("element"); err != nil {
				return err
			}
			a, err := p.attribute(f.b)
			if err != nil {
				return formatErr("proto xml: element <%s>: attribute %d: %v", el.Name, len(el.Attrs), err)
			}
			el.Attrs = append(el.Attrs, a)
		case pbElemChild:
			if err := f.wantBytes("element"); err != nil {
				return err
			}
			c, t, err := p.node(f.b, depth+1)
			if err != nil {
				return err
			}
			if c != nil {
				el.Children = append(el.Children, c)
			} else if t != "" {
				p.note(t)
				if text.Len()+len(t) <= maxStringLen {
					text.WriteString(t)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if el.Name == "" {
		return nil, formatErr("proto xml: element without a name")
	}
	el.Text = text.String()
	return el, nil
}

func (p *protoXML) attribute(b []byte) (Attr, error) {
	var (
		a        Attr
		compiled []byte
		hasItem  bool
		resID    uint64
	)
	err := fields(b, func(f field) error {
		switch f.num {
		case pbAttrNSURI, pbAttrName, pbAttrValue:
			if err := f.wantBytes("attribute"); err != nil {
				return err
			}
			s := f.str()
			p.note(s)
			switch f.num {
			case pbAttrNSURI:
				a.NS = s
			case pbAttrName:
				a.Name = s
			default:
				a.Raw = s
			}
		case pbAttrResourceID:
			if err := f.wantVarint("attribute"); err != nil {
				return err
			}
			resID = f.v
		case pbAttrCompiledItem:
			if err := f.wantBytes("attribute"); err != nil {
				return err
			}
			compiled, hasItem = f.b, true
		}
		return nil
	})
	if err != nil {
		return Attr{}, err
	}
	if resID > math.MaxUint32 {
		return Attr{}, formatErr("resource id %d out of range", resID)
	}
	a.ResID = uint32(resID)
	if hasItem {
		if a.Value, err = parseItem(compiled); err != nil {
			return Attr{}, err
		}
		if a.Value.Type == TypeString {
			p.note(a.Value.Str)
		}
	} else {
		a.Value = Value{Type: TypeString, Str: a.Raw}
	}
	if canon, ok := attrNames[a.ResID]; ok {
		a.Name, a.NS = canon, AndroidNS
	} else if a.Name == "" {
		return Attr{}, formatErr("attribute without a name")
	}
	// As in ParseXML: a string without text takes the raw value, and an
	// empty typed value with a raw value is that string.
	if a.Value.Type == TypeString && a.Value.Str == "" && a.Raw != "" {
		a.Value.Str = a.Raw
	}
	if a.Value.Type == TypeNull && a.Raw != "" {
		a.Value = Value{Type: TypeString, Str: a.Raw}
	}
	return a, nil
}
