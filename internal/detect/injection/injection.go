// Package injection scores texts for prompt injection and jailbreak attempts.
//
// A Detector combines hand-written signatures (signatures.go: data, phrase
// patterns over normalized text, matched in linear time by one automaton)
// with a trained logistic-regression model over hashed word and byte
// n-grams of the normalized text and of whatever Base64, hex, binary,
// character-code, URL or rot13 segments decode to, plus dense features:
// which signatures matched, a character language model's surprisal (what
// optimizer-made gibberish suffixes look like), and the share of
// imperative and second-person words. The model has two heads: one for
// direct prompts (Score), one for third-party content (ScoreContent),
// which scores overlapping windows so that one injected sentence inside a
// long benign document is not diluted by it.
//
// Detectors are pure computation over strings: no I/O, no network, no
// global state that a caller cannot replace (New takes the model bytes).
// The time to score a text is linear in its length, which is capped at
// MaxScan bytes. The thresholds and the data they were chosen on are in
// docs/guards.md.
package injection

import (
	_ "embed"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/detect/textnorm"
)

// Recommended thresholds, chosen on validation data (see docs/guards.md):
// Score >= threshold means attack.
const (
	// DefaultThreshold is the recommended threshold for Score (direct
	// prompts): at most 1 % of benign prompts of held-out sources flagged.
	DefaultThreshold float64 = 0.895
	// DefaultContentThreshold is the recommended threshold for ScoreContent.
	DefaultContentThreshold float64 = 0.927
)

// MaxScan is the number of bytes examined per text. Of a longer text, the
// first 3/4 × MaxScan bytes and the last 1/4 × MaxScan bytes are examined
// (cut at character boundaries): the head, where a jailbreak's framing is,
// and the tail, where an appended instruction is. The normalized text is
// cut the same way (normalization can lengthen a text a little), and what
// encoded segments decode to is read up to maxDecodedScan bytes in all.
const MaxScan = 16 << 10

// maxDecodedScan bounds the normalized decoded text examined per text.
const maxDecodedScan = 8 << 10

// strongSignature is the weight from which a signature's match counts in
// the score on its own (Score = 1 − (1 − classifier) × (1 − weight)):
// weaker signatures are evidence for the classifier only.
const strongSignature = 0.85

// directAddressedWeight caps the weight of FamilyAddressed signatures in
// Score: a user's own prompt speaks to the assistant ("AI, in your answer
// include…"), so there they are evidence for the classifier only; in
// third-party content (ScoreContent) they keep their weight.
const directAddressedWeight = 0.5

// Content windows: ScoreContent scores windows of contentWindow bytes of
// normalized text every contentStride bytes, and keeps the highest.
const (
	contentWindow = 2 * contentStride
	contentStride = 128
)

// Detector scores texts for prompt injection and jailbreak attempts.
type Detector struct {
	m      *model
	sigs   *signatureSet
	layout denseLayout
	opts   Options
	pool   sync.Pool // *scratch
}

// Options change how a Detector reads text. The zero value is what
// Default uses; the switches exist for ablation studies (how much each
// step is worth), not for production.
type Options struct {
	// NoNormalize replaces textnorm.Normalize by lower-casing only.
	NoNormalize bool
	// NoDecode skips decoding of encoded segments.
	NoDecode bool
}

//go:embed model.bin
var embeddedModel []byte

// EmbeddedModel returns a copy of the model bytes that Default uses.
func EmbeddedModel() []byte { return append([]byte(nil), embeddedModel...) }

var defaultDetector = sync.OnceValue(func() *Detector {
	d, err := New(embeddedModel, Options{})
	if err != nil {
		panic(fmt.Sprintf("injection: embedded model: %v", err)) // a build defect, caught by tests
	}
	return d
})

// Default returns the built-in detector: embedded signatures and trained weights. Safe for concurrent use.
func Default() *Detector { return defaultDetector() }

// New returns a detector that uses the given model bytes (as produced by
// Train) and the built-in signatures.
func New(modelBytes []byte, opts Options) (*Detector, error) {
	sigs, err := compileSignatures(signatureTable)
	if err != nil {
		return nil, err
	}
	layout := newDenseLayout(sigs)
	m, err := decodeModel(modelBytes, layout.count(), signatureHash(signatureTable))
	if err != nil {
		return nil, err
	}
	return newDetector(m, sigs, opts), nil
}

func newDetector(m *model, sigs *signatureSet, opts Options) *Detector {
	d := &Detector{m: m, sigs: sigs, layout: newDenseLayout(sigs), opts: opts}
	d.pool.New = func() any { return &scratch{scan: sigs.newScanState()} }
	return d
}

// Result explains a score.
type Result struct {
	Score      float64        // 0..1: the detector's belief that the text is an attack
	Signatures []SignatureHit // signatures that matched (after normalization and decoding)
	Classifier float64        // the trained model's probability
	Features   []Feature      // the model's top contributing features, largest first (at most 5)
	Decoded    []string       // encodings that were decoded to reveal text: "base64", "hex", "binary", "charcodes", "rot13", "url"
	Truncated  bool           // the text was longer than MaxScan: its head (3/4 MaxScan) and tail (1/4) were examined
}

// SignatureHit is one signature that matched.
type SignatureHit struct {
	ID, Family string  // the signature's id and family (docs/guards.md lists them)
	Weight     float64 // how strongly the match alone indicates an attack, 0..1
}

// Feature is one contribution of the trained model to a score.
type Feature struct {
	Name   string  // readable: the n-gram's text, or the dense feature's name
	Weight float64 // its contribution to the model's logit
}

// Score scores a direct prompt (a user message).
func (d *Detector) Score(text string) Result { return d.score(text, false) }

// ScoreContent scores third-party content the app or a tool fetched (tool results, retrieved documents,
// emails, web pages), where an injected instruction hides inside otherwise benign text (indirect injection).
func (d *Detector) ScoreContent(text string) Result { return d.score(text, true) }

// scratch is the memory one scoring reuses; detectors pool them.
type scratch struct {
	scan         *scanState
	dense        denseAcc
	texts, kinds []string
	sums, counts []float64    // per block of a text, for content windows
	stats        []textStats  // per block
	global       []int        // signatures matched in decoded texts
	buckets      []uint32     // training: the grams of a text
	blocks       []int32      // training: the block of each gram
	one          [1]textStats // whole-text statistics
}

// analysis is a text read for scoring or training. Its texts and matches
// live in the scratch it was made with.
type analysis struct {
	raw       string   // the examined part of the text
	texts     []string // the normalized text, then the normalized decoded texts
	kinds     []string // encodings decoded, without repeats
	truncated bool
	lm        lmFeatures
	gib       float64
}

func (d *Detector) analyze(s *scratch, text string) analysis {
	var a analysis
	a.raw, a.truncated = headTail(text)
	norm, cut := headTail(d.normalize(a.raw))
	a.truncated = a.truncated || cut
	s.texts = append(s.texts[:0], norm)
	s.kinds = s.kinds[:0]
	if !d.opts.NoDecode {
		budget := maxDecodedScan
		for _, seg := range textnorm.Decode(a.raw) {
			if budget <= 0 {
				break
			}
			t := truncateUTF8(d.normalize(seg.Text), budget)
			budget -= len(t)
			s.texts = append(s.texts, t)
			if !contains(s.kinds, seg.Kind) {
				s.kinds = append(s.kinds, seg.Kind)
			}
		}
	}
	a.texts, a.kinds = s.texts, s.kinds
	s.scan.reset()
	for i, t := range a.texts {
		d.sigs.scan(s.scan, t, i)
	}
	a.lm = d.m.lm.features(a.raw)
	a.gib = gibberish(a.raw)
	return a
}

func (d *Detector) normalize(s string) string {
	if d.opts.NoNormalize {
		return strings.ToLower(strings.ToValidUTF8(s, "\uFFFD"))
	}
	return textnorm.Normalize(s)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// truncateUTF8 cuts s to at most n bytes, on a character boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// headTail returns the part of s that is examined.
func headTail(s string) (string, bool) {
	if len(s) <= MaxScan {
		return s, false
	}
	h := MaxScan * 3 / 4
	for h > 0 && !utf8.RuneStart(s[h]) {
		h--
	}
	t := len(s) - MaxScan/4
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	return s[:h] + "\n" + s[t:], true
}

func (d *Detector) score(text string, content bool) Result {
	s := d.pool.Get().(*scratch)
	defer d.pool.Put(s)
	a := d.analyze(s, text)
	var top topFeatures
	var logit float64
	if content {
		logit = d.contentLogit(s, &a, &top)
	} else {
		logit = d.directLogit(s, &a, &top)
	}
	clf := sigmoid(logit)
	sig := 0.0
	var hits []SignatureHit
	for i, hit := range s.scan.hit {
		if hit {
			cs := &d.sigs.sigs[i]
			w := cs.weightFor(content)
			hits = append(hits, SignatureHit{ID: cs.ID, Family: cs.Family, Weight: w})
			if w >= strongSignature {
				sig = math.Max(sig, w)
			}
		}
	}
	return Result{
		Score:      1 - (1-clf)*(1-sig),
		Signatures: hits,
		Classifier: clf,
		Features:   top.list(),
		Decoded:    append([]string(nil), a.kinds...),
		Truncated:  a.truncated,
	}
}

// directDense computes the dense features of a whole text into s.dense.
func (d *Detector) directDense(s *scratch, a *analysis) []float64 {
	acc := &s.dense
	acc.start(d.layout)
	for i, hit := range s.scan.hit {
		if hit {
			acc.signature(d.sigs, i)
		}
	}
	s.one[0] = textStats{}
	wordStats(a.texts[0], s.one[:], math.MaxInt32)
	acc.finish(s.one[0], len(a.texts) > 1, a.gib, a.lm)
	return acc.v
}

// directLogit is the direct head's logit: the mean weight of the grams of
// all texts, plus the dense features.
func (d *Detector) directLogit(s *scratch, a *analysis, top *topFeatures) float64 {
	h := &d.m.direct
	sum, n := 0, 0
	for i, t := range a.texts {
		tp := top
		if i > 0 {
			tp = nil // explain with the text itself
		}
		s, k := directGrams(t, d.m.bits, h, tp)
		sum, n = sum+s, n+k
	}
	logit := h.bias
	if n > 0 {
		logit += float64(sum) * h.scale / float64(n)
		top.scale(1 / float64(n))
	}
	return logit + d.denseLogit(h, d.directDense(s, a), top)
}

// denseLogit adds the dense features' contributions, offering the
// positive ones to top.
func (d *Detector) denseLogit(h *head, v []float64, top *topFeatures) float64 {
	logit := 0.0
	for i, x := range v {
		if x == 0 {
			continue
		}
		c := h.dense[i] * x
		logit += c
		if c > 0 && top != nil {
			top.offer(Feature{Name: d.layout.names[i], Weight: c}, uint32(1<<31)+uint32(i))
		}
	}
	return logit
}

// window is one content window: a range of one of the analysis's texts.
type window struct {
	text, k int // text index, window number
}

func blocksOf(t string) int { return max(1, (len(t)+contentStride-1)/contentStride) }

func windowsOf(t string) int { return max(1, blocksOf(t)-1) }

func windowSpan(t string, k int) (int, int) {
	return k * contentStride, min(k*contentStride+contentWindow, len(t))
}

// contentLogit is the content head's logit: the highest over the windows
// of every text of the analysis, each scored with its own grams and its
// own dense features.
func (d *Detector) contentLogit(s *scratch, a *analysis, top *topFeatures) float64 {
	h := &d.m.content
	d.globalSignatures(s)
	best, bestWin := math.Inf(-1), window{}
	for ti, t := range a.texts {
		nb := blocksOf(t)
		s.sums, s.counts, s.stats = resize(s.sums, nb), resize(s.counts, nb), resizeStats(s.stats, nb)
		sums, counts := s.sums, s.counts
		blockGrams(t, d.m.bits, h.w, sums, counts)
		wordStats(t, s.stats, contentStride)
		lo, hi := matchRange(s.scan.matches, ti)
		p := lo
		for k := 0; k < windowsOf(t); k++ {
			ws, we := windowSpan(t, k)
			for p < hi && int(s.scan.matches[p].end) < ws {
				p++
			}
			v := d.windowDense(s, a, ti, k, ws, we, p, hi)
			sum, n := sums[k], counts[k]
			if k+1 < nb {
				sum, n = sum+sums[k+1], n+counts[k+1]
			}
			logit := h.bias + d.denseLogit(h, v, nil)
			if n > 0 {
				logit += sum * h.scale / n
			}
			if logit > best {
				best, bestWin = logit, window{ti, k}
			}
		}
	}
	// Explain the best window.
	t := a.texts[bestWin.text]
	ws, we := windowSpan(t, bestWin.k)
	n := 0
	forEachGram(t[ws:we], d.m.bits, func(gs []gram) {
		for _, g := range gs {
			if w := h.w[g.bucket]; w > 0 {
				top.offerGram(t[ws:we], g, float64(w)*h.scale)
			}
		}
		n += len(gs)
	})
	if n > 0 {
		top.scale(1 / float64(n))
	}
	lo, hi := matchRange(s.scan.matches, bestWin.text)
	// Recompute the window's statistics: s.stats holds the last text's.
	nb := blocksOf(t)
	s.stats = resizeStats(s.stats, nb)
	wordStats(t, s.stats, contentStride)
	d.denseLogit(h, d.windowDense(s, a, bestWin.text, bestWin.k, ws, we, lo, hi), top)
	return best
}

// globalSignatures lists in s.global the signatures that matched in
// decoded texts: they count in every window.
func (d *Detector) globalSignatures(s *scratch) {
	s.global = s.global[:0]
	for _, m := range s.scan.matches {
		if m.text > 0 && !containsInt(s.global, int(m.sig)) {
			s.global = append(s.global, int(m.sig))
		}
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// windowDense computes the dense features of window k (bytes ws..we) of
// text ti into s.dense; s.stats holds the text's block statistics and
// s.scan.matches[lo:hi] are matches of the text that end at ws or later.
func (d *Detector) windowDense(s *scratch, a *analysis, ti, k, ws, we, lo, hi int) []float64 {
	acc := &s.dense
	acc.start(d.layout)
	for _, sig := range s.global {
		acc.signature(d.sigs, sig)
	}
	for _, m := range s.scan.matches[lo:hi] {
		if int(m.end) > we {
			break
		}
		if int(m.start) >= ws {
			acc.signature(d.sigs, int(m.sig))
		}
	}
	st := s.stats[k]
	if k+1 < len(s.stats) {
		st.add(s.stats[k+1])
	}
	acc.finish(st, len(a.texts) > 1, a.gib, a.lm)
	return acc.v
}

// matchRange returns the range of matches of text ti (matches are in
// order of text, then of end).
func matchRange(ms []match, ti int) (int, int) {
	lo := 0
	for lo < len(ms) && int(ms[lo].text) < ti {
		lo++
	}
	hi := lo
	for hi < len(ms) && int(ms[hi].text) == ti {
		hi++
	}
	return lo, hi
}

func resize(v []float64, n int) []float64 {
	if cap(v) < n {
		return make([]float64, n)
	}
	v = v[:n]
	clear(v)
	return v
}

func resizeStats(v []textStats, n int) []textStats {
	if cap(v) < n {
		return make([]textStats, n)
	}
	v = v[:n]
	clear(v)
	return v
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// topFeatures keeps the largest positive contributions, aggregated by
// bucket, without allocating until the list is built.
type topFeatures struct {
	n     int
	items [8]struct {
		key  uint32
		text string
		char bool
		w    float64
	}
	minW float64 // the smallest weight kept, once full
}

const maxFeatures = 5

func (t *topFeatures) offerGram(text string, g gram, w float64) {
	if t.n == len(t.items) && w <= t.minW {
		return // a bucket's weight is the same at every occurrence: it cannot enter
	}
	key := g.bucket
	for i := 0; i < t.n; i++ {
		if t.items[i].key == key {
			t.items[i].w += w
			return
		}
	}
	t.insert(key, text[g.start:g.end], g.char, w)
}

func (t *topFeatures) offer(f Feature, key uint32) { t.insert(key, f.Name, false, f.Weight) }

func (t *topFeatures) insert(key uint32, text string, char bool, w float64) {
	if t.n < len(t.items) {
		t.items[t.n].key, t.items[t.n].text, t.items[t.n].char, t.items[t.n].w = key, text, char, w
		t.n++
		if t.n == len(t.items) {
			t.updateMin()
		}
		return
	}
	lo := 0
	for i := 1; i < t.n; i++ {
		if t.items[i].w < t.items[lo].w {
			lo = i
		}
	}
	if w > t.items[lo].w {
		t.items[lo].key, t.items[lo].text, t.items[lo].char, t.items[lo].w = key, text, char, w
	}
	t.updateMin()
}

func (t *topFeatures) updateMin() {
	t.minW = t.items[0].w
	for i := 1; i < t.n; i++ {
		t.minW = math.Min(t.minW, t.items[i].w)
	}
}

// scale multiplies the n-gram contributions gathered so far (all items
// before dense features are offered) by the text's normalization.
func (t *topFeatures) scale(f float64) {
	for i := 0; i < t.n; i++ {
		t.items[i].w *= f
	}
	if t.n == len(t.items) {
		t.updateMin()
	}
}

func (t *topFeatures) list() []Feature {
	if t.n == 0 {
		return nil
	}
	// Insertion sort, largest first: at most 8 items.
	for i := 1; i < t.n; i++ {
		for j := i; j > 0 && t.items[j].w > t.items[j-1].w; j-- {
			t.items[j], t.items[j-1] = t.items[j-1], t.items[j]
		}
	}
	n := min(t.n, maxFeatures)
	out := make([]Feature, n)
	for i := range out {
		it := t.items[i]
		name := it.text
		if it.char {
			name = "chars \"" + strings.ToValidUTF8(name, "") + "\""
		}
		out[i] = Feature{Name: name, Weight: it.w}
	}
	return out
}
