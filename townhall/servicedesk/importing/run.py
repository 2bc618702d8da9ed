"""Import one export: stream, parse, resolve the catalogue, load through ``load_history``."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

from django.db import transaction

from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction
from townhall.servicedesk.importing.catalogue import Catalogue
from townhall.servicedesk.importing.mapping import SLUG_RE, Mapping
from townhall.servicedesk.importing.problems import ProblemLog, RowProblem
from townhall.servicedesk.importing.reader import CsvSource, ImportFailed, Record
from townhall.servicedesk.importing.rows import ParsedRow, RowParser
from townhall.servicedesk.inputs import RequestInput
from townhall.servicedesk.models import CLOSED_STATUSES, ServiceRequest, Status
from townhall.servicedesk.services import HistoricRequest, ensure_jurisdiction, load_history

T = TypeVar("T")

# Rows resolved together: one point-in-polygon query and, in a dry run, one existence query.
CHUNK = 2000


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do). ``rows = created + already + skipped``."""

    file: str
    format: str
    jurisdiction: str
    dry_run: bool
    jurisdiction_name: str = ""
    jurisdiction_created: bool = False
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    skipped: int = 0
    rows_with_ignored_values: int = 0
    without_location: int = 0
    new_services: list[str] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    new_areas: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    # (reason, row skipped?, count), most frequent first.
    reasons: list[tuple[str, bool, int]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def usable(self) -> int:
        return self.created + self.already_imported

    def summary(self, show: int = 20) -> str:
        def count(label: str, value: int, note: str = "") -> str:
            return f"  {label:<27}{value:>9}" + (f"   {note}" if note else "")

        new = ", new" if self.jurisdiction_created else ""
        lines = [
            ("Dry run, nothing written: " if self.dry_run else "Imported ")
            + f"{self.file} ({self.format}) into {self.jurisdiction_name} "
            f"({self.jurisdiction}{new})",
            count("data rows", self.rows),
            count("would create" if self.dry_run else "created", self.created),
            count("already imported", self.already_imported, "same source and id, left as is"),
            count("skipped", self.skipped, "rows with a problem, not imported"),
        ]
        if self.rows_with_ignored_values:
            lines.append(count("imported, a value ignored", self.rows_with_ignored_values))
        if self.without_location:
            lines.append(count("without a location", self.without_location,
                               "usable, with no point and no address"))  # fmt: skip
        added = [
            f"{len(names)} {what}"
            for names, what in (
                (self.new_departments, "departments"),
                (self.new_services, "services (inactive until the city offers them)"),
                (self.new_areas, "areas (no polygon)"),
            )
            if names
        ]
        if added:
            verb = "would add" if self.dry_run else "added"
            lines.append(f"  {verb} to the catalogue: {', '.join(added)}")
        if self.reasons:
            lines.append("Problems by reason:")
            for reason, skipped, number in self.reasons:
                outcome = "row skipped" if skipped else "value ignored"
                lines.append(f"  {number:>9}  {reason} ({outcome})")
            shown = self.problems[:show]
            if shown:
                lines.append(f"First {len(shown)} of {self.problem_count} problems:")
                lines += [f"  {problem}" for problem in shown]
        lines.append(f"Took {self.seconds:.1f} s.")
        return "\n".join(lines)


def import_requests(
    actor: Actor,
    path: Path,
    mapping: Mapping,
    *,
    label: str = "",
    jurisdiction: str | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    keep_problems: int = 1000,
    on_problem: Callable[[RowProblem], None] | None = None,
) -> ImportReport:
    """Import ``path`` as ``mapping`` describes; one transaction, nothing written on failure.

    Raises :class:`ImportFailed` when the file as a whole is unusable. Rows that are not
    usable are counted and reported in the returned report, never silently dropped.
    """
    started = time.perf_counter()
    slug = jurisdiction or mapping.jurisdiction
    if not re.match(SLUG_RE, slug):
        raise ImportFailed(
            f"{slug!r} is not a jurisdiction id: use lower-case letters, digits, dots and "
            "hyphens, like city.example"
        )
    log = ProblemLog(keep=keep_problems, sink=on_problem)
    report = ImportReport(file=path.name, format=label or mapping.name, jurisdiction=slug,
                          dry_run=dry_run)  # fmt: skip
    with CsvSource(path, mapping) as source:
        parser = RowParser(mapping, source.positions, len(source.header))
        existing = Jurisdiction.objects.filter(slug=slug).first()
        report.jurisdiction_created = existing is None
        if dry_run:
            target = existing or Jurisdiction(
                slug=slug, name=mapping.jurisdiction_name, timezone=mapping.dates.timezone
            )
            catalogue = Catalogue(actor, target, mapping, dry_run=True)
            rows = _historic_rows(source, parser, catalogue, log, report, limit)
            for batch in _chunks(rows, CHUNK):
                refs = [row.source_ref for _, row in batch]
                found = ServiceRequest.objects.filter(source=mapping.source, source_ref__in=refs)
                already = found.count()
                report.already_imported += already
                report.created += len(batch) - already
        else:
            with transaction.atomic():
                target = ensure_jurisdiction(
                    actor, slug, mapping.jurisdiction_name, mapping.dates.timezone
                )
                catalogue = Catalogue(actor, target, mapping, dry_run=False)
                rows = _historic_rows(source, parser, catalogue, log, report, limit)
                loaded = load_history(actor, rows, source=mapping.source, file=path.name)
            report.created = loaded.created
            report.already_imported = loaded.skipped_existing
    report.jurisdiction_name = target.name
    report.skipped = log.skipped_rows
    report.rows_with_ignored_values = log.rows_with_ignored_values
    report.new_services = catalogue.new_services
    report.new_departments = catalogue.new_departments
    report.new_areas = catalogue.new_areas
    report.problems = log.kept
    report.problem_count = log.total
    report.reasons = [(r, s, n) for (r, s), n in log.reasons.most_common()]
    report.seconds = time.perf_counter() - started
    return report


def _historic_rows(
    source: CsvSource,
    parser: RowParser,
    catalogue: Catalogue,
    log: ProblemLog,
    report: ImportReport,
    limit: int | None,
) -> Iterator[tuple[int, HistoricRequest]]:
    """Usable rows, streamed; every other row is committed to the log with its problems."""
    mapping = parser.mapping
    # Ids already taken in this file. A second row with the same id is reported, not
    # loaded: the database would refuse the pair anyway. (~100 bytes a row.)
    seen: set[str] = set()
    records = source.records() if limit is None else islice(source.records(), limit)
    parsed = _parsed(records, parser, report)
    for chunk in _chunks(parsed, CHUNK):
        located = iter(catalogue.locate([r for r in chunk if isinstance(r, ParsedRow)]))
        for row in chunk:
            if not isinstance(row, ParsedRow):
                log.commit(row)  # unusable as parsed; committed here to keep line order
                continue
            area_id = next(located)
            if row.ref in seen:
                row.problems.append(
                    RowProblem(row.line, row.ref, mapping.id_column, "duplicate id",
                               f"{mapping.id_column} {row.ref} appears earlier in the file", True)
                )  # fmt: skip
                log.commit(row.problems)
                continue
            department = catalogue.department(row)
            service = catalogue.service(row, department)
            if isinstance(service, tuple):
                reason, detail = service
                column = mapping.service.column
                row.problems.append(RowProblem(row.line, row.ref, column, reason, detail, True))
            if area_id is None and row.lat is not None and catalogue.has_polygons:
                row.problems.append(
                    RowProblem(row.line, row.ref, "location", "point outside every area",
                               f"({row.lat}, {row.lon}) is in none of the jurisdiction's areas; "
                               "area taken from the name column", False)
                )  # fmt: skip
            if log.commit(row.problems) or isinstance(service, tuple):
                continue
            seen.add(row.ref)
            if area_id is None:
                area = catalogue.area_named(row.area_name)
                area_id = area.pk if area is not None else None
            if not row.has_location:
                report.without_location += 1
            updates: tuple[tuple[datetime, Status, str], ...] = ()
            if row.status in CLOSED_STATUSES:
                updates = ((row.closed_at or row.updated_at, row.status, row.notes),)
            elif row.status != Status.NEW:
                updates = ((row.updated_at, row.status, row.notes),)
            data = RequestInput(
                service=service, lat=row.lat, lon=row.lon, address=row.address,
                zipcode=row.zipcode, description=row.description, channel=row.channel,
                requested_at=row.requested_at,
            )  # fmt: skip
            yield (
                row.line,
                HistoricRequest(
                    data=data,
                    status=row.status,
                    updated_at=row.updated_at,
                    closed_at=row.closed_at,
                    expected_at=row.expected_at,
                    status_notes=row.notes,
                    area_id=area_id,
                    department_id=department.pk if department is not None else None,
                    source=mapping.source,
                    source_ref=row.ref,
                    updates=updates,
                ),
            )


def _parsed(
    records: Iterable[Record], parser: RowParser, report: ImportReport
) -> Iterator[ParsedRow | list[RowProblem]]:
    for record in records:
        report.rows += 1
        yield parser.parse(record)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
