package dex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Method references the tests call.
const (
	cipherClass   = "Ljavax/crypto/Cipher;"
	settingsClass = "Landroid/webkit/WebSettings;"
	testClass     = "Lcom/example/Test;"
)

// parseOK parses b and fails the test on an error.
func parseOK(t testing.TB, b []byte, lim Limits) *File {
	t.Helper()
	f, err := Parse(b, lim)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// findMethod returns the method name of class, or fails the test.
func findMethod(t testing.TB, f *File, class, name string) *Method {
	t.Helper()
	for ci := range f.Classes {
		c := &f.Classes[ci]
		if c.Name != class {
			continue
		}
		for mi := range c.Methods {
			if c.Methods[mi].Name == name {
				return &c.Methods[mi]
			}
		}
	}
	t.Fatalf("no method %s->%s", class, name)
	return nil
}

// callView is a Call rendered for comparison: "Lclass;->name" and one of
// "str:…", "int:…" or "?" per argument register.
type callView struct {
	Method string
	Args   []string
}

func viewCalls(f *File, m *Method) []callView {
	var out []callView
	for _, c := range m.Calls {
		ref := f.Methods[c.Method]
		v := callView{Method: ref.Class + "->" + ref.Name}
		for _, a := range c.Args {
			v.Args = append(v.Args, viewConst(f, a))
		}
		out = append(out, v)
	}
	return out
}

func viewConst(f *File, a Const) string {
	switch a.Kind {
	case ConstString:
		return "str:" + f.Strings[a.Str]
	case ConstInt:
		return fmt.Sprintf("int:%d", a.Int)
	}
	return "?"
}

func viewStrings(f *File, idx []uint32) []string {
	var out []string
	for _, i := range idx {
		out = append(out, f.Strings[i])
	}
	return out
}

func TestParseReadsTables(t *testing.T) {
	b := newBuilder()
	iface := b.typ("Ljava/lang/Runnable;")
	c := b.class(testClass)
	c.access = 0x11
	c.source = b.str("Test.java")
	c.interfaces = []uint32{iface}
	b.field(testClass, "secret", "Ljava/lang/String;")
	b.addMethod(c, "run", "(Ljava/lang/String;I[JLjava/util/List;)V", 4, returnVoid())
	abstract := b.method(testClass, "todo", "Z")
	c.virtual = append(c.virtual, builtMethod{method: abstract, access: 0x401})
	f := parseOK(t, b.bytes(), Limits{})

	if f.Version != "035" {
		t.Errorf("Version = %q, want 035", f.Version)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none", f.Warnings)
	}
	wantFields := []FieldRef{{Class: testClass, Name: "secret", Type: "Ljava/lang/String;"}}
	if diff := cmp.Diff(wantFields, f.Fields); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
	wantMethods := []MethodRef{
		{Class: testClass, Name: "run", Proto: "(Ljava/lang/String;I[JLjava/util/List;)V"},
		{Class: testClass, Name: "todo", Proto: "()Z"},
	}
	if diff := cmp.Diff(wantMethods, f.Methods); diff != "" {
		t.Errorf("Methods (-want +got):\n%s", diff)
	}
	if len(f.Classes) != 1 {
		t.Fatalf("got %d classes, want 1", len(f.Classes))
	}
	got := f.Classes[0]
	want := Class{
		Name:       testClass,
		Super:      "Ljava/lang/Object;",
		Interfaces: []string{"Ljava/lang/Runnable;"},
		Access:     0x11,
		SourceFile: "Test.java",
		Methods: []Method{
			{Name: "run", Proto: "(Ljava/lang/String;I[JLjava/util/List;)V", Access: 9, CodeUnits: 1},
			{Name: "todo", Proto: "()Z", Access: 0x401},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("class (-want +got):\n%s", diff)
	}
}

func TestParseAcceptsVersions(t *testing.T) {
	for _, v := range []string{"035", "037", "038", "039", "040", "041"} {
		t.Run("version "+v+" is read", func(t *testing.T) {
			b := newBuilder()
			b.version = v
			b.class(testClass)
			f := parseOK(t, b.bytes(), Limits{})
			if f.Version != v {
				t.Errorf("Version = %q, want %q", f.Version, v)
			}
		})
	}
}

func TestMUTF8(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"ASCII is kept", []byte("https://api.example.com"), "https://api.example.com"},
		{"empty string", nil, ""},
		{"NUL is the pair C0 80", []byte{'a', 0xc0, 0x80, 'b'}, "a\x00b"},
		{"two- and three-byte characters", []byte("é€"), "é€"},
		{"surrogate pair becomes one supplementary character", []byte{0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80}, "😀"},
		{"surrogate pair between ASCII", []byte{'x', 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 'y'}, "x😀y"},
		{"lone high surrogate is replaced", []byte{0xed, 0xa0, 0xbd, 'z'}, "\uFFFDz"},
		{"lone low surrogate is replaced", []byte{0xed, 0xb8, 0x80}, "\uFFFD"},
		{"high surrogate followed by a high surrogate", []byte{0xed, 0xa0, 0xbd, 0xed, 0xa0, 0xbd}, "\uFFFD\uFFFD"},
		{"invalid byte is replaced", []byte{'a', 0xff, 'b'}, "a\uFFFDb"},
		{"truncated sequence is replaced", []byte{'a', 0xe2, 0x82}, "a\uFFFD\uFFFD"},
		{"overlong form other than NUL is replaced", []byte{0xc1, 0x81}, "\uFFFD\uFFFD"},
		{"four-byte UTF-8 is kept", []byte("😀"), "😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendMUTF8(nil, tt.in)); got != tt.want {
				t.Errorf("appendMUTF8(% x) = %q, want %q", tt.in, got, tt.want)
			}
			// The same bytes through a whole file's string table.
			b := newBuilder()
			i := b.rawStr(tt.in)
			f := parseOK(t, b.bytes(), Limits{})
			if got := f.Strings[i]; got != tt.want {
				t.Errorf("Strings[%d] = %q, want %q", i, got, tt.want)
			}
		})
	}
}

func TestEncodeMUTF8RoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "nul\x00inside", "ünï€ode", "emoji 😀 and 𝄞"} {
		t.Run(fmt.Sprintf("%q decodes to itself", s), func(t *testing.T) {
			enc, _ := encodeMUTF8(s)
			if bytes.IndexByte(enc, 0) >= 0 {
				t.Fatalf("encoding % x holds a NUL byte", enc)
			}
			if got := string(appendMUTF8(nil, enc)); got != s {
				t.Errorf("got %q, want %q", got, s)
			}
		})
	}
}

func TestCallArguments(t *testing.T) {
	tests := []struct {
		name string
		// body returns the method's code; regs is 8.
		body func(b *dexBuilder) [][]uint16
		want []callView
	}{
		{
			name: "const-string reaches invoke-static",
			body: func(b *dexBuilder) [][]uint16 {
				m := b.method(cipherClass, "getInstance", cipherClass, "Ljava/lang/String;")
				return [][]uint16{constString(0, b.str("AES/ECB/PKCS5Padding")), invoke(opInvokeStatic, m, 0)}
			},
			want: []callView{{cipherClass + "->getInstance", []string{"str:AES/ECB/PKCS5Padding"}}},
		},
		{
			name: "invoke-virtual has the receiver first and const/4 true as an int",
			body: func(b *dexBuilder) [][]uint16 {
				m := b.method(settingsClass, "setJavaScriptEnabled", "V", "Z")
				return [][]uint16{const4(1, 1), invoke(opInvokeVirtual, m, 7, 1)}
			},
			want: []callView{{settingsClass + "->setJavaScriptEnabled", []string{"?", "int:1"}}},
		},
		{
			name: "invoke-static/range resolves every register of the range",
			body: func(b *dexBuilder) [][]uint16 {
				m := b.method(testClass, "three", "V", "Ljava/lang/String;", "I", "Ljava/lang/Object;")
				return [][]uint16{constString(4, b.str("key")), const16(5, 300), invokeRange(opInvokeStaticRange, m, 4, 3)}
			},
			want: []callView{{testClass + "->three", []string{"str:key", "int:300", "?"}}},
		},
		{
			name: "invoke-virtual/range with a string argument after the receiver",
			body: func(b *dexBuilder) [][]uint16 {
				m := b.method("Landroid/webkit/WebView;", "loadUrl", "V", "Ljava/lang/String;")
				return [][]uint16{constString(3, b.str("http://example.com/")), invokeRange(opInvokeVirtualRange, m, 2, 2)}
			},
			want: []callView{{"Landroid/webkit/WebView;->loadUrl", []string{"?", "str:http://example.com/"}}},
		},
		{
			name: "invoke-direct with five registers",
			body: func(b *dexBuilder) [][]uint16 {
				m := b.method(testClass, "<init>", "V", "I", "I", "I", "I")
				return [][]uint16{const4(0, 0), const4(1, -1), const4(2, 7), const4(3, -8), const4(4, 2),
					invoke(opInvokeDirect, m, 5, 0, 1, 2, 3)}
			},
			want: []callView{{testClass + "-><init>", []string{"?", "int:0", "int:-1", "int:7", "int:-8"}}},
		},
		{
			name: "invoke without known arguments has nil Args",
			body: func(b *dexBuilder) [][]uint16 {
				m := b.method(testClass, "f", "V", "I")
				return [][]uint16{invoke(opInvokeStatic, m, 6)}
			},
			want: []callView{{testClass + "->f", nil}},
		},
		{
			name: "move-result overwrites a constant",
			body: func(b *dexBuilder) [][]uint16 {
				get := b.method(testClass, "get", "Ljava/lang/String;")
				use := b.method(testClass, "use", "V", "Ljava/lang/String;")
				return [][]uint16{constString(0, b.str("old")), invoke(opInvokeStatic, get), moveResultObject(0), invoke(opInvokeStatic, use, 0)}
			},
			want: []callView{{testClass + "->get", nil}, {testClass + "->use", nil}},
		},
		{
			name: "new-instance overwrites a constant",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "Ljava/lang/Object;")
				return [][]uint16{constString(2, b.str("old")), newInstance(2, b.typ(testClass)), invoke(opInvokeStatic, use, 2)}
			},
			want: []callView{{testClass + "->use", nil}},
		},
		{
			name: "arithmetic result forgets the register",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "I", "I")
				return [][]uint16{const4(0, 1), const4(1, 2), addInt(0, 0, 1), invoke(opInvokeStatic, use, 0, 1)}
			},
			want: []callView{{testClass + "->use", []string{"?", "int:2"}}},
		},
		{
			name: "wide result forgets both registers of the pair",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "Ljava/lang/String;", "Ljava/lang/String;")
				return [][]uint16{constString(1, b.str("a")), constString(2, b.str("b")), addLong(0, 4, 6), invoke(opInvokeStatic, use, 1, 2)}
			},
			want: []callView{{testClass + "->use", []string{"?", "str:b"}}},
		},
		{
			name: "const-wide takes two registers",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "J", "I")
				return [][]uint16{const4(1, 3), constWide(0, 0x1122334455667788), const4(2, 5), invoke(opInvokeStatic, use, 0, 1, 2)}
			},
			want: []callView{{testClass + "->use", []string{"int:1234605616436508552", "?", "int:5"}}},
		},
		{
			name: "writing the high half of a wide constant forgets it",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "J")
				return [][]uint16{constWide(0, 42), const4(1, 0), invoke(opInvokeStatic, use, 0, 1)}
			},
			want: []callView{{testClass + "->use", []string{"?", "int:0"}}},
		},
		{
			name: "move-object copies a constant",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "Ljava/lang/String;")
				return [][]uint16{constString(0, b.str("moved")), moveObject(3, 0), const4(0, 0), invoke(opInvokeStatic, use, 3)}
			},
			want: []callView{{testClass + "->use", []string{"str:moved"}}},
		},
		{
			name: "high16 forms shift the literal",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "F", "D")
				return [][]uint16{constHigh16(0, 0x4120), constWideHigh16(1, 0x4024), const32(3, -70000), invoke(opInvokeStatic, use, 0, 1, 2, 3)}
			},
			want: []callView{{testClass + "->use", []string{"int:1092616192", "int:4621819117588971520", "?", "int:-70000"}}},
		},
		{
			name: "const-string/jumbo is a string constant",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "Ljava/lang/String;")
				return [][]uint16{constStringJumbo(0, b.str("jumbo")), invoke(opInvokeStatic, use, 0)}
			},
			want: []callView{{testClass + "->use", []string{"str:jumbo"}}},
		},
		{
			name: "check-cast keeps the constant",
			body: func(b *dexBuilder) [][]uint16 {
				use := b.method(testClass, "use", "V", "Ljava/lang/Object;")
				return [][]uint16{constString(0, b.str("s")), raw(0x001f, uint16(b.typ("Ljava/lang/String;"))), invoke(opInvokeStatic, use, 0)}
			},
			want: []callView{{testClass + "->use", []string{"str:s"}}},
		},
		{
			name: "sget overwrites a constant",
			body: func(b *dexBuilder) [][]uint16 {
				fld := b.field(testClass, "F", "Ljava/lang/String;")
				use := b.method(testClass, "use", "V", "Ljava/lang/String;")
				return [][]uint16{constString(0, b.str("s")), sget(0, fld), invoke(opInvokeStatic, use, 0)}
			},
			want: []callView{{testClass + "->use", nil}},
		},
		{
			name: "invoke-polymorphic is a call of its method",
			body: func(b *dexBuilder) [][]uint16 {
				m := b.method("Ljava/lang/invoke/MethodHandle;", "invokeExact", "Ljava/lang/Object;", "[Ljava/lang/Object;")
				p := b.proto("V", "Ljava/lang/String;")
				return [][]uint16{constString(1, b.str("x")), raw(0x20fa, uint16(m), 0x0010, uint16(p))}
			},
			want: []callView{{"Ljava/lang/invoke/MethodHandle;->invokeExact", []string{"?", "str:x"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			c := b.class(testClass)
			body := tt.body(b)
			b.addMethod(c, "subject", "()V", 8, append(body, returnVoid())...)
			f := parseOK(t, b.bytes(), Limits{})
			if len(f.Warnings) != 0 {
				t.Errorf("Warnings = %q, want none", f.Warnings)
			}
			got := viewCalls(f, findMethod(t, f, testClass, "subject"))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConstantsDoNotLeakBetweenMethods(t *testing.T) {
	b := newBuilder()
	c := b.class(testClass)
	use := b.method(testClass, "use", "V", "Ljava/lang/String;")
	b.addMethod(c, "first", "()V", 2, constString(0, b.str("first's")), returnVoid())
	b.addMethod(c, "second", "()V", 2, invoke(opInvokeStatic, use, 0), returnVoid())
	f := parseOK(t, b.bytes(), Limits{})
	got := viewCalls(f, findMethod(t, f, testClass, "second"))
	want := []callView{{testClass + "->use", nil}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestMethodStringsAndFields(t *testing.T) {
	b := newBuilder()
	c := b.class(testClass)
	f1 := b.field(testClass, "a", "I")
	f2 := b.field(testClass, "b", "Ljava/lang/String;")
	f3 := b.field(testClass, "c", "I")
	b.addMethod(c, "m", "()V", 4,
		constString(0, b.str("one")),
		constString(1, b.str("two")),
		constString(0, b.str("one")),
		constStringJumbo(2, b.str("three")),
		sget(0, f1), iget(1, 3, f2), sget(0, f1),
		sput(0, f3), iput(1, 3, f3), iput(1, 3, f2),
		returnVoid())
	f := parseOK(t, b.bytes(), Limits{})
	m := findMethod(t, f, testClass, "m")
	if diff := cmp.Diff([]string{"one", "two", "three"}, viewStrings(f, m.Strings)); diff != "" {
		t.Errorf("Strings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint32{f1, f2}, m.FieldReads); diff != "" {
		t.Errorf("FieldReads (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint32{f3, f2}, m.FieldWrites); diff != "" {
		t.Errorf("FieldWrites (-want +got):\n%s", diff)
	}
}

func TestArrayData(t *testing.T) {
	iv := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	big := bytes.Repeat([]byte{0xab}, MaxArrayData+1000)
	many := func() [][]uint16 {
		// 70 fill-array-data instructions sharing one payload.
		var code [][]uint16
		for i := range 70 {
			code = append(code, fillArrayData(0, int32(3*(70-i)+1)))
		}
		return append(code, returnVoid(), arrayPayload(1, iv))
	}
	tests := []struct {
		name      string
		code      [][]uint16
		want      [][]byte
		wantWarns int
	}{
		{
			name: "byte payload is kept",
			code: [][]uint16{fillArrayData(0, 4), returnVoid(), arrayPayload(1, iv)},
			want: [][]byte{iv},
		},
		{
			name: "odd byte count is not padded",
			code: [][]uint16{fillArrayData(0, 4), returnVoid(), arrayPayload(1, iv[:5])},
			want: [][]byte{iv[:5]},
		},
		{
			name: "int payload keeps its little-endian bytes",
			code: [][]uint16{fillArrayData(0, 4), returnVoid(), arrayPayload(4, iv[:8])},
			want: [][]byte{iv[:8]},
		},
		{
			name: "payload is cut at MaxArrayData",
			code: [][]uint16{fillArrayData(0, 4), returnVoid(), arrayPayload(1, big)},
			want: [][]byte{big[:MaxArrayData]},
		},
		{
			name: "at most MaxArrays payloads per method",
			code: many(),
			want: slices.Repeat([][]byte{iv}, MaxArrays),
		},
		{
			name:      "payload offset outside the code warns",
			code:      [][]uint16{fillArrayData(0, 400), returnVoid()},
			wantWarns: 1,
		},
		{
			name:      "target that is not a payload warns",
			code:      [][]uint16{fillArrayData(0, 3), returnVoid(), nop(), nop(), nop(), nop()},
			wantWarns: 1,
		},
		{
			name:      "payload claiming more elements than the code holds warns",
			code:      [][]uint16{fillArrayData(0, 4), returnVoid(), raw(fillArrayPayload, 1, 0xffff, 0x00ff)},
			wantWarns: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			c := b.class(testClass)
			b.addMethod(c, "m", "()V", 1, tt.code...)
			f := parseOK(t, b.bytes(), Limits{})
			if len(f.Warnings) != tt.wantWarns {
				t.Errorf("Warnings = %q, want %d", f.Warnings, tt.wantWarns)
			}
			got := findMethod(t, f, testClass, "m").ArrayData
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ArrayData (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPayloadsAreSkipped(t *testing.T) {
	// Each body branches over a payload whose units would be unused
	// opcodes if they were decoded as instructions, then calls use with a
	// constant: the call is only seen when the payload is skipped.
	tests := []struct {
		name    string
		payload []uint16
		branch  func(rel int32) []uint16
	}{
		{"packed-switch payload", packedPayload(3), func(rel int32) []uint16 { return packedSwitch(0, rel) }},
		{"sparse-switch payload", sparsePayload(3), func(rel int32) []uint16 { return sparseSwitch(0, rel) }},
		{"fill-array-data payload", arrayPayload(1, []byte{0x3e, 0x3e, 0x73, 0x3e, 0x3e}), func(rel int32) []uint16 { return fillArrayData(0, rel) }},
		{"empty packed-switch payload", packedPayload(0), func(rel int32) []uint16 { return packedSwitch(0, rel) }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is skipped", func(t *testing.T) {
			b := newBuilder()
			c := b.class(testClass)
			use := b.method(testClass, "use", "V", "Ljava/lang/String;")
			// pc 0: const/4; pc 1: branch (3 units); pc 4: goto over the
			// payload; pc 5: payload; then the call.
			code := [][]uint16{const4(0, 0), tt.branch(4), gotoRel(int8(1 + len(tt.payload))), tt.payload,
				constString(1, b.str("after")), invoke(opInvokeStatic, use, 1), returnVoid()}
			b.addMethod(c, "m", "()V", 2, code...)
			f := parseOK(t, b.bytes(), Limits{})
			if len(f.Warnings) != 0 {
				t.Errorf("Warnings = %q, want none", f.Warnings)
			}
			got := viewCalls(f, findMethod(t, f, testClass, "m"))
			want := []callView{{testClass + "->use", []string{"str:after"}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("payload running past the end warns and keeps earlier facts", func(t *testing.T) {
		b := newBuilder()
		c := b.class(testClass)
		b.addMethod(c, "m", "()V", 2, constString(0, b.str("before")), returnVoid(), raw(packedSwitchPayload, 500, 0, 0))
		f := parseOK(t, b.bytes(), Limits{})
		if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "payload") {
			t.Errorf("Warnings = %q, want one about the payload", f.Warnings)
		}
		if got := viewStrings(f, findMethod(t, f, testClass, "m").Strings); !slices.Equal(got, []string{"before"}) {
			t.Errorf("Strings = %q, want [before]", got)
		}
	})
}

func TestReturnsConstInt(t *testing.T) {
	ptr := func(v int64) *int64 { return &v }
	tests := []struct {
		name string
		code [][]uint16
		want *int64
	}{
		{"const/4 then return is the constant", [][]uint16{const4(0, 1), returnReg(0)}, ptr(1)},
		{"const/16 negative", [][]uint16{const16(2, -300), returnReg(2)}, ptr(-300)},
		{"const 32-bit", [][]uint16{const32(0, 100000), returnReg(0)}, ptr(100000)},
		{"const/high16", [][]uint16{constHigh16(0, 0x3f80), returnReg(0)}, ptr(0x3f800000)},
		{"const-wide then return-wide", [][]uint16{constWide(0, 1<<40), returnWide(0)}, ptr(1 << 40)},
		{"const-wide/high16 then return-wide", [][]uint16{constWideHigh16(0, 0x4000), returnWide(0)}, ptr(0x4000 << 48)},
		{"null returned as an object", [][]uint16{const4(0, 0), returnObject(0)}, ptr(0)},
		{"non-zero constant as an object is not a constant return", [][]uint16{const4(0, 1), returnObject(0)}, nil},
		{"return of another register", [][]uint16{const4(0, 1), returnReg(1)}, nil},
		{"narrow constant returned wide", [][]uint16{const4(0, 1), returnWide(0)}, nil},
		{"wide constant returned narrow", [][]uint16{constWide(0, 1), returnReg(0)}, nil},
		{"a third instruction", [][]uint16{const4(0, 1), nop(), returnReg(0)}, nil},
		{"return-void only", [][]uint16{returnVoid()}, nil},
		{"const-string then return-object", [][]uint16{constString(0, 0), returnObject(0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			c := b.class(testClass)
			b.addMethod(c, "verify", "()Z", 4, tt.code...)
			f := parseOK(t, b.bytes(), Limits{})
			got := findMethod(t, f, testClass, "verify").ReturnsConstInt
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReturnsConstInt (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStaticStrings(t *testing.T) {
	b := newBuilder()
	c := b.class(testClass)
	s1, s2 := b.str("sk-test-123"), b.str("https://example.com")
	c.staticValues = []byte{
		6,          // six values
		0x04, 0x2a, // int 42 (one byte)
		0x17, byte(s1), // string, one byte index
		0x1e,                             // null
		0x3f,                             // boolean true
		0x1c, 0x02, 0x17, byte(s1), 0x1e, // nested array of a string and null: skipped
		0x37, byte(s2), 0, // string, two-byte index
	}
	f := parseOK(t, b.bytes(), Limits{})
	if len(f.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none", f.Warnings)
	}
	want := []string{"sk-test-123", "https://example.com"}
	if diff := cmp.Diff(want, f.Classes[0].StaticStrings); diff != "" {
		t.Errorf("StaticStrings (-want +got):\n%s", diff)
	}
}

func TestParseDoesNotKeepInput(t *testing.T) {
	b := newBuilder()
	b.str("keep me")
	c := b.class(testClass)
	b.addMethod(c, "m", "()V", 1, fillArrayData(0, 4), returnVoid(), arrayPayload(1, []byte("0123456789abcdef")))
	data := b.bytes()
	f := parseOK(t, data, Limits{})
	clear(data)
	if !slices.Contains(f.Strings, "keep me") {
		t.Errorf("Strings = %q after clearing the input, want them kept", f.Strings)
	}
	if got := string(findMethod(t, f, testClass, "m").ArrayData[0]); got != "0123456789abcdef" {
		t.Errorf("ArrayData = %q after clearing the input, want it kept", got)
	}
}

// validFile builds a file with two classes, the first of which the
// corruption tests damage; the second must survive.
func validFile() (*dexBuilder, []byte) {
	b := newBuilder()
	use := b.method(testClass, "use", "V", "Ljava/lang/String;")
	victim := b.class("Lcom/example/Victim;")
	b.addMethod(victim, "v", "()V", 2, constString(0, b.str("victim")), returnVoid())
	victim.interfaces = []uint32{b.typ("Ljava/lang/Runnable;")}
	c := b.class(testClass)
	b.addMethod(c, "m", "()V", 2, constString(0, b.str("survivor")), invoke(opInvokeStatic, use, 0), returnVoid())
	return b, b.bytes()
}

func TestParseErrors(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name    string
		corrupt func(b *dexBuilder, d []byte) []byte
		lim     Limits
		want    error
	}{
		{"empty input", func(_ *dexBuilder, _ []byte) []byte { return nil }, Limits{}, ErrNotDex},
		{"bad magic", func(_ *dexBuilder, d []byte) []byte { copy(d, "zip\n"); return d }, Limits{}, ErrNotDex},
		{"non-digit version", func(_ *dexBuilder, d []byte) []byte { copy(d[4:], "03x"); return d }, Limits{}, ErrNotDex},
		{"compact dex", func(_ *dexBuilder, d []byte) []byte { copy(d, "cdex001\x00"); return d }, Limits{}, ErrUnsupported},
		{"version 034", func(_ *dexBuilder, d []byte) []byte { copy(d[4:], "034"); return d }, Limits{}, ErrUnsupported},
		{"version 042", func(_ *dexBuilder, d []byte) []byte { copy(d[4:], "042"); return d }, Limits{}, ErrUnsupported},
		{"big-endian file", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x28:], reverseEndian); return d }, Limits{}, ErrUnsupported},
		{"bad endian tag", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x28:], 1); return d }, Limits{}, ErrFormat},
		{"truncated header", func(_ *dexBuilder, d []byte) []byte { return d[:0x40] }, Limits{}, ErrFormat},
		{"bad header size", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x24:], 0x60); return d }, Limits{}, ErrFormat},
		{"v41 header size on version 035", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x24:], 0x78); return d }, Limits{}, ErrFormat},
		{"file truncated below file_size", func(_ *dexBuilder, d []byte) []byte { return d[:len(d)-10] }, Limits{}, ErrFormat},
		{"file_size smaller than the header", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x20:], 0x10); return d }, Limits{}, ErrFormat},
		{"file larger than MaxFileSize", func(_ *dexBuilder, d []byte) []byte { return d }, Limits{MaxFileSize: 100}, ErrLimit},
		{"more strings than MaxStrings", func(_ *dexBuilder, d []byte) []byte { return d }, Limits{MaxStrings: 3}, ErrLimit},
		{"huge string count", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x38:], 0xffffffff); return d }, Limits{}, ErrLimit},
		{"string count past the end", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x38:], 1_000_000); return d }, Limits{}, ErrFormat},
		{"string ids offset past the end", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x3c:], 0xfffffff0); return d }, Limits{}, ErrFormat},
		{"string data offset past the end", func(b *dexBuilder, d []byte) []byte { le.PutUint32(d[b.at.stringIDs:], 0xfffffff0); return d }, Limits{}, ErrFormat},
		{"string data without NUL", func(b *dexBuilder, d []byte) []byte { le.PutUint32(d[b.at.stringIDs:], uint32(len(d)-1)); return d }, Limits{}, ErrFormat},
		{"type string index out of range", func(b *dexBuilder, d []byte) []byte { le.PutUint32(d[b.at.typeIDs:], 0xffff); return d }, Limits{}, ErrFormat},
		{"huge type count", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x40:], 0x40000000); return d }, Limits{}, ErrFormat},
		{"proto parameters past the end", func(b *dexBuilder, d []byte) []byte { le.PutUint32(d[b.at.protoIDs+8:], 0xfffffffc); return d }, Limits{}, ErrFormat},
		{"proto return type out of range", func(b *dexBuilder, d []byte) []byte { le.PutUint32(d[b.at.protoIDs+4:], 999); return d }, Limits{}, ErrFormat},
		{"method proto out of range", func(b *dexBuilder, d []byte) []byte { le.PutUint16(d[b.at.methodIDs+2:], 999); return d }, Limits{}, ErrFormat},
		{"huge method count", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x58:], 0xfffffff); return d }, Limits{}, ErrFormat},
		{"more classes than MaxClasses", func(_ *dexBuilder, d []byte) []byte { return d }, Limits{MaxClasses: 1}, ErrLimit},
		{"class defs past the end", func(_ *dexBuilder, d []byte) []byte { le.PutUint32(d[0x60:], 100_000); return d }, Limits{}, ErrFormat},
		{"class index out of range", func(b *dexBuilder, d []byte) []byte { le.PutUint32(d[b.at.classDefs:], 5000); return d }, Limits{}, ErrFormat},
		{"more code units than MaxCodeUnits", func(_ *dexBuilder, d []byte) []byte { return d }, Limits{MaxCodeUnits: 3}, ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, d := validFile()
			d = tt.corrupt(b, d)
			f, err := Parse(d, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
			if f != nil {
				t.Errorf("Parse returned a File with an error")
			}
		})
	}
}

func TestOverlappingStringsAreRefused(t *testing.T) {
	// Every string id points at one long string: decoding them all would
	// take far more memory than the file.
	b := newBuilder()
	long := b.str(strings.Repeat("a", 3000))
	for i := range 100 {
		b.str(fmt.Sprint(i))
	}
	d := b.bytes()
	le := binary.LittleEndian
	off := le.Uint32(d[b.at.stringIDs+4*int(long):])
	for i := range b.strs {
		le.PutUint32(d[b.at.stringIDs+4*i:], off)
	}
	_, err := Parse(d, Limits{})
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("Parse error = %v, want ErrFormat", err)
	}
}

func TestParseWarnings(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name    string
		corrupt func(b *dexBuilder, d []byte) []byte
		want    string // in a warning
	}{
		{"checksum mismatch", func(_ *dexBuilder, d []byte) []byte { d[8] ^= 1; return d }, "checksum mismatch"},
		{"bytes after the file", func(_ *dexBuilder, d []byte) []byte { return append(d, 0, 0, 0, 0) }, "after the end"},
		{"insns_size past the end", func(b *dexBuilder, d []byte) []byte {
			le.PutUint32(d[b.at.code[b.methodIndex("v")]+12:], 0x7fffffff)
			fixChecksum(d)
			return d
		}, "insns_size"},
		{"unused opcode", func(b *dexBuilder, d []byte) []byte {
			d[b.at.code[b.methodIndex("v")]+16+4] = 0x3e // after const-string
			fixChecksum(d)
			return d
		}, "unused opcode 0x3e"},
		{"string index of const-string out of range", func(b *dexBuilder, d []byte) []byte {
			le.PutUint16(d[b.at.code[b.methodIndex("v")]+16+2:], 0xfff0)
			fixChecksum(d)
			return d
		}, "string index"},
		{"class data past the end", func(b *dexBuilder, d []byte) []byte {
			le.PutUint32(d[b.at.classDefs+24:], 0xfffffff0)
			fixChecksum(d)
			return d
		}, "class_data"},
		{"interfaces past the end", func(b *dexBuilder, d []byte) []byte {
			le.PutUint32(d[b.at.classDefs+12:], 0xfffffff0)
			fixChecksum(d)
			return d
		}, "interfaces"},
		{"static values past the end", func(b *dexBuilder, d []byte) []byte {
			le.PutUint32(d[b.at.classDefs+28:], 0xfffffff0)
			fixChecksum(d)
			return d
		}, "static values"},
		{"source file index out of range", func(b *dexBuilder, d []byte) []byte {
			le.PutUint32(d[b.at.classDefs+16:], 0xfffff)
			fixChecksum(d)
			return d
		}, "source file"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" warns and the rest is read", func(t *testing.T) {
			b, d := validFile()
			d = tt.corrupt(b, d)
			f := parseOK(t, d, Limits{})
			if !slices.ContainsFunc(f.Warnings, func(w string) bool { return strings.Contains(w, tt.want) }) {
				t.Errorf("Warnings = %q, want one containing %q", f.Warnings, tt.want)
			}
			got := viewCalls(f, findMethod(t, f, testClass, "m"))
			want := []callView{{testClass + "->use", []string{"str:survivor"}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("surviving class calls (-want +got):\n%s", diff)
			}
		})
	}
}

// methodIndex returns the index of the method reference named name.
func (b *dexBuilder) methodIndex(name string) uint32 {
	for i, m := range b.methods {
		if m.name == b.strIdx[name] {
			return uint32(i)
		}
	}
	panic("no method " + name)
}

func TestHostileClassData(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *dexBuilder)
		want  string // in a warning; "" for a fatal error
	}{
		{
			name: "method counts larger than the file",
			build: func(b *dexBuilder) {
				b.class("Lcom/example/Bad;").classData = []byte{0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0}
			},
			want: "counts exceed",
		},
		{
			name: "field counts larger than the file",
			build: func(b *dexBuilder) {
				b.class("Lcom/example/Bad;").classData = []byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0}
			},
			want: "counts exceed",
		},
		{
			name: "method index out of range",
			build: func(b *dexBuilder) {
				b.class("Lcom/example/Bad;").classData = []byte{0, 0, 1, 0, 0x7f, 1, 0}
			},
			want: "out of range",
		},
		{
			name: "method defined by two classes",
			build: func(b *dexBuilder) {
				m := b.methodIndex("m")
				b.class("Lcom/example/Bad;").classData = []byte{0, 0, 1, 0, byte(m), 1, 0}
			},
			want: "defined more than once",
		},
		{
			name: "code offset past the end",
			build: func(b *dexBuilder) {
				c := b.class("Lcom/example/Bad;")
				m := b.method("Lcom/example/Bad;", "x", "V")
				c.direct = append(c.direct, builtMethod{method: m, code: &builtCode{}, codeOff: 0x0fffffff})
			},
			want: "code_item",
		},
		{
			name: "unterminated uleb128",
			build: func(b *dexBuilder) {
				b.class("Lcom/example/Bad;").classData = []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80}
			},
			want: "uleb128",
		},
		{
			name: "static values nested too deep",
			build: func(b *dexBuilder) {
				v := []byte{1}
				for range 40 {
					v = append(v, 0x1c, 1)
				}
				b.class("Lcom/example/Bad;").staticValues = append(v, 0x1e)
			},
			want: "nested too deep",
		},
		{
			name: "static value of unknown type",
			build: func(b *dexBuilder) {
				b.class("Lcom/example/Bad;").staticValues = []byte{1, 0x05}
			},
			want: "value type",
		},
		{
			name: "many classes sharing one large class_data",
			build: func(b *dexBuilder) {
				data := []byte{0xa0, 0x9c, 0x01, 0, 0, 0} // 20,000 static fields
				for range 20_000 {
					data = append(data, 1, 1)
				}
				for i := range 200 {
					b.class(fmt.Sprintf("Lcom/example/Shared%d;", i)).classData = data
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			use := b.method(testClass, "use", "V", "Ljava/lang/String;")
			c := b.class(testClass)
			b.addMethod(c, "m", "()V", 2, constString(0, b.str("survivor")), invoke(opInvokeStatic, use, 0), returnVoid())
			tt.build(b)
			f, err := Parse(b.bytes(), Limits{})
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Parse succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !slices.ContainsFunc(f.Warnings, func(w string) bool { return strings.Contains(w, tt.want) }) {
				t.Errorf("Warnings = %q, want one containing %q", f.Warnings, tt.want)
			}
			got := viewCalls(f, findMethod(t, f, testClass, "m"))
			want := []callView{{testClass + "->use", []string{"str:survivor"}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("surviving class calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSharedCodeIsBounded(t *testing.T) {
	// Many methods point at one code item full of invokes with constant
	// arguments: the facts budget stops the parse instead of the memory.
	b := newBuilder()
	use := b.method(testClass, "use", "V", "I", "I", "I", "I", "I")
	var body [][]uint16
	for range 2000 {
		body = append(body, invoke(opInvokeStatic, use, 0, 1, 2, 3, 4))
	}
	c := b.class(testClass)
	b.addMethod(c, "shared", "()V", 5, append([][]uint16{const4(0, 1)}, body...)...)
	shared := c.direct[0].code
	for i := range 400 {
		m := b.method(testClass, fmt.Sprintf("alias%d", i), "V")
		c.virtual = append(c.virtual, builtMethod{method: m, code: shared})
	}
	_, err := Parse(b.bytes(), Limits{})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("Parse error = %v, want ErrLimit", err)
	}
}

func TestWarningsAreCapped(t *testing.T) {
	b := newBuilder()
	c := b.class(testClass)
	for i := range 3 * maxWarnings {
		b.addMethod(c, fmt.Sprintf("m%d", i), "()V", 1, raw(0x003e))
	}
	f := parseOK(t, b.bytes(), Limits{})
	if len(f.Warnings) != maxWarnings+1 {
		t.Fatalf("got %d warnings, want %d", len(f.Warnings), maxWarnings+1)
	}
	if last := f.Warnings[maxWarnings]; last != fmt.Sprintf("%d more warnings not shown", 2*maxWarnings) {
		t.Errorf("last warning = %q", last)
	}
}

func TestOpcodeTable(t *testing.T) {
	unused := []int{0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x73, 0x79, 0x7a}
	for op := 0xe3; op <= 0xf9; op++ {
		unused = append(unused, op)
	}
	sizes := map[int]uint8{0x00: 1, 0x03: 3, 0x14: 3, 0x18: 5, 0x1b: 3, 0x26: 3, 0x2a: 3, 0x6e: 3, 0x78: 3, 0xd0: 2, 0xe2: 2, 0xfa: 4, 0xfb: 4, 0xfc: 3, 0xff: 2}
	for op := range 256 {
		got := opcodes[op].size
		switch {
		case slices.Contains(unused, op):
			if got != 0 {
				t.Errorf("opcode 0x%02x: size %d, want 0 (unused)", op, got)
			}
		case got == 0:
			t.Errorf("opcode 0x%02x: size 0, want a size", op)
		}
		if want, ok := sizes[op]; ok && got != want {
			t.Errorf("opcode 0x%02x: size %d, want %d", op, got, want)
		}
	}
}

func TestTruncatedFilesFail(t *testing.T) {
	_, d := validFile()
	for n := range len(d) {
		f, err := Parse(d[:n], Limits{})
		if err == nil {
			t.Fatalf("Parse of the first %d of %d bytes succeeded with %d classes, want an error", n, len(d), len(f.Classes))
		}
	}
}

func TestCorruptedBytesNeverPanic(t *testing.T) {
	// Every byte of a valid file set to each of a few hostile values:
	// Parse returns an error or a File whose indices are all in range.
	_, d := validFile()
	for i := range d {
		for _, v := range []byte{0x00, 0x01, 0x7f, 0x80, 0xff} {
			c := slices.Clone(d)
			c[i] = v
			f, err := Parse(c, Limits{})
			if err != nil {
				continue
			}
			checkInvariants(t, f)
		}
	}
}
