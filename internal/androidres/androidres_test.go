package androidres

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shogo82148/androidbinary"

	"github.com/bulwark-security/bulwark/internal/androidres/axmltest"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

func sampleManifest() *axmltest.Node {
	return &axmltest.Node{Name: "manifest", Attrs: []axmltest.Attr{axmltest.Str("package", "com.example.app")},
		Children: []*axmltest.Node{
			{Name: "uses-sdk", Attrs: []axmltest.Attr{axmltest.AInt("minSdkVersion", 0x0101020c, 21)}},
			{Name: "application", Attrs: []axmltest.Attr{
				axmltest.ABool("debuggable", 0x0101000f, true),
				axmltest.ARef("networkSecurityConfig", 0x01010527, 0x7f010000),
			}, Children: []*axmltest.Node{
				{Name: "activity", Attrs: []axmltest.Attr{axmltest.AStr("name", 0x01010003, ".Main")}},
			}},
		}}
}

func TestParseXML(t *testing.T) {
	t.Parallel()
	doc, err := ParseXML(axmltest.Encode(sampleManifest()), XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Root.String()
	want := `<manifest package="com.example.app">
  <uses-sdk android:minSdkVersion="21">
  <application android:debuggable="true" android:networkSecurityConfig="@0x7f010000">
    <activity android:name=".Main">
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded tree (-want +got):\n%s", diff)
	}
}

func TestAttributesAreFoundByResourceIDWhenRenamed(t *testing.T) {
	t.Parallel()
	// Obfuscators rename attribute strings; the platform reads the
	// resource map, and so must the scanner.
	root := &axmltest.Node{Name: "manifest", Children: []*axmltest.Node{{Name: "application", Attrs: []axmltest.Attr{
		{NS: axmltest.AndroidNS, Name: "zq", ResID: 0x0101000f, Type: axmltest.TypeIntBoolean, Data: 1},
	}}}}
	doc, err := ParseXML(axmltest.Encode(root), XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := doc.Root.Children[0].Android("debuggable")
	if !ok {
		t.Fatal("renamed android:debuggable not found by its resource id")
	}
	if b, _ := a.Value.Bool(); !b {
		t.Errorf("debuggable = %v, want true", a.Value)
	}
}

func TestTypedValueWinsOverRawString(t *testing.T) {
	t.Parallel()
	// A raw string "false" next to a typed true: Android reads the typed value.
	root := &axmltest.Node{Name: "manifest", Children: []*axmltest.Node{{Name: "application", Attrs: []axmltest.Attr{
		axmltest.ABool("debuggable", 0x0101000f, true),
	}}}}
	data := axmltest.Encode(root)
	doc, err := ParseXML(data, XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := doc.Root.Children[0].Android("debuggable")
	if b, ok := a.Value.Bool(); !ok || !b {
		t.Errorf("typed boolean not read: %+v", a)
	}
}

func TestTextContent(t *testing.T) {
	t.Parallel()
	root := &axmltest.Node{Name: "network-security-config", Children: []*axmltest.Node{
		{Name: "domain-config", Attrs: []axmltest.Attr{axmltest.Bool("cleartextTrafficPermitted", true)},
			Children: []*axmltest.Node{{Name: "domain", Text: "api.example.com"}}},
	}}
	doc, err := ParseXML(axmltest.Encode(root), XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	dc := doc.Root.Children[0]
	if got := dc.Children[0].Text; got != "api.example.com" {
		t.Errorf("domain text = %q", got)
	}
	if a, ok := dc.Attr("", "cleartextTrafficPermitted"); !ok || a.Value.String() != "true" {
		t.Errorf("cleartextTrafficPermitted = %+v, %v", a, ok)
	}
}

func TestParseXMLRejectsHostileInput(t *testing.T) {
	t.Parallel()
	good := axmltest.Encode(sampleManifest())
	t.Run("every truncation is an error, never a panic", func(t *testing.T) {
		for n := 0; n < len(good); n++ {
			if _, err := ParseXML(good[:n], XMLLimits{}); err == nil && n < 8 {
				t.Fatalf("truncated to %d bytes: no error", n)
			}
		}
	})
	t.Run("string count larger than the chunk", func(t *testing.T) {
		bad := bytes.Clone(good)
		// The string pool starts at offset 8; its count is at +8.
		copy(bad[16:20], []byte{0xff, 0xff, 0xff, 0x0f})
		if _, err := ParseXML(bad, XMLLimits{}); err == nil {
			t.Fatal("huge string count accepted")
		}
	})
	t.Run("size limit", func(t *testing.T) {
		if _, err := ParseXML(good, XMLLimits{MaxSize: 16}); err == nil {
			t.Fatal("document above MaxSize accepted")
		}
	})
	t.Run("nesting limit", func(t *testing.T) {
		root := &axmltest.Node{Name: "a"}
		n := root
		for range 20 {
			c := &axmltest.Node{Name: "a"}
			n.Children = []*axmltest.Node{c}
			n = c
		}
		if _, err := ParseXML(axmltest.Encode(root), XMLLimits{MaxDepth: 10}); err == nil {
			t.Fatal("nesting beyond MaxDepth accepted")
		}
	})
}

func TestParseTable(t *testing.T) {
	t.Parallel()
	res := []axmltest.Resource{
		{Type: "string", Key: "app_name", Str: "Example"},
		{Type: "xml", Key: "network_security_config", Str: "res/xml/network_security_config.xml"},
		{Type: "string", Key: "openai_key", Str: "not-a-key"},
		{Type: "bool", Key: "debug", VType: TypeIntBoolean, Value: 1},
	}
	tab, err := ParseTable(axmltest.EncodeTable("com.example.app", res), TableLimits{})
	if err != nil {
		t.Fatal(err)
	}
	id := axmltest.ID(res, 1)
	v, ok := tab.Resolve(Value{Type: TypeReference, Data: id})
	if !ok || v.Str != "res/xml/network_security_config.xml" {
		t.Errorf("Resolve(@xml/network_security_config) = %+v, %v", v, ok)
	}
	if got := tab.Name(id); got != "xml/network_security_config" {
		t.Errorf("Name = %q", got)
	}
	b, ok := tab.Resolve(Value{Type: TypeReference, Data: axmltest.ID(res, 3)})
	if bv, _ := b.Bool(); !ok || !bv {
		t.Errorf("@bool/debug = %+v, %v", b, ok)
	}
	var names []string
	for _, s := range tab.NamedStrings("string") {
		names = append(names, s.Name+"="+s.Value)
	}
	if diff := cmp.Diff([]string{"app_name=Example", "openai_key=not-a-key"}, names); diff != "" {
		t.Errorf("NamedStrings (-want +got):\n%s", diff)
	}
	if _, ok := tab.Resolve(Value{Type: TypeReference, Data: 0x7f09ffff}); ok {
		t.Error("unknown reference resolved")
	}
}

func TestParseTableRejectsHostileInput(t *testing.T) {
	t.Parallel()
	good := axmltest.EncodeTable("p", []axmltest.Resource{{Type: "string", Key: "k", Str: "v"}})
	for n := 0; n < len(good); n++ {
		_, _ = ParseTable(good[:n], TableLimits{}) // must not panic
	}
	zeroSize := bytes.Clone(good)
	// A chunk of size 0 inside the table must not loop forever.
	copy(zeroSize[12+4:12+8], []byte{0, 0, 0, 0})
	if _, err := ParseTable(zeroSize, TableLimits{}); err == nil {
		t.Error("zero-size chunk accepted")
	}
}

// TestCorpusAgreesWithReferenceDecoder decodes every corpus manifest with
// this package and with androidbinary (the reference) and compares
// element names and attribute values.
func TestCorpusAgreesWithReferenceDecoder(t *testing.T) {
	t.Parallel()
	apks, _ := filepath.Glob(filepath.Join(testcorpus.Dir(t), "android", "*.apk"))
	if len(apks) == 0 {
		t.Skip("no corpus APKs")
	}
	for _, apk := range apks {
		t.Run(filepath.Base(apk), func(t *testing.T) {
			data := testcorpus.ZipEntry(t, apk, "AndroidManifest.xml")
			doc, err := ParseXML(data, XMLLimits{})
			if err != nil {
				t.Fatal(err)
			}
			ref, err := androidbinary.NewXMLFile(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("reference decoder: %v", err)
			}
			refText, _ := io.ReadAll(ref.Reader())
			// Every element name and every android: string value we decode
			// appears in the reference's rendering.
			doc.Root.Walk(func(e *Element) {
				if !bytes.Contains(refText, []byte("<"+e.Name)) {
					t.Errorf("element <%s> not in reference output", e.Name)
				}
				for _, a := range e.Attrs {
					if a.Value.Type != TypeString || a.Value.Str == "" || strings.ContainsAny(a.Value.Str, "<>&\"'") {
						continue
					}
					if !bytes.Contains(refText, []byte(`="`+a.Value.Str+`"`)) {
						t.Errorf("<%s %s=%q> not in reference output", e.Name, a.Name, a.Value.Str)
					}
				}
			})
			if _, err := ParseTable(testcorpus.ZipEntry(t, apk, "resources.arsc"), TableLimits{}); err != nil {
				t.Errorf("resources.arsc: %v", err)
			}
		})
	}
}

func TestCorpusNetworkSecurityConfigResolves(t *testing.T) {
	t.Parallel()
	apk := filepath.Join(testcorpus.Dir(t), "android", "androgoat.apk")
	if _, err := os.Stat(apk); err != nil {
		t.Skip("androgoat.apk not in corpus")
	}
	doc, err := ParseXML(testcorpus.ZipEntry(t, apk, "AndroidManifest.xml"), XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ParseTable(testcorpus.ZipEntry(t, apk, "resources.arsc"), TableLimits{})
	if err != nil {
		t.Fatal(err)
	}
	app := doc.Root.ChildrenNamed("application")[0]
	a, ok := app.Android("networkSecurityConfig")
	if !ok {
		t.Fatal("networkSecurityConfig attribute not found")
	}
	v, ok := tab.Resolve(a.Value)
	if !ok || v.Str != "res/xml/network_security_config.xml" {
		t.Errorf("resolved to %+v, %v", v, ok)
	}
	nsc, err := ParseXML(testcorpus.ZipEntry(t, apk, v.Str), XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if nsc.Root.Name != "network-security-config" {
		t.Errorf("root = %s", nsc.Root.Name)
	}
}

func FuzzParseXML(f *testing.F) {
	f.Add(axmltest.Encode(sampleManifest()))
	f.Add(axmltest.Encode(&axmltest.Node{Name: "network-security-config", Children: []*axmltest.Node{{Name: "domain", Text: "a.example"}}}))
	f.Add([]byte{0x03, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseXML(data, XMLLimits{MaxElements: 10_000})
		if err == nil && doc.Root == nil {
			t.Fatal("nil root without error")
		}
	})
}

func FuzzParseTable(f *testing.F) {
	f.Add(axmltest.EncodeTable("com.example", []axmltest.Resource{
		{Type: "string", Key: "a", Str: "hello"}, {Type: "xml", Key: "nsc", Str: "res/xml/n.xml"},
	}))
	f.Add([]byte{0x02, 0x00, 0x0c, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ParseTable(data, TableLimits{MaxEntries: 100_000})
		if err != nil {
			return
		}
		for _, p := range tab.Packages {
			for tid := range p.entries {
				for idx := range p.entries[tid] {
					id := p.ID<<24 | uint32(tid)<<16 | uint32(idx)
					tab.Resolve(Value{Type: TypeReference, Data: id})
					tab.Name(id)
				}
			}
		}
		tab.NamedStrings("string")
	})
}
