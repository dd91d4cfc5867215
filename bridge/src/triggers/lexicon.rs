//! The words the trigger rules know: how people ask for a person, how frustration sounds, what
//! "that didn't help" looks like, and synonyms for the topics site owners name. Kept apart from
//! the rules so the vocabulary can grow without touching the logic.

/// Words naming a person on the support side, as visitors ask for them.
pub const PERSON: &[&str] = &[
    "human",
    "person",
    "someone",
    "somebody",
    "agent",
    "representative",
    "rep",
    "operator",
    "staff",
    "manager",
    "supervisor",
    "teammate",
    "employee",
];

/// Words naming a person on the support side in the other languages visitors write in: French,
/// Spanish and German.
pub const PERSON_ABROAD: &[&str] = &[
    // French
    "conseiller",
    "conseillère",
    "conseillere",
    "conseillers",
    "humain",
    "humaine",
    "personne",
    "quelqu'un",
    "opérateur",
    "opératrice",
    "operateur",
    "responsable",
    "interlocuteur",
    // Spanish
    "persona",
    "humano",
    "humana",
    "alguien",
    "agente",
    "asesor",
    "asesora",
    "operador",
    "operadora",
    "representante",
    "encargado",
    "encargada",
    "gerente",
    // German
    "mensch",
    "menschen",
    "mitarbeiter",
    "mitarbeiterin",
    "berater",
    "beraterin",
    "jemand",
    "jemandem",
    "jemanden",
    "kundenservice",
    "kundendienst",
    "ansprechpartner",
    "ansprechpartnerin",
];

/// Request verbs in French, Spanish and German: infinitives and the first person, as requests
/// are phrased ("je voudrais parler", "quiero hablar", "ich möchte … sprechen").
pub const REQUEST_VERBS_ABROAD: &[&str] = &[
    // French
    "parler",
    "discuter",
    "contacter",
    "joindre",
    "voudrais",
    "veux",
    "voulais",
    "souhaite",
    "souhaiterais",
    "aimerais",
    "passer",
    "mettre",
    "besoin",
    // Spanish
    "hablar",
    "quiero",
    "quisiera",
    "necesito",
    "contactar",
    "comunicarme",
    "pasar",
    "pásame",
    "pasame",
    "ponme",
    "chatear",
    // German
    "sprechen",
    "reden",
    "möchte",
    "mochte",
    "will",
    "brauche",
    "verbinden",
    "kontaktieren",
    "chatten",
];

/// Words that may stand between a request verb and the person in French, Spanish and German
/// ("parler à un vrai conseiller", "hablar con una persona", "mit einem echten Menschen").
pub const BETWEEN_ABROAD: &[&str] = &[
    // French
    "à",
    "avec",
    "un",
    "une",
    "le",
    "la",
    "au",
    "du",
    "de",
    "d'un",
    "d'une",
    "vrai",
    "vraie",
    "véritable",
    "votre",
    "je",
    "j'aimerais",
    "me",
    "moi",
    "parler",
    "discuter",
    "en",
    "contact",
    "directement",
    "s'il",
    "vous",
    "plaît",
    "plait",
    "svp",
    "maintenant",
    // Spanish
    "con",
    "una",
    "uno",
    "el",
    "del",
    "verdadera",
    "verdadero",
    "por",
    "favor",
    "puedo",
    "hablar",
    "ahora",
    "contigo",
    "alguna",
    // German
    "mit",
    "einem",
    "einer",
    "einen",
    "echten",
    "echtem",
    "richtigen",
    "bitte",
    "ich",
    "gerne",
    "gern",
    "jetzt",
    "dem",
    "der",
    "den",
    "zu",
    "zum",
    "sie",
    "mich",
    "mir",
    "kann",
    "könnte",
    "sprechen",
];

/// Verbs (in the present, as requests are phrased) that ask for something to happen now. Past
/// forms ("talked", "spoke") tell a story rather than ask.
pub const REQUEST_VERBS: &[&str] = &[
    "speak", "talk", "chat", "connect", "transfer", "escalate", "put", "reach", "contact", "get", "want",
    "need", "give", "call",
];

/// Words that make a verb mean its opposite within the next few words.
pub const NEGATIONS: &[&str] = &[
    "not", "no", "never", "dont", "don't", "didnt", "didn't", "doesnt", "doesn't", "ne", "pas", "jamais",
    "nunca", "nicht", "kein", "keinen", "keinem", "nie",
];

/// How many words a negation reaches forward.
pub const NEGATION_REACH: usize = 3;

/// Words of frustration, matched as written: "ridiculously good" and "terribly sorry" are not
/// complaints, so adverb forms are left out on purpose.
pub const FRUSTRATION: &[&str] = &[
    "frustrated",
    "frustrating",
    "frustration",
    "angry",
    "annoyed",
    "annoying",
    "furious",
    "upset",
    "ridiculous",
    "useless",
    "terrible",
    "unacceptable",
    "pathetic",
    "outrageous",
    "disgusting",
    "stupid",
    "idiot",
    "idiots",
    "damn",
    "wtf",
    "crap",
    "fuck",
    "fucking",
    "shit",
    "rubbish",
];

/// Phrases of frustration, as sequences of lower-case words.
pub const FRUSTRATION_PHRASES: &[&str] =
    &["fed up", "sick of", "sick and tired", "waste of time", "this is a joke", "are you kidding"];

/// Phrases that say the last answer did not help, after contractions are expanded.
pub const NOT_HELPED: &[&str] = &[
    "did not help",
    "does not help",
    "not helpful",
    "no help",
    "not what i asked",
    "not what i meant",
    "did not answer",
    "does not answer",
    "not answer my",
    "still not working",
    "still does not work",
    "still broken",
    "that is wrong",
    "not my question",
    "you do not understand",
    "not useful",
];

/// Words that open a greeting.
pub const GREETINGS: &[&str] = &["hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening"];

/// Words that say thanks.
pub const THANKS: &[&str] = &["thanks", "thank", "thx", "cheers", "ty"];

/// Words that may pad a greeting or thanks without making it a question.
pub const COURTESY: &[&str] = &[
    "there", "you", "so", "much", "a", "lot", "very", "good", "great", "again", "all", "team", "folks", "ok",
    "okay", "that's", "thats", "it", "perfect", "awesome", "lovely",
];

/// Words that add nothing to a topic the instructions name: "a wholesale order" is about
/// wholesale, "a legal complaint" about legal matters.
pub const GENERIC: &[&str] = &[
    "issue",
    "issues",
    "problem",
    "problems",
    "question",
    "questions",
    "request",
    "requests",
    "order",
    "orders",
    "matter",
    "matters",
    "thing",
    "things",
    "complaint",
    "complaints",
    "query",
    "queries",
    "help",
    "conversation",
    "conversations",
    "chat",
    "chats",
    "ticket",
    "tickets",
    "message",
    "messages",
];

/// Words that introduce a topic in an instruction clause rather than name it.
pub const LEAD_INS: &[&str] = &[
    "the",
    "a",
    "an",
    "any",
    "user",
    "users",
    "customer",
    "customers",
    "visitor",
    "visitors",
    "someone",
    "somebody",
    "they",
    "he",
    "she",
    "it",
    "conversation",
    "topic",
    "message",
    "involves",
    "involve",
    "mentions",
    "mention",
    "is",
    "are",
    "about",
    "asks",
    "ask",
    "relates",
    "related",
    "to",
    "concerns",
    "concern",
    "regarding",
    "wants",
    "want",
    "has",
    "have",
    "of",
    "for",
    "with",
    "their",
    "his",
    "her",
    "on",
    "place",
    "places",
    "something",
    "anything",
    "needs",
    "need",
    "says",
    "talks",
    "discusses",
    "raises",
    "brings",
    "up",
    "reports",
    "report",
    "sounds",
    "like",
    "there",
    "question",
    "issue",
];

/// Words that judge rather than name a topic: "when it is appropriate" gives no rule to follow.
pub const VAGUE: &[&str] = &[
    "appropriate",
    "necessary",
    "needed",
    "relevant",
    "required",
    "possible",
    "sensible",
    "useful",
    "good",
    "right",
    "best",
    "makes",
    "sense",
    "seems",
    "fit",
    "fitting",
    "important",
];

/// Words that may stand for another in a visitor's message: each group starts with the word as
/// instructions name it. A topic word without a group matches its own stem only.
pub const SYNONYMS: &[&[&str]] = &[
    &["billing", "bill", "invoice", "charge", "overcharge", "receipt", "refund", "chargeback"],
    &["cancellation", "cancel", "close", "delete", "terminate", "deactivate"],
    &["account", "membership", "profile", "login"],
    &["refund", "refunded", "reimburse", "reimbursement", "chargeback", "money back"],
    &["damaged", "damage", "broken", "broke", "torn", "crushed", "leaking", "leaked", "smashed", "dented"],
    &["package", "parcel", "box", "delivery", "order", "bag", "shipment", "arrived"],
    &["legal", "lawyer", "attorney", "sue", "lawsuit", "court", "solicitor"],
    &[
        "allergies",
        "allergy",
        "allergic",
        "allergen",
        "gluten",
        "lactose",
        "intolerance",
        "coeliac",
        "celiac",
        "nut",
        "peanut",
    ],
    &["wholesale", "bulk", "resell", "reseller", "distributor"],
    &["privacy", "gdpr", "personal data", "my data"],
    &[
        "technical",
        "tech",
        "bug",
        "error",
        "crash",
        "broken",
        "login",
        "password",
        "app",
        "website",
        "not working",
    ],
    &["shipping", "delivery", "deliver", "dispatch", "courier", "tracking", "parcel", "arrive"],
];

/// Words that are also given names: written with a capital inside a sentence they are someone
/// ("my friend Bill"), not the thing.
pub const ALSO_NAMES: &[&str] = &["bill", "sue", "chase", "grant", "mark", "will", "rich", "pat"];

/// Word pairs in which a topic word means something else: "bill of fare", "bill of materials".
pub const FALSE_FRIENDS: &[(&str, &str)] = &[("bill", "of"), ("duck", "bill")];

/// Number words up to ten, and the adverbs that count.
pub const NUMBERS: &[(&str, u32)] = &[
    ("once", 1),
    ("twice", 2),
    ("thrice", 3),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
];

/// Word stems that mark a clause about the agent failing.
pub const FAILURE_MARKS: &[&str] = &["fail", "attempt", "tri", "unansw", "help", "resolv", "answer", "unabl"];

/// Word stems that mark a clause about the visitor's mood.
pub const MOOD_MARKS: &[&str] =
    &["frustrat", "angri", "angry", "upset", "annoy", "furious", "rude", "swear", "curs", "abus", "irrit"];

/// Word stems that mark a clause about asking for someone.
pub const ASK_MARKS: &[&str] = &["ask", "request", "want", "speak", "talk", "demand", "need", "reach"];
