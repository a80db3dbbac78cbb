package source

import (
	"strings"
	"testing"
	"time"
)

// ignoreFile is one .gitignore of a test tree.
type ignoreFile struct{ dir, content string }

func newIgnore(files ...ignoreFile) *Ignore {
	ig := &Ignore{}
	for _, f := range files {
		ig.AddFile(f.dir, []byte(f.content))
	}
	return ig
}

// TestIgnoreGitSemantics follows the examples and rules of gitignore(5).
func TestIgnoreGitSemantics(t *testing.T) {
	t.Parallel()
	type probe struct {
		path string
		dir  bool
		want bool
	}
	for _, tc := range []struct {
		name   string
		files  []ignoreFile
		probes []probe
	}{
		{"a pattern without slash matches at any level", []ignoreFile{{"", "hello.*\n"}}, []probe{
			{"hello.txt", false, true}, {"a/b/hello.c", false, true}, {"hello", false, false}, {"ahello.txt", false, false}}},
		{"a slash in the middle anchors to the ignore file", []ignoreFile{{"", "doc/frotz/\n"}}, []probe{
			{"doc/frotz", true, true}, {"a/doc/frotz", true, false}, {"doc/frotz/x.txt", false, true}}},
		{"a trailing slash matches directories only", []ignoreFile{{"", "frotz/\n"}}, []probe{
			{"frotz", true, true}, {"a/frotz", true, true}, {"frotz", false, false}, {"a/frotz", false, false}}},
		{"a star does not cross a slash", []ignoreFile{{"", "foo/*\n"}}, []probe{
			{"foo/test.json", false, true}, {"foo/bar", true, true}, {"foo", true, false}}},
		{"leading double star matches in all directories", []ignoreFile{{"", "**/foo\n**/x/bar\n"}}, []probe{
			{"foo", false, true}, {"a/b/foo", true, true}, {"x/bar", false, true}, {"q/x/bar", false, true}, {"q/bar", false, false}}},
		{"trailing double star matches everything inside but not the directory", []ignoreFile{{"", "abc/**\n"}}, []probe{
			{"abc/x", false, true}, {"abc/x/y/z", false, true}, {"abc", true, false}, {"q/abc/x", false, false}}},
		{"slash double star slash matches zero or more directories", []ignoreFile{{"", "a/**/b\n"}}, []probe{
			{"a/b", false, true}, {"a/x/b", false, true}, {"a/x/y/b", false, true}, {"a/xb", false, false}, {"b", false, false}}},
		{"other consecutive stars are one star", []ignoreFile{{"", "x**y\n"}}, []probe{
			{"xzzy", false, true}, {"x/y", false, false}}},
		{"negation re-includes and the last match wins", []ignoreFile{{"", "*.log\n!important.log\n"}}, []probe{
			{"debug.log", false, true}, {"important.log", false, false}, {"a/important.log", false, false}}},
		{"everything but foo/bar (the documented example)", []ignoreFile{{"", "/*\n!/foo\n/foo/*\n!/foo/bar\n"}}, []probe{
			{"x", false, true}, {"foo/bar", true, false}, {"foo/bar/z", false, false}, {"foo/baz", false, true}}},
		{"a file cannot be re-included below an excluded directory", []ignoreFile{{"", "secrets/\n!secrets/key.txt\n"}}, []probe{
			{"secrets/key.txt", false, true}, {"secrets", true, true}}},
		{"foo/** then a negation re-includes, since foo itself is not excluded", []ignoreFile{{"", "foo/**\n!foo/keep\n"}}, []probe{
			{"foo/keep", false, false}, {"foo/drop", false, true}}},
		{"comments, blank lines and escapes", []ignoreFile{{"", "# a comment\n\n\\#hash\n\\!bang\nsp\\ \ntrail   \n"}}, []probe{
			{"# a comment", false, false}, {"#hash", false, true}, {"!bang", false, true}, {"sp ", false, true}, {"trail", false, true}, {"trail ", false, false}}},
		{"question mark and character classes", []ignoreFile{{"", "?.o\n[a-c].txt\n[!x]y.md\n[[:digit:]]z\n\\[lit\n"}}, []probe{
			{"a.o", false, true}, {"ab.o", false, false}, {"b.txt", false, true}, {"d.txt", false, false},
			{"ay.md", false, true}, {"xy.md", false, false}, {"7z", false, true}, {"az", false, false}, {"[lit", false, true}}},
		{"question mark does not match a slash", []ignoreFile{{"", "a?b\n"}}, []probe{{"a/b", false, false}, {"a-b", false, true}}},
		{"an unclosed bracket matches nothing", []ignoreFile{{"", "[abc\n"}}, []probe{{"[abc", false, false}, {"a", false, false}}},
		{"a deeper ignore file overrides a higher one", []ignoreFile{{"", "*.txt\n"}, {"sub", "!keep.txt\n"}}, []probe{
			{"sub/keep.txt", false, false}, {"sub/other.txt", false, true}, {"keep.txt", false, true}}},
		{"an anchored pattern of a subdirectory is relative to it", []ignoreFile{{"sub", "/x\n"}}, []probe{
			{"sub/x", false, true}, {"sub/y/x", false, false}, {"x", false, false}}},
		{"CRLF line endings", []ignoreFile{{"", "a.txt\r\nb.txt\r\n"}}, []probe{{"a.txt", false, true}, {"b.txt", false, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ig := newIgnore(tc.files...)
			for _, p := range tc.probes {
				if got := ig.Excluded(p.path, p.dir); got != p.want {
					t.Errorf("Excluded(%q, dir=%v) = %v, want %v", p.path, p.dir, got, p.want)
				}
			}
		})
	}
}

// TestIgnorePathologicalPatternsAreFast checks that patterns made to
// backtrack exponentially cost polynomial time.
func TestIgnorePathologicalPatternsAreFast(t *testing.T) {
	t.Parallel()
	pat := strings.Repeat("**/", 200) + strings.Repeat("*a", 200) + "b\n"
	pat += strings.Repeat("a*", 300) + "b\n"
	ig := newIgnore(ignoreFile{"", pat})
	path := strings.Repeat("d/", 100) + strings.Repeat("a", 2000)
	start := time.Now()
	if ig.Excluded(path, false) {
		t.Errorf("pathological pattern matched %q", path)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("matching took %v, want well under 2s", d)
	}
}

func FuzzGitignore(f *testing.F) {
	for _, s := range []struct{ pat, path string }{
		{"*.log\n!keep.log", "a/keep.log"}, {"/*\n!/foo\n/foo/*\n!/foo/bar", "foo/bar/x"},
		{"a/**/b", "a/x/y/b"}, {"abc/**", "abc/d"}, {"[!a-c[:digit:]]x", "dx"}, {"\\#x\\ ", "#x "},
		{"**/**/**/*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"[", "["}, {"x/", "x"},
	} {
		f.Add(s.pat, s.path)
	}
	f.Fuzz(func(t *testing.T, pat, path string) {
		if len(pat) > 4096 || len(path) > 4096 {
			return
		}
		ig := newIgnore(ignoreFile{"", pat}, ignoreFile{"sub", pat})
		start := time.Now()
		ig.Excluded(path, false)
		ig.Excluded(path, true)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("matching %q against %q took %v", pat, path, d)
		}
	})
}
