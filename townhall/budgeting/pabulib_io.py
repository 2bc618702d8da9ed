"""Pabulib ``.pb`` files in and out of the database.

Out: :func:`election_for_unit` turns one budget unit's ballots into a
:class:`~townhall.budgeting.rules.Election` (what the count reads and what results
publish); :func:`dumps` is its anonymised ``.pb`` text.

In: :func:`import_pabulib` turns one or several ``.pb`` files (say a Warsaw district and the
citywide vote of the same year) into one past process, a budget unit per file.

Decisions worth knowing:

- **Money.** Townhall stores integer minor units (cents); Pabulib writes whole currency
  units. Export divides by the currency's minor-unit factor *exactly*: a cost of 1234.56
  is written ``1234.56``, never rounded, so a recount of the published file counts the same
  amounts we did (the counting core works with exact fractions). Import multiplies back;
  an amount finer than the currency's minor unit (``0.125`` zł) cannot be stored and is
  refused with the line of the project, rather than rounded into a different election.
- **Voter order.** Published voters are numbered 1..n in the order of their ballots' own
  text (sorted), which depends on nothing but what was voted: no identity, no time, no
  database order. The same ballots therefore always give byte-identical files, and the
  same SHA-256, however often they are counted.
- **Project ids** are the projects' codes. If two imported files use the same id, every
  file's ids get a ``<file number>-`` prefix; a common prefix keeps the string order of
  ids within a unit, which is what ties are broken by, so the count is unchanged.
- **Provenance.** Each unit keeps its file's META verbatim in ``pabulib_meta`` plus
  ``_source`` (file name) and ``_sha256`` (digest of the file's bytes); keys starting with
  ``_`` are never exported. ``Process.source_sha256`` is the file's digest for one file,
  and for several the SHA-256 of their ``sha256sum``-style manifest
  (``"<digest>  <name>\\n"`` per file, in upload order).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.audit import record
from townhall.budgeting.models import (
    PABULIB_VOTE_TYPE,
    Ballot,
    BallotChannel,
    BallotKind,
    BudgetUnit,
    Category,
    Completion,
    Process,
    Project,
    ProjectStatus,
    Rule,
    Satisfaction,
)
from townhall.budgeting.money import minor_factor, to_minor, to_whole
from townhall.budgeting.rules import (
    Election,
    PabulibParseError,
    anonymised,
    dumps_pabulib,
    parse_pabulib_text,
)
from townhall.budgeting.rules import Project as PbProject
from townhall.budgeting.rules.election import APPROVAL_TYPES, Money
from townhall.budgeting.rules.pabulib import format_number
from townhall.budgeting.setup import RESERVED_SLUGS
from townhall.lib.actors import Actor
from townhall.places.models import Area, Jurisdiction

# META keys in the order Pabulib files list them; anything else follows in its own order.
META_ORDER = (
    "description", "country", "unit", "district", "subunit", "instance", "num_projects",
    "num_votes", "budget", "vote_type", "rule", "date_begin", "date_end", "min_length",
    "max_length", "min_sum_cost", "max_sum_cost", "min_points", "max_points",
    "min_sum_points", "max_sum_points", "language", "currency",
)  # fmt: skip

# How our rules are named in a file's META ``rule``.
PABULIB_RULE = {Rule.GREEDY: "greedy", Rule.MES: "equalshares", Rule.PHRAGMEN: "phragmen"}

# PROJECTS columns that become model fields on import (the rest goes to ``extra``), and
# columns recomputed on export (an imported file's own values would be stale).
MODEL_COLUMNS = ("name", "category", "categories", "description", "latitude", "longitude")
RECOMPUTED_COLUMNS = ("votes", "score", "selected")

BALLOT_BATCH = 5000
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y")


# --- out: the database as an election ----------------------------------------------------


def ballot_projects(unit: BudgetUnit) -> list[Project]:
    """The projects that were on this unit's ballot, in the order they were created (for an
    imported unit: the file's order)."""
    return list(
        Project.objects.filter(unit=unit, status=ProjectStatus.ON_BALLOT)
        .prefetch_related("categories")
        .order_by("pk")
    )


def election_for_unit(unit: BudgetUnit) -> Election:
    """The unit's ballots as an election: ids are project codes, costs whole currency units.

    Ballot entries naming a project that is no longer on the ballot are dropped (and noted
    in ``warnings``); a project listed twice in one ballot counts once, at its first place.
    """
    process = unit.process
    projects = ballot_projects(unit)
    index = {p.pk: j for j, p in enumerate(projects)}
    vote_type = process.pabulib_vote_type
    with_points = vote_type == "cumulative"
    warnings: list[str] = []
    dropped = 0
    ballots: list[tuple[str, str, list[int], list[int]]] = []
    for chosen, given in Ballot.objects.filter(unit=unit).values_list("projects", "points"):
        seen: set[int] = set()
        ids: list[int] = []
        pts: list[int] = []
        for k, pk in enumerate(chosen or []):
            j = index.get(pk)
            if j is None:
                dropped += 1
                continue
            if j in seen:
                continue
            seen.add(j)
            ids.append(j)
            if with_points:
                pts.append(int(given[k]) if given and k < len(given) else 0)
        vote = ",".join(projects[j].code for j in ids)
        ballots.append((vote, ",".join(map(str, pts)), ids, pts))
    if dropped:
        warnings.append(f"{dropped} ballot entries name projects no longer on the ballot")
    # Sorting by the ballot's own text gives an order that says nothing about who voted or
    # when, and the same file for the same ballots.
    ballots.sort(key=lambda b: (b[0], b[1]))

    n = len(ballots)
    lengths = np.fromiter((len(b[2]) for b in ballots), dtype=np.int64, count=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.fromiter((j for b in ballots for j in b[2]), dtype=np.int32, count=int(indptr[-1]))
    points = None
    if with_points:
        points = np.fromiter(
            (v for b in ballots for v in b[3]), dtype=np.int64, count=int(indptr[-1])
        )
    votes = np.bincount(indices, minlength=len(projects))
    score = (
        np.bincount(indices, weights=points, minlength=len(projects))
        if points is not None
        else None
    )
    pb_projects = []
    for j, project in enumerate(projects):
        if "," in project.code or not project.code.strip():
            raise ValueError(f"project code {project.code!r} cannot be written to a .pb file")
        fields = _project_fields(project, int(votes[j]), None if score is None else score[j])
        pb_projects.append(
            PbProject(project.code, to_whole(project.cost, process.currency), fields)
        )
    return Election(
        meta=_meta(unit, num_projects=len(projects), num_votes=n),
        projects=tuple(pb_projects),
        budget=to_whole(unit.budget, process.currency),
        vote_type=vote_type,
        voter_ids=[str(i + 1) for i in range(n)],
        indptr=indptr,
        indices=indices,
        points=points,
        points_denominator=1,
        warnings=warnings,
    )


def dumps(unit: BudgetUnit) -> str:
    """The unit's anonymised ballots as ``.pb`` text."""
    return dumps_pabulib(anonymised(election_for_unit(unit)))


def with_selected(election: Election, selected: Iterable[str]) -> Election:
    """A copy whose PROJECTS say which projects were funded (Pabulib's ``selected`` column).

    Only descriptive columns change: the count of the copy is the count of the original.
    """
    chosen = set(selected)
    projects = tuple(
        PbProject(p.id, p.cost, {**p.fields, "selected": "1" if p.id in chosen else "0"})
        for p in election.projects
    )
    return Election(
        meta=dict(election.meta),
        projects=projects,
        budget=election.budget,
        vote_type=election.vote_type,
        voter_ids=list(election.voter_ids),
        indptr=election.indptr,
        indices=election.indices,
        points=election.points,
        points_denominator=election.points_denominator,
        voter_fields=dict(election.voter_fields),
    )


def pabulib_rule_name(rule: str, completion: str) -> str:
    name = PABULIB_RULE.get(Rule(rule), rule)
    return f"{name}/add1" if rule == Rule.MES and completion == Completion.ADD1 else name


def _project_fields(project: Project, votes: int, score: float | None) -> dict[str, str]:
    fields: dict[str, str] = {"name": _one_line(project.title)}
    categories = [c.name for c in project.categories.all()]
    if categories:
        fields["category"] = ",".join(categories)
    for key, value in (project.extra or {}).items():
        if key in RECOMPUTED_COLUMNS or key in MODEL_COLUMNS or key.startswith("_"):
            continue
        if value not in (None, ""):
            fields[str(key)] = _one_line(str(value))
    fields["votes"] = str(votes)
    if score is not None:
        fields["score"] = str(int(score))
    if project.lat is not None and project.lon is not None:
        fields["latitude"] = repr(project.lat)
        fields["longitude"] = repr(project.lon)
    return fields


def _one_line(text: str) -> str:
    # CSV quoting would keep a newline, but one project per line is kinder to editors.
    return " ".join(text.split())


def _meta(unit: BudgetUnit, *, num_projects: int, num_votes: int) -> dict[str, str]:
    process = unit.process
    city = process.jurisdiction
    zone = ZoneInfo(city.timezone)
    imported = {k: str(v) for k, v in (unit.pabulib_meta or {}).items() if not k.startswith("_")}
    close_local = (process.voting_close_at - timedelta(seconds=1)).astimezone(zone)
    computed: dict[str, str] = {
        "description": imported.get("description")
        or (
            f"Municipal PB in {city.name}"
            if unit.is_citywide
            else f"District PB in {city.name}, {unit.name}"
        ),
        "country": imported.get("country") or str(settings.TOWNHALL.get("COUNTRY", "")),
        "unit": imported.get("unit") or city.name,
        "instance": imported.get("instance") or str(close_local.year),
        "num_projects": str(num_projects),
        "num_votes": str(num_votes),
        "budget": format_number(to_whole(unit.budget, process.currency)),
        "vote_type": process.pabulib_vote_type,
        "rule": pabulib_rule_name(process.rule, process.completion),
        "date_begin": process.voting_open_at.astimezone(zone).strftime("%d.%m.%Y"),
        "date_end": close_local.strftime("%d.%m.%Y"),
        "language": imported.get("language") or settings.LANGUAGE_CODE.split("-")[0],
        "currency": process.currency,
    }
    if not unit.is_citywide and unit.area is not None:
        computed["district"] = imported.get("district") or unit.area.name
    if not unit.is_citywide or "subunit" in imported:
        computed["subunit"] = imported.get("subunit") or unit.name
    kind = process.ballot_kind
    if kind in (BallotKind.APPROVAL, BallotKind.RANKED, BallotKind.CHOOSE_ONE):
        computed["min_length"] = str(process.min_choices)
        if process.max_choices:
            computed["max_length"] = str(process.max_choices)
    if kind == BallotKind.KNAPSACK:
        computed["max_sum_cost"] = computed["budget"]
        if process.min_spend_percent:
            share = Fraction(unit.budget * process.min_spend_percent, 100)
            computed["min_sum_cost"] = format_number(
                Fraction(math.ceil(share)) / minor_factor(process.currency)
            )
    if kind == BallotKind.CUMULATIVE:
        computed["min_sum_points"] = "1"
        if process.points_total:
            computed["max_sum_points"] = str(process.points_total)
        if process.max_points_per_project:
            computed["max_points"] = str(process.max_points_per_project)
    computed = {k: v for k, v in computed.items() if v != ""}
    meta: dict[str, str] = {}
    for key in META_ORDER:
        if key in computed:
            meta[key] = computed[key]
        elif key in imported:
            meta[key] = imported[key]
    for key, value in imported.items():
        meta.setdefault(key, value)
    return meta


# --- in: files as a past process ---------------------------------------------------------


class PabulibImportError(ValueError):
    """A file that cannot become a process: which file, and where in it when known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        section: str | None = None,
    ):
        self.message = message
        self.file = file
        self.line = line
        self.section = section
        place = " ".join(
            part
            for part in (f"line {line}" if line else "", f"in {section}" if section else "")
            if part
        )
        prefix = ": ".join(part for part in (file or "", place) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)


@dataclass
class _File:
    name: str
    sha256: str
    election: Election
    lines: dict[str, int]  # project id -> line in PROJECTS, for errors found after parsing


FileInput = tuple[str, str | bytes]


def import_pabulib(
    actor: Actor,
    jurisdiction: Jurisdiction,
    files: Sequence[FileInput],
    slug: str,
    title: str | None = None,
    *,
    rule: str | None = None,
    publish: bool = True,
) -> Process:
    """One past process from one or several ``.pb`` files: a budget unit per file.

    ``files`` are (name, content) pairs; give the content as bytes when you have them, so
    that the recorded SHA-256 is the digest of the file itself. ``rule`` is the city's
    choice of counting rule, used when a file's META ``rule`` names none we count by.
    Everything is checked before anything is written: a bad file raises
    :class:`PabulibImportError` (with the file, line and section) and writes nothing.
    """
    slug = (slug or "").strip().lower()
    _check_slug(slug)
    if not files:
        raise PabulibImportError("give at least one .pb file")
    parsed = [_parse(name, content) for name, content in files]
    vote_types = {f.election.vote_type for f in parsed}
    if len(vote_types) > 1:
        raise PabulibImportError(
            "all files of one process must have the same vote_type; these have "
            + ", ".join(sorted(vote_types))
        )
    vote_type = vote_types.pop()
    if vote_type == "scoring":
        raise PabulibImportError(
            "scoring ballots (points that may be negative) have no Townhall ballot kind"
        )
    first = parsed[0].election
    meta = first.meta
    currency = (meta.get("currency") or "").strip().upper()[:3] or "USD"
    kind, options = _ballot(vote_type, meta)
    official, completion = _rule(meta.get("rule", ""), vote_type, rule)
    prefix = _needs_prefix(parsed)
    zone = ZoneInfo(jurisdiction.timezone)
    voting_open, voting_close = _dates(parsed, zone)
    # Convert all money first: a cost we cannot store must stop the import before it writes.
    budgets = [_money(f.election.budget, currency, f, None) for f in parsed]
    costs = [[_money(p.cost, currency, f, p.id) for p in f.election.projects] for f in parsed]
    points = [_points(f) for f in parsed]

    title = (title or "").strip() or _title(parsed)
    with transaction.atomic():
        if Process.objects.filter(slug=slug).exists():
            raise PabulibImportError(f"a process with the address {slug!r} already exists")
        process = Process.objects.create(
            jurisdiction=jurisdiction,
            slug=slug,
            title=title[:200],
            summary=(meta.get("description") or "")[:500],
            description=_description(parsed),
            currency=currency,
            is_published=publish,
            ideas_open_at=voting_open - timedelta(days=1),
            ideas_close_at=voting_open,
            voting_open_at=voting_open,
            voting_close_at=voting_close,
            ballot_kind=kind,
            rule=official,
            satisfaction=(Satisfaction.POINTS if vote_type == "cumulative" else Satisfaction.COST)
            if official != Rule.PHRAGMEN
            else Satisfaction.CARDINALITY,
            completion=completion,
            source=("pabulib:" + ", ".join(f.name for f in parsed))[:200],
            source_sha256=_combined_digest(parsed),
            **options,
        )
        categories = _categories(process, parsed)
        areas = {a.name.casefold(): a for a in Area.objects.filter(jurisdiction=jurisdiction)}
        used_names: set[str] = set()
        used_areas: set[int] = set()
        ballots_total = 0
        for position, f in enumerate(parsed):
            unit = BudgetUnit.objects.create(
                process=process,
                name=_unit_name(f.election.meta, used_names),
                area=_area(f.election.meta, areas, used_areas),
                budget=budgets[position],
                position=position,
                pabulib_meta={**f.election.meta, "_source": f.name, "_sha256": f.sha256},
            )
            projects = _projects(process, unit, f, costs[position], prefix, position)
            _link_categories(projects, f, categories)
            ballots_total += _ballots(process, unit, f.election, projects, points[position])
        record(
            actor,
            "pb.process.imported",
            process,
            slug=process.slug,
            files=[{"name": f.name, "sha256": f.sha256} for f in parsed],
            units=len(parsed),
            projects=sum(f.election.num_projects for f in parsed),
            ballots=ballots_total,
            rule=official,
        )
    return process


def _check_slug(slug: str) -> None:
    if not slug or len(slug) > 80 or not SLUG_RE.match(slug):
        raise PabulibImportError(
            "the address must be lower-case letters, digits and hyphens (up to 80)"
        )
    if slug in RESERVED_SLUGS:
        raise PabulibImportError(f"the address {slug!r} is reserved; choose another")


def _parse(name: str, content: str | bytes) -> _File:
    if isinstance(content, bytes):
        digest = hashlib.sha256(content).hexdigest()
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            raise PabulibImportError("the file is not valid UTF-8", file=name, line=line) from None
    else:
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        text = content
    try:
        election = parse_pabulib_text(text)
    except PabulibParseError as exc:
        raise PabulibImportError(
            exc.message, file=name, line=exc.line, section=exc.section
        ) from None
    return _File(name=name, sha256=digest, election=election, lines=_project_lines(text))


def _project_lines(text: str) -> dict[str, int]:
    """Where each project's row is, to point at it when its cost cannot be stored."""
    found: dict[str, int] = {}
    in_projects = header = False
    for number, line in enumerate(text.splitlines(), start=1):
        head = line.strip().split(";")[0].strip().upper()
        if head in ("META", "PROJECTS", "VOTES") and not line.strip()[len(head) :].strip(";"):
            in_projects, header = head == "PROJECTS", head == "PROJECTS"
            continue
        if in_projects:
            if header:
                header = False
                continue
            found.setdefault(line.split(";")[0].strip().strip('"'), number)
    return found


def _money(amount: Money, currency: str, f: _File, project_id: str | None) -> int:
    try:
        return to_minor(amount, currency)
    except ValueError:
        if project_id is None:
            raise PabulibImportError(
                f"the budget {format_number(Fraction(amount))} has more decimals than "
                f"{currency} allows",
                file=f.name,
                section="META",
            ) from None
        raise PabulibImportError(
            f"the cost of project {project_id!r} ({format_number(Fraction(amount))}) has more "
            f"decimals than {currency} allows",
            file=f.name,
            line=f.lines.get(project_id),
            section="PROJECTS",
        ) from None


def _points(f: _File) -> list[int] | None:
    e = f.election
    if e.points is None:
        return None
    if e.points_denominator != 1:
        raise PabulibImportError(
            "points must be whole numbers to be stored as ballots", file=f.name, section="VOTES"
        )
    return [int(v) for v in e.points]


def _ballot(vote_type: str, meta: dict[str, str]) -> tuple[str, dict[str, Any]]:
    def number(key: str) -> int | None:
        try:
            return int(Fraction(meta[key].replace(",", ".")))
        except (KeyError, ValueError, ZeroDivisionError):
            return None

    min_length, max_length = number("min_length"), number("max_length")
    if vote_type == "choose-1":
        return BallotKind.CHOOSE_ONE, {"min_choices": 1, "max_choices": 1}
    if vote_type == "cumulative":
        total = number("max_sum_points")
        per_project = number("max_points")
        return BallotKind.CUMULATIVE, {
            "points_total": total if total and total > 0 else None,
            "max_points_per_project": (
                per_project if per_project and (not total or per_project <= total) else None
            ),
            "min_choices": 1,
        }
    options: dict[str, Any] = {
        "min_choices": max(min_length or 1, 0),
        "max_choices": max_length if max_length and max_length > 0 else None,
    }
    if vote_type == "ordinal":
        return BallotKind.RANKED, options
    if "max_sum_cost" in meta and not max_length:
        # A ballot limited by money rather than by a number of projects: Warsaw's "choose
        # projects within the district's budget".
        return BallotKind.KNAPSACK, options
    return BallotKind.APPROVAL, options


def _rule(value: str, vote_type: str, fallback: str | None) -> tuple[str, str]:
    name = value.strip().lower().replace("_", "-")
    if name == "greedy":
        return Rule.GREEDY, Completion.NONE
    if name.startswith(("equalshares", "equal-shares", "mes")):
        return Rule.MES, Completion.ADD1 if "add1" in name else Completion.NONE
    if name in ("phragmen", "seqphragmen", "sequential-phragmen") and vote_type in APPROVAL_TYPES:
        return Rule.PHRAGMEN, Completion.NONE
    chosen = Rule(fallback) if fallback else Rule.MES
    if chosen == Rule.PHRAGMEN and vote_type not in APPROVAL_TYPES:
        chosen = Rule.MES
    return chosen, Completion.ADD1 if chosen == Rule.MES else Completion.NONE


def _needs_prefix(parsed: list[_File]) -> bool:
    seen: set[str] = set()
    for f in parsed:
        ids = set(f.election.project_ids)
        if ids & seen:
            return True
        seen |= ids
    return False


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _dates(parsed: list[_File], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Voting opened at the start of the earliest date_begin and closed at the end of the
    latest date_end, in the city's time; without dates, it closed just now."""
    begins = [d for f in parsed if (d := _parse_date(f.election.meta.get("date_begin")))]
    ends = [d for f in parsed if (d := _parse_date(f.election.meta.get("date_end")))]
    now = timezone.now()
    close = (
        datetime.combine(max(ends) + timedelta(days=1), time.min, tzinfo=zone)
        if ends
        else now - timedelta(seconds=1)
    )
    opened = datetime.combine(min(begins), time.min, tzinfo=zone) if begins else None
    if opened is None or opened >= close:
        opened = close - timedelta(days=1)
    return opened, close


def _title(parsed: list[_File]) -> str:
    meta = parsed[0].election.meta
    city = meta.get("unit") or meta.get("description") or "Imported"
    instance = meta.get("instance", "")
    if len(parsed) == 1 and (meta.get("subunit") or meta.get("district")):
        return f"{city} {instance} – {meta.get('subunit') or meta.get('district')}".strip()
    return f"{city} {instance}".strip()


def _description(parsed: list[_File]) -> str:
    comments = [f.election.meta.get("comment", "") for f in parsed]
    return "\n\n".join(c for c in dict.fromkeys(comments) if c)


def _combined_digest(parsed: list[_File]) -> str:
    if len(parsed) == 1:
        return parsed[0].sha256
    manifest = "".join(f"{f.sha256}  {f.name}\n" for f in parsed)
    return hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def _unit_name(meta: dict[str, str], used: set[str]) -> str:
    base = (meta.get("subunit") or meta.get("district") or meta.get("unit") or "Budget")[:190]
    name, k = base, 1
    while name.casefold() in used:
        k += 1
        name = f"{base} ({k})"
    used.add(name.casefold())
    return name


def _area(meta: dict[str, str], areas: dict[str, Area], used: set[int]) -> Area | None:
    for key in ("district", "subunit"):
        found = areas.get((meta.get(key) or "").strip().casefold())
        if found is not None and found.pk not in used:
            used.add(found.pk)
            return found
    return None


def _categories(process: Process, parsed: list[_File]) -> dict[str, Category]:
    names: dict[str, str] = {}
    for f in parsed:
        for p in f.election.projects:
            for name in p.categories:
                names.setdefault(name.casefold(), name[:100])
    created = Category.objects.bulk_create(
        [
            Category(process=process, name=name, position=k)
            for k, name in enumerate(names.values(), start=1)
        ]
    )
    return {c.name.casefold(): c for c in created}


def _projects(
    process: Process,
    unit: BudgetUnit,
    f: _File,
    costs: list[int],
    prefix: bool,
    position: int,
) -> list[Project]:
    rows = []
    for p, cost in zip(f.election.projects, costs, strict=True):
        code = f"{position + 1}-{p.id}" if prefix else p.id
        if len(code) > 40:
            raise PabulibImportError(
                f"project id {p.id!r} is longer than 40 characters",
                file=f.name,
                line=f.lines.get(p.id),
                section="PROJECTS",
            )
        extra = {k: v for k, v in p.fields.items() if k not in MODEL_COLUMNS}
        if prefix:
            extra["_pabulib_id"] = p.id
        rows.append(
            Project(
                process=process,
                unit=unit,
                code=code,
                title=_one_line(p.name or f"Project {p.id}")[:200],
                description=p.fields.get("description", ""),
                lat=_coordinate(p.fields.get("latitude"), 90),
                lon=_coordinate(p.fields.get("longitude"), 180),
                estimated_cost=cost,
                status=ProjectStatus.ON_BALLOT,
                extra=extra,
            )
        )
    return Project.objects.bulk_create(rows)


def _coordinate(text: str | None, limit: float) -> float | None:
    try:
        value = float((text or "").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= limit else None


def _link_categories(projects: list[Project], f: _File, categories: dict[str, Category]) -> None:
    through = Project.categories.through
    links = [
        through(project_id=project.pk, category_id=categories[name.casefold()].pk)
        for project, p in zip(projects, f.election.projects, strict=True)
        for name in dict.fromkeys(p.categories)
        if name.casefold() in categories
    ]
    through.objects.bulk_create(links, ignore_conflicts=True)


def _ballots(
    process: Process,
    unit: BudgetUnit,
    election: Election,
    projects: list[Project],
    points: list[int] | None,
) -> int:
    pks = [p.pk for p in projects]
    indptr, indices = election.indptr, election.indices
    batch: list[Ballot] = []
    for i in range(election.num_voters):
        start, stop = int(indptr[i]), int(indptr[i + 1])
        batch.append(
            Ballot(
                process=process,
                unit=unit,
                channel=BallotChannel.IMPORTED,
                projects=[pks[j] for j in indices[start:stop]],
                points=points[start:stop] if points is not None else [],
            )
        )
        if len(batch) >= BALLOT_BATCH:
            Ballot.objects.bulk_create(batch)
            batch = []
    if batch:
        Ballot.objects.bulk_create(batch)
    return election.num_voters


__all__ = [
    "PABULIB_VOTE_TYPE",
    "PabulibImportError",
    "dumps",
    "election_for_unit",
    "import_pabulib",
    "minor_factor",
    "pabulib_rule_name",
    "to_minor",
    "to_whole",
    "with_selected",
]
