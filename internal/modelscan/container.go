package modelscan

import (
	"bytes"
	"fmt"
	"io"

	"github.com/bulwark-security/bulwark/internal/archive"
)

// container opens the directory or ZIP archive that holds a model, or
// returns false when the file is the model itself.
func container(f File) (archive.Package, bool, error) {
	lim := archive.Limits{MaxEntries: f.Limits.MaxMembers, MaxEntrySize: f.Limits.MaxMemberBytes}
	if f.Dir != "" {
		d, err := archive.OpenDir(f.Dir, lim)
		if err != nil {
			return nil, false, err
		}
		return d, true, nil
	}
	if f.R == nil {
		return nil, false, fmt.Errorf("%w: no content", ErrMalformed)
	}
	head := make([]byte, min(f.Size, 4))
	if _, err := f.R.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, false, err
	}
	if !archive.IsZip(head) {
		return nil, false, nil
	}
	z, err := archive.OpenZip(f.R, f.Size, lim)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return z, true, nil
}

// readMember reads one member of a container, bounded by MaxMemberBytes.
func readMember(pkg archive.Package, name string, lim Limits) ([]byte, error) {
	e, ok := pkg.Entry(name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, archive.ErrNotFound)
	}
	if e.UncompressedSize > lim.MaxMemberBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", name, ErrLimit, e.UncompressedSize, lim.MaxMemberBytes)
	}
	b, err := pkg.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// memberFile makes a File of a member read into memory.
func memberFile(parent File, name string, data []byte) File {
	return File{Path: parent.Path + "/" + name, R: bytes.NewReader(data), Size: int64(len(data)), Limits: parent.Limits}
}
