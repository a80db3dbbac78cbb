package pii

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Phone numbers. libphonenumber (github.com/nyaruka/phonenumbers) knows
// every country's numbering plan but cannot find numbers in text, so the
// candidates are the digit runs of the text (with '+', parentheses,
// separators and extensions), and the library validates them:
//
//   - near a phone word ("call me at", "Tel:", "mobile", "fax"…): a
//     possible number (a length its country uses) → 0.85; otherwise a
//     phone-shaped one ("0494 92 82 32", numbers in the local format of a
//     country nobody named are common) → 0.6;
//   - without one, it must be valid (an assigned range of its country):
//     "+44 20 7946 0958" → 0.85, "(212) 555-0123" or "212.555.0123" in
//     the default region (US, or a country named nearby) → 0.7; a bare
//     run of digits ("2125550123") is not reported.
//
// Dates, times, prices and numbers led by an identifier word (order,
// invoice, tracking…) are not phone numbers.

var phoneWords = newCues(
	"phone", "telephone", "tel", "tél", "mobile", "mob", "cell", "cellphone", "cell phone", "fax", "landline", "hotline",
	"call", "calling", "called", "dial", "ring", "text", "texting", "sms", "message", "whatsapp", "signal", "telegram",
	"viber", "voicemail", "answer", "answering", "reach", "contact", "office", "desk", "home", "work", "direct",
	"phone number", "mobile number", "contact number", "cell number", "my number", "your number", "his number",
	"her number", "their number", "whatsapp number",
	"telefon", "telefono", "teléfono", "téléphone", "portable", "handy", "móvil", "cellulare",
)

// idWords lead numbers that are identifiers, amounts or versions.
var idWords = newCues(
	"order", "invoice", "ticket", "tracking", "isbn", "issn", "serial", "sku", "ref", "reference", "case",
	"confirmation", "booking", "reservation", "transaction", "account", "acct", "routing", "policy", "claim",
	"patient", "member", "employee", "customer", "id", "zip", "postcode", "postal", "version", "build", "price",
	"total", "amount", "balance", "usd", "eur", "gbp", "card", "ssn", "iban", "item", "part",
	"model", "batch", "lot", "pin", "otp", "code", "year", "years", "page", "pages", "step", "row", "line",
	"license", "licence", "passport", "permit", "registration", "vin", "plate",
)

// regionOf names countries, for the default region of numbers in
// national format; regionWords are its keys.
var (
	regionOf = map[string]string{
		"united kingdom": "GB", "uk": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "london": "GB",
		"germany": "DE", "deutschland": "DE", "france": "FR", "spain": "ES", "españa": "ES", "italy": "IT",
		"italia": "IT", "netherlands": "NL", "holland": "NL", "belgium": "BE", "switzerland": "CH",
		"austria": "AT", "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "ireland": "IE",
		"portugal": "PT", "poland": "PL", "czech": "CZ", "hungary": "HU", "greece": "GR", "iceland": "IS",
		"india": "IN", "australia": "AU", "new zealand": "NZ", "canada": "CA", "brazil": "BR", "brasil": "BR",
		"mexico": "MX", "méxico": "MX", "argentina": "AR", "japan": "JP", "china": "CN", "singapore": "SG",
		"south africa": "ZA", "israel": "IL", "turkey": "TR", "russia": "RU", "ukraine": "UA", "nigeria": "NG",
		"kenya": "KE", "philippines": "PH", "indonesia": "ID", "pakistan": "PK", "egypt": "EG",
	}
	regionWords = newCues(keys(regionOf)...)
)

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func findPhones(d *doc, rc *recognizer) {
	for ri := range d.runs {
		r := &d.runs[ri]
		if r.digits < 7 || r.digits > 15+len(d.groups[r.g0:r.g1]) {
			continue
		}
		if r.glued && !d.labelAfter(r) {
			continue
		}
		if r.digits <= 15 && d.phone(rc, r, r.start, r.ext, r.end, r.g0, r.g1-1) {
			continue
		}
		// A longer run may hold a number and its neighbour: try the
		// sub-ranges that start or end it.
		if r.g1-r.g0 > 6 {
			continue
		}
		for i, j := r.g0, r.g1-2; j >= i; j-- {
			if d.edgesOK(r, i, j) && d.phone(rc, r, r.start, d.groups[j].end, d.groups[j].end, i, j) {
				break
			}
		}
		for i, j := r.g0+1, r.g1-1; i <= j; i++ {
			if d.edgesOK(r, i, j) && d.phone(rc, r, d.groups[i].start, r.ext, r.end, i, j) {
				break
			}
		}
	}
}

// labelAfter reports whether a glued run is glued only by a phone label
// after a dash ("555 123 4567-Office") and not on its left.
func (d *doc) labelAfter(r *numRun) bool {
	t := d.text
	if r.end+1 >= len(t) || t[r.end] != '-' || !d.startsAfter(r.end+1, phoneWords, "") {
		return false
	}
	return !gluedLeft(t, r.start)
}

// phone validates text[s:end) (digits up to ext, groups gi..gj) and emits
// it when it is a phone number.
func (d *doc) phone(rc *recognizer, r *numRun, s, ext, end, gi, gj int) bool {
	n := d.groupDigits(gi, gj)
	if n < 7 || n > 15 || dateLike(d, gi, gj) {
		return false
	}
	plus := s == r.start && r.plus
	grouped := gj > gi || (s == r.start && r.paren)
	ctx := d.near(s, end, rc.before, rc.after, rc.context)
	if !ctx && (d.near(s, end, 24, 0, idWords) || currency(d.text, s)) {
		return false
	}
	if !ctx && !plus && !grouped {
		return false // a bare run of digits is an id until a word says otherwise
	}
	if !ctx && d.inCode(s, end) {
		return false
	}
	region := d.region(s, end)
	var buf [20]byte
	digits := buf[:0]
	for g := gi; g <= gj; g++ {
		digits = append(digits, d.text[d.groups[g].start:d.groups[g].end]...)
	}
	if !plus && region == "US" && !nanpShaped(digits) && !ctx {
		return false // cannot be valid for the default region: skip the library
	}
	// Near a phone word a possible number (right length for its country)
	// is enough; without one it must be valid (an assigned range), which
	// costs the library ten times more.
	possible, valid := checkNumber(digits, plus, region, strings.Contains(d.text[s:end], "(0)"), !ctx)
	var score float64
	switch {
	case ctx && possible:
		score = 0.85
	case ctx && phoneShaped(d, gi, gj, plus):
		score = 0.6
	case valid && plus:
		score = 0.85
	case valid && grouped:
		score = 0.7
	}
	if score < minScore {
		return false
	}
	d.emit(rc, s, end, score)
	return true
}

// nanpShaped reports whether the digits can be a North American number:
// ten digits, or eleven led by 1, with an area code and an exchange that
// start with 2–9.
func nanpShaped(b []byte) bool {
	if len(b) == 11 && b[0] == '1' {
		b = b[1:]
	}
	return len(b) == 10 && b[0] >= '2' && b[3] >= '2'
}

// checkNumber asks libphonenumber's metadata whether the digits are a
// possible and (when wantValid) a valid number: after '+' for the country
// code they start with, else for region, its national prefix removed.
// trunk says the text had "(0)" after the country code ("+44 (0)20 …").
// The number is built from the digits directly: the library's Parse costs
// more than everything else Find does, and the digits are already known.
func checkNumber(digits []byte, plus bool, region string, trunk, wantValid bool) (possible, valid bool) {
	if !plus {
		// A national number led by the international prefix is international.
		idd := "00"
		if phonenumbers.IsNANPACountry(region) {
			idd = "011"
		}
		if len(digits) > len(idd)+6 && string(digits[:len(idd)]) == idd {
			digits, plus = digits[len(idd):], true
		}
	}
	if plus {
		if len(digits) < 4 || digits[0] == '0' {
			return false, false
		}
		cc := 0
		var national []byte
		for l := 1; l <= 3; l++ {
			n := 0
			for _, c := range digits[:l] {
				n = n*10 + int(c-'0')
			}
			if phonenumbers.GetRegionCodeForCountryCode(n) != "ZZ" {
				cc, national = n, digits[l:]
				break
			}
		}
		if cc == 0 {
			return false, false
		}
		if trunk && len(national) > 1 && national[0] == '0' {
			national = national[1:]
		}
		if ndd := phonenumbers.GetNddPrefixForRegion(phonenumbers.GetRegionCodeForCountryCode(cc), true); ndd != "" && len(national) > len(ndd)+3 && string(national[:len(ndd)]) == ndd {
			if p, v := libCheck(cc, national[len(ndd):], wantValid); p {
				return p, v
			}
		}
		return libCheck(cc, national, wantValid)
	}
	cc := phonenumbers.GetCountryCodeForRegion(region)
	// Strip the national prefix when what remains is a possible number,
	// as the library's parser does.
	if ndd := phonenumbers.GetNddPrefixForRegion(region, true); ndd != "" && len(digits) > len(ndd)+3 && string(digits[:len(ndd)]) == ndd {
		if p, v := libCheck(cc, digits[len(ndd):], wantValid); p {
			return p, v
		}
	}
	return libCheck(cc, digits, wantValid)
}

// libCheck asks the library about country code cc and a national
// significant number, through a small cache.
func libCheck(cc int, national []byte, wantValid bool) (possible, valid bool) {
	if len(national) < 2 || len(national) > 17 {
		return false, false
	}
	key := numberKey{cc: int32(cc), wantValid: wantValid}
	copy(key.digits[:], national)
	key.n = uint8(len(national))
	if r, ok := numberCache.get(key); ok {
		return r.possible, r.valid
	}
	var nn uint64
	for _, c := range national {
		nn = nn*10 + uint64(c-'0')
	}
	cc32 := int32(cc)
	num := &phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}
	if national[0] == '0' {
		t := true
		num.ItalianLeadingZero = &t
		z := int32(1)
		for int(z) < len(national)-1 && national[z] == '0' {
			z++
		}
		if z > 1 {
			num.NumberOfLeadingZeros = &z
		}
	}
	possible = phonenumbers.IsPossibleNumber(num)
	valid = possible && wantValid && phonenumbers.IsValidNumber(num)
	numberCache.put(key, numberResult{possible, valid})
	return possible, valid
}

// numberKey identifies a number checked by checkNumber.
type numberKey struct {
	cc        int32
	n         uint8
	wantValid bool
	digits    [17]byte
}

type numberResult struct{ possible, valid bool }

// numberCache remembers recent answers of the library: chat apps resend
// the whole conversation with every turn, so the same numbers come back.
// It holds at most 4,096 entries and is emptied when full.
var numberCache = &resultCache{m: map[numberKey]numberResult{}}

type resultCache struct {
	mu sync.Mutex
	m  map[numberKey]numberResult
}

func (c *resultCache) get(k numberKey) (numberResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[k]
	return r, ok
}

func (c *resultCache) put(k numberKey, r numberResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= 4096 {
		clear(c.m)
	}
	c.m[k] = r
}

// phoneShaped reports whether groups gi..gj look like a phone number
// written by a person: 7–15 digits in at most six groups, none longer than
// 10 digits unless it is the only one.
func phoneShaped(d *doc, gi, gj int, plus bool) bool {
	if gj-gi > 5 {
		return false
	}
	for g := gi; g <= gj; g++ {
		if l := d.groups[g].end - d.groups[g].start; l > 10 && (gj > gi || !plus && l > 12) {
			return false
		}
	}
	return true
}

// dateLike reports whether groups gi..gj read as a calendar date (d/m/y,
// m/d/y, y-m-d) or hold one.
func dateLike(d *doc, gi, gj int) bool {
	val := func(g int) (int, int) {
		n := 0
		for _, c := range d.text[d.groups[g].start:d.groups[g].end] {
			n = n*10 + int(c-'0')
		}
		return n, d.groups[g].end - d.groups[g].start
	}
	for g := gi; g+2 <= gj; g++ {
		sep := d.gap(g)
		if sep != "/" && sep != "-" && sep != "." || d.gap(g+1) != sep {
			continue
		}
		a, la := val(g)
		b, lb := val(g + 1)
		c, lc := val(g + 2)
		year := func(y, l int) bool { return l == 2 || (l == 4 && y >= 1900 && y <= 2099) }
		dm := func(x, y int) bool { return x >= 1 && x <= 31 && y >= 1 && y <= 12 }
		switch {
		case la <= 2 && lb <= 2 && year(c, lc) && (dm(a, b) || dm(b, a)):
			return true
		case la == 4 && lb <= 2 && lc <= 2 && year(a, la) && dm(c, b):
			return true
		}
	}
	return false
}

// currency reports whether a currency sign stands right before s.
func currency(t string, s int) bool {
	p := strings.TrimRight(t[max(0, s-4):s], " ")
	return strings.HasSuffix(p, "$") || strings.HasSuffix(p, "€") || strings.HasSuffix(p, "£") || strings.HasSuffix(p, "¥")
}

// region returns the default region for a national-format number: the
// country named closest before it (within 64 bytes) or after it (within
// 24), else "US".
func (d *doc) region(s, e int) string {
	best, dist := "US", 1<<30
	if !d.has(regionWords) {
		return best
	}
	lo, hi := max(0, s-64), min(len(d.lower), e+24)
	for k := d.firstHit(lo); k < len(d.hits) && int(d.hits[k].start) < hi; k++ {
		h := d.hits[k]
		r, ok := regionOf[h.phrase()]
		if !ok {
			continue
		}
		dd := s - int(h.end)
		if int(h.start) >= e {
			dd = int(h.start) - e
		}
		if dd >= 0 && dd < dist {
			best, dist = r, dd
		}
	}
	return best
}
