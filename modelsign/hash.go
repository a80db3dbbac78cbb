package modelsign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// Serialization methods and hash algorithms of the OMS predicate.
const (
	MethodFiles  = "files"
	MethodShards = "shards"

	HashSHA256  = "sha256"
	HashBLAKE2b = "blake2b"
)

// Defaults and bounds.
const (
	// DefaultShardSize is the reference tool's shard size (1 GB).
	DefaultShardSize = 1_000_000_000
	// DefaultMaxFiles bounds the number of files of a model.
	DefaultMaxFiles = 100_000
	// MaxResources bounds the resources of a manifest (files or shards),
	// on disk and in a statement.
	MaxResources = 1_000_000
	// MaxIgnorePaths bounds the ignore paths of a hashing (each file is
	// checked against each path).
	MaxIgnorePaths = 1024
	// minShardSize keeps the number of shards of a file reasonable.
	minShardSize = 4096
)

// DefaultIgnorePaths are ignored unless [HashOptions.IncludeGitPaths] is
// set: git metadata, as the reference tool does.
var DefaultIgnorePaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// HashOptions say how a model is serialized. The zero value is method
// "files" with SHA-256, git paths ignored, symlinks refused.
type HashOptions struct {
	// Method is MethodFiles (default) or MethodShards.
	Method string
	// Algorithm is HashSHA256 (default) or HashBLAKE2b.
	Algorithm string
	// ShardSize is the shard size of MethodShards (default DefaultShardSize).
	ShardSize int64
	// IgnorePaths are slash-separated paths relative to the model root;
	// a directory is ignored with everything under it.
	IgnorePaths []string
	// IncludeGitPaths stops DefaultIgnorePaths from being ignored.
	IncludeGitPaths bool
	// AllowSymlinks hashes the files symbolic links point to, instead of
	// refusing the model. Links to directories are not followed.
	AllowSymlinks bool
	// Workers bounds the files or shards hashed at once (default GOMAXPROCS).
	Workers int
	// MaxFiles bounds the files of the model (default DefaultMaxFiles).
	MaxFiles int
}

// Serialization is the predicate's record of how the model was hashed.
type Serialization struct {
	Method        string   `json:"method"`
	HashType      string   `json:"hash_type"`
	ShardSize     int64    `json:"shard_size,omitempty"`
	AllowSymlinks bool     `json:"allow_symlinks"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

// Resource is one signed item: a file (name = its path, "." for a
// single-file model) or a shard ("path:start:end").
type Resource struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

// Manifest is a serialized model: its name, how it was serialized and
// its resources in canonical order.
type Manifest struct {
	Name          string
	Serialization Serialization
	Resources     []Resource
}

// Digest is the SHA-256 over the resources' digests, concatenated in
// order: the statement subject's digest.
func (m *Manifest) Digest() (string, error) {
	h := sha256.New()
	for _, r := range m.Resources {
		d, err := hex.DecodeString(r.Digest)
		if err != nil {
			return "", bundleErr("predicate.resources", "digest of %q is not hex", r.Name)
		}
		h.Write(d)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (o HashOptions) withDefaults() (HashOptions, error) {
	if o.Method == "" {
		o.Method = MethodFiles
	}
	if o.Algorithm == "" {
		o.Algorithm = HashSHA256
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	switch o.Method {
	case MethodFiles:
		o.ShardSize = 0
	case MethodShards:
		if o.ShardSize == 0 {
			o.ShardSize = DefaultShardSize
		}
		if o.ShardSize < minShardSize {
			return o, fmt.Errorf("shard size %d: must be at least %d bytes", o.ShardSize, minShardSize)
		}
	default:
		return o, unsupported("serialization method %q (want %q or %q)", o.Method, MethodFiles, MethodShards)
	}
	if newHash(o.Algorithm) == nil {
		return o, unsupported("hash algorithm %q (want %q or %q)", o.Algorithm, HashSHA256, HashBLAKE2b)
	}
	if len(o.IgnorePaths) > MaxIgnorePaths {
		return o, fmt.Errorf("more than %d ignore paths", MaxIgnorePaths)
	}
	for _, p := range o.IgnorePaths {
		if _, ok := cleanRel(p); !ok {
			return o, fmt.Errorf("ignore path %q: must be relative to the model and inside it", p)
		}
	}
	return o, nil
}

func newHash(alg string) hash.Hash {
	switch alg {
	case HashSHA256:
		return sha256.New()
	case HashBLAKE2b:
		h, _ := blake2b.New512(nil)
		return h
	}
	return nil
}

// cleanRel cleans a slash-separated relative path; ok is false for
// absolute paths and paths that leave the root.
func cleanRel(p string) (string, bool) {
	p = path.Clean(filepath.ToSlash(p))
	if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

// ignored reports whether rel equals one of the ignore paths or lies below
// one (by whole path components).
func ignored(rel string, ignore []string) bool {
	for _, p := range ignore {
		if p == "." || rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// comparePaths orders slash-separated paths component by component, so
// that "a/b" sorts before "a-c", as the reference orders paths.
func comparePaths(a, b string) int {
	for {
		ai, bi := strings.IndexByte(a, '/'), strings.IndexByte(b, '/')
		ac, bc := a, b
		if ai >= 0 {
			ac = a[:ai]
		}
		if bi >= 0 {
			bc = b[:bi]
		}
		if c := strings.Compare(ac, bc); c != 0 {
			return c
		}
		switch {
		case ai < 0 && bi < 0:
			return 0
		case ai < 0:
			return -1
		case bi < 0:
			return 1
		}
		a, b = a[ai+1:], b[bi+1:]
	}
}

// job is one file or shard to hash.
type job struct {
	rel        string // path relative to the root ("." for a file model)
	abs        string
	start, end int64 // shard bounds; end < 0 for a whole file
}

func (j job) name() string {
	if j.end < 0 {
		return j.rel
	}
	return j.rel + ":" + strconv.FormatInt(j.start, 10) + ":" + strconv.FormatInt(j.end, 10)
}

// Hash serializes the model at root (a directory or one file).
func Hash(ctx context.Context, root string, opts HashOptions) (*Manifest, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ignore := effectiveIgnores(o)
	files, single, err := listFiles(root, ignore, o)
	if err != nil {
		return nil, err
	}
	jobs, err := makeJobs(files, o)
	if err != nil {
		return nil, err
	}
	res, err := hashJobs(ctx, jobs, o)
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		Name: modelName(root),
		Serialization: Serialization{
			Method:        o.Method,
			HashType:      o.Algorithm,
			ShardSize:     o.ShardSize,
			AllowSymlinks: o.AllowSymlinks,
		},
		Resources: res,
	}
	if !single {
		m.Serialization.IgnorePaths = ignore
	}
	return m, nil
}

func effectiveIgnores(o HashOptions) []string {
	var out []string
	if !o.IncludeGitPaths {
		out = append(out, DefaultIgnorePaths...)
	}
	for _, p := range o.IgnorePaths {
		c, _ := cleanRel(p)
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func modelName(root string) string {
	name := filepath.Base(filepath.Clean(root))
	if name == "." || name == ".." || name == string(filepath.Separator) {
		if abs, err := filepath.Abs(root); err == nil {
			name = filepath.Base(abs)
		}
	}
	return name
}

type fileEntry struct {
	rel, abs string
	size     int64
}

// listFiles walks root and returns its files in canonical order; single is
// true when root is itself a file.
func listFiles(root string, ignore []string, o HashOptions) (files []fileEntry, single bool, err error) {
	st, err := os.Lstat(root)
	if err != nil {
		return nil, false, fmt.Errorf("model: %w", err)
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		if !o.AllowSymlinks {
			return nil, false, fmt.Errorf("model %s is a symbolic link (allow symlinks to follow it)", root)
		}
		if st, err = os.Stat(root); err != nil {
			return nil, false, fmt.Errorf("model: %w", err)
		}
	}
	if st.Mode().IsRegular() {
		return []fileEntry{{rel: ".", abs: root, size: st.Size()}}, true, nil
	}
	if !st.IsDir() {
		return nil, false, fmt.Errorf("model %s is neither a file nor a directory", root)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, werr error) error {
		if werr != nil {
			return fmt.Errorf("read model: %w", werr)
		}
		if p == root {
			return nil
		}
		r, rerr := filepath.Rel(root, p)
		if rerr != nil {
			return rerr
		}
		rel := filepath.ToSlash(r)
		if ignored(rel, ignore) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		mode := d.Type()
		size := int64(-1)
		if mode&fs.ModeSymlink != 0 {
			if !o.AllowSymlinks {
				return fmt.Errorf("%s is a symbolic link (allow symlinks to hash what it points to)", rel)
			}
			target, serr := os.Stat(p)
			if serr != nil {
				return fmt.Errorf("%s: %w", rel, serr)
			}
			if target.IsDir() {
				return nil // links to directories are not followed
			}
			mode, size = target.Mode().Type(), target.Size()
		}
		switch {
		case mode.IsDir():
			return nil
		case mode.IsRegular():
		default:
			return fmt.Errorf("%s is not a regular file or directory (%s)", rel, mode)
		}
		if len(files) >= o.MaxFiles {
			return fmt.Errorf("model has more than %d files", o.MaxFiles)
		}
		if size < 0 {
			info, ierr := d.Info()
			if ierr != nil {
				return fmt.Errorf("%s: %w", rel, ierr)
			}
			size = info.Size()
		}
		files = append(files, fileEntry{rel: rel, abs: p, size: size})
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	slices.SortFunc(files, func(a, b fileEntry) int { return comparePaths(a.rel, b.rel) })
	return files, false, nil
}

// makeJobs turns files into hashing jobs, already in canonical order:
// files by path, shards by path then offset.
func makeJobs(files []fileEntry, o HashOptions) ([]job, error) {
	jobs := make([]job, 0, len(files))
	for _, f := range files {
		if o.Method == MethodFiles {
			jobs = append(jobs, job{rel: f.rel, abs: f.abs, end: -1})
			continue
		}
		for start := int64(0); start < f.size; start += o.ShardSize {
			if len(jobs) >= MaxResources {
				return nil, fmt.Errorf("model has more than %d shards", MaxResources)
			}
			jobs = append(jobs, job{rel: f.rel, abs: f.abs, start: start, end: min(start+o.ShardSize, f.size)})
		}
	}
	return jobs, nil
}

const readBufSize = 1 << 20

var bufPool = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// hashJobs hashes jobs with a bounded pool of workers and returns the
// resources in job order.
func hashJobs(ctx context.Context, jobs []job, o HashOptions) ([]Resource, error) {
	out := make([]Resource, len(jobs))
	algName := o.Algorithm
	if o.Method == MethodShards {
		algName = o.Algorithm + "-sharded-" + strconv.FormatInt(o.ShardSize, 10)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(o.Workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := bufPool.Get().(*[]byte)
			defer bufPool.Put(buf)
			for i := range next {
				d, err := hashJob(ctx, jobs[i], o.Algorithm, *buf)
				if err != nil {
					cancel(err)
					continue
				}
				out[i] = Resource{Name: jobs[i].name(), Algorithm: algName, Digest: d}
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

func hashJob(ctx context.Context, j job, alg string, buf []byte) (string, error) {
	f, err := os.Open(j.abs)
	if err != nil {
		return "", fmt.Errorf("%s: %w", j.rel, err)
	}
	defer f.Close()
	h := newHash(alg)
	var r io.Reader = f
	want := int64(-1)
	if j.end >= 0 {
		want = j.end - j.start
		r = io.NewSectionReader(f, j.start, want)
	}
	var n int64
	for {
		if ctx.Err() != nil {
			return "", context.Cause(ctx)
		}
		k, rerr := r.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", fmt.Errorf("%s: %w", j.rel, rerr)
		}
	}
	if want >= 0 && n != want {
		return "", fmt.Errorf("%s: changed while hashing (read %d bytes of shard %d:%d)", j.rel, n, j.start, j.end)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
