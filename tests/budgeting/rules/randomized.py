"""Small random elections, built to produce ties, as .pb text both parsers read.

Hypothesis is not a dependency of the project, so cases come from a seeded generator:
the same seeds give the same elections on every machine and every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Case:
    seed: int
    vote_type: str
    text: str
    num_voters: int


def random_case(seed: int, vote_type: str) -> Case:
    rng = random.Random(f"{vote_type}-{seed}")  # str seeds are stable across runs
    m = rng.randint(1, 8)
    # Ids that sort differently as strings and as numbers ("10" < "9"), so that a
    # tie-break by number instead of by string shows up.
    ids = rng.sample([str(i) for i in range(1, 13)], m)
    cost_pool = rng.choice([[1, 2, 3], [2, 4, 6, 8], [5, 10, 15], [100, 250, 400, 999]])
    costs = {pid: rng.choice(cost_pool) for pid in ids}
    if rng.random() < 0.1:
        costs[ids[0]] = 0  # a free project
    total = sum(costs.values())
    budget = rng.randint(max(1, min(costs.values())), max(2, total))
    n = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 40]) if rng.random() < 0.95 else 0
    unsupported = ids[-1] if (m > 1 and rng.random() < 0.25) else None
    votable = [pid for pid in ids if pid != unsupported]
    lines = ["META", "key;value", "description;random", "country;Nowhere", "unit;Test",
             "instance;" + str(seed), f"num_projects;{m}", f"num_votes;{n}",
             f"budget;{budget}", f"vote_type;{vote_type}", "rule;greedy",
             "PROJECTS", "project_id;cost;name"]  # fmt: skip
    lines += [f"{pid};{costs[pid]};Project {pid}" for pid in ids]
    lines.append("VOTES")
    lines.append(
        "voter_id;vote;points" if vote_type in ("cumulative", "scoring") else "voter_id;vote"
    )
    # A few ballot templates repeated make equal supports (and so ties) likely.
    templates = [_ballot(rng, votable, vote_type) for _ in range(rng.randint(1, 4))]
    for v in range(n):
        ballot = rng.choice(templates) if rng.random() < 0.7 else _ballot(rng, votable, vote_type)
        lines.append(f"{v + 1};{ballot}")
    return Case(seed, vote_type, "\n".join(lines) + "\n", n)


def _ballot(rng: random.Random, ids: list[str], vote_type: str) -> str:
    if vote_type == "choose-1":
        return rng.choice(ids)
    k = rng.randint(1, len(ids))
    chosen = rng.sample(ids, k)
    if vote_type == "cumulative":
        points = [rng.randint(0, 3) for _ in chosen]
        return ",".join(chosen) + ";" + ",".join(map(str, points))
    if vote_type == "scoring":
        points = [rng.randint(-2, 3) for _ in chosen]
        return ",".join(chosen) + ";" + ",".join(map(str, points))
    return ",".join(chosen)
