package pii

import (
	"bytes"
	"sync"
)

// Context words ("cues") are matched in one pass over the word starts of
// the text: every list of cue phrases registers with newCues, and a single
// index maps the first word of each phrase to the phrases it starts. The
// hits, in text order, serve the prefilters (does the text mention a
// passport at all?), the context windows of the recognizers, and the
// finders that start from a cue ("born on …", "Address: …").

// cueList is a list of lower-case phrases with an id (a bit of doc.mask).
type cueList struct {
	id    int
	words []string
}

var cueRegistry []*cueList

// newCues registers a list of phrases. It is called from package variable
// initializers only, before the first Default.
func newCues(words ...string) *cueList {
	if len(cueRegistry) == 64 {
		panic("pii: more than 64 cue lists")
	}
	l := &cueList{id: len(cueRegistry), words: words}
	cueRegistry = append(cueRegistry, l)
	return l
}

// cueEntry is one phrase of one list.
type cueEntry struct {
	phrase string
	list   uint8
}

// cueIndex finds the phrases of all lists.
type cueIndex struct {
	first   map[string][]int // first word → indexes into entries
	entries []cueEntry
	pairs   [1 << 16 / 64]uint64 // bit set of the first two bytes of the phrases
}

var index = sync.OnceValue(func() *cueIndex {
	x := &cueIndex{first: map[string][]int{}}
	for _, l := range cueRegistry {
		for _, w := range l.words {
			k := firstWord([]byte(w))
			x.first[string(k)] = append(x.first[string(k)], len(x.entries))
			x.entries = append(x.entries, cueEntry{phrase: w, list: uint8(l.id)})
			p := pairKey(w, 0)
			x.pairs[p/64] |= 1 << (p % 64)
		}
	}
	return x
})

// firstWord returns the leading word bytes of b (at least one byte).
func firstWord(b []byte) []byte {
	j := 0
	for j < len(b) && isWordByte(b[j]) {
		j++
	}
	return b[:max(j, 1)]
}

func pairKey[T string | []byte](s T, i int) int {
	c0, c1 := int(s[i]), 0
	if i+1 < len(s) && isWordByte(s[i+1]) {
		c1 = int(s[i+1])
	}
	return c0<<8 | c1
}

// hit is one occurrence of a cue phrase.
type hit struct {
	start, end int32
	entry      int32
}

// maxHits bounds the cue hits kept per text.
const maxHits = 8192

// findCues fills d.hits and d.mask.
func (d *doc) findCues() {
	x := index()
	l := d.lower
	for i := 0; i < len(l) && len(d.hits) < maxHits; i++ {
		c := l[i]
		if !isWordByte(c) && c != '\'' || (i > 0 && isWordByte(l[i-1])) {
			continue
		}
		p := pairKey(l, i)
		if x.pairs[p/64]&(1<<(p%64)) == 0 {
			continue
		}
		for _, ei := range x.first[string(firstWord(l[i:]))] {
			e := x.entries[ei]
			if !bytes.HasPrefix(l[i:], []byte(e.phrase)) {
				continue
			}
			q := i + len(e.phrase)
			last := e.phrase[len(e.phrase)-1]
			if q < len(l) && isWordByte(last) && isWordByte(l[q]) && !(l[q] == 's' && (q+1 == len(l) || !isWordByte(l[q+1]))) {
				continue
			}
			d.hits = append(d.hits, hit{start: int32(i), end: int32(q), entry: int32(ei)})
			d.mask |= 1 << e.list
		}
	}
}

// has reports whether a phrase of the list occurs in the text.
func (d *doc) has(l *cueList) bool { return d.mask&(1<<l.id) != 0 }

// hitsOf calls f for each hit of the list, in text order, until f
// returns false.
func (d *doc) hitsOf(l *cueList, f func(h hit) bool) {
	if !d.has(l) {
		return
	}
	x := index()
	for _, h := range d.hits {
		if int(x.entries[h.entry].list) == l.id && !f(h) {
			return
		}
	}
}

// firstHit returns the index of the first hit starting at or after off.
func (d *doc) firstHit(off int) int {
	lo, hi := 0, len(d.hits)
	for lo < hi {
		m := (lo + hi) / 2
		if int(d.hits[m].start) < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// near reports whether a phrase of the list lies within before bytes ahead
// of [start,end) or after bytes behind it.
func (d *doc) near(start, end, before, after int, l *cueList) bool {
	if l == nil || !d.has(l) {
		return false
	}
	x := index()
	lo, hi := max(0, start-before), min(len(d.lower), end+after)
	for k := d.firstHit(lo); k < len(d.hits) && int(d.hits[k].start) < hi; k++ {
		h := d.hits[k]
		if int(x.entries[h.entry].list) != l.id {
			continue
		}
		if int(h.end) <= start || int(h.start) >= end {
			return true
		}
	}
	return false
}

// endsBefore returns the hit of the list that ends right before pos, with
// only the bytes of gap between them, or false.
func (d *doc) endsBefore(pos int, l *cueList, gap string) (hit, bool) {
	if !d.has(l) {
		return hit{}, false
	}
	x := index()
	for k := d.firstHit(max(0, pos-40)); k < len(d.hits) && int(d.hits[k].start) < pos; k++ {
		h := d.hits[k]
		if int(x.entries[h.entry].list) != l.id || int(h.end) > pos {
			continue
		}
		if len(bytes.Trim(d.lower[h.end:pos], gap)) == 0 {
			return h, true
		}
	}
	return hit{}, false
}

// startsAfter reports whether a hit of the list starts right after pos,
// with only the bytes of gap between.
func (d *doc) startsAfter(pos int, l *cueList, gap string) bool {
	if !d.has(l) {
		return false
	}
	x := index()
	for k := d.firstHit(pos); k < len(d.hits) && int(d.hits[k].start) <= pos+len(gap)+2; k++ {
		h := d.hits[k]
		if int(x.entries[h.entry].list) == l.id && len(bytes.Trim(d.lower[pos:h.start], gap)) == 0 {
			return true
		}
	}
	return false
}

// phrase returns the phrase of a hit.
func (h hit) phrase() string { return index().entries[h.entry].phrase }
