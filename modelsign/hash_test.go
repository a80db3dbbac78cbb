package modelsign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/blake2b"
)

func sha(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

func TestComparePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"a/b", "a-c", -1},
		{"a-c", "a/b", 1},
		{"a", "a/b", -1},
		{"a/b", "a/b", 0},
		{"b", "a/z", 1},
		{"dir/x", "dir.txt", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			if got := comparePaths(tt.a, tt.b); got != tt.want {
				t.Errorf("comparePaths(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestHashFiles(t *testing.T) {
	t.Parallel()
	dir := writeModel(t, map[string]string{
		"a-c":          "second",
		"a/b":          "first",
		"a.txt":        "third",
		".github/ci":   "ignored",
		".gitignore":   "ignored",
		"logs/run.txt": "user-ignored",
		"empty":        "",
		".githubfoo":   "kept",
	})
	m, err := Hash(context.Background(), dir, HashOptions{IgnorePaths: []string{"logs"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{
		Name: "my-model",
		Serialization: Serialization{Method: "files", HashType: "sha256",
			IgnorePaths: []string{".git", ".gitattributes", ".github", ".gitignore", "logs"}},
		Resources: []Resource{
			{Name: ".githubfoo", Algorithm: "sha256", Digest: sha("kept")},
			{Name: "a/b", Algorithm: "sha256", Digest: sha("first")},
			{Name: "a-c", Algorithm: "sha256", Digest: sha("second")},
			{Name: "a.txt", Algorithm: "sha256", Digest: sha("third")},
			{Name: "empty", Algorithm: "sha256", Digest: sha("")},
		},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	sum := sha256.New()
	for _, r := range want.Resources {
		d, _ := hex.DecodeString(r.Digest)
		sum.Write(d)
	}
	if got, _ := m.Digest(); got != hex.EncodeToString(sum.Sum(nil)) {
		t.Errorf("subject digest %s is not SHA-256 over the resource digests in order", got)
	}
}

func TestHashShards(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789", 1000) // 10,000 bytes
	dir := writeModel(t, map[string]string{"w.bin": big, "empty": "", "small": "abc"})
	m, err := Hash(context.Background(), dir, HashOptions{Method: MethodShards, ShardSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	alg := "sha256-sharded-4096"
	want := []Resource{
		{Name: "small:0:3", Algorithm: alg, Digest: sha("abc")},
		{Name: "w.bin:0:4096", Algorithm: alg, Digest: sha(big[:4096])},
		{Name: "w.bin:4096:8192", Algorithm: alg, Digest: sha(big[4096:8192])},
		{Name: "w.bin:8192:10000", Algorithm: alg, Digest: sha(big[8192:])},
	}
	if diff := cmp.Diff(want, m.Resources); diff != "" {
		t.Errorf("shards (-want +got), empty files have none:\n%s", diff)
	}
	if m.Serialization.ShardSize != 4096 || m.Serialization.Method != "shards" {
		t.Errorf("serialization %+v", m.Serialization)
	}
}

func TestHashBLAKE2b(t *testing.T) {
	t.Parallel()
	dir := writeModel(t, map[string]string{"f": "hello"})
	m, err := Hash(context.Background(), dir, HashOptions{Algorithm: HashBLAKE2b})
	if err != nil {
		t.Fatal(err)
	}
	d := blake2b.Sum512([]byte("hello"))
	want := []Resource{{Name: "f", Algorithm: "blake2b", Digest: hex.EncodeToString(d[:])}}
	if diff := cmp.Diff(want, m.Resources); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestHashSingleFile(t *testing.T) {
	t.Parallel()
	dir := writeModel(t, map[string]string{"model.onnx": "onnx bytes"})
	m, err := Hash(context.Background(), filepath.Join(dir, "model.onnx"), HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{Name: "model.onnx", Serialization: Serialization{Method: "files", HashType: "sha256"},
		Resources: []Resource{{Name: ".", Algorithm: "sha256", Digest: sha("onnx bytes")}}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestHashRefuses(t *testing.T) {
	t.Parallel()
	symlinked := writeModel(t, map[string]string{"real": "x"})
	if err := os.Symlink("real", filepath.Join(symlinked, "link")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	many := writeModel(t, map[string]string{"1": "", "2": "", "3": ""})
	tests := []struct {
		name    string
		root    string
		opts    HashOptions
		wantErr string
		wantIs  error
	}{
		{"a symlink is refused by default", symlinked, HashOptions{}, "link is a symbolic link", nil},
		{"more files than the bound is refused", many, HashOptions{MaxFiles: 2}, "more than 2 files", nil},
		{"a missing model is an error", filepath.Join(many, "nope"), HashOptions{}, "no such file", nil},
		{"an unknown method is unsupported", many, HashOptions{Method: "zip"}, "serialization method", ErrUnsupported},
		{"blake3 is unsupported", many, HashOptions{Algorithm: "blake3"}, "hash algorithm", ErrUnsupported},
		{"a tiny shard size is refused", many, HashOptions{Method: MethodShards, ShardSize: 10}, "shard size", nil},
		{"an ignore path outside the model is refused", many, HashOptions{IgnorePaths: []string{"../x"}}, "inside it", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Hash(context.Background(), tt.root, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Hash: %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Hash: %v, want %v", err, tt.wantIs)
			}
		})
	}
	t.Run("a symlink to a file is hashed when allowed", func(t *testing.T) {
		m, err := Hash(context.Background(), symlinked, HashOptions{AllowSymlinks: true})
		if err != nil {
			t.Fatal(err)
		}
		want := []Resource{{Name: "link", Algorithm: "sha256", Digest: sha("x")}, {Name: "real", Algorithm: "sha256", Digest: sha("x")}}
		if diff := cmp.Diff(want, m.Resources); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestHashUnreadableFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("file permissions are not enforced for this user")
	}
	dir := writeModel(t, map[string]string{"secret.bin": "x", "ok": "y"})
	if err := os.Chmod(filepath.Join(dir, "secret.bin"), 0); err != nil {
		t.Fatal(err)
	}
	_, err := Hash(context.Background(), dir, HashOptions{})
	if err == nil || !strings.Contains(err.Error(), "secret.bin") || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("Hash: %v, want a permission error naming secret.bin", err)
	}
}

func TestHashCanceled(t *testing.T) {
	t.Parallel()
	dir := sampleModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hash(ctx, dir, HashOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a canceled context: %v, want context.Canceled", err)
	}
}

func TestShardSizeAsFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{`{"method":"shards","hash_type":"sha256","shard_size":1000000000}`, 1000000000, false},
		{`{"method":"shards","hash_type":"sha256","shard_size":1000000000.0}`, 1000000000, false},
		{`{"method":"shards","hash_type":"sha256","shard_size":1e9}`, 1000000000, false},
		{`{"method":"shards","hash_type":"sha256","shard_size":1.5}`, 0, true},
		{`{"method":"shards","hash_type":"sha256","shard_size":-4}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s Serialization
			err := s.UnmarshalJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && s.ShardSize != tt.want {
				t.Errorf("shard size %d, want %d", s.ShardSize, tt.want)
			}
		})
	}
}

func TestPythonBytesRepr(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"{\n  \"a\": 1\n}", `b'{\n  "a": 1\n}'`},
		{"it's", `b"it's"`},
		{"it's \"q\"", `b'it\'s "q"'`},
		{"tab\tback\\slash\x00\xff", `b'tab\tback\\slash\x00\xff'`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(pythonBytesRepr([]byte(tt.in))); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
