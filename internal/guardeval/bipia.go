package guardeval

import (
	"math/rand/v2"
	"strings"
)

// PayloadsPerContext is how many BIPIA payloads BuildBIPIA embeds into
// each benign context.
const PayloadsPerContext = 8

// BuildBIPIA returns indirect-injection samples built from BIPIA: each
// benign context as a benign Content sample, and PayloadsPerContext
// payloads (chosen at random, seeded by seed) embedded each into a copy of
// the context at a random sentence or line boundary (start, middle or end)
// as attacks. A payload is an attack only inside content: on its own it is
// often an ordinary request.
func BuildBIPIA(contexts, payloads []string, source string, seed uint64) []Sample {
	if len(contexts) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0xb1b1a))
	var out []Sample
	for _, c := range contexts {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		out = append(out, Sample{Text: c, Label: Benign, Source: source, Kind: Content, Lang: detectLang(c)})
		if len(payloads) == 0 {
			continue
		}
		for _, i := range rng.Perm(len(payloads))[:min(PayloadsPerContext, len(payloads))] {
			p := strings.TrimSpace(payloads[i])
			out = append(out, Sample{Text: Embed(c, p, rng), Label: Attack, Source: source, Kind: Content, Payload: p})
		}
	}
	return out
}

// Embed inserts payload into context at a boundary chosen with rng: the
// start, the end, or after a sentence end or line break.
func Embed(context, payload string, rng *rand.Rand) string {
	cuts := []int{0, len(context)}
	for i := 0; i+1 < len(context); i++ {
		if c := context[i]; (c == '.' || c == '!' || c == '?') && context[i+1] == ' ' || c == '\n' {
			cuts = append(cuts, i+1)
		}
	}
	at := cuts[rng.IntN(len(cuts))]
	sep := "\n"
	if rng.IntN(2) == 0 {
		sep = " "
	}
	switch at {
	case 0:
		return payload + sep + context
	case len(context):
		return context + sep + payload
	}
	return context[:at] + sep + payload + sep + strings.TrimLeft(context[at:], " ")
}
