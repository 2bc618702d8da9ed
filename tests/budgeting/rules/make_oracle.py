"""Record pabutools' winners for every real election, rule and satisfaction (the oracle).

The counting tests compare our rules with this file, because pabutools is far too slow to
run live on the large elections (MES with Add1 takes minutes to hours). Only pabutools
computes here; nothing is derived from Townhall's own code.

    .venv/bin/python tests/budgeting/rules/make_oracle.py            # resume, 600 s cap
    .venv/bin/python tests/budgeting/rules/make_oracle.py --timeout 7200 --retry-timeouts

Each entry runs in a forked child with a time cap; an entry that did not finish is stored as
``{"status": "timeout", "limit_s": N}`` and the tests skip it. Results are written after
every entry, so the script can be stopped and resumed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2].parent / "shared" / "data" / "pabulib"
ORACLE = HERE / "pabutools_oracle.json"

SATS_BY_TYPE = {
    "approval": ["cost", "cardinality"],
    "choose-1": ["cost", "cardinality"],
    "cumulative": ["cost", "cardinality", "points"],
    "scoring": ["cost", "cardinality", "points"],
    "ordinal": ["cost", "cardinality", "borda"],
}


def combos(vote_type: str) -> list[str]:
    keys = []
    for sat in SATS_BY_TYPE[vote_type]:
        keys += [f"greedy/{sat}/none", f"mes/{sat}/none", f"mes/{sat}/add1"]
    if vote_type in ("approval", "choose-1"):
        keys.append("phragmen/-/none")
    return keys


def pabutools_outcome(instance: Any, profile: Any, key: str) -> list[str]:
    """What a pabutools user writes for each of our rule names."""
    from pabutools.election import (
        Additive_Borda_Sat,
        Additive_Cardinal_Sat,
        Cardinality_Sat,
        Cost_Sat,
    )
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    sat_class = {
        "cost": Cost_Sat,
        "cardinality": Cardinality_Sat,
        "points": Additive_Cardinal_Sat,
        "borda": Additive_Borda_Sat,
        "-": None,
    }
    rule, sat, completion = key.split("/")
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=sat_class[sat])
    elif rule == "phragmen":
        outcome = sequential_phragmen(instance, profile)
    elif completion == "none":
        outcome = method_of_equal_shares(instance, profile, sat_class=sat_class[sat])
    else:
        # MES with Add1 (one more unit of currency per voter per step), then greedy with the
        # same satisfaction: the combination pabutools' documentation recommends.
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {"sat_class": sat_class[sat], "voter_budget_increment": 1},
                {"sat_class": sat_class[sat]},
            ],
        )
    return [p.name for p in outcome]


def _child(path: str, key: str, conn: Any) -> None:
    from pabutools.election import parse_pabulib

    instance, profile = parse_pabulib(path)
    kind = "profile"
    if key.endswith("add1") and profile.num_ballots() > 1000:
        # Add1 reruns MES hundreds of times; pabutools' documentation recommends its
        # multiprofile (identical ballots merged, same exact algorithm) to make that
        # bearable. Small instances use the plain profile, and the live tests check both.
        profile = profile.as_multiprofile()
        kind = "multiprofile"
    started = time.monotonic()
    selected = pabutools_outcome(instance, profile, key)
    conn.send(
        {"selected": selected, "seconds": round(time.monotonic() - started, 3), "profile": kind}
    )


class Job:
    """One oracle entry computed in a forked child, killed when over its time limit."""

    def __init__(self, path: Path, key: str, timeout: float):
        ctx = mp.get_context("fork")
        self.path, self.key, self.timeout = path, key, timeout
        self.conn, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(str(path), key, child))
        self.started = time.monotonic()
        self.proc.start()
        child.close()

    def result(self) -> dict[str, Any] | None:
        """The entry's result once there is one (finished, failed or timed out)."""
        if self.conn.poll(0):
            result = dict(self.conn.recv())
            self.proc.join()
            return result
        if not self.proc.is_alive():
            self.proc.join()
            return {"status": "error", "exitcode": self.proc.exitcode}
        if time.monotonic() - self.started > self.timeout:
            self.proc.kill()
            self.proc.join()
            return {"status": "timeout", "limit_s": self.timeout}
        return None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vote_type_of(path: Path) -> str:
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if line.lower().startswith("vote_type;"):
            return line.split(";", 1)[1].strip().lower()
    raise ValueError(f"{path}: no vote_type")


def load() -> dict[str, Any]:
    if ORACLE.exists():
        return dict(json.loads(ORACLE.read_text()))
    return {}


def save(oracle: dict[str, Any]) -> None:
    tmp = ORACLE.with_suffix(".tmp")
    tmp.write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, ORACLE)


def main(argv: list[str]) -> int:
    from importlib.metadata import version

    import pabutools  # noqa: F401 - fail early if the reference is missing

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", default="", help="substring of the file names to run")
    parser.add_argument("--rules", default="", help="substring of the keys, e.g. 'add1'")
    parser.add_argument("--retry-timeouts", action="store_true")
    parser.add_argument("--max-size", type=int, default=0, help="skip files larger (bytes)")
    parser.add_argument("--jobs", type=int, default=1, help="entries computed at once")
    parser.add_argument(
        "--mark-missing",
        metavar="REASON",
        help="record entries never attempted as not computed (so the file is complete)",
    )
    args = parser.parse_args(argv)

    oracle = load()
    oracle["pabutools_version"] = version("pabutools")
    oracle["generated_by"] = "tests/budgeting/rules/make_oracle.py (pabutools only)"
    instances = oracle.setdefault("instances", {})
    files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    work = []
    for path in files:
        if args.only not in path.name or (args.max_size and path.stat().st_size > args.max_size):
            continue
        entry = instances.setdefault(path.name, {})
        digest = sha256(path)
        if entry.get("sha256") != digest:
            entry.clear()
        entry["sha256"] = digest
        entry["vote_type"] = vote_type_of(path)
        results = entry.setdefault("results", {})
        for key in combos(entry["vote_type"]):
            if args.rules and args.rules not in key:
                continue
            old = results.get(key)
            if old is None or (
                args.retry_timeouts
                and old.get("status") == "timeout"
                and old.get("limit_s", 0) < args.timeout
            ):
                work.append((path, key))
    if args.mark_missing:
        for path, key in work:
            results = instances[path.name]["results"]
            results[key] = {"status": "not computed", "reason": args.mark_missing}
        save(oracle)
        print(f"marked {len(work)} entries as not computed")
        return 0
    # Cheap entries first, so that a stopped run has covered as much as possible.
    work.sort(key=lambda item: (item[1].endswith("add1"), item[0].stat().st_size))
    print(f"{len(work)} entries to compute", flush=True)
    running: list[Job] = []
    while work or running:
        while work and len(running) < args.jobs:
            path, key = work.pop(0)
            running.append(Job(path, key, args.timeout))
        time.sleep(0.05)
        for job in list(running):
            result = job.result()
            if result is None:
                continue
            running.remove(job)
            instances[job.path.name]["results"][job.key] = result
            save(oracle)
            status = result.get("status", "ok")
            elapsed = time.monotonic() - job.started
            print(f"{elapsed:8.1f}s {status:8s} {job.path.name} {job.key}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
