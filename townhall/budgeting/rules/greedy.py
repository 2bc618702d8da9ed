"""Greedy utilitarian welfare, as pabutools' ``greedy_utilitarian_welfare``.

Projects are taken in decreasing order of total satisfaction per unit of cost; a project
that does not fit in what is left of the budget is skipped and the scan goes on. With the
cost satisfaction the ratio is the number of supporters (the classic "most votes first"
rule), with the cardinality satisfaction it is supporters per unit of cost, with points it
is points per unit of cost, with Borda it is Borda score per unit of cost.

Ties are broken by project id in Python string order ("10" < "9"), pabutools' default
``lexico_tie_breaking``. Densities are compared as exact fractions.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from townhall.budgeting.rules.profile import Profile


def greedy_order(profile: Profile, exclude: Sequence[int] = ()) -> list[int]:
    """Projects in the order greedy considers them."""
    skip = set(exclude)

    def key(p: int) -> tuple[int, Fraction, int]:
        total, cost = profile.totals[p], profile.costs[p]
        # pabutools: the additive scheme gives density 0 to projects with no satisfaction
        # (even free ones) and infinity to free projects with some; the general scheme used
        # for Borda gives infinity to every free project.
        if cost == 0 and (total > 0 or not profile.additive):
            return (0, Fraction(0), int(profile.rank[p]))
        density = Fraction(total, cost) if (total > 0 and cost > 0) else Fraction(0)
        return (1, -density, int(profile.rank[p]))

    return sorted((p for p in range(profile.num_projects) if p not in skip), key=key)


def greedy(profile: Profile, initial: Sequence[int] = ()) -> list[int]:
    """Greedy utilitarian welfare; ``initial`` projects are kept and paid for first."""
    selected = list(initial)
    remaining = profile.budget - sum(profile.costs[p] for p in initial)
    for p in greedy_order(profile, exclude=initial):
        if profile.costs[p] <= remaining:
            selected.append(p)
            remaining -= profile.costs[p]
    return selected


def greedy_stop(profile: Profile) -> list[int]:
    """Greedy that stops at the first project that does not fit (no pabutools counterpart).

    Some cities count this way ("fund in order until the money runs out"); it is offered
    for comparison and is not checked against pabutools, which has no such rule.
    """
    selected: list[int] = []
    remaining = profile.budget
    for p in greedy_order(profile):
        if profile.costs[p] > remaining:
            break
        selected.append(p)
        remaining -= profile.costs[p]
    return selected
