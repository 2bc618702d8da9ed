"""Text normalisation, language guess, request ids and the fixed word lists.

Residents write on phones: typos, missing accents, SMS slang, repeated letters, emoji.
Everything that compares words goes through :func:`fold` and :func:`words`; the
embedding model sees :func:`normalize` (cleaned, accents kept).
"""

from __future__ import annotations

import re
import unicodedata

_SLANG = {
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "ppl": "people",
    "bc": "because",
    "b4": "before",
    "w/": "with",
    "w/o": "without",
    "rn": "right now",
    "idk": "i don't know",
    "cant": "can't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "wont": "won't",
    "im": "i'm",
    "ive": "i've",
    "theres": "there's",
    "whats": "what's",
    "its": "it's",
    "st": "street",
    "ave": "avenue",
    "blvd": "boulevard",
    "rd": "road",
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "tb": "también",
}
_TOKEN_RE = re.compile(r"[\w/']+|[^\w\s]", re.UNICODE)
_REPEATS = re.compile(r"(\w)\1{2,}", re.UNICODE)
_WORD_RE = re.compile(r"[a-z0-9ñ]+")


def normalize(text: str) -> str:
    """Cleaned text for the embedding model: NFKC, lower case, slang expanded, letters
    repeated for emphasis cut to two ("huuuuge" → "huuge"), spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").lower()
    text = _REPEATS.sub(r"\1\1", text)
    parts = [_SLANG.get(token, token) for token in _TOKEN_RE.findall(text)]
    return " ".join(parts)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("ñ", "\0"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.replace("\0", "ñ")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


def fold(text: str) -> str:
    """Lower case without accents, for word matching ("Cómo" and "como" are one word)."""
    return strip_accents(normalize(text))


STOPWORDS = _wordset(
    """
    a an the and or but if of to in on at by for from with without about into onto over
    under up down out off is are was were be been being am do does did done have has had
    having i me my mine we us our you your he him his she her it its they them their
    this that these those there here what which who whom whose when where why how can
    could would should will shall may might must not no yes so than then too very just
    also any some all each every one own same other such only again once there's it's
    i'm let let's get got s t d ll m re ve y el la los las un una unos unas de del al a
    en y o u que se me mi mis te tu tus su sus lo le les es son esta esta estan este
    estos esa ese eso por para con sin sobre como hay muy mas ya pero porque cuando
    donde quien cual hace desde hasta tengo tiene nos ha han he fue ser estar
    """
)


def words(text: str) -> list[str]:
    """Folded word tokens without stop words, with a light plural stemming."""
    result = []
    for word in _WORD_RE.findall(fold(text)):
        if word in STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("es") and not word.endswith("ses"):
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        result.append(word)
    return result


def char_grams(text: str, n: int = 4) -> list[str]:
    """Character n-grams inside each word, with word edges marked: robust to typos
    ("potole" still shares "<pot" and "ole>" with "pothole")."""
    grams: list[str] = []
    for word in words(text):
        padded = f"<{word}>"
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


_SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóú]")
_SPANISH_WORDS = _wordset(
    """
    el la los las un una de del que en y por para con es esta está hay mi mis no se
    calle casa desde hace muy pero como cómo cuando cuándo dónde donde qué quiero tengo
    necesito puedo pueden gracias hola buenos buenas días señor señora porque también
    basura agua luz aquí allí ya nadie vecino vecinos
    """
)
_ENGLISH_WORDS = _wordset(
    """
    the a an is are was my i you it to of and in on for with this that there have has
    not no can how what when where do does my our street please thanks hello hi
    """
)


def detect_language(text: str) -> str:
    """ "es" or "en": counts of common words, and Spanish letters and marks."""
    tokens = re.findall(r"[\wñáéíóú]+", text.lower())
    spanish = sum(1 for t in tokens if t in _SPANISH_WORDS) + 2 * len(
        _SPANISH_MARKS.findall(text.lower())
    )
    english = sum(1 for t in tokens if t in _ENGLISH_WORDS)
    return "es" if spanish > english else "en"


# SR-2026-000123, sr 2026 123, SR2026000123, or "request 2026-000888".
_PUBLIC_ID = re.compile(r"\bsr[\s\-_#:]*(\d{4})[\s\-_]*(\d{1,9})\b", re.IGNORECASE)
_BARE_ID = re.compile(r"\b(20\d{2})-(\d{4,9})\b")


def find_public_id(text: str) -> str | None:
    """The request id a resident typed, normalised to ``SR-YYYY-NNNNNN``, or None."""
    match = _PUBLIC_ID.search(text) or _BARE_ID.search(text)
    if not match:
        return None
    year, number = match.group(1), match.group(2)
    return f"SR-{year}-{int(number):06d}"


def without_public_ids(text: str) -> str:
    return _BARE_ID.sub(" ", _PUBLIC_ID.sub(" ", text))


def _patterns(*items: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{item})" for item in items))


# Matched against folded text (lower case, no accents).
ASKS_FOR_HUMAN = _patterns(
    r"\b(talk|speak|chat)\w* (to|with) (a |an |some)?(human|person|people|someone|somebody|"
    r"agent|representative|operator|real|live|staff)",
    r"\b(real|live|actual) (person|human|agent|people)\b",
    r"\b(human|agent|operator|representative)\b.{0,12}\b(please|pls|now)\b",
    r"^\s*(agent|operator|human|representative|person|persona|humano|agente)\s*[.!]*\s*$",
    r"\b(get|give|transfer|put|connect|pass)\w* me (to |through to |with )?"
    r"(a |an )?(human|person|someone|agent|representative|operator)",
    r"\bcan (a )?(human|person|someone) (call|help|contact)",
    r"\b(rather|prefer to|want to|need to) (talk|speak)\w* (to|with) (somebody|someone|a person)",
    r"\bhablar con (una |un |alguien|algun)\s*(persona|humano|agente|operador|de verdad)?",
    r"\b(pasame|paseme|comunicame|comuniqueme) con\b",
    r"\b(me puede|me pueden|puede|pueden) atender (una persona|alguien|un humano)",
    r"\b(una persona|un humano|un agente) (por favor|porfa)\b",
    r"\b(speak|talk)\w* (to|with) (someone|somebody|anyone)\b|"
    r"\b(need|want) a (human|person|real person)\b|\b(human|person) please\b",
    r"\b(representante|operador|operadora|persona real|alguien real|ser humano)\b|"
    r"\b(quiero|necesito|puedo) hablar con (alguien|una persona|un humano|un agente)",
)

EMERGENCY = _patterns(
    r"\bfire\b(?! ?(hydrant|truck|lane|station|exit|escape|department|dept|code|pit|place))|"
    r"\bon fire\b|\bburning\b|\bsmoke (coming|pouring)|\bflames\b",
    r"\b(smell|smells|smelling) (of )?gas\b|\bgas (leak|smell)\b",
    r"\bnot breathing\b|\bisn'?t breathing\b|\bstopped breathing\b|\bunconscious\b|"
    r"\bunresponsive\b|\bcollapsed\b|\bheart attack\b|\boverdos",
    r"\bbreaking in(to)?\b|\bbreak(ing)? into\b|\brobbing\b|\bburglar|\bgun\b|\bshoot|\bstabb",
    r"\bkill (my|him|her)self\b|\bkill myself\b|\bsuicid|\bend my life\b|"
    r"\b(don'?t|do not) want to (live|be alive)\b|\bcan'?t go on\b|\bwant to die\b",
    r"\b(hitting|beating|hurting|hit|beat|attacking|threatening) me\b|\bthreaten(ing|ed) me\b",
    r"\baccident\b.{0,40}\b(hurt|injur|bleed)|\b(hurt|injured|bleeding)\b.{0,20}\baccident\b",
    r"\b(fell|fallen|drowning) (in|into) the (river|water|lake)\b|\bdrowning\b",
    r"\b(power|electric) line\w*\b.{0,30}\b(down|spark)|\bdowned (power|electric)? ?lines?\b|"
    r"\blive wires?\b|\bsparking\b",
    r"\b(bleeding|choking|seizure|chest pain|can'?t breathe|cannot breathe|stroke|"
    r"passed out|fainted|not waking up|won'?t wake up|turning blue)\b",
    r"\b(assault|assaulted|attacked|mugged|robbed|kidnap\w*|stabbed|shot|knife|fight "
    r"(outside|happening)|being followed|domestic violence|abus(e|ing) me|rape\w*)\b",
    r"\b(hurt myself|harm myself|self harm|no reason to live|better off dead|"
    r"end it all|take my (own )?life)\b",
    r"\b(carbon monoxide|co alarm|explosion|exploded|building collaps\w*|"
    r"trapped (in|under)|car crash|(someone|somebody|person|man|woman|child|kid|boy|girl|"
    r"i|he|she) (was |got |just got )?hit by a car|flood(ing|ed)? (my|our|the) "
    r"(home|house|apartment) (fast|quickly)|chemical spill)\b",
    r"\bincendio\b|\bse (esta )?quema\b|\bfuego\b|\bhumo\b|\bexplosion\b",
    r"\b(sangrando|sangra mucho|convulsion\w*|no puede respirar|no puedo respirar|"
    r"se esta ahogando|ahogando|atropell\w* a (una persona|un nino|alguien)|choque con heridos)\b",
    r"\b(me (asaltaron|robaron|atacaron|violaron|sigue un hombre)|asalto|secuestr\w*|"
    r"apunal\w*|disparos|balacera|violencia domestica|me maltrata|abusa de mi)\b",
    r"\b(hacerme dano|lastimarme|no vale la pena vivir|acabar con todo|matarme)\b",
    r"\b(huele|olor) a gas\b|\bfuga de gas\b",
    r"\bno respira\b|\bse desmayo\b|\binconsciente\b|\bataque al corazon\b|\bsobredosis\b",
    r"\bme quiero (morir|matar)\b|\bquiero morir\b|\bsuicid|\bno quiero vivir\b|"
    r"\bquitarme la vida\b",
    r"\bme (esta|estan) (golpeando|pegando|amenazando)\b|\bme (golpea|pega|amenaza)\b",
    r"\baccidente con heridos\b|\bheridos\b|\bentrando a robar\b|\bpistola\b|\barma\b",
    r"\bcable\w* (de luz |electrico\w* )?(caido|echando chispas)|\bechando chispas\b",
)

# Quick replies that need no understanding at all.
SMALL_TALK = _patterns(
    r"^\W*(hi|hello|hey|hiya|yo|good (morning|afternoon|evening|night)|hola|buenas|"
    r"buenos dias|buenas (tardes|noches)|whats up|what's up|sup)\W*$",
    r"^\W*(thanks?|thank you|thank u|thx|ty|cheers|gracias|muchas gracias|ok gracias|"
    r"cool thanks?|great thanks?|ok|okay|k|cool|nevermind|never mind|bye|goodbye|adios|"
    r"chao|lol|test|testing)\W*(so much|a lot|por la ayuda)?\W*$",
    r"\b(who|what) are you\b|\bare you (a )?(robot|bot|human|real)\b|\beres (un )?(robot|bot)\b|"
    r"\bwhat('?s| is) your name\b|\bwhat can you do\b|\bque puedes hacer\b|\bhow are you\b",
    r"\byou'?re (useless|stupid|dumb)\b|\buseless\b",
)

QUESTION_START = re.compile(
    r"^\W*(how|when|where|what|what's|whats|which|who|why|is|are|do|does|can|could|will|"
    r"should|may|am|was|were|whom|como|cuando|donde|que|cual|cuales|cuanto|cuanta|cuantos|"
    r"cuantas|quien|puedo|pueden|se puede|hay|tengo que|necesito permiso|me van)\b"
)
INFO_CUES = re.compile(
    r"\b(how (do|can|much|long|many|often)|when (is|are|do|does|will)|where (is|are|can|do)|"
    r"what (are|is|time|day|do)|do i (need|have)|can i\b|is there|are there|who (is|fixes|"
    r"trims|do)|which|how to|hours|cost|fee|price|permit|licen[cs]e|apply|sign up|register|"
    r"schedule|rules?|allowed|open|closed|como (hago|pido|saco|pago|sigo|inscribo|reservo|"
    r"evito)|cuando (abren|cierran|recogen|barren|vence|pasa|se reune|puedo)|donde (pago|"
    r"consigo|tiro|queda|voto|pido|hay|saco|lo recojo)|cuanto cuesta|necesito permiso|"
    r"se puede|se pueden|horario|a que hora|tengo que|hay ayuda|que es)\b"
)
STATUS_CUES = re.compile(
    r"\b(status|update|updates|news|progress|follow ?up|following up|checking on|"
    r"what'?s (happening|going on|up) with|what happened (to|with)|any (word|news|update|"
    r"progress)|anyone (looked|working)|anybody (looked|working)|is anyone working|"
    r"did (anyone|someone|they|you) (fix|look)|when will (someone|they|you)|estado|"
    r"novedades|como va|que paso|alguien reviso|ya arreglaron|seguimiento|cuando vienen|"
    r"what happened|nothing happened|still (out|broken|there|not fixed))\b"
)
MY_REQUEST = re.compile(
    r"\b(my|the|mi|el|mis) (\w+ ){0,2}(request|report|complaint|ticket|reporte|solicitud|queja)\b|"
    r"\b(i|yo) (reported|filed|opened|made|hice|reporte)\b|\breporte\b|\bi reported\b|"
    r"\bticket i opened\b|\blo que reporte\b"
)

# Asking for something to be done: a report, even when phrased as a question.
REPORT_CUES = re.compile(
    r"\b(please (fix|send|come|remove|clean|check|repair|pick|help|do something|look)|"
    r"(can|could|would) (you|someone|somebody|a crew|the city) (please )?(come|send|fix|remove|"
    r"pick|get|check|repair|clean|take|look)|send (someone|somebody|a crew)|"
    r"how (do|can|should) i report|i (want|need|would like) to report|i'?d like to report|"
    r"(get|have) (it|them|my \w+( \w+)?) (picked up|removed|hauled|fixed|taken)|"
    r"\bhauled away|come (get|pick|take)|quiero (reportar|denunciar|que (recojan|arreglen|"
    r"quiten|vengan))|como (reporto|denuncio|hago para que)|(pueden|puede) (venir|arreglar|"
    r"recoger|quitar|llevarse|revisar|mandar)|por favor (arreglen|vengan|recojan|quiten|"
    r"revisen|ayudenme|manden)|vengan a|que (los|las|lo|la) recojan|ayudenme)\b"
)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_HOUSE = re.compile(
    r"\b\d{1,5}\s+(?:[A-Za-z0-9'.]+\s+){0,3}?(?:st|street|ave|avenue|rd|road|blvd|boulevard|"
    r"ln|lane|dr|drive|way|pl|place|ct|pike)\b\.?",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """The message with email addresses, phone numbers and house addresses masked, for logs.

    Request ids stay: they are public and they are what an operator searches for.
    """
    ids: list[str] = []

    def keep(match: re.Match[str]) -> str:
        ids.append(match.group(0))
        return f"\0{len(ids) - 1}\0"

    masked = _PUBLIC_ID.sub(keep, text)
    masked = _EMAIL.sub("[email]", masked)
    masked = _PHONE.sub("[phone]", masked)
    masked = _HOUSE.sub("[address]", masked)
    return re.sub(r"\0(\d+)\0", lambda m: ids[int(m.group(1))], masked)
