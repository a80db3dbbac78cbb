package detect

// keywordSet finds which of a fixed set of lower-case keywords occur in a
// text, in one pass over it (an Aho-Corasick automaton with a full
// transition table), so that the detectors' keyword prefilters cost one
// scan of a prompt instead of one substring search per keyword.
type keywordSet struct {
	next  [][256]uint16 // state × byte → state
	out   [][]uint16    // keywords that end at a state (its suffix links included)
	words int
}

// newKeywordSet builds the automaton of words (not empty, at most 65535
// states in all).
func newKeywordSet(words []string) *keywordSet {
	k := &keywordSet{next: make([][256]uint16, 1), out: make([][]uint16, 1), words: len(words)}
	const none = 0xFFFF
	for b := range k.next[0] {
		k.next[0][b] = none
	}
	// The trie.
	for id, w := range words {
		s := uint16(0)
		for i := 0; i < len(w); i++ {
			c := w[i]
			if k.next[s][c] == none {
				var row [256]uint16
				for b := range row {
					row[b] = none
				}
				k.next = append(k.next, row)
				k.out = append(k.out, nil)
				k.next[s][c] = uint16(len(k.next) - 1)
			}
			s = k.next[s][c]
		}
		k.out[s] = append(k.out[s], uint16(id))
	}
	// Suffix links, breadth first, turned into a full transition table.
	fail := make([]uint16, len(k.next))
	queue := make([]uint16, 0, len(k.next))
	for b := range 256 {
		if t := k.next[0][b]; t == none {
			k.next[0][b] = 0
		} else {
			fail[t] = 0
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		k.out[s] = append(k.out[s], k.out[fail[s]]...)
		for b := range 256 {
			t := k.next[s][b]
			if t == none {
				k.next[s][b] = k.next[fail[s]][b]
				continue
			}
			fail[t] = k.next[fail[s]][b]
			queue = append(queue, t)
		}
	}
	return k
}

// scan marks found[id] for every keyword that occurs in s.
func (k *keywordSet) scan(s string, found []bool) {
	st := uint16(0)
	for i := 0; i < len(s); i++ {
		st = k.next[st][s[i]]
		for _, id := range k.out[st] {
			found[id] = true
		}
	}
}
