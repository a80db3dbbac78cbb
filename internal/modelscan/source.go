package modelscan

import (
	"context"
	"fmt"
	"io"
)

// source reads a file at random offsets through a window, charging every
// byte fetched to a budget (Limits.MaxReadBytes) and counting the values
// visited (Limits.MaxProtoFields). Parsers that skip tensor data never read
// it.
type source struct {
	ctx    context.Context
	r      io.ReaderAt
	size   int64
	win    []byte
	winOff int64
	budget int64
	steps  int
	maxSt  int
	depth  int // Limits.MaxProtoDepth
}

const windowSize = 64 << 10

func newSource(ctx context.Context, r io.ReaderAt, size int64, lim Limits) *source {
	return &source{ctx: ctx, r: r, size: size, winOff: -1, budget: lim.MaxReadBytes, maxSt: lim.MaxProtoFields, depth: lim.MaxProtoDepth}
}

// step counts one value visited and checks the context now and then.
func (s *source) step() error {
	s.steps++
	if s.steps > s.maxSt {
		return fmt.Errorf("%w: more than %d values", ErrLimit, s.maxSt)
	}
	if s.steps&0xfff == 0 {
		return s.ctx.Err()
	}
	return nil
}

// at returns n bytes at off. The slice is valid until the next call.
func (s *source) at(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > s.size || n > s.size-off {
		return nil, fmt.Errorf("%w: %d bytes at offset %d run past the end (%d)", ErrMalformed, n, off, s.size)
	}
	if s.winOff >= 0 && off >= s.winOff && off+n <= s.winOff+int64(len(s.win)) {
		return s.win[off-s.winOff : off-s.winOff+n], nil
	}
	if n > windowSize {
		if err := s.charge(n); err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		if _, err := s.r.ReadAt(buf, off); err != nil && err != io.EOF {
			return nil, fmt.Errorf("read at %d: %w", off, err)
		}
		return buf, nil
	}
	w := min(int64(windowSize), s.size-off)
	if err := s.charge(w); err != nil {
		return nil, err
	}
	if cap(s.win) < windowSize {
		s.win = make([]byte, windowSize)
	}
	s.win = s.win[:w]
	if m, err := s.r.ReadAt(s.win, off); err != nil && !(err == io.EOF && int64(m) == w) {
		s.winOff = -1
		return nil, fmt.Errorf("read at %d: %w", off, err)
	}
	s.winOff = off
	return s.win[:n], nil
}

// upTo returns up to n bytes at off, fewer at the end of the file.
func (s *source) upTo(off, n int64) ([]byte, error) {
	if off >= s.size {
		return nil, nil
	}
	return s.at(off, min(n, s.size-off))
}

func (s *source) charge(n int64) error {
	s.budget -= n
	if s.budget < 0 {
		return fmt.Errorf("%w: read more than the %d-byte budget", ErrLimit, s.budget+n)
	}
	return s.ctx.Err()
}

// str returns a copy of n bytes at off as a string, n at most max.
func (s *source) str(off, n int64, maxLen int) (string, error) {
	if n > int64(maxLen) {
		return "", fmt.Errorf("%w: string of %d bytes at offset %d, limit %d", ErrLimit, n, off, maxLen)
	}
	b, err := s.at(off, n)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Protocol buffers, walked over a source.

const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// maxName bounds strings read for names and paths in messages.
const maxName = 64 << 10

// pbField is one field of a message; for a length-delimited field, off and
// n locate its bytes in the file.
type pbField struct {
	num  int
	wire int
	val  uint64
	off  int64
	n    int64
}

// pbMsg is a message located at [off, end) of a source.
type pbMsg struct {
	s        *source
	off, end int64
	depth    int
}

func (s *source) message(off, end int64) pbMsg { return pbMsg{s: s, off: off, end: end} }

// sub returns the message in a length-delimited field, one level deeper.
func (m *pbMsg) sub(f pbField) (pbMsg, error) {
	if m.depth+1 > m.s.depth {
		return pbMsg{}, fmt.Errorf("%w: messages nested deeper than %d", ErrLimit, m.s.depth)
	}
	return pbMsg{s: m.s, off: f.off, end: f.off + f.n, depth: m.depth + 1}, nil
}

func (m *pbMsg) varint() (uint64, error) {
	b, err := m.s.upTo(m.off, min(10, m.end-m.off))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i, c := range b {
		if i == 9 && c > 1 {
			break
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			m.off += int64(i + 1)
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: bad varint at offset %d", ErrMalformed, m.off)
}

// next returns the next field, or false at the end of the message.
func (m *pbMsg) next() (pbField, bool, error) {
	if m.off >= m.end {
		return pbField{}, false, nil
	}
	if err := m.s.step(); err != nil {
		return pbField{}, false, err
	}
	tag, err := m.varint()
	if err != nil {
		return pbField{}, false, err
	}
	f := pbField{num: int(tag >> 3), wire: int(tag & 7)}
	if f.num == 0 || tag>>3 > 1<<29-1 {
		return pbField{}, false, fmt.Errorf("%w: field number 0 at offset %d", ErrMalformed, m.off)
	}
	switch f.wire {
	case wireVarint:
		f.val, err = m.varint()
		if err != nil {
			return pbField{}, false, err
		}
	case wireFixed64, wireFixed32:
		w := int64(8)
		if f.wire == wireFixed32 {
			w = 4
		}
		if m.off+w > m.end {
			return pbField{}, false, fmt.Errorf("%w: fixed field past the end of its message", ErrMalformed)
		}
		m.off += w
	case wireBytes:
		l, err := m.varint()
		if err != nil {
			return pbField{}, false, err
		}
		if l > uint64(m.end-m.off) {
			return pbField{}, false, fmt.Errorf("%w: field %d of %d bytes at offset %d runs past its message", ErrMalformed, f.num, l, m.off)
		}
		f.off, f.n = m.off, int64(l)
		m.off += int64(l)
	default:
		return pbField{}, false, fmt.Errorf("%w: wire type %d at offset %d", ErrMalformed, f.wire, m.off)
	}
	return f, true, nil
}

// text reads a length-delimited field as a string of at most maxName bytes.
func (m *pbMsg) text(f pbField) (string, error) {
	if f.wire != wireBytes {
		return "", fmt.Errorf("%w: field %d is not a string", ErrMalformed, f.num)
	}
	return m.s.str(f.off, f.n, maxName)
}

// each calls fn for every field of the message.
func (m pbMsg) each(fn func(f pbField) error) error {
	for {
		f, ok, err := m.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
}

// eachSub calls fn with the sub-message of every length-delimited field
// numbered num.
func (m pbMsg) eachSub(num int, fn func(sub pbMsg) error) error {
	return m.each(func(f pbField) error {
		if f.num != num || f.wire != wireBytes {
			return nil
		}
		sub, err := m.sub(f)
		if err != nil {
			return err
		}
		return fn(sub)
	})
}

// strings returns the string fields numbered num of a message.
func (m pbMsg) strings(num int) ([]string, error) {
	var out []string
	err := m.each(func(f pbField) error {
		if f.num == num && f.wire == wireBytes {
			s, err := m.text(f)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// firstString returns the first string field numbered num of a message,
// without reading the others.
func (m pbMsg) firstString(num int) (string, bool, error) {
	for {
		f, ok, err := m.next()
		if err != nil || !ok {
			return "", false, err
		}
		if f.num == num && f.wire == wireBytes {
			s, err := m.text(f)
			return s, err == nil, err
		}
	}
}
