"""Hand-written cue lexicons: words and phrases that often carry incivility in technical discussion.

They are features, never verdicts: the model learns how much each cue counts, and the same word in a civil
comment ("kill the process", "a stupid-simple fix") is outweighed by its context. Written for this project.
"""

from __future__ import annotations

import re

LEXICONS: dict[str, tuple[str, ...]] = {
    "profanity": (
        "fuck", "fucking", "fucked", "fucker", "fuckin", "motherfucker", "fck", "fcking", "f*ck", "f**k", "f***",
        "shit", "shitty", "bullshit", "sh*t", "shite", "crap", "crappy", "damn", "damned", "goddamn", "ass",
        "asshole", "arse", "arsehole", "bastard", "bitch", "bitching", "piss", "pissed", "dick", "dickhead", "wtf",
        "stfu", "gtfo", "ffs", "cock", "cunt", "twat", "wanker", "bollocks", "prick", "douche", "douchebag",
        "jerk", "sucks", "suck", "screw you", "hell", "bloody", "effing", "frigging", "freaking", "fucks",
        "fuckers", "fuckwit", "shits", "shithead", "bullcrap", "asses", "assholes", "bastards", "bitches",
        "dicks", "cocks", "cunts", "twats", "wankers", "pricks", "whore", "slut", "sucker", "suckers", "damnit",
        "dammit", "goddammit", "wtf?", "omfg", "fu", "f-ing", "f'ing", "s**t", "a**hole", "b*tch", "bs",
        "piss off", "shut up", "shut the", "go to hell", "hell no", "shove it", "crapware", "crappiest",
    ),
    "insult": (
        "idiot", "idiots", "idiotic", "moron", "morons", "moronic", "stupid", "stupidity", "dumb", "dumbass",
        "imbecile", "incompetent", "incompetence", "clueless", "ignorant", "ignorance", "lazy", "pathetic",
        "clown", "clowns", "buffoon", "fool", "fools", "foolish", "loser", "losers", "troll", "trolls", "amateur",
        "amateurs", "amateurish", "braindead", "brain-dead", "brainless", "retard", "retarded", "dimwit",
        "halfwit", "nitwit", "dunce", "useless", "worthless", "liar", "liars", "delusional", "arrogant",
        "childish", "hypocrite", "hypocrites", "hypocritical", "shill", "shills", "fanboy", "fanboys", "muppet",
        "monkeys", "garbage", "trash", "disgrace", "disgraceful", "disgusting", "laughable", "lunatic",
        "lunatics", "nutjob", "crackpot", "ignoramus", "coward", "cowards", "spineless", "scumbag", "scum",
        "parasite", "parasites", "pig", "pigs", "sheep", "snowflake", "snowflakes", "incompetents", "hack",
        "hacks", "dense", "clueless", "pea-brained", "numbskull", "bozo", "bozos", "dolt", "cretin", "twit",
        "stupidest", "dumbest", "idiocy", "morons'", "imbeciles", "cretins", "clowns'", "jackass", "jackasses",
        "dumbo", "nincompoop", "simpleton", "halfwits", "ignorant", "ignoramuses", "incompetents", "pathetically",
        "freak", "freaks", "weirdo", "creep", "creepy", "ugly", "fat", "vandal", "vandals", "vandalism",
        "bigot", "bigots", "racist", "racists", "sexist", "nazi", "fascist", "hypocrisy", "liar", "lying",
        "psycho", "psychopath", "sociopath", "maniac", "mental", "insane", "nuts", "deranged", "senile",
        "worthless", "useless", "hopeless", "spineless", "gutless", "clown", "joke", "disgrace", "embarrassment",
        "stupidly", "idiotically", "brainless", "thick", "slow", "unqualified", "unfit",
    ),
    "mockery": (
        "lol", "lmao", "lmfao", "rofl", "haha", "hahaha", "slow clap", "oh wonderful", "oh great", "oh good",
        "yeah right", "sure thing", "bravo", "/s", "genius", "popcorn", "a joke", "clown show", "circus",
        "congrats", "congratulations", "how cute", "adorable", "cute", "luck with that", "shocking",
        "surprise surprise", "have guessed", "who knew", "typical", "as usual", "of course",
        "nice job", "well done", "amazing", "masterpiece", "truly", "pathetic", "comedy", "hilarious",
        "delusional", "bordering on", "laughable", "lmao even", "🙄", "🤡", "😂", "🤣", "🍿", "👏",
    ),
    "accusation": (
        "lying", "lie", "lies", "lied", "dishonest", "dishonesty", "corrupt", "corruption", "bribe", "bribed",
        "paid off", "their pocket", "pocket of", "agenda", "hidden agenda", "cover-up", "cover up",
        "covering up", "conspiracy", "favoritism", "favouritism", "rigged", "bad faith", "deliberately",
        "intentionally", "on purpose", "sabotage", "sabotaging", "collusion", "colluding", "pure coincidence",
        "convenient", "conveniently", "cronies", "cronyism", "kickback", "kickbacks", "bought", "paid shill",
        "self-serving", "ulterior", "motive", "motives", "backroom", "behind closed doors", "whitewash",
        "whitewashing", "gaslighting", "gaslight", "propaganda", "censor", "censoring", "censorship", "protecting",
        "everyone knows", "who paid", "follow the money", "buddies", "pals", "old boys",
    ),
    "demand": (
        "any update", "any updates", "update?", "eta", "eta?", "when will", "asap", "+1", "bump", "still waiting",
        "same here", "same issue", "me too", "metoo", "fix it", "fix this", "fix this now", "unacceptable",
        "ridiculous", "pay for", "paying customer", "paying customers", "wontfix", "reopen", "how long",
        "months", "years", "weeks", "still not fixed", "still broken", "still no", "nobody cares", "seriously",
        "please fix", "urgent", "urgently", "immediately", "right now", "hello?", "anyone?", "ping", "ping?",
        "you owe", "owe us", "we deserve", "i demand", "demand", 
    ),
    "threat": (
        "watch your back", "watch out", "know where you", "your address", "home address", "lawyer", "lawyers",
        "sue", "suing", "lawsuit", "legal action", "regret", "find you", "hurt", "destroy you", "get you fired",
        "fired", "report you", "dox", "doxx", "doxxing", "come after", "make you pay", "pay for this",
        "consequences", "you'll see", "be careful", "last warning", "or else", "your family", "your employer",
        "your boss", "ruin", "ruined", "punch", "beat you", "kill you", "shoot", "bleed", "die", "dead", "attorney",
        "defamation", "libel", "slander", "cease and desist", "publicly expose", "expose you",
        "kill yourself", "kys", "hang yourself", "deserve to die", "should die", "hope you die", "murder",
        "beat", "smash", "burn", "hunt", "track you down", "your kids", "find out where", "regret this",
    ),
    "identity": (
        "gay", "gays", "lesbian", "lesbians", "trans", "transgender", "homosexual", "homosexuals", "queer",
        "women", "woman", "girls", "girl", "females", "female", "muslim", "muslims", "islam", "jew", "jews",
        "jewish", "christian", "christians", "black", "blacks", "white", "whites", "asian", "asians", "indian",
        "indians", "chinese", "russian", "russians", "mexican", "mexicans", "african", "immigrant", "immigrants",
        "foreigner", "foreigners", "disabled", "autistic", "autist", "old people", "boomer", "boomers",
        "native speaker", "accent", "third world", "race", "religion", "religious", "arab", "arabs", "hindu",
        "ladies", "feminist", "feminists", "feminazi", "nazi", "nazis", "faggot", "fag", "dyke", "tranny",
        "negro", "gypsy", "gypsies", "cripple", "cripples", "midget", "midgets",
        "deaf", "blind", "dyslexic", "adhd", "neurodivergent", "wheelchair", "elderly", "bisexual", "nonbinary",
        "non-binary", "latino", "latina", "latinos", "hispanic", "hispanics", "buddhist", "buddhists", "sikh",
        "sikhs", "catholic", "catholics", "atheist", "atheists", "hindus", "mormon", "mormons", "roma", "romani",
        "german", "germans", "french", "japanese", "korean", "koreans", "nigerian", "nigerians", "brazilian",
        "brazilians", "turkish", "iranian", "iranians", "pakistani", "pakistanis", "american",
        "americans", "european", "europeans", "ukrainian", "ukrainians", "israeli", "israelis", "palestinian",
        "palestinians", "refugee", "refugees",
    ),
    "second_person": ("you", "your", "you're", "youre", "ur", "u", "yourself", "yourselves", "you've", "you'd"),
    "hate": (
        "hate", "hates", "hated", "hating", "despise", "loathe", "disgust", "disgusted", "sick of", "vomit",
        "filth", "filthy", "scum", "vermin", "subhuman", "animals", "savages", "plague", "cancer", "trash",
        "garbage", "rubbish", "crap", "awful", "horrible", "terrible", "worst", "pathetic", "shameful", "shame",
    ),
    "politeness": (
        "please", "thanks", "thank you", "appreciate", "sorry", "could you", "would you", "i think", "i believe",
        "my opinion", "imho", "imo", "perhaps", "maybe", "kindly", "cheers", "regards", "best", "happy to",
    ),
}

_TOKEN = re.compile(r"[\w'+*/?🙄🤡😂🤣🍿👏-]+|[^\w\s]", re.UNICODE)


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(set(phrases), key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in ordered)
    return re.compile(rf"(?<![\w*+/])(?:{alternatives})(?![\w*])", re.IGNORECASE)


PATTERNS: dict[str, re.Pattern[str]] = {name: _phrase_pattern(words) for name, words in LEXICONS.items()}
CATEGORIES: tuple[str, ...] = tuple(LEXICONS)

# "you are an idiot", "you clueless clown", "your incompetence": an insult aimed at the reader.
AIMED_INSULT = re.compile(
    r"\b(?:you|you're|youre|u|your|ur)\b(?:\W+\w+){0,3}?\W+(?:"
    + "|".join(re.escape(w) for w in sorted(set(LEXICONS["insult"]) | {"fuck", "fucking", "shit"}, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)


def cue_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    """Character spans of every cue in ``text``, by lexicon (used for features and for evidence)."""
    return {name: [m.span() for m in pattern.finditer(text)] for name, pattern in PATTERNS.items()}
