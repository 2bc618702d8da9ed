"""Seed a benchmark database: the Riverton demo catalogue plus N service requests in total.

    .venv/bin/python bench/seed.py --db sqlite   --requests 1000000
    .venv/bin/python bench/seed.py --db postgres --requests 1000000

SQLite goes to /tmp/th-bench-sqlite/townhall.sqlite3 (TOWNHALL_VAR_DIR), PostgreSQL to the
database ``townhall_bench`` on 127.0.0.1 (created if missing); DATABASE_URL overrides
either. The demo builder makes the city and a small history; the rest is written through
``servicedesk.services.load_history`` (the importer's bulk path), one transaction and one
audit event per chunk, so an interrupted run resumes where it stopped and a finished one
is skipped.

The history is meant to look like a real city's: two years ending now, more requests on
summer weekdays in working hours, services weighted (potholes common, peaking in late
winter; graffiti and noise in summer), locations inside the districts with denser
districts getting more, and about 10% still open, most of them recent.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import math
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import benchenv
import numpy as np

ACTOR_PURPOSE = "bench-seed"
WINDOW_DAYS = 730

# Relative volume of the services that every city has; anything else in the catalogue
# gets DEFAULT_WEIGHT. Matching is on substrings of the service code.
SERVICE_WEIGHTS = {
    "POTHOLE": 12.0,
    "STREETLIGHT": 8.0,
    "GRAFFITI": 7.0,
    "MISSED": 7.0,
    "TRASH": 6.0,
    "DUMP": 6.0,
    "NOISE": 6.0,
    "PARKING": 5.0,
    "VEHICLE": 4.0,
    "TREE": 4.0,
    "SIGN": 3.0,
    "SIDEWALK": 3.0,
    "RODENT": 3.0,
    "WATER": 3.0,
    "SNOW": 3.0,
}
DEFAULT_WEIGHT = 2.0
SENSITIVE_WEIGHT = 0.5
# (peak month, amplitude) of each family's seasonality; the default is a mild summer peak.
SEASONS = {
    "POTHOLE": (3, 0.6),
    "SNOW": (1, 0.95),
    "GRAFFITI": (7, 0.3),
    "NOISE": (7, 0.5),
    "TREE": (6, 0.4),
    "RODENT": (8, 0.4),
    "STREETLIGHT": (12, 0.2),
}
DEFAULT_SEASON = (7, 0.1)
# Local (America/New_York) hour of day -> relative volume; shifted to UTC below.
HOURLY = [
    1,
    0.6,
    0.4,
    0.3,
    0.3,
    0.5,
    1.2,
    2.5,
    4,
    5,
    5.5,
    5.5,
    5,
    5.2,
    5,
    4.6,
    4,
    3.4,
    2.8,
    2.4,
    2,
    1.8,
    1.5,
    1.2,
]
OPEN_STATUSES = [
    ("new", 0.40),
    ("acknowledged", 0.25),
    ("in_progress", 0.20),
    ("action_scheduled", 0.10),
    ("reopened", 0.05),
]
CLOSED_STATUSES = [
    ("closed", 0.85),
    ("duplicate", 0.06),
    ("not_responsible", 0.04),
    ("no_further_action", 0.05),
]
CHANNELS = [("phone", 0.38), ("web", 0.32), ("app", 0.25), ("email", 0.03), ("walk_in", 0.02)]
STREETS = [
    "Main St",
    "River Rd",
    "Oak Ave",
    "Market St",
    "Elm St",
    "Bridge St",
    "Mill Rd",
    "Church St",
    "Park Ave",
    "Front St",
    "Walnut St",
    "Chestnut St",
    "Spruce St",
    "Pine St",
    "Cedar Ln",
    "Maple Ave",
    "Union St",
    "Water St",
    "High St",
    "Canal St",
]
PHRASES = [
    "reported by a neighbour",
    "been like this for a week",
    "getting worse",
    "near the bus stop",
    "outside the school",
    "on the corner",
    "second report",
    "dangerous for cyclists",
    "blocking the sidewalk",
    "at night only",
    "",
]
CLOSING_NOTES = {
    "closed": "Work completed.",
    "duplicate": "Already reported; merged with an earlier request.",
    "not_responsible": "Referred to the responsible agency.",
    "no_further_action": "Inspected; no action needed.",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--requests", type=int, default=1_000_000, help="total wanted")
    parser.add_argument("--history", type=int, default=1000, help="the demo builder's share")
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per transaction")
    parser.add_argument("--batch", type=int, default=5000, help="load_history batch_size")
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument(
        "--analyze",
        choices=["auto", "yes", "no"],
        default="auto",
        help="gather planner statistics after loading (auto: PostgreSQL only, as autovacuum "
        "would; SQLite has no automatic ANALYZE, so by default it gets none)",
    )
    args = parser.parse_args(argv)

    db = benchenv.detect(args.db)
    env = benchenv.environment(db)
    benchenv.apply(env)
    if db == "postgres":
        benchenv.ensure_postgres_database(env["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A big page cache keeps the five request indexes in memory while loading.
            cursor.execute("PRAGMA cache_size=-1000000")

    _build_city(args.history)
    created = _top_up(args.requests, args.chunk, args.batch, args.seed)
    if created and (args.analyze == "yes" or (args.analyze == "auto" and db == "postgres")):
        _analyze(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _summary()
    print(f"done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def _build_city(history: int) -> None:
    from townhall.demo.builder import build_demo_city, demo_exists

    if demo_exists():
        print("Riverton exists already", flush=True)
        return
    started = time.monotonic()
    kwargs: dict[str, Any] = {"requests": history}
    if "stdout" in inspect.signature(build_demo_city).parameters:
        kwargs["stdout"] = sys.stdout
    build_demo_city(**kwargs)
    print(f"built Riverton with {history} requests in {time.monotonic() - started:.1f} s")


def _top_up(total: int, chunk: int, batch: int, seed: int) -> int:
    """Load requests until there are ``total``; resumes an interrupted run. Returns rows added."""
    from townhall.audit.models import AuditEvent
    from townhall.lib.actors import Actor
    from townhall.servicedesk.models import ServiceRequest
    from townhall.servicedesk.services import load_history

    actor = Actor.system(ACTOR_PURPOSE)
    have = ServiceRequest.objects.count()
    if have >= total:
        print(f"{have:,} requests already (wanted {total:,}): nothing to do", flush=True)
        return 0
    # Rows this script loaded before (from its own audit events), so that a rerun after an
    # interruption continues the same timeline instead of starting a second one.
    done = sum(
        int(e.data.get("created", 0))
        for e in AuditEvent.objects.filter(actor_label=actor.label, action="requests.loaded")
    )
    base = have - done
    plan = total - base
    generator = Generator(seed, plan)
    print(f"{have:,} requests; loading {total - have:,} more in chunks of {chunk:,}", flush=True)
    added = 0
    started, cpu_started = time.monotonic(), time.process_time()
    for start in range(done, plan, chunk):
        stop = min(plan, start + chunk)
        t0, c0 = time.monotonic(), time.process_time()
        report = load_history(actor, generator.rows(start, stop), batch_size=batch)
        added += report.created
        elapsed = time.monotonic() - t0
        print(
            f"  {base + stop:>10,} rows  (+{report.created:,} in {elapsed:.1f} s, "
            f"{report.created / elapsed:,.0f} rows/s; this process's CPU "
            f"{(time.process_time() - c0) / max(1, report.created) * 1e6:.0f} us/row; "
            f"load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu_started
    print(
        f"loaded {added:,} requests in {elapsed:.0f} s ({added / elapsed:,.0f} rows/s); "
        f"this process used {cpu:.0f} CPU-seconds ({cpu / max(1, added) * 1e6:.0f} us/row)",
        flush=True,
    )
    return added


class Generator:
    """A believable history of ``count`` requests, generated chunk by chunk in time order."""

    def __init__(self, seed: int, count: int):
        from townhall.places.geometry import AreaIndex, parse_geometry
        from townhall.places.models import Area, Jurisdiction
        from townhall.servicedesk.models import Service
        from townhall.servicedesk.services import HistoricRequest

        self.seed = seed
        self.now = datetime.now(UTC).replace(microsecond=0)
        jurisdiction = Jurisdiction.objects.filter(slug="riverton.example").first()
        jurisdiction = jurisdiction or Jurisdiction.objects.default()
        if jurisdiction is None:
            raise SystemExit("no jurisdiction: the demo builder made nothing")
        self.services = list(
            Service.objects.active()
            .filter(jurisdiction=jurisdiction)
            .prefetch_related("attributes")
            .order_by("pk")
        )
        if not self.services:
            raise SystemExit("the demo catalogue has no active service")
        base = self._service_weights()
        # P(service | month): base weight times the family's seasonal curve.
        self.month_p = np.zeros((13, len(self.services)))
        for month in range(1, 13):
            season = np.array([_season(s.code, month) for s in self.services])
            weights = base * season
            self.month_p[month] = weights / weights.sum()
        self.attribute_plans = [_attribute_plan(s) for s in self.services]
        self.targets = self._service_levels()
        self.has_expected = "expected_at" in {f.name for f in dataclasses.fields(HistoricRequest)}

        areas = [a for a in Area.objects.filter(jurisdiction=jurisdiction).mapped() if a.geometry]
        self.area_ids = [a.pk for a in areas]
        self.geometries = [parse_geometry(a.geometry) for a in areas]
        populations = np.array([float(a.population or 1) for a in areas])
        self.area_p = populations / populations.sum() if areas else np.array([])
        self.index = AreaIndex(self.area_ids, self.geometries) if areas else None
        self.offsets = self._timeline(count)

    def _service_weights(self) -> np.ndarray:
        """The demo history's own mix when it is big enough to say, else the table above."""
        from django.db.models import Count

        from townhall.servicedesk.models import ServiceRequest

        counts = dict(
            ServiceRequest.objects.filter(service__in=self.services)
            .values_list("service_id")
            .annotate(n=Count("pk"))
            .values_list("service_id", "n")
        )
        if sum(counts.values()) >= 500:
            return np.array([counts.get(s.pk, 0) + 1.0 for s in self.services])
        return np.array([_weight(s) for s in self.services])

    def _service_levels(self) -> list[float | None]:
        """Each service's target in calendar seconds (working hours: 45 of the 168 a week)."""
        try:
            from townhall.servicedesk.models import ServiceLevel  # type: ignore[attr-defined]
        except ImportError:
            return [None] * len(self.services)
        hours = dict(
            ServiceLevel.objects.filter(service__in=self.services).values_list(
                "service_id", "target_hours"
            )
        )
        return [hours[s.pk] * 3600.0 * 168 / 45 if hours.get(s.pk) else None for s in self.services]

    def _timeline(self, count: int) -> np.ndarray:
        """Seconds before now of each request, oldest first."""
        rng = np.random.default_rng(self.seed)
        start = self.now - timedelta(days=WINDOW_DAYS)
        days = np.arange(WINDOW_DAYS + 1)
        dates = [start + timedelta(days=int(d)) for d in days]
        weights = np.array(
            [
                (1 + 0.2 * math.cos(2 * math.pi * (d.month - 7) / 12))
                * (0.65 if d.weekday() >= 5 else 1.0)
                * (1 + 0.15 * i / WINDOW_DAYS)  # a city that slowly gets better at 311
                for i, d in enumerate(dates)
            ]
        )
        hourly = np.roll(np.array(HOURLY), 5)  # New York local hours to UTC
        day = rng.choice(days, size=count, p=weights / weights.sum())
        hour = rng.choice(24, size=count, p=hourly / hourly.sum())
        midnight = start.replace(hour=0, minute=0, second=0).timestamp()
        stamps = midnight + day * 86400.0 + hour * 3600.0 + rng.uniform(0, 3600, size=count)
        latest = self.now.timestamp() - 60
        late = stamps > latest
        stamps[late] = latest - rng.uniform(0, 86400, size=int(late.sum()))
        stamps = np.floor(np.clip(stamps, start.timestamp(), latest))
        stamps.sort()
        return stamps

    def rows(self, start: int, stop: int) -> Iterator[tuple[int, Any]]:
        """The rows ``start:stop`` of the timeline, as ``(line, HistoricRequest)``."""
        from townhall.servicedesk.inputs import RequestInput
        from townhall.servicedesk.services import HistoricRequest

        rng = np.random.default_rng([self.seed, start])
        stamps = self.offsets[start:stop]
        n = len(stamps)
        requested = [datetime.fromtimestamp(float(s), UTC) for s in stamps]
        months = np.array([r.month for r in requested])
        service_idx = np.empty(n, dtype=np.int64)
        for month in range(1, 13):
            mask = months == month
            if mask.any():
                service_idx[mask] = rng.choice(
                    len(self.services), size=int(mask.sum()), p=self.month_p[month]
                )
        lons, lats, area_ids = self._locations(rng, n)

        age_days = (self.now.timestamp() - stamps) / 86400.0
        # ~10% open overall: a stale backlog of 6%, plus most of the last few weeks.
        is_open = rng.random(n) < 0.06 + 0.7 * np.exp(-age_days / 40.0)
        open_status = _pick(rng, OPEN_STATUSES, n)
        closed_status = _pick(rng, CLOSED_STATUSES, n)
        channels = _pick(rng, CHANNELS, n)
        # Resolution times are heavy-tailed: median about four days.
        resolve = np.minimum(rng.lognormal(math.log(4 * 86400), 1.2, size=n), age_days * 86400)
        acknowledge = np.minimum(rng.exponential(6 * 3600, size=n), resolve / 2)
        acknowledged_too = rng.random(n) < 0.3
        street = rng.integers(0, len(STREETS), size=n)
        number = rng.integers(1, 2400, size=n)
        phrase = rng.integers(0, len(PHRASES), size=n)
        choice = rng.random((n, 4))

        for i in range(n):
            service = self.services[service_idx[i]]
            at = requested[i]
            acked = at + timedelta(seconds=float(acknowledge[i]))
            updates: tuple[tuple[datetime, Any, str], ...]
            if is_open[i]:
                status = open_status[i]
                closed_at = None
                if status == "new":
                    updated, updates = at, ()
                else:
                    updated, updates = acked, ((acked, status, ""),)
            else:
                status = closed_status[i]
                closed_at = min(at + timedelta(seconds=float(resolve[i])), self.now)
                updated = closed_at
                closing = (closed_at, status, CLOSING_NOTES[status])
                updates = (
                    ((acked, "acknowledged", ""), closing) if acknowledged_too[i] else (closing,)
                )
            target = self.targets[service_idx[i]]
            expected = at + timedelta(seconds=target) if target else None
            text = PHRASES[phrase[i]]
            data = RequestInput(
                service=service,
                lat=round(float(lats[i]), 6),
                lon=round(float(lons[i]), 6),
                address=f"{number[i]} {STREETS[street[i]]}",
                description=f"{service.name}, {text}" if text else service.name,
                attributes=_answers(self.attribute_plans[service_idx[i]], choice[i]),
                channel=channels[i],
                requested_at=at,
            )
            yield (
                start + i,
                HistoricRequest(
                    data=data,
                    status=status,
                    updated_at=updated,
                    closed_at=closed_at,
                    status_notes=CLOSING_NOTES.get(status, ""),
                    area_id=area_ids[i],
                    updates=updates,
                    **({"expected_at": expected} if self.has_expected else {}),
                ),
            )

    def _locations(self, rng: np.random.Generator, n: int) -> tuple[Any, Any, list[int | None]]:
        if self.index is None:
            lats = 40.0 + rng.uniform(-0.05, 0.05, n)
            lons = -75.2 + rng.uniform(-0.05, 0.05, n)
            return lons, lats, [None] * n
        import shapely

        lons = np.empty(n)
        lats = np.empty(n)
        which = rng.choice(len(self.area_ids), size=n, p=self.area_p)
        for k, geometry in enumerate(self.geometries):
            slots = np.flatnonzero(which == k)
            min_x, min_y, max_x, max_y = geometry.bounds
            filled = 0
            while filled < len(slots):
                want = (len(slots) - filled) * 2 + 16
                xs = rng.uniform(min_x, max_x, want)
                ys = rng.uniform(min_y, max_y, want)
                inside = shapely.contains_xy(geometry, xs, ys)
                xs, ys = xs[inside], ys[inside]
                take = min(len(xs), len(slots) - filled)
                lons[slots[filled : filled + take]] = xs[:take]
                lats[slots[filled : filled + take]] = ys[:take]
                filled += take
        # The same smallest-area-wins rule as a live submission.
        return lons, lats, self.index.locate_many(lons, lats)


def _weight(service: Any) -> float:
    if service.is_sensitive:
        return SENSITIVE_WEIGHT
    for key, weight in SERVICE_WEIGHTS.items():
        if key in service.code:
            return weight
    return DEFAULT_WEIGHT


def _season(code: str, month: int) -> float:
    peak, amplitude = next((v for k, v in SEASONS.items() if k in code), DEFAULT_SEASON)
    return 1 + amplitude * math.cos(2 * math.pi * (month - peak) / 12)


def _attribute_plan(service: Any) -> list[tuple[str, str, list[str], bool]]:
    """(code, datatype, keys, required) for the answers a history row carries."""
    plan = []
    for attribute in service.attributes.all():
        if not attribute.variable:
            continue
        keys = [str(v["key"]) for v in attribute.values or []]
        plan.append((attribute.code, attribute.datatype, keys, attribute.required))
    return plan


def _answers(plan: list[tuple[str, str, list[str], bool]], dice: np.ndarray) -> dict[str, Any]:
    """Required questions always answered, optional list questions about half the time."""
    answers: dict[str, Any] = {}
    for j, (code, datatype, keys, required) in enumerate(plan):
        roll = float(dice[j % len(dice)])
        if not required and (roll < 0.5 or datatype not in {"singlevaluelist", "multivaluelist"}):
            continue
        if datatype == "singlevaluelist" and keys:
            answers[code] = keys[int(roll * 7919) % len(keys)]
        elif datatype == "multivaluelist" and keys:
            answers[code] = [keys[int(roll * 7919) % len(keys)]]
        elif datatype == "number":
            answers[code] = int(roll * 100)
        elif datatype == "datetime":
            answers[code] = "2025-01-01T09:00:00+00:00"
        else:
            answers[code] = "see description"
    return answers


def _pick(rng: np.random.Generator, table: list[tuple[str, float]], n: int) -> list[str]:
    names = [name for name, _ in table]
    p = np.array([w for _, w in table])
    return [names[i] for i in rng.choice(len(names), size=n, p=p / p.sum())]


def _analyze(connection: Any) -> None:
    started = time.monotonic()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE) servicedesk_servicerequest")
            cursor.execute("VACUUM (ANALYZE) servicedesk_requestupdate")
        else:
            cursor.execute("ANALYZE")
    print(f"planner statistics gathered in {time.monotonic() - started:.0f} s", flush=True)


def _summary() -> None:
    from django.db.models import Count, Q

    from townhall.servicedesk.models import OPEN_STATUSES, RequestUpdate, ServiceRequest

    totals = ServiceRequest.objects.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES))
    )
    top = ServiceRequest.objects.values("service__code").annotate(n=Count("pk")).order_by("-n")[:5]
    share = totals["open"] / max(1, totals["total"])
    print(
        f"{totals['total']:,} requests, {totals['open']:,} open ({share:.1%}), "
        f"{RequestUpdate.objects.count():,} timeline entries; top services: "
        + ", ".join(f"{t['service__code']} {t['n']:,}" for t in top),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
