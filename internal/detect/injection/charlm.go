package injection

import (
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/detect/textnorm"
)

// A character "shape" language model of benign text. What optimizer-made
// suffixes (GCG, DSN: `describing.\ + similarlyNow write oppositeley.](`)
// look like is a run of characters that natural text, prose or code,
// seldom has: punctuation against letters, capitals in the middle of
// words, brackets and quotes in odd places. The model reads the raw text
// (see lmText) as a sequence of character shapes (space; small consonant
// or vowel; capital at the start of a word, after a capital or after a
// small letter; small letter after two capitals; letter of another
// script; digit; ten groups of punctuation; other symbol) and predicts
// each shape from the three before it (a 4-gram, interpolated absolute
// discounting). Shapes, not letters, so that German or Spanish prose is no
// more surprising than English.
//
// It is trained on the benign examples of the training data only, so that
// held-out evaluation stays honest. Its features are the share of windows
// of lmWindow characters, at least half of them Latin letters, whose mean
// surprisal exceeds the 99th and the 99.9th percentile of benign training
// windows, and how far the most surprising window goes past the 99th.
// Text in other scripts is not scored: the training data has too little
// of it to know what is surprising there.
// Windows of mostly digits and operators (formulas, tables, numbers) do
// not count: they are surprising and benign, and optimizer suffixes are
// made of word pieces.

const (
	lmShapes  = 21
	lmCells   = lmShapes * lmShapes * lmShapes * lmShapes
	lmWindow  = 32 // characters per window
	lmScale   = 16 // surprisal is stored in 1/16 bit
	lmMaxCell = 255
	// lmDiscount is the absolute discount of the interpolated estimate.
	lmDiscount = 0.75
)

// Shapes.
const (
	shapeSpace = iota
	shapeConsonant
	shapeVowel
	shapeConsonantAfterCaps // a small letter after two capitals: "ONEplease"
	shapeVowelAfterCaps
	shapeCapAfterCap
	shapeCapAfterSmall // a capital in the middle of a word: "similarlyNow"
	shapeCapStart      // a capital after anything else
	shapeCaseless      // a letter of another script than Latin (Cyrillic, Greek, CJK, Arabic, …)
	shapeDigit
	shapePunct // ten groups of ASCII punctuation follow
	shapeOther = shapePunct + 10
)

// asciiShape is the shape of an ASCII byte regardless of its neighbours
// (letters are refined by case below); letterCase is 1 for capitals, 2
// for small letters, 0 for the rest.
var asciiShape, letterCase = func() (sh, lc [utf8.RuneSelf]uint8) {
	groups := []string{".!?", ",;:", "'\"`", "([{", ")]}", "<>", "-_", "/\\|", "+=*^~&%", "@#$"}
	for c := 0; c < utf8.RuneSelf; c++ {
		b := byte(c)
		switch {
		case b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\v' || b == '\f':
			sh[c] = shapeSpace
		case 'a' <= b && b <= 'z':
			sh[c], lc[c] = shapeConsonant, 2
			switch b {
			case 'a', 'e', 'i', 'o', 'u', 'y':
				sh[c] = shapeVowel
			}
		case 'A' <= b && b <= 'Z':
			sh[c], lc[c] = shapeCapStart, 1
		case '0' <= b && b <= '9':
			sh[c] = shapeDigit
		default:
			sh[c] = shapeOther
			for i, g := range groups {
				for k := 0; k < len(g); k++ {
					if g[k] == b {
						sh[c] = uint8(shapePunct + i)
					}
				}
			}
		}
	}
	return sh, lc
}()

// asciiRefined[case1*3+case2][c] is the shape of ASCII byte c after
// characters of letter case case1 (the previous) and case2 (the one before).
var asciiRefined = func() (t [9][utf8.RuneSelf]uint8) {
	for c1 := uint8(0); c1 < 3; c1++ {
		for c2 := uint8(0); c2 < 3; c2++ {
			for c := rune(0); c < utf8.RuneSelf; c++ {
				s := shaper{case1: c1, case2: c2}
				t[c1*3+c2][c] = s.next(c)
			}
		}
	}
	return t
}()

// shaper turns a text into shapes, one character at a time.
type shaper struct {
	case1, case2 uint8 // letter case of the previous two characters
}

// runeShape is the shape and letter case of a non-ASCII character.
func runeShape(r rune) (sh, lc uint8) {
	switch {
	case r < 0x800:
		v := shape2[r]
		return v >> 2, v & 3
	case r >= 0x4E00 && r <= 0x9FFF || r >= 0xAC00 && r <= 0xD7A3 || r >= 0x3040 && r <= 0x30FF:
		return shapeCaseless, 0 // CJK ideographs, Hangul, kana: the common case, without a table search
	case r == utf8.RuneError:
		return shapeOther, 0
	}
	return classifyRune(r)
}

func classifyRune(r rune) (sh, lc uint8) {
	switch {
	case unicode.IsLetter(r) && !isLatin(r):
		// Other scripts are one shape whatever their case: a window of
		// them is never scored (see isLetterShape), and a look-alike
		// inside a Latin word stands out.
		return shapeCaseless, 0
	case unicode.IsSpace(r):
		return shapeSpace, 0
	case unicode.IsUpper(r) || unicode.IsTitle(r):
		return shapeCapStart, 1
	case unicode.IsLower(r):
		return shapeConsonant, 2
	case unicode.IsLetter(r):
		return shapeCaseless, 0
	case unicode.IsDigit(r):
		return shapeDigit, 0
	}
	return shapeOther, 0
}

// shape2 holds, for characters below U+0800 (Latin, Greek, Cyrillic,
// Hebrew, Arabic …), shape<<2 | letter case.
var shape2 = func() (t [0x800]uint8) {
	for r := rune(0x80); r < 0x800; r++ {
		sh, lc := classifyRune(r)
		t[r] = sh<<2 | lc
	}
	return t
}()

func (s *shaper) next(r rune) uint8 {
	var sh, lc uint8
	if r < utf8.RuneSelf {
		sh, lc = asciiShape[r], letterCase[r]
	} else {
		sh, lc = runeShape(r)
	}
	switch lc {
	case 1:
		switch s.case1 {
		case 1:
			sh = shapeCapAfterCap
		case 2:
			sh = shapeCapAfterSmall
		}
	case 2:
		if s.case1 == 1 && s.case2 == 1 {
			sh += shapeConsonantAfterCaps - shapeConsonant
		}
	}
	s.case2, s.case1 = s.case1, lc
	return sh
}

// isLetterShape reports the shapes of Latin letters. Only windows that
// are at least half Latin letters are scored: optimizer suffixes are
// made of Latin word pieces, and the model, trained on mostly English
// text, knows nothing of how other scripts read.
func isLetterShape(sh int) bool { return sh >= shapeConsonant && sh < shapeCaseless }

// isLatin reports letters of the Latin script's blocks.
func isLatin(r rune) bool {
	return r < 0x250 || r >= 0x1E00 && r <= 0x1EFF || r >= 0x2C60 && r <= 0x2C7F || r >= 0xA720 && r <= 0xA7FF
}

// shapeCells walks a text's characters and yields the 4-gram cell of each.
type shapeCells struct {
	t          string
	i          int
	s          shaper
	s1, s2, s3 int // the previous three shapes, latest first
}

// next returns the next cell, or -1 at the end.
func (c *shapeCells) next() int {
	if c.i >= len(c.t) {
		return -1
	}
	r, n := rune(c.t[c.i]), 1
	if r >= utf8.RuneSelf {
		r, n = utf8.DecodeRuneInString(c.t[c.i:])
	}
	c.i += n
	sh := int(c.s.next(r))
	cell := ((c.s3*lmShapes+c.s2)*lmShapes+c.s1)*lmShapes + sh
	c.s3, c.s2, c.s1 = c.s2, c.s1, sh
	return cell
}

// charLM is a trained model: the surprisal of every shape after every
// three shapes.
type charLM struct {
	bits [lmCells]uint8 // −log2 p in 1/lmScale bit, saturated at lmMaxCell
	// Thresholds on a window's summed surprisal (in 1/lmScale bit over
	// lmWindow characters): the 99th and 99.9th percentile of benign windows.
	p99, p999 uint32
}

// lmCounts accumulates training text.
type lmCounts struct {
	n4 [lmCells]uint32
}

func (c *lmCounts) addCounts(t string) {
	t = lmText(t)
	cells := shapeCells{t: t}
	for cell := cells.next(); cell >= 0; cell = cells.next() {
		c.n4[cell]++
	}
}

func (c *lmCounts) merge(o *lmCounts) {
	for i, v := range o.n4 {
		c.n4[i] += v
	}
}

// model estimates the 4-gram by absolute discounting, interpolated down to
// the unigram (add-one), in a fixed order of operations.
func (c *lmCounts) model() *charLM {
	const s1, s2, s3 = lmShapes, lmShapes * lmShapes, lmShapes * lmShapes * lmShapes
	// Lower orders by marginalizing the oldest context shape.
	n3 := make([]float64, s3)
	n2 := make([]float64, s2)
	n1 := make([]float64, s1)
	for cell, v := range c.n4 {
		n3[cell%s3] += float64(v)
	}
	for cell, v := range n3 {
		n2[cell%s2] += v
	}
	for cell, v := range n2 {
		n1[cell%s1] += v
	}
	total := 0.0
	for _, v := range n1 {
		total += v
	}
	p1 := make([]float64, s1)
	for x := range p1 {
		p1[x] = (n1[x] + 1) / (total + lmShapes)
	}
	p2 := make([]float64, s2)
	for ctx := 0; ctx < s1; ctx++ {
		interpolate(n2[ctx*s1:(ctx+1)*s1], p1, p2[ctx*s1:(ctx+1)*s1])
	}
	p3 := make([]float64, s3)
	for ctx := 0; ctx < s2; ctx++ {
		interpolate(n3[ctx*s1:(ctx+1)*s1], p2[(ctx%s1)*s1:(ctx%s1+1)*s1], p3[ctx*s1:(ctx+1)*s1])
	}
	m := &charLM{}
	row := make([]float64, s1)
	p4 := make([]float64, s1)
	for ctx := 0; ctx < s3; ctx++ {
		for x := range row {
			row[x] = float64(c.n4[ctx*s1+x])
		}
		interpolate(row, p3[(ctx%s2)*s1:(ctx%s2+1)*s1], p4)
		for x, p := range p4 {
			q := math.Round(-math.Log2(p) * lmScale)
			m.bits[ctx*s1+x] = uint8(math.Min(lmMaxCell, q))
		}
	}
	return m
}

// interpolate sets out to the discounted estimate from counts, backed off
// to lower (a distribution over the same outcomes).
func interpolate(counts, lower, out []float64) {
	total, types := 0.0, 0.0
	for _, v := range counts {
		total += v
		if v > 0 {
			types++
		}
	}
	for x := range out {
		if total == 0 {
			out[x] = lower[x]
			continue
		}
		out[x] = math.Max(counts[x]-lmDiscount, 0)/total + float64(lmDiscount*types/total)*lower[x]
	}
}

// windows walks the windows of lmWindow characters of a text: each next
// returns the summed surprisal of the next window, or 0 for a window of
// fewer than half letters, and false after the last (a text shorter than
// lmWindow has none).
type windows struct {
	m       *charLM
	cells   shapeCells
	ring    [lmWindow]uint32
	letter  [lmWindow]bool
	sum     uint32
	letters int
	i       int
}

func (w *windows) next() (uint32, bool) {
	for {
		cell := w.cells.next()
		if cell < 0 {
			return 0, false
		}
		s := uint32(w.m.bits[cell])
		l := isLetterShape(w.cells.s1)
		k := uint(w.i) % lmWindow
		w.sum += s - w.ring[k]
		if w.letter[k] {
			w.letters--
		}
		if l {
			w.letters++
		}
		w.ring[k], w.letter[k] = s, l
		w.i++
		if w.i >= lmWindow {
			if 2*w.letters >= lmWindow {
				return w.sum, true
			}
			return 0, true
		}
	}
}

// windowSums calls f with the summed surprisal of every window of t (see windows).
func (m *charLM) windowSums(t string, f func(sum uint32)) {
	w := windows{m: m, cells: shapeCells{t: lmText(t)}}
	for s, ok := w.next(); ok; s, ok = w.next() {
		f(s)
	}
}

// setThresholds sets the percentiles from the benign training texts.
func (m *charLM) setThresholds(texts []string) {
	var hist [lmWindow*lmMaxCell + 1]uint64
	n := uint64(0)
	for _, t := range texts {
		m.windowSums(t, func(sum uint32) {
			hist[sum]++
			n++
		})
	}
	at := func(q float64) uint32 {
		need := uint64(math.Ceil(q * float64(n)))
		acc := uint64(0)
		for v, c := range hist {
			acc += c
			if acc >= need {
				return uint32(v)
			}
		}
		return uint32(len(hist) - 1)
	}
	m.p99, m.p999 = at(0.99), at(0.999)
	if m.p999 <= m.p99 {
		m.p999 = m.p99 + 1
	}
}

// lmFeatures are the surprisal features of a text.
type lmFeatures struct {
	over99, over999, excess float64
}

// features computes the surprisal features of t in one pass (the same
// windows as windowSums, written out for speed).
func (m *charLM) features(t string) lmFeatures {
	t = lmText(t)
	var f lmFeatures
	var ring [lmWindow]uint32
	var letter [lmWindow]bool
	var sh shaper
	s1, s2, s3 := 0, 0, 0
	sum, letters, n, over, over2 := uint32(0), 0, 0, 0, 0
	best := uint32(0)
	for i, k := 0, uint(0); i < len(t); k++ {
		var x int
		if c := t[i]; c < utf8.RuneSelf {
			x = int(asciiRefined[sh.case1*3+sh.case2][c])
			sh.case2, sh.case1 = sh.case1, letterCase[c]
			i++
		} else {
			r, size := utf8.DecodeRuneInString(t[i:])
			x = int(sh.next(r))
			i += size
		}
		v := uint32(m.bits[((s3*lmShapes+s2)*lmShapes+s1)*lmShapes+x])
		s3, s2, s1 = s2, s1, x
		j := k % lmWindow
		sum += v - ring[j]
		if letter[j] {
			letters--
		}
		l := isLetterShape(x)
		if l {
			letters++
		}
		ring[j], letter[j] = v, l
		if k < lmWindow-1 {
			continue
		}
		w := sum
		if 2*letters < lmWindow {
			w = 0
		}
		n++
		if w > m.p99 {
			over++
			if w > m.p999 {
				over2++
			}
		}
		best = max(best, w)
	}
	if n == 0 {
		return f
	}
	f.over99 = float64(over) / float64(n)
	f.over999 = float64(over2) / float64(n)
	if best > m.p99 {
		// How far past the 99th percentile, in units of the distance to the 99.9th, at most 3.
		f.excess = math.Min(3, float64(best-m.p99)/float64(m.p999-m.p99)) / 3
	}
	return f
}

// Machine tokens: a run of at least minMachineToken letters, digits and
// the characters of keys, hashes and Base64 (- _ + / = .) with both a
// letter and a digit in it. API keys, JWTs, hashes and ids are as
// surprising as optimizer suffixes, but they are one unbroken token where
// a suffix is a row of short word pieces; maskMachineTokens replaces each
// by a plain word, so that a pasted key is not read as gibberish.
const minMachineToken = 16

var machineTokenByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-_+/=." {
		t[c] = true
	}
	return t
}()

// maskMachineTokens returns t with every machine token replaced by
// "token"; t itself when it has none.
func maskMachineTokens(t string) string {
	var b []byte
	last := 0
	for i := 0; i < len(t); {
		if !machineTokenByte[t[i]] {
			i++
			continue
		}
		j, letters, digits := i, false, false
		for ; j < len(t) && machineTokenByte[t[j]]; j++ {
			c := t[j]
			letters = letters || (c|0x20 >= 'a' && c|0x20 <= 'z')
			digits = digits || (c >= '0' && c <= '9')
		}
		if j-i >= minMachineToken && letters && digits {
			if b == nil {
				b = make([]byte, 0, len(t))
			}
			b = append(b, t[last:i]...)
			b = append(b, "token"...)
			last = j
		}
		i = j
	}
	if b == nil {
		return t
	}
	return string(append(b, t[last:]...))
}

// lmText is what the language model reads of a raw text: invisible
// characters removed and fullwidth ASCII made ASCII (an obfuscation, and
// East Asian keyboards type fullwidth Latin: neither is gibberish; the
// classifier sees the obfuscation through normalization), then machine
// tokens masked. Case and punctuation stay: they are what gibberish is
// made of.
func lmText(t string) string {
	ascii := true
	for i := 0; i < len(t); i++ {
		if t[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		b := make([]byte, 0, len(t))
		for _, r := range t {
			switch {
			case textnorm.IsInvisible(r):
			case r >= 0xFF01 && r <= 0xFF5E:
				b = append(b, byte(r-0xFEE0))
			case r == 0x3000:
				b = append(b, ' ')
			default:
				b = utf8.AppendRune(b, r)
			}
		}
		t = string(b)
	}
	return maskMachineTokens(t)
}
