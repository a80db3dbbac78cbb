package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fuzz targets here check the codec (wire.go, wirecodec.go) against
// the reference codec it replaced (wire_ref_test.go): the same inputs
// decode, with the same errors, to the same values, which encode to the
// same bytes.

// wireSeeds are realistic documents of each kind, and the corner cases
// the codec must get right; they seed the fuzz targets.
var wireSeeds = struct{ requests, completions, chunks, embeddings, values []string }{
	requests: []string{
		benchRequest,
		`{"model":"gpt-4o","messages":[{"role":"user","content":"hi","x_msg":1}],"seed":7,"response_format":{"type":"json_object"},` +
			`"stream_options":{"include_usage":true,"x_so":"a"},"tools":[{"type":"function","function":{"name":"f","strict":true},"x_tool":[1]}]}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},` +
			`{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},` +
			`{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"},"text":"kept as extra"}]}],"stream":true}`,
		`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",` +
			`"function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"20C"}],` +
			`"tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false}`,
		`{"model":"m","messages":[{"role":"assistant"}],"stop":"END","n":1,"top_p":1,"temperature":0,"max_completion_tokens":9007199254740993}`,
		`{"model":"m","messages":[],"stop":["a",null,"\u00e9\ud83d\ude00"],"user":"\u2028\u2029<&>","logit_bias":{"50256":-100}}`,
		"{\n  \"model\" : \"m\" ,\n\t\"messages\" : [ { \"role\" : \"user\" , \"content\" : \"caf\xc3\xa9 \xe2\x80\xa8 \\n\\t\\\"\\\\\\/\\b\\f\\r\" } ] ,\r\n \"metadata\" : { \"a\" : [ 1 , 2.50 , -0 , 1e400 ] } }\n",
		`{"model":"m","model":null,"messages":[{"role":1,"role":"user","content":"x"}],"stop":5,"stop":"s","temperature":1e-7,"top_p":123456789012345678901234}`,
		`{"mod\u0065l":"escaped key","messages":[{"role":"user","content":"\ud800 lone \udc00 \ud800\u0041"}],"\u00ff\ud83d\ude00":true}`,
		"{\"model\":\"bad \xff\xfe utf8 \xed\xa0\x80\",\"messages\":[],\"\xff\":\"\xc0\xaf\"}",
		`{"model":"m","messages":[{"role":"user","content":[{"text":"before type","type":"text"},{"type":"text"},{"type":"text","text":null}]}]}`,
		`{"model":"m","messages":[],"tools":[{"type":"function","function":{"description":"d","parameters":null}},{"type":"function","function":{}}]}`,
		`{"model":"m","messages":[],"max_tokens":1.5}`,
		`{"model":"m","messages":[],"max_tokens":1e2}`,
		`{"model":"m","messages":[],"n":99999999999999999999}`,
		`{"model":"m","messages":[],"temperature":"hot"}`,
		`{"model":"m","messages":[null]}`,
		`{"model":"m","messages":[5,{"role":true}]}`,
		`{"model":"m","messages":{},"stream":"yes","stream_options":[],"tools":[{"function":"f"}]}`,
		`{"model":"m","messages":[{"role":"user","content":5}],"stop":[1]}`,
		`{"model":"m","messages":[{"role":"user","content":{"text":"x"},"name":2}]}`,
		`{"model":"m","messages":[{"content":[{"type":7},{"type":"text","text":3}]}]}`,
		`{"model":"m","messages":[],"stream_options":null,"tools":null,"stop":null,"tool_choice":null}`,
		`{"model":"m","messages":[{"role":"user","content":[],"tool_calls":[]}],"tools":[],"stop":[],"stream_options":{}}`,
		`[]`, `null`, `"str"`, `{}`, `{"model":1}`, `{"messages":{}}`, ``, ` `, `{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{"a":1}x`,
		`{"a":[1,2,]}`, `{"a":tru}`, `{"a":-}`, `{"a":01}`, `{"a":1.}`, `{"a":1e}`, `{"a":"\x"}`, `{"a":"\u12G4"}`, "{\"a\":\"\x01\"}",
		`{"a":"unterminated}`, `{"a":[}`, `{"a":{]}`, `{"a":{"b"}}`, `{1:2}`,
	},
	completions: []string{
		completionBody,
		`{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","system_fingerprint":"fp",` +
			`"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1","type":"function",` +
			`"function":{"name":"f","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],` +
			`"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}}`,
		`{"id":"x","object":"chat.completion","created":-1,"model":"m","choices":[{"index":1,"message":null,"finish_reason":null},` +
			`{"index":2,"message":{"role":"assistant","content":"a\nb","annotations":[]},"finish_reason":"length"}],"usage":null,"service_tier":"default"}`,
		`{"id":"x","created":1.5,"choices":[]}`,
		`{"id":"x","created":"1","choices":[{"index":"0"}],"usage":{"prompt_tokens":true}}`,
		`{"id":"x","choices":[{"message":{"content":[]}}],"usage":{"prompt_tokens":9223372036854775807,"total_tokens":-9223372036854775808}}`,
		`{"id":"x","choices":[{"message":{"content":[{"type":"text","text":"part"}]}}],"usage":{"prompt_tokens":9223372036854775808}}`,
		`{"error":{"message":"overloaded","type":"server_error"}}`,
	},
	chunks: []string{
		chunkJSON("Hello"), finishChunk, usageChunk,
		`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"",` +
			`"refusal":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}`,
		`{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]},"logprobs":null}],"obfuscation":"x"}`,
		`{"id":"c","choices":[{"delta":{"tool_calls":[{"function":{"NAME":"upper","Arguments":"x","name":null,"argumentſ":"folded","extra":[1]}}]}}]}`,
		`{"id":"c","choices":[{"delta":{"tool_calls":[{"function":{"name":1,"arguments":2}}]}}]}`,
		`{"id":"c","choices":[{"delta":{"tool_calls":[{"function":"f"},{"function":null}]}}]}`,
		`{"id":"c","choices":[{"delta":{"tool_calls":[{"function":{"name":"a","name":{"x":1}}}]}}]}`,
		`{"id":"c","choices":[{"delta":null,"finish_reason":"stop"},{"delta":{"content":null,"reasoning_content":"think"}}]}`,
		`{"id":"c","choices":[{"delta":{"content":5}}],"usage":{"completion_tokens":1.0}}`,
		`{"id":"c","choices":[{"delta":[],"finish_reason":1}]}`,
	},
	embeddings: []string{
		`{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64","dimensions":256}`,
		`{"model":"e","input":[[1,2],[3]],"user":"u"}`,
		`{"model":"e","input":"x","input":null}`,
		`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-2e-8]}],"model":"e","usage":{"prompt_tokens":1,"total_tokens":1}}`,
		`{"object":"list","data":null,"model":5}`,
	},
	values: []string{
		`"a"`, `"\u00e9\ud83d\ude00\ud800"`, "\"\xff\"", `"\/\b\f\n\r\t\"\\"`, `1`, `-0`, `1.5`, `1e400`, `-1e-400`, `12345678901234567890`,
		`true`, `false`, `null`, `[1, {"a" : "b c"}]`, ` { } `, `[`, `{"a":1}}`, `"\u2028"`, `0.1e+2`,
	},
}

// TestWireNestingLimit checks that documents nested as deep as
// encoding/json allows (10000 levels) decode, and deeper ones do not, as
// with the reference. (These are not fuzz seeds: they make fuzzing slow.)
func TestWireNestingLimit(t *testing.T) {
	t.Parallel()
	nest := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"an array 10000 deep is no object", nest(10000), false},
		{"an array 10001 deep is too deep", nest(10001), false},
		{"an extra 9999 deep in the request is 10000 in all", `{"model":"m","x":` + nest(9999) + `}`, true},
		{"an extra 10000 deep in the request is 10001 in all", `{"model":"m","x":` + nest(10000) + `}`, false},
		{"objects 10000 deep in a message", `{"messages":[{"x":` + strings.Repeat(`{"a":`, 9997) + `1` + strings.Repeat("}", 9997) + `}]}`, true},
		{"objects 10001 deep in a message", `{"messages":[{"x":` + strings.Repeat(`{"a":`, 9998) + `1` + strings.Repeat("}", 9998) + `}]}`, false},
		{"unbalanced", `{"model":"m","x":` + strings.Repeat("[", 20000) + `}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r ChatRequest
			if err := json.Unmarshal([]byte(tt.in), &r); (err == nil) != tt.ok {
				t.Errorf("decode error %v, want ok %v", err, tt.ok)
			}
			checkDecode[ChatRequest, refChatRequest](t, []byte(tt.in))
		})
	}
	// What is valid on its own is too deep inside the document it goes in.
	raw := json.RawMessage(nest(9999))
	if _, err := Marshal(&ChatRequest{Extra: Extra{"x": raw}}); err != nil {
		t.Errorf("encode 10000 deep: %v", err)
	}
	if _, err := Marshal(&ChatRequest{Messages: []Message{{Extra: Extra{"x": raw}}}}); err == nil {
		t.Errorf("encode 10002 deep: no error")
	}
	checkEncode[ChatRequest, refChatRequest](t, &ChatRequest{Messages: []Message{{Extra: Extra{"x": raw}}}})
}

// refTypeName turns the names in the reference codec's errors into the
// names of the types it stands for.
var refTypeName = strings.NewReplacer("provider.refFields", "provider.fields", "provider.ref", "provider.")

func errText(err error, ref bool) string {
	if err == nil {
		return "<nil>"
	}
	if ref {
		return refTypeName.Replace(err.Error())
	}
	return err.Error()
}

// convert copies src into dst, field by field, between the wire types and
// their reference twins (the same fields in the same order).
func convert(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Struct:
		for i := range src.NumField() {
			convert(dst.Field(i), src.Field(i))
		}
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		dst.Set(reflect.New(dst.Type().Elem()))
		convert(dst.Elem(), src.Elem())
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		dst.Set(reflect.MakeSlice(dst.Type(), src.Len(), src.Len()))
		for i := range src.Len() {
			convert(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		dst.Set(reflect.MakeMapWithSize(dst.Type(), src.Len()))
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(dst.Type().Elem()).Elem()
			convert(v, it.Value())
			dst.SetMapIndex(it.Key(), v)
		}
	default:
		dst.Set(src.Convert(dst.Type()))
	}
}

// toRef returns the reference twin of a wire value.
func toRef[R, N any](n *N) *R {
	r := new(R)
	convert(reflect.ValueOf(r).Elem(), reflect.ValueOf(n).Elem())
	return r
}

// checkDecode checks that in decodes with the codec (N) exactly as with
// the reference (R): the same error or none, through json.Unmarshal and
// through UnmarshalJSON directly, the same value, and the same encoding.
func checkDecode[N, R any](t *testing.T, in []byte) {
	t.Helper()
	var n, nd N
	var r, rd R
	errN, errR := json.Unmarshal(in, &n), json.Unmarshal(in, &r)
	if got, want := errText(errN, false), errText(errR, true); got != want {
		t.Fatalf("json.Unmarshal(%T) of %q: error\n%s\nwant (reference)\n%s", n, in, got, want)
	}
	errND := any(&nd).(json.Unmarshaler).UnmarshalJSON(in)
	errRD := any(&rd).(json.Unmarshaler).UnmarshalJSON(in)
	if got, want := errText(errND, false), errText(errRD, true); got != want {
		t.Fatalf("%T.UnmarshalJSON of %q: error\n%s\nwant (reference)\n%s", nd, in, got, want)
	}
	if errRD == nil {
		if diff := cmp.Diff(&rd, toRef[R](&nd)); diff != "" {
			t.Fatalf("%T.UnmarshalJSON of %q (-reference +got):\n%s", nd, in, diff)
		}
	}
	if errR != nil {
		return
	}
	if diff := cmp.Diff(&r, toRef[R](&n)); diff != "" {
		t.Fatalf("json.Unmarshal(%T) of %q (-reference +got):\n%s", n, in, diff)
	}
	checkEncode[N, R](t, &n)
}

// checkEncode checks that v encodes exactly as with the reference, by
// Marshal (by pointer and by value) and by json.Marshal (which escapes
// HTML in what MarshalJSON returns).
func checkEncode[N, R any](t *testing.T, v *N) {
	t.Helper()
	r := toRef[R](v)
	want, errR := refMarshal(r)
	for _, x := range []any{v, *v} {
		got, err := Marshal(x)
		if (err == nil) != (errR == nil) {
			t.Fatalf("Marshal(%T) error %v, reference %v", x, err, errR)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Marshal(%T):\n%s\nwant (reference)\n%s", x, got, want)
		}
	}
	got, err := json.Marshal(v)
	want, errR = json.Marshal(r)
	if (err == nil) != (errR == nil) || !bytes.Equal(got, want) {
		t.Fatalf("json.Marshal(%T) = %s, %v\nwant (reference) %s, %v", v, got, err, want, errR)
	}
}

func addSeeds(f *testing.F, seeds ...[]string) {
	for _, list := range seeds {
		for _, s := range list {
			f.Add([]byte(s))
		}
	}
}

func FuzzWireChatRequest(f *testing.F) {
	addSeeds(f, wireSeeds.requests)
	for _, tt := range anthropicRequestTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecode[ChatRequest, refChatRequest](t, in)
		checkDecode[Message, refMessage](t, in)
		checkDecode[Content, refContent](t, in)
		checkDecode[ContentPart, refContentPart](t, in)
		checkDecode[Tool, refTool](t, in)
		checkDecode[FunctionDef, refFunctionDef](t, in)
		checkDecode[ToolCall, refToolCall](t, in)
		checkDecode[FunctionCall, refFunctionCall](t, in)
		checkDecode[StreamOptions, refStreamOptions](t, in)
	})
}

func FuzzWireChatCompletion(f *testing.F) {
	addSeeds(f, wireSeeds.completions)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecode[ChatCompletion, refChatCompletion](t, in)
		checkDecode[Choice, refChoice](t, in)
		checkDecode[Usage, refUsage](t, in)
	})
}

func FuzzWireChatChunk(f *testing.F) {
	addSeeds(f, wireSeeds.chunks)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecode[ChatChunk, refChatChunk](t, in)
		checkDecode[ChunkChoice, refChunkChoice](t, in)
		checkDecode[Delta, refDelta](t, in)
		checkDecode[ToolCallDelta, refToolCallDelta](t, in)
	})
}

func FuzzWireEmbeddings(f *testing.F) {
	addSeeds(f, wireSeeds.embeddings)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecode[EmbeddingsRequest, refEmbeddingsRequest](t, in)
		checkDecode[EmbeddingsResponse, refEmbeddingsResponse](t, in)
	})
}

// FuzzWireValue checks the scanner and the value readers against
// encoding/json on any JSON text: the same texts are valid, compact to the
// same bytes, and read as the same string, integer, float or bool.
func FuzzWireValue(f *testing.F) {
	addSeeds(f, wireSeeds.values, wireSeeds.chunks)
	f.Fuzz(func(t *testing.T, in []byte) {
		var want bytes.Buffer
		wantErr := json.Compact(&want, in)
		got, err := appendCompact([]byte("x"), in, 0)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("appendCompact(%q) error %v, json.Compact %v", in, err, wantErr)
		}
		if err == nil && string(got) != "x"+want.String() {
			t.Fatalf("appendCompact(%q) = %q, json.Compact %q", in, got[1:], want.Bytes())
		}
		read := func(name string, dst, ref any, read func(d *decoder) error) {
			d := decoder{data: in}
			d.ws()
			err := d.finish("value", read(&d))
			refErr := json.Unmarshal(in, ref)
			if (err == nil) != (refErr == nil) {
				t.Fatalf("read %s of %q: error %v, encoding/json %v", name, in, err, refErr)
			}
			if err == nil && !reflect.DeepEqual(dst, ref) {
				t.Fatalf("read %s of %q = %v, encoding/json %v", name, in, reflect.ValueOf(dst).Elem(), reflect.ValueOf(ref).Elem())
			}
		}
		var s, refS string
		read("string", &s, &refS, func(d *decoder) error { return d.str(&s) })
		var n, refN int64
		read("int64", &n, &refN, func(d *decoder) error { return d.num64(&n) })
		var fl, refF *float64
		read("float64", &fl, &refF, func(d *decoder) error { return d.floatPtr(&fl) })
		var b, refB bool
		read("bool", &b, &refB, func(d *decoder) error { return d.boolean(&b) })
	})
}

// FuzzWireString checks string escaping against encoding/json.
func FuzzWireString(f *testing.F) {
	for _, s := range []string{"", "plain", "<b>&amp;</b>", "\x00\x1f\x7f\b\f\n\r\t\"\\/", "\u2028\u2029\u00e9😀", "\xff\xc0\xaf\xed\xa0\x80\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := refMarshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzWireFloat checks number formatting against encoding/json.
func FuzzWireFloat(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 0.4, 1, -1.5, 1e-6, 9.999999e-7, 1e-7, 1e20, 1e21, 123456789e13,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, 1e-100} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		want, wantErr := refMarshal(x)
		var e encoder
		e.float("x", x)
		if (e.err == nil) != (wantErr == nil) {
			t.Fatalf("float(%v) error %v, encoding/json %v", x, e.err, wantErr)
		}
		if e.err == nil && !bytes.Equal(e.buf, want) {
			t.Fatalf("float(%v) = %s, encoding/json %s", x, e.buf, want)
		}
	})
}

// FuzzWireEncode builds values that decoding never makes (invalid UTF-8
// in strings, invalid or spaced raw values, extra keys that are also
// known keys, NaN) and checks that they encode as with the reference.
func FuzzWireEncode(f *testing.F) {
	f.Add("m", "\xff<a>\u2028", []byte(` {"a" : [1, 2]} `), 0.5, int64(3), true)
	f.Add("", "", []byte(""), math.NaN(), int64(-1), false)
	f.Add("text", "x", []byte("{"), 1e300, int64(0), true)
	f.Add("model", "null", []byte("  "), math.Inf(1), int64(1), false)
	f.Fuzz(func(t *testing.T, s1, s2 string, raw []byte, x float64, n int64, flag bool) {
		i := int(n)
		extra := Extra{s1: raw, s2: json.RawMessage(`"v"`)}
		content := Content{Text: s2, Null: flag}
		if n%2 == 0 {
			content.Parts = []ContentPart{}
		}
		if n%3 == 0 {
			content.Parts = []ContentPart{{Type: s1, Text: s2, Extra: extra}}
		}
		req := ChatRequest{
			Model: s1, Stream: flag, StreamOptions: &StreamOptions{IncludeUsage: flag, Extra: extra},
			Messages: []Message{{Role: s1, Content: content, Name: s2, ToolCallID: s2, Extra: extra,
				ToolCalls: []ToolCall{{ID: s1, Type: s2, Function: FunctionCall{Name: s1, Arguments: s2, Extra: extra}}}}},
			MaxTokens: &i, Temperature: &x, TopP: &x, Stop: []string{s1, s2}, N: &i, ToolChoice: raw, User: s2, Extra: extra,
			Tools: []Tool{{Type: s1, Function: FunctionDef{Name: s1, Description: s2, Parameters: raw}}, {Type: s2}},
		}
		checkEncode[ChatRequest, refChatRequest](t, &req)
		reason := s2
		cc := ChatCompletion{ID: s1, Object: s2, Created: n, Model: s1, Extra: extra,
			Choices: []Choice{{Index: i, Message: req.Messages[0], FinishReason: reason, Extra: extra}, {}},
			Usage:   &Usage{PromptTokens: i, CompletionTokens: -i, TotalTokens: i, Extra: extra}}
		checkEncode[ChatCompletion, refChatCompletion](t, &cc)
		ch := ChatChunk{ID: s1, Choices: []ChunkChoice{{Index: i, FinishReason: &reason, Extra: extra,
			Delta: Delta{Role: s1, Content: &reason, Extra: extra, ToolCalls: []ToolCallDelta{
				{Index: i, ID: s1, Type: s2, Function: FunctionCallDelta{Name: s1, Arguments: s2}, Extra: extra}}}}, {}}}
		checkEncode[ChatChunk, refChatChunk](t, &ch)
		er := EmbeddingsRequest{Model: s1, Input: raw, User: s2, Extra: extra}
		checkEncode[EmbeddingsRequest, refEmbeddingsRequest](t, &er)
		ep := EmbeddingsResponse{Object: s1, Data: raw, Model: s2, Usage: cc.Usage, Extra: extra}
		checkEncode[EmbeddingsResponse, refEmbeddingsResponse](t, &ep)
	})
}

// TestWireDecodeErrorTypes checks the errors that callers inspect (the
// gateway tells apps what is wrong from them): type errors name the Go
// type and field, syntax errors are encoding/json's, offset included.
func TestWireDecodeErrorTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantType string // of the *json.UnmarshalTypeError, if any
		wantMsg  string
	}{
		{"a number for a string", `{"model":1}`, "string", "model: json: cannot unmarshal number into Go value of type string"},
		{"an object for the messages", `{"messages":{}}`, "[]provider.Message",
			"messages: json: cannot unmarshal object into Go value of type []provider.Message"},
		{"a fraction for an integer", `{"max_tokens":1.5}`, "int", "max_tokens: json: cannot unmarshal number 1.5 into Go value of type int"},
		{"a message that is no object", `{"messages":[5]}`, "provider.fields",
			"messages: message: json: cannot unmarshal number into Go value of type provider.fields"},
		{"null for a message", `{"messages":[null]}`, "", "messages: message: want a JSON object"},
		{"errors of several members, joined in order", `{"user":2,"model":1}`, "string",
			"model: json: cannot unmarshal number into Go value of type string\nuser: json: cannot unmarshal number into Go value of type string"},
		{"a bad stop", `{"stop":{}}`, "", "stop: want a string or a list of strings"},
		{"bad content", `{"messages":[{"content":true}]}`, "", "messages: content: want a string, a list of parts or null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r ChatRequest
			err := json.Unmarshal([]byte(tt.in), &r)
			if err == nil || err.Error() != tt.wantMsg {
				t.Fatalf("error %v, want %s", err, tt.wantMsg)
			}
			var te *json.UnmarshalTypeError
			if got := errors.As(err, &te); got != (tt.wantType != "") || got && te.Type.String() != tt.wantType {
				t.Errorf("error %#v, want a type error for %q", err, tt.wantType)
			}
		})
	}

	// Syntax errors come before UnmarshalJSON when it is called by
	// json.Unmarshal; called directly it gives the same ones.
	for _, in := range []string{`{"model":"m",}`, `{"model":"m"`, `{"model":"m"} x`, `{"a":"` + "\x01" + `"}`} {
		var r ChatRequest
		var rr refChatRequest
		err, refErr := r.UnmarshalJSON([]byte(in)), rr.UnmarshalJSON([]byte(in))
		var se, refSE *json.SyntaxError
		if !errors.As(err, &se) || !errors.As(refErr, &refSE) || se.Offset != refSE.Offset || err.Error() != refErr.Error() {
			t.Errorf("UnmarshalJSON(%q) = %v, reference %v", in, err, refErr)
		}
	}
}

// TestWireDifferences pins down where the codec knowingly differs from
// the reference codec.
func TestWireDifferences(t *testing.T) {
	t.Parallel()
	spaced := ChatRequest{Model: "m", ToolChoice: json.RawMessage(` { "type" : "auto" } `), Extra: Extra{"x": json.RawMessage(" [ 1 ,\n 2 ] ")}}
	t.Run("MarshalJSON called directly compacts raw values", func(t *testing.T) {
		t.Parallel()
		// The reference wrote the type's own raw values as they were,
		// leaving it to encoding/json (json.Marshal, Marshal) to compact
		// what MarshalJSON returns; both still give the same bytes.
		got, err := spaced.MarshalJSON()
		want := `{"model":"m","messages":[],"tool_choice":{"type":"auto"},"x":[1,2]}`
		if err != nil || string(got) != want {
			t.Errorf("MarshalJSON = %s, %v; want %s", got, err, want)
		}
		checkEncode[ChatRequest, refChatRequest](t, &spaced)
	})
	t.Run("MarshalJSON called directly rejects an invalid raw value", func(t *testing.T) {
		t.Parallel()
		bad := ChatRequest{Model: "m", Extra: Extra{"x": json.RawMessage("[1,")}}
		if _, err := bad.MarshalJSON(); err == nil || !strings.HasPrefix(err.Error(), "x: ") {
			t.Errorf("MarshalJSON error %v, want one naming x", err)
		}
		var me *json.MarshalerError
		if _, err := Marshal(&bad); !errors.As(err, &me) {
			t.Errorf("Marshal error %#v, want a *json.MarshalerError as before", err)
		}
		checkEncode[ChatRequest, refChatRequest](t, &bad)
	})
	t.Run("encoding errors name the member", func(t *testing.T) {
		t.Parallel()
		nan := math.NaN()
		_, err := Marshal(&ChatRequest{Temperature: &nan})
		var ue *json.UnsupportedValueError
		if err == nil || !strings.Contains(err.Error(), "temperature: json: unsupported value: NaN") || !errors.As(err, &ue) {
			t.Errorf("Marshal error %v", err)
		}
	})
}
