package guard

import (
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/detect/injection"
	"github.com/bulwark-security/bulwark/internal/detect/pii"
)

// Builtin returns the built-in detectors: internal/detect/injection for
// prompt injection, internal/detect/pii for PII, internal/detect for
// secrets (the same detectors the scanner runs over apps).
func Builtin() Detectors {
	inj, recog, secrets := injection.Default(), pii.Default(), detect.Default()
	return Detectors{
		ScorePrompt:      func(text string) Score { return injectionScore(inj.Score(text)) },
		ScoreContent:     func(text string) Score { return injectionScore(inj.ScoreContent(text)) },
		PromptThreshold:  injection.DefaultThreshold,
		ContentThreshold: injection.DefaultContentThreshold,
		FindPII: func(text string) []Span {
			ents := recog.Find(text)
			out := make([]Span, 0, len(ents))
			for _, e := range ents {
				out = append(out, Span{Type: e.Type, Start: e.Start, End: e.End, Rule: e.Recognizer, Score: e.Score})
			}
			return out
		},
		FindSecrets: func(text string) []Span {
			ms := secrets.Find(text, detect.Context{})
			out := make([]Span, 0, len(ms))
			for _, m := range ms {
				out = append(out, Span{Type: "SECRET", Start: m.Start, End: m.End, Rule: m.Detector, Score: 1})
			}
			return out
		},
	}
}

// injectionScore names the strongest reason of an injection score: its
// heaviest signature, else the classifier.
func injectionScore(r injection.Result) Score {
	rule, weight := "classifier", 0.0
	for _, h := range r.Signatures {
		if h.Weight > weight {
			rule, weight = h.ID, h.Weight
		}
	}
	return Score{Value: r.Score, Rule: rule}
}
