package dex

import (
	"fmt"
	"unsafe"
)

// maxWarnings caps File.Warnings; further warnings are counted.
const maxWarnings = 100

// Parse reads a DEX file. It fails when the header or one of the id tables
// is unusable; problems confined to one class or method are reported in
// File.Warnings. The returned File does not refer to data.
func Parse(data []byte, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxFileSize {
		return nil, limitErr("%d bytes (limit %d)", len(data), lim.MaxFileSize)
	}
	h, view, warns, err := parseHeader(data)
	if err != nil {
		return nil, err
	}
	p := &parser{b: view, h: h, lim: lim, f: &File{Version: h.version}}
	for _, w := range warns {
		p.warn("%s", w)
	}
	p.checkMap()
	steps := []func() error{p.readStrings, p.readTypes, p.readProtos, p.readFields, p.readMethods, p.readClasses}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if p.dropped > 0 {
		p.f.Warnings = append(p.f.Warnings, fmt.Sprintf("%d more warnings not shown", p.dropped))
	}
	return p.f, nil
}

// parser holds the state of one Parse.
type parser struct {
	b      []byte // the file; offsets are relative to it
	h      header
	lim    Limits
	f      *File
	protos []string // descriptors of proto_ids

	dropped int // warnings beyond maxWarnings

	code codeReader
}

// warn records a non-fatal problem.
func (p *parser) warn(format string, args ...any) {
	if len(p.f.Warnings) >= maxWarnings {
		p.dropped++
		return
	}
	p.f.Warnings = append(p.f.Warnings, fmt.Sprintf(format, args...))
}

// arena hands out slices carved from shared chunks, so that the many small
// per-method slices of a file cost a few allocations instead of one each.
// Chunks grow from arenaMinChunk to arenaMaxChunk bytes, which bounds the
// unused tail a parse leaves. Slices it returns have their capacity
// clipped to their length, so an append by a caller never writes into a
// neighbour.
type arena[T any] struct {
	buf  []T
	next int // size in bytes of the next chunk
}

const (
	arenaMinChunk = 4 << 10
	arenaMaxChunk = 256 << 10
)

// copy returns a copy of s carved from the arena, or nil for an empty s.
func (a *arena[T]) copy(s []T) []T {
	if len(s) == 0 {
		return nil
	}
	if cap(a.buf)-len(a.buf) < len(s) {
		if a.next == 0 {
			a.next = arenaMinChunk
		}
		size := int(unsafe.Sizeof(s[0]))
		a.buf = make([]T, 0, max(a.next/size, len(s)))
		a.next = min(2*a.next, arenaMaxChunk)
	}
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	return a.buf[start:len(a.buf):len(a.buf)]
}
