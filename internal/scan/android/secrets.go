package android

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// secretSighting is one secret seen somewhere in the package.
type secretSighting struct {
	Match detect.Match
	Loc   finding.Location
}

// digest and mask keep secrets out of reports.
func digest(s string) string { return detect.Digest(s) }
func mask(s string) string   { return detect.Mask(s) }

// aiRefWords mark referenced classes that give AI context to a class.
var aiRefWords = []string{"generativeai", "openai", "anthropic", "genai", "vertexai", "langchain", "gemini", "/ai/", "llm", "huggingface", "mistral", "cohere"}

// scanLiterals runs the secret detectors over the code's string constants,
// with the other constants and AI-related references of the same class as
// context.
func scanLiterals(cf *codeFacts, s *detect.Secrets) []secretSighting {
	byClass := make(map[string][]literal)
	var order []string
	for _, l := range cf.literals {
		if _, ok := byClass[l.Class]; !ok {
			order = append(order, l.Class)
		}
		byClass[l.Class] = append(byClass[l.Class], l)
	}
	var out []secretSighting
	for _, class := range order {
		lits := byClass[class]
		parts := make([]string, 0, len(lits)+4)
		parts = append(parts, class)
		for _, l := range lits {
			if len(l.Value) <= 512 {
				parts = append(parts, l.Value)
			}
		}
		parts = append(parts, cf.classRefs[class]...)
		ctx := detect.NewContext(parts...)
		for _, l := range lits {
			for _, m := range s.Find(l.Value, ctx) {
				out = append(out, secretSighting{Match: m, Loc: codeLoc(l.Dex, l.Class, l.Method)})
			}
		}
	}
	return out
}

// ruleForSecret maps a detector's category and tier to a rule.
func ruleForSecret(m detect.Match) (string, bool) {
	switch m.Category {
	case detect.CategoryAIKey:
		if m.Tier == detect.TierExact {
			return "ai-provider-key", true
		}
		return "ai-provider-key-contextual", true
	case detect.CategoryCloudKey, detect.CategoryPrivateKey:
		return "secret-service-credential", true
	case detect.CategoryPublicKey:
		return "secret-google-api-key", m.Detector == "google-api-key"
	case detect.CategoryCredential:
		return "secret-hardcoded-credential", true
	}
	return "", false
}

func checkSecrets(a *App) []finding.Hit {
	g := newGroup()
	for _, s := range a.Secrets {
		rule, ok := ruleForSecret(s.Match)
		if !ok {
			continue
		}
		m := s.Match
		what := m.Provider
		if what == "" {
			what = "credential"
		}
		var msg string
		switch rule {
		case "ai-provider-key":
			msg = fmt.Sprintf("%s API key (%s)", what, m.Detector)
		case "ai-provider-key-contextual":
			msg = fmt.Sprintf("token next to %s code, probably its API key", what)
		case "secret-hardcoded-credential":
			msg = "credential written as a label and value"
		default:
			msg = fmt.Sprintf("%s credential (%s)", what, m.Detector)
		}
		key := m.Detector + ":" + m.Digest()
		g.add(rule, key, msg, m.Masked()+" sha256:"+m.Digest(), s.Loc)
		h := g.hits[rule+"\x00"+key]
		if h.Props == nil {
			h.Props = map[string]string{"detector": m.Detector, "provider": m.Provider, "tier": m.Tier.String()}
		}
	}
	if cf := a.Code; cf != nil {
		for _, l := range cf.inputCompares {
			v := strings.TrimSpace(l.Value)
			if len(v) < 4 || strings.ContainsAny(v, " \t\n./") || !a.isAppCode(l.Class) {
				continue
			}
			g.add("secret-hardcoded-credential", "compare:"+digest(v),
				fmt.Sprintf("text typed by the user is compared with a constant in %s", l.symbol()),
				mask(v)+" sha256:"+digest(v), codeLoc(l.Dex, l.Class, l.Method))
		}
	}
	return g.list()
}

// checkDirectAICalls reports code that addresses cloud AI endpoints.
func checkDirectAICalls(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := newGroup()
	for _, l := range cf.literals {
		low := strings.ToLower(l.Value)
		if !strings.Contains(low, ".") {
			continue
		}
		for _, ep := range aiEndpoints {
			if strings.Contains(low, ep.host) {
				g.add("ai-direct-provider-call", ep.host, fmt.Sprintf("the app calls %s directly (%s)", ep.provider, ep.host), truncate(l.Value, 120), codeLoc(l.Dex, l.Class, l.Method))
			}
		}
	}
	hits := g.list()
	slices.SortFunc(hits, func(x, y finding.Hit) int { return strings.Compare(x.Key, y.Key) })
	return hits
}

type aiEndpoint struct{ host, provider string }

// aiEndpoints are API hosts of cloud AI providers.
var aiEndpoints = []aiEndpoint{
	{"api.openai.com", "OpenAI"},
	{"openai.azure.com", "Azure OpenAI"},
	{"api.anthropic.com", "Anthropic"},
	{"generativelanguage.googleapis.com", "Google Gemini"},
	{"aiplatform.googleapis.com", "Google Vertex AI"},
	{"api.mistral.ai", "Mistral"},
	{"api.cohere.ai", "Cohere"},
	{"api.cohere.com", "Cohere"},
	{"api.groq.com", "Groq"},
	{"api.perplexity.ai", "Perplexity"},
	{"api.replicate.com", "Replicate"},
	{"api.together.xyz", "Together AI"},
	{"api.together.ai", "Together AI"},
	{"api.deepseek.com", "DeepSeek"},
	{"api.x.ai", "xAI"},
	{"openrouter.ai/api", "OpenRouter"},
	{"api-inference.huggingface.co", "Hugging Face"},
	{"router.huggingface.co", "Hugging Face"},
	{"bedrock-runtime.", "AWS Bedrock"},
	{"api.fireworks.ai", "Fireworks AI"},
	{"api.elevenlabs.io", "ElevenLabs"},
	{"api.stability.ai", "Stability AI"},
}
