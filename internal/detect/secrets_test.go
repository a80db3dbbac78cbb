package detect

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fake builds a deterministic random token from an alphabet, so that test
// keys have the entropy of real ones without any real key in the source.
func fake(seed uint64, alphabet string, n int) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	urlTok = alnum + "_-"
	hexLow = "0123456789abcdef"
	upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

func TestFind(t *testing.T) {
	t.Parallel()
	s := Default()
	openaiProj := "sk-proj-" + fake(1, urlTok, 156)
	openaiLegacy := "sk-" + fake(2, alnum, 20) + "T3BlbkFJ" + fake(3, alnum, 20)
	anthropic := "sk-ant-api03-" + fake(4, urlTok, 93) + "AA"
	google := "AIza" + fake(5, urlTok, 35)
	hf := "hf_" + fake(6, letter, 34)
	groq := "gsk_" + fake(7, alnum, 52)
	deepseek := "sk-" + fake(8, hexLow, 32)
	aws := "AKIA" + fake(9, upper, 16)
	generic := fake(10, alnum, 40)
	azure := fake(11, hexLow, 32)
	tests := []struct {
		name string
		text string
		ctx  []string
		want []string // detector ids, in text order
		prov []string // providers, when checked
	}{
		{name: "OpenAI project key is an exact AI key", text: `val key = "` + openaiProj + `"`, want: []string{"openai-api-key"}},
		{name: "OpenAI legacy key with the T3BlbkFJ marker", text: openaiLegacy, want: []string{"openai-api-key"}},
		{name: "Anthropic key", text: "x-api-key: " + anthropic, want: []string{"anthropic-api-key"}},
		{name: "Google API key near the Gemini endpoint is a Gemini key", text: "https://generativelanguage.googleapis.com/v1beta/models?key=" + google, want: []string{"gemini-api-key"}},
		{name: "Google API key with Gemini context from the class", text: google, ctx: []string{"Lcom/google/ai/client/generativeai/GenerativeModel;"}, want: []string{"gemini-api-key"}},
		{name: "Google API key without AI context is only a Google key", text: `<string name="google_maps_key">` + google + `</string>`, want: []string{"google-api-key"}},
		{name: "Hugging Face token", text: "Authorization: Bearer " + hf, want: []string{"huggingface-token"}},
		{name: "Groq key", text: groq, want: []string{"groq-api-key"}},
		{name: "DeepSeek-shaped key with DeepSeek context", text: "https://api.deepseek.com " + deepseek, want: []string{"deepseek-api-key"}},
		{name: "sk- key of 32 hex without provider context falls back to the generic sk- detector", text: deepseek, want: []string{"sk-style-api-key"}},
		{name: "AWS key id alone is a cloud key", text: aws, want: []string{"aws-access-key-id"}},
		{name: "AWS key id near Bedrock is an AI key", text: "bedrock-runtime.us-east-1.amazonaws.com " + aws, want: []string{"aws-bedrock-access-key"}},
		{name: "generic token next to a Mistral endpoint", text: "https://api.mistral.ai/v1/chat/completions", ctx: []string{generic}, want: nil},
		{name: "generic token in a class that talks to Mistral", text: generic, ctx: []string{"https://api.mistral.ai/v1/chat/completions"}, want: []string{"ai-key-in-context"}, prov: []string{"Mistral"}},
		{name: "Azure OpenAI hex key near its endpoint", text: "endpoint=https://x.openai.azure.com key=" + azure + "00", want: []string{"ai-key-in-context"}, prov: []string{"Azure OpenAI"}},
		{name: "generic token without AI context is not reported", text: generic, want: nil},
		{name: "UUID in AI context is not a key", text: "openai request id 123e4567-e89b-12d3-a456-426614174000", want: nil},
		{name: "snake_case identifier in AI context is not a key", text: "openai com_google_firebase_messaging_default_notification_channel_id1", want: nil},
		{name: "placeholder OpenAI key is rejected by entropy", text: "sk-proj-" + strings.Repeat("x", 60), want: nil},
		{name: "key inside a longer token is not reported", text: "abc" + groq + "def", want: nil},
		{name: "labeled password", text: "API Password: p@ssword", want: []string{"labeled-credential"}},
		{name: "labeled API key", text: "API Key: 123secretapikey123", want: []string{"labeled-credential"}},
		{name: "UI prompt is not a credential", text: "Password: required", want: nil},
		{name: "prose about a password is not a credential", text: "Your password is case-sensitive", want: nil},
		{name: "a password given in prose is", text: "Username is CrazyUser, Password is CrazyPassword", want: []string{"labeled-credential"}},
		{name: "format string is not a credential", text: "password=%s", want: nil},
		{name: "private key header", text: "-----BEGIN RSA PRIVATE KEY-----\n" + fake(12, alnum, 64), want: []string{"private-key"}},
		{name: "two keys in one text", text: openaiProj + " and " + anthropic, want: []string{"openai-api-key", "anthropic-api-key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := s.Find(tt.text, NewContext(tt.ctx...))
			var ids, provs []string
			for _, m := range got {
				ids = append(ids, m.Detector)
				provs = append(provs, m.Provider)
				if tt.text[m.Start:m.End] != m.Secret {
					t.Errorf("offsets [%d,%d) do not delimit the secret", m.Start, m.End)
				}
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("detectors (-want +got):\n%s", diff)
			}
			if tt.prov != nil {
				if diff := cmp.Diff(tt.prov, provs); diff != "" {
					t.Errorf("providers (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestJWTClassification(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return strings.TrimRight(b64url(s), "=") }
	sig := fake(20, urlTok, 43)
	anon := enc(`{"alg":"HS256","typ":"JWT"}`) + "." + enc(`{"iss":"supabase","role":"anon","exp":1999999999}`) + "." + sig
	service := enc(`{"alg":"HS256","typ":"JWT"}`) + "." + enc(`{"iss":"supabase","role":"service_role","exp":1999999999}`) + "." + sig
	s := Default()
	tests := []struct {
		name, token string
		wantCat     Category
		wantProv    string
	}{
		{"Supabase anon key is public", anon, CategoryPublicKey, "Supabase"},
		{"Supabase service-role key is a cloud secret", service, CategoryCloudKey, "Supabase service role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Find(tt.token, Context{})
			if len(got) != 1 {
				t.Fatalf("got %d matches, want 1", len(got))
			}
			if got[0].Category != tt.wantCat || got[0].Provider != tt.wantProv {
				t.Errorf("got %s/%s, want %s/%s", got[0].Category, got[0].Provider, tt.wantCat, tt.wantProv)
			}
		})
	}
}

func TestMaskNeverRevealsMostOfASecret(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"p@ssword", "abcd", "123secretapikey123", "sk-proj-" + fake(30, urlTok, 100), "日本語のパスワード"} {
		m := Mask(s)
		shown := 0
		for _, r := range strings.Split(m, " (")[0] {
			if r != '…' {
				shown++
			}
		}
		n := len([]rune(s))
		if shown*4 > n && shown > 6 {
			t.Errorf("Mask(%d chars) shows %d characters: %q", n, shown, m)
		}
		if strings.Contains(m, s) {
			t.Errorf("Mask(%q) contains the secret", s)
		}
	}
	if got := Mask("sk-proj-abcdefghijklmnopqrstuvwxyz"); !strings.HasPrefix(got, "sk-p…yz") {
		t.Errorf("long secret: got %q, want first 4 and last 2 characters", got)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	if _, err := NewSecrets(Defaults()); err != nil {
		t.Fatal(err)
	}
	bad := []Detector{{ID: "a", Pattern: "("}}
	if _, err := NewSecrets(bad); err == nil {
		t.Error("invalid pattern: got nil error")
	}
	dup := []Detector{{ID: "a", Pattern: "x"}, {ID: "a", Pattern: "y"}}
	if _, err := NewSecrets(dup); err == nil {
		t.Error("duplicate id: got nil error")
	}
}

func TestEntropy(t *testing.T) {
	t.Parallel()
	if got := Entropy("aaaa"); got != 0 {
		t.Errorf("Entropy(aaaa) = %v, want 0", got)
	}
	if got := Entropy("abcd"); got != 2 {
		t.Errorf("Entropy(abcd) = %v, want 2", got)
	}
}

func FuzzFind(f *testing.F) {
	s := Default()
	f.Add("sk-proj-" + fake(1, urlTok, 156))
	f.Add("API Password: p@ssword")
	f.Add("https://generativelanguage.googleapis.com?key=AIza" + fake(5, urlTok, 35))
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9." + fake(2, urlTok, 40))
	f.Fuzz(func(t *testing.T, text string) {
		for _, m := range s.Find(text, NewContext("openai")) {
			if m.Start < 0 || m.End > len(text) || m.Start >= m.End {
				t.Fatalf("bad offsets %d..%d for %d bytes", m.Start, m.End, len(text))
			}
			if text[m.Start:m.End] != m.Secret {
				t.Fatalf("secret does not match its offsets")
			}
		}
	})
}

func BenchmarkFindKB(b *testing.B) {
	s := Default()
	text := strings.Repeat("Please summarise the following note about our meeting with the design team. ", 13)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		s.Find(text, Context{})
	}
}
