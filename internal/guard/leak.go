package guard

import (
	"crypto/sha256"
	"hash/fnv"
	"strings"
	"sync"
	"unicode"
)

// The system prompt leaks verbatim when an answer repeats a run of its
// words: shingleWords consecutive words make a shingle, and leakShingles
// shingles of the system prompt in one answer (overlapping: a run of
// shingleWords+leakShingles-1 words, or a few shorter runs) are a leak.
// Only system prompts of at least minSystemWords words are watched, so
// that a short, generic system prompt ("You are a helpful assistant.")
// repeated in an answer is not one.
const (
	shingleWords   = 5
	leakShingles   = 4
	minSystemWords = 16
	maxShingles    = 20000
)

// shingles is the set of word shingles of a system prompt.
type shingles struct {
	set map[uint64]struct{}
}

// newShingles makes the shingles of a system prompt, none when it has
// fewer than minSystemWords words.
func newShingles(text string) shingles {
	words := wordsOf(text)
	if len(words) < minSystemWords {
		return shingles{}
	}
	sh := shingles{set: map[uint64]struct{}{}}
	for i := 0; i+shingleWords <= len(words) && len(sh.set) < maxShingles; i++ {
		sh.set[shingleHash(words[i:i+shingleWords])] = struct{}{}
	}
	return sh
}

func shingleHash(words []string) uint64 {
	h := fnv.New64a()
	for _, w := range words {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// wordsOf splits text into lower-case words of letters and digits.
func wordsOf(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// verbatim feeds released text to the leak watch and reports whether the
// answer has now repeated enough of the system prompt. It reports a leak
// once.
func (st *Stream) verbatim(text string) bool {
	sys := &st.s.system
	if len(sys.set) == 0 || st.leaked {
		return false
	}
	for _, w := range wordsOf(text) {
		st.words = append(st.words, w)
		if len(st.words) > shingleWords {
			st.words = st.words[1:]
		}
		if len(st.words) == shingleWords {
			if _, ok := sys.set[shingleHash(st.words)]; ok {
				st.hits++
			}
		}
	}
	if st.hits >= leakShingles {
		st.leaked = true
		return true
	}
	return false
}

// shingleCache keeps the shingles of the system prompts seen last, by
// digest; shingles are read-only once made, so sessions share them.
type shingleCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]shingles
}

// maxCachedPrompts bounds the cache; past it, it starts over.
const maxCachedPrompts = 256

func (c *shingleCache) get(text string) shingles {
	if text == "" {
		return shingles{}
	}
	key := sha256.Sum256([]byte(text))
	c.mu.Lock()
	sh, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return sh
	}
	sh = newShingles(text)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedPrompts {
		c.m = map[[sha256.Size]byte]shingles{}
	}
	c.m[key] = sh
	c.mu.Unlock()
	return sh
}
