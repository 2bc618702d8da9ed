"""Open311 API under load: the production server against a seeded database.

    .venv/bin/python bench/seed.py --db sqlite --requests 1000000
    .venv/bin/python bench/open311_load.py --db sqlite --duration 20 --concurrency 16

Starts ``townhall serve`` (gunicorn) on 127.0.0.1, waits for /healthz, creates an API key
with ``townhall apikey create``, then runs each scenario as a closed loop: CONCURRENCY
clients, each sending its next request as soon as the previous answer arrived, for
DURATION seconds after a short warm-up. Any non-2xx answer or transport error counts as
an error. Prints p50/p95/p99 latency and throughput per scenario, a comparison with the
targets (GET p95 <= 50 ms; >= 200 POST/s without errors), and stops the server.

Scenarios:
  list  GET /open311/v2/requests.json?service_code=..&status=open&page=1..5&page_size=50
  get   GET /open311/v2/requests/{public_id}.json   (random existing requests)
  post  POST /open311/v2/requests.json               (form-encoded, api_key, attributes)

The load generator is one asyncio process speaking raw HTTP/1.1 (keep-alive when the
server allows it, which gunicorn's sync workers do not) over pre-rendered requests, so
it costs little CPU; it still shares the machine's cores with the server and the
database, and its own CPU use is printed so that it can be accounted for.
``--profile`` repeats each scenario with py-spy attached to the workers (not measured)
and prints where the workers spend their time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchenv

HOST = "127.0.0.1"  # the only host this script ever talks to
GET_P95_TARGET_MS = 50.0
POST_RATE_TARGET = 200.0
SCENARIOS = ("list", "get", "post")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Open311 API under load", formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in the loop")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop instead: requests arrive at this rate (Poisson), each on a free "
        "connection; latency counts from the planned arrival, so queueing is included",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: townhall serve's own, 2 x cores + 1)",
    )
    parser.add_argument("--threads", type=int, default=None, help="threads per worker")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--settings",
        choices=["production", "development"],
        default="production",
        help="production: TOWNHALL_ENV=production with SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL "
        "and SECURE_SSL_REDIRECT=false; development: TOWNHALL_ENV unset, DEBUG off",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--pages", type=int, default=5, help="list pages drawn from 1..PAGES")
    parser.add_argument(
        "--email-share",
        type=float,
        default=0.5,
        help="share of POSTs that leave an email (contact row + task)",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy each scenario after")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--min-rows", type=int, default=0, help="refuse to run below this")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--code",
        type=Path,
        default=None,
        help="serve a scratch copy of the source tree instead of this one "
        "(to measure a proposed change without editing the project)",
    )
    parser.add_argument(
        "--quiet-below",
        type=float,
        default=0.0,
        metavar="LOAD",
        help="before each scenario, wait (up to --quiet-wait s) until the "
        "1-minute load average is below LOAD; 0 = do not wait",
    )
    parser.add_argument("--quiet-wait", type=float, default=900.0)
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    db = benchenv.detect(args.db)
    env = benchenv.environment(db)
    server_env = benchenv.production(env) if args.settings == "production" else env
    random.seed(args.seed)

    facts = _sample_database(env, args)
    if facts["rows"] < args.min_rows:
        print(f"only {facts['rows']:,} requests (need {args.min_rows:,}): run bench/seed.py")
        return 2
    _print_header(db, args, facts)

    port = args.port or _free_port()
    log_path = Path(env["TOWNHALL_VAR_DIR"]) / f"bench-server-{port}.log"
    if args.code:
        code = args.code.resolve()
        server_env = {**server_env, "PYTHONPATH": str(code)}
        print(f"serving the source tree at {code}", flush=True)
    server = Server(server_env, port, args.workers, args.threads, log_path, args.code)
    results: list[Result] = []
    profiles: dict[str, list[str]] = {}
    try:
        server.start()
        api_key = server.create_api_key("bench-load")
        workload = Workload(facts, api_key, args)
        for name in scenarios:
            _wait_until_quiet(args.quiet_below, args.quiet_wait)
            result = asyncio.run(
                run_scenario(
                    name,
                    workload,
                    port,
                    args.concurrency,
                    args.warmup,
                    args.duration,
                    server,
                    rate=args.rate,
                )
            )
            results.append(result)
            print(result.line(), flush=True)
            if args.profile:
                profiles[name] = profile_scenario(name, workload, port, args, server)
    finally:
        server.stop()
    _print_table(results)
    for name, lines in profiles.items():
        print(f"\n## where the workers spend their time: {name}")
        print("\n".join(lines))
    print(f"\nserver log: {log_path}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "db": db,
                    "settings": args.settings,
                    "facts": {k: v for k, v in facts.items() if not k.startswith("_")},
                    "machine": _machine(),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "workers": server.workers_used,
                    "results": [r.as_dict() for r in results],
                    "profiles": profiles,
                },
                indent=2,
            )
        )
    return 1 if any(r.errors for r in results) else 0


# --- what to ask -------------------------------------------------------------------------


def _sample_database(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Row counts, and real ids, services and locations to build requests from."""
    benchenv.apply(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Max, Min

    # The code may have moved on since the database was seeded.
    call_command("migrate", interactive=False, verbosity=0)

    from townhall.servicedesk.models import Service, ServiceRequest

    rng = random.Random(args.seed)
    bounds = ServiceRequest.objects.aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    rows = bounds["n"] or 0
    public = ServiceRequest.objects.filter(service__is_sensitive=False)
    ids: list[str] = []
    points: list[tuple[float, float]] = []
    if rows:
        picks = list({rng.randint(bounds["lo"], bounds["hi"]) for _ in range(6000)})
        for start in range(0, len(picks), 500):
            chunk = picks[start : start + 500]
            for public_id, lat, lon in public.filter(pk__in=chunk).values_list(
                "public_id", "lat", "lon"
            ):
                ids.append(public_id)
                if lat is not None and lon is not None:
                    points.append((lat, lon))
    services = list(
        Service.objects.active().filter(is_sensitive=False).prefetch_related("attributes")
    )
    # The services that matter under load are the busiest ones: their filters match most.
    busiest = (
        public.values("service__code").annotate(n=Count("pk")).order_by("-n")[:5] if rows else []
    )
    list_codes = [b["service__code"] for b in busiest] or [s.code for s in services[:5]]
    open_rows = ServiceRequest.objects.open().count()
    facts = {
        "rows": rows,
        "open_rows": open_rows,
        "vendor": connection.vendor,
        "database": str(connection.settings_dict["NAME"]),
        "list_codes": list_codes,
        "_ids": ids,
        "_points": points or [(40.0, -75.2)],
        "_services": [_post_plan(s) for s in services],
    }
    connection.close()
    return facts


def _post_plan(service: Any) -> dict[str, Any]:
    """A service code with a valid answer for each of its required questions."""
    answers: list[tuple[str, str]] = []
    for attribute in service.attributes.all():
        if not attribute.variable or not attribute.required:
            continue
        keys = [str(v["key"]) for v in attribute.values or []]
        value = {
            "singlevaluelist": keys[0] if keys else "",
            "multivaluelist": keys[0] if keys else "",
            "number": "3",
            "datetime": "2026-01-05T09:30:00+00:00",
        }.get(attribute.datatype, "bench")
        answers.append((f"attribute[{attribute.code}]", value))
    return {"code": service.code, "answers": answers}


class Workload:
    """Pre-rendered HTTP/1.1 requests per scenario, so the clients only pick and send."""

    def __init__(self, facts: dict[str, Any], api_key: str, args: argparse.Namespace):
        self.host = HOST
        self.rng = random.Random(args.seed)
        self.facts = facts
        self.api_key = api_key
        self.args = args
        self.cache: dict[str, list[bytes]] = {}

    def requests(self, scenario: str, port: int) -> list[bytes]:
        if scenario not in self.cache:
            self.cache[scenario] = [self._render(scenario, port, i) for i in range(3000)]
        return self.cache[scenario]

    def _render(self, scenario: str, port: int, i: int) -> bytes:
        rng = self.rng
        host = f"{self.host}:{port}"
        if scenario == "list":
            query = urllib.parse.urlencode(
                {
                    "service_code": rng.choice(self.facts["list_codes"]),
                    "status": "open",
                    "page": rng.randint(1, self.args.pages),
                    "page_size": 50,
                }
            )
            return _get(host, f"/open311/v2/requests.json?{query}")
        if scenario == "get":
            public_id = rng.choice(self.facts["_ids"])
            return _get(host, f"/open311/v2/requests/{public_id}.json")
        plan = rng.choice(self.facts["_services"])
        lat, lon = rng.choice(self.facts["_points"])
        fields = [
            ("api_key", self.api_key),
            ("service_code", plan["code"]),
            ("lat", f"{lat:.6f}"),
            ("long", f"{lon:.6f}"),
            ("description", f"Load test report {i}: please have a look"),
            *plan["answers"],
        ]
        if rng.random() < self.args.email_share:
            fields += [("email", f"resident{i}@example.org"), ("first_name", "Bench")]
        body = urllib.parse.urlencode(fields).encode()
        head = (
            f"POST /open311/v2/requests.json HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nAccept: application/json\r\n\r\n"
        )
        return head.encode() + body


def _get(host: str, target: str) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()


# --- the load generator ------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    duration: float
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    client_cpu: float = 0.0  # cores used by this process
    server_cpu: float = 0.0  # cores used by the gunicorn workers
    machine_cpu: float = 0.0  # cores busy on the whole machine (database included)
    database_cpu: float = 0.0  # cores used by the PostgreSQL backends serving the workers
    load_before: float = 0.0  # 1-minute load average when the scenario started
    offered: float = 0.0  # open loop: the arrival rate (req/s); 0 for the closed loop

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        k = min(len(data) - 1, max(0, round(q / 100 * len(data) + 0.5) - 1))
        return data[k]

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def server_ms_per_request(self) -> float:
        """CPU the gunicorn workers spent per answer: robust to a busy machine."""
        return self.server_cpu * self.duration / max(1, self.completed) * 1000

    @property
    def ceiling(self) -> float:
        """Requests/s if the machine's cores did nothing but this (server, database, client).

        CPU alone: lock waits and queueing are not in it. On a busy machine it is a better
        guide to what an idle one would do than the measured rate.
        """
        used = (self.server_cpu + self.database_cpu + self.client_cpu) * self.duration
        return (os.cpu_count() or 1) / (used / max(1, self.completed))

    @property
    def others_cpu(self) -> float:
        """Cores busy with anything but this benchmark (other people's work, the kernel)."""
        return max(0.0, self.machine_cpu - self.server_cpu - self.client_cpu - self.database_cpu)

    @property
    def database_ms_per_request(self) -> float:
        return self.database_cpu * self.duration / max(1, self.completed) * 1000

    @property
    def rate(self) -> float:
        return (self.completed - self.errors) / self.duration

    def target(self) -> tuple[str, float, bool]:
        """(target text, measured/target, met)."""
        if self.scenario == "post":
            ratio = self.rate / POST_RATE_TARGET
            return (
                f">= {POST_RATE_TARGET:.0f} req/s, 0 errors",
                ratio,
                ratio >= 1 and not self.errors,
            )
        ratio = self.pct(95) / GET_P95_TARGET_MS
        return f"p95 <= {GET_P95_TARGET_MS:.0f} ms", ratio, ratio <= 1 and not self.errors

    def line(self) -> str:
        return (
            (f"[open loop at {self.offered:g} req/s] " if self.offered else "")
            + f"{self.scenario:5} {self.completed:7,} requests in {self.duration:.0f} s: "
            f"{self.rate:7.1f} ok/s, errors {self.errors}, p50 {self.pct(50):6.1f} ms, "
            f"p95 {self.pct(95):6.1f} ms, p99 {self.pct(99):6.1f} ms, max "
            f"{max(self.latencies_ms or [0]):6.0f} ms; cores busy: server {self.server_cpu:.2f}, "
            f"load generator {self.client_cpu:.2f}, whole machine {self.machine_cpu:.2f} "
            f"(other processes {self.others_cpu:.2f}); "
            f"worker CPU {self.server_ms_per_request:.1f} ms/request"
            + (
                f", PostgreSQL CPU {self.database_ms_per_request:.1f} ms/request"
                if self.database_cpu
                else ""
            )
            + f"; CPU ceiling {self.ceiling:.0f} req/s"
            + f"; load average before {self.load_before:.1f}; "
            f"statuses {dict(self.statuses)}"
            + (f"; e.g. {self.error_samples[0]}" if self.error_samples else "")
        )

    def as_dict(self) -> dict[str, Any]:
        text, ratio, met = self.target()
        return {
            "scenario": self.scenario,
            "duration_s": self.duration,
            "concurrency": self.concurrency,
            "offered_per_s": self.offered,
            "requests": self.completed,
            "ok_per_s": round(self.rate, 1),
            "errors": self.errors,
            "p50_ms": round(self.pct(50), 1),
            "p95_ms": round(self.pct(95), 1),
            "p99_ms": round(self.pct(99), 1),
            "max_ms": round(max(self.latencies_ms or [0]), 1),
            "statuses": dict(self.statuses),
            "error_samples": self.error_samples[:5],
            "cores_server": round(self.server_cpu, 2),
            "cores_load_generator": round(self.client_cpu, 2),
            "cores_machine": round(self.machine_cpu, 2),
            "cores_other_processes": round(self.others_cpu, 2),
            "worker_cpu_ms_per_request": round(self.server_ms_per_request, 2),
            "cores_postgres_backends": round(self.database_cpu, 2),
            "postgres_cpu_ms_per_request": round(self.database_ms_per_request, 2),
            "cpu_ceiling_per_s": round(self.ceiling, 1),
            "load_average_before": round(self.load_before, 2),
            "target": text,
            "measured_over_target": round(ratio, 2),
            "met": met,
        }


class Client:
    """One HTTP/1.1 connection, reopened whenever the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        chunked = keep = False
        keep = lines[0].startswith(b"HTTP/1.1")
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection":
                keep = value == b"keep-alive" or (keep and value != b"close")
        if chunked:
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                body += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            keep = False
        if not keep:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _open_loop(
    port: int, pool: list[bytes], rate: float, until: float, result: Result, connections: int = 64
) -> None:
    """Requests arrive at ``rate`` per second whatever the server does (Poisson arrivals).

    Each arrival takes a free keep-alive connection (up to ``connections``; beyond that it
    waits for one, and the wait counts). Latency is measured from the planned arrival time,
    so a server that falls behind shows it in the percentiles instead of slowing the
    generator down (no "coordinated omission").
    """
    rng = random.Random()
    free: asyncio.Queue[Client] = asyncio.Queue()
    for _ in range(connections):
        free.put_nowait(Client(port))
    tasks: set[asyncio.Task[None]] = set()

    async def one(raw: bytes, planned: float) -> None:
        client = await free.get()
        try:
            status, body = await asyncio.wait_for(client.send(raw), timeout=60)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            client.close()
            result.latencies_ms.append((time.perf_counter() - planned) * 1000)
            result.errors += 1
            result.statuses[type(exc).__name__] += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(repr(exc))
            return
        finally:
            free.put_nowait(client)
        result.latencies_ms.append((time.perf_counter() - planned) * 1000)
        result.statuses[str(status)] += 1
        if not 200 <= status < 300:
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"{status}: {body[:300]!r}")

    planned = time.perf_counter()
    while True:
        planned += rng.expovariate(rate)
        if planned >= until:
            break
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(pool[rng.randrange(len(pool))], planned))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    while not free.empty():
        free.get_nowait().close()


async def _loop(port: int, pool: list[bytes], until: float, result: Result | None) -> None:
    client = Client(port)
    rng = random.Random()
    try:
        while time.perf_counter() < until:
            raw = pool[rng.randrange(len(pool))]
            started = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(client.send(raw), timeout=60)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                client.close()
                if result is not None:
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                    result.errors += 1
                    result.statuses[type(exc).__name__] += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(repr(exc))
                continue
            if result is not None:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[str(status)] += 1
                if not 200 <= status < 300:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(f"{status}: {body[:300]!r}")
    finally:
        client.close()


async def run_scenario(
    name: str,
    workload: Workload,
    port: int,
    concurrency: int,
    warmup: float,
    duration: float,
    server: Server,
    rate: float = 0.0,
) -> Result:
    pool = workload.requests(name, port)
    if warmup > 0:
        until = time.perf_counter() + warmup
        await asyncio.gather(*(_loop(port, pool, until, None) for _ in range(concurrency)))
    result = Result(name, duration, concurrency, load_before=os.getloadavg()[0], offered=rate)
    cpu0, server0, machine0 = time.process_time(), server.cpu_seconds(), _machine_busy()
    database0 = server.database_cpu_seconds()
    started = time.perf_counter()
    until = started + duration
    if rate > 0:
        await _open_loop(port, pool, rate, until, result)
    else:
        await asyncio.gather(*(_loop(port, pool, until, result) for _ in range(concurrency)))
    # Clients finish their last request after the deadline; count the time they took.
    result.duration = time.perf_counter() - started
    result.client_cpu = (time.process_time() - cpu0) / result.duration
    result.server_cpu = (server.cpu_seconds() - server0) / result.duration
    result.machine_cpu = (_machine_busy() - machine0) / result.duration
    database1 = server.database_cpu_seconds()
    result.database_cpu = (
        sum(v - database0.get(pid, 0.0) for pid, v in database1.items()) / result.duration
    )
    return result


# --- the server ----------------------------------------------------------------------------


class Server:
    """``townhall serve`` in its own process group, started and stopped by this script."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        workers: int | None,
        threads: int | None,
        log_path: Path,
        code: Path | None = None,
    ):
        self.code = code.resolve() if code else benchenv.ROOT
        self.env = env
        self.port = port
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.workers_used: list[int] = []

    def start(self) -> None:
        command = [*self._townhall(), "serve", "--bind", f"{HOST}:{self.port}"]
        if self.workers:
            command += ["--workers", str(self.workers)]
        if self.threads:
            command += ["--threads", str(self.threads)]
        print(f"starting: {' '.join(command)}", flush=True)
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            command,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.code,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"the server exited ({self.process.returncode}); see {self.log_path}"
                )
            if _healthy(self.port):
                break
            time.sleep(0.5)
        else:
            raise SystemExit(f"no /healthz answer within 180 s; see {self.log_path}")
        # Wait until every worker has booted, so that the first scenario is not short-handed.
        time.sleep(2)
        self.workers_used = self.worker_pids()
        print(f"server up: pid {self.process.pid}, {len(self.workers_used)} workers", flush=True)

    def _townhall(self) -> list[str]:
        """The ``townhall`` command; for a scratch tree, the same entry point run from it."""
        if self.code == benchenv.ROOT:
            return [str(benchenv.BIN / "townhall")]
        return [sys.executable, "-m", "townhall.cli"]

    def create_api_key(self, name: str) -> str:
        out = subprocess.run(  # noqa: S603
            [*self._townhall(), "apikey", "create", name],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            cwd=self.code,
        )
        return out.stdout.strip().splitlines()[-1]

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        pids = [*self.worker_pids(), self.process.pid if self.process else 0]
        return sum(_cpu_seconds(pid) for pid in pids)

    def database_cpu_seconds(self) -> dict[int, float]:
        """CPU seconds of each PostgreSQL backend connected to the benchmark database."""
        url = self.env.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            return {}
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            pids = [
                int(row[0])
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ]
        return {pid: _cpu_seconds(pid) for pid in pids}

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Only our own process group: gunicorn's master and its workers.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _healthy(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=2) as sock:
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def _wait_until_quiet(below: float, patience: float) -> None:
    """Other work on a shared machine skews every figure: wait for it to calm down."""
    if below <= 0:
        return
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] >= below and time.monotonic() < deadline:
        print(f"  load average {os.getloadavg()[0]:.1f} >= {below}: waiting", flush=True)
        time.sleep(30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --- profiling -----------------------------------------------------------------------------

# Frames are classified by the innermost frame that matches; order = priority at equal depth.
CATEGORIES = [
    (
        "database driver: SQL execution and fetch (SQLite runs in the worker)",
        ("sqlite3/base.py", "psycopg/", "django/db/backends/utils.py:CursorWrapper"),
    ),
    (
        "transaction begin/commit",
        ("django/db/transaction.py", "base/base.py:BaseDatabaseWrapper._commit"),
    ),
    ("ORM: building SQL, making model instances", ("django/db/models/",)),
    ("geometry (shapely, area lookup)", ("shapely/", "townhall/places/geometry.py")),
    ("JSON/XML encoding", ("json/", "xml/", "defusedxml/")),
    ("templates", ("django/template/",)),
    ("Townhall code", ("townhall/",)),
    (
        "Django request handling, middleware, URL routing",
        (
            "django/core/handlers/",
            "django/middleware/",
            "django/urls/",
            "django/http/",
            "django/contrib/",
            "whitenoise/",
            "django/utils/",
            "django/dispatch/",
            "django/conf/",
            "axes/",
            "django_otp/",
        ),
    ),
    ("gunicorn: accept, HTTP parsing, writing, closing", ("gunicorn/",)),
]
IDLE_FRAMES = ("gunicorn/workers/sync.py:SyncWorker.wait", "gunicorn/arbiter.py", "selectors.py")


def profile_scenario(
    name: str, workload: Workload, port: int, args: argparse.Namespace, server: Server
) -> list[str]:
    """Run the scenario again with py-spy sampling every worker; summarise the stacks."""
    py_spy = benchenv.BIN / "py-spy"
    if not py_spy.exists():
        return [f"py-spy is not installed in {benchenv.BIN} (pip install py-spy)"]
    out = Path(tempfile.mkstemp(prefix=f"pyspy-{name}-", suffix=".txt")[1])
    command = [
        str(py_spy),
        "record",
        "--pid",
        str(server.process.pid if server.process else 0),
        "--subprocesses",
        "--idle",
        "--nonblocking",
        "--rate",
        "250",
        "--format",
        "raw",
        "--duration",
        str(int(args.duration)),
        "--output",
        str(out),
    ]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    time.sleep(1.0)
    asyncio.run(run_scenario(name, workload, port, args.concurrency, 0, args.duration, server))
    try:
        spy.wait(timeout=args.duration + 30)
    except subprocess.TimeoutExpired:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=10)
    return summarise_stacks(out.read_text() if out.exists() else "")


def summarise_stacks(collapsed: str, top: int = 12) -> list[str]:
    """Shares of worker time by category, and the functions with the most self time."""
    categories: Counter[str] = Counter()
    selfs: Counter[str] = Counter()
    inclusive: dict[str, int] = defaultdict(int)
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_key(f) for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames or any(idle in frames[-1] for idle in IDLE_FRAMES):
            continue
        total += count
        categories[_categorise(frames)] += count
        selfs[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return ["(no samples: is ptrace allowed? try running as root or with CAP_SYS_PTRACE)"]
    busy = total
    lines = [
        f"{total} samples of running worker code (250 Hz; py-spy leaves out threads that "
        "sleep in a system call: waiting for a request, for PostgreSQL, for SQLite's lock)",
        "share by category (innermost matching frame):",
    ]
    for category, count in categories.most_common():
        lines.append(f"  {count / max(1, busy):6.1%}  {category}")
    lines.append("functions with the most self time:")
    for frame, count in selfs.most_common(top):
        lines.append(f"  {count / max(1, busy):6.1%}  {frame}")
    lines.append("inclusive time of Townhall functions:")
    interesting = [f for f in inclusive if "townhall/" in f or "views" in f]
    for frame in sorted(interesting, key=lambda f: -inclusive[f])[:top]:
        lines.append(f"  {inclusive[frame] / max(1, busy):6.1%}  {frame}")
    return lines


def _frame_key(frame: str) -> str:
    """``function (path/to/file.py:123)`` -> ``package/file.py:function``."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/lib/python3":
                path = path.split("/", 1)[1] if "/" in path else path
            break
    else:
        if "/townhall/" in path:
            path = "townhall/" + path.split("/townhall/", 1)[1]
    return f"{path}:{function}"


def _categorise(frames: list[str]) -> str:
    for frame in reversed(frames):
        for category, markers in CATEGORIES:
            if any(marker in frame for marker in markers):
                return category
    return "other"


# --- reporting -----------------------------------------------------------------------------


def _machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    import sqlite3

    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory_gib": f"{int(memory) / 1024 / 1024:.1f}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def _print_header(db: str, args: argparse.Namespace, facts: dict[str, Any]) -> None:
    machine = _machine()
    print(
        f"Open311 under load: {facts['vendor']} ({facts['database']}), {facts['rows']:,} "
        f"requests ({facts['open_rows']:,} open); {args.settings} settings; "
        + (
            f"open loop at {args.rate:g} req/s, "
            if args.rate
            else f"closed loop of {args.concurrency} clients, "
        )
        + f"{args.duration:.0f} s per scenario; "
        f"{machine['cores']} cores ({machine['cpu']}), Python {machine['python']}",
        flush=True,
    )
    print(
        f"list filters: service_code in {facts['list_codes']}, status=open, "
        f"page 1..{args.pages}, page_size=50",
        flush=True,
    )


def _print_table(results: list[Result]) -> None:
    print()
    print(
        "| scenario | req/s (2xx) | errors | p50 ms | p95 ms | p99 ms | worker CPU ms/req "
        "| PostgreSQL CPU ms/req | CPU ceiling req/s | target | measured/target | met |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for r in results:
        text, ratio, met = r.target()
        print(
            f"| {r.scenario} | {r.rate:.1f} | {r.errors} | {r.pct(50):.1f} | {r.pct(95):.1f} "
            f"| {r.pct(99):.1f} | {r.server_ms_per_request:.1f} "
            f"| {f'{r.database_ms_per_request:.1f}' if r.database_cpu else '-'} "
            f"| {r.ceiling:.0f} | {text} | {ratio:.2f} "
            f"| {'yes' if met else 'no'} |"
        )


if __name__ == "__main__":
    sys.exit(main())
