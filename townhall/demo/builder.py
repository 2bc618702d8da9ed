"""Build the demo city, Riverton: map, departments, catalogue, staff and two years of history.

This is a seeding tool. Where the apps offer a service function for a write (staff
accounts, the API key, the history bulk load, service levels) the builder calls it; the
jurisdiction, districts, departments, catalogue and business calendar are created with
plain ORM calls, inside the one ``transaction.atomic()`` that wraps the whole build and
ends with one ``demo.built`` audit event. A failure anywhere leaves nothing behind.

The history is planned first, outside the transaction (pure numpy, a few seconds), so the
database write lock is held only while rows are written.
"""

from __future__ import annotations

import gc
import secrets
import time as clock
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.accounts.models import Role, User
from townhall.accounts.services import create_api_key, create_user
from townhall.assistant.services import load_content
from townhall.audit import record
from townhall.demo.catalogue import DEPARTMENTS, GROUPS_ES, SERVICE_LEVEL_HOURS, SERVICES
from townhall.demo.city import DISTRICTS, KM_PER_DEG_LAT, KM_PER_DEG_LON, CityMap, build_map
from townhall.demo.history import Plan, PlannedRequest, city_holidays, default_request_count
from townhall.demo.history import plan_history as _plan_history
from townhall.demo.pb_import import load_past_election
from townhall.demo.pb_riverton import build_riverton_pb
from townhall.lib.actors import Actor
from townhall.places.models import Area, AreaKind, Jurisdiction
from townhall.servicedesk.calendar import WorkingTime, add_working_hours
from townhall.servicedesk.inputs import ContactInput, RequestInput
from townhall.servicedesk.models import (
    BusinessCalendar,
    Department,
    Holiday,
    Service,
    ServiceAttribute,
    ServiceLevel,
    Status,
)
from townhall.servicedesk.services import HistoricRequest, LoadReport, load_history

SLUG = "riverton.example"
NAME = "Riverton"
TIMEZONE = "America/New_York"
SOURCE = "demo:riverton"
API_KEY_NAME = "Riverton demo app"
ACTOR = Actor.system("demo")
MAX_YEARS = 10
MAX_REQUESTS = 2_000_000


@dataclass(frozen=True)
class StaffAccount:
    username: str
    password: str
    role: str
    name: str
    works_as: str


@dataclass(frozen=True)
class DemoCredentials:
    """What to tell whoever built the demo. Passwords and the key are shown only once.

    ``created`` is False when Riverton was already there: nothing was written, and the
    passwords and key (never stored in the clear) are left empty.
    """

    jurisdiction: str
    accounts: tuple[StaffAccount, ...]
    api_key: str
    created: bool = True
    requests: int = 0
    seconds: float = 0.0

    def as_text(self) -> str:
        if not self.created:
            return (
                f"{NAME} ({self.jurisdiction}) is already built; its passwords were shown "
                "when it was built."
            )
        lines = [
            f"{NAME} ({self.jurisdiction}): {self.requests:,} requests, built in "
            f"{self.seconds:.0f} s.",
            "",
            "Staff accounts (first sign-in asks for a second factor):",
        ]
        width = max(len(a.username) for a in self.accounts)
        lines += [f"  {a.username:<{width}}  {a.password}  {a.works_as}" for a in self.accounts]
        lines += ["", f"Open311 API key ({API_KEY_NAME}): {self.api_key}"]
        return "\n".join(lines)


# (username, role, first name, last name, what they do, departments they work in)
STAFF: tuple[tuple[str, Role, str, str, str, tuple[str, ...]], ...] = (
    ("demo.admin", Role.ADMIN, "Alex", "Adeyemi", "administrator (everything)", ()),
    (
        "demo.supervisor",
        Role.SUPERVISOR,
        "Sam",
        "Rivera",
        "supervisor, Public Works and Sanitation",
        ("PW", "SAN"),
    ),
    ("demo.publicworks", Role.STAFF, "Pat", "Okafor", "Public Works crew lead", ("PW",)),
    ("demo.sanitation", Role.STAFF, "Jordan", "Lee", "Sanitation dispatcher", ("SAN",)),
    ("demo.agent", Role.AGENT, "Casey", "Morales", "311 call-centre agent", ("311",)),
    ("demo.analyst", Role.ANALYST, "Robin", "Chen", "analyst (dashboards, reports)", ()),
)


def demo_exists() -> bool:
    """Whether Riverton is already in the database."""
    return Jurisdiction.objects.filter(slug=SLUG).exists()


def build_demo_city(
    *, seed: int = 2026, years: int = 2, requests: int | None = None, stdout: Writer | None = None
) -> DemoCredentials:
    """Build Riverton with ``years`` of history (about 25,000 requests a year by default).

    Safe to call again: when Riverton exists nothing is written and the result has
    ``created=False``. The same seed gives the same city and history relative to today.
    """
    if not 0 < years <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS}")
    count = default_request_count(years) if requests is None else requests
    if not 0 <= count <= MAX_REQUESTS:
        raise ValueError(f"requests must be between 0 and {MAX_REQUESTS:,}")
    say = _Progress(stdout)
    if demo_exists():
        say("Riverton is already built; nothing to do.")
        return _already_built()
    started = clock.monotonic()
    now = timezone.now()
    passwords = {username: secrets.token_urlsafe(12) for username, *_ in STAFF}
    # Password hashing is deliberately slow (about a second each) and releases the GIL:
    # it runs on the other core while the history is planned.
    with ThreadPoolExecutor(max_workers=2) as pool, _without_cyclic_gc():
        hashing = {username: pool.submit(make_password, raw) for username, raw in passwords.items()}
        city_map = build_map()
        say(f"Planning {count:,} requests over {years} years (seed {seed})…")
        plan = _plan_history(
            seed=seed, years=years, count=count, now=now, tz=ZoneInfo(TIMEZONE), city_map=city_map
        )
        hashes = {username: future.result() for username, future in hashing.items()}
        try:
            with transaction.atomic():
                if demo_exists():  # built by someone else while we were planning
                    return _already_built()
                credentials, report = _write(
                    plan, city_map, passwords, hashes, seed, years, now, say
                )
        except IntegrityError:
            if demo_exists():
                return _already_built()
            raise
    seconds = clock.monotonic() - started
    say(f"Done: {report.created:,} requests in {seconds:.1f} s.")
    return DemoCredentials(
        jurisdiction=SLUG,
        accounts=credentials[0],
        api_key=credentials[1],
        requests=report.created,
        seconds=seconds,
    )


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Hundreds of thousands of short-lived model objects make the cyclic collector run
    over and over for nothing (a fifth of the build's CPU); reference counting still
    frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write(
    plan: Plan,
    city_map: CityMap,
    passwords: dict[str, str],
    hashes: dict[str, str],
    seed: int,
    years: int,
    now: datetime,
    say: _Progress,
) -> tuple[tuple[tuple[StaffAccount, ...], str], LoadReport]:
    city = Jurisdiction.objects.create(
        slug=SLUG,
        name=NAME,
        is_default=True,
        timezone=TIMEZONE,
        contact="Riverton 311: call 311 or (215) 555-0111, riverton.example/311",
        key_service="Riverton 311",
    )
    areas = _districts(city, city_map)
    departments = _departments(city)
    services = _catalogue(city, departments)
    calendar = _business_calendar(city, now, years)
    _service_levels(services, calendar)
    accounts = _staff(passwords, hashes, departments)
    _key, raw_key = create_api_key(ACTOR, API_KEY_NAME)
    say(
        f"Created the map ({len(areas)} districts), {len(departments)} departments, "
        f"{len(services)} services and {len(accounts)} staff accounts."
    )
    content = load_content(ACTOR, city)
    say(f"Loaded {content.articles_created} help articles for the assistant.")
    pb = build_riverton_pb(city, seed=seed, now=now)
    say(f"Opened the vote in {pb.process.title}: {pb.on_ballot} projects on the ballot.")
    past = load_past_election(ACTOR, city)
    say(f"Imported, counted and published a real past vote: {past.title}.")
    say("Loading the history…")
    report = load_history(ACTOR, _historic_rows(plan, city, services, calendar), source=SOURCE)
    record(
        ACTOR,
        "demo.built",
        city,
        seed=seed,
        years=years,
        requests=report.created,
        duplicates_linked=report.linked,
        districts=len(areas),
        services=len(services),
        accounts=[a.username for a in accounts],
        anomalies=plan.anomalies,
    )
    return (tuple(accounts), raw_key), report


def _already_built() -> DemoCredentials:
    accounts = tuple(
        StaffAccount(username, "", role, f"{first} {last}", works_as)
        for username, role, first, last, works_as, _ in STAFF
    )
    return DemoCredentials(jurisdiction=SLUG, accounts=accounts, api_key="", created=False)


class Writer(Protocol):
    """Where progress goes: a file, ``sys.stdout`` or a management command's stdout."""

    def write(self, text: str, /) -> object: ...


class _Progress:
    def __init__(self, stdout: Writer | None):
        self.stdout = stdout

    def __call__(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")


# --- the city ------------------------------------------------------------------------------


def _districts(city: Jurisdiction, city_map: CityMap) -> dict[str, Area]:
    areas = {}
    for district in DISTRICTS:
        km2 = city_map.districts[district.code].area * KM_PER_DEG_LON * KM_PER_DEG_LAT
        demographics: dict[str, Any] = {
            **district.demographics,
            "area_km2": round(km2, 2),
            "population_per_km2": round(district.population / km2),
            "source": "fictional (Townhall demo)",
        }
        areas[district.code] = Area.objects.create(
            jurisdiction=city,
            code=district.code,
            name=district.name,
            kind=AreaKind.DISTRICT,
            geometry=city_map.geojson(district.code),
            population=district.population,
            demographics=demographics,
        )
    return areas


def _departments(city: Jurisdiction) -> dict[str, Department]:
    return {
        d.code: Department.objects.create(
            jurisdiction=city, code=d.code, name=d.name, email=d.email
        )
        for d in DEPARTMENTS
    }


def _catalogue(city: Jurisdiction, departments: dict[str, Department]) -> dict[str, Service]:
    services: dict[str, Service] = {}
    attributes: list[ServiceAttribute] = []
    for order, spec in enumerate(SERVICES, start=1):
        service = Service.objects.create(
            jurisdiction=city,
            code=spec.code,
            name=spec.name,
            description=spec.description,
            group=spec.group,
            keywords=", ".join(spec.keywords),
            type="realtime",
            department=departments[spec.department],
            service_notice=spec.notice,
            is_sensitive=spec.sensitive,
            allows_anonymous=spec.anonymous,
            order=order * 10,
            translations={
                "es": _without_blanks(
                    {
                        "name": spec.es_name,
                        "description": spec.es_description,
                        "group": GROUPS_ES[spec.group],
                        "keywords": ", ".join(spec.es_keywords),
                        "service_notice": spec.es_notice,
                    }
                )
            },
        )
        services[spec.code] = service
        for position, a in enumerate(spec.attributes, start=1):
            es: dict[str, Any] = {"description": a.es}
            if a.es_datatype_description:
                es["datatype_description"] = a.es_datatype_description
            if a.values:
                es["values"] = {c.key: c.es for c in a.values}
            attributes.append(
                ServiceAttribute(
                    service=service,
                    code=a.code,
                    order=position,
                    variable=a.variable,
                    datatype=a.datatype,
                    required=a.required and a.variable,
                    description=a.description,
                    datatype_description=a.datatype_description,
                    values=[{"key": c.key, "name": c.name} for c in a.values],
                    translations={"es": es},
                )
            )
    ServiceAttribute.objects.bulk_create(attributes)
    return services


def _without_blanks(texts: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in texts.items() if value}


def _business_calendar(city: Jurisdiction, now: datetime, years: int) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        jurisdiction=city,
        name="Riverton City Hall",
        working_days="01234",
        day_start=time(8),
        day_end=time(17),
    )
    first_year = now.year - years - 1
    Holiday.objects.bulk_create(
        [
            Holiday(calendar=calendar, date=day, name=name)
            for year in range(first_year, now.year + 2)
            for day, name, _stops in city_holidays(year)
        ]
    )
    return calendar


def _service_levels(services: dict[str, Service], calendar: BusinessCalendar) -> None:
    ServiceLevel.objects.bulk_create(
        [
            ServiceLevel(
                service=service,
                calendar=calendar,
                target_hours=SERVICE_LEVEL_HOURS[code],
                at_risk_hours=max(1, SERVICE_LEVEL_HOURS[code] // 4),
            )
            for code, service in services.items()
        ]
    )


def _staff(
    passwords: dict[str, str], hashes: dict[str, str], departments: dict[str, Department]
) -> list[StaffAccount]:
    accounts = []
    for username, role, first, last, works_as, codes in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user(ACTOR, username, f"{username}@riverton.example", role)
        user.password = hashes[username]  # the hash of passwords[username]
        user.role = role
        user.first_name, user.last_name = first, last
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.is_active = True
        user.save()
        user.departments.set([departments[code] for code in codes])
        accounts.append(
            StaffAccount(username, passwords[username], role, f"{first} {last}", works_as)
        )
    return accounts


# --- the history ---------------------------------------------------------------------------


def _historic_rows(
    plan: Plan, city: Jurisdiction, services: dict[str, Service], calendar: BusinessCalendar
) -> Iterator[tuple[int, HistoricRequest]]:
    requests = plan.requests
    index = Area.objects.filter(jurisdiction=city).index()
    area_ids = index.locate_many(
        np.array([r.lon for r in requests]), np.array([r.lat for r in requests])
    )
    hours = {code: SERVICE_LEVEL_HOURS[code] for code in services}
    working = WorkingTime(
        zone=ZoneInfo(TIMEZONE),
        working_days=frozenset(range(5)),
        day_start=time(8),
        day_end=time(17),
        holidays=frozenset(
            Holiday.objects.filter(calendar=calendar).values_list("date", flat=True)
        ),
    )
    statuses = {s.value: s for s in Status}
    no_contact = ContactInput()
    for line, (planned, area_id) in enumerate(zip(requests, area_ids, strict=True), start=1):
        yield (
            line,
            _historic(
                planned,
                services,
                area_id,
                statuses,
                no_contact,
                add_working_hours(planned.requested_at, hours[planned.service], working),
            ),
        )


def _historic(
    planned: PlannedRequest,
    services: dict[str, Service],
    area_id: int | None,
    statuses: dict[str, Status],
    no_contact: ContactInput,
    expected_at: datetime,
) -> HistoricRequest:
    contact = _contact(planned.contact) if planned.contact else no_contact
    return HistoricRequest(
        data=RequestInput(
            service=services[planned.service],
            lat=planned.lat,
            lon=planned.lon,
            address=planned.address,
            zipcode=planned.zipcode,
            description=planned.description,
            attributes=planned.attributes,
            contact=contact,
            channel=planned.channel,
            requested_at=planned.requested_at,
            language=planned.language,
        ),
        status=statuses[planned.status],
        updated_at=planned.updated_at,
        closed_at=planned.closed_at,
        status_notes=planned.status_notes,
        area_id=area_id,
        source=SOURCE,
        source_ref=planned.ref,
        updates=tuple((at, statuses[status], note) for at, status, note in planned.updates),
        expected_at=expected_at,
        parent_ref=planned.parent_ref,
    )


def _contact(fields: dict[str, str]) -> ContactInput:
    return ContactInput(
        email=fields.get("email", ""),
        first_name=fields.get("first_name", ""),
        last_name=fields.get("last_name", ""),
        phone=fields.get("phone", ""),
        device_id=fields.get("device_id", ""),
    )


def plan_history(
    *, seed: int = 2026, years: int = 2, requests: int | None = None, now: datetime | None = None
) -> Plan:
    """The history alone, without a database: for benchmarks and analytics tests."""
    count = default_request_count(years) if requests is None else requests
    return _plan_history(
        seed=seed,
        years=years,
        count=count,
        now=now or timezone.now(),
        tz=ZoneInfo(TIMEZONE),
        city_map=build_map(),
    )


__all__ = ["DemoCredentials", "StaffAccount", "build_demo_city", "demo_exists", "plan_history"]
