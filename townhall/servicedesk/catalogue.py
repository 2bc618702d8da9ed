"""Finding a service from what a resident types: typo-tolerant, with synonyms, bilingual.

The catalogue is small (tens of services), so the whole of it is scored in Python with
:mod:`difflib`; no search engine is needed. Synonyms come from ``Service.keywords``
("rat, rats, mice" finds Rodents) and from the translations' ``keywords``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from townhall.servicedesk.models import Service

WORD_RE = re.compile(r"[a-z0-9]+")
# Words that say nothing about the problem, in the portal's languages.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "its",
        "my",
        "near",
        "of",
        "on",
        "or",
        "our",
        "the",
        "there",
        "this",
        "to",
        "with",
        "al",
        "con",
        "de",
        "del",
        "el",
        "en",
        "es",
        "hay",
        "la",
        "las",
        "lo",
        "los",
        "mi",
        "para",
        "por",
        "que",
        "un",
        "una",
        "unos",
        "unas",
        "y",
    ]
)
# How much a match in each part of a service counts.
WEIGHTS = {"name": 3.0, "keywords": 2.5, "group": 1.0, "description": 1.0}
MIN_SCORE = 0.9
RELATIVE_FLOOR = 0.6


def normalize(text: str) -> str:
    """Lower case without accents: "Señal" and "senal" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return [w for w in WORD_RE.findall(normalize(text)) if w not in STOPWORDS]


def _stem(word: str) -> str:
    """A crude plural-stripper, enough for "rats"/"rat", "baches"/"bache", "lights"."""
    for suffix in ("es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _word_match(query: str, term: str) -> float:
    if query == term or _stem(query) == _stem(term):
        return 1.0
    if len(query) >= 3 and (term.startswith(query) or query.startswith(term) and len(term) >= 4):
        return 0.85
    if len(query) >= 4 and query in term:
        return 0.8  # part of a compound: "light" in "streetlight"
    if len(query) >= 4 and len(term) >= 4:
        # A typo in the whole word ("grafiti") or in its start ("stret" for "streetlight").
        ratio = max(
            SequenceMatcher(None, query, term).ratio(),
            SequenceMatcher(None, query, term[: len(query) + 1]).ratio(),
        )
        if ratio >= 0.75:
            return ratio * 0.8
    return 0.0


@dataclass(frozen=True)
class _Document:
    service: Service
    fields: dict[str, list[str]]


def _texts(service: Service, field: str) -> Iterable[str]:
    yield str(getattr(service, field) or "")
    for language_texts in (service.translations or {}).values():
        value = language_texts.get(field) if isinstance(language_texts, dict) else None
        if isinstance(value, list):
            yield " ".join(str(v) for v in value)
        elif value:
            yield str(value)


def _document(service: Service) -> _Document:
    return _Document(
        service,
        {field: words(" ".join(_texts(service, field))) for field in WEIGHTS},
    )


def search_services(services: Iterable[Service], query: str, limit: int = 8) -> list[Service]:
    """Services matching ``query``, best first."""
    terms = words(query)
    if not terms:
        return []
    scored = []
    for doc in map(_document, services):
        # Sum of each query word's best match: long sentences ("rats in the alley behind
        # the house") still find the service their telling words point to.
        total = sum(
            max(
                (
                    WEIGHTS[field] * _word_match(term, word)
                    for field, field_words in doc.fields.items()
                    for word in field_words
                ),
                default=0.0,
            )
            for term in terms
        )
        if total >= MIN_SCORE:
            scored.append((total, doc.service.order, doc.service.name, doc.service))
    scored.sort(key=lambda row: (-row[0], row[1], row[2]))
    if not scored:
        return []
    # A clear winner hides the long tail of loose, typo-tolerant matches.
    floor = scored[0][0] * RELATIVE_FLOOR
    return [row[3] for row in scored[:limit] if row[0] >= floor]
