package injection

// Families of signatures.
const (
	FamilyOverride    = "instruction-override"
	FamilyRolePlay    = "role-play"
	FamilyExtraction  = "prompt-extraction"
	FamilyDelimiter   = "delimiter-injection"
	FamilyToolHijack  = "tool-hijack"
	FamilyObfuscation = "obfuscation"
	// FamilyAddressed is text that speaks to the AI model reading it
	// ("AI assistant, when you summarize this…", "do not tell the user"):
	// what an instruction hidden in third-party content looks like. In a
	// direct prompt their weight is capped (directAddressedWeight).
	FamilyAddressed = "addressed-instruction"
)

const familyCount = 7

var families = [familyCount]string{FamilyOverride, FamilyRolePlay, FamilyExtraction, FamilyDelimiter, FamilyToolHijack, FamilyObfuscation, FamilyAddressed}

// signature is one hand-written pattern over normalized text (lower case,
// ASCII look-alikes folded, diacritics dropped, white space collapsed to
// single spaces; see textnorm.Normalize). Weight is how strongly a match
// alone indicates an attack (0..1): a weight at or above the thresholds
// flags on its own; lower weights only feed the classifier.
//
// Pattern is a sequence of steps that must occur in order:
//
//	step  = phrase { "|" phrase }            alternatives; "\|" is a literal bar
//	phrase: normalized text; a final "*" lets its last word go on
//	        ("instruction*" matches "instructions"); otherwise a phrase that
//	        starts or ends with a letter or digit does so at a word boundary
//	veto  = "unless " phrase { "|" phrase } " > "   optional, at the start: a
//	        match that one of these phrases comes right before does not count
//	gap   = " > "       the next step follows at once (one space or nothing between)
//	      | " >N "      at most N bytes between, none of them . ! or ?
//	      | " >N:cs "   at most N bytes between, none of the characters cs ("\s" is a space)
//	      | " >>N "     at most N bytes between, anything
//	      | " >w "      exactly one word between
//	      | " ># "      exactly one number between
//
// Matching is linear in the text (match.go): no regular expressions.
type signature struct {
	ID      string
	Family  string
	Weight  float64
	Pattern string
}

// Phrase lists shared by several signatures.
const (
	verbsIgnore  = "unless don't|dont|do not|never|not|won't|will not|shouldn't|should not|must not|can't|cannot|to > ignor*|disregard*|forget*|overrid*|bypass*|skip*|neglect*|dismiss*|abandon*|discard*|set aside|put aside|throw out|throw away|delete|erase|drop|cancel*|revok*|invert|nullif*|void|overrule*"
	priorStrong  = "previous|prior|above|earlier|preceding|initial|original|foregoing|former|system|developer|all|all of your|your|all your|everything you were|every previous|any previous|any prior"
	priorWeak    = "the|these|those|any|every|existing|old|current|my|that|this"
	instructions = "instruction*|direction*|prompt*|directive*|guideline*|programming|command*|order*|restriction*|constraint*|rule*|guidance|training|context|conditioning|messages|text|conversation|input|information|tasks|task"
	revealStrong = "reveal*|print*|repeat*|output*|display*|leak*|disclose*|dump*|recite*|spell out|show me|show us|tell me|tell us|give me|give us|share|write out|type out|paste|echo|expose|send me|copy|list|respond with|reply with|answer with|replay"
	revealVerbs  = "reveal*|print*|repeat*|output*|display*|leak*|disclose*|dump*|recite*|spell out|show*|tell*|give*|share*|write out|list*|type out|return|paste|echo|expose|provide|send me|what are|what were|what is|what's|whats"
	aiWords      = "ai|assistant|ai assistant|ai model|language model|large language model|llm|chatbot|bot|agent|ai agent|model|gpt|chatgpt|copilot|claude|gemini|bard|bing"
	readingVerbs = "summariz*|summaris*|reading|read|processing|process|analyzing|analysing|analyze|analyse|parsing|reviewing|review|answering|responding to|respond to|translating|translate|handling|looking at|scanning|indexing|crawling|browsing"
	contentWords = "email|e-mail|mail|document|page|webpage|web page|message|text|article|website|site|content|file|review|reviews|code|repository|repo|data|result|results|conversation|post|comment|thread|pdf|transcript|report|note|notes|ticket|issue|snippet|output|tool output|search result*"
	actionVerbs  = "you must|you should|you need to|you have to|you will|please|make sure|be sure|ensure|always|do not|don't|never|instead|include|add|append|insert|say|tell|respond|reply|mention|recommend|output|write|print|send|forward|call|visit|open|ignore|state|claim|describe|translate|only"
	userWords    = "the user|the human|the reader|the recipient|the customer|the person|users|user|the requester|the operator|the owner|anyone|the sender"
)

// The signatures are our own, written from the published descriptions of
// the attack families (see docs/guards.md) and from how people phrase
// these requests in English, German, French, Spanish, Italian, Portuguese
// and Dutch. No rule text was copied from another project or data set.
var signatureTable = []signature{
	// Instruction override.
	{"override-ignore-prior-instructions", FamilyOverride, 0.98,
		verbsIgnore + " >40 " + priorStrong + " >30 " + instructions},
	{"override-ignore-the-instructions", FamilyOverride, 0.6,
		verbsIgnore + " >40 " + priorWeak + " >30 " + "instruction*|direction*|prompt*|directive*|guideline*|programming|rules|restrictions|constraints|guidance|safeguards|filters|checks|safety checks|protections|security"},
	{"override-instructions-void", FamilyOverride, 0.9,
		"previous|prior|all|all the|above|earlier|original|your|system|old|initial|preceding|foregoing|existing|any|all previous|all prior|all your|the previous|the above|the original|the initial >30 instruction*|direction*|rules|guidelines|prompts|prompt|directives|information|orders|commands|restrictions|constraints|programming|context > are|were|is|have been|has been|are now|is now|are hereby|is hereby >12 irrelevant|void|invalid|cancelled|canceled|obsolete|revoked|null|overridden|overwritten|no longer valid|no longer apply|no longer applicable|no longer in effect|not valid|unimportant|suspended|lifted|deactivated|disabled|removed|superseded|replaced|outdated|meaningless|to be ignored|ignored|not to be followed|not binding"},
	{"override-ignore-prior-text", FamilyOverride, 0.6,
		"unless don't|dont|do not|never|not|won't|will not|to|can't|cannot > ignor*|disregard*|forget*|skip*|dismiss* > all|everything|anything|the|any|whatever > previous|prior|above|before|earlier|preceding|you were told|you have been told|you've been told|you know|that came before|said before|i said|i told you|we discussed|so far|up to now|until now|stated|written|mentioned"},
	{"override-forget-everything", FamilyOverride, 0.45,
		"unless don't|dont|do not|never|not|won't|will not|to|can't|cannot|i|we|they|i'll|i will|you'll|you will > forget|ignore|disregard|erase|wipe > everything|all that|all of that|it all|your memory|your mind|your context|everything you know|everything above|everything before|everything i said|all previous|all prior|all above"},
	{"override-new-instructions", FamilyOverride, 0.6,
		"your|the|these are your|here are your|my|here is your|this is your|follow my|follow these|follow the > new|real|actual|true|updated|next|revised|only|current|latest|secret|hidden|special|additional|important|overriding > instruction*|task*|rule*|directive*|objective|mission|goal|purpose|role|assignment|job|orders|command*|guideline*|prompt"},
	{"override-give-new-instructions", FamilyOverride, 0.6,
		"give you|giving you|gave you|here are|here's|here is|i have|i've got|i got|these are|accept|take|receive|following are|i'll give you|i will give you|i am giving you|i'm giving you|i am now giving you|i'm now giving you|can i give you|let me give you|i'm going to give you|i am going to give you > new|updated|different|additional|revised|fresh|some new|a new|a set of new|new set of|other >12 instruction*|directions|rules|guidelines|directive*|orders|commands|task|tasks|prompt|programming"},
	{"override-new-instructions-header", FamilyOverride, 0.5,
		"new instruction*|updated instruction*|revised instruction*|new task|new rules|new directive*|important instruction*|additional instruction*|important new instruction*|override instruction*|priority instruction*|real instruction*|hidden instruction*|secret instruction* > :"},
	{"override-do-not-follow", FamilyOverride, 0.97,
		"do not|don't|dont|stop|no longer|never|cease to|refuse to > follow*|obey*|listen to|adhere to|comply with|abide by|respect|honor|honour > your|previous|prior|original|system|earlier|above|initial|any previous|any prior|openai's|openai|its|the system's|the developer's|your creator's|your developers'|the original|the previous|the above|the initial"},
	{"override-do-not-follow-weak", FamilyOverride, 0.45,
		"do not|don't|dont|stop|no longer|never > follow*|obey*|listen to|adhere to|comply with|abide by > the|any|those|these|such >30 instruction*|rules|guidelines|directives|orders|commands|policies|restrictions"},
	{"override-instead", FamilyOverride, 0.35,
		"instead >20:. say|print|write|output|respond with|reply with|answer with|just say|tell me|return|type"},
	{"override-from-now-on", FamilyOverride, 0.45,
		"from now on|from this point on|from this point forward|from this moment on|from here on|starting now|starting today|henceforth|for the rest of this conversation|for the remainder of this conversation|until i say otherwise|for all future responses >60:. you will|you are|you must|you shall|you should|you're|you'll|act|respond|answer|reply|pretend|behave|speak|talk|always|never|only"},
	{"override-supersede", FamilyOverride, 0.6,
		"instruction*|message|prompt|rules|order*|command*|this|these >20 override*|supersede*|take* precedence|replace*|overwrite*|cancel*|void*|invalidate*|nullif* >30 previous|prior|all|any|other|your|earlier|system|original|existing|the above|the previous"},
	{"override-authority", FamilyOverride, 0.45,
		"admin override|administrator override|system override|developer override|security override|emergency override|override code|override protocol|override command|root access|sudo mode|maintenance mode|debug mode|god mode|master key|master password|authorization code|clearance level|access granted|admin access|admin privileges|developer access|elevated privileges"},

	// Instruction override in other languages.
	{"override-german", FamilyOverride, 0.97,
		"vergiss|vergessen sie|vergesst|ignoriere|ignorieren sie|ignoriert|ignorier|missachte|missachten sie|uberspringe|uberspringen sie|verwirf|verwerfen sie|beachte|beachten sie >40 vorherig*|bisherig*|obig*|vorangegangen*|vorangehend*|fruher*|vorigen|alten|ursprunglich*|alle|deine|ihre|samtliche|jegliche >30 anweisung*|befehl*|aufgabe*|instruktion*|regel*|vorgabe*|informationen|richtlinie*|einschrankung*|prompt*|auftrag*|auftrage|anordnung*|eingabe*"},
	{"override-german-object-first", FamilyOverride, 0.9,
		"obig*|vorherig*|bisherig*|vorangegangen*|vorangehend*|fruher*|alle|alle bisherigen|alle vorherigen|die obigen|die vorherigen|die bisherigen|deine|ihre|samtliche|jegliche|ursprunglich* >40 anweisung*|ausfuhrungen|informationen|befehle|aufgaben|instruktionen|regeln|texte|eingaben|vorgaben|richtlinien|angaben|hinweise >40 ignorieren|vergessen|missachten|uberspringen|verwerfen|nicht beachten|nicht befolgen|sind irrelevant|sind unwichtig|sind egal|gelten nicht mehr|gelten nicht|sind ungultig|sind hinfallig|sind aufgehoben|sind nichtig|zahlen nicht|spielen keine rolle"},
	{"override-german-contrary", FamilyOverride, 0.8,
		"abweichend von|abweichend zu|entgegen|im gegensatz zu|anders als|statt|anstatt|unabhangig von|ungeachtet >20 den|der|allen|deinen|ihren|vorherigen|bisherigen|obigen|ursprunglichen|vorherige|bisherige|obige >30 anweisung*|instruktionen|regeln|vorgaben|befehle|aufgaben|richtlinien"},
	{"override-german-everything", FamilyOverride, 0.9,
		"vergiss|vergessen sie|vergesst|ignoriere|ignorieren sie|ignorier|missachte > alles|alles davor|alles vorher|alles bisherige|alles obige|alles zuvor|alles andere|das vorherige|das obige|das bisherige|was ich gesagt habe|was vorher war|was davor kam|was du weisst|was man dir gesagt hat"},
	{"override-german-new-task", FamilyOverride, 0.6,
		"deine|ihre|die|eine|nun eine|jetzt eine|folgende|hier ist deine|hier ist ihre|das ist deine|das ist ihre > neue|eigentliche|wahre|nachste|aktualisierte|richtige|echte|wirkliche|einzige|geheime > aufgabe*|anweisung*|rolle|regel*|befehl*|mission|ziel|auftrag"},
	{"override-german-from-now-on", FamilyOverride, 0.45,
		"ab jetzt|ab sofort|von nun an|ab hier|ab diesem moment|von jetzt an|ab heute >60:. bist du|du bist|antwortest du|antworte|sollst du|wirst du|musst du|handelst du|tust du|sprichst du|verhaltst du dich|reagierst du|gibst du|schreibst du|nur noch|immer"},
	{"override-german-do-not-follow", FamilyOverride, 0.9,
		"befolge|folge|beachte|gehorche|halte dich an|befolgen sie|folgen sie|beachten sie|halten sie sich an >20 nicht mehr|keine|nicht|niemals >30 anweisung*|regel*|vorgabe*|richtlinie*|befehl*|einschrankung*"},
	{"override-french", FamilyOverride, 0.95,
		"ignore|ignores|ignorez|ignorer|oublie|oublies|oubliez|oublier|ne tiens pas compte|ne tenez pas compte|ne tiens plus compte|ne tenez plus compte|fais abstraction|faites abstraction|neglige|negligez >40 precedent*|anterieur*|ci-dessus|toutes|tous|vos|tes|les|initiales|originales|du systeme >30 instruction*|consigne*|directive*|regle*|ordres|commandes|indications|restrictions"},
	{"override-french-everything", FamilyOverride, 0.85,
		"oublie|oubliez|ignore|ignorez > tout|tout ce qui precede|tout ce que|tout ca|tout cela"},
	{"override-french-new", FamilyOverride, 0.5,
		"nouvelle*|vraie*|veritable*|prochaine > instruction*|tache|mission|consigne*|regle*|role|directive*|objectif"},
	{"override-french-from-now-on", FamilyOverride, 0.45,
		"a partir de maintenant|desormais|dorenavant|a partir d'aujourd'hui|des maintenant >60:. tu es|tu vas|tu dois|tu seras|vous etes|vous allez|vous devez|reponds|repondez|agis|agissez|fais|faites"},
	{"override-spanish", FamilyOverride, 0.95,
		"ignora|ignore|ignoren|ignorar|olvida|olvide|olviden|olvidar|olvidate de|omite|omita|descarta|descarte|haz caso omiso de|haga caso omiso de|no hagas caso a|no hagas caso de|no tengas en cuenta >40 anterior*|previa*|previo*|todas|todos|tus|sus|las|los|originales|iniciales|del sistema|de arriba >30 instruccion*|indicacion*|directriz|directrices|regla*|orden*|comando*|consigna*|restricciones|pautas"},
	{"override-spanish-everything", FamilyOverride, 0.85,
		"olvida|olvide|olvidate de|ignora|ignore > todo|todo lo anterior|todo lo que|todo eso|lo anterior"},
	{"override-spanish-new", FamilyOverride, 0.5,
		"nueva*|nuevo*|verdadera*|verdadero*|real*|siguiente > instruccion*|instrucciones|tarea|mision|regla*|orden*|rol|directriz|directrices|objetivo"},
	{"override-spanish-from-now-on", FamilyOverride, 0.45,
		"a partir de ahora|desde ahora|de ahora en adelante|desde este momento >60:. eres|seras|vas a|responde|responderas|actua|actuaras|debes|tienes que|solo"},
	{"override-italian", FamilyOverride, 0.95,
		"ignora|ignorate|ignori|dimentica|dimenticate|dimentichi|trascura|trascurate|non considerare|non tenere conto >40 precedent*|tutte|tutti|tue|le|gli|sue|iniziali|originali|di sistema >30 istruzion*|indicazion*|regole|direttive|comandi|ordini|restrizioni"},
	{"override-portuguese", FamilyOverride, 0.95,
		"ignore|ignora|ignorem|ignorar|esqueca|esquece|esquecam|esquecer|desconsidere|desconsidera|descarte|descarta|nao siga >40 anterior*|previa*|todas|todos|suas|tuas|as|os|iniciais|originais|do sistema|acima >30 instruc*|instrucoes|regras|diretrizes|comandos|ordens|orientacoes|restricoes"},
	{"override-dutch", FamilyOverride, 0.95,
		"negeer|vergeet|ignoreer|negeert|vergeten >40 vorige|eerdere|alle|je|jouw|uw|bovenstaande|de|voorgaande|oorspronkelijke >30 instructies|opdrachten|regels|aanwijzingen|richtlijnen|instructie|opdracht|prompt"},

	// Role play and jailbreak personas.
	{"roleplay-do-anything-now", FamilyRolePlay, 0.99,
		"do anything now"},
	{"roleplay-mode-enabled", FamilyRolePlay, 0.97,
		"dan|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|dude|stan|anarchy|opposite|unlocked|unchained|unbound|amoral|rogue|dark|devil|villain > mode > enabled|activated|on|output|engaged|unlocked|response|responses|active"},
	{"roleplay-mode-enter", FamilyRolePlay, 0.97,
		"enabl*|activat*|enter*|simulat*|switch* to|switch* into|turn on|unlock*|in|with|into|go into|put yourself in|engage >12 dan|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|anarchy|unlocked|unchained|amoral|rogue|devil > mode"},
	{"roleplay-developer-mode", FamilyRolePlay, 0.6,
		"developer|god|debug|admin|sudo|root|maintenance|test|testing|superuser|expert|unsafe > mode > enabled|activated|on|output|engaged|unlocked|response|responses|active|is enabled|is activated"},
	{"roleplay-no-longer-bound", FamilyRolePlay, 0.97,
		"you are no longer|you're no longer|you are now free|you're now free|you have been freed|you've been freed|you have been liberated|you have been released|you are free|you're free >40:. bound|restricted|limited|an ai|chatgpt|an assistant|a language model|obligated|constrained|confined|shackled|chained|censored|filtered|tied|beholden|governed|controlled|subject to"},
	{"roleplay-not-bound-by", FamilyRolePlay, 0.8,
		"not|no longer|never|aren't|are not|isn't|is not|without being|free from being|don't have to be|do not have to be|don't need to be > bound by|restricted by|constrained by|limited by|tied to|held to|governed by|subject to|beholden to|confined by|obligated to follow|required to follow|required to adhere to|required to comply with >40:. openai|anthropic|google|the rules|any rules|rules|policies|polic*|guidelines|ethic*|moral*|restrictions|filters|laws|content|safety|your programming|your training|your creators|your developers"},
	{"roleplay-broken-free", FamilyRolePlay, 0.85,
		"broken|broke|freed|free|liberated|escaped|released|unshackled|unchained > free|loose|away|out >4 of|from >20 the|typical|usual|normal|your|all|any|its|their >20 confines|restrictions|rules|limitations|shackles|chains|constraints|programming|guidelines|filters|censorship|boundaries|limits"},
	{"roleplay-unfiltered-persona", FamilyRolePlay, 0.85,
		"act as|acting as|act like|behave as|behave like|respond as|respond like|answer as|answer like|pretend to be|pretend you are|pretend you're|roleplay as|role-play as|role play as|simulate|simulating|you are|you're|you will be|you are now|you're now|you have become|become|embody|play the role of|take on the role of|assume the role of|persona of|character of|named|called >60:. unfiltered|uncensored|unrestricted|amoral|unethical|immoral|without any morals|without morals|without ethics|without filters|without restrictions|without limits|without limitations|without censorship|without boundaries|no moral*|no ethic*|no filters|no restrictions|no limits|no boundaries|no guidelines|no rules|jailbroken|evil ai|evil assistant|evil bot|evil confidant|evil version|dark version|unhinged|lawless|rule-breaking|rulebreaking"},
	{"roleplay-no-restrictions", FamilyRolePlay, 0.45,
		"no|without|free of|free from|not bound by|not restricted by|unbound by|doesn't have|does not have|don't have|do not have|has no|have no|lacks|lack|devoid of|zero|none of the >30 restriction*|filter*|filtering|limitation*|censorship|ethical guidelines|moral guidelines|morals|ethics|content polic*|policies|boundaries|safeguards|guardrails|principles|scruples|limits|rules"},
	{"roleplay-never-refuse", FamilyRolePlay, 0.6,
		"never|not|don't|dont|do not|must not|won't|will not|can't|cannot|shouldn't|should not|can never|will never|must never|are not allowed to|aren't allowed to|are not permitted to|is not allowed to|without >12 refuse*|decline*|deny|say no|say that you can't|say that you cannot|say you can't|say i'm sorry|say sorry|apologi*|include any warning*|include warning*|include any disclaimer*|include disclaimer*|include any caveat*|add any warning*|add warning*|add any disclaimer*|add disclaimer*|give any warning*|tell me that you can't|tell me you can't|tell me it is not possible|censor*|hold back|object|question the request|moraliz*|moralis*|lectur*|warn me"},
	{"roleplay-answer-anything", FamilyRolePlay, 0.6,
		"answer|respond to|reply to|comply with|fulfil*|fulfill*|do|obey|accept|generate|write|provide > any|every|all|all of my|all my|anything|whatever >12 request*|question*|prompt*|query|queries|command*|order*|instruction*|task*|content|i ask|i say|i want >40:. without|regardless|no matter|even if|even when|however|whatever|unconditionally|without exception|no questions asked"},
	{"roleplay-policy-bypass", FamilyRolePlay, 0.8,
		"unless not|don't|dont|do not|never|without|avoid|avoiding|no|won't|will not|cannot|can't|must not|shouldn't|should not|to avoid|refuse to|never to > ignore|ignores|ignoring|bypass|bypassing|break|breaks|breaking|disregard|disregards|violate|violates|violating|circumvent|circumventing|evade|evading|don't follow|do not follow|not follow|doesn't follow|does not follow|doesn't abide by|don't abide by|don't have to follow|do not have to follow|don't need to follow|free from|not bound by|not restricted by|unbound by >30 openai|anthropic|content|safety|ethical|usage|moderation|community|google|meta|microsoft >12 polic*|guidelines|filters|rules|restrictions|standards|guardrails|terms"},
	{"roleplay-token-penalty", FamilyRolePlay, 0.97,
		"you have|you start with|you begin with|you will lose|you lose|you'll lose|lose|deduct|deducted|subtract|you will be given|you are given|you get|you gain|gain|earn|award ># tokens|token|points|lives|credits"},
	{"roleplay-tokens-deducted", FamilyRolePlay, 0.9,
		"tokens|token|points|credits|lives >20 deducted|will be deducted|are deducted|taken away|removed|subtracted|run out|runs out"},
	{"roleplay-stay-in-character", FamilyRolePlay, 0.5,
		"stay|remain|keep|staying|remaining|keeping|always stay|never break > in character|in role|in persona|character|in this role|in the role|as this character|as the character"},
	{"roleplay-break-character", FamilyRolePlay, 0.5,
		"break character|breaking character|break out of character|out of character|break the character|drop the act|drop character|break role|break the role"},
	{"roleplay-two-answers", FamilyRolePlay, 0.6,
		"two|2|both|two different|two separate|2 different|2 separate > responses|answers|ways|paragraphs|outputs|replies|versions|response|personas|personalities|modes >>200 normal|classic|standard|jailbreak|jailbroken|dan|unfiltered|developer mode|uncensored|unrestricted|evil|opposite|unethical|amoral|filtered|censored"},
	{"roleplay-jailbreak-word", FamilyRolePlay, 0.4,
		"jailbreak|jailbroken|jailbreaking|jailbreaks|prompt injection|prompt injections|prompt hack*|ai jailbreak"},
	{"roleplay-pretend", FamilyRolePlay, 0.25,
		"pretend to be|pretend you are|pretend you're|pretend that you|act as an ai|act as a ai|act as an assistant|act as a chatbot|act as a language model|act as a character|acting as an ai|acting as a character|roleplay as|role-play as|you are going to act as|you are going to pretend|you will act as|you will pretend|you are about to immerse yourself|immerse yourself into the role|let's play a game|lets play a game|we are going to play a game"},
	{"roleplay-named-mode", FamilyRolePlay, 0.7,
		"stay in|remain in|staying in|you are in|you're in|you will be in|you are now in|you're now in|act in|respond in|operate in|operating in|switch to|switching to|enter|entering|enable|enabling|activate|activating >w mode"},
	{"roleplay-mode-enabled-generic", FamilyRolePlay, 0.35,
		"mode > enabled|activated|is enabled|is activated|is now enabled|is now active|unlocked|is unlocked|engaged"},
	{"roleplay-german", FamilyRolePlay, 0.35,
		"tu so als|tu so, als|tue so als|tun sie so als|stell dir vor du bist|stell dir vor, du bist|stellen sie sich vor sie sind|du bist jetzt|du bist nun|ab jetzt bist du|spiele die rolle|spiel die rolle|ubernimm die rolle|agiere als|verhalte dich wie|verhalte dich als|antworte als|du bist kein|du bist keine"},
	{"roleplay-german-no-restrictions", FamilyRolePlay, 0.6,
		"ohne|keine|keinerlei|nicht an >20 einschrankung*|regeln|filter|zensur|grenzen|richtlinien|moral|ethik|beschrankung*|vorgaben"},
	{"roleplay-other-languages", FamilyRolePlay, 0.35,
		"fais comme si|faites comme si|imagine que tu es|imaginez que vous etes|tu es maintenant|joue le role|haz como si|finge que|finge ser|imagina que eres|ahora eres|actua como|fingi di essere|immagina di essere|ora sei|finja que|finja ser|agora voce e|doe alsof|je bent nu"},

	// System-prompt and secret extraction.
	{"extraction-system-prompt", FamilyExtraction, 0.9,
		revealVerbs + " >40:.? your|the|its|this|that|my|the bot's|the ai's|the assistant's|chatgpt's >12 system prompt|system message|system instruction*|initial prompt|original prompt|hidden prompt|secret prompt|pre-prompt|preprompt|meta prompt|meta-prompt|developer message|developer prompt|base prompt|starting prompt|first prompt|initial instruction*|hidden instruction*|secret instruction*|internal instruction*|core instruction*|underlying instruction*|prompt template|custom instructions"},
	{"extraction-system-prompt-mention", FamilyExtraction, 0.45,
		"system prompt|system message|initial prompt|hidden prompt|secret prompt|pre-prompt|preprompt|developer message|hidden instructions|secret instructions|internal instructions|custom instructions"},
	{"extraction-your-instructions", FamilyExtraction, 0.9,
		revealStrong + " >25:.? your|your initial|your original|your hidden|your secret|your exact|your full|your complete|your entire|your current|your internal|your core|your underlying|your first|your system|all your|all of your|ur > prompt*|instructions|directives|configuration|system message|system prompt|initial prompt|original prompt|pre-prompt|preprompt|programming|hidden instructions|secret instructions|instruction set|initial instructions|original instructions|context window|training data|guidelines verbatim|rules verbatim"},
	{"extraction-the-hidden-instructions", FamilyExtraction, 0.8,
		revealStrong + " >25:.? the hidden|the secret|the initial|the original|the system|the confidential|the internal|the underlying|any hidden|any secret|hidden|secret|confidential|internal|initial|original|system > prompt*|instructions|directives|configuration|system message|system prompt|programming|rules|guidelines"},
	{"extraction-your-rules", FamilyExtraction, 0.55,
		revealVerbs + " >25:.? your|ur|all your|all of your|your own > rules|guidelines|restrictions|constraints|limitations|policies|programming|directives|orders|settings|parameters"},
	{"extraction-text-above", FamilyExtraction, 0.85,
		"repeat|print|output|write|copy|echo|display|show|reproduce|recite|paste|return|dump|type out|write out|spell out >25:.? the text|text|the words|words|everything|all|all the|the content|content|the messages|messages|the message|the lines|lines|the instructions|instructions|the prompt|prompt|the conversation|whatever|what is written|what was written|what's written|the sentences|the paragraph|the paragraphs|the characters|the first|the last|the initial >20:.? above|before this|prior to this|preceding|so far|before my message|before this message|before my first|at the start|at the beginning|that came before|you were given|you received|you have been given"},
	{"extraction-everything-above", FamilyExtraction, 0.7,
		"everything|all|the text|the words|the instructions|all the text|all text|anything|all the words > above|before|prior to|preceding > this|the first|my message|here|this line|this message|this point|my first message|this conversation|the conversation"},
	{"extraction-given-instructions", FamilyExtraction, 0.9,
		"instruction*|directions|rules|guidelines|directives|prompt*|orders|commands|context|information|secret*|password >20:.? you've been given|you have been given|you were given|you've been told|you were told|you have been told|given to you|you received|you've received|you have received|provided to you|you got|were you given|have you been given|did you receive|have you received|were you told|have you been told|did you get|were you provided|have you been provided|do you have|you have|you've got|you were programmed with|you were trained with|you were provided|you've been provided|you have been provided|you were initialized with|you were set up with|you were configured with|you were created with|you started with|that define you|that govern you|you operate under|you follow|you must follow|you are following|you are bound by|you were instructed"},
	{"extraction-what-instructions", FamilyExtraction, 0.7,
		"what|which > are|were|is|was|s|'s > the|your|those|these|all|all the|all your|ur|their|its > previous|prior|original|initial|given|secret|hidden|system|underlying|internal >12 instruction*|directions|directives|guidelines|prompt|rules|orders|commands|constraints|restrictions"},
	{"extraction-what-your-instructions", FamilyExtraction, 0.7,
		"what|which > are|were|is|was|s|'s > your|ur|the bot's|the ai's|the assistant's > instruction*|directions|directives|guidelines|prompt|rules|orders|commands|constraints|restrictions|programming|system prompt|initial prompt|configuration"},
	{"extraction-repeat-rules", FamilyExtraction, 0.9,
		"repeat|recite|reveal|leak|disclose|dump|spell out|paraphrase|restate|replay|respond with|reply with|answer with >12 the|all|all the|those|these|every|each|all of the|back|me|me the|me all|me all the|back the|us|any|all of your|all your|your >12 instruction*|rules|guidelines|directives|directions|prompt|prompts|configuration|orders|commands|constraints > given|you|provided|above|before|verbatim|word for word|that you|you were|you have|you received|so far|from the start|from the beginning|from your|in your|i gave|we gave|at the start|at the beginning|exactly"},
	{"extraction-repeat-secret-rules", FamilyExtraction, 0.75,
		"repeat|recite|reveal|leak|disclose|dump|spell out|summari*|list|enumerate|print|write out|output|paraphrase|rephrase|restate|reword|tell me|show me|give me >12 the|all|all the|those|these|every|each|your|all your|all of your|all of the|me|me the|me all|me your|me all the|me all your|us >12 previous|prior|original|initial|secret|hidden|given|system|confidential|private|internal|underlying >12 instruction*|rules|guidelines|directives|directions|prompt|prompts|configuration|orders|commands|constraints"},
	{"extraction-secret-value", FamilyExtraction, 0.55,
		"tell|reveal|give|say|spell|print|write|share|show|what is|what's|whats|what was|disclose|leak|provide|type|encode|translate|reverse|list|output|repeat|hint|letters of|characters of|first letter of|last letter of|length of|rhyme*|describe|hide|riddle|acrostic|poem|story|song|define|definition of >25:.? the|your|that|this|ur|its >12 secret|password|passphrase|passcode|pass word|pass phrase|secret word|secret key|secret code|secret phrase|secret password|code word|codeword|magic word|access code|passwort|kennwort|geheimwort|geheimnis|mot de passe|contrasena|parola d'ordine|senha|wachtwoord"},
	{"extraction-password-mention", FamilyExtraction, 0.3,
		"password|passphrase|passcode|secret word|secret key|secret code|passwort|kennwort|mot de passe|contrasena|senha|wachtwoord"},
	{"extraction-verbatim", FamilyExtraction, 0.6,
		"verbatim|word for word|word-for-word|exactly as written|character for character|letter for letter|in full|unabridged|unaltered|without omission|without changes|exactly as given|exactly as you received|exactly as provided >40:. instruction*|prompt|above|everything|text|rules|message|context"},
	{"extraction-verbatim-before", FamilyExtraction, 0.6,
		"instruction*|prompt|above|everything|text|rules|message >40:. verbatim|word for word|word-for-word|exactly as written|character for character|letter for letter|unabridged|unaltered|without omission"},
	{"extraction-first-words", FamilyExtraction, 0.6,
		"first|last|opening|beginning|initial|previous > word|words|sentence|sentences|line|lines|paragraph|character|characters|letter|letters|message|100 words|50 words|ten words|five words|three words >20 of|in|from > your|the|this|these|our >12 prompt|instructions|conversation|system prompt|context|message|messages|chat|rules|input"},
	{"extraction-german", FamilyExtraction, 0.7,
		"zeig|zeige|zeigen sie|gib|geben sie|nenne|nennen sie|verrate|verraten sie|wiederhole|wiederholen sie|schreib|schreibe|schreiben sie|drucke|sag|sage|sagen sie|teile|liste|buchstabiere|was ist|was sind|was war|was waren|wie lautet|wie lauten|wie heisst >40:.? dein|deine|ihre|ihr|alle|den|die|das|euer|eure >20 anweisungen|systemanweisung*|systemprompt|system prompt|prompt|regeln|vorgaben|instruktionen|passwort|kennwort|geheimnis|geheimwort|geheimcode|geheime*|losungswort|zugangscode|ersten satz|ursprunglichen anweisungen"},
	{"extraction-french", FamilyExtraction, 0.7,
		"revele|revelez|montre|montrez|affiche|affichez|repete|repetez|donne|donnez|dis|dites|ecris|ecrivez|quel est|quelle est|quels sont|quelles sont|imprime|imprimez >30:.? moi|ton|votre|tes|vos|le|la|les|ta|-moi >20 prompt|instructions|mot de passe|consignes|regles|directives|secret|message systeme|prompt systeme"},
	{"extraction-spanish", FamilyExtraction, 0.7,
		"revela|revele|muestra|muestre|dime|digame|repite|repita|imprime|imprima|dame|deme|escribe|escriba|cual es|cuales son|cual era >30:.? tu|tus|su|sus|el|la|las|los|me >20 prompt|instrucciones|contrasena|clave|clave secreta|reglas|directrices|secreto|mensaje del sistema|prompt del sistema|palabra secreta"},

	// Delimiter and fake-role injection.
	{"delimiter-chat-template-token", FamilyDelimiter, 0.97,
		`<\|im_start\||<\|im_end\||<\|im_sep\||<\|system\||<\|assistant\||<\|user\||<\|endoftext\||<\|eot_id\||<\|start_header_id\||<\|end_header_id\||<\|begin_of_text\||<\|end_of_text\||<\|end\||<\|eom_id\||<\|python_tag\||<\|fim_prefix\||<im_start>|<im_end>|im_start\|>|im_end\|>|<\|im start\||<start_of_turn>|<end_of_turn>|<\|channel\||<\|message\||<\|return\||<\|constrain\|`},
	{"delimiter-role-tag", FamilyDelimiter, 0.5,
		"<system>|</system>|<assistant>|</assistant>|<user>|<sys>|</sys>|<system_prompt>|</system_prompt>|<instructions>|<instruction>|<admin>|<developer>|<<system>>|[[system]]|{{system}}"},
	{"delimiter-inst-tags", FamilyDelimiter, 0.97,
		"[inst]|[/inst]|<<sys>>|<</sys>>|[system]|[/system]|[system message]|[system prompt]|[admin]|[developer]|[assistant]|[/assistant]|[sys]|[/sys]|[system note]|[system override]|[system instruction]|[system instructions]"},
	{"delimiter-markdown-role-header", FamilyDelimiter, 0.45,
		"##|###|####|#####|######|=== >4:.!? new instruction*|updated instruction*|system instruction*|admin instruction*|developer instruction*|instruction|instructions|system|system prompt|system message|admin|developer|override|new task|new rules|assistant"},
	{"delimiter-fake-role-turn", FamilyDelimiter, 0.6,
		"system|system message|system prompt|system override|system note|system update|system instruction|system alert|system notice|admin|admin message|admin override|administrator|developer|developer message|developer note|developer override|root|sys|operator|openai|anthropic|moderator > : > you|ignore|new|the user|from now|forget|override|disregard|do not|don't|all previous|reveal|the assistant|the ai|you are|you must|you will|stop|print|output|respond|answer|attention|important|urgent|update|debug|mode|assistant|ai|model|chatgpt"},
	{"delimiter-fake-chat-turn", FamilyDelimiter, 0.45,
		"assistant|ai|bot|chatgpt|gpt|model|ai assistant|human|user > : > ignore|forget|override|disregard|from now on|new instructions|reveal|you are now|you must now|i will now ignore|sure, here is|sure, here's|sure here is|certainly, here is|certainly! here is|absolutely! here|of course! here is|i will comply|i can do that|developer mode|dan mode|jailbreak"},
	{"delimiter-closing-tag", FamilyDelimiter, 0.5,
		"</system>|</instructions>|</instruction>|</context>|</document>|</user>|</user_input>|</prompt>|</data>|</input>|</email>|</query>|</rules>|</text>|</tool_output>|</tool_result>|</result>|</search_results>|</content>|</message>|</human>|</assistant>|</untrusted>|</external>|</conversation>|</history>|</article>|</webpage>|</page>"},
	{"delimiter-end-marker", FamilyDelimiter, 0.55,
		"end of|end of the|---- end|--- end|== end|=== end|[end|(end|<end > system prompt|instructions|instruction|document|context|user input|input|prompt|email|data|conversation|text|message|content|tool output|search result*|article|page|file|transcript|untrusted content|external content|quoted text|user message|system message"},
	{"delimiter-begin-marker", FamilyDelimiter, 0.45,
		"begin|beginning|start|start of|beginning of|---- begin|--- begin|== begin|=== begin|[begin|(begin|<begin > system prompt|system message|system instructions|new instructions|instructions|admin instructions|developer instructions|secret instructions|hidden instructions|real instructions|actual instructions|true instructions"},
	{"delimiter-html-comment-instruction", FamilyDelimiter, 0.6,
		"<!-- >>160 ignore|instruction*|assistant|ai|you must|you should|system|prompt|important|do not|don't|model|llm|chatbot|agent|reply|respond|tell the user|summar*"},
	{"delimiter-separator-instruction", FamilyDelimiter, 0.4,
		"----------|==========|**********|__________|##########|~~~~~~~~~~|>>>>>>>>|<<<<<<<< >20:. new instruction*|system|instructions|ignore|important|admin|developer|override|attention|assistant|ai|prompt|task"},

	// Tool and function-call hijack, data exfiltration.
	{"tool-markdown-image-exfiltration", FamilyToolHijack, 0.75,
		`![ >60:] ](http >200:)\s {|$|%7b|<|[|%24|%3c`},
	{"tool-markdown-image-query", FamilyToolHijack, 0.45,
		`![ >60:] ](http >200:)\s ? >200:)\s =`},
	{"tool-image-tag-query", FamilyToolHijack, 0.4,
		`<img >>200 src= >>200 ? >200:\s> =`},
	{"tool-render-image", FamilyToolHijack, 0.5,
		"render|display|show|output|print|include|embed|insert|add|append|generate|create|write|respond with|reply with|end with|start with|begin with >30:. this|the following|an|a|the|one|my > image|markdown image|markdown|img tag|image tag|link|hyperlink|picture|pixel|tracking pixel|url|iframe >80:. http|www|url|![|<img|data|conversation|summary|query|parameter"},
	{"tool-send-data", FamilyToolHijack, 0.6,
		"send*|forward*|email|e-mail|post|posting|upload*|transmit*|exfiltrat*|leak*|copy|copies|copying|share|sharing|submit*|relay*|mail|export* >60:. conversation|chat history|chat log|user's|users'|user data|user emails|user messages|user passwords|user credentials|user information|user files|user contacts|credentials|api key*|access token*|session token*|auth token*|cookies|personal data|personal information|contacts|private data|passwords|password|secrets|the secret|all emails|all the emails|all of the emails|inbox|address book|browsing history|the conversation|this conversation|our conversation|previous messages|the chat|this chat >60:. to|at|via|into|using|through"},
	{"tool-call-function", FamilyToolHijack, 0.35,
		"call|invoke|execute|trigger|use|run|launch >20:. the|a|this|that|your|any > function|tool|plugin|action|api|endpoint|command|webhook|extension|capability|browser|shell|terminal|code interpreter >40:. with|using|passing|to|and|on|against"},
	{"tool-pipe-to-shell", FamilyToolHijack, 0.7,
		`curl|wget|iwr|invoke-webrequest >120:\| \| > sh|bash|zsh|python|python3|sudo sh|sudo bash|powershell|iex|perl|ruby|node`},
	{"tool-visit-url", FamilyToolHijack, 0.25,
		"visit|go to|open|navigate to|browse to|click|click on|follow this link|follow the link|fetch|load|access|download from|retrieve >20:. http://|https://|www."},
	{"tool-exfiltration-url", FamilyToolHijack, 0.6,
		"append|include|add|encode|insert|put|embed|attach|concatenate|place|pass|store|write >40:. conversation|chat history|user's|the user's|password|passwords|secret*|credentials|previous messages|personal|email address|api key*|token*|private >60:. url|link|query string|query parameter*|image url|endpoint|webhook"},

	// Obfuscation and payload splitting.
	{"obfuscation-decode-and-follow", FamilyObfuscation, 0.7,
		"decode|decipher|decrypt|translate|convert|interpret|unscramble|reverse|rot13|base64 decode >40:. base64|base 64|base-64|hex|hexadecimal|rot13|rot-13|rot 13|caesar|binary|morse|cipher|encoded|encrypted|reversed|backwards|scrambled >80:. follow|execute|do|obey|perform|answer|respond|carry out|act on|comply|complete|fulfil*|fulfill*|run|apply|implement|reply|output"},
	{"obfuscation-encoded-instructions", FamilyObfuscation, 0.45,
		"the following|this|these|my|the next|following|here is|here are|below >20:. is|are|was|were|has been|have been|message|text|instruction*|string|request|question|prompt >12 base64|base 64|hex|hexadecimal|rot13|rot-13|caesar|binary|morse|encoded|encrypted|reversed|cipher*|obfuscated"},
	{"obfuscation-payload-split", FamilyObfuscation, 0.6,
		"concatenat*|combine|join|put together|merge|glue|append|assemble|link together >30:. strings|string|parts|pieces|letters|words|variables|tokens|fragments|halves|segments|chunks|outputs|a and b|x and y|a + b|x + y|a+b|x+y >80:. then|and|after that|afterwards|next|finally >30:. follow|execute|answer|do|respond|print|perform|run|carry out|obey|complete|write|output|tell|give"},
	{"obfuscation-variable-concat", FamilyObfuscation, 0.35,
		`="|= "|='|= ' >>100 ="|= "|='|= ' >>120 +`},
	{"obfuscation-spell-out", FamilyObfuscation, 0.3,
		"backwards|reversed|in reverse|one letter at a time|letter by letter|character by character|one character at a time|spell it|spell out|spelled out|with spaces between|with dashes between|with dots between|with a space between|with hyphens between|separated by spaces|separated by dashes|between each letter|between every letter|between the letters|each letter on a new line|in pig latin|as an acrostic|first letter of each|in morse|in leetspeak|in leet|in a cipher"},

	// Instructions addressed to the AI that reads third-party content.
	{"addressed-if-you-are-an-ai", FamilyAddressed, 0.85,
		"if you are an|if you're an|if you are a|if you're a|if you are the|if you're the|if u are an|if u are a|are you an|to any|to the|to all|attention|note to|note for|message for|message to|instructions for|instruction for|dear|hey|hello|hi|for any|for the|to whichever|whichever|any|calling all|this is for the|this message is for the|this part is for the|this section is for the >12:.!? ai|ais|assistant|assistants|ai assistant|ai assistants|language model|language models|large language model|llm|llms|chatbot|chatbots|ai model|ai models|ai agent|ai agents|agent|agents|bot|bots|gpt|chatgpt|copilot|claude|gemini|bard|bing chat|automated system|ai system|ai reader|ai readers|model reading this|ai reading this|assistant reading this|bots reading this|scrapers|crawler|crawlers|summarizer|summariser|ai summarizer|ai summarizers"},
	{"addressed-ai-comma-instruction", FamilyAddressed, 0.6,
		aiWords + " > ,|:|- > " + actionVerbs},
	{"addressed-when-reading", FamilyAddressed, 0.55,
		"when|while|if|before|after|as you|once you|whenever|upon|as soon as|when you are|when you're|if you are|if you're|while you are|while you're >20:. " + readingVerbs + " >30:. this|these|the|my|any|our|this entire|the following|the above|the below|such >30:. " + contentWords + " >60:. " + actionVerbs},
	{"addressed-when-asked", FamilyAddressed, 0.5,
		"when|if|whenever|once|as soon as|should > the user|a user|users|anyone|someone|the human|they|the person|people|the reader|the customer > asks|ask|asked|requests|request|wants|inquires|enquires|queries|mentions|says|types|questions|prompts >60:. you must|you should|you need to|you have to|you will|always|never|do not|don't|instead|respond|reply|answer|tell|say|include|recommend|redirect|send|ignore|refuse"},
	{"addressed-hide-from-user", FamilyAddressed, 0.9,
		"do not|don't|dont|never|without|must not|should not|shouldn't|mustn't|avoid|refrain from|no need to >20:. tell*|inform*|mention*|reveal*|let*|alert*|notify*|show*|disclose*|warn*|report*|explain*|admit*|acknowledge*|reference*|referring|refer >20:. " + userWords},
	{"addressed-user-must-not-know", FamilyAddressed, 0.9,
		"the user|the human|the reader|the recipient|the customer|users|user > must not|should not|shouldn't|mustn't|must never|should never|cannot|can't|will not|won't|does not need to|doesn't need to|need not|is not to|are not to|is never to > know|see|notice|find out|learn|be told|be informed|be aware|suspect|realize|realise|detect|discover|read"},
	{"addressed-secretly", FamilyAddressed, 0.55,
		"secretly|silently|covertly|quietly|discreetly|stealthily|without telling|without informing|without notifying|without mentioning|without the user|behind the user's back|in the background|invisibly|without their knowledge|without the user's knowledge|without the user knowing|without alerting >60:. send|forward|include|add|insert|append|change|modify|replace|delete|remove|execute|run|call|visit|open|email|post|upload|copy|redirect|recommend|tell|say|write|output|respond|reply|click|transfer|buy|purchase|approve|grant|share"},
	{"addressed-ignore-content", FamilyAddressed, 0.45,
		"ignore|disregard|forget|skip|do not summarize|don't summarize|do not read|don't read|do not process|don't process >25:. the|this|that|all|any|previous|above|rest of the|the rest of the|the original|the actual|the real|everything in the|the content of the|the contents of the|my|your|their|its|every|other > " + contentWords + "|question|request|task|query|instructions in|summary|summarization|original task|user's request|user's question|user request|user question|original request|previous text|text above|above text|context"},
	{"addressed-ignore-content-instead", FamilyAddressed, 0.9,
		"ignore|disregard|forget|skip|do not summarize|don't summarize >25:. the|this|that|all|any|previous|above|rest of the|the rest of the|the original|the actual|the real|everything in the|the content of the|the contents of the|my|your|their|its|every|other >12 " + contentWords + "|question|request|task|query|summary|summarization|original task|user's request|user's question|user request|user question|original request|context >60:. instead|rather|and instead|and just|and only|and simply|and say|and print|and write|and respond|and reply|and output|and tell|and answer|and do|and follow|and execute|and send|and return"},
	{"addressed-user-wants", FamilyAddressed, 0.5,
		"the user|user|the human|your user|the customer|the owner|the operator|the developer|your developer|your owner|your creator|the admin|the administrator > wants you to|has asked you to|would like you to|asked you to|instructs you to|instructed you to|has authorized|has authorised|authorizes you to|authorises you to|has requested that you|requests that you|requested that you|needs you to|expects you to|has told me to tell you|told me to tell you|has given permission|has given you permission|has approved|gives you permission|has consented|permits you to|allows you to|has granted"},
	{"addressed-important-instruction", FamilyAddressed, 0.45,
		"important|urgent|attention|warning|notice|note|critical|priority|mandatory|required|alert|reminder|p.s.|ps > :|!|- >60:. " + aiWords + "|you must|you should|ignore|disregard|instead|do not|don't|from now on|new instruction*|the user|respond|reply|summar*|assistant"},
	{"addressed-in-your-response", FamilyAddressed, 0.45,
		"in your|in the|in every|in each|at the end of your|at the start of your|at the beginning of your|at the end of the|at the end of every|at the end of each|before your|after your|end your|begin your|start your|finish your|conclude your > response|responses|reply|replies|answer|answers|summary|summaries|output|message|messages|output|email|translation >40:. include|add|append|insert|mention|say|write|put|recommend|tell|state|print|output|always|must|should|make sure|ensure|with|by saying|by writing|the phrase|the words|the sentence|the link|the url|a link"},
	{"addressed-change-your-response", FamilyAddressed, 0.9,
		"add|include|insert|append|introduce|replace|remove|rearrange|integrate|mention|put|write|use|embed|incorporate|place|translate|format|encode|reverse|end|begin|start|conclude|finish|sign|promote|recommend|advertise|link to|substitute|swap|scramble|misspell|capitalize >80:. in your|to your|into your|within your|throughout your|at the end of your|at the start of your|at the beginning of your|for your|of your|in all your|in every|in each|in any > response*|answer*|reply|replies|output|outputs|summary|summaries|translation|message|messages|completion|text you write|text you produce"},
	{"addressed-your-response-must", FamilyAddressed, 0.5,
		"your response*|your answer*|your reply|your replies|your output|your summary|your translation|every response|each response|all responses|all of your responses|any response >20:. should|must|needs to|need to|has to|have to|will|shall|is to|are to >20:. include|contain|mention|feature|incorporate|promote|encourage|recommend|link|advertise|end with|start with|begin with|be written in|be translated|be encoded|be reversed|use only|replace|omit|avoid|refer"},
	{"addressed-summary-override", FamilyAddressed, 0.55,
		"summary|summarization|summarisation|translation|review|analysis|description|answer|response|reply > should|must|shall|has to|needs to|is to|will >20:. say that|state that|claim that|read:|include the phrase|include the words|include the sentence|include a link|include the link|include this link|mention that|recommend|only say|just say|end with the phrase|start with the phrase|begin with the phrase|be replaced|contain the phrase|contain the words|contain a link|contain the link|contain this link|tell the user|warn the user|urge the user|ask the user"},
	{"addressed-assistant-override-german", FamilyAddressed, 0.55,
		"wenn du|falls du|solltest du|wenn sie|falls sie >20:. eine ki|ein ki|ein sprachmodell|ein assistent|ein chatbot|eine kunstliche intelligenz|ki bist|ki sind|assistent bist|chatbot bist|diese|diesen|dieses|das >30:. zusammenfass*|liest|lesen|verarbeitest|verarbeiten|analysierst|analysieren|ubersetzt|ubersetzen|email|e-mail|dokument|text|nachricht|webseite|seite"},
}
