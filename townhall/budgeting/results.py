"""Counting a process, comparing rules, explaining the outcome and publishing it.

How a unit is counted (:func:`count_process`):

1. its ballots become an anonymised election (:func:`pabulib_io.election_for_unit`), written
   as ``.pb`` text and **parsed back**: the count reads exactly what anyone downloading the
   published file will read, so a recount of the file gives the stored winners;
2. the process's own rule (with its satisfaction and completion) picks the official
   winners, and the comparison rules run on the same election: greedy by votes (by points
   for cumulative ballots), the Method of Equal Shares with cost satisfaction and Add1
   completion, and sequential Phragmén for approval and choose-one ballots;
3. for every rule: winners, money spent, leftover, voters with at least one winning
   project, winners and money per district and per category;
4. for every project the official rule did not fund, how many more supporters it needed.

"A voter with a winning project" is a voter whose ballot lists a funded project: for
approval, knapsack and choose-one ballots a project they approved; for cumulative ballots a
project they gave at least one point; for ranked ballots a project anywhere in their
ranking. Voters who handed in an empty ballot count among the voters and have no winner.

"Needed N more supporters" means: with N more voters whose ballot lists only that project
(on a cumulative ballot, giving it the most points a voter may give one project), the
official rule funds it, and with N - 1 it does not.

- Greedy: N is computed exactly. Extra voters for project *p* change nothing but *p*'s own
  score, so *p* is funded exactly when it moves ahead of the first project whose purchase
  leaves too little money for it; N is the smallest number that gets it there (ties are
  broken by project id, as in the count).
- Equal Shares and Phragmén: extra voters also change everyone's share of the budget, so N
  is found by recounting with k extra supporters, doubling k until the project is funded,
  then halving the interval (binary search). These rules are not guaranteed to be
  monotone, so N is the threshold that search finds. The search has a time budget
  (``TOWNHALL["PB_EXPLAIN_SECONDS"]``, 10 s per count by default, shared between units, most
  voted projects first); a project it did not reach says so ("not computed"), and one whose
  search was cut short says "at most N".
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from townhall.audit import record
from townhall.budgeting.models import (
    Ballot,
    BudgetUnit,
    Completion,
    PaperEntry,
    PaperEntryStatus,
    Process,
    Project,
    Rule,
    Satisfaction,
    UnitResult,
)
from townhall.budgeting.money import to_minor
from townhall.budgeting.pabulib_io import ballot_projects, election_for_unit, with_selected
from townhall.budgeting.rules import (
    Election,
    Result,
    RuleError,
    anonymised,
    dumps_pabulib,
    parse_pabulib_text,
    tally,
)
from townhall.budgeting.rules.election import APPROVAL_TYPES
from townhall.budgeting.rules.greedy import greedy_order
from townhall.budgeting.rules.profile import build_profile
from townhall.budgeting.sealing import seal_ballot_box
from townhall.lib.actors import Actor
from townhall.places.models import Area

DEFAULT_EXPLAIN_SECONDS = 10.0  # a web request counts; keep it well under timeouts
COLUMN_ORDER = {"official": 0, "greedy": 1, "mes": 2, "phragmen": 3}
SEARCH_CAP = 1 << 24  # more extra supporters than this is "cannot be reached"


class CountingError(ValueError):
    """The process cannot be counted or published now; the message says why, for people."""


@dataclass(frozen=True)
class Config:
    """One way of counting: a rule with its satisfaction and completion."""

    key: str
    rule: str
    satisfaction: str
    completion: str

    @property
    def signature(self) -> tuple[str, str, str]:
        return (self.rule, self.satisfaction, self.completion)


def comparison_configs(vote_type: str) -> list[Config]:
    """The rules every count is compared with."""
    configs = [
        Config(
            "greedy",
            Rule.GREEDY,
            Satisfaction.POINTS if vote_type == "cumulative" else Satisfaction.COST,
            Completion.NONE,
        ),
        Config("mes", Rule.MES, Satisfaction.COST, Completion.ADD1),
    ]
    if vote_type in APPROVAL_TYPES:
        configs.append(Config("phragmen", Rule.PHRAGMEN, Satisfaction.CARDINALITY, Completion.NONE))
    return configs


def official_config(process: Process) -> Config:
    rule = Rule(process.rule)
    satisfaction = Satisfaction.CARDINALITY if rule == Rule.PHRAGMEN else process.satisfaction
    completion = process.completion if rule == Rule.MES else Completion.NONE
    return Config("official", rule, satisfaction, completion)


def _run(election: Election, config: Config) -> Result:
    return tally(election, config.rule, config.satisfaction, config.completion)


# --- checks ------------------------------------------------------------------------------


def counting_problem(process: Process) -> str | None:
    """Why the process cannot be counted now, or None."""
    if process.results_published_at is not None:
        return _("The results are published; they can no longer be recounted.")
    if timezone.now() < process.voting_close_at:
        return _("Voting has not closed yet: the votes can be counted once it closes.")
    if not process.units.exists():
        return _("This process has no budget units to count.")
    return None


UNSETTLED_PAPER = (PaperEntryStatus.AWAITING_SECOND, PaperEntryStatus.MISMATCH)


def unsettled_paper_sheets(process: Process) -> int:
    """Paper sheets typed in once, or twice with different readings: not ballots yet, so
    not in a count. Results cannot be published while any is left, since publishing
    closes paper entry for good."""
    return PaperEntry.objects.filter(process=process, status__in=UNSETTLED_PAPER).count()


def current_results(process: Process) -> list[UnitResult]:
    """The latest count of each unit, in the units' order."""
    return list(
        UnitResult.objects.filter(unit__process=process, is_current=True)
        .select_related("unit", "unit__area")
        .order_by("unit__position", "unit__pk")
    )


# --- counting ----------------------------------------------------------------------------


@dataclass
class _Counted:
    unit: BudgetUnit
    official: Result
    comparison: dict[str, Any]
    pb_file: str
    cost: int


def count_process(
    actor: Actor, process: Process, *, explain_seconds: float | None = None
) -> list[UnitResult]:
    """Count every unit of a closed process and store the results (not yet public).

    Earlier counts stay in the database as not current. Raises :class:`CountingError` before
    voting closes and after the results are published.
    """
    process = Process.objects.select_related("jurisdiction").get(pk=process.pk)
    problem = counting_problem(process)
    if problem:
        raise CountingError(problem)
    # Counted ballots come from a sealed box: no locator, no write order (sealing.py).
    seal_ballot_box(actor, process)
    units = list(process.units.select_related("area").order_by("position", "pk"))
    seconds = (
        float(settings.TOWNHALL.get("PB_EXPLAIN_SECONDS", DEFAULT_EXPLAIN_SECONDS))
        if explain_seconds is None
        else explain_seconds
    )
    # The heavy work happens before the transaction: the write lock is held only to store.
    deadline = time.perf_counter() + seconds
    counted = []
    for k, unit in enumerate(units):
        left = max(deadline - time.perf_counter(), 0.0)
        counted.append(_count_unit(process, unit, time.perf_counter() + left / (len(units) - k)))
    with transaction.atomic():
        current = Process.objects.select_for_update().get(pk=process.pk)
        problem = counting_problem(current)
        if problem:
            raise CountingError(problem)
        UnitResult.objects.filter(unit__process=current, is_current=True).update(is_current=False)
        config = official_config(current)
        results = [
            UnitResult.objects.create(
                unit=c.unit,
                rule=config.rule,
                satisfaction=config.satisfaction,
                completion=config.completion,
                voters=c.official.voters,
                selected=c.official.selected,
                cost=c.cost,
                budget=c.unit.budget,
                comparison=c.comparison,
                pb_file=c.pb_file,
                pb_sha256=sha256_text(c.pb_file),
            )
            for c in counted
        ]
        record(
            actor,
            "pb.results.counted",
            current,
            rule=config.rule,
            units=[
                {
                    "unit": r.unit_id,
                    "voters": r.voters,
                    "selected": r.selected,
                    "pb_sha256": r.pb_sha256,
                }
                for r in results
            ],
        )
    return results


def sha256_text(text: str) -> str:
    """The digest of the exact bytes served for a published file (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _count_unit(process: Process, unit: BudgetUnit, deadline: float) -> _Counted:
    # Count what the published file says, not what the database said: the same text,
    # parsed by the same parser anyone recounting will use.
    election = parse_pabulib_text(dumps_pabulib(anonymised(election_for_unit(unit))))
    official = official_config(process)
    configs: dict[str, Config] = {}
    for config in comparison_configs(election.vote_type):
        configs[config.key] = config
    official_key = next(
        (c.key for c in configs.values() if c.signature == official.signature), "official"
    )
    if official_key == "official":
        configs = {"official": official, **configs}
    try:
        results = {key: _run(election, config) for key, config in configs.items()}
    except RuleError as exc:  # settings the process's own checks should have refused
        raise CountingError(
            _("The counting rule does not apply to this ballot (%(reason)s).") % {"reason": exc}
        ) from exc
    chosen = results[official_key]

    projects = {p.code: p for p in ballot_projects(unit)}
    districts = _districts(unit, projects)
    currency = process.currency
    votes, points = _support(election)
    rules = {
        key: _metrics(election, result, configs[key], unit, projects, districts, currency)
        for key, result in results.items()
    }
    by_project: dict[str, dict[str, Any]] = {}
    for j, p in enumerate(election.projects):
        entry: dict[str, Any] = {
            "votes": int(votes[j]),
            "selected_by": [key for key, r in results.items() if p.id in set(r.selected)],
            "district": districts.get(p.id, ""),
        }
        if points is not None:
            entry["points"] = int(points[j])
        by_project[p.id] = entry
    started = time.perf_counter()
    explain = _Explainer(election, configs[official_key], chosen, process, deadline)
    for code, explanation in explain.all().items():
        by_project[code]["explanation"] = explanation
    comparison = {
        "vote_type": election.vote_type,
        "official": official_key,
        "rules": rules,
        "projects": by_project,
        "explain": {
            "method": "exact" if configs[official_key].rule == Rule.GREEDY else "search",
            "seconds": round(time.perf_counter() - started, 3),
            "added_points": explain.added_points,
        },
        "warnings": election.warnings[:20],
    }
    published = dumps_pabulib(with_selected(election, chosen.selected))
    return _Counted(
        unit=unit,
        official=chosen,
        comparison=comparison,
        pb_file=published,
        cost=to_minor(chosen.cost, currency),
    )


def _support(election: Election) -> tuple[np.ndarray, np.ndarray | None]:
    votes = np.bincount(election.indices, minlength=election.num_projects)
    points = None
    if election.points is not None:
        points = np.zeros(election.num_projects, dtype=np.int64)
        np.add.at(points, election.indices, election.points)
        points = points // max(election.points_denominator, 1)
    return votes, points


def _voters_with_winner(election: Election, selected: list[str]) -> int:
    if not selected or election.num_voters == 0:
        return 0
    funded = np.zeros(election.num_projects, dtype=np.bool_)
    funded[[election.project_index(code) for code in selected]] = True
    hit = funded[election.indices]
    if election.points is not None:
        hit &= election.points > 0
    voters = np.repeat(np.arange(election.num_voters), np.diff(election.indptr))
    return int(np.count_nonzero(np.bincount(voters[hit], minlength=election.num_voters)))


def _districts(unit: BudgetUnit, projects: dict[str, Project]) -> dict[str, str]:
    """Which district each project is in: the unit's own area (or, for an imported file,
    the district its META names); for a citywide unit the area containing the project's
    location, else the file's ``district`` column."""
    if unit.area is not None:
        return dict.fromkeys(projects, unit.area.name)
    meta = unit.pabulib_meta or {}
    if meta.get("district"):  # an imported district's file, its name unknown to this city
        return dict.fromkeys(projects, str(meta["district"]))
    found: dict[str, str] = {}
    located = [p for p in projects.values() if p.lat is not None and p.lon is not None]
    names: dict[int, str] = {}
    if located:
        areas = Area.objects.filter(jurisdiction_id=unit.process.jurisdiction_id)
        index = areas.index()
        ids = index.locate_many(
            np.array([p.lon for p in located], dtype=np.float64),
            np.array([p.lat for p in located], dtype=np.float64),
        )
        names = dict(
            areas.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name")
        )
        for p, area_id in zip(located, ids, strict=True):
            if area_id is not None:
                found[p.code] = names[int(area_id)]
    for code, p in projects.items():
        if code not in found:
            found[code] = str((p.extra or {}).get("district") or "")
    return found


def _metrics(
    election: Election,
    result: Result,
    config: Config,
    unit: BudgetUnit,
    projects: dict[str, Project],
    districts: dict[str, str],
    currency: str,
) -> dict[str, Any]:
    cost = to_minor(result.cost, currency)
    with_winner = _voters_with_winner(election, result.selected)
    by_district: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for code in result.selected:
        project = projects.get(code)
        if project is None:
            continue
        row = by_district[districts.get(code, "")]
        row[0] += 1
        row[1] += project.cost
        for category in project.categories.all():
            entry = by_category[category.name]
            entry[0] += 1
            entry[1] += project.cost
    return {
        "rule": config.rule,
        "satisfaction": config.satisfaction,
        "completion": config.completion,
        "selected": result.selected,
        "cost": cost,
        "budget": unit.budget,
        "leftover": unit.budget - cost,
        "voters": election.num_voters,
        "voters_with_winner": with_winner,
        "share_with_winner": round(with_winner / election.num_voters, 6)
        if election.num_voters
        else 0.0,
        "by_district": sorted([name, n, c] for name, (n, c) in by_district.items()),
        "by_category": sorted([name, n, c] for name, (n, c) in by_category.items()),
        "time_ms": round(result.time_ms, 1),
    }


# --- "needed N more supporters" ----------------------------------------------------------


class _Explainer:
    def __init__(
        self,
        election: Election,
        config: Config,
        result: Result,
        process: Process,
        deadline: float,
    ):
        self.election = election
        self.config = config
        self.result = result
        self.deadline = deadline
        self.added_points = self._added_points(process) if election.points is not None else None

    def _added_points(self, process: Process) -> int:
        limits = [v for v in (process.max_points_per_project, process.points_total) if v]
        if limits:
            return min(limits)
        given = self.election.points
        if given is None or not len(given):
            return 1
        return max(int(given.max()) // self.election.points_denominator, 1)

    def all(self) -> dict[str, dict[str, Any]]:
        selected = set(self.result.selected)
        losers = [j for j, p in enumerate(self.election.projects) if p.id not in selected]
        if not losers:
            return {}
        if self.config.rule == Rule.GREEDY:
            return self._greedy(losers)
        votes, _points = _support(self.election)
        losers.sort(key=lambda j: (-int(votes[j]), self.election.projects[j].id))
        return {self.election.projects[j].id: self._search(j) for j in losers}

    # Greedy: exact.
    def _greedy(self, losers: list[int]) -> dict[str, dict[str, Any]]:
        profile = build_profile(self.election, self.config.satisfaction)
        order = greedy_order(profile)
        position = {p: k for k, p in enumerate(order)}
        chosen = {profile.ids.index(code) for code in self.result.selected}
        budget = profile.budget
        found: dict[str, dict[str, Any]] = {}
        for p in losers:
            code = profile.ids[p]
            cost = profile.costs[p]
            if cost > budget:
                found[code] = {"kind": "over_budget"}
                continue
            gain = self._gain(profile, p)
            if gain <= 0 or cost == 0:
                found[code] = {"kind": "not_computed", "reason": "rule"}
                continue
            others = [q for q in order if q != p]
            spent, last_fit = 0, 0
            for t, q in enumerate(others, start=1):
                if profile.costs[q] <= budget - spent:
                    spent += profile.costs[q]
                if budget - spent >= cost:
                    last_fit = t
                else:
                    break
            if last_fit >= len(others):
                found[code] = {"kind": "not_computed", "reason": "rule"}
                continue
            q = others[last_fit]  # p must be considered before q to still fit
            total_q, cost_q = profile.totals[q], profile.costs[q]
            density_q = Fraction(total_q, cost_q) if total_q > 0 and cost_q > 0 else Fraction(0)
            gap = (density_q * cost - profile.totals[p]) / gain
            if profile.rank[p] < profile.rank[q]:
                needed = max(math.ceil(gap), 1)
            else:
                needed = max(math.floor(gap) + 1, 1)
            skipped = any(position[s] > position[p] for s in chosen)
            found[code] = {"kind": "needed", "supporters": needed, "exact": True}
            if skipped:
                found[code]["skipped"] = True
        return found

    def _gain(self, profile: Any, p: int) -> int:
        """What one extra voter who lists only ``p`` adds to its total, in profile units."""
        satisfaction = self.config.satisfaction
        if satisfaction == Satisfaction.COST:
            return int(profile.costs[p])
        if satisfaction == Satisfaction.CARDINALITY:
            return 1
        if satisfaction == Satisfaction.POINTS and self.added_points:
            return self.added_points * self.election.points_denominator
        return 0  # Borda: a one-project ranking is worth nothing to its only project

    # Equal Shares, Phragmén: recount with extra supporters.
    def _search(self, j: int) -> dict[str, Any]:
        election = self.election
        project = election.projects[j]
        budget = Fraction(election.budget)
        cost = Fraction(project.cost)
        if cost > budget:
            return {"kind": "over_budget"}
        if time.perf_counter() >= self.deadline:
            return {"kind": "not_computed", "reason": "time"}

        def funded(k: int) -> bool:
            extended = _with_supporters(election, j, k, self.added_points)
            return project.id in _run(extended, self.config).selected

        low, high, k = 0, None, 1
        while high is None:
            if time.perf_counter() >= self.deadline:
                return {"kind": "not_computed", "reason": "time"}
            if funded(k):
                high = k
            else:
                low = k
                k *= 2
                if k > SEARCH_CAP:
                    return {"kind": "unreachable"}
        while high - low > 1:
            if time.perf_counter() >= self.deadline:
                return {"kind": "at_most", "supporters": high}
            middle = (low + high) // 2
            if funded(middle):
                high = middle
            else:
                low = middle
        return {"kind": "needed", "supporters": high, "exact": False}


def _with_supporters(election: Election, j: int, k: int, points: int | None) -> Election:
    """The election with ``k`` more voters whose ballot lists only project ``j``."""
    n = election.num_voters
    indptr = np.concatenate([election.indptr, election.indptr[-1] + np.arange(1, k + 1)])
    indices = np.concatenate([election.indices, np.full(k, j, dtype=election.indices.dtype)])
    scaled = None
    if election.points is not None:
        value = (points or 1) * election.points_denominator
        scaled = np.concatenate([election.points, np.full(k, value, dtype=np.int64)])
    return replace(
        election,
        voter_ids=[*election.voter_ids, *(str(n + i + 1) for i in range(k))],
        indptr=indptr,
        indices=indices,
        points=scaled,
        voter_fields={},
        warnings=[],
    )


# --- publishing --------------------------------------------------------------------------


def publish_results(actor: Actor, process: Process) -> Process:
    """Make the current count public and mark the official winners as funded."""
    with transaction.atomic():
        current = Process.objects.select_for_update().get(pk=process.pk)
        if current.results_published_at is not None:
            raise CountingError(_("The results are already published."))
        if timezone.now() < current.voting_close_at:
            raise CountingError(_("Voting has not closed yet."))
        units = list(current.units.all())
        results = {r.unit_id: r for r in current_results(current)}
        unsettled = unsettled_paper_sheets(current)
        if unsettled:
            raise CountingError(
                ngettext(
                    "%(n)d paper sheet is not settled yet (it waits for its second entry, or "
                    "its two entries disagree): settle it and count again before publishing.",
                    "%(n)d paper sheets are not settled yet (they wait for their second entry, "
                    "or their two entries disagree): settle them and count again before "
                    "publishing.",
                    unsettled,
                )
                % {"n": unsettled}
            )
        missing = [u.name for u in units if u.pk not in results]
        if missing:
            raise CountingError(
                _("Count the votes first (not counted: %(units)s).") % {"units": ", ".join(missing)}
            )
        ballots = dict(
            Ballot.objects.filter(process=current)
            .values("unit")
            .annotate(n=Count("id"))
            .values_list("unit", "n")
        )
        stale = [u.name for u in units if ballots.get(u.pk, 0) != results[u.pk].voters]
        if stale:
            raise CountingError(
                _("Ballots changed since the count (%(units)s): count again before publishing.")
                % {"units": ", ".join(stale)}
            )
        winners = {(r.unit_id, code) for r in results.values() for code in r.selected}
        funded = [
            pk
            for pk, unit_id, code in Project.objects.filter(process=current).values_list(
                "pk", "unit_id", "code"
            )
            if (unit_id, code) in winners
        ]
        Project.objects.filter(process=current).exclude(pk__in=funded).update(is_funded=False)
        Project.objects.filter(pk__in=funded).update(is_funded=True)
        current.results_published_at = timezone.now()
        current.save(update_fields=["results_published_at"])
        record(
            actor,
            "pb.results.published",
            current,
            funded=len(funded),
            units=[
                {"unit": r.unit_id, "selected": r.selected, "pb_sha256": r.pb_sha256}
                for r in results.values()
            ],
        )
    process.results_published_at = current.results_published_at
    return current


# --- reading, for the pages --------------------------------------------------------------

Formatter = Callable[[int], str]

GREEDY_NAMES: dict[str, Any] = {
    Satisfaction.COST: gettext_lazy("Greedy: most votes first"),
    Satisfaction.POINTS: gettext_lazy("Greedy: most points for the money first"),
    Satisfaction.CARDINALITY: gettext_lazy("Greedy: most supporters for the money first"),
    Satisfaction.BORDA: gettext_lazy("Greedy: best ranked for the money first"),
}


def rule_name(rule: str, satisfaction: str, completion: str) -> str:
    """A short name of a way of counting, for column headings."""
    if rule == Rule.GREEDY:
        return str(GREEDY_NAMES.get(satisfaction, Rule.GREEDY.label))
    if rule == Rule.PHRAGMEN:
        return str(Rule.PHRAGMEN.label)
    if satisfaction == Satisfaction.COST:
        name = _("Equal Shares")
    else:
        measures: dict[str, str] = {
            Satisfaction.CARDINALITY: _("by number of projects"),
            Satisfaction.POINTS: _("by points"),
            Satisfaction.BORDA: _("by rank"),
        }
        name = _("Equal Shares (%(measure)s)") % {
            "measure": measures.get(satisfaction, satisfaction)
        }
    return _("%(name)s with Add1") % {"name": name} if completion == Completion.ADD1 else name


@dataclass
class ProjectLine:
    project: Project
    cost: str
    votes: int
    points: int | None
    selected_by: list[str]
    explanation: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # set by the page that shows it

    @property
    def reason(self) -> str:
        return str(self.explanation.get("kind", ""))

    @property
    def supporters(self) -> int | None:
        value = self.explanation.get("supporters")
        return int(value) if value is not None else None


@dataclass
class Breakdown:
    name: str
    winners: int
    cost: str


@dataclass
class RuleColumn:
    key: str
    rule: str
    satisfaction: str
    completion: str
    is_official: bool
    winners: list[ProjectLine]
    cost: str
    budget: str
    leftover: str
    spent_percent: float
    voters: int
    voters_with_winner: int
    share_percent: float
    by_district: list[Breakdown]
    by_category: list[Breakdown]

    @property
    def label(self) -> str:
        return rule_name(self.rule, self.satisfaction, self.completion)

    def winners_in(self, name: str, breakdown: str = "district") -> Breakdown | None:
        rows = self.by_district if breakdown == "district" else self.by_category
        return next((row for row in rows if row.name == name), None)


@dataclass
class UnitReport:
    """One unit's count, joined with its projects, in the shape the pages show."""

    result: UnitResult
    unit: BudgetUnit
    official: RuleColumn
    columns: list[RuleColumn]
    not_funded: list[ProjectLine]
    projects: list[ProjectLine]
    vote_type: str
    explain_method: str
    added_points: int | None
    district_rows: list[tuple[str, list[tuple[Breakdown | None, bool]]]]
    category_rows: list[tuple[str, list[tuple[Breakdown | None, bool]]]]

    @property
    def comparisons(self) -> list[RuleColumn]:
        return [c for c in self.columns if not c.is_official]

    @property
    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]


def describe(result: UnitResult, money: Formatter = str) -> UnitReport:
    """``result`` joined with its projects; ``money`` formats minor units for people."""
    data = result.comparison or {}
    projects = {
        p.code: p
        for p in Project.objects.filter(unit_id=result.unit_id).prefetch_related("categories")
    }
    lines: dict[str, ProjectLine] = {}
    for code, entry in (data.get("projects") or {}).items():
        project = projects.get(code)
        if project is None:
            continue
        lines[code] = ProjectLine(
            project=project,
            cost=money(project.cost),
            votes=int(entry.get("votes", 0)),
            points=entry.get("points"),
            selected_by=list(entry.get("selected_by", [])),
            explanation=dict(entry.get("explanation") or {}),
        )
    official_key = data.get("official", "official")
    columns = []
    for key, m in (data.get("rules") or {}).items():
        budget = int(m["budget"])
        columns.append(
            RuleColumn(
                key=key,
                rule=m["rule"],
                satisfaction=m["satisfaction"],
                completion=m["completion"],
                is_official=key == official_key,
                winners=[lines[c] for c in m["selected"] if c in lines],
                cost=money(int(m["cost"])),
                budget=money(budget),
                leftover=money(int(m["leftover"])),
                # Rounded down: "100%" only when nothing at all is left.
                spent_percent=math.floor(1000 * int(m["cost"]) / budget) / 10 if budget else 0.0,
                voters=int(m["voters"]),
                voters_with_winner=int(m["voters_with_winner"]),
                share_percent=round(100 * float(m["share_with_winner"]), 1),
                by_district=[Breakdown(n, int(k), money(int(c))) for n, k, c in m["by_district"]],
                by_category=[Breakdown(n, int(k), money(int(c))) for n, k, c in m["by_category"]],
            )
        )
    columns.sort(key=lambda c: (not c.is_official, COLUMN_ORDER.get(c.key, 9)))
    official = next(c for c in columns if c.is_official)
    funded = set(result.selected)
    by_votes = sorted(lines.values(), key=lambda line: (-line.votes, line.project.code))
    explain = data.get("explain") or {}
    return UnitReport(
        result=result,
        unit=result.unit,
        official=official,
        columns=columns,
        not_funded=[line for line in by_votes if line.project.code not in funded],
        projects=by_votes,
        vote_type=data.get("vote_type", ""),
        explain_method=explain.get("method", ""),
        added_points=explain.get("added_points"),
        district_rows=_rows(columns, "district"),
        category_rows=_rows(columns, "category"),
    )


Row = tuple[str, list[tuple[Breakdown | None, bool]]]


def _rows(columns: list[RuleColumn], breakdown: str) -> list[Row]:
    names = sorted(
        {
            row.name
            for c in columns
            for row in (c.by_district if breakdown == "district" else c.by_category)
        },
        key=lambda name: (name == "", name.casefold()),
    )
    return [
        (name, [(c.winners_in(name, breakdown), c.is_official) for c in columns]) for name in names
    ]


__all__ = [
    "CountingError",
    "UnitReport",
    "count_process",
    "counting_problem",
    "current_results",
    "describe",
    "publish_results",
    "sha256_text",
]
