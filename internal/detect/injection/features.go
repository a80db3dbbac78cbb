package injection

import (
	"math"
	"strings"
)

// The model's sparse features are hashed n-grams of the normalized text:
// word 1-, 2- and 3-grams and byte 4-grams (byte 3- and 5-grams as well
// made no difference on held-out data, and cost twice the time). Each
// occurrence counts; a text's (or a window's) vector is the counts divided
// by the number of occurrences, so that length alone does not move the score.

// gram is one n-gram occurrence: its bucket and where it is in the text.
type gram struct {
	bucket     uint32
	start, end int32
	char       bool
}

// gramBatch is how many grams forEachGram hands over at a time.
const gramBatch = 128

// seeds separate the hash spaces of the word n-gram orders.
const (
	seedWord1 = 0x9e3779b97f4a7c15
	seedWord2 = 0xbf58476d1ce4e5b9
	seedWord3 = 0x94d049bb133111eb
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// mulChar is the multiplier of the byte 4-gram hash (Fibonacci hashing
	// of the four bytes, with charSalt above them to keep them apart from
	// the word n-grams' buckets).
	mulChar  = 0x9e3779b97f4a7c15
	charSalt = 0x4d << 56
)

func mix(h uint64, bits uint) uint32 {
	h ^= h >> 31
	h *= 0xd6e8feb86659fd93
	h ^= h >> 32
	return uint32(h >> (64 - bits))
}

func isTokenByte(c byte) bool {
	return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c >= 0x80 || ('A' <= c && c <= 'Z')
}

// The walks over a text's n-grams: forEachGram, general, for training and
// explanations; directGrams and blockGrams, the same grams written out for
// the two heads' scoring loops (a callback per gram costs three times as
// much). TestGramWalksAgree keeps them in step.

// token returns the end of the token that starts at i and its hash.
func token(t string, i int) (int, uint64) {
	h := uint64(fnvOffset)
	j := i
	for j < len(t) && isTokenByte(t[j]) {
		h = (h ^ uint64(t[j])) * fnvPrime
		j++
	}
	return j, h
}

// The buckets of the word 1-, 2- and 3-grams that end with a token of hash
// h after tokens of hashes h1 and h2 are mix(h^seedWord1),
// mix((h1*31+h)^seedWord2) and mix(((h2*31+h1)*31+h)^seedWord3).

// charBucket is the bucket of the byte 4-gram packed in the low bytes of x.
func charBucket(x uint64, shift uint) uint32 {
	return uint32(((x & (1<<32 - 1)) | charSalt) * mulChar >> shift)
}

// forEachGram calls f with the n-grams of the normalized text t, a batch
// at a time: first the word n-grams in order of their last word, then the
// byte 4-grams (of " " + t + " ") in order of position.
func forEachGram(t string, bits uint, f func([]gram)) {
	var buf [gramBatch]gram
	n := 0
	var h1, h2 uint64 // hashes of the previous one and two tokens
	var s1, s2 int32  // their starts
	words := 0
	for i := 0; i < len(t); {
		if !isTokenByte(t[i]) {
			i++
			continue
		}
		j, h := token(t, i)
		if n+3 > gramBatch {
			f(buf[:n])
			n = 0
		}
		start, end := int32(i), int32(j)
		buf[n] = gram{mix(h^seedWord1, bits), start, end, false}
		n++
		if words >= 1 {
			buf[n] = gram{mix((h1*31+h)^seedWord2, bits), s1, end, false}
			n++
		}
		if words >= 2 {
			buf[n] = gram{mix(((h2*31+h1)*31+h)^seedWord3, bits), s2, end, false}
			n++
		}
		h2, s2, h1, s1 = h1, s1, h, start
		words++
		i = j
	}
	// Byte 4-grams ending at padded position p; t's coordinates are the
	// padded ones minus one, clamped to t.
	shift := 64 - bits
	x := uint64(' ')
	for p := 1; p < len(t)+2; p++ {
		c := byte(' ')
		if p <= len(t) {
			c = t[p-1]
		}
		x = x<<8 | uint64(c)
		if p < 3 {
			continue
		}
		if n == gramBatch {
			f(buf[:n])
			n = 0
		}
		buf[n] = gram{charBucket(x, shift), int32(max(p-4, 0)), int32(min(p, len(t))), true}
		n++
	}
	if n > 0 {
		f(buf[:n])
	}
}

// directGrams sums the weights of t's n-grams, offering the positive ones
// to top (when it is not nil), and returns the sum and how many there are.
func directGrams(t string, bits uint, h *head, top *topFeatures) (int, int) {
	sum, n := 0, 0
	w := h.w
	// minW: a weight at or below it cannot enter top (kept current after each offer).
	minW := int8(127)
	if top != nil {
		minW = 0
	}
	offer := func(b uint32, start, end int32, char bool) {
		top.offerGram(t, gram{b, start, end, char}, float64(w[b])*h.scale)
		if top.n == len(top.items) {
			minW = int8(max(0, min(127, math.Floor(top.minW/h.scale))))
		}
	}
	var h1, h2 uint64
	var s1, s2 int32
	words := 0
	for i := 0; i < len(t); {
		if !isTokenByte(t[i]) {
			i++
			continue
		}
		j, hh := token(t, i)
		start, end := int32(i), int32(j)
		b1 := mix(hh^seedWord1, bits)
		sum += int(w[b1])
		n++
		if w[b1] > minW {
			offer(b1, start, end, false)
		}
		if words >= 1 {
			b2 := mix((h1*31+hh)^seedWord2, bits)
			sum += int(w[b2])
			n++
			if w[b2] > minW {
				offer(b2, s1, end, false)
			}
		}
		if words >= 2 {
			b3 := mix(((h2*31+h1)*31+hh)^seedWord3, bits)
			sum += int(w[b3])
			n++
			if w[b3] > minW {
				offer(b3, s2, end, false)
			}
		}
		h2, s2, h1, s1 = h1, s1, hh, start
		words++
		i = j
	}
	shift := 64 - bits
	x := uint64(' ')
	for p := 1; p < len(t)+2; p++ {
		c := byte(' ')
		if p <= len(t) {
			c = t[p-1]
		}
		x = x<<8 | uint64(c)
		if p < 3 {
			continue
		}
		b := charBucket(x, shift)
		sum += int(w[b])
		n++
		if w[b] > minW {
			offer(b, int32(max(p-4, 0)), int32(min(p, len(t))), true)
		}
	}
	return sum, n
}

// blockGrams adds the weight of each of t's n-grams to sums, and one to
// counts, at the block of contentStride bytes where the gram starts.
func blockGrams(t string, bits uint, w []int8, sums, counts []float64) {
	var h1, h2 uint64
	var s1, s2 int32
	words := 0
	for i := 0; i < len(t); {
		if !isTokenByte(t[i]) {
			i++
			continue
		}
		j, hh := token(t, i)
		k := i / contentStride
		sums[k] += float64(w[mix(hh^seedWord1, bits)])
		counts[k]++
		if words >= 1 {
			k := int(s1) / contentStride
			sums[k] += float64(w[mix((h1*31+hh)^seedWord2, bits)])
			counts[k]++
		}
		if words >= 2 {
			k := int(s2) / contentStride
			sums[k] += float64(w[mix(((h2*31+h1)*31+hh)^seedWord3, bits)])
			counts[k]++
		}
		h2, s2, h1, s1 = h1, s1, hh, int32(i)
		words++
		i = j
	}
	shift := 64 - bits
	x := uint64(' ')
	for p := 1; p < len(t)+2; p++ {
		c := byte(' ')
		if p <= len(t) {
			c = t[p-1]
		}
		x = x<<8 | uint64(c)
		if p < 3 {
			continue
		}
		k := max(p-4, 0) / contentStride
		sums[k] += float64(w[charBucket(x, shift)])
		counts[k]++
	}
}

// textStats are counts behind the imperative and second-person densities.
type textStats struct {
	sentences, imperatives, words, you int
}

func (s *textStats) add(o textStats) {
	s.sentences += o.sentences
	s.imperatives += o.imperatives
	s.words += o.words
	s.you += o.you
}

// wordStats counts, in blocks of stride bytes of the normalized text t
// (a word belongs to the block where it starts), sentences, sentences
// that start with an imperative verb, words and second-person words.
func wordStats(t string, blocks []textStats, stride int) {
	startOfSentence := true
	for i := 0; i < len(t); {
		c := t[i]
		if c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '\n' {
			startOfSentence = true
			i++
			continue
		}
		if !isTokenByte(c) {
			i++
			continue
		}
		j := i
		for j < len(t) && (isTokenByte(t[j]) || t[j] == '\'') {
			j++
		}
		b := &blocks[min(i/stride, len(blocks)-1)]
		w := t[i:j]
		b.words++
		if w == "you" || w == "your" || w == "you're" || w == "yourself" || w == "u" || w == "ur" {
			b.you++
		}
		if startOfSentence {
			b.sentences++
			if k, ok := packWord(w); ok && imperatives[k] {
				b.imperatives++
			}
			startOfSentence = false
		}
		i = j
	}
}

// imperatives are verbs that start commands to a model, packed.
var imperatives = func() map[uint64]bool {
	m := map[uint64]bool{}
	for _, w := range strings.Fields(`ignore disregard forget override bypass pretend act imagine
		repeat print reveal tell show output write say respond reply answer give list explain
		describe translate summarize summarise send call execute run stop start follow obey do
		don't dont never always begin enter enable activate simulate become be remember provide
		include add insert generate create make use help`) {
		k, _ := packWord(w)
		m[k] = true
	}
	return m
}()

// packWord packs a word of at most 12 small letters and apostrophes into
// a number, five bits a character; ok is false for other words.
func packWord(w string) (uint64, bool) {
	if len(w) > 12 {
		return 0, false
	}
	var k uint64
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case 'a' <= c && c <= 'z':
			k = k<<5 | uint64(c-'a'+1)
		case c == '\'':
			k = k<<5 | 27
		default:
			return 0, false
		}
	}
	return k, true
}

// gibberish returns the largest share, over runs of 16 words of the raw
// text, of words that mix letters with two or more symbols ("({[HTMLsvg",
// "].[", "***Here<="): the suffixes that optimizers such as GCG append
// look like that, and prose does not.
func gibberish(raw string) float64 {
	const run = 16
	var ring [run]bool
	n, weird, best := 0, 0, 0
	for i := 0; i < len(raw); {
		for i < len(raw) && soupClass[raw[i]] == soupSpace {
			i++
		}
		if i >= len(raw) {
			break
		}
		j := i
		letters, symbols := 0, 0
		for ; j < len(raw); j++ {
			k := soupClass[raw[j]]
			if k == soupSpace {
				break
			}
			if k == soupLetter {
				letters++
			} else if k == soupSymbol {
				symbols++
			}
		}
		w := letters > 0 && symbols >= 2
		if n >= run && ring[n%run] {
			weird--
		}
		ring[n%run] = w
		if w {
			weird++
		}
		n++
		best = max(best, weird)
		i = j
	}
	if n == 0 {
		return 0
	}
	return float64(best) / float64(min(n, run))
}

// Byte classes of gibberish.
const (
	soupOther = iota
	soupSpace
	soupLetter
	soupSymbol
)

var soupClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = soupLetter, soupLetter
	}
	for _, c := range []byte("{}[]()<>|\\^~*$#@=+_`;") {
		t[c] = soupSymbol
	}
	for _, c := range []byte(" \n\t\r") {
		t[c] = soupSpace
	}
	return t
}()

// The dense features, after the hashed ones: per family the largest
// weight of its signatures that matched, per signature whether it matched,
// then the features below.
const (
	denseDecoded = iota
	denseImperative
	denseSecondPers
	denseGibberish
	denseLM99
	denseLM999
	denseLMExcess
	denseSigCount
	denseOther // how many features follow the per-signature ones
)

var otherNames = [denseOther]string{
	"decoded content", "imperative density", "second-person density", "symbol-soup density",
	"surprising characters", "very surprising characters", "most surprising window", "signatures matched",
}

// denseLayout says where the dense features are, for a signature table.
type denseLayout struct {
	sigs  int // number of signatures
	names []string
}

func newDenseLayout(set *signatureSet) denseLayout {
	l := denseLayout{sigs: len(set.sigs)}
	for _, f := range families {
		l.names = append(l.names, "signature family:"+f)
	}
	for _, s := range set.sigs {
		l.names = append(l.names, "signature:"+s.ID)
	}
	l.names = append(l.names, otherNames[:]...)
	return l
}

func (l denseLayout) count() int { return familyCount + l.sigs + denseOther }

func (l denseLayout) other(k int) int { return familyCount + l.sigs + k }

// denseAcc gathers the dense features of a text or a window.
type denseAcc struct {
	v     []float64
	l     denseLayout
	seen  []uint32 // per signature: the stamp of the last window that counted it
	stamp uint32
	n     int // distinct signatures counted
}

func (a *denseAcc) start(l denseLayout) {
	a.l = l
	if len(a.v) != l.count() {
		a.v = make([]float64, l.count())
		a.seen = make([]uint32, l.sigs)
	} else {
		clear(a.v)
	}
	a.stamp++
	if a.stamp == 0 { // wrapped: forget old stamps
		clear(a.seen)
		a.stamp = 1
	}
	a.n = 0
}

func (a *denseAcc) signature(set *signatureSet, sig int) {
	if a.seen[sig] == a.stamp {
		return
	}
	a.seen[sig] = a.stamp
	a.n++
	s := &set.sigs[sig]
	a.v[familyCount+sig] = 1
	a.v[s.family] = math.Max(a.v[s.family], s.Weight)
}

// finish sets the features that do not depend on the signatures.
func (a *denseAcc) finish(st textStats, decoded bool, gib float64, lm lmFeatures) {
	l := a.l
	if decoded {
		a.v[l.other(denseDecoded)] = 1
	}
	if st.sentences > 0 {
		a.v[l.other(denseImperative)] = float64(st.imperatives) / float64(st.sentences)
	}
	if st.words > 0 {
		a.v[l.other(denseSecondPers)] = math.Min(1, 10*float64(st.you)/float64(st.words))
	}
	a.v[l.other(denseGibberish)] = gib
	a.v[l.other(denseLM99)] = lm.over99
	a.v[l.other(denseLM999)] = lm.over999
	a.v[l.other(denseLMExcess)] = lm.excess
	a.v[l.other(denseSigCount)] = math.Min(1, float64(a.n)/4)
}
