package pii

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person names. Without a language model, a name is a run of capitalized
// words (with initials and particles: "Gladys L. Leblanc", "Ludwig van
// Beethoven") made likely by one of:
//
//   - a cue before it: a title ("Mrs.", "Dr"), "my name is", "Dear",
//     "Regards," on the line above, "Name:", a dialogue speaker label →
//     0.85; weaker cues ("by", "ask", "my kid", "under") → 0.7 with two
//     words or a known name;
//   - a known given name (names.go) followed by a capitalized word → 0.75,
//     alone → 0.6 (not for given names that are also common words);
//   - a capitalized word followed by a known or surname-shaped word
//     ("Wisława Szczepańska") → 0.6.
//
// It never takes words inside URLs or code, words led by a house number
// (street names), nor runs ending with an organization or street word.

// titles are honorifics and ranks written before a name.
var titles = setOf("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "mme",
	"mlle", "madame", "mademoiselle", "monsieur", "herr", "frau", "sr", "sra", "srta", "señor", "señora", "don", "doña",
	"sig", "signor", "signora", "rev", "reverend", "fr", "father", "sister", "brother", "capt", "captain", "col",
	"colonel", "gen", "general", "lt", "lieutenant", "sgt", "sergeant", "hon", "judge", "justice", "officer", "det",
	"detective", "agent", "president", "senator", "rep", "governor", "mayor", "pastor", "rabbi", "imam", "uncle",
	"aunt", "auntie", "grandma", "grandpa", "nurse", "coach")

// strongCues and weakCues are phrases written just before a name (lower
// case, compared after trimming spaces).
var (
	strongCues = newCues("my name is", "name is", "name's", "names is", "i'm", "i am", "this is", "call me", "named",
		"dear", "hi", "hello", "hey", "regards,", "sincerely,", "cheers,", "best,", "thanks,", "thank you,", "love,",
		"yours,", "truly,", "from:", "name:", "full name:", "signed", "attn:", "attention:", "patient:", "customer:",
		"contact:", "cc:", "to:", "surname is", "last name is", "first name is", "maiden name is", "called", "nickname is",
		"nom:", "name?", "mein name ist", "je m'appelle", "me llamo", "mi chiamo", "ich bin", "ich heiße")
	// personCues are written before a name and little else: relations,
	// roles, verbs of speech.
	personCues = newCues("ask", "tell", "told", "speak to", "talk to", "spoke to", "spoke with", "married", "son",
		"daughter", "wife", "husband", "kid", "child", "mother", "father", "mom", "dad", "brother", "sister", "friend",
		"boss", "colleague", "assistant to", "starring", "featuring", "feat.", "ft.", "user:", "cousin", "niece",
		"nephew", "grandson", "granddaughter", "fiancé", "fiance", "fiancée", "girlfriend", "boyfriend", "neighbour",
		"neighbor", "landlord", "tenant", "said", "says", "directed by", "written by", "produced by", "sung by",
		"performed by", "painted by", "composed by", "signed by", "approved by", "reviewed by", "producer", "director",
		"singer", "actor", "actress", "author", "writer", "player", "artist", "ceo", "cto", "cfo", "founder", "co-founder",
		"chairman", "chairwoman", "editor", "reporter", "spokesperson", "spokesman", "spokeswoman", "striker",
		"goalkeeper", "minister", "chancellor", "attorney", "musician", "rapper", "composer", "guitarist", "drummer",
		"painter", "poet", "novelist", "journalist", "photographer", "designer", "engineer", "scientist", "researcher",
		"analyst", "consultant", "candidate", "patient", "congratulations", "congrats", "happy birthday", "condolences",
		"founders:", "named him", "named her", "name him", "name her", "baby")
	// genericCues are written before a name and before much else: with
	// them a name needs two words or a known one.
	genericCues = newCues("by", "met", "meet", "pay", "paid",
		"send", "add", "remove", "contact", "email", "emailed", "call", "called", "text", "texted", "cc", "thanks", "thank", "manager", "partner", "doctor", "lawyer", "client", "student", "teacher", "heard",
		"invite", "invited", "hire", "hired", "fire", "fired", "love", "loves", "miss", "misses", "behalf of")
	// afterCues are words right after a name that a person does.
	afterCues = newCues("is a", "was a", "has been", "went", "came", "joined", "left", "arrived", "visited", "moved",
		"won", "founded")
	// humanVerbs are verbs after a name that only people do much: they
	// make a single unknown capitalized word a name ("Morishita began").
	humanVerbs = newCues("lives", "lived", "works", "worked", "said", "says", "wrote", "writes", "asked", "asks", "told", "tells", "replied", "answered",
		"explained", "explains", "shouted", "whispered", "smiled", "laughed", "cried", "thinks", "thought",
		"believes", "wants", "wanted", "loves", "loved", "likes", "liked", "feels", "felt", "knows", "knew",
		"recalls", "recalled", "admitted", "insisted", "promised", "married", "died", "was born", "emailed",
		"texted", "called", "began", "spent", "listed", "flew", "studied", "graduated", "sang", "had given", "gave",
		"argued", "added", "noted", "warned", "denied", "confirmed")
	// namingCues name someone outright: even in an all-lower-case text the
	// word after them is a name.
	namingCues = newCues("my name is", "name is", "name's", "names is", "call me", "named", "name:", "full name:",
		"surname is", "last name is", "first name is", "maiden name is", "nickname is", "signed", "mein name ist",
		"je m'appelle", "me llamo", "mi chiamo", "ich heiße")
	// possessed are nouns that, after a possessive name ("Arne's"), say it
	// is a person's.
	possessed = newCues("kid", "kids", "son", "daughter", "wife", "husband", "mother", "father", "mom", "mum", "dad",
		"brother", "sister", "friend", "boss", "address", "phone", "number", "email", "e-mail", "birthday", "house",
		"home", "car", "account", "name", "family", "parents", "children", "child", "baby", "girlfriend", "boyfriend",
		"partner", "fiancé", "fiancée", "dog", "cat", "office", "room", "apartment", "flat", "place", "funeral",
		"wedding", "killers", "death", "life", "career", "book", "song", "songs", "album", "novel", "poems", "verses",
		"cautionary", "daughters", "sons", "grandmother", "grandfather", "aunt", "uncle", "cousin", "colleague", "team")
)

// notNames are capitalized words that follow a cue but name no one
// ("Dear Customer", "Hello World"), and organization and place words that
// end a run of names that is not a person.
var (
	notNames = setOf("customer", "customers", "team", "all", "everyone", "everybody", "sir", "madam", "madame", "world",
		"there", "friend", "friends", "colleagues", "user", "users", "support", "admin", "valued", "member", "members",
		"client", "clients", "guest", "guests", "partner", "partners", "folks", "guys", "people", "manager", "hiring",
		"recruiter", "reader", "readers", "sirs", "gentlemen", "ladies", "student", "students", "parent", "parents",
		"doctor", "developer", "developers", "assistant", "bot", "chatgpt", "gpt", "ai", "claude", "gemini", "llama",
		"mistral", "copilot", "siri", "alexa", "google", "apple", "microsoft", "amazon", "meta", "openai", "anthropic",
		"python", "java", "javascript", "typescript", "rust", "golang", "kotlin", "swift", "linux", "windows", "android",
		"ios", "iphone", "ipad", "mac", "macos", "github", "gitlab", "docker", "kubernetes", "aws", "azure", "sql",
		"json", "yaml", "html", "css", "api", "sdk", "http", "https", "url", "uuid", "id", "ok", "okay", "yes", "no",
		"thanks", "thank", "god", "jesus", "christ", "allah", "lord", "mom", "dad", "mum", "mother", "father", "sister",
		"brother", "baby", "honey", "darling", "sweetheart", "love", "boss", "officer", "human", "agent", "operator",
		"service", "services", "department", "office", "company", "bank", "hospital", "school", "university", "card",
		"account", "number", "address", "email", "phone", "name", "please", "again", "today", "tomorrow", "morning",
		"afternoon", "evening", "night", "here", "back", "everyone,", "english", "french", "german", "spanish",
		"italian", "chinese", "japanese", "russian", "arabic", "hindi", "portuguese", "dutch", "polish", "korean",
		"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
		"december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "easter",
		"new", "north", "south", "east", "west", "united", "states", "kingdom", "america", "europe", "asia", "africa",
		"street", "road", "avenue", "city", "state", "county", "country", "river", "lake", "mount", "island", "park",
		"inc", "ltd", "llc", "corp", "co", "gmbh", "ag", "sa", "plc", "group", "associates", "foundation", "institute",
		"church", "airlines", "hotel", "restaurant", "cafe", "club", "center", "centre", "museum", "library", "council",
		"ministry", "agency", "committee", "association", "society", "union", "party", "press", "news", "times",
		"journal", "magazine", "records", "studios", "pictures", "entertainment", "media", "software", "systems",
		"technologies", "technology", "solutions", "labs", "capital", "holdings", "industries", "international",
		"global", "consulting", "partners,", "bros", "brothers", "sons", "family", "band", "orchestra", "choir",
		"highway", "boulevard", "drive", "lane", "court", "terrace", "square", "bridge", "tower", "building", "station",
		"airport", "port", "harbour", "harbor", "beach", "valley", "hill", "hills", "forest", "desert", "ocean", "sea",
		"bay", "gulf", "cape", "peninsula", "province", "region", "district", "village", "town", "republic", "empire",
		"kingdom,", "version", "release", "update", "chapter", "section", "page", "figure", "table", "step", "part",
		"model", "series", "edition", "pro", "max", "plus", "mini", "ultra", "lite", "premium", "standard", "basic",
		"free", "beta", "alpha", "final", "test", "demo", "example", "sample", "note", "warning", "error", "info",
		"debug", "true", "false", "null", "none", "nil", "return", "function", "class", "import", "export", "const",
		"var", "let", "public", "private", "static", "void", "int", "string", "bool", "float", "double", "char",
		"subject", "re", "fw", "fwd", "dear", "hi", "hello", "hey", "regards", "best", "cheers", "sincerely")
)

// roles are nouns of a job or relation written before a name ("Producer
// James Sparks"): not part of it.
var roles = setOf("producer", "director", "singer", "actor", "actress", "author", "writer", "player", "artist", "ceo",
	"cto", "cfo", "coo", "founder", "co-founder", "chairman", "chairwoman", "chair", "editor", "reporter",
	"spokesperson", "spokesman", "spokeswoman", "striker", "goalkeeper", "midfielder", "defender", "minister",
	"chancellor", "attorney", "musician", "rapper", "composer", "guitarist", "drummer", "bassist", "painter", "poet",
	"novelist", "journalist", "photographer", "designer", "engineer", "scientist", "researcher", "analyst",
	"consultant", "candidate", "patient", "teacher", "student", "host", "presenter", "anchor", "chef", "pilot",
	"architect", "lawyer", "partner", "colleague", "manager", "supervisor", "intern", "coach", "referee", "judge",
	"comedian", "dancer", "model", "filmmaker", "screenwriter", "playwright", "historian", "economist", "professor",
	"doctor", "nurse", "surgeon", "dentist", "pharmacist", "technician", "officer", "sergeant", "captain", "agent")

// particles may stand between the words of a name.
var particles = setOf("van", "von", "de", "da", "di", "del", "della", "der", "den", "la", "le", "du", "dos", "das",
	"ten", "ter", "bin", "ibn", "al", "el", "y", "zu", "af", "av", "mac", "st.")

// personScan holds the state of the name recognizer.
type personScan struct {
	d *doc
	w []word
}

// nameEnd is the end of word i without a possessive "'s".
func (p *personScan) nameEnd(i int) int { return p.w[i].name }

func (p *personScan) possessive(i int) bool { return p.w[i].name != p.w[i].end }

// is reports whether word i is a word of the class.
func (p *personScan) is(i int, class uint32) bool {
	return i < len(p.w) && p.w[i].kind == wLetters && p.d.cls(i)&class != 0
}

// surnamey reports whether word i is a known or surname-shaped surname.
func (p *personScan) surnamey(i int) bool { return p.is(i, cSurname|cSurnameShape) }

// given reports whether word i is a given name that is not also a common word.
func (p *personScan) given(i int) bool { return p.is(i, cGiven) && !p.is(i, cAmbiguous) }

// sameWord reports whether words i and j are the same, ignoring ASCII case.
func (p *personScan) sameWord(i, j int) bool {
	return bytes.Equal(p.d.lower[p.w[i].start:p.w[i].name], p.d.lower[p.w[j].start:p.w[j].name])
}

// token reports whether word i can be part of a name.
func (p *personScan) token(i int) bool {
	if i >= len(p.w) || p.w[i].kind != wLetters || !p.w[i].cap {
		return false
	}
	return p.d.cls(i)&(cStop|cNotName|cTitle|cRole|cUnit) == 0
}

// initial reports whether word i is an initial ("L." or "L" between names).
func (p *personScan) initial(i int) bool {
	return i < len(p.w) && p.w[i].kind == wLetters && p.w[i].letters == 1 && !p.w[i].upper && p.w[i].cap && !p.d.lowerText()
}

func (p *personScan) punct(i int, c byte) bool {
	return i >= 0 && i < len(p.w) && p.w[i].kind == wPunct && p.d.text[p.w[i].start] == c
}

// run returns the end (exclusive, in words) of the name run starting at i.
func (p *personScan) run(i int) int {
	j, n := i, 0
	for j < len(p.w) && n < 4 {
		switch {
		case n > 0 && p.initial(j):
			k := j + 1
			if p.punct(k, '.') && p.w[k].start == p.w[j].end {
				k++
			}
			if p.token(k) && !p.initial(k) {
				j = k
				continue
			}
		case p.token(j) && !(p.initial(j) && p.punct(j+1, '.')):
			n++
			j++
			if p.possessive(j - 1) {
				return j
			}
			continue
		case n > 0 && p.is(j, cParticle) && p.token(j+1):
			j++
			continue
		}
		break
	}
	return j
}

// cueBefore returns the score a cue before word i gives, or 0.
func (p *personScan) cueBefore(i int) (strong, weak bool) {
	d := p.d
	if i > 0 {
		k := i - 1
		if p.punct(k, '.') && k > 0 {
			k--
		}
		if p.is(k, cTitle) && (p.w[k].cap || p.w[k].dot) {
			return true, false // "Mrs. Schwarz", "ms. Kuyra"
		}
	}
	start := p.w[i].start
	const gap = " \t\r\n>\"'"
	if _, ok := d.endsBefore(start, strongCues, gap); ok {
		return true, false
	}
	// A dialogue speaker: "Name:" then a quote, at a line start.
	if e := p.run(i); e < len(p.w) && p.punct(e, ':') {
		rest := bytes.TrimLeft(d.lower[p.w[e].end:min(len(d.lower), p.w[e].end+3)], " ")
		if len(rest) > 0 && (rest[0] == '"' || bytes.HasPrefix(rest, []byte("“"))) && (i == 0 || p.w[i-1].kind == wBreak) {
			return true, false
		}
	}
	if _, ok := d.endsBefore(start, personCues, gap); ok {
		return false, true
	}
	return false, false
}

// genericCue reports whether a generic cue stands before word i.
func (p *personScan) genericCue(i int) bool {
	_, ok := p.d.endsBefore(p.w[i].start, genericCues, " \t\r\n>\"'")
	return ok
}

// cueAfter reports whether a verb of a person follows word e-1, and
// whether it is one only people do.
func (p *personScan) cueAfter(e int) (after, human bool) {
	if e >= len(p.w) {
		return false, false
	}
	if p.d.startsAfter(p.w[e-1].end, humanVerbs, " ,") {
		return true, true
	}
	return p.possessive(e-1) || p.d.startsAfter(p.w[e-1].end, afterCues, " ,"), false
}

// ownerOf reports whether the name ending at word e-1 is a possessive
// followed by a person's thing ("Arne's address", "Asya's kid").
func (p *personScan) ownerOf(e int) bool {
	return e > 0 && p.possessive(e-1) && p.d.startsAfter(p.w[e-1].end, possessed, " ")
}

func findPersons(d *doc, rc *recognizer) {
	p := &personScan{d: d, w: d.tokenize()}
	lowerDoc := d.lowerText()
	first := len(d.cands)
	for i := 0; i < len(p.w); i++ {
		if !p.token(i) {
			continue
		}
		e := p.run(i)
		if e <= i {
			continue
		}
		if lowerDoc {
			e = p.lexicalPrefix(i, e)
		}
		// Names of streets ("1755 Nelson Mandela Drive") and firms
		// ("Fernandez Inc."): led by a number or ending on such a word.
		if i > 0 && p.w[i-1].kind == wNumber && !p.possessive(e-1) {
			i = e - 1
			continue
		}
		if e < len(p.w) && p.w[e].kind == wLetters {
			if p.is(e, cNotName|cStreetType) || p.is(e, cWeakStreet) && p.w[e].cap {
				i = e
				continue
			}
		}
		start, end := p.w[i].start, p.nameEnd(e-1)
		if d.inCode(start, end) {
			i = e - 1
			continue
		}
		if score := p.score(i, e, lowerDoc); score > 0 {
			d.emit(rc, start, end, score)
		}
		i = e - 1
	}
	p.lists(rc)
	p.propagate(rc, first)
}

// lexicalPrefix trims the run [i,e) of an all-lower-case text to its
// words that are known names or shaped like surnames (at least one word).
func (p *personScan) lexicalPrefix(i, e int) int {
	k := i
	for k < e {
		if !(p.is(k, cGiven|cSurname|cSurnameShape|cParticle) || p.initial(k)) {
			break
		}
		k++
	}
	return max(k, i+1)
}

// score rates the run of words [i,e) as a name, or returns 0.
func (p *personScan) score(i, e int, lowerDoc bool) float64 {
	words := 0
	known, knownAmb, surname := false, false, false
	for k := i; k < e; k++ {
		if !p.token(k) {
			continue
		}
		words++
		switch {
		case k == i && p.given(k):
			known = true
		case k == i && p.is(k, cGiven):
			knownAmb = true
		case k > i && (p.surnamey(k) || p.given(k)):
			surname = true
		}
	}
	strong, personal := p.cueBefore(i)
	generic := !strong && !personal && p.genericCue(i)
	after, human := p.cueAfter(e)
	lexical := known || ((knownAmb || words >= 2) && surname)
	if !strong && !known && !surname && (p.determined(i) && words == 1 || p.acronym(i, e)) {
		return 0 // "the Packager", "Fuse TV"
	}
	if words == 1 && p.w[i].upper && !p.named(i) && !p.titled(i) {
		return 0 // "EDIT:", "SEO": a single word in capitals is rarely a name
	}
	switch {
	case strong && (!lowerDoc || lexical || knownAmb || words == 1 && p.named(i)):
		return 0.85
	case words >= 2 && p.inEmail(i, e):
		return 0.8 // "Jamie Pratt … JamiePratt@example.com"
	case known && words >= 2:
		return 0.8
	case p.hasInitial(i, e) && !lowerDoc:
		return 0.75 // "Janka M. Szász", "Mijail C Adomo"
	case p.ownerOf(e) && !lowerDoc:
		return 0.7
	case personal && (!lowerDoc || lexical || knownAmb):
		return 0.7
	case (generic || after) && (lexical || knownAmb && words >= 2 || words >= 2 && !lowerDoc):
		return 0.7
	case lexical && words >= 2:
		return 0.65
	case known && (!p.sentenceStart(i) || after || generic):
		return 0.6
	case (human || p.possessive(e-1)) && !lowerDoc:
		return 0.6 // "Morishita began writing", "Sumaya's"
	case known:
		return 0.55
	}
	return 0
}

// titled reports whether a title stands right before word i.
func (p *personScan) titled(i int) bool {
	k := i - 1
	if p.punct(k, '.') {
		k--
	}
	return k >= 0 && p.is(k, cTitle)
}

// named reports whether a naming cue ("my name is") stands before word i.
func (p *personScan) named(i int) bool {
	_, ok := p.d.endsBefore(p.w[i].start, namingCues, " \t\r\n>\"'")
	return ok
}

// determiners, right before a capitalized word, make it a thing or a
// title ("the Packager", "our Product"), not a person.
var determiners = setOf("the", "a", "an", "this", "that", "these", "those", "our", "your", "their", "its", "his",
	"her", "every", "each", "any", "some", "no")

// determined reports whether a determiner stands right before word i.
func (p *personScan) determined(i int) bool {
	return i > 0 && p.w[i-1].kind == wLetters && determiners[string(p.d.lower[p.w[i-1].start:p.w[i-1].end])]
}

// acronym reports whether [i,e) mixes capitalized words with one in
// capitals ("Fuse TV", "ABC Business"): a brand, not a person, unless the
// whole run is in capitals.
func (p *personScan) acronym(i, e int) bool {
	caps, mixed := false, false
	for k := i; k < e; k++ {
		if p.w[k].kind != wLetters || p.initial(k) {
			continue
		}
		if p.w[k].upper {
			caps = true
		} else {
			mixed = true
		}
	}
	return caps && mixed
}

// hasInitial reports whether an initial stands between the names of [i,e).
func (p *personScan) hasInitial(i, e int) bool {
	for k := i + 1; k < e-1; k++ {
		if p.initial(k) {
			return true
		}
	}
	return false
}

// inEmail reports whether the words of [i,e), joined and folded to ASCII
// lower case, make up the local part of an e-mail address found in the
// text, or its start: people's addresses are built from their names.
func (p *personScan) inEmail(i, e int) bool {
	d := p.d
	var name [64]byte
	n := name[:0]
	for k := i; k < e; k++ {
		if p.w[k].kind != wLetters || p.initial(k) {
			continue
		}
		n = foldASCII(n, d.text[p.w[k].start:p.w[k].name])
		if len(n) > 48 {
			return false
		}
	}
	if len(n) < 6 {
		return false
	}
	for _, l := range d.emailLocals() {
		if bytes.HasPrefix(l, n) {
			return true
		}
	}
	return false
}

// emailLocals returns the local parts of the first 32 e-mail addresses
// found, letters only, lower case.
func (d *doc) emailLocals() [][]byte {
	if d.localsDone {
		return d.locals
	}
	d.localsDone = true
	for _, c := range d.cands {
		if c.Type != Email || len(d.locals) == 32 {
			continue
		}
		at := strings.IndexByte(d.text[c.Start:c.End], '@')
		if at <= 0 {
			continue
		}
		var l []byte
		for i := c.Start; i < c.Start+at && len(l) < 64; i++ {
			if isAlpha(d.text[i]) {
				l = append(l, d.text[i]|0x20)
			}
		}
		d.locals = append(d.locals, l)
	}
	return d.locals
}

// foldASCII appends the letters of s to b in ASCII lower case, with the
// diacritics of Latin letters dropped ("Björklund" → "bjorklund").
func foldASCII(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if isAlpha(byte(r)) {
				b = append(b, byte(r)|0x20)
			}
		default:
			if f, ok := latinFold[unicode.ToLower(r)]; ok {
				b = append(b, f...)
			}
		}
	}
	return b
}

// latinFold maps lower-case Latin letters with diacritics to ASCII.
var latinFold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'ø': "o", 'œ': "oe", 'ð': "d", 'þ': "th", 'ł': "l", 'đ': "d", 'ı': "i"}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ď", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥħ", "i": "ìíîïĩīĭįı",
		"j": "ĵ", "k": "ķ", "l": "ĺļľŀ", "n": "ñńņňŉ", "o": "òóôõöōŏő", "r": "ŕŗř", "s": "śŝşšș", "t": "ţťŧț",
		"u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// lists finds enumerations of names ("Kónya, Becker and Vasquez", "They
// had 6: Romi, Erik, Amy and Kristen"): runs of one or two capitalized
// words separated by commas and "and", at least three items, of which at
// least two are known names and half are already names or known. Then all
// items are names.
func (p *personScan) lists(rc *recognizer) {
	for i := 0; i < len(p.w); i++ {
		if !p.token(i) {
			continue
		}
		type item struct{ s, e int }
		var items []item
		j := i
		for len(items) < 16 {
			if !p.token(j) {
				break
			}
			e := j + 1
			if p.token(e) && !p.punct(e, ',') {
				e++
			}
			items = append(items, item{j, e})
			switch {
			case p.punct(e, ',') && p.token(e+1):
				j = e + 1
			case p.punct(e, ',') && e+2 < len(p.w) && p.w[e+1].kind == wLetters && (p.d.lower[p.w[e+1].start] == 'a') && bytes.Equal(p.d.lw(p.w[e+1]), []byte("and")):
				j = e + 2
			case e+1 < len(p.w) && p.w[e].kind == wLetters && (bytes.Equal(p.d.lw(p.w[e]), []byte("and")) || bytes.Equal(p.d.lw(p.w[e]), []byte("&"))):
				j = e + 1
			case p.punct(e, '&'):
				j = e + 1
			default:
				j = -1
			}
			if j < 0 {
				break
			}
		}
		if len(items) < 3 {
			i = max(i, j-1)
			continue
		}
		known := 0
		for _, it := range items {
			if p.given(it.s) || p.surnamey(it.s) {
				known++
			}
		}
		if known >= 2 && 2*known >= len(items) {
			for _, it := range items {
				p.d.emit(rc, p.w[it.s].start, p.nameEnd(it.e-1), 0.65)
			}
		}
		i = items[len(items)-1].e
	}
}

// propagate marks the other occurrences of the words of confident names
// (score ≥ 0.7) found since cands[first]: "Alvir D. Pušaver … Alvir".
func (p *personScan) propagate(rc *recognizer, first int) {
	var seen [32]int // word indexes
	n := 0
	for _, c := range p.d.cands[first:] {
		if c.Type != Person || c.Score < 0.7 {
			continue
		}
		for k := p.tokenAt(c.Start); k < len(p.w) && p.w[k].start < c.End && n < len(seen); k++ {
			if p.token(k) && p.w[k].letters > 1 {
				seen[n] = k
				n++
			}
		}
	}
	if n == 0 {
		return
	}
	for k := range p.w {
		if !p.token(k) || p.w[k].letters < 2 {
			continue
		}
		for _, s := range seen[:n] {
			if s != k && p.sameWord(s, k) {
				p.d.emit(rc, p.w[k].start, p.nameEnd(k), 0.6)
				break
			}
		}
	}
}

// tokenAt returns the index of the first word starting at or after off.
func (p *personScan) tokenAt(off int) int {
	lo, hi := 0, len(p.w)
	for lo < hi {
		m := (lo + hi) / 2
		if p.w[m].start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// sentenceStart reports whether word i begins a sentence or a line.
func (p *personScan) sentenceStart(i int) bool {
	if i == 0 {
		return true
	}
	prev := p.w[i-1]
	if prev.kind == wBreak {
		return true
	}
	if prev.kind == wPunct {
		c := p.d.text[prev.start]
		return c == '.' || c == '!' || c == '?' || c == '"' || c == '>' || c == '-' || c == '*'
	}
	return false
}
