package androidres

import (
	"strings"
)

// AndroidNS is the namespace URI of the android: attributes.
const AndroidNS = "http://schemas.android.com/apk/res/android"

// XMLLimits bound a binary XML document. Zero fields take defaults.
type XMLLimits struct {
	MaxSize     int // bytes; default 16 MiB
	MaxElements int // default 200,000
	MaxDepth    int // default 256
}

func (l XMLLimits) withDefaults() XMLLimits {
	if l.MaxSize <= 0 {
		l.MaxSize = 16 << 20
	}
	if l.MaxElements <= 0 {
		l.MaxElements = 200_000
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 256
	}
	return l
}

// Attr is one attribute of an element.
type Attr struct {
	// NS is the namespace URI ("" for none).
	NS string
	// Name is the attribute's local name; when the resource map gives a
	// known framework attribute id, the canonical name is used instead of
	// the (possibly obfuscated) string in the file.
	Name string
	// ResID is the framework attribute id from the resource map, or 0.
	ResID uint32
	// Value is the typed value; for strings it carries the text.
	Value Value
	// Raw is the raw string value when the file stores one.
	Raw string
}

// Element is one element of a binary XML document.
type Element struct {
	NS       string
	Name     string
	Line     int
	Attrs    []Attr
	Children []*Element
	// Text is the element's character data (e.g. a domain name in a
	// network security configuration), surrounding whitespace included.
	Text string
}

// Attr returns the attribute with the given namespace URI and local name.
func (e *Element) Attr(ns, name string) (Attr, bool) {
	for _, a := range e.Attrs {
		if a.Name == name && a.NS == ns {
			return a, true
		}
	}
	return Attr{}, false
}

// Android returns the android: attribute of that name. It matches by
// framework resource id first (robust to renamed attributes and namespace
// prefixes), then by name in the android namespace.
func (e *Element) Android(name string) (Attr, bool) {
	if id, ok := attrIDs[name]; ok {
		for _, a := range e.Attrs {
			if a.ResID == id {
				return a, true
			}
		}
	}
	return e.Attr(AndroidNS, name)
}

// AndroidString returns an android: attribute rendered as text ("" if absent).
func (e *Element) AndroidString(name string) string {
	a, ok := e.Android(name)
	if !ok {
		return ""
	}
	return a.Value.String()
}

// ChildrenNamed returns the direct children with the given local name.
func (e *Element) ChildrenNamed(name string) []*Element {
	var out []*Element
	for _, c := range e.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Walk calls fn for e and every descendant in document order.
func (e *Element) Walk(fn func(*Element)) {
	fn(e)
	for _, c := range e.Children {
		c.Walk(fn)
	}
}

// Document is a decoded binary XML file.
type Document struct {
	Root *Element
	// Strings is the document's string pool, for detectors that scan text.
	Strings []string
}

// IsBinaryXML reports whether b starts like a binary XML document.
func IsBinaryXML(b []byte) bool {
	return len(b) >= 8 && b[0] == 0x03 && b[1] == 0x00 && b[2] == 0x08 && b[3] == 0x00
}

// ParseXML decodes a binary XML document.
func ParseXML(b []byte, lim XMLLimits) (*Document, error) {
	lim = lim.withDefaults()
	if len(b) > lim.MaxSize {
		return nil, formatErr("binary xml: %d bytes, limit %d", len(b), lim.MaxSize)
	}
	root, err := readChunk(b, 0)
	if err != nil {
		return nil, err
	}
	if root.typ != chunkXML {
		return nil, formatErr("binary xml: file chunk type 0x%04x, want 0x0003", root.typ)
	}
	chunks, err := root.children(lim.MaxElements*2 + 1024)
	if err != nil {
		return nil, err
	}
	var (
		pool    *StringPool
		resMap  []uint32
		nsStack []nsBinding
		stack   []*Element
		doc     = &Document{}
		count   int
	)
	for _, c := range chunks {
		switch c.typ {
		case chunkStringPool:
			if pool != nil {
				return nil, formatErr("binary xml: second string pool at %d", c.offset)
			}
			if pool, err = parseStringPool(c); err != nil {
				return nil, err
			}
		case chunkXMLResourceMap:
			n := (c.size - c.headerSize) / 4
			resMap = make([]uint32, n)
			for i := range resMap {
				resMap[i], _ = u32(c.data, c.headerSize+4*i)
			}
		case chunkXMLStartNS, chunkXMLEndNS:
			prefix, _ := u32(c.data, c.headerSize)
			uri, ok := u32(c.data, c.headerSize+4)
			if !ok {
				return nil, formatErr("binary xml: namespace node at %d truncated", c.offset)
			}
			if c.typ == chunkXMLStartNS {
				if len(nsStack) >= lim.MaxDepth {
					return nil, formatErr("binary xml: more than %d namespace bindings", lim.MaxDepth)
				}
				nsStack = append(nsStack, nsBinding{prefix: prefix, uri: uri})
			} else if len(nsStack) > 0 {
				nsStack = nsStack[:len(nsStack)-1]
			}
		case chunkXMLStartElem:
			count++
			if count > lim.MaxElements {
				return nil, formatErr("binary xml: more than %d elements", lim.MaxElements)
			}
			if len(stack) >= lim.MaxDepth {
				return nil, formatErr("binary xml: nesting deeper than %d", lim.MaxDepth)
			}
			el, err := parseStartElement(c, pool, resMap)
			if err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				if doc.Root != nil {
					return nil, formatErr("binary xml: second root element <%s> at %d", el.Name, c.offset)
				}
				doc.Root = el
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, el)
			}
			stack = append(stack, el)
		case chunkXMLEndElem:
			if len(stack) == 0 {
				return nil, formatErr("binary xml: end element without start at %d", c.offset)
			}
			stack = stack[:len(stack)-1]
		case chunkXMLCData:
			ref, ok := u32(c.data, c.headerSize)
			if ok && len(stack) > 0 && pool != nil {
				if t, ok := pool.Get(ref); ok {
					el := stack[len(stack)-1]
					if len(el.Text)+len(t) <= maxStringLen {
						el.Text += t
					}
				}
			}
		case chunkNull:
		default:
			// Unknown chunks are skipped, as the platform does.
		}
	}
	if doc.Root == nil {
		return nil, formatErr("binary xml: no root element")
	}
	doc.Strings = pool.All()
	return doc, nil
}

type nsBinding struct{ prefix, uri uint32 }

func parseStartElement(c chunk, pool *StringPool, resMap []uint32) (*Element, error) {
	if pool == nil {
		return nil, formatErr("binary xml: element at %d before the string pool", c.offset)
	}
	line, _ := u32(c.data, 8)
	ext := c.headerSize
	if ext+20 > c.size {
		return nil, formatErr("binary xml: element at %d truncated", c.offset)
	}
	nsRef, _ := u32(c.data, ext)
	nameRef, _ := u32(c.data, ext+4)
	attrStart, _ := u16(c.data, ext+8)
	attrSize, _ := u16(c.data, ext+10)
	attrCount, _ := u16(c.data, ext+12)
	el := &Element{Line: int(line)}
	el.NS = optString(pool, nsRef)
	name, ok := pool.Get(nameRef)
	if !ok {
		return nil, formatErr("binary xml: element at %d: name %d out of range", c.offset, nameRef)
	}
	el.Name = name
	if attrCount == 0 {
		return el, nil
	}
	if attrSize < 20 {
		return nil, formatErr("binary xml: element <%s> at %d: attribute size %d below 20", name, c.offset, attrSize)
	}
	first := ext + int(attrStart)
	if first+int(attrCount)*int(attrSize) > c.size {
		return nil, formatErr("binary xml: element <%s> at %d: %d attributes past end of chunk", name, c.offset, attrCount)
	}
	el.Attrs = make([]Attr, 0, attrCount)
	for i := range int(attrCount) {
		off := first + i*int(attrSize)
		ans, _ := u32(c.data, off)
		aname, _ := u32(c.data, off+4)
		raw, _ := u32(c.data, off+8)
		v, err := parseResValue(c.data, off+12, pool)
		if err != nil {
			return nil, formatErr("binary xml: element <%s>: attribute %d: %v", name, i, err)
		}
		a := Attr{NS: optString(pool, ans), Value: v, Raw: optString(pool, raw)}
		if int64(aname) < int64(len(resMap)) {
			a.ResID = resMap[aname]
		}
		if canon, ok := attrNames[a.ResID]; ok {
			a.Name, a.NS = canon, AndroidNS
		} else if s, ok := pool.Get(aname); ok {
			a.Name = s
		} else {
			return nil, formatErr("binary xml: element <%s>: attribute %d: name %d out of range", name, i, aname)
		}
		// A string-typed value without text takes the raw string, as aapt
		// writes it; otherwise the typed value is what the platform reads.
		if a.Value.Type == TypeString && a.Value.Str == "" && a.Raw != "" {
			a.Value.Str = a.Raw
		}
		if a.Value.Type == TypeNull && a.Raw != "" {
			a.Value = Value{Type: TypeString, Str: a.Raw}
		}
		el.Attrs = append(el.Attrs, a)
	}
	return el, nil
}

// optString resolves an optional string reference (0xffffffff = none).
func optString(p *StringPool, ref uint32) string {
	if ref == 0xffffffff {
		return ""
	}
	s, _ := p.Get(ref)
	return s
}

// String renders an element and its subtree as indented pseudo-XML, for
// debugging and golden tests.
func (e *Element) String() string {
	var b strings.Builder
	var walk func(*Element, int)
	walk = func(e *Element, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString("<" + e.Name)
		for _, a := range e.Attrs {
			b.WriteString(" ")
			if a.NS == AndroidNS {
				b.WriteString("android:")
			}
			b.WriteString(a.Name + "=\"" + a.Value.String() + "\"")
		}
		b.WriteString(">\n")
		for _, c := range e.Children {
			walk(c, depth+1)
		}
	}
	walk(e, 0)
	return b.String()
}
