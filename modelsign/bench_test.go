package modelsign

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkHash hashes a model of four 64 MiB files (MB/s is reported
// from the bytes hashed). Run with -cpu 1,2 to see the per-core speed and
// the parallel speed-up.
func BenchmarkHash(b *testing.B) {
	const files, size = 4, 64 << 20
	dir := b.TempDir()
	buf := make([]byte, size)
	rand.Read(buf)
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("w%d.bin", i)), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, o := range []HashOptions{
		{Method: MethodFiles, Algorithm: HashSHA256},
		{Method: MethodShards, Algorithm: HashSHA256, ShardSize: 16 << 20},
		{Method: MethodFiles, Algorithm: HashBLAKE2b},
	} {
		b.Run(o.Method+"-"+o.Algorithm, func(b *testing.B) {
			b.SetBytes(files * size)
			for b.Loop() {
				if _, err := Hash(context.Background(), dir, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSHA256Memory is the ceiling for BenchmarkHash: SHA-256 of data
// already in memory, on one core.
func BenchmarkSHA256Memory(b *testing.B) {
	buf := make([]byte, 1<<20)
	h := sha256.New()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		h.Write(buf)
	}
}
