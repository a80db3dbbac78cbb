package detect

import (
	"strings"
	"testing"
)

func TestKeywordSetFindsWhatContainsFinds(t *testing.T) {
	words := []string{"key", "api_key", "secret", "sk-", "token", "he", "she", "hers", "his", "openai", "a"}
	k := newKeywordSet(words)
	for _, text := range []string{"", "ushers", "my api_key is sk-123", "no match here!", "secretokenopenai", "aaaa", "h\xffe"} {
		found := make([]bool, len(words))
		k.scan(text, found)
		for i, w := range words {
			if want := strings.Contains(text, w); found[i] != want {
				t.Errorf("%q in %q: found %v, want %v", w, text, found[i], want)
			}
		}
	}
}

func FuzzKeywordSet(f *testing.F) {
	f.Add("api_key=sk-abc token", "key")
	f.Add("ushers", "hers")
	f.Fuzz(func(t *testing.T, text, word string) {
		if word == "" || len(word) > 64 {
			return
		}
		words := []string{word, "key", "secret", word + "x"}
		k := newKeywordSet(words)
		found := make([]bool, len(words))
		k.scan(text, found)
		for i, w := range words {
			if want := strings.Contains(text, w); found[i] != want {
				t.Fatalf("%q in %q: found %v, want %v", w, text, found[i], want)
			}
		}
	})
}
