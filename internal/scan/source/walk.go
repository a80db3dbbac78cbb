package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
)

// skippedDirs are directories never walked, whatever .gitignore says:
// version control, dependency caches and build outputs.
var skippedDirs = []string{".git", "node_modules", "Pods", "build", ".gradle", "DerivedData", ".dart_tool", "vendor", ".build"}

// errTooManyFiles stops a walk at MaxFiles.
var errTooManyFiles = errors.New("too many files")

// file is one regular file of the tree that the ignore rules keep.
type file struct {
	rel  string // slash-separated, relative to the root
	size int64
}

// tree is the walked checkout: its files, read through an os.Root so that
// no read leaves the root (symbolic links are not followed out of it, and
// the walk does not follow them at all).
type tree struct {
	root  *os.Root
	files []file
	sizes map[string]int64
	names []string
}

// walkTree lists the files of root that .gitignore files (at any level,
// and .git/info/exclude) do not exclude. warn receives a note when the
// walk stops at maxFiles.
func walkTree(ctx context.Context, root *os.Root, maxFiles int, maxIgnore int64, warn func(p, msg string)) (*tree, error) {
	t := &tree{root: root, sizes: make(map[string]int64)}
	ig := &Ignore{}
	if data, err := readBounded(root, ".git/info/exclude", maxIgnore); err == nil {
		ig.AddFile("", data)
	}
	fsys := root.FS()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			warn(p, fmt.Sprintf("not read: %v", err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() {
			if p != "." {
				if slices.Contains(skippedDirs, d.Name()) || ig.Match(p, true) {
					return fs.SkipDir
				}
			}
			dir := p
			if dir == "." {
				dir = ""
			}
			if data, err := readBounded(root, path.Join(p, ".gitignore"), maxIgnore); err == nil {
				ig.AddFile(dir, data)
			}
			return nil
		}
		if !d.Type().IsRegular() || ig.Match(p, false) {
			return nil
		}
		if len(t.files) >= maxFiles {
			warn(p, fmt.Sprintf("more than %d files: the rest of the tree is not scanned", maxFiles))
			return errTooManyFiles
		}
		info, err := d.Info()
		if err != nil {
			warn(p, fmt.Sprintf("not read: %v", err))
			return nil
		}
		t.files = append(t.files, file{rel: p, size: info.Size()})
		t.sizes[p] = info.Size()
		t.names = append(t.names, p)
		return nil
	})
	if err != nil && !errors.Is(err, errTooManyFiles) {
		return nil, fmt.Errorf("walk: %w", err)
	}
	return t, nil
}

// readBounded reads a file of the root that must not exceed limit bytes.
func readBounded(root *os.Root, name string, limit int64) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %w: %d bytes (limit %d)", name, errFileTooLarge, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: grew past %d bytes", name, errFileTooLarge, limit)
	}
	return data, nil
}

// errFileTooLarge means a file exceeds MaxFileSize.
var errFileTooLarge = errors.New("file too large")
