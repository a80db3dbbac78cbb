package pii

import "bytes"

// Street addresses. A street is recognized by its shape and a word that
// names a street type, in the orders the world writes them:
//
//	A  number, name, type word         "3744 Retreat Avenue", "18 McPherson Rd"
//	B  [number] type word, name, [number]  "31 Rue Ibn Khaldoun", "Via Franscini 71", "ul. Słowicza 10"
//	C  [number] compound name, number  "Koskikatu 25", "1072 Pohlstrasse 9", "Mellemvej 32"
//	D  name, separate type word, number "Passauer Strasse 33", "Trenerys gate 232"
//	M  military and post boxes         "PSC 5217, Box 4854 APO AP 43617", "P.O. Box 186"
//	E  near an address word only ("lives at", "address:", "moved to"…):
//	   [number] capitalized words number, or number capitalized words
//
// A street found, the address grows backwards over a building number and a
// unit on the same line, and forwards over a number, units ("Apt. 864",
// "Suite 568") and up to four lines or comma-separated parts that read as
// a locality (capitalized words, state codes, postal codes, a country),
// stopping at the first part that does not.

var addressWords = newCues(
	"address", "addresses", "addr", "lives at", "live at", "living at", "lived at", "live in", "lived in", "lives in",
	"located at", "located in", "moved to", "move to", "moving to", "send", "sent", "ship", "shipping", "deliver",
	"delivery", "mail", "return to", "meet me at", "office is at", "reside", "resides", "residence", "home", "billing",
	"corner of", "arrived at", "visit", "stay at", "staying at", "headquarters", "hq", "adresse", "dirección",
	"direccion", "indirizzo", "anschrift", "wohnhaft", "endereço", "endereco", "straße", "street",
)

// sentenceWords begin a sentence, not a place: a locality stops at them
// ("444 29th St. The front…").
var sentenceWords = setOf("the", "this", "that", "these", "those", "it", "its", "we", "i", "you", "he", "she", "they",
	"there", "here", "please", "thanks", "then", "and", "but", "so", "if", "when", "what", "how", "why", "is", "are",
	"was", "were", "my", "our", "your", "his", "her", "their", "also", "call", "email", "phone", "tel", "fax")

// cueWords lead an address written without a street-type word.
var cueWords = newCues("address", "addresses", "addr", "lives at", "live at", "living at", "lived at", "live in", "lived in",
	"lives in", "living in", "located at", "located on", "situated at", "moved to", "move to", "moving to", "moved into",
	"send", "sent", "ship", "ship to", "deliver", "deliver to", "return to", "meet me at", "pick me up at", "pick up at",
	"drop off at", "office is at", "office at", "find us at", "visit us at", "arrived at", "corner of", "reside", "resides",
	"reside at", "destination", "directions to", "navigate to", "adresse", "anschrift", "indirizzo", "dirección",
	"direccion", "endereço", "endereco", "domicile", "wohnhaft", "wohne in")

// labelCues, followed by ':' or "is", introduce an address on their own:
// what follows, up to a blank line or the end of the sentence, is taken
// when it holds a number and a capitalized word.
var labelCues = newCues("address", "addr", "home address", "mailing address", "postal address", "billing address",
	"shipping address", "delivery address", "street address", "adresse", "anschrift", "indirizzo", "dirección", "endereço")

// Street-type words written as a separate word after the name. Weak ones
// are also common nouns ("Top 10 Best Place"): they need an address word
// nearby or a unit or locality after them.
var (
	streetTypes = setOf("street", "st", "str", "road", "rd", "avenue", "ave", "av", "boulevard", "blvd", "lane", "ln",
		"drive", "dr", "court", "ct", "terrace", "ter", "crescent", "cres", "parkway", "pkwy", "highway", "hwy",
		"alley", "aly", "gardens", "gdns", "mews", "plaza", "plz", "expressway", "expy", "freeway", "fwy", "turnpike",
		"tpke", "esplanade", "streets", "causeway", "cswy", "boul", "avenida", "stravenue", "throughway", "motorway",
		"strasse", "straße", "gasse", "weg", "allee", "platz", "gate", "gata", "gatan", "vej", "vei", "veien", "vegur",
		"straat", "laan", "gürtel", "damm", "ufer", "chaussee", "steig", "stig", "gade", "utca", "iela", "tänav", "katu",
		"terrasse", "plass", "allé", "stien", "út", "tér", "körút", "köz", "sor", "u", "rkp", "rakpart", "sétány",
		"náměstí", "nám", "ulice", "třída", "nábřeží", "námestie", "trg", "ulitsa", "prospekt", "jalan")
	// From the USPS list of street suffixes, those that are also common
	// nouns.
	weakStreetTypes = setOf("way", "ways", "place", "pl", "close", "rise", "view", "views", "vw", "green", "grn", "row",
		"walk", "hill", "hills", "hl", "park", "parks", "point", "points", "pt", "ridge", "rdg", "square", "sq", "circle",
		"cir", "loop", "trail", "trl", "path", "grove", "grv", "bridge", "brg", "route", "rte", "heights", "hts", "vale",
		"common", "commons", "crossing", "xing", "junction", "jct", "wharf", "quay", "parade", "pike", "run", "pass",
		"radial", "radl", "club", "cove", "cv", "landing", "meadow", "meadows", "estate", "estates", "village", "vlg",
		"center", "centre", "ctr", "summit", "smt", "creek", "crk", "spring", "springs", "lake", "lakes", "glen", "knoll",
		"hollow", "fork", "forks", "forest", "isle", "island", "harbor", "harbour", "port", "bay", "beach", "shore",
		"shores", "station", "mill", "mills", "manor", "field", "fields", "dale", "brook", "brooks", "chase", "bend",
		"gateway", "haven", "crest", "trace", "track", "valley", "vly", "vista", "via", "viaduct", "union", "unions",
		"orchard", "oval", "mall", "mount", "mountain", "mtn", "ranch", "river", "spur", "stream", "terr", "lodge",
		"bluff", "canyon", "cape", "cliff", "cliffs", "corner", "corners", "course", "curve", "divide", "extension",
		"ext", "falls", "ferry", "flat", "flats", "ford", "forge", "fort", "ft", "inlet", "key", "keys", "light",
		"lights", "lock", "locks", "mission", "neck", "overpass", "passage", "pine", "pines", "plain", "plains",
		"prairie", "ramp", "rapids", "rest", "shoal", "skyway", "tunnel", "underpass", "ville", "wall", "well", "wells")
	// Street-type words written before the name.
	streetPrefixes = setOf("rue", "rua", "rúa", "via", "av", "jalan", "jl", "viale", "corso", "piazza", "piazzale", "largo", "vicolo", "strada",
		"calle", "avenida", "avda", "avinguda", "boulevard", "bd", "bld", "chemin", "allée", "impasse", "quai", "cours",
		"carrer", "camino", "paseo", "plaza", "praça", "praca", "travessa", "estrada", "rodovia", "alameda", "ul", "ulica",
		"aleja", "al", "ulitsa", "prospekt", "bulevardul", "calea", "rambla", "ronda", "carretera", "avenue", "route",
		"place", "piazzetta", "contrada", "lungomare", "stradella", "passeig", "travesía", "plac", "osiedle")
	// Endings of one-word street names ("Pohlstrasse", "Koskikatu").
	streetEndings = []string{"strasse", "straße", "str", "gasse", "weg", "allee", "platz", "damm", "ufer", "graben",
		"steig", "pfad", "markt", "chaussee", "gürtel", "vej", "vejen", "gade", "gaden", "vegur", "gata", "gatan",
		"vägen", "väg", "veien", "vei", "vegen", "gate", "stien", "stig", "stígur", "braut", "torget", "torg", "plads",
		"stræde", "gränd", "backe", "bakken", "kuja", "katu", "tie", "polku", "kaari", "raitti", "laan", "straat", "steeg",
		"gracht", "plein", "dreef", "kade", "singel", "utca", "ulica", "cesta", "iela", "tänav", "gatvė", "street", "road",
		"vænget", "værket"}
	// Unit designators.
	unitWords = setOf("apt", "apartment", "suite", "ste", "unit", "flat", "floor", "fl", "room", "rm", "bldg", "plot",
		"block", "door", "shop", "stall",
		"building", "box", "appt", "app", "wohnung", "piso", "étage", "etage", "lgh", "dept", "department")
	// Words inside street names that are not capitalized.
	connectors = setOf("de", "da", "do", "das", "dos", "del", "della", "delle", "dei", "di", "la", "le", "les", "los",
		"las", "el", "al", "des", "du", "van", "von", "der", "den", "het", "am", "an", "im", "auf", "zum", "zur", "y",
		"e", "i", "on", "upon", "of", "the", "st", "ste", "san", "santa", "são", "sao", "z", "ze", "na", "nad", "pod",
		"w", "ve", "v", "u", "pri", "pe", "sur", "sous", "lès", "les", "aan", "op", "bij", "ter", "ten", "te")
	// Compass points after a street type.
	compass = setOf("n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west")
	// Leaders of military and post office addresses.
	boxLeaders = setOf("psc", "unit", "cmr")
	// Prefixes of US Navy and Coast Guard ships, addressed through FPO.
	shipPrefixes = setOf("uss", "usns", "usnv", "uscgc")
	militaryPO   = setOf("apo", "fpo", "dpo")
	boxWord      = setOf("box")
	// Words that begin a place name and are also street types ("St Omers Road").
	placePrefixes = setOf("st", "ste", "saint", "san", "santa", "mount", "mt", "fort", "ft", "port", "lake", "glen")
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// addrScan holds the tokens while finding addresses.
type addrScan struct {
	d *doc
	w []word
}

func (a *addrScan) isNum(i int) bool {
	return i < len(a.w) && a.w[i].kind == wNumber && !a.w[i].ordinal && a.w[i].end-a.w[i].start <= 6
}

func (a *addrScan) isWord(i int) bool { return i < len(a.w) && a.w[i].kind == wLetters }

// skipDot returns i+1 when token i is a '.' right after an abbreviation.
func (a *addrScan) skipDot(i int) int {
	if i < len(a.w) && a.w[i].kind == wPunct && a.d.text[a.w[i].start] == '.' && i > 0 && a.w[i-1].end == a.w[i].start {
		return i + 1
	}
	return i
}

// name reports whether token i can be part of a street or place name.
func (a *addrScan) name(i int) bool {
	if i < len(a.w) && a.w[i].ordinal {
		return true // "5th Avenue"
	}
	if !a.isWord(i) {
		return false
	}
	w := a.w[i]
	if a.d.cls(i)&cConnector != 0 {
		return true
	}
	return w.cap && !(a.d.lowerText() && a.stop(i))
}

// in reports whether token i is a word of the class.
func (a *addrScan) in(i int, class uint32) bool {
	return a.isWord(i) && a.d.cls(i)&class != 0
}

// ending reports whether token i is a one-word street name.
func (a *addrScan) ending(i int) bool { return a.in(i, cStreetEnding) && a.w[i].cap }

// houseNumber reports whether token i is a plausible house number (not a
// year, when strict).
func (a *addrScan) houseNumber(i int, strict bool) bool {
	if !a.isNum(i) {
		return false
	}
	w := a.w[i]
	if strict && w.end-w.start == 4 {
		y := a.d.text[w.start:w.end]
		if y >= "1900" && y <= "2099" {
			return false
		}
	}
	return true
}

// street returns the tokens [s,e) of a street starting at token i, and
// whether it is strong (a type word that is not also a common noun).
func (a *addrScan) street(i int) (s, e int, strong, ok bool) {
	// M: PSC 1234, Box 5678 / Unit 1234 Box 5678 / P.O. Box 12.
	if a.in(i, cBoxLeader) && a.isNum(i+1) {
		j := i + 2
		if j < len(a.w) && a.w[j].kind == wPunct && a.d.text[a.w[j].start] == ',' {
			j++
		}
		if a.in(j, cBox) && a.isNum(j+1) {
			return i, j + 2, true, true
		}
	}
	if e := a.poBox(i); e > 0 {
		return i, e, true, true
	}
	if a.in(i, cShip) && a.w[i].upper && a.isWord(i+1) && a.w[i+1].cap {
		k := i + 1
		for k < i+4 && a.isWord(k) && a.w[k].cap {
			k++
		}
		if e := a.military(k); e > 0 {
			return i, e, true, true
		}
	}
	if e := a.military(i); e > 0 {
		return i, e, true, true
	}
	// S1: [number] Name(s) number, then a unit ("7878 Rahu 37 Apt. 405").
	// S2: Name(s) number, postal code and place ("Damrak 1, 1012 LG Amsterdam").
	{
		j := i
		if a.houseNumber(j, true) {
			j++
		}
		k, names := j, 0
		for names < 3 && a.isWord(k) && a.w[k].cap && !a.stop(k) && !a.in(k, cUnit) && !a.in(k, cShip) {
			k++
			names++
		}
		if names > 0 && a.houseNumber(k, true) {
			if a.unit(k+1) > k+1 {
				return i, k + 1, true, true
			}
			if a.punct(k+1, ',') && a.isNum(k+2) && a.w[k+2].end-a.w[k+2].start >= 4 && (a.isWord(k+3) && a.w[k+3].cap) {
				return i, k + 1, true, true
			}
			// S3: "87 Jakobi 69, Laane": led by a number, a place after a comma.
			if j > i && a.punct(k+1, ',') && a.isWord(k+2) && a.w[k+2].cap && !a.stop(k+2) {
				return i, k + 1, false, true
			}
		}
	}
	// A and B start with a number.
	j := i
	if a.houseNumber(i, true) {
		j = i + 1
		if a.isNum(j) { // "99449 18 McPherson Road": building and street numbers
			j++
		}
	}
	// B: type word first.
	if j > i && a.punct(j, ',') { // "12, rue de la Paix"
		j++
	}
	if a.in(j, cStreetPrefix) && a.isWord(a.skipDot(j+1)) && (a.w[j].cap || j > i || a.w[j].dot) {
		k := a.skipDot(j + 1)
		names, caps, lastGood := 0, 0, -1
		for names < 6 && a.isWord(k) && !a.in(k, cUnit) && !a.stop(k) || (names < 6 && a.in(k, cConnector)) {
			if a.w[k].cap && !a.in(k, cConnector) {
				caps++
				lastGood = k
			}
			k = a.skipDot(k + 1)
			names++
		}
		n := k
		if a.punct(n, ',') && a.houseNumber(n+1, false) { // "Rua Augusta, 1500"
			n++
		}
		switch {
		case names > 0 && a.houseNumber(n, false) && (caps > 0 || j > i):
			return i, n + 1, true, true
		case caps > 0 && j > i:
			return i, a.skipDot(lastGood + 1), true, true
		}
	}
	// A: number, names, type word.
	if j > i {
		k, names := j, 0
		if a.punct(k, ',') && a.isWord(k+1) && a.w[k+1].cap { // "12, High Street"
			k++
		}
		for names < 3 && a.name(k) && !a.in(k, cStreetType) && !a.in(k, cWeakStreet) ||
			(names < 4 && a.isWord(k) && len(a.d.lw(a.w[k])) == 1 && a.w[k].cap) ||
			(names == 0 && a.in(k, cPlacePrefix) && a.w[k].cap && a.isWord(a.skipDot(k+1)) && a.w[a.skipDot(k+1)].cap) {
			k = a.skipDot(k + 1)
			names++
		}
		if names > 0 && (a.in(k, cStreetType) || a.in(k, cWeakStreet) && a.w[k].cap) {
			strong := a.in(k, cStreetType)
			k = a.skipDot(k + 1)
			if a.in(k, cCompass) && a.w[k].cap {
				k = a.skipDot(k + 1)
			}
			return i, k, strong, true
		}
		if names == 0 && a.ending(j) { // C led by a number: "1072 Pohlstrasse 9"
			k := a.skipDot(j + 1)
			if a.houseNumber(k, false) {
				k++
			}
			return i, k, true, true
		}
	}
	// C: "Koskikatu 25".
	if a.ending(i) {
		k := a.skipDot(i + 1)
		if a.houseNumber(k, true) {
			return i, k + 1, true, true
		}
	}
	// D: "Passauer Strasse 33", "Trenerys gate 232", with an optional
	// leading number.
	k, names := j, 0
	for names < 3 && a.isWord(k) && a.w[k].cap && !a.in(k, cStreetType) {
		k++
		names++
	}
	if names > 0 && a.in(k, cStreetType) && a.houseNumber(a.skipDot(k+1), true) {
		return i, a.skipDot(k+1) + 1, true, true
	}
	return 0, 0, false, false
}

// military returns the end of "APO AE 09012" (or FPO, DPO) at token i,
// after an optional line break, or 0.
func (a *addrScan) military(i int) int {
	if i < len(a.w) && (a.w[i].kind == wBreak || a.punct(i, ',')) {
		i++
	}
	if a.in(i, cMilitary) && a.w[i].upper && a.isWord(i+1) && a.w[i+1].upper && a.w[i+1].letters == 2 && a.isNum(i+2) && a.w[i+2].end-a.w[i+2].start == 5 {
		return i + 3
	}
	return 0
}

// poBox returns the end of "P.O. Box 12", "PO Box 12", "Post Office Box 12"
// at token i, or 0.
func (a *addrScan) poBox(i int) int {
	j := i
	switch {
	case a.isWord(j) && bytes.Equal(a.d.lw(a.w[j]), []byte("p")) && a.skipDot(j+1) < len(a.w) && a.isWord(a.skipDot(j+1)) && bytes.Equal(a.d.lw(a.w[a.skipDot(j+1)]), []byte("o")):
		j = a.skipDot(a.skipDot(j+1) + 1)
	case a.isWord(j) && bytes.Equal(a.d.lw(a.w[j]), []byte("po")):
		j = a.skipDot(j + 1)
	case a.isWord(j) && bytes.Equal(a.d.lw(a.w[j]), []byte("post")) && a.isWord(j+1) && bytes.Equal(a.d.lw(a.w[j+1]), []byte("office")):
		j += 2
	default:
		return 0
	}
	if a.isWord(j) && bytes.Equal(a.d.lw(a.w[j]), []byte("box")) && a.isNum(j+1) {
		return j + 2
	}
	return 0
}

// unit returns the end of a unit designator at token i ("Apt. 864",
// "Suite 5B", "#12"), or i.
func (a *addrScan) unit(i int) int {
	if i < len(a.w) && a.w[i].kind == wPunct && a.d.text[a.w[i].start] == '#' && a.isNum(i+1) {
		return i + 2
	}
	if !a.in(i, cUnit) || !a.w[i].cap && !a.d.lowerText() {
		return i
	}
	j := a.skipDot(i + 1)
	if j < len(a.w) && a.w[j].kind == wPunct && a.d.text[a.w[j].start] == '#' {
		j++
	}
	if a.isNum(j) || (a.isWord(j) && a.w[j].letters == 1) {
		return j + 1
	}
	return i
}

// unitAfter reports whether a unit follows at token i, after at most a
// comma or one line break.
func (a *addrScan) unitAfter(i int) bool {
	if i < len(a.w) && (a.w[i].kind == wBreak || a.punct(i, ',')) {
		i++
	}
	return a.unit(i) > i
}

// punct reports whether token i is the punctuation byte c.
func (a *addrScan) punct(i int, c byte) bool {
	return i < len(a.w) && a.w[i].kind == wPunct && a.d.text[a.w[i].start] == c
}

// locality extends an address ending at token e over units and locality
// parts; it returns the new end and whether a part was taken.
func (a *addrScan) locality(e int) (int, bool) {
	took := false
	breaks := 0
	for parts := 0; parts < 8 && e < len(a.w); parts++ {
		j := e
		// Separators: a comma, a line break, or a comma at a line start.
		blank := false
		for j < len(a.w) && (a.w[j].kind == wBreak || a.punct(j, ',')) {
			if a.w[j].kind == wBreak {
				breaks++
				blank = blank || j > e && a.w[j-1].kind == wBreak
			}
			j++
		}
		if breaks > 4 || j >= len(a.w) || blank {
			break
		}
		// One part: tokens up to the next separator.
		k, n := j, 0
		bad := false
		for k < len(a.w) && a.w[k].kind != wBreak && !a.punct(k, ',') && n < 6 {
			if u := a.unit(k); u > k {
				k, n = u, n+1
				continue
			}
			w := a.w[k]
			ok := false
			switch w.kind {
			case wNumber:
				ok = w.end-w.start <= 6
			case wLetters:
				ok = w.cap && !(a.stop(k) && (a.d.lowerText() || sentenceWords[string(a.d.lw(w))])) || (n > 0 && (bytes.Equal(a.d.lw(w), []byte("and")) || a.d.cls(k)&cConnector != 0) && a.isWord(k+1) && a.w[k+1].cap)
			case wPunct:
				c := a.d.text[w.start]
				switch {
				case c == '.' && k > 0 && a.w[k-1].end == w.start && a.w[k-1].kind == wLetters && a.w[k-1].letters <= 3 && !(k+1 < len(a.w) && a.w[k+1].kind == wLetters && a.w[k+1].cap && a.w[k+1].letters > 1 && a.w[k+1].start > w.end):
					ok = true // "N." "St." but not a sentence end
				case c == '(' || c == ')' || c == '-':
					ok = true
				case c == '.' && k > 0 && a.w[k-1].kind == wNumber && a.w[k-1].end == w.start && a.unitAfter(k+1):
					ok = true // "Rákóczi út 13. Suite 104"
				case c == ':' || c == '@' || c == '/' || c == '=' || c == '"' || c == '*' || c == '|':
					bad = true
				}
			}
			if !ok {
				break
			}
			k++
			n++
		}
		if bad || k == j || a.phoneLike(j, k) {
			break
		}
		// Trim a trailing '(' or '-'.
		for k > j && a.w[k-1].kind == wPunct && a.d.text[a.w[k-1].start] != ')' && a.d.text[a.w[k-1].start] != '.' {
			k--
		}
		if k == j {
			break
		}
		e, took = k, true
		if k < len(a.w) && a.w[k].kind != wBreak && !a.punct(k, ',') {
			break // the part ended on something else: the address ends here
		}
	}
	return e, took
}

// phoneLike reports whether tokens [j,k) hold three or more numbers, or
// two or more with seven digits in all: a phone number, not a postal code.
func (a *addrScan) phoneLike(j, k int) bool {
	nums, digits := 0, 0
	for i := j; i < k; i++ {
		if a.w[i].kind != wNumber {
			continue
		}
		n := 0
		for p := a.w[i].start; p < a.w[i].end; p++ {
			if isDigit(a.d.text[p]) {
				n++
			}
		}
		if n >= 2 {
			nums++
			digits += n
		}
	}
	return nums >= 3 || (nums >= 2 && digits >= 7)
}

// stop reports whether token i is a common word that is not a name.
func (a *addrScan) stop(i int) bool { return a.in(i, cStop) }

// findAddresses runs the street shapes over the tokens, then the
// context-only shapes near address words.
func findAddresses(d *doc, rc *recognizer) {
	a := &addrScan{d: d, w: d.tokenize()}
	last := 0
	nextNum := 0 // index of the first number token at or after i
	for i := 0; i < len(a.w); i++ {
		if i < last {
			continue
		}
		// Every street shape holds a number within its first ten tokens.
		for nextNum < len(a.w) && (nextNum < i || a.w[nextNum].kind != wNumber) {
			nextNum++
		}
		if nextNum >= len(a.w) {
			break
		}
		if nextNum > i+10 {
			i = nextNum - 11
			continue
		}
		if w := a.w[i]; w.kind == wPunct || w.kind == wBreak || w.kind == wLetters && !w.cap && w.letters > 4 {
			continue // streets start with a number or a capitalized word
		}
		s, e, strong, ok := a.street(i)
		if !ok {
			continue
		}
		start, end := a.extend(s, e)
		ctx := d.near(a.w[start].start, a.w[end-1].end, rc.before, 0, rc.context)
		if !strong && !ctx && end-start <= e-s {
			continue // a weak type word with nothing around it
		}
		if d.inCode(a.w[start].start, a.w[end-1].end) {
			continue
		}
		score := rc.score
		if ctx {
			score = rc.ctxScore
		}
		d.emit(rc, a.w[start].start, a.w[end-1].end, score)
		last = end
	}
	a.cued(rc)
	a.labelled(rc)
}

// extend grows the street [s,e) backwards and forwards.
func (a *addrScan) extend(s, e int) (int, int) {
	compound, backNames, s0 := a.ending(s), 0, s
	// Forward: a house number the street did not take, units, locality.
	if a.houseNumber(e, false) && a.w[e-1].kind != wNumber {
		e++
	}
	for {
		if a.punct(e, '.') && a.w[e-1].kind == wNumber && a.w[e-1].end == a.w[e].start && a.unitAfter(e+1) {
			e++ // "út 13." before a unit or a line break
		}
		u := a.unit(e)
		if u == e {
			break
		}
		e = u
	}
	e, _ = a.locality(e)
	// Backward on the same line: a building number, then units.
	for s > 0 {
		p := s - 1
		switch {
		case p > 0 && a.isNum(p) && a.unit(p-1) == p+1:
			s = p - 1
			continue
		case p > 1 && a.isNum(p) && a.punct(p-1, '.') && a.unit(p-2) == p+1:
			s = p - 2
			continue
		case p > 1 && a.punct(p, ',') && a.isNum(s) && a.unit(p-2) == p:
			s = p - 2 // "Flat 3, 27 Oxford Road"
			continue
		case a.isNum(s) && a.unit(p) == s+1:
			s = p // "Plot 12, MG Road": the street's number is the unit's
			continue
		case p > 0 && a.isNum(p) && a.punct(p-1, '#'):
			s = p - 1
			continue
		case a.isNum(p):
			s = p
			continue
		case compound && backNames < 2 && s == s0-backNames && a.isWord(p) && a.w[p].cap && !a.stop(p) && !a.in(p, cUnit):
			s = p
			backNames++
			continue
		}
		break
	}
	return s, e
}

// cued finds streets without a type word, near an address word:
// "[number] Capitalized Words number" or "number Capitalized Words", and
// "the corner of X and Y".
func (a *addrScan) cued(rc *recognizer) {
	d := a.d
	d.hitsOf(cueWords, func(h hit) bool {
		{
			off, cw := int(h.end), h.phrase()
			// The first token after the cue word, within 48 bytes.
			i := a.tokenAt(off)
			for i < len(a.w) && a.w[i].start < off+48 {
				if a.w[i].kind == wNumber || (a.w[i].kind == wLetters && a.w[i].cap) {
					if s, e, ok := a.cuedStreet(i, cw == "corner of"); ok {
						start, end := a.extend(s, e)
						score := rc.ctxScore
						if cw == "corner of" {
							score += 0.05 // both streets, over one alone
						}
						if !d.inCode(a.w[start].start, a.w[end-1].end) {
							d.emit(rc, a.w[start].start, a.w[end-1].end, score)
						}
						break
					}
				}
				i++
			}
		}
		return true
	})
}

// labelled finds "Address: …" and "my address is …" and takes what
// follows (see labelCues).
func (a *addrScan) labelled(rc *recognizer) {
	d := a.d
	d.hitsOf(labelCues, func(h hit) bool {
		for once := true; once; once = false {
			p := int(h.end)
			for p < len(d.lower) && (d.lower[p] == ' ' || d.lower[p] == '\t') {
				p++
			}
			switch {
			case p < len(d.lower) && (d.lower[p] == ':' || d.lower[p] == '='):
				p++
			case bytes.HasPrefix(d.lower[p:], []byte("is ")):
				p += 3
			default:
				continue
			}
			i := a.tokenAt(p)
			for i < len(a.w) && a.w[i].kind == wBreak {
				i++
			}
			if i >= len(a.w) || a.w[i].start > p+16 {
				continue
			}
			e, nums, caps, breaks := i, 0, 0, 0
			for e < len(a.w) && a.w[e].end-a.w[i].start < 160 {
				w := a.w[e]
				if w.kind == wBreak {
					if e+1 < len(a.w) && a.w[e+1].kind == wBreak {
						break // a blank line
					}
					if breaks++; breaks > 4 {
						break
					}
				}
				if w.kind == wPunct {
					c := d.text[w.start]
					if c == '?' || c == '!' || c == ':' || c == '@' || c == ';' || c == '"' || (c == '.' && !(e > 0 && a.w[e-1].end == w.start && (a.w[e-1].kind == wNumber || a.w[e-1].letters <= 3))) {
						break
					}
				}
				if w.kind == wLetters && !w.cap && d.cls(e)&(cConnector|cStreetType|cUnit) == 0 {
					break
				}
				if w.kind == wNumber {
					nums++
				}
				if w.kind == wLetters && w.cap {
					caps++
				}
				e++
			}
			for e > i && (a.w[e-1].kind == wBreak || a.w[e-1].kind == wPunct && d.text[a.w[e-1].start] != ')') {
				e--
			}
			if nums == 0 || caps == 0 || e <= i || a.phoneLike(i, e) || d.inCode(a.w[i].start, a.w[e-1].end) {
				continue
			}
			d.emit(rc, a.w[i].start, a.w[e-1].end, rc.ctxScore-0.1)
		}
		return true
	})
}

// tokenAt returns the index of the first token starting at or after off.
func (a *addrScan) tokenAt(off int) int {
	lo, hi := 0, len(a.w)
	for lo < hi {
		m := (lo + hi) / 2
		if a.w[m].start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// cuedStreet matches the context-only shapes at token i.
func (a *addrScan) cuedStreet(i int, corner bool) (int, int, bool) {
	one := func(i int) (int, bool) {
		j := i
		if a.houseNumber(j, false) {
			j++
		}
		k, names := j, 0
		for names < 4 && a.isWord(k) && (a.w[k].cap || (names > 0 && a.in(k, cConnector))) && !a.in(k, cUnit) {
			k = a.skipDot(k + 1)
			names++
		}
		switch {
		case names == 0:
			return 0, false
		case a.houseNumber(k, false):
			return k + 1, true
		case j > i || corner:
			return k, true
		}
		return 0, false
	}
	e, ok := one(i)
	if !ok {
		return 0, 0, false
	}
	if corner && a.isWord(e) && bytes.Equal(a.d.lw(a.w[e]), []byte("and")) {
		if e2, ok := one(e + 1); ok {
			return i, e2, true
		}
	}
	if corner {
		return 0, 0, false
	}
	return i, e, true
}
