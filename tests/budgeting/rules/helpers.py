"""Shared by the counting tests: run a rule by its oracle key, on our side and pabutools'."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from townhall.budgeting.rules import Election, parse_pabulib, tally
from townhall.budgeting.rules.greedy import greedy
from townhall.budgeting.rules.mes import mes_add1
from townhall.budgeting.rules.profile import build_profile

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pabulib"


@lru_cache(maxsize=8)
def election(name: str) -> Election:
    return parse_pabulib(DATA / name)


def ours(e: Election, key: str) -> list[str]:
    """Our winners for an oracle key "rule/satisfaction/completion"."""
    rule, sat, completion = key.split("/")
    if completion == "add1-all":
        # pabutools' exhaustion_by_budget_increase(budget_step=voters), then greedy.
        profile = build_profile(e, sat)
        chosen = greedy(profile, mes_add1(profile, exhaustive_over="all"))
        return [profile.ids[p] for p in chosen]
    return tally(e, rule, "cost" if sat == "-" else sat, completion).selected


def theirs(instance, profile, key: str) -> list[str]:
    """pabutools' winners for the same key (instance and profile from its own parser)."""
    rule, sat, completion = key.split("/")
    if completion != "add1-all":
        from tests.budgeting.rules.make_oracle import pabutools_outcome

        return pabutools_outcome(instance, profile, key)
    from pabutools.election import (
        Additive_Borda_Sat,
        Additive_Cardinal_Sat,
        Cardinality_Sat,
        Cost_Sat,
    )
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    sat_class = {"cost": Cost_Sat, "cardinality": Cardinality_Sat,
                 "points": Additive_Cardinal_Sat, "borda": Additive_Borda_Sat}[sat]  # fmt: skip
    outcome = completion_by_rule_combination(
        instance,
        profile,
        [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
        [
            {
                "rule": method_of_equal_shares,
                "rule_params": {"sat_class": sat_class},
                "budget_step": profile.num_ballots(),
            },
            {"sat_class": sat_class},
        ],
    )
    return [p.name for p in outcome]
