"""``townhall import-requests FILE --format nyc|boston|MAPPING.toml``: load a city's 311 export."""

from __future__ import annotations

import csv
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.lib.actors import Actor
from townhall.servicedesk.importing import (
    ImportFailed,
    MappingError,
    RowProblem,
    import_requests,
    load_mapping,
    with_csv,
)


class Command(BaseCommand):
    help = (
        "Import service requests from a city's 311 CSV export. Rows that cannot be used are "
        "reported by line number; re-importing the same file adds nothing. Exits 1 when the "
        "file or the format is unusable, 0 otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV export")
        parser.add_argument(
            "--format",
            required=True,
            help="nyc, boston, or a mapping file ending in .toml (see docs/importing.md)",
        )
        parser.add_argument(
            "--jurisdiction",
            help="target jurisdiction id; created if missing (default: the mapping's)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, write nothing"
        )
        parser.add_argument(
            "--encoding",
            help="the file's text encoding, e.g. cp1252 (default: the format's, usually UTF-8)",
        )
        parser.add_argument(
            "--delimiter",
            type=_delimiter,
            help='the field separator, e.g. ";" or tab (default: the format\'s, usually ",")',
        )
        parser.add_argument("--limit", type=int, help="read only the first N data rows")
        parser.add_argument(
            "--show-problems",
            type=int,
            default=20,
            metavar="N",
            help="problems listed in the summary (default 20; all are counted)",
        )
        parser.add_argument(
            "--problems-csv", metavar="PATH", help="write every problem to this CSV file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["limit"] is not None and options["limit"] < 0:
            raise CommandError("--limit must be 0 or more")
        try:
            label, mapping = load_mapping(options["format"])
            changes = {k: options[k] for k in ("encoding", "delimiter") if options[k]}
            if changes:
                mapping = with_csv(mapping, **changes)
        except MappingError as exc:
            raise CommandError(str(exc)) from exc
        actor = Actor(label=f"cli:import {path.name}", channel="cli")
        try:
            with ExitStack() as stack:
                sink = None
                if options["problems_csv"]:
                    sink = _csv_sink(stack, Path(options["problems_csv"]))
                report = import_requests(
                    actor,
                    path,
                    mapping,
                    label=label,
                    jurisdiction=options["jurisdiction"],
                    dry_run=options["dry_run"],
                    limit=options["limit"],
                    on_problem=sink,
                )
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary(show=max(options["show_problems"], 0)))


def _csv_sink(stack: ExitStack, path: Path) -> Callable[[RowProblem], None]:
    """Every problem as a CSV row, for files with more problems than a summary can show."""
    try:
        out = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
    writer = csv.writer(out)
    writer.writerow(["line", "id", "column", "reason", "outcome", "detail"])

    def sink(problem: RowProblem) -> None:
        outcome = "row skipped" if problem.skipped else "value ignored"
        writer.writerow(
            [problem.line, problem.ref, problem.column, problem.reason, outcome, problem.detail]
        )

    return sink


def _delimiter(text: str) -> str:
    """A tab is hard to type in a shell: "tab" and "\\t" stand for it."""
    return "\t" if text.lower() in ("tab", "\\t") else text
