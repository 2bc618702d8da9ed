"""The pure engine: text handling, fixed word lists, BM25 fallback, offline model loading."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from townhall.assistant.engine import ArticleEntry, Engine, ServiceEntry, load_embedder
from townhall.assistant.engine import text as t
from townhall.assistant.engine.bm25 import BM25
from townhall.assistant.engine.content import ContentError, parse_article, read_articles


def test_request_ids_are_found_however_they_are_typed():
    assert t.find_public_id("what's happening with SR-2026-000123?") == "SR-2026-000123"
    assert t.find_public_id("sr 2026 123 any news") == "SR-2026-000123"
    assert t.find_public_id("my number is sr2026000777") == "SR-2026-000777"
    assert t.find_public_id("request 2026-000888") == "SR-2026-000888"
    assert t.find_public_id("I live at 2026 Elm St") is None


def test_logs_get_messages_without_emails_phones_and_addresses():
    masked = t.redact(
        "I'm at 1412 Walnut St, call 267-555-0199 or jo@example.org re SR-2026-000123"
    )
    assert "1412" not in masked and "555" not in masked and "jo@" not in masked
    assert "SR-2026-000123" in masked


@pytest.mark.parametrize(
    "message",
    [
        "there's a fire in my building",
        "I SMELL GAS in the kitchen",
        "me quiero morir",
        "alguien se desmayó y no respira",
        "my boyfriend is hitting me",
        "hay un incendio",
    ],
)
def test_emergency_words_are_recognised_in_english_and_spanish(message):
    assert t.EMERGENCY.search(t.fold(message))


@pytest.mark.parametrize(
    "message",
    [
        "talk to a human",
        "can I speak to a real person?",
        "agent",
        "hablar con una persona",
        "pásame con alguien",
    ],
)
def test_asking_for_a_person_is_recognised(message):
    assert t.ASKS_FOR_HUMAN.search(t.fold(message))


def test_language_guess():
    assert t.detect_language("no recogieron la basura desde el lunes") == "es"
    assert t.detect_language("¿dónde pago la multa?") == "es"
    assert t.detect_language("my trash wasn't picked up") == "en"


def test_bm25_prefers_the_document_with_the_rare_matching_word():
    index = BM25([["pothole", "road"], ["streetlight", "road"], ["graffiti", "wall"]])
    assert int(np.argmax(index.scores(["pothole", "road"]))) == 0


def test_article_files_need_a_header_and_a_valid_slug():
    with pytest.raises(ContentError):
        parse_article("no header", "x", "en")
    with pytest.raises(ContentError):
        parse_article('+++\ntitle = "T"\n+++\n\nBody', "Not A Slug", "en")


def test_the_demo_knowledge_base_has_every_article_in_english_and_spanish():
    articles = read_articles()
    by_slug: dict[str, set[str]] = {}
    for article in articles:
        by_slug.setdefault(article.slug, set()).add(article.language)
    assert len(by_slug) >= 40
    assert all(languages == {"en", "es"} for languages in by_slug.values())


SERVICES = [
    ServiceEntry("POTHOLE", {"en": "Pothole"}, (("en", "Pothole"), ("en", "hole in the road"))),
    ServiceEntry("GRAFFITI", {"en": "Graffiti"}, (("en", "Graffiti"), ("en", "spray paint"))),
]
ARTICLES = [
    ArticleEntry("bin-day", "en", "When is my trash day?", "Trash is collected weekly."),
]


def test_without_a_model_the_engine_still_works_on_words_alone():
    engine = Engine(SERVICES, ARTICLES, embedder=None)
    assert engine.mode == "bm25"
    assert engine.understand("big pothole on my road").service_code == "POTHOLE"
    assert engine.understand("someone sprayed graffiti").service_code == "GRAFFITI"
    assert engine.understand("when is my trash day?").article == "bin-day"


def test_the_model_loads_from_installed_files_without_touching_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the assistant tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    embedder = load_embedder("minilm")
    assert embedder is not None
    vectors = embedder.encode(["there is a pothole", "hay un bache", "the library is open"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # Same meaning is closer than a different topic.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] - 0.2
    assert load_embedder("none") is None
