package pickle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// difference is where this package deliberately disagrees with the
// picklescan corpus's expected.json; docs/model-scan-pickle.md lists the
// same files with the reasons.
type difference struct {
	verdict *Safety           // our verdict, when it differs from theirs
	globals map[string]Safety // our safety of "module.name", where it differs from theirs
}

func safety(s Safety) *Safety { return &s }

var deliberateDifferences = map[string]difference{
	// expected "unknown" (their scanner errors): we keep what came before the truncation.
	"data/broken_model.pkl": {verdict: safety(Dangerous)},
	// globals() hands out every module-level name; dict() only builds data.
	"data/malicious0.pkl": {globals: map[string]Safety{"__builtin__.globals": Dangerous, "__builtin__.dict": Safe}},
	// __import__ imports any module.
	"data2/GHSA-46h3-79wf-xr6c.pkl": {globals: map[string]Safety{"builtins.__import__": Dangerous}},
	// run_and_read_all runs the command it is given.
	"data2/GHSA-jhph-76pp-mggw.pkl": {globals: map[string]Safety{"torch.utils.collect_env.run_and_read_all": Dangerous}},
	// a STACK_GLOBAL whose module could not be resolved is suspicious (Python stops at the memo miss).
	"data2/keyerror-exploit.pkl": {globals: map[string]Safety{"unknown.os": Suspicious}},
}

type expectation struct {
	Verdict string `json:"verdict"`
	Globals []struct {
		Module string `json:"module"`
		Name   string `json:"name"`
		Safety string `json:"safety"`
	} `json:"globals"`
}

var theirSafety = map[string]Safety{"Innocuous": Safe, "Suspicious": Suspicious, "Dangerous": Dangerous}
var theirVerdict = map[string]Safety{"clean": Safe, "suspicious": Suspicious, "dangerous": Dangerous}

func picklescanDir(t *testing.T) string {
	t.Helper()
	corpus, ok := testcorpus.Find()
	dir := filepath.Join(corpus, "models", "picklescan")
	if _, err := os.Stat(dir); !ok || err != nil {
		t.Skip("picklescan fixtures: ../shared/corpus/models absent")
	}
	return dir
}

func scanPath(t testing.TB, p string) Report {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ScanFile(f, st.Size(), Limits{})
	if err != nil {
		t.Fatalf("ScanFile(%s): %v", p, err)
	}
	return rep
}

// worstOf returns the highest safety reported for module.name.
func worstOf(rep Report, module, name string) (Safety, bool) {
	w, found := Safe, false
	for _, s := range rep.Streams {
		for _, g := range s.Globals {
			if g.Module == module && g.Name == name {
				w, found = max(w, g.Safety), true
			}
		}
	}
	return w, found
}

func TestPicklescanCorpusAgreement(t *testing.T) {
	dir := picklescanDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]expectation
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "data*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("corpus holds %d files, expected.json %d", len(files), len(want))
	}
	agree, ran, used := 0, 0, map[string]bool{}
	for _, p := range files {
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		exp, ok := want[rel]
		if !ok {
			t.Errorf("%s: not in expected.json", rel)
			continue
		}
		t.Run(rel, func(t *testing.T) {
			ran++
			rep := scanPath(t, p)
			diff, deliberate := deliberateDifferences[rel]
			same := true
			theirs, known := theirVerdict[exp.Verdict]
			got := rep.Worst()
			switch {
			case known && got == theirs:
			case deliberate && diff.verdict != nil && *diff.verdict == got:
				same = false
			default:
				t.Errorf("verdict %v, expected.json says %q", got, exp.Verdict)
			}
			for _, g := range exp.Globals {
				key := g.Module + "." + g.Name
				ours, found := worstOf(rep, g.Module, g.Name)
				if !found {
					t.Errorf("global %s not reported", key)
					continue
				}
				if ours == theirSafety[g.Safety] {
					continue
				}
				if d, ok := diff.globals[key]; ok && d == ours {
					same = false
					continue
				}
				t.Errorf("global %s is %v, expected.json says %s", key, ours, g.Safety)
			}
			if same {
				agree++
				if deliberate {
					t.Errorf("listed as a deliberate difference, but agrees with expected.json")
				}
			} else {
				used[rel] = true
			}
		})
	}
	t.Logf("%d of %d fixtures agree with expected.json; %d differ deliberately", agree, ran, len(used))
	if ran < len(files) {
		return // a -run filter chose some fixtures: stale differences cannot be told
	}
	for f := range deliberateDifferences {
		if !used[f] {
			t.Errorf("deliberate difference %s was not observed", f)
		}
	}
}

func TestDocsListTheDeliberateDifferences(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "model-scan-pickle.md"))
	if err != nil {
		t.Fatal(err)
	}
	var inDoc []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(data2?/[^`]+)`").FindAllStringSubmatch(string(doc), -1) {
		inDoc = append(inDoc, m[1])
	}
	var inCode []string
	for f := range deliberateDifferences {
		inCode = append(inCode, f)
	}
	sort.Strings(inDoc)
	sort.Strings(inCode)
	if d := cmp.Diff(inCode, inDoc); d != "" {
		t.Errorf("docs/model-scan-pickle.md and deliberateDifferences list different files (-code +doc):\n%s", d)
	}
}

func TestDocsListThePolicy(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "model-scan-pickle.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, r := range DenyRules {
		if !strings.Contains(doc, "`"+r.path()+"`") {
			t.Errorf("deny rule %s (%v) is not in docs/model-scan-pickle.md", r.path(), r.Safety)
		}
	}
	for _, r := range AllowRules {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(r.Module) + "` \\|.*\\b" + regexp.QuoteMeta(r.Name) + "\\b")
		if !row.MatchString(doc) {
			t.Errorf("allow rule %s is not in docs/model-scan-pickle.md", r.path())
		}
	}
}

func TestPicklescanCorpusContainers(t *testing.T) {
	dir := picklescanDir(t)
	tests := []struct {
		file       string
		container  string
		streams    int
		incomplete bool
	}{
		{"data/new_pytorch_model.bin", "pytorch-zip", 1, false},
		{"data/pytorch_model.bin", "pytorch-legacy", 1, false},
		{"data/malicious1_0x1.zip", "zip", 1, false},
		{"data/malicious1.7z", "7z", 1, true},
		{"data/benign_password_protected.zip", "zip", 0, false},
		{"data2/object_arrays_compressed.npz", "npz", 2, false},
		{"data2/int_array.npy", "numpy", 0, false},
		{"data/bad_pytorch.pt", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.file+" is read as "+tt.container, func(t *testing.T) {
			rep := scanPath(t, filepath.Join(dir, tt.file))
			got := []any{rep.Container, len(rep.Streams), rep.Incomplete}
			want := []any{tt.container, tt.streams, tt.incomplete}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("container, streams, incomplete (-want +got):\n%s\nnotes: %q", d, rep.Notes)
			}
		})
	}
}

func TestPicklescanLegacyReadsFivePickles(t *testing.T) {
	rep := scanPath(t, filepath.Join(picklescanDir(t), "data", "pytorch_model.bin"))
	if len(rep.Streams) != 1 {
		t.Fatalf("streams = %d, want 1", len(rep.Streams))
	}
	s := rep.Streams[0]
	if s.Pickles != legacyPickles || s.Err != "" {
		t.Errorf("pickles = %d, err = %q; want %d and no error (raw storages follow)", s.Pickles, s.Err, legacyPickles)
	}
}
