"""Method of Equal Shares (MES), as pabutools' ``method_of_equal_shares``.

Every voter starts with an equal share ``t`` of the budget. In each round, for every project
its supporters could still afford, find the smallest ``rho`` such that supporter ``i``
paying ``min(budget_i, rho * u_i)`` covers the cost; fund the project with the smallest
``rho`` (ties: smallest project id in string order), charge its supporters, repeat until no
project is affordable. ``u_i`` is the voter's satisfaction from the project (its cost, 1,
its points or its Borda score).

pabutools computes with exact fractions. Here each run is computed in floating point with
NumPy, and every decision whose margin is below ``TOL`` is either settled exactly without
the budgets (a project all of whose supporters are comfortably rich, or broke, has
``rho = cost / sum(u over the rich)``: a ratio of integers; two projects with identical
cost and supporters tie exactly) or, if that is impossible, the whole run is redone in
exact arithmetic (``_run_exact``, a direct port of pabutools' loop). Either way the
result is the exact one.

``mes_add1`` is the iterated variant (pabutools' ``voter_budget_increment=1``): rerun with
one more unit of currency per voter until the outcome is exhaustive, or return the last
outcome that was still within the real budget. It returns exactly what that loop returns
but does much less work:

* a run is dropped half-way as soon as ``_still_open`` shows that, whatever its remaining
  rounds do, its outcome will neither overspend nor be exhaustive (the loop goes on past
  it anyway); the outcome is computed in full only for the run the loop returns;
* whole ranges of steps are settled at once when the two ends fund the same projects
  (``_run_interval``), up to that point or to the end;
* neighbouring steps run side by side in one batch (``_run_batch``), sharing each NumPy
  call for as long as they fund the same projects;
* single runs borrow bounds from a richer neighbour (``_Trace``).

Which of the last three covers the next steps is chosen by their measured cost per step;
CPU time steers only the speed, never the outcome.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from townhall.budgeting.rules.exact import Q, to_fraction
from townhall.budgeting.rules.profile import Profile

# Relative margin below which a floating-point comparison is not trusted. Rounding errors of
# a run are ~1e-13 relative; genuinely different values closer than 1e-9 are vanishingly rare
# and merely cost an exact recomputation.
TOL = 1e-9
# Add1 steps in one block of single runs, and in one batch (see _run_batch).
BLOCK = 12
BATCH = 32

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Undecided(Exception):
    """A floating-point run met a decision it cannot certify; recompute exactly."""


@dataclass
class MesData:
    """Per-profile arrays shared by all runs (Add1 reruns MES hundreds of times)."""

    profile: Profile
    eligible: list[int]  # positive cost, at least one supporter
    free: list[int]  # zero cost, at least one supporter: pabutools takes them up front
    groups: list[IntArray]
    util: list[FloatArray]
    inv_util: list[FloatArray]
    util_int: list[IntArray]
    w: list[FloatArray]
    wu: list[FloatArray]
    wu_total: list[float]
    wu_total_int: list[int]
    cost_f: list[float]
    klass: list[int]  # projects with identical cost and supporters share a class
    max_util: list[float]
    weight_total: list[float]
    # Per project, what the hot loop reads, unpacked in one go.
    hot: list[tuple[IntArray, FloatArray, FloatArray, FloatArray, float, float, float]]
    # For each group, the projects it supports (CSR), to find whose rho a payment moves.
    group_indptr: IntArray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    group_projects: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group_util: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    reached: dict[int, tuple[IntArray, IntArray, FloatArray] | IntArray] = field(
        default_factory=dict
    )
    reached_mask: dict[int, npt.NDArray[np.bool_]] = field(default_factory=dict)
    # For _still_open: the groups of every project end to end (project order), then one
    # more entry, the index of an extra group that holds no money (np.add.reduceat wants
    # every start inside the array, and gives an empty segment the element at its start:
    # empty segments are masked by hand); where each project's segment starts and how
    # long it is; weights and costs as floats.
    entry_group: IntArray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    project_starts: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    project_sizes: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group_weight: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    cost_arr: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    stats: dict[str, int] = field(default_factory=lambda: {"float": 0, "exact": 0, "work": 0})

    def reach_mask(self, winner: int) -> npt.NDArray[np.bool_]:
        """The projects sharing a supporter with ``winner``, as a mask (cached)."""
        found = self.reached_mask.get(winner)
        if found is None:
            moved = self.reach(winner)
            found = np.zeros(len(self.cost_f), dtype=np.bool_)
            found[moved[1] if isinstance(moved, tuple) else moved] = True
            self.reached_mask[winner] = found
        return found

    def reach(self, winner: int) -> tuple[IntArray, IntArray, FloatArray] | IntArray:
        """Whose rho can move when ``winner``'s supporters pay: only projects sharing a
        supporter with it. Cached, since Add1 funds the same projects run after run.

        Small cases get the (group, project, utility) triples, so that the caller can keep
        projects whose shared supporters stay rich (a rich supporter pays rho * u whatever
        their budget, so their payment leaves that rho unchanged); large ones just the
        projects, where checking every triple would cost more than it saves."""
        found = self.reached.get(winner)
        if found is None:
            g = self.groups[winner]
            starts = self.group_indptr[g]
            lengths = self.group_indptr[g + 1] - starts
            first = np.repeat(np.cumsum(lengths) - lengths, lengths)
            positions = np.repeat(starts, lengths) + np.arange(int(lengths.sum())) - first
            if len(positions) <= 4 * len(self.eligible) + 500:
                found = (
                    np.repeat(g, lengths),
                    self.group_projects[positions],
                    self.group_util[positions],
                )
            else:
                hit = np.zeros(len(self.cost_f), dtype=np.bool_)
                hit[self.group_projects[positions]] = True  # (np.unique would sort them)
                found = np.flatnonzero(hit)
            self.reached[winner] = found
        return found


def prepare(profile: Profile) -> MesData:
    m = profile.num_projects
    weights = profile.weights
    groups, util, inv_util, util_int, w, wu = [], [], [], [], [], []
    wu_total, wu_total_int, classes = [], [], []
    seen: dict[tuple[int, bytes, bytes], int] = {}
    for p in range(m):
        g, u = profile.supporters(p)
        g64 = g.astype(np.int64)
        groups.append(g64)
        util_int.append(u)
        util.append(u.astype(np.float64))
        inv_util.append(1.0 / util[-1])
        wf = weights[g64].astype(np.float64)
        w.append(wf)
        wu.append(wf * u)
        total = int((weights[g64] * u).sum())
        wu_total_int.append(total)
        wu_total.append(float(total))
        key = (profile.costs[p], g64.tobytes(), u.tobytes())
        classes.append(seen.setdefault(key, len(seen)))
    entry_group = np.concatenate(groups) if m else np.zeros(0, dtype=np.int64)
    entry_project = np.repeat(np.arange(m, dtype=np.int64), [len(g) for g in groups])
    project_indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=project_indptr[1:])
    by_group = np.argsort(entry_group, kind="stable")
    group_indptr = np.zeros(profile.num_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(entry_group, minlength=profile.num_groups), out=group_indptr[1:])
    supported = [p for p in range(m) if len(groups[p])]
    eligible = [p for p in supported if profile.costs[p] > 0]
    free = sorted((p for p in supported if profile.costs[p] == 0), key=lambda p: profile.rank[p])
    return MesData(
        profile=profile,
        eligible=eligible,
        free=free,
        groups=groups,
        util=util,
        inv_util=inv_util,
        util_int=util_int,
        w=w,
        wu=wu,
        wu_total=wu_total,
        wu_total_int=wu_total_int,
        cost_f=[float(c) for c in profile.costs],
        klass=classes,
        max_util=[float(u.max()) if len(u) else 0.0 for u in util],
        weight_total=[float(x.sum()) for x in w],
        group_indptr=group_indptr,
        group_projects=entry_project[by_group],
        group_util=np.concatenate(util)[by_group] if m else np.zeros(0),
        entry_group=np.append(entry_group, profile.num_groups),
        project_starts=project_indptr[:-1],
        project_sizes=np.diff(project_indptr),
        group_weight=weights.astype(np.float64),
        cost_arr=np.asarray(profile.costs, dtype=np.float64),
        hot=[
            (
                groups[p],
                w[p],
                wu[p],
                inv_util[p],
                float(profile.costs[p]),
                wu_total[p],
                # the common utility when all supporters have the same one, else 0
                float(util[p][0]) if len(util[p]) and (util[p] == util[p][0]).all() else 0.0,
            )
            for p in range(m)
        ],
    )


# ----------------------------------------------------------------------------- one run


def mes_run(data: MesData, t: Any, initial: Sequence[int] = (), exact: bool = False) -> list[int]:
    """One MES run with per-voter budget ``t`` (exact, in scaled money units)."""
    outcome = _mes_run(data, t, initial, exact)[0]
    assert outcome is not None  # only runs given a _Stop are dropped half-way
    return outcome


@dataclass
class _Trace:
    """What a run at a larger per-voter budget lends to a run at a smaller one.

    With the same projects funded so far, every voter has at least as much money left in
    the richer run, so every project's rho there is a lower bound for the poorer run
    (rho falls as budgets grow), and a project unaffordable there is unaffordable here.
    ``bounds[i][p]`` is such a bound at round i (inf: unaffordable or already funded).
    """

    winners: list[int]
    bounds: list[FloatArray]


@dataclass
class _Stop:
    """What Add1 needs to know to drop a run half-way (see ``_still_open``).

    Add1 looks at each run's outcome only to ask whether its loop stops there: the outcome
    costs more than the budget, or it is exhaustive. A run can answer "no" long before its
    last round, and then need not finish.
    """

    budget: float  # the real budget (scaled)
    head_cost: float  # initial and free projects, funded by every run
    pool: npt.NDArray[np.bool_]  # projects the exhaustiveness test looks at, head excluded
    # When to test. The test costs a pass over every (project, supporter) pair: cheap
    # next to a round where projects have few supporters (Toulouse), a few rounds where
    # they have thousands (Warsaw). So runs measure what a test and a round cost (CPU
    # time: it only steers the schedule, never the outcome) and test only while the
    # rounds it could save are worth it.
    first_check: int = 1  # round of the first test: where the last early stop happened
    length: int = 0  # rounds of the last run that went to the end (0: none yet)
    check_s: float = 0.0  # CPU seconds per test (running average)
    round_s: float = 0.0  # CPU seconds per round (running average)

    def due(self, round_no: int) -> bool:
        if not (self.length and self.check_s and self.round_s):
            return True
        return (self.length - round_no) * self.round_s > 2 * self.check_s

    def after_miss(self, round_no: int) -> int:
        """The round of the next test after one that failed: tests at most double the
        cost of the rounds in between."""
        wait = max(1, round_no // 8)
        if self.round_s:
            wait = max(wait, int(self.check_s / self.round_s))
        return round_no + wait

    def test(
        self,
        data: MesData,
        budget: FloatArray,
        alive: npt.NDArray[np.bool_],
        won: npt.NDArray[np.bool_],
        spent: float,
    ) -> tuple[bool, float]:
        """_still_open, timed: (answer, CPU seconds)."""
        began = time.process_time()
        answer = _still_open(data, self, budget, alive, won, spent)
        took = time.process_time() - began
        self.check_s = 0.8 * self.check_s + 0.2 * took if self.check_s else took
        return answer, took

    def finished(self, rounds: int, seconds: float, early: bool) -> None:
        """Account a run of ``rounds`` rounds that took ``seconds`` besides its tests."""
        if rounds:
            per_round = seconds / rounds
            self.round_s = 0.8 * self.round_s + 0.2 * per_round if self.round_s else per_round
        if early:
            self.first_check = max(1, rounds - rounds // 8)
        else:
            self.length = rounds


def _still_open(
    data: MesData,
    stop: _Stop,
    budget: FloatArray,
    alive: npt.NDArray[np.bool_],
    won: npt.NDArray[np.bool_],
    spent: float,
) -> bool:
    """Whether this run, whatever its remaining rounds do, ends non-exhaustive and within
    the budget, so that Add1's loop certainly goes on past it.

    ``budget``: every group's money now (or more: an upper bound per group); ``alive``:
    projects neither funded nor known unaffordable; ``won``: funded; ``spent``: their cost.
    From here on, a project funded is paid by its supporters' money, so the run's final
    cost is at most ``head + spent + min(money of the supporters of the projects still
    affordable, their total cost)``. A project of the pool that is funded nowhere and cannot
    be any more (its supporters' money is short of its cost: budgets only shrink) then
    stays out; if it fits in what the budget leaves beyond that bound, the outcome is not
    exhaustive, and it does not overspend. Money is exact integers up to float rounding
    (~1e-13 relative), so a margin of TOL of all the money in play covers it.
    """
    money = np.zeros(len(budget) + 1)
    np.multiply(data.group_weight, budget, out=money[:-1])
    available = np.add.reduceat(money[data.entry_group], data.project_starts)
    live = alive & (data.project_sizes > 0) & (available >= data.cost_arr * (1 - TOL))
    out = stop.pool & ~won & ~live
    if not out.any():
        return False
    smallest = float(data.cost_arr[out].min())
    # The groups that support a live project (bincount of their entries: the fastest way).
    paying = np.bincount(
        data.entry_group[:-1][np.repeat(live, data.project_sizes)], minlength=len(money)
    )
    future = min(float(_add(money[paying > 0])), float(_add(data.cost_arr[live])))
    total = float(_add(money)) + spent
    bound = stop.head_cost + spent + future
    return smallest <= stop.budget - bound - TOL * (stop.budget + total)


def _mes_run(
    data: MesData,
    t: Any,
    initial: Sequence[int] = (),
    exact: bool = False,
    lender: _Trace | None = None,
    record: bool = False,
    stop: _Stop | None = None,
) -> tuple[list[int] | None, _Trace | None]:
    """One run; with ``stop``, None instead of the outcome when the run was dropped
    half-way because ``_still_open`` showed that Add1's loop goes on past it."""
    skip = set(initial)
    head = list(initial) + [p for p in data.free if p not in skip]
    candidates = [p for p in data.eligible if p not in skip]
    if data.profile.num_voters == 0:
        return list(initial), None
    if not exact:
        try:
            chosen, trace = _run_float(data, float(t), candidates, lender, record, stop)
            data.stats["float"] += 1
            return (None if chosen is None else head + chosen), trace
        except _Undecided:
            pass
    data.stats["exact"] += 1
    return head + _run_exact(data, Q(t), candidates), None


def _run_float(
    data: MesData,
    t: float,
    candidates: list[int],
    lender: _Trace | None = None,
    record: bool = False,
    stop: _Stop | None = None,
) -> tuple[list[int] | None, _Trace | None]:
    profile = data.profile
    rank = profile.rank
    budget = np.full(profile.num_groups, t)
    broke = np.zeros(profile.num_groups, dtype=np.bool_)  # budget certainly exactly 0
    # A heap of (lower bound on rho, project): rho only grows as budgets shrink, so a project
    # whose bound exceeds the best rho found this round cannot win it (pabutools' trick).
    heap = [(data.cost_f[p] / data.wu_total[p], p) for p in candidates]
    heapq.heapify(heap)
    chosen: list[int] = []
    trace = _Trace([], []) if record else None
    # Mirror of the heap's bounds by project (inf: funded or unaffordable), for the trace.
    current = np.full(profile.num_projects, np.inf)
    if record:
        for value, p in heap:
            current[p] = value
    slack = 1 + TOL
    # fresh[p]: p's heap value is its exact rho for the current budgets (none of its
    # supporters paid since it was computed), so popping it needs no recomputation.
    fresh = np.zeros(profile.num_projects, dtype=np.bool_)
    value_of = np.zeros(profile.num_projects)  # the rho of fresh projects
    work = 0
    doubtful: dict[int, bool] = {}
    if stop is not None:
        alive = np.zeros(profile.num_projects, dtype=np.bool_)
        alive[candidates] = True
        won = np.zeros(profile.num_projects, dtype=np.bool_)
        spent = 0.0
        check_at = stop.first_check
        began, testing = time.process_time(), 0.0
    # At the start everyone holds t: a project whose every supporter can pay its equal
    # share cost/sum(u) * u has exactly that rho, the heap's initial bound.
    for p in candidates:
        if t >= data.cost_f[p] / data.wu_total[p] * data.max_util[p] * slack:
            fresh[p] = True
            value_of[p] = data.cost_f[p] / data.wu_total[p]
            doubtful[p] = t * data.weight_total[p] <= data.cost_f[p] * slack
    while heap:
        round_no = len(chosen)
        lent = None
        if lender is not None and round_no < len(lender.bounds):
            lent = lender.bounds[round_no]
        best = np.inf
        evaluated: list[tuple[int, float, bool]] = []
        while heap and heap[0][0] <= best * slack:
            bound, p = heapq.heappop(heap)
            if lent is not None and lent[p] > bound:
                sharper = float(lent[p])
                if sharper < np.inf:
                    heapq.heappush(heap, (sharper, p))  # a better bound, for free
                elif stop is not None:
                    alive[p] = False
                current[p] = sharper  # (inf: unaffordable in the richer run, so here too)
                fresh[p] = False
                continue
            if fresh[p]:
                evaluated.append((p, bound, doubtful[p]))
                best = min(best, bound)
                continue
            rho, available = _rho_float(data, p, budget, bound)
            work += 1
            cost = data.cost_f[p]
            if available < cost * (1 - TOL):
                current[p] = np.inf
                if stop is not None:
                    alive[p] = False
                continue  # budgets never grow back: gone for good
            fresh[p] = True
            value_of[p] = rho
            doubtful[p] = available <= cost * slack
            evaluated.append((p, rho, doubtful[p]))
            if rho < best:
                best = rho
        if not evaluated:
            break
        near = [e for e in evaluated if e[1] <= best * slack]
        if len(near) > 1 or near[0][2]:
            if any(e[2] for e in near):
                raise _Undecided  # affordability of a contender is too close to call
            winner, rho = _pick(data, near, rank, budget, broke)
        else:
            winner, rho = near[0][0], near[0][1]
        for p, value, _ in evaluated:
            if p != winner:
                heapq.heappush(heap, (value, p))
            current[p] = value
        if lender is not None and (
            round_no >= len(lender.winners) or lender.winners[round_no] != winner
        ):
            lender = None  # the runs part ways: the richer run's bounds no longer apply
        chosen.append(winner)
        work += 1
        if trace is not None:
            trace.winners.append(winner)
            trace.bounds.append(current.copy())  # the winner keeps its rho for this round
            current[winner] = np.inf
        g = data.groups[winner]
        b = budget[g]
        pay = rho * data.util[winner]
        budget[g] = np.maximum(b - pay, 0.0)
        broke[g] |= b < pay * (1 - TOL)
        moved = data.reach(winner)
        if isinstance(moved, tuple):
            reach_g, reach_p, reach_u = moved
            fresh[reach_p[budget[reach_g] < value_of[reach_p] * reach_u * slack]] = False
        else:
            fresh[moved] = False
        if stop is not None:
            alive[winner] = False
            won[winner] = True
            spent += data.cost_f[winner]
            if len(chosen) >= check_at and heap and stop.due(len(chosen)):
                answer, took = stop.test(data, budget, alive, won, spent)
                testing += took
                if answer:
                    data.stats["work"] += work
                    stop.finished(len(chosen), time.process_time() - began - testing, True)
                    return None, trace
                check_at = stop.after_miss(len(chosen))
    data.stats["work"] += work
    if stop is not None:
        stop.finished(len(chosen), time.process_time() - began - testing, False)
    return chosen, trace


def _rho_float(data: MesData, p: int, budget: FloatArray, start: float) -> tuple[float, float]:
    """(rho, money available) for project p, by Newton's method from a lower bound.

    f(rho) = sum_i w_i min(b_i, rho u_i) is concave, so Newton steps from below never
    overshoot, and f is piecewise linear, so they stop exactly once the set of voters who
    pay their whole budget (the "poor", b_i < rho u_i) no longer changes: usually 1-3 steps,
    each a few vector operations, instead of sorting the supporters.
    """
    groups, w, wu, inv_util, cost, total_util, flat_util = data.hot[p]
    b = budget[groups]
    available = float(_dot(w, b))
    if available < cost * (1 - TOL):
        return np.inf, available
    # With equal utilities (approval ballots) compare budgets directly, skipping a division.
    if flat_util:
        ratio, scale = b, flat_util
    else:
        ratio, scale = b * inv_util, 1.0
    size = len(b)
    x = start
    below = ratio < x * scale
    count = int(_count(below))
    while True:
        # Sum over whichever side is smaller; differences stay far from cancellation.
        if 2 * count <= size:
            poor = below.nonzero()[0]
            rich_util = total_util - float(_add(wu[poor]))
            from_rich = cost - float(_dot(w[poor], b[poor]))
        else:
            rich = (~below).nonzero()[0]
            rich_util = float(_add(wu[rich]))
            from_rich = cost - available + float(_dot(w[rich], b[rich]))
        if rich_util <= 0 or from_rich <= 1e-6 * available:
            raise _Undecided  # (almost) everyone pays all they have: too close to call
        x_new = from_rich / rich_util
        if x_new <= x:
            return max(x, x_new), available
        below = ratio < x_new * scale
        grown = int(_count(below))
        if grown == count:
            return x_new, available
        x, count = x_new, grown


_dot = np.dot
_count = np.count_nonzero
_add = np.add.reduce


def _certified_exact(
    data: MesData, p: int, rho: float, budget: FloatArray, broke: npt.NDArray[np.bool_]
) -> Any:
    """Exact rho of p when no budget is needed: every supporter is broke or clearly rich.

    Then the rich pay rho * u each and the broke nothing, so rho = cost / sum(u of the rich),
    a ratio of integers. Returns None when some supporter is partly paying or borderline.
    """
    g = data.groups[p]
    b = budget[g]
    ratio = b * data.inv_util[p]
    rich = ratio >= rho * (1 + TOL)
    if not (rich | broke[g]).all():
        return None
    rich_util = int((data.profile.weights[g[rich]] * data.util_int[p][rich]).sum())
    return Q(data.profile.costs[p], rich_util)


def _pick(
    data: MesData,
    near: list[tuple[int, float, bool]],
    rank: IntArray,
    budget: FloatArray,
    broke: npt.NDArray[np.bool_],
) -> tuple[int, float]:
    """The winner among near-tied projects: exact smallest rho, then smallest id."""
    if len(near) == 1:
        return near[0][0], near[0][1]
    by_class: dict[int, list[tuple[int, float, bool]]] = {}
    for entry in near:
        by_class.setdefault(data.klass[entry[0]], []).append(entry)
    if len(by_class) > 1:
        # Projects with identical cost and supporters have identical rho: certify one each.
        exact_values = [
            _certified_exact(data, members[0][0], members[0][1], budget, broke)
            for members in by_class.values()
        ]
        if any(v is None for v in exact_values):
            raise _Undecided
        smallest = min(exact_values)
        near = [
            e
            for members, v in zip(by_class.values(), exact_values, strict=True)
            if v == smallest
            for e in members
        ]
    winner = min(near, key=lambda e: int(rank[e[0]]))
    return winner[0], winner[1]


def _run_exact(data: MesData, t: Any, candidates: list[int]) -> list[int]:
    """The same run in exact rationals: a direct port of pabutools' inner loop."""
    profile = data.profile
    weights = [int(x) for x in profile.weights]
    budget = [t] * profile.num_groups
    members = {
        p: list(zip(data.groups[p].tolist(), data.util_int[p].tolist(), strict=True))
        for p in candidates
    }
    bound = {p: Q(profile.costs[p], data.wu_total_int[p]) for p in candidates}
    alive = set(candidates)
    chosen: list[int] = []
    while alive:
        best: Any = None
        tied: list[int] = []
        for p in sorted(alive, key=bound.__getitem__):
            if best is not None and bound[p] > best:
                break
            cost = profile.costs[p]
            if sum(weights[g] * budget[g] for g, _ in members[p]) < cost:
                alive.discard(p)
                continue
            rho = _rho_exact(members[p], budget, weights, cost, data.wu_total_int[p])
            bound[p] = rho
            if best is None or rho < best:
                best, tied = rho, [p]
            elif rho == best:
                tied.append(p)
        if not tied:
            break
        winner = min(tied, key=lambda p: int(profile.rank[p]))
        alive.discard(winner)
        chosen.append(winner)
        for g, u in members[winner]:
            budget[g] -= min(budget[g], best * u)
    return chosen


def _rho_exact(
    members: list[tuple[int, int]], budget: list[Any], weights: list[int], cost: int, total: int
) -> Any:
    paid = Q(0)
    rich_util = total
    for g, u in sorted(members, key=lambda gu: budget[gu[0]] / gu[1]):
        rho = (cost - paid) / Q(rich_util)
        if rho * u <= budget[g]:
            return rho
        paid += weights[g] * budget[g]
        rich_util -= weights[g] * u
    raise AssertionError("rho asked for an unaffordable project")


# ----------------------------------------------------------------------------- batches


class _Doubt:
    """``_run_batch``'s answer for a step it could not settle: run it on its own."""


DOUBT = _Doubt()


@dataclass
class _Lane:
    """Runs of a batch that have funded the same projects so far, advanced together."""

    rows: IntArray  # which of the batch's budgets
    # Money per (group, row): a group's rows side by side, so that gathering a project's
    # supporters reads contiguous memory.
    budget: FloatArray
    broke: npt.NDArray[np.bool_]  # (group, row) whose budget is certainly exactly 0
    heap: list[tuple[float, int]]  # lower bounds on rho valid for every row
    chosen: list[int]
    # rho per row of projects none of whose supporters paid since it was computed (inf:
    # unaffordable for that row), with the rows where affordability is too close to call.
    fresh: dict[int, tuple[FloatArray, npt.NDArray[np.bool_]]]
    floor: dict[int, FloatArray]  # older rhos per row: lower bounds, to start Newton from
    alive: npt.NDArray[np.bool_]
    won: npt.NDArray[np.bool_]
    spent: float
    check_at: int

    def split(self, keep: npt.NDArray[np.bool_]) -> _Lane:
        return _Lane(
            rows=self.rows[keep],
            budget=self.budget[:, keep],
            broke=self.broke[:, keep],
            heap=list(self.heap),
            chosen=list(self.chosen),
            fresh={p: (v[keep], d[keep]) for p, (v, d) in self.fresh.items()},
            floor={p: v[keep] for p, v in self.floor.items()},
            alive=self.alive.copy(),
            won=self.won.copy(),
            spent=self.spent,
            check_at=self.check_at,
        )


def _run_batch(
    data: MesData, ts: list[float], candidates: list[int], stop: _Stop | None
) -> list[list[int] | None | _Doubt]:
    """MES runs for several per-voter budgets at once (Add1's neighbouring steps).

    Neighbouring steps fund the same projects for most of their rounds, so they share
    them: the runs advance together as one lane, every budget a row of one array, so that
    each NumPy call serves them all; when their winners differ the lane splits. Each run
    gets its outcome (the projects funded, without the head), None when ``_still_open``
    dropped it (tested on the richest row: with the same projects funded, the poorer rows
    hold no more money and can afford no more projects), or DOUBT for a run that met a
    decision it cannot certify in floating point (a near tie between distinct projects,
    a contender whose affordability is too close to call): the caller reruns those alone,
    with ``_mes_run``, which settles them exactly.
    """
    profile = data.profile
    slack = 1 + TOL
    t_all = np.asarray(ts, dtype=np.float64)
    results: list[list[int] | None | _Doubt] = [DOUBT] * len(ts)
    heap = [(data.cost_f[p] / data.wu_total[p], p) for p in candidates]
    heapq.heapify(heap)
    alive = np.zeros(profile.num_projects, dtype=np.bool_)
    alive[candidates] = True
    first = _Lane(
        rows=np.arange(len(ts)),
        budget=np.repeat(t_all[None, :], profile.num_groups, axis=0),
        broke=np.zeros((profile.num_groups, len(ts)), dtype=np.bool_),
        heap=heap,
        chosen=[],
        fresh={},
        floor={},
        alive=alive,
        won=np.zeros(profile.num_projects, dtype=np.bool_),
        spent=0.0,
        check_at=stop.first_check if stop is not None else 0,
    )
    lanes = [first]
    while lanes:
        lane = lanes.pop()
        began, testing = time.process_time(), 0.0
        complete = False
        while True:
            # One round: pop projects by lower bound until none can beat any row's best.
            size = len(lane.rows)
            best = np.full(size, np.inf)
            names: list[int] = []
            values: list[FloatArray] = []
            doubts: list[npt.NDArray[np.bool_]] = []
            bad = np.zeros(size, dtype=np.bool_)
            while lane.heap and lane.heap[0][0] <= best.max() * slack:
                bound, p = heapq.heappop(lane.heap)
                found = lane.fresh.get(p)
                if found is None:
                    start = lane.floor.get(p)
                    rho, doubtful, broken = _rho_rows(
                        data, p, lane.budget, np.full(size, bound) if start is None else start
                    )
                    data.stats["work"] += 1
                    bad |= broken
                    if not np.isfinite(rho).any():
                        lane.alive[p] = False
                        continue  # unaffordable for every row: gone for good
                    found = lane.fresh[p] = (rho, doubtful)
                names.append(p)
                values.append(found[0])
                doubts.append(found[1])
                np.minimum(best, found[0], out=best)
            # Nothing affordable: these runs are over (unless one met a doubt on the way).
            done = ~np.isfinite(best) & ~bad
            if not names:
                for row in lane.rows[done].tolist():
                    results[row] = list(lane.chosen)
                complete = True
                break
            rhos = np.array(values)
            near = rhos <= best * slack
            pick = rhos.argmin(axis=0)
            cols = np.arange(size)
            bad |= np.array(doubts)[pick, cols] & ~done
            crowded = (near.sum(axis=0) > 1) & ~done & ~bad
            for col in np.flatnonzero(crowded).tolist():
                # Near-tied contenders: settled exactly as a single run would (_pick),
                # or, failing that, the run is left to _mes_run.
                tied = [
                    (names[i], float(rhos[i, col]), bool(doubts[i][col]))
                    for i in np.flatnonzero(near[:, col]).tolist()
                ]
                if any(e[2] for e in tied):
                    bad[col] = True
                    continue
                try:
                    winner, _ = _pick(
                        data, tied, profile.rank, lane.budget[:, col], lane.broke[:, col]
                    )
                except _Undecided:
                    bad[col] = True
                    continue
                pick[col] = names.index(winner)
            for row in lane.rows[done].tolist():
                results[row] = list(lane.chosen)
            keep = ~done & ~bad
            if not keep.all():
                if not keep.any():
                    complete = bool(done.any())
                    break
                lane = lane.split(keep)
                rhos, pick = rhos[:, keep], pick[keep]
                size = len(lane.rows)
            winners = np.unique(pick)
            if len(winners) > 1:  # the runs part ways: one lane per winner
                for i in winners[1:].tolist():
                    other = lane.split(pick == i)
                    _advance(data, other, names, rhos[:, pick == i], i)
                    lanes.append(other)
                mine = pick == winners[0]
                lane = lane.split(mine)
                rhos = rhos[:, mine]
            _advance(data, lane, names, rhos, int(winners[0]))
            rounds = len(lane.chosen)
            if stop is not None and rounds >= lane.check_at and lane.heap and stop.due(rounds):
                richest = int(np.argmax(t_all[lane.rows]))
                answer, took = stop.test(
                    data, lane.budget[:, richest], lane.alive, lane.won, lane.spent
                )
                testing += took
                if answer:
                    for row in lane.rows.tolist():
                        results[row] = None
                    stop.finished(rounds, time.process_time() - began - testing, True)
                    break
                lane.check_at = stop.after_miss(rounds)
        if complete and stop is not None:
            stop.finished(len(lane.chosen), time.process_time() - began - testing, False)
    return results


def _advance(data: MesData, lane: _Lane, names: list[int], rhos: FloatArray, i: int) -> None:
    """Fund names[i] in every row of the lane; the other evaluated projects go back."""
    winner = names[i]
    for j, p in enumerate(names):
        if j != i:
            finite = rhos[j][np.isfinite(rhos[j])]
            if len(finite):
                heapq.heappush(lane.heap, (float(finite.min()), p))
            else:
                lane.alive[p] = False  # unaffordable for every row left in this lane
                lane.fresh.pop(p, None)
    lane.fresh.pop(winner, None)
    lane.floor.pop(winner, None)
    g = data.groups[winner]
    pay = data.util[winner][:, None] * rhos[i][None, :]
    before = lane.budget[g]
    lane.budget[g] = np.maximum(before - pay, 0.0)
    lane.broke[g] |= before < pay * (1 - TOL)
    touched = data.reach_mask(winner)
    for q in [q for q in lane.fresh if touched[q]]:
        lane.floor[q] = lane.fresh.pop(q)[0]
    lane.chosen.append(winner)
    lane.alive[winner] = False
    lane.won[winner] = True
    lane.spent += data.cost_f[winner]


def _rho_rows(
    data: MesData, p: int, budget: FloatArray, start: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """``_rho_float`` for every row (column of ``budget``) at once: (rho, inf where
    unaffordable; rows whose affordability is too close to call; rows Newton cannot
    settle).

    Sums of w * u are sums of integers below 2**53, hence exact: the rich side's is the
    total minus the poor side's, and the poor set stopped growing exactly when its sum
    did not change (every supporter has u > 0)."""
    groups, w, wu, inv_util, cost, total_util, flat_util = data.hot[p]
    b = budget[groups]  # (supporter, row)
    available = w @ b
    dead = available < cost * (1 - TOL)
    doubtful = ~dead & (available <= cost * (1 + TOL))
    wb = b * w[:, None]
    # Poor: b < rho * u, that is b / u < rho; with equal utilities compare b to rho * u.
    ratio, scale = (b, flat_util) if flat_util else (b * inv_util[:, None], 1.0)
    rho = np.full(b.shape[1], np.inf)
    broken = np.zeros(b.shape[1], dtype=np.bool_)
    x = start.copy()
    poor = (ratio < x * scale).astype(np.float64)
    poor_util, poor_money = wu @ poor, np.einsum("ij,ij->j", poor, wb)
    active = ~dead
    while active.any():
        rich_util = total_util - poor_util
        from_rich = cost - poor_money
        fail = active & ((rich_util <= 0) | (from_rich <= 1e-6 * available))
        broken |= fail
        active &= ~fail
        x_new = from_rich / np.where(rich_util > 0, rich_util, 1.0)
        settled = active & (x_new <= x)
        rho[settled] = x[settled]
        active &= ~settled
        poor = (ratio < x_new * scale).astype(np.float64)
        new_util, poor_money = wu @ poor, np.einsum("ij,ij->j", poor, wb)
        same = active & (new_util == poor_util)
        rho[same] = x_new[same]
        active &= ~same
        x, poor_util = np.where(active, x_new, x), new_util
    return rho, doubtful, broken


# ----------------------------------------------------------------------------- rules


def mes(profile: Profile, initial: Sequence[int] = (), exact: bool = False) -> list[int]:
    """Plain MES: each voter gets budget / voters."""
    data = prepare(profile)
    n = max(profile.num_voters, 1)
    return mes_run(data, Q(profile.budget, n), initial, exact=exact)


def mes_add1(
    profile: Profile,
    initial: Sequence[int] = (),
    exact: bool = False,
    exhaustive_over: str = "supported",
    data: MesData | None = None,
    trace: dict[str, Any] | None = None,
) -> list[int]:
    """MES, rerun with one more currency unit per voter until exhaustive (pabutools' loop).

    ``exhaustive_over="supported"`` is ``method_of_equal_shares(voter_budget_increment=1)``:
    it stops once no *supported* project could still be added. ``"all"`` is
    ``exhaustion_by_budget_increase(budget_step=num_voters)``, which also waits for projects
    nobody supports and gives up when the budget per voter has grown by the whole budget.
    The two differ only when some project has no supporter.

    ``exact=True`` runs every step in exact arithmetic, one after the other, and never
    drops a run half-way: the reference the tests compare the fast paths with.
    """
    data = data or prepare(profile)
    n = profile.num_voters
    if n == 0:
        return list(initial)
    skip = set(initial)
    pool = (
        [p for p in data.eligible if p not in skip]
        if exhaustive_over == "supported"
        else list(range(profile.num_projects))
    )
    limit = profile.budget if exhaustive_over == "all" else None  # pabutools' bound
    unit = profile.scale
    start = Q(profile.budget, n)
    head = list(initial) + [p for p in data.free if p not in skip]
    candidates = [p for p in data.eligible if p not in skip]
    state = _Scan(previous=head, used=0)
    in_pool = np.zeros(profile.num_projects, dtype=np.bool_)
    in_pool[pool] = True
    in_pool[head] = False
    stop = None
    if not exact:
        stop = _Stop(
            budget=float(profile.budget),
            head_cost=float(sum(profile.costs[p] for p in head)),
            pool=in_pool,
        )

    def stop_at(k: int, outcome: list[int] | None, last: int) -> bool:
        """Read outcome(k) as pabutools' loop does; ``last``: the same outcome holds up to
        there. True when the loop would stop here. ``None``: a run dropped because the loop
        certainly goes on past it (``_Stop``); its outcome is recomputed if it is the last."""
        if outcome is None:
            state.previous, state.used = None, last
            return False
        spent = sum(profile.costs[p] for p in outcome)
        if spent > profile.budget:
            return True  # keep the previous outcome
        state.previous, state.used = outcome, k
        if _exhaustive(profile, outcome, spent, pool):
            return True
        state.used = last
        return False

    k = 0
    span = 4  # width of the next attempt to certify a whole range of steps at once
    good = 4  # the last width that could be certified
    # Three ways forward, chosen by their recent CPU time per step (which only steers the
    # speed, never the outcome): certifying ranges pays off where the outcome stays put
    # for many steps (a large budget per voter in small currency units); batches of runs
    # side by side where it changes every few steps and projects have few supporters
    # (each NumPy call then serves many runs); blocks of single runs where they have
    # thousands (the calls are then dominated by the arithmetic, which batching does not
    # save).
    cost = {"ranges": 0.0, "batch": 0.0, "blocks": 0.0}
    gained = {"ranges": 0.0, "batch": 0.0, "blocks": 0.0}
    last_used = {"ranges": 0, "batch": 0, "blocks": 0}
    episode = 0
    while limit is None or k <= limit:
        episode += 1
        rates = {m: cost[m] / gained[m] if gained[m] else 0.0 for m in cost}
        mode = min(rates, key=rates.__getitem__)
        if episode % 8 == 0:  # keep the other estimates fresh
            mode = min((m for m in cost if m != mode), key=last_used.__getitem__)
        if exact:
            mode = "blocks"
        last_used[mode] = episode
        before, k0 = time.process_time(), k
        if mode == "ranges":
            while span > 1:
                top = k + (span - 1) * unit
                if limit is not None:
                    top = min(top, limit)
                same = _run_interval(data, float(start + k), float(start + top), candidates, stop)
                if same is not None:
                    break
                span //= 2  # the outcome changes in there: look closer
            if span > 1 and same is not None:
                # One outcome for every step in [k, top] (or none of them stops the loop):
                # one check covers them all.
                if stop_at(k, None if isinstance(same, _Open) else head + same, top):
                    break
                k, good = top + unit, span
                span *= 2
            else:
                # Step over the change with one run; changes come at similar distances,
                # so restart near the last width that worked.
                outcome, _ = _mes_run(data, start + k, initial, exact, stop=stop)
                if stop_at(k, outcome, k):
                    break
                k, span = k + unit, max(2, good // 2)
        else:
            size = BLOCK if mode == "blocks" else BATCH
            block = [k + i * unit for i in range(size) if limit is None or k + i * unit <= limit]
            outcomes: dict[int, list[int] | None] = {}
            if mode == "blocks":
                # Runs from the richest of the block down, each borrowing the bounds of the
                # one above it (see _Trace); then read in pabutools' order, upwards.
                lender = None
                for step in reversed(block):
                    outcomes[step], lender = _mes_run(
                        data, start + step, initial, exact, lender, step != block[0], stop
                    )
            else:
                ts = [float(start + step) for step in block]
                found = _run_batch(data, ts, candidates, stop)
                for step, settled in zip(block, found, strict=True):
                    if isinstance(settled, _Doubt):
                        outcomes[step], _ = _mes_run(data, start + step, initial, stop=stop)
                    else:
                        outcomes[step] = None if settled is None else head + settled
            if any(stop_at(step, outcomes[step], step) for step in block):
                break
            k = block[-1] + unit
            span = max(span, 4)
        for m in cost:  # recent episodes count more
            cost[m] *= 0.8
            gained[m] *= 0.8
        cost[mode] += time.process_time() - before
        gained[mode] += (k - k0) // unit
    if state.previous is None:  # the last run that stayed within budget was dropped early
        state.previous = mes_run(data, start + state.used, initial, exact)
    if trace is not None:
        # The per-voter budget that produced the returned outcome: enough to recount it
        # with plain MES.
        trace["add1_steps"] = state.used // unit
        trace["budget_per_voter"] = str(to_fraction(start + state.used) / unit)
    return state.previous


@dataclass
class _Scan:
    previous: list[int] | None
    used: int


class _Open:
    """``_run_interval``'s answer when Add1's loop goes on past every step of the range."""


OPEN = _Open()


def _run_interval(
    data: MesData,
    t_low: float,
    t_high: float,
    candidates: list[int],
    stop: _Stop | None = None,
) -> list[int] | _Open | None:
    """The MES outcome shared by every per-voter budget in [t_low, t_high], or None.

    Runs the two end points in lockstep. While both have funded the same projects, every
    voter's budget at any t in between lies between theirs, so every rho lies between the
    two runs' rhos (rho falls as budgets grow). A round is settled for the whole range when
    the winner's largest rho (at t_low) is below every other project's smallest (at t_high),
    or when the contenders' rhos are the same exact constants across the range, or when
    both rhos are linear in t over the range and the winner's is the smaller at both ends.
    Any doubt returns None and the caller falls back to single runs.

    Linear: every budget starts as t. A project's rho with a fixed set of "poor" supporters
    (who pay all they have) is an affine function of their budgets; if every budget is
    affine in t and the poor set is the same at both ends, the conditions that make it the
    poor set are affine inequalities that hold at both ends, hence in between, so rho is
    affine in t over the range, and charging the winner keeps every budget affine (rich
    supporters pay rho * u, poor ones drop to 0). A winner whose poor set differs between
    the ends ends that (``linear`` turns False). Two affine functions ordered at both ends,
    with a margin, are ordered in between.

    With ``stop``, it may return ``OPEN`` as soon as ``_still_open`` holds for the richer
    end: the poorer runs have the same funded projects, no more money per voter and no
    more affordable projects, so it holds for every step of the range.
    """
    profile = data.profile
    low = np.full(profile.num_groups, t_low)
    high = np.full(profile.num_groups, t_high)
    heap = [(data.cost_f[p] / data.wu_total[p], p) for p in candidates]  # bounds at t_high
    heapq.heapify(heap)
    chosen: list[int] = []
    slack = 1 + TOL
    known: dict[int, float] = {}  # rho at t_low of projects whose rhos are still exact
    low_rho = np.zeros(profile.num_projects)
    high_rho = np.zeros(profile.num_projects)
    linear = True  # every budget is an affine function of t over the range
    # Projects whose rho was computed while budgets were affine (the rho is then affine
    # if the poor sets agree at both ends, which _affine_rho checks when needed).
    affine: dict[int, bool | None] = {}

    def is_affine(p: int) -> bool:
        found = affine.get(p)
        if found is None:
            found = affine[p] = _same_poor(data, p, low, low_rho[p], high, high_rho[p])
        return found

    if stop is not None:
        alive = np.zeros(profile.num_projects, dtype=np.bool_)
        alive[candidates] = True
        won = np.zeros(profile.num_projects, dtype=np.bool_)
        spent = 0.0
        check_at = stop.first_check
    try:
        while heap:
            best_upper = np.inf
            evaluated: list[tuple[int, float, float]] = []
            while heap and heap[0][0] <= best_upper * slack:
                bound, p = heapq.heappop(heap)
                if p in known:
                    rho_high, rho_low = bound, known[p]
                else:
                    cost = data.cost_f[p]
                    rho_high, available = _rho_float(data, p, high, bound)
                    if available < cost * (1 - TOL):
                        if stop is not None:
                            alive[p] = False
                        continue  # unaffordable even for the richest: for all of them
                    rho_low, available = _rho_float(data, p, low, rho_high)
                    data.stats["work"] += 2
                    if available <= cost * slack:
                        return None  # affordable for some budgets in the range, maybe not all
                    known[p] = rho_low
                    low_rho[p], high_rho[p] = rho_low, rho_high
                    if linear:
                        affine[p] = None  # to be checked when needed
                evaluated.append((p, rho_high, rho_low))
                best_upper = min(best_upper, rho_low)
            if not evaluated:
                break
            winner = min(evaluated, key=lambda e: (e[2], int(profile.rank[e[0]])))
            rivals = [e for e in evaluated if e is not winner and e[1] <= winner[2] * slack]
            if rivals and winner[0] in affine and is_affine(winner[0]):
                # Ordered at both ends and affine in between: apart everywhere.
                rivals = [
                    e
                    for e in rivals
                    if not (
                        e[0] in affine
                        and winner[2] * slack < e[2]
                        and winner[1] * slack < e[1]
                        and is_affine(e[0])
                    )
                ]
            if rivals and not _same_winner_everywhere(data, winner, rivals, low):
                return None
            if linear and not (winner[0] in affine and is_affine(winner[0])):
                linear = False
                affine.clear()
            for p, rho_high, _ in evaluated:
                if p != winner[0]:
                    heapq.heappush(heap, (rho_high, p))
            chosen.append(winner[0])
            data.stats["work"] += 2
            g = data.groups[winner[0]]
            u = data.util[winner[0]]
            low[g] = np.maximum(low[g] - winner[2] * u, 0.0)
            high[g] = np.maximum(high[g] - winner[1] * u, 0.0)
            moved = data.reach(winner[0])
            if isinstance(moved, tuple):
                reach_g, reach_p, reach_u = moved
                stale = (low[reach_g] < low_rho[reach_p] * reach_u * slack) | (
                    high[reach_g] < high_rho[reach_p] * reach_u * slack
                )
                moved = reach_p[stale]
            for q in np.unique(moved).tolist():
                known.pop(q, None)
                affine.pop(q, None)
            if stop is not None:
                alive[winner[0]] = False
                won[winner[0]] = True
                spent += data.cost_f[winner[0]]
                if len(chosen) >= check_at and heap and stop.due(len(chosen)):
                    if stop.test(data, high, alive, won, spent)[0]:
                        return OPEN
                    check_at = stop.after_miss(len(chosen))
    except _Undecided:
        return None
    return chosen


def _same_poor(
    data: MesData, p: int, low: FloatArray, rho_low: float, high: FloatArray, rho_high: float
) -> bool:
    """Whether p's poor supporters (budget < rho * u) are the same at both ends."""
    groups, _, _, inv_util, _, _, flat_util = data.hot[p]
    if flat_util:
        poor_low = low[groups] < rho_low * flat_util
        poor_high = high[groups] < rho_high * flat_util
    else:
        poor_low = low[groups] * inv_util < rho_low
        poor_high = high[groups] * inv_util < rho_high
    return bool(np.array_equal(poor_low, poor_high))


def _same_winner_everywhere(
    data: MesData,
    winner: tuple[int, float, float],
    rivals: list[tuple[int, float, float]],
    low: FloatArray,
) -> bool:
    """Whether overlapping rho ranges still give one winner for the whole range: each
    contender is either the winner's twin (same cost and supporters: same rho, and the
    winner has the smaller id) or, like the winner, has every supporter clearly rich at
    t_low, so that its rho is the constant cost / sum(u) over the whole range."""
    rank = data.profile.rank
    twins = [e for e in rivals if data.klass[e[0]] == data.klass[winner[0]]]
    if any(rank[e[0]] < rank[winner[0]] for e in twins):
        return False
    others = [e for e in rivals if data.klass[e[0]] != data.klass[winner[0]]]
    if not others:
        return True
    mine = _constant_rho(data, winner[0], winner[2], low)
    if mine is None:
        return False
    for p, _, rho_low in others:
        theirs = _constant_rho(data, p, rho_low, low)
        if theirs is None or theirs < mine or (theirs == mine and rank[p] < rank[winner[0]]):
            return False
    return True


def _constant_rho(data: MesData, p: int, rho: float, low: FloatArray) -> Any:
    ratio = low[data.groups[p]] * data.inv_util[p]
    if len(ratio) and ratio.min() >= rho * (1 + TOL):
        return Q(data.profile.costs[p], data.wu_total_int[p])
    return None


def _exhaustive(profile: Profile, outcome: Sequence[int], spent: int, pool: Iterable[int]) -> bool:
    chosen = set(outcome)
    left = profile.budget - spent
    return not any(p not in chosen and profile.costs[p] <= left for p in pool)
