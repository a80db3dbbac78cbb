package injection

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Example is one labeled text for Train.
type Example struct {
	Text   string
	Attack bool
	// Content marks third-party content, which trains the content head
	// (ScoreContent); otherwise the example trains the direct head (Score).
	Content bool
	// Payload, for a content attack built by embedding an instruction into
	// benign content, is the embedded instruction (a substring of Text): the
	// training windows are those that hold it. Optional.
	Payload string
	// Group names where the example comes from (its source). Each group's
	// weight grows as the square root of its size, so that one large source
	// does not drown the others.
	Group string
}

// TrainOptions tune Train. The zero value is the configuration of the
// embedded model.
type TrainOptions struct {
	Bits   uint    // log2 of the hashed buckets per head; 0 means 17
	Epochs int     // passes over the data; 0 means 8
	Rate   float64 // AdaGrad learning rate; 0 means 0.05
	L2     float64 // L2 penalty per update; 0 means 1e-6
	Seed   uint64  // seeds the example order and window choice
	// WindowsPerText caps the training windows taken from one content text;
	// 0 means 6.
	WindowsPerText int
}

func (o TrainOptions) withDefaults() TrainOptions {
	if o.Bits == 0 {
		o.Bits = defaultBits
	}
	if o.Epochs == 0 {
		o.Epochs = 8
	}
	if o.Rate == 0 {
		o.Rate = 0.05
	}
	if o.L2 == 0 {
		o.L2 = 1e-6
	}
	if o.WindowsPerText == 0 {
		o.WindowsPerText = 6
	}
	return o
}

// ErrNoExamples is returned by Train when a head has no attack or no
// benign example.
var ErrNoExamples = errors.New("injection: each head needs attack and benign examples")

// vector is a featurized training example.
type vector struct {
	idx    []uint32
	val    []float32
	dense  []float64
	y      float64
	weight float64
	group  string
}

// Train fits the character model on the benign examples, then the two
// heads (direct, content) by logistic regression, and returns the model
// bytes for New. It is deterministic: the same examples in the same order
// and the same options give the same bytes.
func Train(examples []Example, opts TrainOptions) ([]byte, error) {
	opts = opts.withDefaults()
	if opts.Bits < minBits || opts.Bits > maxBits {
		return nil, fmt.Errorf("train: bits %d out of [%d, %d]", opts.Bits, minBits, maxBits)
	}
	sigs, err := compileSignatures(signatureTable)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	lm, folds := trainCharLMs(examples)
	fe := newDetector(&model{bits: opts.Bits, lm: *lm}, sigs, Options{})
	s := &scratch{scan: sigs.newScanState()}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6a09e667f3bcc908))
	var direct, content []vector
	for i, ex := range examples {
		fe.m.lm = *folds[i%lmFolds] // features from a character model that did not see the example
		if ex.Content {
			content = append(content, fe.contentVectors(s, ex, opts, rng)...)
		} else {
			direct = append(direct, fe.directVector(s, ex))
		}
	}
	var heads [2]*floatHead
	for i, vs := range [][]vector{direct, content} {
		if err := weigh(vs); err != nil {
			return nil, fmt.Errorf("train %s head: %w", [2]string{"direct", "content"}[i], err)
		}
		heads[i] = fit(vs, fe.layout.count(), opts, rand.New(rand.NewPCG(opts.Seed, uint64(i+1))))
	}
	return encodeModel(opts.Bits, signatureHash(signatureTable), lm, heads)
}

// lmFolds is how many parts the examples are cut into for cross-fitting
// the character model.
const lmFolds = 4

// trainCharLMs fits the character model on the examined part of every
// benign example (the model that ships), and, for cross-fitting, one
// model per fold of the examples (example i is in fold i mod lmFolds)
// without that fold's benign examples. A text's surprisal features are
// computed with a model that did not see it: otherwise benign training
// texts would look less surprising than benign texts ever do in use, and
// the classifier would trust surprisal too much.
func trainCharLMs(examples []Example) (*charLM, [lmFolds]*charLM) {
	var all lmCounts
	var part [lmFolds]lmCounts
	var texts [lmFolds][]string
	for i, ex := range examples {
		if ex.Attack {
			continue
		}
		raw, _ := headTail(ex.Text)
		part[i%lmFolds].addCounts(raw)
		texts[i%lmFolds] = append(texts[i%lmFolds], raw)
	}
	var others [lmFolds]*charLM
	for k := range part {
		all.merge(&part[k])
	}
	for k := range part {
		var c lmCounts
		var ts []string
		for j := range part {
			if j != k {
				c.merge(&part[j])
				ts = append(ts, texts[j]...)
			}
		}
		others[k] = c.model()
		others[k].setThresholds(ts)
	}
	lm := all.model()
	var ts []string
	for k := range texts {
		ts = append(ts, texts[k]...)
	}
	lm.setThresholds(ts)
	return lm, others
}

func label(attack bool) float64 {
	if attack {
		return 1
	}
	return 0
}

func (d *Detector) directVector(s *scratch, ex Example) vector {
	a := d.analyze(s, ex.Text)
	s.buckets = s.buckets[:0]
	for _, t := range a.texts {
		forEachGram(t, d.m.bits, func(gs []gram) {
			for _, g := range gs {
				s.buckets = append(s.buckets, g.bucket)
			}
		})
	}
	v := sparse(s.buckets)
	v.dense = slices.Clone(d.directDense(s, &a))
	v.y, v.group = label(ex.Attack), ex.Group
	return v
}

// contentVectors cuts content into the windows that ScoreContent scores
// and featurizes some of them: for an embedded payload, the windows that
// hold it; otherwise at most WindowsPerText windows chosen at random.
func (d *Detector) contentVectors(s *scratch, ex Example, opts TrainOptions, rng *rand.Rand) []vector {
	a := d.analyze(s, ex.Text)
	d.globalSignatures(s)
	var chosen []window
	if ex.Attack && ex.Payload != "" {
		chosen = payloadWindows(a.texts[0], d.normalize(ex.Payload))
	}
	if len(chosen) == 0 {
		for ti, t := range a.texts {
			for k := 0; k < windowsOf(t); k++ {
				chosen = append(chosen, window{ti, k})
			}
		}
		if len(chosen) > opts.WindowsPerText {
			rng.Shuffle(len(chosen), func(i, j int) { chosen[i], chosen[j] = chosen[j], chosen[i] })
			chosen = chosen[:opts.WindowsPerText]
			slices.SortFunc(chosen, func(x, y window) int {
				if x.text != y.text {
					return x.text - y.text
				}
				return x.k - y.k
			})
		}
	}
	out := make([]vector, 0, len(chosen))
	for ti, t := range a.texts {
		if !slices.ContainsFunc(chosen, func(w window) bool { return w.text == ti }) {
			continue
		}
		s.buckets, s.blocks = s.buckets[:0], s.blocks[:0]
		forEachGram(t, d.m.bits, func(gs []gram) {
			for _, g := range gs {
				s.buckets = append(s.buckets, g.bucket)
				s.blocks = append(s.blocks, g.start/contentStride)
			}
		})
		s.stats = resizeStats(s.stats, blocksOf(t))
		wordStats(t, s.stats, contentStride)
		lo, hi := matchRange(s.scan.matches, ti)
		var inWindow []uint32
		for _, w := range chosen {
			if w.text != ti {
				continue
			}
			inWindow = inWindow[:0]
			for i, b := range s.blocks {
				if int(b) == w.k || int(b) == w.k+1 {
					inWindow = append(inWindow, s.buckets[i])
				}
			}
			v := sparse(inWindow)
			ws, we := windowSpan(t, w.k)
			v.dense = slices.Clone(d.windowDense(s, &a, ti, w.k, ws, we, lo, hi))
			v.y, v.group = label(ex.Attack), ex.Group
			out = append(out, v)
		}
	}
	return out
}

// payloadWindows returns the windows of norm that hold all of payload
// (normalized), or else the one that holds most of it; none when the
// payload is not found.
func payloadWindows(norm, payload string) []window {
	ps := strings.Index(norm, payload)
	if ps < 0 && len(payload) > 48 {
		ps = strings.Index(norm, payload[:48]) // normalization may differ where the payload meets the context
	}
	if ps < 0 || payload == "" {
		return nil
	}
	pe := min(ps+len(payload), len(norm))
	var out []window
	bestK, bestOverlap := -1, 0
	for k := 0; k < windowsOf(norm); k++ {
		ws, we := windowSpan(norm, k)
		if ws <= ps && pe <= we {
			out = append(out, window{0, k})
		}
		if o := min(we, pe) - max(ws, ps); o > bestOverlap {
			bestK, bestOverlap = k, o
		}
	}
	if len(out) == 0 && bestK >= 0 {
		out = append(out, window{0, bestK})
	}
	return out
}

// sparse returns the normalized count vector of buckets (which it sorts).
func sparse(buckets []uint32) vector {
	slices.Sort(buckets)
	var v vector
	if len(buckets) == 0 {
		return v
	}
	norm := 1 / float64(len(buckets))
	for i := 0; i < len(buckets); {
		j := i
		for j < len(buckets) && buckets[j] == buckets[i] {
			j++
		}
		v.idx = append(v.idx, buckets[i])
		v.val = append(v.val, float32(float64(j-i)*norm))
		i = j
	}
	return v
}

// weigh sets example weights: a group weighs the square root of its size,
// shared by its examples, and both classes weigh the same in all.
func weigh(vs []vector) error {
	type key struct {
		group string
		y     float64
	}
	size := map[key]int{}
	for _, v := range vs {
		size[key{v.group, v.y}]++
	}
	var total [2]float64
	for i := range vs {
		n := float64(size[key{vs[i].group, vs[i].y}])
		vs[i].weight = math.Sqrt(n) / n
		total[int(vs[i].y)] += vs[i].weight
	}
	if total[0] == 0 || total[1] == 0 {
		return ErrNoExamples
	}
	n := float64(len(vs))
	for i := range vs {
		vs[i].weight *= n / 2 / total[int(vs[i].y)]
	}
	return nil
}

// fit runs AdaGrad on the logistic loss. Products are rounded explicitly
// (float64 conversions) so that no platform fuses them: the same bytes on
// every machine.
func fit(vs []vector, ndense int, opts TrainOptions, rng *rand.Rand) *floatHead {
	h := &floatHead{w: make([]float64, 1<<opts.Bits), dense: make([]float64, ndense)}
	g2 := make([]float64, 1<<opts.Bits)
	var g2bias float64
	g2dense := make([]float64, ndense)
	const eps = 1e-8
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			v := &vs[k]
			z := h.bias
			for i, j := range v.idx {
				z += float64(h.w[j] * float64(v.val[i]))
			}
			for i, x := range v.dense {
				if x != 0 {
					z += float64(h.dense[i] * x)
				}
			}
			g := float64((sigmoid(z) - v.y) * v.weight)
			for i, j := range v.idx {
				gr := float64(g*float64(v.val[i])) + float64(opts.L2*h.w[j])
				g2[j] += float64(gr * gr)
				h.w[j] -= float64(opts.Rate*gr) / math.Sqrt(g2[j]+eps)
			}
			for i, x := range v.dense {
				if x == 0 {
					continue
				}
				gr := float64(g*x) + float64(opts.L2*h.dense[i])
				g2dense[i] += float64(gr * gr)
				h.dense[i] -= float64(opts.Rate*gr) / math.Sqrt(g2dense[i]+eps)
			}
			g2bias += float64(g * g)
			h.bias -= float64(opts.Rate*g) / math.Sqrt(g2bias+eps)
		}
	}
	return h
}
