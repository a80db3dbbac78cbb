package pickle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func zipOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		f, err := w.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		if err := w.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func npyOf(descr string, data []byte) []byte {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (2,), }", descr)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	return cat("\x93NUMPY", 1, 0, byte(len(h)), byte(len(h)>>8), h, data)
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// summary renders a report for diffs: container, then per stream its
// member and globals.
func summary(r Report) []string {
	out := []string{"container " + r.Container + " " + r.Worst().String()}
	for _, s := range r.Streams {
		out = append(out, "stream "+s.Member)
		out = append(out, g(s)...)
	}
	return out
}

func TestScanFile(t *testing.T) {
	evil := string(proto4Memo)
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"a raw pickle", proto0System, []string{"container pickle dangerous", "stream ", "os.system dangerous GLOBAL@0"}},
		{"a PyTorch archive: every pickle member is read, tensors are not",
			zipOf(t, "m/data.pkl", string(benignTorch), "m/data/0", "cos\nsystem\n", "m/extra.pkl", evil, "m/version", "3\n"),
			[]string{"container pytorch-zip dangerous",
				"stream m/data.pkl", "collections.OrderedDict safe GLOBAL@2", "torch._utils._rebuild_tensor_v2 safe GLOBAL@33",
				"stream m/extra.pkl", "os.system dangerous STACK_GLOBAL@31"}},
		{"a PyTorch archive with .data/serialization_id and byteorder",
			zipOf(t, "archive/data.pkl", evil, "archive/.data/serialization_id", "1234567890", "archive/byteorder", "little", "archive/data/0", "\x80\x02cos\nsystem\n"),
			[]string{"container pytorch-zip dangerous", "stream archive/data.pkl", "os.system dangerous STACK_GLOBAL@31"}},
		{"a pickle member with another extension is found by content",
			zipOf(t, "weights.txt", evil), []string{"container zip dangerous", "stream weights.txt", "os.system dangerous STACK_GLOBAL@31"}},
		{"TorchScript constants are read",
			zipOf(t, "m/data.pkl", "N.", "m/constants.pkl", evil, "m/code/m.py", "def f(): pass\n"),
			[]string{"container torchscript dangerous", "stream m/data.pkl", "stream m/constants.pkl", "os.system dangerous STACK_GLOBAL@31"}},
		{"the legacy tar format reads its pickle member",
			tarOf(t, "sys_info", "x", "pickle", evil, "storages", "N.raw", "tensors", "N."),
			[]string{"container pytorch-legacy dangerous", "stream pickle", "os.system dangerous STACK_GLOBAL@31", "stream storages", "stream tensors"}},
		{"a numeric npy array holds no pickle", npyOf("<f8", make([]byte, 16)), []string{"container numpy safe"}},
		{"an object npy array is a pickle", npyOf("|O", proto0System), []string{"container numpy dangerous", "stream ", "os.system dangerous GLOBAL@0"}},
		{"an npz of object arrays reads each", zipOf(t, "a.npy", string(npyOf("|O", proto0System)), "b.npy", string(npyOf("<i8", make([]byte, 16)))),
			[]string{"container npz dangerous", "stream a.npy", "os.system dangerous GLOBAL@0"}},
		{"a gzip-compressed joblib file", gz(t, joblibStream(cat(opPop, "cposix\nsystem\n", opStop))),
			[]string{"container joblib dangerous", "stream ", "joblib.numpy_pickle.NumpyArrayWrapper safe GLOBAL@2",
				"numpy.dtype safe GLOBAL@62", "posix.system dangerous GLOBAL@144"}},
		{"bytes that are no container", []byte("\xff\xd8\xff\xe0 not a pickle"), []string{"container  safe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ScanFile(bytes.NewReader(tt.in), int64(len(tt.in)), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, summary(rep)); d != "" {
				t.Errorf("report (-want +got):\n%s\nnotes: %q", d, rep.Notes)
			}
		})
	}
}

func TestScanFileZipWithoutCentralDirectory(t *testing.T) {
	z := zipOf(t, "a.pkl", string(benignTorch), "data.pkl", string(proto4Memo))
	cut := z[:bytes.Index(z, []byte("PK\x01\x02"))] // local headers only, sizes in data descriptors
	rep, err := ScanFile(bytes.NewReader(cut), int64(len(cut)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"container zip dangerous",
		"stream a.pkl", "collections.OrderedDict safe GLOBAL@2", "torch._utils._rebuild_tensor_v2 safe GLOBAL@33",
		"stream data.pkl", "os.system dangerous STACK_GLOBAL@31"}
	if d := cmp.Diff(want, summary(rep)); d != "" {
		t.Errorf("report (-want +got):\n%s\nnotes: %q", d, rep.Notes)
	}
}

func TestScanFileMemberLimit(t *testing.T) {
	z := zipOf(t, "a.pkl", "N.", "b.pkl", "N.", "c.pkl", string(proto4Memo))
	rep, err := ScanFile(bytes.NewReader(z), int64(len(z)), Limits{MaxMembers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Incomplete || rep.Worst() != Suspicious || len(rep.Streams) != 2 {
		t.Errorf("incomplete %v, worst %v, streams %d; want true, suspicious, 2", rep.Incomplete, rep.Worst(), len(rep.Streams))
	}
}
