package android

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// digest and mask keep secrets out of reports.
func digest(s string) string { return detect.Digest(s) }
func mask(s string) string   { return detect.Mask(s) }

// aiRefWords mark referenced classes that give AI context to a class.
var aiRefWords = []string{"generativeai", "openai", "anthropic", "genai", "vertexai", "langchain", "gemini", "/ai/", "llm", "huggingface", "mistral", "cohere"}

// scanLiterals runs the secret detectors over the code's string constants,
// with the other constants and AI-related references of the same class as
// context.
func scanLiterals(cf *codeFacts, s *detect.Secrets) []appcontent.Sighting {
	byClass := make(map[string][]literal)
	var order []string
	for _, l := range cf.literals {
		if _, ok := byClass[l.Class]; !ok {
			order = append(order, l.Class)
		}
		byClass[l.Class] = append(byClass[l.Class], l)
	}
	var out []appcontent.Sighting
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
				out = append(out, appcontent.Sighting{Match: m, Loc: codeLoc(l.Dex, l.Class, l.Method)})
			}
		}
	}
	return out
}

func checkSecrets(a *App) []finding.Hit {
	g := appcontent.NewGroup()
	appcontent.AddSecrets(g, a.Secrets)
	if cf := a.Code; cf != nil {
		for _, l := range cf.inputCompares {
			v := strings.TrimSpace(l.Value)
			if len(v) < 4 || strings.ContainsAny(v, " \t\n./") || !a.isAppCode(l.Class) {
				continue
			}
			g.Add("secret-hardcoded-credential", "compare:"+digest(v),
				fmt.Sprintf("text typed by the user is compared with a constant in %s", l.symbol()),
				mask(v)+" sha256:"+digest(v), codeLoc(l.Dex, l.Class, l.Method))
		}
	}
	return g.List()
}

// checkDirectAICalls reports code that addresses cloud AI endpoints.
func checkDirectAICalls(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := appcontent.NewGroup()
	for _, l := range cf.literals {
		appcontent.AddAIEndpoints(g, l.Value, codeLoc(l.Dex, l.Class, l.Method))
	}
	hits := g.List()
	slices.SortFunc(hits, func(x, y finding.Hit) int { return strings.Compare(x.Key, y.Key) })
	return hits
}
