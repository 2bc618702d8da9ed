"""``manage.py build_demo``: build the demo city Riverton (see :mod:`townhall.demo.builder`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.demo.builder import MAX_REQUESTS, MAX_YEARS, build_demo_city


class Command(BaseCommand):
    help = "Build the demo city Riverton with its history; does nothing if it exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--years", type=int, default=2, help=f"years of history, 1 to {MAX_YEARS} (default 2)"
        )
        parser.add_argument(
            "--requests",
            type=int,
            default=None,
            help=f"number of requests, up to {MAX_REQUESTS:,} (default: 25,000 a year)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credentials = build_demo_city(
                seed=options["seed"],
                years=options["years"],
                requests=options["requests"],
                stdout=self.stdout,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(credentials.as_text())
