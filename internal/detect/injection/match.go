package injection

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bulwark-security/bulwark/internal/detect/textnorm"
)

// Signatures are matched without regular expressions, in time linear in
// the text: one Aho-Corasick automaton over the phrases of every step of
// every signature finds all their occurrences in one pass, and each
// occurrence extends the partial matches of the signatures that use it.
// Nothing backtracks and no step looks further than its gap, so the cost
// of a text is one table lookup per byte plus a little work per phrase
// occurrence, however many signatures there are.

// Limits of the signature language and of one scan.
const (
	maxSteps       = 6    // steps per signature
	historyPerStep = 4    // partial matches remembered per step (the latest ones)
	maxMatches     = 1024 // matches kept per text; the rest only mark their signature as hit
	// maxPerSignature: after this many matches in a text, a signature is
	// no longer followed in it (it has matched; a text that repeats one
	// attack a thousand times must not cost a thousand times the work).
	maxPerSignature = 32
)

// gapKind says what may stand between two steps.
type gapKind uint8

const (
	gapAdjacent gapKind = iota // nothing, or one space
	gapWithin                  // at most max bytes, none of them in stop
	gapWord                    // exactly one word (letters, digits, '-', '_', '\'') between single spaces
	gapNumber                  // exactly one number between single spaces
)

type gap struct {
	kind gapKind
	max  int
	stop string
}

// defaultStop ends a gap at the end of a sentence.
const defaultStop = ".!?"

// ok reports whether t[a:b], the text between two steps, fits the gap;
// lastStop[i] is the position of the last sentence end (defaultStop) before i, or -1.
func (g *gap) ok(t string, a, b int, lastStop []int32) bool {
	s := t[a:b]
	switch g.kind {
	case gapAdjacent:
		return s == "" || s == " "
	case gapWithin:
		if len(s) > g.max {
			return false
		}
		if g.stop == defaultStop {
			return int(lastStop[b]) < a
		}
		return g.stop == "" || !strings.ContainsAny(s, g.stop)
	case gapWord, gapNumber:
		if len(s) < 3 || len(s) > 22 || s[0] != ' ' || s[len(s)-1] != ' ' {
			return false
		}
		for i := 1; i < len(s)-1; i++ {
			c := s[i]
			digit := '0' <= c && c <= '9'
			if g.kind == gapNumber && !digit && !(c == '.' && i > 1 && i < len(s)-2) {
				return false
			}
			if g.kind == gapWord && !digit && !isLowerASCII(c) && c != '-' && c != '_' && c != '\'' {
				return false
			}
		}
		return true
	}
	return false
}

func isLowerASCII(c byte) bool { return 'a' <= c && c <= 'z' }

// isWordByte reports bytes that words are made of, for word boundaries.
func isWordByte(c byte) bool { return wordBytes[c] }

var wordBytes = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = isLowerASCII(b) || ('0' <= b && b <= '9') || b == '_' || b >= 0x80 || ('A' <= b && b <= 'Z')
	}
	return t
}()

// phrase is one alternative of a step.
type phrase struct {
	text string
	// prefix: the phrase may continue as a longer word ("instruction*").
	prefix bool
}

// phraseUse is a step that a phrase belongs to, with what extending a
// partial match needs at hand.
type phraseUse struct {
	sig, step uint16
	slot      int32 // the step's slot in a scan
	last      bool  // the signature's last step
	gap       *gap  // the gap before the step
}

// compiledSignature is a signature ready to match.
type compiledSignature struct {
	signature
	family int
	gaps   []gap    // gaps[k] is the gap before step k; gaps[0] is unused
	veto   []phrase // a match right after one of these does not count
	slot   int      // where its steps' partial matches are kept in a scan
}

// signatureSet is the compiled signature table.
type signatureSet struct {
	sigs    []compiledSignature
	ac      automaton
	phrases []phrase
	uses    [][]phraseUse // per phrase
	slots   int
	// endBoundary[id]: phrase id must end at a word boundary.
	endBoundary []bool
}

var (
	errSignatureFields = errors.New("family, weight (0..1) or steps invalid")
	errSignaturePhrase = errors.New("phrase is empty or not in normalized form")
	errSignatureGap    = errors.New("bad gap")
)

// weightFor is the signature's weight in Score (content false) or ScoreContent.
func (cs *compiledSignature) weightFor(content bool) float64 {
	if !content && cs.Family == FamilyAddressed {
		return math.Min(cs.Weight, directAddressedWeight)
	}
	return cs.Weight
}

func errDuplicateSignature(id string) error { return fmt.Errorf("signature %s: duplicate id", id) }

func errBadSignature(id string, err error) error { return fmt.Errorf("signature %s: %w", id, err) }

// compileSignatures parses and checks the table and builds the automaton.
func compileSignatures(table []signature) (*signatureSet, error) {
	set := &signatureSet{}
	seen := map[string]bool{}
	phraseID := map[phrase]int{}
	for si, s := range table {
		if seen[s.ID] {
			return nil, errDuplicateSignature(s.ID)
		}
		seen[s.ID] = true
		f := -1
		for i, name := range families {
			if name == s.Family {
				f = i
			}
		}
		steps, gaps, err := parsePattern(s.Pattern)
		if err != nil {
			return nil, errBadSignature(s.ID, err)
		}
		var veto []phrase
		if strings.HasPrefix(s.Pattern, vetoKeyword) {
			if len(steps) < 2 || gaps[1].kind != gapAdjacent {
				return nil, errBadSignature(s.ID, errSignatureGap)
			}
			veto = steps[0]
			steps, gaps = steps[1:], append([]gap{{}}, gaps[2:]...)
		}
		if f < 0 || s.Weight <= 0 || s.Weight >= 1 || len(steps) == 0 || len(steps) > maxSteps {
			return nil, errBadSignature(s.ID, errSignatureFields)
		}
		cs := compiledSignature{signature: s, family: f, gaps: gaps, veto: veto, slot: set.slots}
		set.slots += len(steps)
		for k, alts := range steps {
			for _, p := range alts {
				id, ok := phraseID[p]
				if !ok {
					id = len(set.phrases)
					phraseID[p] = id
					set.phrases = append(set.phrases, p)
					set.uses = append(set.uses, nil)
				}
				use := phraseUse{sig: uint16(si), step: uint16(k)}
				if !containsUse(set.uses[id], use) {
					set.uses[id] = append(set.uses[id], use)
				}
			}
		}
		set.sigs = append(set.sigs, cs)
	}
	for _, uses := range set.uses {
		for i := range uses {
			u := &uses[i]
			cs := &set.sigs[u.sig]
			u.slot = int32(cs.slot) + int32(u.step)
			u.last = int(u.step) == len(cs.gaps)-1
			u.gap = &cs.gaps[u.step]
		}
	}
	texts := make([]string, len(set.phrases))
	set.endBoundary = make([]bool, len(set.phrases))
	for i, p := range set.phrases {
		texts[i] = p.text
		set.endBoundary[i] = !p.prefix && isWordByte(p.text[len(p.text)-1])
	}
	ac, err := buildAutomaton(texts)
	if err != nil {
		return nil, err
	}
	set.ac = ac
	return set, nil
}

func containsUse(list []phraseUse, u phraseUse) bool {
	for _, v := range list {
		if v.sig == u.sig && v.step == u.step {
			return true
		}
	}
	return false
}

// vetoKeyword starts a pattern whose first step lists veto phrases.
const vetoKeyword = "unless "

// parsePattern reads a pattern of the signature language (see signature):
// steps of alternatives separated by gap tokens.
func parsePattern(pat string) ([][]phrase, []gap, error) {
	pat = strings.TrimPrefix(pat, vetoKeyword)
	var steps [][]phrase
	gaps := []gap{{}}
	var words []string
	flush := func() error {
		if len(words) == 0 {
			return errSignatureFields
		}
		alts, err := parseStep(strings.Join(words, " "))
		if err != nil {
			return err
		}
		steps = append(steps, alts)
		words = words[:0]
		return nil
	}
	for _, w := range strings.Split(pat, " ") {
		if !strings.HasPrefix(w, ">") {
			words = append(words, w)
			continue
		}
		if err := flush(); err != nil {
			return nil, nil, err
		}
		g, err := parseGap(w)
		if err != nil {
			return nil, nil, fmt.Errorf("%w %q", err, w)
		}
		gaps = append(gaps, g)
	}
	if err := flush(); err != nil {
		return nil, nil, err
	}
	return steps, gaps, nil
}

// parseGap reads ">", ">N", ">N:stops", ">>N", ">w" or ">#".
func parseGap(w string) (gap, error) {
	switch w {
	case ">":
		return gap{kind: gapAdjacent}, nil
	case ">w":
		return gap{kind: gapWord}, nil
	case ">#":
		return gap{kind: gapNumber}, nil
	}
	spec := w[1:]
	stop := defaultStop
	if strings.HasPrefix(spec, ">") {
		spec, stop = spec[1:], ""
	} else if i := strings.IndexByte(spec, ':'); i >= 0 {
		spec, stop = spec[:i], strings.ReplaceAll(spec[i+1:], `\s`, " ")
	}
	n, err := strconv.Atoi(spec)
	if err != nil || n <= 0 || n > 400 {
		return gap{}, errSignatureGap
	}
	return gap{kind: gapWithin, max: n, stop: stop}, nil
}

// parseStep reads alternatives separated by "|" ("\|" is a literal bar).
func parseStep(s string) ([]phrase, error) {
	var out []phrase
	for _, alt := range splitAlternatives(s) {
		p := phrase{text: alt}
		if strings.HasSuffix(alt, "*") && len(alt) > 1 {
			p = phrase{text: alt[:len(alt)-1], prefix: true}
		}
		if p.text == "" || textnorm.Normalize(p.text) != p.text {
			return nil, fmt.Errorf("%w: %q", errSignaturePhrase, alt)
		}
		out = append(out, p)
	}
	return out, nil
}

func splitAlternatives(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '|':
			cur.WriteByte('|')
			i++
		case s[i] == '|':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, cur.String())
}

// automaton is an Aho-Corasick automaton over bytes, as a full transition
// table over byte classes (the bytes that occur in phrases, and one class
// for every other byte). Word starts are a symbol of their own: the scan
// feeds wordStart before every byte that starts a word, and phrases hold
// it before each of their word starts, so a phrase that begins with a
// letter matches only where a word begins and never inside one ("a" is
// not found in "plan"). That spares most of the work per occurrence.
type automaton struct {
	class    [256]uint8
	nclass   int
	next     []uint16 // next[state*nclass+class]
	outStart []uint32 // outputs of state s: outs[outStart[s]:outStart[s+1]]
	outs     []uint16 // phrase ids, including those reached through failure links
}

// maxStates bounds the automaton (state ids are uint16).
const maxStates = 1 << 16

// wordStart is the symbol fed before every word start; it never occurs in
// normalized text (control characters are removed).
const wordStart = 0x01

// markWordStarts inserts wordStart before each byte of p that starts a word.
func markWordStarts(p string) string {
	var b []byte
	for i := 0; i < len(p); i++ {
		if isWordByte(p[i]) && (i == 0 || !isWordByte(p[i-1])) {
			b = append(b, wordStart)
		}
		b = append(b, p[i])
	}
	return string(b)
}

func buildAutomaton(texts []string) (automaton, error) {
	var a automaton
	phrases := make([]string, len(texts))
	for i, p := range texts {
		phrases[i] = markWordStarts(p)
	}
	a.class[wordStart] = 1
	a.nclass = 1
	for _, p := range phrases {
		for i := 0; i < len(p); i++ {
			if a.class[p[i]] == 0 {
				a.nclass++
				a.class[p[i]] = uint8(a.nclass)
			}
		}
	}
	a.nclass++ // class 0: every byte that occurs in no phrase
	if a.nclass > 255 {
		return a, errors.New("signatures: too many distinct bytes")
	}
	// The trie.
	type node struct {
		child map[uint8]int
		out   []uint16
	}
	nodes := []node{{child: map[uint8]int{}}}
	for id, p := range phrases {
		s := 0
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			t, ok := nodes[s].child[c]
			if !ok {
				t = len(nodes)
				nodes = append(nodes, node{child: map[uint8]int{}})
				nodes[s].child[c] = t
			}
			s = t
		}
		nodes[s].out = append(nodes[s].out, uint16(id))
	}
	if len(nodes) > maxStates {
		return a, fmt.Errorf("signatures: %d automaton states, want at most %d", len(nodes), maxStates)
	}
	// Breadth first: failure links and the full transition table.
	n := len(nodes)
	a.next = make([]uint16, n*a.nclass)
	fail := make([]int, n)
	outs := make([][]uint16, n)
	queue := make([]int, 0, n)
	outs[0] = nodes[0].out
	for c := 0; c < a.nclass; c++ {
		if t, ok := nodes[0].child[uint8(c)]; ok {
			a.next[c] = uint16(t)
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		outs[s] = append(append([]uint16(nil), nodes[s].out...), outs[fail[s]]...)
		for c := 0; c < a.nclass; c++ {
			if t, ok := nodes[s].child[uint8(c)]; ok {
				fail[t] = int(a.next[fail[s]*a.nclass+c])
				a.next[s*a.nclass+c] = uint16(t)
				queue = append(queue, t)
			} else {
				a.next[s*a.nclass+c] = a.next[fail[s]*a.nclass+c]
			}
		}
	}
	a.outStart = make([]uint32, n+1)
	for s := 0; s < n; s++ {
		a.outs = append(a.outs, outs[s]...)
		a.outStart[s+1] = uint32(len(a.outs))
	}
	return a, nil
}

// match is one match of a signature in a text.
type match struct {
	sig        uint16
	text       uint16 // 0: the normalized text; k: the k-th decoded text
	start, end int32
}

// partial is a partial match: where its last step ended and where its first began.
type partial struct{ end, start int32 }

// scanState is the scratch of one scan, reused between texts.
type scanState struct {
	hist     []partial // slots × historyPerStep, newest last within a slot
	count    []uint8   // entries per slot
	hit      []bool    // per signature
	perSig   []uint16  // matches per signature in the current text
	matches  []match
	lastStop []int32 // per position of the current text: the last sentence end before it
}

func (set *signatureSet) newScanState() *scanState {
	return &scanState{
		hist:   make([]partial, set.slots*historyPerStep),
		count:  make([]uint8, set.slots),
		hit:    make([]bool, len(set.sigs)),
		perSig: make([]uint16, len(set.sigs)),
	}
}

func (st *scanState) reset() {
	clear(st.hit)
	st.matches = st.matches[:0]
}

// scan finds the matches of every signature in the normalized text t
// (numbered textIdx) and adds them to st.
func (set *signatureSet) scan(st *scanState, t string, textIdx int) {
	clear(st.count)
	clear(st.perSig)
	if cap(st.lastStop) < len(t)+1 {
		st.lastStop = make([]int32, len(t)+1)
	}
	st.lastStop = st.lastStop[:len(t)+1]
	last := int32(-1)
	for i := 0; i < len(t); i++ {
		st.lastStop[i] = last
		if c := t[i]; c == '.' || c == '!' || c == '?' {
			last = int32(i)
		}
	}
	st.lastStop[len(t)] = last
	a := &set.ac
	nc := a.nclass
	start := int(a.class[wordStart])
	state := 0
	inWord := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		if w := wordBytes[c]; w != inWord {
			inWord = w
			if w {
				state = int(a.next[state*nc+start])
			}
		}
		state = int(a.next[state*nc+int(a.class[c])])
		lo, hi := a.outStart[state], a.outStart[state+1]
		for _, id := range a.outs[lo:hi] {
			set.occurrence(st, t, int(id), i+1, textIdx)
		}
	}
}

// occurrence extends the partial matches of the steps that phrase id,
// found ending at end, belongs to.
func (set *signatureSet) occurrence(st *scanState, t string, id, end, textIdx int) {
	if set.endBoundary[id] && end < len(t) && wordBytes[t[end]] {
		return
	}
	start := end - len(set.phrases[id].text) // word starts are checked by the automaton
	if set.phrases[id].prefix {
		for end < len(t) && wordBytes[t[end]] {
			end++ // the match goes on to the end of the word ("instruction*" in "instructions:")
		}
	}
	for i := range set.uses[id] {
		u := &set.uses[id][i]
		if st.perSig[u.sig] >= maxPerSignature {
			continue
		}
		slot := int(u.slot)
		chainStart := int32(start)
		if u.step > 0 {
			prev := slot - 1
			n := int(st.count[prev])
			if n == 0 {
				continue
			}
			h := st.hist[prev*historyPerStep : prev*historyPerStep+n]
			k := n - 1
			for k >= 0 && int(h[k].end) > start {
				k--
			}
			if k < 0 || !u.gap.ok(t, int(h[k].end), start, st.lastStop) {
				continue
			}
			chainStart = h[k].start
		}
		if u.last {
			sig := &set.sigs[u.sig]
			if len(sig.veto) > 0 && sig.vetoed(t, int(chainStart)) {
				continue
			}
			st.hit[u.sig] = true
			st.perSig[u.sig]++
			if n := len(st.matches); n > 0 && st.matches[n-1] == (match{u.sig, uint16(textIdx), chainStart, int32(end)}) {
				continue // the same match through another alternative
			}
			if len(st.matches) < maxMatches {
				st.matches = append(st.matches, match{sig: u.sig, text: uint16(textIdx), start: chainStart, end: int32(end)})
			}
			continue
		}
		st.push(slot, partial{end: int32(end), start: chainStart})
	}
}

// vetoed reports whether one of the signature's veto phrases ends just
// before start ("do not" before "violate the policy").
func (cs *compiledSignature) vetoed(t string, start int) bool {
	for _, v := range cs.veto {
		end := start
		if end > 0 && t[end-1] == ' ' {
			end--
		}
		b := end - len(v.text)
		if b >= 0 && t[b:end] == v.text && (b == 0 || !isWordByte(t[b-1]) || !isWordByte(v.text[0])) {
			return true
		}
	}
	return false
}

func (st *scanState) push(slot int, p partial) {
	h := st.hist[slot*historyPerStep : (slot+1)*historyPerStep]
	n := int(st.count[slot])
	if n > 0 && h[n-1].end == p.end {
		h[n-1].start = max(h[n-1].start, p.start) // the same end: keep the shorter span
		return
	}
	if n == historyPerStep {
		copy(h, h[1:])
		n--
	}
	h[n] = p
	st.count[slot] = uint8(n + 1)
}
