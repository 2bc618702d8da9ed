"""One entry point for counting an election: ``tally(election, rule, satisfaction, completion)``.

Rules and their pabutools 1.2.3 counterparts (default ``lexico_tie_breaking``):

=====================  ==============================================================
``greedy``             ``greedy_utilitarian_welfare(sat_class=S)``
``greedy-stop``        greedy that stops at the first project that does not fit
                       (no pabutools counterpart)
``mes``                ``method_of_equal_shares(sat_class=S)``
``mes`` + ``add1``     ``completion_by_rule_combination([method_of_equal_shares,
                       greedy_utilitarian_welfare], [{sat_class: S,
                       voter_budget_increment: 1}, {sat_class: S}])``
``phragmen``           ``sequential_phragmen`` (approval and choose-1 ballots)
=====================  ==============================================================

Satisfactions: ``cost`` (Cost_Sat), ``cardinality`` (Cardinality_Sat), ``points``
(Additive_Cardinal_Sat, cumulative/scoring), ``borda`` (Additive_Borda_Sat, ordinal).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from townhall.budgeting.rules.election import APPROVAL_TYPES, Election, Money
from townhall.budgeting.rules.greedy import greedy, greedy_stop
from townhall.budgeting.rules.mes import mes, mes_add1, prepare
from townhall.budgeting.rules.phragmen import phragmen
from townhall.budgeting.rules.profile import RuleError, build_profile, satisfactions_for

RULES = ("greedy", "greedy-stop", "mes", "phragmen")
COMPLETIONS = ("none", "add1")


@dataclass
class Result:
    """The outcome of a count: funded projects in the order the rule selected them."""

    rule: str
    satisfaction: str
    completion: str
    selected: list[str]
    cost: Money
    budget: Money
    voters: int
    projects: int
    time_ms: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "selected": self.selected,
            "cost": _json_money(self.cost),
            "budget": _json_money(self.budget),
            "rule": self.rule,
            "satisfaction": self.satisfaction,
            "completion": self.completion,
            "voters": self.voters,
            "projects": self.projects,
            "time_ms": round(self.time_ms, 3),
            **self.details,
        }


def _json_money(value: Money) -> int | str:
    # Whole amounts stay numbers; a fractional amount is given exactly as text ("1/3").
    if isinstance(value, int):
        return value
    return value.numerator if value.denominator == 1 else str(value)


def tally(
    election: Election,
    rule: str = "mes",
    satisfaction: str = "cost",
    completion: str = "none",
) -> Result:
    """Count ``election`` with ``rule``. Raises :class:`RuleError` for a combination that
    does not apply (for example Phragmén on cumulative ballots)."""
    if rule not in RULES:
        raise RuleError(f"unknown rule {rule!r} (choose from {', '.join(RULES)})")
    if completion not in COMPLETIONS:
        raise RuleError(f"unknown completion {completion!r} (choose from none, add1)")
    if completion != "none" and rule != "mes":
        raise RuleError("only mes has an add1 completion")
    started = time.perf_counter()
    details: dict[str, Any] = {}
    if rule == "phragmen":
        if election.vote_type not in APPROVAL_TYPES:
            raise RuleError(f"phragmen applies to approval ballots, not {election.vote_type}")
        satisfaction = "-"
        profile = build_profile(election, "cardinality")
        chosen = phragmen(profile)
        # pabutools returns Phragmén's outcome sorted by project id; the order in which the
        # projects were bought is kept as a detail.
        details["selection_order"] = [profile.ids[p] for p in chosen]
        chosen = sorted(chosen, key=lambda p: int(profile.rank[p]))
    else:
        if satisfaction not in satisfactions_for(election.vote_type):
            raise RuleError(
                f"satisfaction {satisfaction!r} does not apply to {election.vote_type} ballots"
                f" (choose from {', '.join(satisfactions_for(election.vote_type))})"
            )
        profile = build_profile(election, satisfaction)
        if rule == "greedy":
            chosen = greedy(profile)
        elif rule == "greedy-stop":
            chosen = greedy_stop(profile)
        elif completion == "none":
            chosen = mes(profile)
        else:
            data = prepare(profile)
            equal_shares = mes_add1(profile, data=data, trace=details)
            details["mes_selected"] = len(equal_shares)
            chosen = greedy(profile, initial=equal_shares)
    elapsed = (time.perf_counter() - started) * 1000
    spent = sum(profile.costs[p] for p in chosen)
    return Result(
        rule=rule,
        satisfaction=satisfaction,
        completion=completion,
        selected=[profile.ids[p] for p in chosen],
        cost=profile.unscale(spent),
        budget=profile.unscale(profile.budget),
        voters=election.num_voters,
        projects=election.num_projects,
        time_ms=elapsed,
        details=details,
    )
