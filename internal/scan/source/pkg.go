package source

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"

	"github.com/bulwark-security/bulwark/internal/archive"
)

// maxModelFile bounds one file read through the package view, as
// archive.DefaultLimits bounds an entry of an unpacked app.
var maxModelFile = archive.DefaultLimits.MaxEntrySize

// treePackage is an archive.Package over the walked files of a tree, for
// appcontent's model recorder: it lists only the files the ignore rules
// keep, and reads them through the tree's os.Root.
type treePackage struct{ t *tree }

var _ archive.Package = treePackage{}

func (p treePackage) Names() []string { return p.t.names }

func (p treePackage) Entry(name string) (archive.Entry, bool) {
	s, ok := p.t.sizes[name]
	if !ok {
		return archive.Entry{}, false
	}
	return archive.Entry{Name: name, CompressedSize: s, UncompressedSize: s, Method: -1}, true
}

func (p treePackage) Open(name string) (io.ReadCloser, error) {
	s, ok := p.t.sizes[name]
	if !ok || !fs.ValidPath(name) {
		return nil, fmt.Errorf("%s: %w", name, archive.ErrNotFound)
	}
	if s > maxModelFile {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", name, archive.ErrEntryTooLarge, s, maxModelFile)
	}
	f, err := p.t.root.Open(name)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, s), f}, nil
}

func (p treePackage) ReadFile(name string) ([]byte, error) {
	rc, err := p.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
