package pickle

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bulwark-security/bulwark/internal/model"
)

// Magic numbers of the containers recognized by content.
var (
	zipLocalMagic = []byte("PK\x03\x04")
	zipEndMagic   = []byte("PK\x05\x06")
	sevenZipMagic = []byte("7z\xbc\xaf\x27\x1c")
	npyMagic      = []byte("\x93NUMPY")
	gzipMagic     = []byte{0x1f, 0x8b}
	bzip2Magic    = []byte("BZh")
	xzMagic       = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	// legacyMagic starts torch.save's legacy format: PROTO 2, then LONG1
	// of the magic number 0x1950a86a20f9469cfc6c.
	legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}
)

// legacyPickles is the number of pickles torch.load reads from a legacy
// file (magic number, protocol version, system info, the object, the
// storage keys) before the raw storage bytes.
const legacyPickles = 5

// ScanFile recognizes the container of a file by its content and scans
// every pickle in it. The error is for failures to read r; what the
// content holds, malformed or not, is in the Report.
func ScanFile(r io.ReaderAt, size int64, lim Limits) (Report, error) {
	lim = lim.withDefaults()
	if size < 0 {
		return Report{}, fmt.Errorf("negative size %d", size)
	}
	c := &containerScan{lim: lim, budget: lim.MaxTotalSize}
	head := make([]byte, min(size, 512))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return Report{}, fmt.Errorf("read head: %w", err)
	}
	whole := func() io.Reader { return io.NewSectionReader(r, 0, size) }
	var err error
	switch {
	case bytes.HasPrefix(head, zipLocalMagic) || bytes.HasPrefix(head, zipEndMagic):
		err = c.zip(r, size)
	case bytes.HasPrefix(head, sevenZipMagic):
		err = c.carve(r, size)
	case bytes.HasPrefix(head, npyMagic):
		c.rep.Container = "numpy"
		if e := c.npy("", whole()); e != nil {
			c.note("%v", e)
		}
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		err = c.tar(whole())
	case bytes.HasPrefix(head, legacyMagic):
		c.rep.Container = "pytorch-legacy"
		c.stream("", whole(), legacyPickles)
	case bytes.HasPrefix(head, gzipMagic), bytes.HasPrefix(head, bzip2Magic), isZlib(head):
		err = c.compressed(head, whole())
	case bytes.HasPrefix(head, xzMagic):
		c.rep.Container = "pickle"
		c.note("xz-compressed content is not decompressed: not read")
		c.rep.Incomplete = true
	default:
		st, ok := c.stream("", whole(), 0)
		switch {
		case ok && c.joblib:
			c.rep.Container = "joblib"
		case ok:
			c.rep.Container = "pickle"
		default:
			c.rep.Streams = nil
			c.note("content is not a pickle nor a container built on pickle (%s)", st.Err)
		}
	}
	return c.rep, err
}

// containerScan accumulates the report of one file.
type containerScan struct {
	lim     Limits
	rep     Report
	budget  int64 // uncompressed bytes left to read
	members int
	joblib  bool
}

func (c *containerScan) note(format string, args ...any) {
	c.rep.Notes = append(c.rep.Notes, fmt.Sprintf(format, args...))
}

// stream scans one opcode stream and adds it to the report. It reports
// whether the stream held at least one pickle or one import; streams that
// held neither are not kept.
func (c *containerScan) stream(member string, r io.Reader, maxPickles int) (Stream, bool) {
	cr := &countingReader{r: r, left: min(c.lim.MaxMemberSize, c.budget)}
	s := newScanner(cr, c.lim, maxPickles)
	err := s.run()
	c.budget -= cr.n
	if err != nil {
		s.st.Err = err.Error()
	}
	if cr.over {
		s.st.Err = fmt.Sprintf("limit: member larger than %d bytes, or the container's budget spent", min(c.lim.MaxMemberSize, c.budget+cr.n))
	}
	s.st.Member = member
	c.joblib = c.joblib || s.joblib
	if s.st.Pickles == 0 && len(s.st.Globals) == 0 {
		return s.st, false
	}
	c.rep.Streams = append(c.rep.Streams, s.st)
	return s.st, true
}

// countingReader stops at a byte budget.
type countingReader struct {
	r    io.Reader
	n    int64
	left int64
	over bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		c.over = true
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.left -= int64(n)
	return n, err
}

// isZlib reports a zlib header (joblib's compressed files).
func isZlib(h []byte) bool {
	return len(h) >= 2 && h[0] == 0x78 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}

// compressed scans a pickle (a joblib file, typically) compressed whole.
func (c *containerScan) compressed(head []byte, r io.Reader) error {
	var dr io.Reader
	var err error
	kind := "gzip"
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		dr, err = gzip.NewReader(r)
	case bytes.HasPrefix(head, bzip2Magic):
		dr, kind = bzip2.NewReader(r), "bzip2"
	default:
		dr, err = zlib.NewReader(r)
		kind = "zlib"
	}
	if err != nil {
		c.note("%s stream unreadable: %v", kind, err)
		return nil
	}
	_, ok := c.stream("", dr, 0)
	c.rep.Container = "pickle"
	if c.joblib {
		c.rep.Container = "joblib"
	}
	if ok {
		c.note("content is %s-compressed", kind)
	} else {
		c.note("%s-compressed content is not a pickle", kind)
	}
	return nil
}

// member scans one archive member: NumPy arrays, and whatever is a pickle
// by its name or its content.
func (c *containerScan) member(name string, open func() (io.ReadCloser, error)) {
	if c.members >= c.lim.MaxMembers {
		if c.members == c.lim.MaxMembers {
			c.note("limit: more than %d members; the rest is not read", c.lim.MaxMembers)
			c.rep.Incomplete = true
		}
		c.members++
		return
	}
	c.members++
	rc, err := open()
	if err != nil {
		c.note("member %s is not readable: %v", name, err)
		c.rep.Incomplete = true
		return
	}
	defer rc.Close()
	br := newPeekReader(rc)
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, npyMagic):
		if err := c.npy(name, br); err != nil {
			c.note("member %s: %v", name, err)
		}
		return
	case isPickleName(name), looksPickle(head):
	default:
		return
	}
	st, _ := c.stream(name, br, 0)
	if errors.Is(br.err, zip.ErrChecksum) {
		c.note("member %s fails its CRC check; scanned anyway", name)
	} else if br.err != nil && st.Err == "" {
		c.note("member %s: %v", name, br.err)
	}
}

// isPickleName reports names that loaders unpickle.
func isPickleName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".pkl", ".pickle", ".joblib":
		return true
	}
	return false
}

// looksPickle reports content that model identification takes for a
// pickle; a protocol 2+ pickle is taken on its first two bytes.
func looksPickle(head []byte) bool {
	if len(head) >= 2 && head[0] == opProto && head[1] >= 2 && head[1] <= 5 {
		return true
	}
	info, ok := model.Identify(head, int64(len(head)))
	return ok && (info.Format == model.FormatPickle || info.Format == model.FormatPyTorchLegacy)
}

// peekReader is a reader with a head it can show first, that keeps the
// first error other than EOF of the underlying reader.
type peekReader struct {
	r   io.Reader
	buf []byte
	err error
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) Peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		b := make([]byte, n-len(p.buf))
		k, err := p.r.Read(b)
		p.buf = append(p.buf, b[:k]...)
		if err != nil {
			p.keep(err)
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

func (p *peekReader) keep(err error) {
	if !errors.Is(err, io.EOF) && p.err == nil {
		p.err = err
	}
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	n, err := p.r.Read(b)
	if err != nil {
		p.keep(err)
	}
	return n, err
}

// zip scans the members of a ZIP archive, through its central directory
// when that is readable and through its local headers otherwise.
func (c *containerScan) zip(r io.ReaderAt, size int64) error {
	if n, ok := zipEntryCount(r, size); ok && n > uint64(c.lim.MaxMembers) {
		// archive/zip would hold every entry of the directory: walk the
		// local headers instead, which stops at MaxMembers.
		c.note("central directory lists %d entries, limit %d: members found through their local headers", n, c.lim.MaxMembers)
		c.rep.Container = "zip"
		return c.localHeaders(r, size)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		c.note("central directory unreadable (%v): members found through their local headers", err)
		c.rep.Container = "zip"
		return c.localHeaders(r, size)
	}
	names := make([]string, 0, len(zr.File))
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	c.rep.Container = zipContainer(names)
	seen := map[string]int{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		name := f.Name
		if seen[name]++; seen[name] > 1 {
			c.note("member name %s occurs %d times; every copy is scanned", name, seen[name])
			name = fmt.Sprintf("%s#%d", name, seen[name])
		}
		if f.Flags&0x1 != 0 {
			c.note("member %s is marked encrypted; its stored bytes are scanned as they are", name)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			c.note("member %s uses compression method %d: not read", name, f.Method)
			c.rep.Incomplete = true
			continue
		}
		if (c.rep.Container == "pytorch-zip" || c.rep.Container == "torchscript") && isTensorData(f.Name) {
			continue // raw storage bytes, never unpickled by torch.load
		}
		if lname, ok := localName(r, f); ok && lname != f.Name {
			c.note("member %s is named %q in its local header", name, lname)
		}
		c.member(name, f.Open)
	}
	if c.joblib && c.rep.Container == "zip" {
		c.rep.Container = "joblib"
	}
	return nil
}

// isTensorData reports the raw storage members of a PyTorch archive:
// <prefix>/data/<key>, where the key is a number.
func isTensorData(name string) bool {
	dir, key := path.Split(name)
	if !strings.HasSuffix(dir, "data/") || key == "" {
		return false
	}
	for _, c := range key {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// zipEntryCount reads the entry count of a ZIP archive's end record (or
// of its ZIP64 end record).
func zipEntryCount(r io.ReaderAt, size int64) (uint64, bool) {
	tail := make([]byte, min(size, 22+65535+20))
	start := size - int64(len(tail))
	if _, err := r.ReadAt(tail, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	i := bytes.LastIndex(tail, zipEndMagic)
	if i < 0 || i+22 > len(tail) {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if n != 0xffff || i < 20 || !bytes.Equal(tail[i-20:i-16], []byte("PK\x06\x07")) {
		return n, true
	}
	// The ZIP64 locator precedes the end record and points at the ZIP64 end record.
	off := int64(binary.LittleEndian.Uint64(tail[i-20+8:]))
	var rec [56]byte
	if off < 0 || off > size-56 {
		return 0, false
	}
	if _, err := r.ReadAt(rec[:], off); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}

// localName reads the name in a member's local header.
func localName(r io.ReaderAt, f *zip.File) (string, bool) {
	off, err := f.DataOffset()
	if err != nil {
		return "", false
	}
	// The name ends where the extra field starts: try the central
	// directory's extra length first, then none.
	for _, extra := range []int64{int64(len(f.Extra)), 0} {
		start := off - extra - int64(len(f.Name)) - 30
		if start < 0 {
			continue
		}
		var hdr [30]byte
		if _, err := r.ReadAt(hdr[:], start); err != nil || !bytes.Equal(hdr[:4], zipLocalMagic) {
			continue
		}
		n := int64(binary.LittleEndian.Uint16(hdr[26:]))
		if n > 1<<16 {
			return "", false
		}
		name := make([]byte, n)
		if _, err := r.ReadAt(name, start+30); err != nil {
			return "", false
		}
		return string(name), true
	}
	return "", false
}

// zipContainer names the kind of a ZIP archive from its member names.
func zipContainer(names []string) string {
	info, ok := model.IdentifyZip(names)
	if !ok {
		return "zip"
	}
	switch info.Format {
	case model.FormatPyTorchZip:
		return "pytorch-zip"
	case model.FormatTorchScript, model.FormatPyTorchMobile:
		return "torchscript"
	case model.FormatNPZ:
		return "npz"
	}
	return "zip"
}

// localHeaders walks the local file headers of a ZIP archive whose
// central directory cannot be read.
func (c *containerScan) localHeaders(r io.ReaderAt, size int64) error {
	off := int64(0)
	for off+30 <= size && c.members <= c.lim.MaxMembers {
		var hdr [30]byte
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return fmt.Errorf("read local header at %d: %w", off, err)
		}
		if !bytes.Equal(hdr[:4], zipLocalMagic) {
			return nil
		}
		flags := binary.LittleEndian.Uint16(hdr[6:])
		method := binary.LittleEndian.Uint16(hdr[8:])
		csize := int64(binary.LittleEndian.Uint32(hdr[18:]))
		nlen := int64(binary.LittleEndian.Uint16(hdr[26:]))
		elen := int64(binary.LittleEndian.Uint16(hdr[28:]))
		nameb := make([]byte, nlen)
		if _, err := r.ReadAt(nameb, off+30); err != nil {
			c.note("local header at %d is cut", off)
			return nil
		}
		name := string(nameb)
		data := off + 30 + nlen + elen
		if data > size {
			c.note("local header of %s extends past the end of the file", name)
			return nil
		}
		if flags&0x8 != 0 && csize == 0 {
			// Sizes follow the data, in a data descriptor: a deflated
			// member ends itself, a stored one cannot be delimited.
			if method != zip.Deflate {
				c.note("member %s has no size in its local header: not read", name)
				c.rep.Incomplete = true
				return nil
			}
			bc := &byteCounter{r: bufio.NewReader(io.NewSectionReader(r, data, size-data))}
			fr := flate.NewReader(bc)
			c.member(name, func() (io.ReadCloser, error) { return io.NopCloser(fr), nil })
			// Read to the end of the deflated data to find where it ends.
			if _, err := io.Copy(io.Discard, io.LimitReader(fr, c.lim.MaxMemberSize)); err != nil {
				c.note("member %s: %v", name, err)
				return nil
			}
			off = data + bc.n
			if sig := make([]byte, 4); off+4 <= size {
				if _, err := r.ReadAt(sig, off); err == nil && bytes.Equal(sig, []byte("PK\x07\x08")) {
					off += 4
				}
			}
			off += 12 // CRC and the two 32-bit sizes
			continue
		}
		if csize > size-data {
			c.note("member %s extends past the end of the file", name)
			csize = size - data
		}
		sec := io.NewSectionReader(r, data, csize)
		switch method {
		case zip.Store:
			c.member(name, func() (io.ReadCloser, error) { return io.NopCloser(sec), nil })
		case zip.Deflate:
			c.member(name, func() (io.ReadCloser, error) { return flate.NewReader(sec), nil })
		default:
			c.note("member %s uses compression method %d: not read", name, method)
			c.rep.Incomplete = true
		}
		off = data + csize
	}
	return nil
}

// byteCounter counts the bytes a decompressor consumes; as an
// io.ByteReader it keeps flate from reading ahead.
type byteCounter struct {
	r *bufio.Reader
	n int64
}

func (b *byteCounter) ReadByte() (byte, error) {
	c, err := b.r.ReadByte()
	if err == nil {
		b.n++
	}
	return c, err
}

func (b *byteCounter) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// tar scans torch.save's legacy tar format (members pickle, storages,
// tensors) and any pickle found in a tar archive.
func (c *containerScan) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	c.rep.Container = "tar"
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			c.note("tar archive unreadable past %d members: %v", c.members, err)
			return nil
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		base := path.Base(h.Name)
		if base == "pickle" || base == "storages" || base == "tensors" {
			c.rep.Container = "pytorch-legacy"
		}
		if c.members >= c.lim.MaxMembers {
			c.note("limit: more than %d members; the rest is not read", c.lim.MaxMembers)
			c.rep.Incomplete = true
			return nil
		}
		c.members++
		switch base {
		case "storages", "tensors":
			// Raw storage bytes follow the first pickle: only that one is read.
			c.stream(h.Name, tr, 1)
			c.note("member %s is read up to its first raw data", h.Name)
		case "pickle":
			c.stream(h.Name, tr, 0)
		default:
			br := newPeekReader(tr)
			head, _ := br.Peek(512)
			if isPickleName(h.Name) || looksPickle(head) {
				c.stream(h.Name, br, 0)
			}
		}
	}
}

// carve finds pickles stored uncompressed inside a container this package
// does not decode (7z): every PROTO opcode of protocol 2 to 5 is tried as
// the start of a pickle.
func (c *containerScan) carve(r io.ReaderAt, size int64) error {
	c.rep.Container = "7z"
	c.rep.Incomplete = true
	c.note("7z archives are not decoded: only pickles stored uncompressed in them are found, by their opcodes")
	const maxTries = 256
	tries := 0
	buf := make([]byte, 64<<10)
	limit := min(size, c.lim.MaxMemberSize)
	for base := int64(0); base < limit && tries < maxTries; base += int64(len(buf)) - 1 {
		n, err := r.ReadAt(buf, base)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read at %d: %w", base, err)
		}
		for i := 0; i+1 < n && tries < maxTries; i++ {
			if buf[i] != opProto || buf[i+1] < 2 || buf[i+1] > 5 {
				continue
			}
			tries++
			at := base + int64(i)
			before := len(c.rep.Streams)
			st, ok := c.stream(fmt.Sprintf("@%d", at), io.NewSectionReader(r, at, size-at), 0)
			if ok && st.Pickles == 0 {
				c.rep.Streams = c.rep.Streams[:before] // imports without a STOP: noise unless dangerous
				if st.Worst() == Dangerous {
					c.rep.Streams = append(c.rep.Streams, st)
				}
			}
		}
		if n < len(buf) {
			break
		}
	}
	return nil
}

// npy scans a NumPy array file: arrays of Python objects are stored as a
// pickle after the header; numeric arrays hold no code.
func (c *containerScan) npy(member string, r io.Reader) error {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return fmt.Errorf("npy header: %w", err)
	}
	major := pre[6]
	var hlen uint32
	var rest []byte
	switch major {
	case 1:
		hlen = uint32(binary.LittleEndian.Uint16(pre[8:]))
	case 2, 3:
		var more [2]byte
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return fmt.Errorf("npy header: %w", err)
		}
		hlen = binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...))
	default:
		return fmt.Errorf("npy version %d not supported", major)
	}
	if hlen > 1<<20 {
		return fmt.Errorf("npy header of %d bytes is too long", hlen)
	}
	rest = make([]byte, hlen)
	if _, err := io.ReadFull(r, rest); err != nil {
		return fmt.Errorf("npy header: %w", err)
	}
	if !npyHasObjects(string(rest)) {
		return nil
	}
	if _, ok := c.stream(member, r, 0); !ok {
		c.note("object array %s holds no readable pickle", displayName(member))
	}
	return nil
}

func displayName(member string) string {
	if member == "" {
		return "(file)"
	}
	return member
}

// npyHasObjects reports whether the dtype of an npy header holds Python
// objects: its descr is 'O' or '|O', alone or as a field of a record.
func npyHasObjects(header string) bool {
	i := strings.Index(header, "'descr'")
	if i < 0 {
		return true // unreadable: let the scan decide
	}
	d := header[i+len("'descr'"):]
	if j := strings.Index(d, "'fortran_order'"); j >= 0 {
		d = d[:j]
	} else if j := strings.Index(d, "'shape'"); j >= 0 {
		d = d[:j]
	}
	return strings.Contains(d, "'O'") || strings.Contains(d, "'|O'") || strings.Contains(d, "'<O'") || strings.Contains(d, "'>O'")
}
