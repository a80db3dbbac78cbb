package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkScanCorpus scans each corpus app end to end (identify, unzip,
// decode, all checks, report assembly); the target is < 1 s for a 3.5 MB APK.
func BenchmarkScanCorpus(b *testing.B) {
	dir, _ := os.Getwd()
	var corpus string
	for range 6 {
		if p := filepath.Join(dir, "shared", "corpus", "android"); exists(p) {
			corpus = p
			break
		}
		dir = filepath.Dir(dir)
	}
	if corpus == "" {
		b.Skip("../shared/corpus not found")
	}
	apks, _ := filepath.Glob(filepath.Join(corpus, "*.apk"))
	s := newTestScanner(b)
	for _, apk := range apks {
		st, _ := os.Stat(apk)
		b.Run(filepath.Base(apk), func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Scan(context.Background(), []string{apk}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
