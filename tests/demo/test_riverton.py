"""The demo city: what a trainee, an analyst or a dashboard would notice about Riverton."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import shapely
from django.db import transaction
from django.test import override_settings

from townhall.accounts.models import ApiKey, Role, User
from townhall.audit.models import AuditEvent
from townhall.demo.builder import DemoCredentials, build_demo_city, demo_exists, plan_history
from townhall.demo.city import KM_PER_DEG_LAT, KM_PER_DEG_LON, build_map
from townhall.places.geometry import parse_geometry
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Datatype,
    Department,
    RequestUpdate,
    Service,
    ServiceAttribute,
    ServiceRequest,
    Status,
)
from townhall.servicedesk.validation import clean_attributes

LISTED_CODES = {
    "POTHOLE", "STREETLIGHT", "GRAFFITI", "MISSED_TRASH", "MISSED_RECYCLING", "BULKY_ITEM",
    "ILLEGAL_DUMPING", "ABANDONED_VEHICLE", "RODENT", "DEAD_ANIMAL", "TREE_DAMAGE", "SIDEWALK",
    "TRAFFIC_SIGNAL", "STREET_SIGN", "WATER_LEAK", "SEWER_BACKUP", "NOISE", "SNOW_ICE",
    "PARK_MAINTENANCE", "BUILDING_VIOLATION", "ILLEGAL_PARKING", "LITTER_BASKET",
    "HOMELESS_OUTREACH", "INFO_REQUEST",
}  # fmt: skip
LOCAL = ZoneInfo("America/New_York")
REQUESTS = 3000


@pytest.fixture(scope="module")
def riverton(django_db_setup, django_db_blocker) -> Iterator[DemoCredentials]:
    """One small Riverton for the whole module, rolled back at the end."""
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_demo_city(requests=REQUESTS, years=2)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def loaded(riverton, django_db_blocker) -> list[ServiceRequest]:
    with django_db_blocker.unblock():
        return list(ServiceRequest.objects.select_related("service", "area", "contact", "parent"))


@pytest.fixture
def requests(loaded, db) -> list[ServiceRequest]:
    return loaded


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL)


def test_riverton_is_the_default_city_in_new_york_time(riverton, db):
    city = Jurisdiction.objects.get(slug="riverton.example")
    assert (city.name, city.is_default, city.timezone) == ("Riverton", True, "America/New_York")
    assert riverton.created and riverton.requests == REQUESTS
    assert demo_exists()


def test_every_listed_service_is_in_the_catalogue_with_its_department(riverton, db):
    services = Service.objects.filter(jurisdiction__slug="riverton.example")
    assert set(services.values_list("code", flat=True)) >= LISTED_CODES
    for service in services:
        assert service.name and service.description and service.group
        assert service.department is not None
        assert service.type == "realtime"
    departments = set(Department.objects.values_list("name", flat=True))
    assert {"Public Works", "Sanitation", "Water & Sewer", "311 Contact Centre"} <= departments


def test_residents_words_find_the_right_service(riverton, db):
    keywords = {s.code: s.keyword_list for s in Service.objects.all()}
    assert {"rats", "mice"} <= set(keywords["RODENT"])
    assert "hole in road" in keywords["POTHOLE"]
    assert {"trash", "garbage", "bins"} <= set(keywords["MISSED_TRASH"])


def test_attributes_cover_every_open311_datatype_with_required_and_informational_ones(riverton, db):
    attributes = ServiceAttribute.objects.all()
    assert {a.datatype for a in attributes} == set(Datatype.values)
    assert attributes.filter(required=True).exists()
    informational = attributes.filter(variable=False)
    assert informational.exists()
    assert not informational.filter(required=True).exists()
    for attribute in attributes.filter(datatype__in=["singlevaluelist", "multivaluelist"]):
        assert len(attribute.values) >= 2, attribute


def test_everything_a_resident_reads_has_a_spanish_translation(riverton, db):
    for service in Service.objects.all():
        spanish = service.translations["es"]
        assert spanish["name"] and spanish["description"] and spanish["group"], service
        assert service.localized("name", "es") != service.name or service.code == "GRAFFITI"
    for attribute in ServiceAttribute.objects.all():
        spanish = attribute.translations["es"]
        assert spanish["description"], attribute
        assert set(spanish.get("values", {})) == set(attribute.value_keys), attribute
        assert all(spanish["values"].values()) if attribute.values else True


def test_homeless_outreach_is_sensitive(riverton, db):
    outreach = Service.objects.get(code="HOMELESS_OUTREACH")
    assert outreach.is_sensitive and outreach.group == "Social services"
    assert not Service.objects.exclude(code="HOMELESS_OUTREACH").filter(is_sensitive=True).exists()


def test_districts_tile_the_city_without_gaps_or_overlaps(riverton, db):
    areas = list(Area.objects.filter(jurisdiction__slug="riverton.example"))
    assert len(areas) == 12
    polygons = [parse_geometry(a.geometry) for a in areas]
    assert all(p.geom_type == "Polygon" for p in polygons)
    boundary = build_map().boundary
    union = shapely.union_all(polygons)
    assert shapely.symmetric_difference(union, boundary).area < 1e-6 * boundary.area
    overlaps = sum(
        polygons[i].intersection(polygons[j]).area
        for i in range(len(polygons))
        for j in range(i + 1, len(polygons))
    )
    assert overlaps < 1e-9 * boundary.area
    km2 = boundary.area * KM_PER_DEG_LON * KM_PER_DEG_LAT
    assert 90 < km2 < 130  # about 12 × 10 km with rounded corners and a river
    assert 420_000 < sum(a.population for a in areas) < 480_000
    assert max(a.population for a in areas) > 2.5 * min(a.population for a in areas)
    for area in areas:
        assert {"median_household_income", "share_renters", "share_over_65",
                "share_spanish_at_home"} <= set(area.demographics)  # fmt: skip


def test_every_request_lies_inside_its_district(requests):
    polygons = {a.pk: parse_geometry(a.geometry) for a in Area.objects.all()}
    assert all(r.area_id is not None for r in requests)
    for area_id, polygon in polygons.items():
        mine = [r for r in requests if r.area_id == area_id]
        assert mine, "every district has requests"
        inside = shapely.contains_xy(polygon, [r.lon for r in mine], [r.lat for r in mine])
        assert inside.all()


def test_potholes_peak_after_winter_and_snow_only_falls_in_winter(requests):
    months = Counter(
        (r.service.code, local(r.requested_at).month)
        for r in requests
        if r.service.code in ("POTHOLE", "SNOW_ICE")
    )
    spring = months["POTHOLE", 3] + months["POTHOLE", 4]
    summer = months["POTHOLE", 7] + months["POTHOLE", 8]
    assert spring > 1.8 * summer
    snow_months = {m for (code, m), n in months.items() if code == "SNOW_ICE" and n}
    assert snow_months and snow_months <= {12, 1, 2, 3}


def test_weekends_are_quieter_and_missed_trash_peaks_on_monday(requests):
    weekdays = Counter(local(r.requested_at).weekday() for r in requests)
    assert min(weekdays[d] for d in range(5)) > max(weekdays[5], weekdays[6])
    trash = Counter(
        local(r.requested_at).weekday() for r in requests if r.service.code == "MISSED_TRASH"
    )
    assert trash.most_common(1)[0][0] == 0


def test_noise_comes_at_night(requests):
    hours = Counter(local(r.requested_at).hour for r in requests if r.service.code == "NOISE")
    night = sum(hours[h] for h in (22, 23, 0, 1, 2))
    morning = sum(hours[h] for h in (6, 7, 8, 9, 10))
    assert night > 2 * morning


def test_closed_requests_close_after_they_were_filed_and_most_open_ones_are_recent(requests):
    now = datetime.now(UTC)
    open_ages = []
    for r in requests:
        if r.status in CLOSED_STATUSES:
            assert r.closed_at is not None and r.closed_at >= r.requested_at, r.public_id
            assert r.closed_at <= now
        else:
            assert r.status in OPEN_STATUSES and r.closed_at is None
            open_ages.append((now - r.requested_at).days)
    assert 0.005 < len(open_ages) / len(requests) < 0.15
    assert statistics.median(open_ages) < 120
    statuses = Counter(r.status for r in requests)
    for status in (Status.CLOSED, Status.NO_FURTHER_ACTION, Status.NOT_RESPONSIBLE,
                   Status.DUPLICATE, Status.IN_PROGRESS, Status.ACKNOWLEDGED):  # fmt: skip
        assert statuses[status] > 0, status
    assert statuses[Status.CLOSED] > len(requests) / 2


def test_duplicates_point_to_an_earlier_nearby_report_of_the_same_problem(requests):
    duplicates = [r for r in requests if r.status == Status.DUPLICATE]
    assert len(duplicates) > 30
    for child in duplicates:
        parent = child.parent
        assert parent is not None, child.public_id
        assert parent.service_id == child.service_id
        assert parent.requested_at < child.requested_at
        assert abs(parent.lat - child.lat) < 0.003 and abs(parent.lon - child.lon) < 0.004


def test_timelines_start_with_receipt_and_end_with_the_status(requests):
    updates: dict[int, list[RequestUpdate]] = {}
    for update in RequestUpdate.objects.order_by("at", "pk"):
        updates.setdefault(update.request_id, []).append(update)
    for r in requests:
        timeline = updates[r.pk]
        assert timeline[0].status == Status.NEW and timeline[0].at == r.requested_at
        assert timeline[-1].status == r.status
        assert all(u.at >= r.requested_at for u in timeline)
        if r.closed_at:
            assert timeline[-1].at == r.closed_at and r.status_notes == timeline[-1].description


def test_answers_are_valid_for_their_service(requests):
    services = {s.pk: s for s in Service.objects.prefetch_related("attributes")}
    for r in requests:
        cleaned, problems = clean_attributes(services[r.service_id], r.attributes)
        assert not problems, (r.public_id, problems)
        assert cleaned == r.attributes


def test_residents_write_descriptions_some_in_spanish_and_some_leave_an_email(requests):
    described = [r.description for r in requests if r.description]
    assert 0.6 < len(described) / len(requests) < 0.95
    assert any(r.address and r.address[0].isdigit() for r in requests)
    spanish = [d for d in described if any(w in d for w in ("calle", "Hay ", "No ", "ratas"))]
    assert len(spanish) > 20
    with_contact = [r for r in requests if hasattr(r, "contact")]
    assert 0.3 < len(with_contact) / len(requests) < 0.9
    emails = [r.contact.email for r in with_contact if r.contact.email]
    assert emails and all(e.endswith("@example.org") for e in emails)


def test_slowly_served_districts_wait_longer(requests):
    days: dict[str, list[float]] = {}
    for r in requests:
        if r.closed_at and r.status != Status.DUPLICATE:
            hours = (r.closed_at - r.requested_at).total_seconds() / 86400
            days.setdefault(r.area.code, []).append(hours)
    slow = statistics.median(days["riverside"] + days["eastgate"] + days["ironworks"])
    fast = statistics.median(days["northfield"] + days["cedar-heights"] + days["fairview"])
    assert slow > 1.5 * fast


def test_the_app_and_the_assistant_take_over_from_the_phone(requests):
    oldest = min(r.requested_at for r in requests)
    newest = max(r.requested_at for r in requests)
    span = newest - oldest
    first = Counter(r.channel for r in requests if r.requested_at < oldest + span / 4)
    last = Counter(r.channel for r in requests if r.requested_at > newest - span / 4)

    def share(counts: Counter[str], *channels: str) -> float:
        return sum(counts[c] for c in channels) / sum(counts.values())

    assert share(last, "app", "assistant") > share(first, "app", "assistant") + 0.1
    assert share(last, "phone") < share(first, "phone")
    assert first["assistant"] == 0 < last["assistant"]


def test_staff_can_sign_in_and_the_api_key_works(riverton, db):
    roles = {a.username: a for a in riverton.accounts}
    assert {Role.ADMIN, Role.SUPERVISOR, Role.STAFF, Role.AGENT, Role.ANALYST} <= {
        a.role for a in riverton.accounts
    }
    for account in riverton.accounts:
        user = User.objects.get(username=account.username)
        assert user.check_password(account.password)
        assert user.role == account.role
    admin = User.objects.get(username="demo.admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.get(username="demo.agent").is_superuser
    assert ApiKey.objects.verify(riverton.api_key) is not None
    assert len({a.password for a in roles.values()}) == len(roles)
    assert "demo.admin" in riverton.as_text() and riverton.api_key in riverton.as_text()


def test_building_again_changes_nothing(riverton, db):
    counts = (ServiceRequest.objects.count(), Area.objects.count(), Service.objects.count(),
              User.objects.count(), ApiKey.objects.count(), AuditEvent.objects.count())  # fmt: skip
    again = build_demo_city(requests=REQUESTS)
    assert not again.created and again.api_key == ""
    assert counts == (ServiceRequest.objects.count(), Area.objects.count(),
                      Service.objects.count(), User.objects.count(), ApiKey.objects.count(),
                      AuditEvent.objects.count())  # fmt: skip
    assert "already built" in again.as_text()


def test_the_build_is_one_audited_event(riverton, db):
    built = AuditEvent.objects.get(action="demo.built")
    assert built.actor_label == "system:demo"
    assert built.data["requests"] == REQUESTS
    assert AuditEvent.objects.filter(action="requests.loaded").count() == 1


def test_the_same_seed_plans_the_same_history():
    now = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)
    first = plan_history(seed=7, years=1, requests=400, now=now)
    second = plan_history(seed=7, years=1, requests=400, now=now)
    assert first.requests == second.requests
    other = plan_history(seed=8, years=1, requests=400, now=now)
    assert [r.lat for r in other.requests] != [r.lat for r in first.requests]
    assert all(r.requested_at < now for r in first.requests)
