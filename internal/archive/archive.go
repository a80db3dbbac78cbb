// Package archive gives bounded, read-only access to ZIP-based packages
// (APK, AAB, IPA, JAR) and to unpacked package directories. Every read is
// capped: the number of entries, the size of one entry, the total bytes
// inflated across the package, and the compression ratio of large entries,
// so that a hostile package (a zip bomb, a central directory claiming
// millions of entries) ends in an error instead of exhausting memory.
package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync/atomic"
)

// Errors that callers act on.
var (
	// ErrNotZip means the bytes are not a ZIP archive.
	ErrNotZip = errors.New("not a zip archive")
	// ErrTooManyEntries means the central directory lists more entries than allowed.
	ErrTooManyEntries = errors.New("too many entries")
	// ErrEntryTooLarge means one entry inflates beyond the per-entry limit.
	ErrEntryTooLarge = errors.New("entry too large")
	// ErrBudgetExceeded means the package as a whole inflated beyond the total limit.
	ErrBudgetExceeded = errors.New("total uncompressed size limit reached")
	// ErrZipBomb means an entry's compression ratio is beyond what real content reaches.
	ErrZipBomb = errors.New("compression ratio too high (zip bomb?)")
	// ErrNotFound means there is no entry of that name.
	ErrNotFound = errors.New("no such entry")
)

// Limits bound what a package may make the scanner read. Zero fields take
// the defaults of DefaultLimits.
type Limits struct {
	// MaxEntries caps the number of entries in the central directory.
	MaxEntries int
	// MaxEntrySize caps the uncompressed size of one entry.
	MaxEntrySize int64
	// MaxTotalSize caps the bytes inflated across all reads of one package.
	MaxTotalSize int64
	// MaxRatio caps uncompressed/compressed size for entries above RatioFloor bytes.
	MaxRatio int64
	// RatioFloor is the size below which the ratio is not checked: small
	// files of repeated bytes compress extremely well and are harmless.
	RatioFloor int64
}

// DefaultLimits are sized for the largest real apps (several hundred MB of
// native libraries and models) while refusing synthetic bombs.
var DefaultLimits = Limits{
	MaxEntries:   200_000,
	MaxEntrySize: 1 << 30, // 1 GiB
	MaxTotalSize: 4 << 30, // 4 GiB
	MaxRatio:     200,
	RatioFloor:   1 << 20, // 1 MiB
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxEntries > 0 {
		d.MaxEntries = l.MaxEntries
	}
	if l.MaxEntrySize > 0 {
		d.MaxEntrySize = l.MaxEntrySize
	}
	if l.MaxTotalSize > 0 {
		d.MaxTotalSize = l.MaxTotalSize
	}
	if l.MaxRatio > 0 {
		d.MaxRatio = l.MaxRatio
	}
	if l.RatioFloor > 0 {
		d.RatioFloor = l.RatioFloor
	}
	return d
}

// Entry describes one file of a package.
type Entry struct {
	Name             string
	CompressedSize   int64
	UncompressedSize int64
	// Method is the ZIP compression method (0 stored, 8 deflate); -1 for directories on disk.
	Method int
	// DataOffset is where the entry's local header starts in the ZIP (0 for directories on disk).
	HeaderOffset int64
}

// Package is the read side shared by ZIP archives and unpacked directories.
type Package interface {
	// Names lists entry names (slash-separated) in their stored order.
	Names() []string
	// Entry returns an entry's metadata.
	Entry(name string) (Entry, bool)
	// Open returns a reader of an entry's uncompressed content, bounded by the limits.
	Open(name string) (io.ReadCloser, error)
	// ReadFile reads an entry completely, bounded by the limits.
	ReadFile(name string) ([]byte, error)
}

var (
	_ Package = (*Zip)(nil)
	_ Package = (*Dir)(nil)
)

// Zip is a bounded reader of a ZIP archive.
type Zip struct {
	zr     *zip.Reader
	lim    Limits
	names  []string
	byName map[string]*zip.File
	budget atomic.Int64
	// InsecureNames lists entries whose names escape the archive root
	// ("../", absolute paths, backslashes); they are kept readable for
	// analysis, never extracted.
	InsecureNames []string
	// Duplicates lists names that occur more than once; the first wins,
	// as on Android.
	Duplicates []string
}

// IsZip reports whether data starts like a ZIP archive (a local file header
// or an empty archive's end record).
func IsZip(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06"))
}

// OpenZip reads the central directory of a ZIP archive of the given size.
func OpenZip(ra io.ReaderAt, size int64, lim Limits) (*Zip, error) {
	lim = lim.withDefaults()
	// A central directory record is at least 46 bytes: refuse a claimed
	// entry count the file cannot hold before archive/zip allocates for it.
	if n, ok := centralDirectoryCount(ra, size); ok && n > uint64(lim.MaxEntries) {
		return nil, fmt.Errorf("%w: %d listed, limit %d", ErrTooManyEntries, n, lim.MaxEntries)
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if errors.Is(err, zip.ErrFormat) {
			return nil, fmt.Errorf("%w: %w", ErrNotZip, err)
		}
		return nil, fmt.Errorf("read zip: %w", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fmt.Errorf("%w: %d entries, limit %d", ErrTooManyEntries, len(zr.File), lim.MaxEntries)
	}
	z := &Zip{zr: zr, lim: lim, byName: make(map[string]*zip.File, len(zr.File))}
	z.budget.Store(lim.MaxTotalSize)
	for _, f := range zr.File {
		if _, dup := z.byName[f.Name]; dup {
			z.Duplicates = append(z.Duplicates, f.Name)
			continue
		}
		if !fs.ValidPath(strings.TrimSuffix(f.Name, "/")) || strings.Contains(f.Name, `\`) {
			z.InsecureNames = append(z.InsecureNames, f.Name)
		}
		z.byName[f.Name] = f
		z.names = append(z.names, f.Name)
	}
	return z, nil
}

// centralDirectoryCount reads the entry count from the end of central
// directory record, when one is found in the last 64 KiB.
func centralDirectoryCount(ra io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen = 22
	search := int64(eocdLen + 65535)
	if search > size {
		search = size
	}
	if search < eocdLen {
		return 0, false
	}
	buf := make([]byte, search)
	if _, err := ra.ReadAt(buf, size-search); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	n := uint64(buf[i+10]) | uint64(buf[i+11])<<8
	if n == 0xffff { // ZIP64: archive/zip bounds the count by the file size itself.
		return 0, false
	}
	return n, true
}

// Names lists entry names in central directory order, duplicates removed.
func (z *Zip) Names() []string { return z.names }

// Entry returns the metadata of an entry.
func (z *Zip) Entry(name string) (Entry, bool) {
	f, ok := z.byName[name]
	if !ok {
		return Entry{}, false
	}
	off, _ := f.DataOffset()
	return Entry{
		Name:             f.Name,
		CompressedSize:   int64(min(f.CompressedSize64, 1<<62)),
		UncompressedSize: int64(min(f.UncompressedSize64, 1<<62)),
		Method:           int(f.Method),
		HeaderOffset:     off,
	}, true
}

// Open returns a bounded reader of an entry's content.
func (z *Zip) Open(name string) (io.ReadCloser, error) {
	f, ok := z.byName[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	declared := f.UncompressedSize64
	if declared > uint64(z.lim.MaxEntrySize) {
		return nil, fmt.Errorf("%s: %w: declares %d bytes, limit %d", name, ErrEntryTooLarge, declared, z.lim.MaxEntrySize)
	}
	if declared > uint64(z.lim.RatioFloor) {
		comp := max(f.CompressedSize64, 1)
		if declared/comp > uint64(z.lim.MaxRatio) {
			return nil, fmt.Errorf("%s: %w: %d bytes from %d", name, ErrZipBomb, declared, f.CompressedSize64)
		}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// Never trust the declared size alone: stop at it (or at the limit),
	// and charge every byte to the package's budget.
	return &boundedReader{rc: rc, name: name, left: int64(declared), budget: &z.budget}, nil
}

// ReadFile reads an entry completely.
func (z *Zip) ReadFile(name string) ([]byte, error) {
	rc, err := z.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	e, _ := z.Entry(name)
	buf := bytes.NewBuffer(make([]byte, 0, min(e.UncompressedSize, 64<<20)))
	if _, err := io.Copy(buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// boundedReader stops at the declared size and charges a shared budget.
type boundedReader struct {
	rc     io.ReadCloser
	name   string
	left   int64
	budget *atomic.Int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Anything beyond the declared size is a lie of the header; the
		// checksum reader of archive/zip reports the mismatch at EOF.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s: %w: content longer than declared", b.name, ErrEntryTooLarge)
		}
		if err == io.EOF {
			return 0, io.EOF
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", b.name, err)
		}
		return 0, nil
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.budget.Add(-int64(n)) < 0 {
		return n, fmt.Errorf("%s: %w", b.name, ErrBudgetExceeded)
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", b.name, err)
	}
	return n, err
}

func (b *boundedReader) Close() error { return b.rc.Close() }

// SortedNames returns a package's names sorted, for deterministic walks.
func SortedNames(p Package) []string {
	names := append([]string(nil), p.Names()...)
	sort.Strings(names)
	return names
}
