"""Properties of the counting rules that do not need pabutools."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from tests.budgeting.rules.helpers import election
from tests.budgeting.rules.randomized import random_case
from townhall.budgeting.rules import RuleError, parse_pabulib_text, tally
from townhall.budgeting.rules import mes as mes_module
from townhall.budgeting.rules.exact import Q
from townhall.budgeting.rules.greedy import greedy_stop
from townhall.budgeting.rules.mes import mes, mes_add1, mes_run, prepare
from townhall.budgeting.rules.profile import build_profile, satisfactions_for

SIMPLE = """META
key;value
budget;100
vote_type;approval
PROJECTS
project_id;cost
a;60
b;50
c;30
d;10
VOTES
voter_id;vote
1;a,d
2;a
3;a,b
4;b,c
5;b
6;c
"""


def test_greedy_skips_what_does_not_fit_and_greedy_stop_does_not():
    e = parse_pabulib_text(SIMPLE)
    # a and b have 3 supporters each (a wins the tie by id), c 2, d 1.
    assert tally(e, "greedy").selected == ["a", "c", "d"]
    assert tally(e, "greedy-stop").selected == ["a"]
    assert greedy_stop(build_profile(e, "cost")) == [0]


def test_the_result_reports_cost_budget_and_timing():
    result = tally(parse_pabulib_text(SIMPLE), "greedy")
    data = result.to_json()
    assert data["selected"] == ["a", "c", "d"]
    assert (data["cost"], data["budget"], data["voters"], data["projects"]) == (100, 100, 6, 4)
    assert data["time_ms"] >= 0
    json.dumps(data)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule": "plurality"}, "unknown rule"),
        ({"rule": "greedy", "completion": "add1"}, "only mes has an add1 completion"),
        ({"rule": "mes", "satisfaction": "points"}, "does not apply to approval"),
        ({"rule": "mes", "completion": "twice"}, "unknown completion"),
    ],
)
def test_a_rule_that_does_not_apply_is_refused(kwargs, message):
    with pytest.raises(RuleError, match=message):
        tally(parse_pabulib_text(SIMPLE), **kwargs)


def test_phragmen_is_for_approval_ballots_only():
    with pytest.raises(RuleError, match="approval"):
        tally(election("Poland_Katowice_2022_Zawodzie.pb"), "phragmen")


def test_phragmen_lists_winners_by_id_like_pabutools_and_keeps_the_buying_order():
    result = tally(election("Poland_Gdynia_2025_Maly_Kack__small.pb"), "phragmen")
    assert result.selected == sorted(result.selected)
    assert sorted(result.details["selection_order"]) == result.selected


def test_fractional_money_is_counted_exactly():
    text = SIMPLE.replace("budget;100", "budget;100.5").replace("d;10", "d;10.25")
    result = tally(parse_pabulib_text(text), "greedy")
    assert result.cost == Fraction(401, 4)
    assert result.to_json()["cost"] == "401/4"


@pytest.mark.parametrize("vote_type", ["approval", "cumulative", "scoring", "ordinal"])
def test_floating_point_mes_equals_exact_mes_on_random_elections(vote_type):
    for seed in range(60):
        e = parse_pabulib_text(random_case(seed, vote_type).text)
        for sat in satisfactions_for(vote_type):
            profile = build_profile(e, sat)
            assert mes(profile) == mes(profile, exact=True), (seed, sat)
            assert mes_add1(profile) == mes_add1(profile, exact=True), (seed, sat)


def test_every_undecided_comparison_falls_back_to_exact_arithmetic(monkeypatch):
    # With an absurd tolerance every close call is "too close": the float path must hand
    # over to the exact one and the outcome must not change.
    e = election("Poland_Warszawa_2019_Stare_Bielany.pb")
    profile = build_profile(e, "cost")
    expected = mes(profile)
    monkeypatch.setattr(mes_module, "TOL", 0.5)
    data = prepare(profile)
    assert mes_run(data, Q(profile.budget, profile.num_voters)) == expected
    assert data.stats["exact"] == 1


@pytest.mark.parametrize(
    "name", ["Poland_Krakow_2018_Bronowice.pb", "Poland_Katowice_2022_Zawodzie.pb"]
)
def test_floating_point_mes_equals_exact_mes_on_real_elections(name):
    e = election(name)
    for sat in satisfactions_for(e.vote_type):
        profile = build_profile(e, sat)
        assert mes(profile) == mes(profile, exact=True), sat


def test_add1_reports_a_per_voter_budget_that_recounts_to_the_same_mes_part():
    e = election("Poland_Warszawa_2019_Stare_Bielany.pb")
    result = tally(e, "mes", completion="add1")
    profile = build_profile(e, "cost")
    per_voter = Fraction(result.details["budget_per_voter"])
    recount = mes_run(prepare(profile), Q(per_voter.numerator, per_voter.denominator))
    assert [profile.ids[p] for p in recount] == result.selected[: result.details["mes_selected"]]
    assert per_voter == Fraction(e.budget, e.num_voters) + result.details["add1_steps"]


def test_add1_spends_at_least_what_plain_mes_spends_on_real_elections():
    for name in ("Poland_Krakow_2018_Bronowice.pb", "Poland_Gdynia_2025_Maly_Kack__small.pb"):
        e = election(name)
        plain = tally(e, "mes")
        completed = tally(e, "mes", completion="add1")
        assert plain.cost <= completed.cost <= completed.budget


def test_no_voters_means_mes_funds_nothing_and_greedy_goes_by_id():
    text = SIMPLE.split("VOTES")[0] + "VOTES\nvoter_id;vote\n"
    e = parse_pabulib_text(text)
    assert tally(e, "mes").selected == []
    assert tally(e, "mes", completion="add1").selected == ["a", "c", "d"]
    assert tally(e, "greedy").selected == ["a", "c", "d"]
