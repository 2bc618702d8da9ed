"""Satisfaction profiles: what each voter gains from each project, voters grouped.

The counting rules never look at single voters. Voters whose utility vectors are identical
always receive identical treatment (same budget, same payments, same load), so they are
merged into one *group* with a weight. Real elections compress well: 51,000 Łódź voters
form ~25,000 groups, the 40,000 choose-1 voters of Poznań form 6.

Money is made integral before counting: costs and budget are multiplied by the least common
multiple of their denominators (``scale``). All the rules are invariant under that scaling
except the Add1 step, which is therefore ``scale`` scaled units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from townhall.budgeting.rules.election import POINT_TYPES, Election

SATISFACTIONS = ("cost", "cardinality", "points", "borda")
# The pabutools class each satisfaction mirrors, for documentation and the oracle.
PABUTOOLS_SAT = {
    "cost": "Cost_Sat",
    "cardinality": "Cardinality_Sat",
    "points": "Additive_Cardinal_Sat",
    "borda": "Additive_Borda_Sat",
}

IntArray = npt.NDArray[np.int64]


class RuleError(ValueError):
    """A rule or satisfaction that does not apply to this election."""


def satisfactions_for(vote_type: str) -> tuple[str, ...]:
    """The satisfaction measures pabutools defines for a ballot type."""
    if vote_type in POINT_TYPES:
        return ("cost", "cardinality", "points")
    if vote_type == "ordinal":
        return ("cost", "cardinality", "borda")
    return ("cost", "cardinality")


@dataclass
class Profile:
    """Grouped utilities of one election under one satisfaction measure.

    ``sup_*`` is a per-project (CSC) list of the groups with positive utility, which is what
    the Method of Equal Shares calls supporters. ``totals`` is the exact total satisfaction
    per project over all voters (negative points included), which is what greedy ranks by.
    """

    satisfaction: str
    ids: list[str]
    costs: list[int]  # scaled, exact
    budget: int  # scaled, exact
    scale: int
    num_voters: int
    weights: IntArray  # voters per group
    sup_indptr: IntArray
    sup_groups: npt.NDArray[np.int32]
    sup_util: IntArray
    totals: list[int]
    rank: IntArray  # position of each project id in Python string order (the tie-break)
    additive: bool  # pabutools treats Borda as non-additive (it changes the greedy scheme)

    @property
    def num_projects(self) -> int:
        return len(self.ids)

    @property
    def num_groups(self) -> int:
        return len(self.weights)

    def supporters(self, project: int) -> tuple[npt.NDArray[np.int32], IntArray]:
        start, stop = self.sup_indptr[project], self.sup_indptr[project + 1]
        return self.sup_groups[start:stop], self.sup_util[start:stop]

    def unscale(self, amount: int) -> int | Fraction:
        value = Fraction(amount, self.scale)
        return value.numerator if value.denominator == 1 else value


def money_scale(election: Election) -> int:
    amounts = [Fraction(p.cost) for p in election.projects] + [Fraction(election.budget)]
    return math.lcm(1, *(a.denominator for a in amounts))


def build_profile(election: Election, satisfaction: str = "cost") -> Profile:
    if satisfaction not in SATISFACTIONS:
        raise RuleError(f"unknown satisfaction {satisfaction!r}")
    if satisfaction not in satisfactions_for(election.vote_type):
        raise RuleError(
            f"the {satisfaction} satisfaction does not apply to {election.vote_type} ballots"
        )
    scale = money_scale(election)
    costs = [int(Fraction(p.cost) * scale) for p in election.projects]
    budget = int(Fraction(election.budget) * scale)
    n, m = election.num_voters, election.num_projects
    lengths = np.diff(election.indptr)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    cols = election.indices.astype(np.int64)
    util = _utilities(election, satisfaction, costs, lengths)

    groups, weights, representative = _group(rows, cols, util, n)
    # One entry per (group, project): the first voter of each group stands for all of them.
    is_rep = np.zeros(n, dtype=np.bool_)
    is_rep[representative] = True
    keep = is_rep[rows]
    g_of, p_of, u_of = groups[rows[keep]], cols[keep], util[keep]

    totals_arr = np.zeros(m, dtype=np.int64)
    np.add.at(totals_arr, p_of, u_of * weights[g_of])
    positive = u_of > 0
    # By project, then group. The entries already come by group (see _group), so a stable
    # sort by project suffices: a radix sort when project numbers fit in 16 bits.
    by_project = p_of[positive]
    order = np.argsort(by_project.astype(np.int16) if m < 2**15 else by_project, kind="stable")
    sup_p = p_of[positive][order]
    sup_indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(sup_p, minlength=m), out=sup_indptr[1:])
    ids = election.project_ids
    rank = np.empty(m, dtype=np.int64)
    rank[sorted(range(m), key=ids.__getitem__)] = np.arange(m)
    return Profile(
        satisfaction=satisfaction,
        ids=ids,
        costs=costs,
        budget=budget,
        scale=scale,
        num_voters=n,
        weights=weights,
        sup_indptr=sup_indptr,
        sup_groups=g_of[positive][order].astype(np.int32),
        sup_util=u_of[positive][order],
        totals=[int(x) for x in totals_arr],
        rank=rank,
        additive=satisfaction != "borda",
    )


def _utilities(
    election: Election, satisfaction: str, costs: list[int], lengths: IntArray
) -> IntArray:
    cols = election.indices
    if satisfaction == "cost":
        return np.asarray(costs, dtype=np.int64)[cols]
    if satisfaction == "cardinality":
        return np.ones(len(cols), dtype=np.int64)
    if satisfaction == "points":
        assert election.points is not None
        return election.points.astype(np.int64)
    # Borda as pabutools scores an ordinal ballot: len(ballot) - position - 1, so the last
    # ranked project is worth 0 and does not count as supported.
    starts = np.repeat(election.indptr[:-1], lengths)
    position = np.arange(len(cols), dtype=np.int64) - starts
    return np.repeat(lengths, lengths) - position - 1


def _group(
    rows: IntArray, cols: IntArray, util: IntArray, n: int
) -> tuple[IntArray, IntArray, IntArray]:
    """For voters with identical utility vectors: group per voter, weights, a voter per group."""
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    # Canonical form of a voter: entries sorted by project, padded to the longest ballot.
    width_key = int(cols.max()) + 1 if len(cols) else 1
    order = np.argsort(rows * width_key + cols, kind="stable")  # by rows, then cols
    r, c, u = rows[order], cols[order], util[order]
    lengths = np.bincount(r, minlength=n)
    width = int(lengths.max()) if len(lengths) else 0
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    slot = np.arange(len(r)) - starts[r]
    key = np.full((n, 2 * width + 1), -1, dtype=np.int64)
    key[:, 0] = lengths
    key[r, 1 + slot] = c
    key[r, 1 + width + slot] = u
    # Rows are grouped by a 64-bit hash (np.unique on rows is ~10x slower), then checked
    # against their group's first row; a collision, however unlikely, falls back to rows.
    multipliers = np.random.default_rng(20240917).integers(
        1, 2**62, size=key.shape[1], dtype=np.int64
    )
    with np.errstate(over="ignore"):
        digest = (key * multipliers).sum(axis=1)
    _, first, inverse, counts = np.unique(
        digest, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)
    if not np.array_equal(key, key[first[inverse]]):
        _, first, inverse, counts = np.unique(
            key, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
        inverse = inverse.reshape(-1)
    # Number the groups in the order of their first voter, so that the representatives'
    # entries come group by group (build_profile's sort relies on it).
    by_first = np.argsort(first, kind="stable")
    renumber = np.empty(len(first), dtype=np.int64)
    renumber[by_first] = np.arange(len(first))
    return renumber[inverse], counts[by_first].astype(np.int64), first[by_first].astype(np.int64)
