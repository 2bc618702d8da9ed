"""Understanding residents' messages against the catalogue in the database, and the CLI."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.assistant.conftest import eval_rows
from townhall.assistant import services

KEYS = {"text", "intent", "service_code", "article", "confidence", "handover"}


def test_a_sample_of_the_held_out_test_split_is_understood(riverton):
    rows = eval_rows("test")[::3]  # about a hundred messages, every kind
    results = services.classify([r["text"] for r in rows], riverton)
    reports = [(r, u) for r, u in zip(rows, results, strict=True) if r["intent"] == "report"]
    intent = sum(u.intent == r["intent"] for r, u in zip(rows, results, strict=True)) / len(rows)
    top1 = sum(u.service_code == r["service_code"] for r, u in reports) / len(reports)
    confident_wrong = sum(
        not u.handover
        and (
            u.intent != r["intent"]
            or u.service_code != r["service_code"]
            or (r["intent"] == "question" and u.article != r["article"])
        )
        for r, u in zip(rows, results, strict=True)
    ) / len(rows)
    assert intent >= 0.9
    assert top1 >= 0.85
    assert confident_wrong <= 0.06


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("hay un bache enorme frente a mi casa en la calle Elm", "POTHOLE"),
        ("no recogieron la basura hoy", "MISSED_TRASH"),
        ("la farola de la esquina está apagada", "STREETLIGHT"),
        ("el vecino tiene la música altísima a las 3 de la mañana", "NOISE"),
    ],
)
def test_spanish_reports_find_their_service(riverton, message, code):
    (result,) = services.classify([message], riverton)
    assert result.language == "es"
    assert (result.intent, result.service_code) == ("report", code)


def test_spanish_questions_find_the_article(riverton):
    (result,) = services.classify(["¿cómo pago una multa de estacionamiento?"], riverton)
    assert (result.intent, result.article, result.article_language) == (
        "question",
        "parking-tickets",
        "es",
    )


@pytest.mark.parametrize(
    "message",
    [
        "I want to talk to a human",
        "quiero hablar con una persona",
        "there's a fire in my kitchen",
        "i smell gas",
        "me quiero morir",
        "asdf qwerty zxcv",
    ],
)
def test_handover_on_request_distress_or_confusion(riverton, message):
    (result,) = services.classify([message], riverton)
    assert result.handover


def test_emergencies_are_flagged(riverton):
    (result,) = services.classify(["a man collapsed and is not breathing"], riverton)
    assert result.emergency and result.handover and result.confidence == 1.0


def test_status_questions_carry_the_request_id(riverton):
    (result,) = services.classify(["what's happening with sr-2026-000123?"], riverton)
    assert (result.intent, result.public_id, result.handover) == ("status", "SR-2026-000123", False)


def test_cli_prints_one_json_object_per_message(riverton):
    out = io.StringIO()
    call_command(
        "assistant", "classify", "pothole on elm st", "when is city hall open?", stdout=out
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [set(line) for line in lines] == [KEYS, KEYS]
    assert lines[0]["intent"] == "report" and lines[0]["service_code"] == "POTHOLE"
    assert lines[1]["intent"] == "question" and lines[1]["article"] == "city-hall-hours"
    assert all(
        0 <= line["confidence"] <= 1 and isinstance(line["handover"], bool) for line in lines
    )


def test_cli_reads_messages_from_a_file(riverton, tmp_path):
    messages = tmp_path / "messages.jsonl"
    messages.write_text(
        json.dumps({"text": "graffiti on the bridge"}) + "\n\n" + "dead raccoon in the road\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("assistant", "classify", "--file", str(messages), "--explain", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["service_code"] for line in lines] == ["GRAFFITI", "DEAD_ANIMAL"]
    assert "services" in lines[0] and "language" in lines[0]


def test_cli_explains_what_is_wrong(riverton, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="give messages"):
        call_command("assistant", "classify")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"nope": 1}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="bad.jsonl:1"):
        call_command("assistant", "classify", "--file", str(bad))


def test_loading_the_knowledge_base_again_updates_in_place(riverton):
    from tests.assistant.conftest import SYSTEM
    from townhall.assistant.models import KnowledgeArticle, ServicePhrase

    articles, phrases = KnowledgeArticle.objects.count(), ServicePhrase.objects.count()
    report = services.load_content(SYSTEM, riverton)
    assert (report.articles_created, report.articles_updated, report.phrases_added) == (
        0,
        articles,
        0,
    )
    assert (KnowledgeArticle.objects.count(), ServicePhrase.objects.count()) == (articles, phrases)
    assert articles >= 80 and report.unknown_services == []
