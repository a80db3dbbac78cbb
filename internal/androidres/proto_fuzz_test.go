package androidres_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/androidres"
	"github.com/bulwark-security/bulwark/internal/androidres/axmltest"
	"github.com/bulwark-security/bulwark/internal/androidres/prototest"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// maxSeed keeps large corpus tables out of the seeds: mutating a
// 400 KB input is slow and finds nothing a small one does not.
const maxSeed = 64 << 10

// corpusSeeds returns the corpus APKs' manifests and tables converted to
// proto, when the corpus is present, up to maxSeed bytes each.
func corpusSeeds(f *testing.F, table bool) [][]byte {
	f.Helper()
	dir, ok := testcorpus.Find()
	if !ok {
		return nil
	}
	apks, _ := filepath.Glob(filepath.Join(dir, "android", "*.apk"))
	var out [][]byte
	for _, apk := range apks {
		if _, err := os.Stat(apk); err != nil {
			continue
		}
		if table {
			if t, err := androidres.ParseTable(testcorpus.ZipEntry(f, apk, "resources.arsc"), androidres.TableLimits{}); err == nil {
				out = append(out, prototest.EncodeTable(t))
			}
			continue
		}
		if d, err := androidres.ParseXML(testcorpus.ZipEntry(f, apk, "AndroidManifest.xml"), androidres.XMLLimits{}); err == nil {
			out = append(out, prototest.EncodeXML(d))
		}
	}
	return out
}

// FuzzParseProtoXML checks that no input panics or breaks the limits, and
// that a document that decodes survives encoding and decoding again.
func FuzzParseProtoXML(f *testing.F) {
	doc, err := androidres.ParseXML(axmltest.Encode(sampleManifest()), androidres.XMLLimits{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(prototest.EncodeXML(doc))
	f.Add(pmsg(1, pstr(3, "a"), attr("label", 0x01010001, "x", pmsg(7, pvar(8, 1)))))
	f.Add([]byte{0x0a, 0x00})
	for _, s := range corpusSeeds(f, false) {
		if len(s) <= maxSeed {
			f.Add(s)
		}
	}
	lim := androidres.XMLLimits{MaxElements: 10_000, MaxDepth: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := androidres.ParseProtoXML(data, lim)
		if err != nil {
			return
		}
		if doc.Root == nil {
			t.Fatal("nil root without error")
		}
		again, err := androidres.ParseProtoXML(prototest.EncodeXML(doc), lim)
		if err != nil {
			t.Fatalf("re-encoded document does not decode: %v", err)
		}
		if diff := cmp.Diff(doc.Root, again.Root); diff != "" {
			t.Fatalf("re-encoded document differs (-first +second):\n%s", diff)
		}
	})
}

// FuzzParseProtoTable checks that no input panics or breaks the limits,
// and that every resource of a decoded table can be looked up.
func FuzzParseProtoTable(f *testing.F) {
	bin, err := androidres.ParseTable(axmltest.EncodeTable("com.example.app", sampleTable()), androidres.TableLimits{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(prototest.EncodeTable(bin))
	f.Add(pmsg(2, pmsg(1, pvar(1, 0x7f)), pmsg(3, pmsg(1, pvar(1, 1)), pstr(2, "string"), pmsg(3, pmsg(1), pstr(2, "a"), pmsg(6, pmsg(2, pmsg(4, pmsg(2, pstr(1, "v")))))))))
	for _, s := range corpusSeeds(f, true) {
		if len(s) <= maxSeed {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := androidres.ParseProtoTable(data, androidres.TableLimits{MaxEntries: 100_000})
		if err != nil {
			return
		}
		for _, p := range tab.Packages {
			for _, r := range p.Resources() {
				tab.Resolve(androidres.Value{Type: androidres.TypeReference, Data: r.ID})
				tab.Name(r.ID)
				if len(tab.Lookup(r.ID)) != len(r.Entries) {
					t.Fatalf("Lookup(0x%08x) disagrees with Resources", r.ID)
				}
			}
		}
		tab.NamedStrings("string")
	})
}
