package pii

import "bytes"

// recognizer is one entry of the built-in table.
type recognizer struct {
	id  string // stable id, reported in Entity.Recognizer
	typ string // entity type
	// score is the confidence of a validated candidate without context;
	// 0 means the recognizer reports nothing without context.
	score float64
	// ctxScore is the confidence when one of context occurs within before
	// bytes ahead of the candidate or after bytes behind it.
	ctxScore      float64
	context       *cueList
	before, after int
	// need is a cheap test over the whole text; the recognizer runs only
	// when it passes. nil runs it always.
	need func(*doc) bool
	find func(*doc, *recognizer)
	// validate is the recognizer's validator, when it has one: exposed to
	// the tests and fuzz targets.
	validate func(string) bool
}

// scoreAt returns ctxScore when a context word is near [start,end), else score.
func (rc *recognizer) scoreAt(d *doc, start, end int) float64 {
	if d.near(start, end, rc.before, rc.after, rc.context) {
		return rc.ctxScore
	}
	return rc.score
}

// Prefilters.
func minDigits(n int) func(*doc) bool { return func(d *doc) bool { return d.digits >= n } }

func hasByte(c byte) func(*doc) bool {
	return func(d *doc) bool { return bytes.IndexByte(d.lower, c) >= 0 }
}

// anyWord passes when a phrase of the list occurs in the text, and the
// text has at least n digits.
func anyWord(n int, l *cueList) func(*doc) bool {
	return func(d *doc) bool { return d.digits >= n && d.has(l) }
}

// Context words, lower case.
var (
	cardWords = newCues("card", "credit", "debit", "visa", "mastercard", "master card", "amex", "american express", "discover", "diners", "jcb", "maestro", "unionpay", "cc", "ccn", "pan", "payment", "pay with", "charge", "karte", "carte", "tarjeta", "carta")
	ibanWords = newCues("iban", "account", "bank", "transfer", "wire", "sepa", "bic", "swift", "konto", "compte", "cuenta", "conto")
	ssnWords  = newCues("ssn", "ss#", "ss #", "social security", "social-security", "soc sec", "socsec", "taxpayer", "tin", "itin")
	ipWords   = newCues("ip", "ipv4", "ipv6", "ip address", "address", "host", "server", "client", "remote", "src", "dst", "source", "destination", "from", "login", "logged", "connect", "connecting", "connection", "ping", "firewall", "blocked")
	dobWords  = newCues("born", "dob", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "bday", "b-day", "geboren", "geburtsdatum", "né le", "née le", "née", "date de naissance", "fecha de nacimiento", "nacido", "nacida", "data di nascita", "nato il", "nata il")
	passWords = newCues("passport", "passeport", "reisepass", "pasaporte", "passaporto", "paspoort", "pass no", "pass-nr", "passnummer")
	dlWords   = newCues("driver's license", "drivers license", "driver license", "driver's licence", "drivers licence", "driving licence", "driving license", "driver licence", "dl#", "dl #", "dl no", "dl number", "license number", "licence number", "führerschein", "permis de conduire", "licencia de conducir")
	ninoWords = newCues("national insurance", "nino", "ni number", "ni no", "insurance number")
	dniWords  = newCues("dni", "nie", "nif", "documento", "identidad", "id", "identity")
	cfWords   = newCues("codice fiscale", "cod. fisc", "c.f.", "cf", "fiscal code", "tax code")
	deIDWords = newCues("personalausweis", "ausweis", "ausweisnummer", "identity card", "id card", "id-card", "id number", "identity number", "perso")
	nirWords  = newCues("sécurité sociale", "securite sociale", "sécu", "secu", "insee", "nir", "carte vitale", "social security", "numéro de sécurité")
	aadhWords = newCues("aadhaar", "aadhar", "adhaar", "uidai", "uid", "enrolment", "आधार")
)

// builtin returns the recognizer table, in the order they run. The order
// does not decide overlaps (scores do), but cheap, exact formats come first.
func builtin() []*recognizer {
	return []*recognizer{
		{id: "email", typ: Email, score: 0.95, need: hasByte('@'), find: findEmails},
		{id: "credit-card", typ: CreditCard, score: 0.8, ctxScore: 1, context: cardWords, before: 48, after: 16,
			need: minDigits(12), find: findCards, validate: validCard},
		{id: "iban", typ: IBAN, score: 0.9, ctxScore: 1, context: ibanWords, before: 48, after: 8,
			need: minDigits(10), find: findIBANs, validate: validIBAN},
		{id: "us-ssn", typ: USSSN, score: 0.65, ctxScore: 0.95, context: ssnWords, before: 40, after: 8,
			need: minDigits(9), find: findSSNs, validate: validSSN},
		{id: "ipv4", typ: IPAddress, score: 0.85, ctxScore: 0.95, context: ipWords, before: 32, after: 8,
			need: func(d *doc) bool { return d.digits >= 4 && bytes.IndexByte(d.lower, '.') >= 0 }, find: findIPv4},
		{id: "ipv6", typ: IPAddress, score: 0.85, ctxScore: 0.95, context: ipWords, before: 32, after: 8,
			need: func(d *doc) bool { return bytes.Count(d.lower, []byte(":")) >= 2 }, find: findIPv6},
		{id: "phone", typ: Phone, score: 0.7, ctxScore: 0.85, context: phoneWords, before: 40, after: 16,
			need: minDigits(7), find: findPhones},
		{id: "date-of-birth", typ: DateOfBirth, ctxScore: 0.85, context: dobWords, after: 32,
			need: anyWord(2, dobWords), find: findDOB, validate: validDOB},
		{id: "passport", typ: Passport, ctxScore: 0.9, context: passWords, after: 40,
			need: anyWord(6, passWords), find: findAfterContext(passShape, nil)},
		{id: "us-driver-license", typ: NationalID, ctxScore: 0.9, context: dlWords, after: 40,
			need: anyWord(4, dlWords), find: findAfterContext(licenceShpe, nil)},
		{id: "uk-nino", typ: NationalID, score: 0.75, ctxScore: 0.95, context: ninoWords, before: 48, after: 8,
			need: minDigits(6), find: findNINO, validate: validNINO},
		{id: "es-dni", typ: NationalID, score: 0.6, ctxScore: 0.9, context: dniWords, before: 40, after: 8,
			need: minDigits(7), find: findTokenIDs(idFormat{dniShape, validDNI, 9, 10}), validate: validDNI},
		{id: "it-codice-fiscale", typ: NationalID, score: 0.9, ctxScore: 1, context: cfWords, before: 40, after: 8,
			need: minDigits(7), find: findTokenIDs(idFormat{cfShape, validCodiceFiscale, 16, 16}), validate: validCodiceFiscale},
		{id: "de-personalausweis", typ: NationalID, ctxScore: 0.85, context: deIDWords, before: 48, after: 8,
			need: anyWord(1, deIDWords), find: findTokenIDs(idFormat{deIDShape, validDEID, 9, 10}), validate: validDEID},
		{id: "fr-nir", typ: NationalID, score: 0.7, ctxScore: 0.95, context: nirWords, before: 48, after: 8,
			need: minDigits(15), find: findNIR, validate: validNIR},
		{id: "in-aadhaar", typ: NationalID, score: 0.55, ctxScore: 0.9, context: aadhWords, before: 48, after: 8,
			need: minDigits(12), find: findAadhaar, validate: validAadhaar},
		{id: "street-address", typ: StreetAddress, score: 0.7, ctxScore: 0.85, context: addressWords, before: 48,
			need: minDigits(1), find: findAddresses},
		{id: "person", typ: Person, score: 0.6, ctxScore: 0.85, find: findPersons},
	}
}
