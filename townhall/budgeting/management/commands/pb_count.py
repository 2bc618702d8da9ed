"""``townhall pb count SLUG [--publish]``: count a closed process (and publish it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.budgeting.models import Process
from townhall.budgeting.results import CountingError
from townhall.budgeting.services import count_process, publish_results
from townhall.lib.actors import Actor


class Command(BaseCommand):
    help = (
        "Count every budget unit of a process whose voting has closed, with its official rule "
        "and the comparison rules; --publish also publishes the results. Exits 1 when the "
        "process cannot be counted or published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the process's web address")
        parser.add_argument("--publish", action="store_true", help="publish after counting")
        parser.add_argument(
            "--explain-seconds",
            type=float,
            default=None,
            help="time for working out what unfunded projects needed (default: the setting)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        process = Process.objects.filter(slug=options["slug"]).first()
        if process is None:
            raise CommandError(f"no process {options['slug']!r}")
        actor = Actor(label=f"cli:pb count {process.slug}", channel="cli")
        try:
            results = count_process(actor, process, explain_seconds=options["explain_seconds"])
            if options["publish"]:
                publish_results(actor, process)
        except CountingError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            share = result.comparison["rules"][result.comparison["official"]]["share_with_winner"]
            self.stdout.write(
                f"{result.unit.name}: {result.voters:,} voters, {len(result.selected)} funded "
                f"({', '.join(result.selected)}), {share:.1%} of voters with a winner\n"
                f"  {result.pb_sha256}"
            )
        self.stdout.write("Published." if options["publish"] else "Counted (not published).")
