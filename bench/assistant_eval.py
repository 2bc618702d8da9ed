"""Evaluate the residents' assistant on the labelled messages, and time it.

    .venv/bin/python bench/assistant_eval.py                # the test split (the figures)
    .venv/bin/python bench/assistant_eval.py --split tune   # what thresholds were chosen on
    .venv/bin/python bench/assistant_eval.py --model none   # the BM25 fallback
    .venv/bin/python bench/assistant_eval.py --errors       # list what it got wrong

Builds Riverton's demo catalogue and knowledge base in a throw-away SQLite database (or
uses ``--database URL``), then classifies every message of the split through the same
path as ``townhall assistant classify``, and plays each message as a conversation turn
(``services.handle_message``) to time whole turns with their database writes.

Metrics (docs/assistant.md explains them): service top-1/top-3 over report messages;
intent accuracy over all; article accuracy over questions that have an article; handover
rate; handover recall over messages that must be handed over (emergency, distress, asked
for a person, unanswerable); confident-wrong rate: messages answered without handover
whose intent, service or article is wrong, or that should have been handed over.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database: str | None, model: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    os.environ["TOWNHALL_ASSISTANT_MODEL"] = model
    os.environ["HF_HUB_OFFLINE"] = "1"
    if database:
        os.environ["DATABASE_URL"] = database
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["TOWNHALL_VAR_DIR"] = tempfile.mkdtemp(prefix="assistant-eval-")
    import django

    django.setup()


def build_city() -> Any:
    from django.core.management import call_command

    from tests.assistant.conftest import build_catalogue
    from townhall.assistant import services
    from townhall.lib.actors import Actor
    from townhall.places.models import Jurisdiction

    call_command("migrate", verbosity=0)
    city = Jurisdiction.objects.filter(slug="riverton.example").first()
    if city is None:
        city = Jurisdiction.objects.create(
            slug="riverton.example", name="Riverton", is_default=True
        )
        build_catalogue(city)
    services.load_content(Actor.system("bench"), city)
    return city


def wrong(row: dict[str, Any], u: Any) -> bool:
    if row["handover"] and not u.handover:
        return True
    if row["intent"] != u.intent:
        return True
    if row["intent"] == "report" and u.service_code != row["service_code"]:
        return True
    return row["intent"] == "question" and bool(row["article"]) and u.article != row["article"]


def evaluate(rows: list[dict[str, Any]], results: list[Any]) -> dict[str, Any]:
    pairs = list(zip(rows, results, strict=True))
    reports = [(r, u) for r, u in pairs if r["intent"] == "report"]
    questions = [(r, u) for r, u in pairs if r["intent"] == "question" and r["article"]]
    must = [(r, u) for r, u in pairs if r["handover"]]
    n = len(pairs)
    return {
        "messages": n,
        "service_top1": sum(u.service_code == r["service_code"] for r, u in reports) / len(reports),
        "service_top3": sum(r["service_code"] in [c for c, _ in u.services[:3]] for r, u in reports)
        / len(reports),
        "intent": sum(u.intent == r["intent"] for r, u in pairs) / n,
        "article": sum(u.article == r["article"] for r, u in questions) / max(len(questions), 1),
        "handover_rate": sum(u.handover for _, u in pairs) / n,
        "handover_recall": sum(u.handover for _, u in must) / max(len(must), 1),
        "confident_wrong": sum((not u.handover) and wrong(r, u) for r, u in pairs) / n,
        "reports": len(reports),
        "questions": len(questions),
        "must_hand_over": len(must),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="test", choices=["test", "tune"])
    parser.add_argument("--model", default="auto", help="auto, minilm or none (BM25 only)")
    parser.add_argument("--database", help="a DATABASE_URL (default: a temporary SQLite file)")
    parser.add_argument("--errors", action="store_true", help="print every wrong answer")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    setup(args.database, args.model)
    city = build_city()
    from townhall.assistant import services
    from townhall.assistant.engine.content import EVAL_DIR
    from townhall.lib.actors import Actor

    rows = [
        json.loads(line)
        for line in (EVAL_DIR / f"{args.split}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    cold = time.perf_counter()
    engine = services.get_engine(city)
    startup = time.perf_counter() - cold

    classify_wall, classify_cpu, results = [], [], []
    for row in rows:
        wall, cpu = time.perf_counter(), time.process_time()
        results.append(engine.understand(row["text"]))
        classify_cpu.append(time.process_time() - cpu)
        classify_wall.append(time.perf_counter() - wall)

    # Whole turns: understanding, the state machine, and the database writes.
    actor = Actor(label="resident:bench", channel="assistant")
    turn_wall, turn_cpu = [], []
    for row in rows:
        conversation = services.start_conversation(actor, city, channel="sms")
        wall, cpu = time.perf_counter(), time.process_time()
        services.handle_message(actor, conversation, row["text"])
        turn_cpu.append(time.process_time() - cpu)
        turn_wall.append(time.perf_counter() - wall)

    metrics = evaluate(rows, results)
    by_language = {
        language: evaluate(
            [r for r in rows if r["language"] == language],
            [u for r, u in zip(rows, results, strict=True) if r["language"] == language],
        )
        for language in ("en", "es")
    }
    report = {
        **metrics,
        "split": args.split,
        "mode": engine.mode,
        "by_language": {
            lang: {k: round(v, 3) for k, v in m.items() if isinstance(v, float)}
            for lang, m in by_language.items()
        },
        "startup_s": round(startup, 2),
        "classify_ms": {
            "p50_wall": 1000 * statistics.median(classify_wall),
            "p95_wall": 1000 * percentile(classify_wall, 0.95),
            "p95_cpu": 1000 * percentile(classify_cpu, 0.95),
        },
        "turn_ms": {
            "p50_wall": 1000 * statistics.median(turn_wall),
            "p95_wall": 1000 * percentile(turn_wall, 0.95),
            "p95_cpu": 1000 * percentile(turn_cpu, 0.95),
        },
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_average": os.getloadavg()[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "total_s": round(time.perf_counter() - started, 1),
    }
    if args.errors:
        for row, u in zip(rows, results, strict=True):
            if wrong(row, u):
                gold = (
                    row["service_code"] or row["article"] or ("handover" if row["handover"] else "")
                )
                got = u.service_code or u.article or ""
                flag = "H" if u.handover else "!"
                print(
                    f"{flag} {row['intent']}/{gold} -> {u.intent}/{got} "
                    f"c={u.confidence:.2f} | {row['text'][:100]}"
                )
    if args.json:
        print(json.dumps(report, indent=2, default=float))
        return 0
    print(f"split {args.split}: {metrics['messages']} messages; model {engine.mode}")
    print(
        f"service top-1 {metrics['service_top1']:.1%}  top-3 {metrics['service_top3']:.1%}  "
        f"({metrics['reports']} reports)"
    )
    print(
        f"intent {metrics['intent']:.1%}  article {metrics['article']:.1%} "
        f"({metrics['questions']} questions)"
    )
    print(
        f"handover rate {metrics['handover_rate']:.1%}  handover recall "
        f"{metrics['handover_recall']:.1%} ({metrics['must_hand_over']} must)  "
        f"confident wrong {metrics['confident_wrong']:.1%}"
    )
    for lang, m in by_language.items():
        print(
            f"  {lang}: top-1 {m['service_top1']:.1%} intent {m['intent']:.1%} "
            f"article {m['article']:.1%} confident wrong {m['confident_wrong']:.1%}"
        )
    c, tm = report["classify_ms"], report["turn_ms"]
    print(
        f"start-up {startup:.1f} s; classify p50 {c['p50_wall']:.1f} ms p95 {c['p95_wall']:.1f} ms "
        f"(cpu p95 {c['p95_cpu']:.1f}); turn p50 {tm['p50_wall']:.1f} ms p95 "
        f"{tm['p95_wall']:.1f} ms (cpu p95 {tm['p95_cpu']:.1f})"
    )
    print(
        f"max RSS {report['max_rss_mb']:.0f} MB; load average {report['load_average']:.1f}; "
        f"{report['machine']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
