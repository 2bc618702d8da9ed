"""What routing, the service-level clock and the duplicate search add to each submit, and
how long the periodic service-level scan takes, with ~1,000,000 requests in the database.

    TOWNHALL_VAR_DIR=/tmp/th-sla-bench .venv/bin/python bench/seed.py --db sqlite --requests 1000000
    TOWNHALL_VAR_DIR=/tmp/th-sla-bench .venv/bin/python bench/submit_overhead.py --db sqlite

(``--db postgres`` uses the database ``townhall_bench`` as ``seed.py`` does.) Targets:
routing + SLA + duplicate check add <= 10 ms p95 per submit; the periodic scan <= 5 s.

1. Settings like a real city's: every service gets a 48-working-hour target on a
   Monday–Friday calendar with holidays, and a few area-specific routing rules exist.
2. Per submit, on random points inside the districts with random services: the three
   steps timed one by one (``route``, ``sla.targets_for``, ``duplicates.candidates``),
   then whole ``submit_request`` calls with the steps on and with them stubbed out (the
   difference is the overhead as the resident's request sees it). The submits run in a
   transaction that is rolled back, so the database is unchanged.
3. The scan: a realistic periodic run (1,000 requests turning at risk and 1,000 breaching
   since the last run, among ~1M rows), an idle run, and the one-off catch-up after a bulk
   import of history (every old open request breaches at once), each from a known state.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date, timedelta
from typing import Any

import benchenv

DEFAULT_VAR_DIR = "/tmp/th-sla-bench"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 0.50) * 1000:6.2f} ms   p95 {pct(values, 0.95) * 1000:6.2f} ms   "
        f"p99 {pct(values, 0.99) * 1000:6.2f} ms"
    )


class Rollback(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--samples", type=int, default=2000, help="timed steps per kind")
    parser.add_argument("--submits", type=int, default=400, help="whole submits per variant")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("TOWNHALL_VAR_DIR", DEFAULT_VAR_DIR)
    db = benchenv.detect(args.db)
    benchenv.apply(benchenv.environment(db))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from townhall.servicedesk.models import ServiceRequest

    call_command("migrate", interactive=False, verbosity=0)
    total = ServiceRequest.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"requests in the database: {total:,}; load average {os.getloadavg()[0]:.1f}")
    _configure()
    rng = random.Random(args.seed)
    points = _points(rng, max(args.samples, args.submits * 2))
    _steps(points[: args.samples])
    _submits(points, args.submits)
    _scan(rng)
    return 0


def _configure() -> None:
    from townhall.lib.actors import Actor
    from townhall.places.models import Area, Jurisdiction
    from townhall.servicedesk.models import (
        BusinessCalendar,
        Department,
        Holiday,
        RoutingRule,
        Service,
        ServiceLevel,
    )
    from townhall.servicedesk.services import save_setting

    actor = Actor.system("bench")
    city = Jurisdiction.objects.default()
    assert city is not None, "seed the database first (bench/seed.py)"
    calendar = BusinessCalendar.objects.filter(name="Bench calendar").first()
    if calendar is None:
        calendar = save_setting(actor, BusinessCalendar(jurisdiction=city, name="Bench calendar"))
        for year in (2025, 2026, 2027):
            for month, day, name in [(1, 1, "New Year"), (7, 4, "July 4"), (12, 25, "Xmas")]:
                save_setting(
                    actor, Holiday(calendar=calendar, date=date(year, month, day), name=name)
                )
    for service in Service.objects.filter(jurisdiction=city):
        if not ServiceLevel.objects.filter(service=service).exists():
            save_setting(actor, ServiceLevel(service=service, calendar=calendar, target_hours=48))
    if not RoutingRule.objects.exists():
        departments = list(Department.objects.filter(jurisdiction=city))
        areas = list(Area.objects.filter(jurisdiction=city).mapped())
        for i, service in enumerate(Service.objects.filter(jurisdiction=city)[:8]):
            save_setting(
                actor,
                RoutingRule(
                    jurisdiction=city,
                    service=service,
                    area=areas[i % len(areas)],
                    department=departments[i % len(departments)],
                    queue="bench",
                ),
            )
        save_setting(actor, RoutingRule(jurisdiction=city, department=departments[0]))


def _points(rng: random.Random, count: int) -> list[tuple[Any, float, float, int | None]]:
    """(service, lat, lon, area id) near existing requests, so duplicates can be found."""
    from townhall.servicedesk.models import Service, ServiceRequest

    # Services a resident can file without answering required questions (the bench sends
    # no attributes), so that every sampled submit goes through.
    services = list(Service.objects.filter(is_active=True).prefetch_related("attributes"))
    top = ServiceRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    found: list[tuple[Any, float, float, int | None]] = []
    while len(found) < count:
        pks = [rng.randint(1, top) for _ in range(200)]
        for lat, lon, area_id in ServiceRequest.objects.filter(
            pk__in=pks, lat__isnull=False
        ).values_list("lat", "lon", "area_id"):
            jitter = rng.uniform(-0.002, 0.002), rng.uniform(-0.002, 0.002)
            found.append((rng.choice(services), lat + jitter[0], lon + jitter[1], area_id))
    return found[:count]


def _steps(points: list[tuple[Any, float, float, int | None]]) -> None:
    from django.utils import timezone

    from townhall.servicedesk import duplicates, sla
    from townhall.servicedesk.routing import route

    names = ["route", "sla", "duplicates", "all three"]
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    found = 0
    for service, lat, lon, area_id in points:
        now = timezone.now()
        marks = [(time.perf_counter(), time.thread_time())]
        route(service, area_id, {})
        marks.append((time.perf_counter(), time.thread_time()))
        sla.targets_for(service.pk, now)
        marks.append((time.perf_counter(), time.thread_time()))
        found += bool(duplicates.candidates(service, lat, lon, now=now, limit=1))
        marks.append((time.perf_counter(), time.thread_time()))
        for i, name in enumerate(names[:3]):
            wall[name].append(marks[i + 1][0] - marks[i][0])
            cpu[name].append(marks[i + 1][1] - marks[i][1])
        wall["all three"].append(marks[3][0] - marks[0][0])
        cpu["all three"].append(marks[3][1] - marks[0][1])
    print(f"\nthe three steps, {len(points)} samples (a duplicate candidate for {found}):")
    print("  wall-clock time (includes waiting for a CPU on a busy machine):")
    for name in names:
        print(f"    {name:<11} {ms(wall[name])}")
    print("  CPU time of this thread (the work itself; SQLite runs in-process):")
    for name in names:
        print(f"    {name:<11} {ms(cpu[name])}")


def _submits(points: list[tuple[Any, float, float, int | None]], count: int) -> None:
    from django.db import transaction

    from townhall.lib.actors import Actor
    from townhall.servicedesk import duplicates, services, sla
    from townhall.servicedesk.inputs import ContactInput, RequestInput
    from townhall.servicedesk.routing import Decision

    actor = Actor.system("bench")
    real = (services.route, services.sla.targets_for, services.duplicates.candidates)

    skipped: list[str] = []

    def run(sample: list[tuple[Any, float, float, int | None]]) -> list[float]:
        times: list[float] = []
        try:
            with transaction.atomic():
                for service, lat, lon, _area in sample:
                    data = RequestInput(
                        service=service,
                        lat=lat,
                        lon=lon,
                        description="bench",
                        attributes=_answers(service),
                        contact=ContactInput(email="bench@example.org"),
                    )
                    t0 = time.thread_time()
                    try:
                        with transaction.atomic():
                            services.submit_request(actor, data)
                    except services.InvalidInput as exc:
                        skipped.append(str(exc))
                        continue
                    times.append(time.thread_time() - t0)
                raise Rollback
        except Rollback:
            pass
        return times

    half = points[: count * 2]
    with_steps = run(half[::2])
    services.route = lambda s, a, attrs: Decision(s.department_id, "", None, "")  # type: ignore[assignment]
    sla.targets_for = lambda service_id, start: sla.NO_TARGET  # type: ignore[assignment]
    duplicates.candidates = lambda *a, **k: []  # type: ignore[assignment]
    try:
        without = run(half[1::2])
    finally:
        services.route, sla.targets_for, duplicates.candidates = real
    if skipped:
        print(f"  ({len(skipped)} refused by validation, e.g. {skipped[0]})")
    print(
        f"\nwhole submit_request, CPU time ({len(with_steps)} / {len(without)} submits, "
        "rolled back):"
    )
    print(f"  with the steps     {ms(with_steps)}")
    print(f"  steps stubbed out  {ms(without)}")
    print(
        f"  difference         p50 {(pct(with_steps, 0.5) - pct(without, 0.5)) * 1000:6.2f} ms   "
        f"p95 {(pct(with_steps, 0.95) - pct(without, 0.95)) * 1000:6.2f} ms"
    )


def _answers(service: Any) -> dict[str, Any]:
    """Valid answers to the service's required questions."""
    answers: dict[str, Any] = {}
    for attribute in service.attributes.all():
        if not (attribute.required and attribute.variable):
            continue
        if attribute.datatype in {"singlevaluelist", "multivaluelist"}:
            answers[attribute.code] = str(attribute.values[0]["key"])
        elif attribute.datatype == "number":
            answers[attribute.code] = "1"
        elif attribute.datatype == "datetime":
            answers[attribute.code] = "2026-05-01T09:30:00-04:00"
        else:
            answers[attribute.code] = "bench"
    return answers


def _scan(rng: random.Random) -> None:
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from townhall.lib.actors import Actor
    from townhall.servicedesk.models import OPEN_STATUSES, ServiceRequest, SlaState
    from townhall.servicedesk.services import scan_service_levels

    actor = Actor.system("bench-scan")
    open_ = ServiceRequest.objects.filter(status__in=sorted(OPEN_STATUSES))
    now = timezone.now()
    far = now + timedelta(days=3650)
    # A known state: every open request on track and due far ahead, nothing stale.
    open_.update(
        sla_state=SlaState.ON_TRACK,
        expected_at=far,
        at_risk_at=far,
        reminded_at=now,
        updated_at=now,
    )
    pks = list(open_.values_list("pk", flat=True))
    print(f"\nscan over {ServiceRequest.objects.count():,} requests ({len(pks):,} open):")

    def timed(label: str) -> None:
        started = time.perf_counter()
        total = {"at_risk": 0, "breached": 0, "reminded": 0}
        while True:
            report = scan_service_levels(actor)
            for key in total:
                total[key] += getattr(report, key)
            if not report:
                break
        elapsed = time.perf_counter() - started
        print(f"  {label:<34} {elapsed:6.2f} s   {total}")

    sample = rng.sample(pks, min(2000, len(pks)))
    ServiceRequest.objects.filter(pk__in=sample[:1000]).update(
        at_risk_at=now - timedelta(minutes=1)
    )
    ServiceRequest.objects.filter(pk__in=sample[1000:]).update(
        expected_at=now - timedelta(minutes=1)
    )
    timed("periodic (1,000 + 1,000 due)")
    timed("idle (nothing due)")
    open_.update(expected_at=F("requested_at") + timedelta(days=2), sla_state=SlaState.ON_TRACK)
    due = open_.filter(expected_at__lte=timezone.now()).count()
    timed(f"catch-up ({due:,} overdue at once)")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


if __name__ == "__main__":
    raise SystemExit(main())
