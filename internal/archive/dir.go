package archive

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sync/atomic"
)

// Dir is an unpacked package on disk (an extracted APK or .app bundle),
// read through the same bounded interface as a ZIP. Symbolic links are not
// followed.
type Dir struct {
	fsys   fs.FS
	lim    Limits
	names  []string
	sizes  map[string]int64
	budget atomic.Int64
}

// OpenDir walks root and lists its regular files.
func OpenDir(root string, lim Limits) (*Dir, error) {
	lim = lim.withDefaults()
	d := &Dir{fsys: os.DirFS(root), lim: lim, sizes: make(map[string]int64)}
	d.budget.Store(lim.MaxTotalSize)
	err := fs.WalkDir(d.fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		if len(d.names) >= lim.MaxEntries {
			return fmt.Errorf("%w: more than %d files", ErrTooManyEntries, lim.MaxEntries)
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		d.names = append(d.names, p)
		d.sizes[p] = info.Size()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	return d, nil
}

// Names lists the files, in lexical walk order.
func (d *Dir) Names() []string { return d.names }

// Entry returns a file's metadata.
func (d *Dir) Entry(name string) (Entry, bool) {
	s, ok := d.sizes[name]
	if !ok {
		return Entry{}, false
	}
	return Entry{Name: name, CompressedSize: s, UncompressedSize: s, Method: -1}, true
}

// Open opens a file for bounded reading.
func (d *Dir) Open(name string) (io.ReadCloser, error) {
	s, ok := d.sizes[name]
	if !ok || !fs.ValidPath(name) {
		return nil, fmt.Errorf("%s: %w", path.Clean(name), ErrNotFound)
	}
	if s > d.lim.MaxEntrySize {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", name, ErrEntryTooLarge, s, d.lim.MaxEntrySize)
	}
	f, err := d.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	return &boundedReader{rc: f, name: name, left: s, budget: &d.budget}, nil
}

// ReadFile reads a file completely.
func (d *Dir) ReadFile(name string) ([]byte, error) {
	rc, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, min(d.sizes[name], 64<<20)))
	if _, err := io.Copy(buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// single is a package of one file, for scanning a lone DEX file, native
// library or model with the same analyzers as a package.
type single struct {
	name string
	ra   io.ReaderAt
	size int64
	lim  Limits
}

// Single wraps one file as a package whose only entry is name.
func Single(name string, ra io.ReaderAt, size int64, lim Limits) Package {
	return &single{name: name, ra: ra, size: size, lim: lim.withDefaults()}
}

func (s *single) Names() []string { return []string{s.name} }

func (s *single) Entry(name string) (Entry, bool) {
	if name != s.name {
		return Entry{}, false
	}
	return Entry{Name: name, CompressedSize: s.size, UncompressedSize: s.size, Method: -1}, true
}

func (s *single) Open(name string) (io.ReadCloser, error) {
	if name != s.name {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	if s.size > s.lim.MaxEntrySize {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", name, ErrEntryTooLarge, s.size, s.lim.MaxEntrySize)
	}
	return io.NopCloser(io.NewSectionReader(s.ra, 0, s.size)), nil
}

func (s *single) ReadFile(name string) ([]byte, error) {
	rc, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
