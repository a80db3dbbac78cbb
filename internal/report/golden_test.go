package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-want +got; go test -update rewrites it):\n%s",
			name, cmp.Diff(string(want), string(got)))
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		format Format
		opt    Options
	}{
		{"report.table.golden", FormatTable, Options{}},
		{"report.table-color-80.golden", FormatTable, Options{Color: true, Width: 80}},
		{"report.json.golden", FormatJSON, Options{}},
		{"report.sarif.golden", FormatSARIF, Options{}},
		{"report.html.golden", FormatHTML, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Write(&buf, fixtureReport(), tt.format, tt.opt); err != nil {
				t.Fatalf("Write: %v", err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}
