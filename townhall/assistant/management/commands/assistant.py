"""``townhall assistant classify|chat|load-content|purge``.

``classify`` prints one JSON object per message (JSON lines)::

    {"text": ..., "intent": "report"|"question"|"status"|"other", "service_code": ...,
     "article": ..., "confidence": 0..1, "handover": true|false}

Messages come from the arguments, or from ``--file`` (one message per line, or JSON lines
with a "text" field; ``-`` reads standard input).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.assistant import services
from townhall.assistant.engine.content import ARTICLES_DIR, PHRASES_FILE, ContentError
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction
from townhall.servicedesk.inputs import InvalidInput


class Command(BaseCommand):
    help = "The residents' assistant: classify messages, chat, load the knowledge base."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        classify = sub.add_parser("classify", help="understand messages, print JSON lines")
        classify.add_argument("texts", nargs="*", metavar="TEXT")
        classify.add_argument("--file", help="one message per line, or JSON lines; - for stdin")
        classify.add_argument("--jurisdiction", help="jurisdiction slug (default: the default)")
        classify.add_argument(
            "--explain", action="store_true", help="add language, reasons and runners-up"
        )
        chat = sub.add_parser("chat", help="talk to the assistant in the terminal")
        chat.add_argument("--jurisdiction")
        load = sub.add_parser("load-content", help="load knowledge articles and example phrases")
        load.add_argument("--articles", default=str(ARTICLES_DIR), help="folder with en/, es/")
        load.add_argument("--phrases", default=str(PHRASES_FILE), help="phrases TOML ('' for none)")
        load.add_argument("--jurisdiction")
        purge = sub.add_parser("purge", help="delete transcripts past the retention period")
        purge.add_argument("--days", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "classify":
            self._classify(options)
        elif action == "chat":
            self._chat(options)
        elif action == "load-content":
            self._load(options)
        elif action == "purge":
            count = services.purge_transcripts(Actor.system("cli"), options.get("days"))
            self.stdout.write(f"deleted {count} conversations")

    def _jurisdiction(self, slug: str | None) -> Jurisdiction:
        if slug:
            jurisdiction = Jurisdiction.objects.filter(slug=slug).first()
            if jurisdiction is None:
                raise CommandError(f"no jurisdiction {slug!r}")
            return jurisdiction
        try:
            return services.default_jurisdiction()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc

    def _classify(self, options: dict[str, Any]) -> None:
        texts = list(options["texts"])
        if options.get("file"):
            texts += _read_messages(options["file"])
        if not texts:
            raise CommandError("give messages as arguments or with --file")
        jurisdiction = self._jurisdiction(options.get("jurisdiction"))
        engine = services.get_engine(jurisdiction)
        for text in texts:
            result = engine.understand(text[:2000])
            line = json.dumps(result.as_json(options["explain"]), ensure_ascii=False)
            self.stdout.write(line)

    def _chat(self, options: dict[str, Any]) -> None:
        actor = Actor.system("cli-chat")
        conversation = services.start_conversation(
            actor, self._jurisdiction(options.get("jurisdiction")), channel="cli"
        )
        self.stdout.write("Type a message (Ctrl-D to stop).")
        for line in sys.stdin:
            try:
                reply = services.handle_message(actor, conversation, line)
            except InvalidInput as exc:
                self.stderr.write("; ".join(p.message for p in exc.problems))
                continue
            self.stdout.write(reply.text + "\n")

    def _load(self, options: dict[str, Any]) -> None:
        jurisdiction = self._jurisdiction(options.get("jurisdiction"))
        phrases = Path(options["phrases"]) if options["phrases"] else None
        try:
            report = services.load_content(
                Actor.system("cli"), jurisdiction, Path(options["articles"]), phrases
            )
        except (ContentError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"articles: {report.articles_created} new, {report.articles_updated} updated; "
            f"phrases: {report.phrases_added} new"
        )
        if report.unknown_services:
            self.stderr.write(f"not in the catalogue: {', '.join(report.unknown_services)}")


def _read_messages(path: str) -> list[str]:
    try:
        content = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    messages = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                messages.append(str(json.loads(line)["text"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{path}:{number}: not a JSON object with a text") from exc
        else:
            messages.append(line.strip())
    return messages
