package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Format
	}{
		{"table by name", "table", FormatTable},
		{"json by name", "json", FormatJSON},
		{"sarif in upper case with spaces", "  SARIF ", FormatSARIF},
		{"html in mixed case", "Html", FormatHTML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFormat(tt.in)
			if err != nil {
				t.Fatalf("ParseFormat(%q) error = %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseFormat(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFormatRejectsUnknownNames(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "xml", "tables", "sarif2", "pdf"} {
		t.Run("rejects "+in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFormat(in)
			if err == nil {
				t.Fatalf("ParseFormat(%q) = %q, want an error", in, got)
			}
			if !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("ParseFormat(%q) error = %v, want it to wrap ErrUnknownFormat", in, err)
			}
			for _, valid := range []string{"table", "json", "sarif", "html"} {
				if !strings.Contains(err.Error(), valid) {
					t.Errorf("ParseFormat(%q) error %q does not list the valid format %q", in, err, valid)
				}
			}
		})
	}
}

func TestFormatsListsEveryFormatWriteAccepts(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		if err := Write(&bytes.Buffer{}, fixtureReport(), f, Options{}); err != nil {
			t.Errorf("Write(%q) error = %v, want nil for a format Formats lists", f, err)
		}
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v; want the format back", f, got, err)
		}
	}
}

func TestWriteRejectsUnknownFormatAndWritesNothing(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := Write(&buf, fixtureReport(), Format("yaml"), Options{})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Write(yaml) error = %v, want ErrUnknownFormat", err)
	}
	if buf.Len() != 0 {
		t.Errorf("Write(yaml) wrote %d bytes, want none", buf.Len())
	}
}

func TestWriteRejectsNilReport(t *testing.T) {
	t.Parallel()
	if err := Write(&bytes.Buffer{}, nil, FormatJSON, Options{}); err == nil {
		t.Error("Write(nil report) error = nil, want an error")
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteReturnsTheWritersError(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			err := Write(failingWriter{}, fixtureReport(), f, Options{})
			if !errors.Is(err, errDiskFull) {
				t.Errorf("Write to a failing writer: error = %v, want it to wrap %v", err, errDiskFull)
			}
		})
	}
}

func TestWriteLeavesTheReportUnchanged(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			r := fixtureReport()
			before := fixtureReport()
			if err := Write(&bytes.Buffer{}, r, f, Options{Color: true}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, r); diff != "" {
				t.Errorf("Write(%s) changed the report (-before +after):\n%s", f, diff)
			}
		})
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			var a, b bytes.Buffer
			if err := Write(&a, fixtureReport(), f, Options{}); err != nil {
				t.Fatal(err)
			}
			// The same findings in reverse order print the same bytes.
			r := fixtureReport()
			for i, j := 0, len(r.Findings)-1; i < j; i, j = i+1, j-1 {
				r.Findings[i], r.Findings[j] = r.Findings[j], r.Findings[i]
			}
			if err := Write(&b, r, f, Options{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("Write(%s) output depends on the order of findings:\n%s", f, cmp.Diff(a.String(), b.String()))
			}
		})
	}
}
