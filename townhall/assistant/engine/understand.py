"""From one message to an :class:`Understanding`: intent, service, article, confidence.

How a message is scored:

1. Fixed word lists first, because they must never be missed or argued with: an
   emergency or distress ("I smell gas", "me quiero morir") and an explicit request for a
   person hand over at once; a request id ("SR-2026-000123") or a status phrase makes it a
   status question; a greeting or a thank-you is small talk.
2. Services and articles are scored the same way: the cosine similarity between the
   message's embedding and each of their example texts (names, descriptions, keywords,
   example phrases, titles, paragraphs), mixed with BM25 over words and character 4-grams
   (which forgives typos). Without an embedding model, BM25 alone.
3. Report or question: question cues ("how do I", "¿cuándo…?", a question mark), the
   words that ask for information ("permit", "hours", "cost") and which of the best
   service and the best article matches better.
4. Confidence is the softmax probability of the winner, lowered when even the winner
   matches weakly. Below ``Params.handover_below`` the assistant does not act alone.

The numbers in :class:`Params` were chosen on the tuning split of the evaluation set
(``data/eval/tune.jsonl``) only; the test split measures them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from townhall.assistant.engine import text as t
from townhall.assistant.engine.bm25 import BM25
from townhall.assistant.engine.embeddings import Embedder

INTENTS = ("report", "question", "status", "other")


@dataclass(frozen=True)
class ServiceEntry:
    """A service as the engine sees it: its code and texts that describe it.

    ``texts`` are ``(language, text)`` pairs: names, description, keywords, attribute
    choices, example phrases. ``names`` is the display name per language.
    """

    code: str
    names: dict[str, str]
    texts: tuple[tuple[str, str], ...]
    sensitive: bool = False


@dataclass(frozen=True)
class ArticleEntry:
    slug: str
    language: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    service_code: str = ""

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in re.split(r"\n\s*\n", self.body) if p.strip()]


@dataclass(frozen=True)
class Params:
    """Weights and thresholds, tuned on the tuning split only (see docs/assistant.md)."""

    # Service and article scores: embedding cosine and saturated BM25, mixed.
    embedding_weight: float = 1.0
    lexical_weight: float = 0.55
    char_weight: float = 0.5
    temperature: float = 0.045
    # A winner whose mixed score is below this is unsure whatever the runner-up does.
    weak_score: float = 0.3
    # Question versus report.
    question_bias: float = -0.2
    question_start_weight: float = 0.45
    question_mark_weight: float = 0.35
    info_weight: float = 0.55
    report_weight: float = 1.0
    uncued_margin: float = 0.0
    article_margin_weight: float = 3.0
    # An article must match at least this well to be quoted.
    article_floor: float = 0.45
    handover_below: float = 0.65
    # How much an unsure report-or-question call lowers the confidence (0: not at all).
    intent_doubt: float = 0.6


@dataclass
class Understanding:
    text: str
    intent: str
    language: str
    confidence: float
    handover: bool
    service_code: str | None = None
    services: list[tuple[str, float]] = field(default_factory=list)
    article: str | None = None
    article_language: str | None = None
    articles: list[tuple[str, float]] = field(default_factory=list)
    public_id: str | None = None
    emergency: bool = False
    asked_human: bool = False
    small_talk: bool = False
    reason: str = ""

    def as_json(self, explain: bool = False) -> dict[str, object]:
        data: dict[str, object] = {
            "text": self.text,
            "intent": self.intent,
            "service_code": self.service_code,
            "article": self.article,
            "confidence": round(self.confidence, 3),
            "handover": self.handover,
        }
        if explain:
            data.update(
                language=self.language,
                reason=self.reason,
                services=[[code, round(p, 3)] for code, p in self.services[:3]],
                articles=[[slug, round(s, 3)] for slug, s in self.articles[:3]],
                public_id=self.public_id,
                emergency=self.emergency,
                asked_human=self.asked_human,
            )
        return data


class _Index:
    """Example texts of several owners (services or articles): embeddings and BM25."""

    def __init__(
        self,
        owners: list[str],
        texts: list[list[str]],
        embedder: Embedder | None,
        params: Params,
    ):
        self.owners = owners
        self.params = params
        self.embedder = embedder
        flat = [(i, text) for i, owner_texts in enumerate(texts) for text in owner_texts]
        self.text_owner = np.array([i for i, _ in flat], dtype=np.int64)
        self.vectors = (
            embedder.encode([t.normalize(text) for _, text in flat])
            if embedder is not None and flat
            else None
        )
        self.words = BM25(
            [[w for text in owner_texts for w in t.words(text)] for owner_texts in texts]
        )
        self.grams = BM25(
            [[g for text in owner_texts for g in t.char_grams(text)] for owner_texts in texts]
        )

    def scores(self, query: str, vector: np.ndarray | None) -> np.ndarray:
        p = self.params
        n = len(self.owners)
        lexical = (
            self.words.coverage(t.words(query))
            + p.char_weight * self.grams.coverage(t.char_grams(query))
        ) / (1 + p.char_weight)
        if self.vectors is None or vector is None:
            return lexical.astype(np.float32)
        similarity = self.vectors @ vector
        best = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(best, self.text_owner, similarity)
        return (p.embedding_weight * best + p.lexical_weight * lexical) / (
            p.embedding_weight + p.lexical_weight
        )


class Engine:
    """Understands messages against one city's services and articles. Thread-safe once built."""

    def __init__(
        self,
        services: list[ServiceEntry],
        articles: list[ArticleEntry],
        embedder: Embedder | None = None,
        params: Params | None = None,
    ):
        self.params = params or Params()
        self.embedder = embedder
        self.services = {s.code: s for s in services}
        self.articles = articles
        self._service_index = _Index(
            [s.code for s in services],
            [[text for _, text in s.texts] for s in services],
            embedder,
            self.params,
        )
        slugs = sorted({a.slug for a in articles})
        by_slug: dict[str, list[str]] = {slug: [] for slug in slugs}
        articles_by_slug: dict[str, list[ArticleEntry]] = {slug: [] for slug in slugs}
        self.article_languages: dict[str, dict[str, ArticleEntry]] = {slug: {} for slug in slugs}
        for article in articles:
            self.article_languages[article.slug][article.language] = article
            articles_by_slug[article.slug].append(article)
            # Titles, tags and each paragraph's first sentence: whole paragraphs add little
            # and cost most of the start-up time.
            by_slug[article.slug] += [
                article.title,
                f"{article.title} {' '.join(article.tags)}",
                *(_first_sentence(par) for par in article.paragraphs),
            ]
        self._article_index = _Index(slugs, [by_slug[s] for s in slugs], embedder, self.params)
        # Where each paragraph's first sentence sits among the index's vectors, so that the
        # paragraph to quote is chosen without encoding anything more.
        self._paragraph_rows: dict[tuple[str, str], list[int]] = {}
        row = 0
        for slug in slugs:
            for article in articles_by_slug[slug]:
                row += 2  # the title, and the title with tags
                count = len(article.paragraphs)
                self._paragraph_rows[(slug, article.language)] = list(range(row, row + count))
                row += count

    @property
    def mode(self) -> str:
        return self.embedder.name if self.embedder is not None else "bm25"

    def understand(self, message: str) -> Understanding:
        p = self.params
        text = message.strip()
        folded = t.fold(text)
        language = t.detect_language(text)
        if t.EMERGENCY.search(folded):
            return Understanding(
                text=message,
                language=language,
                intent="other",
                confidence=1.0,
                handover=True,
                emergency=True,
                reason="emergency words",
            )
        if t.ASKS_FOR_HUMAN.search(folded):
            return Understanding(
                text=message,
                language=language,
                intent="other",
                confidence=1.0,
                handover=True,
                asked_human=True,
                reason="asked for a person",
            )
        public_id = t.find_public_id(text)
        if public_id or (
            t.STATUS_CUES.search(folded) and (t.MY_REQUEST.search(folded) or len(folded) < 40)
        ):
            return Understanding(
                text=message,
                language=language,
                intent="status",
                public_id=public_id,
                confidence=0.95 if public_id else 0.8,
                handover=False,
                reason="request id" if public_id else "status words",
            )
        vector = self.embedder.encode([t.normalize(text)])[0] if self.embedder is not None else None
        service_scores = self._service_index.scores(text, vector)
        article_scores = self._article_index.scores(text, vector)
        services = self._ranked(self._service_index.owners, service_scores)
        articles = sorted(
            zip(self._article_index.owners, (float(s) for s in article_scores), strict=True),
            key=lambda pair: -pair[1],
        )
        best_service = float(service_scores.max()) if len(service_scores) else 0.0
        best_article = articles[0][1] if articles else 0.0
        result = Understanding(
            text=message,
            language=language,
            intent="report",
            confidence=0.0,
            handover=False,
            services=services,
            articles=articles,
        )
        if t.SMALL_TALK.search(folded) and len(folded) < 60:
            result.intent, result.small_talk, result.confidence = "other", True, 0.9
            result.reason = "small talk"
            return result

        question = (
            p.question_bias
            + p.question_start_weight * bool(t.QUESTION_START.search(folded))
            + p.question_mark_weight * ("?" in text or "¿" in text)
            + p.info_weight * bool(t.INFO_CUES.search(folded))
            - p.report_weight * bool(t.REPORT_CUES.search(folded))
            + p.article_margin_weight * (best_article - best_service)
        )
        cued = bool(
            t.QUESTION_START.search(folded)
            or "?" in text
            or "¿" in text
            or t.INFO_CUES.search(folded)
        )
        if not cued:
            # A statement is a question only when an article fits far better than a service.
            question = min(question, best_article - best_service - p.uncued_margin)
        if question > 0:
            return self._answer(result, best_article, question)
        return self._report(result, best_service, question)

    def _report(self, result: Understanding, best: float, question: float) -> Understanding:
        p = self.params
        code, probability = result.services[0] if result.services else (None, 0.0)
        weak = _ramp(best, p.weak_score - 0.1, p.weak_score + 0.1)
        sure_intent = _ramp(-question, -0.1, 0.4)
        result.intent = "report"
        result.service_code = code
        result.confidence = probability * weak * (1 - p.intent_doubt * (1 - sure_intent))
        result.handover = result.confidence < p.handover_below
        result.reason = f"service score {best:.2f}"
        return result

    def _answer(self, result: Understanding, best: float, question: float) -> Understanding:
        p = self.params
        result.intent = "question"
        if not result.articles or best < p.article_floor:
            result.confidence = 0.2 * _ramp(best, 0, p.article_floor)
            result.handover = True
            result.reason = f"no article matches (best {best:.2f})"
            return result
        slug = result.articles[0][0]
        second = result.articles[1][1] if len(result.articles) > 1 else 0.0
        margin = _ramp(best - second, 0.0, 0.08)
        level = _ramp(best, p.article_floor, p.article_floor + 0.15)
        result.article = slug
        versions = self.article_languages[slug]
        result.article_language = (
            result.language if result.language in versions else next(iter(sorted(versions)))
        )
        sure_intent = _ramp(question, -0.1, 0.4)
        result.confidence = (0.35 + 0.65 * margin * level) * (
            1 - p.intent_doubt * (1 - sure_intent)
        )
        result.handover = result.confidence < p.handover_below
        result.reason = f"article score {best:.2f}"
        return result

    def _ranked(self, owners: list[str], scores: np.ndarray) -> list[tuple[str, float]]:
        if not len(scores):
            return []
        z = (scores - scores.max()) / self.params.temperature
        probabilities = np.exp(z) / np.exp(z).sum()
        order = np.argsort(-probabilities)
        return [(owners[i], float(probabilities[i])) for i in order]

    def best_paragraph(self, slug: str, language: str, message: str) -> str:
        """The paragraph of an article that answers ``message`` best (quoted in replies)."""
        versions = self.article_languages[slug]
        article = versions.get(language) or next(iter(versions.values()))
        paragraphs = article.paragraphs
        rows = self._paragraph_rows.get((slug, article.language), [])
        vectors = self._article_index.vectors
        if len(paragraphs) > 1 and vectors is not None and self.embedder is not None:
            query = self.embedder.encode([t.normalize(message)])[0]
            lexical = [len(set(t.words(message)) & set(t.words(p))) for p in paragraphs]
            scores = vectors[rows] @ query + 0.05 * np.asarray(lexical)
            return paragraphs[int(np.argmax(scores))]
        overlap = [len(set(t.words(message)) & set(t.words(par))) for par in paragraphs]
        return paragraphs[int(np.argmax(overlap))] if paragraphs else ""


def _first_sentence(paragraph: str) -> str:
    return re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]


def _ramp(x: float, low: float, high: float) -> float:
    """0 below ``low``, 1 above ``high``, linear between."""
    if high <= low:
        return 1.0 if x >= high else 0.0
    return min(1.0, max(0.0, (x - low) / (high - low)))


__all__ = ["INTENTS", "ArticleEntry", "Engine", "Params", "ServiceEntry", "Understanding"]
