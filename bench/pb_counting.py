"""Participatory-budgeting counting: Townhall's rules against pabutools 1.2.3.

    .venv/bin/python bench/pb_counting.py                 # everything (pabutools capped)
    .venv/bin/python bench/pb_counting.py --cap 60 --largest 3
    .venv/bin/python bench/pb_counting.py --skip-pabutools

Prints, for the largest real elections, the time of MES and MES+Add1 in Townhall and in
pabutools (same process for MES; MES+Add1 of pabutools runs in a forked child that is
killed at ``--cap`` seconds and then printed as "> N s (capped)"), then Townhall's
MES+Add1 on every file with the slowest one, then the peak memory of counting a synthetic
100,000-voter, 150-project approval election. Both wall-clock and CPU seconds are shown:
on a shared machine CPU time is the steadier of the two.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "pabulib"

from townhall.budgeting.rules import parse_pabulib, tally  # noqa: E402
from townhall.budgeting.rules.election import Election  # noqa: E402


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - wall, time.process_time() - cpu


def best_of(n, fn, *args, **kwargs):
    """Fastest of n runs (wall, cpu): the least disturbed by other load on the machine."""
    runs = [timed(fn, *args, **kwargs) for _ in range(n)]
    return runs[0][0], min(r[1] for r in runs), min(r[2] for r in runs)


def pabutools_mes(instance, profile, add1):
    from pabutools.election import Cost_Sat
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    if not add1:
        return [p.name for p in method_of_equal_shares(instance, profile, sat_class=Cost_Sat)]
    outcome = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    return [p.name for p in outcome]


def _capped_child(instance, profile, conn):
    wall, cpu = time.perf_counter(), time.process_time()
    selected = pabutools_mes(instance, profile, add1=True)
    conn.send((selected, time.perf_counter() - wall, time.process_time() - cpu))


def pabutools_add1_capped(instance, profile, cap):
    """(winners or None, wall s, cpu s) of pabutools' MES+Add1, killed after ``cap`` s."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_capped_child, args=(instance, profile, child))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc.start()
    child.close()
    if parent.poll(cap):
        selected, wall, cpu = parent.recv()
        proc.join()
        return selected, wall, cpu
    proc.kill()
    proc.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return None, cap, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def fmt(seconds):
    return f"{seconds * 1000:8.1f} ms" if seconds < 10 else f"{seconds:8.1f} s "


def compare_largest(count, cap, skip_pabutools):
    files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size, reverse=True)
    # The largest files, plus the one where Add1 needs the most MES reruns (~300).
    picked = files[:count] + [p for p in files if "Mokotow" in p.name and p not in files[:count]]
    print("\n## MES (cost satisfaction) and MES+Add1: Townhall vs pabutools\n")
    print("speed-up = pabutools CPU time / Townhall CPU time (wall clock is shown too)\n")
    print(f"{'instance':40s} {'voters':>7s} {'rule':9s} {'Townhall wall':>13s} {'cpu':>11s} "
          f"{'pabutools wall':>15s} {'cpu':>11s} {'speed-up':>9s}  same")  # fmt: skip
    for path in picked:
        e = parse_pabulib(path)
        instance = profile = None
        if not skip_pabutools:
            from pabutools.election import parse_pabulib as pb_parse

            instance, profile = pb_parse(str(path))
        for add1 in (False, True):
            completion = "add1" if add1 else "none"
            ours, wall, cpu = best_of(3, tally, e, "mes", "cost", completion)
            line = f"{path.name[:40]:40s} {e.num_voters:7d} {'MES+Add1' if add1 else 'MES':9s} "
            line += f"{fmt(wall):>13s} {fmt(cpu)}"
            if skip_pabutools:
                print(line, flush=True)
                continue
            if add1:
                theirs, their_wall, their_cpu = pabutools_add1_capped(instance, profile, cap)
            else:
                theirs, their_wall, their_cpu = timed(pabutools_mes, instance, profile, False)
            if theirs is None:
                capped = f"> {cap:.0f} s (capped)"
                ratio = f"> {their_cpu / cpu:.0f}x"
                line += f" {capped:>15s} {fmt(their_cpu)} {ratio:>9s}     ?"
            else:
                same = "yes" if theirs == ours.selected else "NO"
                line += f" {fmt(their_wall):>15s} {fmt(their_cpu)} {their_cpu / cpu:8.0f}x  {same}"
            print(line, flush=True)


def add1_everywhere():
    print("\n## Townhall MES+Add1 (then greedy) on every file, all satisfactions\n")
    slowest = (0.0, 0.0, "")
    total = 0.0
    for path in sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size):
        e = parse_pabulib(path)
        from townhall.budgeting.rules import satisfactions_for

        for sat in satisfactions_for(e.vote_type):
            result, wall, cpu = best_of(2, tally, e, "mes", sat, "add1")
            total += wall
            if wall > slowest[0]:
                slowest = (wall, cpu, f"{path.name} ({sat})")
            print(f"{path.name[:56]:56s} {sat:11s} {e.num_voters:7d} voters "
                  f"{result.details['add1_steps']:4d} steps {fmt(wall)} wall {fmt(cpu)} cpu",
                  flush=True)  # fmt: skip
    print(f"\nslowest: {slowest[2]}: {slowest[0]:.2f} s wall, {slowest[1]:.2f} s cpu; "
          f"all files: {total:.1f} s")  # fmt: skip


def synthetic_election(voters, projects, seed=1):
    """Approval ballots with a skewed popularity, 1-10 approvals each, like real cities."""
    import numpy as np

    from townhall.budgeting.rules.election import Project

    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.2, projects) + 0.05
    popularity /= popularity.sum()
    lengths = rng.integers(1, 11, voters)
    indices, indptr = [], [0]
    for k in lengths:
        chosen = rng.choice(projects, size=int(k), replace=False, p=popularity)
        indices.extend(chosen.tolist())
        indptr.append(len(indices))
    costs = rng.integers(10, 400, projects) * 1000
    return Election(
        meta={"description": "synthetic", "vote_type": "approval"},
        projects=tuple(Project(str(j + 1), int(c)) for j, c in enumerate(costs)),
        budget=int(costs.sum() // 4),
        vote_type="approval",
        voter_ids=[str(i + 1) for i in range(voters)],
        indptr=np.asarray(indptr, dtype=np.int64),
        indices=np.asarray(indices, dtype=np.int32),
    )


def peak_rss_mb():
    """This process's peak resident memory. /proc's VmHWM restarts at exec; ru_maxrss can
    carry the high-water mark of the (larger) benchmark process that forked us."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_child():
    """Run in a fresh interpreter so that its peak RSS is the counting's own."""
    import tempfile

    from townhall.budgeting.rules import write_pabulib

    e = synthetic_election(100_000, 150)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.pb"
        write_pabulib(e, path)
        size = path.stat().st_size
        parsed, parse_s, _ = timed(parse_pabulib, path)
    rss_before = peak_rss_mb()
    mes_result, mes_s, _ = timed(tally, parsed, "mes")
    add1_result, add1_s, _ = timed(tally, parsed, "mes", "cost", "add1")
    print(json.dumps({
        "file_mb": round(size / 2**20, 1),
        "parse_s": round(parse_s, 2),
        "mes_s": round(mes_s, 3),
        "mes_add1_s": round(add1_s, 3),
        "add1_steps": add1_result.details["add1_steps"],
        "funded": len(add1_result.selected),
        "peak_rss_mb_after_parse": round(rss_before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }))  # fmt: skip


def memory():
    print("\n## Synthetic 100,000 voters x 150 projects, approval (fresh process)\n")
    out = subprocess.run(
        [sys.executable, __file__, "--synthetic-child"], capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    for key, value in data.items():
        print(f"  {key:26s} {value}")
    verdict = "fits" if data["peak_rss_mb"] < 1024 else "DOES NOT FIT"
    print(f"  -> peak {data['peak_rss_mb']} MB: {verdict} in 1 GB")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cap", type=float, default=300, help="pabutools MES+Add1 cap (s)")
    parser.add_argument("--largest", type=int, default=4)
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--parts", default="compare,add1,memory", help="comma-separated")
    parser.add_argument("--synthetic-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.synthetic_child:
        synthetic_child()
        return
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, "
          f"load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min)")  # fmt: skip
    parts = args.parts.split(",")
    if "compare" in parts:
        compare_largest(args.largest, args.cap, args.skip_pabutools)
    if "add1" in parts:
        add1_everywhere()
    if "memory" in parts:
        memory()
    print(f"\n# load average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
