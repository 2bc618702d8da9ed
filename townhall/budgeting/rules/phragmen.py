"""Sequential Phragmén, as pabutools' ``sequential_phragmen`` (approval ballots only).

Voters earn virtual money continuously; a project is bought as soon as its supporters
together hold its cost, after which their accounts are emptied. Equivalently, in each round
pick the project minimising ``(sum of its supporters' loads + cost) / supporters`` and give
all its supporters that load. The rule stops the first time a best project (any of the tied
best ones) no longer fits in the budget, even if a worse one would.

Loads take few distinct values: a voter's load is the load set by the last funded project
they support. So the load sum of a project is ``sum_j count[p, j] * load[j]`` with integer
counts, evaluated in floating point to find the contenders and exactly to break near-ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from townhall.budgeting.rules.exact import Q
from townhall.budgeting.rules.profile import Profile

TOL = 1e-9


def phragmen(profile: Profile, initial: Sequence[int] = ()) -> list[int]:
    """Build ``profile`` with the cardinality satisfaction: it only reads who approves what."""
    m = profile.num_projects
    weights = profile.weights
    counts = np.diff(profile.sup_indptr)
    entry_project = np.repeat(np.arange(m, dtype=np.int64), counts)
    entry_group = profile.sup_groups.astype(np.int64)
    entry_weight = weights[entry_group]
    score = np.zeros(m, dtype=np.int64)
    np.add.at(score, entry_project, entry_weight)
    # Projects of each group, to move a group's weight between load classes in one step.
    by_group = np.argsort(entry_group, kind="stable")
    group_indptr = np.zeros(profile.num_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(entry_group, minlength=profile.num_groups), out=group_indptr[1:])
    group_projects = entry_project[by_group]

    spent = sum(profile.costs[p] for p in initial)
    skip = set(initial)
    alive = [p for p in range(m) if p not in skip and profile.costs[p] <= profile.budget]
    # load_count[p, j]: weight of p's supporters whose load is load_exact[j] (j=0: load 0).
    load_count = np.zeros((m, m + 1), dtype=np.int64)
    load_count[:, 0] = score
    load_exact: list[Any] = [Q(0)]
    load_float = np.zeros(m + 1, dtype=np.float64)
    group_class = np.zeros(profile.num_groups, dtype=np.int64)
    costs_f = np.asarray(profile.costs, dtype=np.float64)
    chosen = list(initial)
    while alive:
        rows = np.asarray(alive, dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            maxload = (load_count[rows] @ load_float + costs_f[rows]) / score[rows]
        maxload[score[rows] == 0] = np.inf
        best = float(maxload.min())
        if np.isinf(best):
            tied = list(alive)  # only unsupported projects are left: all tie at infinity
            value = None
        else:
            near = rows[maxload <= best * (1 + TOL)]
            exact = {
                int(p): _exact_load(load_count[p], load_exact, profile.costs[p], int(score[p]))
                for p in near
            }
            value = min(exact.values())
            tied = [p for p, v in exact.items() if v == value]
        if any(spent + profile.costs[p] > profile.budget for p in tied):
            break
        winner = min(tied, key=lambda p: int(profile.rank[p]))
        chosen.append(winner)
        spent += profile.costs[winner]
        alive.remove(winner)
        if value is None:
            continue
        j = len(load_exact)
        load_exact.append(value)
        load_float[j] = float(value)
        start, stop = profile.sup_indptr[winner], profile.sup_indptr[winner + 1]
        movers = entry_group[start:stop]
        lengths = group_indptr[movers + 1] - group_indptr[movers]
        positions = np.repeat(group_indptr[movers], lengths) + (
            np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        )
        touched = group_projects[positions]
        moved = np.repeat(weights[movers], lengths)
        np.add.at(load_count, (touched, np.repeat(group_class[movers], lengths)), -moved)
        np.add.at(load_count, (touched, np.full(len(touched), j)), moved)
        group_class[movers] = j
    return chosen


def _exact_load(count_row: Any, loads: list[Any], cost: int, score: int) -> Any:
    total = Q(cost)
    for j, value in enumerate(loads):
        c = int(count_row[j])
        if c:
            total += c * value
    return total / score
