package android

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/modelscan"
)

// TestModelsInsideAnAppAreExamined checks that models shipped in an APK go
// through the same model scanner as bulwark model scan: a pickle that
// imports os.system inside a PyTorch archive is code execution, a benign
// pickle raises nothing of the kind.
func TestModelsInsideAnAppAreExamined(t *testing.T) {
	t.Parallel()
	benign := []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.")
	evil := []byte("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")
	app := testApp{minSDK: 26, targetSDK: 34, files: map[string][]byte{
		"assets/models/ok.pkl":  benign,
		"assets/models/net.pt":  zipOf(t, map[string][]byte{"archive/data.pkl": evil, "archive/version": []byte("3\n")}),
		"assets/models/bad.pkl": evil,
	}}
	data := app.apk(t)
	z, err := archive.OpenZip(bytes.NewReader(data), int64(len(data)), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), Input{Pkg: z, File: bytes.NewReader(data), Size: int64(len(data))},
		Options{Secrets: detect.Default(), Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
			Models: modelscan.New(modelscan.Options{}, modelscan.PickleFormats())})
	if err != nil {
		t.Fatal(err)
	}
	code := map[string]string{}
	for _, h := range hitsOf(res, "model-code-execution") {
		code[h.Locations[0].Path] = h.Locations[0].Symbol
		if h.Severity == nil || *h.Severity != finding.SeverityCritical || !strings.Contains(h.Message, "os.system") {
			t.Errorf("hit %+v: want a critical finding naming os.system", h)
		}
	}
	want := map[string]string{"assets/models/bad.pkl": "", "assets/models/net.pt": "archive/data.pkl"}
	if diff := cmp.Diff(want, code); diff != "" {
		t.Errorf("code-execution findings by model (-want +got):\n%s", diff)
	}
	for _, h := range hitsOf(res, "ai-model-inventory") {
		if v := h.Props["verdict"]; (h.Locations[0].Path == "assets/models/ok.pkl") != (v == "safe") {
			t.Errorf("%s: verdict %q", h.Locations[0].Path, v)
		}
	}
}
