package source

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-security/bulwark/internal/androidres"
)

// XMLLimits bound a text XML document converted to an androidres.Document.
// Zero fields take defaults.
type XMLLimits struct {
	MaxSize     int // bytes; default 8 MiB
	MaxElements int // default 200,000
	MaxDepth    int // default 256
	MaxAttrs    int // per element; default 1,000
}

func (l XMLLimits) withDefaults() XMLLimits {
	if l.MaxSize <= 0 {
		l.MaxSize = 8 << 20
	}
	if l.MaxElements <= 0 {
		l.MaxElements = 200_000
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 256
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = 1000
	}
	return l
}

// ErrXMLLimit means a text XML document exceeds its limits.
var ErrXMLLimit = errors.New("xml document exceeds limits")

// ParseTextXML converts a text XML document (an AndroidManifest.xml or a
// res/xml file of a source tree) into the androidres.Document that the
// Android checks read: namespace prefixes resolved to URIs, every
// attribute a TypeString value (Value.Bool and Value.Int parse strings),
// element lines from the decoder's position. Attributes carry no
// framework resource id; Element.Android matches them by name in the
// android namespace.
func ParseTextXML(data []byte, lim XMLLimits) (*androidres.Document, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrXMLLimit, len(data), lim.MaxSize)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	doc := &androidres.Document{}
	var stack []*androidres.Element
	var texts []*strings.Builder // character data of each open element
	elements := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if doc.Root != nil && len(stack) == 0 {
				return nil, errors.New("parse xml: more than one root element")
			}
			elements++
			if elements > lim.MaxElements {
				return nil, fmt.Errorf("%w: more than %d elements", ErrXMLLimit, lim.MaxElements)
			}
			if len(stack) >= lim.MaxDepth {
				return nil, fmt.Errorf("%w: deeper than %d elements", ErrXMLLimit, lim.MaxDepth)
			}
			if len(t.Attr) > lim.MaxAttrs {
				return nil, fmt.Errorf("%w: element %s has %d attributes (limit %d)", ErrXMLLimit, t.Name.Local, len(t.Attr), lim.MaxAttrs)
			}
			line, _ := d.InputPos()
			el := &androidres.Element{NS: t.Name.Space, Name: t.Name.Local, Line: line}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue // namespace declarations, already resolved
				}
				el.Attrs = append(el.Attrs, androidres.Attr{
					NS:    a.Name.Space,
					Name:  a.Name.Local,
					Value: androidres.Value{Type: androidres.TypeString, Str: a.Value},
					Raw:   a.Value,
				})
				doc.Strings = append(doc.Strings, a.Value)
			}
			if len(stack) == 0 {
				doc.Root = el
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, el)
			}
			stack = append(stack, el)
			texts = append(texts, &strings.Builder{})
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errors.New("parse xml: unexpected end element")
			}
			el := stack[len(stack)-1]
			el.Text = texts[len(texts)-1].String()
			if s := strings.TrimSpace(el.Text); s != "" {
				doc.Strings = append(doc.Strings, s)
			}
			stack, texts = stack[:len(stack)-1], texts[:len(texts)-1]
		case xml.CharData:
			if len(stack) > 0 {
				texts[len(texts)-1].Write(t)
			}
		}
	}
	if doc.Root == nil {
		return nil, errors.New("parse xml: no root element")
	}
	if len(stack) != 0 {
		return nil, errors.New("parse xml: unclosed element")
	}
	return doc, nil
}
