package pii

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Word classes: every word list of the address and name recognizers is a
// bit, and one map from a lower-case word to its bits is looked up once per
// word token, when the text is tokenized.

// Class bits of word.class.
const (
	cStreetType uint32 = 1 << iota
	cWeakStreet
	cStreetPrefix
	cUnit
	cConnector
	cCompass
	cBoxLeader
	cShip
	cMilitary
	cBox
	cPlacePrefix
	cStop
	cNotName
	cTitle
	cParticle
	cGiven
	cSurname
	cAmbiguous
	cRole
	cStreetEnding // ends like a one-word street name ("…strasse")
	cSurnameShape // ends like a surname ("…sson", "…ová")
)

// wordClasses is built on first use, so that a binary importing the
// package pays for it only when it finds PII.
var wordClasses = sync.OnceValue(func() map[string]uint32 {
	m := map[string]uint32{}
	add := func(bit uint32, set map[string]bool) {
		for w := range set {
			m[w] |= bit
		}
	}
	add(cStreetType, streetTypes)
	add(cWeakStreet, weakStreetTypes)
	add(cStreetPrefix, streetPrefixes)
	add(cUnit, unitWords)
	add(cConnector, connectors)
	add(cCompass, compass)
	add(cBoxLeader, boxLeaders)
	add(cShip, shipPrefixes)
	add(cMilitary, militaryPO)
	add(cBox, boxWord)
	add(cPlacePrefix, placePrefixes)
	add(cStop, stopWords)
	add(cNotName, notNames)
	add(cTitle, titles)
	add(cParticle, particles)
	add(cGiven, wordSet(givenNamesEnglish, givenNamesOther, givenNamesMore))
	add(cSurname, wordSet(surnames))
	add(cAmbiguous, wordSet(ambiguousNames))
	add(cRole, roles)
	return m
})

// suffixIndex groups endings by their last two bytes.
type suffixIndex map[string][]suffix

type suffix struct {
	end string
	min int // shortest word (in runes) it applies to
}

func newSuffixIndex(s []suffix) suffixIndex {
	x := suffixIndex{}
	for _, e := range s {
		k := e.end[len(e.end)-2:]
		x[k] = append(x[k], e)
	}
	return x
}

// match reports whether the lower-case word w (of n runes) has one of the
// endings.
func (x suffixIndex) match(w []byte, n int) bool {
	if len(w) < 2 {
		return false
	}
	for _, e := range x[string(w[len(w)-2:])] {
		if n >= e.min && strings.HasSuffix(string(w), e.end) {
			return true
		}
	}
	return false
}

var (
	streetEndingIndex = func() suffixIndex {
		var s []suffix
		for _, e := range streetEndings {
			s = append(s, suffix{e, utf8.RuneCountInString(e) + 3})
		}
		return newSuffixIndex(s)
	}()
	surnameEndingIndex = newSuffixIndex(surnameEndings)
)

// classify returns the class bits of a letters word. buf is scratch space
// for lower-casing words that are not ASCII.
func (d *doc) classify(w word, end int) uint32 {
	key := d.lower[w.start:end]
	for _, c := range key {
		if c >= utf8.RuneSelf {
			d.scratch = appendLower(d.scratch[:0], d.text[w.start:end])
			key = d.scratch
			break
		}
	}
	c := wordClasses()[string(key)]
	if w.cap && w.letters >= 4 {
		if streetEndingIndex.match(key, w.letters) {
			c |= cStreetEnding
		}
		if surnameEndingIndex.match(key, w.letters) {
			c |= cSurnameShape
		}
	}
	return c
}

// appendLower appends s lower-cased (Unicode) to buf.
func appendLower(buf []byte, s string) []byte {
	for _, r := range s {
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
	}
	return buf
}
