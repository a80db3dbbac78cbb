package elfcheck

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStringSinkTerminated(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"NUL-terminated strings of four or more bytes", "\x00abcd\x00xyz\x00hello world\x00", []string{"abcd", "hello world"}},
		{"line breaks and tabs belong to the string", "usage:\n\t-h\x00", []string{"usage:\n\t-h"}},
		{"run ended by a non-printable byte is not a C string", "abcdef\x01ghij\x00", []string{"ghij"}},
		{"run cut by the end of the section is dropped", "abcd\x00efghij", []string{"abcd"}},
		{"tail of a string after binary bytes is kept", "\xff\xfeapi_key=42\x00", []string{"api_key=42"}},
		{"empty input", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stringSink{max: 100, maxLen: 100}
			s.terminated([]byte(tt.in), 4)
			if diff := cmp.Diff(tt.want, s.list); diff != "" {
				t.Errorf("terminated(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestStringSinkRuns(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"runs of six or more printable bytes", "\x01abcdef\x02abc\x03ghijklm", []string{"abcdef", "ghijklm"}},
		{"tab is printable, newline ends a run", "key:\tvalue\nsecond line", []string{"key:\tvalue", "second line"}},
		{"bytes above ASCII end a run", "abcdef\x80ghijkl", []string{"abcdef", "ghijkl"}},
		{"run at the end of the input is kept", "\x00\x00tail-string", []string{"tail-string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stringSink{max: 100, maxLen: 100}
			s.runs([]byte(tt.in), 6)
			if diff := cmp.Diff(tt.want, s.list); diff != "" {
				t.Errorf("runs(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestStringSinkCaps(t *testing.T) {
	s := stringSink{max: 2, maxLen: 3}
	s.runs([]byte("aaaaaa\x00bbbbbb\x00cccccc"), 6)
	if diff := cmp.Diff([]string{"aaa", "bbb"}, s.list); diff != "" {
		t.Errorf("capped list mismatch (-want +got):\n%s", diff)
	}
	if !s.capped || !s.truncated {
		t.Errorf("capped, truncated = %v, %v; want both true", s.capped, s.truncated)
	}
}
