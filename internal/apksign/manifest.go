package apksign

import (
	"bytes"
	"fmt"
	"strings"
)

// jarSection is one section of a JAR manifest or signature file: its
// attributes and its exact bytes (which signature files digest).
type jarSection struct {
	attrs map[string]string
	raw   []byte
}

// jarManifest is a parsed MANIFEST.MF or .SF file.
type jarManifest struct {
	main    jarSection
	entries map[string]jarSection
	order   []string
}

const (
	maxManifestSize = 64 << 20
	maxSections     = 1 << 20
	maxAttrs        = 256
)

// parseManifest reads the JAR manifest format: sections separated by blank
// lines, "Name: value" attributes, continuation lines starting with one
// space; CRLF, LF and CR line endings.
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
		if len(attrs) == 0 {
			continue
		}
		name, ok := attrs["name"]
		if !ok {
			return nil, fmt.Errorf("%w: section without Name", ErrFormat)
		}
		if len(m.order) == maxSections {
			return nil, fmt.Errorf("%w: more than %d sections", ErrFormat, maxSections)
		}
		if _, dup := m.entries[name]; dup {
			return nil, fmt.Errorf("%w: duplicate section %q", ErrFormat, name)
		}
		m.entries[name] = sec
		m.order = append(m.order, name)
	}
	return m, nil
}

// nextSection splits off the first section, including the blank line that
// ends it.
func nextSection(b []byte) (section, rest []byte) {
	i := 0
	for i < len(b) {
		end, next := lineEnd(b, i)
		if end == i { // blank line ends the section
			return b[:next], b[next:]
		}
		i = next
	}
	return b, nil
}

// lineEnd returns where the line starting at i ends and where the next begins.
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

func parseAttrs(sec []byte) (map[string]string, error) {
	attrs := make(map[string]string)
	var lastKey string
	for i := 0; i < len(sec); {
		end, next := lineEnd(sec, i)
		line := string(sec[i:end])
		i = next
		if line == "" {
			break
		}
		if line[0] == ' ' {
			if lastKey == "" {
				return nil, fmt.Errorf("%w: continuation line without attribute", ErrFormat)
			}
			attrs[lastKey] += line[1:]
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("%w: malformed attribute line", ErrFormat)
			}
		}
		if len(attrs) == maxAttrs {
			return nil, fmt.Errorf("%w: more than %d attributes", ErrFormat, maxAttrs)
		}
		lastKey = strings.ToLower(k)
		if _, dup := attrs[lastKey]; !dup {
			attrs[lastKey] = v
		}
	}
	return attrs, nil
}
