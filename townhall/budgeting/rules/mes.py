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
but does not run every step: see ``mes_add1`` for how whole ranges of steps are settled
at once, and ``_Trace`` for how neighbouring runs share work.
"""

from __future__ import annotations

import heapq
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
    stats: dict[str, int] = field(default_factory=lambda: {"float": 0, "exact": 0, "work": 0})

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
                found = np.unique(self.group_projects[positions])
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
    return _mes_run(data, t, initial, exact)[0]


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


def _mes_run(
    data: MesData,
    t: Any,
    initial: Sequence[int] = (),
    exact: bool = False,
    lender: _Trace | None = None,
    record: bool = False,
) -> tuple[list[int], _Trace | None]:
    skip = set(initial)
    head = list(initial) + [p for p in data.free if p not in skip]
    candidates = [p for p in data.eligible if p not in skip]
    if data.profile.num_voters == 0:
        return list(initial), None
    if not exact:
        try:
            chosen, trace = _run_float(data, float(t), candidates, lender, record)
            data.stats["float"] += 1
            return head + chosen, trace
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
) -> tuple[list[int], _Trace | None]:
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
    data.stats["work"] += work
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

    def stop_at(k: int, outcome: list[int], last: int) -> bool:
        """Read outcome(k) as pabutools' loop does; ``last``: the same outcome holds up to
        there. True when the loop would stop here."""
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
    # Two ways forward, chosen by their recent cost per step (work = rho evaluations and
    # rounds): certifying ranges pays off where the outcome stays put for many steps (a
    # large budget per voter in small currency units); blocks of single runs where it
    # changes every few steps.
    cost = {"ranges": 0.0, "blocks": 0.0}
    gained = {"ranges": 0.0, "blocks": 0.0}
    episode = 0
    while limit is None or k <= limit:
        episode += 1
        rates = {m: cost[m] / gained[m] if gained[m] else 0.0 for m in cost}
        mode = "ranges" if rates["ranges"] <= rates["blocks"] else "blocks"
        if episode % 6 == 0:
            mode = "blocks" if mode == "ranges" else "ranges"  # keep both estimates fresh
        if exact:
            mode = "blocks"
        before, k0 = data.stats["work"], k
        if mode == "ranges":
            while span > 1:
                top = k + (span - 1) * unit
                if limit is not None:
                    top = min(top, limit)
                same = _run_interval(data, float(start + k), float(start + top), candidates)
                if same is not None:
                    break
                span //= 2  # the outcome changes in there: look closer
            if span > 1 and same is not None:
                # One outcome for every step in [k, top]: one check covers them all.
                if stop_at(k, head + same, top):
                    break
                k, good = top + unit, span
                span *= 2
            else:
                # Step over the change with one run; changes come at similar distances,
                # so restart near the last width that worked.
                outcome, _ = _mes_run(data, start + k, initial, exact)
                if stop_at(k, outcome, k):
                    break
                k, span = k + unit, max(2, good // 2)
        else:
            # Runs from the richest of the block down, each borrowing the bounds of the one
            # above it (see _Trace); then read in pabutools' order, upwards.
            block = [k + i * unit for i in range(12) if limit is None or k + i * unit <= limit]
            outcomes: dict[int, list[int]] = {}
            lender = None
            for step in reversed(block):
                outcomes[step], lender = _mes_run(
                    data, start + step, initial, exact, lender, record=step != block[0]
                )
            if any(stop_at(step, outcomes[step], step) for step in block):
                break
            k = block[-1] + unit
            span = max(span, 4)
        for m in cost:  # recent episodes count more
            cost[m] *= 0.8
            gained[m] *= 0.8
        cost[mode] += data.stats["work"] - before
        gained[mode] += (k - k0) // unit
    if trace is not None:
        # The per-voter budget that produced the returned outcome: enough to recount it
        # with plain MES.
        trace["add1_steps"] = state.used // unit
        trace["budget_per_voter"] = str(to_fraction(start + state.used) / unit)
    return state.previous


@dataclass
class _Scan:
    previous: list[int]
    used: int


def _run_interval(
    data: MesData, t_low: float, t_high: float, candidates: list[int]
) -> list[int] | None:
    """The MES outcome shared by every per-voter budget in [t_low, t_high], or None.

    Runs the two end points in lockstep. While both have funded the same projects, every
    voter's budget at any t in between lies between theirs, so every rho lies between the
    two runs' rhos (rho falls as budgets grow). A round is settled for the whole range when
    the winner's largest rho (at t_low) is below every other project's smallest (at t_high),
    or when the contenders' rhos are the same exact constants across the range. Any doubt
    returns None and the caller falls back to single runs.
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
                        continue  # unaffordable even for the richest: for all of them
                    rho_low, available = _rho_float(data, p, low, rho_high)
                    data.stats["work"] += 2
                    if available <= cost * slack:
                        return None  # affordable for some budgets in the range, maybe not all
                    known[p] = rho_low
                    low_rho[p], high_rho[p] = rho_low, rho_high
                evaluated.append((p, rho_high, rho_low))
                best_upper = min(best_upper, rho_low)
            if not evaluated:
                break
            winner = min(evaluated, key=lambda e: (e[2], int(profile.rank[e[0]])))
            rivals = [e for e in evaluated if e is not winner and e[1] <= winner[2] * slack]
            if rivals and not _same_winner_everywhere(data, winner, rivals, low):
                return None
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
    except _Undecided:
        return None
    return chosen


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
