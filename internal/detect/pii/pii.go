// Package pii finds personal data (e-mail addresses, phone numbers, payment
// cards, IBANs, national identifiers, dates of birth, street addresses,
// names) in free text, so that the gateway can pseudonymize it before a
// prompt leaves for an LLM provider and restore it in the answer.
//
// Recognizers are a table (see recognizers.go): each has an id, the entity
// type it finds, a cheap prefilter, a base score, the context words that
// raise it, and a validator (Luhn, mod 97, Verhoeff, area rules, libphonenumber
// metadata…). Find is a pure function over a string: no I/O, RE2 patterns
// only, bounded work (MaxScan, MaxEntities), safe for concurrent use.
package pii

import (
	"slices"
	"sync"
)

// Entity types the recognizers find.
const (
	Email         = "EMAIL_ADDRESS"
	Phone         = "PHONE_NUMBER"
	CreditCard    = "CREDIT_CARD"
	IBAN          = "IBAN_CODE"
	USSSN         = "US_SSN"
	IPAddress     = "IP_ADDRESS"
	DateOfBirth   = "DATE_OF_BIRTH"
	Passport      = "PASSPORT"
	NationalID    = "NATIONAL_ID"
	StreetAddress = "STREET_ADDRESS"
	Person        = "PERSON"
)

// MaxScan is the number of leading bytes of a text that Find examines (a
// caller with longer texts scans them in overlapping windows); MaxEntities
// is the most entities Find returns.
const MaxScan, MaxEntities = 256 << 10, 2048

// minScore is the lowest score Find reports: weaker candidates are dropped.
const minScore = 0.5

// maxCandidates bounds the candidates kept before overlaps are resolved.
const maxCandidates = 4 * MaxEntities

// Entity is one piece of PII found in a text.
type Entity struct {
	Type       string  // one of the constants
	Start, End int     // byte offsets in the text, End exclusive
	Score      float64 // confidence 0..1
	Recognizer string  // id of the recognizer that found it
}

// Recognizers finds PII. Safe for concurrent use.
type Recognizers struct {
	list  []*recognizer
	types []string
	pool  sync.Pool // of *doc
}

// Default returns the built-in recognizers.
func Default() *Recognizers {
	r := &Recognizers{list: builtin()}
	for _, rc := range r.list {
		if !slices.Contains(r.types, rc.typ) {
			r.types = append(r.types, rc.typ)
		}
	}
	r.pool.New = func() any { return new(doc) }
	wordClasses()
	index()
	return r
}

// Find returns the entities of text, sorted by Start, not overlapping (the
// higher score wins an overlap), at most MaxEntities; only the first MaxScan
// bytes are examined.
func (r *Recognizers) Find(text string) []Entity {
	text = truncate(text, MaxScan)
	if len(text) == 0 {
		return nil
	}
	d := r.pool.Get().(*doc)
	defer func() {
		d.text = ""
		r.pool.Put(d)
	}()
	d.reset(text)
	for _, rc := range r.list {
		if d.over {
			break
		}
		if rc.need == nil || rc.need(d) {
			rc.find(d, rc)
		}
	}
	return d.resolve()
}

// Types returns the entity types it can find.
func (r *Recognizers) Types() []string {
	return slices.Clone(r.types)
}

// emit records a candidate if its score is high enough.
func (d *doc) emit(rc *recognizer, start, end int, score float64) {
	if score < minScore || start >= end || start < 0 || end > len(d.text) {
		return
	}
	if len(d.cands) >= maxCandidates {
		d.over = true
		return
	}
	d.cands = append(d.cands, Entity{Type: rc.typ, Start: start, End: end, Score: min(score, 1), Recognizer: rc.id})
}

// resolve keeps the best of overlapping candidates (higher score, then
// longer, then earlier) and returns them sorted by Start, at most
// MaxEntities. It reorders cands and uses d.occ, a bit per byte of the
// text, to test overlaps in time linear in the candidates' lengths.
func (d *doc) resolve() []Entity {
	cands := d.cands
	if len(cands) == 0 {
		return nil
	}
	slices.SortFunc(cands, func(a, b Entity) int {
		switch {
		case a.Score != b.Score:
			if a.Score > b.Score {
				return -1
			}
			return 1
		case a.End-a.Start != b.End-b.Start:
			return (b.End - b.Start) - (a.End - a.Start)
		}
		return a.Start - b.Start
	})
	words := (len(d.text) + 63) / 64
	if cap(d.occ) < words {
		d.occ = make([]uint64, words)
	}
	d.occ = d.occ[:words]
	clear(d.occ)
	out := make([]Entity, 0, min(len(cands), MaxEntities))
next:
	for _, c := range cands {
		for i := c.Start; i < c.End; i++ {
			if d.occ[i/64]&(1<<(i%64)) != 0 {
				continue next
			}
		}
		for i := c.Start; i < c.End; i++ {
			d.occ[i/64] |= 1 << (i % 64)
		}
		out = append(out, c)
		if len(out) == MaxEntities {
			break
		}
	}
	slices.SortFunc(out, func(a, b Entity) int { return a.Start - b.Start })
	return out
}
