package apksign

import (
	"bytes"
	"fmt"
	"strings"
)

// jarSection is one section of a JAR manifest or signature file: its
// attributes (names lower-cased) and its exact bytes, including the blank
// line that ends it, which is what signature files digest.
type jarSection struct {
	attrs map[string]string
	raw   []byte
}

// jarManifest is a parsed MANIFEST.MF or .SF file: the main section, then
// one section per named entry.
type jarManifest struct {
	main    jarSection
	entries map[string]jarSection
	order   []string
}

// Bounds on manifests and signature files.
const (
	maxManifestSize = 64 << 20
	maxSections     = 1 << 20
	maxAttrs        = 256
)

// parseManifest reads the JAR manifest format: sections separated by
// blank lines; "Name: value" attributes; a line starting with one space
// continues the previous one (writers wrap lines at 72 bytes); CRLF, LF
// and CR line endings. The first section is the main one; each other
// section names its entry with a Name attribute.
func parseManifest(b []byte) (*jarManifest, error) {
	if len(b) > maxManifestSize {
		return nil, fmt.Errorf("%w: manifest of %d bytes", ErrFormat, len(b))
	}
	m := &jarManifest{entries: make(map[string]jarSection)}
	first := true
	for len(b) > 0 {
		raw, rest := nextSection(b)
		b = rest
		attrs, err := parseAttrs(raw)
		if err != nil {
			return nil, err
		}
		sec := jarSection{attrs: attrs, raw: raw}
		if first {
			m.main, first = sec, false
			continue
		}
		if len(attrs) == 0 { // extra blank lines
			continue
		}
		name, ok := attrs["name"]
		if !ok {
			return nil, fmt.Errorf("%w: section without Name", ErrFormat)
		}
		if _, dup := m.entries[name]; dup {
			return nil, fmt.Errorf("%w: duplicate section %q", ErrFormat, name)
		}
		if len(m.order) == maxSections {
			return nil, fmt.Errorf("%w: more than %d sections", ErrFormat, maxSections)
		}
		m.entries[name] = sec
		m.order = append(m.order, name)
	}
	return m, nil
}

// nextSection splits off the first section, including the blank line that
// ends it.
func nextSection(b []byte) (section, rest []byte) {
	for i := 0; i < len(b); {
		end, next := lineEnd(b, i)
		if end == i {
			return b[:next], b[next:]
		}
		i = next
	}
	return b, nil
}

// lineEnd returns where the line starting at i ends and where the next
// one begins.
func lineEnd(b []byte, i int) (end, next int) {
	j := bytes.IndexAny(b[i:], "\r\n")
	if j < 0 {
		return len(b), len(b)
	}
	end = i + j
	next = end + 1
	if b[end] == '\r' && next < len(b) && b[next] == '\n' {
		next++
	}
	return end, next
}

// parseAttrs reads the attributes of one section. Continuation lines are
// gathered and joined once per attribute, so the cost is linear in the
// section's size. The first of repeated attributes wins.
func parseAttrs(sec []byte) (map[string]string, error) {
	attrs := make(map[string]string)
	var (
		key   string
		value []byte
	)
	flush := func() {
		if key == "" {
			return
		}
		if _, dup := attrs[key]; !dup {
			attrs[key] = string(value)
		}
		key, value = "", value[:0]
	}
	for i := 0; i < len(sec); {
		end, next := lineEnd(sec, i)
		line := sec[i:end]
		i = next
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' {
			if key == "" {
				return nil, fmt.Errorf("%w: continuation line without attribute", ErrFormat)
			}
			value = append(value, line[1:]...)
			continue
		}
		flush()
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(k) == 0 {
			return nil, fmt.Errorf("%w: malformed attribute line", ErrFormat)
		}
		if len(attrs) == maxAttrs {
			return nil, fmt.Errorf("%w: more than %d attributes in a section", ErrFormat, maxAttrs)
		}
		key = strings.ToLower(string(k))
		value = append(value, bytes.TrimPrefix(v, []byte(" "))...)
	}
	flush()
	return attrs, nil
}
