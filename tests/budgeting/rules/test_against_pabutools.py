"""Our winners are pabutools 1.2.3's winners, in the same order, on every real election.

Three layers:
* every instance, rule and satisfaction against the recorded oracle (make_oracle.py ran
  pabutools once; entries it could not finish in time are skipped, and say so);
* pabutools live on the small real instances, so the oracle file cannot drift unnoticed;
* pabutools live on seeded random small elections built to produce ties, including the
  edge cases real data lacks (free projects, projects nobody supports, no voters).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

import pytest

from tests.budgeting.rules.helpers import DATA, election, ours, theirs
from tests.budgeting.rules.make_oracle import ORACLE, combos, sha256
from tests.budgeting.rules.randomized import random_case

pabutools = pytest.importorskip("pabutools")


@lru_cache(maxsize=1)
def _oracle() -> dict:
    return json.loads(ORACLE.read_text())


def _oracle_cases() -> list[tuple[str, str]]:
    if not ORACLE.exists():
        return []
    instances = _oracle()["instances"]
    return [(name, key) for name in sorted(instances) for key in sorted(instances[name]["results"])]


def test_the_oracle_was_made_by_the_pinned_pabutools_and_covers_every_file():
    from importlib.metadata import version

    oracle = _oracle()
    assert oracle["pabutools_version"] == version("pabutools") == "1.2.3"
    files = sorted(p.name for p in DATA.glob("*.pb"))
    assert sorted(oracle["instances"]) == files
    for name in files:
        entry = oracle["instances"][name]
        assert sorted(entry["results"]) == sorted(combos(entry["vote_type"])), name


@pytest.mark.parametrize(("name", "key"), _oracle_cases())
def test_winners_match_the_recorded_pabutools_outcome(name, key):
    entry = _oracle()["instances"][name]
    recorded = entry["results"][key]
    if "selected" not in recorded:
        if recorded.get("status") == "timeout":
            pytest.skip(f"pabutools did not finish within {recorded['limit_s']:.0f} s")
        pytest.skip(f"pabutools outcome not recorded: {recorded.get('reason', recorded)}")
    if sha256(DATA / name) != entry["sha256"]:
        pytest.fail(f"{name} changed since the oracle was made: rerun make_oracle.py")
    assert ours(election(name), key) == recorded["selected"]


# The smallest real files, where pabutools itself runs in well under a second per rule.
SMALL = sorted(
    (p.name for p in DATA.glob("*.pb") if p.stat().st_size < 40_000),
    key=lambda name: (DATA / name).stat().st_size,
)[:12]


@pytest.mark.parametrize("name", SMALL)
def test_winners_match_pabutools_live_on_small_real_elections(name):
    from pabutools.election import parse_pabulib

    instance, profile = parse_pabulib(str(DATA / name))
    e = election(name)
    for key in combos(e.vote_type):
        if key.endswith("add1") and profile.num_ballots() > 1000:
            continue  # pabutools' Add1 loop is too slow here; covered by the oracle
        assert ours(e, key) == theirs(instance, profile, key), key


VOTE_TYPES = ["approval", "choose-1", "cumulative", "scoring", "ordinal"]
SEEDS = range(int(os.environ.get("PB_RANDOM_CASES", "40")))


@pytest.mark.parametrize("vote_type", VOTE_TYPES)
def test_winners_match_pabutools_on_random_elections_with_ties(vote_type):
    from pabutools.election.pabulib import parse_pabulib_from_string

    from townhall.budgeting.rules import parse_pabulib_text

    for seed in SEEDS:
        case = random_case(seed, vote_type)
        e = parse_pabulib_text(case.text)
        instance, profile = parse_pabulib_from_string(case.text)
        keys = combos(vote_type)
        if case.num_voters:
            # exhaustion_by_budget_increase loops forever without voters (its step is 0).
            keys += [k.replace("/add1", "/add1-all") for k in keys if k.endswith("add1")]
        for key in keys:
            assert ours(e, key) == theirs(instance, profile, key), (seed, key, case.text)
