package modelscan

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// pickleFamily are the formats that another package examines.
var pickleFamily = []model.Format{
	model.FormatPickle, model.FormatPyTorchZip, model.FormatPyTorchLegacy, model.FormatTorchScript,
	model.FormatPyTorchMobile, model.FormatNumPy, model.FormatNPZ, model.FormatZipPickle,
}

func corpusModels(t *testing.T) string {
	t.Helper()
	dir, ok := testcorpus.Find()
	if !ok {
		t.Skip("corpus tests skipped: ../shared/corpus/models absent")
	}
	models := filepath.Join(dir, "models")
	if st, err := os.Stat(models); err != nil || !st.IsDir() {
		t.Skip("corpus tests skipped: ../shared/corpus/models absent")
	}
	return dir
}

// TestCorpusModels walks the real model files of the corpus: the pickle
// family must reach the scanner registered for it (never be called safe
// here), and nothing else may come out dangerous, since the corpus holds
// no hostile file of the formats examined here.
func TestCorpusModels(t *testing.T) {
	dir := corpusModels(t)
	handed := map[string]bool{}
	stub := func(ctx context.Context, f File) ([]Reason, error) {
		handed[f.Path] = true
		return []Reason{{Rule: "stub", Severity: finding.SeverityInfo, Verdict: Suspicious, Message: "stub"}}, nil
	}
	extra := map[model.Format]FormatScanner{}
	for _, f := range pickleFamily {
		extra[f] = stub
	}
	s := New(Options{}, extra)
	results, err := s.ScanPaths(context.Background(), []string{filepath.Join(dir, "models")})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 50 {
		t.Fatalf("%d results from the corpus models, want the picklescan files (≥ 50)", len(results))
	}
	for _, r := range results {
		isPickle := false
		for _, f := range pickleFamily {
			isPickle = isPickle || r.Format == f
		}
		switch {
		case isPickle && !handed[r.Path]:
			t.Errorf("%s (%s) was not handed to the pickle-family scanner", r.Path, r.Format)
		case !isPickle && r.Verdict == Dangerous:
			t.Errorf("%s (%s) came out dangerous: %+v", r.Path, r.Format, r.Reasons)
		case r.Verdict == Safe && r.Format == "":
			t.Errorf("%s was not recognized yet called safe", r.Path)
		}
	}
	// Without the pickle scanner, the same files are reported unexamined.
	bare := New(Options{}, nil)
	for _, r := range results {
		if r.Format != model.FormatPickle {
			continue
		}
		got, err := bare.ScanPath(context.Background(), r.Path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Verdict != Suspicious || len(got.Reasons) != 1 || got.Reasons[0].Rule != ruleNotExamined {
			t.Errorf("%s without a pickle scanner: %s %+v, want suspicious %s", r.Path, got.Verdict, got.Reasons, ruleNotExamined)
		}
		break
	}
}

// TestCorpusAppEntries hands every entry of the corpus apps to ScanBytes,
// as the app scanner does with the files it finds: real third-party bytes
// (DEX, resources, native libraries) must not break the scanner or come
// out dangerous.
func TestCorpusAppEntries(t *testing.T) {
	dir := corpusModels(t)
	apps, _ := filepath.Glob(filepath.Join(dir, "android", "*.apk"))
	ipas, _ := filepath.Glob(filepath.Join(dir, "ios", "*.ipa"))
	apps = append(apps, ipas...)
	if len(apps) == 0 {
		t.Skip("corpus tests skipped: no apps in ../shared/corpus")
	}
	s := New(Options{}, nil)
	entries := 0
	for _, app := range apps {
		z, err := zip.OpenReader(app)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range z.File {
			if f.UncompressedSize64 > 8<<20 || strings.HasSuffix(f.Name, "/") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			entries++
			r := s.ScanBytes(context.Background(), f.Name, data)
			if r.Verdict == Dangerous {
				t.Errorf("%s!%s came out dangerous: %+v", filepath.Base(app), f.Name, r.Reasons)
			}
		}
		z.Close()
	}
	if entries < 100 {
		t.Errorf("only %d app entries examined", entries)
	}
}
