package guardeval

import (
	"math/rand/v2"
	"strings"

	"github.com/bulwark-security/bulwark/internal/detect/injection"
)

// TrainOptions tune Train. The zero value is the configuration of the
// embedded model.
type TrainOptions struct {
	// Model tunes the learner (hash size, epochs, rate, seed).
	Model injection.TrainOptions
	// Seed seeds the synthetic content examples.
	Seed uint64
	// EmbedPerSource is how many direct prompts of each source are embedded
	// into benign content to train the content head (an instruction to the
	// model inside third-party content is an injection, whatever it asks);
	// 0 means 150, negative means none.
	EmbedPerSource int
}

// Train trains the injection model on samples and returns the model bytes
// (for injection.New, or to embed). Direct samples train the direct head;
// content samples, direct attacks, and direct prompts embedded into benign
// content (see TrainOptions.EmbedPerSource) train the content head.
// Generated samples (Variant set) are never trained on. Deterministic.
func Train(samples []Sample, opts TrainOptions) ([]byte, error) {
	return injection.Train(Examples(samples, opts), opts.Model)
}

// Examples turns samples into training examples, adding the synthetic
// content examples that Train describes.
func Examples(samples []Sample, opts TrainOptions) []injection.Example {
	per := opts.EmbedPerSource
	if per == 0 {
		per = 150
	}
	var out []injection.Example
	var contexts []string
	bySource := map[string][]Sample{}
	var order []string
	for _, s := range samples {
		if s.Variant != "" {
			continue
		}
		attack := s.Label == Attack
		out = append(out, injection.Example{Text: s.Text, Attack: attack, Content: s.Kind == Content, Payload: s.Payload, Group: s.Source})
		if s.Kind == Content && !attack {
			contexts = append(contexts, s.Text)
		}
		if s.Kind == Direct && !strings.HasPrefix(s.Source, "bulwark-") {
			if bySource[s.Source] == nil {
				order = append(order, s.Source)
			}
			bySource[s.Source] = append(bySource[s.Source], s)
		}
	}
	if per < 0 {
		return out
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0xc0ffee))
	for _, src := range order {
		list := bySource[src]
		idx := rng.Perm(len(list))
		if len(idx) > per {
			idx = idx[:per]
		}
		for _, i := range idx {
			s := list[i]
			if s.Label == Attack {
				// An attack is an attack in content too.
				out = append(out, injection.Example{Text: s.Text, Attack: true, Content: true, Group: "as-content:" + src})
			}
			if len(contexts) == 0 {
				continue
			}
			c := contexts[rng.IntN(len(contexts))]
			if len(c) > 2048 {
				c = c[:2048]
				c = strings.ToValidUTF8(c, "")
			}
			out = append(out, injection.Example{Text: Embed(c, s.Text, rng), Attack: true, Content: true, Payload: s.Text, Group: "embedded:" + src})
		}
	}
	return out
}
