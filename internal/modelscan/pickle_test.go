package modelscan

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// pickleVerdictDifferences are the picklescan fixtures whose whole-file
// verdict we give differently on purpose (docs/models.md).
var pickleVerdictDifferences = map[string]Verdict{
	// picklescan errors out ("unknown"); we keep the builtins.exec import
	// read before the stream breaks off.
	"data/broken_model.pkl": Dangerous,
	// Content that is neither a model format nor a pickle container:
	// picklescan calls it clean, we call it unexamined, hence suspicious.
	"data/bad_pytorch.pt":                Suspicious,
	"data/not_a_pickle.bin":              Suspicious,
	"data/benign_password_protected.zip": Suspicious,
}

// TestPicklescanFixturesEndToEnd runs every fixture of picklescan's test
// suite through the model scanner as bulwark model scan does, and checks
// the file's verdict against the suite's expected one.
func TestPicklescanFixturesEndToEnd(t *testing.T) {
	root := testcorpus.Path(t, "models/picklescan")
	raw, err := os.ReadFile(filepath.Join(root, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]struct{ Verdict string }
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	s := New(Options{}, PickleFormats())
	names := slices.Sorted(maps.Keys(expected))
	agree := 0
	for _, name := range names {
		want := map[string]Verdict{"clean": Safe, "suspicious": Suspicious, "dangerous": Dangerous}[expected[name].Verdict]
		if d, ok := pickleVerdictDifferences[name]; ok {
			want = d
		}
		res, err := s.ScanPath(context.Background(), filepath.Join(root, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if res.Verdict != want {
			t.Errorf("%s: verdict %s, want %s (format %q, reasons %+v)", name, res.Verdict, want, res.Format, res.Reasons)
			continue
		}
		agree++
	}
	t.Logf("%d of %d fixtures as expected (%d by a documented difference)", agree, len(names), len(pickleVerdictDifferences))
}
