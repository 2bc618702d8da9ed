"""``townhall pb import FILE.pb [FILE.pb ...] --slug S``: a past election becomes a process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.budgeting.models import Ballot, Rule
from townhall.budgeting.pabulib_io import PabulibImportError
from townhall.budgeting.services import import_pabulib
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction


class Command(BaseCommand):
    help = (
        "Import one or several Pabulib .pb files as one past participatory-budgeting process "
        "(a budget unit per file). Nothing is written if any file has a problem; the error "
        "names the file, line and section. Exits 1 on a bad file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE.pb", help="the .pb files")
        parser.add_argument("--slug", required=True, help="the process's web address")
        parser.add_argument("--title", default=None, help="default: taken from the files")
        parser.add_argument(
            "--jurisdiction", default=None, help="jurisdiction id (default: the default city)"
        )
        parser.add_argument(
            "--rule",
            choices=Rule.values,
            default=Rule.MES,
            help="rule for files whose META names none we count by (default mes)",
        )
        parser.add_argument(
            "--unpublished", action="store_true", help="keep the process hidden from residents"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["jurisdiction"]
        jurisdiction = (
            Jurisdiction.objects.filter(slug=slug).first()
            if slug
            else Jurisdiction.objects.default()
        )
        if jurisdiction is None:
            raise CommandError(
                f"no jurisdiction {slug!r}" if slug else "no city yet: build or create one first"
            )
        files = []
        for name in options["files"]:
            path = Path(name)
            try:
                files.append((path.name, path.read_bytes()))
            except OSError as exc:
                raise CommandError(f"{name}: {exc.strerror or exc}") from exc
        actor = Actor(label=f"cli:pb import {options['slug']}", channel="cli")
        try:
            process = import_pabulib(
                actor,
                jurisdiction,
                files,
                options["slug"],
                options["title"],
                rule=options["rule"],
                publish=not options["unpublished"],
            )
        except PabulibImportError as exc:
            raise CommandError(str(exc)) from exc
        units = process.units.count()
        ballots = Ballot.objects.filter(process=process).count()
        self.stdout.write(
            f"Imported {process.title!r} as {process.slug}: {units} budget unit(s), "
            f"{ballots:,} ballots, official rule {process.rule}.\n"
            f"Count it with: townhall pb count {process.slug} [--publish]"
        )
