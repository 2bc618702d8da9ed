"""The shortcuts Add1 takes (runs dropped half-way, ranges, batches) change nothing.

Each one is checked on its own against plain single runs, and the whole loop against the
exact one-step-at-a-time loop, on seeded random elections large enough to need hundreds
of steps (the tie-heavy small ones are in test_rules.py and test_against_pabutools.py).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.budgeting.rules.helpers import election
from tests.budgeting.rules.randomized import random_case
from townhall.budgeting.rules import mes as mes_module
from townhall.budgeting.rules import parse_pabulib_text
from townhall.budgeting.rules.exact import Q
from townhall.budgeting.rules.mes import (
    _Doubt,
    _exhaustive,
    _mes_run,
    _Open,
    _run_batch,
    _run_interval,
    _Stop,
    mes_add1,
    mes_run,
    prepare,
)
from townhall.budgeting.rules.profile import build_profile, satisfactions_for


def larger_case(seed: int) -> str:
    """Up to 300 voters and 25 projects, some of them twins or unsupported, with small
    integer costs so that Add1 takes many steps."""
    rng = random.Random(f"add1-{seed}")
    m = rng.randint(3, 25)
    n = rng.randint(5, 300)
    vote_type = rng.choice(["approval", "cumulative", "ordinal"])
    costs = [rng.choice([rng.randint(1, 20), rng.randint(10, 900), 50]) for _ in range(m)]
    if rng.random() < 0.1:
        costs[-1] = 0
    if rng.random() < 0.3:
        costs[1] = costs[0]
    budget = max(1, int(sum(costs) * rng.uniform(0.1, 0.8)))
    unsupported = set(rng.sample(range(m), k=2)) if rng.random() < 0.3 else set()
    votable = [j for j in range(m) if j not in unsupported] or [0]
    weights = [rng.random() ** 2 + 0.01 for _ in votable]
    header = "voter_id;vote;points" if vote_type == "cumulative" else "voter_id;vote"
    lines = ["META", "key;value", f"num_projects;{m}", f"num_votes;{n}", f"budget;{budget}",
             f"vote_type;{vote_type}", "PROJECTS", "project_id;cost"]  # fmt: skip
    lines += [f"{j + 1};{c}" for j, c in enumerate(costs)]
    lines += ["VOTES", header]
    for i in range(n):
        ballot: list[int] = []
        for _ in range(rng.randint(1, 5)):
            pick = rng.choices(votable, weights=weights)[0]
            if pick not in ballot:
                ballot.append(pick)
        if rng.random() < 0.3 and 0 in ballot and 1 not in ballot and m > 2:
            ballot.append(1)  # twins: same cost, same supporters
        line = f"{i + 1};" + ",".join(str(j + 1) for j in ballot)
        if vote_type == "cumulative":
            line += ";" + ",".join(str(rng.randint(1, 5)) for _ in ballot)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _profiles(seeds):
    for seed in seeds:
        e = parse_pabulib_text(larger_case(seed))
        for sat in satisfactions_for(e.vote_type):
            yield seed, sat, build_profile(e, sat)


def _stop_for(profile, data, exhaustive_over="supported"):
    pool = list(data.eligible) if exhaustive_over == "supported" else range(profile.num_projects)
    mask = np.zeros(profile.num_projects, dtype=np.bool_)
    mask[list(pool)] = True
    mask[data.free] = False
    head_cost = float(sum(profile.costs[p] for p in data.free))
    return _Stop(budget=float(profile.budget), head_cost=head_cost, pool=mask), list(pool)


def _loop_goes_on(profile, outcome, pool):
    spent = sum(profile.costs[p] for p in outcome)
    return spent <= profile.budget and not _exhaustive(profile, outcome, spent, pool)


@pytest.mark.parametrize("exhaustive_over", ["supported", "all"])
def test_add1_equals_the_exact_step_by_step_loop_on_larger_random_elections(exhaustive_over):
    for seed, sat, profile in _profiles(range(25)):
        fast, slow = {}, {}
        got = mes_add1(profile, exhaustive_over=exhaustive_over, trace=fast)
        want = mes_add1(profile, exhaustive_over=exhaustive_over, exact=True, trace=slow)
        assert (got, fast) == (want, slow), (seed, sat)


def test_a_run_is_dropped_only_when_its_full_outcome_lets_the_loop_go_on():
    dropped = 0
    for seed, sat, profile in _profiles(range(40)):
        data = prepare(profile)
        start = Q(profile.budget, max(profile.num_voters, 1))
        for over in ("supported", "all"):
            stop, pool = _stop_for(profile, data, over)
            for k in range(0, 400, 7):
                t = start + k * profile.scale
                outcome, _ = _mes_run(data, t, stop=stop)
                full = mes_run(data, t)
                if outcome is None:
                    dropped += 1
                    assert _loop_goes_on(profile, full, pool), (seed, sat, over, k)
                else:
                    assert outcome == full, (seed, sat, over, k)
    assert dropped > 100  # the shortcut was really exercised


def test_batches_give_each_step_its_single_run_outcome():
    seen = {"outcome": 0, "dropped": 0}
    for seed, sat, profile in _profiles(range(40)):
        data = prepare(profile)
        start = Q(profile.budget, max(profile.num_voters, 1))
        steps = [start + k * profile.scale for k in range(0, 64, 2)]
        for with_stop in (False, True):
            stop, pool = _stop_for(profile, data) if with_stop else (None, [])
            found = _run_batch(data, [float(t) for t in steps], list(data.eligible), stop)
            for t, outcome in zip(steps, found, strict=True):
                if isinstance(outcome, _Doubt):
                    continue  # left to a single run, which settles it exactly
                full = mes_run(data, t)
                if outcome is None:
                    seen["dropped"] += 1
                    assert _loop_goes_on(profile, full, pool), (seed, sat, float(t))
                else:
                    seen["outcome"] += 1
                    assert data.free + outcome == full, (seed, sat, float(t))
    assert seen["outcome"] > 200 and seen["dropped"] > 50


def test_a_settled_range_holds_for_every_step_in_it():
    settled = 0
    for seed, sat, profile in _profiles(range(40)):
        data = prepare(profile)
        start = Q(profile.budget, max(profile.num_voters, 1))
        stop, pool = _stop_for(profile, data)
        for k in range(0, 300, 23):
            low, high = start + k * profile.scale, start + (k + 15) * profile.scale
            found = _run_interval(data, float(low), float(high), list(data.eligible), stop)
            if found is None:
                continue
            settled += 1
            for j in range(16):
                full = mes_run(data, low + j * profile.scale)
                if isinstance(found, _Open):
                    assert _loop_goes_on(profile, full, pool), (seed, sat, k, j)
                else:
                    assert data.free + found == full, (seed, sat, k, j)
    assert settled > 50


@pytest.mark.parametrize("vote_type", ["approval", "choose-1", "cumulative", "scoring", "ordinal"])
def test_add1_and_its_trace_equal_the_exact_loop_on_small_random_elections(vote_type):
    # The tie-heavy generator of the pabutools tests: exact ties, near-exhausted budgets,
    # free and unsupported projects. The trace (steps taken) must agree too.
    for seed in range(150):
        e = parse_pabulib_text(random_case(seed, vote_type).text)
        for sat in satisfactions_for(vote_type):
            profile = build_profile(e, sat)
            for over in ("supported", "all") if e.num_voters else ("supported",):
                fast, slow = {}, {}
                got = mes_add1(profile, exhaustive_over=over, trace=fast)
                want = mes_add1(profile, exhaustive_over=over, exact=True, trace=slow)
                assert (got, fast) == (want, slow), (seed, sat, over)


def test_projects_nobody_supports_do_not_shift_the_money_of_the_others():
    # The money test sums supporters' budgets per project with np.add.reduceat, which
    # mishandles empty segments unless they are masked; here the unsupported project is
    # last, and Add1 must still stop where the exact loop does.
    e = parse_pabulib_text(random_case(3, "ordinal").text)
    profile = build_profile(e, "cost")
    for over in ("supported", "all"):
        assert mes_add1(profile, exhaustive_over=over) == mes_add1(
            profile, exhaustive_over=over, exact=True
        )


def test_real_elections_with_many_add1_steps_take_every_shortcut_and_agree(monkeypatch):
    # Toulouse 2024: hundreds of steps, runs dropped early, batches and ranges all used.
    e = election("France_Toulouse_2024.pb")
    profile = build_profile(e, "cardinality")
    calls = {"batch": 0, "interval": 0}
    batch, interval = mes_module._run_batch, mes_module._run_interval

    def counting_batch(*args):
        calls["batch"] += 1
        return batch(*args)

    def counting_interval(*args):
        calls["interval"] += 1
        return interval(*args)

    monkeypatch.setattr(mes_module, "_run_batch", counting_batch)
    monkeypatch.setattr(mes_module, "_run_interval", counting_interval)
    trace: dict = {}
    chosen = mes_add1(profile, trace=trace)
    assert calls["batch"] and calls["interval"]
    per_voter = Q(e.budget, e.num_voters) + trace["add1_steps"]
    assert chosen == mes_run(prepare(profile), per_voter)
    assert trace["add1_steps"] == 859
