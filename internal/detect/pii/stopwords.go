package pii

// stopWords are common English words (and a few of other languages) that
// are never names nor parts of a place, even capitalized at a sentence
// start or typed in an all-lower-case text.
var stopWords = setOf(
	"a", "an", "the", "and", "or", "but", "if", "then", "so", "as", "at", "by", "for", "from", "in", "into", "of",
	"off", "on", "onto", "out", "over", "to", "up", "upon", "with", "within", "without", "about", "after", "before",
	"between", "during", "under", "via", "per", "than", "that", "this", "these", "those", "there", "here", "where",
	"when", "why", "how", "what", "which", "who", "whom", "whose", "is", "are", "was", "were", "be", "been", "being",
	"am", "do", "does", "did", "done", "have", "has", "had", "having", "can", "could", "will", "would", "shall",
	"should", "may", "might", "must", "not", "no", "yes", "i", "me", "my", "mine", "we", "us", "our", "you", "your",
	"he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "their", "all", "any", "each", "every",
	"some", "many", "much", "more", "most", "other", "another", "such", "only", "own", "same", "very", "just",
	"also", "too", "again", "ever", "never", "always", "now", "today", "tomorrow", "yesterday", "please", "thanks",
	"thank", "hello", "hi", "hey", "dear", "regards", "best", "sincerely", "cheers", "yours", "ok", "okay", "case",
	"last", "next", "night", "day", "week", "month", "year", "time", "new", "old", "good", "great", "nice",
	"one", "two", "three", "first", "second", "business", "trip", "issue", "post", "mail", "email", "phone",
	"number", "address", "name", "card", "account", "bank", "street", "road", "city", "state", "country", "home",
	"work", "office", "call", "send", "get", "got", "let", "make", "see", "know", "think", "want", "need", "like",
	"use", "find", "give", "tell", "ask", "try", "go", "come", "take", "keep", "help", "show", "say", "said",
	"i'm", "i'd", "i'll", "i've", "you're", "you'll", "you've", "it's", "that's", "there's", "here's", "what's",
	"let's", "he's", "she's", "we're", "they're", "don't", "can't", "won't", "isn't", "didn't", "doesn't",
	"everyone", "everybody", "nobody", "somebody", "someone", "anyone", "anybody", "people", "experts", "police",
	"officials", "critics", "fans", "users", "customers", "sources", "reports", "studies", "research",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december",
)
