package androidres_test

import (
	"archive/zip"
	"errors"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bulwark-security/bulwark/internal/androidres"
	"github.com/bulwark-security/bulwark/internal/androidres/axmltest"
	"github.com/bulwark-security/bulwark/internal/androidres/prototest"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// ignoreStrings leaves out Document.Strings: binary XML lists its whole
// string pool there, proto XML the distinct strings it holds.
// proto cannot carry: a string value's index in the binary string pool.
var ignoreStrings = cmp.Options{
	cmpopts.IgnoreFields(androidres.Document{}, "Strings"),
	cmp.Comparer(func(a, b androidres.Value) bool {
		if a.Type == androidres.TypeString {
			a.Data = 0
		}
		if b.Type == androidres.TypeString {
			b.Data = 0
		}
		return a == b
	}),
}

func sampleManifest() *axmltest.Node {
	return &axmltest.Node{Name: "manifest", Attrs: []axmltest.Attr{axmltest.Str("package", "com.example.app")},
		Children: []*axmltest.Node{
			{Name: "uses-sdk", Attrs: []axmltest.Attr{axmltest.AInt("minSdkVersion", 0x0101020c, 21)}},
			{Name: "application", Attrs: []axmltest.Attr{
				axmltest.ABool("debuggable", 0x0101000f, true),
				axmltest.ARef("networkSecurityConfig", 0x01010527, 0x7f010000),
				{NS: axmltest.AndroidNS, Name: "zq", ResID: 0x01010280, Type: axmltest.TypeIntBoolean},
			}, Children: []*axmltest.Node{
				{Name: "activity", Attrs: []axmltest.Attr{axmltest.AStr("name", 0x01010003, ".Main"), axmltest.ABool("exported", 0x01010010, true)}},
				{Name: "meta-data", Attrs: []axmltest.Attr{axmltest.AStr("name", 0x01010003, "api_key"), axmltest.AStr("value", 0, "sk-test")}},
			}},
			{Name: "domain", Text: "example.com"},
		}}
}

func TestProtoXMLRoundTrip(t *testing.T) {
	t.Parallel()
	want, err := androidres.ParseXML(axmltest.Encode(sampleManifest()), androidres.XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	pb := prototest.EncodeXML(want)
	if !androidres.IsProtoXML(pb) {
		t.Fatalf("IsProtoXML(EncodeXML(doc)) = false, want true")
	}
	got, err := androidres.ParseProtoXML(pb, androidres.XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, ignoreStrings); diff != "" {
		t.Errorf("proto document differs from binary one (-binary +proto):\n%s", diff)
	}
	for _, s := range []string{"com.example.app", ".Main", "sk-test", "example.com"} {
		if !contains(got.Strings, s) {
			t.Errorf("Strings lacks %q: %q", s, got.Strings)
		}
	}
	// Re-encoding the decoded document gives the same bytes.
	if again := prototest.EncodeXML(got); string(again) != string(pb) {
		t.Errorf("re-encoded document differs: %d bytes, want %d", len(again), len(pb))
	}
	// The renamed attribute is still found by its resource id.
	app := got.Root.ChildrenNamed("application")[0]
	if v := app.AndroidString("allowBackup"); v != "false" {
		t.Errorf("allowBackup (renamed) = %q, want false", v)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Hand-written protos, field by field, for what aapt2 writes.
func pmsg(num protowire.Number, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, body)
}

func pstr(num protowire.Number, s string) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func pvar(num protowire.Number, v uint64) []byte {
	b := protowire.AppendTag(nil, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func pfixed32(num protowire.Number, v uint32) []byte {
	b := protowire.AppendTag(nil, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

// attr is an XmlAttribute; item is the Item's content (nil for none).
func attr(name string, resID uint32, raw string, item []byte) []byte {
	parts := [][]byte{pstr(1, androidres.AndroidNS), pstr(2, name), pstr(3, raw), pvar(5, uint64(resID))}
	if item != nil {
		parts = append(parts, pmsg(6, item))
	}
	return pmsg(4, parts...)
}

func TestParseProtoXMLValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		item []byte
		want androidres.Value
	}{
		{"reference", "@xml/nsc", pmsg(1, pvar(2, 0x7f130000)), androidres.Value{Type: androidres.TypeReference, Data: 0x7f130000}},
		{"theme attribute", "?attr/x", pmsg(1, pvar(1, 1), pvar(2, 0x7f040001)), androidres.Value{Type: androidres.TypeAttribute, Data: 0x7f040001}},
		{"dynamic reference", "@lib:xml/y", pmsg(1, pvar(2, 0x00130001), pmsg(5, pvar(1, 1))), androidres.Value{Type: androidres.TypeDynRef, Data: 0x00130001}},
		{"boolean true", "true", pmsg(7, pvar(8, 1)), androidres.Value{Type: androidres.TypeIntBoolean, Data: 0xffffffff}},
		{"boolean false", "false", pmsg(7, pvar(8, 0)), androidres.Value{Type: androidres.TypeIntBoolean}},
		{"negative decimal", "-3", pmsg(7, pvar(6, uint64(math.MaxUint64-2))), androidres.Value{Type: androidres.TypeIntDec, Data: 0xfffffffd}},
		{"hexadecimal", "0x10", pmsg(7, pvar(7, 16)), androidres.Value{Type: androidres.TypeIntHex, Data: 16}},
		{"float", "1.5", pmsg(7, pfixed32(3, math.Float32bits(1.5))), androidres.Value{Type: androidres.TypeFloat, Data: math.Float32bits(1.5)}},
		{"colour", "#ff0000", pmsg(7, pvar(10, 0xffff0000)), androidres.Value{Type: 0x1d, Data: 0xffff0000}},
		{"dimension", "16dp", pmsg(7, pvar(13, 0x1001)), androidres.Value{Type: androidres.TypeDimension, Data: 0x1001}},
		{"string item", "hello", pmsg(2, pstr(1, "hello")), androidres.Value{Type: androidres.TypeString, Str: "hello"}},
		{"raw string item", "raw", pmsg(3, pstr(1, "raw")), androidres.Value{Type: androidres.TypeString, Str: "raw"}},
		{"file reference", "res/xml/a.xml", pmsg(5, pstr(1, "res/xml/a.xml"), pvar(2, 3)), androidres.Value{Type: androidres.TypeString, Str: "res/xml/a.xml"}},
		{"no compiled item takes the string", "plain", nil, androidres.Value{Type: androidres.TypeString, Str: "plain"}},
		{"empty item takes the string", "x", []byte{}, androidres.Value{Type: androidres.TypeString, Str: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := pmsg(1, pstr(3, "application"), attr("label", 0x01010001, tt.raw, tt.item))
			doc, err := androidres.ParseProtoXML(b, androidres.XMLLimits{})
			if err != nil {
				t.Fatal(err)
			}
			a, ok := doc.Root.Android("label")
			if !ok {
				t.Fatalf("android:label not found in %v", doc.Root.Attrs)
			}
			if diff := cmp.Diff(tt.want, a.Value); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			if a.Raw != tt.raw {
				t.Errorf("Raw = %q, want %q", a.Raw, tt.raw)
			}
		})
	}
}

func TestParseProtoXMLStructure(t *testing.T) {
	t.Parallel()
	// <network-security-config> line 2 with a text child and an element child
	// at line 3 with text split in two nodes.
	b := pmsg(1,
		pstr(3, "network-security-config"),
		pmsg(5, pmsg(1, pstr(3, "domain-config"),
			pmsg(5, pmsg(1, pstr(3, "domain"), pmsg(5, pstr(2, "api.")), pmsg(5, pstr(2, "example.com"))), pmsg(3, pvar(1, 4))),
		), pmsg(3, pvar(1, 3))),
	)
	b = append(b, pmsg(3, pvar(1, 2))...)
	doc, err := androidres.ParseProtoXML(b, androidres.XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := &androidres.Element{Name: "network-security-config", Line: 2, Children: []*androidres.Element{
		{Name: "domain-config", Line: 3, Children: []*androidres.Element{{Name: "domain", Line: 4, Text: "api.example.com"}}},
	}}
	if diff := cmp.Diff(want, doc.Root); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

func TestParseProtoXMLRejectsHostileInput(t *testing.T) {
	t.Parallel()
	deep := pmsg(1, pstr(3, "x"))
	for range 40 {
		deep = pmsg(1, pstr(3, "x"), pmsg(5, deep))
	}
	many := [][]byte{pstr(3, "root")}
	for range 50 {
		many = append(many, pmsg(5, pmsg(1, pstr(3, "c"))))
	}
	tests := []struct {
		name string
		data []byte
		lim  androidres.XMLLimits
	}{
		{"empty", nil, androidres.XMLLimits{}},
		{"truncated length", []byte{0x0a, 0x7f, 0x1a}, androidres.XMLLimits{}},
		{"bad tag", []byte{0x00}, androidres.XMLLimits{}},
		{"text root", pstr(2, "just text"), androidres.XMLLimits{}},
		{"element without a name", pmsg(1, pstr(2, "urn:x")), androidres.XMLLimits{}},
		{"element field with a varint", pvar(1, 3), androidres.XMLLimits{}},
		{"group wire type", []byte{0x0b, 0x0c}, androidres.XMLLimits{}},
		{"too deep", deep, androidres.XMLLimits{MaxDepth: 16}},
		{"too many elements", pmsg(1, many...), androidres.XMLLimits{MaxElements: 10}},
		{"too large", pmsg(1, pstr(3, strings.Repeat("a", 100))), androidres.XMLLimits{MaxSize: 64}},
		{"resource id out of range", pmsg(1, pstr(3, "a"), pmsg(4, pstr(2, "n"), pvar(5, 1<<40))), androidres.XMLLimits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := androidres.ParseProtoXML(tt.data, tt.lim)
			if !errors.Is(err, androidres.ErrFormat) {
				t.Errorf("ParseProtoXML = %v, %v; want an ErrFormat error", doc, err)
			}
		})
	}
}

func TestIsProtoXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"proto element", pmsg(1, pstr(3, "manifest")), true},
		{"binary xml", axmltest.Encode(sampleManifest()), false},
		{"text node", pstr(2, "x"), false},
		{"length past end", []byte{0x0a, 0x09, 0x1a}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := androidres.IsProtoXML(tt.data); got != tt.want {
				t.Errorf("IsProtoXML = %v, want %v", got, tt.want)
			}
		})
	}
}

func sampleTable() []axmltest.Resource {
	return []axmltest.Resource{
		{Type: "string", Key: "app_name", Str: "Example"},
		{Type: "string", Key: "api_key", Str: "sk-test"},
		{Type: "xml", Key: "network_security_config", Str: "res/xml/network_security_config.xml"},
		{Type: "bool", Key: "flag", VType: axmltest.TypeIntBoolean, Value: 0xffffffff},
		{Type: "string", Key: "alias", VType: axmltest.TypeReference, Value: 0x7f010000},
	}
}

// tableView is what a scan reads of a table, for comparisons.
type tableView struct {
	Resources map[string][]androidres.Resource
	Named     []androidres.NamedString
	Names     map[uint32]string
	Resolved  map[uint32]androidres.Value
}

func view(tab *androidres.Table) tableView {
	v := tableView{Resources: map[string][]androidres.Resource{}, Names: map[uint32]string{}, Resolved: map[uint32]androidres.Value{}}
	for _, p := range tab.Packages {
		rs := p.Resources()
		v.Resources[p.Name] = rs
		for _, r := range rs {
			v.Names[r.ID] = tab.Name(r.ID)
			if got, ok := tab.Resolve(androidres.Value{Type: androidres.TypeReference, Data: r.ID}); ok {
				v.Resolved[r.ID] = got
			}
		}
	}
	v.Named = tab.NamedStrings("string")
	return v
}

func TestProtoTableRoundTrip(t *testing.T) {
	t.Parallel()
	res := sampleTable()
	bin, err := androidres.ParseTable(axmltest.EncodeTable("com.example.app", res), androidres.TableLimits{})
	if err != nil {
		t.Fatal(err)
	}
	pb := prototest.EncodeTable(bin)
	got, err := androidres.ParseProtoTable(pb, androidres.TableLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(view(bin), view(got), cmpopts.EquateEmpty(), ignoreStrings); diff != "" {
		t.Errorf("proto table differs from binary one (-binary +proto):\n%s", diff)
	}
	nsc := axmltest.ID(res, 2)
	if v, ok := got.Resolve(androidres.Value{Type: androidres.TypeReference, Data: nsc}); !ok || v.Str != "res/xml/network_security_config.xml" {
		t.Errorf("Resolve(@xml/network_security_config) = %v, %v; want the file path", v, ok)
	}
	if n := got.Name(nsc); n != "xml/network_security_config" {
		t.Errorf("Name = %q, want xml/network_security_config", n)
	}
	if again := prototest.EncodeTable(got); string(again) != string(pb) {
		t.Errorf("re-encoded table differs: %d bytes, want %d", len(again), len(pb))
	}
}

func TestParseProtoTableConfigsAndBags(t *testing.T) {
	t.Parallel()
	// string/greeting: "Hello" in a locale, "Hi" by default (listed second);
	// array/list: two items; xml/conf: a file reference.
	str := func(s string) []byte { return pmsg(4, pmsg(2, pstr(1, s))) }
	b := pmsg(2,
		pmsg(1, pvar(1, 0x7f)), pstr(2, "com.example"),
		pmsg(3, pmsg(1, pvar(1, 1)), pstr(2, "string"),
			pmsg(3, pmsg(1), pstr(2, "greeting"),
				pmsg(6, pmsg(1, pstr(3, "fr")), pmsg(2, str("Bonjour"))),
				pmsg(6, pmsg(2, str("Hi"))))),
		pmsg(3, pmsg(1, pvar(1, 2)), pstr(2, "array"),
			pmsg(3, pmsg(1, pvar(1, 0)), pstr(2, "list"),
				pmsg(6, pmsg(2, pmsg(5, pmsg(4, pmsg(1, pmsg(3, pmsg(2, pstr(1, "a")))), pmsg(1, pmsg(3, pmsg(1, pvar(2, 0x7f010000)))))))))),
		pmsg(3, pmsg(1, pvar(1, 3)), pstr(2, "xml"),
			pmsg(3, pmsg(1, pvar(1, 0)), pstr(2, "conf"),
				pmsg(6, pmsg(2, pmsg(4, pmsg(5, pstr(1, "res/xml/conf.xml"), pvar(2, 3))))))),
	)
	tab, err := androidres.ParseProtoTable(b, androidres.TableLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := tab.Resolve(androidres.Value{Type: androidres.TypeReference, Data: 0x7f010000}); !ok || v.Str != "Hi" {
		t.Errorf("Resolve(string/greeting) = %v, %v; want the default Hi", v, ok)
	}
	arr := tab.Lookup(0x7f020000)
	wantArr := []androidres.Entry{{Key: "list", Complex: true, Default: true, Items: []androidres.Value{
		{Type: androidres.TypeString, Str: "a"}, {Type: androidres.TypeReference, Data: 0x7f010000}}}}
	if diff := cmp.Diff(wantArr, arr); diff != "" {
		t.Errorf("array (-want +got):\n%s", diff)
	}
	if v, _ := tab.Resolve(androidres.Value{Type: androidres.TypeReference, Data: 0x7f030000}); v.Str != "res/xml/conf.xml" {
		t.Errorf("file reference resolves to %v, want res/xml/conf.xml", v)
	}
	wantNamed := []androidres.NamedString{{Package: "com.example", Name: "greeting", Value: "Bonjour"}, {Package: "com.example", Name: "greeting", Value: "Hi"}}
	if diff := cmp.Diff(wantNamed, tab.NamedStrings("string")); diff != "" {
		t.Errorf("NamedStrings (-want +got):\n%s", diff)
	}
	if n := tab.Name(0x7f030000); n != "xml/conf" {
		t.Errorf("Name = %q, want xml/conf", n)
	}
}

func TestParseProtoTableRejectsHostileInput(t *testing.T) {
	t.Parallel()
	entry := pmsg(3, pmsg(1), pstr(2, "e"), pmsg(6), pmsg(6), pmsg(6))
	tests := []struct {
		name string
		data []byte
		lim  androidres.TableLimits
	}{
		{"truncated", []byte{0x12, 0x40, 0x0a}, androidres.TableLimits{}},
		{"package as a varint", pvar(2, 1), androidres.TableLimits{}},
		{"package id above 0xff", pmsg(2, pmsg(1, pvar(1, 0x100))), androidres.TableLimits{}},
		{"type id above 0xff", pmsg(2, pmsg(3, pmsg(1, pvar(1, 0x100)))), androidres.TableLimits{}},
		{"entry id above 0xffff", pmsg(2, pmsg(3, pmsg(1, pvar(1, 1)), pmsg(3, pmsg(1, pvar(1, 0x10000))))), androidres.TableLimits{}},
		{"too many values", pmsg(2, pmsg(3, pmsg(1, pvar(1, 1)), entry)), androidres.TableLimits{MaxEntries: 2}},
		{"too large", pmsg(2, pstr(2, strings.Repeat("p", 100))), androidres.TableLimits{MaxSize: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tab, err := androidres.ParseProtoTable(tt.data, tt.lim)
			if !errors.Is(err, androidres.ErrFormat) {
				t.Errorf("ParseProtoTable = %v, %v; want an ErrFormat error", tab, err)
			}
		})
	}
}

// corpusXML lists the binary XML files of a corpus APK: the manifest and
// res/**/*.xml.
func corpusXML(t *testing.T, apk string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(apk)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		if f.Name != "AndroidManifest.xml" && (!strings.HasPrefix(f.Name, "res/") || !strings.HasSuffix(f.Name, ".xml")) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if androidres.IsBinaryXML(b) {
			out[f.Name] = b
		}
	}
	return out
}

// TestCorpusProtoAgreesWithBinary converts each corpus APK's manifest, XML
// resources and resource table to proto and checks that the proto readers
// give what the binary readers give.
func TestCorpusProtoAgreesWithBinary(t *testing.T) {
	t.Parallel()
	apks, _ := filepath.Glob(filepath.Join(testcorpus.Dir(t), "android", "*.apk"))
	if len(apks) == 0 {
		t.Skip("no corpus APKs")
	}
	for _, apk := range apks {
		t.Run(filepath.Base(apk), func(t *testing.T) {
			t.Parallel()
			files := corpusXML(t, apk)
			if _, ok := files["AndroidManifest.xml"]; !ok {
				t.Fatal("no binary AndroidManifest.xml")
			}
			for name, b := range files {
				want, err := androidres.ParseXML(b, androidres.XMLLimits{})
				if err != nil {
					continue // the binary reader refuses it; nothing to compare
				}
				got, err := androidres.ParseProtoXML(prototest.EncodeXML(want), androidres.XMLLimits{})
				if err != nil {
					t.Errorf("%s: ParseProtoXML: %v", name, err)
					continue
				}
				if diff := cmp.Diff(want, got, ignoreStrings); diff != "" {
					t.Errorf("%s: proto document differs (-binary +proto):\n%s", name, diff)
				}
			}
			bin, err := androidres.ParseTable(testcorpus.ZipEntry(t, apk, "resources.arsc"), androidres.TableLimits{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := androidres.ParseProtoTable(prototest.EncodeTable(bin), androidres.TableLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(view(bin), view(got), cmpopts.EquateEmpty(), ignoreStrings); diff != "" {
				t.Errorf("resources.pb differs from resources.arsc (-arsc +pb):\n%s", diff)
			}
		})
	}
}

// BenchmarkProtoVersusBinary decodes the largest corpus table and
// manifest in both forms.
func BenchmarkProtoVersusBinary(b *testing.B) {
	apk := testcorpus.Path(b, "android/insecurebankv2.apk")
	arsc := testcorpus.ZipEntry(b, apk, "resources.arsc")
	axml := testcorpus.ZipEntry(b, apk, "AndroidManifest.xml")
	tab, err := androidres.ParseTable(arsc, androidres.TableLimits{})
	if err != nil {
		b.Fatal(err)
	}
	doc, err := androidres.ParseXML(axml, androidres.XMLLimits{})
	if err != nil {
		b.Fatal(err)
	}
	pbTable, pbXML := prototest.EncodeTable(tab), prototest.EncodeXML(doc)
	cases := []struct {
		name  string
		data  []byte
		parse func([]byte) error
	}{
		{"table/arsc", arsc, func(d []byte) error { _, err := androidres.ParseTable(d, androidres.TableLimits{}); return err }},
		{"table/pb", pbTable, func(d []byte) error { _, err := androidres.ParseProtoTable(d, androidres.TableLimits{}); return err }},
		{"manifest/axml", axml, func(d []byte) error { _, err := androidres.ParseXML(d, androidres.XMLLimits{}); return err }},
		{"manifest/pb", pbXML, func(d []byte) error { _, err := androidres.ParseProtoXML(d, androidres.XMLLimits{}); return err }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.parse(c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
