package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// BenchmarkScanCorpus scans each corpus app end to end (identify, unzip,
// decode, all checks, report assembly); the target is < 1 s for a 3.5 MB APK.
func BenchmarkScanCorpus(b *testing.B) {
	apks, _ := filepath.Glob(filepath.Join(testcorpus.Dir(b), "android", "*.apk"))
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
