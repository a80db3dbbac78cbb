// Package prototest writes the protocol-buffer forms of Android resources
// that App Bundles carry (aapt2's Resources.proto: XmlNode documents and
// ResourceTable tables) from decoded androidres values, and converts a
// whole APK into an App Bundle, so that tests can build bundle fixtures
// from real APKs. It is imported only by tests.
package prototest

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bulwark-security/bulwark/internal/androidres"
)

// Res_value types the encoder maps to Primitive fields.
const (
	typeDynAttr    = 0x08
	typeColorARGB8 = 0x1c
	typeColorRGB8  = 0x1d
	typeColorARGB4 = 0x1e
	typeColorRGB4  = 0x1f
)

// msg appends field num holding the message body.
func msg(b []byte, num protowire.Number, body []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, body)
}

func str(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func varint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// idMsg is a PackageId, TypeId or EntryId message.
func idMsg(id uint32) []byte { return varint(nil, 1, uint64(id)) }

// Item encodes a Res_value as an aapt.pb.Item.
func Item(v androidres.Value) []byte {
	switch v.Type {
	case androidres.TypeString:
		return msg(nil, 2, str(nil, 1, v.Str))
	case androidres.TypeReference, androidres.TypeAttribute, androidres.TypeDynRef, typeDynAttr:
		var r []byte
		if v.Type == androidres.TypeAttribute || v.Type == typeDynAttr {
			r = varint(r, 1, 1)
		}
		r = varint(r, 2, uint64(v.Data))
		if v.Type == androidres.TypeDynRef || v.Type == typeDynAttr {
			r = msg(r, 5, varint(nil, 1, 1))
		}
		return msg(nil, 1, r)
	}
	var p []byte
	putVarint := func(num protowire.Number, x uint64) {
		p = protowire.AppendTag(p, num, protowire.VarintType)
		p = protowire.AppendVarint(p, x)
	}
	switch v.Type {
	case androidres.TypeNull:
		if v.Data == 1 {
			p = msg(p, 2, nil)
		} else {
			p = msg(p, 1, nil)
		}
	case androidres.TypeFloat:
		p = protowire.AppendTag(p, 3, protowire.Fixed32Type)
		p = protowire.AppendFixed32(p, v.Data)
	case androidres.TypeIntDec:
		putVarint(6, uint64(int64(int32(v.Data))))
	case androidres.TypeIntHex:
		putVarint(7, uint64(v.Data))
	case androidres.TypeIntBoolean:
		putVarint(8, uint64(min(v.Data, 1)))
	case typeColorARGB8:
		putVarint(9, uint64(v.Data))
	case typeColorRGB8:
		putVarint(10, uint64(v.Data))
	case typeColorARGB4:
		putVarint(11, uint64(v.Data))
	case typeColorRGB4:
		putVarint(12, uint64(v.Data))
	case androidres.TypeDimension:
		putVarint(13, uint64(v.Data))
	case androidres.TypeFraction:
		putVarint(14, uint64(v.Data))
	default:
		// Other integer types have no field of their own in Primitive.
		putVarint(6, uint64(int64(int32(v.Data))))
	}
	return msg(nil, 7, p)
}

// EncodeXML writes a document as an aapt.pb.XmlNode, the way a bundle
// stores AndroidManifest.xml and res/**/*.xml: attribute values as the
// raw string plus the compiled item, element lines as source positions,
// text as a text child placed before the element children.
func EncodeXML(doc *androidres.Document) []byte {
	return node(doc.Root, true)
}

func node(e *androidres.Element, root bool) []byte {
	var el []byte
	if root {
		// xmlns:android, as aapt2 keeps it.
		ns := str(nil, 1, "android")
		ns = str(ns, 2, androidres.AndroidNS)
		el = msg(el, 1, ns)
	}
	el = str(el, 2, e.NS)
	el = str(el, 3, e.Name)
	for _, a := range e.Attrs {
		el = msg(el, 4, attribute(a))
	}
	if e.Text != "" {
		el = msg(el, 5, str(nil, 2, e.Text))
	}
	for _, c := range e.Children {
		el = msg(el, 5, node(c, false))
	}
	b := msg(nil, 1, el)
	if e.Line > 0 {
		b = msg(b, 3, varint(nil, 1, uint64(min(e.Line, math.MaxInt32))))
	}
	return b
}

func attribute(a androidres.Attr) []byte {
	var b []byte
	b = str(b, 1, a.NS)
	b = str(b, 2, a.Name)
	b = str(b, 3, a.Raw)
	b = varint(b, 5, uint64(a.ResID))
	// A plain string is stored as the value alone, as aapt2 does.
	if a.Value.Type != androidres.TypeString || a.Value.Str != a.Raw {
		b = msg(b, 6, Item(a.Value))
	}
	return b
}

// placeholderConfig is a non-empty Configuration (mcc = 1) that stands
// for every configuration other than the default one: the table reader
// keeps such values without their details.
var placeholderConfig = varint(nil, 1, 1)

// EncodeTable writes a table as an aapt.pb.ResourceTable: every package,
// type and entry with its id, simple values as items, bags as arrays of
// their items, the default configuration as an absent Configuration and
// the others as a placeholder one.
func EncodeTable(t *androidres.Table) []byte {
	var out []byte
	for _, p := range t.Packages {
		var pkg []byte
		pkg = msg(pkg, 1, idMsg(p.ID))
		pkg = str(pkg, 2, p.Name)
		res := p.Resources()
		for i := 0; i < len(res); {
			typeID := res[i].ID >> 16 & 0xff
			var typ []byte
			typ = msg(typ, 1, idMsg(typeID))
			typ = str(typ, 2, res[i].Type)
			for ; i < len(res) && res[i].ID>>16&0xff == typeID; i++ {
				r := res[i]
				name := ""
				if len(r.Entries) > 0 {
					name = r.Entries[0].Key
				}
				var entry []byte
				entry = msg(entry, 1, idMsg(r.ID&0xffff))
				entry = str(entry, 2, name)
				for _, e := range r.Entries {
					entry = msg(entry, 6, configValue(e))
				}
				typ = msg(typ, 3, entry)
			}
			pkg = msg(pkg, 3, typ)
		}
		out = msg(out, 2, pkg)
	}
	return out
}

func configValue(e androidres.Entry) []byte {
	var cv []byte
	if !e.Default {
		cv = msg(cv, 1, placeholderConfig)
	}
	var v []byte
	if e.Complex {
		var arr []byte
		for _, it := range e.Items {
			arr = msg(arr, 1, msg(nil, 3, Item(it)))
		}
		v = msg(v, 5, msg(nil, 4, arr))
	} else {
		v = msg(v, 4, Item(e.Value))
	}
	return msg(cv, 2, v)
}
